"""Reading an .xlsx/.xlsm file into raw rows by header name, each value with its Excel row.

Cell values come from python-calamine (fast); hidden rows, error values, Excel tables and the
1904 flag come from the package XML (``xlsxparts``). Files that are not readable workbooks are
refused with a one-line ``WorkbookError`` saying what to do; bad data inside sheets is left to
the validator, except what only the reader can see (merged cells, hidden rows).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import os
import threading
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, cast

from xl_milestones.a1 import column_letter, format_range
from xl_milestones.core.changes import computed_count
from xl_milestones.core.collector import collector_paused
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import CellError, PreviousRefresh, RawRow, RawTable, RawWorkbook
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
from xl_milestones.io.safety import check_package
from xl_milestones.io.xlsxparts import (
    PackageInfo,
    SheetPart,
    SheetScan,
    TablePart,
    read_package,
    scan_sheet,
)

if TYPE_CHECKING:  # python-calamine (compiled) is imported only where a file is read: the live
    # adapter uses this module's table logic in xlwings Lite, where Pyodide has no calamine.
    from python_calamine import CalamineSheet, CalamineWorkbook

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SAVE_AS = "open it in Excel (or LibreOffice) and save it as .xlsx or .xlsm"
# A header row is looked for in the first rows of a sheet that has no Excel table over it.
_HEADER_SCAN_ROWS = 30

# What reading a damaged package part raises (reported as a damaged file).
_DAMAGED = (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError)


def read_workbook(path: str | os.PathLike[str]) -> RawWorkbook:
    """Every schema input sheet of the workbook at ``path``, as raw rows by field name.

    Raises WorkbookError when the file is not a readable .xlsx/.xlsm, a required sheet is
    missing, or a sheet has no header row or lacks a required column.
    """
    file = Path(path)
    _check_file(file)
    try:
        with zipfile.ZipFile(file) as zf:
            package = read_package(zf)
            parts = schema_sheets(file, package)
            sizes = {key: _part_size(zf, part.path) for key, (part, _s) in parts.items()}
    except _DAMAGED as exc:
        raise _damaged(file, exc) from None
    raw = RawWorkbook(path=str(file), tables={}, date1904=package.date1904)
    # Hundreds of thousands of rows and dicts are built and none freed before the read is done.
    with collector_paused():
        loader = _Loader(file, {key: part for key, (part, _s) in parts.items()}, sizes)
        try:
            # Errors come out in the order a one-pass reader meets them: a damaged sheet part first,
            # then a file calamine cannot open, then each sheet in workbook order.
            scans: dict[str, SheetScan] = {}
            for key in parts:
                scan = loader.scan(key)
                if isinstance(scan, _DAMAGED):
                    raise _damaged(file, scan)
                if isinstance(scan, BaseException):
                    raise scan
                scans[key] = scan
            # The largest sheet is turned into rows last: the others are ready well before it
            # loads. Each sheet's outcome is kept, and taken in workbook order.
            outcomes: dict[str, tuple[RawTable | None, list[Issue]] | WorkbookError] = {}
            for key in sorted(parts, key=lambda k: k == loader.biggest):
                part, sheet = parts[key]
                try:
                    outcomes[key] = _sheet_table(file, loader, key, part, sheet, scans[key])
                except WorkbookError as exc:
                    outcomes[key] = exc
            log: RawTable | None = None
            for key in parts:
                outcome = outcomes[key]
                if key == REFRESH_LOG.key:
                    # Ours, not the user's: a log that cannot be read means no earlier refresh.
                    log = None if isinstance(outcome, WorkbookError) else outcome[0]
                    continue
                if isinstance(outcome, WorkbookError):
                    raise outcome
                table, issues = outcome
                raw.issues.extend(issues)
                if table is not None:
                    raw.tables[key] = table
            raw.previous = previous_refresh(raw.tables.get(MILESTONES.key), log)
        finally:
            loader.close()
    for sheet in INPUT_SHEETS:
        if sheet.required and sheet.key not in raw.tables:
            raise WorkbookError(
                f"{file}: sheet '{sheet.name}' is empty: it needs a header row "
                f"({_header_list(sheet)}) and one row per {sheet.name.lower()[:-1]}"
            )
    return raw


def _sheet_table(
    file: Path, loader: _Loader, key: str, part: SheetPart, sheet: Sheet, scan: SheetScan
) -> tuple[RawTable | None, list[Issue]]:
    """The table of one loaded sheet and the issues met reading it."""
    loaded = loader.sheet(key)
    if isinstance(loaded, _OpenError):
        raise WorkbookError(
            f"{file}: the workbook cannot be read ({type(loaded.error).__name__}: "
            f"{loaded.error}): open it in Excel and save it again as .xlsx"
        ) from None
    try:
        if isinstance(loaded, BaseException):
            raise loaded
        rows = cast(list[list[object]], loaded.to_python(skip_empty_area=True))
        start = loaded.start or (0, 0)
        merged = loaded.merged_cell_ranges or []
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors, panics included
        raise WorkbookError(
            f"{file}: sheet '{part.name}' cannot be read ({exc}): "
            "open the workbook in Excel and save it again"
        ) from None
    del loaded
    issues: list[Issue] = []
    return read_table(file, sheet, part, rows, start, scan, merged, issues), issues


def _damaged(file: Path, exc: BaseException) -> WorkbookError:
    return WorkbookError(
        f"{file}: the workbook is damaged and cannot be read ({exc}): "
        "open it in Excel, repair it and save it again"
    )


def _part_size(zf: zipfile.ZipFile, part: str) -> int:
    try:
        return zf.getinfo(part).file_size
    except KeyError:
        return 0


# --------------------------------------------------------------------------- loading in threads


class _OpenError:
    """calamine could not open the file at all (reported once, before any sheet)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class _Loader:
    """Scans and calamine sheets, loaded by two threads while the caller turns them into rows.

    calamine parses a sheet without holding the GIL and inflating a part releases it too, so the
    largest sheet (Milestones, about half the work) loads in one thread and the others in a
    second while the main thread builds the rows of sheets already loaded: on two cores the
    read takes about half as long. Each thread opens its own zip and calamine workbook (neither
    may be shared between threads). Results, including exceptions, are handed over as values
    so that the caller reports errors in the same order as a one-pass read.
    """

    def __init__(self, file: Path, parts: dict[str, SheetPart], sizes: dict[str, int]) -> None:
        self._file = file
        self._parts = parts
        self._scans: dict[str, Future[SheetScan | Exception]] = {k: Future() for k in parts}
        self._sheets: dict[str, Future[CalamineSheet | Exception | _OpenError]] = {
            k: Future() for k in parts
        }
        self._stop = threading.Event()
        self.biggest = biggest = max(parts, key=lambda k: sizes.get(k, 0), default=None)
        groups = [[biggest], [k for k in parts if k != biggest]] if biggest else []
        self._threads = [
            threading.Thread(target=self._run, args=(keys,), daemon=True) for keys in groups if keys
        ]
        for thread in self._threads:
            thread.start()

    def scan(self, key: str) -> SheetScan | Exception:
        return self._scans[key].result()

    def sheet(self, key: str) -> CalamineSheet | Exception | _OpenError:
        """The loaded sheet, an exception, or an _OpenError; handed over once (memory)."""
        loaded = self._sheets[key].result()
        del self._sheets[key]
        return loaded

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _run(self, keys: list[str]) -> None:
        from python_calamine import CalamineWorkbook

        from xl_milestones.io.extent import check_sheet_extent

        book: CalamineWorkbook | None = None
        try:
            try:
                zf = zipfile.ZipFile(self._file)
            except Exception as exc:  # the caller reports it as a damaged file
                for key in keys:
                    self._scans[key].set_result(exc)
                return
            with zf:
                for key in keys:
                    if self._stop.is_set():
                        return
                    try:
                        scan: SheetScan | Exception = scan_sheet(zf, self._parts[key].path)
                    except Exception as exc:
                        scan = exc
                    self._scans[key].set_result(scan)
            opened: _OpenError | None = None
            try:
                book = CalamineWorkbook.from_path(str(self._file))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # calamine's errors, panics included
                opened = _OpenError(exc)
            for key in keys:
                if self._stop.is_set():
                    return
                if book is None:
                    self._sheets[key].set_result(opened or _OpenError(RuntimeError("no book")))
                    continue
                try:
                    # calamine makes one dense block of a sheet: a far cell must not reach it.
                    check_sheet_extent(self._file, self._parts[key].path)
                    loaded: CalamineSheet | Exception = book.get_sheet_by_name(
                        self._parts[key].name
                    )
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # calamine's errors, panics included
                    loaded = exc
                self._sheets[key].set_result(loaded)
        finally:
            if book is not None:
                book.close()
            # Never leave the caller waiting on a result this thread did not get to.
            for futures in (self._scans, self._sheets):
                for key in keys:
                    fut = futures.get(key)
                    if fut is not None and not fut.done():
                        fut.set_result(RuntimeError("the read was stopped"))


