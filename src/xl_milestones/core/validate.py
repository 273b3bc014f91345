"""The validator: every rule of the milestone schema, per cell, per table and across sheets.

``validate(raw, today=...)`` turns the reader's raw rows into Issues (sorted by sheet, row,
column) and a Model built only from the rows that validated, with the schema's defaults. It
never raises on bad data. Milestones that cannot be computed without guessing are listed in
``Model.skipped``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final, cast

from xl_milestones.core.coerce import Converter, Problem, converter, show
from xl_milestones.core.collector import collector_paused
from xl_milestones.core.currencies import MINOR_UNITS, most_common_currency
from xl_milestones.core.dates import add_years
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import (
    ApprovalRule,
    CellError,
    ChangeOrder,
    Contract,
    Deliverable,
    FxRate,
    Holiday,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    RawRow,
    RawTable,
    RawWorkbook,
    Settings,
    Signoff,
    SkippedMilestone,
)
from xl_milestones.core.schema import (
    APPROVAL_RULES,
    AT_MOST_CONTRACT_VALUE,
    CHANGE_ORDERS,
    CONTRACT_DATE_YEARS,
    CONTRACTS,
    DELIVERABLES,
    FX_RATES,
    HOLIDAYS,
    INPUT_SHEETS,
    INVOICES,
    ISSUES,
    MILESTONES,
    NEAR_CONTRACT_DATES,
    NEAR_CONTRACT_YEARS,
    SETTING_FIELDS,
    SETTINGS,
    SIGNOFFS,
    Field,
    FieldType,
    Sheet,
    setting_by_name,
)

ERROR: Final = Severity.ERROR
WARNING: Final = Severity.WARNING
_ONE: Final = Decimal(1)
_PAYMENT_FIELDS: Final = frozenset({"payment_basis", "payment_percent", "cancelled"})

# Sheets whose rows feed every milestone: an error there leaves nothing safe to compute.
_GLOBAL_SHEETS: Final = (SETTINGS.key, APPROVAL_RULES.key, HOLIDAYS.key)
# Sheets whose rows feed one milestone, through their Milestone ID.
_FEEDING_SHEETS: Final = (DELIVERABLES.key, SIGNOFFS.key, INVOICES.key, ISSUES.key)


@dataclass(slots=True)
class Validation:
    """The outcome of validating a workbook."""

    issues: list[Issue]
    model: Model
    as_of: date
    # Where as_of came from: "option" (the caller's), "settings", or today because there is no
    # Settings sheet ("no-settings-sheet") or no As Of Date on it ("no-as-of-date").
    as_of_source: str = "settings"

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is WARNING)


@dataclass(slots=True)
class _Row:
    """One data row after coercion: typed values (None when blank or bad) and its error flag."""

    row: int
    values: dict[str, Any]
    error: bool = False
    bad: set[str] | None = None  # fields whose cell could not be read as their type


def validate(raw: RawWorkbook, *, today: date, as_of: date | None = None) -> Validation:
    """Validate every sheet of ``raw`` and build the model from the rows that pass.

    ``as_of`` overrides the Settings As Of Date; ``today`` is used when neither is given.
    """
    # Every row becomes a dict, a row object and a record, none freed before the end.
    with collector_paused():
        return _Validator(raw, today, as_of).run()


def noun(sheet: Sheet) -> str:
    """What one row of a sheet is: ``Change Orders`` -> ``change order``."""
    return sheet.name.lower().removesuffix("s")


class _Validator:
    def __init__(self, raw: RawWorkbook, today: date, as_of: date | None) -> None:
        self.raw = raw
        self.today = today
        self.explicit_as_of = as_of
        self.as_of = as_of or today
        self.issues: list[Issue] = list(raw.issues)
        self.rows: dict[str, list[_Row]] = {}
        self.fallback: dict[str, str] = {}
        for key, table in raw.tables.items():
            letters = [table.columns[f.name] for f in table.sheet.fields if f.name in table.columns]
            self.fallback[key] = letters[0] if letters else "A"
        self.settings = Settings()
        self.settings_rows: list[_Row] = []
        self.setting_rows: dict[str, int] = {}  # setting field name -> its Settings row
        self.reporting_currency: str | None = None

    # ------------------------------------------------------------------------------ issues

    def add(
        self,
        key: str,
        r: _Row,
        severity: Severity,
        code: str,
        field_name: str,
        value: object,
        message: str,
    ) -> None:
        table = self.raw.tables[key]
        header = table.sheet.field(field_name).header
        cell = table.cell(field_name, r.row) or f"{self.fallback[key]}{r.row}"
        self.issues.append(
            Issue(severity, code, table.sheet_name, r.row, header, cell, show(value), message)
        )
        if severity is ERROR:
            r.error = True
            if r.bad is None:
                r.bad = set()
            r.bad.add(field_name)

    # -------------------------------------------------------------------------------- run

    def run(self) -> Validation:
        reader_errors: dict[str, set[int]] = {}
        names = {t.sheet_name: key for key, t in self.raw.tables.items()}
        for issue in self.raw.issues:
            if issue.severity is ERROR and issue.sheet in names and issue.row is not None:
                reader_errors.setdefault(names[issue.sheet], set()).add(issue.row)

        self._settings()
        for sheet in INPUT_SHEETS:
            if sheet is SETTINGS:
                continue
            rows = self._coerce(sheet.key)
            bad = reader_errors.get(sheet.key)
            if bad:
                for r in rows:
                    if r.row in bad:
                        r.error = True
            self.rows[sheet.key] = rows
        if bad_settings := reader_errors.get(SETTINGS.key):
            for r in self.settings_rows:
                if r.row in bad_settings:
                    r.error = True

        for key, field_name in ((CONTRACTS.key, "currency"), (FX_RATES.key, "currency")):
            for r in self.rows[key]:
                self._currency(key, r, field_name)
        for sheet in INPUT_SHEETS:
            if sheet is not SETTINGS:
                self._unique(sheet)
        self._resolve_reporting_currency()
        self._contracts()
        self._milestones()
        self._deliverables()
        self._signoffs()
        self._change_orders()
        self._invoices()
        self._issue_rows()
        self._contract_ranges()
        self._fx()

        model = self._model()
        self.issues.sort(key=Issue.sort_key)
        return Validation(self.issues, model, self.as_of, self._as_of_source())

    def _as_of_source(self) -> str:
        if self.explicit_as_of is not None:
            return "option"
        if self.settings.as_of_date is not None:
            return "settings"
        return "no-as-of-date" if SETTINGS.key in self.raw.tables else "no-settings-sheet"

    # --------------------------------------------------------------------------- settings

    def _settings(self) -> None:
        table = self.raw.tables.get(SETTINGS.key)
        if table is None:
            return
        key = SETTINGS.key
        seen: dict[str, _Row] = {}
        values: dict[str, object] = {}
        for raw_row in table.rows:
            r = _Row(raw_row.row, dict(raw_row.values))
            self.settings_rows.append(r)
            name_value, problem = _split(
                converter(SETTINGS.field("setting"))(raw_row.values["setting"])
            )
            if problem is not None:
                self._problem(key, r, SETTINGS.field("setting"), raw_row.values["setting"], problem)
            if name_value is None:
                if raw_row.values.get("value") is not None and problem is None:
                    self.add(
                        key, r, ERROR, "required", "setting", None, _required_text(table, "setting")
                    )
                continue
            setting = setting_by_name(str(name_value))
            if setting is None:
                hint = _nearest(str(name_value), [f.header for f in SETTING_FIELDS])
                maybe = f"did you mean '{hint}'? " if hint else ""
                self.add(
                    key,
                    r,
                    ERROR,
                    "unknown-setting",
                    "setting",
                    name_value,
                    f"'{name_value}' is not a setting: {maybe}correct the name or delete the row",
                )
                continue
            if setting.name in seen:
                first = seen[setting.name]
                self.add(
                    key,
                    r,
                    ERROR,
                    "duplicate-setting",
                    "setting",
                    name_value,
                    f"{setting.header} is also set in row {first.row}: keep one row per setting",
                )
                continue
            seen[setting.name] = r
            self.setting_rows[setting.name] = r.row
            raw_value = raw_row.values.get("value")
            if raw_value is None:
                continue
            value, problem = _split(converter(setting, self.raw.date1904)(raw_value))
            if problem is not None:
                self._problem(
                    key,
                    r,
                    SETTINGS.field("value"),
                    raw_value,
                    problem._replace(message=f"{setting.header}: {problem.message}"),
                )
            if value is None:
                continue
            if setting.name == "reporting_currency":
                code = str(value).upper()
                if code not in MINOR_UNITS:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "unknown-currency",
                        "value",
                        value,
                        f"Reporting Currency '{value}' is not an ISO 4217 currency code: "
                        "enter a code such as GBP, EUR or USD",
                    )
                    continue
                value = code
            elif setting.name == "holiday_country":
                code = str(value).upper()
                if not _is_holiday_country(code):
                    self.add(
                        key,
                        r,
                        ERROR,
                        "unknown-country",
                        "value",
                        value,
                        f"Holiday Country '{value}' is not a country whose holidays are known: "
                        "enter an ISO 3166 code such as GB, US or DE, or leave it blank",
                    )
                    continue
                value = code
            values[setting.name] = value
        self.settings = Settings(**values)  # type: ignore[arg-type]
        if self.explicit_as_of is None and self.settings.as_of_date is not None:
            self.as_of = self.settings.as_of_date

    # ---------------------------------------------------------------------- cell coercion

    def _problem(self, key: str, r: _Row, f: Field, value: object, problem: Problem) -> None:
        self.add(key, r, problem.severity, problem.code, f.name, value, problem.message)

    def _coerce(self, key: str) -> list[_Row]:
        table = self.raw.tables.get(key)
        if table is None:
            return []
        sheet = table.sheet
        date1904 = self.raw.date1904
        raw_rows = table.rows
        inputs = sheet.inputs
        present = [f for f in inputs if f.name in table.columns]
        n = len(raw_rows)
        found: list[tuple[int, Field, object, Problem]] = []
        missing: list[tuple[int, Field]] = []
        spaces: set[int] = set()
        typed_columns: dict[str, list[Any]] = {}
        # Column by column: one converter call per distinct value (or per filled cell where
        # values hardly repeat) and list passes for the rest.
        raw_columns = _raw_columns(raw_rows, [f.name for f in present])
        for f, column in zip(present, raw_columns, strict=True):
            name = f.name
            typed_column, problems = _convert_column(f, converter(f, date1904), column)
            if problems:
                for i in [i for i, v in enumerate(typed_column) if type(v) is Problem]:
                    problem = cast(Problem, typed_column[i])
                    found.append((i, f, column[i], problem))
                    if problem.code == "whitespace-only":
                        spaces.add(i)
                        if f.required:
                            missing.append((i, f))
                    typed_column[i] = problem.value
            typed_columns[name] = typed_column
            if f.required and None in column:
                missing.extend((i, f) for i, v in enumerate(column) if v is None)
        names = [f.name for f in inputs]
        empty: list[Any] = [None] * n
        ordered = [typed_columns.get(name, empty) for name in names]
        rows = (
            [
                _Row(raw.row, dict(zip(names, vals, strict=True)))
                for raw, vals in zip(raw_rows, zip(*ordered, strict=True), strict=True)
            ]
            if names
            else [_Row(raw.row, {}) for raw in raw_rows]
        )
        # A row of nothing but blanks and spaces is a blank row: only its spaces are reported.
        blank = {
            i
            for i in spaces
            if all(
                v is None or (type(v) is str and not v.strip()) for v in raw_rows[i].values.values()
            )
        }
        for i, f, value, problem in found:
            self._problem(key, rows[i], f, value, problem)
        for i, f in missing:
            if i not in blank:
                self.add(
                    key, rows[i], ERROR, "required", f.name, None, _required_text(table, f.name)
                )
        return [r for i, r in enumerate(rows) if i not in blank]

    def _currency(self, key: str, r: _Row, field_name: str) -> None:
        value = r.values.get(field_name)
        if value is None:
            return
        code = str(value).upper()
        if code in MINOR_UNITS:
            r.values[field_name] = code
            return
        r.values[field_name] = None
        self.add(
            key,
            r,
            ERROR,
            "unknown-currency",
            field_name,
            value,
            f"'{value}' is not an ISO 4217 currency code: enter a code such as GBP, EUR or USD",
        )

    def _unique(self, sheet: Sheet) -> None:
        rows = self.rows[sheet.key]
        for f in sheet.inputs:
            if not f.unique:
                continue
            # Most values are unique: remember the first row of each and make a group only
            # for values met again, in the order of their first rows.
            first: dict[object, _Row] = {}
            again: dict[object, list[_Row]] = {}
            for r in rows:
                v = r.values.get(f.name)
                if v is None:
                    continue
                if v in first:
                    group = again.get(v)
                    if group is None:
                        again[v] = [first[v], r]
                    else:
                        group.append(r)
                else:
                    first[v] = r
            if not again:
                continue
            at = {v: i for i, v in enumerate(first) if v in again}
            for v, group in sorted(again.items(), key=lambda item: at[item[0]]):
                for r in group:
                    others = ", ".join(str(o.row) for o in group if o is not r)
                    s = "s" if len(group) > 2 else ""
                    if f.type is FieldType.ID:
                        self.add(
                            sheet.key,
                            r,
                            ERROR,
                            "duplicate-id",
                            f.name,
                            v,
                            f"{f.header} {v} is also used in row{s} {others}: "
                            f"each {noun(sheet)} needs its own id",
                        )
                    else:
                        # A repeated holiday is harmless; a repeated FX rate is ambiguous.
                        severity = WARNING if f.type is FieldType.DATE else ERROR
                        self.add(
                            sheet.key,
                            r,
                            severity,
                            "duplicate-value",
                            f.name,
                            v,
                            f"{show(v)} is also in row{s} {others}: keep one row for it",
                        )

    def _resolve_reporting_currency(self) -> None:
        if self.settings.reporting_currency:
            self.reporting_currency = self.settings.reporting_currency
            return
        self.reporting_currency = most_common_currency(
            r.values["currency"] for r in self.rows[CONTRACTS.key] if r.values["currency"]
        )

    # ---------------------------------------------------------------------- cross checks

    def _date_order(
        self, key: str, r: _Row, earlier: str, later: str, later_text: str = ""
    ) -> None:
        a, b = r.values.get(earlier), r.values.get(later)
        if a is None or b is None or b >= a:
            return
        sheet = self.raw.tables[key].sheet
        self.add(
            key,
            r,
            ERROR,
            "date-order",
            later,
            b,
            later_text
            or f"{sheet.header(later)} {b.isoformat()} is before {sheet.header(earlier)} "
            f"{a.isoformat()}: correct one of the two dates",
        )

    def _status_date(
        self, key: str, r: _Row, status_field: str, states: tuple[str, ...], date_field: str
    ) -> None:
        status = r.values.get(status_field)
        if status in states and r.values.get(date_field) is None:
            sheet = self.raw.tables[key].sheet
            self.add(
                key,
                r,
                ERROR,
                "status-date-required",
                date_field,
                None,
                f"{sheet.header(status_field)} is {status} but {sheet.header(date_field)} is "
                f"blank: enter the date it became {status}",
            )

    def _not_after_as_of(self, key: str, r: _Row, field_name: str) -> None:
        day = r.values.get(field_name)
        if day is None or day <= self.as_of:
            return
        header = self.raw.tables[key].sheet.header(field_name)
        self.add(
            key,
            r,
            ERROR,
            "future-date",
            field_name,
            day,
            f"{header} {day.isoformat()} is after the as-of date {self.as_of.isoformat()}: "
            "a date that has not happened yet cannot be recorded; correct it or leave it blank",
        )

    def _reference(
        self, key: str, r: _Row, field_name: str, known: dict[str, Any] | set[str], target: Sheet
    ) -> bool:
        value = r.values.get(field_name)
        if value is None or value in known:
            return value is not None
        self.add(
            key,
            r,
            ERROR,
            "unknown-reference",
            field_name,
            value,
            f"{target.header(field_name if target.key != MILESTONES.key else 'milestone_id')} "
            f"{value} is not on the {target.name} sheet: correct the id or add the "
            f"{noun(target)}",
        )
        return False

    def _contracts(self) -> None:
        key = CONTRACTS.key
        lo, hi = (
            add_years(self.as_of, -CONTRACT_DATE_YEARS),
            add_years(self.as_of, CONTRACT_DATE_YEARS),
        )
        for r in self.rows[key]:
            self._date_order(key, r, "start_date", "end_date")
            for name in ("start_date", "end_date"):
                day = r.values[name]
                if day is not None and not lo <= day <= hi:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "date-out-of-range",
                        name,
                        day,
                        f"{CONTRACTS.header(name)} {day.isoformat()} is more than "
                        f"{CONTRACT_DATE_YEARS} years from the as-of date "
                        f"{self.as_of.isoformat()}: correct the year",
                    )
            advance, value = r.values.get("advance_amount"), r.values.get("original_value")
            if advance is not None and value is not None and advance > value:
                self.add(
                    key,
                    r,
                    ERROR,
                    "advance-over-value",
                    "advance_amount",
                    advance,
                    f"the advance {show(advance)} is more than the original value {show(value)}: "
                    "correct one of the two",
                )

    def _milestones(self) -> None:
        key = MILESTONES.key
        rows = self.rows[key]
        contracts = {
            r.values["contract_id"]: r for r in self.rows[CONTRACTS.key] if r.values["contract_id"]
        }
        by_id: dict[str, _Row] = {}
        for r in rows:
            mid = r.values["milestone_id"]
            if mid is not None and mid not in by_id:
                by_id[mid] = r
        self.milestones_by_id = by_id
        self.contract_rows = contracts

        for r in rows:
            v = r.values
            self._reference(key, r, "contract_id", contracts, CONTRACTS)
            self._payment_fields(r)
            self._not_after_as_of(key, r, "actual_date")
            contract = contracts.get(v["contract_id"])
            if contract is not None and v["actual_date"] is not None:
                start = contract.values.get("start_date")
                if start is not None and v["actual_date"] < start:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "date-order",
                        "actual_date",
                        v["actual_date"],
                        f"Actual Date {v['actual_date'].isoformat()} is before the contract's "
                        f"Start Date {start.isoformat()}: correct one of the two dates",
                    )
            pct = v["percent_complete"]
            if v["actual_date"] is not None and pct is not None and pct < _ONE:
                self.add(
                    key,
                    r,
                    WARNING,
                    "percent-complete-mismatch",
                    "percent_complete",
                    pct,
                    "the milestone has an Actual Date, so it counts as 100% complete: "
                    "set % Complete to 100%",
                )
        self._predecessors(rows, by_id)
        self._payment_totals(rows)

    def _payment_fields(self, r: _Row) -> None:
        key = MILESTONES.key
        v = r.values
        if r.bad and "payment_basis" in r.bad:
            return
        basis = v["payment_basis"] or "none"
        pct, amount = v["payment_percent"], v["payment_amount"]
        if r.bad and ("payment_percent" in r.bad or "payment_amount" in r.bad):
            return
        if basis in ("percent", "retention_release") and pct is None:
            self.add(
                key,
                r,
                ERROR,
                "payment-percent-required",
                "payment_percent",
                None,
                f"Payment Basis is {basis}: enter the Payment % (e.g. 25% for a quarter)",
            )
        if basis == "fixed" and amount is None:
            self.add(
                key,
                r,
                ERROR,
                "payment-amount-required",
                "payment_amount",
                None,
                "Payment Basis is fixed: enter the Payment Amount",
            )
        if basis in ("none", "fixed") and pct is not None:
            self.add(
                key,
                r,
                WARNING,
                "payment-field-unused",
                "payment_percent",
                pct,
                f"Payment % is not used when Payment Basis is {basis}: clear it, or change the "
                "Payment Basis to percent",
            )
        if basis in ("none", "percent", "retention_release") and amount is not None:
            self.add(
                key,
                r,
                WARNING,
                "payment-field-unused",
                "payment_amount",
                amount,
                f"Payment Amount is not used when Payment Basis is {basis}: clear it, or change "
                "the Payment Basis to fixed",
            )

    def _predecessors(self, rows: list[_Row], by_id: dict[str, _Row]) -> None:
        key = MILESTONES.key
        graph: dict[str, list[str]] = {}
        for r in rows:
            v = r.values
            preds = v["predecessors"]
            mid = v["milestone_id"]
            if not preds:
                continue
            edges: list[str] = []
            for p in preds:
                target = by_id.get(p)
                if target is None:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "unknown-reference",
                        "predecessors",
                        p,
                        f"predecessor {p} is not on the Milestones sheet: correct the id or "
                        "remove it from Predecessors",
                    )
                    continue
                tc, oc = target.values["contract_id"], v["contract_id"]
                if tc is not None and oc is not None and tc != oc:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "cross-contract-predecessor",
                        "predecessors",
                        p,
                        f"predecessor {p} belongs to contract {tc}, not {oc}: a predecessor must "
                        "be a milestone of the same contract",
                    )
                    continue
                edges.append(p)
            if mid is not None and by_id.get(mid) is r and edges:
                graph[mid] = edges
        for cycle, members in _cycles(graph):
            text = " → ".join([*cycle, cycle[0]])
            for mid in members:
                self.add(
                    key,
                    by_id[mid],
                    ERROR,
                    "predecessor-cycle",
                    "predecessors",
                    ", ".join(by_id[mid].values["predecessors"]),
                    f"predecessors form a cycle {text}: remove one of these links",
                )

    def _payment_totals(self, rows: list[_Row]) -> None:
        key = MILESTONES.key
        percent: dict[str, list[_Row]] = {}
        release: dict[str, list[_Row]] = {}
        fixed: set[str] = set()
        unsure: set[str] = set()  # a basis, % or cancelled flag could not be read
        for r in rows:
            v = r.values
            cid = v["contract_id"]
            if cid is not None and r.bad and not r.bad.isdisjoint(_PAYMENT_FIELDS):
                unsure.add(cid)
            if cid is None or v["cancelled"]:
                continue
            basis = v["payment_basis"]
            if basis == "percent" and v["payment_percent"] is not None:
                percent.setdefault(cid, []).append(r)
            elif basis == "retention_release" and v["payment_percent"] is not None:
                release.setdefault(cid, []).append(r)
            elif basis == "fixed":
                fixed.add(cid)
        for cid, group in percent.items():
            if cid in unsure:
                continue
            total = sum((r.values["payment_percent"] for r in group), Decimal(0))
            if total > _ONE:
                for r in group:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "payment-percent-over-100",
                        "payment_percent",
                        r.values["payment_percent"],
                        f"the Payment % of contract {cid}'s percent milestones add up to "
                        f"{_pct(total)}, more than 100%: correct them",
                    )
            elif total < _ONE and cid not in fixed and cid in self.contract_rows:
                self.add(
                    CONTRACTS.key,
                    self.contract_rows[cid],
                    WARNING,
                    "payment-percent-under-100",
                    "contract_id",
                    cid,
                    f"the Payment % of the contract's milestones add up to {_pct(total)}, less "
                    "than 100%: add the missing milestones or correct the percentages",
                )
        for cid, group in release.items():
            if cid in unsure:
                continue
            total = sum((r.values["payment_percent"] for r in group), Decimal(0))
            if total > _ONE:
                for r in group:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "retention-release-over-100",
                        "payment_percent",
                        r.values["payment_percent"],
                        f"the retention releases of contract {cid} add up to {_pct(total)} of "
                        "the retention, more than 100%: correct them",
                    )

    def _deliverables(self) -> None:
        key = DELIVERABLES.key
        for r in self.rows[key]:
            self._reference(key, r, "milestone_id", self.milestones_by_id, MILESTONES)
            self._date_order(key, r, "submitted_date", "accepted_date")
            self._status_date(key, r, "acceptance_status", ("accepted",), "accepted_date")

    def _signoffs(self) -> None:
        key = SIGNOFFS.key
        for r in self.rows[key]:
            v = r.values
            known = self._reference(key, r, "milestone_id", self.milestones_by_id, MILESTONES)
            self._status_date(key, r, "decision", ("approved", "rejected"), "decision_date")
            self._not_after_as_of(key, r, "decision_date")
            if v["decision"] == "rejected" and not v["comment"]:
                self.add(
                    key,
                    r,
                    WARNING,
                    "rejection-without-comment",
                    "comment",
                    None,
                    "a rejection should say why: enter the reason in Comment",
                )
            if not known:
                continue
            milestone = self.milestones_by_id[v["milestone_id"]].values
            actual, decided = milestone["actual_date"], v["decision_date"]
            if actual is not None and decided is not None and decided < actual:
                self.add(
                    key,
                    r,
                    ERROR,
                    "date-order",
                    "decision_date",
                    decided,
                    f"Decision Date {decided.isoformat()} is before the milestone's Actual Date "
                    f"{actual.isoformat()}: a milestone is approved after it is achieved",
                )
            owner, name = milestone["owner"], v["approver_name"]
            if owner and name and _person(owner) == _person(name):
                self.add(
                    key,
                    r,
                    WARNING,
                    "self-approval",
                    "approver_name",
                    name,
                    f"{name} owns milestone {v['milestone_id']} and cannot approve it: name "
                    "another approver (sign-off stays blocked until then)",
                )

    def _change_orders(self) -> None:
        key = CHANGE_ORDERS.key
        for r in self.rows[key]:
            v = r.values
            self._reference(key, r, "contract_id", self.contract_rows, CONTRACTS)
            if self._reference(key, r, "milestone_id", self.milestones_by_id, MILESTONES):
                mc = self.milestones_by_id[v["milestone_id"]].values["contract_id"]
                if mc is not None and v["contract_id"] is not None and mc != v["contract_id"]:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "milestone-not-in-contract",
                        "milestone_id",
                        v["milestone_id"],
                        f"milestone {v['milestone_id']} belongs to contract {mc}, not "
                        f"{v['contract_id']}: correct the Contract ID or the Milestone ID",
                    )
            self._status_date(key, r, "change_status", ("approved",), "approved_date")

    def _invoices(self) -> None:
        key = INVOICES.key
        for r in self.rows[key]:
            v = r.values
            self._reference(key, r, "milestone_id", self.milestones_by_id, MILESTONES)
            self._date_order(key, r, "invoice_date", "paid_date")
            if v["paid_amount"] is not None and v["paid_amount"] > 0 and v["paid_date"] is None:
                self.add(
                    key,
                    r,
                    ERROR,
                    "paid-date-required",
                    "paid_date",
                    None,
                    "a Paid Amount needs the date it was paid: enter the Paid Date",
                )

    def _issue_rows(self) -> None:
        key = ISSUES.key
        for r in self.rows[key]:
            self._reference(key, r, "milestone_id", self.milestones_by_id, MILESTONES)
            self._status_date(key, r, "issue_status", ("closed",), "closed_date")
            self._date_order(key, r, "raised_date", "closed_date")

    def _contract_ranges(self) -> None:
        """The range checks against each row's contract that schema.py declares: amounts at
        most the contract's value, dates near the contract's dates."""
        contracts = self.contract_rows
        contract_of = {mid: r.values["contract_id"] for mid, r in self.milestones_by_id.items()}
        value: dict[str, Decimal] = {}
        for cid, r in contracts.items():
            if r.values["original_value"] is not None:
                value[cid] = r.values["original_value"]
        for r in self.rows[CHANGE_ORDERS.key]:
            v = r.values
            cid, change = v["contract_id"], v["value_change"]
            if v["change_status"] == "approved" and change is not None and cid in value:
                value[cid] += change
        # contract -> (earliest, latest, what the latest is counted from)
        windows: dict[str, tuple[date, date, str]] = {}
        for cid, r in contracts.items():
            start, end = r.values["start_date"], r.values["end_date"]
            if start is None or (r.bad and "end_date" in r.bad):
                continue
            if end is not None and end >= start:
                last, after = end, "after its End Date"
            else:
                last, after = start, "after its Start Date (it has no End Date: enter one)"
            lo, hi = add_years(start, -NEAR_CONTRACT_YEARS), add_years(last, NEAR_CONTRACT_YEARS)
            windows[cid] = (lo, hi, after)
        for key in {**AT_MOST_CONTRACT_VALUE, **NEAR_CONTRACT_DATES}:
            if key not in self.raw.tables:
                continue
            sheet = self.raw.tables[key].sheet
            by_contract = any(f.name == "contract_id" for f in sheet.fields)
            amounts = AT_MOST_CONTRACT_VALUE.get(key, ())
            dates = NEAR_CONTRACT_DATES.get(key, ())
            found: list[tuple[_Row, str, str, Any]] = []
            # The hot loop (every row of six sheets): only finds; issues are made after it.
            for r in self.rows[key]:
                v = r.values
                cid = v["contract_id"] if by_contract else contract_of.get(v["milestone_id"])
                if cid is None:
                    continue
                window = windows.get(cid)
                if window is not None:
                    lo, hi, _after = window
                    for name in dates:
                        day = v[name]
                        if day is not None and not lo <= day <= hi:
                            found.append((r, cid, name, day))
                for name in amounts:
                    amount = v[name]
                    if amount is not None and cid in value and amount > value[cid]:
                        found.append((r, cid, name, amount))
            for r, cid, name, bad in found:
                if name in amounts:
                    self.add(
                        key,
                        r,
                        ERROR,
                        "amount-over-contract-value",
                        name,
                        bad,
                        f"{show(bad)} is more than the whole value of contract {cid} "
                        f"({show(value[cid])}, with its approved change orders): correct the "
                        "amount, or record the change order that raises the value",
                    )
                    continue
                lo, _hi, after = windows[cid]
                where = "before the contract's Start Date" if bad < lo else after
                self.add(
                    key,
                    r,
                    ERROR,
                    "date-out-of-range",
                    name,
                    bad,
                    f"{sheet.header(name)} {bad.isoformat()} is more than "
                    f"{NEAR_CONTRACT_YEARS} years {where} (contract {cid}): correct the year",
                )

    def _fx(self) -> None:
        rates = {r.values["currency"] for r in self.rows[FX_RATES.key] if r.values["currency"]}
        reporting = self.reporting_currency
        if reporting is None:
            return
        for r in self.rows[CONTRACTS.key]:
            cur = r.values["currency"]
            if cur is None or cur == reporting or cur in rates:
                continue
            where = "the FX Rates sheet" if FX_RATES.key in self.raw.tables else "an FX Rates sheet"
            self.add(
                CONTRACTS.key,
                r,
                ERROR,
                "missing-fx-rate",
                "currency",
                cur,
                f"no FX rate for {cur} to the reporting currency {reporting}: add a {cur} row "
                f"to {where}",
            )

    # ---------------------------------------------------------------------------- model

    def _skipped_milestones(self) -> set[int]:
        """Rows of Milestones that cannot be computed without guessing (see docs/decisions.md)."""
        milestones = self.rows[MILESTONES.key]
        if any(r.error for key in _GLOBAL_SHEETS for r in self._rows_of(key)):
            return {r.row for r in milestones}
        bad_contracts = {r.values["contract_id"] for r in self.rows[CONTRACTS.key] if r.error}
        bad_milestones: set[str] = set()
        for key in _FEEDING_SHEETS:
            for r in self.rows[key]:
                if r.error and r.values["milestone_id"] is not None:
                    bad_milestones.add(r.values["milestone_id"])
        for r in self.rows[CHANGE_ORDERS.key]:
            if not r.error:
                continue
            if r.values["milestone_id"] is not None:
                bad_milestones.add(r.values["milestone_id"])
            elif r.values["contract_id"] is not None:
                bad_contracts.add(r.values["contract_id"])
        bad_currencies: set[str] = set()
        for r in self.rows[FX_RATES.key]:
            if r.error:
                if r.values["currency"] is None:
                    return {r.row for r in milestones}
                bad_currencies.add(r.values["currency"])
        if bad_currencies:
            for r in self.rows[CONTRACTS.key]:
                if r.values["currency"] in bad_currencies:
                    bad_contracts.add(r.values["contract_id"])
        for r in milestones:
            if r.error and r.values["milestone_id"] is not None:
                bad_milestones.add(r.values["milestone_id"])

        skipped = {
            r.row
            for r in milestones
            if r.error
            or r.values["contract_id"] in bad_contracts
            or r.values["milestone_id"] in bad_milestones
        }
        return _spread_skips(milestones, skipped)

    def _rows_of(self, key: str) -> list[_Row]:
        return self.settings_rows if key == SETTINGS.key else self.rows.get(key, [])

    def _model(self) -> Model:
        skipped_rows = self._skipped_milestones()
        model = Model(settings=self.settings, setting_rows=dict(self.setting_rows))
        if self.reporting_currency and not self.settings.reporting_currency:
            model.settings = _replace_settings(self.settings, self.reporting_currency)
        make = _maker(Contract, CONTRACTS)
        for r in self.rows[CONTRACTS.key]:
            if not r.error:
                c = make(r)
                model.contracts[c.contract_id] = c
        make = _maker(Milestone, MILESTONES)
        for r in self.rows[MILESTONES.key]:
            if r.row in skipped_rows:
                model.skipped.append(SkippedMilestone(r.row, r.values["milestone_id"]))
                continue
            m = make(r)
            if m.actual_date is not None and m.percent_complete != _ONE:
                m = _with(m, percent_complete=_ONE)
            model.milestones.append(m)
        lists: tuple[tuple[Sheet, type[Any], list[Any]], ...] = (
            (DELIVERABLES, Deliverable, model.deliverables),
            (SIGNOFFS, Signoff, model.signoffs),
            (APPROVAL_RULES, ApprovalRule, model.approval_rules),
            (CHANGE_ORDERS, ChangeOrder, model.change_orders),
            (INVOICES, Invoice, model.invoices),
            (ISSUES, IssueRecord, model.issues),
            (HOLIDAYS, Holiday, model.holidays),
        )
        for sheet, cls, target in lists:
            make = _maker(cls, sheet)
            target.extend([make(r) for r in self.rows[sheet.key] if not r.error])
        for r in self.rows[FX_RATES.key]:
            if not r.error:
                fx = _record(FxRate, FX_RATES, r)
                model.fx_rates[fx.currency] = fx
        return model


# ------------------------------------------------------------------------------------ helpers


def _spread_skips(milestones: list[_Row], skipped: set[int]) -> set[int]:
    """``skipped`` grown by every milestone whose results depend on a skipped one.

    Payments of a contract are computed together (retention limits, advance recovery, damages
    caps, retention releases): one payment milestone that cannot be computed leaves the others
    of its contract unknown too. Status runs along predecessors. Each row is queued at most
    once and each contract's payment milestones are added at most once, so the walk is linear
    in the rows and links.
    """
    successors: dict[str, list[_Row]] = {}
    paying: dict[str, list[_Row]] = {}
    for r in milestones:
        v = r.values
        for p in v["predecessors"] or ():
            successors.setdefault(p, []).append(r)
        if v["contract_id"] is not None and v["payment_basis"] not in (None, "none"):
            paying.setdefault(v["contract_id"], []).append(r)
    pooled: set[str] = set()
    queue = [r for r in milestones if r.row in skipped]
    while queue:
        r = queue.pop()
        v = r.values
        reached = successors.get(v["milestone_id"], [])
        cid = v["contract_id"]
        unknown_basis = r.bad is not None and "payment_basis" in r.bad
        if (
            cid is not None
            and cid not in pooled
            and (unknown_basis or v["payment_basis"] not in (None, "none"))
        ):
            pooled.add(cid)
            reached = [*reached, *paying.get(cid, ())]
        for d in reached:
            if d.row not in skipped:
                skipped.add(d.row)
                queue.append(d)
    return skipped


def _raw_columns(raw_rows: list[RawRow], names: list[str]) -> list[Sequence[object]]:
    """The raw values of fields ``names``, one sequence per field (a missing key is blank)."""
    if len(names) < 2 or not raw_rows:
        return [[raw.values.get(name) for raw in raw_rows] for name in names]
    get = itemgetter(*names)
    try:
        # One C call per row picks every field, and zip turns the rows into columns.
        return list(zip(*[get(raw.values) for raw in raw_rows], strict=True))
    except KeyError:  # a book adapter left some keys out of some rows
        return [[raw.values.get(name) for raw in raw_rows] for name in names]


# Cell types whose equal values convert alike, so one conversion serves them all, with two
# exceptions handled below: True == 1 == 1.0 and 0.0 == -0.0 convert differently, so a column
# mixing bool with numbers, or holding a whole-number float, is converted cell by cell (the
# reader turns whole-number floats into int, so its columns never do). Decimal("1.0") ==
# Decimal(1) converts differently too; Decimal is not listed.
_SHAREABLE: Final = frozenset({type(None), str, int, float, bool, date, datetime, CellError})
# Ids, names and id lists hardly repeat, and converting one costs about a lookup.
_DISTINCT_TYPES: Final = frozenset({FieldType.ID, FieldType.IDS, FieldType.TEXT})


def _convert_column(
    f: Field, convert: Converter, column: Sequence[object]
) -> tuple[list[Any], bool]:
    """The converted column (None stays None) and whether any cell gave a Problem.

    Dates, amounts, rates, flags and list values repeat down a column, and converting one is
    costly next to a dict lookup: each distinct value is converted once and the column mapped
    through the results in C. Ids and names, and columns whose equal values could convert
    differently, are converted cell by cell.
    """
    n = len(column)
    if n > 64 and f.type not in _DISTINCT_TYPES:
        types = set(map(type, column))
        if types <= _SHAREABLE and not (bool in types and (int in types or float in types)):
            distinct = set(column)
            if (
                len(distinct) * 2 <= n
                and not (
                    float in types
                    and any(isinstance(v, float) and v.is_integer() for v in distinct)
                )
                and all(v.tzinfo is None for v in distinct if isinstance(v, datetime))
            ):
                table = {v: None if v is None else convert(v) for v in distinct}
                problems = Problem in set(map(type, table.values()))
                return list(map(table.__getitem__, column)), problems
    typed = [None if v is None else convert(v) for v in column]
    return typed, Problem in set(map(type, typed))


# Per sheet, the fields whose blank means something other than None, with that default.
_DEFAULTS: Final = {
    sheet.key: tuple(
        (f.name, () if f.type is FieldType.IDS else f.default)
        for f in sheet.inputs
        if f.type is FieldType.IDS or f.default is not None
    )
    for sheet in INPUT_SHEETS
}


def _record(cls: type[Any], sheet: Sheet, r: _Row) -> Any:
    """The typed record of a row that validated; its values take the schema's defaults."""
    return _maker(cls, sheet)(r)


