"""The validator: reads the cells of each sheet, runs the checks of ``core/validation``, then
builds the model.

``validate(raw, today=...)`` turns the reader's raw rows into Issues (sorted by sheet, row,
column) and a Model built only from the rows that validated, with the schema's defaults. It
never raises on bad data. Milestones that cannot be computed without guessing are listed in
``Model.skipped``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date
from decimal import Decimal
from typing import Any, Final, TypeVar

from xl_milestones.core.coerce import show
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import (
    ApprovalRule,
    ChangeOrder,
    Contract,
    Deliverable,
    FxRate,
    Holiday,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    RawWorkbook,
    Settings,
    Signoff,
    SkippedMilestone,
)
from xl_milestones.core.schema import (
    APPROVAL_RULES,
    CHANGE_ORDERS,
    CONTRACTS,
    DELIVERABLES,
    FX_RATES,
    HOLIDAYS,
    INPUT_SHEETS,
    INVOICES,
    ISSUES,
    MILESTONES,
    SETTINGS,
    SIGNOFFS,
    FieldType,
    Sheet,
    sheet_by_name,
)
from xl_milestones.core.validation import CHECKS
from xl_milestones.core.validation.cells import coerce_table
from xl_milestones.core.validation.keys import noun
from xl_milestones.core.validation.settings import read_settings, settings_table
from xl_milestones.core.validation.skips import skipped_milestones
from xl_milestones.core.validation.table import Book, Found, Table, empty_table

ERROR: Final = Severity.ERROR
WARNING: Final = Severity.WARNING
_ONE: Final = Decimal(1)


@dataclass(slots=True)
class Validation:
    """The outcome of validating a workbook."""

    issues: list[Issue]
    model: Model
    as_of: date
    # Where as_of came from: "option" (the caller's), "settings", or today because there is no
    # Settings sheet ("no-settings-sheet"), an empty one ("empty-settings-sheet"), no As Of
    # Date on it ("no-as-of-date"), or one that is not a date (an error on its cell:
    # "invalid-as-of-date").
    as_of_source: str = "settings"

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is ERROR)


def validate(raw: RawWorkbook, *, today: date, as_of: date | None = None) -> Validation:
    """Validate every sheet of ``raw`` and build the model from the rows that pass.

    ``as_of`` overrides the Settings As Of Date; ``today`` is used when neither is given.
    """
    recorder = _Recorder(raw)
    settings, setting_rows = recorder.settings()
    book = Book(
        recorder.tables,
        frozenset(raw.tables),
        as_of or settings.as_of_date or today,
        settings,
        setting_rows,
        as_of is not None,
    )
    recorder.cells()
    for check in CHECKS:
        recorder.record_all(check(book))
    model = _model(book, setting_rows)
    issues = recorder.issues
    issues.sort(key=Issue.sort_key)
    source = _as_of_source(raw, settings, as_of, recorder.tables[SETTINGS.key], setting_rows)
    return Validation(issues, model, book.as_of, source)


def _as_of_source(
    raw: RawWorkbook,
    settings: Settings,
    as_of: date | None,
    table: Table,
    setting_rows: dict[str, int],
) -> str:
    if as_of is not None:
        return "option"
    if settings.as_of_date is not None:
        return "settings"
    if SETTINGS.key not in raw.tables:
        empty = any(
            i.code == "sheet-empty" and sheet_by_name(i.sheet) is SETTINGS for i in raw.issues
        )
        return "empty-settings-sheet" if empty else "no-settings-sheet"
    row = setting_rows.get("as_of_date")
    bad = table.bad.get("value", ())
    return "invalid-as-of-date" if any(table.rows[i] == row for i in bad) else "no-as-of-date"


_R = TypeVar("_R")


class _Recorder:
    """Turns Found issues into Issues at their cells, marking their rows and cells bad."""

    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
        self.issues: list[Issue] = list(raw.issues)
        self.tables: dict[str, Table] = {}
        self.fallback: dict[str, str] = {}  # the column an issue without its own cell names
        for key, table in raw.tables.items():
            letters = [table.columns[f.name] for f in table.sheet.fields if f.name in table.columns]
            self.fallback[key] = letters[0] if letters else "A"
        self.headers = {
            (sheet.key, f.name): f.header for sheet in INPUT_SHEETS for f in sheet.fields
        }

    def record(self, found: Found) -> None:
        key, i, severity, code, field_name, value, message = found
        table = self.tables[key]
        raw = self.raw.tables[key]
        row = table.rows[i]
        letter = raw.columns.get(field_name)
        cell = f"{letter}{row}" if letter else f"{self.fallback[key]}{row}"
        header = self.headers[key, field_name]
        self.issues.append(
            Issue(severity, code, raw.sheet_name, row, header, cell, show(value), message)
        )
        if severity is ERROR:
            table.error.add(i)
            bad = table.bad.get(field_name)
            if bad is None:
                table.bad[field_name] = {i}
            else:
                bad.add(i)

    def record_all(self, found: Iterable[Found]) -> None:
        for item in found:
            self.record(item)

    def drain(self, found: Generator[Found, None, _R]) -> _R:
        """Record every issue ``found`` yields; return what it returns."""
        while True:
            try:
                item = next(found)
            except StopIteration as stop:
                result: _R = stop.value
                return result
            self.record(item)

    def settings(self) -> tuple[Settings, dict[str, int]]:
        """The Settings sheet read, its problems recorded."""
        raw = self.raw.tables.get(SETTINGS.key)
        if raw is None:
            self.tables[SETTINGS.key] = empty_table(SETTINGS)
            return Settings(), {}
        self.tables[SETTINGS.key] = settings_table(raw)
        read = read_settings(self.tables[SETTINGS.key], self.raw.date1904)
        settings, rows = self.drain(read)
        self._reader_errors(SETTINGS.key)
        return settings, rows

    def cells(self) -> None:
        """Every other sheet's cells read into a Table, their problems recorded."""
        for sheet in INPUT_SHEETS:
            if sheet is SETTINGS:
                continue
            raw = self.raw.tables.get(sheet.key)
            if raw is None:
                self.tables[sheet.key] = empty_table(sheet)
                continue
            table, found, blank = coerce_table(raw, self.raw.date1904)
            self.tables[sheet.key] = table
            self.record_all(found)
            if blank:
                self.tables[sheet.key] = table.without(blank)
            self._reader_errors(sheet.key)

    def _reader_errors(self, key: str) -> None:
        """Rows the reader found an error in (a merged cell) are rows with an error."""
        name = self.raw.tables[key].sheet_name
        rows = {
            issue.row
            for issue in self.raw.issues
            if issue.severity is ERROR and issue.sheet == name and issue.row is not None
        }
        if rows:
            table = self.tables[key]
            table.error.update(i for i, row in enumerate(table.rows) if row in rows)


