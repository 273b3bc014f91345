"""The portfolio workbook (XlsxWriter, the template's look): a Dashboard with key figures,
milestones by status, the S-curve, charts and the tables by supplier and by contract, then one
Excel table per sheet (All Milestones, Payment Schedule, Sign-off Queue, Sources).

It is a new file, built beside the target and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xl_milestones.a1 import column_letter, column_number
from xl_milestones.app.portfolio_sheets import (
    ALL_MILESTONES,
    BY_CONTRACT,
    BY_SUPPLIER,
    PORTFOLIO_METRICS,
    PORTFOLIO_QUEUE,
    PORTFOLIO_SCHEDULE,
    PORTFOLIO_TITLE,
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
from xl_milestones.io.row_height import ROW_HEIGHT, lines_needed
from xl_milestones.numformats import money_format, money_number_format
from xl_milestones.output import plural
from xl_milestones.template import styles
from xl_milestones.template.builder import (
    _Formats,
    _write_value,
    dashboard_charts_end,
    insert_scurve_charts,
    insert_status_chart,
    print_setup,
)

# Excel keeps at most this many hyperlinks on one worksheet; rows past it show the path only.
MAX_LINKS = 65_530
_COUNT_LABELS = {label for key, label in PORTFOLIO_METRICS if key in COUNT_METRICS} | {
    "Workbooks read",
    "Workbooks not read",
    "Contracts",
}


def verify_portfolio(path: Path) -> None:
    """The portfolio workbook at ``path`` came out whole (every part of the package reads)."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise OutputError(
            f"{path}: the portfolio workbook did not come out whole ({exc})"
        ) from None
    if bad is not None:
        raise OutputError(f"{path}: the portfolio workbook did not come out whole ({bad})")


