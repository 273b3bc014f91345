"""Rewriting a worksheet part row by row: given cells to write and column ranges to clear, every
other row is copied as the same bytes and every other cell of a touched row is kept as it was.

A 100,000-row sheet is about 100 MB of XML, so the part is never built into a tree: rows are
found with ``bytes.find`` and only the rows that change have their cells split by a pattern.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_milestones.a1 import column_letter, column_number, format_range, parse_range
from xl_milestones.errors import WorkbookError
from xl_milestones.io.cellstyles import Kind, StyleSheet, kind_of_amount
from xl_milestones.io.xmlbytes import (
    cell_text,
    del_attr,
    find_element,
    get_attr,
    insert_before_first,
    set_attr,
    xml_text,
    xml_unescape,
)

EXCEL_MAX_TEXT = 32767
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_LEAP_BUG_END = dt.date(1900, 3, 1)  # Excel's fictitious 29 February 1900 shifts earlier dates

_R_ATTR = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
_S_ATTR = re.compile(rb'\ss="(\d+)"')
_T_ATTR = re.compile(rb'\st="(\w+)"')
_ROW_R = re.compile(rb'\sr="(\d+)"')
# Text needing more than encoding: XML specials, control characters, _xHHHH_ look-alikes.
_NEEDS_ESCAPE = re.compile('[&<>"_\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')

# Elements that follow <hyperlinks> in a worksheet (ECMA-376 CT_Worksheet order).
_AFTER_HYPERLINKS = (
    b"printOptions",
    b"pageMargins",
    b"pageSetup",
    b"headerFooter",
    b"rowBreaks",
    b"colBreaks",
    b"customProperties",
    b"cellWatches",
    b"ignoredErrors",
    b"smartTags",
    b"drawing",
    b"legacyDrawing",
    b"legacyDrawingHF",
    b"drawingHF",
    b"picture",
    b"oleObjects",
    b"controls",
    b"webPublishItems",
    b"tableParts",
    b"extLst",
)


def date_serial(value: dt.date, date1904: bool) -> float | int | None:
    """Excel's serial number of a date (or datetime), or None before the date system starts."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        serial = (day - _EPOCH_1904).days
        if serial < 0:
            return None
    elif day >= _LEAP_BUG_END:
        serial = (day - _EPOCH_1900).days
    elif day >= dt.date(1900, 1, 1):
        serial = (day - _EPOCH_1900).days - 1
    else:
        return None
    if isinstance(value, dt.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return serial + seconds / 86400
    return serial


@dataclass(slots=True)
class CellWrite:
    """A value to write into one cell, and what its number format must show."""

    value: object
    kind: str
    only_if_empty: bool = False  # a header the sheet already has stays as the user typed it
    style: int | None = None  # style for a cell that did not exist before


@dataclass(slots=True)
class BulkWrites:
    """Values of many rows for a fixed set of columns (the Milestones results), kept as the
    caller's dicts rather than one ``CellWrite`` per cell: 100,000 rows are 2 million cells.

    ``columns`` lists (field name, column, the Kind its numbers need); a field missing from a
    row's dict leaves that cell alone, and None clears its value.
    """

    columns: list[tuple[str, int, str]]
    rows: Mapping[int, Mapping[str, object]]


@dataclass(slots=True)
class TableRows:
    """The rows of an output table (Payment Schedule, Validation), written wholesale from
    ``first_row`` down: ``rows[i]`` holds the values of ``cols`` in order, ``numbers`` the
    Kind the numbers of each column need. Kept as the caller's tuples, not one ``CellWrite``
    per cell; a row that also holds other cells gets its ``CellWrite``s made when reached.
    """

    first_row: int
    cols: list[int]
    numbers: list[str]
    rows: Sequence[Sequence[object]]

    def row(self, num: int) -> Sequence[object] | None:
        i = num - self.first_row
        return self.rows[i] if 0 <= i < len(self.rows) else None


_MISSING = object()

# How one column of a row is written: (index of its value, column, ``<c r="`` and its letters,
# the Kind its numbers need, the style it starts from, what follows the reference for no value
# (None: no cell), and the style attribute chosen for each type of value from that style).
_Column = tuple[int, int, bytes, str, int | None, bytes | None, dict[type, bytes]]
# What the start tags of a row's old cells decide, for every row with the same tags: the columns
# to write; the size of ``first_styles`` when their styles were taken from it (it only grows,
# but for the style row of an appended table, which forgets every layout); whether the cells
# written need putting in column order (old cells kept among them, or old cells written first).
_Layout = tuple[list[_Column], int, bool]
_NO_LAYOUT: _Layout = ([], -1, False)  # not worked out yet
_LAYOUTS_KEPT = 4096  # distinct layouts of old cells remembered per sheet; rows repeat a few


# The default row height (points) of the workbook font, 11-point Calibri, and column width.
ROW_HEIGHT = 15
DEFAULT_COLUMN_WIDTH = 8.43


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped at word boundaries in a column ``width``
    characters wide. A width counts digits; text averages narrower (a 40.7-wide column holds
    about 52 characters of a sentence in Calibri and in LibreOffice's Carlito), and the count
    errs on the safe side, 1.15 characters a digit, so that the row is never too short."""
    room = max(1, int(width * 1.15))
    lines = 0
    for para in text.split("\n"):
        lines += 1
        used = 0
        for word in para.split(" "):
            size = len(word)
            if used and used + 1 + size > room:
                lines += 1
                used = 0
            if used:
                used += 1
            while size > room:  # a word longer than the column breaks anywhere
                lines += 1
                size -= room
            used += size
    return lines


def _height_tag(tag: bytes, texts: Sequence[tuple[object, float]]) -> bytes:
    """The row start tag ``tag`` with the height the wrapped ``texts`` (each with its column
    width) need: ``ROW_HEIGHT`` points per line. A row that needs one line loses a height an
    earlier refresh set (a custom height of two or more whole lines); any other height is the
    user's and stays unless the text needs more."""
    lines = 1
    for text, width in texts:
        if type(text) is str and len(text) > width:
            lines = max(lines, wrapped_lines(text, width))
    if lines == 1 and b"ht=" not in tag:
        return tag  # the common case, without parsing the tag
    ht = get_attr(tag, b"ht")
    custom = get_attr(tag, b"customHeight") in ("1", "true")
    try:
        old = float(ht) if ht is not None else None
    except ValueError:
        old = None
    if lines > 1:
        wanted = lines * ROW_HEIGHT
        if custom and old is not None and old >= wanted and old % ROW_HEIGHT:
            return tag  # the user's own, taller height
        return set_attr(set_attr(tag, b"ht", f"{wanted:g}"), b"customHeight", "1")
    if custom and old is not None and old >= 2 * ROW_HEIGHT and old % ROW_HEIGHT == 0:
        return del_attr(del_attr(tag, b"customHeight"), b"ht")
    return tag


def value_kind(value: object, number: str) -> str:
    """The Kind of a value to write; ``number`` is the one numbers of its field need."""
    t = type(value)
    if t is str:
        return Kind.TEXT
    if t is Decimal or t is int or t is float:
        return number
    if t is bool:
        return Kind.BOOL
    if isinstance(value, dt.date):
        return Kind.DATE
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if number is Kind.MONEY:
            return kind_of_amount(value) or number
        return number
    return Kind.TEXT


@dataclass(slots=True)
class Zone:
    """Cells of ``cols`` to clear from ``first_row`` down, unless written.

    The zone runs at least through ``min_last_row`` (the end of the Excel table), then on while
    rows hold a value in one of its columns: the first empty row ends it, so a note the user
    typed further down, after a gap, is kept.
    """

    cols: frozenset[int]
    first_row: int
    min_last_row: int
    ended: bool = False


@dataclass(slots=True)
class SheetEdit:
    """Everything to change in one worksheet part."""

    writes: dict[int, dict[int, CellWrite]] = field(default_factory=dict)
    zones: list[Zone] = field(default_factory=list)
    header_row: int = 0  # rows below it are data rows, whose styles new cells copy
    style_row: int | None = None  # a row whose cell styles new cells copy first (appending)
    # Internal hyperlinks: cell address -> location (``'Milestones'!F7``); ``link_area`` is the
    # (columns, first row) whose old hyperlinks go.
    links: dict[str, str] = field(default_factory=dict)
    link_area: tuple[frozenset[int], int] | None = None
    bulk: BulkWrites | None = None
    table: TableRows | None = None


@dataclass(slots=True)
class RewriteResult:
    chunks: list[bytes]
    had_formula: bool  # a formula cell was overwritten or removed
    rows_with_cells: int


class _Cell:
    __slots__ = ("col", "data", "formula", "has_value", "style")

    def __init__(self, col: int, data: bytes, style: int | None, has_value: bool, formula: bool):
        self.col = col
        self.data = data
        self.style = style
        self.has_value = has_value
        self.formula = formula


class SheetRewriter:
    """One pass over a worksheet part's bytes, producing the rewritten part as chunks."""

    def __init__(
        self,
        data: bytes,
        prefix: bytes,
        styles: StyleSheet,
        date1904: bool,
        part: str,
    ) -> None:
        self.data = data
        self.p = prefix
        self.styles = styles
        self.date1904 = date1904
        self.part = part
        p = re.escape(prefix)
        self._cell_re = re.compile(
            b"<" + p + rb"c(?=[\s/>])([^>]*?)(/>|>(.*?)</" + p + rb"c>)", re.S
        )
        self._f_re = re.compile(b"<" + p + rb"f\b([^>]*?)(?:/>|>.*?</" + p + rb"f>)", re.S)
        self._v_open = b"<" + prefix + b"v>"
        self._is_open = b"<" + prefix + b"is>"
        self._f_open = b"<" + prefix + b"f"
        self._c_marks = (b"<" + prefix + b"c ", b"<" + prefix + b"c>", b"<" + prefix + b"c/")
        self._v_close = b"</" + prefix + b"v></" + prefix + b"c>"
        self._start_re = re.compile(b"<" + p + rb"c(\s[^>]*?)/?>")
        own = b"<" + p + rb'c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="\w+")?'
        self._own_start_re = re.compile(own + b"/?>")
        self._own_cell_re = re.compile(own + b"(?:/>|>.*?</" + p + b"c>)", re.S)
        # Every cell start (``cells`` sees one at "<c" and a space, "/" or ">") begins so; so
        # do a few other tags (<color> in rich text): as many start tags of this writer's
        # form as there are of these means every cell has that form.
        self._c_any = b"<" + prefix + b"c"
        self._broken_start = re.compile(b"<" + p + rb"c[\t\n\r]")  # a cell tag broken after "<c"
        self._texts: dict[str, bytes] = {}
        self._dates: dict[dt.date, bytes] = {}
        self._letters: dict[int, bytes] = {}
        self._sattr_sets: dict[tuple[int | None, str], dict[type, bytes]] = {}
        self._v_tag = b"><" + prefix + b"v>"
        self._plan: list[tuple[str, int, str, bytes]] = []
        self._wrap: list[tuple[str, float]] = []
        self._table_wrap: list[tuple[int, float]] = []
        self._wrap_widths: dict[int, float] = {}
        self._plan_cols: frozenset[int] = frozenset()
        self._values: Callable[[Mapping[str, object]], tuple[object, ...]] = tuple
        # Layouts by the old cells' (letters, style) pairs: of result cells (Milestones rows)
        # and of output-table rows (None: the row takes the general path).
        self._bulk_layouts: dict[tuple[tuple[bytes, bytes], ...], _Layout | None] = {}
        self._table_layouts: dict[tuple[tuple[bytes, bytes], ...], _Layout | None] = {}
        self._split()

    # ------------------------------------------------------------------------------ layout

    def _split(self) -> None:
        data, p = self.data, self.p
        start, end = find_element(data, p, b"sheetData")
        if start < 0:
            raise WorkbookError(f"worksheet part {self.part} has no <sheetData>")
        gt = data.find(b">", start) + 1
        if data[gt - 2 : gt] == b"/>":
            self.head = data[:start] + b"<" + p + b"sheetData>"
            self.rows_start = self.rows_end = gt
            self.tail = b"</" + p + b"sheetData>" + data[gt:]
            self._body = b""
        else:
            self.head = data[:gt]
            self.rows_start = gt
            self.rows_end = end - len(b"</" + p + b"sheetData>")
            self.tail = data[self.rows_end :]

    def iter_rows(self) -> Iterator[tuple[int, int, int, int, int]]:
        """(row number, start, body start, body end, end) of each ``<row>``, in order."""
        data = self.data
        open_tag = b"<" + self.p + b"row"
        close_tag = b"</" + self.p + b"row>"
        pos, end, prev = self.rows_start, self.rows_end, 0
        while True:
            i = data.find(open_tag, pos, end)
            if i < 0:
                return
            gt = data.find(b">", i)
            m = _ROW_R.search(data, i, gt)
            num = int(m.group(1)) if m else prev + 1
            prev = num
            if data[gt - 1] == 47:  # "/>": a row with no cells
                yield num, i, gt + 1, gt + 1, gt + 1
                pos = gt + 1
            else:
                k = data.find(close_tag, gt, end)
                if k < 0:
                    raise WorkbookError(f"worksheet part {self.part}: unterminated <row>")
                yield num, i, gt + 1, k, k + len(close_tag)
                pos = k + len(close_tag)

    def _tail_start(self, body: bytes, min_col: int) -> int:
        """Offset of the first cell of column ``min_col`` or later (cells are in column order),
        found from the end of the row; 0 when a cell has no reference to tell its column, or
        a start tag the search from the end would not see ("<c" then a line break)."""
        if self._c_marks[1] in body or self._broken_start.search(body):
            return 0
        mark = self._c_marks[0]
        pos = len(body)
        while True:
            i = body.rfind(mark, 0, pos)
            if i < 0:
                return pos
            gt = body.find(b">", i)
            r = _R_ATTR.search(body, i, gt)
            if r is None:
                return 0
            if column_number(r.group(1)) < min_col:
                return pos
            pos = i

    def cells(self, body: bytes) -> list[tuple[int, bytes, bytes, bytes]]:
        """(column, attributes, whole cell, content) of each cell of a row body."""
        out = []
        col = 0
        for m in self._cell_re.finditer(body):
            attrs = m.group(1)
            r = _R_ATTR.search(attrs)
            col = column_number(r.group(1)) if r else col + 1
            out.append((col, attrs, m.group(0), m.group(3) or b""))
        return out

    def cell_string(self, attrs: bytes, content: bytes) -> tuple[str | None, int | None]:
        """The text of a cell (inline or formula string) or its shared-string index."""
        t = _T_ATTR.search(attrs)
        kind = t.group(1) if t else b"n"
        if kind == b"s":
            v = re.search(b"<" + re.escape(self.p) + rb"v>\s*(\d+)\s*<", content)
            return None, int(v.group(1)) if v else None
        if kind == b"inlineStr":
            texts = re.findall(
                b"<" + re.escape(self.p) + rb"t(?:\s[^>]*)?>(.*?)</" + re.escape(self.p) + b"t>",
                content.split(b"<" + self.p + b"rPh")[0],
                re.S,
            )
            return xml_unescape(b"".join(texts).decode("utf-8")), None
        if kind == b"str":
            v = re.search(b"<" + re.escape(self.p) + rb"v>(.*?)</", content, re.S)
            return (xml_unescape(v.group(1).decode("utf-8")) if v else None), None
        return None, None

    def dimension(self) -> tuple[int, int, int, int] | None:
        start, end = find_element(self.head, self.p, b"dimension")
        if start < 0:
            return None
        return parse_range(get_attr(self.head[start:end], b"ref") or "")

    def _col_spans(self) -> Iterator[tuple[int, int, bytes]]:
        """(first column, last column, tag) of each ``<col>`` of ``<cols>`` with a numeric span;
        a span over the whole sheet (min=1 max=16384) is cut to 1,025 columns."""
        start, end = find_element(self.head, self.p, b"cols")
        if start < 0:
            return
        for m in re.finditer(b"<" + re.escape(self.p) + rb"col\b[^>]*>", self.head[start:end]):
            lo, hi = get_attr(m.group(0), b"min"), get_attr(m.group(0), b"max")
            if lo and hi and lo.isdigit() and hi.isdigit():
                yield int(lo), min(int(hi), int(lo) + 1024), m.group(0)

    def column_styles(self) -> dict[int, int]:
        """Default style of each column from ``<cols>``."""
        out: dict[int, int] = {}
        for lo, hi, tag in self._col_spans():
            style = get_attr(tag, b"style")
            if style and style.isdigit() and int(style):
                for c in range(lo, hi + 1):
                    out[c] = int(style)
        return out

    def column_widths(self) -> dict[int, float]:
        """Width of each column (in characters) from ``<cols>``."""
        out: dict[int, float] = {}
        for lo, hi, tag in self._col_spans():
            try:
                width = float(get_attr(tag, b"width") or "")
            except ValueError:
                continue
            for c in range(lo, hi + 1):
                out[c] = width
        return out

    def _fit_height(self, tag: bytes, values: Mapping[str, object]) -> bytes:
        """The row's start tag with the height its wrapped result texts need (``_height_tag``)."""
        return _height_tag(tag, [(values.get(name), width) for name, width in self._wrap])

    def _table_height(self, tag: bytes, values: Sequence[object]) -> bytes:
        """``_fit_height`` for a row of an output table (Validation messages)."""
        return _height_tag(tag, [(values[i], width) for i, width in self._table_wrap])

    # ------------------------------------------------------------------------------ values

    def cell_xml(self, ref: str | bytes, style: int | None, value: object) -> bytes:
        """One ``<c>`` element holding ``value``: text is always an inline string, never a
        formula, whatever it starts with."""
        p = self.p
        if isinstance(ref, str):
            ref = ref.encode()
        head = b"<" + p + b'c r="' + ref + (b'" s="%d"' % style if style else b'"')
        if value is None:
            return head + b"/>"
        if isinstance(value, str):
            tail = self._texts.get(value)
            if tail is None:
                tail = self._text_tail(value)
                if len(self._texts) < 100_000:  # results repeat a few texts many times
                    self._texts[value] = tail
            return head + tail
        if isinstance(value, bool):
            return head + b' t="b"><' + p + b"v>" + (b"1" if value else b"0") + self._v_close
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"cannot write {value} into {ref.decode()}")
            number = format(value, "f").encode()
        elif isinstance(value, int):
            number = b"%d" % value
        elif isinstance(value, dt.date):
            got = self._dates.get(value)
            if got is None:
                serial = date_serial(value, self.date1904)
                got = str(serial).encode() if serial is not None else b""
                self._dates[value] = got
            if not got:  # before the workbook's date system starts: written as ISO text
                return head + self._text_tail(value.isoformat())
            number = got
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"cannot write {value} into {ref.decode()}")
            number = repr(value).encode()
        else:
            return head + self._text_tail(str(value))
        return head + b"><" + p + b"v>" + number + self._v_close

    def _text_tail(self, value: str) -> bytes:
        p = self.p
        text = value[:EXCEL_MAX_TEXT]
        body = (cell_text(text) if _NEEDS_ESCAPE.search(text) else text).encode("utf-8")
        space = b' xml:space="preserve"' if text != text.strip() else b""
        return (
            b' t="inlineStr"><'
            + p
            + b"is><"
            + p
            + b"t"
            + space
            + b">"
            + body
            + b"</"
            + p
            + b"t></"
            + p
            + b"is></"
            + p
            + b"c>"
        )

    # ------------------------------------------------------------------------------ rewrite

    def rewrite(self, edit: SheetEdit) -> RewriteResult:
        data = self.data
        chunks: list[bytes] = [b""]  # the head, filled in last (its dimension changes)
        bulk = edit.bulk
        bulk_rows = bulk.rows if bulk is not None else {}
        bulk_min = min((c for _n, c, _k in bulk.columns), default=1 << 30) if bulk else 1 << 30
        table = edit.table
        table_nums = (
            range(table.first_row, table.first_row + len(table.rows)) if table else range(0)
        )
        pending = sorted(set(edit.writes) | set(bulk_rows) | set(table_nums))
        table_plan = self._table_plan(table) if table is not None else []
        plan_sorted = all(a[1] < b[1] for a, b in itertools.pairwise(table_plan))
        table_cols = frozenset(table.cols) if table is not None else frozenset()
        plan_by_col = {col: (i, number, pre) for i, col, pre, number in table_plan}
        if bulk is not None:
            self._plan = sorted(
                (
                    (name, col, number, b"<" + self.p + b'c r="' + self._letter(col))
                    for name, col, number in bulk.columns
                ),
                key=lambda item: item[1],
            )
            self._plan_cols = frozenset(col for _n, col, _k, _p in self._plan)
            names = [name for name, _c, _k, _p in self._plan]
            if len(names) == 1:
                self._values = lambda values: (values[names[0]],)
            else:
                self._values = operator.itemgetter(*names)
        self._bulk_layouts.clear()
        self._table_layouts.clear()
        next_new = 0
        orphans: set[bytes] = set()
        col_styles = self.column_styles()
        # Result columns whose text wraps (by their column's style) give their rows the height
        # the wrapped text needs: LibreOffice does not size rows to wrapped text on opening.
        widths = self.column_widths()
        self._wrap = [
            (name, widths.get(col, DEFAULT_COLUMN_WIDTH))
            for name, col, _k, _p in self._plan
            if bulk is not None and self.styles.wraps(col_styles.get(col))
        ]
        self._wrap_widths = {
            col: widths.get(col, DEFAULT_COLUMN_WIDTH)
            for col, style in col_styles.items()
            if self.styles.wraps(style)
        }
        self._table_wrap = [
            (i, self._wrap_widths[col])
            for i, col, _pre, _number in table_plan
            if col in self._wrap_widths
        ]
        first_styles: dict[int, int] = {}
        state = _State()
        zones = edit.zones
        pos = self.rows_start
        last_row = 0

        def emit_new_rows(below: int) -> None:
            nonlocal next_new
            # The styles new table cells start from, fixed while no old row is read.
            columns: list[_Column] = []
            while next_new < len(pending) and pending[next_new] < below:
                num = pending[next_new]
                next_new += 1
                if num <= last_row:
                    continue
                if table is not None and num in table_nums:
                    values = table.rows[num - table.first_row]
                    if num not in edit.writes and num not in bulk_rows:
                        if not columns:
                            for i, col, pre, number in table_plan:
                                base = first_styles.get(col) or col_styles.get(col)
                                columns.append(
                                    self._column(i, col, pre, number, base, _empty(base))
                                )
                        row = self._table_row(num, values, columns, plan_sorted, state)
                        if row:
                            chunks.append(row)
                        continue
                    _cell_writes(edit, table, num, values)
                row = self._build_row(
                    num,
                    b"<" + self.p + b'row r="%d">' % num,
                    [],
                    edit,
                    state,
                    col_styles,
                    first_styles,
                    orphans,
                )
                if row:
                    chunks.append(row)

        for num, start, body_start, body_end, end in self.iter_rows():
            emit_new_rows(num)
            chunks.append(data[pos:start])  # whitespace between rows, as it was
            pos = end
            for zone in zones:
                # A missing row is an empty row: one past the table's end ends the zone.
                if not zone.ended and num - 1 >= max(
                    last_row + 1, zone.min_last_row + 1, zone.first_row
                ):
                    zone.ended = True
            last_row = num
            active = [z for z in zones if not z.ended and num >= z.first_row]
            if table is not None and num in table_nums:
                values = table.rows[num - table.first_row]
                if (
                    num > edit.header_row
                    and num != edit.style_row
                    and num not in edit.writes
                    and num not in bulk_rows
                    and not orphans
                    and len(active) == 1
                    and active[0].cols == table_cols
                ):
                    row = self._old_table_row(
                        num,
                        data[start:body_start],
                        data[body_start:body_end],
                        values,
                        plan_by_col,
                        active[0],
                        state,
                        col_styles,
                        first_styles,
                    )
                    if row is not None:
                        if row:
                            chunks.append(row)
                        continue
                _cell_writes(edit, table, num, values)
            row_writes = edit.writes.get(num)
            row_bulk = bulk_rows.get(num)
            if num == edit.style_row:
                for col, attrs, _whole, _content in self.cells(data[body_start:body_end]):
                    s = _S_ATTR.search(attrs)
                    if s and int(s.group(1)):
                        first_styles[col] = int(s.group(1))
                self._bulk_layouts.clear()  # a style they took may have changed
                self._table_layouts.clear()
            if (
                row_writes is None
                and row_bulk is None
                and not active
                and not (orphans and b"shared" in data[body_start:body_end])
            ):
                chunks.append(data[start:end])
                if any(
                    mark in data[body_start:body_end] for mark in self._c_marks
                ) or self._broken_start.search(data, body_start, body_end):
                    state.note_row(num, None)
                continue
            tag = data[start:body_start]
            if body_start == end:  # self-closed row: reopen it to add cells
                tag = tag[:-2].rstrip() + b">"
            if self._wrap and row_bulk is not None:
                tag = self._fit_height(tag, row_bulk)
            body = data[body_start:body_end]
            if (
                row_bulk is not None
                and row_writes is None
                and not active
                and not orphans
                and num > edit.header_row
            ):
                try:
                    chunks.append(
                        self._bulk_row(num, tag, body, row_bulk, state, col_styles, first_styles)
                    )
                    continue
                except _NeedsSlowPath:
                    pass
            # Cells left of every written or cleared column are kept as they are, unparsed.
            cut = 0
            if not orphans and num != edit.header_row:
                wanted = [*row_writes] if row_writes else []
                for zone in active:
                    wanted.extend(zone.cols)
                if row_bulk is not None:
                    wanted.append(bulk_min)
                cut = self._tail_start(body, min(wanted)) if wanted else len(body)
            cells = self.cells(body[cut:])
            row = self._build_row(
                num,
                tag,
                cells,
                edit,
                state,
                col_styles,
                first_styles,
                orphans,
                active,
                body[:cut],
            )
            if row:
                chunks.append(row)
        emit_new_rows(1 << 30)
        chunks.append(data[pos : self.rows_end])
        chunks[0] = self._head(state)
        chunks.append(self._tail(edit))
        return RewriteResult(chunks, state.had_formula, state.rows)

    def _build_row(
        self,
        num: int,
        tag: bytes,
        cells: list[tuple[int, bytes, bytes, bytes]],
        edit: SheetEdit,
        state: _State,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
        orphans: set[bytes],
        active: list[Zone] | None = None,
        kept: bytes = b"",
    ) -> bytes:
        """One row rewritten the general way: each old cell kept, rewritten or cleared, then
        the new cells, in column order."""
        row = _RowEdit(
            num,
            b"%d" % num,
            dict(edit.writes.get(num, {})),
            self._bulk_cells(edit, num),
            edit.header_row,
            set().union(*(zone.cols for zone in active or ())),
            state,
            col_styles,
            first_styles,
            orphans,
        )
        if self._wrap_widths and row.writes:
            texts = [
                (w.value, self._wrap_widths[c])
                for c, w in row.writes.items()
                if c in self._wrap_widths
            ]
            if texts:
                tag = _height_tag(tag, texts)
        out: list[tuple[int, bytes]] = []
        for col, attrs, whole, content in cells:
            cell = self._old_cell(row, col, attrs, whole, content)
            if cell is not None:
                out.append((col, cell))
        for zone in active or ():
            if num > zone.min_last_row and not any(row.zone_values.get(c) for c in zone.cols):
                zone.ended = True
        out.extend(self._new_cells(row))
        out.sort(key=lambda item: item[0])
        return self._close_row(tag, out, kept, num, state)

    def _bulk_cells(self, edit: SheetEdit, num: int) -> dict[int, tuple[object, str]]:
        """The bulk result values of row ``num`` by column, with their number kind."""
        values = edit.bulk.rows.get(num) if edit.bulk is not None else None
        if not values or edit.bulk is None:
            return {}
        return {
            col: (value, number)
            for name, col, number in edit.bulk.columns
            if (value := values.get(name, _MISSING)) is not _MISSING
        }

    def _old_cell(
        self, row: _RowEdit, col: int, attrs: bytes, whole: bytes, content: bytes
    ) -> bytes | None:
        """An existing cell of the row as it is written now: a bulk value or a write in its
        place, cleared (None) in a zone, else kept (with its reference added if it had none)."""
        s = _S_ATTR.search(attrs)
        style = int(s.group(1)) if s else None
        has_value = self._v_open in content or self._is_open in content
        formula = self._f_open in content and self._f_re.search(content) is not None
        if row.num > row.header_row and style and col not in row.first_styles:
            row.first_styles[col] = style
        if col in row.clear:
            row.zone_values[col] = row.zone_values.get(col, False) or has_value
        got = row.bulk.pop(col, None) if row.bulk else None
        if got is not None:
            if formula:
                self._note_removed(content, formula, row.orphans, row.state)
            value, number = got
            base = style or row.first_styles.get(col) or row.col_styles.get(col)
            if value is not None:
                base = self.styles.fit(base, value_kind(value, number))
            return self.cell_xml(self._letter(col) + row.rnum, base, value)
        cw = row.writes.pop(col, None)
        if cw is not None and not (cw.only_if_empty and has_value):
            self._note_removed(content, formula, row.orphans, row.state)
            style = self._style_for(cw, style, col, row.col_styles, row.first_styles)
            return self.cell_xml(self._letter(col) + row.rnum, style, cw.value)
        if cw is None and col in row.clear:
            self._note_removed(content, formula, row.orphans, row.state)
            return None
        # Kept (an only_if_empty write of a cell with a value keeps it too).
        if row.orphans and formula:
            whole = self._drop_orphan_formula(whole, row.orphans, row.state)
        if not _R_ATTR.search(attrs):
            at = 1 + len(self.p) + 1
            whole = whole[:at] + b' r="%s%d"' % (self._letter(col), row.num) + whole[at:]
        return whole

    def _new_cells(self, row: _RowEdit) -> Iterator[tuple[int, bytes]]:
        """The cells of the bulk values and writes the row had no cell for."""
        for col, (value, number) in row.bulk.items():
            base = row.first_styles.get(col) or row.col_styles.get(col)
            if value is not None:
                base = self.styles.fit(base, value_kind(value, number))
            elif base is None:
                continue
            yield col, self.cell_xml(self._letter(col) + row.rnum, base, value)
        for col, cw in row.writes.items():
            style = self._style_for(cw, None, col, row.col_styles, row.first_styles)
            if cw.value is None and style is None:
                continue
            yield col, self.cell_xml(self._letter(col) + row.rnum, style, cw.value)

    def _close_row(
        self, tag: bytes, out: list[tuple[int, bytes]], kept: bytes, num: int, state: _State
    ) -> bytes:
        """The row element of the cells ``out`` (after the unparsed cells ``kept``)."""
        if kept:
            out.insert(0, (0, kept))
            state.note_row(num, (out[1][0], out[-1][0]) if len(out) > 1 else None)
        elif out:
            state.note_row(num, (out[0][0], out[-1][0]))
        tag = _drop_spans(tag)
        if not out:
            # A row that keeps its height or style stays; a bare one goes.
            bare = re.sub(rb'\s(?:r|spans)="[^"]*"', b"", tag)
            if re.fullmatch(b"<" + re.escape(self.p) + rb"row\s*>", bare):
                return b""
            return tag[:-1].rstrip() + b"/>"
        return tag + b"".join(c for _col, c in out) + b"</" + self.p + b"row>"

    def _bulk_row(
        self,
        num: int,
        tag: bytes,
        body: bytes,
        values: Mapping[str, object],
        state: _State,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> bytes:
        """A row that only receives result values: the hot path of a large refresh, written
        with as little work per cell as possible (caches for text, dates and styles).

        The result cells an earlier refresh wrote are known by their start tags alone (column
        and style) where the row allows it; otherwise the cells from the first result column
        on are parsed. A field missing from ``values`` keeps its old cell."""
        plan = self._plan
        try:
            row = self._values(values)
            whole = False
        except KeyError:
            row = tuple(values.get(name, _MISSING) for name, _c, _k, _p in plan)
            whole = True
        rnum = b"%d" % num
        others: list[tuple[int, bytes]] = []
        keep: dict[int, bytes] | None = None
        cut = self._results_start(rnum, body)
        layout = self._bulk_layout(body[cut:], first_styles, col_styles) if cut >= 0 else None
        if layout is not None:
            columns = layout[0]
            if layout[2] or whole:  # cells to keep: their bytes are needed
                cells = self._own_cell_re.finditer(body, cut)
                olds = [(column_number(m.group(1)), m.group(0)) for m in cells]
                others = [(col, cell) for col, cell in olds if col not in self._plan_cols]
                keep = {col: cell for col, cell in olds if col in self._plan_cols}
        else:
            cut = self._tail_start(body, plan[0][1])
            parsed = self._parsed_results(body[cut:], state, col_styles, first_styles)
            columns, others, keep = parsed
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(rnum, row, columns, parts, used, keep)
        if others:
            pairs = sorted([*zip(used, parts, strict=True), *others], key=_first)
            used = [col for col, _cell in pairs]
            parts = [cell for _col, cell in pairs]
        if parts:
            state.note_row(num, (used[0], used[-1]))
        elif cut:
            state.note_row(num, None)
        return _drop_spans(tag) + body[:cut] + b"".join(parts) + b"</" + self.p + b"row>"

    def _results_start(self, rnum: bytes, body: bytes) -> int:
        """Where the cells from the first result column on start in a row body, as
        ``_tail_start`` finds it, when they may be read by their start tags alone: the first
        result column's cell is there (or the last cell is before it: no results yet), no
        cell before it is in a later column, and no formula follows. -1 otherwise."""
        marks = self._c_marks
        if marks[1] in body:
            return -1
        cut = body.find(self._plan[0][3] + rnum + b'"')
        if cut < 0:
            cut = len(body)  # no results yet if the last cell is left of them
        elif body.find(self._f_open, cut) >= 0:
            return -1
        before = body.rfind(marks[0], 0, cut)
        if before >= 0:
            r = _R_ATTR.search(body, before, body.find(b">", before))
            if r is None or column_number(r.group(1)) >= self._plan[0][1]:
                return -1
        return cut

    def _bulk_layout(
        self, tail: bytes, first_styles: dict[int, int], col_styles: dict[int, int]
    ) -> _Layout | None:
        """The columns to write the results of a row whose cells from the first result column
        on are ``tail`` (no formula among them); None unless each of them starts as this
        writer makes cells (a reference, a style, a type) and lies in a result column or later.

        Rows of a refreshed sheet repeat a few layouts of columns and styles, so a layout is
        worked out once: what its first row sets in ``first_styles`` a later one would not,
        and it is worked out again once ``first_styles`` has grown."""
        tags: list[tuple[bytes, bytes]] = self._own_start_re.findall(tail)
        if len(tags) != tail.count(self._c_any):
            return None
        key = tuple(tags)
        layout = self._bulk_layouts.get(key)
        if layout is not None and layout[1] == len(first_styles):
            return layout
        plan, plan_cols = self._plan, self._plan_cols
        cols = [column_number(letters) for letters, _sty in tags]
        if cols and min(cols) < plan[0][1]:  # out of order: not where _tail_start would cut
            return None
        olds: dict[int, int | None] = {}
        for col, (_letters, sty) in zip(cols, tags, strict=True):
            if col in plan_cols:
                style = int(sty) if sty else None
                if style and col not in first_styles:
                    first_styles[col] = style
                olds[col] = style  # a repeated cell: the last one counts
        columns: list[_Column] = []
        for i, (_name, col, number, pre) in enumerate(plan):
            base = olds.get(col) or first_styles.get(col) or col_styles.get(col)
            columns.append(self._column(i, col, pre, number, base, _empty(base)))
        layout = (columns, len(first_styles), not plan_cols.issuperset(cols))
        if len(self._bulk_layouts) < _LAYOUTS_KEPT:
            self._bulk_layouts[key] = layout
        return layout

    def _parsed_results(
        self,
        tail: bytes,
        state: _State,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> tuple[list[_Column], list[tuple[int, bytes]], dict[int, bytes]]:
        """The result columns of a row whose cells from the first result column on,
        ``tail``, are parsed: the columns to write, the other cells there and the old
        result cells, kept where a field has no value to write."""
        olds: dict[int, tuple[int | None, bytes]] = {}
        others: list[tuple[int, bytes]] = []
        for col, attrs, whole, content in self.cells(tail):
            if col in self._plan_cols:
                m = _S_ATTR.search(attrs)
                style = int(m.group(1)) if m else None
                if style and col not in first_styles:
                    first_styles[col] = style
                if self._f_open in content and self._f_re.search(content):
                    state.had_formula = True  # calcChain goes; see _note_removed
                    f = self._f_re.search(content)
                    if f and b"shared" in f.group(1) and b"ref=" in f.group(1):
                        # A shared formula's master: its followers need the slow path.
                        raise _NeedsSlowPath
                olds[col] = (style, whole)
            else:
                others.append((col, whole))
        columns: list[_Column] = []
        for i, (_name, col, number, pre) in enumerate(self._plan):
            prior = olds.get(col)
            base = (prior[0] if prior else None) or first_styles.get(col) or col_styles.get(col)
            columns.append(self._column(i, col, pre, number, base, _empty(base)))
        return columns, others, {col: whole for col, (_s, whole) in olds.items()}

    def _old_table_row(
        self,
        num: int,
        tag: bytes,
        body: bytes,
        values: Sequence[object],
        plan: dict[int, tuple[int, str, bytes]],
        zone: Zone,
        state: _State,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> bytes | None:
        """An existing row of an output table whose every cell lies in the table's columns
        and is replaced: the row ``_build_row`` makes from one ``CellWrite`` per value, with
        only each old cell's start tag read (its style is kept). None when the row holds
        something that needs the general path: a formula, a cell without a reference, or a
        cell outside the table's columns (a second refresh of a large book is mostly rows
        like this, each otherwise parsed cell by cell)."""
        p = self.p
        marks = self._c_marks
        if body and (not body.startswith(marks[0]) or self._f_open in body):
            return None
        # The cells this writer makes start <c r=".." s=".."; others are read attribute-wise.
        tags: list[tuple[bytes, bytes]] = self._own_start_re.findall(body)
        if len(tags) != body.count(self._c_any):
            if marks[1] in body or marks[2] in body:
                return None
            tags = []
            for m in self._start_re.finditer(body):
                r = _R_ATTR.search(m.group(1))
                if r is None:
                    return None
                s = _S_ATTR.search(m.group(1))
                tags.append((r.group(1), s.group(1) if s else b""))
        key = tuple(tags)
        layouts = self._table_layouts
        layout = layouts.get(key, _NO_LAYOUT)
        if layout is _NO_LAYOUT or (layout is not None and layout[1] != len(first_styles)):
            layout = self._table_layout(tags, plan, zone.cols, col_styles, first_styles)
            if len(layouts) < _LAYOUTS_KEPT:
                layouts[key] = layout
        if layout is None:
            return None
        columns = layout[0]
        if num > zone.min_last_row and not (self._v_open in body or self._is_open in body):
            zone.ended = True
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(b"%d" % num, values, columns, parts, used)
        if layout[2]:
            pairs = sorted(zip(used, parts, strict=True), key=_first)
            used = [col for col, _cell in pairs]
            parts = [cell for _col, cell in pairs]
        if tag.endswith(b"/>"):  # a self-closed row: reopened, as the general path does
            tag = tag[:-2].rstrip() + b">"
        tag = _drop_spans(tag)
        if self._table_wrap:
            tag = self._table_height(tag, values)
        if not parts:
            bare = re.sub(rb'\s(?:r|spans)="[^"]*"', b"", tag)
            if re.fullmatch(b"<" + re.escape(p) + rb"row\s*>", bare):
                return b""
            return tag[:-1].rstrip() + b"/>"
        state.note_row(num, (used[0], used[-1]))
        return tag + b"".join(parts) + b"</" + p + b"row>"

    def _table_layout(
        self,
        tags: list[tuple[bytes, bytes]],
        plan: dict[int, tuple[int, str, bytes]],
        cols: frozenset[int],
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> _Layout | None:
        """The columns to write an old output-table row whose cells have the start tags
        ``tags`` (letters, style): old cells first, in their order, then the rest in field
        order, as ``_build_row`` numbers derived styles in the order first needed. None when
        a cell lies outside ``cols``."""
        olds: dict[int, int | None] = {}
        for letters, sty in tags:
            col = column_number(letters)
            if col not in cols:
                return None
            style = int(sty) if sty else None
            if style and col not in first_styles:
                first_styles[col] = style
            if col not in olds:
                olds[col] = style
        order = [*olds, *(col for col in plan if col not in olds)] if olds else list(plan)
        columns: list[_Column] = []
        for col in order:
            i, number, pre = plan[col]
            base = olds.get(col) or first_styles.get(col) or col_styles.get(col)
            empty = b'" s="%d"/>' % base if base else (b'"/>' if col in olds else None)
            columns.append(self._column(i, col, pre, number, base, empty))
        in_order = all(a < b for a, b in itertools.pairwise(order))
        return columns, len(first_styles), not in_order

    def _table_plan(self, table: TableRows) -> list[tuple[int, int, bytes, str]]:
        """(index in a row, column, ``<c r="`` and its letters, Kind of numbers) of each
        column of ``table``, in field order as ``CellWrite``s are (styles are derived, and
        numbered, in that order); a column given twice takes its last value."""
        by_col: dict[int, tuple[int, str]] = {}
        for i, (col, number) in enumerate(zip(table.cols, table.numbers, strict=True)):
            by_col[col] = (i, number)
        return [
            (i, col, b"<" + self.p + b'c r="' + self._letter(col), number)
            for col, (i, number) in by_col.items()
        ]

    def _table_row(
        self,
        num: int,
        values: Sequence[object],
        columns: list[_Column],
        plan_sorted: bool,
        state: _State,
    ) -> bytes:
        """A new row of an output table: the same cells ``_build_row`` makes from one
        ``CellWrite`` per value, built from pre-formatted pieces with one join; ``columns``
        in field order, each with the style new cells of its column start from."""
        rnum = b"%d" % num
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(rnum, values, columns, parts, used)
        if not parts:
            return b""
        if plan_sorted:
            state.note_row(num, (used[0], used[-1]))
        else:  # headers the user put out of field order: cells still go in column order
            order = sorted(range(len(used)), key=used.__getitem__)
            parts = [parts[k] for k in order]
            state.note_row(num, (used[order[0]], used[order[-1]]))
        p = self.p
        tag = b"<" + p + b'row r="' + rnum + b'">'
        if self._table_wrap:
            tag = self._table_height(tag, values)
        return tag + b"".join(parts) + b"</" + p + b"row>"

    def _column(
        self, i: int, col: int, pre: bytes, number: str, base: int | None, empty: bytes | None
    ) -> _Column:
        """A column to write, sharing its chosen style attributes with every column of the
        same starting style and Kind of numbers."""
        key = (base, number)
        sattrs = self._sattr_sets.get(key)
        if sattrs is None:
            sattrs = self._sattr_sets[key] = {}
        return (i, col, pre, number, base, empty, sattrs)

    def _fill(
        self,
        rnum: bytes,
        values: Sequence[object],
        columns: Sequence[_Column],
        parts: list[bytes],
        used: list[int],
        keep: Mapping[int, bytes] | None = None,
    ) -> None:
        """The cells of one row (number ``rnum``): for each of ``columns`` in order, its value
        written with the style its Kind needs, appended to ``parts`` and its column to
        ``used``; the cell ``cell_xml`` would make, from pre-formatted pieces. A value
        ``_MISSING`` keeps the cell ``keep`` holds for the column, if any."""
        texts, dates = self._texts, self._dates
        vclose, v_open = self._v_close, self._v_tag
        for i, col, pre, number, base, empty, sattrs in columns:
            value = values[i]
            t = type(value)
            if t is str:
                tail = texts.get(value)  # type: ignore[call-overload]
                if tail is None:
                    tail = self._text_tail(value)  # type: ignore[arg-type]
                    if len(texts) < 100_000:  # results repeat a few texts many times
                        texts[value] = tail  # type: ignore[index]
            elif t is Decimal and value.is_finite():  # type: ignore[attr-defined]
                text = str(value)
                if "E" in text:  # str() uses exponents for some values; Excel wants digits
                    text = format(value, "f")
                tail = v_open + text.encode() + vclose
            elif value is None:
                if empty is not None:
                    parts.append(pre + rnum + empty)
                    used.append(col)
                continue
            elif t is dt.date and (got := dates.get(value) or self._serial(value)):  # type: ignore
                tail = v_open + got + vclose
            elif t is int:
                tail = v_open + b"%d" % value + vclose  # type: ignore[str-format]
            elif t is bool:
                tail = b' t="b"' + v_open + (b"1" if value else b"0") + vclose
            elif value is _MISSING:
                cell = keep.get(col) if keep else None
                if cell is not None:
                    parts.append(cell)
                    used.append(col)
                continue
            else:  # floats and rarer values, dates before the date system, NaN: the usual way
                style = self.styles.fit(base, value_kind(value, number))
                parts.append(self.cell_xml(self._letter(col) + rnum, style, value))
                used.append(col)
                continue
            sattr = sattrs.get(t)
            if sattr is None:
                style = self.styles.fit(base, value_kind(value, number))
                sattr = sattrs[t] = b'" s="%d"' % style if style else b'"'
            parts.append(pre + rnum + sattr + tail)
            used.append(col)

    def _serial(self, day: dt.date) -> bytes:
        """A date's serial number as written, b"" before the workbook's date system starts."""
        got = self._dates.get(day)
        if got is None:
            serial = date_serial(day, self.date1904)
            got = self._dates[day] = str(serial).encode() if serial is not None else b""
        return got

    def _letter(self, col: int) -> bytes:
        got = self._letters.get(col)
        if got is None:
            got = self._letters[col] = column_letter(col).encode()
        return got

    def _style_for(
        self,
        cw: CellWrite,
        old: int | None,
        col: int,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> int | None:
        style = old or cw.style or first_styles.get(col) or col_styles.get(col)
        if cw.value is None:
            return style
        return self.styles.fit(style, cw.kind)

    def _note_removed(
        self, content: bytes, formula: bool, orphans: set[bytes], state: _State
    ) -> None:
        if not formula:
            return
        state.had_formula = True
        m = self._f_re.search(content)
        if m and b"shared" in m.group(1) and b"ref=" in m.group(1):
            si = re.search(rb'\ssi="(\d+)"', m.group(1))
            if si:
                orphans.add(si.group(1))

    def _drop_orphan_formula(self, whole: bytes, orphans: set[bytes], state: _State) -> bytes:
        """A cell that shared the formula of a removed cell keeps its value, as a constant."""
        m = self._f_re.search(whole)
        if not m or b"shared" not in m.group(1) or b"ref=" in m.group(1):
            return whole
        si = re.search(rb'\ssi="(\d+)"', m.group(1))
        if not si or si.group(1) not in orphans:
            return whole
        state.had_formula = True
        return whole[: m.start()] + whole[m.end() :]

    def _head(self, state: _State) -> bytes:
        head = self.head
        start, end = find_element(head, self.p, b"dimension")
        if start < 0 or state.rows == 0:
            return head
        old = parse_range(get_attr(head[start:end], b"ref") or "")
        if old is None and state.max_col == 0:
            return head
        c1, c2 = state.min_col, state.max_col
        if old is not None:
            c1, c2 = min(c1, old[0]), max(c2, old[2])
        ref = format_range(c1, state.min_row, c2, state.max_row)
        return head[:start] + set_attr(head[start:end], b"ref", ref) + head[end:]

    def _tail(self, edit: SheetEdit) -> bytes:
        tail = self.tail
        if edit.link_area is None and not edit.links:
            return tail
        p = self.p
        kept: list[bytes] = []
        start, end = find_element(tail, p, b"hyperlinks")
        if start >= 0:
            for m in re.finditer(b"<" + re.escape(p) + rb"hyperlink\b[^>]*>", tail[start:end]):
                where = parse_range(get_attr(m.group(0), b"ref") or "")
                if where and edit.link_area:
                    cols, first = edit.link_area
                    if where[0] in cols and where[1] >= first:
                        continue
                kept.append(m.group(0) if m.group(0).endswith(b"/>") else m.group(0)[:-1] + b"/>")
            tail = tail[:start] + tail[end:]
        for ref, location in sorted(edit.links.items(), key=lambda kv: _ref_key(kv[0])):
            kept.append(
                b"<"
                + p
                + b'hyperlink ref="'
                + ref.encode()
                + b'" location="'
                + xml_text(location).encode()
                + b'" display="'
                + xml_text(location.rsplit("!", 1)[-1]).encode()
                + b'"/>'
            )
        if not kept:
            return tail
        block = b"<" + p + b"hyperlinks>" + b"".join(kept) + b"</" + p + b"hyperlinks>"
        return insert_before_first(tail, p, _AFTER_HYPERLINKS, b"worksheet", block)


@dataclass(slots=True)
class _RowEdit:
    """What rewriting one row the general way works with."""

    num: int
    rnum: bytes
    writes: dict[int, CellWrite]  # this row's writes not yet placed
    bulk: dict[int, tuple[object, str]]  # this row's bulk values not yet placed
    header_row: int
    clear: set[int]  # the columns of the zones the row is in
    state: _State
    col_styles: dict[int, int]
    first_styles: dict[int, int]
    orphans: set[bytes]
    zone_values: dict[int, bool] = field(default_factory=dict)


class _State:
    __slots__ = ("had_formula", "max_col", "max_row", "min_col", "min_row", "rows")

    def __init__(self) -> None:
        self.had_formula = False
        self.rows = 0
        self.min_row = self.min_col = 1 << 30
        self.max_row = self.max_col = 0

    def note_row(self, num: int, cols: tuple[int, int] | None) -> None:
        self.rows += 1
        self.min_row = min(self.min_row, num)
        self.max_row = max(self.max_row, num)
        if cols is not None:
            self.min_col = min(self.min_col, cols[0])
            self.max_col = max(self.max_col, cols[1])


class _NeedsSlowPath(Exception):
    """A row the fast path cannot handle; the general path rewrites it."""


def _cell_writes(edit: SheetEdit, table: TableRows, num: int, values: Sequence[object]) -> None:
    """The ``CellWrite``s of one table row, for a row the general path rewrites."""
    target = edit.writes.setdefault(num, {})
    for col, number, value in zip(table.cols, table.numbers, values, strict=True):
        target[col] = CellWrite(value, value_kind(value, number))


def _first(item: tuple[int, bytes]) -> int:
    return item[0]


def _empty(base: int | None) -> bytes | None:
    """What follows a new cell's reference when it holds no value: its style, or no cell."""
    return b'" s="%d"/>' % base if base is not None else None


_SPANS = re.compile(rb'\sspans="[^"]*"')


def _drop_spans(tag: bytes) -> bytes:
    # spans is an optional hint of the row's first and last column; a changed row may not fit it.
    return _SPANS.sub(b"", tag, count=1) if b"spans=" in tag else tag


def _ref_key(ref: str) -> tuple[int, int]:
    got = parse_range(ref)
    return (got[1], got[0]) if got else (0, 0)


def row_values(
    rewriter: SheetRewriter, rows: Callable[[int], bool], cols: frozenset[int]
) -> dict[int, set[int]]:
    """For the rows ``rows(num)`` accepts: which of ``cols`` hold a value."""
    out: dict[int, set[int]] = {}
    data = rewriter.data
    for num, _start, body_start, body_end, _end in rewriter.iter_rows():
        if not rows(num):
            continue
        filled = {
            col
            for col, _attrs, _whole, content in rewriter.cells(data[body_start:body_end])
            if col in cols and (rewriter._v_open in content or rewriter._is_open in content)
        }
        if filled:
            out[num] = filled
    return out


def insort_unique(values: list[int], value: int) -> None:
    i = bisect.bisect_left(values, value)
    if i == len(values) or values[i] != value:
        values.insert(i, value)
