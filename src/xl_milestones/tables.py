"""Where a schema table sits on a sheet, and its rows as the validator takes them: the one table
locator and grid reader of the package. The file reader (cells from calamine), the file writer
(cells from the sheet's XML) and the live-Excel adapter (cells from xlwings) all find a table
here, so a workbook reads the same whichever way it comes.

A table is an Excel table whose header row holds the most schema headers, else, without one,
the row among the first ``HEADER_SCAN_ROWS`` rows of the sheet with the most schema headers.
Rows and columns are one-based as Excel numbers them, except where a grid's zero-based
coordinates are said.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from operator import itemgetter
from pathlib import Path
from typing import Final, Protocol

from xl_milestones.a1 import column_letter, format_range
from xl_milestones.book import EXCEL_ROWS
from xl_milestones.core.changes import computed_count
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import CellError, PreviousRefresh, RawTable
from xl_milestones.core.schema import (
    CHANGE_FIELDS,
    INPUT_SHEETS,
    MILESTONES,
    REFRESH_LOG,
    SETTINGS,
    Sheet,
    normalize_header,
    sheet_by_name,
)
from xl_milestones.errors import WorkbookError

# A header row is looked for in the first rows of a sheet that has no Excel table over it.
HEADER_SCAN_ROWS = 30


class TableRange(Protocol):
    """What the locator needs of an Excel table: its name and where it sits (one-based,
    inclusive), with its header and totals row counts. ``io.package.TablePart`` is one."""

    name: str
    c1: int
    r1: int
    c2: int
    r2: int
    header_rows: int
    totals_rows: int


@dataclass(frozen=True, slots=True)
class TableArea:
    """A located table: its header row, first and last column, last data row (None: to the
    end of the data) and the Excel table it comes from, if any; one-based."""

    header_row: int
    first_col: int
    last_col: int
    last_row: int | None
    table: TableRange | None = None


def locate_table(
    tables: Iterable[TableRange],
    header_count: Callable[[int, int, int], int],
    scan_rows: Iterable[int],
    first_col: int,
    last_col: int,
) -> TableArea | None:
    """The table on a sheet: the Excel table (of ``tables``) whose header row holds the most
    schema headers, else the row of ``scan_rows`` holding the most between ``first_col`` and
    ``last_col``; None when no row holds one. ``header_count(row, first, last)`` counts the
    cells of ``row`` from column ``first`` to ``last`` that hold a schema header."""
    best: tuple[int, TableArea] | None = None
    for t in tables:
        if t.header_rows < 1:
            continue
        n = header_count(t.r1, t.c1, t.c2)
        if n and (best is None or n > best[0]):
            best = (n, TableArea(t.r1, t.c1, t.c2, t.r2 - t.totals_rows, t))
    if best is not None:
        return best[1]
    for row in scan_rows:
        n = header_count(row, first_col, last_col)
        if n and (best is None or n > best[0]):
            best = (n, TableArea(row, first_col, last_col, None))
    return best[1] if best else None


def run_end(filled: Container[int], start: int) -> int:
    """The last row of the run of ``filled`` rows right below ``start`` (``start`` if none)."""
    end = start
    while end + 1 in filled:
        end += 1
    return end


def old_rows_end(
    filled: Mapping[int, Collection[int]], cleared_to: int, last: int, sheet: str, what: str
) -> int:
    """The last row of the old rows of an output table or Dashboard block, which a refresh
    rewrites down to row ``last``: ``cleared_to`` (its header, or the end of its Excel table),
    then on while rows hold a value in its columns (``filled``: row -> those columns of it that
    hold one, for the rows below ``cleared_to``). A value below that, after an empty row, is the
    user's; one the rows written would overwrite, or end right above (the next refresh would
    take it for one of them), is refused, its cell named, before anything is written. The file
    writer and the live-Excel adapter both ask here (each with what it can see: the live one
    takes a cell showing "" as empty)."""
    end = run_end(filled, cleared_to)
    blocked = [row for row in filled if end < row <= last + 1]
    if not blocked:
        return end
    row = min(blocked)
    cell = f"{column_letter(min(filled[row]))}{row}"
    raise WorkbookError(
        f"sheet '{sheet}': {cell} holds a value below {what}, which this refresh writes down "
        f"to row {last}: move it to row {last + 2} or lower (row {last + 1} left empty), or "
        "to another sheet, then refresh again"
    )


def appended_row(
    filled: Mapping[int, Collection[int]], header: int, table_end: int, sheet: str, what: str
) -> int:
    """The row a log's new row goes to (the Refresh Log gains one at each refresh): right under
    the run of ``filled`` rows from the last one in its Excel table (which ends at row
    ``table_end``; ``header`` for none), else from ``header``: a row the user cleared inside the
    table leaves the rows after it the log's. A value of the user's right under the new row,
    which the next refresh would take for one of the log's rows, is refused, its cell named:
    moving it lower only puts the refusal off, as the log grows towards it."""
    end = run_end(filled, max((r for r in filled if r <= table_end), default=header))
    below = end + 2  # end + 1, the new row's, is empty: the run ends above it
    if below in filled:
        cell = f"{column_letter(min(filled[below]))}{below}"
        raise WorkbookError(
            f"sheet '{sheet}': {cell} holds a value right under {what}, which gains a row at "
            f"each refresh (row {end + 1} now), so the next refresh would take it for one of "
            "the log's rows: move it to another sheet, or to the right of the log's columns, "
            "then refresh again"
        )
    return end + 1


def refuse_past_grid(sheet: str, table: str, first: int, count: int) -> None:
    """Refuse ``count`` rows of the output ``table`` (its schema name) from row ``first`` when
    they run past Excel's last row: Excel repairs such a file by dropping what lies below it
    (the file writer's words and the live adapter's, said before anything is written)."""
    last = first + count - 1
    if last <= EXCEL_ROWS:
        return
    if count < EXCEL_ROWS:
        todo = "move it up its sheet (its header to row 1), then refresh again"
    else:
        todo = (
            "split the contracts over several workbooks (xl-milestones portfolio rolls them "
            "up), then refresh each"
        )
    raise WorkbookError(
        f"sheet '{sheet}': the {table} table needs rows {first:,} to {last:,}, past Excel's "
        f"last row ({EXCEL_ROWS:,}), so the refresh is stopped before writing anything: {todo}"
    )


def totals_row_refused(sheet: str, table: str) -> WorkbookError:
    """The refusal of an output sheet's Excel table with a totals row, whose every row a
    refresh rewrites (the file writer's words and the live adapter's)."""
    return WorkbookError(
        f"sheet '{sheet}': Excel table {table} has a totals row, and a refresh rewrites "
        "every row of it: turn its totals row off (Table Design > Total Row)"
    )


@dataclass(slots=True)
class SheetScan:
    """Hidden rows (1-based) and error cells ((row 1-based, column 0-based) -> code) of a sheet.

    A formula cell with no saved value (written by a program without a calculation engine) is
    an error cell too, whose code is ``=`` and the formula (just ``=`` for a shared formula's
    later cells)."""

    hidden_rows: set[int] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def schema_sheets(
    file: Path, names: Sequence[str], issues: list[Issue]
) -> dict[str, tuple[str, Sheet]]:
    """Of the workbook's sheets (``names``, in workbook order), the input sheets by schema key,
    and the Refresh Log (which tells whether a refresh ran before); other output sheets and
    other sheets are not read. A missing required sheet refuses the file; a missing optional
    one is a warning in ``issues`` (``_missing_sheet``), since it is read as empty."""
    found: dict[str, tuple[str, Sheet]] = {}
    for name in names:
        sheet = sheet_by_name(name)
        if sheet is None or (sheet.output and sheet is not REFRESH_LOG):
            continue
        if sheet.key in found:
            raise WorkbookError(
                f"{file}: sheets '{found[sheet.key][0]}' and '{name}' both stand for "
                f"the {sheet.name} sheet: rename or delete one of them"
            )
        found[sheet.key] = (name, sheet)
    others = [name for name in names if sheet_by_name(name) is None]
    for sheet in INPUT_SHEETS:
        if sheet.key in found:
            continue
        if not sheet.required:
            issues.append(_missing_sheet(sheet, _nearest(sheet.name, others)))
            continue
        hint = _nearest(sheet.name, names)
        maybe = f" (is '{hint}' meant to be it? rename it)" if hint else ""
        raise WorkbookError(
            f"{file}: the workbook has no '{sheet.name}' sheet{maybe}: "
            f"add a sheet named {sheet.name} with the columns {header_list(sheet)}"
        )
    return found


def _missing_sheet(sheet: Sheet, near: str | None) -> Issue:
    """The warning that optional input ``sheet`` is missing, so read as empty: on the sheet
    named ``near`` it (not a schema sheet, so not read) when there is one, else on the missing
    sheet, with no cell."""
    lacks = f"the workbook has no '{sheet.name}' sheet, so {sheet.when_missing}"
    if near is None:
        return Issue(
            Severity.WARNING,
            "sheet-missing",
            sheet.name,
            None,
            None,
            None,
            None,
            f"{lacks}: add the sheet back with its header row ({header_list(sheet)}), even "
            "if it stays empty (a template made by xl-milestones new has it)",
        )
    return Issue(
        Severity.WARNING,
        "sheet-name-near-match",
        near,
        None,
        None,
        None,
        None,
        f"sheet '{near}' is not read, and {lacks}: if '{near}' is meant to be the "
        f"{sheet.name} sheet, rename it to '{sheet.name}'",
    )


def _empty_sheet(sheet: Sheet, sheet_name: str) -> Issue:
    """The warning that optional input ``sheet`` is there but holds no cell, so is read as
    empty: said like a missing sheet, since it changes the results the same way."""
    headers = header_list(sheet)
    return Issue(
        Severity.WARNING,
        "sheet-empty",
        sheet_name,
        None,
        None,
        None,
        None,
        f"sheet '{sheet_name}' is empty: it has no {headers.replace(', ', '/')} table, not "
        f"even its header row, so {sheet.when_missing}: type the header row ({headers}) in "
        "its first row, with the rows under it (a template made by xl-milestones new has it)",
    )


def header_list(sheet: Sheet) -> str:
    """The headers a sheet needs, for messages."""
    return ", ".join(f.header for f in sheet.inputs if f.required or sheet is SETTINGS)


def require_tables(source: object, tables: Container[str]) -> None:
    """Refuse a workbook whose Contracts or Milestones sheet holds no table: what its header
    row needs, for the file reader and the live-Excel adapter alike."""
    for sheet in INPUT_SHEETS:
        if sheet.required and sheet.key not in tables:
            raise WorkbookError(
                f"{source}: sheet '{sheet.name}' is empty: it needs a header row "
                f"({header_list(sheet)}) and one row per {sheet.name.lower()[:-1]}"
            )


# How alike a header must be to an optional column the sheet lacks to be warned about: 'Paid
# Amt' for Paid Amount (0.82), 'Actual' for Actual Date (0.75); not the user's own 'PO Number'
# beside Owner (0.62) or 'Comment' beside % Complete. A missing sheet or required column, an
# error anyway, takes a looser hint.
_NEAR_HEADER: Final = 0.7


def _nearest(word: str, candidates: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The candidate nearest ``word``, as typed or else with ``%`` spelled out: 'Percent
    Complete' is % Complete, and 'Payment Pct' is Payment %."""
    for spell in (str, _percent_spelled):
        keyed = {spell(normalize_header(c)): c for c in candidates if normalize_header(c)}
        key = spell(normalize_header(word))
        hit = difflib.get_close_matches(key, list(keyed), n=1, cutoff=cutoff)
        if hit:
            return keyed[hit[0]]
    return None


