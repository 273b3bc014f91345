"""Portfolio figures (RULES.md section 5): the Payment Schedule per contract and month, the
S-curve of the whole portfolio, and the Dashboard key figures, in the reporting currency.

Amounts are summed per contract (or currency) first and converted once, then rounded to the
reporting currency, so totals do not collect a rounding difference per milestone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from xl_milestones.core.dates import month_start
from xl_milestones.core.model import Contract
from xl_milestones.core.money import ZERO, quantum, round_money
from xl_milestones.core.money import zero as zero_of
from xl_milestones.core.schema import DASHBOARD_METRICS, DASHBOARD_SCURVE, PAYMENT_SCHEDULE

PLANNED: Final = 0
FORECAST: Final = 1
INVOICED: Final = 2
PAID: Final = 3
SCHEDULE_FIELDS: Final = tuple(f.name for f in PAYMENT_SCHEDULE.fields)
# payment_schedule builds its rows positionally, in this order; fail at import if it drifts.
_SCHEDULE_ORDER: Final = (
    "month",
    "contract_id",
    "currency",
    "planned",
    "forecast",
    "invoiced",
    "paid",
    "cumulative_planned",
    "cumulative_forecast",
    "cumulative_invoiced",
    "cumulative_paid",
    "planned_reporting",
    "forecast_reporting",
    "invoiced_reporting",
    "paid_reporting",
)
if SCHEDULE_FIELDS != _SCHEDULE_ORDER:  # pragma: no cover - a schema change needs this module
    raise ImportError("schema.PAYMENT_SCHEDULE fields changed; update core/portfolio.py")
SCURVE_FIELDS: Final = tuple(f.name for f in DASHBOARD_SCURVE.fields)
METRIC_KEYS: Final = tuple(key for key, _label in DASHBOARD_METRICS)
WINDOWS: Final = ((30, "due_30"), (60, "due_60"), (90, "due_90"))
# Dashboard figures that are counts of milestones; every other one is an amount.
COUNT_METRICS: Final = frozenset(
    {
        "milestones",
        "green",
        "amber",
        "red",
        "ready_for_signoff",
        "signoffs_overdue",
        "oldest_signoff_days",
    }
)
# Count figures that are a largest value, not a sum: several books combine by taking the largest.
MAX_METRICS: Final = frozenset({"oldest_signoff_days"})


@dataclass(slots=True)
class Flows:
    """Per contract, per month (first day): planned, forecast, invoiced and paid amounts."""

    by_contract: dict[str, dict[date, list[Decimal]]] = field(default_factory=dict)
    _months: dict[date, date] = field(default_factory=dict)

    def add(self, contract_id: str, kind: int, day: date, amount: Decimal) -> None:
        months = self.by_contract.get(contract_id)
        if months is None:
            months = self.by_contract[contract_id] = {}
        month = self._months.get(day)
        if month is None:
            month = self._months[day] = month_start(day)
        cells = months.get(month)
        if cells is None:
            cells = months[month] = [ZERO, ZERO, ZERO, ZERO]
        cells[kind] += amount


def convert(amount: Decimal, rate: Decimal | None, reporting: str) -> Decimal | None:
    """An amount in the reporting currency, rounded; None when there is no rate."""
    if rate is None:
        return None
    return round_money(amount * rate, reporting)


def payment_schedule(
    contracts: Sequence[Contract],
    flows: Flows,
    rates: Mapping[str, Decimal],
    reporting: str,
) -> list[tuple[object, ...]]:
    """Rows in PAYMENT_SCHEDULE field order: contracts in sheet order, then months in order.

    Only months in which something is planned, forecast, invoiced or paid get a row; the
    cumulative columns run on over the gaps. Reporting columns are blank without an FX rate.
    """
    rows: list[tuple[object, ...]] = []
    append = rows.append
    rep_zero = zero_of(reporting)
    rep_q = quantum(reporting)
    by_contract = flows.by_contract
    for contract in contracts:
        months = by_contract.get(contract.contract_id)
        if not months:
            continue
        cid, cur = contract.contract_id, contract.currency
        rate = rates.get(cur)
        zero = zero_of(cur)
        # Already in the reporting currency: the amounts are its own, no conversion.
        same = cur == reporting
        r0 = r1 = r2 = r3 = zero
        for month in sorted(months):
            # Sums of rounded amounts: only a bare zero needs the currency's exponent.
            a0, a1, a2, a3 = months[month]
            c0 = a0 or zero
            c1 = a1 or zero
            c2 = a2 or zero
            c3 = a3 or zero
            r0 += c0
            r1 += c1
            r2 += c2
            r3 += c3
            if same:
                append((month, cid, cur, c0, c1, c2, c3, r0, r1, r2, r3, c0, c1, c2, c3))
            elif rate is None:
                append((month, cid, cur, c0, c1, c2, c3, r0, r1, r2, r3, None, None, None, None))
            else:
                # As ``convert``: each amount times the rate, rounded in the reporting currency.
                append(
                    (
                        month,
                        cid,
                        cur,
                        c0,
                        c1,
                        c2,
                        c3,
                        r0,
                        r1,
                        r2,
                        r3,
                        (c0 * rate).quantize(rep_q, ROUND_HALF_UP) if c0 else rep_zero,
                        (c1 * rate).quantize(rep_q, ROUND_HALF_UP) if c1 else rep_zero,
                        (c2 * rate).quantize(rep_q, ROUND_HALF_UP) if c2 else rep_zero,
                        (c3 * rate).quantize(rep_q, ROUND_HALF_UP) if c3 else rep_zero,
                    )
                )
    return rows


_I_MONTH: Final = SCHEDULE_FIELDS.index("month")
_I_PLANNED: Final = SCHEDULE_FIELDS.index("planned_reporting")
_I_FORECAST: Final = SCHEDULE_FIELDS.index("forecast_reporting")
_I_PAID: Final = SCHEDULE_FIELDS.index("paid_reporting")
# scurve builds its rows positionally, in this order; fail at import if it drifts.
if SCURVE_FIELDS != (  # pragma: no cover - a schema change needs this module
    "month",
    "cumulative_planned",
    "cumulative_forecast",
    "cumulative_paid",
):
    raise ImportError("schema.DASHBOARD_SCURVE fields changed; update core/portfolio.py")


def scurve(schedule: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Portfolio rows in DASHBOARD_SCURVE field order: every month from the first to the last,
    cumulative planned, forecast and paid in the reporting currency (rows without a rate are
    left out)."""
    per_month: dict[object, list[Decimal]] = {}
    for row in schedule:
        month = row[_I_MONTH]
        cells = per_month.get(month)
        if cells is None:
            cells = per_month[month] = [ZERO, ZERO, ZERO]
        # Reporting amounts are a Decimal, or None without an FX rate.
        planned, forecast, paid = row[_I_PLANNED], row[_I_FORECAST], row[_I_PAID]
        if isinstance(planned, Decimal):
            cells[0] += planned
        if isinstance(forecast, Decimal):
            cells[1] += forecast
        if isinstance(paid, Decimal):
            cells[2] += paid
    if not per_month:
        return []
    out: list[tuple[object, ...]] = []
    running = [ZERO, ZERO, ZERO]
    months = [m for m in per_month if isinstance(m, date)]
    assert len(months) == len(per_month)
    month = min(months)
    last = max(months)
    while month <= last:
        found = per_month.get(month)
        if found:
            for k in range(3):
                running[k] += found[k]
        out.append((month, running[0], running[1], running[2]))
        month = month_start(month + timedelta(days=32))
    return out


