"""The portfolio roll-up on outcomes built in memory (no files): what Sources says about
contract IDs that several workbooks share."""

from __future__ import annotations

from xl_milestones.app.portfolio import SOURCES, BookOutcome, roll_up

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