def _percent_spelled(key: str) -> str:
    return key.replace("%", "percent")


@dataclass(slots=True)
class _Area:
    """A located table in the zero-based coordinates of a grid of values."""

    header_row: int
    first_col: int
    last_col: int
    last_row: int | None  # inclusive; None = to the end of the data
    table: TableRange | None = None  # the Excel table the area comes from

    @classmethod
    def of(cls, found: TableArea) -> _Area:
        last = None if found.last_row is None else found.last_row - 1
        return cls(found.header_row - 1, found.first_col - 1, found.last_col - 1, last, found.table)


class _Grid:
    """A sheet's grid of values (``rows``, whose top-left cell is ``start``), zero-based."""

    def __init__(self, rows: list[list[object]], start: tuple[int, int]) -> None:
        self.rows = rows
        self.r0, self.c0 = start
        self.width = max((len(r) for r in rows), default=0)

    def cell(self, row: int, col: int) -> object:
        i, j = row - self.r0, col - self.c0
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            return self.rows[i][j]
        return None

    def locate(self, tables: Sequence[TableRange], keys: Container[str]) -> TableArea | None:
        """The table locator over this grid (in its one-based terms)."""

        def header_count(row: int, first: int, last: int) -> int:
            return sum(
                1
                for col in range(first - 1, last)
                if isinstance(v := self.cell(row - 1, col), str) and normalize_header(v) in keys
            )

        return locate_table(
            tables,
            header_count,
            range(self.r0 + 1, self.r0 + min(len(self.rows), HEADER_SCAN_ROWS) + 1),
            self.c0 + 1,
            self.c0 + self.width,
        )


