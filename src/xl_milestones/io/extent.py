"""How far a worksheet's cells reach, read from its XML before python-calamine loads it.

calamine holds a sheet as one dense block from its first to its last cell, so a single value
far out (``XFD1048576``, or a reference past Excel's grid) in an otherwise small sheet asks for
hundreds of gigabytes and aborts the whole process. The reader feeds a ``SheetExtent`` the
sheet's XML as it scans it (``xlsxparts.scan_sheet``), checks it before calamine loads the
sheet, and refuses the workbook with the reason when it fails.
"""

from __future__ import annotations

import re

from xl_milestones.a1 import column_number
from xl_milestones.book import EXCEL_COLUMNS, EXCEL_ROWS

# Every sheet of up to 61 columns (A to BI) fits within this block whatever its rows, which
# covers the schema's sheets with room for the user's own columns: about 2 GB in calamine.
MAX_CELLS = 64_000_000
_SAFE_COLUMNS = MAX_CELLS // EXCEL_ROWS  # 61
_CHUNK = 8 * 1024 * 1024
_KEY = int.from_bytes(b' r="', "little")
_REF = re.compile(rb' r="([A-Z]*)(\d+)"')
_WINDOW = 40  # bytes kept from one chunk to the next so no reference is cut in two


# A reference or row tag as ``_wide_or_long`` reads it: up to three capitals, up to seven digits.
_START = re.compile(rb' r="([A-Z]{0,3})([0-9]{0,7})')
# From this size a buffer is scanned by numpy, whose import (about 90 ms) it then pays for; a
# workbook whose sheets are all smaller never imports it.
_VECTOR_FROM = 1 << 20


def _wide_or_long(buf: bytes) -> tuple[list[int], int]:
    """Offsets of references that name column 62 (BJ) or beyond or a row of seven digits or
    more, in the order they come, which are parsed one by one; and the largest row a reference
    (or row tag) of fewer digits names, by value (zeros in front count for nothing), 0 for
    none. A ``' r="'`` within the last 16 bytes of ``buf`` is left for the next buffer."""
    if len(buf) >= _VECTOR_FROM:
        return _wide_or_long_vector(buf)
    n = len(buf)
    found: list[int] = []
    longest = 0
    for m in _START.finditer(buf):
        at = m.start()
        if at + 16 >= n:
            break
        letters, digits = m.group(1), m.group(2)
        d = len(digits)
        if (
            len(letters) == 3
            or (len(letters) == 2 and (letters[0] >= 67 or (letters[0] == 66 and letters[1] >= 74)))
            or d == 7
        ):
            found.append(at)
        if 0 < d < 7:
            longest = max(longest, int(digits))
    return found, longest


def _wide_or_long_vector(buf: bytes) -> tuple[list[int], int]:
    """``_wide_or_long``, vectorised: a sheet of 100,000 rows holds millions of references."""
    import numpy as np

    a = np.frombuffer(buf, np.uint8)
    n = len(a)
    starts = [
        np.flatnonzero(np.frombuffer(buf, "<u4", count=(n - k) // 4, offset=k) == _KEY) * 4 + k
        for k in range(4)
        if n - k >= 4
    ]
    if not starts:
        return [], 0
    p = np.concatenate(starts) + 4
    p = p[p + 12 < n]
    c0 = a[p]
    first_letter = (c0 - 65) < 26  # uint8 arithmetic wraps: below 'A' becomes large
    # Cell references, and row tags, whose number places the cells that have no reference.
    keep = first_letter | ((c0 - 48) < 10)
    p, first_letter = p[keep], first_letter[keep]
    c0, c1, c2 = a[p], a[p + 1], a[p + 2]
    letter1 = first_letter & ((c1 - 65) < 26)
    letter2 = letter1 & ((c2 - 65) < 26)
    wide = letter2 | (letter1 & ((c0 >= 67) | ((c0 == 66) & (c1 >= 74))))
    q = p + first_letter + letter1 + letter2
    digits = np.zeros(len(p), np.uint8)
    run = np.ones(len(p), bool)
    for i in range(7):
        run &= (a[q + i] - 48) < 10
        digits += run
    # The largest row named by value, over the references of one to six digits: of those
    # without a zero in front, only the ones with the most digits can hold it; one with a zero
    # in front (A000001 is row 1, not a larger row than A99999) is valued as it is.
    short = (digits > 0) & (digits < 7)
    zero_led = short & (a[q] == 48)
    plain = short & ~zero_led
    most = int(digits[plain].max(initial=0))
    pick = zero_led | (plain & (digits == most))
    longest = 0
    if pick.any():
        top, count = q[pick], digits[pick]
        value = np.zeros(len(top), np.int64)
        for i in range(6):
            value = np.where(count > i, value * 10 + (a[top + i] - 48), value)
        longest = int(value.max())
    return [int(i) - 4 for i in np.sort(p[wide | (digits >= 7)])], longest


class SheetExtent:
    """The furthest cell references of a sheet, fed in chunks."""

    def __init__(self) -> None:
        self.last_col = 0
        self.last_row = 0
        self.furthest = ""
        self.any_row = 0
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        buf = self._carry + chunk
        # References wholly inside buf[:-_WINDOW] are looked at now; the rest with the next.
        limit = max(0, len(buf) - _WINDOW)
        found, last = _wide_or_long(buf)
        self.any_row = max(self.any_row, last)
        for at in found:
            if at >= limit:
                continue
            m = _REF.match(buf, at)
            if m is not None:
                self._note(m.group(1), m.group(2))
        self._carry = buf[limit:]

    def finish(self) -> None:
        tail = self._carry + b" " * 16
        for m in _REF.finditer(tail):
            self._note(m.group(1), m.group(2))
            self.any_row = max(self.any_row, int(m.group(2)))
        self._carry = b""

    def _note(self, letters: bytes, digits: bytes) -> None:
        col, row = column_number(letters), int(digits)
        if col * row > self.last_col * max(self.last_row, 1) or self.furthest == "":
            name = letters + digits if letters else b"row " + digits
            self.furthest = name.decode("ascii")
        self.last_col = max(self.last_col, col)
        self.last_row = max(self.last_row, row)

    @property
    def cells(self) -> int:
        """At most how many cells a reader's block holds: the last row any reference names by
        the furthest column, where columns up to BI count as BI (they are not parsed one by
        one)."""
        rows = max(self.last_row, self.any_row)
        return max(self.last_col, _SAFE_COLUMNS) * rows

    def check(self) -> None:
        """Raise SheetExtentError when the cells reach past Excel's grid or span more than
        MAX_CELLS cells."""
        if self.last_col > EXCEL_COLUMNS or self.last_row > EXCEL_ROWS:
            raise SheetExtentError(
                f"a cell at {self.furthest} lies outside Excel's grid, whose last cell is "
                f"XFD{EXCEL_ROWS}"
            )
        if self.cells > MAX_CELLS:
            raise SheetExtentError(
                f"its cells reach as far as {self.furthest}, a block of more than "
                f"{MAX_CELLS // 1_000_000} million cells; delete what lies beyond the data "
                "(Ctrl+End in Excel shows the last cell)"
            )


class SheetExtentError(ValueError):
    """A sheet whose cells reach too far to be read; the message says where."""
