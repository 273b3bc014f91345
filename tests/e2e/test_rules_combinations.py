"""RULES.md's payment rules in combination, each on a small workbook made from the template and
refreshed by the command line, its JSON and output sheets compared with figures worked out by
hand: a retention limit reached part-way in dinars, certified out of baseline order, with change
orders raising the value; an advance recovered in yen from a threshold to a last milestone
smaller than what is left; end-of-month terms over a year end and a Sunday 29 February under
every business-day convention; a part paid on time, a part late and a part unpaid under every
interest regime; advance recovery that goes on after a credit takes the certified value back
under its threshold. The helpers are those of test_rules_hand_computed.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from tests.e2e.test_rules_hand_computed import (
    approved,
    contract,
    invoice,
    milestone,
    money,
    r2,
    refresh,
)

from xl_milestones.cli import main

D = Decimal
d = dt.date
DEDUCTIONS = ("milestone_value", "retention_amount", "advance_recovery", "delay_damages")
DUE = ("net_amount", "vat_amount", "amount_due")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsm"
    assert main(["new", str(path)]) == 0
    return path


def done(milestone_id: str, contract_id: str, baseline: dt.date, **kw: object) -> dict[str, object]:
    """A milestone finished on its baseline date."""
    return milestone(milestone_id, contract_id, baseline_date=baseline, actual_date=baseline, **kw)


def change(change_id: str, milestone_id: str | None, value: object) -> dict[str, object]:
    return {
        "change_id": change_id,
        "contract_id": "C-1",
        "milestone_id": milestone_id,
        "description": "change",
        "value_change": value,
        "change_status": "approved",
        "approved_date": d(2026, 1, 10),
    }


def schedule_rows(tmp_path: Path) -> list[tuple[object, ...]]:
    """The refreshed Payment Schedule's rows below its header."""
    wb = openpyxl.load_workbook(tmp_path / "out.xlsm", data_only=True)
    return [row for row in wb["Payment Schedule"].iter_rows(min_row=2, values_only=True) if row[0]]


