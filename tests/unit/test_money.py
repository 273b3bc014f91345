"""Money rounding: half away from zero to the currency's minor unit."""

from decimal import Decimal

import pytest

from xl_milestones.core.money import format_money, minor_units, round_money, to_decimal

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),  # tie rounds away from zero, not to even (2.34)
        ("-2.345", "EUR", "-2.35"),  # and away from zero for negatives too
        ("2.344999", "EUR", "2.34"),
        ("1234.5", "JPY", "1235"),  # JPY has no minor unit
        ("1234.4", "KRW", "1234"),
        ("1.2345", "KWD", "1.235"),  # 3 decimals
        ("1.005", "XYZ", "1.01"),  # unknown currency: 2 decimals
        ("1.005", None, "1.01"),
        ("0.125", "usd", "0.13"),  # code case does not matter
    ],
)
def test_round_money(amount: str, currency: str | None, expected: str) -> None:
    result = round_money(D(amount), currency)
    assert result == D(expected)
    assert str(result) == expected  # exponent is the currency's: "1235", not "1.235E+3"


def test_minor_units() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("BHD"), minor_units("")) == (
        2,
        0,
        3,
        2,
    )


def test_to_decimal_goes_through_str_for_floats() -> None:
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(3) == D(3)
    with pytest.raises(TypeError):
        to_decimal(True)


def test_format_money() -> None:
    assert format_money(D("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(D("1234567"), "JPY") == "1,234,567 JPY"