_MAKERS: dict[tuple[type[Any], str], Callable[[_Row], Any]] = {}


def _maker(cls: type[Any], sheet: Sheet) -> Callable[[_Row], Any]:
    """A function building ``cls`` records from rows of ``sheet``, made once per record type.

    A record's fields are its row then the sheet's inputs; when they are, the values are picked
    in field order by one itemgetter call and passed by position, which costs a fraction of
    matching twenty keyword arguments for each of 100,000 rows.
    """
    made = _MAKERS.get((cls, sheet.key))
    if made is not None:
        return made
    fields = [f.name for f in dataclass_fields(cls)]
    names = fields[1:]
    defaults = _DEFAULTS[sheet.key]
    if fields[:1] != ["row"] or sorted(names) != sorted(f.name for f in sheet.inputs):

        def make(r: _Row) -> Any:
            values = dict(r.values)
            for name, default in defaults:
                if values.get(name) is None:
                    values[name] = default
            return cls(row=r.row, **values)

    else:
        get = itemgetter(*names) if len(names) > 1 else (lambda v: (v[names[0]],))
        at = tuple((names.index(name), default) for name, default in defaults)

        def make(r: _Row) -> Any:
            vals = list(get(r.values))
            for i, default in at:
                if vals[i] is None:
                    vals[i] = default
            return cls(r.row, *vals)

    _MAKERS[(cls, sheet.key)] = make
    return make


