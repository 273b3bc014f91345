"""Builds the workbook template (and the sample workbook) from the schema with XlsxWriter, in
both editions: the desktop .xlsm (VBA project and ribbon) and the Lite .xlsx (xlwings Lite).

Every sheet, table, header, dropdown, number format and Dashboard block comes from
``core.schema``; the build is deterministic (fixed document dates, fixed zip timestamps), so the
same code always gives the same bytes and a golden test can compare it with the committed copy.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_milestones.a1 import column_letter, column_number
from xl_milestones.core import schema as S
from xl_milestones.core.currencies import MINOR_UNITS
from xl_milestones.core.schema import Block, Field, FieldType, Sheet
from xl_milestones.numformats import money_number_format
from xl_milestones.template import styles

# Sheets of the template that are not part of the schema: readers ignore them.
START_SHEET = S.START_SHEET
LISTS_SHEET = S.LISTS_SHEET
XLWINGS_CONF_SHEET = "xlwings.conf"
WORKBOOK_CODE_NAME = "ThisWorkbook"

# The xlwings UDF module (udfs/xl_milestones_udfs.py) that "Import Functions" imports.
UDF_MODULE = "xl_milestones_udfs"

# Characters of the Start sheet's text column per printed line, to size its rows.
START_CHARS_PER_LINE = 92
# Blank rows each input table of the template offers, ready to type into.
TEMPLATE_BLANK_ROWS = 50
# Rows the S-curve charts read in the template; a refresh re-points them to the months it writes.
SCURVE_TEMPLATE_ROWS = 24
# Data validation and conditional formats reach far below each table, so that rows typed below
# it, or written by a refresh, behave like the first ones: 100,000 rows, the largest workbook the
# design plans for. Not the whole column: LibreOffice fails to open a sheet whose formula
# conditional format spans all 1,048,576 rows once the cells hold values.
LAST_ROW = 100_000  # zero-based: the ranges end on worksheet row 100,001
# Column-width characters that one A4 landscape page holds at about 75% scale: a wider table
# prints over several pages across, with its first column repeated, rather than shrunk onto one.
PAGE_WIDTH_CHARS = 190

# Fixed document dates: the build must give the same bytes every time.
DOCUMENT_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# The two editions: the desktop .xlsm (ribbon, VBA, xlwings), the Lite .xlsx (xlwings Lite).
DESKTOP = "desktop"
LITE = "lite"
EDITIONS = (DESKTOP, LITE)

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

# The buttons of the Milestones ribbon tab, as the Start sheet explains them.
RIBBON_BUTTONS: tuple[tuple[str, str], ...] = (
    (
        "Refresh",
        "Reads every input sheet, validates it, computes every result column (grey), and "
        "rewrites the Dashboard, Payment Schedule, Sign-off Queue, Changes, Validation and "
        "Refresh Log sheets.",
    ),
    (
        "Validate",
        "Checks the input sheets and lists every problem on the Validation sheet, with a "
        "link to its cell, the computation's warnings included (an overpayment, a missing FX "
        "rate). No result is written.",
    ),
    (
        "Payment Schedule",
        "Refreshes the workbook, then shows the Payment Schedule sheet: per contract and "
        "month, planned, forecast and certified value (excluding VAT) and due, invoiced and "
        "paid (including VAT), with their running totals.",
    ),
    (
        "Sign-off Pack",
        "Writes a document for the review meeting, saved beside the workbook: every milestone "
        "awaiting sign-off, ready ones first, with its checks, deliverables, approvers and "
        "payment.",
    ),
    (
        "Import Functions",
        "Makes the MS_... worksheet functions available in this workbook (run it once after "
        "opening the workbook on a new machine).",
    ),
    (
        "Help",
        "Shows the help text: what each button does, the worksheet functions, and what to do "
        "when something goes wrong.",
    ),
)

# The scripts of the Lite edition's task pane (main.py), as the Start sheet explains them.
LITE_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("refresh", RIBBON_BUTTONS[0][1]),
    ("validate", RIBBON_BUTTONS[1][1]),
    ("payment_schedule", RIBBON_BUTTONS[2][1]),
    (
        "signoff_pack",
        "Writes the document for the review meeting (HTML): every milestone awaiting "
        "sign-off, with its checks, deliverables, approvers and payment. Download it from the "
        "task pane's menu, Files > Import/Export, and open it in your browser.",
    ),
    ("show_help", "Shows what this workbook does; the full help appears in the Output pane."),
)

# The order a user fills the sheets in, and why.
FILL_IN_HINTS: dict[str, str] = {
    "settings": "set the As Of Date and the reporting currency first; the rest have defaults.",
    "contracts": "one row per contract: value, currency and commercial terms.",
    "milestones": "the milestones of each contract, with their baseline dates and payment basis.",
    "deliverables": "what is handed over for each milestone, and whether it was accepted.",
    "approval_rules": "which roles must approve a milestone, by its value.",
    "signoffs": "each approver's decision on each milestone.",
    "change_orders": "approved changes move dates and values; proposed ones only warn.",
    "invoices": "supplier invoices and what has been paid on them.",
    "issues": "risks, issues and disputes; open disputes put a milestone on hold.",
    "holidays": "company closure days that are not business days for payment due dates.",
    "fx_rates": "a rate for every contract currency other than the reporting currency.",
}
FILL_IN_ORDER = (
    "settings",
    "contracts",
    "milestones",
    "deliverables",
    "approval_rules",
    "signoffs",
    "change_orders",
    "invoices",
    "issues",
    "holidays",
    "fx_rates",
)

# Text inputs that hold an ISO 4217 code: a dropdown offers the codes the validator accepts.
CURRENCY_FIELDS = frozenset({"currency", "reporting_currency"})
CURRENCY_CODES = tuple(sorted(MINOR_UNITS))

PartsHook = Callable[[dict[str, bytes]], None]
Rows = Mapping[str, Sequence[Mapping[str, object]]]


# ------------------------------------------------------------------------------------ names


def _code_name(sheet_name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", sheet_name) if w]
    return "sh" + "".join(w[0].upper() + w[1:] for w in words)


def sheet_order(edition: str = DESKTOP) -> tuple[str, ...]:
    """Every sheet of the template, in tab order (the Lite edition has no xlwings.conf)."""
    inputs = tuple(s.name for s in S.INPUT_SHEETS)
    outputs = tuple(s.name for s in S.OUTPUT_SHEETS if s is not S.DASHBOARD)
    conf = (XLWINGS_CONF_SHEET,) if edition == DESKTOP else ()
    return (
        START_SHEET,
        S.DASHBOARD.name,
        *inputs,
        *outputs,
        *conf,
        LISTS_SHEET,
    )


def code_names() -> dict[str, str]:
    """The VBA code name of every sheet, by sheet name (``Sign-offs`` -> ``shSignOffs``).

    The workbook's own code name is ``WORKBOOK_CODE_NAME``. The VBA project refers to the
    sheets by these names, so they must not change.
    """
    names = {name: _code_name(name) for name in sheet_order()}
    assert len(set(names.values())) == len(names), "code names must be unique"
    return names


def list_name(field: Field) -> str:
    """The defined name of the Lists range that feeds a field's dropdown."""
    return "lst_" + field.name


