"""The parts of an .xlsx/.xlsm package the fast reader does not expose.

python-calamine gives cell values; this module reads what it leaves out, straight from the zip:
the 1904 date-system flag, where each sheet's XML and Excel tables are, hidden rows and the error
values (#REF!, #N/A...) of cells, which calamine returns as blanks.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Final
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from xl_milestones.a1 import column_number, parse_range
from xl_milestones.io.tablepart import TablePart
from xl_milestones.io.xmlbytes import as_utf8, xml_unescape
from xl_milestones.tables import SheetScan

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_STRICT_MAIN = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_STRICT_REL_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

# Sheet XML can be hundreds of megabytes for 100,000 rows; it is scanned in chunks with byte
# patterns that match only the rare tags wanted (hidden rows, error cells), which the regex engine
# skips past far faster than an XML parser can walk every cell. These patterns read tag
# attributes only; no entity or DTD is ever expanded.
_HIDDEN_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*?)\bhidden=\"(?:1|true)\"([^>]*)>")
_ERROR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)\bt=\"e\"([^>]*)>")
_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")
_CELL_REF = re.compile(rb"\br=\"([A-Z]{1,3})(\d+)\"")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)</")
# A cell with content (not self-closing), and a formula element inside one.
_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(?<!/)>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>", re.S
)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?(?:/>|>([^<]*)</)", re.S)
_STRING_TYPE = re.compile(rb"\bt=\"(?:str|inlineStr)\"")
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_CHUNK = 8 * 1024 * 1024


@dataclass(slots=True)
class SheetPart:
    """One worksheet of the package: its name, XML part and tables."""

    name: str
    path: str
    tables: list[TablePart] = field(default_factory=list)


@dataclass(slots=True)
class PackageInfo:
    """What the reader needs from the package structure."""

    date1904: bool
    sheets: list[SheetPart]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(zf: zipfile.ZipFile, name: str) -> Element | None:
    try:
        data = zf.read(name)
    except KeyError:
        return None
    root: Element = SafeET.fromstring(data)
    return root


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of ``part``: id -> (type, absolute target path inside the zip)."""
    folder, base = posixpath.split(part)
    root = _parse(zf, posixpath.join(folder, "_rels", base + ".rels"))
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for rel in root.iter(_PKG_REL):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return out


def parse_ref(ref: str) -> tuple[int, int, int, int] | None:
    """``A1:D7`` -> (first_row, first_col, last_row, last_col), zero-based, or None."""
    where = parse_range(ref)
    if where is None:
        return None
    c1, r1, c2, r2 = where
    return r1 - 1, c1 - 1, r2 - 1, c2 - 1


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for _id, (rtype, target) in _rels(zf, "").items():
        if rtype.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


# The extension Excel requires for each kind of package, by its workbook part's content type.
PACKAGE_EXTENSIONS: Final = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm",
}


def package_extension(zf: zipfile.ZipFile) -> str | None:
    """The file extension the package's content calls for (``.xlsm`` for a macro-enabled
    workbook...), from the content type of its workbook part; None when it is not known."""
    part = "/" + _workbook_part(zf).lstrip("/")
    root = _parse(zf, "[Content_Types].xml")
    if root is None:
        return None
    for el in root:
        if _local(el.tag) == "Override" and el.get("PartName", "").lower() == part.lower():
            return PACKAGE_EXTENSIONS.get(el.get("ContentType", ""))
    return None


def read_package(zf: zipfile.ZipFile) -> PackageInfo:
    """The 1904 flag, and each worksheet's XML part and tables, in workbook order."""
    wb_part = _workbook_part(zf)
    root = _parse(zf, wb_part)
    if root is None:
        raise KeyError(wb_part)
    date1904 = False
    sheets: list[SheetPart] = []
    rels = _rels(zf, wb_part)
    # Part names are case-insensitive in a package (OPC): each sheet is named as the zip has it.
    real = {n.lower(): n for n in zf.namelist()}
    for el in root.iter():
        name = _local(el.tag)
        if name == "workbookPr":
            date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif name == "sheet":
            rid = el.get(_REL_ID) or el.get(_STRICT_REL_ID) or ""
            rtype, target = rels.get(rid, ("", ""))
            if rtype.endswith("/worksheet"):
                sheets.append(SheetPart(el.get("name", ""), real.get(target.lower(), target)))
    for sheet in sheets:
        for rtype, target in _rels(zf, sheet.path).values():
            if not rtype.endswith("/table"):
                continue
            table = _parse(zf, target)
            if table is None or parse_ref(table.get("ref", "")) is None:
                continue
            sheet.tables.append(TablePart(target, as_utf8(zf.read(target), target)))
    return PackageInfo(date1904=date1904, sheets=sheets)