class PortfolioWriter:
    """The portfolio workbook at ``path``, written as the roll-up goes (a RowSink): the rows of
    All Milestones and the Payment Schedule go to disk workbook by workbook, the Sign-off Queue,
    Sources and the Dashboard at ``finish``. ``target`` is where it will be moved (the links
    are relative to its folder). ``close`` frees the scratch files, finished or not."""

    def __init__(self, path: Path, target: Path) -> None:
        # XlsxWriter's scratch files (one per streamed sheet) in a folder of our own, so that
        # a run stopped half-way leaves none behind.
        self._scratch = tempfile.TemporaryDirectory(prefix="xl-milestones-portfolio-")
        # Constant memory: each row goes to disk as soon as the next one starts, so a portfolio
        # of 1,000 workbooks (several million cells) is written in a few MB, not a few GB.
        self.wb = Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "constant_memory": True,
                "tmpdir": self._scratch.name,
            },
        )
        self.wb.set_properties({"title": PORTFOLIO_TITLE, "comments": "made by xl-milestones"})
        self.fmt = _Formats(self.wb)
        self.folder = target.parent
        self.currency = "EUR"
        self.dash_widths: dict[int, float] = {}
        self._closed = False
        self.dashboard_ws = self.wb.add_worksheet("Dashboard")
        # The Dashboard is small and written block by block, not row by row: in memory.
        self.dashboard_ws.constant_memory = False
        self.tables = {
            sheet.key: _Table(self, self.wb.add_worksheet(sheet.name), sheet, 0)
            for sheet in (ALL_MILESTONES, PORTFOLIO_SCHEDULE, PORTFOLIO_QUEUE, SOURCES)
        }

    # RowSink
    def begin(self, currency: str) -> None:
        self.currency = currency

    def rows(self, sheet: Sheet, rows: Sequence[tuple[object, ...]], links: Sequence[str]) -> None:
        self.tables[sheet.key].write(rows, links)

    def finish(self, portfolio: Portfolio) -> None:
        """The sheets written at the end, every table closed, the workbook written."""
        p = portfolio
        self.currency = p.currency
        for sheet, rows in ((PORTFOLIO_QUEUE, p.queue), (SOURCES, p.sources)):
            links = p.links.get(sheet.key, {})
            self.tables[sheet.key].write(rows, [links.get(i) for i in range(len(rows))])
        for table in self.tables.values():
            ws, sheet = table.ws, table.sheet
            width = table.close()
            ws.freeze_panes(1, 2 if sheet is ALL_MILESTONES else 1)
            print_setup(ws, width=width)
            if sheet is ALL_MILESTONES:
                self.tints(ws, sheet, table.count)
            if sheet is PORTFOLIO_QUEUE:
                self.not_ready(ws, sheet, table.count)
        self.dashboard(self.dashboard_ws, p)
        self.wb.close()
        self._closed = True

    def close(self) -> None:
        """Free the scratch files; a workbook not finished is closed as it stands (the caller
        throws it away)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):
                self.wb.close()
        self._scratch.cleanup()

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
        try:
            return os.path.relpath(path, self.folder)
        except ValueError:  # another drive on Windows
            return path

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
        ready = column_letter(names.index("signoff_ready") + 1)
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

    # ---------------------------------------------------------------------- dashboard

    def dashboard(self, ws: Worksheet, p: Portfolio) -> None:
        f = self.fmt
        ws.hide_gridlines(2)
        ws.activate()
        ws.set_row(0, 28)
        ws.write_string(
            0,
            0,
            PORTFOLIO_TITLE,
            f.get(bold=True, font_size=18, font_color=styles.TITLE_COLOUR),
        )
        as_of = p.as_of.isoformat() if p.as_of else "each workbook's own As Of Date (see Sources)"
        not_read = f", {plural(p.not_read, 'file')} not read" if p.not_read else ""
        no_rate = p.no_rate
        left_out = (
            f" · no FX rate for {', '.join(no_rate)}: left out of the amounts (see Sources)"
            if no_rate
            else ""
        )
        if p.not_computed_text:
            left_out += f" · {p.not_computed_text} (see Sources)"
        if p.shared_contracts:
            left_out += f" · {p.shared_text} (see Sources)"
        ws.write_string(
            1,
            0,
            f"As of {as_of} · amounts in {p.currency_text} · "
            f"{plural(p.read, 'workbook')} read{not_read}{left_out}",
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
        chart_col = (
            column_number(DASHBOARD_SCURVE.first_column) - 1 + len(DASHBOARD_SCURVE.fields) + 1
        )
        self.charts(ws, chart_col, len(p.scurve))
        # Below the blocks and the charts: the two tables.
        row = max(end_kpi, end_status, end_curve, dashboard_charts_end()) + 2
        title = f.get(bold=True, font_size=12, font_color=styles.TITLE_COLOUR)
        for sheet, rows, links in (
            (BY_SUPPLIER, p.by_supplier, {}),
            (BY_CONTRACT, p.by_contract, p.links.get(BY_CONTRACT.key, {})),
        ):
            ws.write_string(row, 0, f"{sheet.name} (amounts in {p.currency})", title)
            table = _Table(self, ws, sheet, row + 1, widths=widths)
            table.write(rows, [links.get(i) for i in range(len(rows))])
            table.close()
            row += max(len(rows), 1) + 4
        for c, w in widths.items():
            ws.set_column(c, c, w)
        print_setup(ws, repeat_header=False)

    def block(self, ws: Worksheet, block: Block, rows: Sequence[tuple[object, ...]]) -> int:
        """A block at its template place (title, header, rows); returns its last row index."""
        f = self.fmt
        first = column_number(block.first_column) - 1
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
                    num = "0" if counted else money_number_format(self.currency)
                else:
                    num = styles.NUM_FORMATS.get(field.type, "")
                fmt = f.get(**border, num_format=num) if num else f.get(**border)
                _write_value(ws, r, first + c, value, fmt)
        return block.header_row + len(rows)

    def charts(self, ws: Worksheet, col: int, curve_rows: int) -> None:
        insert_status_chart(self.wb, ws, DASHBOARD_STATUS.header_row - 2, col)

        curve = DASHBOARD_SCURVE
        insert_scurve_charts(self.wb, ws, col, curve.header_row + max(curve_rows, 1) - 1)


class _Table:
    """One Excel table named ``tbl`` + the sheet name, from ``first_row`` (its header) down:
    rows written as they come, typed cell by cell, the Workbook column a link to each file;
    ``close`` sets the column widths and formats and adds the table over the rows written.

    On a sheet in constant-memory mode each row goes to disk when the next starts."""

    def __init__(
        self,
        writer: PortfolioWriter,
        ws: Worksheet,
        sheet: Sheet,
        first_row: int,
        *,
        widths: dict[int, float] | None = None,
    ) -> None:
        self.w, self.ws, self.sheet, self.first_row = writer, ws, sheet, first_row
        # A table among others (the Dashboard's): the widest use of each column wins.
        self.widths = widths
        self.count = 0
        self.links_left = MAX_LINKS
        # The first rows, for the column widths.
        self.sample: list[tuple[object, ...]] = []
        self.formats: list[Format] | None = None
        self.by_row: set[int] = set()
        names = [f.name for f in sheet.fields]
        self.cur = names.index("currency") if "currency" in names else None
        self.linked = names[0] == "source"
        # Sentences (Sign-off Blockers, Notes) wrap in a column of fixed width, each row as tall
        # as its text needs: LibreOffice does not size rows to wrapped text.
        self.wrapped = {
            c: styles.column_width(f)
            for c, f in enumerate(sheet.fields)
            if f.name in styles.WIDE_TEXT_FIELDS
        }
        for c, f in enumerate(sheet.fields):
            ws.write_string(first_row, c, f.header, writer.fmt.header(f.result))

    def _formats(self) -> list[Format]:
        """Each column's cell format; amounts show their currency's minor units (7,920,000
        JPY, 1,234.567 KWD): those in the reporting currency by its own, the others by the
        currency on their row."""
        w, fields = self.w, self.sheet.fields
        formats = [w.fmt.cell(f) for f in fields]
        reporting_places = minor_units(w.currency)
        for c, f in enumerate(fields):
            if f.type is FieldType.MONEY:
                if f.header.endswith("(Reporting)"):
                    formats[c] = w.money(f, reporting_places)
                elif self.cur is not None:
                    self.by_row.add(c)
        return formats

    def write(self, rows: Sequence[tuple[object, ...]], links: Sequence[str | None]) -> None:
        if not rows:
            return
        if self.formats is None:
            self.formats = self._formats()
        w, ws, fields, formats, by_row, cur = (
            self.w,
            self.ws,
            self.sheet.fields,
            self.formats,
            self.by_row,
            self.cur,
        )
        if len(self.sample) < _SAMPLE_ROWS:
            self.sample += rows[: _SAMPLE_ROWS - len(self.sample)]
        link_format = w.fmt.get(font_color="#0563C1", underline=1)
        # A blank cell under a column format looks the same written or not: not written.
        skip_blanks = self.widths is None
        r = self.first_row + 1 + self.count
        for row, link in zip(rows, links, strict=True):
            for c, value in enumerate(row):
                if value is None and skip_blanks:
                    continue
                if c == 0 and self.linked and value is not None:
                    if link is not None and self.links_left > 0:
                        self.links_left -= 1
                        ws.write_url(r, 0, w.url(link), link_format, w.shown(str(value)))
                        continue
                    value = w.shown(str(value))
                fmt = formats[c]
                if c in by_row:
                    places = minor_units(str(row[cur])) if cur is not None else 2
                    if places != DEFAULT_MINOR_UNITS:
                        fmt = w.money(fields[c], places)
                _write_value(ws, r, c, value, fmt)
            lines = lines_needed((row[c], width) for c, width in self.wrapped.items())
            if lines > 1:
                ws.set_row(r, lines * ROW_HEIGHT)
            r += 1
        self.count += len(rows)

    def close(self) -> float:
        """Column widths and formats, and the Excel table over the rows written; returns the
        columns' total width."""
        w, ws, fields = self.w, self.ws, self.sheet.fields
        formats = self.formats if self.formats is not None else self._formats()
        width = 0.0
        for c, f in enumerate(fields):
            sample = [row[c] for row in self.sample]
            if self.linked and c == 0:
                sample = [w.shown(str(v)) for v in sample]
            cw = self.wrapped.get(c) or styles.column_width(f, sample)
            width += cw
            if self.widths is None:
                ws.set_column(c, c, cw, formats[c])
            else:
                self.widths[c] = max(self.widths.get(c, 0.0), cw)
        _add_table(ws, self.sheet, self.first_row, self.first_row + max(self.count, 1), w.fmt)
        return width


