"""Portfolio figures (RULES.md section 5): the Payment Schedule per contract and month on its two
bases (value and cash), the portfolio's S-curves, and the Dashboard key figures, in the reporting
currency.

Amounts are summed per contract (or currency) first and converted once, then rounded to the
reporting currency, so totals do not collect a rounding difference per milestone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from operator import add
from typing import TYPE_CHECKING, Final

from xl_milestones.core.dates import month_start, next_month
from xl_milestones.core.model import Contract
from xl_milestones.core.money import ZERO, quantum, round_money
from xl_milestones.core.money import zero as zero_of
from xl_milestones.core.payment_due import paid_by
from xl_milestones.core.payments import DEDUCTIBLE, OVERDUE, RELEASE
from xl_milestones.core.schema import (
    DASHBOARD_METRICS,
    DASHBOARD_SCURVE,
    PAYMENT_SCHEDULE,
    SCHEDULE_MEASURES,
)
from xl_milestones.core.status import CANCELLED, SIGNED_OFF

if TYPE_CHECKING:
    from xl_milestones.core.index import MilestoneWork, ModelIndex
    from xl_milestones.core.payment_due import PaymentFields
    from xl_milestones.core.payments import ContractLedger

# The measures of the Payment Schedule and the S-curve, by position (RULES.md section 5): the
# value basis (excluding VAT, before deductions), then the cash basis (including VAT).
PLANNED_VALUE: Final = 0
FORECAST_VALUE: Final = 1
CERTIFIED_VALUE: Final = 2
DUE: Final = 3
INVOICED: Final = 4
PAID: Final = 5
MEASURES: Final = tuple(name for name, _header, _what in SCHEDULE_MEASURES)
if MEASURES != (  # pragma: no cover - a schema change needs this module
    "planned_value",
    "forecast_value",
    "certified_value",
    "due",
    "invoiced",
    "paid",
):
    raise ImportError("schema.SCHEDULE_MEASURES changed; update core/portfolio.py")
_N: Final = len(MEASURES)
SCHEDULE_FIELDS: Final = tuple(f.name for f in PAYMENT_SCHEDULE.fields)
SCURVE_FIELDS: Final = tuple(f.name for f in DASHBOARD_SCURVE.fields)
# payment_schedule and scurve build their rows positionally, in these orders; fail at import if
# the schema drifts from them.
_CUMULATIVE: Final = tuple("cumulative_" + m for m in MEASURES)
_REPORTING: Final = tuple(m + "_reporting" for m in MEASURES)
_SCHEDULE_ORDER: Final = ("month", "contract_id", "currency", *MEASURES, *_CUMULATIVE, *_REPORTING)
if (_SCHEDULE_ORDER, ("month", *_CUMULATIVE)) != (
    SCHEDULE_FIELDS,
    SCURVE_FIELDS,
):  # pragma: no cover
    raise ImportError(
        "schema.PAYMENT_SCHEDULE or DASHBOARD_SCURVE changed; update core/portfolio.py"
    )
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
    """Per contract, per month (first day): the amount of each measure (MEASURES order)."""

    by_contract: dict[str, dict[date, list[Decimal]]] = field(default_factory=dict)
    _months: dict[date, date] = field(default_factory=dict)

    def add_all(self, kind: int, flows: Iterable[tuple[str, date, Decimal]]) -> None:
        """``add`` for each (contract id, day, amount) of one measure, in order."""
        by_contract, month_of = self.by_contract, self._months
        for contract_id, day, amount in flows:
            months = by_contract.get(contract_id)
            if months is None:
                months = by_contract[contract_id] = {}
            month = month_of.get(day)
            if month is None:
                month = month_of[day] = month_start(day)
            cells = months.get(month)
            if cells is None:
                cells = months[month] = [ZERO] * _N
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

    Every month from a contract's first to its last with a figure gets a row (RULES.md section
    5), a month without one all zeros, so the cumulative columns run on month by month.
    Reporting columns are blank without an FX rate.
    """
    rows: list[tuple[object, ...]] = []
    append = rows.append
    rep_zero = zero_of(reporting)
    rep_q = quantum(reporting)
    by_contract = flows.by_contract
    no_rate = (None,) * _N
    for contract in contracts:
        months = by_contract.get(contract.contract_id)
        if not months:
            continue
        cid, cur = contract.contract_id, contract.currency
        rate = rates.get(cur)
        zero = zero_of(cur)
        q = quantum(cur)
        # Already in the reporting currency: the amounts are its own, no conversion.
        same = cur == reporting
        running = [zero] * _N
        # A month between two with figures: zeros, in its currency and the reporting one.
        zeros = (zero,) * _N
        quiet = zeros if same else no_rate if rate is None else (rep_zero,) * _N
        ordered = sorted(months)
        month = ordered[0]
        for active in ordered:
            while month < active:
                append((month, cid, cur, *zeros, *running, *quiet))
                month = next_month(month)
            # The value and due amounts are sums of rounded amounts: only a bare zero needs the
            # currency's exponent. Invoiced and paid are sums of amounts as typed (a payment of
            # 999.996), rounded once here, as paid_amount is.
            cells = [a or zero for a in months[active]]
            cells[INVOICED] = cells[INVOICED].quantize(q, ROUND_HALF_UP)
            cells[PAID] = cells[PAID].quantize(q, ROUND_HALF_UP)
            running = list(map(add, running, cells))
            if same:
                reported: Sequence[object] = cells
            elif rate is None:
                reported = no_rate
            else:
                # As ``convert``: each amount times the rate, rounded in the reporting currency.
                reported = [
                    (c * rate).quantize(rep_q, ROUND_HALF_UP) if c else rep_zero for c in cells
                ]
            append((active, cid, cur, *cells, *running, *reported))
            month = next_month(active)
    return rows


