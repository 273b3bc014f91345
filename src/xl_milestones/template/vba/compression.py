"""The compression of [MS-OVBA] section 2.4.1, used by the dir stream and the module streams.

Owns `compress` and `decompress` of a CompressedContainer: a signature byte, then one chunk per
4096 bytes of input, each a run of flag bytes and tokens (literal bytes or copy tokens).
"""

from __future__ import annotations

CHUNK_SIZE = 4096
"""Decompressed bytes per chunk; a raw (uncompressed) chunk holds exactly this many."""

_SIGNATURE = 0x01
_MAX_COMPRESSED_DATA = 4096  # bytes of tokens and flag bytes after a chunk's 2-byte header
# Candidates tried per position, nearest first. The specification tries every earlier position;
# on long runs of few distinct bytes that is quadratic, and the nearest candidates almost always
# hold the longest match anyway. Any match found is a valid copy token.
_MAX_CANDIDATES = 64


class CompressionError(ValueError):
    """A compressed container that does not follow MS-OVBA 2.4.1."""


def _bit_count(difference: int) -> int:
    """Bits of a copy token given to the offset (MS-OVBA 2.4.1.3.19.1, CopyToken Help)."""
    # smallest integer >= log2(difference), at least 4
    return max((difference - 1).bit_length(), 4)


def compress(data: bytes) -> bytes:
    """Compress *data* into a CompressedContainer (MS-OVBA 2.4.1.3.6).

    The one place the specification pads: a last chunk that cannot be compressed into 4096 bytes
    (over about 3640 bytes of data without any repeat) is stored raw, and a raw chunk holds 4096
    bytes, so it is padded with zero bytes. Text never gets there; callers that must get their
    exact bytes back check with `decompress`.
    """
    view = bytes(data)
    out = bytearray([_SIGNATURE])
    for start in range(0, len(view), CHUNK_SIZE):
        out += _compress_chunk(view, start, min(start + CHUNK_SIZE, len(view)))
    return bytes(out)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """One CompressedChunk for data[start:end] (MS-OVBA 2.4.1.3.7)."""
    body = bytearray()
    current = start
    # positions of each 3-byte prefix seen in this chunk, nearest last: only a candidate that
    # shares the first three bytes can give a copy token (the shortest copy is 3 bytes)
    chains: dict[bytes, list[int]] = {}
    indexed = start
    overflow = False
    while current < end and not overflow:
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if current >= end:
                break
            while indexed < current:
                chains.setdefault(data[indexed : indexed + 3], []).append(indexed)
                indexed += 1
            offset, length = _match(data, start, current, end, chains)
            if length:
                if len(body) + 2 > _MAX_COMPRESSED_DATA:
                    overflow = True
                    break
                count = _bit_count(current - start)
                token = ((offset - 1) << (16 - count)) | (length - 3)
                body += token.to_bytes(2, "little")
                flags |= 1 << bit
                current += length
            else:
                if len(body) + 1 > _MAX_COMPRESSED_DATA:
                    overflow = True
                    break
                body.append(data[current])
                current += 1
        body[flag_index] = flags
        if len(body) >= _MAX_COMPRESSED_DATA:
            overflow = current < end
    if current < end:
        # Does not fit: a raw chunk of exactly 4096 bytes (MS-OVBA 2.4.1.3.10), zero-padded.
        raw = data[start:end]
        header = 0x3000 | (CHUNK_SIZE - 1)
        return header.to_bytes(2, "little") + raw + bytes(CHUNK_SIZE - len(raw))
    header = 0x8000 | 0x3000 | (len(body) + 2 - 3)
    return header.to_bytes(2, "little") + bytes(body)


