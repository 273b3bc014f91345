"""The change report (RULES.md section 6): what counts as the previous refresh's value, added
and no longer computed milestones, and the summary line of every edition."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import milestone, model
from xl_milestones.core.changes import (
    ADDED,
    REMOVED,
    Change,
    ChangeReport,
    compare,
    computed_count,
    previous_value,
    sheet_rows,
    status_counts_text,
)
from xl_milestones.core.engine import compute
from xl_milestones.core.model import PreviousRefresh, SkippedMilestone
from xl_milestones.core.schema import NOT_COMPUTED
from xl_milestones.output import changes_json, changes_summary

D = Decimal
JUNE, JULY = date(2026, 6, 30), date(2026, 7, 15)


@pytest.mark.parametrize(
    ("field", "cell", "currency", "value"),
    [
        ("status", "Late", None, "Late"),
        ("status", "Done!", None, "not ours"),  # no refresh writes it
        ("rag", "Red", None, "Red"),
        ("payment_status", "Overdue", None, "Overdue"),
        ("amount_due", 326476.8, "GBP", D("326476.80")),  # a float read back, exact again
        ("amount_due", 7920000, "JPY", D("7920000")),
        ("amount_due", "see invoice", "GBP", "not ours"),
        ("amount_due", True, "GBP", "not ours"),
        ("payment_due_date", datetime(2026, 7, 8), None, date(2026, 7, 8)),
        ("revised_date", date(2026, 5, 29), None, date(2026, 5, 29)),
        ("revised_date", 46200, None, "not ours"),  # a number without a date format
        ("signoff_ready", True, None, True),
        ("signoff_ready", "no", None, False),
        ("signoff_ready", "maybe", None, "not ours"),
        ("status", None, None, None),
        ("amount_due", "", "GBP", None),
    ],
)
def test_previous_values_as_a_refresh_wrote_them(
    field: str, cell: object, currency: str | None, value: object
) -> None:
    got = previous_value(field, cell, currency)
    if value == "not ours":
        assert got is not None and type(got) is object
    else:
        assert got == value and type(got) is type(value)


def _cells(**kw: object) -> dict[str, object]:
    return {"status": "Not started", "rag": "Green", "payment_status": "Not payable", **kw}


def test_first_refresh_compares_nothing() -> None:
    m = model(milestones=[milestone("M-1", row=2)])
    report = compare(m, compute(m, JUNE), None)
    assert report == ChangeReport(True, None, JUNE, ())
    assert changes_summary(report) == "First refresh: nothing to compare."
    assert sheet_rows(report) == []


def test_changed_added_and_no_longer_computed() -> None:
    # M-1 (baseline 2026-03-31, not finished) is Late and Red as of July; the last refresh
    # left it Not started and Green. M-2's row held no result: added. M-3 is now skipped.
    m = model(
        milestones=[milestone("M-1", row=2), milestone("M-2", row=3)],
        skipped=[SkippedMilestone(4, "M-3")],
    )
    result = compute(m, JULY)
    previous = PreviousRefresh(JUNE, {2: _cells(signoff_ready=False), 4: _cells(status="Late")})
    report = compare(m, result, previous)
    assert [(c.milestone_id, c.field, c.before, c.after) for c in report.changes] == [
        ("M-1", "status", "Not started", "Late"),
        ("M-1", "rag", "Green", "Red"),
        ("M-2", ADDED, None, "Late"),
        ("M-3", "status", "Late", NOT_COMPUTED),
    ]
    assert report.counts() == {"status": 2, "rag": 1, ADDED: 1}
    assert changes_summary(report) == (
        "Since the refresh as of 2026-06-30: 1 milestone added, 1 newly late, "
        "1 no longer computed (see Validation), 1 now Red (RAG)."
    )
    rows = sheet_rows(report)
    assert rows[0] == ("M-1", "C-1", "Milestone M-1", "Status", "Not started", "Late", JUNE, JULY)
    assert rows[2][3:6] == (ADDED, None, "Late")
    data = changes_json(report)
    assert data is not None and data["previous_as_of"] == "2026-06-30"
    assert data["rows"][0] == {
        "milestone_id": "M-1",
        "contract_id": "C-1",
        "milestone_name": "Milestone M-1",
        "field": "status",
        "before": "Not started",
        "after": "Late",
    }


def test_nothing_changed_and_an_unknown_previous_as_of() -> None:
    assert (
        changes_summary(ChangeReport(False, JUNE, JULY, ()))
        == "Since the refresh as of 2026-06-30: nothing changed."
    )
    one = Change("M-1", "C-1", "x", "payment_status", "Not yet due", "Overdue", "EUR")
    two = one._replace(milestone_id="M-2")
    assert (
        changes_summary(ChangeReport(False, None, JULY, (one, two)))
        == "Since the last refresh: 2 payments now overdue."
    )


def test_money_is_shown_with_its_currency_and_dates_in_iso_form() -> None:
    c = Change("M-1", "C-1", "x", "amount_due", D("1200.00"), D("1300.50"), "EUR")
    d = Change("M-1", "C-1", "x", "payment_due_date", date(2026, 7, 8), None, "EUR")
    rows = sheet_rows(ChangeReport(False, JUNE, JULY, (c, d)))
    assert rows[0][3:6] == ("Amount Due", "1,200.00 EUR", "1,300.50 EUR")
    assert rows[1][3:6] == ("Payment Due Date", "2026-07-08", None)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Late 2, Signed off 5", 7),
        ("Not started 1", 1),
        (None, 0),  # a refresh that computed nothing wrote a blank cell
        ("Late two", None),  # typed by a user
        ("Done 3", None),
        (12, None),
    ],
)
def test_computed_count_reads_what_a_refresh_wrote(text: object, count: int | None) -> None:
    assert computed_count(text) == count


def test_status_counts_round_trip() -> None:
    text = status_counts_text({"Late": 2, "Not started": 0, "Signed off": 5})
    assert text == "Late 2, Signed off 5"
    assert computed_count(text) == 7


def test_deleted_rows_are_one_removed_row_and_a_typed_over_status_still_counts() -> None:
    # The previous refresh computed four milestones; two rows remain, one with a Status a
    # user typed over: two were deleted.
    m = model(milestones=[milestone("M-1", row=2), milestone("M-2", row=3)])
    previous = PreviousRefresh(
        JUNE, {2: _cells(status="Late"), 3: _cells(status="Done!")}, computed=4
    )
    report = compare(m, compute(m, JUNE), previous)
    assert report.changes[-1] == Change(
        None, None, "2 milestones no longer on the Milestones sheet", REMOVED, 2, None
    )
    assert [c.field for c in report.changes].count(REMOVED) == 1
    assert changes_summary(report) == (
        "Since the refresh as of 2026-06-30: 2 milestones removed, 2 now Red (RAG)."
    )
    assert sheet_rows(report)[-1][:6] == (
        None,
        None,
        "2 milestones no longer on the Milestones sheet",
        REMOVED,
        "2",
        None,
    )
    assert changes_json(report)["rows"][-1]["before"] == 2  # type: ignore[index]


@pytest.mark.parametrize("cleared", [None, ""])
def test_a_cleared_status_is_removed_and_added_whether_blank_or_empty_text(
    cleared: object,
) -> None:
    # The previous refresh computed one milestone; its Status cell now holds nothing (an empty
    # text read from the cell is as blank as no value): one removed, one added, nothing else
    # compared on the row.
    m = model(milestones=[milestone("M-1", row=2)])
    previous = PreviousRefresh(JUNE, {2: _cells(status=cleared)}, computed=1)
    report = compare(m, compute(m, JUNE), previous)
    assert [(c.field, c.before, c.after) for c in report.changes] == [
        (ADDED, None, "Late"),
        (REMOVED, 1, None),
    ]


def test_nothing_removed_when_the_previous_count_is_unknown_or_rows_were_added() -> None:
    m = model(milestones=[milestone("M-1", row=2)])
    for computed in (None, 0, 1):
        previous = PreviousRefresh(JUNE, {2: _cells(status="Late")}, computed=computed)
        assert REMOVED not in compare(m, compute(m, JUNE), previous).counts()
