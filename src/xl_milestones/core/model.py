"""Raw tables as read from a workbook, and the typed records built from the rows that validate.

Raw tables carry plain Python values (str, int, float, bool, datetime, CellError or None) and their
Excel row numbers; the typed records carry Decimal money, dates and the schema's defaults.
Record attribute names are the schema's field names (a test keeps them in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar, dataclass_transform

from xl_milestones.core.issues import Issue
from xl_milestones.core.schema import Sheet

# ------------------------------------------------------------------------------------ raw input


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error value in a cell, such as ``#REF!`` or ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(slots=True)
class RawTable:
    """One sheet's table: where it sits, and its data rows column by column.

    ``rows`` holds each data row's Excel row number; ``values`` holds, for each field read,
    its column of raw values, one per data row. Columns, not a dictionary per row: the
    validator reads a table column by column, and 100,000 rows of twenty fields are two
    million cells.
    """

    sheet: Sheet
    sheet_name: str
    header_row: int
    columns: dict[str, str]
    rows: list[int] = field(default_factory=list)
    values: dict[str, list[object]] = field(default_factory=dict)
    # Milestones only: the result cells the change report compares, by Excel row, as read.
    results: dict[int, dict[str, object]] = field(default_factory=dict)
    # The Excel table the rows were read from, and the last row (Excel's number) it covers;
    # rows below it, right under the table, are read too (a refresh extends the table).
    excel_table: str | None = None
    table_last_row: int | None = None

    @property
    def rows_below_table(self) -> bool:
        """Whether rows were read below the end of the Excel table."""
        end = self.table_last_row
        return end is not None and bool(self.rows) and self.rows[-1] > end

    def cell(self, field_name: str, row: int) -> str | None:
        """The A1 address of a field in a row, or None when the column is absent."""
        letter = self.columns.get(field_name)
        return f"{letter}{row}" if letter else None

    def column(self, field_name: str) -> list[object]:
        """The raw values of a field, one per data row (blanks when it was not read): the
        table's own list, to read, not to change."""
        column = self.values.get(field_name)
        return [None] * len(self.rows) if column is None else column

    def row_values(self, index: int) -> dict[str, object]:
        """The values of the data row at ``index`` (not its Excel row number), by field."""
        return {name: column[index] for name, column in self.values.items()}

    def append(self, row: int, values: Mapping[str, object]) -> None:
        """Add a data row at Excel row ``row``: for code that builds a table row by row."""
        for name in values.keys() - self.values.keys():
            self.values[name] = [None] * len(self.rows)
        for name, column in self.values.items():
            column.append(values.get(name))
        self.rows.append(row)

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` data rows only."""
        del self.rows[count:]
        for column in self.values.values():
            del column[count:]

    def release_rows(self) -> None:
        """Let go of the rows read, all but the last (whose number ``rows_below_table`` and the
        writers read), once the model is made from them; the previous results are left to
        ``RawWorkbook.previous``."""
        last = self.rows[-1:]
        self.values = {name: column[-1:] for name, column in self.values.items()}
        self.rows = last
        self.results = {}


@dataclass(frozen=True, slots=True)
class PreviousRefresh:
    """What the last refresh left in a workbook: its as-of date (the Refresh Log's last row;
    None when that cell is blank), the compared result cells of each Milestones row, and how
    many milestones it computed (None when its Status Counts cell is not as it wrote it)."""

    as_of: date | None
    results: dict[int, dict[str, object]]
    computed: int | None = None


@dataclass(slots=True)
class RawWorkbook:
    """Every schema table found in a workbook, plus what the reader itself found wrong.

    ``previous`` is None when the Refresh Log records no refresh (or the sheet is missing).
    """

    path: str
    tables: dict[str, RawTable]
    date1904: bool = False
    issues: list[Issue] = field(default_factory=list)
    previous: PreviousRefresh | None = None

    def release_rows(self) -> None:
        """``RawTable.release_rows`` for every table: for a refresh, whose writing of a large
        workbook then has their memory (docs/decisions.md, Performance)."""
        for table in self.tables.values():
            table.release_rows()


# --------------------------------------------------------------------------------- typed records

_R = TypeVar("_R")


@dataclass_transform(frozen_default=True)
def record(cls: type[_R]) -> type[_R]:
    """A typed record: read-only to the type checker (``mypy --strict`` refuses an assignment
    to a field, as for a frozen dataclass), a plain slotted dataclass at run time. The
    validator makes a record per row (about 290,000 on the largest benchmark workbook), and a
    frozen dataclass sets each field through ``object.__setattr__``: 2.5 times the time.
    Records are not hashed (eq without frozen leaves them unhashable, so a set or dict key
    of them fails at once rather than silently)."""
    return dataclass(slots=True)(cls)


@dataclass(frozen=True, slots=True)
class Settings:
    as_of_date: date | None = None
    reporting_currency: str | None = None
    business_day_convention: str = "following"
    holiday_country: str | None = None
    late_interest_regime: str = "none"
    late_interest_reference_rate: Decimal = Decimal(0)
    late_interest_margin: Decimal | None = None
    at_risk_window_days: int = 14
    rag_tolerance_days: int = 0
    signoff_days: int = 10
    check_completion: str = "block"
    check_deliverables: str = "block"
    check_predecessors: str = "block"
    check_blocking_issues: str = "block"
    check_disputes: str = "block"
    check_approvers: str = "block"
    check_contract_active: str = "block"
    check_evidence: str = "warn"
    check_acceptance_criteria: str = "warn"
    check_pending_changes: str = "warn"
    check_invoice: str = "off"


@record
class Contract:
    row: int
    contract_id: str
    contract_name: str
    supplier: str
    currency: str
    original_value: Decimal
    start_date: date
    end_date: date | None = None
    payment_terms_days: int = 30
    payment_terms_basis: str = "after_invoice"
    retention_rate: Decimal = Decimal(0)
    retention_limit: Decimal | None = None
    advance_amount: Decimal = Decimal(0)
    advance_recovery_threshold: Decimal = Decimal("0.10")
    advance_recovery_rate: Decimal = Decimal("0.25")
    delay_damages_rate: Decimal = Decimal(0)
    delay_damages_cap: Decimal | None = None
    vat_rate: Decimal = Decimal(0)
    contract_owner: str | None = None
    contract_status: str = "active"


@record
class Milestone:
    row: int
    milestone_id: str
    contract_id: str
    milestone_name: str
    milestone_type: str
    baseline_date: date
    owner: str | None = None
    acceptance_criteria: str | None = None
    forecast_date: date | None = None
    actual_date: date | None = None
    percent_complete: Decimal = Decimal(0)
    payment_basis: str = "none"
    payment_percent: Decimal | None = None
    payment_amount: Decimal | None = None
    predecessors: tuple[str, ...] = ()
    evidence: str | None = None
    on_hold: bool = False
    cancelled: bool = False
    notes: str | None = None


@record
class Deliverable:
    row: int
    deliverable_id: str
    milestone_id: str
    deliverable_name: str
    due_date: date | None = None
    submitted_date: date | None = None
    accepted_date: date | None = None
    acceptance_status: str = "pending"
    evidence: str | None = None


@record
class Signoff:
    row: int
    milestone_id: str
    approver_role: str
    approver_name: str
    decision: str = "pending"
    decision_date: date | None = None
    comment: str | None = None


@record
class ApprovalRule:
    row: int
    min_value: Decimal
    approver_role: str


@record
class ChangeOrder:
    row: int
    change_id: str
    contract_id: str
    description: str
    milestone_id: str | None = None
    value_change: Decimal = Decimal(0)
    extension_days: int = 0
    change_status: str = "proposed"
    approved_date: date | None = None


@record
class Invoice:
    row: int
    invoice_id: str
    milestone_id: str
    invoice_date: date
    invoice_amount: Decimal
    paid_date: date | None = None
    paid_amount: Decimal = Decimal(0)


@record
class IssueRecord:
    """A risk, issue or dispute from the Issues sheet (not a validation Issue)."""

    row: int
    issue_id: str
    milestone_id: str
    category: str
    description: str
    severity: str = "medium"
    blocking: bool = False
    issue_status: str = "open"
    raised_date: date | None = None
    closed_date: date | None = None
    issue_owner: str | None = None
    amount_disputed: Decimal | None = None


@record
class Holiday:
    row: int
    holiday_date: date
    holiday_name: str | None = None


@record
class FxRate:
    row: int
    currency: str
    rate_to_reporting: Decimal


@record
class SkippedMilestone:
    """A Milestones row that is not computed because it, or a row it depends on, has errors;
    its ID, Contract ID and name as the row holds them (None where blank or unreadable), so a
    report can still name it."""

    row: int
    milestone_id: str | None
    contract_id: str | None = None
    milestone_name: str | None = None


@dataclass(slots=True)
class Model:
    """Everything the engine needs, from the rows that validated."""

    settings: Settings = field(default_factory=Settings)
    contracts: dict[str, Contract] = field(default_factory=dict)
    milestones: list[Milestone] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)
    approval_rules: list[ApprovalRule] = field(default_factory=list)
    change_orders: list[ChangeOrder] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    issues: list[IssueRecord] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)
    fx_rates: dict[str, FxRate] = field(default_factory=dict)
    skipped: list[SkippedMilestone] = field(default_factory=list)
    # The Settings row of each setting given there (field name -> row), for warnings on it.
    setting_rows: dict[str, int] = field(default_factory=dict)

    def names_by_row(self) -> dict[int, tuple[str | None, str | None]]:
        """Each Milestones row's Contract ID and name, also of a row not computed (as the row
        holds them): what a report names a milestone by."""
        names: dict[int, tuple[str | None, str | None]] = {
            m.row: (m.contract_id, m.milestone_name) for m in self.milestones
        }
        names.update((s.row, (s.contract_id, s.milestone_name)) for s in self.skipped)
        return names
