"""Late-payment interest (RULES.md section 3): the uk, eu, us and fidic regimes, the parts of an
amount paid late, and the fixed compensation of the UK Act and the EU Directive.

Interest is computed unrounded per part and rounded once, on the sum, to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from xl_milestones.core.dates import whole_months
from xl_milestones.core.money import ZERO, round_money, rounded_for_a_cell
from xl_milestones.core.schema import DEFAULT_LATE_INTEREST_MARGIN, LATE_INTEREST_REGIMES

ONE: Final = Decimal(1)
TWELVE: Final = Decimal(12)
DAYS_365: Final = Decimal(365)
DAYS_360: Final = Decimal(360)
# UK fixed compensation bands (Late Payment of Commercial Debts Act 1998, s.5A): (below, amount).
UK_COMPENSATION: Final = ((Decimal(1000), Decimal(40)), (Decimal(10000), Decimal(70)))
UK_COMPENSATION_TOP: Final = Decimal(100)
EU_COMPENSATION: Final = Decimal(40)


def annual_rate(regime: str, reference_rate: Decimal, margin: Decimal | None = None) -> Decimal:
    """Reference rate plus margin; a blank margin takes the regime's statutory one."""
    if regime not in LATE_INTEREST_REGIMES:
        raise ValueError(f"unknown late interest regime {regime!r}")
    if margin is None:
        margin = DEFAULT_LATE_INTEREST_MARGIN[regime]
    return reference_rate + margin


def interest_for_days(
    amount: Decimal, days: int, regime: str, rate: Decimal, start: date
) -> Decimal:
    """Unrounded interest on ``amount`` for ``days`` days from ``start`` at annual ``rate``.

    ``start`` matters only for fidic, whose whole calendar months are counted from it.
    """
    if days <= 0 or regime == "none" or amount <= 0:
        return ZERO
    if regime in ("uk", "eu"):
        return amount * rate * days / DAYS_365
    if regime == "us":
        if days <= 30:
            return amount * rate * days / DAYS_360
        periods, left = divmod(days, 30)
        return amount * (ONE + rate / TWELVE) ** periods * (ONE + rate * left / DAYS_360) - amount
    if regime == "fidic":
        months, left = whole_months(start, start + timedelta(days=days))
        return amount * (ONE + rate / TWELVE) ** months * (ONE + rate * left / DAYS_365) - amount
    raise ValueError(f"unknown late interest regime {regime!r}")


def fixed_compensation(regime: str, amount_due: Decimal) -> Decimal:
    """The once-per-late-milestone fixed sum: uk 40/70/100 by amount_due, eu 40, others 0."""
    if regime == "uk":
        for below, fixed in UK_COMPENSATION:
            if amount_due < below:
                return fixed
        return UK_COMPENSATION_TOP
    if regime == "eu":
        return EU_COMPENSATION
    return ZERO


@dataclass(frozen=True, slots=True)
class LatePart:
    """A part of amount_due that was paid late (``paid_date``) or is still unpaid (None)."""

    amount: Decimal
    paid_date: date | None
    days: int


def late_parts(
    amount_due: Decimal,
    due_date: date,
    payments: Iterable[tuple[date, Decimal]],
    as_of: date,
    unpaid: Decimal | None = None,
) -> list[LatePart]:
    """Split amount_due into the parts that bear interest.

    Payments (date, amount) are applied to amount_due in date order; a payment on or before the
    due date bears none; a payment after it bears interest for its days late; what is still unpaid
    at ``as_of`` bears interest up to ``as_of``. Overpayment beyond amount_due is ignored.
    ``unpaid``, when given, is that last part: the outstanding amount as the milestone shows it
    (amount due less the paid amount rounded), so that 999.996 paid on 1,000.00 leaves nothing
    unpaid, where the payments as typed leave 0.004.
    """
    parts: list[LatePart] = []
    left = amount_due
    for paid_date, paid in sorted(payments, key=lambda p: p[0]):
        if left <= 0:
            break
        applied = min(paid, left)
        if applied <= 0:
            continue
        left -= applied
        if paid_date > due_date:
            parts.append(LatePart(applied, paid_date, (paid_date - due_date).days))
    if unpaid is not None:
        left = unpaid
    if left > 0 and as_of > due_date:
        parts.append(LatePart(left, None, (as_of - due_date).days))
    return parts


def interest_on_parts(
    parts: Sequence[LatePart],
    amount_due: Decimal,
    due_date: date,
    regime: str,
    rate: Decimal,
    currency: str | None,
) -> Decimal:
    """Interest on every late part, plus the fixed compensation once when any part is late,
    summed and rounded once."""
    if regime == "none" or not parts:
        return round_money(ZERO, currency)
    total = sum((interest_for_days(p.amount, p.days, regime, rate, due_date) for p in parts), ZERO)
    total += fixed_compensation(regime, amount_due)
    # Compounded over decades at a high rate, interest can pass what a cell holds (and what the
    # decimal context can round): said, not rounded into an error or shown altered.
    return rounded_for_a_cell(total, currency)


def late_interest(
    amount: Decimal,
    due_date: date,
    paid_date: date,
    regime: str,
    rate: Decimal,
    margin: Decimal | None = None,
    currency: str | None = None,
    compensation: bool = True,
) -> Decimal:
    """Late-payment interest on one amount due on ``due_date`` and paid on ``paid_date`` (or
    still unpaid on that date), rounded to the currency's minor unit.

    ``rate`` is the reference rate; ``margin`` is added (blank: the regime's statutory margin).
    With ``compensation`` the uk/eu fixed sum is added when the amount is late. Example, uk:
    10,000.00 paid 30 days late at 5% + 8%: 10000 x 0.13 x 30 / 365 = 106.85 + 100 = 206.85.
    """
    days = (paid_date - due_date).days
    if days <= 0 or amount <= 0:
        return round_money(ZERO, currency)
    yearly = annual_rate(regime, rate, margin)
    value = interest_for_days(amount, days, regime, yearly, due_date)
    if compensation:
        value += fixed_compensation(regime, amount)
    return rounded_for_a_cell(value, currency)
