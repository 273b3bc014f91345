"""The live-Excel book adapter: the ``Book`` interface over an open xlwings Book.

Reads each schema sheet's used range in one call; writes each contiguous run of result columns,
each output sheet and each Dashboard block with one range assignment. It uses only the xlwings
calls listed in ``XLWINGS_CALLS``, which the tests' fake implements and checks. One adapter for
every engine: desktop Excel (COM on Windows, AppleScript on a Mac) and the remote engine that
xlwings Lite runs in Excel on the web, Mac and Windows, which has no status bar, screen updating
or calculation mode to set, and no folder behind the book.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xl_milestones.a1 import column_letter, column_number
from xl_milestones.book import EXCEL_MAX_TEXT, BookUpdate, TableWrite
from xl_milestones.core.coerce import ERROR_LITERALS
from xl_milestones.core.model import RawTable, RawWorkbook
from xl_milestones.core.schema import (
    DASHBOARD,
    DASHBOARD_AS_OF_ROW,
    DASHBOARD_TITLE_ROW,
    MILESTONES,
    REFRESH_LOG,
    Block,
    Field,
    FieldType,
    Sheet,
    normalize_header,
)
from xl_milestones.errors import WorkbookError
from xl_milestones.numformats import money_format, places_of
from xl_milestones.tables import (
    SheetScan,
    appended_row,
    old_rows_end,
    previous_refresh,
    read_table,
    refuse_past_grid,
    require_tables,
    schema_sheets,
    totals_row_refused,
)

if TYPE_CHECKING:
    import xlwings as xw

# What the adapter touches, by xlwings class; the test fake implements exactly these.
XLWINGS_CALLS: Final = {
    "App": ("engine", "status_bar", "screen_updating", "calculation"),
    "Engine": ("name",),
    "Book": ("fullname", "name", "app", "sheets"),
    "Sheets": ("add", "__iter__", "__getitem__", "__len__"),
    "Sheet": ("name", "range", "used_range", "tables"),
    "Tables": ("__iter__",),
    "Table": ("range", "name", "show_headers", "show_totals", "resize"),
    "Range": (
        "row",
        "column",
        "options",
        "value",
        "last_cell",
        "clear_contents",
        "number_format",
    ),
}

Grid = list[list[object]]

# Day 0 of Excel's 1900 date system, the date COM and the Lite client give a time of day (a
# serial under 1): 0.5 is 1899-12-30 12:00, where calamine gives 12:00.
EXCEL_DAY_ZERO: Final = date(1899, 12, 30)

# Whole numbers a float holds exactly; the file reader reads larger ones as floats.
_EXACT_INT: Final = 2**53

# The engine of desktop Excel (xlwings' "excel", on Windows and Mac); the remote engine of
# xlwings Lite and the file reader's calamine engine have no application window to set.
DESKTOP_ENGINE: Final = "excel"


def excel_value(value: object) -> object:
    """A Python value as it is assigned to a cell.

    Excel parses a text assigned through COM like typed input: ``=x``, ``+x``, ``-x`` and ``@x``
    become formulas, ``2026-01-31`` a date, ``0012`` the number 12, ``TRUE`` a boolean. Every
    text is therefore written with a leading apostrophe, which Excel keeps as the cell's prefix
    character (not part of its value), so the cell holds exactly the text given, cut to the
    32,767 characters a cell holds, as the file writer cuts it (Excel refuses a longer value).
    """
    if value is None or isinstance(value, bool | int | float | datetime | date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)[:EXCEL_MAX_TEXT]
    return "'" + text if text else None


class XlwingsBook:
    """A workbook open in Excel. ``progress`` messages go to Excel's status bar on the desktop,
    and to the task pane's Output in xlwings Lite (what a script prints shows there).

    ``interactive=False`` is for worksheet functions: Excel forbids a function to change the
    status bar, screen updating or calculation mode, so they are left alone.
    """

    def __init__(self, book: xw.Book, *, interactive: bool = True) -> None:
        self._book = book
        self._interactive = interactive
        self._milestones: RawTable | None = None
        self._raw: RawWorkbook | None = None
        self._milestones_width = 0
        self._depth = 0

    @cached_property
    def desktop(self) -> bool:
        """Desktop Excel, with a status bar, screen updating, calculation mode and a folder."""
        return bool(self._book.app.engine.name == DESKTOP_ENGINE)

    @cached_property
    def name(self) -> str:
        """The full path on the desktop; in xlwings Lite only the file name (no folder).

        A workbook open from SharePoint or OneDrive has a URL for a full name, which xlwings
        turns into the path of the synced copy, and fails (XlwingsError, or another error for
        a SharePoint site without its setting) when it finds none. Reading and writing the open
        workbook need no path, so the file name stands in, as in Lite: only the sign-off pack
        needs a folder, and says so."""
        try:
            return str(self._book.fullname)
        except Exception:  # xlwings' URL-to-folder lookup, whatever it raises
            return str(self._book.name)

    # ------------------------------------------------------------------------------ status bar

    def progress(self, message: str) -> None:
        """Show a message in Excel's status bar (restored when the outermost ``busy`` ends),
        or print it where the engine has no status bar (xlwings Lite shows it in its Output)."""
        if not self._interactive:
            return
        if self.desktop:
            self._book.app.status_bar = f"xl-milestones: {message}"
        else:
            print(f"xl-milestones: {message}", flush=True)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Status bar, screen updating and manual calculation for a batch of calls; the user's
        settings come back at the end, also on error. Nested uses restore once, at the outside.
        Off the desktop none of them is touched: the remote engine refuses them (it sends its
        writes to Excel as one batch when the script ends)."""
        self._depth += 1
        if self._depth > 1 or not self._interactive or not self.desktop:
            try:
                yield
            finally:
                self._depth -= 1
            return
        app = self._book.app
        saved = (app.status_bar, app.screen_updating, app.calculation)
        try:
            app.screen_updating = False
            app.calculation = "manual"
            yield
        finally:
            self._depth -= 1
            # status_bar False hands the bar back to Excel; calculation last, so Excel
            # recalculates once with everything written.
            app.status_bar = saved[0]
            app.screen_updating = saved[1]
            app.calculation = saved[2]

    # ------------------------------------------------------------------------------- reading

    def _sheets(self) -> dict[str, Any]:
        return {normalize_header(sheet.name): sheet for sheet in self._book.sheets}

    def read(self) -> RawWorkbook:
        """Every schema input sheet, as the file reader builds it from the same cells.

        The table locator and grid reader of ``xl_milestones.tables`` do the work, as for a
        file (header row, columns by name, blank rows, whole numbers as int). What only the
        file shows is not read live: hidden rows and merged cells. The sheet's Excel tables are
        (``_excel_tables``), so the rows read end where the file reader's end.
        """
        with self.busy():
            source = Path(self.name)
            worksheets = {sheet.name: sheet for sheet in self._book.sheets}
            raw = RawWorkbook(path=self.name, tables={})
            log: RawTable | None = None
            for key, (name, sheet) in schema_sheets(source, list(worksheets), raw.issues).items():
                self.progress(f"reading {name}")
                used = worksheets[name].used_range
                grid = used.options(ndim=2, err_to_str=True).value
                start = (used.row - 1, used.column - 1)
                scan = SheetScan()
                rows = _clean(grid, start, scan)
                tables = _excel_tables(worksheets[name])
                if sheet is REFRESH_LOG:
                    # Ours, not the user's: a log that cannot be read means no earlier refresh.
                    try:
                        log = read_table(source, sheet, name, tables, rows, start, scan, [], [])
                    except WorkbookError:
                        log = None
                    continue
                table = read_table(source, sheet, name, tables, rows, start, scan, [], raw.issues)
                if table is not None:
                    raw.tables[key] = table
                if sheet is MILESTONES:
                    self._milestones = table
                    self._milestones_width = start[1] + max(map(len, grid), default=0)
            require_tables(source, raw.tables)
            raw.previous = previous_refresh(raw.tables.get(MILESTONES.key), log, raw.issues)
            self._raw = raw
            return raw

    # ------------------------------------------------------------------------------- writing

    def write(self, update: BookUpdate) -> None:
        """Everything of ``update``, once the output tables and Dashboard blocks are checked:
        a note of the user's below one of them that the new rows would reach stops the refresh
        before anything is written (``_old_end``)."""
        with self.busy():
            if self._milestones is None:
                self.read()
            table_ends, block_ends = self._old_ends(update)
            self.progress("writing results")
            width = self._milestones_width
            self._write_results(update.results)
            if update.results:
                self._grow_excel_tables(width)
            self._money_formats(update.money_places)
            for table, end in zip(update.tables, table_ends, strict=True):
                self.progress(f"writing {table.sheet.name}")
                self._write_table(table, end)
            if update.blocks or update.dashboard_header:
                self.progress(f"writing {DASHBOARD.name}")
                added = self._find(DASHBOARD) is None
                dashboard = self._sheet(DASHBOARD)
                if added:  # its title, as the file writer gives a Dashboard it adds
                    dashboard.range((DASHBOARD_TITLE_ROW, 1)).value = excel_value(DASHBOARD.name)
                if update.dashboard_header:
                    dashboard.range((DASHBOARD_AS_OF_ROW, 1)).value = excel_value(
                        update.dashboard_header
                    )
                for block, end in zip(update.blocks, block_ends, strict=True):
                    self._write_block(dashboard, block.block, block.rows, end)

    def _find(self, sheet: Sheet) -> Any | None:
        """The worksheet of a schema sheet, None when the workbook has none."""
        return self._sheets().get(normalize_header(sheet.name))

    def _sheet(self, sheet: Sheet) -> Any:
        """The worksheet of a schema sheet, added after the last sheet when missing."""
        found = self._find(sheet)
        if found is None:
            sheets = self._book.sheets
            found = sheets.add(sheet.name, after=sheets[len(sheets) - 1])
        return found

    def _old_ends(self, update: BookUpdate) -> tuple[list[int], list[int]]:
        """Where the old rows of each output table and Dashboard block of ``update`` end (for a
        log, the row it gains), all checked before anything is written; a refusal is said of
        this workbook, as the file writer says it of its file."""
        self.progress("checking the output sheets")
        try:
            tables = [
                self._appended_row(t) if t.append else self._table_end(t) for t in update.tables
            ]
            for t, row in zip(update.tables, tables, strict=True):
                refuse_past_grid(t.sheet.name, t.sheet.name, row if t.append else 2, len(t.rows))
            dashboard = self._find(DASHBOARD)
            blocks = [self._block_end(dashboard, b.block, b.rows) for b in update.blocks]
        except WorkbookError as exc:
            raise WorkbookError(f"{self.name}: {exc}") from None
        return tables, blocks

    def _table_end(self, table: TableWrite) -> int:
        """The last row of the old rows of an output table (header in row 1)."""
        last = max(1 + len(table.rows), 2)  # an Excel table keeps one row, as the file writer
        what = f"the {table.sheet.name} table"
        _refuse_totals_row(sheet := self._find(table.sheet))
        return _old_end(sheet, 1, 1, len(table.sheet.fields), last, what)

    def _appended_row(self, table: TableWrite) -> int:
        """The row a log's new row goes to (header in row 1): under its rows, its Excel table's
        included, a note of the user's right under it refused (``tables.appended_row``, the
        file writer's rule)."""
        sheet = self._find(table.sheet)
        _refuse_totals_row(sheet)
        filled = _filled_below(sheet, 1, 1, len(table.sheet.fields))
        what = f"the {table.sheet.name} table"
        if sheet is None:
            return appended_row(filled, 1, 1, what, what)
        return appended_row(filled, 1, _excel_table_end(sheet, 1, 1), str(sheet.name), what)

    def _block_end(self, sheet: Any, block: Block, rows: Sequence[tuple[object, ...]]) -> int:
        """The last row of the old rows of a Dashboard block."""
        first, top = column_number(block.first_column), block.header_row
        what = f"the {DASHBOARD.name} block '{block.title}'"
        return _old_end(sheet, top, first, len(block.fields), top + len(rows), what)

    def _write_results(self, results: dict[int, dict[str, object]]) -> None:
        table = self._milestones
        if table is None or not results:  # nothing to write (Validate): leave results as they are
            return
        sheet = self._sheet(MILESTONES)
        added: set[str] = set()
        for field in MILESTONES.results:
            if field.name not in table.columns:  # appended after the last column, in order
                self._milestones_width += 1
                table.columns[field.name] = column_letter(self._milestones_width)
                added.add(field.name)
        first = table.header_row + 1
        last = max([*results, *table.rows, first])
        for new in (False, True):
            positions = {
                column_number(table.columns[f.name]): f
                for f in MILESTONES.results
                if (f.name in added) is new
            }
            for start, fields in _runs(positions):
                block: Grid = [
                    [excel_value(results.get(row, {}).get(f.name)) for f in fields]
                    for row in range(first, last + 1)
                ]
                if new:  # a column the sheet lacked: its header too
                    block.insert(0, [excel_value(f.header) for f in fields])
                    sheet.range((table.header_row, start)).value = block
                else:
                    sheet.range((first, start)).value = block

    def _grow_excel_tables(self, width: int) -> None:
        """Each input sheet's Excel table extended over the rows read right below it, and
        Milestones' over the result columns added right after it (when it ended at column
        ``width``, the sheet's last), as the file writer extends them."""
        raw = self._raw
        for table in raw.tables.values() if raw is not None else ():
            if table.excel_table is None:
                continue
            sheet = self._book.sheets[table.sheet_name]
            for excel_table in sheet.tables:
                area = excel_table.range
                if area is None or excel_table.name != table.excel_table:
                    continue
                last = area.last_cell
                bottom, right = int(last.row), int(last.column)
                if table.rows_below_table:
                    bottom = max(bottom, table.rows[-1])
                if table is self._milestones and right == width:
                    right = self._milestones_width
                if (bottom, right) != (last.row, last.column):
                    excel_table.resize(sheet.range((area.row, area.column), (bottom, right)))

    def _money_formats(self, places: dict[int, int]) -> None:
        """The amounts of each row in a currency with other minor units than two (JPY, KWD)
        get that many decimals (``numformats.money_number_format``): one call per row and
        run of adjacent money columns. Rows in two decimals keep the template's format."""
        table = self._milestones
        if table is None or not places:
            return
        sheet = self._sheet(MILESTONES)
        positions = {
            column_number(table.columns[f.name]): f
            for f in MILESTONES.results
            if f.type is FieldType.MONEY and f.name in table.columns
        }
        runs = [(start, start + len(fields) - 1) for start, fields in _runs(positions)]
        for row, n in sorted(places.items()):
            code = money_format(n)
            for first, last in runs:
                sheet.range((row, first), (row, last)).number_format = code

    def _write_table(self, table: TableWrite, end: int) -> None:
        """Header in row 1 and the rows under it (the template's layout), in one assignment,
        and the old rows below them cleared, down to ``end``; an append goes to row ``end``
        (``_appended_row``). The sheet's Excel table then ends at the last row written."""
        sheet = self._sheet(table.sheet)
        body = [[excel_value(v) for v in row] for row in table.rows]
        if table.links:
            cell = [f.name for f in table.sheet.fields].index("cell")
            for index, target in table.links.items():
                body[index][cell] = _hyperlink(target, table.rows[index][cell])
        header = [excel_value(f.header) for f in table.sheet.fields]
        if table.append and sheet.range((1, 1)).value is not None:
            if body:
                sheet.range((end, 1)).value = body
            _fit_excel_table(sheet, end - 1 + len(body))
            return
        sheet.range((1, 1)).value = [header, *body]
        _clear_below(sheet, 1 + len(body), end, 1, len(header))
        _fit_excel_table(sheet, 1 + len(body))

    def _write_block(
        self, sheet: Any, block: Block, rows: Sequence[tuple[object, ...]], end: int
    ) -> None:
        """Title, header and rows of a Dashboard block (the template's layout): one assignment,
        and the old rows below them cleared, down to ``end``."""
        first = column_number(block.first_column)
        width = len(block.fields)
        sheet.range((block.header_row - 1, first)).value = [
            [excel_value(block.title), *([None] * (width - 1))],
            [excel_value(f.header) for f in block.fields],
            *([excel_value(v) for v in row] for row in rows),
        ]
        _clear_below(sheet, block.header_row + len(rows), end, first, width)
        _amount_formats(sheet, block.header_row + 1, first, rows)


