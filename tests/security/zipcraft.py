"""Test helper: write zip packages byte by byte, so that a test can build what no honest writer
makes: a part declaring one size and inflating to another, a multi-gigabyte part of zeros that
costs megabytes to build, entries that overlap, a central directory that lies.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_ZIP64_MARK = 0xFFFFFFFF
_MIB = 1 << 20


@dataclass
class Entry:
    """One entry: its raw (already compressed) bytes and what the headers say about them."""

    name: str
    raw: bytes | list[bytes]
    crc: int
    size: int  # uncompressed size the headers declare
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    local_size: int | None = None  # a different uncompressed size in the local header
    offset: int | None = None  # set by write_zip
    alias: str | None = None  # no bytes of its own: the directory points at this entry's

    @property
    def compressed_size(self) -> int:
        return len(self.raw) if isinstance(self.raw, bytes) else sum(len(c) for c in self.raw)


def deflated(name: str, data: bytes, *, level: int = 6) -> Entry:
    """An honest deflated entry."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Entry(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


@cache
def _zero_blocks() -> tuple[bytes, bytes, int]:
    # After a full flush deflate starts afresh, so the block that one MiB of zeros compresses
    # to can be repeated: n copies inflate to n MiB of zeros.
    zeros = bytes(_MIB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    assert first == again
    tail = c.flush(zlib.Z_FINISH)
    return again, tail, zlib.crc32(zeros)


def zeros_entry(name: str, mib: int, *, prefix: bytes = b"", crc: bool = False) -> Entry:
    """``prefix`` then ``mib`` MiB of zeros, deflated, built without compressing them.

    The CRC is only computed when ``crc`` is set (it costs a pass over the zeros); a reader
    that checks it fails at the very end, by which time it has inflated everything.
    """
    block, tail, _ = _zero_blocks()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    chunks = [head] if head else []
    chunks.extend([block] * mib)
    chunks.append(tail)
    value = zlib.crc32(prefix)
    if crc:
        zeros = bytes(_MIB)
        for _ in range(mib):
            value = zlib.crc32(zeros, value)
    return Entry(name, chunks, value, len(prefix) + mib * _MIB)


def entries_of(path: Path, *, skip: Iterable[str] = ()) -> list[Entry]:
    """The entries of an existing zip, recompressed, except the names in ``skip``."""
    left_out = set(skip)
    out = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename not in left_out:
                out.append(deflated(info.filename, zf.read(info)))
    return out


def _chunks(raw: bytes | list[bytes]) -> Iterator[bytes]:
    if isinstance(raw, bytes):
        yield raw
    else:
        yield from raw


def write_zip(path: Path, entries: list[Entry], *, declared_count: int | None = None) -> Path:
    """Write ``entries`` as a zip at ``path``; ZIP64 fields where a size needs them."""
    with path.open("wb") as fh:
        for e in entries:
            if e.alias is not None:
                continue
            e.offset = fh.tell()
            name = e.name.encode("utf-8")
            size = e.size if e.local_size is None else e.local_size
            big = size >= _ZIP64_MARK or e.compressed_size >= _ZIP64_MARK
            extra = struct.pack("<HHQQ", 1, 16, size, e.compressed_size) if big else b""
            fh.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    45 if big else 20,
                    e.flags | 0x800,
                    e.method,
                    0,
                    0x21,
                    e.crc,
                    _ZIP64_MARK if big else e.compressed_size,
                    _ZIP64_MARK if big else size,
                    len(name),
                    len(extra),
                )
            )
            fh.write(name + extra)
            for chunk in _chunks(e.raw):
                fh.write(chunk)
        start = fh.tell()
        by_name = {e.name: e for e in entries}
        for e in entries:
            if e.alias is not None:
                e.offset = by_name[e.alias].offset
            name = e.name.encode("utf-8")
            assert e.offset is not None
            big = e.size >= _ZIP64_MARK or e.compressed_size >= _ZIP64_MARK
            extra = struct.pack("<HHQQ", 1, 16, e.size, e.compressed_size) if big else b""
            fh.write(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    45,
                    45 if big else 20,
                    e.flags | 0x800,
                    e.method,
                    0,
                    0x21,
                    e.crc,
                    _ZIP64_MARK if big else e.compressed_size,
                    _ZIP64_MARK if big else e.size,
                    len(name),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    e.offset,
                )
            )
            fh.write(name + extra)
        end = fh.tell()
        count = len(entries) if declared_count is None else declared_count
        fh.write(
            struct.pack(
                "<4sHHHHIIH",
                b"PK\x05\x06",
                0,
                0,
                min(count, 0xFFFF),
                min(count, 0xFFFF),
                end - start,
                start,
                0,
            )
        )
    return path