def test_dinar_retention_limit_reached_out_of_baseline_order_with_change_orders(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # KWD (3 decimals), original 10,000; CO-1 (no milestone) +1,234.567; CO-2 (M-3) +500.5.
    #   percent_base = 11,234.567; revised = 11,735.067; retention 7.5%, limit 5%:
    #   cap = round(0.05 * 11,735.067 = 586.75335) = 586.753
    #   M-1 25%: round(2,808.64175) = 2,808.642; retention round(210.64815) = 210.648
    #   M-2 35%: round(3,932.09845) = 3,932.098 (signed off 05-06, after M-3)
    #   M-3 40%: round(4,493.8268) = 4,493.827 + 500.500 = 4,994.327 (signed off 05-04)
    # Certification order M-1, M-3, M-2:
    #   M-3 retention min(round(374.574525) = 374.575, 586.753 - 210.648 = 376.105) = 374.575
    #   M-2 retention min(round(294.90735) = 294.907, 376.105 - 374.575 = 1.530)    = 1.530
    # VAT 5%: M-1 2,597.994 -> round(129.8997) = 129.900, due 2,727.894;
    #         M-2 3,930.568 -> round(196.5284) = 196.528, due 4,127.096;
    #         M-3 4,619.752 -> round(230.9876) = 230.988, due 4,850.740.
    # M-4 release 100%, in baseline order as if all certified: 210.648 + 294.907 + 81.198
    #   = 586.753 (the cap), whatever the certification order.
    # Dashboard in GBP at 2.6, as of 05-20 (each sum in KWD first, converted once):
    #   retention held 586.753 * 2.6 = 1,525.5578 -> 1,525.56;
    #   overdue M-1 (due 04-01) 2,727.894 * 2.6 = 7,092.5244 -> 7,092.52;
    #   due within 30 days M-2 (06-05) + M-3 (06-03) = 8,977.836 * 2.6 = 23,342.3736 -> 23,342.37.
    # Payment Schedule, KWD to GBP per month: Planned Apr 4,994.327 * 2.6 = 12,985.2502
    #   -> 12,985.25; Certified May (M-2 + M-3) 8,926.425 * 2.6 = 23,208.705 -> 23,208.71.
    assert (D("0.05") * D("11735.067")).quantize(D("0.001"), ROUND_HALF_UP) == D("586.753")
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    currency="KWD",
                    original_value=10000,
                    retention_rate=0.075,
                    retention_limit=0.05,
                    vat_rate=0.05,
                )
            ],
            "milestones": [
                done("M-1", c, d(2026, 2, 27), payment_basis="percent", payment_percent=0.25),
                done("M-2", c, d(2026, 3, 31), payment_basis="percent", payment_percent=0.35),
                done("M-3", c, d(2026, 4, 30), payment_basis="percent", payment_percent=0.40),
                milestone(
                    "M-4",
                    c,
                    baseline_date=d(2026, 9, 30),
                    payment_basis="retention_release",
                    payment_percent=1,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 3, 2)),
                approved("M-2", d(2026, 5, 6)),
                approved("M-3", d(2026, 5, 4)),
            ],
            "change_orders": [change("CO-1", None, 1234.567), change("CO-2", "M-3", 500.5)],
            "fx_rates": [{"currency": "KWD", "rate_to_reporting": 2.6}],
        },
        {"As Of Date": d(2026, 5, 20)},
    )
    ms = out["milestones"]
    got = {k: (ms[k]["milestone_value"], ms[k]["retention_amount"]) for k in ms}
    assert got == {
        "M-1": ("2808.642", "210.648"),
        "M-2": ("3932.098", "1.530"),
        "M-3": ("4994.327", "374.575"),
        "M-4": ("586.753", None),
    }
    assert [tuple(ms[k][f] for f in DUE) for k in ("M-1", "M-2", "M-3")] == [
        ("2597.994", "129.900", "2727.894"),
        ("3930.568", "196.528", "4127.096"),
        ("4619.752", "230.988", "4850.740"),
    ]
    amounts = out["totals"]["amounts"]
    assert (amounts["retention_held"], amounts["overdue"], amounts["due_30"]) == (
        "1525.56",
        "7092.52",
        "23342.37",
    )
    rows = {row[0]: row for row in schedule_rows(tmp_path)}
    # Planned Value (Reporting) is the 16th column, Certified Value (Reporting) the 18th.
    assert D(str(rows[dt.datetime(2026, 4, 1)][15])) == D("12985.25")
    assert D(str(rows[dt.datetime(2026, 5, 1)][17])) == D("23208.71")