@dataclass(slots=True)
class DashboardTally:
    """Per-currency sums gathered milestone by milestone, converted once at the end."""

    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def add(self, key: str, currency: str, amount: Decimal) -> None:
        if not amount:
            return
        per = self.sums.setdefault(key, {})
        per[currency] = per.get(currency, ZERO) + amount


def due_window_keys(due: date, as_of: date) -> tuple[str, ...]:
    """The 'Due in the next N days' figures an amount due on ``due`` falls in: windows are
    cumulative and count from as_of itself (due today is not yet overdue) to as_of + N."""
    days = (due - as_of).days
    if days < 0:
        return ()
    return tuple(key for limit, key in WINDOWS if days <= limit)


def dashboard(
    tally: DashboardTally, rates: Mapping[str, Decimal], reporting: str
) -> tuple[dict[str, Decimal | int], set[str]]:
    """Figures keyed by DASHBOARD_METRICS keys, and the currencies that had no FX rate."""
    missing: set[str] = set()
    out: dict[str, Decimal | int] = {}
    for key in METRIC_KEYS:
        if key in COUNT_METRICS:
            out[key] = tally.counts.get(key, 0)
        else:
            total = ZERO
            for currency, amount in sorted(tally.sums.get(key, {}).items()):
                rate = rates.get(currency)
                if rate is None:
                    missing.add(currency)
                    continue
                total += amount * rate
            out[key] = round_money(total, reporting)
    return out, missing
