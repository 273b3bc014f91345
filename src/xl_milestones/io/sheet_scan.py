"""Finding rows and cells in a worksheet part's bytes: the part split around ``<sheetData>``,
each ``<row>`` located, a row body's cells split by a pattern, the ``<dimension>`` and the
column styles and widths of ``<cols>``.

A 100,000-row sheet is about 100 MB of XML, so the part is never built into a tree: rows are
found with ``bytes.find`` and only the rows that change have their cells split by a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from xl_milestones.a1 import column_letter, column_number, parse_range
from xl_milestones.errors import WorkbookError
from xl_milestones.io.xmlbytes import find_element, get_attr, xml_unescape

REF_ATTR = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')  # a cell's reference: letters, row
STYLE_ATTR = re.compile(rb'\ss="(\d+)"')
_T_ATTR = re.compile(rb'\st="(\w+)"')
_ROW_R = re.compile(rb'\sr="(\d+)"')

# Where a ``<row>`` is: (row number, start, body start, body end, end) in the part's bytes.
RowSpan = tuple[int, int, int, int, int]


class SheetScanner:
    """A worksheet part's bytes, with the patterns that find its rows and cells; ``head`` and
    ``tail`` are the bytes before and after the rows of ``<sheetData>``."""

    def __init__(self, data: bytes, prefix: bytes, part: str) -> None:
        self.data = data
        self.p = prefix
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
        self._start_re = re.compile(b"<" + p + rb"c(\s[^>]*?)/?>")
        own = b"<" + p + rb'c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="\w+")?'
        self._own_start_re = re.compile(own + b"/?>")
        self._own_cell_re = re.compile(own + b"(?:/>|>.*?</" + p + b"c>)", re.S)
        # Every cell start (``cells`` sees one at "<c" and a space, "/" or ">") begins so; so
        # do a few other tags (<color> in rich text): as many start tags of this writer's
        # form as there are of these means every cell has that form.
        self._c_any = b"<" + prefix + b"c"
        self._broken_start = re.compile(b"<" + p + rb"c[\t\n\r]")  # a cell tag broken after "<c"
        # A row whose first cell is of this writer's form and opens with its value: (row, letters).
        self._filled_row_re = re.compile(
            b"<" + p + rb'row r="(\d+)"[^>/]*><' + p + rb'c r="([A-Z]{1,3})\d+"(?: s="\d+")?'
            rb'(?: t="\w+")?><' + p + rb"(?:v|is)>"
        )
        self._split()

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
        else:
            self.head = data[:gt]
            self.rows_start = gt
            self.rows_end = end - len(b"</" + p + b"sheetData>")
            self.tail = data[self.rows_end :]

    def iter_rows(self) -> Iterator[RowSpan]:
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

    def filled_from(self, first: int, cols: frozenset[int]) -> bool:
        """Whether the rows from ``first`` to the last are all there, one after another, and
        each starts with a cell of ``cols`` that opens with its value: every such row is one
        ``row_values`` finds filled. One search over their bytes; no row is taken apart. False
        also when a row has another form (the caller then looks row by row)."""
        start = next((span[1] for span in self.iter_rows() if span[0] >= first), None)
        if start is None:
            return False
        found = self._filled_row_re.findall(self.data, start, self.rows_end)
        if len(found) != self.data.count(b"<" + self.p + b"row", start, self.rows_end):
            return False
        if [int(num) for num, _letters in found] != list(range(first, first + len(found))):
            return False
        return all(column_number(letters) in cols for letters in {lt for _n, lt in found})

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
            r = REF_ATTR.search(body, i, gt)
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
            r = REF_ATTR.search(attrs)
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

    def last_row(self) -> int | None:
        """The number of the last ``<row>`` of ``<sheetData>`` (rows come in ascending order),
        0 with no row, None when that row has no number. Unlike ``dimension``, which a program
        may leave stale, this is where the cells end."""
        data, tag = self.data, b"<" + self.p + b"row"
        end = self.rows_end
        while True:
            i = data.rfind(tag, self.rows_start, end)
            if i < 0:
                return 0
            if data[i + len(tag) : i + len(tag) + 1] in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
                gt = data.find(b">", i)
                m = _ROW_R.search(data, i, gt)
                return int(m.group(1)) if m else None
            end = i

    def last_column(self, at_least: int) -> int:
        """The last column a cell of the sheet lies in, or ``at_least`` when none lies beyond
        it (the ``<dimension>``'s last column, which a program may leave stale): one search for
        a reference past it (any ``r="``, a literal the search finds fast), and only when there
        is one every cell's reference read."""
        span = (self.data, self.rows_start, self.rows_end)
        if not re.compile(rb'r="(?:' + _letters_after(at_least) + rb")\d").search(*span):
            return at_least
        cell_ref = re.compile(b"<" + re.escape(self.p) + rb'c\s[^>]*?\br="([A-Z]{1,3})\d')
        return max([at_least, *map(column_number, cell_ref.findall(*span))])

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


def row_values(
    scanner: SheetScanner, rows: Callable[[int], bool], cols: frozenset[int]
) -> dict[int, frozenset[int]]:
    """For the rows ``rows(num)`` accepts: which of ``cols`` hold a value, or for a row whose
    first cell is in ``cols`` and holds one (every row of an output table), that cell's column
    alone: the leftmost that holds one, found without splitting the row's other cells."""
    out: dict[int, frozenset[int]] = {}
    data = scanner.data
    v_open, is_open, own = scanner._v_open, scanner._is_open, scanner._own_cell_re
    alone = {col: frozenset((col,)) for col in cols}  # one set for the many rows of a column
    for num, _start, body_start, body_end, _end in scanner.iter_rows():
        if not rows(num):
            continue
        body = data[body_start:body_end]
        first = own.match(body)
        if first is not None and (v_open in first.group(0) or is_open in first.group(0)):
            col = column_number(first.group(1))
            if col in cols:
                out[num] = alone[col]
                continue
        filled = frozenset(
            col
            for col, _attrs, _whole, content in scanner.cells(body)
            if col in cols and (v_open in content or is_open in content)
        )
        if filled:
            out[num] = filled
    return out


def _letters_after(column: int) -> bytes:
    """A pattern of the column letters (up to three, as a sheet has) after ``column``'s."""
    letters = column_letter(column) if column > 0 else ""
    longer = [b"[A-Z]{%d,3}" % (len(letters) + 1)] if len(letters) < 3 else []
    same_length = [
        letters[:j].encode()
        + b"["
        + chr(ord(ch) + 1).encode()
        + b"-Z]"
        + b"[A-Z]" * (len(letters) - j - 1)
        for j, ch in enumerate(letters)
        if ch != "Z"
    ]
    return b"|".join(longer + same_length) or b"(?!)"