def test_yen_advance_from_the_threshold_to_a_last_milestone_smaller_than_what_is_left(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # JPY (0 decimals), original 9,876,543; retention 5%; VAT 10%; advance 3,000,000 recovered
    # at 25% from above 20% of the original (1,975,308.6); 0.1% a day of damages, cap 1%
    # = round(98,765.43) = 98,765. Certified in baseline order:
    #   M-1 15%: round(1,481,481.45) = 1,481,481; cumulative 1,481,481, not above: 0;
    #       retention round(74,074.05) = 74,074; net 1,407,407; VAT round(140,740.7) = 140,741;
    #       due 1,548,148.
    #   M-2 20%: round(1,975,308.6) = 1,975,309; cumulative 3,456,790, above: recovery starts
    #       on its whole value, round(493,827.25) = 493,827; retention round(98,765.45) = 98,765;
    #       7 days late: round(0.001 * 1,975,309 * 7 = 13,827.163) = 13,827;
    #       net 1,975,309 - 98,765 - 493,827 - 13,827 = 1,368,890; VAT 136,889; due 1,505,779.
    #   M-3 60%: round(5,925,925.8) = 5,925,926; recovery round(1,481,481.5) = 1,481,482 (half
    #       away from zero); retention round(296,296.3) = 296,296; net 4,148,148;
    #       VAT round(414,814.8) = 414,815; due 4,562,963. Advance left 1,024,691.
    #   M-4 5%, the last: round(493,827.15) = 493,827; retention round(24,691.35) = 24,691,
    #       leaving 469,136; it recovers all that is left, 1,024,691, limited to 469,136;
    #       10 days late, round(4,938.27) = 4,938 but nothing is left: 0. Net 0, due 0: Paid.
    # Advance outstanding 1,024,691 - 469,136 = 555,555 JPY.
    # Dashboard in GBP at 0.0052: advance 555,555 -> 2,888.886 -> 2,888.89; retention held
    #   74,074 + 98,765 + 296,296 + 24,691 = 493,826 -> 2,567.8952 -> 2,567.90; damages
    #   taken 13,827 -> 71.9004 -> 71.90; overdue (M-1 due 04-01, M-2 05-08, M-3 06-03) as of
    #   06-20: 7,616,890 -> 39,607.828 -> 39,607.83.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    currency="JPY",
                    original_value=9876543,
                    retention_rate=0.05,
                    advance_amount=3000000,
                    advance_recovery_threshold=0.2,
                    advance_recovery_rate=0.25,
                    delay_damages_rate=0.001,
                    delay_damages_cap=0.01,
                    vat_rate=0.1,
                )
            ],
            "milestones": [
                done("M-1", c, d(2026, 2, 27), payment_basis="percent", payment_percent=0.15),
                milestone(
                    "M-2",
                    c,
                    baseline_date=d(2026, 3, 31),
                    actual_date=d(2026, 4, 7),
                    payment_basis="percent",
                    payment_percent=0.20,
                ),
                done("M-3", c, d(2026, 4, 30), payment_basis="percent", payment_percent=0.60),
                milestone(
                    "M-4",
                    c,
                    baseline_date=d(2026, 5, 29),
                    actual_date=d(2026, 6, 8),
                    payment_basis="percent",
                    payment_percent=0.05,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 3, 2)),
                approved("M-2", d(2026, 4, 8)),
                approved("M-3", d(2026, 5, 4)),
                approved("M-4", d(2026, 6, 9)),
            ],
            "fx_rates": [{"currency": "JPY", "rate_to_reporting": 0.0052}],
        },
        {"As Of Date": d(2026, 6, 20)},
    )
    ms = out["milestones"]
    got = {k: money(ms[k], *DEDUCTIONS, *DUE) for k in ms}
    assert got == {
        "M-1": tuple(map(D, (1481481, 74074, 0, 0, 1407407, 140741, 1548148))),
        "M-2": tuple(map(D, (1975309, 98765, 493827, 13827, 1368890, 136889, 1505779))),
        "M-3": tuple(map(D, (5925926, 296296, 1481482, 0, 4148148, 414815, 4562963))),
        "M-4": tuple(map(D, (493827, 24691, 469136, 0, 0, 0, 0))),
    }
    assert ms["M-3"]["advance_recovery"] == "1481482"
    assert ms["M-4"]["payment_status"] == "Paid"
    amounts = out["totals"]["amounts"]
    assert {k: amounts[k] for k in ("advance_outstanding", "retention_held")} == {
        "advance_outstanding": "2888.89",
        "retention_held": "2567.90",
    }
    assert (amounts["delay_damages_taken"], amounts["overdue"]) == ("71.90", "39607.83")


