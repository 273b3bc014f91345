"""Late-payment interest (RULES.md section 3), each regime with a worked example."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import contract, invoice, milestone, model, settings, signoff
from xl_milestones.core.engine import compute
from xl_milestones.core.interest import (
    annual_rate,
    fixed_compensation,
    interest_on_parts,
    late_interest,
    late_parts,
)
from xl_milestones.core.money import AmountTooLarge

D = Decimal


@pytest.mark.parametrize(
    ("regime", "ref", "margin", "paid", "expected"),
    [
        # uk: 10,000 x (5% + 8%) x 30 / 365 = 106.849... -> 106.85, + 100 (>= 10,000) = 206.85
        ("uk", "0.05", None, date(2026, 4, 30), "206.85"),
        # eu: 10,000 x 0.13 x 30 / 365 = 106.85, + 40 = 146.85
        ("eu", "0.05", None, date(2026, 4, 30), "146.85"),
        # us, 20 days (<= 30): 10,000 x 6% x 20 / 360 = 33.333... -> 33.33 (us margin 0)
        ("us", "0.06", None, date(2026, 4, 20), "33.33"),
        # us beyond 30 days, 75 days = 2 whole 30-day periods + 15 days:
        # 10,000 x (1 + 0.06/12)^2 x (1 + 0.06 x 15/360) - 10,000
        # = 10,000 x 1.010025 x 1.0025 - 10,000 = 125.500625 -> 125.50
        ("us", "0.06", None, date(2026, 6, 14), "125.50"),
        # us at exactly 30 days: both formulas agree, 10,000 x 0.06 / 12 = 50.00
        ("us", "0.06", None, date(2026, 4, 30), "50.00"),
        # none: 0
        ("none", "0.05", None, date(2026, 6, 14), "0.00"),
        # a margin given replaces the statutory one: uk 5% + 2% = 7%: 10,000 x 0.07 x 30/365
        # = 57.534... -> 57.53 + 100 = 157.53
        ("uk", "0.05", "0.02", date(2026, 4, 30), "157.53"),
        # paid on the due date: nothing
        ("uk", "0.05", None, date(2026, 3, 31), "0.00"),
    ],
)
def test_late_interest_regimes(
    regime: str, ref: str, margin: str | None, paid: date, expected: str
) -> None:
    due = date(2026, 3, 31)
    got = late_interest(
        D(10000), due, paid, regime, D(ref), D(margin) if margin else None, currency="EUR"
    )
    assert got == D(expected)


def test_fidic_whole_calendar_months() -> None:
    # Due 15 Jan, paid 20 Mar 2026: 2 whole calendar months (to 15 Mar) + 5 days.
    # r = 5% + 3% (fidic margin) = 8%:
    # 10,000 x (1 + 0.08/12)^2 x (1 + 0.08 x 5/365) - 10,000
    # = 10,000 x 1.0133778 x 1.0010959 - 10,000 = 144.883 -> 144.88 (no fixed sum)
    got = late_interest(D(10000), date(2026, 1, 15), date(2026, 3, 20), "fidic", D("0.05"))
    assert got == D("144.88")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("999.99", 40), ("1000", 70), ("9999.99", 70), ("10000", 100), ("250000", 100)],
)
def test_uk_fixed_compensation_bands(amount: str, expected: int) -> None:
    assert fixed_compensation("uk", D(amount)) == D(expected)
    assert fixed_compensation("eu", D(amount)) == D(40)
    assert fixed_compensation("us", D(amount)) == D(0)


def test_annual_rate_defaults() -> None:
    assert annual_rate("uk", D("0.05")) == D("0.13")
    assert annual_rate("fidic", D("0.05")) == D("0.08")
    assert annual_rate("us", D("0.05")) == D("0.05")
    with pytest.raises(ValueError, match="regime"):
        annual_rate("mars", D(0))


def test_partial_payments_one_on_time_one_late() -> None:
    # 12,000 due 30 Apr. 5,000 paid 20 Apr (on time: no interest); 7,000 paid 20 May
    # (20 days late). eu, 4% + 8% = 12%: 7,000 x 0.12 x 20/365 = 46.027 + 40 = 86.03.
    parts = late_parts(
        D(12000),
        date(2026, 4, 30),
        [(date(2026, 5, 20), D(7000)), (date(2026, 4, 20), D(5000))],
        as_of=date(2026, 6, 30),
    )
    assert [(p.amount, p.days) for p in parts] == [(D(7000), 20)]
    got = interest_on_parts(parts, D(12000), date(2026, 4, 30), "eu", D("0.12"), "EUR")
    assert got == D("86.03")


def test_unpaid_remainder_runs_to_as_of() -> None:
    # 1,000 due 31 Mar; 400 paid 10 Apr (10 days late), 600 unpaid at as_of 30 Apr (30 days).
    # uk 13%: 400 x 0.13 x 10/365 = 1.4247 + 600 x 0.13 x 30/365 = 6.4110 -> 7.8356;
    # + 70 (1,000 is not below 1,000) = 77.84 (rounded once, on the sum).
    parts = late_parts(D(1000), date(2026, 3, 31), [(date(2026, 4, 10), D(400))], date(2026, 4, 30))
    assert [(p.amount, p.paid_date, p.days) for p in parts] == [
        (D(400), date(2026, 4, 10), 10),
        (D(600), None, 30),
    ]
    assert interest_on_parts(parts, D(1000), date(2026, 3, 31), "uk", D("0.13"), "GBP") == D(
        "77.84"
    )


def test_overpayment_is_not_interest_bearing() -> None:
    parts = late_parts(D(100), date(2026, 3, 31), [(date(2026, 4, 10), D(150))], date(2026, 5, 1))
    assert [(p.amount, p.days) for p in parts] == [(D(100), 10)]


def test_engine_partial_payments_and_interest() -> None:
    # Fixed 12,000, VAT 0, signed off 31 Mar 2026; terms 30 days after sign-off: due 30 Apr
    # (Thursday). Invoice paid 5,000 on 20 Apr and 7,000 on 20 May. eu at 4% + 8%:
    # 86.03 as above. as_of 30 Jun: Paid.
    m = model(
        contracts=[contract(payment_terms_basis="after_signoff")],
        milestones=[
            milestone(actual_date=date(2026, 3, 31), payment_basis="fixed", payment_amount=D(12000))
        ],
        signoffs=[signoff(decision_date=date(2026, 3, 31))],
        invoices=[
            invoice(
                "I-1",
                invoice_date=date(2026, 4, 1),
                invoice_amount=5000,
                paid_date=date(2026, 4, 20),
                paid_amount=5000,
            ),
            invoice(
                "I-2",
                invoice_date=date(2026, 4, 1),
                invoice_amount=7000,
                paid_date=date(2026, 5, 20),
                paid_amount=7000,
            ),
        ],
        settings=settings(late_interest_regime="eu", late_interest_reference_rate=D("0.04")),
    )
    r = compute(m, date(2026, 6, 30)).milestones[0]
    assert r.values["payment_due_date"] == date(2026, 4, 30)
    assert r.values["payment_status"] == "Paid"
    assert r.values["late_interest"] == D("86.03")
    assert r.payment_explanation == "Paid: 12,000.00 EUR paid in full; late interest 86.03 EUR."


def test_engine_overdue_explanation() -> None:
    # 1,234.00 due 30 Apr (after sign-off 31 Mar + 30), unpaid at 12 May: 12 days overdue.
    # uk 5% + 8%: 1,234 x 0.13 x 12/365 = 5.274 + 70 = 75.27.
    m = model(
        contracts=[contract(payment_terms_basis="after_signoff")],
        milestones=[
            milestone(actual_date=date(2026, 3, 31), payment_basis="fixed", payment_amount=D(1234))
        ],
        signoffs=[signoff(decision_date=date(2026, 3, 31))],
        settings=settings(late_interest_regime="uk", late_interest_reference_rate=D("0.05")),
    )
    r = compute(m, date(2026, 5, 12)).milestones[0]
    assert r.values["late_interest"] == D("75.27")
    assert r.payment_explanation == (
        "Overdue: 1,234.00 EUR due 2026-04-30, 12 days overdue; late interest 75.27 EUR."
    )


def test_interest_too_large_for_a_cell_is_blank_and_said() -> None:
    # fidic at 90% + 3%, compounded monthly for 49 years on 1,000,000,000: about 1e28, past
    # what a cell shows (and what the decimal context can round to the cent).
    m = model(
        contracts=[contract(payment_terms_basis="after_signoff", original_value=D(10**9))],
        milestones=[
            milestone(actual_date=date(1977, 3, 31), payment_basis="fixed", payment_amount=D(10**9))
        ],
        signoffs=[signoff(decision_date=date(1977, 3, 31))],
        settings=settings(late_interest_regime="fidic", late_interest_reference_rate=D("0.9")),
    )
    out = compute(m, date(2026, 5, 12))
    r = out.milestones[0]
    assert r.values["payment_status"] == "Overdue"
    assert r.values["late_interest"] is None
    assert "late interest too large to show (see Validation)" in r.payment_explanation
    (warning,) = [i for i in out.issues if i.code == "late-interest-too-large"]
    assert (warning.sheet, warning.row, warning.column) == ("Milestones", r.row, "Late Interest")
    assert warning.message.startswith("Milestone M-1's late-payment interest comes to 1.")
    with pytest.raises(AmountTooLarge):
        late_interest(D(10**9), date(1977, 4, 30), date(2026, 5, 12), "fidic", D("0.9"))
    # Below 10^15 but 16 significant digits once rounded (a cell would show ...028.8): refused
    # too; 15 digits are a number.
    with pytest.raises(AmountTooLarge):
        late_interest(D(123456789012345), date(2026, 1, 1), date(2026, 1, 31), "us", D(1), D(0))
    fits = late_interest(D(12345678901234), date(2026, 1, 1), date(2026, 1, 31), "us", D(1), D(0))
    assert fits == D("1028806575102.83")
