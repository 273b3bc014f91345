"""A note the user types under an output table or a Dashboard block, after a blank row, is kept
by a refresh; when the rows a refresh writes would reach it (or end right above it, so that the
next refresh would take it for one of them and clear it), the refresh stops with its cell named
rather than overwrite it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from tests.tools import run_cli
from tests.writerbooks import stale_dimension

from xl_milestones.core.schema import (
    DASHBOARD_SCURVE,
    MILESTONES,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    VALIDATION,
)

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
AS_OF = "2026-06-30"

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="the sample workbook is not built")


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample as a user finds it after a refresh: every output sheet filled."""
    folder = tmp_path_factory.mktemp("notes")
    book = folder / "refreshed.xlsm"
    shutil.copyfile(SAMPLE, book)
    from xl_milestones.cli import main

    assert main(["refresh", str(book), "--as-of", AS_OF]) == 0
    return book


def _edit(refreshed: Path, tmp_path: Path, notes: dict[str, dict[str, str]]) -> Path:
    """A copy of ``refreshed`` with ``notes`` (sheet -> cell -> text) typed in, and the last
    milestone moved to 2028, so that the Payment Schedule and the S-curve grow."""
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    for sheet, cells in notes.items():
        for cell, text in cells.items():
            wb[sheet][cell] = text
    ws = wb[MILESTONES.name]
    heads = {c.value: c.column for c in ws[1]}
    for header in ("Baseline Date", "Forecast Date"):
        ws.cell(ws.max_row, heads[header], dt.datetime(2028, 6, 30))
    book = tmp_path / "book.xlsm"
    wb.save(book)
    return book


@pytest.fixture(scope="module")
def grown_end(refreshed: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    """The last row of the Payment Schedule once ``_edit``'s moved milestone is refreshed: its
    contract's months now run on to June 2028, a row each."""
    book = _edit(refreshed, tmp_path_factory.mktemp("grown"), {})
    from xl_milestones.cli import main

    assert main(["refresh", str(book), "--as-of", AS_OF]) == 0
    end = _table_end(book, PAYMENT_SCHEDULE.name)
    assert end > _table_end(refreshed, PAYMENT_SCHEDULE.name)
    return end


def _table_end(book: Path, sheet: str) -> int:
    ws = openpyxl.load_workbook(book)[sheet]
    table = next(iter(ws.tables.values()))
    return openpyxl.utils.cell.range_boundaries(table.ref)[3]


def _refused(capsys: pytest.CaptureFixture[str], book: Path, *words: str) -> None:
    before = book.read_bytes()
    out = book.with_name("out.xlsm")
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF, "--output", str(out))
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    for word in (book.name, *words):
        assert word in err, err
    assert not out.exists() and book.read_bytes() == before
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
    assert code == 2 and book.read_bytes() == before


def test_a_note_the_schedule_would_reach_or_touch_stops_the_refresh(
    refreshed: Path, tmp_path: Path, grown_end: int, capsys: pytest.CaptureFixture[str]
) -> None:
    end = _table_end(refreshed, PAYMENT_SCHEDULE.name)
    # A blank row under the table as it is, then the note: the schedule's new rows reach it.
    book = _edit(refreshed, tmp_path, {PAYMENT_SCHEDULE.name: {f"A{end + 2}": "Checked by JB"}})
    _refused(capsys, book, f"'{PAYMENT_SCHEDULE.name}'", f"A{end + 2}", f"row {grown_end}")
    # Right under the rows the refresh writes: they would end right above it.
    note = f"A{grown_end + 1}"
    book = _edit(refreshed, tmp_path, {PAYMENT_SCHEDULE.name: {note: "Checked by JB"}})
    _refused(capsys, book, note, f"row {grown_end + 1} left empty")


