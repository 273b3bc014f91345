"""The portfolio workbook (XlsxWriter, the template's look): a Dashboard with key figures,
milestones by status, the S-curve, charts and the tables by supplier and by contract, then one
Excel table per sheet (All Milestones, Payment Schedule, Sign-off Queue, Sources).

It is a new file, built beside the target and moved into place only when complete.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xl_milestones.app.portfolio import (
    ALL_MILESTONES,
    BY_CONTRACT,
    BY_SUPPLIER,
    PORTFOLIO_METRICS,
    PORTFOLIO_QUEUE,
    PORTFOLIO_SCHEDULE,
    SOURCES,
    Portfolio,
)
from xl_milestones.core.money import DEFAULT_MINOR_UNITS, minor_units
from xl_milestones.core.portfolio import COUNT_METRICS
from xl_milestones.core.schema import (
    DASHBOARD_KPIS,
    DASHBOARD_SCURVE,
    DASHBOARD_STATUS,
    STATUSES,
    Block,
    Field,
    FieldType,
    Sheet,
)
from xl_milestones.errors import OutputError
from xl_milestones.io.atomic import replace_file
from xl_milestones.numformats import money_format
from xl_milestones.template import styles
from xl_milestones.template.builder import (
    _col_index,
    _col_letter,
    _Formats,
    _write_value,
    insert_scurve_charts,
    insert_status_chart,
)

# Excel keeps at most this many hyperlinks on one worksheet; rows past it show the path only.
MAX_LINKS = 65_530
# Characters of column width per landscape A4 page at the default font, as the template uses.
_PAGE_WIDTH = 130.0
_COUNT_LABELS = {label for key, label in PORTFOLIO_METRICS if key in COUNT_METRICS} | {
    "Workbooks read",
    "Workbooks not read",
    "Contracts",
}


def write_portfolio(portfolio: Portfolio, target: Path) -> None:
    """Write the portfolio workbook to ``target`` (.xlsx); OutputError when it cannot be."""
    replace_file(target, lambda tmp: _build(portfolio, tmp, target), in_place=False, verify=_opens)


def _opens(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise OutputError(
            f"{path}: the portfolio workbook did not come out whole ({exc})"
        ) from None
    if bad is not None:
        raise OutputError(f"{path}: the portfolio workbook did not come out whole ({bad})")


class _Writer:
    def __init__(self, portfolio: Portfolio, path: Path, target: Path) -> None:
        self.p = portfolio
        # Constant memory: each row goes to disk as soon as the next one starts, so a portfolio
        # of 1,000 workbooks (several million cells) is written in a few MB, not a few GB.
        self.wb = Workbook(
            str(path),
            {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True},
        )
        self.wb.set_properties(
            {"title": "Contract milestones: portfolio", "comments": "made by xl-milestones"}
        )
        self.fmt = _Formats(self.wb)
        self.folder = target.parent
        self.dash_widths: dict[int, float] = {}
        self._shown: dict[str, str] = {}

    def build(self) -> None:
        p = self.p
        dashboard = self.wb.add_worksheet("Dashboard")
        # The Dashboard is small and written block by block, not row by row: in memory.
        dashboard.constant_memory = False
        sheets = (
            (ALL_MILESTONES, p.milestones),
            (PORTFOLIO_SCHEDULE, p.schedule),
            (PORTFOLIO_QUEUE, p.queue),
            (SOURCES, p.sources),
        )
        for sheet, rows in sheets:
            ws = self.wb.add_worksheet(sheet.name)
            width = self.table(ws, 0, sheet, rows, p.links.get(sheet.key, {}))
            ws.freeze_panes(1, 2 if sheet is ALL_MILESTONES else 1)
            self.print_setup(ws, width)
            if sheet is ALL_MILESTONES:
                self.tints(ws, sheet, len(rows))
            if sheet is PORTFOLIO_QUEUE:
                self.not_ready(ws, sheet, len(rows))
        self.dashboard(dashboard)
        self.wb.close()

    # ------------------------------------------------------------------------- tables

    def table(
        self,
        ws: Worksheet,
        first_row: int,
        sheet: Sheet,
        rows: Sequence[tuple[object, ...]],
        links: Mapping[int, str],
        *,
        widths: dict[int, float] | None = None,
    ) -> float:
        """An Excel table named ``tbl`` + the sheet name, its rows typed cell by cell; the
        Workbook column links to each file. Returns the columns' total width."""
        fields = sheet.fields
        # XlsxWriter refuses tables in constant-memory mode only because a table writes its
        # header cells at once, which must then come before every data row: they do here,
        # the table's first row being the first row written.
        streaming, ws.constant_memory = ws.constant_memory, False
        ws.add_table(
            first_row,
            0,
            first_row + max(len(rows), 1),
            len(fields) - 1,
            {
                "name": sheet.table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": f.header, "header_format": self.fmt.header(f.result)} for f in fields
                ],
            },
        )
        ws.constant_memory = streaming
        # XlsxWriter notes each cell of a table's range to refuse overlapping ranges (about
        # 100 bytes a cell: 600 MB for 1,000 workbooks); each table here has its own rows.
        ws.table_cells.clear()
        if streaming:  # the header again, as the inline strings a streamed row holds
            for c, f in enumerate(fields):
                ws.write_string(first_row, c, f.header, self.fmt.header(f.result))
        formats = [self.fmt.cell(f) for f in fields]
        # Amounts show their currency's minor units (7,920,000 JPY, 1,234.567 KWD): those in
        # the reporting currency by its own, the others by the currency on their row.
        names = [f.name for f in fields]
        cur = names.index("currency") if "currency" in names else None
        reporting_places = minor_units(self.p.currency)
        by_row: list[int] = []
        for c, f in enumerate(fields):
            if f.type is FieldType.MONEY:
                if f.header.endswith("(Reporting)"):
                    formats[c] = self.money(f, reporting_places)
                elif cur is not None:
                    by_row.append(c)
        link_format = self.fmt.get(font_color="#0563C1", underline=1)
        width = 0.0
        for c, f in enumerate(fields):
            sample = [row[c] for row in rows[:200]]
            if f.name == "source":
                sample = [self.shown(str(v)) for v in sample]
            w = styles.column_width(f, sample)
            width += w
            if widths is None:
                ws.set_column(c, c, w, formats[c])
            else:  # a table among others: the widest use of each column wins
                widths[c] = max(widths.get(c, 0.0), w)
        links_left = MAX_LINKS
        # A blank cell under a column format looks the same written or not: not written.
        skip_blanks = widths is None
        for r, row in enumerate(rows, start=first_row + 1):
            for c, value in enumerate(row):
                if value is None and skip_blanks:
                    continue
                if c == 0 and fields[0].name == "source" and value is not None:
                    link = links.get(r - first_row - 1)
                    if link is not None and links_left > 0:
                        links_left -= 1
                        ws.write_url(r, 0, self.url(link), link_format, self.shown(str(value)))
                        continue
                    value = self.shown(str(value))
                fmt = formats[c]
                if by_row and c in by_row:
                    places = minor_units(str(row[cur])) if cur is not None else 2
                    if places != DEFAULT_MINOR_UNITS:
                        fmt = self.money(fields[c], places)
                _write_value(ws, r, c, value, fmt)
        return width

    def money(self, field: Field, places: int) -> Format:
        """The cell format of ``field`` (as the template gives it) showing ``places`` decimals."""
        if places == DEFAULT_MINOR_UNITS:
            return self.fmt.cell(field)
        props: dict[str, object] = {"num_format": money_format(places), "locked": field.result}
        if field.result:
            props["bg_color"] = styles.RESULT_CELL_FILL
        return self.fmt.get(**props)

    def shown(self, path: str) -> str:
        """A file as the sheets show it: relative to the portfolio workbook's folder."""
        relative = self._shown.get(path)
        if relative is None:
            try:
                relative = os.path.relpath(path, self.folder)
            except ValueError:  # another drive on Windows
                relative = path
            self._shown[path] = relative
        return relative

    def url(self, link: str) -> str:
        """``external:`` link to the file (relative, so the folder can move), with the row of
        its Milestones sheet when the link names one."""
        path, _sep, row = link.partition("#")
        anchor = f"#'Milestones'!A{row}" if row else ""
        return f"external:{self.shown(path)}{anchor}"

    def tints(self, ws: Worksheet, sheet: Sheet, n_rows: int) -> None:
        col = {f.name: i for i, f in enumerate(sheet.fields)}
        for name, tints in (
            ("status", styles.STATUS_TINTS),
            ("rag", styles.RAG_TINTS),
            ("payment_status", styles.PAYMENT_TINTS),
        ):
            for value, tint in tints.items():
                ws.conditional_format(
                    1,
                    col[name],
                    max(n_rows, 1),
                    col[name],
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{value}"',
                        "format": self.fmt.tint(tint),
                    },
                )

    def not_ready(self, ws: Worksheet, sheet: Sheet, n_rows: int) -> None:
        """A milestone that is not ready stands out (Ready and its blockers), as a blocked
        milestone does on the template's Milestones sheet."""
        names = [f.name for f in sheet.fields]
        ready = _col_letter(names.index("signoff_ready"))
        for name in ("signoff_ready", "signoff_blockers"):
            col = names.index(name)
            ws.conditional_format(
                1,
                col,
                max(n_rows, 1),
                col,
                {
                    "type": "formula",
                    "criteria": f"=${ready}2=FALSE",
                    "format": self.fmt.tint(styles.BLOCKED_TINT),
                },
            )

    def print_setup(self, ws: Worksheet, width: float, *, repeat_header: bool = True) -> None:
        pages = max(1, math.ceil(width / _PAGE_WIDTH))
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(pages, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        if repeat_header:
            ws.repeat_rows(0)
        if pages > 1:
            ws.repeat_columns(0)

    # ---------------------------------------------------------------------- dashboard

    def dashboard(self, ws: Worksheet) -> None:
        p, f = self.p, self.fmt
        ws.hide_gridlines(2)
        ws.activate()
        ws.set_row(0, 28)
        ws.write_string(
            0,
            0,
            "Contract milestones: portfolio",
            f.get(bold=True, font_size=18, font_color=styles.TITLE_COLOUR),
        )
        as_of = p.as_of.isoformat() if p.as_of else "each workbook's own As Of Date (see Sources)"
        ws.write_string(
            1,
            0,
            f"As of {as_of} · amounts in {p.currency} · {p.read} of "
            f"{len(p.outcomes)} workbooks read",
            f.get(italic=True, font_color=styles.NOTE_COLOUR),
        )
        metrics = [(label, p.figures.get(key, 0)) for key, label in PORTFOLIO_METRICS]
        end_kpi = self.block(ws, DASHBOARD_KPIS, metrics)
        end_status = self.block(
            ws, DASHBOARD_STATUS, [(s, p.status_counts.get(s, 0)) for s in STATUSES]
        )
        end_curve = self.block(ws, DASHBOARD_SCURVE, p.scurve)
        widths = self.dash_widths
        widths[0] = max(widths.get(0, 0.0), 28.0)
        chart_col = _col_index(DASHBOARD_SCURVE.first_column) + len(DASHBOARD_SCURVE.fields) + 1
        self.charts(ws, chart_col, len(p.scurve))
        # Below the blocks and the charts (about 34 rows tall): the two tables.
        row = max(end_kpi, end_status, end_curve, DASHBOARD_KPIS.header_row + 34) + 2
        title = f.get(bold=True, font_size=12, font_color=styles.TITLE_COLOUR)
        for sheet, rows, links in (
            (BY_SUPPLIER, self.p.by_supplier, {}),
            (BY_CONTRACT, self.p.by_contract, self.p.links.get(BY_CONTRACT.key, {})),
        ):
            ws.write_string(row, 0, f"{sheet.name} (amounts in {p.currency})", title)
            self.table(ws, row + 1, sheet, rows, links, widths=widths)
            row += max(len(rows), 1) + 4
        for c, w in widths.items():
            ws.set_column(c, c, w)
        self.print_setup(ws, 0.0, repeat_header=False)

    def block(self, ws: Worksheet, block: Block, rows: Sequence[tuple[object, ...]]) -> int:
        """A block at its template place (title, header, rows); returns its last row index."""
        f = self.fmt
        first = _col_index(block.first_column)
        ws.write_string(
            block.header_row - 2,
            first,
            block.title,
            f.get(bold=True, font_size=12, font_color=styles.TITLE_COLOUR),
        )
        header = f.header(result=True)
        for i, field in enumerate(block.fields):
            ws.write_string(block.header_row - 1, first + i, field.header, header)
            w = max(styles.column_width(field), 12.0)
            self.dash_widths[first + i] = max(self.dash_widths.get(first + i, 0.0), w)
        gap = first + len(block.fields)
        self.dash_widths[gap] = max(self.dash_widths.get(gap, 0.0), 3.0)
        border: dict[str, object] = {"border": 1, "border_color": "#D9D9D9"}
        for r, values in enumerate(rows, start=block.header_row):
            for c, (field, value) in enumerate(zip(block.fields, values, strict=True)):
                if field.type is FieldType.DATE:
                    num = styles.MONTH_FORMAT
                elif field.type in (FieldType.MONEY, FieldType.NUMBER):
                    counted = block is DASHBOARD_KPIS and values[0] in _COUNT_LABELS
                    num = "0" if counted else "#,##0"
                else:
                    num = styles.NUM_FORMATS.get(field.type, "")
                fmt = f.get(**border, num_format=num) if num else f.get(**border)
                _write_value(ws, r, first + c, value, fmt)
        return block.header_row + len(rows)

    def charts(self, ws: Worksheet, col: int, curve_rows: int) -> None:
        insert_status_chart(self.wb, ws, DASHBOARD_STATUS.header_row - 2, col)

        curve = DASHBOARD_SCURVE
        insert_scurve_charts(self.wb, ws, col, curve.header_row + max(curve_rows, 1) - 1)


def _build(portfolio: Portfolio, path: Path, target: Path) -> None:
    _Writer(portfolio, path, target).build()