def read_table(
    file: Path,
    sheet: Sheet,
    sheet_name: str,
    tables: Sequence[TableRange],
    rows: list[list[object]],
    start: tuple[int, int],
    scan: SheetScan,
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    issues: list[Issue],
) -> RawTable | None:
    """One schema table from a sheet's grid of values (``rows``, whose top-left cell is
    ``start``, 0-based): header found and matched, rows kept by field name with their Excel
    row numbers. The live-Excel adapter builds its tables through this too, so a workbook reads
    the same whether it comes from a file or from Excel."""
    grid = _Grid(rows, start)
    found = grid.locate(tables, {f.key for f in sheet.fields})
    if found is None:
        if not rows:  # an empty sheet; the caller refuses it when it is required
            if not sheet.required and not sheet.output:
                issues.append(_empty_sheet(sheet, sheet_name))
            return None
        raise WorkbookError(
            f"{file}: sheet '{sheet_name}' has no header row: its first row must hold the "
            f"column headers ({header_list(sheet)})"
        )
    area = _Area.of(found)
    columns, where, unmatched = _header(file, sheet, sheet_name, grid, area)
    table = RawTable(sheet, sheet_name, area.header_row + 1, columns)
    if not sheet.output:
        issues.extend(_near_headers(table, unmatched))
        headed = {*where.values(), *(c for _t, c in unmatched)}
        last_data = _last_row(grid, area, scan, _next_table_row(tables, area))
        issues.extend(_unheaded(table, grid, area, headed, last_data))
        issues.extend(_beside(table, grid, area))
    if area.table is not None and area.last_row is not None and not sheet.output:
        table.excel_table = area.table.name
        table.table_last_row = area.last_row + 1
        if area.table.totals_rows == 0:
            # Rows a script or a paste put right under the table are data Excel would have
            # taken into the table had they been typed: the run of them right under it is
            # read (``_keep_rows_right_below``), and a refresh extends the table over them.
            area = _Area(area.header_row, area.first_col, area.last_col, None, area.table)
    # An output sheet (the Refresh Log) is read whole: all its columns are results.
    wanted = sheet.fields if sheet.output else sheet.inputs
    inputs = [(f.name, where[f.name]) for f in wanted if f.name in where]
    if area.table is not None and area.table.totals_rows and inputs and not sheet.output:
        issues.extend(_below_totals(grid, table, area.table, inputs))
    first = area.header_row + 1
    last = _last_row(grid, area, scan, _next_table_row(tables, area))
    _data_rows(table, grid, first, last, inputs, scan)
    if table.rows_below_table:
        _keep_rows_right_below(table)
        issues.extend(_below_table(table, inputs))
    if sheet is MILESTONES:
        _previous_results(table, rows, grid.r0, grid.c0, first, last, where, scan)
    _merged_issues(table, where, merged, area, last, issues)
    issues.extend(_hidden_rows(table, inputs, scan.hidden_rows))
    return table


