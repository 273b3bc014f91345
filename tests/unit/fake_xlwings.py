"""A fake of exactly the xlwings calls the Excel adapter, the macros and the UDFs make.

Each fake class has ``__slots__`` (setting an unknown attribute fails) and no fallback lookup
(reading one fails), and records every public attribute it is asked for in ``calls``, so a test
can check the code uses nothing else.

What ``range.value`` returns is modelled on xlwings' Windows engine (``xlwings/_xlwindows.py``):
it reads COM's ``Range.Value`` and passes each value through ``_clean_value_data_element``, so a
text cell comes back as its text, unchanged, whatever it looks like ("30", "2026-07-20"); an
empty cell as None; a number as float; a date as datetime; an error value as None, or as its
text ("#N/A") with ``err_to_str``. Excel parses text only when it is typed or assigned, not text
already stored: so the cells of a workbook file (``fake_from_file``) and of a test's sheet
(``FakeBook._add``) are held as they are, while text assigned through ``range.value`` is parsed
the way Excel parses a value set through COM (formulas, numbers, booleans, ISO dates), unless it
starts with an apostrophe (Excel's prefix character, which the adapter writes to keep text as
text), so the tests see what Excel would store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

Cell = tuple[int, int]


class Formula(str):
    """A cell that holds a formula (what Excel makes of text starting with = + - @)."""


class ExcelError(str):
    """A cell holding an Excel error value such as ``#N/A``."""


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def excel_parse(text: str) -> object:
    """What Excel stores when a text is assigned to a cell's Value through COM."""
    if text.startswith("'"):
        return text[1:]
    if _NUMBER.match(text):
        return float(text)
    if text[:1] in ("=", "+", "-", "@"):
        return Formula(text if text.startswith("=") else "=" + text)
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if _ISO_DATE.match(text):
        return datetime.fromisoformat(text)
    return text


def _stored(value: object) -> object:
    """What Excel stores for a value assigned through COM: text is parsed as if typed."""
    if isinstance(value, str) and not isinstance(value, Formula | ExcelError):
        return excel_parse(value) if value else None
    return _held(value)


def _held(value: object) -> object:
    """A value already in a cell, as COM gives it back: text stays text."""
    if value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # Excel has no date-only type
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # numbers come back from Excel as float
    return value


class Recorder:
    """Shared record of the calls made: (class name, attribute)."""

    def __init__(self) -> None:
        self.calls: set[tuple[str, str]] = set()


# What tests inspect; not xlwings API, so not recorded.
_HELPERS = frozenset(
    ("KIND", "calls", "writes", "reads", "cells_read", "alerts", "status_history", "formats")
)


class _Fake:
    __slots__ = ("_rec",)
    KIND = ""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name not in _HELPERS:
            object.__getattribute__(self, "_rec").calls.add((type(self).KIND, name))
        return object.__getattribute__(self, name)

    def _note(self, name: str) -> None:
        self._rec.calls.add((type(self).KIND, name))


class FakeEngine(_Fake):
    __slots__ = ("_name",)
    KIND = "Engine"

    def __init__(self, rec: Recorder, name: str) -> None:
        self._rec = rec
        self._name = name

    @property
    def name(self) -> str:
        return self._name


class FakeApp(_Fake):
    __slots__ = (
        "_calculation",
        "_engine",
        "_screen_updating",
        "_status_bar",
        "alerts",
        "status_history",
    )
    KIND = "App"

    def __init__(self, rec: Recorder) -> None:
        self._rec = rec
        self._engine = FakeEngine(rec, "excel")  # desktop Excel; the remote engine is real
        self._status_bar: str | bool = False
        self._screen_updating = True
        self._calculation = "automatic"
        self.alerts: list[dict[str, object]] = []
        self.status_history: list[str | bool] = []

    @property
    def engine(self) -> FakeEngine:
        return self._engine

    @property
    def status_bar(self) -> str | bool:
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self._status_bar = value
        self.status_history.append(value)

    @property
    def screen_updating(self) -> bool:
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self._screen_updating = value

    @property
    def calculation(self) -> str:
        return self._calculation

    @calculation.setter
    def calculation(self, value: str) -> None:
        assert value in ("manual", "automatic", "semiautomatic"), value
        self._calculation = value

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str:
        assert buttons in ("ok", "ok_cancel", "yes_no", "yes_no_cancel")
        assert mode in (None, "info", "critical")
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class FakeBook(_Fake):
    __slots__ = ("_active", "_fullname", "_sheets", "api", "app")
    KIND = "Book"

    def __init__(self, fullname: str = r"C:\books\milestones.xlsm") -> None:
        self._rec = Recorder()
        self._fullname = fullname
        self.app = FakeApp(self._rec)
        self._sheets = FakeSheets(self)
        self._active: FakeSheet | None = None
        self.api = object()  # only handed on to xlwings.import_udfs

    @property
    def calls(self) -> set[tuple[str, str]]:
        return self._rec.calls

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def name(self) -> str:
        return re.split(r"[\\/]", self._fullname)[-1]

    @property
    def sheets(self) -> FakeSheets:
        return self._sheets

    # --- test helpers (not xlwings API)

    def _add(self, name: str, rows: list[list[object]], top_left: Cell = (1, 1)) -> FakeSheet:
        sheet = self._sheets._create(name)
        sheet._fill(rows, top_left)
        return sheet

    def _sheet(self, name: str) -> FakeSheet:
        return self._sheets._by_name(name)


