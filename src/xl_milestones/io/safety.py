"""Checks a workbook package before any parser touches it: a sound zip directory, a bounded number
of parts, parts that neither overlap nor inflate past sane bounds (zip bombs), and XML parts
without a DTD (entity expansion, external entities). A file that fails raises WorkbookError.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xl_milestones.errors import UsageError, WorkbookError

ENV_MAX_UNCOMPRESSED = "XL_MILESTONES_MAX_UNCOMPRESSED"
ENV_MAX_PARTS = "XL_MILESTONES_MAX_PARTS"

_KIB = 1 << 10
_MIB = 1 << 20
_GIB = 1 << 30

# The 100,000-milestone benchmark workbook inflates to 133 MB (about 0.2 GB once refreshed);
# readers need up to three times a part's size in memory for a sheet of short strings. 1 GB
# leaves five times the largest workbook tested and keeps a hostile one within a few GB.
DEFAULT_MAX_UNCOMPRESSED = 1 * _GIB
# A large workbook with a few hundred sheets, pictures and charts has some thousands of parts.
DEFAULT_MAX_PARTS = 10_000
# Deflate cannot do better than about 1030 to 1, which a run of one byte reaches. Sheets that
# Excel and XlsxWriter write inflate 5 to 30 times (a million empty formatted rows: 29 times);
# only content repeated without a row counter goes past 100.
MAX_RATIO = 500
# Below this a part cannot hurt whatever its ratio.
RATIO_FLOOR = 4 * _MIB
# The XML declaration, comments and processing instructions before the root element; Excel
# writes one short declaration.
_PROLOG_LIMIT = 64 * _KIB

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_SST_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b([^>]*)>")
_UNIQUE_COUNT = re.compile(rb'\buniqueCount="(\d+)"')
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": _KIB, "M": _MIB, "G": _GIB, "T": 1 << 40}


@dataclass(frozen=True, slots=True)
class Limits:
    """How far a package may go before it is refused."""

    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED
    max_parts: int = DEFAULT_MAX_PARTS
    max_ratio: int = MAX_RATIO
    ratio_floor: int = RATIO_FLOOR


def parse_size(text: str) -> int:
    """``"2G"`` -> 2147483648; plain digits are bytes. Raises ValueError."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(text)
    value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    if value <= 0:
        raise ValueError(text)
    return value


def show_size(n: int) -> str:
    """A byte count for a message: ``2.0 GB``, ``512 MB``, ``900 KB``."""
    if n >= _GIB:
        return f"{n / _GIB:.1f} GB"
    if n >= _MIB:
        return f"{n / _MIB:.0f} MB"
    return f"{max(1, round(n / _KIB))} KB"


def limits_from_env(environ: Mapping[str, str] | None = None) -> Limits:
    """The limits, with the bounds the environment variables set; UsageError on a bad value."""
    env = os.environ if environ is None else environ
    total = DEFAULT_MAX_UNCOMPRESSED
    parts = DEFAULT_MAX_PARTS
    if text := env.get(ENV_MAX_UNCOMPRESSED, "").strip():
        try:
            total = parse_size(text)
        except ValueError:
            raise UsageError(
                f"{ENV_MAX_UNCOMPRESSED}={text!r} is not a size: give bytes or a number with "
                "K, M or G, e.g. 4G"
            ) from None
    if text := env.get(ENV_MAX_PARTS, "").strip():
        if not text.isdigit() or int(text) <= 0:
            raise UsageError(f"{ENV_MAX_PARTS}={text!r} is not a positive whole number")
        parts = int(text)
    return Limits(max_uncompressed=total, max_parts=parts)


# ------------------------------------------------------------------------------- the check


def check_package(path: str | os.PathLike[str], limits: Limits | None = None) -> None:
    """Refuse the workbook at ``path`` unless its zip package is safe to hand to a parser.

    Reads only the zip directory, each part's local header and the first bytes of each part, so
    it costs milliseconds even on a workbook of hundreds of megabytes.
    """
    file = Path(path)
    lim = limits if limits is not None else limits_from_env()
    try:
        with file.open("rb") as fh:
            _check(file, fh, lim)
    except OSError as exc:
        raise WorkbookError(
            f"{file}: cannot be read ({exc.strerror or exc}): check the path and its permissions"
        ) from None


def _damaged(file: Path, what: str) -> WorkbookError:
    return WorkbookError(
        f"{file}: the workbook is damaged ({what}): open it in Excel and save it again, "
        "or get a new copy of the file"
    )