# ---------------------------------------------------------------------------------- the model

# Per sheet, the fields whose blank means something other than None, with that default.
_DEFAULTS: Final = {
    sheet.key: {
        f.name: () if f.type is FieldType.IDS else f.default
        for f in sheet.inputs
        if f.type is FieldType.IDS or f.default is not None
    }
    for sheet in INPUT_SHEETS
}


def _model(book: Book, setting_rows: dict[str, int]) -> Model:
    skipped = skipped_milestones(book)
    model = Model(settings=book.settings, setting_rows=dict(setting_rows))
    reporting = book.reporting_currency
    if reporting and not book.settings.reporting_currency:
        model.settings = replace(book.settings, reporting_currency=reporting)
    tables = book.tables
    for c in _records(Contract, tables[CONTRACTS.key]):
        model.contracts[c.contract_id] = c
    milestones = tables[MILESTONES.key]
    model.milestones = _records(Milestone, milestones, skipped)
    columns = milestones.columns
    ids, cids, names = columns["milestone_id"], columns["contract_id"], columns["milestone_name"]
    model.skipped = [
        SkippedMilestone(milestones.rows[i], ids[i], cids[i], names[i]) for i in sorted(skipped)
    ]
    model.deliverables = _records(Deliverable, tables[DELIVERABLES.key])
    model.signoffs = _records(Signoff, tables[SIGNOFFS.key])
    model.approval_rules = _records(ApprovalRule, tables[APPROVAL_RULES.key])
    model.change_orders = _records(ChangeOrder, tables[CHANGE_ORDERS.key])
    model.invoices = _records(Invoice, tables[INVOICES.key])
    model.issues = _records(IssueRecord, tables[ISSUES.key])
    model.holidays = _records(Holiday, tables[HOLIDAYS.key])
    for fx in _records(FxRate, tables[FX_RATES.key]):
        model.fx_rates[fx.currency] = fx
    return model


_T = TypeVar("_T")


def _records(cls: type[_T], table: Table, drop: set[int] | None = None) -> list[_T]:
    """The typed records of the rows of ``table`` that validated (and are not in ``drop``),
    built column by column: blanks take the schema's defaults, then one call per record."""
    sheet = table.sheet
    names = _record_fields(cls, sheet)
    leave = table.error if drop is None else drop
    keep = [i for i in range(len(table)) if i not in leave] if leave else None
    rows = table.rows if keep is None else [table.rows[i] for i in keep]
    defaults = _DEFAULTS[sheet.key]
    columns = []
    for name in names:
        column = table.columns[name]
        if keep is not None:
            column = [column[i] for i in keep]
        if name in defaults:
            default = defaults[name]
            column = [default if v is None else v for v in column]
        columns.append(column)
    if cls is Milestone:
        # A milestone with an Actual Date is complete.
        at = names.index("percent_complete")
        actual = columns[names.index("actual_date")]
        columns[at] = [
            _ONE if a is not None and p != _ONE else p
            for a, p in zip(actual, columns[at], strict=True)
        ]
    return list(map(cls, rows, *columns))


def _record_fields(cls: type[Any], sheet: Sheet) -> list[str]:
    """The fields of record ``cls`` after its row: the inputs of ``sheet``, in its order."""
    names = [f.name for f in dataclass_fields(cls)]
    if names[:1] != ["row"] or sorted(names[1:]) != sorted(f.name for f in sheet.inputs):
        raise TypeError(f"{cls.__name__} does not hold the inputs of {sheet.name}")
    return names[1:]


__all__ = ["Validation", "noun", "validate"]
