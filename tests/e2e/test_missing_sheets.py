"""An optional input sheet renamed or deleted in the sample workbook is read as empty, and said
so: `validate` (text and JSON) and the Validation sheet of a refresh carry a warning, on the
near-named sheet (`sheet-name-near-match`) or on the missing one (`sheet-missing`). The exit code
stays 0: a warning, since the refresh runs as for a workbook that never had the sheet."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from xl_milestones.cli import main
from xl_milestones.core.schema import DELIVERABLES, INVOICES, SETTINGS, VALIDATION
from xl_milestones.template.build import SAMPLE_FILE, build_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("sample") / SAMPLE_FILE
    build_sample(path)
    return path


def edited(sample: Path, folder: Path, *, rename: str = "", delete: str = "") -> Path:
    """The sample with Invoices renamed to ``rename`` or the sheet ``delete`` deleted."""
    wb = openpyxl.load_workbook(sample, keep_vba=True)
    if rename:
        wb[INVOICES.name].title = rename
    if delete:
        del wb[delete]
    path = folder / "book.xlsm"
    wb.save(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def validation_rows(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path)[VALIDATION.name]
    return [row[:8] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_a_renamed_invoices_sheet_is_a_warning_on_it_in_validate_and_the_validation_sheet(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = edited(sample, tmp_path, rename="Invoice")
    before = book.read_bytes()
    code, out = run(capsys, "validate", str(book), "--format", "json")
    assert code == 0
    (issue,) = json.loads(out)["issues"]
    message = (
        "sheet 'Invoice' is not read, and the workbook has no 'Invoices' sheet, so every "
        "milestone is computed as having no invoices: if 'Invoice' is meant to be the "
        "Invoices sheet, rename it to 'Invoices'"
    )
    assert issue == {
        "severity": "warning",
        "code": "sheet-name-near-match",
        "sheet": "Invoice",
        "row": None,
        "column": None,
        "cell": None,
        "value": None,
        "message": message,
    }
    assert book.read_bytes() == before
    out_path = tmp_path / "out.xlsm"
    code, out = run(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0
    assert "0 errors and 1 warning" in out
    assert validation_rows(out_path) == [
        ("warning", "sheet-name-near-match", "Invoice", None, None, None, None, message)
    ]


def test_a_deleted_deliverables_sheet_is_a_warning_in_validate_and_the_validation_sheet(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = edited(sample, tmp_path, delete=DELIVERABLES.name)
    code, out = run(capsys, "validate", str(book))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == DELIVERABLES.name
    assert lines[1].split()[:2] == ["warning", "sheet-missing"]
    assert (
        "the workbook has no 'Deliverables' sheet, so every milestone is computed as having no "
        "deliverables: add the sheet back with its header row (" in lines[1]
    )
    assert ": 0 errors, 1 warning; all " in lines[-1]
    out_path = tmp_path / "out.xlsm"
    code, _out = run(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0
    ((severity, issue_code, sheet, *_cells, message),) = validation_rows(out_path)
    assert (severity, issue_code, sheet) == ("warning", "sheet-missing", DELIVERABLES.name)
    assert _cells == [None, None, None, None]
    assert str(message).startswith("the workbook has no 'Deliverables' sheet")


def test_a_settings_sheet_cleared_of_its_table_is_a_warning_that_says_it_is_there_but_empty(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No header row at all: the sheet was read as missing, in silence, and the refresh said
    # "today: no Settings sheet" of a sheet that is there.
    wb = openpyxl.load_workbook(sample, keep_vba=True)
    ws = wb[SETTINGS.name]
    ws.delete_rows(1, ws.max_row)
    for name in list(ws.tables):
        del ws.tables[name]
    book = tmp_path / "book.xlsm"
    wb.save(book)
    code, out = run(capsys, "validate", str(book), "--format", "json")
    assert code == 0
    (issue,) = json.loads(out)["issues"]
    assert (issue["severity"], issue["code"], issue["sheet"]) == (
        "warning",
        "sheet-empty",
        SETTINGS.name,
    )
    assert issue["message"] == (
        "sheet 'Settings' is empty: it has no Setting/Value table, not even its header row, so "
        "every setting takes its default (As Of Date: today, unless one is given): type the "
        "header row (Setting, Value) in its first row, with the rows under it (a template "
        "made by xl-milestones new has it)"
    )