class FakeSheets(_Fake):
    __slots__ = ("_book", "_list")
    KIND = "Sheets"

    def __init__(self, book: FakeBook) -> None:
        self._rec = book._rec
        self._book = book
        self._list: list[FakeSheet] = []

    def __iter__(self) -> Iterator[FakeSheet]:
        self._note("__iter__")
        return iter(list(self._list))

    def __len__(self) -> int:
        self._note("__len__")
        return len(self._list)

    def __getitem__(self, key: int | str) -> FakeSheet:
        self._note("__getitem__")
        if isinstance(key, int):
            return self._list[key]
        return self._by_name(key)

    def add(
        self,
        name: str | None = None,
        before: FakeSheet | None = None,
        after: FakeSheet | None = None,
    ) -> FakeSheet:
        assert name is not None and before is None
        if name.lower() in (s._name.lower() for s in self._list):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        sheet = FakeSheet(self._book, name)
        index = self._list.index(after) + 1 if after is not None else 0
        self._list.insert(index, sheet)
        return sheet

    def _create(self, name: str) -> FakeSheet:
        sheet = FakeSheet(self._book, name)
        self._list.append(sheet)
        return sheet

    def _by_name(self, name: str) -> FakeSheet:
        for sheet in self._list:
            if sheet._name.lower() == name.lower():
                return sheet
        raise KeyError(name)


class FakeTable(_Fake):
    """An Excel table (ListObject): its range, header row included."""

    __slots__ = ("_area",)
    KIND = "Table"

    def __init__(self, area: FakeRange) -> None:
        self._rec = area._rec
        self._area = area

    @property
    def range(self) -> FakeRange:
        return self._area

    @property
    def name(self) -> str:
        return f"Table{self._area._r1}_{self._area._c1}"

    @property
    def show_headers(self) -> bool:
        return True

    @property
    def show_totals(self) -> bool:
        return False

    def resize(self, area: FakeRange) -> None:
        sheet = self._area._sheet
        corners = ((self._area._r1, self._area._c1), (self._area._r2, self._area._c2))
        sheet._tables[sheet._tables.index(corners)] = ((area._r1, area._c1), (area._r2, area._c2))
        self._area = area


class FakeTables(_Fake):
    __slots__ = ("_list",)
    KIND = "Tables"

    def __init__(self, sheet: FakeSheet) -> None:
        self._rec = sheet._rec
        self._list = [FakeTable(FakeRange(sheet, a, b)) for a, b in sheet._tables]

    def __iter__(self) -> Iterator[FakeTable]:
        self._note("__iter__")
        return iter(self._list)


