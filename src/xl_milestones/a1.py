"""A1 references for every part of the package: column letters and cell ranges, one-based as
Excel numbers rows and columns (``A`` is column 1, ``B2:D7`` is columns 2 to 4, rows 2 to 7).

Pure and without dependencies: the file reader and writer, the live-Excel adapter (also in
xlwings Lite's Pyodide), the template builder and the reports all use these.
"""

from __future__ import annotations

import re

_LETTERS: dict[int, str] = {}
_NUMBERS: dict[str | bytes, int] = {}
# Mixed-case spellings are possible in a file; the caches stay bounded.
_CACHE_LIMIT = 50_000


def column_letter(column: int) -> str:
    """1 -> ``A``, 28 -> ``AB`` (cached: a rewritten sheet asks for every cell)."""
    got = _LETTERS.get(column)
    if got is None:
        n, got = column, ""
        while n > 0:
            n, rem = divmod(n - 1, 26)
            got = chr(65 + rem) + got
        if len(_LETTERS) < _CACHE_LIMIT:
            _LETTERS[column] = got
    return got


def column_number(letters: str | bytes) -> int:
    """``A`` -> 1, ``AB`` -> 28, in either case; text or the bytes of a sheet's XML."""
    got = _NUMBERS.get(letters)
    if got is None:
        text = letters.decode("ascii") if isinstance(letters, bytes) else letters
        got = 0
        for ch in text.upper():
            got = got * 26 + ord(ch) - 64
        if len(_NUMBERS) < _CACHE_LIMIT:
            _NUMBERS[letters] = got
    return got


_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``B2:D7`` -> (first column, first row, last column, last row); a single cell ``B2`` ->
    (2, 2, 2, 2); ``$`` signs allowed; None when ``ref`` is not a cell or a range."""
    m = _RANGE.match(ref.strip())
    if not m:
        return None
    c1, r1, c2, r2 = m.groups()
    if c2 is None:
        c2, r2 = c1, r1
    return column_number(c1), int(r1), column_number(c2), int(r2)


def format_range(c1: int, r1: int, c2: int, r2: int, *, absolute: bool = False) -> str:
    """(2, 2, 4, 7) -> ``B2:D7`` (``$B$2:$D$7`` when ``absolute``); one cell -> ``B2``."""
    d = "$" if absolute else ""
    first = f"{d}{column_letter(c1)}{d}{r1}"
    return first if (c1, r1) == (c2, r2) else f"{first}:{d}{column_letter(c2)}{d}{r2}"
