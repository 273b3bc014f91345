"""Time ``core.engine.compute`` on a large generated portfolio (no file I/O).

100,000 milestones over 10,000 contracts, with 50,000 deliverables, 75,000 sign-offs, 37,000
invoices, 10,000 issues and 5,000 change orders, built in memory from a fixed seed. Prints the
median of several runs. Usage: python benchmarks/bench_engine.py [--milestones N] [--runs R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from machine import calibration  # benchmarks/ is on the path when run as a script
from xl_milestones.collector import collector_paused
from xl_milestones.core.engine import compute
from xl_milestones.core.model import (
    ApprovalRule,
    ChangeOrder,
    Contract,
    Deliverable,
    FxRate,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    Settings,
    Signoff,
)

AS_OF = date(2026, 6, 30)
CURRENCIES = ("EUR", "EUR", "EUR", "GBP", "USD", "JPY")


def build(n_milestones: int = 100_000, seed: int = 20260630) -> Model:
    """A deterministic portfolio in the proportions of ARCHITECTURE.md."""
    rnd = random.Random(seed)
    n_contracts = max(1, n_milestones // 10)
    start = date(2025, 1, 1)
    contracts: dict[str, Contract] = {}
    for i in range(n_contracts):
        cid = f"C-{i:05d}"
        contracts[cid] = Contract(
            row=i + 2,
            contract_id=cid,
            contract_name=f"Contract {i}",
            supplier=f"Supplier {i % 500}",
            currency=rnd.choice(CURRENCIES),
            original_value=Decimal(rnd.randrange(100_000, 5_000_000)),
            start_date=start,
            payment_terms_days=rnd.choice((30, 45, 60)),
            payment_terms_basis=rnd.choice(
                ("after_invoice", "after_signoff", "eom_after_invoice", "eom_after_signoff")
            ),
            retention_rate=Decimal("0.05"),
            retention_limit=Decimal("0.05") if i % 2 else None,
            advance_amount=Decimal(rnd.randrange(0, 50_000)),
            delay_damages_rate=Decimal("0.001"),
            delay_damages_cap=Decimal("0.10"),
            vat_rate=Decimal("0.20"),
            contract_status="active" if i % 20 else "suspended",
        )
    milestones: list[Milestone] = []
    deliverables: list[Deliverable] = []
    signoffs: list[Signoff] = []
    invoices: list[Invoice] = []
    issues: list[IssueRecord] = []
    changes: list[ChangeOrder] = []
    cids = list(contracts)
    for i in range(n_milestones):
        cid = cids[i // 10 % n_contracts]
        k = i % 10
        mid = f"M-{i:06d}"
        baseline = start + timedelta(days=60 * k + rnd.randrange(0, 30))
        done = baseline <= AS_OF and rnd.random() < 0.7
        actual = min(baseline + timedelta(days=rnd.randrange(-10, 20)), AS_OF) if done else None
        basis = "retention_release" if k == 9 else ("percent" if k < 8 else "fixed")
        milestones.append(
            Milestone(
                row=i + 2,
                milestone_id=mid,
                contract_id=cid,
                milestone_name=f"Milestone {i}",
                milestone_type="payment",
                baseline_date=baseline,
                owner=f"Owner {i % 300}",
                acceptance_criteria="Tested" if i % 3 else None,
                forecast_date=baseline + timedelta(days=rnd.randrange(-5, 15)),
                actual_date=actual,
                percent_complete=Decimal(1) if done else Decimal(rnd.randrange(0, 10)) / 10,
                payment_basis=basis,
                payment_percent=Decimal("0.1") if basis != "fixed" else None,
                payment_amount=Decimal(rnd.randrange(1000, 90000)) if basis == "fixed" else None,
                predecessors=(f"M-{i - 1:06d}",) if k else (),
                cancelled=rnd.random() < 0.01,
                on_hold=rnd.random() < 0.01,
            )
        )
        if i % 2 == 0:
            deliverables.append(
                Deliverable(
                    len(deliverables) + 2,
                    f"D-{i:06d}",
                    mid,
                    "Report",
                    acceptance_status="accepted" if done else "submitted",
                    accepted_date=actual,
                    submitted_date=actual,
                    evidence="doc" if i % 4 else None,
                )
            )
        if i % 4 != 3:
            decision = "approved" if done and rnd.random() < 0.8 else "pending"
            if done and rnd.random() < 0.03:
                decision = "rejected"
            signoffs.append(
                Signoff(
                    len(signoffs) + 2,
                    mid,
                    "Project Manager" if i % 2 else "Finance",
                    f"Approver {i % 97}",
                    decision,
                    (actual + timedelta(days=3)) if decision != "pending" and actual else None,
                )
            )
        if rnd.random() < 0.37:
            paid = rnd.random() < 0.6
            inv_date = (actual or baseline) + timedelta(days=5)
            invoices.append(
                Invoice(
                    len(invoices) + 2,
                    f"I-{i:06d}",
                    mid,
                    min(inv_date, AS_OF),
                    Decimal(rnd.randrange(1000, 100000)),
                    min(inv_date + timedelta(days=rnd.randrange(10, 90)), AS_OF) if paid else None,
                    Decimal(rnd.randrange(1000, 50000)) if paid else Decimal(0),
                )
            )
        if i % 10 == 5:
            issues.append(
                IssueRecord(
                    len(issues) + 2,
                    f"X-{i:06d}",
                    mid,
                    rnd.choice(("risk", "issue", "dispute")),
                    "Something",
                    severity=rnd.choice(("low", "medium", "high", "critical")),
                    blocking=rnd.random() < 0.2,
                    issue_status=rnd.choice(("open", "closed")),
                )
            )
        if i % 20 == 7:
            changes.append(
                ChangeOrder(
                    len(changes) + 2,
                    f"CO-{i:06d}",
                    cid,
                    "Change",
                    milestone_id=mid if i % 40 == 7 else None,
                    value_change=Decimal(rnd.randrange(-5000, 20000)),
                    extension_days=rnd.randrange(0, 30),
                    change_status=rnd.choice(("approved", "proposed", "rejected")),
                    approved_date=date(2025, 6, 1),
                )
            )
    return Model(
        settings=Settings(
            reporting_currency="EUR",
            holiday_country="GB",
            late_interest_regime="uk",
            late_interest_reference_rate=Decimal("0.05"),
        ),
        contracts=contracts,
        milestones=milestones,
        deliverables=deliverables,
        signoffs=signoffs,
        approval_rules=[
            ApprovalRule(2, Decimal(0), "Project Manager"),
            ApprovalRule(3, Decimal(250_000), "Finance"),
        ],
        change_orders=changes,
        invoices=invoices,
        issues=issues,
        fx_rates={
            "GBP": FxRate(2, "GBP", Decimal("1.17")),
            "USD": FxRate(3, "USD", Decimal("0.92")),
            "JPY": FxRate(4, "JPY", Decimal("0.0061")),
        },
    )


TARGET_S = 2.0  # seconds for 100,000 milestones on a 2-core machine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    model = build(args.milestones)
    print(
        f"model: {len(model.milestones)} milestones, {len(model.contracts)} contracts, "
        f"{len(model.deliverables)} deliverables, {len(model.signoffs)} sign-offs, "
        f"{len(model.invoices)} invoices, {len(model.issues)} issues, "
        f"{len(model.change_orders)} change orders"
    )
    times = []
    cpu = []
    result = None
    print(f"calibration loop: {calibration():.2f} s CPU")
    for _ in range(args.runs):
        # Free the previous run's result first: its teardown is not part of this run.
        result = None
        t0 = time.perf_counter()
        c0 = time.process_time()
        # As the entry points run it (the command line, the macros): the collector paused.
        with collector_paused():
            result = compute(model, AS_OF)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert result is not None
    print(
        f"compute: median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}); CPU median {statistics.median(cpu):.2f} s"
    )
    # Explanations are written when read; reading them all is what `refresh --format json` and
    # the sign-off pack add on top of compute.
    t0 = time.perf_counter()
    written = sum(len(r.explanation) + len(r.payment_explanation) for r in result.milestones)
    print(
        f"explanations: all {len(result.milestones)} milestones' two sentences written in "
        f"{time.perf_counter() - t0:.2f} s ({written:,} characters)"
    )
    print(f"status counts: {result.status_counts}")
    print(f"schedule rows: {len(result.payment_schedule)}, engine issues: {len(result.issues)}")
    if args.milestones != 100_000:
        return 0
    within = statistics.median(times) < TARGET_S
    print(f"  {'within target' if within else 'OVER TARGET'} (< {TARGET_S:.0f} s)")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
