"""Making cells' XML: one ``<c>`` element from a value (``cell_xml``), and the cells of a row
from pre-formatted pieces (``_fill``: the hot path of a large refresh, with caches for texts,
dates, column letters and the style each kind of value takes in a column).

Text is always written as an inline string, never a formula, whatever it starts with; dates
as Excel serial numbers of the workbook's date system.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from xl_milestones.a1 import column_letter
from xl_milestones.book import EXCEL_MAX_TEXT
from xl_milestones.io.cellstyles import Kind, StyleSheet, kind_of_amount
from xl_milestones.io.sheet_scan import SheetScanner
from xl_milestones.io.xmlbytes import cell_text

_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_LEAP_BUG_END = dt.date(1900, 3, 1)  # Excel's fictitious 29 February 1900 shifts earlier dates
# Text needing more than encoding: XML specials, control characters, _xHHHH_ look-alikes.
_NEEDS_ESCAPE = re.compile('[&<>"_\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')

MISSING = object()  # a field with no value to write: the old cell stays

# How one column of a row is written: (index of its value, column, ``<c r="`` and its letters,
# the Kind its numbers need, the style it starts from, what follows the reference for no value
# (None: no cell), and the style attribute chosen for each type of value from that style).
Column = tuple[int, int, bytes, str, int | None, bytes | None, dict[type, bytes]]
# What the start tags of a row's old cells decide, for every row with the same tags: the columns
# to write; the size of ``first_styles`` when their styles were taken from it (it only grows,
# but for the style row of an appended table, which forgets every layout); whether the cells
# written need putting in column order (old cells kept among them, or old cells written first).
Layout = tuple[list[Column], int, bool]
LAYOUTS_KEPT = 4096  # distinct layouts of old cells remembered per sheet; rows repeat a few


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


def empty_tail(base: int | None) -> bytes | None:
    """What follows a new cell's reference when it holds no value: its style, or no cell."""
    return b'" s="%d"/>' % base if base is not None else None


def column_of(item: tuple[int, bytes]) -> int:
    """The column of a (column, cell) pair: the key that puts cells in column order."""
    return item[0]


class CellBuilder(SheetScanner):
    """The scanner, with what making cells needs: the workbook's styles and date system, and
    the caches of one sheet's texts, dates, column letters and chosen style attributes."""

    def __init__(
        self,
        data: bytes,
        prefix: bytes,
        styles: StyleSheet,
        date1904: bool,
        part: str,
        strings: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        super().__init__(data, prefix, part)
        self.styles = styles
        self.date1904 = date1904
        # The workbook's shared strings, asked for only when an old cell's text is needed.
        self._strings = strings
        self._strings_read: Sequence[str] | None = None
        self._v_close = b"</" + prefix + b"v></" + prefix + b"c>"
        self._texts: dict[str, bytes] = {}
        self._dates: dict[dt.date, bytes] = {}
        self._letters: dict[int, bytes] = {}
        self._sattr_sets: dict[tuple[int | None, str], dict[type, bytes]] = {}
        self._v_tag = b"><" + prefix + b"v>"

    def old_text(self, attrs: bytes, content: bytes) -> str | None:
        """The text an existing cell holds: inline, formula or shared string; None for any
        other value."""
        text, index = self.cell_string(attrs, content)
        if index is None:
            return text
        if self._strings_read is None:
            self._strings_read = self._strings()
        return self._strings_read[index] if index < len(self._strings_read) else None

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

    def _column(
        self, i: int, col: int, pre: bytes, number: str, base: int | None, empty: bytes | None
    ) -> Column:
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
        columns: Sequence[Column],
        parts: list[bytes],
        used: list[int],
        keep: Mapping[int, bytes] | None = None,
    ) -> None:
        """The cells of one row (number ``rnum``): for each of ``columns`` in order, its value
        written with the style its Kind needs, appended to ``parts`` and its column to
        ``used``; the cell ``cell_xml`` would make, from pre-formatted pieces. A value
        ``MISSING`` keeps the cell ``keep`` holds for the column, if any."""
        texts, dates = self._texts, self._dates
        vclose, v_open = self._v_close, self._v_tag
        for i, col, pre, number, base, empty, sattrs in columns:
            value = values[i]
            t = type(value)
            text: bytes | None = None  # a number's text in <v>, else None for a text's tail
            if t is str:
                tail = texts.get(value)  # type: ignore[call-overload]
                if tail is None:
                    tail = self._text_tail(value)  # type: ignore[arg-type]
                    if len(texts) < 100_000:  # results repeat a few texts many times
                        texts[value] = tail  # type: ignore[index]
            elif t is Decimal and value.is_finite():  # type: ignore[attr-defined]
                digits = str(value)
                if "E" in digits:  # str() uses exponents for some values; Excel wants digits
                    digits = format(value, "f")
                text = digits.encode()
            elif value is None:
                if empty is not None:
                    parts.append(pre + rnum + empty)
                    used.append(col)
                continue
            elif t is dt.date and (got := dates.get(value) or self._serial(value)):  # type: ignore
                text = got
            elif t is int:
                text = b"%d" % value  # type: ignore[str-format]
            elif t is bool:
                text = b"1" if value else b"0"
            else:
                cell = self._rare_cell(rnum, col, value, base, number, keep)
                if cell is not None:
                    parts.append(cell)
                    used.append(col)
                continue
            sattr = sattrs.get(t)
            if sattr is None:  # the start tag's end for this type: style, and t="b" for bool
                style = self.styles.fit(base, value_kind(value, number))
                sattr = b'" s="%d"' % style if style else b'"'
                sattr = sattrs[t] = sattr + b' t="b"' if t is bool else sattr
            # One join per cell: chained + made an intermediate object per piece.
            if text is None:
                parts.append(b"".join((pre, rnum, sattr, tail)))
            else:
                parts.append(b"".join((pre, rnum, sattr, v_open, text, vclose)))
            used.append(col)

    def _rare_cell(
        self,
        rnum: bytes,
        col: int,
        value: object,
        base: int | None,
        number: str,
        keep: Mapping[int, bytes] | None,
    ) -> bytes | None:
        """``_fill``'s cell for a value of no common type: ``MISSING`` keeps the old cell
        ``keep`` holds for the column (None: no cell); floats, dates before the date system
        and NaN go the usual way (``cell_xml``)."""
        if value is MISSING:
            return keep.get(col) if keep else None
        style = self.styles.fit(base, value_kind(value, number))
        return self.cell_xml(self._letter(col) + rnum, style, value)

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
