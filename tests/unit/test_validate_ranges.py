"""Range checks: amounts that cannot be negative, a fixed milestone worth more than its whole
contract, and dates implausibly far from their contract's dates (a year typed 1900 for 2026).
Each is an error, so the milestone is not computed and no impossible amount is certified.

The valid workbook (tests/factory.py): contract C-001 (GBP 120,000, 2026-01-05 to
2026-12-31) with milestones M-001..M-003, contract C-002 (EUR 50,000 from 2026-02-01, no End
Date) with the fixed milestone M-101 of 20,000; as of 2026-03-31."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.factory import raw_workbook, valid_sheets

from xl_milestones.core.issues import Issue
from xl_milestones.core.validate import Validation, validate

Sheets = dict[str, list[dict[str, Any]]]
d = dt.date


def run(sheets: Sheets) -> Validation:
    return validate(raw_workbook(sheets), today=d(2026, 4, 1))


def issues(sheets: Sheets, code: str) -> list[Issue]:
    return [i for i in run(sheets).issues if i.code == code]


def with_values(sheet: str, i: int, **values: Any) -> Sheets:
    sheets = valid_sheets()
    sheets[sheet][i].update(values)
    return sheets


@pytest.mark.parametrize(
    ("sheet", "i", "field", "header"),
    [
        ("milestones", 3, "payment_amount", "Payment Amount"),
        ("invoices", 0, "invoice_amount", "Invoice Amount"),
        ("issues", 0, "amount_disputed", "Amount Disputed"),
    ],
)
def test_a_negative_amount_is_an_error(sheet: str, i: int, field: str, header: str) -> None:
    found = issues(with_values(sheet, i, **{field: -50000}), "out-of-range")
    assert [(f.column, f.value, f.severity) for f in found] == [(header, "-50000", "error")]
    assert found[0].message == f"{header} must be at least 0: correct the value"


def test_a_negative_payment_amount_is_not_computed() -> None:
    # The issue's case: -50,000 would have been certified as a negative amount due.
    result = run(with_values("milestones", 3, payment_amount=-50000))
    assert "M-101" in {s.milestone_id for s in result.model.skipped}


def test_a_value_change_may_still_be_negative() -> None:
    sheets = valid_sheets()
    sheets["change_orders"][0]["value_change"] = -5000
    assert run(sheets).issues == []


@pytest.mark.parametrize(
    ("days", "ok"), [(3650, True), (-3650, True), (3651, False), (-3651, False)]
)
def test_an_extension_is_at_most_ten_years_either_way(days: int, ok: bool) -> None:
    found = issues(with_values("change_orders", 0, extension_days=days), "out-of-range")
    assert (found == []) is ok


@pytest.mark.parametrize(
    ("amount", "changes", "ok"),
    [
        (50000, 0, True),  # the whole contract in one milestone
        (Decimal("50000.01"), 0, False),  # a cent more than the contract is worth
        (60000, 10000, True),  # an approved change order raised C-002 to 60,000
        (Decimal("99999999999999.99"), 0, False),  # the issue's case
    ],
)
def test_a_fixed_amount_is_at_most_the_contracts_value(
    amount: Decimal, changes: int, ok: bool
) -> None:
    sheets = with_values("milestones", 3, payment_amount=amount)
    if changes:
        sheets["change_orders"].append(
            {
                "change_id": "CO-2",
                "contract_id": "C-002",
                "description": "More switches",
                "value_change": changes,
                "change_status": "approved",
                "approved_date": d(2026, 3, 1),
            }
        )
    found = issues(sheets, "amount-over-contract-value")
    if ok:
        assert found == []
        return
    (issue,) = found
    assert (issue.sheet, issue.column, issue.row, issue.severity) == (
        "Milestones",
        "Payment Amount",
        5,
        "error",
    )
    assert "more than the whole value of contract C-002 (50,000 EUR" in issue.message
    assert "M-101" in {s.milestone_id for s in run(sheets).model.skipped}


def test_a_proposed_change_order_does_not_raise_the_value() -> None:
    sheets = with_values("milestones", 3, payment_amount=60000)
    sheets["change_orders"].append(
        {
            "change_id": "CO-2",
            "contract_id": "C-002",
            "description": "More switches",
            "value_change": 10000,
        }
    )
    assert len(issues(sheets, "amount-over-contract-value")) == 1


# C-001 runs 2026-01-05 to 2026-12-31: dates from 2016-01-05 to 2036-12-31 are plausible.
@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (d(2016, 1, 5), True),
        (d(2016, 1, 4), False),
        (d(2036, 12, 31), True),
        (d(2037, 1, 1), False),
        (d(1900, 1, 1), False),  # the issue's case: 252,000 of delay damages accrued
    ],
)
def test_a_baseline_date_lies_within_ten_years_of_the_contract(day: dt.date, ok: bool) -> None:
    sheets = with_values("milestones", 1, baseline_date=day)
    found = issues(sheets, "date-out-of-range")
    assert (found == []) is ok
    if not ok:
        (issue,) = found
        assert (issue.column, issue.cell, issue.severity) == ("Baseline Date", "G3", "error")
        assert issue.message.startswith(f"Baseline Date {day.isoformat()} is more than 10 years ")
        assert "(contract C-001): correct the year" in issue.message
        assert "M-002" in {s.milestone_id for s in run(sheets).model.skipped}


def test_without_an_end_date_the_window_ends_ten_years_after_the_start() -> None:
    # C-002 starts 2026-02-01 and has no End Date: 2036-02-01 is the last plausible date.
    assert (
        issues(with_values("milestones", 3, baseline_date=d(2036, 2, 1)), "date-out-of-range") == []
    )
    (issue,) = issues(
        with_values("milestones", 3, baseline_date=d(2036, 2, 2)), "date-out-of-range"
    )
    assert "after its Start Date (it has no End Date: enter one)" in issue.message


@pytest.mark.parametrize(
    ("sheet", "field", "header"),
    [
        ("deliverables", "submitted_date", "Submitted Date"),
        ("signoffs", "decision_date", "Decision Date"),
        ("change_orders", "approved_date", "Approved Date"),
        ("invoices", "invoice_date", "Invoice Date"),
        ("issues", "raised_date", "Raised Date"),
    ],
)
def test_dates_on_rows_feeding_a_contract_are_checked_too(
    sheet: str, field: str, header: str
) -> None:
    found = issues(with_values(sheet, 0, **{field: d(1900, 1, 1)}), "date-out-of-range")
    assert [(i.column, i.value) for i in found] == [(header, "1900-01-01")]


@pytest.mark.parametrize(
    ("field", "day", "ok"),
    [
        ("start_date", d(1976, 3, 31), True),  # 50 years before the as-of date 2026-03-31
        ("start_date", d(1976, 3, 30), False),
        ("end_date", d(2076, 3, 31), True),
        ("end_date", d(2076, 4, 1), False),
    ],
)
def test_a_contracts_dates_lie_within_fifty_years_of_the_as_of_date(
    field: str, day: dt.date, ok: bool
) -> None:
    found = issues(with_values("contracts", 0, **{field: day}), "date-out-of-range")
    assert (found == []) is ok
