"""The one table locator: an Excel table over the schema headers first, else the row of the
first rows holding the most schema headers; the file reader and the file writer find the
same table on the same sheet."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from xl_milestones.book import EXCEL_ROWS, BookUpdate, TableWrite
from xl_milestones.core.schema import VALIDATION
from xl_milestones.errors import WorkbookError
from xl_milestones.io import writer
from xl_milestones.tables import HEADER_SCAN_ROWS, TableArea, locate_table, refuse_past_grid


@dataclass
class _Table:
    name: str
    c1: int
    r1: int
    c2: int
    r2: int
    header_rows: int = 1
    totals_rows: int = 0


def _counter(grid: dict[int, dict[int, bool]]):  # type: ignore[no-untyped-def]
    """header_count over a grid of (row -> column -> is a schema header)."""

    def count(row: int, first: int, last: int) -> int:
        return sum(1 for c, hit in grid.get(row, {}).items() if hit and first <= c <= last)

    return count


def test_the_best_excel_table_wins_over_any_row() -> None:
    grid = {1: {1: True, 2: True, 3: True}, 5: {2: True}, 9: {4: True, 5: True}}
    small, best = _Table("Small", 2, 5, 3, 8), _Table("Best", 4, 9, 6, 20, totals_rows=1)
    found = locate_table([small, best], _counter(grid), range(1, 31), 1, 10)
    # Row 1 holds three headers, but a table over the headers comes first.
    assert found == TableArea(9, 4, 6, 19, best)


def test_a_table_without_a_header_row_or_headers_is_passed_over() -> None:
    grid = {2: {1: True, 2: True}, 4: {3: True}}
    no_header = _Table("NoHeader", 3, 4, 5, 9, header_rows=0)
    no_schema = _Table("Other", 1, 10, 2, 12)
    found = locate_table([no_header, no_schema], _counter(grid), range(1, 31), 1, 10)
    assert found == TableArea(2, 1, 10, None, None)


def test_the_first_row_with_the_most_headers_is_the_header_row() -> None:
    grid = {
        3: {1: True},
        4: {1: True, 2: True},
        6: {1: True, 2: True},
        40: {i: True for i in range(9)},
    }
    found = locate_table([], _counter(grid), range(1, 1 + HEADER_SCAN_ROWS), 1, 8)
    assert found == TableArea(4, 1, 8, None, None)
    assert locate_table([], _counter({}), range(1, 31), 1, 8) is None


def test_the_writer_finds_the_header_row_the_reader_would(tmp_path: Path) -> None:
    """A Validation sheet with a title, a note and its header on row 4 over an Excel table:
    the writer writes its rows under that header, and with the table gone it finds the same
    row again among the first rows."""
    for with_table in (True, False):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Validation"
        ws["A1"] = "Validation of the workbook"
        ws["A2"] = "Severity"  # one header alone in a note row: fewer than row 4 holds
        headers = [f.header for f in VALIDATION.fields]
        for i, h in enumerate(headers, start=1):
            ws.cell(row=4, column=i, value=h)
            ws.cell(row=5, column=i, value="old")
        if with_table:
            last = openpyxl.utils.get_column_letter(len(headers))
            ws.add_table(Table(displayName="tblValidation", ref=f"A4:{last}5"))
        src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
        wb.save(src)
        row = tuple(f"v{i}" for i in range(len(headers)))
        update = BookUpdate(results={}, tables=[TableWrite(VALIDATION, [row])])
        writer.apply_update(src, dst, update, date1904=False)
        out = openpyxl.load_workbook(dst)["Validation"]
        assert [c.value for c in out[4]][: len(headers)] == headers
        assert [c.value for c in out[5]][: len(headers)] == list(row)
        assert out["A1"].value == "Validation of the workbook" and out["A2"].value == "Severity"
        with zipfile.ZipFile(dst) as zf:
            assert zf.testzip() is None


def test_rows_up_to_excels_last_row_are_written_and_one_more_is_refused() -> None:
    what = "Validation"
    refuse_past_grid("Validation", what, 2, EXCEL_ROWS - 1)  # ends on the last row
    refuse_past_grid("Validation", what, EXCEL_ROWS, 1)
    with pytest.raises(WorkbookError, match=r"rows 2 to 1,048,577, .*: split the contracts"):
        refuse_past_grid("Validation", what, 2, EXCEL_ROWS)
    with pytest.raises(WorkbookError, match=r"rows 1,048,576 to 1,048,577, .*: move it up"):
        refuse_past_grid("Validation", what, EXCEL_ROWS, 2)