def choices(field: Field) -> tuple[str, ...]:
    """The values a field's dropdown offers: its enum, or the currency codes; none for others."""
    if field.enum:
        return field.enum
    if field.type is FieldType.TEXT and field.name in CURRENCY_FIELDS:
        return CURRENCY_CODES
    return ()


# ------------------------------------------------------------------------------------ formats


class _Formats:
    """The workbook's cell formats, created once and shared by every sheet."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple[tuple[str, object], ...], Format] = {}

    def get(self, **props: object) -> Format:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._wb.add_format(dict(props))
            self._cache[key] = fmt
        return fmt

    def header(self, result: bool) -> Format:
        return self.get(
            bold=True,
            italic=result,
            font_color=styles.HEADER_FONT_COLOUR,
            bg_color=styles.RESULT_HEADER_FILL if result else styles.INPUT_HEADER_FILL,
            border=1,
            border_color="#BFBFBF",
            valign="vcenter",
        )

    def cell(self, field: Field, num_format: str | None = None) -> Format:
        props: dict[str, object] = {}
        num = num_format or styles.NUM_FORMATS.get(field.type)
        if num:
            props["num_format"] = num
        # Top-aligned, so that a row made taller by a wrapped sentence reads from its top.
        props["valign"] = "top"
        if field.name in styles.WIDE_TEXT_FIELDS:
            # A sentence wraps within its column instead of running into the next ones (and
            # being cut mid-word where they hold values, on screen and on paper).
            props["text_wrap"] = True
        if field.result:
            props["bg_color"] = styles.RESULT_CELL_FILL
            props["locked"] = True
        else:
            # Input cells stay editable should a user protect the sheet.
            props["locked"] = False
        return self.get(**props)

    def value(self, field_type: FieldType) -> Format:
        num = styles.NUM_FORMATS.get(field_type)
        return self.get(num_format=num, locked=False) if num else self.get(locked=False)

    def tint(self, tint: styles.Tint) -> Format:
        return self.get(
            bg_color=tint.fill, font_color=tint.font, bold=tint.bold, font_strikeout=tint.strike
        )


# ------------------------------------------------------------------------------------ cells


def _write_value(ws: Worksheet, row: int, col: int, value: object, fmt: Format) -> None:
    """Writes one cell with an explicit type, so text is never taken for a formula or a URL."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


