"""MS-OVBA 2.4.1 compression: the specification's worked examples, round trips of random and
repetitive inputs up to 100 KB, each also decompressed by oletools' olevba. `make test` checks a
representative sample of sizes; the sweep of every size (`sweep` marker) runs in `make fuzz`."""

from __future__ import annotations

import random

import pytest
from oletools.olevba import decompress_stream

from xl_milestones.template.vba.compression import (
    CHUNK_SIZE,
    CompressionError,
    compress,
    decompress,
)

# [MS-OVBA] 3.2.1 No Compression Example
NO_COMPRESSION = (
    b"abcdefghijklmnopqrstuv.",
    "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E",
)
# [MS-OVBA] 3.2.2 Normal Compression Example
NORMAL_COMPRESSION = (
    b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20"
    " 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
)
# [MS-OVBA] 3.2.3 Maximum Compression Example: one literal, then one copy of 72 bytes at
# offset 1 that reads what it writes.
MAXIMUM_COMPRESSION = (b"a" * 73, "01 03 B0 02 61 45 00")

EXAMPLES = [NO_COMPRESSION, NORMAL_COMPRESSION, MAXIMUM_COMPRESSION]
# Incompressible data of more than this many bytes does not fit a compressed chunk:
# n literals need n + ceil(n / 8) bytes, and a chunk holds 4096.
MAX_INCOMPRESSIBLE = 3640


@pytest.mark.parametrize(("plain", "packed"), EXAMPLES, ids=["none", "normal", "maximum"])
def test_spec_examples_compress_to_the_published_bytes(plain: bytes, packed: str) -> None:
    assert compress(plain) == bytes.fromhex(packed)


@pytest.mark.parametrize(("plain", "packed"), EXAMPLES, ids=["none", "normal", "maximum"])
def test_spec_examples_decompress(plain: bytes, packed: str) -> None:
    assert decompress(bytes.fromhex(packed)) == plain
    assert bytes(decompress_stream(bytearray.fromhex(packed))) == plain


