"""The portfolio's records and output sheets: what the roll-up (app.portfolio) fills and the
portfolio workbook and Parquet writers (reports) write, below both so neither imports the other.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from xl_milestones.core.engine import RESULT_FIELDS
from xl_milestones.core.portfolio import DashboardTally
from xl_milestones.core.schema import (
    CONTRACTS,
    DASHBOARD_METRICS,
    MILESTONES,
    PAYMENT_SCHEDULE,
    SIGNOFF_QUEUE,
    Field,
    FieldType,
    Sheet,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
REPORTING_SUFFIX = "_reporting"
PORTFOLIO_EXTRA = "pip install 'xl-milestones[portfolio]'"


def _out(name: str, header: str, type_: FieldType, description: str) -> Field:
    return Field(name, header, type_, description, result=True)


_SOURCE = _out("source", "Workbook", FieldType.TEXT, "The workbook file (on the sheets, a link).")

# ------------------------------------------------------------------------------ the sheets

# The portfolio workbook's title: its Dashboard's and its document property's.
PORTFOLIO_TITLE = "Contract milestones: portfolio"

SOURCES = Sheet(
    name="Sources",
    key="sources",
    output=True,
    description="One row per workbook file: read or not and why, what was computed.",
    fields=(
        _SOURCE,
        _out("read", "Read", FieldType.YESNO, "Whether the file could be read."),
        _out("reason", "Not Read Because", FieldType.TEXT, "Why not: what `validate` says."),
        _out("as_of_date", "As Of Date", FieldType.DATE, "The as-of date its figures use."),
        _out(
            "book_currency",
            "Book Currency",
            FieldType.TEXT,
            "Its own reporting currency (Settings, else its contracts' most common); blank "
            "when it has neither.",
        ),
        _out("contracts", "Contracts", FieldType.INT, "Contracts read."),
        _out("milestones", "Milestones Computed", FieldType.INT, "Milestones computed."),
        _out("skipped", "Milestones Skipped", FieldType.INT, "Not computed: errors in rows."),
        _out("errors", "Errors", FieldType.INT, "Validation errors (`validate` lists them)."),
        _out("warnings", "Warnings", FieldType.INT, "Validation warnings."),
        _out("first_error", "First Error", FieldType.TEXT, "The first error: cell and message."),
        _out(
            "missing_fx",
            "No FX Rate For",
            FieldType.TEXT,
            "Currencies without a rate to the reporting currency: left out of the totals.",
        ),
        _out(
            "duplicate_contracts",
            "Contract IDs Also Elsewhere",
            FieldType.TEXT,
            "Contract IDs that another workbook uses too (both are kept).",
        ),
        _out("notes", "Notes", FieldType.TEXT, "Anything else to know about the file."),
    ),
)
# Sources' column of the currencies without a rate.
MISSING_FX = [f.name for f in SOURCES.fields].index("missing_fx")

_IDENTIFYING = ("milestone_id", "contract_id", "milestone_name", "milestone_type", "owner")
_DATES = ("baseline_date", "forecast_date", "actual_date", "payment_basis")
ALL_MILESTONES = Sheet(
    name="All Milestones",
    key="all_milestones",
    output=True,
    description="One row per milestone of every workbook read, with every result column.",
    fields=(
        _SOURCE,
        _out("row", "Row", FieldType.INT, "Its row on the workbook's Milestones sheet."),
        *(MILESTONES.field(n) for n in _IDENTIFYING),
        CONTRACTS.field("contract_name"),
        CONTRACTS.field("supplier"),
        CONTRACTS.field("currency"),
        *(MILESTONES.field(n) for n in _DATES),
        _out("computed", "Computed", FieldType.YESNO, "No when its rows have errors."),
        *MILESTONES.results,
        _out(
            "amount_due_reporting",
            "Amount Due (Reporting)",
            FieldType.MONEY,
            "Amount Due in the reporting currency (blank without an FX rate).",
        ),
        _out(
            "outstanding_reporting",
            "Outstanding (Reporting)",
            FieldType.MONEY,
            "Outstanding in the reporting currency (blank without an FX rate).",
        ),
    ),
)
# What a worker sends back per milestone: every All Milestones column but the two reporting
# amounts, which depend on the portfolio's currency and rates.
BOOK_FIELDS = tuple(f.name for f in ALL_MILESTONES.fields[1:-2])
BOOK_INDEX = {name: i for i, name in enumerate(BOOK_FIELDS)}
# read_book builds its rows positionally, in this order; fail at import if it drifts.
if (
    BOOK_FIELDS[:14]
    != (  # pragma: no cover - a schema change needs this module
        "row",
        *_IDENTIFYING,
        "contract_name",
        "supplier",
        "currency",
        *_DATES,
        "computed",
    )
    or BOOK_FIELDS[14:] != RESULT_FIELDS
):
    raise ImportError("the All Milestones columns changed; update app/portfolio.py")

PORTFOLIO_SCHEDULE = Sheet(
    name="Payment Schedule",
    key="portfolio_payment_schedule",
    output=True,
    description="Each workbook's Payment Schedule rows, reporting columns in one currency.",
    fields=(_SOURCE, *PAYMENT_SCHEDULE.fields),
)

PORTFOLIO_QUEUE = Sheet(
    name="Sign-off Queue",
    key="portfolio_signoff_queue",
    output=True,
    description="Each workbook's Sign-off Queue rows (one per milestone awaiting sign-off and "
    "role it waits on): ready milestones first, then the most overdue, with what blocks each.",
    fields=(
        _SOURCE,
        *SIGNOFF_QUEUE.fields,
        MILESTONES.field("signoff_blockers"),
        CONTRACTS.field("supplier"),
        _out(
            "amount_at_stake_reporting",
            "Amount at Stake (Reporting)",
            FieldType.MONEY,
            "Amount at Stake in the reporting currency (blank without an FX rate).",
        ),
    ),
)
QUEUE_INDEX = {f.name: i for i, f in enumerate(SIGNOFF_QUEUE.fields)}

MONEY_COLUMNS = (
    ("value", "Value", "Milestone values (not cancelled)."),
    ("amount_due", "Amount Due", "Amounts due of signed-off milestones."),
    ("paid", "Paid", "Paid so far."),
    ("outstanding", "Outstanding", "Amount due not yet paid."),
    ("overdue", "Overdue", "Outstanding past its payment due date."),
    ("retention_held", "Retention Held", "Retention taken minus retention released."),
)
_COUNT_COLUMNS = (
    ("milestones", "Milestones", "Milestones computed."),
    ("late", "Late", "Milestones Late."),
    ("red", "Red", "Milestones with RAG Red."),
    ("awaiting_signoff", "Awaiting Sign-off", "Milestones awaiting sign-off."),
)
COUNT_FIELDS = tuple(_out(n, h, FieldType.INT, d) for n, h, d in _COUNT_COLUMNS)
AMOUNT_FIELDS = tuple(
    _out(n, f"{h} (Reporting)", FieldType.MONEY, d + " In the reporting currency.")
    for n, h, d in MONEY_COLUMNS
)
BY_CONTRACT = Sheet(
    name="By Contract",
    key="by_contract",
    output=True,
    description="One row per contract of every workbook: counts, and amounts in the reporting "
    "currency (blank without an FX rate).",
    fields=(
        _SOURCE,
        CONTRACTS.field("contract_id"),
        CONTRACTS.field("contract_name"),
        CONTRACTS.field("supplier"),
        CONTRACTS.field("currency"),
        *COUNT_FIELDS,
        *AMOUNT_FIELDS,
    ),
)
BY_SUPPLIER = Sheet(
    name="By Supplier",
    key="by_supplier",
    output=True,
    description="One row per supplier across every workbook (names matched ignoring case and "
    "spacing): counts, and amounts in the reporting currency.",
    fields=(
        CONTRACTS.field("supplier"),
        _out("contracts", "Contracts", FieldType.INT, "Contracts with this supplier."),
        *COUNT_FIELDS,
        *AMOUNT_FIELDS,
    ),
)

KEY_FIGURES = Sheet(
    name="Key Figures",
    key="key_figures",
    output=True,
    description="The Dashboard's key figures and milestones by status, one row each.",
    fields=(
        _out("metric", "Metric", FieldType.TEXT, "The figure's key (snake_case)."),
        _out("label", "Figure", FieldType.TEXT, "The figure as the Dashboard names it."),
        _out("value", "Value", FieldType.MONEY, "The figure: a count, or an amount."),
        _out("currency", "Currency", FieldType.TEXT, "The reporting currency of an amount."),
    ),
)


def key_figure_rows(portfolio: Portfolio) -> list[tuple[object, ...]]:
    """KEY_FIGURES rows: the Dashboard's key figures, then one row per status."""
    from xl_milestones.core.portfolio import COUNT_METRICS

    counts = COUNT_METRICS | {"workbooks_read", "workbooks_not_read", "contracts"}
    rows: list[tuple[object, ...]] = [
        (
            key,
            label,
            Decimal(portfolio.figures.get(key, 0)),
            None if key in counts else portfolio.currency,
        )
        for key, label in PORTFOLIO_METRICS
    ]
    rows += [
        ("status_" + "_".join(status.lower().replace("-", " ").split()), status, Decimal(n), None)
        for status, n in portfolio.status_counts.items()
    ]
    return rows