# ------------------------------------------------------------------------------------ validation


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(
    field: Field, lists: Mapping[tuple[str, ...], str], cell: str
) -> dict[str, Any] | None:
    """The Excel data validation for a field's input cells, from its schema type and range;
    ``cell`` is the first of them (A1), which a formula check refers to."""
    lo = field.minimum
    hi = field.maximum
    options: dict[str, Any]
    if field.type is FieldType.ENUM:
        options = {
            "validate": "list",
            "source": "=" + lists[field.enum],
            "error_message": "Choose one of: " + ", ".join(field.enum) + ".",
        }
    elif choices(field) == CURRENCY_CODES:
        options = {
            "validate": "list",
            "source": "=" + lists[CURRENCY_CODES],
            "error_message": "Enter an ISO 4217 currency code, e.g. GBP, EUR or USD.",
        }
    elif field.type is FieldType.YESNO:
        options = {
            "validate": "list",
            "source": ["yes", "no"],
            "error_message": "Enter yes or no.",
        }
    elif field.type is FieldType.DATE:
        options = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1900, 1, 1),
            "maximum": dt.date(9999, 12, 31),
            "error_message": "Enter a date, e.g. 2026-03-31.",
        }
    elif field.type is FieldType.INT:
        options = {
            "validate": "integer",
            "criteria": "between",
            "minimum": int(lo) if lo is not None else -2_147_483_647,
            "maximum": int(hi) if hi is not None else 2_147_483_647,
            "error_message": "Enter a whole number"
            + (f" from {lo} to {hi}." if lo is not None and hi is not None else "."),
        }
    elif field.type is FieldType.RATIO:
        lo_r = lo if lo is not None else Decimal(0)
        hi_r = hi if hi is not None else Decimal(1)
        if field.exclusive_minimum:
            # Excel's decimal check has no "above one bound and up to another": a formula.
            options = {
                "validate": "custom",
                "value": f"=AND(ISNUMBER({cell}),{cell}>{lo_r},{cell}<={hi_r})",
                "error_message": f"Enter a percentage above {lo_r:.0%} and at most {hi_r:.0%}",
            }
        else:
            options = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": float(lo_r),
                "maximum": float(hi_r),
                "error_message": f"Enter a percentage from {lo_r:.0%} to {hi_r:.0%}",
            }
        options["error_message"] += ": type 10% (or 0.10), not 10."
    elif field.type in (FieldType.MONEY, FieldType.NUMBER):
        if lo is not None:
            options = {
                "validate": "decimal",
                "criteria": ">" if field.exclusive_minimum else ">=",
                "value": float(lo),
                "error_message": "Enter a number "
                + ("above " if field.exclusive_minimum else "of at least ")
                + f"{lo}.",
            }
        else:
            options = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -1e15,
                "maximum": 1e15,
                "error_message": "Enter a number.",
            }
    else:
        return None
    options["error_title"] = _clip(field.header, 32)
    options["error_message"] = _clip(options["error_message"], 255)
    return options


def _header_help(ws: Worksheet, row: int, col: int, field: Field) -> None:
    """The field's description as the input message shown when its header cell is selected."""
    message = field.description
    if field.result:
        message += " Written by Refresh: anything typed here is overwritten."
    elif field.required:
        message += " Required."
    ws.data_validation(
        row,
        col,
        row,
        col,
        {
            "validate": "any",
            "input_title": _clip(field.header, 32),
            "input_message": _clip(message, 255),
        },
    )


# ------------------------------------------------------------------------------------ printing


