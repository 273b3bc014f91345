"""Stage: what each milestone's payment comes to (RULES.md sections 2 and 3): net amount, VAT,
amount due, payment due date, paid and outstanding amounts, the payment status, days overdue,
late-payment interest, and the sentence explaining it.

Runs after the ledgers (``payments.ledgers``) have taken each payable milestone's deductions.
Every amount is rounded; a zero amount has the currency's exponent (0.00, not 0 nor -0.00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from xl_milestones.core import payments as pay
from xl_milestones.core.dates import BusinessCalendar, payment_due_date
from xl_milestones.core.index import MilestoneWork, ModelIndex
from xl_milestones.core.interest import interest_on_parts, late_parts
from xl_milestones.core.model import Contract, Invoice
from xl_milestones.core.money import ZERO, AmountTooLarge, format_money, round_money
from xl_milestones.core.money import zero as zero_of
from xl_milestones.core.schema import MILESTONES
from xl_milestones.core.status import Sentence
from xl_milestones.core.warn import EngineWarnings


class PaymentFields(NamedTuple):
    """The payment result fields of one milestone (blank: None), and its sentence.

    ``late`` says the payment was made after its due date or is overdue: its interest needs a
    Late Interest Regime and rate."""

    retention: Decimal | None
    advance: Decimal | None
    delay: Decimal | None
    net: Decimal | None
    vat: Decimal | None
    amount_due: Decimal | None
    due: date | None
    paid: Decimal | None
    outstanding: Decimal | None
    status: str
    days_overdue: int
    interest: Decimal | None
    sentence: Sentence
    late: bool = False


@dataclass(frozen=True, slots=True)
class Terms:
    """The Settings the payment of every milestone reads."""

    as_of: date
    convention: str
    calendar: BusinessCalendar
    regime: str
    rate: Decimal


def paid_by(invoice: Invoice, as_of: date) -> bool:
    """An invoice counts as paid once its paid date is reached with an amount above 0."""
    return invoice.paid_date is not None and invoice.paid_date <= as_of and invoice.paid_amount > 0


def payments_due(ix: ModelIndex, terms: Terms, warnings: EngineWarnings) -> None:
    """Stage: the payment fields of every milestone."""
    invoices = ix.invoices
    for w in ix.work:
        w.payment = payment_of(w, invoices.get(w.m.milestone_id, []), terms, warnings)


def payment_of(
    w: MilestoneWork, invoices: list[Invoice], terms: Terms, warnings: EngineWarnings
) -> PaymentFields:
    """The payment fields of one milestone from its invoices dated on or before as_of."""
    cur = w.contract.currency
    paid_rows: list[tuple[date, Decimal]] = []
    paid = zero_of(cur)
    if invoices:
        paid_rows = [
            (i.paid_date, i.paid_amount)
            for i in invoices
            if i.paid_date is not None and paid_by(i, terms.as_of)
        ]
        if paid_rows:
            paid = sum((amount for _day, amount in paid_rows), ZERO)
    basis = w.m.payment_basis
    if basis == "none":
        shown = (round_money(paid, cur) or zero_of(cur)) if invoices else None
        return PaymentFields(*_BLANK, shown, *_BLANK_TAIL, _no_payment_text)
    if not w.payable:
        return _not_payable(w, paid, bool(paid_rows))
    return _payable(w, invoices, paid_rows, paid, terms, warnings)


# Blank fields before and after paid_amount of a milestone without a payment.
_BLANK = (None, None, None, None, None, None, None)
_BLANK_TAIL = (None, pay.NOT_PAYABLE, 0, None)


def _not_payable(w: MilestoneWork, paid: Decimal, any_paid: bool) -> PaymentFields:
    cur = w.contract.currency
    zero = zero_of(cur)
    shown = (round_money(paid, cur) or zero) if any_paid else zero
    delay = (w.exposure or zero) if w.m.payment_basis in pay.DEDUCTIBLE else None
    if w.m.cancelled:
        text: Sentence = _cancelled_payment_text
    else:
        text = partial(_not_payable_text, w.value, w.exposure, cur)
    return PaymentFields(
        None, None, delay, None, None, None, None, shown, None, pay.NOT_PAYABLE, 0, None, text
    )


class Charges(NamedTuple):
    """What a payable milestone is certified for."""

    deductions: pay.Deductions
    net: Decimal  # its value less the deductions
    vat: Decimal
    amount_due: Decimal  # net plus VAT


def charges(w: MilestoneWork) -> Charges:
    """A payable milestone's deductions, net amount, VAT and amount due."""
    d = w.deductions or pay.Deductions(ZERO, ZERO, ZERO)
    net = (w.value or ZERO) - d.retention - d.advance - d.delay
    vat = round_money(net * w.contract.vat_rate, w.contract.currency)
    return Charges(d, net, vat, net + vat)


def amount_due(w: MilestoneWork) -> Decimal:
    """A payable milestone's amount due, as its payment fields show it (0 in the currency's
    exponent)."""
    return charges(w).amount_due or zero_of(w.contract.currency)