def test_a_note_the_validation_rows_would_overwrite_stops_the_refresh(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    wb[VALIDATION.name]["C5"] = "Reviewed by JB"
    ws = wb[MILESTONES.name]
    column = next(c.column for c in ws[1] if c.value == MILESTONES.field("percent_complete").header)
    for row in range(2, 12):
        ws.cell(row, column).value = "most"  # ten errors: ten more Validation rows
    book = tmp_path / "book.xlsm"
    wb.save(book)
    _refused(capsys, book, f"'{VALIDATION.name}'", "C5")


def test_a_note_the_scurve_block_would_reach_stops_the_refresh(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = openpyxl.load_workbook(refreshed)["Dashboard"]
    row = DASHBOARD_SCURVE.header_row + 1
    while ws.cell(row, 7).value is not None:
        row += 1
    cell = f"G{row + 2}"  # after a blank row: the block grows over it
    book = _edit(refreshed, tmp_path, {"Dashboard": {cell: "Source: finance ledger"}})
    _refused(capsys, book, "'Dashboard'", cell)


def test_a_note_clear_of_the_rows_written_is_kept_by_every_refresh(
    refreshed: Path, tmp_path: Path, grown_end: int, capsys: pytest.CaptureFixture[str]
) -> None:
    note = f"A{grown_end + 10}"
    book = _edit(refreshed, tmp_path, {PAYMENT_SCHEDULE.name: {note: "Checked by JB"}})
    for _ in range(2):
        code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
        assert code == 0, err
        assert openpyxl.load_workbook(book)[PAYMENT_SCHEDULE.name][note].value == "Checked by JB"
    assert _table_end(book, PAYMENT_SCHEDULE.name) == grown_end


def test_a_stale_dimension_does_not_hide_the_note(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Some programs leave a sheet's <dimension> as it was (here A1): the check goes by the
    # rows the sheet holds, so the note is still seen.
    end = _table_end(refreshed, PAYMENT_SCHEDULE.name)
    edited = _edit(refreshed, tmp_path, {PAYMENT_SCHEDULE.name: {f"A{end + 2}": "Checked by JB"}})
    stale = tmp_path / "stale" / "book.xlsm"
    stale.parent.mkdir()
    stale_dimension(edited, stale, PAYMENT_SCHEDULE.name)
    _refused(capsys, stale, f"'{PAYMENT_SCHEDULE.name}'", f"A{end + 2}")


def test_an_output_sheet_without_its_header_gets_the_table_under_its_rows(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Validation sheet cleared and three notes typed at its top: the table is laid out
    # two rows under them, found by the sheet's rows even where its <dimension> is stale.
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    ws = wb[VALIDATION.name]
    ws.delete_rows(1, ws.max_row)
    for row in (1, 2, 3):
        ws.cell(row, 1).value = f"Review note {row}"
    edited = tmp_path / "edited.xlsm"
    wb.save(edited)
    book = tmp_path / "book.xlsm"
    stale_dimension(edited, book, VALIDATION.name)
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
    assert code == 0, err
    ws = openpyxl.load_workbook(book)[VALIDATION.name]
    assert [ws.cell(row, 1).value for row in (1, 2, 3, 4)] == [
        "Review note 1",
        "Review note 2",
        "Review note 3",
        None,
    ]
    assert ws.cell(5, 1).value == VALIDATION.fields[0].header


def test_a_note_under_the_refresh_log_is_refused_before_the_log_reaches_it(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The log gains a row at each refresh. A note after one empty row under it would be right
    # under the new row, and the next refresh would take it for one of the log's rows.
    end = _table_end(refreshed, REFRESH_LOG.name)
    book = _edit(refreshed, tmp_path, {REFRESH_LOG.name: {f"A{end + 2}": "Audited by JB"}})
    _refused(
        capsys,
        book,
        f"'{REFRESH_LOG.name}'",
        f"A{end + 2}",
        "gains a row at each refresh",
        "another sheet",
    )


def test_a_note_further_under_the_refresh_log_stays_out_of_it(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    end = _table_end(refreshed, REFRESH_LOG.name)
    note = f"A{end + 3}"
    book = _edit(refreshed, tmp_path, {REFRESH_LOG.name: {note: "Audited by JB"}})
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
    assert code == 0, err
    ws = openpyxl.load_workbook(book)[REFRESH_LOG.name]
    assert ws[note].value == "Audited by JB" and ws[f"A{end + 2}"].value is None
    assert _table_end(book, REFRESH_LOG.name) == end + 1
    # The next refresh would leave the note right under the log: it is refused.
    _refused(capsys, book, f"'{REFRESH_LOG.name}'", note)


def test_a_log_row_cleared_inside_the_refresh_log_table_is_no_note_in_the_way(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three refreshes logged, the middle one's row cleared inside the log's Excel table: the
    # row under it is the log's, not a note, and the new row goes under the table.
    book = tmp_path / "book.xlsm"
    shutil.copyfile(refreshed, book)
    for _ in range(2):
        assert run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)[0] == 0
    assert _table_end(book, REFRESH_LOG.name) == 4
    wb = openpyxl.load_workbook(book, keep_vba=True)
    for cell in wb[REFRESH_LOG.name][3]:
        cell.value = None
    wb.save(book)
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
    assert code == 0, err
    ws = openpyxl.load_workbook(book)[REFRESH_LOG.name]
    assert [ws.cell(r, 2).value is not None for r in range(2, 6)] == [True, False, True, True]
    assert _table_end(book, REFRESH_LOG.name) == 5
