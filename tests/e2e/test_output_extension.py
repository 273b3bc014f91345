"""`refresh --output` names a file of the same kind as the workbook: a macro-enabled workbook
is not written under an .xlsx name (Excel refuses to open it), a plain one not under .xlsm,
and nothing under .txt. Refused with one line and exit code 2, before the workbook is read."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import run_cli

from xl_milestones.io.xlsxparts import package_extension

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook" / "sample_contract_milestones.xlsm"


def kind(path: Path) -> str | None:
    with zipfile.ZipFile(path) as zf:
        return package_extension(zf)


@pytest.mark.parametrize("name", ["out.xlsx", "out.txt", "out", "out.XLSX"])
def test_a_macro_enabled_workbook_is_not_written_under_another_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    book = shutil.copy(SAMPLE, tmp_path / "book.xlsm")
    code, out, err = run_cli(capsys, "refresh", str(book), "--output", str(tmp_path / name))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "book.xlsm is a macro-enabled workbook (.xlsm)" in err and "out.xlsm" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]


def test_a_macro_enabled_workbook_refreshes_to_xlsm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = Path(shutil.copy(SAMPLE, tmp_path / "book.xlsm"))
    assert kind(book) == ".xlsm"
    out_path = tmp_path / "out.xlsm"
    code, _out, _err = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0 and kind(out_path) == ".xlsm"


def test_a_plain_workbook_is_not_written_as_xlsm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    assert kind(book) == ".xlsx"
    code, _out, err = run_cli(capsys, "refresh", str(book), "--output", str(tmp_path / "out.xlsm"))
    assert code == 2 and "a workbook without macros (.xlsx)" in err and "out.xlsx" in err
    assert not (tmp_path / "out.xlsm").exists()
    code, _out, _err = run_cli(capsys, "refresh", str(book), "--output", str(tmp_path / "out.xlsx"))
    assert code == 0 and kind(tmp_path / "out.xlsx") == ".xlsx"


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (["refresh", "BOOK", "--output"], "book_refreshed.xlsm"),
        (["signoff-pack", "BOOK", "--output"], "signoff_pack.pdf"),
        (["portfolio", "BOOK", "--output"], "portfolio.xlsx"),
        (["new"], "contract_milestones.xlsm"),
    ],
)
@pytest.mark.parametrize("folder", [".", "..", "sub"])
def test_an_output_naming_a_folder_is_refused_with_a_file_name_in_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    example: str,
    folder: str,
) -> None:
    # "." or a folder has no file name to give an extension: the message suggests a file in
    # it, where it was an internal error (or "...xlsx" for "..").
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    book = Path(shutil.copy(SAMPLE, work / "book.xlsm"))
    monkeypatch.chdir(work)
    args = [str(book) if arg == "BOOK" else arg for arg in command]
    code, out, err = run_cli(capsys, *args, folder)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "internal error" not in err
    assert f"e.g. {Path(folder) / example}" in err
    assert sorted(p.name for p in work.iterdir()) == ["book.xlsm", "sub"]
