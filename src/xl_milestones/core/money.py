"""Decimal money: rounding half away from zero to a currency's minor unit, and display.

The one rounding helper of the core (RULES.md: each output is rounded once, at the end of its own
formula). Minor units come from ISO 4217 (``currencies.MINOR_UNITS``); an unknown code gets 2.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from xl_milestones.core.currencies import MINOR_UNITS

ZERO: Final = Decimal(0)
DEFAULT_MINOR_UNITS: Final = 2
# Amounts past Excel's 15 significant digits are not amounts anyone typed (a damaged cell holds
# 1e308), no cell shows one to the cent, and past the decimal context's 28 digits one cannot
# even be rounded to a currency's minor unit.
LARGEST_AMOUNT: Final = Decimal("1e15")


EXCEL_DIGITS: Final = 15  # significant digits a cell keeps


class AmountTooLarge(ArithmeticError):
    """A computed amount no cell could show to the cent (``rounded_for_a_cell``)."""

    def __init__(self, amount: Decimal) -> None:
        super().__init__(f"{amount:.6g} is too large for a cell")
        self.amount = amount


def rounded_for_a_cell(amount: Decimal, currency: str | None) -> Decimal:
    """``round_money``, for an amount computed from others that may outgrow a cell (interest
    compounded over decades): AmountTooLarge when it reaches LARGEST_AMOUNT (checked first:
    past the decimal context's digits it cannot be rounded at all) or, rounded, has more
    significant digits than a cell keeps (it would show altered)."""
    if abs(amount) >= LARGEST_AMOUNT:
        raise AmountTooLarge(amount)
    rounded = round_money(amount, currency)
    if len(rounded.as_tuple().digits) > EXCEL_DIGITS:
        raise AmountTooLarge(amount)
    return rounded


def minor_units(currency: str | None) -> int:
    """Decimal places of a currency: 2 for EUR, 0 for JPY, 3 for KWD; 2 when unknown or blank."""
    if not currency:
        return DEFAULT_MINOR_UNITS
    return MINOR_UNITS.get(currency.strip().upper(), DEFAULT_MINOR_UNITS)


_QUANTA: dict[str | None, Decimal] = {}


def quantum(currency: str | None) -> Decimal:
    """The smallest amount of a currency as a Decimal exponent: ``0.01``, ``1``, ``0.001``."""
    q = _QUANTA.get(currency)
    if q is None:
        # Cached per spelling: the engine rounds hundreds of thousands of amounts.
        q = _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
    return q


def round_money(amount: Decimal, currency: str | None) -> Decimal:
    """Round half away from zero (Excel's ROUND) to the currency's minor unit.

    ``ROUND_HALF_UP`` in the decimal module rounds ties away from zero for negatives too
    (-2.345 -> -2.35), which is what Excel does. The rounding mode is passed explicitly so no
    decimal context is switched, and positionally: as a keyword it costs more than the rounding.
    """
    q = _QUANTA.get(currency)
    if q is None:
        q = quantum(currency)
    return amount.quantize(q, ROUND_HALF_UP)


_ZEROS: dict[str | None, Decimal] = {}


def zero(currency: str | None) -> Decimal:
    """Zero with the currency's decimals (``0.00``, ``0``, ``0.000``), cached."""
    z = _ZEROS.get(currency)
    if z is None:
        z = _ZEROS[currency] = round_money(ZERO, currency)
    return z


def to_decimal(value: object) -> Decimal:
    """A Decimal from an int, str, Decimal or float (floats through ``str`` so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not an amount")
    if isinstance(value, int | str):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    raise TypeError(f"not an amount: {value!r}")


_FORMATS: dict[str | None, tuple[Decimal, str, str]] = {}


def money_spec(currency: str | None) -> tuple[Decimal, str, str]:
    """How ``format_money`` shows a currency: its quantum, the format spec (``,.2f``) and the
    suffix (`` EUR``), cached per spelling for callers that format many amounts."""
    spec = _FORMATS.get(currency)
    if spec is None:
        places = minor_units(currency)
        spec = _FORMATS[currency] = (
            quantum(currency),
            f",.{places}f",
            f" {currency}" if currency else "",
        )
    return spec


def format_money(amount: Decimal, currency: str | None) -> str:
    """``1,234.50 EUR``: thousands separators, the currency's decimals, the code after."""
    q, pattern, suffix = _FORMATS.get(currency) or money_spec(currency)
    # The format spec rounds half-even, so round half away from zero first.
    return format(amount.quantize(q, ROUND_HALF_UP), pattern) + suffix
