"""Where a sheet's table is for the writer, and the columns it gets: the header row found with
the table locator (or where the reader found it), columns added for missing fields, an earlier
layout of an output sheet replaced. Shared by the editors of the owned sheets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from xl_milestones.a1 import column_letter, column_number
from xl_milestones.core.model import RawTable
from xl_milestones.core.schema import RETIRED_HEADERS, FieldType, Sheet, normalize_header
from xl_milestones.errors import WorkbookError
from xl_milestones.io.cellstyles import Kind
from xl_milestones.io.package import Package, WorkbookSheet, shared_strings
from xl_milestones.io.sheet_edit import CellWrite, SheetEdit, Zone
from xl_milestones.io.sheet_rewrite import SheetRewriter
from xl_milestones.io.sheet_scan import row_values
from xl_milestones.io.tablepart import TablePart
from xl_milestones.io.xmlbytes import find_element, get_attr, set_attr
from xl_milestones.tables import HEADER_SCAN_ROWS, locate_table, old_rows_end

RETIRED_KEYS = frozenset(normalize_header(h) for h in RETIRED_HEADERS)
_MAX_COLUMN = 16384  # XFD, Excel's last column


_KINDS: dict[tuple[type, FieldType], str] = {}


def kind_of(value: object, ftype: FieldType) -> str:
    """What number format a value of a field needs."""
    key = (type(value), ftype)
    got = _KINDS.get(key)
    if got is None:
        got = _KINDS[key] = _kind_of(value, ftype)
    return got


def number_kind(ftype: FieldType) -> str:
    """What number format a number in a field of this type needs."""
    if ftype is FieldType.MONEY:
        return Kind.MONEY
    if ftype is FieldType.RATIO:
        return Kind.PERCENT
    return Kind.NUMBER


def _kind_of(value: object, ftype: FieldType) -> str:
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, dt.date):
        return Kind.DATE
    if isinstance(value, (int, float, Decimal)):
        if ftype is FieldType.MONEY:
            return Kind.MONEY
        if ftype is FieldType.RATIO:
            return Kind.PERCENT
        return Kind.NUMBER
    return Kind.TEXT


@dataclass(slots=True)
class Layout:
    """Where a table's header sits on a sheet, and which column holds each field."""

    header_row: int
    cols: dict[str, int]
    last_col: int  # the last used column of the header row (or table)
    header_style: int | None
    table: TablePart | None
    texts: dict[int, str] = field(default_factory=dict)  # the header row's text, by column


@dataclass(slots=True)
class SheetWork:
    """A sheet being edited: its workbook entry (None: created), part, rewriter, Excel tables
    and the edit laid out for it."""

    entry: WorkbookSheet | None
    part: str
    rewriter: SheetRewriter
    tables: list[TablePart]
    edit: SheetEdit = field(default_factory=SheetEdit)
    created: bool = False


def find_layout(
    pkg: Package, work: SheetWork, sheet: Sheet, hint: RawTable | None
) -> Layout | None:
    """Where the sheet's table is: where the reader found it (``hint``), else as the table
    locator finds it in the sheet's own cells, as the reader would."""
    if hint is not None:
        cols: dict[str, int] = {
            name: column_number(letter) for name, letter in hint.columns.items()
        }
        return layout_at(pkg, work, hint.header_row, cols, sheet)
    keys = {f.key: f.name for f in sheet.fields}
    first, texts = header_texts(pkg, work, {t.r1 for t in work.tables})

    def header_count(row: int, c1: int, c2: int) -> int:
        cells = texts.get(row, {})
        return sum(1 for c, t in cells.items() if c1 <= c <= c2 and normalize_header(t) in keys)

    scan = range(first, first + HEADER_SCAN_ROWS) if first else range(0)
    found = locate_table(work.tables, header_count, scan, 1, _MAX_COLUMN)
    if found is None:
        return None
    cols = {}
    for col, text in sorted(texts.get(found.header_row, {}).items()):
        fname = keys.get(normalize_header(text))
        if found.first_col <= col <= found.last_col and fname and fname not in cols:
            cols[fname] = col
    return layout_at(pkg, work, found.header_row, cols, sheet)