@dataclass(slots=True)
class _LiveTable:
    """An Excel table of an open sheet, as the table locator takes one
    (``tables.TableRange``): its name and corners (one-based), header and totals rows."""

    name: str
    c1: int
    r1: int
    c2: int
    r2: int
    header_rows: int
    totals_rows: int


def _excel_tables(sheet: Any) -> list[_LiveTable]:
    """The Excel tables of ``sheet``, so that an input table is read to its end as from the
    file: not past a blank row below it, nor into a table under it, nor below a totals row."""
    found = []
    for table in sheet.tables:
        area = table.range
        if area is None:
            continue
        last = area.last_cell
        found.append(
            _LiveTable(
                str(table.name),
                int(area.column),
                int(area.row),
                int(last.column),
                int(last.row),
                int(bool(table.show_headers)),
                int(bool(table.show_totals)),
            )
        )
    return found


def _amount_formats(sheet: Any, top: int, first: int, rows: Sequence[Sequence[object]]) -> None:
    """The amounts of a Dashboard block's rows (Decimals; counts are ints) shown with their
    currency's minor units, as the file writer shows them (the template's ``#,##0`` rounded
    105,073.75 to 105,074): one call per run of amounts down a column."""
    for j in range(max(map(len, rows), default=0)):
        row = top
        for code, run in groupby(_amount_format(r[j]) for r in rows):
            n = len(list(run))
            if code is not None:
                sheet.range((row, first + j), (row + n - 1, first + j)).number_format = code
            row += n


