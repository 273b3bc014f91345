"""Payments (RULES.md section 2): values, deductions in certification order, VAT, due dates and
payment status; each with a worked example."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import change, contract, holiday, invoice, milestone, model, settings, signoff
from xl_milestones.core.engine import compute
from xl_milestones.core.payments import payment_status

D = Decimal
AS_OF = date(2026, 6, 30)


def signed(mid: str, when: date, actual: date | None = None, **kw):  # type: ignore[no-untyped-def]
    """A milestone completed ``actual`` (default: its signoff date) and signed off on ``when``."""
    return (
        milestone(mid, actual_date=actual or when, **kw),
        signoff(mid, name=f"Approver {mid}", decision_date=when),
    )


def run(contracts, pairs, as_of=AS_OF, **kw):  # type: ignore[no-untyped-def]
    ms = [p[0] for p in pairs]
    sos = [p[1] for p in pairs if p[1] is not None]
    out = compute(model(contracts=contracts, milestones=ms, signoffs=sos, **kw), as_of)
    return {r.milestone_id: r.values for r in out.milestones}


def unsigned(mid: str, **kw):  # type: ignore[no-untyped-def]
    return (milestone(mid, **kw), None)


def test_change_order_extends_a_milestone_and_changes_its_value() -> None:
    # Contract 100,000. M-1: 30% of the percent base, baseline 31 Mar.
    # CO-1 (approved, names M-1): +10 days, +2,500. CO-2 (approved, contract-wide): +5 days,
    # +10,000 -> percent base 110,000. CO-3 proposed: ignored.
    # revised = 31 Mar + 15 = 15 Apr; value = round(0.30 x 110,000) + 2,500 = 35,500.00.
    # Completed 20 Apr, 5 days late; delay damages 0.1%/day: 0.001 x 35,500 x 5 = 177.50.
    c = contract(delay_damages_rate=D("0.001"))
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 4, 22),
                date(2026, 4, 20),
                payment_basis="percent",
                payment_percent=D("0.30"),
            )
        ],
        change_orders=[
            change("CO-1", value_change=2500, extension_days=10),
            change("CO-2", milestone_id=None, value_change=10000, extension_days=5),
            change("CO-3", value_change=99999, extension_days=100, change_status="proposed"),
        ],
    )["M-1"]
    assert v["revised_date"] == date(2026, 4, 15)
    assert v["milestone_value"] == D("35500.00")
    assert v["days_late"] == 5
    assert v["delay_damages"] == D("177.50")
    assert v["net_amount"] == D("35322.50")


def test_fixed_value_is_rounded_to_the_currency() -> None:
    # JPY has no minor unit: 1,000,000.6 -> 1,000,001.
    c = contract(currency="JPY")
    v = run([c], [unsigned("M-1", payment_basis="fixed", payment_amount=D("1000000.6"))])["M-1"]
    assert v["milestone_value"] == D(1000001)
    assert v["payment_status"] == "Not payable"
    assert v["amount_due"] is None


def test_retention_limit_reached_part_way_and_the_release() -> None:
    # Contract 100,000, retention 10%, limit 5% of revised value = 5,000.
    # Three fixed milestones of 20,000 signed off in order:
    #   M-1: 10% x 20,000 = 2,000 (taken 2,000)
    #   M-2: 2,000 (taken 4,000)
    #   M-3: min(2,000, 5,000 - 4,000) = 1,000 -> the limit is reached part-way.
    # M-4 releases 100% of the retention all of them carry = 5,000, with no deductions.
    c = contract(retention_rate=D("0.10"), retention_limit=D("0.05"))
    v = run(
        [c],
        [
            signed("M-1", date(2026, 4, 1), payment_basis="fixed", payment_amount=D(20000)),
            signed("M-2", date(2026, 4, 2), payment_basis="fixed", payment_amount=D(20000)),
            signed("M-3", date(2026, 4, 3), payment_basis="fixed", payment_amount=D(20000)),
            signed(
                "M-4", date(2026, 4, 4), payment_basis="retention_release", payment_percent=D(1)
            ),
        ],
    )
    assert [v[m]["retention_amount"] for m in ("M-1", "M-2", "M-3")] == [
        D("2000.00"),
        D("2000.00"),
        D("1000.00"),
    ]
    assert v["M-3"]["net_amount"] == D("19000.00")
    assert v["M-4"]["milestone_value"] == D("5000.00")
    assert v["M-4"]["retention_amount"] == D("0.00")
    assert v["M-4"]["net_amount"] == D("5000.00")


def test_retention_release_value_counts_uncertified_milestones() -> None:
    # The release is a share of the retention the contract will hold once all its percent and
    # fixed milestones are certified (baseline order), not of what is held today:
    # 5% x (40,000 + 60,000) = 5,000; a 50% release = 2,500 even though nothing is signed off.
    c = contract(retention_rate=D("0.05"))
    v = run(
        [c],
        [
            unsigned("M-1", payment_basis="fixed", payment_amount=D(40000)),
            unsigned("M-2", payment_basis="fixed", payment_amount=D(60000)),
            unsigned("M-3", payment_basis="fixed", payment_amount=D(9999), cancelled=True),
            unsigned("M-4", payment_basis="retention_release", payment_percent=D("0.5")),
        ],
    )
    assert v["M-4"]["milestone_value"] == D("2500.00")


def test_advance_recovery_threshold_crossed_inside_one_milestone() -> None:
    # Contract 100,000; advance 20,000; threshold 10% (10,000); rate 25%.
    # M-1  5% =  5,000: cumulative  5,000, not above 10,000 -> recovers 0.
    # M-2 20% = 20,000: cumulative 25,000 crosses 10,000 inside M-2 -> recovers 25% x 20,000
    #                    = 5,000 (the whole milestone value counts, FIDIC 14.2 style).
    # M-3 30% = 30,000: 7,500 (outstanding 15,000 -> 7,500 after).
    # M-4 45% = 45,000: the contract's last milestone recovers all still outstanding: 7,500.
    c = contract(advance_amount=D(20000))
    pairs = [
        signed(
            "M-1",
            date(2026, 4, 1),
            payment_basis="percent",
            payment_percent=D("0.05"),
            baseline_date=date(2026, 3, 1),
        ),
        signed(
            "M-2",
            date(2026, 4, 2),
            payment_basis="percent",
            payment_percent=D("0.20"),
            baseline_date=date(2026, 4, 1),
        ),
        signed(
            "M-3",
            date(2026, 4, 3),
            payment_basis="percent",
            payment_percent=D("0.30"),
            baseline_date=date(2026, 5, 1),
        ),
        signed(
            "M-4",
            date(2026, 6, 1),
            payment_basis="percent",
            payment_percent=D("0.45"),
            baseline_date=date(2026, 6, 1),
        ),
    ]
    v = run([c], pairs)
    assert [v[m]["advance_recovery"] for m in ("M-1", "M-2", "M-3", "M-4")] == [
        D("0.00"),
        D("5000.00"),
        D("7500.00"),
        D("7500.00"),
    ]
    out = compute(
        model(contracts=[c], milestones=[p[0] for p in pairs], signoffs=[p[1] for p in pairs]),
        AS_OF,
    )
    assert out.dashboard["advance_outstanding"] == D("0.00")


def test_advance_recovery_never_exceeds_what_is_left() -> None:
    # Advance 30,000, rate 100%: M-1 (20,000, crosses the threshold) recovers all of its value,
    # 20,000, not 30,000, so its net is 0, never negative.
    c = contract(advance_amount=D(30000), advance_recovery_rate=D(1))
    v = run(
        [c],
        [
            signed("M-1", date(2026, 4, 1), payment_basis="fixed", payment_amount=D(20000)),
            unsigned(
                "M-2",
                payment_basis="fixed",
                payment_amount=D(80000),
                baseline_date=date(2026, 9, 30),
            ),
        ],
    )
    assert v["M-1"]["advance_recovery"] == D("20000.00")
    assert v["M-1"]["net_amount"] == D("0.00")


def test_delay_damages_cap_shared_across_late_milestones() -> None:
    # Contract 100,000; damages 0.1% per day; cap 5% = 5,000 for the whole contract.
    # M-1: 50,000, 40 days late (revised 31 Mar, done 10 May): 0.001 x 50,000 x 40 = 2,000.
    # M-2: 50,000, 80 days late (done 19 Jun): 4,000, but only 5,000 - 2,000 = 3,000 is left.
    # M-3: 10,000, not done, 91 days late at 30 Jun: 910 accrued, but the cap is used up -> 0.
    c = contract(delay_damages_rate=D("0.001"), delay_damages_cap=D("0.05"))
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 5, 12),
                date(2026, 5, 10),
                payment_basis="fixed",
                payment_amount=D(50000),
            ),
            signed(
                "M-2",
                date(2026, 6, 20),
                date(2026, 6, 19),
                payment_basis="fixed",
                payment_amount=D(50000),
            ),
            unsigned("M-3", payment_basis="fixed", payment_amount=D(10000)),
        ],
    )
    assert v["M-1"]["delay_damages"] == D("2000.00")
    assert v["M-2"]["delay_damages"] == D("3000.00")
    assert v["M-3"]["delay_damages"] == D("0.00")


def test_delay_damages_accrued_on_an_unpaid_milestone() -> None:
    # Not signed off, 30 days late at as_of 30 Apr (revised 31 Mar): 0.001 x 10,000 x 30 = 300
    # accrued (exposure), not deducted: net and amount due stay blank.
    c = contract(delay_damages_rate=D("0.001"))
    v = run(
        [c],
        [unsigned("M-1", payment_basis="fixed", payment_amount=D(10000))],
        as_of=date(2026, 4, 30),
    )["M-1"]
    assert v["delay_damages"] == D("300.00")
    assert v["net_amount"] is None
    # A cancelled milestone accrues nothing.
    v = run(
        [c],
        [unsigned("M-1", payment_basis="fixed", payment_amount=D(10000), cancelled=True)],
        as_of=date(2026, 4, 30),
    )["M-1"]
    assert v["delay_damages"] == D("0.00")


def test_vat_and_amount_due() -> None:
    # 10,000 - 5% retention 500 = 9,500 net; VAT 20% = 1,900; amount due 11,400.
    c = contract(retention_rate=D("0.05"), vat_rate=D("0.20"))
    v = run([c], [signed("M-1", date(2026, 4, 1), payment_basis="fixed", payment_amount=D(10000))])[
        "M-1"
    ]
    assert (v["net_amount"], v["vat_amount"], v["amount_due"]) == (
        D("9500.00"),
        D("1900.00"),
        D("11400.00"),
    )


def test_certification_order_is_signoff_date_not_row() -> None:
    # Limit 1,000 total retention at 10%: M-2 is signed off first (1 Apr), so it takes 1,000 of
    # its 10,000 x 10%; M-1 (signed 5 Apr) finds the limit used up. Row order does not matter.
    c = contract(retention_rate=D("0.10"), retention_limit=D("0.01"))
    v = run(
        [c],
        [
            signed("M-1", date(2026, 4, 5), payment_basis="fixed", payment_amount=D(10000)),
            signed("M-2", date(2026, 4, 1), payment_basis="fixed", payment_amount=D(10000)),
        ],
    )
    assert (v["M-1"]["retention_amount"], v["M-2"]["retention_amount"]) == (
        D("0.00"),
        D("1000.00"),
    )


def test_end_of_month_payment_term_from_15_february() -> None:
    # Invoice 15 Feb 2026, terms 30 days end of month: 28 Feb + 30 = 30 Mar 2026 (a Monday).
    c = contract(payment_terms_basis="eom_after_invoice", payment_terms_days=30)
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 2, 20),
                date(2026, 2, 10),
                payment_basis="fixed",
                payment_amount=D(1000),
                baseline_date=date(2026, 2, 10),
            )
        ],
        as_of=date(2026, 3, 10),
        invoices=[invoice("INV-1", invoice_date=date(2026, 2, 15), invoice_amount=1000)],
    )["M-1"]
    assert v["payment_due_date"] == date(2026, 3, 30)
    assert v["payment_status"] == "Not yet due"


def test_holiday_on_the_due_date() -> None:
    # Signed off 2 Mar 2026 + 30 days = Wed 1 Apr, a company holiday: following -> Thu 2 Apr.
    c = contract(payment_terms_basis="after_signoff")
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 3, 2),
                payment_basis="fixed",
                payment_amount=D(1000),
                baseline_date=date(2026, 3, 2),
            )
        ],
        holidays=[holiday(date(2026, 4, 1))],
    )["M-1"]
    assert v["payment_due_date"] == date(2026, 4, 2)


def test_modified_following_across_a_month_end() -> None:
    # Signed off 1 Jan 2026 + 30 = Sat 31 Jan. following would give Mon 2 Feb (next month),
    # so modified_following goes back to Fri 30 Jan.
    c = contract(payment_terms_basis="after_signoff")
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 1, 1),
                payment_basis="fixed",
                payment_amount=D(1000),
                baseline_date=date(2026, 1, 1),
            )
        ],
        settings=settings(business_day_convention="modified_following"),
    )["M-1"]
    assert v["payment_due_date"] == date(2026, 1, 30)


def test_country_public_holiday_moves_the_due_date() -> None:
    # Signed off 25 Nov 2026 + 30 = Fri 25 Dec, Christmas in GB; Mon 28 Dec is the Boxing Day
    # substitute: following -> Tue 29 Dec.
    c = contract(payment_terms_basis="after_signoff")
    v = run(
        [c],
        [
            signed(
                "M-1",
                date(2026, 11, 25),
                payment_basis="fixed",
                payment_amount=D(1000),
                baseline_date=date(2026, 11, 25),
            )
        ],
        as_of=date(2026, 12, 1),
        settings=settings(holiday_country="GB"),
    )["M-1"]
    assert v["payment_due_date"] == date(2026, 12, 29)


def test_payment_statuses_through_the_engine() -> None:
    # All 1,000 fixed, signed off 1 Apr; terms 30 days after invoice. as_of 30 Jun.
    pairs = [
        signed(m, date(2026, 4, 1), payment_basis="fixed", payment_amount=D(1000))
        for m in ("A", "B", "C", "D", "E")
    ]
    invoices = [
        invoice("I-B", "B", date(2026, 6, 1), 1000, date(2026, 6, 15), 1000),  # paid in full
        invoice("I-C", "C", date(2026, 5, 1), 1000),  # see below
        invoice("I-D", "D", date(2026, 6, 10), 1000, date(2026, 6, 20), 400),  # part paid
        invoice("I-E", "E", date(2026, 6, 20), 1000),  # due 20 Jul: not yet due
        invoice("I-F", "E", date(2026, 7, 5), 1000),  # dated after as_of: not counted
    ]
    v = run([contract()], pairs, invoices=invoices)
    assert v["A"]["payment_status"] == "Awaiting invoice"
    assert v["A"]["payment_due_date"] is None
    assert (v["B"]["payment_status"], v["B"]["outstanding_amount"]) == ("Paid", D("0.00"))
    # C: invoiced 1 May + 30 = Sun 31 May -> following -> Mon 1 Jun; 30 Jun - 1 Jun = 29 days.
    assert v["C"]["payment_due_date"] == date(2026, 6, 1)
    assert (v["C"]["payment_status"], v["C"]["days_overdue"]) == ("Overdue", 29)
    assert (v["D"]["payment_status"], v["D"]["outstanding_amount"]) == ("Part paid", D("600.00"))
    assert v["E"]["payment_status"] == "Not yet due"
    assert v["E"]["payment_due_date"] == date(2026, 7, 20)


def test_overpaid_milestone_is_a_warning() -> None:
    out = compute(
        model(
            milestones=[
                milestone(
                    actual_date=date(2026, 4, 1), payment_basis="fixed", payment_amount=D(1000)
                )
            ],
            signoffs=[signoff()],
            invoices=[
                invoice("I-1", invoice_amount=1200, paid_date=date(2026, 4, 20), paid_amount=1200)
            ],
        ),
        AS_OF,
    )
    v = out.milestones[0].values
    assert (v["outstanding_amount"], v["payment_status"]) == (D("-200.00"), "Paid")
    (warning,) = out.issues
    assert (warning.code, warning.sheet, warning.column) == (
        "overpaid",
        "Milestones",
        "Outstanding",
    )
    assert warning.row == out.milestones[0].row


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((False, True, False, D(5), D(0), None), "Not payable"),
        ((True, True, False, D(5), D(0), None), "Awaiting invoice"),
        ((True, False, False, D(0), D(5), date(2026, 1, 1)), "Paid"),
        ((True, False, False, D(5), D(1), date(2026, 6, 29)), "Overdue"),
        ((True, False, False, D(5), D(1), date(2026, 6, 30)), "Part paid"),  # due today
        ((True, False, False, D(5), D(0), date(2026, 7, 1)), "Not yet due"),
    ],
)
def test_payment_status_ladder(args: tuple[object, ...], expected: str) -> None:
    assert payment_status(*args, as_of=AS_OF) == expected  # type: ignore[arg-type]


def test_none_basis_has_no_money() -> None:
    v = run([contract()], [signed("M-1", date(2026, 4, 1))])["M-1"]
    assert v["milestone_value"] is None
    assert v["amount_due"] is None
    assert v["payment_status"] == "Not payable"


def test_a_value_taken_below_zero_is_a_credit_not_an_overpayment() -> None:
    # Fixed 1,000 with an approved change of -1,500: value -500.00, no deduction, no VAT:
    # amount due -500.00, nothing paid: outstanding -500.00 (Paid: nothing is owed on it, as
    # RULES.md has it for an outstanding amount of 0 or less); said as a credit.
    out = compute(
        model(
            milestones=[
                milestone(
                    actual_date=date(2026, 4, 1), payment_basis="fixed", payment_amount=D(1000)
                )
            ],
            contracts=[contract(payment_terms_basis="after_signoff")],
            signoffs=[signoff()],
            change_orders=[change("CO-1", value_change=-1500)],
        ),
        AS_OF,
    )
    v = out.milestones[0].values
    assert (v["milestone_value"], v["amount_due"]) == (D("-500.00"), D("-500.00"))
    assert (v["outstanding_amount"], v["payment_status"]) == (D("-500.00"), "Paid")
    (warning,) = out.issues
    assert (warning.code, warning.column) == ("negative-amount-due", "Amount Due")
    assert warning.message == (
        "Milestone M-1 has an amount due of -500.00 EUR: its change orders take its value below "
        "zero (-500.00 EUR), a credit rather than a payment, and -500.00 EUR is outstanding. "
        "Check the Value Change of the change orders naming it, or of the contract's changes "
        "for a percent milestone."
    )
