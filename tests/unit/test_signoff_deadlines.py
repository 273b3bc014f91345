"""Sign-off deadlines (RULES.md section 6): Sign-off Due and Days Awaiting Sign-off, with the
worked example of RULES.md computed by hand."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import milestone, model, rule, settings, signoff
from factory import raw_workbook, setting, valid_sheets
from xl_milestones.core.engine import compute
from xl_milestones.core.signoff import Deadline, signoff_deadline
from xl_milestones.core.validate import validate

AS_OF = date(2026, 6, 30)


def test_worked_example_of_rules_section_6() -> None:
    # Completed 2026-05-28, Sign-off Days 10: due 2026-05-28 + 10 = 2026-06-07.
    # As of 2026-06-30: waiting 3 days to May 31 + 30 days of June = 33 days,
    # overdue 30 - 7 = 23 days (Jun 7 -> Jun 30).
    m = model(
        milestones=[milestone("M-1", actual_date=date(2026, 5, 28), row=2)],
        approval_rules=[rule(0, "Project Manager")],
        settings=settings(signoff_days=10),
    )
    v = compute(m, AS_OF).milestones[0].values
    assert v["status"] == "Awaiting sign-off"
    assert v["signoff_due_date"] == date(2026, 6, 7)
    assert v["days_awaiting_signoff"] == 33
    assert signoff_deadline(date(2026, 5, 28), 10, AS_OF) == Deadline(date(2026, 6, 7), 33, 23)


@pytest.mark.parametrize(
    ("actual", "days", "expected"),
    [
        # Due on the as-of date itself: not overdue yet.
        (date(2026, 6, 20), 10, Deadline(date(2026, 6, 30), 10, 0)),
        # One day past the due date.
        (date(2026, 6, 19), 10, Deadline(date(2026, 6, 29), 11, 1)),
        # Completed today, 0 Sign-off Days: due today, waiting 0 days.
        (date(2026, 6, 30), 0, Deadline(date(2026, 6, 30), 0, 0)),
        # Across a year end: 2025-12-28 + 10 = 2026-01-07; 2026-06-30 is 174 days after it.
        (date(2025, 12, 28), 10, Deadline(date(2026, 1, 7), 184, 174)),
    ],
)
def test_deadline_edges(actual: date, days: int, expected: Deadline) -> None:
    assert signoff_deadline(actual, days, AS_OF) == expected


def test_default_is_ten_days() -> None:
    m = model(milestones=[milestone("M-1", actual_date=date(2026, 6, 1), row=2)])
    v = compute(m, AS_OF).milestones[0].values
    assert v["signoff_due_date"] == date(2026, 6, 11)
    assert v["days_awaiting_signoff"] == 29


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({}, "Late"),  # not complete
        ({"actual_date": date(2026, 5, 28), "cancelled": True}, "Cancelled"),
        ({"actual_date": date(2026, 5, 28), "on_hold": True}, "On hold"),
    ],
)
def test_blank_for_every_other_status(kw: dict[str, object], status: str) -> None:
    m = model(milestones=[milestone("M-1", row=2, **kw)])
    v = compute(m, AS_OF).milestones[0].values
    assert v["status"] == status
    assert v["signoff_due_date"] is None
    assert v["days_awaiting_signoff"] is None


def test_blank_once_signed_off() -> None:
    m = model(
        milestones=[milestone("M-1", actual_date=date(2026, 5, 28), row=2)],
        signoffs=[signoff("M-1", decision_date=date(2026, 6, 2))],
    )
    v = compute(m, AS_OF).milestones[0].values
    assert v["status"] == "Signed off"
    assert v["signoff_due_date"] is None and v["days_awaiting_signoff"] is None


@pytest.mark.parametrize(("value", "ok"), [(15, True), (0, True), (-1, False), (2.5, False)])
def test_signoff_days_setting_is_validated(value: object, ok: bool) -> None:
    sheets = valid_sheets()
    sheets["settings"] = [
        *sheets.get("settings", []),
        {"setting": setting("signoff_days"), "value": value},
    ]
    result = validate(raw_workbook(sheets), today=AS_OF)
    errors = [i for i in result.issues if i.is_error]
    if ok:
        assert not errors
        assert result.model.settings.signoff_days == value
    else:
        assert [i.sheet for i in errors] == ["Settings"]