def _amount_format(value: object) -> str | None:
    return money_format(places_of(value)) if isinstance(value, Decimal) else None


def _runs(positions: dict[int, Field]) -> Iterator[tuple[int, list[Field]]]:
    """Runs of adjacent columns: (first column, fields in column order)."""
    run: list[Field] = []
    start = previous = 0
    for column in sorted(positions):
        if run and column != previous + 1:
            yield start, run
            run = []
        if not run:
            start = column
        run.append(positions[column])
        previous = column
    if run:
        yield start, run


def _hyperlink(target: str, text: object) -> str:
    """A HYPERLINK formula to a cell of this workbook (``'Milestones'!F7``)."""
    shown = str(text if text is not None else target).replace('"', '""')
    return f'=HYPERLINK("#{target.replace(chr(34), chr(34) * 2)}","{shown}")'


def _old_end(sheet: Any, header: int, first: int, width: int, last: int, what: str) -> int:
    """The last row of the old rows under ``header`` in ``width`` columns from ``first``, which
    a refresh rewrites down to row ``last``: the Excel table there, if any, then on while rows
    hold a value; a note of the user's that the new rows would reach is refused
    (``tables.old_rows_end``, the file writer's rule)."""
    if sheet is None:
        return header
    cleared_to = _excel_table_end(sheet, header, first)
    filled = _filled_below(sheet, cleared_to, first, width)
    return old_rows_end(filled, cleared_to, last, str(sheet.name), what)


