"""Payments (RULES.md section 2): milestone value, the contract ledger that takes retention,
advance recovery and delay damages in certification order, VAT, paid and outstanding amounts,
the payment status.

Every deduction is limited to what is left of the milestone value, so it never turns net negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, NamedTuple

from xl_milestones.core.model import Contract
from xl_milestones.core.money import ZERO, round_money

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

    def __post_init__(self) -> None:
        c = self.contract
        self.retention_cap = cap_amount(c.retention_limit, self.revised_contract_value, c.currency)
        self.damages_cap = cap_amount(c.delay_damages_cap, self.revised_contract_value, c.currency)
        self._threshold = c.advance_recovery_threshold * c.original_value

    @property
    def advance_outstanding(self) -> Decimal:
        return self.contract.advance_amount - self.advance_recovered

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

        cap_left = None if self.damages_cap is None else self.damages_cap - self.damages_taken
        delay = delay_damages_for(value, c.delay_damages_rate, days, cap_left, cur)
        delay = min(delay, left)
        self.damages_taken += delay
        return Deductions(retention, advance, delay)

    def exposure(self, value: Decimal, days: int) -> Decimal:
        """Delay damages accrued on a milestone not yet payable, within what the cap leaves
        after the damages taken on certified milestones (shown, not deducted)."""
        c = self.contract
        cap_left = None if self.damages_cap is None else self.damages_cap - self.damages_taken
        return delay_damages_for(value, c.delay_damages_rate, days, cap_left, c.currency)


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