def _header(
    file: Path, sheet: Sheet, sheet_name: str, grid: _Grid, area: _Area
) -> tuple[dict[str, str], dict[str, int], list[tuple[str, int]]]:
    """Each field's column letter and (zero-based) column on the header row, and the headers
    that are no field's; a field twice or a required field missing is refused, with the
    nearest header as a hint."""
    keys = {f.key: f for f in sheet.fields}
    columns: dict[str, str] = {}
    where: dict[str, int] = {}
    unmatched: list[tuple[str, int]] = []
    for col in range(area.first_col, area.last_col + 1):
        text = grid.cell(area.header_row, col)
        if not isinstance(text, str) or not text.strip():
            if isinstance(text, (int, float)) and not isinstance(text, bool):
                unmatched.append((str(text), col))
            continue
        f = keys.get(normalize_header(text))
        if f is None:
            unmatched.append((text, col))
            continue
        if f.name in columns:
            raise WorkbookError(
                f"{file}: sheet '{sheet_name}' has two '{f.header}' columns "
                f"({columns[f.name]} and {column_letter(col + 1)}): rename or delete one of them"
            )
        columns[f.name] = column_letter(col + 1)
        where[f.name] = col
    needed = [f for f in sheet.inputs if f.required or sheet is SETTINGS]
    missing = [f for f in needed if f.name not in columns]
    if missing:
        row = area.header_row + 1
        parts = [_missing(f.header, unmatched, row) for f in missing]
        raise WorkbookError(
            f"{file}: sheet '{sheet_name}' has no {' or '.join(parts)} column in its header row "
            f"(row {row}): add the column or correct its header"
        )
    return columns, where, unmatched