# (basis, days, signed off, invoice date, (due date under none, following, preceding,
# modified_following)), with Holiday Country GB and a Holidays sheet date, Fri 2028-12-29.
EOM_CASES = [
    # month end 2026-11-30 + 25 = Fri 2026-12-25 (Christmas); Sat 26, Sun 27, Mon 28 (Boxing
    # Day's substitute): following Tue 12-29; preceding Thu 12-24.
    (
        "eom_after_signoff",
        25,
        d(2026, 11, 10),
        None,
        ("2026-12-25", "2026-12-29", "2026-12-24", "2026-12-29"),
    ),
    # invoice 2026-12-10 -> 12-31 + 1 = Fri 2027-01-01 (New Year's Day): following Mon 01-04;
    # preceding Thu 2026-12-31, back over the year end (after the invoice, so allowed).
    (
        "eom_after_invoice",
        1,
        d(2026, 12, 8),
        d(2026, 12, 10),
        ("2027-01-01", "2027-01-04", "2026-12-31", "2027-01-04"),
    ),
    # 2032-01-31 + 29 = Sun 2032-02-29: following Mon 03-01; preceding Fri 02-27;
    # modified_following: 03-01 is in the next month -> Fri 02-27.
    (
        "eom_after_signoff",
        29,
        d(2032, 1, 5),
        None,
        ("2032-02-29", "2032-03-01", "2032-02-27", "2032-02-27"),
    ),
    # 2028-11-30 + 31 = Sun 2028-12-31: following Mon 2029-01-01 (New Year's Day) -> Tue 01-02;
    # preceding Sat 30, Fri 29 (Holidays sheet) -> Thu 12-28; modified_following: 2029 is the
    # next month -> Thu 2028-12-28.
    (
        "eom_after_signoff",
        31,
        d(2028, 11, 6),
        None,
        ("2028-12-31", "2029-01-02", "2028-12-28", "2028-12-28"),
    ),
]
CONVENTIONS = ("none", "following", "preceding", "modified_following")


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_end_of_month_terms_over_a_year_end_and_a_sunday_29_february_by_convention(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], convention: str
) -> None:
    contracts, rows, signoffs, invoices = [], [], [], []
    for i, (basis, days, signed, invoiced, _due) in enumerate(EOM_CASES, start=1):
        contracts.append(
            contract(
                f"C-{i}",
                payment_terms_basis=basis,
                payment_terms_days=days,
                end_date=d(2033, 12, 31),
            )
        )
        rows.append(done(f"M-{i}", f"C-{i}", signed, payment_basis="fixed", payment_amount=1000))
        signoffs.append(approved(f"M-{i}", signed))
        if invoiced is not None:
            invoices.append(invoice(f"INV-{i}", f"M-{i}", invoiced, 1000))
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": contracts,
            "milestones": rows,
            "signoffs": signoffs,
            "invoices": invoices,
            "holidays": [{"holiday_date": d(2028, 12, 29), "holiday_name": "Company day"}],
        },
        {
            "As Of Date": d(2033, 1, 3),
            "Business Day Convention": convention,
            "Holiday Country": "GB",
        },
    )
    column = CONVENTIONS.index(convention)
    got = [out["milestones"][f"M-{i}"]["payment_due_date"] for i in range(1, len(EOM_CASES) + 1)]
    assert got == [case[4][column] for case in EOM_CASES]


def _us(amount: Decimal, r: Decimal, days: int) -> Decimal:
    m, rest = divmod(days, 30)
    return amount * (1 + r / 12) ** m * (1 + r * rest / 360) - amount


@pytest.mark.parametrize(
    ("regime", "expected"),
    [
        # 10,000 + 20% VAT = 12,000 due Mon 2026-03-02 (0 days after the sign-off, no move);
        # 3,000 paid on 03-02 (on time: none); 4,000 paid 04-16 (45 days late); 5,000 unpaid
        # as of 06-10 (29 + 30 + 31 + 10 = 100 days). Reference rate 4.5%.
        # uk, 4.5% + 8%: 4,000 x 0.125 x 45/365 = 61.643835... + 5,000 x 0.125 x 100/365
        #   = 171.232876... = 232.876712...; + 100 (12,000 >= 10,000) = 332.88
        ("uk", "332.88"),
        # eu, the same 232.876712... + 40 once = 272.88
        ("eu", "272.88"),
        # us, 4.5% (no margin): 4,000: m = 1, d' = 15: 4,000 x 1.00375 x 1.001875 - 4,000
        #   = 22.528125; 5,000: m = 3, d' = 10: 5,000 x 1.00375^3 x 1.00125 - 5,000
        #   = 62.781777...; together 85.309902... -> 85.31
        ("us", "85.31"),
        # fidic, 4.5% + 3% = 7.5%: 4,000: 03-02 -> 04-02 one month, d' = 14:
        #   4,000 x (1 + 0.075/12) x (1 + 0.075 x 14/365) - 4,000; 5,000: to 06-02 three
        #   months, d' = 8: 5,000 x (1 + 0.075/12)^3 x (1 + 0.075 x 8/365) - 5,000;
        #   together 139.290178... -> 139.29
        ("fidic", "139.29"),
    ],
)
def test_a_part_on_time_a_part_late_and_a_part_unpaid_under_each_regime(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    regime: str,
    expected: str,
) -> None:
    r = D("0.045")
    assert r2(_us(D(4000), r, 45) + _us(D(5000), r, 100)) == D("85.31")
    f = D("0.075")
    fidic = (
        4000 * (1 + f / 12) * (1 + f * 14 / 365)
        - 4000
        + 5000 * (1 + f / 12) ** 3 * (1 + f * 8 / 365)
        - 5000
    )
    assert r2(fidic) == D("139.29")
    simple = D(4000) * D("0.125") * 45 / 365 + D(5000) * D("0.125") * 100 / 365
    assert (r2(simple + 100), r2(simple + 40)) == (D("332.88"), D("272.88"))
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0, vat_rate=0.2)],
            "milestones": [
                done("M-1", "C-1", d(2026, 3, 2), payment_basis="fixed", payment_amount=10000)
            ],
            "signoffs": [approved("M-1", d(2026, 3, 2))],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 3, 2), 3000, d(2026, 3, 2), 3000),
                invoice("INV-2", "M-1", d(2026, 3, 2), 4000, d(2026, 4, 16), 4000),
            ],
        },
        {
            "As Of Date": d(2026, 6, 10),
            "Business Day Convention": "none",
            "Late Interest Regime": regime,
            "Late Interest Reference Rate": 0.045,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["payment_status"], m["days_overdue"], m["outstanding_amount"]) == (
        "Overdue",
        100,
        "5000.00",
    )
    assert m["late_interest"] == expected


