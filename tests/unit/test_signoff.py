"""Sign-off state and readiness checks (RULES.md sections 1 and 4)."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import (
    change,
    contract,
    deliverable,
    fx,
    invoice,
    issue,
    milestone,
    model,
    rule,
    settings,
    signoff,
)
from xl_milestones.core.engine import compute
from xl_milestones.core.signoff import CheckResult, RoleThresholds, latest_decisions, readiness

D = Decimal
AS_OF = date(2026, 4, 30)
DONE = date(2026, 3, 30)


def result(m, mid: str = "M-1"):  # type: ignore[no-untyped-def]
    return compute(m, AS_OF).by_id()[mid]


def test_rejection_after_an_approval_by_the_same_approver() -> None:
    # Pat approved on 2 Apr, then rejected on 5 Apr: the latest decision (rejected) counts.
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[
            signoff(decision="approved", decision_date=date(2026, 4, 2)),
            signoff(decision="rejected", decision_date=date(2026, 4, 5)),
        ],
    )
    r = result(m)
    assert r.values["status"] == "Rejected"
    assert r.values["signoff_date"] is None
    assert r.explanation == "Rejected by Pat Approver (Project Manager) on 2026-04-05."


def test_approval_after_a_rejection_signs_off() -> None:
    # Rejected 2 Apr, approved 6 Apr: signed off on 6 Apr. Rows out of order on purpose.
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[
            signoff(decision="approved", decision_date=date(2026, 4, 6)),
            signoff(decision="rejected", decision_date=date(2026, 4, 2)),
        ],
    )
    r = result(m)
    assert (r.values["status"], r.values["signoff_date"]) == ("Signed off", date(2026, 4, 6))


def test_another_approvers_rejection_blocks_sign_off() -> None:
    # PM approved 2 Apr; Finance rejected 3 Apr. A rejection by anyone listed -> Rejected.
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[
            signoff(role="Project Manager", name="Pat", decision_date=date(2026, 4, 2)),
            signoff(
                role="Finance", name="Fin", decision="rejected", decision_date=date(2026, 4, 3)
            ),
        ],
    )
    assert result(m).values["status"] == "Rejected"


def test_same_date_lowest_row_wins() -> None:
    rows = [
        signoff(decision="approved", decision_date=date(2026, 4, 2), row=10),
        signoff(decision="rejected", decision_date=date(2026, 4, 2), row=11),
    ]
    (entry,) = latest_decisions(rows)
    assert entry.decision == "approved"


def test_undated_pending_row_does_not_undo_a_dated_approval() -> None:
    rows = [
        signoff(decision="approved", decision_date=date(2026, 4, 2), row=10),
        signoff(decision="pending", decision_date=None, row=11),
    ]
    assert latest_decisions(rows)[0].decision == "approved"


def test_roles_match_ignoring_case_and_spaces() -> None:
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[signoff(role="  project   MANAGER ")],
        approval_rules=[rule(0, "Project Manager")],
    )
    assert result(m).values["status"] == "Signed off"


def test_signoff_date_is_when_the_last_required_role_approved() -> None:
    # Value 60,000 EUR: rules 0 -> PM, 50,000 -> Finance Director. PM approved 2 Apr; the FD
    # approved 9 Apr. Signed off on 9 Apr. A third, non-required role approving on 20 Apr does
    # not move the date.
    m = model(
        milestones=[milestone(actual_date=DONE, payment_basis="fixed", payment_amount=D(60000))],
        signoffs=[
            signoff(role="Project Manager", name="Pat", decision_date=date(2026, 4, 2)),
            signoff(role="Finance Director", name="Fay", decision_date=date(2026, 4, 9)),
            signoff(role="Legal", name="Lee", decision_date=date(2026, 4, 20)),
        ],
        approval_rules=[rule(50000, "Finance Director"), rule(0, "Project Manager")],
    )
    r = result(m)
    assert r.values["signoff_date"] == date(2026, 4, 9)
    roles = {a.role: (a.required, a.satisfied) for a in r.approvers}
    assert roles == {
        "Project Manager": (True, True),
        "Finance Director": (True, True),
        "Legal": (False, True),
    }


@pytest.mark.parametrize(
    ("role", "second", "expected"),
    [
        # Quinn (a second Project Manager) rejected 3 Apr and approved 12 Apr: Rejected from
        # 3 to 12 Apr, so signed off on 12 Apr although Pat's approval met the role on 2 Apr.
        ("Project Manager", "approved", date(2026, 4, 12)),
        # A role not required that rejected blocks as well, until it approves.
        ("Legal", "approved", date(2026, 4, 12)),
        # A rejection taken back to pending on 12 Apr stops standing that day.
        ("Legal", "pending", date(2026, 4, 12)),
    ],
)
def test_signoff_date_is_not_before_a_withdrawn_rejection(
    role: str, second: str, expected: date
) -> None:
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[
            signoff(name="Pat", decision_date=date(2026, 4, 2)),
            signoff(role=role, name="Quinn", decision="rejected", decision_date=date(2026, 4, 3)),
            signoff(role=role, name="Quinn", decision=second, decision_date=date(2026, 4, 12)),
        ],
        approval_rules=[rule(0, "Project Manager")],
    )
    r = result(m)
    assert (r.values["status"], r.values["signoff_date"]) == ("Signed off", expected)


def test_foreign_currency_milestone_against_thresholds() -> None:
    # Reporting EUR; contract in USD at 0.90 EUR per USD. Rules: 0 -> PM, 50,000 EUR -> FD.
    # M-1: 54,000 USD = 48,600 EUR < 50,000: only the PM is needed; PM approved -> Signed off.
    # M-2: 60,000 USD = 54,000 EUR >= 50,000: the FD is needed too; not listed -> Awaiting.
    m = model(
        contracts=[contract("C-1", currency="USD")],
        milestones=[
            milestone("M-1", actual_date=DONE, payment_basis="fixed", payment_amount=D(54000)),
            milestone("M-2", actual_date=DONE, payment_basis="fixed", payment_amount=D(60000)),
        ],
        signoffs=[signoff("M-1"), signoff("M-2")],
        approval_rules=[rule(0, "Project Manager"), rule(50000, "Finance Director")],
        settings=settings(reporting_currency="EUR"),
        fx_rates=[fx("USD", "0.90")],
    )
    res = compute(m, AS_OF).by_id()
    assert res["M-1"].values["status"] == "Signed off"
    assert res["M-2"].values["status"] == "Awaiting sign-off"
    assert "no approver listed for role Finance Director" in str(
        res["M-2"].values["signoff_blockers"]
    )
    assert "waiting for approval by Finance Director" in res["M-2"].explanation


def test_missing_fx_rate_requires_every_role_and_warns() -> None:
    # No USD rate: the value cannot be compared, so every rule's role is required.
    m = model(
        contracts=[contract("C-1", currency="USD")],
        milestones=[milestone(actual_date=DONE, payment_basis="fixed", payment_amount=D(10))],
        signoffs=[signoff()],
        approval_rules=[rule(0, "Project Manager"), rule(50000, "Finance Director")],
        settings=settings(reporting_currency="EUR"),
    )
    out = compute(m, AS_OF)
    assert out.by_id()["M-1"].values["status"] == "Awaiting sign-off"
    assert [i.code for i in out.issues] == ["missing-fx-rate"]
    assert out.issues[0].sheet == "FX Rates"


def test_required_roles_threshold_is_inclusive() -> None:
    thresholds = RoleThresholds([rule(50000, "FD"), rule(0, "PM")])
    assert thresholds.required(D(50000)) == ("PM", "FD")
    assert thresholds.required(D("49999.99")) == ("PM",)
    assert thresholds.required(None) == ("PM",)  # no value counts as 0


def test_no_rule_every_listed_approver_must_approve() -> None:
    m = model(
        milestones=[milestone(actual_date=DONE)],
        signoffs=[
            signoff(role="PM", name="A"),
            signoff(role="QA", name="B", decision="pending", decision_date=None),
        ],
    )
    assert result(m).values["status"] == "Awaiting sign-off"


def test_not_complete_is_not_signed_off_even_when_approved() -> None:
    m = model(milestones=[milestone(baseline_date=date(2026, 6, 30))], signoffs=[signoff()])
    r = result(m)
    assert r.values["status"] == "Not started"
    assert r.values["signoff_date"] is None


# ------------------------------------------------------------------------ readiness checks


def ready_case(**kw):  # type: ignore[no-untyped-def]
    """A completed milestone with one approver: every check passes unless kw breaks one."""
    base = {
        "milestones": [milestone(actual_date=DONE, owner="Olive")],
        "signoffs": [signoff(decision="pending", decision_date=None)],
    }
    base.update(kw)
    return result(model(**base))


def test_all_checks_pass() -> None:
    r = ready_case()
    assert r.values["signoff_ready"] is True
    assert r.values["signoff_blockers"] is None
    assert [c.outcome for c in r.checks] == ["pass"] * 10 + ["skipped"]


@pytest.mark.parametrize(
    ("kw", "check", "reason"),
    [
        ({"milestones": [milestone(owner="Olive")]}, "Completion", "actual date not entered"),
        (
            {"deliverables": [deliverable("D-104", acceptance_status="submitted")]},
            "Deliverables",
            "deliverable D-104 not accepted",
        ),
        (
            {"milestones": [milestone(actual_date=DONE, predecessors=["M-0"]), milestone("M-0")]},
            "Predecessors",
            "predecessor M-0 not signed off",
        ),
        (
            # A cancelled predecessor is never signed off: the reason says to remove the link.
            {
                "milestones": [
                    milestone(actual_date=DONE, predecessors=["M-0"]),
                    milestone("M-0", cancelled=True),
                ]
            },
            "Predecessors",
            "predecessor M-0 cancelled (remove it from Predecessors)",
        ),
        ({"issues": [issue("X-7", blocking=True)]}, "Blocking Issues", "issue X-7 blocks sign-off"),
        ({"issues": [issue("X-9", category="dispute")]}, "Disputes", "open dispute X-9"),
        (
            {"signoffs": [signoff(name="olive", decision="pending", decision_date=None)]},
            "Approvers",
            "approver olive is the milestone owner",
        ),
        ({"signoffs": []}, "Approvers", "no approver listed"),
        (
            {"contracts": [contract(contract_status="suspended")]},
            "Contract Active",
            "contract C-1 is suspended",
        ),
    ],
)
def test_block_checks(kw: dict[str, object], check: str, reason: str) -> None:
    r = ready_case(**kw)
    failed = {c.name: c for c in r.checks if c.outcome == "fail"}
    assert failed[check].reason == reason
    assert failed[check].mode == "block"
    assert r.values["signoff_ready"] is False
    assert reason in str(r.values["signoff_blockers"])


@pytest.mark.parametrize(
    ("kw", "check", "reason"),
    [
        (
            {"milestones": [milestone(actual_date=DONE, evidence=None)]},
            "Evidence",
            "no evidence on the milestone or its deliverables",
        ),
        (
            {"milestones": [milestone(actual_date=DONE, acceptance_criteria=" ")]},
            "Acceptance Criteria",
            "acceptance criteria blank",
        ),
        (
            {"change_orders": [change("CO-5", change_status="proposed")]},
            "Pending Changes",
            "change CO-5 proposed",
        ),
        (
            # Approved only after the as-of date: as of it, still to be decided.
            {"change_orders": [change("CO-6", approved_date=date(2026, 5, 4))]},
            "Pending Changes",
            "change CO-6 approved only on 2026-05-04",
        ),
    ],
)
def test_warn_checks_do_not_block(kw: dict[str, object], check: str, reason: str) -> None:
    r = ready_case(**kw)
    assert r.values["signoff_ready"] is True
    assert r.values["signoff_blockers"] == "warning: " + reason
    assert {c.name: c.outcome for c in r.checks}[check] == "fail"


def test_evidence_on_a_deliverable_is_enough() -> None:
    r = ready_case(
        milestones=[milestone(actual_date=DONE, evidence=None)],
        deliverables=[deliverable("D-1", acceptance_status="accepted", evidence="report.pdf")],
    )
    assert r.values["signoff_blockers"] is None


def test_blockers_list_blocks_first_then_warnings() -> None:
    r = ready_case(
        milestones=[milestone(evidence=None)],
        issues=[issue("X-1", blocking=True)],
    )
    assert r.values["signoff_blockers"] == (
        "actual date not entered; issue X-1 blocks sign-off; "
        "warning: no evidence on the milestone or its deliverables"
    )


def test_modes_come_from_settings() -> None:
    # Completion turned to warn, Evidence off, Invoice to block on an invoice-based payment.
    s = settings(check_completion="warn", check_evidence="off", check_invoice="block")
    m = model(
        milestones=[milestone(evidence=None, payment_basis="fixed", payment_amount=D(100))],
        signoffs=[signoff(decision="pending", decision_date=None)],
        settings=s,
    )
    r = result(m)
    outcome = {c.name: (c.mode, c.outcome) for c in r.checks}
    assert outcome["Completion"] == ("warn", "fail")
    assert outcome["Evidence"] == ("off", "skipped")
    assert outcome["Invoice"] == ("block", "fail")
    assert r.values["signoff_blockers"] == "no invoice yet; warning: actual date not entered"
    # An invoice clears it.
    m.invoices.append(invoice("INV-1", invoice_amount=100))
    assert {c.name: c.outcome for c in result(m).checks}["Invoice"] == "pass"


def test_cancelled_is_never_ready() -> None:
    r = ready_case(milestones=[milestone(actual_date=DONE, cancelled=True)])
    assert r.values["signoff_ready"] is False
    assert str(r.values["signoff_blockers"]).startswith("milestone is cancelled")


def test_readiness_worked_example() -> None:
    checks = [
        CheckResult("Completion", "block", "fail", "actual date not entered"),
        CheckResult("Deliverables", "block", "pass"),
        CheckResult("Evidence", "warn", "fail", "no evidence"),
        CheckResult("Disputes", "block", "fail", "open dispute X-1"),
        CheckResult("Invoice", "off", "skipped"),
    ]
    # Block reasons first (in check order), then warn reasons prefixed "warning:".
    blockers = "actual date not entered; open dispute X-1; warning: no evidence"
    assert readiness(checks, cancelled=False) == (False, blockers)
    assert readiness(checks[1:3], cancelled=False) == (True, "warning: no evidence")
    assert readiness((), cancelled=True) == (False, "milestone is cancelled")
    assert readiness(checks[2:3], cancelled=True) == (
        False,
        "milestone is cancelled; warning: no evidence",
    )


@pytest.mark.parametrize("cancelled", [False, True])
def test_engine_readiness_is_signoff_readiness(cancelled: bool) -> None:
    # One rule: the engine's Sign-off Ready and Blockers are readiness() of its own checks.
    r = ready_case(
        milestones=[milestone(owner="Olive", evidence=None, cancelled=cancelled)],
        issues=[issue("X-7", blocking=True)],
    )
    ready, blockers = readiness(r.checks, cancelled)
    assert (ready, blockers or None) == (r.values["signoff_ready"], r.values["signoff_blockers"])
    assert blockers.startswith("milestone is cancelled" if cancelled else "actual date")