_I_MONTH: Final = SCHEDULE_FIELDS.index("month")
_I_AMOUNT: Final = SCHEDULE_FIELDS.index(MEASURES[0])
_I_CUMULATIVE: Final = SCHEDULE_FIELDS.index("cumulative_" + MEASURES[0])
_I_CONTRACT: Final = SCHEDULE_FIELDS.index("contract_id")
_I_CURRENCY: Final = SCHEDULE_FIELDS.index("currency")


_ZEROS: Final = (ZERO,) * _N


@dataclass(slots=True)
class CurveTally:
    """The S-curve in ``reporting`` gathered Payment Schedule row by row (in PAYMENT_SCHEDULE
    field order), so a portfolio need not keep its rows: per month, each measure's change.

    A contract's cumulative amounts are converted once a month, not each month's amount, so
    the curve ends at each contract's total converted once, as ``dashboard`` converts: two
    measures with one total in the contract currency end at one reporting amount.
    """

    reporting: str
    per_month: dict[date, list[Decimal]] = field(default_factory=dict)
    # The contract of the rows being added (its workbook and ID) and its cumulative amounts
    # as converted at its last row.
    _contract: tuple[object, object] | None = None
    _converted: list[Decimal] = field(default_factory=list)
    _q: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self._q = quantum(self.reporting)

    def add(self, row: Sequence[object], rate: Decimal | None, book: object = None) -> None:
        """One row, ``rate`` the reporting currency per unit of its currency (None: left
        out). A contract's rows come together, months in order; ``book`` tells apart the
        contracts of workbooks that share an ID."""
        month = row[_I_MONTH]
        assert isinstance(month, date)
        cells = self.per_month.get(month)
        if cells is None:
            cells = self.per_month[month] = list(_ZEROS)
        if rate is None:
            return
        key = (book, row[_I_CONTRACT])
        if key != self._contract:
            self._contract, self._converted = key, list(_ZEROS)
        before, q = self._converted, self._q
        # Already in the reporting currency: its cumulative amounts are its own.
        same = row[_I_CURRENCY] == self.reporting
        for k in range(_N):
            if row[_I_AMOUNT + k]:  # its cumulative moved: converted again
                cumulative = row[_I_CUMULATIVE + k]
                assert isinstance(cumulative, Decimal)
                now = cumulative if same else (cumulative * rate).quantize(q, ROUND_HALF_UP)
                # Added to zeros first, as a sum is: a rounded -0.00 counts as 0.00.
                cells[k] += now - before[k]
                before[k] = now

    def rows(self) -> list[tuple[object, ...]]:
        """Rows in DASHBOARD_SCURVE field order: every month from the first to the last, each
        measure cumulative (amounts without a rate are left out)."""
        per_month = self.per_month
        if not per_month:
            return []
        out: list[tuple[object, ...]] = []
        running = [ZERO] * _N
        month = min(per_month)
        last = max(per_month)
        while month <= last:
            found = per_month.get(month)
            if found:
                running = [r + f for r, f in zip(running, found, strict=True)]
            out.append((month, *running))
            month = next_month(month)
        return out