# Rows that set the column widths (the template measures its sample rows the same way).
_SAMPLE_ROWS = 200


def _add_table(ws: Worksheet, sheet: Sheet, first_row: int, last_row: int, fmt: _Formats) -> None:
    """The Excel table over rows already written, header included.

    XlsxWriter has no public way to add a table to a sheet in constant-memory mode: it refuses
    because a table writes its header cells, which would then come after the rows already on
    disk. Here the header was written first (as the streamed row it is), so the mode is set
    aside for the call. The header cells it writes again go to the buffer of the row being
    written: dropped with it when rows followed the header, else written again as the text a
    streamed row holds. XlsxWriter also notes each cell of the range to refuse overlapping
    tables (about 100 bytes a cell: 330 MB for All Milestones of 1,000 workbooks); each table
    here has rows of its own, so nothing is noted.
    """
    streaming, ws.constant_memory = ws.constant_memory, False
    notes, ws.table_cells = ws.table_cells, _Unnoted()
    try:
        ws.add_table(
            first_row,
            0,
            last_row,
            len(sheet.fields) - 1,
            {
                "name": sheet.table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": f.header, "header_format": fmt.header(f.result)}
                    for f in sheet.fields
                ],
            },
        )
    finally:
        ws.constant_memory = streaming
        ws.table_cells = notes
    if streaming:  # the header cells again, as the text a streamed row holds
        for c, f in enumerate(sheet.fields):
            ws.write_string(first_row, c, f.header, fmt.header(f.result))


class _Unnoted(dict[tuple[int, int], str]):
    """Stands in for XlsxWriter's notes of the cells under a table while one is added: it
    keeps none (the portfolio's tables never overlap)."""

    def __setitem__(self, key: tuple[int, int], value: str) -> None:
        pass