def _near_headers(table: RawTable, unmatched: list[tuple[str, int]]) -> list[Issue]:
    """A warning on each header that is near an optional input column the sheet lacks ('Paid
    Amt' for Paid Amount): that column is not read, so its values would be lost in silence."""
    found: list[Issue] = []
    taken: set[str] = set()
    row = table.header_row
    for f in table.sheet.inputs:
        if f.name in table.columns:
            continue
        hint = _nearest(f.header, [t for t, _c in unmatched if t not in taken], _NEAR_HEADER)
        if hint is None:
            continue
        taken.add(hint)
        cell = column_letter(next(c for t, c in unmatched if t == hint) + 1) + str(row)
        message = (
            f"the column '{hint}' is not read, and the sheet has no {f.header} column, so "
            f"{f.header} is blank on every row: if '{hint}' is meant to be it, rename the "
            f"header to '{f.header}'"
        )
        found.append(
            Issue(
                Severity.WARNING,
                "column-name-near-match",
                table.sheet_name,
                row,
                hint,
                cell,
                hint,
                message,
            )
        )
    return found


def _unheaded(
    table: RawTable, grid: _Grid, area: _Area, headed: set[int], last: int
) -> list[Issue]:
    """A warning on each column inside the table (its Excel table, else between its first and
    last header) whose header cell is blank but whose rows hold values: they are not read, and
    a header cleared by mistake (Forecast Date) lost its column in silence. A value under no
    header to the right of the table is the user's note, and is not looked at."""
    if not headed:
        return []
    lo, hi = (area.first_col, area.last_col) if area.table else (min(headed), max(headed))
    missing = [f.header for f in table.sheet.inputs if f.name not in table.columns]
    found: list[Issue] = []
    for col in range(lo, hi + 1):
        if col in headed:
            continue
        row = next(
            (
                r
                for r in range(area.header_row + 1, last + 1)
                if grid.cell(r, col) not in ("", None)
            ),
            None,
        )
        if row is None:
            continue
        letter = column_letter(col + 1)
        header_cell = f"{letter}{table.header_row}"
        lacks = f"the sheet lacks {', '.join(missing)}; " if missing else ""
        found.append(
            Issue(
                Severity.WARNING,
                "column-no-header",
                table.sheet_name,
                row + 1,
                None,
                f"{letter}{row + 1}",
                _show(grid.cell(row, col)),
                f"column {letter} holds values but no header ({header_cell} is blank), so they "
                f"are not read: type its header in {header_cell} ({lacks}a column of your own "
                "takes a header of your own)",
            )
        )
    return found


def _beside(table: RawTable, grid: _Grid, area: _Area) -> list[Issue]:
    """A warning on each header of one of the sheet's columns right of its Excel table: a
    column pasted or added by a script beside a table does not grow it (typed there, Excel
    grows the table), and its values went unread in silence."""
    if area.table is None:
        return []
    keys = {f.key: f for f in table.sheet.inputs}
    found: list[Issue] = []
    for col in range(area.last_col + 1, grid.c0 + grid.width):
        text = grid.cell(area.header_row, col)
        if not isinstance(text, str) or (f := keys.get(normalize_header(text))) is None:
            continue
        cell = f"{column_letter(col + 1)}{area.header_row + 1}"
        inside = table.columns.get(f.name)
        what = (
            f"the table's own {f.header} column ({inside}) is read"
            if inside
            else f"{f.header} is blank on every row"
        )
        message = (
            f"the column '{text}' in {cell} is outside the table {area.table.name}, so it is not "
            f"read and {what}: extend the table over it (Table Design > Resize Table), or "
            "rename it if it is a column of your own"
        )
        found.append(
            Issue(
                Severity.WARNING,
                "column-beside-table",
                table.sheet_name,
                area.header_row + 1,
                f.header,
                cell,
                text,
                message,
            )
        )
    return found