def scurve(
    schedule: Iterable[Sequence[object]], rates: Mapping[str, Decimal], reporting: str
) -> list[tuple[object, ...]]:
    """Portfolio rows in DASHBOARD_SCURVE field order: every month from the first to the last,
    each measure cumulative in the reporting currency, each contract's cumulative amount
    converted at ``rates`` (its currency without one is left out)."""
    tally = CurveTally(reporting)
    for row in schedule:
        tally.add(row, rates.get(str(row[_I_CURRENCY])))
    return tally.rows()


def schedule_totals(
    schedule: Sequence[tuple[object, ...]], curve: Sequence[tuple[object, ...]], reporting: str
) -> dict[str, object]:
    """The schedule's end totals for the refresh JSON: each measure in the reporting currency
    (the S-curve's last month), and per contract in its own currency (its last cumulative row).
    Money as exact decimal strings."""
    rep_zero = zero_of(reporting)
    last = curve[-1] if curve else None
    reported: dict[str, object] = {"currency": reporting}
    for k, name in enumerate(MEASURES):
        amount = last[1 + k] if last is not None else rep_zero
        reported[name] = str(amount or rep_zero)
    # Each contract's last row (its rows are together, months in order).
    last_rows = {row[_I_CONTRACT]: row for row in schedule}
    contracts: dict[str, dict[str, str]] = {}
    for cid, row in last_rows.items():
        contracts[str(cid)] = {
            "currency": str(row[_I_CURRENCY]),
            **{name: str(row[_I_CUMULATIVE + k]) for k, name in enumerate(MEASURES)},
        }
    return {**reported, "contracts": contracts}


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


# ------------------------------------------------------------------------------------ stage


@dataclass(slots=True)
class Gathered:
    """What the milestones add up to: the schedule's flows, the Dashboard tally, and the
    milestones by RAG and by payment status (for the command line's totals)."""

    flows: Flows = field(default_factory=Flows)
    tally: DashboardTally = field(default_factory=DashboardTally)
    rag_counts: dict[str, int] = field(default_factory=dict)
    payment_counts: dict[str, int] = field(default_factory=dict)


