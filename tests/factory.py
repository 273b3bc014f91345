"""Test helper: write a workbook file from plain rows, the way Excel would save it.

``write_workbook(path, {"milestones": [{"milestone_id": "M-1", ...}], ...})`` writes each schema
sheet with its header row and rows. Row keys are schema field names (turned into the schema's
headers) or, for tests of bad headers, any other header text. Options: Excel tables or plain
ranges, column order, where the header row sits, 1904 dates, hidden rows, merged cells, sheet
names. ``valid_sheets()`` is a small workbook that validates without a single issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

from xl_milestones.core.model import CellError, RawTable, RawWorkbook
from xl_milestones.core.schema import SETTING_FIELDS, SHEETS_BY_KEY, Sheet

Rows = Sequence[Mapping[str, object]]


def header_of(sheet: Sheet, key: str) -> str:
    """The schema header for a field name; any other text is taken as a header as it is."""
    for f in sheet.fields:
        if f.name == key:
            return f.header
    return key


def setting(name: str) -> str:
    """The Settings key text for a setting field name, e.g. ``as_of_date`` -> ``As Of Date``."""
    for f in SETTING_FIELDS:
        if f.name == name:
            return f.header
    raise KeyError(name)


def set_setting(sheets: dict[str, list[dict[str, object]]], name: str, value: object) -> None:
    """Give the setting of field ``name`` (``as_of_date``) ``value`` on the Settings rows of
    ``sheets``, which must hold it."""
    rows = [row for row in sheets["settings"] if row["setting"] == setting(name)]
    assert rows, f"no {name} row on Settings"
    for row in rows:
        row["value"] = value


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, Rows],
    *,
    tables: bool = True,
    column_order: Mapping[str, Sequence[str]] | None = None,
    header_row: int = 1,
    first_column: int = 0,
    date1904: bool = False,
    hidden_rows: Mapping[str, Iterable[int]] | None = None,
    merged: Mapping[str, Iterable[str]] | None = None,
    sheet_names: Mapping[str, str] | None = None,
    extra_sheets: Sequence[str] = (),
    extra: Callable[[xlsxwriter.Workbook], None] | None = None,
) -> Path:
    """Write ``sheets`` (schema sheet key -> rows) to ``path`` (.xlsx or .xlsm) and return it.

    ``column_order`` lists a sheet's columns (field names or header texts) in order; by default
    the columns are the schema fields the rows use, in schema order, plus any other keys.
    ``header_row`` is the Excel row of the header; ``hidden_rows`` and the A1 ranges of
    ``merged`` are per sheet key and in Excel numbering. A ``CellError`` value is written as a
    formula whose cached result is that error, as Excel saves it.
    """
    out = Path(path)
    book = xlsxwriter.Workbook(str(out), {"date_1904": date1904, "strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    names = dict(sheet_names or {})
    for key, rows in sheets.items():
        sheet = SHEETS_BY_KEY[key]
        ws = book.add_worksheet(names.get(key, sheet.name))
        if column_order and key in column_order:
            keys = list(column_order[key])
        else:
            used: list[str] = []
            for row in rows:
                used.extend(k for k in row if k not in used)
            schema_order = [f.name for f in sheet.fields if f.name in used]
            keys = schema_order + [k for k in used if k not in schema_order]
            if not keys:
                keys = [f.name for f in sheet.inputs]
        headers = [header_of(sheet, k) for k in keys]
        r0, c0 = header_row - 1, first_column
        for j, text in enumerate(headers):
            ws.write_string(r0, c0 + j, text)
        cells: dict[tuple[int, int], object] = {}
        for i, row in enumerate(rows, start=1):
            for j, k in enumerate(keys):
                value = row.get(k)
                cells[(r0 + i, c0 + j)] = value
                _write(ws, r0 + i, c0 + j, value, date_format, datetime_format)
        # Excel allows no merged cells inside a table, so a sheet with merges is a plain range.
        if tables and keys and not (merged or {}).get(key):
            last_row = r0 + max(len(rows), 1)
            ws.add_table(
                r0,
                c0,
                last_row,
                c0 + len(keys) - 1,
                {
                    "name": sheet.table_name,
                    "columns": [{"header": h} for h in headers],
                    "autofilter": True,
                },
            )
            # add_table writes the header cells itself; the data cells are kept.
        for excel_row in (hidden_rows or {}).get(key, ()):
            ws.set_row(excel_row - 1, None, None, {"hidden": True})
        for ref in (merged or {}).get(key, ()):
            first, last = ref.split(":")
            fr, fc = xl_cell_to_rowcol(first)
            lr, lc = xl_cell_to_rowcol(last)
            value = cells.get((fr, fc))
            ws.merge_range(fr, fc, lr, lc, "" if value is None else str(value))
        ws.set_column(c0, c0 + max(len(keys), 1) - 1, 16)
    for name in extra_sheets:
        book.add_worksheet(name).write_string(0, 0, "not part of the schema")
    if extra is not None:  # more sheets, charts... written by the test itself
        extra(book)
    book.close()
    return out


def _write(
    ws: xlsxwriter.worksheet.Worksheet,
    row: int,
    col: int,
    value: object,
    date_format: xlsxwriter.format.Format,
    datetime_format: xlsxwriter.format.Format,
) -> None:
    if value is None:
        return
    if isinstance(value, CellError):
        ws.write_formula(row, col, "=NA()" if value.code == "#N/A" else "=1/0", None, value.code)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, datetime_format)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, date_format)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row, col, float(value))
    elif isinstance(value, str):
        ws.write_string(row, col, value)
    elif isinstance(value, (dt.time, dt.timedelta)):
        ws.write_datetime(row, col, value, datetime_format)
    else:
        raise TypeError(f"cannot write {value!r} ({type(value).__name__})")


def column_of(path: str | Path, sheet_key: str, field_name: str) -> str:
    """The column letter the factory gave a field (plain default layout, header row 1)."""
    from xl_milestones.io.reader import read_workbook

    table = read_workbook(path).tables[sheet_key]
    return table.columns[field_name]


def letter(index: int) -> str:
    return str(xl_col_to_name(index))


def valid_sheets() -> dict[str, list[dict[str, object]]]:
    """A small workbook, every sheet filled in, that validates without a single issue.

    Two contracts (GBP and EUR, with an FX rate), four milestones with a predecessor chain,
    deliverables, sign-offs, an approval rule, a change order, invoices and an issue.
    """
    d = dt.date
    return {
        "settings": [
            {"setting": setting("as_of_date"), "value": d(2026, 3, 31)},
            {"setting": setting("reporting_currency"), "value": "GBP"},
            {"setting": setting("late_interest_regime"), "value": "uk"},
        ],
        "contracts": [
            {
                "contract_id": "C-001",
                "contract_name": "Data centre fit-out",
                "supplier": "Acme Build Ltd",
                "currency": "GBP",
                "original_value": 120000,
                "start_date": d(2026, 1, 5),
                "end_date": d(2026, 12, 31),
                "payment_terms_days": 30,
                "retention_rate": 0.05,
                "vat_rate": 0.2,
            },
            {
                "contract_id": "C-002",
                "contract_name": "Network upgrade",
                "supplier": "Netz GmbH",
                "currency": "EUR",
                "original_value": 50000,
                "start_date": d(2026, 2, 1),
            },
        ],
        "milestones": [
            {
                "milestone_id": "M-001",
                "contract_id": "C-001",
                "milestone_name": "Design approved",
                "milestone_type": "payment",
                "owner": "Dana Lee",
                "baseline_date": d(2026, 2, 27),
                "actual_date": d(2026, 2, 25),
                "percent_complete": 1,
                "payment_basis": "percent",
                "payment_percent": 0.4,
                "evidence": "DOC-17",
            },
            {
                "milestone_id": "M-002",
                "contract_id": "C-001",
                "milestone_name": "Racks installed",
                "milestone_type": "payment",
                "owner": "Dana Lee",
                "baseline_date": d(2026, 5, 29),
                "forecast_date": d(2026, 6, 5),
                "percent_complete": 0.3,
                "payment_basis": "percent",
                "payment_percent": 0.6,
                "predecessors": "M-001",
            },
            {
                "milestone_id": "M-003",
                "contract_id": "C-001",
                "milestone_name": "Retention released",
                "milestone_type": "payment",
                "baseline_date": d(2026, 11, 30),
                "payment_basis": "retention_release",
                "payment_percent": 1,
                "predecessors": "M-001; M-002",
            },
            {
                "milestone_id": "M-101",
                "contract_id": "C-002",
                "milestone_name": "Switches delivered",
                "milestone_type": "deliverable",
                "baseline_date": d(2026, 4, 15),
                "payment_basis": "fixed",
                "payment_amount": 20000,
                "on_hold": "no",
            },
        ],
        "deliverables": [
            {
                "deliverable_id": "D-1",
                "milestone_id": "M-001",
                "deliverable_name": "Design pack",
                "submitted_date": d(2026, 2, 20),
                "accepted_date": d(2026, 2, 24),
                "acceptance_status": "accepted",
            }
        ],
        "signoffs": [
            {
                "milestone_id": "M-001",
                "approver_role": "Project manager",
                "approver_name": "Sam Patel",
                "decision": "approved",
                "decision_date": d(2026, 3, 2),
            }
        ],
        "approval_rules": [{"min_value": 0, "approver_role": "Project manager"}],
        "change_orders": [
            {
                "change_id": "CO-1",
                "contract_id": "C-001",
                "milestone_id": "M-002",
                "description": "Extra racks",
                "value_change": 5000,
                "extension_days": 10,
                "change_status": "approved",
                "approved_date": d(2026, 3, 10),
            }
        ],
        "invoices": [
            {
                "invoice_id": "INV-1",
                "milestone_id": "M-001",
                "invoice_date": d(2026, 3, 3),
                "invoice_amount": 54720,
                "paid_date": d(2026, 3, 20),
                "paid_amount": 54720,
            }
        ],
        "issues": [
            {
                "issue_id": "I-1",
                "milestone_id": "M-002",
                "category": "risk",
                "severity": "high",
                "description": "Rack supplier lead time",
                "raised_date": d(2026, 3, 1),
            }
        ],
        "holidays": [{"holiday_date": d(2026, 12, 28), "holiday_name": "Company closure"}],
        "fx_rates": [{"currency": "EUR", "rate_to_reporting": 0.85}],
    }


def raw_workbook(
    sheets: Mapping[str, Rows], *, date1904: bool = False, path: str = "book.xlsx"
) -> RawWorkbook:
    """The RawWorkbook the reader would return for ``sheets``, without writing a file.

    Every input column of each sheet is laid out in schema order (A, B, ...) with the header on
    row 1; rows start on row 2. Keys are field names.
    """
    tables: dict[str, RawTable] = {}
    for key, rows in sheets.items():
        sheet = SHEETS_BY_KEY[key]
        fields = list(sheet.inputs)
        columns = {f.name: letter(i) for i, f in enumerate(fields)}
        table = RawTable(sheet, sheet.name, 1, columns)
        for i, row in enumerate(rows, start=2):
            values = {f.name: row.get(f.name) for f in fields if not f.result}
            if any(v is not None for v in values.values()):
                table.append(i, values)
        tables[key] = table
    return RawWorkbook(path=path, tables=tables, date1904=date1904)