def print_setup(
    ws: Worksheet,
    *,
    repeat_header: bool = True,
    width: float = 0.0,
    key_columns: int = 1,
) -> None:
    """Landscape A4, as many pages across as ``width`` (the columns' total width in
    characters) needs, the header row (and on wide tables the first ``key_columns`` columns,
    which say what a row is about) on every page: every sheet of the template and of the
    portfolio workbook prints so."""
    pages = max(1, math.ceil(width / PAGE_WIDTH_CHARS))
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(pages, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&L&A&R&P / &N")
    if repeat_header:
        ws.repeat_rows(0)
    if pages > 1:
        ws.repeat_columns(0, key_columns - 1)


# ------------------------------------------------------------------------------------ charts


def insert_status_chart(wb: Workbook, ws: Worksheet, row: int, col: int) -> None:
    """The Dashboard's bar chart of milestones by status, read from the status block,
    inserted at ``row`` and ``col`` (zero-based)."""
    name = ws.get_name()
    status = S.DASHBOARD_STATUS
    sc = column_number(status.first_column) - 1
    first = status.header_row  # zero-based index of the first data row
    last = first + len(S.STATUSES) - 1
    bar = wb.add_chart({"type": "bar"})
    assert bar is not None
    bar.add_series(
        {
            "name": [name, status.header_row - 1, sc + 1],
            "categories": [name, first, sc, last, sc],
            "values": [name, first, sc + 1, last, sc + 1],
            "fill": {"color": styles.INPUT_HEADER_FILL},
            "data_labels": {"value": True},
            "gap": 60,
        }
    )
    bar.set_title({"name": status.title, "name_font": {"size": 12}})
    bar.set_legend({"none": True})
    bar.set_y_axis({"reverse": True, "major_gridlines": {"visible": False}})
    bar.set_x_axis({"major_gridlines": {"visible": True}, "num_format": "0"})
    bar.set_size({"width": 560, "height": 300})
    ws.insert_chart(row, col, bar)


# The S-curve charts' height in pixels, and a row of the default height (15 points).
SCURVE_CHART_HEIGHT = 320
ROW_PIXELS = 20


def scurve_chart_row(k: int) -> int:
    """The zero-based row the Dashboard's ``k``-th S-curve chart starts on, under the status
    chart (300 pixels from two rows above the blocks' header) and the S-curve charts before it."""
    return S.DASHBOARD_SCURVE.header_row + 13 + 17 * k


def dashboard_charts_end() -> int:
    """The zero-based row the Dashboard's last chart ends on, its rows of the default height:
    anything written under the charts starts below it."""
    last = scurve_chart_row(len(S.DASHBOARD_SCURVE_CHARTS) - 1)
    return last + -(-SCURVE_CHART_HEIGHT // ROW_PIXELS)


def insert_scurve_charts(wb: Workbook, ws: Worksheet, col: int, last_row: int) -> None:
    """The Dashboard's two S-curves (RULES.md section 5), each on one basis: line charts of
    the S-curve block's columns down to ``last_row`` (zero-based), inserted at column ``col``
    (zero-based) below the status chart, one under the other."""
    block = S.DASHBOARD_SCURVE
    name = S.DASHBOARD.name
    first_col = column_number(block.first_column) - 1
    first = block.header_row  # zero-based: the first data row
    positions = {f.name: i for i, f in enumerate(block.fields)}
    # Planned, forecast and certified; due, invoiced and paid: the last of each is green.
    colours = (("#1F4E78", "#ED7D31", "#70AD47"), ("#7030A0", "#BF9000", "#70AD47"))
    for k, ((title, names), palette) in enumerate(
        zip(S.DASHBOARD_SCURVE_CHARTS, colours, strict=True)
    ):
        line = wb.add_chart({"type": "line"})
        assert line is not None
        for field_name, colour in zip(names, palette, strict=True):
            c = first_col + positions[field_name]
            line.add_series(
                {
                    "name": [name, block.header_row - 1, c],
                    "categories": [name, first, first_col, last_row, first_col],
                    "values": [name, first, c, last_row, c],
                    "line": {"color": colour, "width": 2.25},
                    "marker": {"type": "none"},
                }
            )
        line.set_title({"name": title, "name_font": {"size": 12}})
        line.set_legend({"position": "bottom"})
        line.set_x_axis({"date_axis": True, "num_format": "mmm yy", "major_unit_type": "months"})
        line.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        line.set_size({"width": 560, "height": SCURVE_CHART_HEIGHT})
        ws.insert_chart(scurve_chart_row(k), col, line)


# ------------------------------------------------------------------------------------ builder


class _Builder:
    def __init__(self, wb: Workbook, rows: Rows | None, edition: str = DESKTOP) -> None:
        self.wb = wb
        self.rows = rows
        self.edition = edition
        self.fmt = _Formats(wb)
        self.lists: dict[tuple[str, ...], str] = {}
        self.sheets: dict[str, Worksheet] = {}

    # -- workbook

    def build(self, vba_project: bytes | None) -> None:
        wb = self.wb
        wb.set_properties(
            {
                "title": "Contract milestones",
                "subject": "Contract milestone status, payment due and sign-off readiness",
                "author": "xl-milestones",
                "company": "",
                "comments": "Generated by xl-milestones from its milestone schema.",
                "created": DOCUMENT_DATE,
            }
        )
        wb.set_size(1600, 1000)
        if vba_project is not None:
            wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        # Code names are written even without a VBA project, so the parts do not change when
        # one is added and the VBA modules can always rely on them.
        wb.set_vba_name(WORKBOOK_CODE_NAME)
        names = code_names()
        for name in sheet_order(self.edition):
            ws = wb.add_worksheet(name)
            ws.set_vba_name(names[name])
            self.sheets[name] = ws

        self._lists_sheet()
        self._start_sheet()
        self._dashboard()
        self._settings_sheet()
        for sheet in S.INPUT_SHEETS:
            if sheet is not S.SETTINGS:
                self._input_sheet(sheet)
        for sheet in S.OUTPUT_SHEETS:
            if sheet is not S.DASHBOARD:
                self._output_sheet(sheet)
        if self.edition == DESKTOP:
            self._xlwings_conf()
        self.sheets[START_SHEET].activate()

    # -- Lists (hidden): the values of every enum and the currency codes, feeding the dropdowns

    def _dropdown_fields(self) -> list[Field]:
        fields = [f for s in S.INPUT_SHEETS for f in s.fields if choices(f) and not f.result]
        fields += [f for f in S.SETTING_FIELDS if choices(f)]
        return fields

    def _lists_sheet(self) -> None:
        ws = self.sheets[LISTS_SHEET]
        header = self.fmt.header(result=False)
        col = 0
        for field in self._dropdown_fields():
            values = choices(field)
            if values in self.lists:
                continue
            name = list_name(field)
            ws.write_string(0, col, name, header)
            for i, value in enumerate(values, start=1):
                ws.write_string(i, col, value)
            letter = column_letter(col + 1)
            self.wb.define_name(name, f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}")
            self.lists[values] = name
            ws.set_column(col, col, max(len(name), *(len(v) for v in values)) + 2)
            col += 1
        ws.hide()

    # -- Start

    def _start_sheet(self) -> None:
        ws = self.sheets[START_SHEET]
        f = self.fmt
        title = f.get(bold=True, font_size=18, font_color=styles.TITLE_COLOUR)
        heading = f.get(
            bold=True,
            font_size=12,
            font_color=styles.TITLE_COLOUR,
            bottom=1,
            bottom_color="#1F4E78",
        )
        text = f.get(text_wrap=True, valign="top")
        label = f.get(bold=True, valign="top", text_wrap=True)
        link = f.get(font_color="#0563C1", underline=1, bold=True, valign="top")
        note = f.get(italic=True, font_color=styles.NOTE_COLOUR, text_wrap=True, valign="top")
        ws.set_column(0, 0, 2)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 2, 96)
        ws.hide_gridlines(2)
        print_setup(ws, repeat_header=False)
        ws.fit_to_pages(1, 0)

        row = 0

        def line(a: str, b: str = "", fa: Format = label, fb: Format = text) -> None:
            nonlocal row
            ws.write_string(row, 1, a, fa)
            if b:
                ws.write_string(row, 2, b, fb)
                # Row heights are set, not left to autofit, which Excel does not do on open.
                lines = -(-len(b) // START_CHARS_PER_LINE)
                if lines > 1:
                    ws.set_row(row, 15.75 * lines)
            row += 1

        def section(name: str) -> None:
            nonlocal row
            row += 1
            ws.merge_range(row, 1, row, 2, name, heading)
            row += 1

        ws.set_row(0, 30)
        ws.merge_range(0, 1, 0, 2, "Contract milestones", title)
        row = 1
        ws.merge_range(
            row,
            1,
            row,
            2,
            "This workbook tracks contract milestones: for every milestone its status and RAG "
            "colour, the payment due (after retention, advance recovery, delay damages and VAT, "
            "with its due date and any late-payment interest) and whether it is ready for "
            "sign-off, with the reasons when it is not. You fill in the blue-headed columns; "
            f"Python computes the grey-headed ones when you {self._refresh_action}.",
            text,
        )
        ws.set_row(row, 62)
        row += 1

        section("Fill it in, in this order")
        by_key = {s.key: s for s in S.INPUT_SHEETS}
        for step, key in enumerate(FILL_IN_ORDER, start=1):
            sheet = by_key[key]
            ws.write_url(
                row, 1, f"internal:'{sheet.name}'!A1", link, f"{step}. {sheet.name}", sheet.name
            )
            ws.write_string(row, 2, FILL_IN_HINTS[key][0].upper() + FILL_IN_HINTS[key][1:], text)
            row += 1
        line(
            "Input help",
            "Select a column's header to see what it holds and whether it is required. "
            "Dropdowns offer the allowed values. Type dates as Excel takes them in your language, "
            "or as 2026-03-31; they show as yyyy-mm-dd. Percentages are typed as 10% (stored as "
            "0.10). Type on the first empty row of a table, or just below it: the table grows by "
            "itself.",
        )
        line(
            "Results",
            "Columns with a grey header (Status, RAG, Amount Due, Sign-off Ready...) are written "
            "by Refresh; anything typed in them is overwritten. The Dashboard, Payment Schedule, "
            "Sign-off Queue (who must sign what, by when), Changes (what moved since the last "
            "refresh), Validation and Refresh Log sheets are written by Refresh too.",
        )

        if self.edition == LITE:
            self._start_lite(line, section)
        else:
            self._start_desktop(line, section)

        section("Without Excel")
        ext = ".xlsm" if self.edition == DESKTOP else ".xlsx"
        line(
            "Command line",
            "The same checks and computations run on any machine: xl-milestones validate "
            f"BOOK{ext} lists the problems, xl-milestones refresh BOOK{ext} writes every result "
            f"into the file, xl-milestones new PATH{ext} writes a blank copy of this workbook.",
        )
        row += 1
        keep = (
            f"The '{XLWINGS_CONF_SHEET}' sheet holds the xlwings settings (UDF Modules names the "
            f"function module, {UDF_MODULE}); the hidden '{LISTS_SHEET}' sheet feeds the "
            "dropdowns. Keep both."
            if self.edition == DESKTOP
            else f"The hidden '{LISTS_SHEET}' sheet feeds the dropdowns. Keep it."
        )
        ws.merge_range(row, 1, row, 2, keep, note)
        ws.set_row(row, 32)

    def _start_desktop(self, line: Callable[..., None], section: Callable[[str], None]) -> None:
        """The Start sheet's part for the desktop edition: the ribbon and the Windows setup."""
        section("The Milestones ribbon tab")
        for name, what in RIBBON_BUTTONS:
            line(name, what)

        section("One-time setup on Windows")
        steps = (
            (
                "1. Python",
                "Install Python 3.11 or later from python.org (tick 'Add python.exe to PATH').",
            ),
            (
                "2. The package",
                "In a command prompt run:  pip install -e <folder of the xl-milestones "
                "repository>   (xlwings comes with it; the xlwings add-in is not needed, this "
                "workbook carries its own VBA module).",
            ),
            (
                "3. Macros",
                "Open this workbook and click Enable Content; or, better, put it in a folder and "
                "add that folder under File > Options > Trust Center > Trust Center Settings > "
                "Trusted Locations. If Windows blocked the downloaded file, tick Unblock in its "
                "Properties first.",
            ),
            (
                "4. Python interpreter",
                f"Ribbon buttons run the Python found on the PATH. To use another one (a virtual "
                f"environment), enter the full path of its pythonw.exe in the Interpreter_Win "
                f"row of the '{XLWINGS_CONF_SHEET}' sheet (Interpreter_Mac on a Mac).",
            ),
            (
                "5. Functions",
                "Click Import Functions once to make the MS_... worksheet functions available.",
            ),
        )
        for a, b in steps:
            line(a, b)

    @property
    def _refresh_action(self) -> str:
        """How a user of this edition refreshes: a ribbon button, or a task pane script."""
        if self.edition == LITE:
            return "run refresh in the xlwings Lite task pane"
        return "click Refresh on the Milestones tab"

    def _start_lite(self, line: Callable[..., None], section: Callable[[str], None]) -> None:
        """The Start sheet's part for the Lite edition: the task pane's scripts, the add-in,
        and the functions it offers."""
        section("The xlwings Lite task pane")
        for name, what in LITE_SCRIPTS:
            line(name, what)
        section("One-time setup: Excel on the web, Mac or Windows")
        steps = (
            (
                "1. The add-in",
                "Home > Add-ins (Excel on the web: Home > Add-ins > More Add-ins), search for "
                "xlwings Lite and click Add. It is free, from Microsoft's add-in store; nothing "
                "else is installed and this workbook has no macros.",
            ),
            (
                "2. The task pane",
                "Open this workbook: the xlwings Lite task pane opens on the right (or click "
                "xlwings Lite on the Home tab). The first run installs the packages named in its "
                "requirements.txt from the internet, which takes a minute.",
            ),
            (
                "3. Run",
                "In the task pane, choose refresh and click Run. Messages appear in a dialog; "
                "progress in the task pane's Output.",
            ),
        )
        for a, b in steps:
            line(a, b)
        section("Functions and results in cells")
        line(
            "Functions",
            "=MS_LATE_INTEREST(amount, due_date, paid_date, regime, rate) and "
            "=MS_PAYMENT_DUE_DATE(date, days) work in any cell, as in the desktop edition.",
        )
        line(
            "One milestone",
            "The per-milestone functions of the desktop edition cannot read the workbook here. "
            "After refresh, look a result up in the Milestones table instead, e.g. "
            '=XLOOKUP("M-005", tblMilestones[Milestone ID], tblMilestones[Status]).',
        )
        line(
            "Large workbooks",
            "Excel on the web sends at most about 5 MB between Excel and the add-in per run: "
            "for workbooks beyond the limit in the README, use the desktop edition or the "
            "command line.",
        )

    # -- Dashboard

    def _dashboard(self) -> None:
        ws = self.sheets[S.DASHBOARD.name]
        f = self.fmt
        ws.hide_gridlines(2)
        print_setup(ws, repeat_header=False)
        # One page across at the scale that fills its width; months beyond go on further pages.
        ws.fit_to_pages(1, 0)
        ws.set_row(S.DASHBOARD_TITLE_ROW - 1, 28)
        ws.write_string(
            S.DASHBOARD_TITLE_ROW - 1,
            0,
            "Contract milestones: dashboard",
            f.get(bold=True, font_size=18, font_color=styles.TITLE_COLOUR),
        )
        ws.write_string(
            S.DASHBOARD_AS_OF_ROW - 1,
            0,
            f"Not refreshed yet: fill in the input sheets, then {self._refresh_action}.",
            f.get(italic=True, font_color=styles.NOTE_COLOUR),
        )
        block_title = f.get(bold=True, font_size=12, font_color=styles.TITLE_COLOUR)
        header = f.header(result=True)
        widths = {
            ("metric",): 28.0,
        }
        for block in S.DASHBOARD_BLOCKS:
            first = column_number(block.first_column) - 1
            ws.write_string(block.header_row - 2, first, block.title, block_title)
            for i, field in enumerate(block.fields):
                ws.write_string(block.header_row - 1, first + i, field.header, header)
                width = widths.get((field.name,), max(styles.column_width(field), 12.0))
                ws.set_column(first + i, first + i, width)
            # The gap column between blocks.
            ws.set_column(first + len(block.fields), first + len(block.fields), 3)

        self._block_rows(ws, S.DASHBOARD_KPIS, [(label, None) for _, label in S.DASHBOARD_METRICS])
        self._block_rows(ws, S.DASHBOARD_STATUS, [(status, None) for status in S.STATUSES])
        blank = (None,) * len(S.DASHBOARD_SCURVE.fields)
        self._block_rows(ws, S.DASHBOARD_SCURVE, [blank] * SCURVE_TEMPLATE_ROWS)
        self._charts(ws)

    def _block_rows(self, ws: Worksheet, block: Block, rows: list[tuple[object, ...]]) -> None:
        first = column_number(block.first_column) - 1
        for r, values in enumerate(rows, start=block.header_row):
            for c, (field, value) in enumerate(zip(block.fields, values, strict=True)):
                num = styles.NUM_FORMATS.get(field.type)
                if field.type is FieldType.DATE:
                    num = styles.MONTH_FORMAT
                elif field.type in (FieldType.MONEY, FieldType.NUMBER):
                    # Counts; a refresh gives the amounts among them the reporting
                    # currency's minor units.
                    num = "#,##0"
                props: dict[str, object] = {"border": 1, "border_color": "#D9D9D9"}
                if num:
                    props["num_format"] = num
                fmt = self.fmt.get(**props)
                _write_value(ws, r, first + c, value, fmt)

    def _charts(self, ws: Worksheet) -> None:
        # Right of the blocks, one under the other: a refresh may write more S-curve rows than
        # the template shows, and the charts must never cover them.
        scurve = S.DASHBOARD_SCURVE
        col = column_number(scurve.first_column) - 1 + len(scurve.fields) + 1
        insert_status_chart(self.wb, ws, scurve.header_row - 2, col)
        insert_scurve_charts(self.wb, ws, col, scurve.header_row + SCURVE_TEMPLATE_ROWS - 1)

    # -- Settings

    def _settings_sheet(self) -> None:
        sheet = S.SETTINGS
        ws = self.sheets[sheet.name]
        given: dict[str, object] = {}
        if self.rows is not None:
            for row in self.rows.get(sheet.key, ()):
                given[str(row["setting"])] = row.get("value")
        setting_field, value_field = sheet.field("setting"), sheet.field("value")
        settings = S.SETTING_FIELDS
        last = len(settings)
        ws.add_table(
            0,
            0,
            last,
            1,
            {
                "name": sheet.table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": setting_field.header, "header_format": self.fmt.header(False)},
                    {"header": value_field.header, "header_format": self.fmt.header(False)},
                ],
            },
        )
        _header_help(ws, 0, 0, setting_field)
        _header_help(ws, 0, 1, value_field)
        name_fmt = self.fmt.get(bold=True, locked=True)
        for r, field in enumerate(settings, start=1):
            ws.write_string(r, 0, field.header, name_fmt)
            value = given.get(field.header, field.default)
            _write_value(ws, r, 1, value, self.fmt.value(field.type))
            options = _validation(field, self.lists, f"B{r + 1}") or {"validate": "any"}
            options["input_title"] = _clip(field.header, 32)
            options["input_message"] = _clip(field.description, 255)
            ws.data_validation(r, 1, r, 1, options)
        ws.set_column(0, 0, max(len(f.header) for f in settings) + 4)
        ws.set_column(1, 1, 22)
        ws.freeze_panes(1, 0)
        print_setup(ws)

    # -- input tables

    def _table(
        self,
        ws: Worksheet,
        sheet: Sheet,
        data: Sequence[Mapping[str, object]],
        blank_rows: int,
    ) -> float:
        """The table with its headers, help, formats and dropdowns; returns the total width of
        its columns in characters (for the print setup)."""
        fields = sheet.fields
        width = 0.0
        currencies = self._row_currencies(sheet, data)
        n_rows = max(len(data), 0) + blank_rows
        n_rows = max(n_rows, 1)  # Excel needs one data row in a table
        ws.add_table(
            0,
            0,
            n_rows,
            len(fields) - 1,
            {
                "name": sheet.table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": f.header, "header_format": self.fmt.header(f.result)} for f in fields
                ],
            },
        )
        for c, field in enumerate(fields):
            values = [row.get(field.name) for row in data]
            column_width = styles.column_width(field, values, output=sheet.output)
            width += column_width
            ws.set_column(c, c, column_width, self.fmt.cell(field))
            _header_help(ws, 0, c, field)
            money = field.type is FieldType.MONEY and not sheet.output
            for r, value in enumerate(values, start=1):
                if value is not None:
                    num = money_number_format(currencies[r - 1]) if money else None
                    _write_value(ws, r, c, value, self.fmt.cell(field, num))
            if not field.result and not sheet.output:
                options = _validation(field, self.lists, f"{column_letter(c + 1)}2")
                if options is not None:
                    ws.data_validation(1, c, LAST_ROW, c, options)
        ws.set_row(0, 20)
        return width

    def _row_currencies(
        self, sheet: Sheet, data: Sequence[Mapping[str, object]]
    ) -> list[str | None]:
        """The currency of each row's amounts: its own, its contract's, or its milestone's
        contract's; None where the sheet's amounts are in no contract's (Approval Rules)."""
        rows = self.rows or {}
        contracts = rows.get(S.CONTRACTS.key, ())
        by_contract = {c.get("contract_id"): c.get("currency") for c in contracts}
        by_milestone = {
            m.get("milestone_id"): by_contract.get(m.get("contract_id"))
            for m in rows.get(S.MILESTONES.key, ())
        }
        names = {f.name for f in sheet.fields}
        out: list[str | None] = []
        for row in data:
            if "currency" in names:
                currency = row.get("currency")
            elif "contract_id" in names:
                currency = by_contract.get(row.get("contract_id"))
            else:
                currency = by_milestone.get(row.get("milestone_id"))
            out.append(str(currency) if currency is not None else None)
        return out

    def _input_sheet(self, sheet: Sheet) -> None:
        ws = self.sheets[sheet.name]
        data = list(self.rows.get(sheet.key, ())) if self.rows is not None else []
        blank = 0 if self.rows is not None else TEMPLATE_BLANK_ROWS
        width = self._table(ws, sheet, data, blank)
        # The ID column stays in view on the wide sheets.
        ws.freeze_panes(1, 1 if len(sheet.fields) > 10 else 0)
        self._conditional_formats(ws, sheet)
        print_setup(ws, width=width)

    def _conditional_formats(self, ws: Worksheet, sheet: Sheet) -> None:
        col = {f.name: i for i, f in enumerate(sheet.fields)}

        def by_value(name: str, tints: Mapping[str, styles.Tint]) -> None:
            c = col[name]
            for value, tint in tints.items():
                ws.conditional_format(
                    1,
                    c,
                    LAST_ROW,
                    c,
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{value}"',
                        "format": self.fmt.tint(tint),
                    },
                )

        if sheet is S.MILESTONES:
            by_value("status", styles.STATUS_TINTS)
            by_value("rag", styles.RAG_TINTS)
            by_value("payment_status", styles.PAYMENT_TINTS)
            ready = column_letter(col["signoff_ready"] + 1)
            actual = column_letter(col["actual_date"] + 1)
            # Blocked = finished but not ready. A blank cell equals FALSE in Excel, hence the
            # test for blank; a refresh may write a boolean or the text "no".
            formula = f'=AND(${actual}2<>"",${ready}2<>"",OR(${ready}2=FALSE,${ready}2="no"))'
            for name in ("signoff_ready", "signoff_blockers"):
                c = col[name]
                ws.conditional_format(
                    1,
                    c,
                    LAST_ROW,
                    c,
                    {
                        "type": "formula",
                        "criteria": formula,
                        "format": self.fmt.tint(styles.BLOCKED_TINT),
                    },
                )
        elif sheet is S.ISSUES:
            # Open disputes and open blocking issues stand out.
            cat = column_letter(col["category"] + 1)
            st = column_letter(col["issue_status"] + 1)
            blk = column_letter(col["blocking"] + 1)
            formula = f'=AND(${st}2="open",OR(${cat}2="dispute",${blk}2=TRUE,${blk}2="yes"))'
            ws.conditional_format(
                1,
                0,
                LAST_ROW,
                len(sheet.fields) - 1,
                {
                    "type": "formula",
                    "criteria": formula,
                    "format": self.fmt.tint(styles.BLOCKED_TINT),
                },
            )
        elif sheet is S.SIGNOFFS:
            c = col["decision"]
            ws.conditional_format(
                1,
                c,
                LAST_ROW,
                c,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": '"rejected"',
                    "format": self.fmt.tint(styles.RAG_TINTS["Red"]),
                },
            )

    # -- output sheets

    def _output_sheet(self, sheet: Sheet) -> None:
        ws = self.sheets[sheet.name]
        width = self._table(ws, sheet, [], 1)
        month = self.fmt.get(
            num_format=styles.MONTH_FORMAT, bg_color=styles.RESULT_CELL_FILL, locked=True
        )
        for c, field in enumerate(sheet.fields):
            if field.name == "month":  # a calendar month, shown as the Dashboard shows it
                ws.set_column(c, c, styles.column_width(field), month)
        # The columns that say what a row is about (the Payment Schedule's Month, Contract ID
        # and Currency; elsewhere the first) stay in view and print on every page across.
        keys = 3 if sheet is S.PAYMENT_SCHEDULE else 1
        ws.freeze_panes(1, keys if keys > 1 else 0)
        print_setup(ws, width=width, key_columns=keys)
        if sheet is S.SIGNOFF_QUEUE:
            # A row whose sign-off is overdue stands out, whatever its column order.
            overdue = column_letter([f.name for f in sheet.fields].index("days_overdue") + 1)
            ws.conditional_format(
                1,
                0,
                LAST_ROW,
                len(sheet.fields) - 1,
                {
                    "type": "formula",
                    "criteria": f"=AND(ISNUMBER(${overdue}2),${overdue}2>0)",
                    "format": self.fmt.tint(styles.RAG_TINTS["Red"]),
                },
            )

    # -- xlwings.conf

    def _xlwings_conf(self) -> None:
        ws = self.sheets[XLWINGS_CONF_SHEET]
        # Wrapped, so a long hint stays in its column on screen and on the printed page.
        note = self.fmt.get(
            italic=True, font_color=styles.NOTE_COLOUR, text_wrap=True, valign="top"
        )
        key = self.fmt.get(bold=True)
        # xlwings reads column A from A1 down to the first blank cell: no header row, no gaps.
        rows: tuple[tuple[str, object, str], ...] = (
            (
                "Interpreter_Win",
                None,
                "Blank: the python on the PATH. Or the full path of a pythonw.exe, e.g. "
                r"C:\venvs\milestones\Scripts\pythonw.exe",
            ),
            ("Interpreter_Mac", None, "Blank: the python on the PATH. Or the full path."),
            ("UDF Modules", UDF_MODULE, "The Python module Import Functions imports."),
            ("Show Console", False, "TRUE opens a console window while Python runs (debugging)."),
            ("Use UDF Server", False, "Keep FALSE."),
        )
        for r, (name, value, text) in enumerate(rows):
            ws.write_string(r, 0, name, key)
            if isinstance(value, bool):
                cell = self.fmt.get(locked=False, num_format=styles.NUM_FORMATS[FieldType.YESNO])
            else:
                cell = self.fmt.get(locked=False)
            _write_value(ws, r, 1, value, cell)
            ws.write_string(r, 2, text, note)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 36)
        # Wide enough for the longest hint on one line (LibreOffice does not make a row taller
        # for wrapped text); the page is scaled to fit.
        ws.set_column(2, 2, 100)
        # One landscape page, like the other sheets.
        print_setup(ws, repeat_header=False)
        ws.fit_to_pages(1, 1)