class FakeSheet(_Fake):
    __slots__ = ("_book", "_cells", "_name", "_tables", "cells_read", "formats", "reads", "writes")
    KIND = "Sheet"

    def __init__(self, book: FakeBook, name: str) -> None:
        self._rec = book._rec
        self._book = book
        self._name = name
        self._cells: dict[Cell, object] = {}
        self._tables: list[tuple[Cell, Cell]] = []  # each Excel table's corners
        self.formats: dict[Cell, str] = {}  # number formats set
        self.writes: list[tuple[Cell, int, int]] = []  # (top-left, rows, columns) per assignment
        self.reads = 0  # value reads
        self.cells_read = 0  # the cells those reads covered (each a call's worth through COM)

    @property
    def name(self) -> str:
        return self._name

    @property
    def book(self) -> FakeBook:
        return self._book

    def range(self, cell1: Cell, cell2: Cell | None = None) -> FakeRange:
        assert isinstance(cell1, tuple), "the adapter addresses cells as (row, column)"
        return FakeRange(self, cell1, cell2 or cell1)

    @property
    def tables(self) -> FakeTables:
        return FakeTables(self)

    @property
    def used_range(self) -> FakeRange:
        if not self._cells:
            return FakeRange(self, (1, 1), (1, 1))
        rows = [r for r, _c in self._cells]
        cols = [c for _r, c in self._cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def activate(self) -> None:
        self._book._active = self

    # --- test helpers

    def _fill(self, rows: list[list[object]], top_left: Cell = (1, 1)) -> None:
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                self._put((top_left[0] + i, top_left[1] + j), _held(value))

    def _put(self, cell: Cell, value: object) -> None:
        if value is None:
            self._cells.pop(cell, None)
        else:
            self._cells[cell] = value

    def _get(self, row: int, col: int) -> object:
        return self._cells.get((row, col))

    def _grid(self) -> list[list[object]]:
        used = self.used_range
        return [
            [self._cells.get((r, c)) for c in range(used._c1, used._c2 + 1)]
            for r in range(used._r1, used._r2 + 1)
        ]


class FakeRange(_Fake):
    __slots__ = ("_c1", "_c2", "_options", "_r1", "_r2", "_sheet")
    KIND = "Range"

    def __init__(
        self, sheet: FakeSheet, first: Cell, last: Cell, options: dict[str, object] | None = None
    ) -> None:
        self._rec = sheet._rec
        self._sheet = sheet
        self._r1, self._c1 = first
        self._r2, self._c2 = last
        self._options = options or {}

    @property
    def sheet(self) -> FakeSheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._r1

    @property
    def column(self) -> int:
        return self._c1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self._sheet, (self._r2, self._c2), (self._r2, self._c2))

    def options(self, convert: Any = None, **options: object) -> FakeRange:
        assert convert is None and set(options) <= {"ndim", "err_to_str"}
        return FakeRange(self._sheet, (self._r1, self._c1), (self._r2, self._c2), options)

    @property
    def value(self) -> object:
        as_text = bool(self._options.get("err_to_str"))
        self._sheet.reads += 1
        self._sheet.cells_read += (self._r2 - self._r1 + 1) * (self._c2 - self._c1 + 1)
        grid = [
            [_read(self._sheet._get(r, c), as_text) for c in range(self._c1, self._c2 + 1)]
            for r in range(self._r1, self._r2 + 1)
        ]
        if self._options.get("ndim") == 2:
            return grid
        if self._options.get("ndim") == 1:  # one row or column as a flat list, a cell too
            assert len(grid) == 1 or all(len(row) == 1 for row in grid), "ndim=1: 1-D only"
            return [value for row in grid for value in row]
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if all(len(row) == 1 for row in grid):
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data: object) -> None:
        grid = data if isinstance(data, list) else [[data]]
        assert all(isinstance(row, list) for row in grid), "write 2-D lists only"
        width = len(grid[0]) if grid else 0
        assert all(len(row) == width for row in grid), "all rows must have the same length"
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                self._sheet._put((self._r1 + i, self._c1 + j), _stored(value))
        self._sheet.writes.append(((self._r1, self._c1), len(grid), width))

    @property
    def number_format(self) -> str:
        return self._sheet.formats.get((self._r1, self._c1), "General")

    @number_format.setter
    def number_format(self, code: str) -> None:
        for r in range(self._r1, self._r2 + 1):
            for c in range(self._c1, self._c2 + 1):
                self._sheet.formats[(r, c)] = code

    def clear_contents(self) -> None:
        for r in range(self._r1, self._r2 + 1):
            for c in range(self._c1, self._c2 + 1):
                self._sheet._put((r, c), None)


def _read(value: object, as_text: bool) -> object:
    if isinstance(value, ExcelError):
        return str(value) if as_text else None
    return value


def fake_from_file(path: str, fullname: str | None = None) -> FakeBook:
    """A fake open workbook holding the cell values of a workbook file (sheet order kept): text
    as text, an error value as an ``ExcelError``, a formula as its cached value."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, data_only=True)
    book = FakeBook(fullname or str(path))
    for ws in workbook.worksheets:
        rows = [
            [ExcelError(c.value) if c.data_type == "e" else c.value for c in row]
            for row in ws.iter_rows(min_row=1, min_col=1)
        ]
        sheet = book._add(ws.title, rows)
        for table in ws.tables.values():
            c1, r1, c2, r2 = openpyxl.utils.cell.range_boundaries(table.ref)
            sheet._tables.append(((r1, c1), (r2, c2)))
    return book
