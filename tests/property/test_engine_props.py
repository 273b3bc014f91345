"""Properties of the engine over generated portfolios: deductions stay within their limits,
amounts add up, and results do not depend on the order of rows in the sheets."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.model import (
    ApprovalRule,
    ChangeOrder,
    Contract,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    Settings,
    Signoff,
)
from xl_milestones.core.money import round_money

D = Decimal
START = date(2026, 1, 1)
AS_OF = date(2026, 6, 30)

days = st.integers(min_value=0, max_value=240)
ratios = st.sampled_from([D(0), D("0.01"), D("0.05"), D("0.1"), D("0.25"), D("0.5")])
maybe_ratio = st.one_of(st.none(), ratios)
amounts = st.integers(min_value=-5_000, max_value=200_000).map(D)


@st.composite
def portfolios(draw: st.DrawFn) -> Model:
    n_contracts = draw(st.integers(1, 3))
    contracts: dict[str, Contract] = {}
    for i in range(n_contracts):
        cid = f"C-{i}"
        original = D(draw(st.integers(1_000, 1_000_000)))
        contracts[cid] = Contract(
            row=i + 2,
            contract_id=cid,
            contract_name=cid,
            supplier="S",
            currency=draw(st.sampled_from(["EUR", "JPY", "KWD"])),
            original_value=original,
            start_date=START,
            payment_terms_days=draw(st.integers(0, 60)),
            payment_terms_basis=draw(
                st.sampled_from(
                    ["after_signoff", "after_invoice", "eom_after_signoff", "eom_after_invoice"]
                )
            ),
            retention_rate=draw(ratios),
            retention_limit=draw(maybe_ratio),
            advance_amount=D(draw(st.integers(0, int(original)))),
            advance_recovery_threshold=draw(ratios),
            advance_recovery_rate=draw(ratios.filter(lambda r: r > 0)),
            delay_damages_rate=draw(st.sampled_from([D(0), D("0.001"), D("0.01")])),
            delay_damages_cap=draw(maybe_ratio),
            vat_rate=draw(ratios),
        )
    cids = list(contracts)
    milestones: list[Milestone] = []
    signoffs: list[Signoff] = []
    invoices: list[Invoice] = []
    changes: list[ChangeOrder] = []
    issues: list[IssueRecord] = []
    row = 2
    for i in range(draw(st.integers(1, 10))):
        mid = f"M-{i}"
        baseline = START + timedelta(days=draw(days))
        actual = draw(st.one_of(st.none(), days.map(lambda d: START + timedelta(days=d))))
        if actual is not None and actual > AS_OF:
            actual = AS_OF
        basis = draw(st.sampled_from(["none", "percent", "fixed", "retention_release"]))
        preds = tuple(f"M-{j}" for j in range(i) if draw(st.booleans()) and j % 3 == 0)
        milestones.append(
            Milestone(
                row=row + i,
                milestone_id=mid,
                contract_id=draw(st.sampled_from(cids)),
                milestone_name=mid,
                milestone_type="payment",
                baseline_date=baseline,
                forecast_date=draw(st.one_of(st.none(), days.map(lambda d: START + timedelta(d)))),
                actual_date=actual,
                percent_complete=draw(ratios),
                payment_basis=basis,
                payment_percent=draw(ratios) if basis in ("percent", "retention_release") else None,
                payment_amount=draw(amounts) if basis == "fixed" else None,
                predecessors=preds,
                cancelled=draw(st.booleans()) and draw(st.booleans()),
                on_hold=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
            )
        )
        for k in range(draw(st.integers(0, 2))):
            decision = draw(st.sampled_from(["approved", "approved", "rejected", "pending"]))
            when = None
            if decision != "pending":
                when = (actual or baseline) + timedelta(days=draw(st.integers(0, 20)))
                when = min(when, AS_OF)
            signoffs.append(
                Signoff(100 + len(signoffs), mid, f"Role {k % 2}", f"Name {k}", decision, when)
            )
        for _ in range(draw(st.integers(0, 2))):
            inv_date = baseline + timedelta(days=draw(st.integers(-10, 60)))
            paid = draw(st.booleans())
            invoices.append(
                Invoice(
                    300 + len(invoices),
                    f"I-{len(invoices)}",
                    mid,
                    inv_date,
                    D(draw(st.integers(0, 100_000))),
                    inv_date + timedelta(days=draw(st.integers(0, 90))) if paid else None,
                    D(draw(st.integers(0, 100_000))) if paid else D(0),
                )
            )
        if draw(st.booleans()):
            issues.append(
                IssueRecord(
                    500 + len(issues),
                    f"X-{len(issues)}",
                    mid,
                    draw(st.sampled_from(["risk", "issue", "dispute"])),
                    "d",
                    severity=draw(st.sampled_from(["low", "high"])),
                    blocking=draw(st.booleans()),
                    issue_status=draw(st.sampled_from(["open", "closed"])),
                )
            )
    for k in range(draw(st.integers(0, 3))):
        target = draw(st.one_of(st.none(), st.sampled_from([m.milestone_id for m in milestones])))
        owner = next(
            (m.contract_id for m in milestones if m.milestone_id == target),
            draw(st.sampled_from(cids)),
        )
        changes.append(
            ChangeOrder(
                700 + k,
                f"CO-{k}",
                owner,
                "c",
                milestone_id=target,
                value_change=D(draw(st.integers(-10_000, 10_000))),
                extension_days=draw(st.integers(-10, 30)),
                change_status=draw(st.sampled_from(["approved", "proposed", "rejected"])),
                approved_date=date(2026, 2, 1),
            )
        )
    rules = [ApprovalRule(900, D(0), "Role 0")] if draw(st.booleans()) else []
    return Model(
        settings=Settings(
            reporting_currency="EUR",
            late_interest_regime=draw(st.sampled_from(["none", "uk", "eu", "us", "fidic"])),
            late_interest_reference_rate=D("0.05"),
            business_day_convention=draw(
                st.sampled_from(["none", "following", "modified_following", "preceding"])
            ),
        ),
        contracts=contracts,
        milestones=milestones,
        signoffs=signoffs,
        approval_rules=rules,
        change_orders=changes,
        invoices=invoices,
        issues=issues,
    )


def _revised_value(m: Model, cid: str) -> Decimal:
    total = m.contracts[cid].original_value
    for co in m.change_orders:
        if co.contract_id == cid and co.change_status == "approved":
            total += co.value_change
    return total


def _per_contract(
    m: Model, out: EngineResult, field: str, payable_only: bool
) -> dict[str, Decimal]:
    contract_of = {ms.milestone_id: ms.contract_id for ms in m.milestones}
    sums: dict[str, Decimal] = {}
    for r in out.milestones:
        value = r.values[field]
        if not isinstance(value, Decimal) or r.milestone_id is None:
            continue
        if payable_only and r.values["payment_status"] == "Not payable":
            continue
        cid = contract_of[r.milestone_id]
        sums[cid] = sums.get(cid, D(0)) + value
    return sums


FAST = settings(max_examples=40, deadline=None)


@FAST
@given(portfolios())
def test_deductions_never_make_net_negative(m: Model) -> None:
    for r in compute(m, AS_OF).milestones:
        v = r.values
        if v["net_amount"] is None:
            continue
        value = v["milestone_value"]
        assert isinstance(value, Decimal)
        deductions = [v["retention_amount"], v["advance_recovery"], v["delay_damages"]]
        assert all(isinstance(x, Decimal) and x >= 0 for x in deductions)
        assert v["net_amount"] == value - sum(deductions)  # type: ignore[arg-type]
        if value >= 0:
            assert v["net_amount"] >= 0  # type: ignore[operator]


@FAST
@given(portfolios())
def test_retention_within_limit(m: Model) -> None:
    out = compute(m, AS_OF)
    for cid, taken in _per_contract(m, out, "retention_amount", True).items():
        c = m.contracts[cid]
        if c.retention_limit is not None:
            cap = max(round_money(c.retention_limit * _revised_value(m, cid), c.currency), D(0))
            assert taken <= cap


@FAST
@given(portfolios())
def test_delay_damages_within_cap(m: Model) -> None:
    out = compute(m, AS_OF)
    for cid, taken in _per_contract(m, out, "delay_damages", True).items():
        c = m.contracts[cid]
        if c.delay_damages_cap is not None:
            cap = max(round_money(c.delay_damages_cap * _revised_value(m, cid), c.currency), D(0))
            assert taken <= cap


@FAST
@given(portfolios())
def test_advance_recovered_within_advance(m: Model) -> None:
    out = compute(m, AS_OF)
    for cid, recovered in _per_contract(m, out, "advance_recovery", True).items():
        assert recovered <= m.contracts[cid].advance_amount


@FAST
@given(portfolios())
def test_outstanding_is_amount_due_less_paid(m: Model) -> None:
    for r in compute(m, AS_OF).milestones:
        v = r.values
        if v["amount_due"] is not None:
            assert v["outstanding_amount"] == v["amount_due"] - v["paid_amount"]  # type: ignore[operator]
            assert v["amount_due"] == v["net_amount"] + v["vat_amount"]  # type: ignore[operator]


@FAST
@given(portfolios())
def test_no_signed_off_without_actual_date(m: Model) -> None:
    actual = {ms.milestone_id: ms.actual_date for ms in m.milestones}
    for r in compute(m, AS_OF).milestones:
        if r.values["status"] == "Signed off":
            assert r.milestone_id is not None
            assert actual[r.milestone_id] is not None
            assert r.values["signoff_date"] is not None


@FAST
@given(portfolios(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(m: Model, rnd: random.Random) -> None:
    before = compute(m, AS_OF)
    shuffled = replace(
        m,
        milestones=rnd.sample(m.milestones, len(m.milestones)),
        signoffs=rnd.sample(m.signoffs, len(m.signoffs)),
        invoices=rnd.sample(m.invoices, len(m.invoices)),
        change_orders=rnd.sample(m.change_orders, len(m.change_orders)),
        issues=rnd.sample(m.issues, len(m.issues)),
        contracts=dict(rnd.sample(list(m.contracts.items()), len(m.contracts))),
    )
    after = compute(shuffled, AS_OF)
    assert [(r.row, r.values, r.explanation, r.payment_explanation) for r in before.milestones] == [
        (r.row, r.values, r.explanation, r.payment_explanation) for r in after.milestones
    ]
    assert before.dashboard == after.dashboard
    assert before.payment_schedule == after.payment_schedule
    assert before.status_counts == after.status_counts


@FAST
@given(portfolios())
def test_amounts_at_stake_are_the_full_pro_forma_amounts_due(m: Model) -> None:
    # The engine's own stage (approvals, statuses and ledgers again for the milestones
    # awaiting sign-off and their contracts) gives the amount due the whole engine run again
    # with their approvals added gives, to the exponent; and it leaves the results as they are.
    from xl_milestones.core.queue import pro_forma

    result = compute(m, AS_OF, at_stake=True)
    assert result.at_stake is not None
    ids = [r.milestone_id for r in result.milestones if r.milestone_id]
    full = {mid: r.values["amount_due"] for mid, r in pro_forma(m, result, ids).items()}
    assert {k: str(v) for k, v in result.at_stake.items()} == {k: str(v) for k, v in full.items()}
    plain = compute(m, AS_OF)
    assert [r.values for r in plain.milestones] == [r.values for r in result.milestones]