def test_advance_recovery_goes_on_after_a_credit_takes_the_certified_value_under_the_threshold(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Original 100,000; advance 20,000 recovered at 50% from above 20% (20,000); retention 5%;
    # VAT 20%. Certified in order:
    #   M-1 fixed 25,000: cumulative 25,000, above: recovers round(0.5 * 25,000) = 12,500;
    #       retention 1,250; net 11,250; due 13,500.
    #   M-2 fixed 0, CO-1 -10,000: a credit of -10,000, no deduction; cumulative 15,000.
    #   M-3 fixed 4,000: cumulative 19,000, back under the threshold, but recovery started
    #       with M-1 and goes on "from then on": round(0.5 * 4,000) = 2,000; retention 200;
    #       net 1,800; due 2,160. Advance left 20,000 - 14,500 = 5,500.
    #   M-4 fixed 30,000, the last, awaiting sign-off: at stake, signed off on the as-of date,
    #       retention 1,500 and all that is left, 5,500: (30,000 - 1,500 - 5,500) x 1.2
    #       = 27,600.
    #   M-5 release 100%: 1,250 + 0 + 200 + 1,500 = 2,950.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    advance_amount=20000,
                    advance_recovery_threshold=0.2,
                    advance_recovery_rate=0.5,
                    retention_rate=0.05,
                    vat_rate=0.2,
                )
            ],
            "milestones": [
                done("M-1", c, d(2026, 2, 2), payment_basis="fixed", payment_amount=25000),
                done("M-2", c, d(2026, 3, 2), payment_basis="fixed", payment_amount=0),
                done("M-3", c, d(2026, 4, 1), payment_basis="fixed", payment_amount=4000),
                done("M-4", c, d(2026, 5, 1), payment_basis="fixed", payment_amount=30000),
                milestone(
                    "M-5",
                    c,
                    baseline_date=d(2026, 9, 30),
                    payment_basis="retention_release",
                    payment_percent=1,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 2, 3)),
                approved("M-2", d(2026, 3, 3)),
                approved("M-3", d(2026, 4, 2)),
            ],
            "change_orders": [change("CO-1", "M-2", -10000)],
        },
        {"As Of Date": d(2026, 5, 10)},
    )
    ms = out["milestones"]
    assert money(ms["M-1"], *DEDUCTIONS, "amount_due") == tuple(
        map(D, (25000, 1250, 12500, 0, 13500))
    )
    assert money(ms["M-2"], *DEDUCTIONS, "amount_due") == tuple(map(D, (-10000, 0, 0, 0, -12000)))
    assert money(ms["M-3"], *DEDUCTIONS, "amount_due") == tuple(map(D, (4000, 200, 2000, 0, 2160)))
    assert D(ms["M-5"]["milestone_value"]) == D(2950)
    assert D(out["totals"]["amounts"]["advance_outstanding"]) == D(5500)
    (queued,) = out["signoff_queue"]
    assert (queued["milestone_id"], queued["amount_at_stake"]) == ("M-4", "27600.00")