def _missing(header: str, unmatched: list[tuple[str, int]], row: int) -> str:
    """A missing header, quoted, with the nearest unmatched header of the row as a hint."""
    hint = _nearest(header, [t for t, _c in unmatched])
    if hint is None:
        return f"'{header}'"
    col = next(c for t, c in unmatched if t == hint)
    return f"'{header}' (is '{hint}' in {column_letter(col + 1)}{row} meant to be it? rename it)"


def _below_totals(
    grid: _Grid, table: RawTable, excel_table: TableRange, inputs: list[tuple[str, int]]
) -> list[Issue]:
    """Below a totals row is not the table's: such rows are not read, but said so."""
    row = excel_table.r2  # zero-based: the row right below the table
    filled = [
        (n, c) for n, c in inputs if grid.cell(row, c) is not None and grid.cell(row, c) != ""
    ]
    if not filled:
        return []
    name, col = filled[0]
    return [
        _cell_issue(
            table,
            Severity.WARNING,
            "row-below-totals",
            row + 1,
            name,
            _show(grid.cell(row, col)),
            f"row {row + 1} is below the totals row of the Excel table "
            f"{excel_table.name} and is not read: turn the totals row off (Table Design "
            "> Total Row) so that the table can take the rows typed under it, or move "
            "them into the table",
        )
    ]


def _cell_issue(
    table: RawTable,
    severity: Severity,
    code: str,
    row: int,
    name: str,
    value: str | None,
    message: str,
) -> Issue:
    """An issue at the cell of field ``name`` on Excel row ``row`` of ``table``."""
    header = table.sheet.field(name).header
    return Issue(
        severity, code, table.sheet_name, row, header, table.cell(name, row), value, message
    )


def _last_row(grid: _Grid, area: _Area, scan: SheetScan, stop: int | None) -> int:
    """The last (zero-based) row read: the table's, else the data's or the last error cell's,
    never into the next Excel table (``stop``)."""
    if area.last_row is not None:
        last = area.last_row
    else:
        last = grid.r0 + len(grid.rows) - 1
        if scan.errors:
            last = max(last, max(row for row, _c in scan.errors) - 1)
    return last if stop is None else min(last, stop - 1)


def _data_rows(
    table: RawTable,
    grid: _Grid,
    first: int,
    last: int,
    inputs: list[tuple[str, int]],
    scan: SheetScan,
) -> None:
    """The rows from ``first`` to ``last`` (zero-based) with a value in an input column, into
    ``table`` column by column; error cells as CellError."""
    cols = _columns(
        grid.rows, first - grid.r0, last - grid.r0, [col - grid.c0 for _name, col in inputs]
    )
    _error_cells(cols, first, [col for _name, col in inputs], scan)
    numbers = range(first + 1, last + 2)
    width = len(inputs)
    # A row of nothing but blanks is not a data row; testing each row's tuple is one C call.
    filled = [vals.count(None) != width for vals in zip(*cols, strict=True)]
    if all(filled):
        table.rows = list(numbers[: len(filled)])
    else:
        table.rows = list(compress(numbers, filled))
        cols = [list(compress(col, filled)) for col in cols]
    table.values = {name: col for (name, _col), col in zip(inputs, cols, strict=True)}


def _error_cells(cols: list[list[object]], first: int, at: list[int], scan: SheetScan) -> None:
    """The error cells of ``scan`` into ``cols``, the columns ``at`` (zero-based) read from
    row ``first`` (zero-based) on: as CellError, where the grid holds a blank."""
    where = {col: j for j, col in enumerate(at)}
    for (row, col), code in scan.errors.items():
        j, i = where.get(col), row - first - 1
        if j is not None and 0 <= i < len(cols[j]):
            cols[j][i] = CellError(code)


