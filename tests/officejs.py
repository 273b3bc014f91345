"""What the Office.js client of xlwings Lite does around a script, for tests of the Lite path.

``book_payload`` builds the book data the client sends to Python from a real workbook file: each
sheet's values from A1 to its last used cell ("" for an empty cell, dates as ISO strings, numbers
as JSON numbers, an error value as its text such as "#N/A"), its tables and the book's name, as
the JSON that ``xw.Book(json=...)`` takes. What is modelled comes from xlwings' published
Office.js client, ``xlwingsjs/src/xlwings.ts`` (``runPython``; the Lite client is not published,
and its book data goes to the same remote engine): it loads ``range.values`` of A1 to the used
range's last cell and sends them as they are, except numbers in Date/Time formats, which become
ISO strings. ``Range.values`` gives an error cell as its text (Microsoft's Office.js
reference, e.g. ``Excel.Div0ErrorCellValue.basicValue``: "the value that would be returned by
Range.values", ``"#DIV/0!"``), and xlwings' remote engine turns that text back into ``None``, or
keeps it with ``err_to_str`` (``xlwings/pro/_xlremote.py``, ``_clean_value_data_element``).
calamine gives an error cell as "", so the error values are read from the sheet XML.
``apply_actions`` applies the actions the real xlwings remote engine returns (``book.json()``)
to that grid, as Excel would store them, so a second script sees what the first one wrote.
Nothing here stands in for xlwings: the tests run xlwings' own remote engine on the payload.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import xlwings as xw
from openpyxl.utils.cell import coordinate_to_tuple
from python_calamine import CalamineWorkbook

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
_HYPERLINK = re.compile(r'^=HYPERLINK\("(?:[^"]|"")*","((?:[^"]|"")*)"\)$')

Payload = dict[str, Any]


def book_payload(path: str | Path, name: str | None = None) -> Payload:
    """The book data the Office.js client sends for the workbook file at ``path``."""
    path = Path(path)
    calamine = CalamineWorkbook.from_path(str(path))
    tables = _tables(path)
    errors = _error_values(path)
    sheets = []
    for sheet_name in calamine.sheet_names:
        rows = calamine.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        grid = [[_client_value(v) for v in row] for row in rows]
        values = _trim(_with_errors(grid, errors.get(sheet_name, {})))
        sheets.append(
            {
                "name": sheet_name,
                "values": values,
                "pictures": [],
                "tables": tables.get(sheet_name, []),
            }
        )
    payload = {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": name or path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }
    return json.loads(json.dumps(payload))  # exactly what survives the trip as JSON


def payload_size(payload: Payload) -> int:
    """Bytes of the request (or of a response's actions) as the client sends it."""
    return len(json.dumps(payload, separators=(",", ":")).encode())


def apply_actions(payload: Payload, actions: list[dict[str, Any]]) -> list[list[Any]]:
    """Apply the remote engine's actions to ``payload`` in place, as Excel stores them; returns
    the arguments of the alerts shown. An action this helper does not know fails the test."""
    alerts: list[list[Any]] = []
    for action in actions:
        func = action["func"]
        if func == "alert":
            alerts.append(action["args"])
            continue
        if func == "addSheet":
            index, name = action["args"]
            empty = {"name": name, "values": [[""]], "pictures": [], "tables": []}
            payload["sheets"].insert(index, empty)
            continue
        sheet = payload["sheets"][action["sheet_position"]]
        if func == "setNumberFormat":  # how values show, not what the client sends back
            continue
        if func == "activateSheet":
            payload["book"]["active_sheet_index"] = action["sheet_position"]
            continue
        if func == "resizeTable":  # the table's new range, as the client would list it next
            index, ref = action["args"]
            sheet["tables"][index].update(_table_addresses(ref.replace("$", ""), 0))
            continue
        top, left = action["start_row"], action["start_column"]
        if func == "setValues":
            block = [[_stored(v) for v in row] for row in action["values"]]
        elif func == "rangeClearContents":
            block = [[""] * action["column_count"] for _ in range(action["row_count"])]
        else:
            raise AssertionError(f"the Lite path sent an action the test does not know: {func}")
        grid = sheet["values"]
        width = max(left + len(block[0]) if block else 0, max(map(len, grid), default=0))
        while len(grid) < top + len(block):
            grid.append([""] * width)
        for row in grid:
            row.extend([""] * (width - len(row)))
        for i, row in enumerate(block):
            grid[top + i][left : left + len(row)] = row
        sheet["values"] = _trim(grid)
    return alerts


def sheet_values(payload: Payload, name: str) -> list[list[Any]]:
    (sheet,) = (s for s in payload["sheets"] if s["name"] == name)
    return list(sheet["values"])


def _client_value(value: object) -> object:
    """A cell value as the client sends it: "" for empty, dates as ISO strings, JSON numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, time):  # a serial under 1 in a time format: day 0 is 1899-12-30
        return datetime.combine(date(1899, 12, 30), value).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stored(value: object) -> object:
    """What Excel keeps for a value the engine writes, as the client then sends it back."""
    if not isinstance(value, str) or value == "":
        return _client_value(value) if not isinstance(value, str) else value
    if value.startswith("'"):  # Excel's prefix character: the rest is text, as typed
        return value[1:]
    if value.startswith("="):
        match = _HYPERLINK.match(value)
        assert match, f"a formula the test cannot evaluate: {value}"
        return match.group(1).replace('""', '"')
    if _NUMBER.match(value):
        return _client_value(float(value))
    if _ISO_DATE.match(value):
        return _client_value(datetime.fromisoformat(value))
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    return value


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    """From A1 to the last used cell (an empty sheet is A1 alone)."""
    rows = [i for i, row in enumerate(grid) if any(v != "" for v in row)]
    cols = [j for row in grid for j, v in enumerate(row) if v != ""]
    if not rows:
        return [[""]]
    width = max(cols) + 1
    return [(row + [""] * width)[:width] for row in grid[: rows[-1] + 1]]


def _with_errors(grid: list[list[Any]], errors: dict[tuple[int, int], str]) -> list[list[Any]]:
    """``grid`` with each error cell (zero-based row, column) holding its error text."""
    for (row, col), text in errors.items():
        while len(grid) <= row:
            grid.append([])
        grid[row].extend([""] * (col + 1 - len(grid[row])))
        grid[row][col] = text
    width = max(map(len, grid), default=0)
    return [row + [""] * (width - len(row)) for row in grid]


def _error_values(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """The error value cells (``t="e"``) of each sheet: (zero-based row, column) -> "#N/A"."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = _rels(z, "xl/workbook.xml")
        for sheet in book.iter(f"{_MAIN}sheet"):
            part = ElementTree.fromstring(z.read(rels[sheet.attrib[f"{_REL}id"]]))
            for cell in part.iter(f"{_MAIN}c"):
                value = cell.find(f"{_MAIN}v")
                if cell.get("t") != "e" or value is None or not value.text:
                    continue
                row, col = coordinate_to_tuple(cell.attrib["r"])
                found.setdefault(sheet.attrib["name"], {})[(row - 1, col - 1)] = value.text
    return found


def _tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The Excel tables of each sheet, as the client lists them."""
    found: dict[str, list[dict[str, Any]]] = {}
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = _rels(z, "xl/workbook.xml")
        for sheet in book.iter(f"{_MAIN}sheet"):
            part = rels[sheet.attrib[f"{_REL}id"]]
            for target in _rels(z, part).values():
                if "/tables/" not in target:
                    continue
                table = ElementTree.fromstring(z.read(target))
                totals = int(table.attrib.get("totalsRowCount", "0"))
                found.setdefault(sheet.attrib["name"], []).append(
                    {
                        "name": table.attrib["name"],
                        **_table_addresses(table.attrib["ref"], totals),
                        "table_style": "TableStyleMedium2",
                        "show_autofilter": True,
                    }
                )
    return found


def _table_addresses(ref: str, totals: int) -> dict[str, Any]:
    """The addresses of a table over ``ref`` (header row on top, ``totals`` rows at the foot)
    as the client lists them."""
    first, last = ref.split(":")
    header, bottom = int(re.sub(r"\D", "", first)), int(re.sub(r"\D", "", last))
    start, end = re.sub(r"\d", "", first), re.sub(r"\d", "", last)
    body_end = bottom - totals
    return {
        "range_address": ref,
        "header_row_range_address": f"{start}{header}:{end}{header}",
        "data_body_range_address": f"{start}{header + 1}:{end}{body_end}",
        "total_row_range_address": f"{start}{bottom}:{end}{bottom}" if totals else None,
        "show_headers": True,
        "show_totals": bool(totals),
    }


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in z.namelist():
        return {}
    root = ElementTree.fromstring(z.read(rels))
    return {
        rel.attrib["Id"]: _part(folder, rel.attrib["Target"])
        for rel in root.iter(f"{_PKG}Relationship")
        if rel.attrib.get("TargetMode") != "External"
    }


def _part(folder: str, target: str) -> str:
    """The zip name of a relationship's target: relative to ``folder``, or to the package root
    when it starts with "/" (openpyxl writes those)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))