def _excel_table_at(sheet: Any, header: int, first: int) -> Any | None:
    """The Excel table whose header starts at (``header``, ``first``), None for none."""
    for table in sheet.tables:
        area = table.range
        if area is not None and area.row == header and area.column == first:
            return table
    return None


def _excel_table_end(sheet: Any, header: int, first: int) -> int:
    """The last row of the Excel table whose header starts at (``header``, ``first``), else
    ``header``. Its rows are all old rows, an empty one among them too, as the file writer
    takes an output sheet's Excel table: a row the user cleared inside it is not taken for
    the end of the old rows, with the rows after it for notes in the way."""
    table = _excel_table_at(sheet, header, first)
    return header if table is None else max(header, int(table.range.last_cell.row))


def _refuse_totals_row(sheet: Any) -> None:
    """An output sheet's Excel table (header in row 1) with a totals row refused, as in a file."""
    table = None if sheet is None else _excel_table_at(sheet, 1, 1)
    if table is not None and table.show_totals:
        raise totals_row_refused(str(sheet.name), str(table.name))


def _fit_excel_table(sheet: Any, last: int) -> None:
    """The Excel table over an output table (header in row 1) set to end at row ``last`` (one
    row at least), its columns kept, as the file writer sets it."""
    table, last = _excel_table_at(sheet, 1, 1), max(last, 2)
    if table is not None and int(table.range.last_cell.row) != last:
        table.resize(sheet.range((1, 1), (last, int(table.range.last_cell.column))))