def _below_table(table: RawTable, inputs: list[tuple[str, int]]) -> list[Issue]:
    """The rows read right below the Excel table, said so once."""
    end = table.table_last_row or 0
    below = [r for r in table.rows if r > end]
    if not below:
        return []
    first_below = below[0]
    at = len(table.rows) - len(below)
    name = next(n for n, _c in inputs if table.values[n][at] is not None)
    one = len(below) == 1
    span = f"row {first_below}" if one else f"rows {first_below} to {below[-1]}"
    return [
        _cell_issue(
            table,
            Severity.WARNING,
            "row-below-table",
            first_below,
            name,
            None,
            f"{span} {'is' if one else 'are'} below the Excel table "
            f"{table.excel_table}, which ends at row {table.table_last_row}: "
            f"{'it is' if one else 'they are'} read as part of the table, and a "
            f"refresh extends the table over {'it' if one else 'them'}",
        )
    ]


def _hidden_rows(table: RawTable, inputs: list[tuple[str, int]], hidden: set[int]) -> list[Issue]:
    """One warning for the sheet's hidden rows that hold data, at the first of them: a filter
    that hides most of a long list would otherwise bury every other issue under one per row."""
    rows = [(i, row) for i, row in enumerate(table.rows) if row in hidden] if hidden else []
    if not rows:
        return []
    i, first = rows[0]
    name = next(n for n, _c in inputs if table.values[n][i] is not None)
    if len(rows) == 1:
        message = (
            f"row {first} is hidden; its values are checked and used like any other: unhide "
            "it to review them, or delete the row if it should not count"
        )
    else:
        shown = ", ".join(str(row) for _i, row in rows[:_HIDDEN_SHOWN])
        more = f" and {len(rows) - _HIDDEN_SHOWN} more" if len(rows) > _HIDDEN_SHOWN else ""
        message = (
            f"{len(rows)} rows are hidden ({shown}{more}), by hand or by a filter; their values "
            "are checked and used like any others: unhide them or clear the filter to review "
            "them, or delete the rows that should not count"
        )
    value = _show(table.values[name][i])
    return [_cell_issue(table, Severity.WARNING, "hidden-row", first, name, value, message)]


_HIDDEN_SHOWN = 5  # hidden rows a warning lists by number


def _keep_rows_right_below(table: RawTable) -> None:
    """Of the rows read below the Excel table, keep the run right under it, as Excel grows a
    table over rows typed there; what follows a blank row (a note) is not the table's."""
    end = table.table_last_row or 0
    rows = table.rows
    n = next((i for i, r in enumerate(rows) if r > end), len(rows))
    expected = end + 1
    while n < len(rows) and rows[n] == expected:
        n += 1
        expected += 1
    table.truncate(n)


def _next_table_row(tables: Sequence[TableRange], area: _Area) -> int | None:
    """The first row (zero-based) of another Excel table below ``area``'s table and across its
    columns: the rows read below a table stop there."""
    own = area.table
    if own is None or area.last_row is not None:
        return None
    rows = [
        t.r1 - 1
        for t in tables
        if t is not own and t.r1 > own.r2 and not (t.c2 < own.c1 or t.c1 > own.c2)
    ]
    return min(rows, default=None)


def _previous_results(
    table: RawTable,
    rows: list[list[object]],
    r0: int,
    c0: int,
    first: int,
    last: int,
    where: dict[str, int],
    scan: SheetScan,
) -> None:
    """The result cells the change report compares, for each row read (a refresh has not
    overwritten them yet): by Excel row, blank rows of results left out; an error value as
    CellError, which no refresh writes, not as a blank."""
    found = [(name, where[name]) for name in CHANGE_FIELDS if name in where]
    if not found or not table.rows:
        return
    names = [name for name, _col in found]
    cols = _columns(rows, first - r0, last - r0, [col - c0 for _name, col in found])
    _error_cells(cols, first, [col for _name, col in found], scan)
    width = len(names)
    data = set(table.rows)
    # Row tuples from one zip, tested in C: a workbook never refreshed has no result to keep.
    table.results.update(
        (row, dict(zip(names, vals, strict=True)))
        for row, vals in zip(count(first + 1), zip(*cols, strict=True), strict=False)
        if vals.count(None) != width and row in data
    )


def previous_refresh(
    milestones: RawTable | None, log: RawTable | None, issues: list[Issue]
) -> PreviousRefresh | None:
    """What the last refresh left: None when the Refresh Log lists no refresh (no sheet, or no
    row), else the As Of Date of its last row and the Milestones result cells as read. Result
    columns missing from Milestones since are warned of in ``issues``."""
    if log is None or not log.rows:
        return None
    if milestones is not None:
        issues.extend(_results_missing(milestones))
    last = log.row_values(-1)
    as_of = last.get("as_of_date")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    return PreviousRefresh(
        as_of if isinstance(as_of, dt.date) else None,
        milestones.results if milestones is not None else {},
        computed_count(last.get("status_counts")),
    )


