"""Output failures through the command line, on real file systems where this machine allows it:
a missing folder, a full disk (a tiny tmpfs), a read-only file system, a folder in the way.
Each is exit code 2 with one line, the input intact and no temporary file left behind. (The
replace step is tested with simulated errors in tests/unit/test_atomic.py.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().err


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return write_workbook(tmp_path / "in" / "book.xlsx", valid_sheets())


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``where`` (root only; skips the test otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_output_in_a_missing_folder(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = book.read_bytes()
    code, err = run(capsys, "refresh", str(book), "--output", str(tmp_path / "no" / "o.xlsx"))
    assert code == 2 and err.count("\n") == 1 and "does not exist; create it first" in err
    assert book.read_bytes() == before and not (tmp_path / "no").exists()


def test_a_folder_where_the_output_goes(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "o.xlsx").mkdir()
    code, err = run(capsys, "refresh", str(book), "--output", str(tmp_path / "o.xlsx"))
    assert code == 2 and err.count("\n") == 1 and "is a folder" in err
    assert temp_files(tmp_path) == []


def test_a_full_disk(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = book.read_bytes()
    with tmpfs(tmp_path / "small", "16k") as small:
        # Fill what is left but a little, so the refreshed workbook cannot fit.
        (small / "filler").write_bytes(b"\0" * 8192)
        code, err = run(capsys, "refresh", str(book), "--output", str(small / "out.xlsx"))
        assert code == 2 and err.count("\n") == 1, err
        assert "the disk is full" in err
        assert sorted(p.name for p in small.iterdir()) == ["filler"]
    assert book.read_bytes() == before


def test_a_full_disk_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tmpfs(tmp_path / "small", "64k") as small:
        book = write_workbook(small / "book.xlsx", valid_sheets())
        before = book.read_bytes()
        free = shutil.disk_usage(small).free
        (small / "filler").write_bytes(b"\0" * max(0, free - len(before) // 2))
        code, err = run(capsys, "refresh", str(book))
        assert code == 2 and "the disk is full" in err, err
        assert book.read_bytes() == before
        assert sorted(p.name for p in small.iterdir()) == ["book.xlsx", "filler"]


def test_a_read_only_file_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tmpfs(tmp_path / "ro", "1m") as ro:
        book = write_workbook(ro / "book.xlsx", valid_sheets())
        before = book.read_bytes()
        proc = subprocess.run(["mount", "-o", "remount,ro", str(ro)], capture_output=True)
        if proc.returncode != 0:
            pytest.skip("cannot remount read-only here")
        code, err = run(capsys, "refresh", str(book))
        assert code == 2 and err.count("\n") == 1, err
        assert "read-only file system" in err
        assert book.read_bytes() == before and sorted(p.name for p in ro.iterdir()) == ["book.xlsx"]