def _match(
    data: bytes, chunk_start: int, current: int, end: int, chains: dict[bytes, list[int]]
) -> tuple[int, int]:
    """The longest earlier match in the chunk, nearest first on ties (MS-OVBA 2.4.1.3.19.4).

    Returns (offset, length), length 0 when no match of 3 bytes or more exists. A match may run
    into the bytes it is copying (offset smaller than length), as the decompressor allows.
    """
    if end - current < 3:
        return 0, 0
    candidates = chains.get(data[current : current + 3])
    if not candidates:
        return 0, 0
    # candidates exist only after the chunk's first byte, so current > chunk_start here
    count = _bit_count(current - chunk_start)
    limit = min((0xFFFF >> count) + 3, end - current)
    best_length = 0
    best_candidate = 0
    for tried, candidate in enumerate(reversed(candidates)):
        if tried == _MAX_CANDIDATES:
            break
        # only a candidate that also matches at best_length can be longer
        if best_length and data[candidate + best_length] != data[current + best_length]:
            continue
        length = _common_length(data, candidate, current, limit)
        if length > best_length:
            best_length = length
            best_candidate = candidate
            # The specification compares uncapped lengths; stopping at the cap only changes
            # which of several equally usable candidates is chosen.
            if length == limit:
                break
    if best_length < 3:
        return 0, 0
    return current - best_candidate, best_length


def _common_length(data: bytes, a: int, b: int, limit: int) -> int:
    """Length of the common prefix of data[a:] and data[b:], at most *limit* (a < b)."""
    # Grow the compared span geometrically, comparing only the new part (slices compare in C),
    # then bisect the last span: short matches stay cheap and long ones take few steps.
    low = 0
    step = 8
    while low < limit:
        high = min(low + step, limit)
        if data[a + low : a + high] != data[b + low : b + high]:
            break
        low = high
        step *= 2
    else:
        return limit
    high = min(low + step, limit)  # the first difference is in [low, high)
    while high - low > 1:
        mid = (low + high) // 2
        if data[a + low : a + mid] == data[b + low : b + mid]:
            low = mid
        else:
            high = mid
    return low


def decompress(container: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1); raise CompressionError if malformed."""
    if not container:
        raise CompressionError("empty compressed container: the signature byte 0x01 is missing")
    if container[0] != _SIGNATURE:
        raise CompressionError(f"bad signature byte 0x{container[0]:02X}, expected 0x01")
    out = bytearray()
    position = 1
    while position < len(container):
        if position + 2 > len(container):
            raise CompressionError(f"chunk header cut off at byte {position}")
        header = int.from_bytes(container[position : position + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise CompressionError(f"bad chunk signature at byte {position}")
        chunk_end = position + size
        if chunk_end > len(container):
            raise CompressionError(f"chunk at byte {position} runs past the end of the data")
        payload = container[position + 2 : chunk_end]
        if header & 0x8000:
            _decompress_chunk(payload, out, position + 2)
        else:
            if size != CHUNK_SIZE + 2:
                raise CompressionError(f"raw chunk at byte {position} is not 4096 bytes")
            out += payload
        position = chunk_end
    return bytes(out)


def _decompress_chunk(payload: bytes, out: bytearray, where: int) -> None:
    """Append the decompressed bytes of one compressed chunk's token sequences to *out*."""
    chunk_start = len(out)
    i = 0
    while i < len(payload):
        flags = payload[i]
        i += 1
        for bit in range(8):
            if i >= len(payload):
                break
            if not flags & (1 << bit):
                out.append(payload[i])
                i += 1
                continue
            if i + 2 > len(payload):
                raise CompressionError(f"copy token cut off at byte {where + i}")
            token = int.from_bytes(payload[i : i + 2], "little")
            i += 2
            difference = len(out) - chunk_start
            if difference == 0:
                raise CompressionError(f"copy token at the start of a chunk (byte {where + i})")
            count = _bit_count(difference)
            length = (token & (0xFFFF >> count)) + 3
            offset = (token >> (16 - count)) + 1
            if offset > difference:
                raise CompressionError(f"copy token at byte {where + i} reaches before its chunk")
            source = len(out) - offset
            if offset >= length:
                out += out[source : source + length]
            else:
                # overlapping copy: the bytes being written are read again
                for k in range(length):
                    out.append(out[source + k])
