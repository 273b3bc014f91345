"""What an unreadable cell leaves uncomputed, beyond its own row (tests/factory.py's valid
workbook: contract C-001, 2026-01-05 to 2026-12-31, with M-001..M-003; contract C-002 from
2026-02-01 with its one payment milestone M-101)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.factory import raw_workbook, valid_sheets

from xl_milestones.core.validate import Validation, validate

d = dt.date


def run(sheets: dict[str, list[dict[str, Any]]]) -> Validation:
    return validate(raw_workbook(sheets), today=d(2026, 4, 1))


def test_a_milestone_whose_payment_basis_cannot_be_read_skips_its_contracts_payments() -> None:
    # P-9 may be a payment milestone: with it unknown, C-002's payments cannot be computed
    # together, so M-101 is skipped as well.
    sheets = valid_sheets()
    sheets["milestones"].append(
        {
            "milestone_id": "P-9",
            "contract_id": "C-002",
            "milestone_name": "Commissioning",
            "milestone_type": "project",
            "baseline_date": d(2026, 6, 1),
            "payment_basis": "weekly",
        }
    )
    result = run(sheets)
    assert [i.code for i in result.issues] == ["not-in-list"]
    assert {s.milestone_id for s in result.model.skipped} == {"P-9", "M-101"}


@pytest.mark.parametrize("end_date", ["someday", d(2025, 12, 31)], ids=["unreadable", "early"])
def test_a_contract_whose_end_date_is_in_error_gives_no_date_window(end_date: object) -> None:
    # With its End Date wrong, C-001 has no window to judge M-002's Baseline Date by (it would
    # be 2036-01-05 counted from the Start Date): only the End Date is reported.
    sheets = valid_sheets()
    sheets["contracts"][0]["end_date"] = end_date
    sheets["milestones"][1]["baseline_date"] = d(2040, 1, 1)
    found = [(i.code, i.column) for i in run(sheets).issues]
    assert ("date-out-of-range", "Baseline Date") not in found
    assert [column for code, column in found if column == "End Date"] == ["End Date"]
