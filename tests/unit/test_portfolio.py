"""Portfolio figures (RULES.md section 5): payment schedule, S-curve and dashboard."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import contract, fx, invoice, milestone, model, settings, signoff
from xl_milestones.core.engine import compute
from xl_milestones.core.portfolio import MEASURES, due_window_keys
from xl_milestones.core.schema import DASHBOARD_METRICS, DASHBOARD_SCURVE, PAYMENT_SCHEDULE

D = Decimal
AS_OF = date(2026, 4, 30)
SCHEDULE = [f.name for f in PAYMENT_SCHEDULE.fields]
SCURVE = [f.name for f in DASHBOARD_SCURVE.fields]


def _portfolio():  # type: ignore[no-untyped-def]
    """C-1 in EUR (reporting), C-2 in USD at 0.90 EUR per USD.

    C-1 M-1: 10,000 fixed, baseline 31 Mar, done 25 Mar, signed 1 Apr; invoiced 2 Apr
      10,000, 4,000 paid 20 Apr.
    C-1 M-2: 20,000 fixed, baseline 31 May, forecast 15 Jun.
    C-1 M-3: cancelled, 5,000: left out of planned and forecast.
    C-2 M-4: 1,000 USD fixed, baseline 30 Apr, done 28 Apr, signed 29 Apr, terms 30 days after
      sign-off -> due 29 May (Friday).
    """
    return model(
        contracts=[
            contract("C-1"),
            contract("C-2", currency="USD", payment_terms_basis="after_signoff"),
        ],
        milestones=[
            milestone(
                "M-1",
                "C-1",
                actual_date=date(2026, 3, 25),
                payment_basis="fixed",
                payment_amount=D(10000),
            ),
            milestone(
                "M-2",
                "C-1",
                baseline_date=date(2026, 5, 31),
                forecast_date=date(2026, 6, 15),
                payment_basis="fixed",
                payment_amount=D(20000),
            ),
            milestone("M-3", "C-1", cancelled=True, payment_basis="fixed", payment_amount=D(5000)),
            milestone(
                "M-4",
                "C-2",
                baseline_date=date(2026, 4, 30),
                actual_date=date(2026, 4, 28),
                payment_basis="fixed",
                payment_amount=D(1000),
            ),
        ],
        signoffs=[
            signoff("M-1", decision_date=date(2026, 4, 1)),
            signoff("M-4", decision_date=date(2026, 4, 29)),
        ],
        invoices=[
            invoice("I-1", "M-1", date(2026, 4, 2), 10000, date(2026, 4, 20), 4000),
        ],
        fx_rates=[fx("USD", "0.90")],
        settings=settings(reporting_currency="EUR"),
    )


def test_payment_schedule_rows() -> None:
    out = compute(_portfolio(), AS_OF)
    rows = [dict(zip(SCHEDULE, r, strict=True)) for r in out.payment_schedule]
    key = [(r["contract_id"], r["month"]) for r in rows]
    assert key == [
        ("C-1", date(2026, 3, 1)),  # M-1 planned (31 Mar) and forecast (actual 25 Mar)
        ("C-1", date(2026, 4, 1)),  # M-1 certified (1 Apr), invoice and payment
        ("C-1", date(2026, 5, 1)),  # M-1 due (4 May), M-2 planned
        ("C-1", date(2026, 6, 1)),  # M-2 forecast
        ("C-2", date(2026, 4, 1)),  # M-4 planned, forecast, certified
        ("C-2", date(2026, 5, 1)),  # M-4 due 29 May
    ]
    mar, apr, may, jun, usd_apr, usd_may = rows
    value = ("planned_value", "forecast_value", "certified_value")
    cash = ("due", "invoiced", "paid")
    assert [mar[k] for k in value + cash] == [D("10000.00")] * 2 + [D("0.00")] * 4
    assert [apr[k] for k in value + cash] == [
        D("0.00"),
        D("0.00"),
        D("10000.00"),  # signed off 1 Apr
        D("0.00"),
        D("10000.00"),
        D("4000.00"),
    ]
    # M-1 due: invoice 2 Apr + 30 = 2 May (Saturday) -> Mon 4 May; no VAT, no deductions.
    assert [may[k] for k in value + cash] == [D("20000.00")] + [D("0.00")] * 2 + [D("10000.00")] + [
        D("0.00")
    ] * 2
    assert may["cumulative_planned_value"] == D("30000.00")
    assert (jun["cumulative_forecast_value"], jun["cumulative_paid"]) == (
        D("30000.00"),
        D("4000.00"),
    )
    assert (jun["cumulative_certified_value"], jun["cumulative_due"]) == (
        D("10000.00"),
        D("10000.00"),
    )
    # USD: 1,000 x 0.90 = 900.00 EUR.
    assert (usd_apr["currency"], usd_apr["planned_value"], usd_apr["planned_value_reporting"]) == (
        "USD",
        D("1000.00"),
        D("900.00"),
    )
    assert (usd_may["due"], usd_may["due_reporting"], usd_may["cumulative_due"]) == (
        D("1000.00"),
        D("900.00"),
        D("1000.00"),
    )


def test_scurve_is_cumulative_over_every_month() -> None:
    out = compute(_portfolio(), AS_OF)
    rows = [dict(zip(SCURVE, r, strict=True)) for r in out.scurve]
    assert [r["month"] for r in rows] == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]
    # Planned: Mar 10,000; Apr + 900 (USD); May + 20,000 -> 30,900 from May on.
    assert [r["cumulative_planned_value"] for r in rows] == [
        D("10000.00"),
        D("10900.00"),
        D("30900.00"),
        D("30900.00"),
    ]
    # Certified: Apr 10,000 + 900; Due: May 10,000 + 900.
    assert [r["cumulative_certified_value"] for r in rows] == [D("0.00")] + [D("10900.00")] * 3
    assert [r["cumulative_due"] for r in rows] == [D("0.00")] * 2 + [D("10900.00")] * 2
    assert rows[-1]["cumulative_paid"] == D("4000.00")
    assert rows[-1]["cumulative_invoiced"] == D("10000.00")


def _worked_example():  # type: ignore[no-untyped-def]
    """RULES.md section 5's worked example (docs/rules.md repeats it).

    Contract C, GBP, 1,000,000, retention 5%, VAT 20%, 30 days after sign-off.
    M1 30%: baseline 15 Jan, actual 14 Jan, signed off 20 Jan: value 300,000, retention 15,000,
      due (300,000 - 15,000) x 1.2 = 342,000 on 20 Jan + 30 = Thu 19 Feb; invoiced 21 Jan,
      paid 342,000 on 25 Feb.
    M2 70%: baseline 31 Mar, forecast 20 Apr, not complete: value 700,000.
    M3 retention release 100%, baseline 30 Jun: value 5% x 1,000,000 = 50,000.
    """
    return model(
        contracts=[
            contract(
                "C",
                currency="GBP",
                original_value=D(1000000),
                retention_rate=D("0.05"),
                vat_rate=D("0.20"),
                payment_terms_basis="after_signoff",
            )
        ],
        milestones=[
            milestone(
                "M1",
                "C",
                baseline_date=date(2026, 1, 15),
                actual_date=date(2026, 1, 14),
                payment_basis="percent",
                payment_percent=D("0.30"),
            ),
            milestone(
                "M2",
                "C",
                baseline_date=date(2026, 3, 31),
                forecast_date=date(2026, 4, 20),
                payment_basis="percent",
                payment_percent=D("0.70"),
            ),
            milestone(
                "M3",
                "C",
                baseline_date=date(2026, 6, 30),
                payment_basis="retention_release",
                payment_percent=D(1),
            ),
        ],
        signoffs=[signoff("M1", decision_date=date(2026, 1, 20))],
        invoices=[invoice("I-1", "M1", date(2026, 1, 21), 342000, date(2026, 2, 25), 342000)],
        settings=settings(reporting_currency="GBP"),
    )


def test_rules_worked_example_value_and_cash() -> None:
    out = compute(_worked_example(), date(2026, 3, 15))
    results = out.by_id()
    assert results["M1"].values["amount_due"] == D("342000.00")
    assert results["M1"].values["payment_due_date"] == date(2026, 2, 19)
    assert results["M3"].values["milestone_value"] == D("50000.00")
    rows = {r[0]: dict(zip(SCHEDULE, r, strict=True)) for r in out.payment_schedule}
    measures = (
        "planned_value",
        "forecast_value",
        "certified_value",
        "due",
        "invoiced",
        "paid",
    )
    table = {month.strftime("%b"): [row[k] for k in measures] for month, row in rows.items()}
    z = D("0.00")
    assert table == {
        "Jan": [D("300000.00"), D("300000.00"), D("300000.00"), z, D("342000.00"), z],
        "Feb": [z, z, z, D("342000.00"), z, D("342000.00")],
        "Mar": [D("700000.00"), z, z, z, z, z],
        "Apr": [z, D("700000.00"), z, z, z, z],
    }
    # M3 is not value: cumulative Planned Value ends at 1,000,000, not 1,050,000.
    last = rows[date(2026, 4, 1)]
    assert last["cumulative_planned_value"] == D("1000000.00")
    assert last["cumulative_forecast_value"] == D("1000000.00")
    assert (last["cumulative_due"], last["cumulative_paid"]) == (D("342000.00"), D("342000.00"))
    curve = out.scurve[-1]
    assert curve[1:] == (
        D("1000000.00"),
        D("1000000.00"),
        D("300000.00"),
        D("342000.00"),
        D("342000.00"),
        D("342000.00"),
    )
    totals = out.totals["schedule"]
    assert isinstance(totals, dict)
    assert totals["planned_value"] == "1000000.00"
    assert totals["contracts"] == {
        "C": {
            "currency": "GBP",
            "planned_value": "1000000.00",
            "forecast_value": "1000000.00",
            "certified_value": "300000.00",
            "due": "342000.00",
            "invoiced": "342000.00",
            "paid": "342000.00",
        }
    }


def test_a_certified_retention_release_is_due_cash_but_not_value() -> None:
    # The worked example with M3, the 50,000 release (no deductions; VAT 20%: 60,000 due),
    # signed off on 1 Jul, due 31 Jul (a Friday): July has Due and no value of any kind; June,
    # its baseline month, has a row of zeros (a release is not value), its cumulative figures
    # those of May.
    m = _worked_example()
    m.milestones[2] = replace(m.milestones[2], actual_date=date(2026, 6, 30))
    m.signoffs.append(signoff("M3", decision_date=date(2026, 7, 1)))
    out = compute(m, date(2026, 7, 15))
    assert out.by_id()["M3"].values["amount_due"] == D("60000.00")
    rows = {r[0]: dict(zip(SCHEDULE, r, strict=True)) for r in out.payment_schedule}
    jun, may = rows[date(2026, 6, 1)], rows[date(2026, 5, 1)]
    assert all(jun[f] == D("0.00") for f in MEASURES)
    assert all(jun["cumulative_" + f] == may["cumulative_" + f] for f in MEASURES)
    jul = rows[date(2026, 7, 1)]
    value = (jul["planned_value"], jul["forecast_value"], jul["certified_value"])
    assert value == (D("0.00"),) * 3
    assert jul["due"] == D("60000.00")
    assert jul["cumulative_due"] == D("402000.00")
    assert jul["cumulative_planned_value"] == D("1000000.00")
    assert out.totals["schedule"]["due"] == "402000.00"  # type: ignore[index]


def test_dashboard_figures() -> None:
    out = compute(_portfolio(), AS_OF)
    d = out.dashboard
    assert list(d) == [k for k, _label in DASHBOARD_METRICS]
    assert d["milestones"] == 4
    # M-1 outstanding 6,000 EUR due 2 Apr + 30 = 2 May (Saturday) -> Mon 4 May, 4 days away;
    # M-4 1,000 USD due 29 May (29 days) -> 900 EUR. Both in the 30-day window and the wider ones.
    assert d["due_30"] == D("6900.00")
    assert d["due_60"] == D("6900.00")
    assert d["overdue"] == D("0.00")
    assert d["ready_for_signoff"] == 0
    assert out.status_counts["Signed off"] == 2
    assert out.status_counts["Cancelled"] == 1
    assert sum(out.status_counts.values()) == 4


def test_due_windows_are_cumulative_and_start_today() -> None:
    assert due_window_keys(AS_OF, AS_OF) == ("due_30", "due_60", "due_90")
    assert due_window_keys(date(2026, 5, 30), AS_OF) == ("due_30", "due_60", "due_90")  # 30 days
    assert due_window_keys(date(2026, 5, 31), AS_OF) == ("due_60", "due_90")  # 31 days
    assert due_window_keys(date(2026, 7, 29), AS_OF) == ("due_90",)  # 90 days
    assert due_window_keys(date(2026, 7, 30), AS_OF) == ()
    assert due_window_keys(date(2026, 4, 29), AS_OF) == ()  # past: overdue, not due


def test_retention_held_and_delay_damages() -> None:
    # C-1 retention 5%, damages 0.1%/day. M-1 10,000 done 10 days late, signed off: retention
    # 500, damages 0.001 x 10,000 x 10 = 100 taken. M-2 5,000 not done, 30 days late at 30 Apr:
    # 150 accrued. M-3 releases 50% of all retention (5% x 15,000 = 750) = 375, signed off.
    # Retention held = 500 - 375 = 125.
    c = contract(retention_rate=D("0.05"), delay_damages_rate=D("0.001"))
    m = model(
        contracts=[c],
        milestones=[
            milestone(
                "M-1", actual_date=date(2026, 4, 10), payment_basis="fixed", payment_amount=D(10000)
            ),
            milestone("M-2", payment_basis="fixed", payment_amount=D(5000)),
            milestone(
                "M-3",
                actual_date=date(2026, 3, 1),
                payment_basis="retention_release",
                payment_percent=D("0.5"),
            ),
        ],
        signoffs=[
            signoff("M-1", decision_date=date(2026, 4, 11)),
            signoff("M-3", decision_date=date(2026, 4, 12)),
        ],
    )
    d = compute(m, AS_OF).dashboard
    assert d["retention_held"] == D("125.00")
    assert d["delay_damages_taken"] == D("100.00")
    assert d["delay_damages_accrued"] == D("150.00")


def test_missing_fx_rate_leaves_reporting_blank_and_warns_once() -> None:
    m = _portfolio()
    m.fx_rates.clear()
    out = compute(m, AS_OF)
    usd = next(r for r in out.payment_schedule if r[SCHEDULE.index("currency")] == "USD")
    assert usd[SCHEDULE.index("planned_value_reporting")] is None
    assert [i.code for i in out.issues] == ["missing-fx-rate"]
    assert "USD" in out.issues[0].message
    # The dashboard leaves USD out: only M-1's 6,000 EUR.
    assert out.dashboard["due_30"] == D("6000.00")


def test_reporting_currency_defaults_to_the_most_common() -> None:
    m = model(
        contracts=[
            contract("C-1", currency="GBP"),
            contract("C-2", currency="GBP"),
            contract("C-3", currency="EUR"),
        ]
    )
    assert compute(m, AS_OF).reporting_currency == "GBP"


def test_reporting_currency_tie_goes_to_the_first_contract_on_the_sheet() -> None:
    # One GBP and one EUR contract: GBP is in the earlier row, so GBP reports, not the
    # alphabetically first EUR (docs/rules.md section 6, as the validator resolves it).
    m = model(
        contracts=[contract("C-2", currency="EUR", row=3), contract("C-1", currency="GBP", row=2)]
    )
    assert [c.row for c in m.contracts.values()] == [3, 2]
    assert compute(m, AS_OF).reporting_currency == "GBP"