def _payable(
    w: MilestoneWork,
    invoices: list[Invoice],
    paid_rows: list[tuple[date, Decimal]],
    paid: Decimal,
    terms: Terms,
    warnings: EngineWarnings,
) -> PaymentFields:
    c = w.contract
    cur = c.currency
    zero = zero_of(cur)
    d, net, vat, amount_due = charges(w)
    # paid_amount is an output, so it enters outstanding_amount rounded (RULES.md): a payment
    # typed to a tenth of a penny leaves no fraction of a penny outstanding.
    paid = round_money(paid, cur) or zero
    owed = amount_due - paid
    invoice_based = c.payment_terms_basis in pay.INVOICE_BASES
    due = _due_date(w, invoices, invoice_based, terms)
    as_of = terms.as_of
    status = pay.payment_status(True, invoice_based, bool(invoices), owed, paid, due, as_of)
    # Late: a part of the amount due paid after the due date, or unpaid after it; a payment
    # beyond the amount due (an overpayment) is no late part.
    parts = [] if due is None else late_parts(amount_due, due, paid_rows, as_of, owed)
    late = bool(parts)
    interest: Decimal | None = zero
    if due is not None and parts and terms.regime != "none":
        try:
            interest = interest_on_parts(parts, amount_due, due, terms.regime, terms.rate, cur)
        except AmountTooLarge as exc:
            interest = None  # blank, said aloud: no cell could show it
            _interest_too_large(w, exc.amount, warnings)
    days_overdue = (as_of - due).days if status == pay.OVERDUE and due is not None else 0
    if owed < 0:
        _overpaid(w, owed, paid, amount_due, warnings)
    text = partial(_payment_text, status, amount_due, paid, owed, due, days_overdue, interest, c)
    if w.m.payment_basis in pay.DEDUCTIBLE:
        retention, advance, delay = d.retention or zero, d.advance or zero, d.delay or zero
    else:
        retention = advance = delay = zero
    return PaymentFields(
        retention,
        advance,
        delay,
        net or zero,
        vat or zero,
        amount_due or zero,
        due,
        paid,
        owed or zero,
        status,
        days_overdue,
        None if interest is None else interest or zero,
        text,
        late,
    )


def _due_date(
    w: MilestoneWork, invoices: list[Invoice], invoice_based: bool, terms: Terms
) -> date | None:
    # Counted from the sign-off date, or the first invoice's date under invoice terms; an
    # invoice sent before the sign-off starts no term before it (the later of the two).
    assert w.state is not None
    start = w.state.signoff_date
    if invoice_based:
        invoiced = min((i.invoice_date for i in invoices), default=None)
        start = invoiced if invoiced is None or start is None else max(invoiced, start)
    if start is None:
        return None
    c = w.contract
    return payment_due_date(
        start, c.payment_terms_days, c.payment_terms_basis, terms.convention, terms.calendar
    )


def _overpaid(
    w: MilestoneWork, owed: Decimal, paid: Decimal, amount_due: Decimal, warnings: EngineWarnings
) -> None:
    cur = w.contract.currency
    if amount_due < 0:  # a credit, not a payment too large: said as such
        warnings.add(
            "negative-amount-due",
            MILESTONES,
            w.m.row,
            "amount_due",
            amount_due,
            f"Milestone {w.m.milestone_id} has an amount due of {format_money(amount_due, cur)}"
            f": its change orders take its value below zero "
            f"({format_money(w.value or amount_due, cur)}), a credit rather than a payment, "
            f"and {format_money(owed, cur)} is outstanding. Check the Value Change of the "
            "change orders naming it, or of the contract's changes for a percent milestone.",
        )
        return
    warnings.add(
        "overpaid",
        MILESTONES,
        w.m.row,
        "outstanding_amount",
        owed,
        f"Milestone {w.m.milestone_id} is overpaid by {format_money(-owed, cur)}: "
        f"paid {format_money(paid, cur)} against {format_money(amount_due, cur)} "
        "due. Check the Paid Amount of its invoices.",
    )


def _interest_too_large(w: MilestoneWork, interest: Decimal, warnings: EngineWarnings) -> None:
    warnings.add(
        "late-interest-too-large",
        MILESTONES,
        w.m.row,
        "late_interest",
        f"{interest:.6g}",
        f"Milestone {w.m.milestone_id}'s late-payment interest comes to {interest:.3g} "
        f"{w.contract.currency}, more than a cell shows to the cent, so its Late Interest is "
        "left blank. Check the Late Interest Reference Rate and Margin on Settings, and its "
        "invoices' dates and amounts.",
    )


# ------------------------------------------------------------------------------ sentences


def _no_payment_text() -> str:
    return "No payment on this milestone."


def _cancelled_payment_text() -> str:
    return "Not payable: the milestone is cancelled."


def _not_payable_text(value: Decimal | None, exposure: Decimal | None, currency: str) -> str:
    shown = format_money(value or ZERO, currency)
    if exposure:
        accrued = format_money(exposure, currency)
        return (
            f"Not payable until signed off; value {shown}; delay damages accrued so far {accrued}."
        )
    return f"Not payable until signed off; value {shown}."


def _payment_text(
    status: str,
    amount_due: Decimal,
    paid: Decimal,
    outstanding: Decimal,
    due: date | None,
    days_overdue: int,
    interest: Decimal | None,
    c: Contract,
) -> str:
    cur = c.currency
    if interest is None:
        interest_text = "; late interest too large to show (see Validation)"
    else:
        interest_text = f"; late interest {format_money(interest, cur)}" if interest else ""
    if status == pay.AWAITING_INVOICE:
        return (
            f"Awaiting invoice: {format_money(amount_due, cur)} falls due "
            f"{c.payment_terms_days} days after the invoice"
            + (" month end." if c.payment_terms_basis.startswith("eom_") else ".")
        )
    if status == pay.PAID:
        return f"Paid: {format_money(paid, cur)} paid in full{interest_text}."
    if status == pay.OVERDUE:
        return (
            f"Overdue: {format_money(outstanding, cur)} due {due}, {days_overdue} days "
            f"overdue{interest_text}."
        )
    if status == pay.PART_PAID:
        return (
            f"Part paid: {format_money(paid, cur)} of {format_money(amount_due, cur)} paid; "
            f"{format_money(outstanding, cur)} due {due}{interest_text}."
        )
    return f"Not yet due: {format_money(amount_due, cur)} due {due}."