def gather(
    ix: ModelIndex,
    ledgers: Mapping[str, ContractLedger],
    skipped_contracts: Collection[str] = (),
) -> Gathered:
    """Stage: every computed milestone's flows (RULES.md section 5) and Dashboard figures
    (section 6), in sheet order. ``skipped_contracts`` have milestones left uncomputed (rows
    with errors): what their advance recovered is not known, so it is left out."""
    out = Gathered()
    _value_flows(ix, out.flows)
    _cash_flows(ix, out.flows)
    tally = out.tally
    rag_counts, payment_counts = out.rag_counts, out.payment_counts
    ready = overdue = oldest = 0
    invoices = ix.invoices
    exposures: dict[str, Decimal] = {}
    for w in ix.work:
        mid, p = w.m.milestone_id, w.payment
        assert p is not None
        if w.rag is not None:
            rag_counts[w.rag] = rag_counts.get(w.rag, 0) + 1
        payment_counts[p.status] = payment_counts.get(p.status, 0) + 1
        if w.ready and w.status not in _SETTLED:
            ready += 1
        if w.days_waiting is not None:
            overdue += w.signoff_overdue
            oldest = max(oldest, w.days_waiting)
        if w.payable or mid in invoices:
            _amounts(w, p, out, ix.as_of)
        if w.exposure and not w.payable:
            cid = w.m.contract_id
            exposures[cid] = exposures.get(cid, ZERO) + w.exposure
    tally.count("milestones", len(ix.work))
    for rag, n in rag_counts.items():
        tally.count(rag.lower(), n)
    for key, n in (("ready_for_signoff", ready), ("signoffs_overdue", overdue)):
        if n:
            tally.count(key, n)
    if oldest:
        tally.count("oldest_signoff_days", oldest)
    # Every contract's advance not yet recovered: a contract with no milestone at all (none
    # entered yet) has recovered nothing, so all of its advance is outstanding.
    for cid, contract in ix.contracts.items():
        ledger = ledgers.get(cid)
        if ledger is not None:
            tally.add("advance_outstanding", contract.currency, ledger.advance_outstanding)
            accrued = ledger.accrued(exposures.get(cid, ZERO))
            tally.add("delay_damages_accrued", contract.currency, accrued)
        elif cid not in skipped_contracts:
            advance = round_money(contract.advance_amount, contract.currency)
            tally.add("advance_outstanding", contract.currency, advance)
    return out


# Statuses whose milestone is no longer waiting for sign-off, ready or not.
_SETTLED: Final = frozenset({SIGNED_OFF, CANCELLED})


def _value_flows(ix: ModelIndex, flows: Flows) -> None:
    # The value basis: percent and fixed milestones only (a retention release is money already
    # inside the milestones that retained it), excluding VAT, before deductions.
    planned, forecast, certified = [], [], []
    for w in ix.work:
        m, value = w.m, w.value
        if value is None or m.cancelled or m.payment_basis not in DEDUCTIBLE:
            continue
        planned.append((m.contract_id, m.baseline_date, value))
        forecast.append((m.contract_id, m.actual_date or m.forecast_date or w.revised, value))
        assert w.state is not None
        if w.payable and w.state.signoff_date is not None:
            certified.append((m.contract_id, w.state.signoff_date, value))
    flows.add_all(PLANNED_VALUE, planned)
    flows.add_all(FORECAST_VALUE, forecast)
    flows.add_all(CERTIFIED_VALUE, certified)


def _cash_flows(ix: ModelIndex, flows: Flows) -> None:
    # The cash basis: VAT included, after deductions, retention releases included; every
    # invoice of a computed milestone, with or without a payment.
    due, invoiced, paid = [], [], []
    for w in ix.work:
        p = w.payment
        if w.payable and p is not None and p.amount_due is not None and p.due is not None:
            due.append((w.m.contract_id, p.due, p.amount_due))
    by_id, as_of = ix.by_id, ix.as_of
    for mid, invoices in ix.invoices.items():
        computed = by_id.get(mid)
        if computed is None:
            continue
        cid = computed.m.contract_id
        for inv in invoices:
            invoiced.append((cid, inv.invoice_date, inv.invoice_amount))
            if paid_by(inv, as_of):
                assert inv.paid_date is not None
                paid.append((cid, inv.paid_date, inv.paid_amount))
    flows.add_all(DUE, due)
    flows.add_all(INVOICED, invoiced)
    flows.add_all(PAID, paid)


def _amounts(w: MilestoneWork, p: PaymentFields, out: Gathered, as_of: date) -> None:
    # The Dashboard's amounts of a milestone with an invoice or payable.
    cur = w.contract.currency
    tally = out.tally
    if p.outstanding is not None and p.outstanding > 0:
        if p.status == OVERDUE:
            tally.add("overdue", cur, p.outstanding)
        elif p.due is not None:
            for key in due_window_keys(p.due, as_of):
                tally.add(key, cur, p.outstanding)
    if w.payable and w.deductions is not None:
        if w.m.payment_basis == RELEASE:
            tally.add("retention_held", cur, -(w.value or ZERO))
        tally.add("retention_held", cur, w.deductions.retention)
        tally.add("delay_damages_taken", cur, w.deductions.delay)
