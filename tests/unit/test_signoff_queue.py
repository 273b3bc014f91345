"""The Sign-off Queue (RULES.md section 6): rows per milestone and role waited on, their order,
the amount at stake worked by hand, the Dashboard figures, and the refresh that writes them."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.memorybook import MemoryBook

from builders import contract, milestone, model, rule, settings, signoff
from factory import raw_workbook, valid_sheets
from xl_milestones.actions import refresh
from xl_milestones.core.engine import MilestoneResult, compute
from xl_milestones.core.model import Milestone, Model
from xl_milestones.core.queue import signoff_queue
from xl_milestones.core.schema import SIGNOFF_QUEUE

D = Decimal
AS_OF = date(2026, 6, 30)
FIELDS = [f.name for f in SIGNOFF_QUEUE.fields]


def _rows(m: Model) -> list[dict[str, object]]:
    rows = signoff_queue(m, compute(m, AS_OF))
    # The amounts at stake the engine works out as it computes are those worked out later.
    assert signoff_queue(m, compute(m, AS_OF, at_stake=True)) == rows
    return [dict(zip(FIELDS, row, strict=True)) for row in rows]


def test_worked_example_of_rules_section_6() -> None:
    # Completed 2026-05-28, Sign-off Days 10, Project Manager required, nobody listed:
    # due 2026-06-07, 33 days waiting, 23 days overdue; not a payment milestone: no amount.
    m = model(
        milestones=[milestone("M-1", actual_date=date(2026, 5, 28), row=2)],
        approval_rules=[rule(0, "Project Manager")],
        settings=settings(signoff_days=10),
    )
    assert _rows(m) == [
        {
            "milestone_id": "M-1",
            "contract_id": "C-1",
            "milestone_name": "Milestone M-1",
            "approver_role": "Project Manager",
            "approver_name": None,
            "latest_decision": "no approver listed",
            "completed": date(2026, 5, 28),
            "days_waiting": 33,
            "signoff_due_date": date(2026, 6, 7),
            "days_overdue": 23,
            "signoff_ready": False,  # the Approvers check blocks: no approver listed
            "amount_at_stake": None,
            "currency": "EUR",
        }
    ]


def _two_roles() -> Model:
    """A 40% payment milestone of a 100,000 EUR contract, 5% retention and 20% VAT, completed
    2026-06-25; the Project Manager approved, Finance (two people) has not."""
    c = contract(
        "C-1",
        retention_rate=D("0.05"),
        vat_rate=D("0.2"),
        payment_terms_basis="after_signoff",
    )
    ms = [
        milestone(
            "M-2",
            actual_date=date(2026, 6, 25),
            baseline_date=date(2026, 6, 30),
            payment_basis="percent",
            payment_percent=D("0.4"),
            row=2,
        ),
        milestone("M-1", actual_date=date(2026, 6, 1), baseline_date=date(2026, 6, 30), row=3),
    ]
    return model(
        [c],
        ms,
        signoffs=[
            signoff("M-2", "Project Manager", "Pat", "approved", date(2026, 6, 26)),
            signoff("M-2", "Finance", "Fran", "pending", None),
            signoff("M-2", "Finance", "Sam", "approved", None),
            signoff("M-1", "Project Manager", "Pat", "pending", None),
        ],
        approval_rules=[rule(0, "Project Manager"), rule(10000, "Finance")],
    )


def test_roles_waited_on_amount_at_stake_and_order() -> None:
    rows = _rows(_two_roles())
    # M-1 (due 2026-06-11, 19 days overdue) comes before M-2 (due 2026-07-05, on time).
    assert [(r["milestone_id"], r["days_overdue"], r["days_waiting"]) for r in rows] == [
        ("M-1", 19, 29),
        ("M-2", 0, 5),
    ]
    m2 = rows[1]
    # Only Finance is waited on: both its approvers, with their decisions (an approval
    # without a date does not count).
    assert m2["approver_role"] == "Finance"
    assert m2["approver_name"] == "Fran, Sam"
    assert m2["latest_decision"] == "pending, approved without a date"
    # Pro forma: value 40% x 100,000 = 40,000.00; retention 5% = 2,000.00; net 38,000.00;
    # VAT 20% = 7,600.00; amount at stake 45,600.00 EUR.
    assert m2["amount_at_stake"] == D("45600.00")
    assert rows[0]["amount_at_stake"] is None  # M-1 pays nothing


def test_milestones_awaiting_sign_off_take_their_deductions_together_after_the_signed() -> None:
    # 100,000 EUR, retention 10% limited to 5% (5,000.00), no VAT. M-A (30%) is signed off
    # and took 3,000.00. M-B (30%, baseline May) and M-C (20%, baseline June) await sign-off:
    # signed off together on the as-of date, M-B takes what the limit leaves (2,000.00) and
    # M-C none: at stake 28,000.00 and 20,000.00. M-D, completed and signed off on another
    # contract, is untouched; M-B's own approval row is kept as it stands.
    c1 = contract("C-1", retention_rate=D("0.1"), retention_limit=D("0.05"), vat_rate=D("0"))
    c2 = contract("C-2", vat_rate=D("0"))
    done = date(2026, 4, 10)

    def pays(mid: str, cid: str, share: str, baseline: date) -> Milestone:
        return milestone(
            mid,
            cid,
            actual_date=done,
            baseline_date=baseline,
            payment_basis="percent",
            payment_percent=D(share),
        )

    m = model(
        [c1, c2],
        [
            pays("M-C", "C-1", "0.2", date(2026, 6, 1)),
            pays("M-B", "C-1", "0.3", date(2026, 5, 1)),
            pays("M-A", "C-1", "0.3", date(2026, 4, 1)),
            pays("M-D", "C-2", "0.5", date(2026, 4, 1)),
        ],
        signoffs=[
            signoff("M-A", decision_date=date(2026, 4, 15)),
            signoff("M-B", decision="pending", decision_date=None),
            signoff("M-D", decision_date=date(2026, 4, 20)),
        ],
    )
    result = compute(m, AS_OF, at_stake=True)
    assert result.at_stake == {"M-C": D("20000.00"), "M-B": D("28000.00")}
    assert [str(a) for a in result.at_stake.values()] == ["20000.00", "28000.00"]
    # The results themselves are those of a run without the amounts at stake.
    plain = compute(m, AS_OF)
    assert [r.values for r in result.milestones] == [r.values for r in plain.milestones]
    assert plain.at_stake is None
    assert {r["milestone_id"]: r["amount_at_stake"] for r in _rows(m)} == result.at_stake


def test_one_signed_off_on_the_as_of_date_keeps_the_certification_order_by_baseline() -> None:
    # 100,000 EUR, retention 10% limited to 5% (5,000.00), no VAT. M-A (30%, baseline 1 Jul)
    # was signed off on the as-of date; M-B (30%, baseline 1 May) awaits sign-off. Signed off
    # on the as-of date too, M-B ties M-A on the sign-off date and comes first by baseline:
    # retention 3,000.00, at stake 27,000.00 (28,000.00 were it certified after M-A).
    c = contract("C-1", retention_rate=D("0.1"), retention_limit=D("0.05"), vat_rate=D("0"))
    pays = {"actual_date": date(2026, 4, 10), "payment_basis": "percent"}
    m = model(
        [c],
        [
            milestone("M-A", baseline_date=date(2026, 7, 1), payment_percent=D("0.3"), **pays),
            milestone("M-B", baseline_date=date(2026, 5, 1), payment_percent=D("0.3"), **pays),
        ],
        signoffs=[
            signoff("M-A", decision_date=AS_OF),
            signoff("M-B", decision="pending", decision_date=None),
        ],
    )
    assert compute(m, AS_OF, at_stake=True).at_stake == {"M-B": D("27000.00")}
    assert [r["amount_at_stake"] for r in _rows(m)] == [D("27000.00")]


def test_ties_go_to_the_longest_waiting_then_the_id() -> None:
    m = model(
        milestones=[
            milestone("M-3", actual_date=date(2026, 6, 25), row=2),
            milestone("M-2", actual_date=date(2026, 6, 28), row=3),
            milestone("M-1", actual_date=date(2026, 6, 25), row=4),
        ],
        approval_rules=[rule(0, "Project Manager")],
    )
    assert [r["milestone_id"] for r in _rows(m)] == ["M-1", "M-3", "M-2"]


def test_no_rule_and_no_approver_is_one_row_without_a_role() -> None:
    m = model(milestones=[milestone("M-1", actual_date=date(2026, 6, 25), row=2)])
    (row,) = _rows(m)
    assert (row["approver_role"], row["approver_name"], row["latest_decision"]) == (
        None,
        None,
        "no approver listed",
    )


def test_no_rule_names_only_the_listed_approvers_who_have_not_approved() -> None:
    # No Approval Rules: every listed approver must approve. Ann (Project Manager) approved
    # on 22 Jun, Ben (Project Manager) has not: the milestone waits on Ben alone.
    m = model(
        milestones=[milestone("M-1", actual_date=date(2026, 6, 20), row=2)],
        signoffs=[
            signoff(name="Ann", decision_date=date(2026, 6, 22)),
            signoff(name="Ben", decision="pending", decision_date=None),
        ],
    )
    (row,) = _rows(m)
    assert (row["approver_role"], row["approver_name"], row["latest_decision"]) == (
        "Project Manager",
        "Ben",
        "pending",
    )


def test_nothing_awaiting_is_an_empty_queue() -> None:
    m = model(milestones=[milestone("M-1", row=2)])
    assert _rows(m) == []


def test_dashboard_counts_overdue_milestones_once_and_the_oldest_wait() -> None:
    figures = compute(_two_roles(), AS_OF).dashboard
    assert figures["signoffs_overdue"] == 1  # M-1 only
    assert figures["oldest_signoff_days"] == 29  # M-1, completed 2026-06-01
    quiet = compute(model(milestones=[milestone("M-1", row=2)]), AS_OF).dashboard
    assert quiet["signoffs_overdue"] == 0 and quiet["oldest_signoff_days"] == 0


def test_refresh_writes_the_queue_and_the_json_has_it() -> None:
    sheets = valid_sheets()
    for row in sheets["milestones"]:
        if row["milestone_id"] == "M-002":
            row["actual_date"] = date(2026, 3, 20)
            row["percent_complete"] = 1
    book = MemoryBook(raw_workbook(sheets))
    report = refresh(book, today=date(2026, 3, 31))
    written = book.tables[SIGNOFF_QUEUE.name]
    assert written and {row[0] for row in written} == {"M-002"}
    queue = report.to_json()["signoff_queue"]
    assert [r["milestone_id"] for r in queue] == [row[0] for row in written]
    assert queue[0]["signoff_due_date"] == "2026-03-30"
    assert queue[0]["days_waiting"] == 11 and queue[0]["days_overdue"] == 1
    labels = dict(book.blocks["Key figures"])
    assert labels["Sign-offs overdue"] == 1
    assert labels["Oldest sign-off waiting (days)"] == 11


def test_the_pro_forma_results_are_those_compute_gives() -> None:
    # The queue's pro forma reads the milestones' results alone, made as compute makes them;
    # on the sample, with and without the missing approvals added as the pro forma adds them.
    from xl_milestones.core.engine import milestone_results
    from xl_milestones.core.validate import validate
    from xl_milestones.io.reader import read_workbook

    sample = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"

    def seen(results: list[MilestoneResult]) -> list[tuple[object, ...]]:
        # The sentences are functions (written when read): compared by what they write.
        return [
            (*r[:5], r.checks, r.approvers, r.explanation, r.payment_explanation) for r in results
        ]

    m = validate(read_workbook(sample), today=AS_OF).model
    assert seen(milestone_results(m, AS_OF)) == seen(compute(m, AS_OF).milestones)
    approved = replace(m, signoffs=[replace(s, decision="approved") for s in m.signoffs])
    assert seen(milestone_results(approved, AS_OF)) == seen(compute(approved, AS_OF).milestones)
    assert signoff_queue(m, compute(m, AS_OF))  # the sample has milestones awaiting sign-off


def test_the_amounts_at_stake_are_the_pro_forma_amounts_due() -> None:
    # The queue reads the amount at stake from the certification stages alone; it is the
    # amount due the full pro forma (as the sign-off pack runs it) gives each milestone, on
    # the sample and on the sample with every second approval rejected or undated.
    from xl_milestones.core.queue import pro_forma, stakes
    from xl_milestones.core.validate import validate
    from xl_milestones.io.reader import read_workbook

    sample = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
    m = validate(read_workbook(sample), today=AS_OF).model
    varied = replace(
        m,
        signoffs=[
            replace(s, decision="rejected")
            if i % 4 == 1
            else replace(s, decision_date=None)
            if i % 4 == 3
            else s
            for i, s in enumerate(m.signoffs)
        ],
    )
    for book in (m, varied):
        result = compute(book, AS_OF)
        ids = [r.milestone_id for r in result.milestones if r.milestone_id]
        full = {mid: r.values["amount_due"] for mid, r in pro_forma(book, result, ids).items()}
        assert full  # milestones with a payment await sign-off
        assert stakes(book, result, ids) == full
        assert compute(book, AS_OF, at_stake=True).at_stake == full
        assert [str(a) for a in stakes(book, result, ids).values()] == [
            str(a) for a in full.values()
        ]
