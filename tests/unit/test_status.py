"""Status, RAG and slippage (RULES.md section 1), each with a worked example."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import change, contract, deliverable, issue, milestone, model, settings, signoff
from xl_milestones.core.engine import compute
from xl_milestones.core.status import days_late, rag

D = Decimal
AS_OF = date(2026, 4, 15)


def results(m, as_of=AS_OF):  # type: ignore[no-untyped-def]
    return {r.milestone_id: r for r in compute(m, as_of).milestones}


def test_revised_date_counts_approved_changes_only() -> None:
    # Baseline 31 Mar 2026. CO-1 (approved, names M-1): +10 days. CO-2 (approved, contract-wide):
    # +5. CO-3 (proposed): +100, ignored. CO-4 (rejected): +7, ignored. CO-5 approved but dated
    # after the as-of date: ignored. CO-6 names another milestone: not ours.
    # Revised = 31 Mar + 15 days = 15 Apr 2026.
    m = model(
        milestones=[milestone("M-1"), milestone("M-2")],
        change_orders=[
            change("CO-1", extension_days=10),
            change("CO-2", milestone_id=None, extension_days=5),
            change("CO-3", extension_days=100, change_status="proposed"),
            change("CO-4", extension_days=7, change_status="rejected"),
            change("CO-5", extension_days=3, approved_date=date(2026, 5, 1)),
            change("CO-6", milestone_id="M-2", extension_days=20),
        ],
    )
    r = results(m)
    assert r["M-1"].values["revised_date"] == date(2026, 4, 15)
    # M-2: 31 Mar + 5 (contract-wide) + 20 = 25 Apr.
    assert r["M-2"].values["revised_date"] == date(2026, 4, 25)


@pytest.mark.parametrize(
    ("actual", "forecast", "expected"),
    [
        (date(2026, 4, 3), None, 3),  # complete: 3 Apr - 31 Mar = 3 days late
        (date(2026, 3, 29), None, -2),  # complete early: negative
        (None, None, 15),  # incomplete: as_of 15 Apr - 31 Mar = 15
        (None, date(2026, 5, 10), 40),  # forecast 10 May - 31 Mar = 40 > 15
    ],
)
def test_days_late(actual: date | None, forecast: date | None, expected: int) -> None:
    assert days_late(date(2026, 3, 31), actual, forecast, AS_OF) == expected


def test_days_late_time_left_with_an_early_forecast() -> None:
    # Revised 30 Apr; as_of 15 Apr (-15) and forecast 20 Apr (-10): max = -10, i.e. 10 days left.
    assert days_late(date(2026, 4, 30), None, date(2026, 4, 20), AS_OF) == -10


def _status_case(name: str):  # type: ignore[no-untyped-def]
    """One milestone M-1 (revised 30 Apr 2026 unless said) set up to show one status."""
    far = {"baseline_date": date(2026, 6, 30)}
    cases = {
        "Cancelled": ([milestone(cancelled=True, actual_date=date(2026, 4, 1))], [], []),
        # Completed 30 Mar, a day before the revised date: Green.
        "Signed off": ([milestone(actual_date=date(2026, 3, 30))], [signoff()], []),
        "Rejected": (
            [milestone(actual_date=date(2026, 4, 1))],
            [signoff(decision="rejected")],
            [],
        ),
        "On hold": ([milestone(on_hold=True, **far)], [], []),
        "On hold (dispute)": ([milestone(**far)], [], [issue("X-1", category="dispute")]),
        "Awaiting sign-off": ([milestone(actual_date=date(2026, 3, 31))], [], []),
        "Late": ([milestone(baseline_date=date(2026, 4, 14))], [], []),
        "At risk (forecast)": ([milestone(forecast_date=date(2026, 7, 5), **far)], [], []),
        "At risk (issue)": (
            [milestone(**far)],
            [],
            [issue("X-1", severity="high")],
        ),
        "At risk (window)": (
            [milestone(baseline_date=date(2026, 4, 25), percent_complete=D("0.4"))],
            [],
            [],
        ),
        "In progress": ([milestone(percent_complete=D("0.2"), **far)], [], []),
        "Not started": ([milestone(**far)], [], []),
    }
    return cases[name]


@pytest.mark.parametrize(
    ("case", "status", "colour"),
    [
        ("Cancelled", "Cancelled", None),
        ("Signed off", "Signed off", "Green"),
        ("Rejected", "Rejected", "Red"),
        ("On hold", "On hold", "Red"),
        ("On hold (dispute)", "On hold", "Red"),
        ("Awaiting sign-off", "Awaiting sign-off", "Green"),
        ("Late", "Late", "Red"),
        ("At risk (forecast)", "At risk", "Amber"),
        ("At risk (issue)", "At risk", "Amber"),
        # 25 Apr is 10 days after as_of (window 14) and 40% < 50% complete.
        ("At risk (window)", "At risk", "Amber"),
        ("In progress", "In progress", "Green"),
        ("Not started", "Not started", "Green"),
    ],
)
def test_status_ladder(case: str, status: str, colour: str | None) -> None:
    ms, sos, iss = _status_case(case)
    r = results(model(milestones=ms, signoffs=sos, issues=iss))["M-1"]
    assert r.values["status"] == status
    assert r.values["rag"] == colour
    assert r.explanation.startswith(status)


def test_late_explanation() -> None:
    # Revised 31 Mar, as_of 14 Apr: passed 14 days ago.
    m = model(milestones=[milestone(forecast_date=date(2026, 4, 30))])
    r = results(m, date(2026, 4, 14))["M-1"]
    assert r.explanation == "Late: revised date 2026-03-31 passed 14 days ago; forecast 2026-04-30."


def test_window_not_at_risk_when_half_done() -> None:
    # Same as the window case but 50% complete: not below 50%, so In progress.
    m = model(milestones=[milestone(baseline_date=date(2026, 4, 25), percent_complete=D("0.5"))])
    assert results(m)["M-1"].values["status"] == "In progress"


def test_window_is_a_setting() -> None:
    # Revised 25 Apr is 10 days away; with a 7-day window it is not yet At risk.
    m = model(
        milestones=[milestone(baseline_date=date(2026, 4, 25))],
        settings=settings(at_risk_window_days=7),
    )
    assert results(m)["M-1"].values["status"] == "Not started"


def test_deliverable_submitted_means_in_progress() -> None:
    m = model(
        milestones=[milestone(baseline_date=date(2026, 6, 30))],
        deliverables=[deliverable("D-1", acceptance_status="submitted")],
    )
    assert results(m)["M-1"].values["status"] == "In progress"


def test_predecessor_late_makes_successor_at_risk() -> None:
    # M-1 is Late (31 Mar < 15 Apr); M-2, due 30 Jun and otherwise Not started, is At risk because
    # of it; M-3 after M-2 is At risk in turn (a predecessor At risk).
    m = model(
        milestones=[
            milestone("M-3", baseline_date=date(2026, 9, 30), predecessors=["M-2"]),
            milestone("M-2", baseline_date=date(2026, 6, 30), predecessors=["M-1"]),
            milestone("M-1"),
        ]
    )
    r = results(m)
    assert [r[i].values["status"] for i in ("M-1", "M-2", "M-3")] == ["Late", "At risk", "At risk"]
    assert "predecessor M-1 is Late" in r["M-2"].explanation


def test_predecessor_cycle_does_not_hang() -> None:
    # A cycle is a validation error; the engine must still finish.
    m = model(
        milestones=[
            milestone("M-1", baseline_date=date(2026, 6, 30), predecessors=["M-2"]),
            milestone("M-2", baseline_date=date(2026, 6, 30), predecessors=["M-1"]),
        ]
    )
    r = results(m)
    assert {r["M-1"].values["status"], r["M-2"].values["status"]} <= {"Not started", "At risk"}


def test_closed_dispute_does_not_hold() -> None:
    m = model(
        milestones=[milestone(baseline_date=date(2026, 6, 30))],
        issues=[issue("X-1", category="dispute", issue_status="closed")],
    )
    assert results(m)["M-1"].values["status"] == "Not started"


@pytest.mark.parametrize(
    ("status", "late", "tolerance", "expected"),
    [
        ("Signed off", 3, 5, "Green"),  # 3 days late within 5 days' tolerance
        ("Signed off", 6, 5, "Amber"),
        ("Awaiting sign-off", 1, 0, "Amber"),
        ("Awaiting sign-off", 0, 0, "Green"),
        ("Rejected", -10, 0, "Red"),
        ("On hold", 0, 0, "Red"),
        ("Late", 1, 0, "Red"),
        ("At risk", 0, 0, "Amber"),
        ("In progress", 0, 0, "Green"),
        ("Not started", 0, 0, "Green"),
        ("Cancelled", 99, 0, None),
    ],
)
def test_rag(status: str, late: int, tolerance: int, expected: str | None) -> None:
    assert rag(status, late, tolerance) == expected


def test_rag_tolerance_setting() -> None:
    # Completed 3 Apr, 3 days after 31 Mar; tolerance 3 -> Green; 2 -> Amber.
    for tolerance, colour in ((3, "Green"), (2, "Amber")):
        m = model(
            milestones=[milestone(actual_date=date(2026, 4, 3))],
            settings=settings(rag_tolerance_days=tolerance),
        )
        assert results(m)["M-1"].values["rag"] == colour


def test_contract_missing_is_not_computed() -> None:
    m = model(milestones=[milestone("M-9", contract_id="C-404")])
    r = compute(m, AS_OF).milestones[0]
    assert not r.computed
    assert r.explanation == "not computed: see Validation"
    assert contract().contract_id == "C-1"
