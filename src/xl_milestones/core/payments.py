"""Payments (RULES.md section 2): milestone value, the contract ledger that takes retention,
advance recovery and delay damages in certification order, VAT, paid and outstanding amounts,
the payment status.

Every deduction is limited to what is left of the milestone value, so it never turns net negative.
The engine runs two stages from here: ``values`` (every milestone's value, retention releases
last) and, once the statuses are known, ``ledgers`` (the deductions in certification order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple

from xl_milestones.core.model import Contract
from xl_milestones.core.money import ZERO, format_money, quantum, round_money
from xl_milestones.core.schema import MILESTONES
from xl_milestones.core.status import SIGNED_OFF

if TYPE_CHECKING:
    from xl_milestones.core.index import MilestoneWork, ModelIndex
    from xl_milestones.core.warn import EngineWarnings

PERCENT: Final = "percent"
FIXED: Final = "fixed"
RELEASE: Final = "retention_release"
DEDUCTIBLE: Final = frozenset({PERCENT, FIXED})
INVOICE_BASES: Final = frozenset({"after_invoice", "eom_after_invoice"})

NOT_PAYABLE: Final = "Not payable"
AWAITING_INVOICE: Final = "Awaiting invoice"
NOT_YET_DUE: Final = "Not yet due"
OVERDUE: Final = "Overdue"
PART_PAID: Final = "Part paid"
PAID: Final = "Paid"


def base_value(
    basis: str,
    payment_percent: Decimal | None,
    payment_amount: Decimal | None,
    percent_base: Decimal,
    value_change: Decimal,
    currency: str,
) -> Decimal | None:
    """Milestone value of a percent or fixed milestone (None for none / retention_release).

    percent: round(payment_percent x percent_base) + value changes naming it;
    fixed: round(payment_amount + value changes naming it).
    """
    if basis == PERCENT:
        pct = payment_percent if payment_percent is not None else ZERO
        value = round_money(pct * percent_base, currency)
        return value + round_money(value_change, currency) if value_change else value
    if basis == FIXED:
        amount = payment_amount if payment_amount is not None else ZERO
        return round_money(amount + value_change, currency)
    return None


def cap_amount(
    share: Decimal | None, revised_contract_value: Decimal, currency: str
) -> Decimal | None:
    """A contract-wide limit (retention limit, delay damages cap) as an amount; None = no limit."""
    if share is None:
        return None
    return max(round_money(share * revised_contract_value, currency), ZERO)


def _limit(amount: Decimal, cap_left: Decimal | None, value_left: Decimal) -> Decimal:
    if cap_left is not None and amount > cap_left:
        amount = cap_left
    if amount > value_left:
        amount = value_left
    return amount if amount > 0 else ZERO


def retention_on(value: Decimal, rate: Decimal, cap_left: Decimal | None, currency: str) -> Decimal:
    """min(round(rate x value), what the limit leaves), never below 0 nor above the value."""
    return _limit(round_money(rate * value, currency), cap_left, max(value, ZERO))


def total_retention(
    contract: Contract,
    values_in_baseline_order: list[Decimal],
    revised_contract_value: Decimal,
) -> Decimal:
    """Retention a contract's percent/fixed milestones (not cancelled) carry when all are
    certified in baseline-date order: the base of its retention_release milestones."""
    cur = contract.currency
    cap = cap_amount(contract.retention_limit, revised_contract_value, cur)
    taken = ZERO
    for value in values_in_baseline_order:
        left = None if cap is None else cap - taken
        taken += retention_on(value, contract.retention_rate, left, cur)
    return taken


def delay_damages_for(
    value: Decimal, rate: Decimal, days: int, cap_left: Decimal | None, currency: str
) -> Decimal:
    """round(rate x value x days late), within the cap left and the value; 0 when not late."""
    if days <= 0 or rate <= 0:
        return ZERO
    return _limit(round_money(rate * value * days, currency), cap_left, max(value, ZERO))


class Deductions(NamedTuple):
    """What one certified milestone gives up."""

    retention: Decimal
    advance: Decimal
    delay: Decimal


@dataclass(slots=True)
class ContractLedger:
    """Running totals of one contract while its payable milestones are certified in order."""

    contract: Contract
    revised_contract_value: Decimal
    retention_cap: Decimal | None = None
    damages_cap: Decimal | None = None
    retention_taken: Decimal = ZERO
    damages_taken: Decimal = ZERO
    advance_recovered: Decimal = ZERO
    certified: Decimal = ZERO
    recovering: bool = False
    released: Decimal = ZERO
    _threshold: Decimal = field(default=ZERO)
    _advance: Decimal = field(default=ZERO)

    def __post_init__(self) -> None:
        c = self.contract
        self.retention_cap = cap_amount(c.retention_limit, self.revised_contract_value, c.currency)
        self.damages_cap = cap_amount(c.delay_damages_cap, self.revised_contract_value, c.currency)
        self._threshold = c.advance_recovery_threshold * c.original_value
        # The advance is money recovered to the minor unit: typed past it (1,000.005 GBP, a
        # warning), it enters rounded, so the last milestone's recovery of "all that is still
        # outstanding" is a rounded amount like every other deduction.
        self._advance = round_money(c.advance_amount, c.currency)

    @property
    def advance_outstanding(self) -> Decimal:
        return self._advance - self.advance_recovered

    @property
    def damages_cap_left(self) -> Decimal | None:
        """What the delay damages cap leaves after the damages taken; None = no cap."""
        return None if self.damages_cap is None else self.damages_cap - self.damages_taken

    def accrued(self, exposures: Decimal) -> Decimal:
        """The contract's delay damages accrued on milestones not yet payable: their exposures
        added up, no more than the cap leaves (each one is within it, not all together)."""
        left = self.damages_cap_left
        if left is None or exposures <= left:
            return exposures
        return max(left, ZERO)

    def certify(self, value: Decimal, days: int, is_last: bool) -> Deductions:
        """Take retention, then advance recovery, then delay damages from one percent/fixed
        milestone, each limited to what the earlier ones left of its value."""
        c = self.contract
        cur = c.currency
        left = max(value, ZERO)
        cap_left = None if self.retention_cap is None else self.retention_cap - self.retention_taken
        retention = retention_on(value, c.retention_rate, cap_left, cur)
        self.retention_taken += retention
        left -= retention

        self.certified += value
        if not self.recovering and self.certified > self._threshold:
            self.recovering = True
        advance = ZERO
        outstanding = self.advance_outstanding
        if outstanding > 0 and (self.recovering or is_last):
            wanted = outstanding if is_last else round_money(c.advance_recovery_rate * value, cur)
            advance = _limit(min(wanted, outstanding), None, left)
            self.advance_recovered += advance
            left -= advance

        delay = delay_damages_for(value, c.delay_damages_rate, days, self.damages_cap_left, cur)
        delay = min(delay, left)
        self.damages_taken += delay
        return Deductions(retention, advance, delay)

    def exposure(self, value: Decimal, days: int) -> Decimal:
        """Delay damages accrued on a milestone not yet payable, within what the cap leaves
        after the damages taken on certified milestones (shown, not deducted)."""
        c = self.contract
        left = self.damages_cap_left
        return delay_damages_for(value, c.delay_damages_rate, days, left, c.currency)


def payment_status(
    payable: bool,
    invoice_based: bool,
    has_invoice: bool,
    outstanding: Decimal,
    paid: Decimal,
    due_date: date | None,
    as_of: date,
) -> str:
    """The first of: Not payable, Awaiting invoice, Paid, Overdue, Part paid, Not yet due."""
    if not payable:
        return NOT_PAYABLE
    if invoice_based and not has_invoice:
        return AWAITING_INVOICE
    if outstanding <= 0:
        return PAID
    if due_date is not None and as_of > due_date:
        return OVERDUE
    if paid > 0:
        return PART_PAID
    return NOT_YET_DUE


# ------------------------------------------------------------------------------------ stages


def values(ix: ModelIndex) -> dict[str, str]:
    """Stage: every milestone's value; a retention release's is its share of the retention
    its contract's percent and fixed milestones carry. Returns, per contract, the Milestone ID
    of its last such milestone by baseline date (the one that recovers what is left of the
    advance)."""
    changes = ix.changes
    percent_base = changes.percent_base
    for w in ix.work:
        m = w.m
        w.value = base_value(
            m.payment_basis,
            m.payment_percent,
            m.payment_amount,
            percent_base[m.contract_id],
            changes.own_value(m.milestone_id),
            w.contract.currency,
        )
    carrying: dict[str, list[MilestoneWork]] = {}
    for w in ix.work:
        if w.m.payment_basis in DEDUCTIBLE and not w.m.cancelled:
            carrying.setdefault(w.m.contract_id, []).append(w)
    last: dict[str, str] = {}
    release_base: dict[str, Decimal] = {}
    for cid, ws in carrying.items():
        ws.sort(key=_baseline_order)
        last[cid] = ws[-1].m.milestone_id
        values_ = [w.value or ZERO for w in ws]
        release_base[cid] = total_retention(ix.contracts[cid], values_, changes.revised_value[cid])
    for w in ix.work:
        m = w.m
        if m.payment_basis == RELEASE:
            pct = m.payment_percent if m.payment_percent is not None else ZERO
            cur = w.contract.currency
            share = round_money(pct * release_base.get(m.contract_id, ZERO), cur)
            w.value = share + round_money(changes.own_value(m.milestone_id), cur)
    return last


def _baseline_order(w: MilestoneWork) -> tuple[date, int]:
    return (w.m.baseline_date, w.m.row)


def _certification_order(w: MilestoneWork) -> tuple[date, date, int]:
    assert w.state is not None
    return (w.state.signoff_date or date.max, w.m.baseline_date, w.m.row)


def ledgers(ix: ModelIndex, last_deductible: dict[str, str]) -> dict[str, ContractLedger]:
    """Stage: the contract ledgers. Signed-off milestones with a payment are payable; those
    that are percent or fixed are certified in sign-off order (then baseline, then row) and
    give up retention, advance recovery and delay damages. A percent or fixed milestone not yet
    payable (nor cancelled) shows the delay damages accrued so far (its exposure)."""
    books: dict[str, ContractLedger] = {}
    payable: list[MilestoneWork] = []
    for w in ix.work:
        cid = w.m.contract_id
        if cid not in books:
            books[cid] = ContractLedger(w.contract, ix.changes.revised_value[cid])
        if w.m.payment_basis != "none" and w.status == SIGNED_OFF:
            w.payable = True
            payable.append(w)
    payable.sort(key=_certification_order)
    no_deductions = Deductions(ZERO, ZERO, ZERO)
    for w in payable:
        if w.m.payment_basis in DEDUCTIBLE:
            is_last = last_deductible.get(w.m.contract_id) == w.m.milestone_id
            w.deductions = books[w.m.contract_id].certify(w.value or ZERO, w.late, is_last)
        else:
            w.deductions = no_deductions
    as_of = ix.as_of
    for w in ix.work:
        m = w.m
        if w.payable or m.payment_basis not in DEDUCTIBLE or m.cancelled:
            continue
        days = ((m.actual_date or as_of) - w.revised).days
        # Not late: no damages accrue (what ContractLedger.exposure gives for it).
        w.exposure = books[m.contract_id].exposure(w.value or ZERO, days) if days > 0 else ZERO
    return books


def releases_before_retention(
    ix: ModelIndex, books: dict[str, ContractLedger], warnings: EngineWarnings
) -> None:
    """Stage (after the ledgers): a warning on each contract whose signed-off retention
    releases pay back more than its ledger has retained, so that its Retention Held is below
    zero. A release is worth its share of the retention of every milestone of the contract,
    as if certified (RULES.md section 2): one signed off before the milestones that carry the
    retention pays money not yet held. Each release rounds on its own, so an excess of up to
    half a minor unit per release is rounding, not said."""
    released: dict[str, list[MilestoneWork]] = {}
    for w in ix.work:
        if w.payable and w.m.payment_basis == RELEASE:
            released.setdefault(w.m.contract_id, []).append(w)
    for cid, releases in released.items():
        cur = releases[0].contract.currency
        taken = books[cid].retention_taken
        paid_back = sum((w.value or ZERO for w in releases), ZERO)
        held = taken - paid_back
        if -held <= quantum(cur) * len(releases) / 2:
            continue
        last = max(releases, key=_certification_order)
        warnings.add(
            "retention-released-before-taken",
            MILESTONES,
            last.m.row,
            "milestone_value",
            last.value,
            f"Contract {cid} has released {format_money(paid_back, cur)} of retention "
            f"(signed-off releases, the last {last.m.milestone_id}) but retained only "
            f"{format_money(taken, cur)} on its signed-off milestones, so its "
            f"Retention Held is {format_money(held, cur)}. A release is worked out on the "
            "retention of all the contract's milestones; sign off those that carry it first, "
            "or check the release's Payment %.",
        )
