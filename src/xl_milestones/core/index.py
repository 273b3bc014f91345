"""One index of the model, built once per computation: the milestones in sheet order, each
one's rows of the other sheets, the change orders summed, and one typed record per milestone
that the engine's stages fill in turn (see ``engine.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Protocol, TypeVar

from xl_milestones.core.currencies import most_common_currency
from xl_milestones.core.model import (
    ChangeOrder,
    Contract,
    Deliverable,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    Signoff,
)
from xl_milestones.core.money import ZERO

if TYPE_CHECKING:
    from xl_milestones.core.payment_due import PaymentFields
    from xl_milestones.core.payments import Deductions
    from xl_milestones.core.signoff import CheckResult, SignoffState
    from xl_milestones.core.status import Sentence

_T = TypeVar("_T")
_ROW = attrgetter("row")


def no_text() -> str:
    """The sentence of a row that has none."""
    return ""


def in_row_order(rows: Iterable[_T]) -> list[_T]:
    """``rows`` by sheet row (as read they already are, which sorting finds in one pass)."""
    return sorted(rows, key=_ROW)


class _OfMilestone(Protocol):
    @property
    def milestone_id(self) -> str: ...


_R = TypeVar("_R", bound=_OfMilestone)


def by_milestone(rows: Iterable[_R]) -> dict[str, list[_R]]:
    """``rows`` grouped by Milestone ID, each group in the order given."""
    out: dict[str, list[_R]] = {}
    for r in rows:
        group = out.get(r.milestone_id)
        if group is None:
            out[r.milestone_id] = [r]
        else:
            group.append(r)
    return out


def counts_as_approved(change: ChangeOrder, as_of: date) -> bool:
    """An approved change counts once its approval date is reached (no date: counts)."""
    return approved_by(change.change_status, change.approved_date, as_of)


def approved_by(status: object, approved_date: date | None, as_of: date) -> bool:
    """Whether a change order with this Status and Approved Date counts as of ``as_of``:
    approved, and its approval date reached (no date: counts)."""
    return status == "approved" and (approved_date is None or approved_date <= as_of)


def open_by(issue: IssueRecord, as_of: date) -> bool:
    """Whether an Issues row is open as of ``as_of``: raised by then (or undated), and open or
    closed only after it."""
    if issue.raised_date is not None and issue.raised_date > as_of:
        return False
    return issue.issue_status == "open" or (
        issue.closed_date is not None and issue.closed_date > as_of
    )


def accepted_by(d: Deliverable, as_of: date) -> bool:
    """Whether a deliverable is accepted as of ``as_of``: accepted, and on or before it."""
    return d.acceptance_status == "accepted" and (
        d.accepted_date is None or d.accepted_date <= as_of
    )


def started_by(d: Deliverable, as_of: date) -> bool:
    """Whether a deliverable is submitted or accepted as of ``as_of``: its Submitted Date is
    reached, or (without one) its status is submitted, or it is accepted by then."""
    if d.submitted_date is not None:
        return d.submitted_date <= as_of
    return d.acceptance_status == "submitted" or accepted_by(d, as_of)


# The reporting currency of a workbook that gives none (no setting, no contract).
FALLBACK_CURRENCY = "EUR"


def own_reporting_currency(model: Model) -> str | None:
    """The Reporting Currency setting, else the most common contract currency (ties: the one
    met first on the Contracts sheet); None for a workbook with neither."""
    if model.settings.reporting_currency:
        return model.settings.reporting_currency.strip().upper()
    contracts = sorted(model.contracts.values(), key=lambda c: c.row)
    return most_common_currency(c.currency.strip().upper() for c in contracts) or None


def reporting_currency(model: Model) -> str:
    """The workbook's own reporting currency, else EUR for a workbook without contracts."""
    return own_reporting_currency(model) or FALLBACK_CURRENCY


@dataclass(slots=True)
class ChangeSums:
    """The change orders of RULES.md section 2, summed once: approved ones that count at as_of
    (by milestone, and contract-wide), and the pending ones of each milestone: proposed, or
    approved only after as_of (as of it, not yet decided), each as the Pending Changes check
    names it."""

    milestone_days: dict[str, int]
    milestone_value: dict[str, Decimal]
    contract_days: dict[str, int]
    percent_base: dict[str, Decimal]
    revised_value: dict[str, Decimal]
    pending: dict[str, list[str]]

    def extension(self, milestone_id: str, contract_id: str) -> int:
        """Extension days of the changes naming the milestone plus the contract-wide ones."""
        return self.milestone_days.get(milestone_id, 0) + self.contract_days.get(contract_id, 0)

    def own_value(self, milestone_id: str) -> Decimal:
        """Value changes of the approved changes naming this milestone."""
        return self.milestone_value.get(milestone_id, ZERO)


def _pending_text(change: ChangeOrder) -> str:
    """How the Pending Changes check names a change not yet approved as of the as-of date."""
    if change.change_status == "proposed" or change.approved_date is None:
        return f"change {change.change_id} proposed"
    return f"change {change.change_id} approved only on {change.approved_date.isoformat()}"


