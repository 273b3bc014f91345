"""Rows a script or a paste puts right under an Excel table (openpyxl's append here) are read as
part of the table, with one warning per table, and a refresh extends the table over them: the
new milestone gets its results and the new paid invoice counts. Nothing is ignored in silence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.factory import header_of, valid_sheets, write_workbook
from tests.tools import ooxml_validate

from xl_milestones.cli import main
from xl_milestones.core.schema import INVOICES, MILESTONES, SHEETS_BY_KEY


def append(ws: Any, key: str, values: dict[str, object]) -> None:
    headers = [c.value for c in ws[1]]
    sheet = SHEETS_BY_KEY[key]
    row = [None] * len(headers)
    for name, value in values.items():
        row[headers.index(header_of(sheet, name))] = value
    ws.append(row)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    append(
        wb[MILESTONES.name],
        "milestones",
        {
            "milestone_id": "M-004",
            "contract_id": "C-001",
            "milestone_name": "Handover",
            "milestone_type": "project",
            "baseline_date": dt.datetime(2026, 9, 30),
        },
    )
    append(
        wb[INVOICES.name],
        "invoices",
        {
            "invoice_id": "INV-2",
            "milestone_id": "M-001",
            "invoice_date": dt.datetime(2026, 3, 25),
            "invoice_amount": 1000,
            "paid_date": dt.datetime(2026, 3, 28),
            "paid_amount": 1000,
        },
    )
    wb.save(path)
    return path


def table_refs(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {t.name: t.ref for ws in wb.worksheets for t in ws.tables.values()}


def test_rows_below_a_table_are_read_and_reported(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert table_refs(book)["tblMilestones"].endswith("5")  # four milestones, rows 2 to 5
    code, out = run(capsys, "validate", str(book), "--format", "json")
    assert code == 0
    below = [i for i in json.loads(out)["issues"] if i["code"] == "row-below-table"]
    assert [(i["sheet"], i["row"], i["severity"]) for i in below] == [
        ("Invoices", 3, "warning"),
        ("Milestones", 6, "warning"),
    ]
    assert (
        "row 6 is below the Excel table tblMilestones, which ends at row 5" in below[1]["message"]
    )


def test_a_refresh_computes_them_and_extends_the_tables(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "out.xlsx"
    code, out = run(capsys, "refresh", str(book), "--output", str(out_path), "--format", "json")
    data = json.loads(out)
    assert data["milestones"]["M-004"]["status"] == "Not started"
    # M-001 was paid 54,720 by INV-1; INV-2 adds 1,000.
    assert data["milestones"]["M-001"]["paid_amount"] == "55720.00"
    before, after = table_refs(book), table_refs(out_path)
    assert before["tblMilestones"].endswith("5") and after["tblMilestones"].endswith("6")
    assert after["tblInvoices"] == before["tblInvoices"][:-1] + "3"
    # openpyxl's own save draws one complaint (a font in styles.xml); the refresh adds none.
    assert ooxml_validate(out_path) == ooxml_validate(book)
    # The refreshed file has nothing below its tables any more.
    code, out = run(capsys, "validate", str(out_path), "--format", "json")
    assert code == 0
    assert "row-below-table" not in {i["code"] for i in json.loads(out)["issues"]}


def test_a_note_after_a_blank_row_is_not_read(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.load_workbook(book)
    wb[MILESTONES.name]["A8"] = "Figures agreed with the supplier on 2 March"  # row 7 blank
    wb.save(book)
    code, out = run(capsys, "validate", str(book), "--format", "json")
    issues = json.loads(out)["issues"]
    assert code == 0 and [i["row"] for i in issues if i["sheet"] == "Milestones"] == [6]
    out_path = tmp_path / "out.xlsx"
    run(capsys, "refresh", str(book), "--output", str(out_path))
    assert table_refs(out_path)["tblMilestones"].endswith("6")
    assert openpyxl.load_workbook(out_path)[MILESTONES.name]["A8"].value.startswith("Figures")


def _invoices_book(tmp_path: Path) -> tuple[Path, Any]:
    path = write_workbook(tmp_path / "inv.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    return path, wb


def test_rows_below_a_totals_row_are_not_read_but_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, wb = _invoices_book(tmp_path)
    ws = wb[INVOICES.name]
    table = ws.tables["tblInvoices"]
    first, last = table.ref.split(":")
    table.ref = f"{first}:{last[:-1]}3"  # one invoice in row 2, the totals row in row 3
    table.totalsRowCount = 1
    ws["A3"] = "Total"
    ws["A4"] = "INV-9"  # under the totals row
    wb.save(path)
    code, out = run(capsys, "validate", str(path), "--format", "json")
    issues = json.loads(out)["issues"]
    assert code == 0
    assert [(i["code"], i["cell"], i["value"]) for i in issues] == [
        ("row-below-totals", "A4", "INV-9")
    ]
    assert (
        "below the totals row of the Excel table tblInvoices and is not read"
        in (issues[0]["message"])
    )


def test_the_rows_read_below_a_table_stop_at_the_next_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, wb = _invoices_book(tmp_path)
    ws = wb[INVOICES.name]
    ws["A3"], ws["B3"] = "Note", "By"  # another table right under tblInvoices
    ws["A4"], ws["B4"] = "Checked", "Sam"
    ws.add_table(openpyxl.worksheet.table.Table(displayName="tblNotes", ref="A3:B4"))
    wb.save(path)
    code, out = run(capsys, "validate", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["issues"] == []