# ------------------------------------------------------------------------------------ package


def _make_macro_enabled(parts: dict[str, bytes]) -> None:
    """Gives the workbook part the macro-enabled content type: Excel refuses an .xlsm without."""
    types = parts["[Content_Types].xml"].decode("utf-8")
    if XLSM_MAIN not in types:
        types = types.replace(XLSX_MAIN, XLSM_MAIN)
        parts["[Content_Types].xml"] = types.encode("utf-8")


def _repack(data: bytes, hook: PartsHook | None, edition: str = DESKTOP) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    if edition == DESKTOP:
        _make_macro_enabled(parts)
    if hook is not None:
        hook(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        # [Content_Types].xml first, as Office writes it; the rest in a stable order.
        for name in parts:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zout.writestr(info, parts[name])
    return out.getvalue()


def build_workbook_bytes(
    *,
    sample: bool = False,
    rows: Rows | None = None,
    vba_project: bytes | None = None,
    parts_hook: PartsHook | None = None,
    edition: str = DESKTOP,
) -> bytes:
    """The template (or, with ``sample``, the sample workbook) as the bytes of an .xlsm file,
    or of an .xlsx file for the ``LITE`` edition.

    ``rows`` gives table rows by sheet key and field name instead of the sample's; the
    template has empty tables. ``vba_project`` is a vbaProject.bin; ``parts_hook`` may add or
    change zip parts (the ribbon, Lite's web extension) before the file is packed.
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: one of {', '.join(EDITIONS)}")
    if sample and rows is None:
        from xl_milestones.template.sample import sample_rows

        rows = sample_rows()
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    _Builder(wb, rows, edition).build(vba_project)
    wb.close()
    return _repack(buffer.getvalue(), parts_hook, edition)


def build_workbook(
    path: str | Path | IO[bytes],
    *,
    sample: bool = False,
    rows: Rows | None = None,
    vba_project: bytes | None = None,
    parts_hook: PartsHook | None = None,
    edition: str = DESKTOP,
) -> None:
    """Writes the template (or the sample workbook) to ``path``; see ``build_workbook_bytes``."""
    data = build_workbook_bytes(
        sample=sample, rows=rows, vba_project=vba_project, parts_hook=parts_hook, edition=edition
    )
    if isinstance(path, str | Path):
        Path(path).write_bytes(data)
    else:
        path.write(data)
