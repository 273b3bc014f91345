"""A formula with no saved value (a workbook written by a script, openpyxl here, which has no
calculation engine) is an error on its cell that says to open and save the file in Excel; it
is not read as blank ("Milestone ID is required", "enter the Payment Amount"). A formula whose
value was saved, "" included, reads as that value."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
from tests.factory import column_of, valid_sheets, write_workbook

from xl_milestones.core.schema import MILESTONES
from xl_milestones.core.validate import validate
from xl_milestones.io.reader import read_workbook
from xl_milestones.io.xlsxparts import scan_sheet

TODAY = dt.date(2026, 4, 1)


def test_formulas_a_script_wrote_are_reported_on_their_cells(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    id_col = column_of(book, "milestones", "milestone_id")
    amount_col = column_of(book, "milestones", "payment_amount")
    wb = openpyxl.load_workbook(book)
    ws = wb[MILESTONES.name]
    ws[f"{amount_col}5"] = "=B2*2"  # M-101, a fixed milestone
    for r in range(2, 6):
        ws[f"{id_col}{r}"] = f'="M-"&TEXT({r},"000")'
    wb.save(book)

    result = validate(read_workbook(book), today=TODAY)
    found = {(i.cell, i.code) for i in result.issues}
    assert (f"{amount_col}5", "formula-not-calculated") in found
    assert {(f"{id_col}{r}", "formula-not-calculated") for r in range(2, 6)} <= found
    codes = {i.code for i in result.issues}
    assert "required" not in codes and "payment-amount-required" not in codes
    (amount,) = [i for i in result.issues if i.cell == f"{amount_col}5"]
    assert amount.value == "=B2*2"
    assert amount.message.startswith("the cell holds the formula =B2*2 that was never calculated")
    assert "open the file in Excel or LibreOffice and save it" in amount.message


def _scan(cells: str) -> dict[tuple[int, int], str]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "sheet.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData><row r="2">{cells}</row></sheetData></worksheet>',
        )
    with zipfile.ZipFile(buf) as zf:
        return scan_sheet(zf, "sheet.xml").errors


def test_the_scan_tells_a_calculated_formula_from_one_never_calculated() -> None:
    assert _scan('<c r="A2"><f>1+1</f><v>2</v></c>') == {}
    assert _scan('<c r="A2" t="str"><f>""</f><v></v></c>') == {}  # Excel's saved ""
    assert _scan('<c r="A2" t="inlineStr"><f>X</f><is><t>x</t></is></c>') == {}
    assert _scan('<c r="A2"><v>3</v></c><c r="B2"/>') == {}
    assert _scan('<c r="A2"><f>B2*2</f><v /></c>') == {(2, 0): "=B2*2"}  # openpyxl
    assert _scan('<c r="C2"><f>IF(A1&gt;0,"a","b")</f></c>') == {(2, 2): '=IF(A1>0,"a","b")'}
    assert _scan('<c r="D2"><f t="shared" si="0"/></c>') == {(2, 3): "="}
    assert _scan('<x:c r="A2"><x:f>1</x:f></x:c>') == {(2, 0): "=1"}


def test_the_formula_is_found_among_many_f_bytes_and_after_a_lone_one() -> None:
    # A sheet whose text is full of "f" bytes is searched for the marks; a sheet with a few
    # is looked at "f" by "f", the first one (in "<worksheet", no mark) not stopping it.
    text = "".join(f'<c r="B2" t="inlineStr"><is><t>of {i}</t></is></c>' for i in range(300))
    assert _scan(f'{text}<c r="A2"><f>1</f></c>') == {(2, 0): "=1"}
    assert _scan(f'{text}<c r="A2"><v>1</v></c>') == {}
    assert _scan(f'{text}<c r="C2"><f t="shared" si="0"/></c>') == {(2, 2): "="}
    assert _scan(f'{text}<x:c r="D2"><x:f>2</x:f></x:c>') == {(2, 3): "=2"}
    assert _scan('<c r="A2" t="inlineStr"><is><t>if f</t></is></c><c r="C2"><f>2</f></c>') == {
        (2, 2): "=2"
    }
    assert _scan('<c r="A2" t="inlineStr"><is><t>f&gt; :f</t></is></c>') == {}
