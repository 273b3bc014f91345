"""The live-Excel adapter against a fake of exactly the xlwings calls it makes."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from fake_xlwings import FakeBook, Formula, fake_from_file
from tests.factory import column_of, valid_sheets, write_workbook

from xl_milestones.a1 import column_letter, column_number
from xl_milestones.book import BlockWrite, BookUpdate, TableWrite
from xl_milestones.core.model import CellError
from xl_milestones.core.schema import (
    CONTRACTS,
    DASHBOARD_KPIS,
    DASHBOARD_SCURVE,
    DASHBOARD_STATUS,
    MILESTONES,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    VALIDATION,
    FieldType,
)
from xl_milestones.errors import WorkbookError
from xl_milestones.excel.book import XLWINGS_CALLS, XlwingsBook
from xl_milestones.io.reader import read_workbook
from xl_milestones.numformats import amount_with_places

H = MILESTONES.header
INPUTS = ["milestone_id", "contract_id", "milestone_name", "milestone_type", "baseline_date"]
CONTRACT_HEADER = [f.header for f in CONTRACTS.fields if f.required]
CONTRACT_ROW = ["C-1", "Fit-out", "Acme", "GBP", 1000.0, datetime(2026, 1, 5)]


def _book(*, results: tuple[str, ...] = ("status", "rag"), extra: int = 0) -> FakeBook:
    """Contracts with one row; Milestones with two rows, then the given result columns.

    ``extra`` blank-headed rows after the two data rows hold stale results (from deleted rows).
    """
    book = FakeBook()
    book._add("Contracts", [CONTRACT_HEADER, CONTRACT_ROW])
    header = [H(n) for n in INPUTS] + [H(n) for n in results]
    rows: list[list[object]] = [
        header,
        ["M-1", "C-1", "Design", "project", datetime(2026, 3, 31), *["old"] * len(results)],
        ["M-2", "C-1", "Build", "payment", datetime(2026, 6, 30), *["old"] * len(results)],
    ]
    book._add("Milestones", rows)
    return book


# ------------------------------------------------------------------------------------- reading


def test_read_gives_raw_rows_by_field_with_dates_as_dates_and_whole_numbers_as_int() -> None:
    book = FakeBook()
    book._add(
        "Contracts",
        [
            [*CONTRACT_HEADER, "Payment Terms Days"],
            ["C-1", "A", "S", "GBP", 1200.5, datetime(2026, 1, 5), 30.0],
            [None] * 7,
            ["C-2", "B", "S", "EUR", 100.0, datetime(2026, 1, 5, 12, 30), None],
        ],
        top_left=(3, 2),  # a title above and a margin column: header found by its texts
    )
    book._sheet("Contracts")._put((1, 1), "Contracts of 2026")
    book._add("milestones", [[H(n) for n in INPUTS], ["M-1", "C-1", "A", "project", None]])
    raw = XlwingsBook(book).read()

    table = raw.tables[CONTRACTS.key]
    assert raw.path == r"C:\books\milestones.xlsm"
    assert (table.sheet_name, table.header_row) == ("Contracts", 3)
    assert table.columns["contract_id"] == "B" and table.columns["start_date"] == "G"
    assert table.rows == [4, 6]  # the blank row is skipped
    first, second = table.row_values(0), table.row_values(1)
    assert first["original_value"] == 1200.5 and first["payment_terms_days"] == 30
    assert type(first["payment_terms_days"]) is int
    assert first["start_date"] == date(2026, 1, 5) and type(first["start_date"]) is date
    assert second["start_date"] == datetime(2026, 1, 5, 12, 30)
    assert raw.tables[MILESTONES.key].sheet_name == "milestones"  # matched like a header


def test_read_takes_one_value_read_per_schema_sheet_and_skips_other_sheets() -> None:
    book = _book()
    book._add("Notes", [["anything"]])
    book._add("Validation", [["Severity"]])
    XlwingsBook(book).read()
    assert {s.name: s.reads for s in book.sheets} == {
        "Contracts": 1,
        "Milestones": 1,
        "Notes": 0,
        "Validation": 0,
    }


def test_an_error_value_is_read_as_a_cell_error() -> None:
    from fake_xlwings import ExcelError

    book = _book()
    book._sheet("Milestones")._put((3, 5), ExcelError("#REF!"))
    raw = XlwingsBook(book).read()
    assert raw.tables[MILESTONES.key].values["baseline_date"][1] == CellError("#REF!")


def test_text_numbers_and_dates_and_error_values_are_reported_as_validate_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Text in the file stays text in Excel (only typed text is parsed): "30" where a number is
    # needed and "2026-07-20" where a date is needed are errors live as in the file; so are
    # error values. Same issues, cells and messages as `xl-milestones validate --format json`.
    from xl_milestones.app.evaluate import validate_book
    from xl_milestones.cli import main as cli

    path = write_workbook(tmp_path / "texts.xlsx", valid_sheets())
    cells = {
        ("Contracts", "payment_terms_days", 2): "30",
        ("Contracts", "original_value", 3): "50000",
        ("Milestones", "baseline_date", 2): "2026-07-20",
        ("Milestones", "forecast_date", 3): "2026-06-05",
        ("Milestones", "percent_complete", 2): "#N/A",
        ("Contracts", "start_date", 2): "#REF!",
    }
    wb = openpyxl.load_workbook(path)
    for (sheet, field, row), text in cells.items():
        key = sheet.lower()
        wb[sheet][f"{column_of(path, key, field)}{row}"] = text
    wb.save(path)

    capsys.readouterr()
    assert cli(["validate", str(path), "--format", "json"]) == 1
    from_file = json.loads(capsys.readouterr().out)["issues"]
    live = validate_book(XlwingsBook(fake_from_file(str(path))), today=date.today()).issues
    assert [i.to_json() for i in live] == from_file
    assert (
        sorted(i["code"] for i in from_file)
        == ["date-as-text"] * 2 + ["formula-error"] * 2 + ["number-as-text"] * 2
    )


def test_a_missing_required_sheet_is_a_workbook_error_naming_the_book() -> None:
    book = FakeBook()
    book._add("Contracts", [CONTRACT_HEADER, CONTRACT_ROW])
    with pytest.raises(WorkbookError, match=r"milestones\.xlsm: the workbook has no 'Milestones'"):
        XlwingsBook(book).read()


def test_a_required_sheet_without_rows_is_a_workbook_error_naming_the_headers_it_needs(
    tmp_path: Path,
) -> None:
    # The file reader's message, word for word: the user is told which headers to type.
    path = write_workbook(tmp_path / "milestones.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    ws = wb["Milestones"]  # cleared, header row and table included
    ws.delete_rows(1, ws.max_row)
    for name in list(ws.tables):
        del ws.tables[name]
    wb.save(path)
    with pytest.raises(WorkbookError) as from_file:
        read_workbook(path)
    with pytest.raises(WorkbookError) as live:
        XlwingsBook(fake_from_file(str(path))).read()
    assert str(live.value) == str(from_file.value)
    assert "sheet 'Milestones' is empty: it needs a header row (Milestone ID, Contract ID," in (
        str(live.value)
    )


# ------------------------------------------------------------------------------------- writing


def test_results_are_written_one_assignment_per_run_of_adjacent_result_columns() -> None:
    book = _book(results=("status", "rag"))
    adapter = XlwingsBook(book)
    adapter.read()
    sheet = book._sheet("Milestones")
    sheet.writes.clear()
    adapter.write(BookUpdate(results={2: {"status": "Late", "rag": "Red"}, 3: {}}))

    # F:G exist; the other result columns are added after G, with their headers, in one more.
    assert sheet.writes[0] == ((2, 6), 2, 2)
    n_added = len(MILESTONES.results) - 2
    assert sheet.writes[1] == ((1, 8), 3, n_added)
    assert len(sheet.writes) == 2
    assert [sheet._get(2, 6), sheet._get(2, 7)] == ["Late", "Red"]
    assert sheet._get(3, 6) is None  # a row without results is cleared, not left stale
    assert [sheet._get(1, c) for c in range(8, 8 + n_added)] == [
        f.header for f in MILESTONES.results if f.name not in ("status", "rag")
    ]


def test_amounts_in_a_currency_without_two_decimals_get_its_number_format() -> None:
    book = _book(results=("status", "rag"))
    adapter = XlwingsBook(book)
    adapter.read()
    sheet = book._sheet("Milestones")
    adapter.write(
        BookUpdate(
            results={2: {"milestone_value": Decimal(7200000)}, 3: {"milestone_value": None}},
            money_places={2: 0},
        )
    )
    headers = {sheet._get(1, c): c for c in range(1, 60) if sheet._get(1, c)}
    money = [headers[f.header] for f in MILESTONES.results if f.type is FieldType.MONEY]
    assert {sheet.formats.get((2, c)) for c in money} == {"#,##0"}
    assert not any((3, c) in sheet.formats for c in money)  # two decimals: the template's
    other = headers[MILESTONES.header("days_late")]
    assert (2, other) not in sheet.formats


def test_a_second_write_reuses_the_added_columns() -> None:
    book = _book(results=())
    adapter = XlwingsBook(book)
    adapter.write(BookUpdate(results={2: {"days_late": 3}}))
    adapter.write(BookUpdate(results={2: {"days_late": 5}}))
    sheet = book._sheet("Milestones")
    column = 6 + [f.name for f in MILESTONES.results].index("days_late")
    assert sheet._get(2, column) == 5
    assert sheet.used_range.last_cell.column == 5 + len(MILESTONES.results)


def test_result_values_become_cell_values() -> None:
    book = _book(results=())
    adapter = XlwingsBook(book)
    adapter.write(
        BookUpdate(
            results={
                2: {
                    "amount_due": Decimal("48000.10"),
                    "payment_due_date": date(2026, 4, 30),
                    "signoff_ready": True,
                    "days_late": -3,
                    "signoff_blockers": "deliverable D-1 not accepted; warning: no evidence",
                }
            }
        )
    )
    sheet = book._sheet("Milestones")
    got = {
        f.name: sheet._get(2, 6 + i)
        for i, f in enumerate(MILESTONES.results)
        if sheet._get(2, 6 + i)
    }
    assert got == {
        "amount_due": 48000.1,
        "payment_due_date": datetime(2026, 4, 30),
        "signoff_ready": True,
        "days_late": -3.0,
        "signoff_blockers": "deliverable D-1 not accepted; warning: no evidence",
    }


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1)",
        "+44 20 7946 0000",
        "-5",
        "-x",
        "@x",
        "2026-01-31",
        "0012",
        "TRUE",
        "'quoted",
        "1e5",
    ],
)
def test_text_is_kept_as_text_whatever_excel_would_make_of_it(text: str) -> None:
    book = _book()
    XlwingsBook(book).write(BookUpdate(results={2: {"signoff_blockers": text}}))
    sheet = book._sheet("Milestones")
    column = sheet.used_range.last_cell.column
    found = [sheet._get(2, c) for c in range(1, column + 1)]
    assert text in found
    assert not any(isinstance(v, Formula) for v in found)


def test_output_table_replaces_its_rows_and_links_cells() -> None:
    book = _book()
    book._add("Validation", [[f.header for f in VALIDATION.fields]] + [["old"] * 8] * 5)
    issue = ("error", "required", "Milestones", 3, "Type", "D3", None, "Type is required")
    XlwingsBook(book).write(
        BookUpdate(
            results={}, tables=[TableWrite(VALIDATION, [issue], links={0: "'Milestones'!D3"})]
        )
    )
    sheet = book._sheet("Validation")
    assert sheet.writes[0] == ((1, 1), 2, 8)
    assert [sheet._get(2, c) for c in (1, 2, 4, 8)] == [
        "error",
        "required",
        3.0,
        "Type is required",
    ]
    assert sheet._get(2, 6) == Formula('=HYPERLINK("#\'Milestones\'!D3","D3")')
    assert sheet.used_range.last_cell.row == 2  # the older, longer list is cleared


def test_an_appended_table_goes_under_the_last_row_and_a_new_sheet_gets_its_header() -> None:
    book = _book()
    adapter = XlwingsBook(book)
    row = ("2026-03-31T10:00:00Z", date(2026, 3, 31), "0.1.0", 2, 0, 1, "Late: 1")
    adapter.write(BookUpdate(results={}, tables=[TableWrite(REFRESH_LOG, [row], append=True)]))
    adapter.write(BookUpdate(results={}, tables=[TableWrite(REFRESH_LOG, [row], append=True)]))
    sheet = book._sheet("Refresh Log")
    assert [s.name for s in book.sheets][-1] == "Refresh Log"
    assert sheet._get(1, 1) == "Refreshed At"
    assert [sheet._get(r, 4) for r in (2, 3)] == [2.0, 2.0]
    assert sheet._get(2, 1) == "2026-03-31T10:00:00Z"  # not turned into a date
    assert sheet.used_range.last_cell.row == 3


@pytest.mark.parametrize(("note_row", "refused"), [(4, True), (5, False)])
def test_a_log_row_goes_under_the_log_not_under_a_note_and_a_note_it_would_touch_is_refused(
    note_row: int, refused: bool
) -> None:
    # The log ends at row 2; a note after an empty row. The new row goes to row 3, under the
    # log's own rows (not under the sheet's used range, which the note ends); right above the
    # note (row 4), the next refresh would take it for a log row: refused, as by the command line.
    book = _book()
    row = ("2026-03-31T10:00:00Z", date(2026, 3, 31), "0.1.0", 2, 0, 1, "Late: 1")
    book._add("Refresh Log", [[f.header for f in REFRESH_LOG.fields], list(row)])
    book._sheet("Refresh Log")._put((note_row, 1), NOTE)
    adapter = XlwingsBook(book)
    update = BookUpdate(results={}, tables=[TableWrite(REFRESH_LOG, [row], append=True)])
    if refused:
        before = _snapshot(book)
        with pytest.raises(WorkbookError, match=r"A4 holds a value right under the Refresh Log"):
            adapter.write(update)
        assert _snapshot(book) == before
        return
    adapter.write(update)
    sheet = book._sheet("Refresh Log")
    assert [sheet._get(r, 1) for r in (2, 3, 4, 5)] == [row[0], row[0], None, NOTE]


def test_a_log_row_cleared_inside_the_log_excel_table_leaves_the_rows_after_it_in_the_log() -> None:
    # The log's Excel table spans rows 1-4 and the user cleared row 3: rows 2 and 4 are both
    # the log's. The new row goes under the table, as by the command line, not refused with
    # row 4 taken for a note; an empty table (the template's A1:G2) gains its row at row 2.
    book = _book()
    row = ("2026-03-31T10:00:00Z", date(2026, 3, 31), "0.1.0", 2, 0, 1, "Late: 1")
    empty = [None] * len(row)
    book._add("Refresh Log", [[f.header for f in REFRESH_LOG.fields], list(row), empty, list(row)])
    book._sheet("Refresh Log")._tables.append(((1, 1), (4, 7)))
    XlwingsBook(book).write(
        BookUpdate(results={}, tables=[TableWrite(REFRESH_LOG, [row], append=True)])
    )
    sheet = book._sheet("Refresh Log")
    assert [sheet._get(r, 1) for r in (2, 3, 4, 5)] == [row[0], None, row[0], row[0]]
    book = _book()
    book._add("Refresh Log", [[f.header for f in REFRESH_LOG.fields]])
    book._sheet("Refresh Log")._tables.append(((1, 1), (2, 7)))
    XlwingsBook(book).write(
        BookUpdate(results={}, tables=[TableWrite(REFRESH_LOG, [row], append=True)])
    )
    assert book._sheet("Refresh Log")._get(2, 1) == row[0]


def test_dashboard_blocks_and_header_are_written_in_place_and_leftovers_cleared() -> None:
    book = _book()
    adapter = XlwingsBook(book)
    status_rows = [("Late", 1), ("Signed off", 2), ("Not started", 3)]
    adapter.write(
        BookUpdate(
            results={},
            blocks=[
                BlockWrite(DASHBOARD_STATUS, status_rows),
                BlockWrite(DASHBOARD_KPIS, [("Milestones", 6)]),
            ],
            dashboard_header="As of 31 March 2026, amounts in GBP",
        )
    )
    adapter.write(BookUpdate(results={}, blocks=[BlockWrite(DASHBOARD_STATUS, status_rows[:1])]))
    sheet = book._sheet("Dashboard")
    col = column_number(DASHBOARD_STATUS.first_column)
    top = DASHBOARD_STATUS.header_row
    assert sheet._get(top - 1, col) == DASHBOARD_STATUS.title
    assert [sheet._get(top, col), sheet._get(top, col + 1)] == ["Status", "Milestones"]
    assert [sheet._get(top + 1, col), sheet._get(top + 1, col + 1)] == ["Late", 1.0]
    assert sheet._get(top + 2, col) is None  # the second write had one row
    assert sheet._get(top + 1, 1) == "Milestones"  # the other block is untouched
    assert sheet._get(2, 1) == "As of 31 March 2026, amounts in GBP"


def test_dashboard_amounts_get_their_minor_units_and_counts_keep_the_template_format() -> None:
    # Key figures mix counts (ints) and amounts (Decimals); the S-curve's amounts here are in
    # JPY, marked with no decimals. One format call per run of amounts down a column.
    book = _book()
    kpis = [
        ("Milestones", 6),
        ("Due in the next 30 days", Decimal("105073.75")),
        ("Overdue outstanding", Decimal("12.50")),
        ("Sign-offs overdue", 2),
        ("Retention held", Decimal("9")),
    ]
    width = len(DASHBOARD_SCURVE.fields)
    yen = amount_with_places(Decimal("1200"), 0)
    scurve = [(date(2026, 1, 1), *([yen] * (width - 1)))] * 2
    blocks = [BlockWrite(DASHBOARD_KPIS, kpis), BlockWrite(DASHBOARD_SCURVE, scurve)]
    XlwingsBook(book).write(BookUpdate(results={}, blocks=blocks))
    sheet = book._sheet("Dashboard")
    top = DASHBOARD_KPIS.header_row + 1
    assert {r: code for (r, c), code in sheet.formats.items() if c == 2} == {
        top + 1: "#,##0.00",
        top + 2: "#,##0.00",
        top + 4: "#,##0.00",
    }
    first = column_number(DASHBOARD_SCURVE.first_column)
    s_top = DASHBOARD_SCURVE.header_row + 1
    for c in range(first + 1, first + width):
        assert [sheet.formats[(r, c)] for r in (s_top, s_top + 1)] == ["#,##0", "#,##0"]
    assert (s_top, first) not in sheet.formats  # the month keeps its own


NOTE = "Reviewed by JB"


def _issues(n: int) -> list[tuple[object, ...]]:
    return [("error", "required", "Milestones", 3, "Type", "D3", None, "problem")] * n


def test_a_note_after_an_empty_row_is_kept_and_the_old_rows_below_the_new_ones_cleared() -> None:
    # Validation held five rows; a note two rows under them, and one under a Dashboard block.
    book = _book()
    book._add("Validation", [[f.header for f in VALIDATION.fields]] + [["old"] * 8] * 5)
    book._sheet("Validation")._put((8, 1), NOTE)
    adapter = XlwingsBook(book)
    top, col = DASHBOARD_STATUS.header_row, column_number(DASHBOARD_STATUS.first_column)
    status = [("Late", 1), ("Signed off", 2), ("Not started", 3)]
    adapter.write(BookUpdate(results={}, blocks=[BlockWrite(DASHBOARD_STATUS, status)]))
    dashboard = book._sheet("Dashboard")
    dashboard._put((top + 5, col + 1), "Source: PMO")
    validation = book._sheet("Validation")
    issues_before = [5]  # rows of the list before each write
    for issues, rows in ((2, status[:1]), (3, status)):
        validation.cells_read = 0
        adapter.write(
            BookUpdate(
                results={},
                tables=[TableWrite(VALIDATION, _issues(issues))],
                blocks=[BlockWrite(DASHBOARD_STATUS, rows)],
            )
        )
        # The old rows' first column, then the full width only from the first row without
        # one (the empty row, then the note): not every cell of the old table.
        gap = 2 + issues_before[0]  # rows 2 to 8 in column A, then rows gap to 8 in full
        assert validation.cells_read == 7 + len(VALIDATION.fields) * (8 - gap + 1)
        issues_before[0] = issues
        assert [validation._get(r, 8) for r in range(2, 8)] == [
            *(["problem"] * issues),
            *([None] * (6 - issues)),  # the rows of the longer list are cleared
        ]
        assert validation._get(8, 1) == NOTE
        values = [dashboard._get(top + i, col) for i in range(1, 5)]
        assert values == [r[0] for r in rows] + [None] * (4 - len(rows))
        assert dashboard._get(top + 5, col + 1) == "Source: PMO"


def _snapshot(book: FakeBook) -> dict[str, tuple[object, ...]]:
    return {
        s.name: (dict(s._cells), dict(s.formats), len(s.writes))
        for s in book._sheets._list  # not through the fake's recorded calls
    }


@pytest.mark.parametrize(
    ("sheet", "cell", "what", "last"),
    [
        ("Validation", (4, 1), "the Validation table", 4),  # the new rows overwrite it
        ("Validation", (5, 3), "the Validation table", 4),  # they end right above it
        ("Dashboard", (7, 5), "the Dashboard block 'Milestones by status'", 7),
    ],
)
def test_a_note_the_new_rows_would_reach_stops_the_write_before_anything_is_written(
    sheet: str, cell: tuple[int, int], what: str, last: int
) -> None:
    book = _book()
    book._add("Validation", [[f.header for f in VALIDATION.fields], ["old"] * 8])
    top = DASHBOARD_STATUS.header_row
    book._add("Dashboard", [])._fill(
        [["Milestones by status", None], ["Status", "Milestones"], ["Late", 1]], (top - 1, 4)
    )
    book._sheet(sheet)._put(cell, NOTE)
    adapter = XlwingsBook(book)
    adapter.read()
    before = _snapshot(book)
    update = BookUpdate(
        results={2: {"status": "Late"}},
        tables=[TableWrite(PAYMENT_SCHEDULE, []), TableWrite(VALIDATION, _issues(3))],
        blocks=[BlockWrite(DASHBOARD_STATUS, [("Late", 1), ("Signed off", 2), ("Rejected", 3)])],
        dashboard_header="As of 31 March 2026",
        money_places={2: 0},
    )
    with pytest.raises(WorkbookError) as refused:
        adapter.write(update)
    name = f"{column_letter(cell[1])}{cell[0]}"
    assert str(refused.value) == (
        rf"C:\books\milestones.xlsm: sheet '{sheet}': {name} holds a value below {what}, "
        f"which this refresh writes down to row {last}: move it to row {last + 2} or lower "
        f"(row {last + 1} left empty), or to another sheet, then refresh again"
    )
    assert _snapshot(book) == before  # no sheet added, no cell written, cleared or formatted


def test_a_row_cleared_inside_an_output_excel_table_is_one_of_its_old_rows() -> None:
    # Validation's Excel table spans rows 1-6; the user cleared row 3 inside it. Rows 4-6 are
    # old rows (the file writer takes the table's rows so), not notes in the way of the new
    # rows; a note under the table, after an empty row, is kept.
    book = _book()
    old = [[f.header for f in VALIDATION.fields], *(["old"] * 8 for _ in range(5))]
    validation = book._add("Validation", old)
    validation._tables.append(((1, 1), (6, 8)))
    for col in range(1, 9):
        validation._put((3, col), None)
    validation._put((8, 1), NOTE)
    XlwingsBook(book).write(BookUpdate(results={}, tables=[TableWrite(VALIDATION, _issues(3))]))
    assert [validation._get(r, 8) for r in range(2, 7)] == ["problem"] * 3 + [None] * 2
    assert validation._get(8, 1) == NOTE


def test_status_bar_screen_updating_and_calculation_come_back_also_on_error() -> None:
    book = _book()
    book.app.status_bar = "the user's message"
    book.app.status_history.clear()
    adapter = XlwingsBook(book)
    adapter.write(BookUpdate(results={2: {"status": "Late"}}))
    assert "xl-milestones: writing results" in book.app.status_history
    assert book.app.status_bar == "the user's message"
    assert (book.app.screen_updating, book.app.calculation) == (True, "automatic")

    with pytest.raises(ValueError), adapter.busy():
        adapter.progress("working")
        assert book.app.calculation == "manual" and book.app.screen_updating is False
        raise ValueError("boom")
    assert book.app.status_bar == "the user's message"
    assert (book.app.screen_updating, book.app.calculation) == (True, "automatic")


def test_the_adapter_uses_only_the_listed_xlwings_calls_and_they_exist_in_xlwings() -> None:
    book = _book(results=())
    book._add("Dashboard", [])
    validation = book._add("Validation", [[f.header for f in VALIDATION.fields], ["old"] * 8])
    validation._tables.append(((1, 1), (2, 8)))
    book.calls.clear()
    adapter = XlwingsBook(book)
    assert adapter.name == r"C:\books\milestones.xlsm"
    adapter.read()
    adapter.write(
        BookUpdate(
            results={2: {"status": "Late"}},
            tables=[TableWrite(VALIDATION, []), TableWrite(REFRESH_LOG, [], append=True)],
            blocks=[BlockWrite(DASHBOARD_STATUS, [("Late", 1)])],
            dashboard_header="As of",
        )
    )
    used = set(book.calls)
    allowed = {(kind, name) for kind, names in XLWINGS_CALLS.items() for name in names}
    assert used <= allowed, used - allowed
    assert {kind for kind, _ in used} == set(XLWINGS_CALLS)
    for kind, names in XLWINGS_CALLS.items():
        real = getattr(xw.main, kind)
        for name in names:
            assert hasattr(real, name), f"xlwings.{kind} has no {name}"
