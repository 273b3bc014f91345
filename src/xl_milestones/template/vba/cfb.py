"""A writer of compound files ([MS-CFB], version 3, 512-byte sectors), such as vbaProject.bin.

Owns `write_compound_file`: a tree of storages and streams in, the bytes of the file out. Small
streams go to the mini stream, the directory is a red-black tree per storage, and the output is
reproducible (no timestamps, no random fill).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
"""Streams shorter than this live in the mini stream (MS-CFB 2.2, header field)."""

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_MAX_REGULAR = 0xFFFFFFFA
_DIFSECT = 0xFFFFFFFC
_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT_ENTRIES = 109
_ENTRIES_PER_SECTOR = SECTOR_SIZE // 4
_DIR_ENTRY_SIZE = 128

_TYPE_STORAGE = 1
_TYPE_STREAM = 2
_TYPE_ROOT = 5
_RED = 0
_BLACK = 1


class CompoundFileError(ValueError):
    """A tree that cannot be written as a compound file (bad name, duplicate, too large)."""


Tree = Mapping[str, "bytes | Tree"]
"""A storage: names mapped to stream contents (bytes) or to nested storages (mappings)."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    index: int = 0


def sort_key(name: str) -> tuple[int, tuple[int, ...]]:
    """Directory order of MS-CFB 2.6.4: shorter names first, then by upper-cased UTF-16 units."""
    raw = name.encode("utf-16-le")
    units = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]
    return (len(units), tuple(_upper_unit(u) for u in units))


def _upper_unit(unit: int) -> int:
    # one code unit to one code unit only: 'ß'.upper() is 'SS', which the order does not use
    if 0xD800 <= unit <= 0xDFFF:
        return unit
    upper = chr(unit).upper()
    return ord(upper) if len(upper) == 1 and ord(upper) < 0x10000 else unit


def _check_name(name: str) -> None:
    if not name:
        raise CompoundFileError("an entry name cannot be empty")
    if len(name.encode("utf-16-le")) // 2 > 31:
        raise CompoundFileError(f"entry name {name!r} is longer than 31 UTF-16 characters")
    if any(ch in name for ch in "/\\:!"):
        raise CompoundFileError(f"entry name {name!r} contains one of / \\ : !")


def _build(name: str, node: bytes | Tree, kind: int | None = None) -> _Entry:
    if isinstance(node, bytes | bytearray):
        return _Entry(name, _TYPE_STREAM, bytes(node))
    entry = _Entry(name, kind or _TYPE_STORAGE)
    seen: set[str] = set()
    for child_name, child in node.items():
        _check_name(child_name)
        folded = child_name.upper()
        if folded in seen:
            raise CompoundFileError(f"two entries named {child_name!r} (names ignore case)")
        seen.add(folded)
        entry.children.append(_build(child_name, child))
    entry.children.sort(key=lambda e: sort_key(e.name))
    return entry


