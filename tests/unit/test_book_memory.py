"""The in-memory Book: reads are copies, writes are recorded and applied like a workbook would."""

from __future__ import annotations

from datetime import date

import pytest
from tests.memorybook import MemoryBook

from xl_milestones.book import BlockWrite, Book, BookUpdate, TableWrite
from xl_milestones.core.model import RawTable, RawWorkbook
from xl_milestones.core.schema import DASHBOARD_STATUS, MILESTONES, REFRESH_LOG, VALIDATION


def _raw() -> RawWorkbook:
    table = RawTable(
        sheet=MILESTONES,
        sheet_name="Milestones",
        header_row=1,
        columns={"milestone_id": "A", "status": "B"},
        rows=[2, 3],
        values={"milestone_id": ["M-1", "M-2"]},
    )
    return RawWorkbook(path="book.xlsx", tables={MILESTONES.key: table})


def _log_row(n: int) -> tuple[object, ...]:
    return ("2026-01-01T00:00:00Z", date(2026, 1, 1), "0.1.0", n, 0, 0, "")


def test_is_a_book_named_after_its_path() -> None:
    book: Book = MemoryBook(_raw())
    assert book.name == "book.xlsx"
    assert MemoryBook(_raw(), name="other").name == "other"


def test_read_returns_a_copy_the_caller_cannot_use_to_change_the_book() -> None:
    book = MemoryBook(_raw())
    first = book.read()
    first.tables[MILESTONES.key].values["milestone_id"][0] = "changed"
    assert book.read().tables[MILESTONES.key].values["milestone_id"][0] == "M-1"
    assert book.reads == 2


def test_results_are_recorded_by_row_and_a_read_still_gives_inputs_only() -> None:
    book = MemoryBook(_raw())
    book.write(BookUpdate(results={3: {"status": "Late", "days_late": 4}}))
    book.write(BookUpdate(results={3: {"status": "Signed off"}, 2: {"status": "Not started"}}))
    assert book.updates[0].results == {3: {"status": "Late", "days_late": 4}}
    assert book.results == {
        3: {"status": "Signed off", "days_late": 4},
        2: {"status": "Not started"},
    }
    table = book.read().tables[MILESTONES.key]
    assert (table.rows, table.values) == ([2, 3], {"milestone_id": ["M-1", "M-2"]})


def test_a_result_for_a_row_that_is_not_there_or_an_input_field_is_refused() -> None:
    book = MemoryBook(_raw())
    with pytest.raises(KeyError, match="no data row 9"):
        book.write(BookUpdate(results={9: {"status": "Late"}}))
    with pytest.raises(KeyError, match="baseline_date"):
        book.write(BookUpdate(results={2: {"baseline_date": date(2026, 1, 1)}}))


def test_output_tables_replace_or_append_and_blocks_replace() -> None:
    book = MemoryBook(_raw())
    issue = ("error", "required", "Milestones", 2, "Type", "D2", None, "Type is required")
    book.write(
        BookUpdate(
            results={},
            tables=[
                TableWrite(VALIDATION, [issue], links={0: "'Milestones'!D2"}),
                TableWrite(REFRESH_LOG, [_log_row(1)], append=True),
            ],
            blocks=[BlockWrite(DASHBOARD_STATUS, [("Late", 1)])],
            dashboard_header="As of 2026-01-01",
        )
    )
    book.write(
        BookUpdate(
            results={},
            tables=[
                TableWrite(VALIDATION, []),
                TableWrite(REFRESH_LOG, [_log_row(2)], append=True),
            ],
            blocks=[BlockWrite(DASHBOARD_STATUS, [("Signed off", 2)])],
        )
    )
    assert book.tables["Validation"] == []
    assert [r[3] for r in book.tables["Refresh Log"]] == [1, 2]
    assert book.blocks["Milestones by status"] == [("Signed off", 2)]
    assert len(book.updates) == 2


def test_a_row_of_the_wrong_width_is_refused() -> None:
    book = MemoryBook(_raw())
    with pytest.raises(ValueError, match="Validation: a row has 2 values, not 8"):
        book.write(BookUpdate(results={}, tables=[TableWrite(VALIDATION, [("a", "b")])]))
    with pytest.raises(ValueError, match="Milestones by status"):
        book.write(BookUpdate(results={}, blocks=[BlockWrite(DASHBOARD_STATUS, [("a",)])]))


def test_last_without_a_write_fails_clearly() -> None:
    with pytest.raises(AssertionError, match="nothing was written"):
        _ = MemoryBook(_raw()).last