def _filled_below(sheet: Any, top: int, first: int, width: int) -> dict[int, Sequence[int]]:
    """The rows under row ``top`` holding a value in ``width`` columns from ``first``, each
    with those of its columns that hold one. Every row an output table or block writes fills
    its first column, so that column alone is read down to the sheet's used range, and the
    full width only from the first row without it: a large table is read one column wide
    (each cell is a call's worth of work through COM). Nothing is read when the sheet is
    missing or its used range ends at ``top``."""
    if sheet is None:
        return {}
    bottom = sheet.used_range.last_cell.row
    if bottom <= top:
        return {}
    column = sheet.range((top + 1, first), (bottom, first)).options(ndim=1, err_to_str=True)
    gap = next(
        (top + 1 + i for i, value in enumerate(column.value) if value in (None, "")),
        bottom + 1,
    )
    alone = (first,)
    filled: dict[int, Sequence[int]] = dict.fromkeys(range(top + 1, gap), alone)
    if gap <= bottom:
        grid = (
            sheet.range((gap, first), (bottom, first + width - 1))
            .options(ndim=2, err_to_str=True)
            .value
        )
        for i, row in enumerate(grid):
            if cols := [first + j for j, value in enumerate(row) if value not in (None, "")]:
                filled[gap + i] = cols
    return filled