@dataclass(slots=True)
class BookOutcome:
    """What one worker found in one file: plain values, cheap to send between processes."""

    path: str
    read: bool
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    as_of: _dt.date | None = None
    currency: str | None = None
    rates: dict[str, Decimal] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    first_error: str | None = None
    computed: int = 0
    skipped: int = 0
    contracts: list[tuple[str, str, str, str]] = field(default_factory=list)
    milestones: list[tuple[object, ...]] = field(default_factory=list)
    schedule: list[tuple[object, ...]] = field(default_factory=list)
    queue: list[tuple[object, ...]] = field(default_factory=list)
    tally: DashboardTally | None = None
    figures: dict[str, Decimal | int] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Portfolio:
    """The figures of the Dashboard and the rows of the tables written at the end, in their
    schema's field order (the STREAMED tables went to the sinks as the workbooks came)."""

    currency: str
    as_of: _dt.date | None
    # Each file's outcome, without its rows (they are in the tables).
    outcomes: list[BookOutcome]
    sources: list[tuple[object, ...]]
    queue: list[tuple[object, ...]]
    by_contract: list[tuple[object, ...]]
    by_supplier: list[tuple[object, ...]]
    figures: dict[str, Decimal | int]
    status_counts: dict[str, int]
    scurve: list[tuple[object, ...]]
    # For each sheet key, the file each row's Workbook cell links to (row index -> path).
    links: dict[str, dict[int, str]]
    # No workbook gives a currency (no Reporting Currency setting, no contract) and none was
    # asked for: ``currency`` is the default, EUR.
    currency_assumed: bool = False
    # Contract IDs found in more than one workbook read (each counted in every one of them).
    shared_contracts: int = 0

    @property
    def shared_text(self) -> str:
        """``12 contract IDs in more than one workbook, counted in each``; "" for none."""
        n = self.shared_contracts
        if not n:
            return ""
        return (
            f"{n:,} contract ID{'' if n == 1 else 's'} in more than one workbook, counted in each"
        )

    @property
    def not_computed_text(self) -> str:
        """``3 of 24 milestones not computed``: those with errors in their rows, left out of
        every figure and count of the Dashboard; "" when every milestone was computed."""
        read = [o for o in self.outcomes if o.read]
        skipped = sum(o.skipped for o in read)
        if not skipped:
            return ""
        total = skipped + sum(o.computed for o in read)
        return f"{skipped:,} of {total:,} milestone{'' if total == 1 else 's'} not computed"

    @property
    def currency_text(self) -> str:
        """``GBP``, or ``EUR (no workbook gives a currency)`` for the default."""
        if self.currency_assumed:
            return f"{self.currency} (no workbook gives a currency)"
        return self.currency

    @property
    def read(self) -> int:
        return sum(1 for o in self.outcomes if o.read)

    @property
    def not_read(self) -> int:
        return len(self.outcomes) - self.read

    @property
    def errors(self) -> int:
        return sum(o.errors for o in self.outcomes)

    @property
    def no_rate(self) -> list[str]:
        """The currencies some workbook has no FX rate for: left out of the amounts."""
        found = {
            c for row in self.sources if row[MISSING_FX] for c in str(row[MISSING_FX]).split(", ")
        }
        return sorted(found)

    @property
    def exit_code(self) -> int:
        """0 every file read without errors; 1 some not read or with errors; 2 none read."""
        if not self.read:
            return 2
        return 1 if self.not_read or self.errors else 0


PORTFOLIO_METRICS: tuple[tuple[str, str], ...] = (
    ("workbooks_read", "Workbooks read"),
    ("workbooks_not_read", "Workbooks not read"),
    ("contracts", "Contracts"),
    *DASHBOARD_METRICS,
)
