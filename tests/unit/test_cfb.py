"""The compound-file writer, read back with olefile: streams, storages, the 4096-byte mini stream
cutoff, many streams, the FAT past the header's 109 entries, and red-black directory trees."""

from __future__ import annotations

import io
import random
import struct

import olefile
import pytest

from xl_milestones.template.vba.cfb import (
    MINI_STREAM_CUTOFF,
    SECTOR_SIZE,
    CompoundFileError,
    Tree,
    sort_key,
    write_compound_file,
)


def _open(data: bytes) -> olefile.OleFileIO:
    # DEFECT_INCORRECT: olefile raises on anything it finds incorrect, not only fatal
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def _flatten(tree: Tree, prefix: str = "") -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for name, node in tree.items():
        path = prefix + name
        if isinstance(node, bytes):
            out[path] = node
        else:
            out[path] = None
            out.update(_flatten(node, path + "/"))
    return out


def _check(tree: Tree) -> olefile.OleFileIO:
    data = write_compound_file(tree)
    assert len(data) % SECTOR_SIZE == 0
    ole = _open(data)
    expected = _flatten(tree)
    found = {"/".join(p) for p in ole.listdir(streams=True, storages=True)}
    assert found == set(expected)
    for path, content in expected.items():
        if content is None:
            assert ole.get_type(path) == olefile.STGTY_STORAGE
        else:
            assert ole.get_type(path) == olefile.STGTY_STREAM
            assert ole.get_size(path) == len(content)
            assert ole.openstream(path).read() == content, path
    _check_red_black(ole)
    return ole


def _check_red_black(ole: olefile.OleFileIO) -> None:
    """Each storage's children form a binary search tree in MS-CFB order, with red-black colours."""
    entries = ole.direntries

    def walk(sid: int, low: object, high: object) -> int:
        """Black height of the subtree at sid; checks order and the red rule."""
        if sid == olefile.NOSTREAM:
            return 1
        entry = entries[sid]
        key = sort_key(entry.name)
        assert low is None or key > low, "siblings out of order"
        assert high is None or key < high, "siblings out of order"
        for child in (entry.sid_left, entry.sid_right):
            if entry.color == 0 and child != olefile.NOSTREAM:
                assert entries[child].color == 1, "red node with a red child"
        left = walk(entry.sid_left, low, key)
        right = walk(entry.sid_right, key, high)
        assert left == right, "paths with different numbers of black nodes"
        return left + (1 if entry.color == 1 else 0)

    for entry in entries:
        if entry is not None and entry.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            if entry.sid_child != olefile.NOSTREAM:
                assert entries[entry.sid_child].color == 1, "root of a tree must be black"
            walk(entry.sid_child, None, None)


def test_streams_and_nested_storages() -> None:
    _check(
        {
            "PROJECT": b"ID=...\r\n",
            "PROJECTwm": b"\0\0",
            "VBA": {"dir": b"\x01" * 300, "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00"},
            "Empty storage": {},
            "Outer": {"Inner": {"deep": b"deep stream"}},
        }
    )


@pytest.mark.parametrize(
    "size",
    [0, 1, 63, 64, 65, 511, 512, 513, 4094, 4095, 4096, 4097, 8191, 8192, 8193, 70_000],
)
def test_sizes_around_the_mini_stream_cutoff(size: int) -> None:
    content = random.Random(size).randbytes(size)
    ole = _check({"small": b"s" * 10, "subject": content, "after": b"a" * 5000})
    entry = ole.direntries[ole._find("subject")]
    # olefile chooses the mini stream from the size: reading back right proves the placement
    assert entry.size == size
    assert (0 < size < MINI_STREAM_CUTOFF) == (0 < entry.size < ole.minisectorcutoff)


def test_many_streams_in_one_storage() -> None:
    rng = random.Random(3)
    tree: dict[str, bytes | Tree] = {
        f"Module{i}": rng.randbytes(rng.choice((0, 10, 100, 4095, 4096, 9000))) for i in range(300)
    }
    _check(tree)


@pytest.mark.parametrize("count", range(1, 40))
def test_every_tree_size_is_red_black(count: int) -> None:
    _check({f"s{i:02d}": bytes([i]) for i in range(count)})


def test_fat_larger_than_the_header_difat() -> None:
    # 8 MB needs more than 109 FAT sectors, so DIFAT sectors list the rest
    big = random.Random(1).randbytes(8_000_000)
    data = write_compound_file({"big": big, "small": b"x"})
    header_difat_sectors = struct.unpack_from("<I", data, 0x48)[0]
    assert header_difat_sectors >= 1
    ole = _open(data)
    assert ole.openstream("big").read() == big
    assert ole.openstream("small").read() == b"x"


def test_directory_order_is_length_then_upper_case() -> None:
    names = ["b", "A", "aa", "Zz", "VBA", "dir", "PROJECT", "PROJECTwm", "_VBA_PROJECT"]
    ordered = sorted(names, key=sort_key)
    assert ordered == ["A", "b", "aa", "Zz", "dir", "VBA", "PROJECT", "PROJECTwm", "_VBA_PROJECT"]


def test_output_is_reproducible() -> None:
    tree: Tree = {"a": b"1" * 5000, "b": {"c": b"2"}}
    assert write_compound_file(tree) == write_compound_file(tree)


def test_header_fields() -> None:
    data = write_compound_file({"a": b"x"})
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    minor, major, order, shift, mini_shift = struct.unpack_from("<HHHHH", data, 24)
    assert (minor, major, order, shift, mini_shift) == (0x3E, 3, 0xFFFE, 9, 6)
    assert struct.unpack_from("<I", data, 0x38)[0] == MINI_STREAM_CUTOFF


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({"": b""}, "empty"),
        ({"x" * 32: b""}, "longer than 31"),
        ({"a/b": b""}, "contains"),
        ({"Dir": b"", "dir": b""}, "ignore case"),
    ],
)
def test_bad_trees_are_refused(tree: Tree, message: str) -> None:
    with pytest.raises(CompoundFileError, match=message):
        write_compound_file(tree)