def _link_tree(siblings: list[_Entry]) -> int:
    """Make *siblings* (sorted) a balanced red-black tree; return the root's index.

    Splitting at the middle keeps every path to a leaf within one level of the others, so
    colouring the nodes of the deepest level red (when the tree is not perfect) and the rest
    black gives every path the same number of black nodes.
    """
    if not siblings:
        return _NOSTREAM
    depths: dict[int, int] = {}

    def place(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        node = siblings[mid]
        depths[id(node)] = depth
        node.left = place(lo, mid, depth + 1)
        node.right = place(mid + 1, hi, depth + 1)
        return node.index

    root = place(0, len(siblings), 0)
    deepest = max(depths.values())
    perfect = len(siblings) == 2 ** (deepest + 1) - 1
    for node in siblings:
        node.color = _RED if depths[id(node)] == deepest and not perfect else _BLACK
    return root


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i + 1 < count else _ENDOFCHAIN


def write_compound_file(tree: Tree) -> bytes:
    """The bytes of a compound file holding *tree* under its root storage."""
    root = _build("Root Entry", tree, _TYPE_ROOT)
    entries: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.index = len(entries)
        entries.append(entry)
        for child in entry.children:
            number(child)

    number(root)
    for entry in entries:
        if entry.kind != _TYPE_STREAM:
            entry.child = _link_tree(entry.children)
    root.color = _BLACK

    streams = [e for e in entries if e.kind == _TYPE_STREAM]
    small = [e for e in streams if 0 < len(e.data) < MINI_STREAM_CUTOFF]
    large = [e for e in streams if len(e.data) >= MINI_STREAM_CUTOFF]

    # The mini stream and its allocation table.
    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        count = -(-len(entry.data) // MINI_SECTOR_SIZE)
        entry.start = len(mini_fat)
        mini_fat.extend([0] * count)
        _chain(mini_fat, entry.start, count)
        mini_stream += entry.data.ljust(count * MINI_SECTOR_SIZE, b"\0")
    root.data = bytes(mini_stream)

    def sectors(size: int) -> int:
        return -(-size // SECTOR_SIZE)

    mini_fat_sectors = sectors(len(mini_fat) * 4)
    dir_sectors = sectors(len(entries) * _DIR_ENTRY_SIZE)
    mini_stream_sectors = sectors(len(mini_stream))
    large_sectors = [sectors(len(e.data)) for e in large]
    data_sectors = mini_fat_sectors + dir_sectors + mini_stream_sectors + sum(large_sectors)

    # The FAT must also cover its own sectors and the DIFAT sectors that list them.
    fat_sectors = 0
    difat_sectors = 0
    while True:
        total = data_sectors + fat_sectors + difat_sectors
        need_fat = sectors(total * 4)
        need_difat = -(-max(0, need_fat - _HEADER_DIFAT_ENTRIES) // (_ENTRIES_PER_SECTOR - 1))
        if (need_fat, need_difat) == (fat_sectors, difat_sectors):
            break
        fat_sectors, difat_sectors = need_fat, need_difat
    total = data_sectors + fat_sectors + difat_sectors
    if total > _MAX_REGULAR:
        raise CompoundFileError("the compound file would be too large")

    fat = [_FREESECT] * (fat_sectors * _ENTRIES_PER_SECTOR)
    cursor = 0
    fat_start = cursor
    for i in range(fat_sectors):
        fat[fat_start + i] = _FATSECT
    cursor += fat_sectors
    difat_start = cursor
    for i in range(difat_sectors):
        fat[difat_start + i] = _DIFSECT
    cursor += difat_sectors
    mini_fat_start = cursor if mini_fat_sectors else _ENDOFCHAIN
    _chain(fat, cursor, mini_fat_sectors)
    cursor += mini_fat_sectors
    dir_start = cursor
    _chain(fat, cursor, dir_sectors)
    cursor += dir_sectors
    root.start = cursor if mini_stream_sectors else _ENDOFCHAIN
    _chain(fat, cursor, mini_stream_sectors)
    cursor += mini_stream_sectors
    for entry, count in zip(large, large_sectors, strict=True):
        entry.start = cursor
        _chain(fat, cursor, count)
        cursor += count
    assert cursor == total

    out = bytearray(_header(fat_sectors, dir_start, mini_fat_start, len(mini_fat), difat_sectors))
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += _difat_sectors(fat_start, fat_sectors, difat_start, difat_sectors)
    if mini_fat_sectors:
        padded = mini_fat + [_FREESECT] * (mini_fat_sectors * _ENTRIES_PER_SECTOR - len(mini_fat))
        out += struct.pack(f"<{len(padded)}I", *padded)
    directory = b"".join(_dir_entry(e) for e in entries)
    unused = dir_sectors * SECTOR_SIZE // _DIR_ENTRY_SIZE - len(entries)
    directory += _empty_dir_entry() * unused
    out += directory
    out += bytes(mini_stream).ljust(mini_stream_sectors * SECTOR_SIZE, b"\0")
    for entry, count in zip(large, large_sectors, strict=True):
        out += entry.data.ljust(count * SECTOR_SIZE, b"\0")
    assert len(out) == SECTOR_SIZE * (1 + total)
    return bytes(out)


def _header(
    fat_sectors: int, dir_start: int, mini_fat_start: int, mini_fat_entries: int, difat: int
) -> bytes:
    mini_fat_sectors = -(-mini_fat_entries * 4 // SECTOR_SIZE)
    head = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        bytes(16),  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        bytes(6),
        0,  # number of directory sectors: must be 0 in version 3
        fat_sectors,
        dir_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_sectors,
        # first DIFAT sector follows the FAT sectors when there is one
        fat_sectors if difat else _ENDOFCHAIN,
        difat,
    )
    first = [i for i in range(min(fat_sectors, _HEADER_DIFAT_ENTRIES))]
    first += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(first))
    return head + struct.pack(f"<{_HEADER_DIFAT_ENTRIES}I", *first)


def _difat_sectors(fat_start: int, fat_sectors: int, difat_start: int, count: int) -> bytes:
    """The FAT sector numbers past the header's 109, 127 a sector, each sector chained on."""
    rest = [fat_start + i for i in range(_HEADER_DIFAT_ENTRIES, fat_sectors)]
    out = bytearray()
    per = _ENTRIES_PER_SECTOR - 1
    for k in range(count):
        part = rest[k * per : (k + 1) * per]
        part += [_FREESECT] * (per - len(part))
        following = difat_start + k + 1 if k + 1 < count else _ENDOFCHAIN
        out += struct.pack(f"<{_ENTRIES_PER_SECTOR}I", *part, following)
    return bytes(out)


def _dir_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    size = len(entry.data) if entry.kind != _TYPE_STORAGE else 0
    start = entry.start if size else (_ENDOFCHAIN if entry.kind == _TYPE_STREAM else 0)
    if entry.kind == _TYPE_ROOT and not size:
        start = _ENDOFCHAIN
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        bytes(16),  # CLSID
        0,  # state bits
        0,  # creation time
        0,  # modified time
        start,
        size,
    )


def _empty_dir_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        b"",
        0,
        0,
        0,
        _NOSTREAM,
        _NOSTREAM,
        _NOSTREAM,
        bytes(16),
        0,
        0,
        0,
        0,
        0,
    )