def _split(value: object) -> tuple[object, Problem | None]:
    """A converter's result as (value to use, problem or None)."""
    if type(value) is Problem:
        return value.value, value
    return value, None


def _with(record: Milestone, **changes: Any) -> Milestone:
    from dataclasses import replace

    return replace(record, **changes)


def _replace_settings(settings: Settings, reporting_currency: str) -> Settings:
    from dataclasses import replace

    return replace(settings, reporting_currency=reporting_currency)


def _required_text(table: RawTable, field_name: str) -> str:
    f = table.sheet.field(field_name)
    return f"{f.header} is required: fill it in ({f.description[0].lower()}{f.description[1:]})"


def _pct(total: Decimal) -> str:
    return format((total * 100).normalize(), "f") + "%"


@lru_cache(maxsize=4096)  # a few hundred people approve and own thousands of rows
def _person(name: str) -> str:
    return " ".join(name.split()).casefold()


def _nearest(word: str, candidates: list[str]) -> str | None:
    import difflib

    from xl_milestones.core.schema import normalize_header

    keyed = {normalize_header(c): c for c in candidates}
    hit = difflib.get_close_matches(normalize_header(word), list(keyed), n=1, cutoff=0.6)
    return keyed[hit[0]] if hit else None


def _is_holiday_country(code: str) -> bool:
    try:
        import holidays
    except ImportError:  # pragma: no cover - holidays is a runtime dependency
        return len(code) == 2 and code.isalpha()
    return code in holidays.list_supported_countries()


