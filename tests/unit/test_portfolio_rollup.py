"""The portfolio roll-up on outcomes built in memory (no files): what Sources says about
contract IDs that several workbooks share, and each workbook's rows streamed, not kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from xl_milestones.app.portfolio import (
    ALL_MILESTONES,
    PORTFOLIO_SCHEDULE,
    SOURCES,
    BookOutcome,
    RollUp,
    roll_up,
)
from xl_milestones.core.schema import PAYMENT_SCHEDULE, Sheet

DUPLICATES = [f.name for f in SOURCES.fields].index("duplicate_contracts")


def _book(path: str, *contract_ids: str) -> BookOutcome:
    return BookOutcome(
        path, True, currency="GBP", contracts=[(c, c, "Acme", "GBP") for c in contract_ids]
    )


def test_a_contract_id_in_two_workbooks_names_the_other() -> None:
    portfolio = roll_up([_book("a.xlsx", "C-1", "C-2"), _book("b.xlsx", "C-2")])
    flagged = [row[DUPLICATES] for row in portfolio.sources]
    assert flagged == ["C-2 (also in b.xlsx)", "C-2 (also in a.xlsx)"]


def test_a_contract_id_in_many_workbooks_names_three_and_counts_the_rest() -> None:
    # 1,000 files sharing C-1 would otherwise list 999 paths on each of 1,000 rows.
    books = [_book(f"{n:02d}.xlsx", "C-1") for n in range(6)]
    sources = roll_up(books).sources
    assert sources[0][DUPLICATES] == "C-1 (also in 01.xlsx, 02.xlsx, 03.xlsx and 2 more)"
    assert sources[2][DUPLICATES] == "C-1 (also in 00.xlsx, 01.xlsx, 03.xlsx and 2 more)"
    assert sources[5][DUPLICATES] == "C-1 (also in 00.xlsx, 01.xlsx, 02.xlsx and 2 more)"


class _Recorder:
    """A RowSink that notes what it gets, and when."""

    def __init__(self) -> None:
        self.currency: str | None = None
        self.got: list[tuple[str, list[tuple[object, ...]], list[str]]] = []

    def begin(self, currency: str) -> None:
        self.currency = currency

    def rows(self, sheet: Sheet, rows: Sequence[tuple[object, ...]], links: Sequence[str]) -> None:
        self.got.append((sheet.key, list(rows), list(links)))


def _with_rows(path: str, *milestone_ids: str) -> BookOutcome:
    book = _book(path, "C-1")
    for n, mid in enumerate(milestone_ids, start=2):
        row: list[object] = [None] * len(ALL_MILESTONES.fields[1:-2])
        row[0], row[1], row[2], row[8], row[13] = n, mid, "C-1", "GBP", True
        book.milestones.append(tuple(row))
    month = [None] * len(PAYMENT_SCHEDULE.fields)
    month[0], month[1], month[2] = date(2026, 5, 1), "C-1", "GBP"
    # Planned value 100.00 GBP, cumulative 100.00; the other measures nothing.
    month[3:15] = [Decimal("0.00")] * 12
    month[3] = month[9] = Decimal("100.00")
    book.schedule.append(tuple(month))
    return book


def test_each_books_rows_go_to_the_sinks_as_it_comes_and_are_not_kept() -> None:
    sink = _Recorder()
    rolling = RollUp(sinks=[sink])
    rolling.add(BookOutcome("gone.xlsx", False, "gone.xlsx: no such file"))
    assert sink.got == [] and sink.currency is None
    rolling.add(_with_rows("a.xlsx", "M-1", "M-2"))
    # The first book read sets the reporting currency; its rows are out before the next book.
    assert sink.currency == "GBP"
    assert [(key, [r[2] for r in rows], links) for key, rows, links in sink.got] == [
        (ALL_MILESTONES.key, ["M-1", "M-2"], ["a.xlsx#2", "a.xlsx#3"]),
        (PORTFOLIO_SCHEDULE.key, ["C-1"], ["a.xlsx"]),
    ]
    rolling.add(_with_rows("b.xlsx", "M-9"))
    assert [r[2] for r in sink.got[2][1]] == ["M-9"]
    portfolio = rolling.finish()
    # Only what the end needs is kept: each outcome without its rows, and the S-curve.
    assert all(not o.milestones and not o.schedule for o in portfolio.outcomes)
    assert [o.path for o in portfolio.outcomes] == ["gone.xlsx", "a.xlsx", "b.xlsx"]
    assert portfolio.scurve[0][:2] == (date(2026, 5, 1), Decimal("200.00"))
    assert [row[0] for row in portfolio.sources] == ["gone.xlsx", "a.xlsx", "b.xlsx"]


def test_the_first_book_with_a_currency_of_its_own_chooses_and_the_ones_before_wait() -> None:
    sink = _Recorder()
    rolling = RollUp(sinks=[sink])
    # A blank workbook (no setting, no contract) has no currency: its rows wait for one.
    blank = BookOutcome("a-blank.xlsx", True)
    row: list[object] = [None] * len(ALL_MILESTONES.fields[1:-2])
    row[0], row[1], row[13] = 2, "M-0", False
    blank.milestones.append(tuple(row))
    rolling.add(blank)
    rolling.add(BookOutcome("b-gone.xlsx", False, "b-gone.xlsx: no such file"))
    assert sink.currency is None and sink.got == []
    rolling.add(_with_rows("c.xlsx", "M-1"))
    assert sink.currency == "GBP"
    assert [links for _key, _rows, links in sink.got] == [
        ["a-blank.xlsx#2"],
        [],
        ["c.xlsx#2"],
        ["c.xlsx"],
    ]
    portfolio = rolling.finish()
    assert portfolio.currency == portfolio.currency_text == "GBP"
    assert [o.path for o in portfolio.outcomes] == ["a-blank.xlsx", "b-gone.xlsx", "c.xlsx"]


def test_without_any_books_currency_the_default_is_said() -> None:
    sink = _Recorder()
    portfolio = roll_up([BookOutcome("blank.xlsx", True)], sinks=[sink])
    assert sink.currency == portfolio.currency == "EUR"
    assert portfolio.currency_text == "EUR (no workbook gives a currency)"
    # With --currency the currency is given, whatever the books.
    assert not roll_up([BookOutcome("blank.xlsx", True)], currency="USD").currency_assumed
    assert roll_up([BookOutcome("blank.xlsx", True)], currency="USD").currency == "USD"