def header_texts(
    pkg: Package, work: SheetWork, also: set[int]
) -> tuple[int, dict[int, dict[int, str]]]:
    """The first row with content, and the text of each cell holding one by row and
    column, for the ``HEADER_SCAN_ROWS`` rows from that row and the rows ``also``."""
    rw = work.rewriter
    found: dict[int, list[tuple[int, str | None, int | None]]] = {}
    first = 0
    for num, _s, body_start, body_end, _e in rw.iter_rows():
        if first and num >= first + HEADER_SCAN_ROWS and num > max(also, default=0):
            break
        cells = rw.cells(rw.data[body_start:body_end])
        if not first and any(b"<" in content for *_a, content in cells):
            first = num
        if (first and num < first + HEADER_SCAN_ROWS) or num in also:
            found[num] = [
                (col, *rw.cell_string(attrs, content)) for col, attrs, _w, content in cells
            ]
    wanted = {i for row in found.values() for _c, _t, i in row if i is not None}
    strings = shared_strings(pkg, wanted)
    texts = {
        num: {
            col: text if text is not None else strings.get(cast(int, index), "")
            for col, text, index in row
            if text is not None or index is not None
        }
        for num, row in found.items()
    }
    return first, texts


def layout_at(
    pkg: Package, work: SheetWork, header_row: int, cols: dict[str, int], sheet: Sheet
) -> Layout:
    """The layout of the header at ``header_row``; ``cols`` (from the reader or a table)
    is completed with the sheet's own header cells, so a column added by an earlier
    refresh is found again rather than added twice."""
    keys = {f.key: f.name for f in sheet.fields}
    last_col = max(cols.values(), default=0)
    texts, used = row_texts(pkg, work, header_row)
    header_style = None
    for col, style in used:
        if col >= last_col:
            last_col, header_style = col, style
    taken = set(cols.values())
    for col, value in texts.items():
        fname = keys.get(normalize_header(value))
        if fname and fname not in cols and col not in taken:
            cols[fname] = col
            taken.add(col)
    table = next(
        (
            t
            for t in work.tables
            if t.header_rows >= 1
            and t.r1 == header_row
            and any(t.c1 <= c <= t.c2 for c in cols.values())
        ),
        None,
    )
    if table is not None:
        last_col = max(last_col, table.c2)
    return Layout(header_row, cols, last_col, header_style, table, texts)


def row_texts(
    pkg: Package, work: SheetWork, row: int
) -> tuple[dict[int, str], list[tuple[int, int | None]]]:
    """The text of each cell of ``row`` that holds one, by column, and the (column, style)
    of each cell with content, in column order."""
    rw = work.rewriter
    found: list[tuple[int, str | None, int | None]] = []
    used: list[tuple[int, int | None]] = []
    for num, _s, body_start, body_end, _e in rw.iter_rows():
        if num > row:
            break
        if num == row:
            for col, attrs, _whole, content in rw.cells(rw.data[body_start:body_end]):
                text, index = rw.cell_string(attrs, content)
                if text is not None or index is not None:
                    found.append((col, text, index))
                if b"<" in content:
                    style = re.search(rb'\ss="(\d+)"', attrs)
                    used.append((col, int(style.group(1)) if style else None))
    strings = shared_strings(pkg, {i for _c, _t, i in found if i is not None})
    texts = {
        col: text if text is not None else strings.get(index or 0, "") for col, text, index in found
    }
    return texts, used


def lay_out_anew(pkg: Package, work: SheetWork, layout: Layout, sheet: Sheet) -> None:
    """An output sheet that an earlier version laid out otherwise (a retired header in its
    header row) gets the sheet's columns in schema order from its first column: header
    cells and the Excel table's column names rewritten, every old value cleared with the
    rest of the rows. A user's column inside the old layout, or a value where the new
    columns go, is refused rather than overwritten."""
    retired = RETIRED_KEYS
    texts = {c: t for c, t in layout.texts.items() if t.strip()}
    if not any(normalize_header(t) in retired for t in texts.values()):
        return
    known = {f.key for f in sheet.fields} | retired
    ours = sorted(c for c, t in texts.items() if normalize_header(t) in known)
    table = layout.table
    first = table.c1 if table is not None else ours[0]
    old_last = max(table.c2 if table is not None else 0, ours[-1])
    where = work.entry.name if work.entry else sheet.name
    for col, text in sorted(texts.items()):
        if first <= col <= old_last and normalize_header(text) not in known:
            raise WorkbookError(
                f"sheet '{where}': column {column_letter(col)} ('{text}') is among the columns "
                f"of an earlier {sheet.name} layout, which a refresh replaces: move it to "
                "the right of them, then refresh again"
            )
    fields = sheet.fields
    last = first + len(fields) - 1
    extra = frozenset(range(old_last + 1, last + 1))
    if extra:
        filled = row_values(work.rewriter, lambda _n: True, extra)
        if filled:
            row = min(filled)
            cell = f"{column_letter(min(filled[row]))}{row}"
            raise WorkbookError(
                f"sheet '{where}': the {sheet.name} now has {len(fields)} columns, up to "
                f"column {column_letter(last)}, and {cell} holds a value there: move it "
                "elsewhere, then refresh again"
            )
        widen_new_columns(work.rewriter, extra)
    head = work.edit.writes.setdefault(layout.header_row, {})
    for i, f in enumerate(fields):
        head[first + i] = CellWrite(f.header, Kind.TEXT, style=layout.header_style)
    leftover = frozenset(range(last + 1, old_last + 1))
    if leftover:
        for col in leftover:
            head[col] = CellWrite(None, Kind.TEXT)
        work.edit.zones.append(Zone(leftover, layout.header_row + 1, layout.header_row))
    if table is not None:
        table.set_columns([f.header for f in fields])
    layout.cols = {f.name: first + i for i, f in enumerate(fields)}
    layout.texts = {first + i: f.header for i, f in enumerate(fields)}
    layout.last_col = last


