"""Small helpers that build Model records for tests, with sensible defaults.

Rows are numbered automatically (from 2, like a sheet under its header) unless given, and dates
default around 2026 so examples read like real ones.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from xl_milestones.core.model import (
    ApprovalRule,
    ChangeOrder,
    Contract,
    Deliverable,
    FxRate,
    Holiday,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    Settings,
    Signoff,
)

D = Decimal
_rows = itertools.count(2)


def _row(kw: dict[str, Any]) -> int:
    return int(kw.pop("row")) if "row" in kw else next(_rows)


def contract(contract_id: str = "C-1", **kw: Any) -> Contract:
    row = _row(kw)
    defaults: dict[str, Any] = {
        "contract_name": f"Contract {contract_id}",
        "supplier": "Acme Ltd",
        "currency": "EUR",
        "original_value": D("100000"),
        "start_date": date(2026, 1, 1),
    }
    defaults.update(kw)
    return Contract(row=row, contract_id=contract_id, **defaults)


def milestone(milestone_id: str = "M-1", contract_id: str = "C-1", **kw: Any) -> Milestone:
    row = _row(kw)
    defaults: dict[str, Any] = {
        "milestone_name": f"Milestone {milestone_id}",
        "milestone_type": "payment",
        "baseline_date": date(2026, 3, 31),
        "acceptance_criteria": "Accepted by the client",
        "evidence": "doc-1",
    }
    defaults.update(kw)
    if "predecessors" in defaults and isinstance(defaults["predecessors"], list):
        defaults["predecessors"] = tuple(defaults["predecessors"])
    return Milestone(row=row, milestone_id=milestone_id, contract_id=contract_id, **defaults)


def signoff(
    milestone_id: str = "M-1",
    role: str = "Project Manager",
    name: str = "Pat Approver",
    decision: str = "approved",
    decision_date: date | None = date(2026, 4, 2),
    **kw: Any,
) -> Signoff:
    row = _row(kw)
    return Signoff(row, milestone_id, role, name, decision, decision_date, **kw)


def deliverable(deliverable_id: str, milestone_id: str = "M-1", **kw: Any) -> Deliverable:
    row = _row(kw)
    kw.setdefault("deliverable_name", f"Deliverable {deliverable_id}")
    return Deliverable(row=row, deliverable_id=deliverable_id, milestone_id=milestone_id, **kw)


def change(
    change_id: str,
    contract_id: str = "C-1",
    milestone_id: str | None = "M-1",
    value_change: str | int = 0,
    extension_days: int = 0,
    change_status: str = "approved",
    approved_date: date | None = date(2026, 2, 1),
    **kw: Any,
) -> ChangeOrder:
    row = _row(kw)
    return ChangeOrder(
        row=row,
        change_id=change_id,
        contract_id=contract_id,
        description=kw.pop("description", "change"),
        milestone_id=milestone_id,
        value_change=D(value_change),
        extension_days=extension_days,
        change_status=change_status,
        approved_date=approved_date if change_status == "approved" else None,
    )


def invoice(
    invoice_id: str,
    milestone_id: str = "M-1",
    invoice_date: date = date(2026, 4, 3),
    invoice_amount: str | int = 0,
    paid_date: date | None = None,
    paid_amount: str | int = 0,
    **kw: Any,
) -> Invoice:
    row = _row(kw)
    return Invoice(
        row, invoice_id, milestone_id, invoice_date, D(invoice_amount), paid_date, D(paid_amount)
    )


def issue(
    issue_id: str, milestone_id: str = "M-1", category: str = "issue", **kw: Any
) -> IssueRecord:
    row = _row(kw)
    kw.setdefault("description", f"Issue {issue_id}")
    return IssueRecord(
        row=row, issue_id=issue_id, milestone_id=milestone_id, category=category, **kw
    )


def rule(min_value: str | int, role: str, **kw: Any) -> ApprovalRule:
    return ApprovalRule(_row(kw), D(min_value), role)


def holiday(day: date, **kw: Any) -> Holiday:
    return Holiday(_row(kw), day, kw.get("holiday_name"))


def fx(currency: str, rate: str) -> FxRate:
    return FxRate(next(_rows), currency, D(rate))


def model(
    contracts: list[Contract] | None = None,
    milestones: list[Milestone] | None = None,
    settings: Settings | None = None,
    **kw: Any,
) -> Model:
    """A Model; ``fx_rates`` may be a list of FxRate, ``contracts`` defaults to one C-1."""
    cs = contracts if contracts is not None else [contract()]
    fx_rates = kw.pop("fx_rates", [])
    return Model(
        settings=settings or Settings(),
        contracts={c.contract_id: c for c in cs},
        milestones=list(milestones or []),
        fx_rates={f.currency: f for f in fx_rates},
        **kw,
    )


def settings(**kw: Any) -> Settings:
    return Settings(**kw)