# ---------------------------------------------------------------------------- the file itself


def _check_file(file: Path) -> None:
    try:
        file.stat()
    except FileNotFoundError:
        raise WorkbookError(f"{file}: no such file: check the path and the file name") from None
    except OSError as exc:  # a folder on the way may not be entered
        raise WorkbookError(
            f"{file}: cannot be opened ({exc.strerror}): check its permissions"
        ) from None
    if file.is_dir():
        raise WorkbookError(f"{file}: is a folder, not a workbook: give the path of a .xlsx file")
    try:
        with file.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise WorkbookError(
            f"{file}: cannot be opened ({exc.strerror}): check its permissions"
        ) from None
    if not head:
        raise WorkbookError(f"{file}: the file is empty: it is not a workbook")
    if head == _OLE_MAGIC:
        _refuse_ole(file)
    if not head.startswith(_ZIP_MAGIC):
        kind = "a text file" if _looks_like_text(file) else "not a workbook"
        raise WorkbookError(
            f"{file}: {kind}, not an Excel workbook: "
            "give a .xlsx or .xlsm file (a CSV must be opened in Excel and saved as .xlsx)"
        )
    check_package(file)  # zip bombs and DTDs are refused before any parser sees the file
    try:
        with zipfile.ZipFile(file) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(
            f"{file}: the file is damaged or not a workbook ({exc}): "
            "give a .xlsx or .xlsm file saved by Excel"
        ) from None
    if "xl/workbook.bin" in names:
        raise WorkbookError(f"{file}: a binary workbook (.xlsb) cannot be read: {_SAVE_AS}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise WorkbookError(f"{file}: an OpenDocument file (.ods) cannot be read: {_SAVE_AS}")
    if not any(n.startswith("xl/") and n.endswith(".xml") for n in names):
        raise WorkbookError(
            f"{file}: a zip file but not an Excel workbook: give a .xlsx or .xlsm file"
        )


def _refuse_ole(file: Path) -> None:
    # Stream names sit in the compound file's directory as UTF-16LE; looking for them is enough
    # to tell an encrypted Office file from an old binary workbook without an OLE library.
    data = file.read_bytes()
    if (
        "EncryptionInfo".encode("utf-16-le") in data
        or "EncryptedPackage".encode("utf-16-le") in data
    ):
        raise WorkbookError(
            f"{file}: the workbook is password-protected (encrypted): "
            "open it in Excel, remove the password (File > Info > Protect Workbook) and save it"
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        raise WorkbookError(
            f"{file}: an old Excel 97-2003 workbook (.xls) cannot be read: {_SAVE_AS}"
        )
    raise WorkbookError(
        f"{file}: an OLE compound file (an old Office document), not a workbook: "
        "give a .xlsx or .xlsm file"
    )


def _looks_like_text(file: Path) -> bool:
    with file.open("rb") as fh:
        head = fh.read(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


# ------------------------------------------------------------------------------------- sheets


def schema_sheets(file: Path, package: PackageInfo) -> dict[str, tuple[SheetPart, Sheet]]:
    """The workbook's input sheets by schema key, and the Refresh Log (which tells whether a
    refresh ran before); other output sheets and other sheets are not read."""
    found: dict[str, tuple[SheetPart, Sheet]] = {}
    for part in package.sheets:
        sheet = sheet_by_name(part.name)
        if sheet is None or (sheet.output and sheet is not REFRESH_LOG):
            continue
        if sheet.key in found:
            raise WorkbookError(
                f"{file}: sheets '{found[sheet.key][0].name}' and '{part.name}' both stand for "
                f"the {sheet.name} sheet: rename or delete one of them"
            )
        found[sheet.key] = (part, sheet)
    names = [p.name for p in package.sheets]
    for sheet in INPUT_SHEETS:
        if sheet.required and sheet.key not in found:
            hint = _nearest(sheet.name, names)
            maybe = f" (is '{hint}' meant to be it? rename it)" if hint else ""
            raise WorkbookError(
                f"{file}: the workbook has no '{sheet.name}' sheet{maybe}: "
                f"add a sheet named {sheet.name} with the columns {_header_list(sheet)}"
            )
    return found


def _header_list(sheet: Sheet) -> str:
    return ", ".join(f.header for f in sheet.inputs if f.required or sheet is SETTINGS)


def _nearest(word: str, candidates: Sequence[str]) -> str | None:
    keyed = {normalize_header(c): c for c in candidates if normalize_header(c)}
    hit = difflib.get_close_matches(normalize_header(word), list(keyed), n=1, cutoff=0.6)
    return keyed[hit[0]] if hit else None


@dataclass(slots=True)
class _Area:
    header_row: int  # zero-based, in sheet coordinates
    first_col: int
    last_col: int
    last_row: int | None  # inclusive; None = to the end of the data
    table: TablePart | None = None  # the Excel table the area comes from


def read_table(
    file: Path,
    sheet: Sheet,
    part: SheetPart,
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
    r0, c0 = start
    width = max((len(r) for r in rows), default=0)
    keys = {f.key: f for f in sheet.fields}

    def cell(row: int, col: int) -> object:
        i, j = row - r0, col - c0
        if 0 <= i < len(rows) and 0 <= j < len(rows[i]):
            return rows[i][j]
        return None

    def matches(row: int, first: int, last: int) -> int:
        return sum(
            1
            for col in range(first, last + 1)
            if isinstance(v := cell(row, col), str) and normalize_header(v) in keys
        )

    area = _table_area(part.tables, matches)
    if area is None:
        best, best_row = 0, -1
        for row in range(r0, min(r0 + len(rows), r0 + _HEADER_SCAN_ROWS)):
            n = matches(row, c0, c0 + width - 1)
            if n > best:
                best, best_row = n, row
        if best == 0:
            if not rows:
                return None  # an empty sheet; the caller refuses it when it is required
            raise WorkbookError(
                f"{file}: sheet '{part.name}' has no header row: its first row must hold the "
                f"column headers ({_header_list(sheet)})"
            )
        area = _Area(best_row, c0, c0 + width - 1, None)

    columns: dict[str, str] = {}
    where: dict[str, int] = {}
    unmatched: list[tuple[str, int]] = []
    for col in range(area.first_col, area.last_col + 1):
        text = cell(area.header_row, col)
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
                f"{file}: sheet '{part.name}' has two '{f.header}' columns "
                f"({columns[f.name]} and {column_letter(col + 1)}): rename or delete one of them"
            )
        columns[f.name] = column_letter(col + 1)
        where[f.name] = col

    header_excel_row = area.header_row + 1
    needed = [f for f in sheet.inputs if f.required or sheet is SETTINGS]
    missing = [f for f in needed if f.name not in columns]
    if missing:
        parts = []
        for f in missing:
            hint = _nearest(f.header, [t for t, _c in unmatched])
            if hint is not None:
                col = next(c for t, c in unmatched if t == hint)
                parts.append(
                    f"'{f.header}' (is '{hint}' in {column_letter(col + 1)}{header_excel_row} "
                    "meant to be it? rename it)"
                )
            else:
                parts.append(f"'{f.header}'")
        raise WorkbookError(
            f"{file}: sheet '{part.name}' has no {' or '.join(parts)} column in its header row "
            f"(row {header_excel_row}): add the column or correct its header"
        )

    table = RawTable(sheet, part.name, header_excel_row, columns)
    if area.table is not None and area.last_row is not None and not sheet.output:
        table.excel_table = area.table.name
        table.table_last_row = area.last_row + 1
        if area.table.totals_rows == 0:
            # Rows a script or a paste put right under the table are data Excel would have
            # taken into the table had they been typed: the run of them right under it is
            # read (``_keep_rows_right_below``), and a refresh extends the table over them.
            area = _Area(area.header_row, area.first_col, area.last_col, None, area.table)
    stop = _next_table_row(part.tables, area)
    # An output sheet (the Refresh Log) is read whole: all its columns are results.
    wanted = sheet.fields if sheet.output else sheet.inputs
    inputs = [(f.name, where[f.name]) for f in wanted if f.name in where]
    if area.table is not None and area.table.totals_rows and inputs and not sheet.output:
        # Below a totals row is not the table's: such rows are not read, but said so.
        row = area.table.last_row + 1
        filled = [n for n, c in inputs if cell(row, c) is not None and cell(row, c) != ""]
        if filled:
            issues.append(
                Issue(
                    Severity.WARNING,
                    "row-below-totals",
                    part.name,
                    row + 1,
                    sheet.field(filled[0]).header,
                    table.cell(filled[0], row + 1),
                    _show(cell(row, where[filled[0]])),
                    f"row {row + 1} is below the totals row of the Excel table "
                    f"{area.table.name} and is not read: turn the totals row off (Table Design "
                    "> Total Row) so that the table can take the rows typed under it, or move "
                    "them into the table",
                )
            )
    errors_by_row: dict[int, dict[int, str]] = {}
    for (erow, ecol), code in scan.errors.items():
        errors_by_row.setdefault(erow, {})[ecol] = code

    first = area.header_row + 1
    last = r0 + len(rows) - 1 if area.last_row is None else area.last_row
    if errors_by_row:
        last = max(last, max(errors_by_row) - 1) if area.last_row is None else last
    if stop is not None:
        last = min(last, stop - 1)
    hidden = scan.hidden_rows
    names = [name for name, _col in inputs]
    cols = _columns(rows, first - r0, last - r0, [col - c0 for _name, col in inputs])
    width_inputs = len(names)
    append = table.rows.append
    numbered = zip(itertools.count(first + 1), zip(*cols, strict=True), strict=False)
    if not errors_by_row and not hidden:
        # The common case: one zip, one count and one dict per row.
        for excel_row, vals in numbered:
            if vals.count(None) != width_inputs:
                append(RawRow(excel_row, dict(zip(names, vals, strict=True)), False))
    else:
        for excel_row, vals in numbered:
            row_errors = errors_by_row.get(excel_row) if errors_by_row else None
            if row_errors:
                values = dict(zip(names, vals, strict=True))
                for name, col in inputs:
                    error = row_errors.get(col)
                    if error is not None:
                        values[name] = CellError(error)
                if all(v is None for v in values.values()):
                    continue
            elif vals.count(None) == width_inputs:
                continue
            else:
                values = dict(zip(names, vals, strict=True))
            append(RawRow(excel_row, values, excel_row in hidden))

    if table.rows_below_table:
        _keep_rows_right_below(table)
    if table.rows_below_table:
        below = [r.row for r in table.rows if r.row > (table.table_last_row or 0)]
        first_below = below[0]
        name = next(n for n, _c in inputs if table.rows[-len(below)].values.get(n) is not None)
        span = f"row {first_below}" if len(below) == 1 else f"rows {first_below} to {below[-1]}"
        issues.append(
            Issue(
                Severity.WARNING,
                "row-below-table",
                part.name,
                first_below,
                sheet.field(name).header,
                table.cell(name, first_below),
                None,
                f"{span} {'is' if len(below) == 1 else 'are'} below the Excel table "
                f"{table.excel_table}, which ends at row {table.table_last_row}: "
                f"{'it is' if len(below) == 1 else 'they are'} read as part of it, and a "
                "refresh extends the table over them",
            )
        )
    if sheet is MILESTONES:
        _previous_results(table, rows, r0, c0, first, last, where)
    _merged_issues(table, where, merged, area, last, issues)
    for raw_row in table.rows:
        if raw_row.hidden:
            name = next(n for n, _c in inputs if raw_row.values.get(n) is not None)
            issues.append(
                Issue(
                    Severity.WARNING,
                    "hidden-row",
                    part.name,
                    raw_row.row,
                    sheet.field(name).header,
                    table.cell(name, raw_row.row),
                    _show(raw_row.values.get(name)),
                    f"row {raw_row.row} is hidden; its values are checked and used like any "
                    "other: unhide it to review them, or delete the row if it should not count",
                )
            )
    return table


def _keep_rows_right_below(table: RawTable) -> None:
    """Of the rows read below the Excel table, keep the run right under it, as Excel grows a
    table over rows typed there; what follows a blank row (a note) is not the table's."""
    end = table.table_last_row or 0
    rows = table.rows
    n = next((i for i, r in enumerate(rows) if r.row > end), len(rows))
    expected = end + 1
    while n < len(rows) and rows[n].row == expected:
        n += 1
        expected += 1
    del rows[n:]


def _next_table_row(tables: list[TablePart], area: _Area) -> int | None:
    """The first row of another Excel table below ``area``'s table and across its columns: the
    rows read below a table stop there."""
    own = area.table
    if own is None or area.last_row is not None:
        return None
    rows = [
        t.first_row
        for t in tables
        if t is not own
        and t.first_row > own.last_row
        and not (t.last_col < own.first_col or t.first_col > own.last_col)
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
) -> None:
    """The result cells the change report compares, for each row read (a refresh has not
    overwritten them yet): by Excel row, blank rows of results left out."""
    found = [(name, where[name]) for name in CHANGE_FIELDS if name in where]
    if not found or not table.rows:
        return
    names = [name for name, _col in found]
    cols = _columns(rows, first - r0, last - r0, [col - c0 for _name, col in found])
    width = len(names)
    results = table.results
    for raw_row in table.rows:
        i = raw_row.row - first - 1
        vals = tuple(col[i] for col in cols)
        if vals.count(None) != width:
            results[raw_row.row] = dict(zip(names, vals, strict=True))


def previous_refresh(milestones: RawTable | None, log: RawTable | None) -> PreviousRefresh | None:
    """What the last refresh left: None when the Refresh Log lists no refresh (no sheet, or no
    row), else the As Of Date of its last row and the Milestones result cells as read."""
    if log is None or not log.rows:
        return None
    last = log.rows[-1].values
    as_of = last.get("as_of_date")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    return PreviousRefresh(
        as_of if isinstance(as_of, dt.date) else None,
        milestones.results if milestones is not None else {},
        computed_count(last.get("status_counts")),
    )


def _table_area(tables: list[TablePart], count: Callable[[int, int, int], int]) -> _Area | None:
    """The Excel table over the sheet whose header row matches the most schema headers."""
    best: tuple[int, _Area] | None = None
    for t in tables:
        if t.header_rows < 1:
            continue
        n = count(t.first_row, t.first_col, t.last_col)
        if n and (best is None or n > best[0]):
            best = (
                n,
                _Area(t.first_row, t.first_col, t.last_col, t.last_row - t.totals_rows, t),
            )
    return best[1] if best else None


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
                Issue(
                    Severity.ERROR,
                    "merged-cell",
                    table.sheet_name,
                    excel_row,
                    table.sheet.field(name).header,
                    table.cell(name, excel_row),
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
