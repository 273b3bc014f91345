"""`xl-milestones validate` end to end: a real process on workbook files the tests write."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones.core.model import CellError

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("XL_MILESTONES_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "xl_milestones", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    sheets = valid_sheets()
    sheets["contracts"][0]["retention_rate"] = 5  # 5 for 5%
    sheets["milestones"][1]["baseline_date"] = "31/05/2026"
    sheets["milestones"][0]["notes"] = "   "
    sheets["invoices"][0]["invoice_amount"] = CellError("#REF!")
    return write_workbook(tmp_path / "broken.xlsx", sheets)


def test_valid_workbook_exits_0(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "ok.xlsm", valid_sheets())
    out = cli(str(path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{path}: no problems found (4 milestones checked)."
    assert out.stderr == ""


def test_errors_exit_1_with_text_grouped_by_sheet(broken: Path) -> None:
    before = broken.read_bytes()
    out = cli(str(broken))
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "Contracts"
    assert "Invoices" in lines and "Milestones" in lines
    assert any(
        line.split()[:4] == ["I2", "Retention", "Rate", "error"]
        and "enter 5% (0.05), not 5" in line
        for line in lines
    ), out.stdout
    assert any("F3" in line and "date-text-not-iso" in line for line in lines)
    assert any("D2" in line and "formula-error" in line and "#REF!" in line for line in lines)
    assert lines[-1] == (
        f"{broken}: 3 errors, 1 warning; 1 of 4 milestones can be computed, 3 skipped."
    )
    assert broken.read_bytes() == before


def test_json_output_is_one_object_with_the_documented_shape(broken: Path) -> None:
    out = cli(str(broken), "--format", "json")
    assert out.returncode == 1
    data = json.loads(out.stdout)  # stdout holds the JSON and nothing else
    assert set(data) == {"file", "issues", "counts"}
    assert data["file"] == str(broken)
    assert data["counts"] == {"error": 3, "warning": 1}
    first = data["issues"][0]
    assert list(first) == ["severity", "code", "sheet", "row", "column", "cell", "value", "message"]
    assert first == {
        "severity": "error",
        "code": "ratio-as-whole-number",
        "sheet": "Contracts",
        "row": 2,
        "column": "Retention Rate",
        "cell": "I2",
        "value": "5",
        "message": "enter 5% (0.05), not 5",
    }
    assert {i["code"] for i in data["issues"]} == {
        "ratio-as-whole-number",
        "date-text-not-iso",
        "whitespace-only",
        "formula-error",
    }


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["signoffs"][0]["approver_name"] = "Dana Lee"  # the milestone's owner
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    out = cli(str(path), "--format", "json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["counts"] == {"error": 0, "warning": 1}
    assert data["issues"][0]["code"] == "self-approval"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.xlsx", None, "no such file"),
        ("notes.xlsx", b"just some text\n", "text file"),
        ("empty.xlsx", b"", "empty"),
        # a folder, even one named like a workbook: either extension is asked for
        (
            "folder.xlsm",
            "folder",
            "is a folder, not a workbook: give the path of a .xlsx or .xlsm file",
        ),
    ],
)
def test_unreadable_files_exit_2_with_one_line(
    tmp_path: Path, name: str, content: bytes | str | None, words: str
) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    for fmt in ("text", "json"):
        out = cli(str(path), "--format", fmt)
        assert out.returncode == 2
        assert out.stdout == ""
        assert len(out.stderr.strip().splitlines()) == 1
        assert words in out.stderr and str(path) in out.stderr
        assert "Traceback" not in out.stderr


def test_a_workbook_cut_short_is_named_damaged_with_what_to_do(tmp_path: Path) -> None:
    # It was "the file is damaged or not a workbook (File is not a zip file): give a .xlsx or
    # .xlsm file", zipfile's words, though it is one: a copy or download that stopped.
    whole = write_workbook(tmp_path / "whole.xlsx", valid_sheets()).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    before = (cut.read_bytes(), cut.stat().st_mtime_ns)
    for fmt in ("text", "json"):
        out = cli(str(cut), "--format", fmt)
        assert (out.returncode, out.stdout) == (2, "")
        assert out.stderr == (
            f"xl-milestones: error: {cut}: the workbook is damaged (the end of its zip "
            "directory is missing: the file was cut short): open it in Excel and save it "
            "again, or get a new copy of the file\n"
        )
    assert (cut.read_bytes(), cut.stat().st_mtime_ns) == before


def test_missing_column_exit_2_names_it(tmp_path: Path) -> None:
    sheets = valid_sheets()
    for r in sheets["contracts"]:
        r["Suplier"] = r.pop("supplier")
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    out = cli(str(path))
    assert out.returncode == 2
    assert "'Supplier'" in out.stderr and "'Suplier'" in out.stderr


def test_bad_usage_exits_2() -> None:
    assert cli().returncode == 2
    assert cli("book.xlsx", "--format", "xml").returncode == 2


def test_as_of_date_in_the_workbook_judges_future_dates(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["milestones"][1]["actual_date"] = dt.date(2026, 4, 15)  # after As Of Date 2026-03-31
    sheets["milestones"][1]["percent_complete"] = 1
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    data = json.loads(cli(str(path), "--format", "json").stdout)
    assert [i["code"] for i in data["issues"]] == ["future-date"]
    assert data["issues"][0]["message"].endswith(
        "is after the as-of date 2026-03-31: a date that has not happened yet cannot be "
        "recorded; correct it or leave it blank"
    )


def test_an_as_of_date_given_to_look_back_is_named_as_the_one_to_move(tmp_path: Path) -> None:
    # The workbook is right as of its own date; --as-of looks back to before the Actual Date.
    sheets = valid_sheets()
    sheets["milestones"][1]["actual_date"] = dt.date(2026, 3, 20)
    sheets["milestones"][1]["percent_complete"] = 1
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    assert json.loads(cli(str(path), "--format", "json").stdout)["issues"] == []
    data = json.loads(cli(str(path), "--as-of", "2026-03-10", "--format", "json").stdout)
    found = [(i["code"], i["message"]) for i in data["issues"] if i["severity"] == "error"]
    assert found == [
        (
            "future-date",
            "Actual Date 2026-03-20 is after the as-of date 2026-03-10 given for this run; give "
            "an as-of date on or after it, or correct the date",
        )
    ]