def _random(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _repetitive(size: int, seed: int) -> bytes:
    """Short runs from a tiny alphabet: long copy tokens, overlapping copies, many candidates."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        out += bytes([rng.choice(b"ab\r\n")]) * rng.choice((1, 2, 3, 5, 40, 300))
    return bytes(out[:size])


def _text(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = [b"Dim", b"As", b"Long", b"RunPython", b"End Sub", b"If", b"Then", b"' note", b"x"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + rng.choice((b" ", b"\r\n", b"    "))
    return bytes(out[:size])


def _padded(data: bytes) -> bytes:
    """What MS-OVBA gives back when the last chunk is stored raw: padded with zeros to 4096."""
    return data + bytes(-len(data) % CHUNK_SIZE)


def _check_round_trip(data: bytes) -> None:
    packed = compress(data)
    ours = decompress(packed)
    theirs = bytes(decompress_stream(bytearray(packed)))
    assert theirs == ours, f"olevba reads {len(data)} bytes differently"
    tail = len(data) % CHUNK_SIZE
    if ours == data:
        return
    # The only allowed difference is the specification's zero padding of a raw last chunk,
    # and only for a last chunk too long to hold as literals.
    assert ours == _padded(data), f"size {len(data)}: decompressed bytes differ"
    assert tail > MAX_INCOMPRESSIBLE, f"size {len(data)}: padded a chunk that would have fit"
    assert packed[-CHUNK_SIZE - 2 : -CHUNK_SIZE] == b"\xff\x3f", "last chunk must be raw"


KINDS = {
    "random": _random,
    "repetitive": _repetitive,
    "text": _text,
    "constant": lambda size, seed: b"a" * size,
}
# Every size up to 256 covers copy-token bit counts 4 to 8 and many flag bytes; the sweep
# below covers every size to 5000, past the first chunk boundary.
FAST_SIZES = [*range(0, 257), *range(257, 5001, 61)]
PARTS = 8


@pytest.mark.parametrize("kind", KINDS)
def test_sizes_to_5000(kind: str) -> None:
    for size in FAST_SIZES:
        _check_round_trip(KINDS[kind](size, size))


@pytest.mark.sweep
@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_size_to_5000(kind: str, part: int) -> None:
    for size in range(part, 5001, PARTS):
        _check_round_trip(KINDS[kind](size, size))


def test_text_never_needs_the_padded_raw_chunk() -> None:
    for size in range(3600, 4200, 53):
        data = _text(size, size)
        assert decompress(compress(data)) == data


def _large_sizes() -> list[int]:
    sizes = set(range(5000, 100 * 1024 + 1, 997))
    for k in range(1, 26):
        boundary = k * CHUNK_SIZE
        sizes |= {boundary - 1, boundary, boundary + 1}
        sizes |= {boundary + MAX_INCOMPRESSIBLE, boundary + MAX_INCOMPRESSIBLE + 1}
    sizes.add(100 * 1024)
    return sorted(s for s in sizes if 5000 < s <= 100 * 1024)


BOUNDARIES = [4095, 4096, 4097, 4096 + MAX_INCOMPRESSIBLE, 4096 + MAX_INCOMPRESSIBLE + 1, 8192]
# A representative sample of the sweep below: the edges of the third and fourth chunks (the
# first two are covered above), a raw last chunk far in, and every sixteenth of its evenly
# spaced sizes (the sample takes about a twelfth of the sweep's time).
SAMPLE_LARGE_SIZES = sorted(
    {k * CHUNK_SIZE + d for k in (2, 3) for d in (-1, 0, 1, MAX_INCOMPRESSIBLE)}
    | {24 * CHUNK_SIZE + MAX_INCOMPRESSIBLE + 1, 25 * CHUNK_SIZE - 1}
    | set(range(5000, 100 * 1024 + 1, 997)[::16])
)


@pytest.mark.parametrize("kind", KINDS)
def test_chunk_boundaries_and_100k(kind: str) -> None:
    for size in (*BOUNDARIES, 100 * 1024):
        _check_round_trip(KINDS[kind](size, size))


@pytest.mark.parametrize("kind", KINDS)
def test_a_sample_of_large_sizes_and_chunk_boundaries(kind: str) -> None:
    for size in SAMPLE_LARGE_SIZES:
        _check_round_trip(KINDS[kind](size, size))


@pytest.mark.sweep
@pytest.mark.parametrize("kind", KINDS)
def test_large_sizes_and_every_chunk_boundary_to_100k(kind: str) -> None:
    for size in _large_sizes():
        _check_round_trip(KINDS[kind](size, size))


def test_incompressible_last_chunk_is_stored_raw_and_padded() -> None:
    # 3641 random bytes need 3641 + 456 > 4096 bytes as literals: the spec stores them raw.
    data = _random(MAX_INCOMPRESSIBLE + 1, 7)
    packed = compress(data)
    assert len(packed) == 1 + 2 + CHUNK_SIZE
    assert decompress(packed) == _padded(data)
    fits = _random(MAX_INCOMPRESSIBLE, 7)
    assert decompress(compress(fits)) == fits


def test_repetition_compresses_hard() -> None:
    # one literal and one 4095-byte copy per chunk, 25 chunks
    packed = compress(b"x" * (25 * CHUNK_SIZE))
    assert len(packed) == 1 + 25 * (2 + 1 + 1 + 2)


def test_empty_input_is_just_the_signature() -> None:
    assert compress(b"") == b"\x01"
    assert decompress(b"\x01") == b""


@pytest.mark.parametrize(
    ("container", "message"),
    [
        (b"", "signature"),
        (b"\x02", "signature"),
        (b"\x01\x19", "header cut off"),
        (b"\x01\x19\xa0abc", "chunk signature"),
        (b"\x01\x19\xb0abc", "past the end"),
        (b"\x01\x05\x30" + b"x" * 8, "not 4096"),
        (b"\x01\x02\xb0\x01\x00\x00", "start of a chunk"),
        (b"\x01\x03\xb0\x02\x61\x00\xf0", "before its chunk"),
        (b"\x01\x02\xb0\x02\x61\x45", "cut off"),
    ],
)
def test_malformed_containers_are_rejected(container: bytes, message: str) -> None:
    with pytest.raises(CompressionError, match=message):
        decompress(container)