def change_sums(model: Model, as_of: date) -> ChangeSums:
    """Sums of the change orders of contracts in the model, in sheet order."""
    contracts = model.contracts
    sums = ChangeSums({}, {}, {}, {}, {}, {})
    wide: dict[str, Decimal] = {}
    every: dict[str, Decimal] = {}
    for co in in_row_order(model.change_orders):
        if co.contract_id not in contracts:
            continue
        if counts_as_approved(co, as_of):
            cid = co.contract_id
            every[cid] = every.get(cid, ZERO) + co.value_change
            if co.milestone_id:
                mid = co.milestone_id
                sums.milestone_days[mid] = sums.milestone_days.get(mid, 0) + co.extension_days
                sums.milestone_value[mid] = sums.milestone_value.get(mid, ZERO) + co.value_change
            else:
                sums.contract_days[cid] = sums.contract_days.get(cid, 0) + co.extension_days
                wide[cid] = wide.get(cid, ZERO) + co.value_change
        elif co.milestone_id and co.change_status != "rejected":
            sums.pending.setdefault(co.milestone_id, []).append(_pending_text(co))
    for cid, c in contracts.items():
        sums.percent_base[cid] = c.original_value + wide.get(cid, ZERO)
        sums.revised_value[cid] = c.original_value + every.get(cid, ZERO)
    return sums


@dataclass(slots=True)
class MilestoneWork:
    """One milestone's typed record: its rows, then what each stage works out, in stage order
    (dates, values, approvals, status, checks, deadlines, ledgers, payments due)."""

    m: Milestone
    contract: Contract
    # status.dates
    revised: date = date.min
    late: int = 0
    # payments.values
    value: Decimal | None = None
    # signoff.approvals
    state: SignoffState | None = None
    # status.statuses
    status: str = ""
    rag: str | None = None
    sentence: Sentence = no_text
    # checks.readiness: the failed checks in check order, then the outcome
    fails: list[CheckResult] | None = None
    checks: tuple[CheckResult, ...] = ()
    ready: bool = False
    blockers: str = ""
    # signoff.deadlines (Awaiting sign-off only)
    signoff_due: date | None = None
    days_waiting: int | None = None
    signoff_overdue: bool = False
    # payments.ledgers
    payable: bool = False
    deductions: Deductions | None = None
    exposure: Decimal | None = None
    # payment_due.payments_due
    payment: PaymentFields | None = None


@dataclass(slots=True)
class ModelIndex:
    """The model as the stages read it, each grouping made once.

    ``work`` holds the milestones whose contract is in the model, in sheet row order, and
    ``by_id`` the same records by Milestone ID. Child rows are grouped by Milestone ID in sheet
    order; ``invoices`` only those dated on or before as_of, ``open_issues`` only those open as
    of as_of (closed after it counts as open).
    """

    as_of: date
    reporting: str
    contracts: dict[str, Contract]
    work: list[MilestoneWork]
    by_id: dict[str, MilestoneWork]
    deliverables: dict[str, list[Deliverable]]
    signoffs: dict[str, list[Signoff]]
    invoices: dict[str, list[Invoice]]
    open_issues: dict[str, list[IssueRecord]]
    changes: ChangeSums
    # FX rates to the reporting currency (its own rate is 1), and the currencies asked for
    # without one.
    rates: dict[str, Decimal]
    missing_fx: set[str]

    def rate_of(self, currency: str) -> Decimal | None:
        """The rate of ``currency`` to the reporting currency; a missing one is remembered."""
        rate = self.rates.get(currency)
        if rate is None:
            self.missing_fx.add(currency)
        return rate


def build_index(model: Model, as_of: date) -> ModelIndex:
    """Index ``model`` as of ``as_of`` (milestones of unknown contracts are left out)."""
    contracts = model.contracts
    work = [
        MilestoneWork(m, contracts[m.contract_id])
        for m in in_row_order(model.milestones)
        if m.contract_id in contracts
    ]
    deliverables: dict[str, list[Deliverable]] = by_milestone(in_row_order(model.deliverables))
    signoffs: dict[str, list[Signoff]] = by_milestone(model.signoffs)
    invoices: dict[str, list[Invoice]] = by_milestone(
        inv for inv in in_row_order(model.invoices) if inv.invoice_date <= as_of
    )
    open_issues: dict[str, list[IssueRecord]] = by_milestone(
        rec for rec in in_row_order(model.issues) if open_by(rec, as_of)
    )
    reporting = reporting_currency(model)
    rates = {cur.strip().upper(): fx.rate_to_reporting for cur, fx in model.fx_rates.items()}
    rates[reporting] = Decimal(1)
    return ModelIndex(
        as_of,
        reporting,
        contracts,
        work,
        {w.m.milestone_id: w for w in work},
        deliverables,
        signoffs,
        invoices,
        open_issues,
        change_sums(model, as_of),
        rates,
        set(),
    )
