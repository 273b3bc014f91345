"""A workbook open in Excel, through the command line: Excel's lock file ``~$name.xlsm`` beside
it refuses an in-place refresh (exit 2, one line suggesting --output) and leaves the workbook as
it was; ``--output`` elsewhere still works. (The replace step itself is tested in
tests/unit/test_atomic.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import run_cli

from xl_milestones.io.atomic import backup_path, lock_path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = write_workbook(tmp_path / "book.xlsm", valid_sheets())
    # Excel writes the owner's name into the lock file; its content does not matter.
    lock_path(path).write_bytes(b"\x0bDana Lee" + b" " * 40)
    return path


def test_in_place_refresh_is_refused(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = book.read_bytes()
    code, out, err = run_cli(capsys, "refresh", str(book))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "open in Excel" in err and "~$book.xlsm" in err
    assert "--output" in err and "close it" in err
    # Excel leaves its lock file behind when it crashes: then there is nothing to close.
    assert "if Excel does not have it open, delete ~$book.xlsm" in err
    assert book.read_bytes() == before and not backup_path(book).exists()
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.xlsm", "~$book.xlsm"]


def test_output_elsewhere_still_works(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = book.read_bytes()
    out_path = book.parent / "refreshed.xlsm"
    code, out, _err = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0 and out_path.exists() and "Refreshed" in out
    assert book.read_bytes() == before


def test_output_naming_the_open_workbook_is_refused(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(capsys, "refresh", str(book), "--output", str(book))
    assert code == 2 and "--output" in err and "itself" in err


def test_an_output_that_is_open_in_excel_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_workbook(tmp_path / "src.xlsx", valid_sheets())
    target = tmp_path / "target.xlsx"
    shutil.copyfile(src, target)
    lock_path(target).write_bytes(b"owner")
    before = target.read_bytes()
    code, _out, err = run_cli(capsys, "refresh", str(src), "--output", str(target))
    assert code == 2 and "open in Excel" in err and "or choose another file" in err
    assert "if Excel does not have it open, delete ~$target.xlsx" in err
    assert target.read_bytes() == before


def test_validate_reads_an_open_workbook(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reading is harmless: only writing is refused."""
    code, _out, _err = run_cli(capsys, "validate", str(book))
    assert code == 0


def test_a_workbook_open_in_libreoffice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_workbook(tmp_path / "book.xlsm", valid_sheets())
    # LibreOffice's lock file: user name, host, home and time, comma-separated.
    (tmp_path / ".~lock.book.xlsm#").write_text("Dana Lee,host,/home/dana,07.12.2026 10:00,;")
    before = path.read_bytes()
    code, out, err = run_cli(capsys, "refresh", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "open in LibreOffice" in err and ".~lock.book.xlsm#" in err
    assert "--output" in err
    assert path.read_bytes() == before and not backup_path(path).exists()
    # Writing elsewhere is still allowed; an --output LibreOffice has open is not.
    code, _out, _err = run_cli(capsys, "refresh", str(path), "--output", str(tmp_path / "r.xlsm"))
    assert code == 0
    (tmp_path / ".~lock.r.xlsm#").write_text("x")
    code, _out, err = run_cli(capsys, "refresh", str(path), "--output", str(tmp_path / "r.xlsm"))
    assert code == 2 and "open in LibreOffice" in err