def refuse_values_below(
    work: SheetWork, cols: frozenset[int], cleared_to: int, last: int, what: str
) -> None:
    """Refuse a value of the user's in ``cols`` that the rows a refresh writes, down to row
    ``last``, would overwrite, or end right above (``tables.old_rows_end``: the rule, shared
    with the live-Excel adapter)."""
    bottom = work.rewriter.last_row()
    if bottom is not None and bottom <= cleared_to:
        return  # nothing below: the usual case, without a pass over the rows
    if work.rewriter.filled_from(cleared_to + 1, cols):
        return  # one run of filled rows to the last (a table without an Excel table over it)
    filled = row_values(work.rewriter, lambda n: cleared_to < n <= last + 1, cols)
    old_rows_end(filled, cleared_to, last, work.entry.name if work.entry else what, what)


def add_columns(
    pkg: Package, work: SheetWork, layout: Layout, sheet: Sheet, names: Iterable[str]
) -> None:
    """Give each missing field a column after the last used one, with its header."""
    missing = [n for n in names if n not in layout.cols]
    if not missing:
        return
    dim = work.rewriter.dimension()
    last = work.rewriter.last_column(dim[2] if dim else 0) if layout.last_col else 0
    first = max(layout.last_col, last) + 1
    headers = []
    for i, name in enumerate(missing):
        col = first + i
        layout.cols[name] = col
        header = sheet.field(name).header
        headers.append(header)
        work.edit.writes.setdefault(layout.header_row, {})[col] = CellWrite(
            header, Kind.TEXT, style=layout.header_style
        )
    table = layout.table
    if table is not None and table.c2 + 1 == first:
        taken = {normalize_header(n) for n in table.names}
        clash = [h for h in headers if normalize_header(h) in taken]
        if clash:
            raise WorkbookError(
                f"Excel table {table.name} already has a column named like "
                f"'{clash[0]}' that is not the {sheet.name} column: rename it"
            )
        table.add_columns(headers)
    layout.last_col = first + len(missing) - 1


def widen_new_columns(rewriter: SheetRewriter, cols: Iterable[int], width: float = 16) -> None:
    """Give ``cols`` (1-based) a width that shows an amount, where they have none or a narrower
    one of their own (a gap column of an earlier layout): Excel's default shows 1,234,567.00 as
    ####. A ``<col>`` spanning several columns is left as it is."""
    head = rewriter.head
    p = rewriter.p
    wanted = set(cols)
    start, end = find_element(head, p, b"cols")
    elements: list[tuple[int, bytes]] = []
    covered: set[int] = set()
    if start >= 0:
        for m in re.finditer(b"<" + re.escape(p) + rb"col\b[^>]*>", head[start:end]):
            tag = m.group(0)
            lo, hi = get_attr(tag, b"min"), get_attr(tag, b"max")
            if not (lo and hi and lo.isdigit() and hi.isdigit()):
                return  # not a <cols> this writer understands: leave the widths alone
            first, last = int(lo), int(hi)
            covered.update(range(first, min(last, first + 16384) + 1))
            old = get_attr(tag, b"width")
            if first == last and first in wanted and old and float(old) < width:
                tag = set_attr(tag, b"customWidth", "1")
                tag = set_attr(tag, b"width", str(width))
            elements.append((first, tag))
    for c in sorted(wanted - covered):
        elements.append(
            (
                c,
                b"<"
                + p
                + b'col min="%d" max="%d" width="%s" customWidth="1"/>'
                % (c, c, str(width).encode()),
            )
        )
    elements.sort(key=lambda e: e[0])
    block = b"<" + p + b"cols>" + b"".join(tag for _c, tag in elements) + b"</" + p + b"cols>"
    if start >= 0:
        rewriter.head = head[:start] + block + head[end:]
        return
    data_at = head.find(b"<" + p + b"sheetData")
    if data_at >= 0:
        rewriter.head = head[:data_at] + block + head[data_at:]