def _check(file: Path, fh: BinaryIO, lim: Limits) -> None:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    count, cd_size, cd_offset = _directory(file, fh, size)
    if count > lim.max_parts or cd_size > lim.max_parts * 1024:
        raise WorkbookError(
            f"{file}: the file holds {count:,} parts, more than the {lim.max_parts:,} a workbook "
            f"is allowed here: it is not a workbook Excel wrote (set {ENV_MAX_PARTS} to raise "
            "the limit if it is genuine)"
        )
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _damaged(file, f"its zip directory cannot be read: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_parts:
            raise WorkbookError(
                f"{file}: the file holds {len(infos):,} parts, more than the "
                f"{lim.max_parts:,} a workbook is allowed here (set {ENV_MAX_PARTS} to raise it)"
            )
        _check_entries(file, fh, infos, lim, min(cd_offset, size))
        for info in infos:
            _check_prolog(file, zf, info)


def _directory(file: Path, fh: BinaryIO, size: int) -> tuple[int, int, int]:
    """Entry count, size and offset of the central directory, from its end record."""
    if size < _EOCD.size:
        raise _damaged(file, "too short to be a zip package")
    tail_start = max(0, size - (_EOCD.size + 0xFFFF))
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(_EOCD_SIG)
    while at >= 0 and at + _EOCD.size > len(tail):
        at = tail.rfind(_EOCD_SIG, 0, at)
    if at < 0:
        raise _damaged(file, "the end of its zip directory is missing: the file was cut short")
    _sig, _disk, _cd_disk, _n_disk, count, cd_size, cd_offset, _comment = _EOCD.unpack_from(
        tail, at
    )
    eocd_pos = tail_start + at
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = eocd_pos - _ZIP64_LOCATOR.size
        if loc >= 0:
            fh.seek(loc)
            sig, _d, z64_at, _t = _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))
            if sig == b"PK\x06\x07" and 0 <= z64_at <= size - _ZIP64_EOCD.size:
                fh.seek(z64_at)
                rec = _ZIP64_EOCD.unpack(fh.read(_ZIP64_EOCD.size))
                if rec[0] == b"PK\x06\x06":
                    count, cd_size, cd_offset = rec[7], rec[8], rec[9]
    if cd_size > size:
        raise _damaged(file, "its zip directory is larger than the file: the file was cut short")
    return count, cd_size, cd_offset


