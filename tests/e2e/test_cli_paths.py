"""Paths on the command line: an empty one is a usage error for every file or folder
argument, and an --output that is a workbook to read (its path another way, a link to it) is
refused; both before anything is read or written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import run_cli

from xl_milestones.app.portfolio import find_workbooks


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["validate", ""], "BOOK"),
        (["refresh", ""], "BOOK"),
        (["refresh", "b.xlsm", "--output", ""], "--output"),
        (["demo", ""], "DIR"),
        (["new", ""], "PATH"),
        (["signoff-pack", "", "--output", "p.pdf"], "BOOK"),
        (["signoff-pack", "b.xlsm", "--output", ""], "--output"),
        (["portfolio", "", "--output", "p.xlsx"], "PATH"),
        (["portfolio", "b.xlsm", "--output", ""], "--output"),
        (["portfolio", "b.xlsm", "--output", "p.xlsx", "--fx-rates", ""], "--fx-rates"),
        (["portfolio", "b.xlsm", "--output", "p.xlsx", "--parquet", ""], "--parquet"),
    ],
)
def test_an_empty_path_is_a_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    argument: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty path would be this folder
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert f"argument {argument}: an empty path: give the name of a file or folder" in last
    assert "internal error" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of ``folder``: its bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("form", ["as typed", "./", "absolute", "symbolic link", "hard link"])
def test_refresh_refuses_an_output_that_is_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_workbook(tmp_path / "t.xlsm", valid_sheets())
    output = {
        "as typed": "t.xlsm",
        "./": "./t.xlsm",
        "absolute": str(tmp_path / "t.xlsm"),
        "symbolic link": "link.xlsm",
        "hard link": "hard.xlsm",
    }[form]
    (tmp_path / "link.xlsm").symlink_to("t.xlsm")
    os.link(tmp_path / "t.xlsm", tmp_path / "hard.xlsm")
    before = _snapshot(tmp_path)
    code, out, err = run_cli(capsys, "refresh", "t.xlsm", "--output", output)
    assert code == 2 and out == ""
    assert err == (
        f"xl-milestones: --output {Path(output)} is the workbook t.xlsm itself, which --output "
        "never changes: leave --output out to refresh it in place (the previous file is kept "
        "as t.xlsm.bak), or give another file\n"
    )
    assert _snapshot(tmp_path) == before  # no .bak, nothing replaced


def test_signoff_pack_refuses_an_output_that_is_the_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A workbook saved under a name ending in .html is read all the same.
    book = tmp_path / "book.html"
    shutil.copyfile(write_workbook(tmp_path / "b.xlsx", valid_sheets()), book)
    before = _snapshot(tmp_path)
    code, out, err = run_cli(capsys, "signoff-pack", str(book), "--output", str(book))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"--output {book} is the workbook {book} itself" in err
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("role", ["PATH", "--fx-rates"])
def test_portfolio_refuses_an_output_that_is_a_workbook_to_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], role: str
) -> None:
    a = write_workbook(tmp_path / "a.xlsx", valid_sheets())
    b = write_workbook(tmp_path / "b.xlsx", valid_sheets())
    given = [str(a), str(b)] if role == "PATH" else [str(a), "--fx-rates", str(b)]
    before = _snapshot(tmp_path)
    code, out, err = run_cli(capsys, "portfolio", *given, "--output", str(b), "--jobs", "1")
    assert code == 2 and out == ""
    what = f"the workbook {b} given to read" if role == "PATH" else f"the --fx-rates workbook {b}"
    assert err == (
        f"xl-milestones: --output {b} is {what}, which the portfolio never changes: give "
        "another file for the portfolio\n"
    )
    assert _snapshot(tmp_path) == before


def test_a_folder_searched_skips_the_output_even_as_a_hard_link(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    a = write_workbook(folder / "a.xlsx", valid_sheets())
    write_workbook(folder / "b.xlsx", valid_sheets())
    output = tmp_path / "portfolio.xlsx"
    os.link(folder / "b.xlsx", output)
    assert find_workbooks([folder], skip=output).files == [a]
