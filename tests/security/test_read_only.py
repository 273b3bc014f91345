"""A read-only workbook is never replaced: an in-place refresh (or an --output, a sign-off pack
or `new --force` onto a read-only file) exits 2 with one line and leaves the file, its backup
and its owner as they were. Tested as root (a file without write permission) and, where the
machine allows it, as an ordinary user on a root-owned file in a world-writable folder."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones import cli
from xl_milestones.io.atomic import backup_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = write_workbook(tmp_path / "book.xlsm", valid_sheets())
    path.chmod(0o444)
    return path


def test_in_place_refresh_of_a_read_only_file_is_refused(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = book.read_bytes()
    code, out, err = run(capsys, "refresh", str(book))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "book.xlsm is read-only" in err and "--output" in err
    assert book.read_bytes() == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert not backup_path(book).exists()
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.xlsm"]


def test_a_read_only_file_can_still_be_validated_and_refreshed_elsewhere(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "validate", str(book))[0] == 0
    out_path = book.parent / "refreshed.xlsm"
    code, _out, _err = run(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0 and out_path.exists()


def test_a_read_only_output_is_not_replaced(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_workbook(tmp_path / "src.xlsm", valid_sheets())
    before = book.read_bytes()
    code, _out, err = run(capsys, "refresh", str(src), "--output", str(book))
    assert code == 2 and "read-only" in err and "choose another file" in err
    assert book.read_bytes() == before


def test_new_force_does_not_replace_a_read_only_file(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = book.read_bytes()
    code, _out, err = run(capsys, "new", str(book), "--force")
    assert code == 2 and "read-only" in err
    assert book.read_bytes() == before


def as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            *(sys.executable, "-m", "xl_milestones", *args),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(cwd)},
        cwd=cwd,
    )


@pytest.fixture
def shared() -> Iterator[Path]:
    """A world-writable folder without the sticky bit, which ordinary users can reach."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the command as another user")
    with tempfile.TemporaryDirectory(prefix="xl-milestones-shared.") as name:
        folder = Path(name)
        folder.chmod(0o777)  # anyone may create, rename and delete files here
        yield folder


def test_an_ordinary_user_cannot_refresh_a_root_owned_file(shared: Path) -> None:
    """The case of a shared folder: the folder lets anyone replace the file, its mode does not."""
    folder = shared
    path = write_workbook(folder / "book.xlsm", valid_sheets())
    path.chmod(0o644)
    before = path.read_bytes()
    proc = as_nobody("refresh", str(path), cwd=folder)
    if "Permission denied" in proc.stderr and "python" in proc.stderr.lower():
        pytest.skip("the ordinary user cannot run this Python")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "read-only (or you may not write to it)" in proc.stderr
    assert path.read_bytes() == before and path.stat().st_uid == 0
    assert sorted(p.name for p in folder.iterdir()) == ["book.xlsm"]


def test_a_folder_that_cannot_be_entered_is_one_line(shared: Path) -> None:
    inner = shared / "private"
    inner.mkdir(mode=0o700)
    path = write_workbook(inner / "book.xlsm", valid_sheets())
    proc = as_nobody("validate", str(path), cwd=shared)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot be opened (Permission denied)" in proc.stderr