def _check_entries(
    file: Path, fh: BinaryIO, infos: list[zipfile.ZipInfo], lim: Limits, data_end: int
) -> None:
    total = 0
    seen: dict[str, str] = {}
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        name = info.filename
        folded = name.lower()
        if folded in seen:
            raise _damaged(file, f"it holds two parts named {seen[folded]}")
        seen[folded] = name
        if info.flag_bits & 0x1:
            raise WorkbookError(
                f"{file}: part {name} is encrypted inside the zip, which Excel never does: "
                "open the workbook in Excel and save it again"
            )
        if info.compress_type not in _ALLOWED_METHODS:
            raise WorkbookError(
                f"{file}: part {name} is compressed with zip method {info.compress_type}, which "
                "Excel never uses: open the workbook in Excel and save it again"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise _damaged(file, f"part {name} declares two different sizes")
        start = _data_start(file, fh, info)
        end = start + info.compress_size
        if end > data_end:
            raise _damaged(file, f"part {name} runs past the end of the file: it was cut short")
        spans.append((info.header_offset, end, name))
        ratio_base = max(info.compress_size, 1)
        if info.file_size > lim.ratio_floor and info.file_size > lim.max_ratio * ratio_base:
            raise WorkbookError(
                f"{file}: part {name} would inflate from {show_size(info.compress_size)} to "
                f"{show_size(info.file_size)}, {info.file_size // ratio_base:,} times, far beyond "
                "what Excel writes: the file looks like a zip bomb and is not read"
            )
        total += info.file_size
        if total > lim.max_uncompressed:
            raise WorkbookError(
                f"{file}: the workbook would inflate to more than "
                f"{show_size(lim.max_uncompressed)}, the limit for reading it: it is not read "
                f"(if it is genuine, set {ENV_MAX_UNCOMPRESSED}, e.g. to 8G, and run again)"
            )
    spans.sort()
    for (_a0, a1, a_name), (b0, _b1, b_name) in itertools.pairwise(spans):
        if b0 < a1:
            raise WorkbookError(
                f"{file}: parts {a_name} and {b_name} overlap inside the zip, which no "
                "spreadsheet program writes: the file looks like a zip bomb and is not read"
            )


def _data_start(file: Path, fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where the compressed bytes of ``info`` start, after a local header that agrees with the
    central directory (a reader may follow either)."""
    fh.seek(info.header_offset)
    head = fh.read(_LOCAL.size)
    if len(head) < _LOCAL.size:
        raise _damaged(file, f"part {info.filename} is cut short")
    (sig, _v, _os, flags, method, _t, _d, crc, csize, usize, name_len, extra_len) = _LOCAL.unpack(
        head
    )
    if sig != b"PK\x03\x04":
        raise _damaged(file, f"the header of part {info.filename} is missing")
    if method != info.compress_type:
        raise _damaged(file, f"part {info.filename} declares two compression methods")
    if not flags & 0x8:
        # Sizes are in the local header (no data descriptor): they must be the directory's.
        if usize != 0xFFFFFFFF and usize != info.file_size:
            raise _damaged(file, f"part {info.filename} declares two different sizes")
        if csize != 0xFFFFFFFF and csize != info.compress_size:
            raise _damaged(file, f"part {info.filename} declares two different sizes")
        if crc != info.CRC:
            raise _damaged(file, f"part {info.filename} declares two different checksums")
    return info.header_offset + _LOCAL.size + int(name_len) + int(extra_len)


# ---------------------------------------------------------------------------------- the XML


def _check_prolog(file: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DTD before its root element: Excel never writes one, and
    a DTD is what entity expansion and external entities need."""
    if info.file_size == 0 or info.is_dir():
        return
    try:
        with zf.open(info) as stream:
            head = stream.read(min(info.file_size, 1024))
            if not _looks_like_xml(head):
                return
            verdict = _prolog(head)
            while verdict is None and len(head) < min(info.file_size, _PROLOG_LIMIT):
                more = stream.read(min(_PROLOG_LIMIT, info.file_size) - len(head))
                if not more:
                    break
                head += more
                verdict = _prolog(head)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise _damaged(file, f"part {info.filename} cannot be inflated: {exc}") from None
    if verdict is None and len(head) >= _PROLOG_LIMIT:
        raise WorkbookError(
            f"{file}: part {info.filename} has more than {_PROLOG_LIMIT // _KIB} KB before its "
            "first element, which Excel never writes: open the workbook in Excel and save it again"
        )
    if verdict == "dtd":
        raise WorkbookError(
            f"{file}: part {info.filename} declares a DTD (entities), which Excel never writes "
            "and which can make a reader expand text without end or fetch other files: "
            "the workbook is not read; open it in Excel and save it again"
        )
    _check_string_count(file, info, head)


def _check_string_count(file: Path, info: zipfile.ZipInfo, head: bytes) -> None:
    """calamine sets aside room for the ``uniqueCount`` a shared-strings part declares before
    reading it: a count of four billion asked for 100 GB and aborted the process. A string
    takes at least five bytes (``<si/>``), which bounds any honest count."""
    root = _SST_ROOT.search(_as_ascii(head))
    if root is None:
        return
    declared = _UNIQUE_COUNT.search(root.group(1))
    if declared is None:
        return
    count = int(declared.group(1))
    if count > info.file_size // 5 + 16:
        raise _damaged(
            file,
            f"part {info.filename} declares {count:,} shared strings, more than its "
            f"{show_size(info.file_size)} can hold",
        )


def _looks_like_xml(head: bytes) -> bool:
    text = _as_ascii(head).lstrip()
    return text.startswith(b"<")


def _as_ascii(head: bytes) -> bytes:
    """The head of a part with a BOM dropped and UTF-16 narrowed to bytes, enough to find tags."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        big = head.startswith(b"\xfe\xff") or head[:2] == b"\x00<"
        body = head[2:] if head[:2] in (b"\xff\xfe", b"\xfe\xff") else head
        body = body[: len(body) // 2 * 2]
        text = body.decode("utf-16-be" if big else "utf-16-le", "replace")
        return text.encode("ascii", "replace")
    return head


def _prolog(head: bytes) -> str | None:
    """``"dtd"`` when a DOCTYPE comes before the root element, ``"ok"`` when the root element
    (or something that is not XML) comes first, None when ``head`` ends inside the prolog."""
    data = _as_ascii(head)
    pos, n = 0, len(data)
    while True:
        while pos < n and data[pos] in b" \t\r\n":
            pos += 1
        if pos >= n:
            return None
        rest = data[pos : pos + 9]
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            if end < 0:
                return None
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif rest.upper().startswith(b"<!DOCTYPE") or rest.upper().startswith(b"<!ENTITY"):
            return "dtd"
        elif len(rest) < 9 and b"<!DOCTYPE".startswith(rest.upper()):
            return None
        else:
            # The root element, or bytes that are not XML: the parser reports those.
            return "ok"