def _clear_below(sheet: Any, last_written: int, end: int, column: int, width: int) -> None:
    """Clear the old rows (down to ``end``) that a previous, longer write left under the rows
    just written."""
    if end > last_written:
        sheet.range((last_written + 1, column), (end, column + width - 1)).clear_contents()


def _clean(grid: Grid, start: tuple[int, int], scan: SheetScan) -> Grid:
    """Cell values as calamine gives them to the file reader: a date at midnight is a date, a
    time of day a time, an error value goes to ``scan.errors`` (Excel row, zero-based column)
    as the file's XML does, and a whole number past 2**53 is the float Excel holds (the Lite
    client's JSON sends 1e20 as the int 100000000000000000000, which a message showed in full)."""
    if grid == [[None]]:  # the used range of an empty sheet is A1
        return []
    rows: Grid = []
    for i, row in enumerate(grid):
        out: list[object] = []
        for j, value in enumerate(row):
            if isinstance(value, datetime):
                if value.date() == EXCEL_DAY_ZERO:  # a time of day (serial under 1), as calamine
                    value = value.time()
                elif value.time() == datetime.min.time():
                    value = value.date()
            elif isinstance(value, str) and value in ERROR_LITERALS:  # xlwings' err_to_str text
                scan.errors[(start[0] + i + 1, start[1] + j)] = value
                value = None
            elif type(value) is int and not -_EXACT_INT < value < _EXACT_INT:
                value = float(value)
            out.append(value)
        rows.append(out)
    return rows
