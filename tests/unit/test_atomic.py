"""Replacing a workbook file: backup, lock file, and every failure leaving the target as it was
with no temporary file behind."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from tests.writerbooks import build_book, sheet_parts

from xl_milestones.core.schema import MILESTONES
from xl_milestones.errors import OutputError, WorkbookError
from xl_milestones.io.atomic import backup_path, check_sheet_reads, lock_path, replace_file


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_book(tmp_path_factory.mktemp("src") / "good.xlsx")


def writer_of(source: Path):
    def build(tmp: Path) -> None:
        shutil.copyfile(source, tmp)

    return build


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_in_place_keeps_a_backup_of_the_previous_file(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    old = target.read_bytes()
    other = build_book(tmp_path / "other.xlsx", milestones=5)
    replace_file(target, writer_of(other), in_place=True)
    assert target.read_bytes() == other.read_bytes()
    assert backup_path(target).read_bytes() == old
    assert backup_path(target).name == "book.xlsx.bak"
    # A second refresh overwrites the backup with the file it replaces.
    replace_file(target, writer_of(good), in_place=True)
    assert backup_path(target).read_bytes() == other.read_bytes()
    assert leftovers(tmp_path) == []


def test_a_new_output_gets_no_backup_and_ordinary_permissions(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    replace_file(target, writer_of(good), in_place=False)
    assert target.read_bytes() == good.read_bytes()
    assert not backup_path(target).exists()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_permissions_of_the_replaced_file_are_kept(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    target.chmod(0o640)
    replace_file(target, writer_of(good), in_place=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_missing_folder(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "out.xlsx"
    with pytest.raises(OutputError, match="does not exist; create it first") as info:
        replace_file(target, writer_of(good), in_place=False)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_folder_that_takes_no_new_file_is_not_said_to_be_missing(good: Path) -> None:
    # /proc exists, but making a file in it fails with "no such file" (ENOENT), even as root.
    with pytest.raises(OutputError, match="no file can be made in /proc") as info:
        replace_file(Path("/proc/out.xlsx"), writer_of(good), in_place=False)
    assert "does not exist" not in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_read_only_folder(good: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "book.xlsx"
    shutil.copyfile(good, target)
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            replace_file(target, writer_of(good), in_place=True)
    finally:
        folder.chmod(0o755)
    assert target.read_bytes() == good.read_bytes()
    assert leftovers(folder) == []


def test_target_not_replaceable(good: Path, tmp_path: Path, monkeypatch) -> None:
    """As on Windows when Excel holds the file open: the final move is refused."""
    from xl_milestones.io import atomic

    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    real_replace = os.replace

    def refuse(a, b):  # type: ignore[no-untyped-def]
        if Path(b) == target:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(a, b)

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(OutputError, match=r"permission denied.*open in another program"):
        replace_file(target, writer_of(build_book(tmp_path / "o.xlsx")), in_place=True)
    assert target.read_bytes() == good.read_bytes()
    assert leftovers(tmp_path) == []


def test_disk_full_leaves_the_target_and_no_temp_file(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    before = target.read_bytes()

    def build(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            fh.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="disk is full"):
        replace_file(target, build, in_place=True)
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == [] and not backup_path(target).exists()


def test_disk_full_while_writing_the_zip(good: Path, tmp_path: Path, monkeypatch) -> None:
    """The real writer, with the file system running out of space half way."""
    from tests.writerbooks import sample_update

    from xl_milestones.io import package, writer

    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    before = target.read_bytes()
    real = package._write_entry
    calls = {"n": 0}

    def full(zout, zi, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(zout, zi, data)

    monkeypatch.setattr(package, "_write_entry", full)

    def build(tmp: Path) -> None:
        writer.apply_update(target, tmp, sample_update([2, 3, 4]), date1904=False)

    with pytest.raises(OutputError, match="disk is full"):
        replace_file(target, build, in_place=True)
    assert calls["n"] == 2
    assert target.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", ["truncated", "milestones"])
def test_a_file_that_does_not_read_back_is_not_moved_into_place(
    good: Path, tmp_path: Path, damage: str
) -> None:
    target = tmp_path / "book.xlsx"
    shutil.copyfile(good, target)
    parts = sheet_parts(good)

    def build(tmp: Path) -> None:
        data = bytearray(good.read_bytes())
        if damage == "truncated":
            del data[len(data) // 2 :]
        else:  # the compressed bytes of the Milestones sheet
            with zipfile.ZipFile(good) as zf:
                info = zf.getinfo(parts[MILESTONES.name])
            at = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
            data[at : at + 64] = b"\xff" * 64
        tmp.write_bytes(bytes(data))

    with pytest.raises(OutputError, match="could not be read back"):
        replace_file(target, build, in_place=True)
    assert target.read_bytes() == good.read_bytes() and leftovers(tmp_path) == []


def test_bad_input_errors_pass_through_and_clean_up(good: Path, tmp_path: Path) -> None:
    def build(tmp: Path) -> None:
        raise WorkbookError("bad workbook")

    with pytest.raises(WorkbookError, match="bad workbook"):
        replace_file(tmp_path / "out.xlsx", build, in_place=False)
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.xlsx").exists()


def test_excel_lock_file_refuses_in_place_but_not_another_output(
    good: Path, tmp_path: Path
) -> None:
    target = tmp_path / "book.xlsm"
    shutil.copyfile(good, target)
    lock_path(target).write_bytes(b"owner")
    assert lock_path(target).name == "~$book.xlsm"
    with pytest.raises(OutputError, match=r"open in Excel.*--output"):
        replace_file(target, writer_of(good), in_place=True)
    replace_file(tmp_path / "out.xlsm", writer_of(good), in_place=False)
    assert (tmp_path / "out.xlsm").exists()
    assert target.read_bytes() == good.read_bytes()


def test_a_symbolic_link_keeps_pointing_at_the_refreshed_file(good: Path, tmp_path: Path) -> None:
    real = tmp_path / "real" / "book.xlsx"
    real.parent.mkdir()
    shutil.copyfile(good, real)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    other = build_book(tmp_path / "other.xlsx", milestones=4)
    replace_file(link, writer_of(other), in_place=True)
    assert link.is_symlink() and real.read_bytes() == other.read_bytes()
    assert backup_path(real).exists()


def test_a_folder_as_target(good: Path, tmp_path: Path) -> None:
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        replace_file(tmp_path / "dir.xlsx", writer_of(good), in_place=False)


SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="s"><v>{index}</v></c><c r="B1"><v>2</v></c></row>'
    b"</sheetData></worksheet>"
)
STRINGS = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>Milestone</t></si></sst>'
)


def test_a_sheet_reads_back_with_the_workbooks_shared_strings() -> None:
    pieces = SHEET.replace(b"{index}", b"0").partition(b"<row")
    check_sheet_reads(pieces, STRINGS, "Milestones")
    with pytest.raises(OutputError, match=r"could not be read back \(.*shared strings"):
        check_sheet_reads([SHEET.replace(b"{index}", b"1")], STRINGS, "Milestones")
    with pytest.raises(OutputError, match="could not be read back"):
        check_sheet_reads([SHEET.replace(b"{index}", b"0")], None, "Milestones")


def test_a_sheet_without_rows_reads_back_empty() -> None:
    empty = SHEET.split(b"<row")[0] + b"</sheetData></worksheet>"
    with pytest.raises(OutputError, match="the Milestones sheet of the new workbook reads back"):
        check_sheet_reads([empty], STRINGS, "Milestones")


class _Panic(BaseException):  # what a Rust panic inside calamine is raised as
    pass


def test_a_panic_while_reading_back_is_reported_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import python_calamine

    def panic(*_args: object) -> None:
        raise _Panic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", panic)
    with pytest.raises(OutputError, match=r"could not be read back \(_Panic: called"):
        check_sheet_reads([SHEET.replace(b"{index}", b"0")], STRINGS, "Milestones")