def scan_sheet(
    zf: zipfile.ZipFile, part: str, also: Callable[[bytes], None] | None = None
) -> SheetScan:
    """Hidden rows and error-valued cells of a worksheet part, read in chunks. ``also`` is
    handed every chunk of the part in the first pass (the reader checks how far the sheet's
    cells reach in the same pass, so that the part is inflated once)."""
    scan = SheetScan()
    try:
        stream = zf.open(part)
    except KeyError:
        return scan
    with stream:
        if not _has_marks(stream, also):
            return scan
    with zf.open(part) as stream:
        carry = b""
        while chunk := stream.read(_CHUNK):
            buf = carry + chunk
            # Cut at the start of the last row so that no tag or cell straddles two chunks.
            cut = _last_row_start(buf)
            if cut <= 0:
                carry = buf
                continue
            _scan_bytes(buf[:cut], scan)
            carry = buf[cut:]
        _scan_bytes(carry, scan)
    return scan


# A formula element, with or without a namespace prefix (not <formula1> of data validation).
_FORMULA_MARKS = (b"<f>", b"<f ", b":f>", b":f ")
_MARKS = (b"hidden=", b't="e"', *_FORMULA_MARKS)
_OVERLAP = max(len(m) for m in _MARKS) - 1


def _has_marks(stream: IO[bytes], also: Callable[[bytes], None] | None) -> bool:
    """Whether the part holds any byte pattern the scan looks for; every chunk read goes to
    ``also`` too, to the end of the part.

    Most sheets have neither hidden rows nor error cells: a plain substring search of each
    chunk (and of the few bytes across each chunk boundary) settles that at memory speed, and
    only a sheet with a match is scanned again with the patterns.
    """
    tail = b""
    found = False
    while chunk := stream.read(_CHUNK):
        if also is not None:
            also(chunk)
        elif found:
            break
        if not found:
            joint = tail + chunk[:_OVERLAP]
            found = _marked(chunk) or _marked(joint)
            tail = (tail + chunk)[-_OVERLAP:] if len(chunk) < _OVERLAP else chunk[-_OVERLAP:]
    return found


def _marked(data: bytes) -> bool:
    return b"hidden=" in data or b't="e"' in data or _has_formula(data)


# Up to this many "f" bytes are looked at one by one; more, and each "<f" and ":f" is.
_FEW_F = 256


def _has_formula(data: bytes) -> bool:
    """Whether ``data`` holds a formula element's tag (``<f>``, ``<f ...``, or with a
    namespace prefix). A sheet of values holds few "f" bytes (its strings are in the shared
    strings part): counting them runs at memory speed, and each is looked at. A sheet whose
    text holds many (a refreshed Milestones sheet) is searched for "<f" and ":f", two passes
    where the four tags took four."""
    if data.count(b"f") <= _FEW_F:
        at = data.find(b"f", 1)
        while at > 0:
            if data[at - 1] in b"<:" and data[at + 1 : at + 2] in _TAG_ENDS:
                return True
            at = data.find(b"f", at + 1)
        return False
    for start in (b"<f", b":f"):
        at = data.find(start)
        while at >= 0:
            if data[at + 2 : at + 3] in _TAG_ENDS:
                return True
            at = data.find(start, at + 2)
    return False


_TAG_ENDS: Final = (b">", b" ")


def _last_row_start(buf: bytes) -> int:
    tail = max(0, len(buf) - 1_000_000)
    last = -1
    for m in _ROW_START.finditer(buf, tail):
        last = m.start()
    if last < 0 and tail > 0:
        for m in _ROW_START.finditer(buf):
            last = m.start()
    return last


def _scan_bytes(data: bytes, scan: SheetScan) -> None:
    if b"hidden=" in data:
        for m in _HIDDEN_ROW.finditer(data):
            num = _ROW_NUMBER.search(m.group(1) + b" " + m.group(2))
            if num:
                scan.hidden_rows.add(int(num.group(1)))
    if b't="e"' in data:
        for m in _ERROR_CELL.finditer(data):
            ref = _CELL_REF.search(m.group(1) + b" " + m.group(2))
            if not ref:
                continue
            code = "#VALUE!"
            if not m.group(2).endswith(b"/"):
                close = _CELL_END.search(data, m.end())
                end = close.start() if close else len(data)
                value = _VALUE.search(data, m.end(), end)
                if value and value.group(1):
                    code = value.group(1).decode("utf-8", "replace")
            row, col = int(ref.group(2)), column_number(ref.group(1)) - 1
            scan.errors[(row, col)] = code
    if _has_formula(data):
        _scan_formulas(data, scan)


def _scan_formulas(data: bytes, scan: SheetScan) -> None:
    """Formula cells without a saved value: no ``<v>``, or an empty one on a cell that is not
    of a string type (Excel saves a formula that returns "" as ``t="str"`` with ``<v></v>``)."""
    for m in _CELL.finditer(data):
        attrs, body = m.group(1), m.group(2)
        formula = _FORMULA.search(body)
        if formula is None:
            continue
        value = _VALUE.search(body)
        if value is not None and (value.group(1) or _STRING_TYPE.search(attrs)):
            continue
        if b"<is>" in body or b":is>" in body:
            continue
        ref = _CELL_REF.search(attrs)
        if not ref:
            continue
        text = (formula.group(1) or b"").decode("utf-8", "replace")
        try:
            text = xml_unescape(text).strip()
        except (KeyError, ValueError, OverflowError):  # an entity no XML parser would accept
            text = text.strip()
        row, col = int(ref.group(2)), column_number(ref.group(1)) - 1
        scan.errors.setdefault((row, col), "=" + text)