def _results_missing(table: RawTable) -> list[Issue]:
    """A warning on the header row of a refreshed Milestones sheet that lacks result columns
    (renamed, or deleted): a refresh adds them again, and a renamed one is not updated."""
    missing = [f.header for f in table.sheet.fields if f.result and f.name not in table.columns]
    if not missing:
        return []
    what = ", ".join(missing) + (" column" if len(missing) == 1 else " columns")
    message = (
        f"the sheet has no {what}, which a refresh writes: the refresh adds "
        f"{'it' if len(missing) == 1 else 'them'} after the last column; if a column of yours "
        "is one renamed, give it back its header (a column under another header is not updated)"
    )
    row = table.header_row
    return [
        Issue(
            Severity.WARNING,
            "result-column-missing",
            table.sheet_name,
            row,
            None,
            None,
            None,
            message,
        )
    ]


def _merged_issues(
    table: RawTable,
    where: dict[str, int],
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    area: _Area,
    last: int,
    issues: list[Issue],
) -> None:
    input_cols = {col: name for name, col in where.items() if not table.sheet.field(name).result}
    for (mr0, mc0), (mr1, mc1) in merged:
        covered = [input_cols[c] for c in range(mc0, mc1 + 1) if c in input_cols]
        if not covered or mr1 < area.header_row or mr0 > last:
            continue
        name = covered[0]
        ref = format_range(mc0 + 1, mr0 + 1, mc1 + 1, mr1 + 1)
        for row in range(max(mr0, area.header_row), min(mr1, last) + 1):
            excel_row = row + 1
            what = "the header row" if row == area.header_row else f"row {excel_row}"
            issues.append(
                _cell_issue(
                    table,
                    Severity.ERROR,
                    "merged-cell",
                    excel_row,
                    name,
                    ref,
                    f"merged cells {ref} cover {what} of the input columns: unmerge them and "
                    "enter the value in every cell that needs it",
                )
            )


_SAFE_INT = float(2**53)
_INFINITY = float("inf")
# No cell holds NaN or infinity; calamine parses them from a damaged <v>nan</v> or <v>inf</v>.
# Excel's own error for a number it cannot hold stands in, so the validator reports the cell.
_NOT_FINITE = CellError("#NUM!")


def _columns(rows: list[list[object]], lo: int, hi: int, idxs: list[int]) -> list[list[object]]:
    """Cells of ``rows[lo]`` to ``rows[hi]`` at column indexes ``idxs``, one cleaned list per
    column; cells outside the data read as blank.

    100,000 rows times 20 columns is the reader's hot path: rows are cut with itemgetter and
    turned into columns with zip, both in C, instead of one Python step per cell.
    """
    n = hi - lo + 1
    if n <= 0:
        return [[] for _ in idxs]
    if not idxs:
        return []
    block: list[list[object]] = [[]] * max(0, -lo) + rows[max(lo, 0) : hi + 1]
    if min(idxs) < 0:  # never for a header found in the data, but must read as blank
        shift = -min(idxs)
        block = [[""] * shift + r for r in block]
        idxs = [j + shift for j in idxs]
    need = max(idxs) + 1
    if len(block) < n or min(map(len, block)) < need:
        block = [r if len(r) >= need else [*r, *([""] * (need - len(r)))] for r in block]
        block += [[""] * need] * (n - len(block))
    if len(idxs) == 1:
        j = idxs[0]
        return [_clean([r[j] for r in block])]
    return [_clean(col) for col in zip(*map(itemgetter(*idxs), block), strict=True)]


def _clean(column: Sequence[object]) -> list[object]:
    """Empty cells to None, and whole-number floats to int (calamine reads 1001 as 1001.0)."""
    # One list comprehension per column measured faster than looking distinct values up in a
    # table: hashing every cell costs as much as these tests.
    return [
        None
        if v == "" or v is None
        else int(v)
        if type(v) is float and v.is_integer() and -_SAFE_INT < v < _SAFE_INT
        else _NOT_FINITE
        if type(v) is float and not -_INFINITY < v < _INFINITY
        else v
        for v in column
    ]


def _show(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