def _cycles(graph: dict[str, list[str]]) -> list[tuple[list[str], list[str]]]:
    """Each predecessor cycle: one cycle path to name it, and every milestone caught in it.

    Tarjan's strongly connected components, written without recursion so that a long chain of
    predecessors cannot overflow the stack.
    """
    # Peel off every milestone no cycle can pass through (nothing depends on it, repeatedly);
    # what remains is small in a real workbook, and only that goes through Tarjan's walk.
    dependants: dict[str, int] = dict.fromkeys(graph, 0)
    for edges in graph.values():
        for p in edges:
            dependants[p] = dependants.get(p, 0) + 1
    free = [m for m, count in dependants.items() if count == 0]
    while free:
        m = free.pop()
        for p in graph.get(m, ()):
            dependants[p] -= 1
            if dependants[p] == 0:
                free.append(p)
    left = {m for m, count in dependants.items() if count > 0}
    graph = {m: [p for p in graph.get(m, []) if p in left] for m in left}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[tuple[list[str], list[str]]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                members: list[str] = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    members.append(m)
                    if m == node:
                        break
                if len(members) > 1 or node in graph.get(node, []):
                    found.append((_cycle_path(graph, set(members)), sorted(members)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _cycle_path(graph: dict[str, list[str]], members: set[str]) -> list[str]:
    """A shortest cycle through the smallest id of a strongly connected component."""
    start = min(members)
    if start in graph.get(start, []):
        return [start]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for p in graph.get(node, []):
                if p not in members:
                    continue
                if p == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if p not in previous:
                    previous[p] = node
                    nxt.append(p)
        frontier = nxt
    return sorted(members)  # pragma: no cover - a component always holds a cycle


__all__ = ["Validation", "noun", "validate"]
