"""Editing the small XML parts of an .xlsx/.xlsm package in place, byte for byte.

Relationships, content types, the workbook part, styles, Excel tables and charts are changed by
splicing their raw bytes (so every namespace prefix, ``mc:Ignorable`` list and extension Excel
wrote survives); they are parsed only to read them, with defusedxml, never re-serialised.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from xl_milestones.a1 import format_range, parse_range
from xl_milestones.errors import WorkbookError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TYPE = REL_NS + "/"
WORKSHEET_TYPE = REL_TYPE + "worksheet"
TABLE_TYPE = REL_TYPE + "table"
CALC_CHAIN_TYPE = REL_TYPE + "calcChain"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

_NAME = rb"[A-Za-z_][\w.-]*"
_ROOT_TAG = re.compile(rb"<(?:(" + _NAME + rb"):)?(" + _NAME + rb")[\s/>]")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Characters XML 1.0 forbids; text from users may carry them (pasted control characters).
ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Excel reads _xHHHH_ in cell text as an escaped character; a literal one is escaped in turn.
_X_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


# ------------------------------------------------------------------------------- XML primitives


def xml_text(text: str) -> str:
    """``text`` made safe for XML character data or a double-quoted attribute."""
    text = ILLEGAL_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def cell_text(text: str) -> str:
    """Cell text as Excel stores it: illegal characters dropped, literal ``_xHHHH_`` escaped."""
    return xml_text(_X_ESCAPE.sub(r"_x005F_\1", text))


def xml_unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _ENTITY.sub(one, text)


def check_xml_head(data: bytes, part: str) -> None:
    """Refuse a part with a DTD: Office never writes one, and entities are an attack vector."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise WorkbookError(
            f"part {part} of the workbook declares a DTD, which Excel never writes: "
            "open the workbook in Excel and save it again"
        )


def as_utf8(data: bytes, part: str) -> bytes:
    """The part as UTF-8 bytes (Excel writes UTF-8; a UTF-16 part is transcoded)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-8"', text, count=1)
        data = text.encode("utf-8")
    check_xml_head(data, part)
    return data


def parse(data: bytes, part: str) -> Element:
    """A read-only tree of a small part, parsed with DTDs and entities refused."""
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several unrelated types for bad input
        raise WorkbookError(
            f"part {part} of the workbook is not well-formed XML ({exc}): "
            "open the workbook in Excel and save it again"
        ) from None
    return root


def root_prefix(data: bytes) -> bytes:
    """The namespace prefix of the root element, with its colon (``b"x:"``), or ``b""``."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0:
            return b""
        nxt = data[pos + 1 : pos + 2]
        if nxt not in (b"?", b"!"):
            break
        pos += 1
    m = _ROOT_TAG.match(data, pos)
    return m.group(1) + b":" if m and m.group(1) else b""


def ns_prefix(data: bytes, uri: str) -> bytes | None:
    """The prefix the root element binds to ``uri`` (with its colon), ``b""`` when default."""
    m = re.search(rb"xmlns(?::(" + _NAME + rb'))?="' + re.escape(uri.encode()) + rb'"', data)
    if not m:
        return None
    return m.group(1) + b":" if m.group(1) else b""


_ATTR_CACHE: dict[bytes, re.Pattern[bytes]] = {}


def _attr_re(name: bytes) -> re.Pattern[bytes]:
    pat = _ATTR_CACHE.get(name)
    if pat is None:
        pat = re.compile(rb"\s" + re.escape(name) + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
        _ATTR_CACHE[name] = pat
    return pat


def get_attr(tag: bytes, name: bytes) -> str | None:
    """An attribute of a start tag, unescaped, or None."""
    m = _attr_re(name).search(tag)
    if not m:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel writes UTF-8; other bytes here mean the part was damaged (found by fuzzing).
        raise WorkbookError(
            f"the workbook is damaged (the {name.decode()} attribute of a <{_tag_name(tag)}> "
            "element is not UTF-8 text): open it in Excel and save it again"
        ) from None
    return xml_unescape(text)


def _tag_name(tag: bytes) -> str:
    m = re.match(rb"<([\w:.-]+)", tag)
    return m.group(1).decode("ascii") if m else "?"


def set_attr(tag: bytes, name: bytes, value: str) -> bytes:
    """The start tag with ``name="value"``, replacing the attribute or adding it at the end."""
    quoted = b'="' + xml_text(value).encode("utf-8") + b'"'
    m = _attr_re(name).search(tag)
    if m:
        return tag[: m.start()] + b" " + name + quoted + tag[m.end() :]
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip() + b" " + name + quoted + tag[end:]


def del_attr(tag: bytes, name: bytes) -> bytes:
    m = _attr_re(name).search(tag)
    return tag[: m.start()] + tag[m.end() :] if m else tag


def find_element(data: bytes, prefix: bytes, local: bytes, start: int = 0) -> tuple[int, int]:
    """Start and end offsets of the first ``<prefix:local ...>...</prefix:local>`` (or ``/>``).

    (-1, -1) when absent. Not for elements that nest within themselves.
    """
    pat = re.compile(b"<" + re.escape(prefix + local) + rb"(?=[\s/>])")
    m = pat.search(data, start)
    if not m:
        return -1, -1
    gt = data.find(b">", m.end())
    if data[gt - 1 : gt] == b"/":
        return m.start(), gt + 1
    close = b"</" + prefix + local + b">"
    end = data.find(close, gt)
    if end < 0:
        raise WorkbookError(f"unterminated <{local.decode()}> element")
    return m.start(), end + len(close)


def insert_before_first(
    data: bytes, prefix: bytes, followers: tuple[bytes, ...], root_local: bytes, new: bytes
) -> bytes:
    """Insert ``new`` before the first top-level element named in ``followers``, else at the end.

    The schema fixes the order of a part's children; ``followers`` are the ones that must come
    after the inserted element.
    """
    best = -1
    for local in followers:
        at = re.search(b"<" + re.escape(prefix + local) + rb"(?=[\s/>])", data)
        if at and (best < 0 or at.start() < best):
            best = at.start()
    if best < 0:
        best = data.rfind(b"</" + prefix + root_local + b">")
        if best < 0:
            raise WorkbookError(f"no </{root_local.decode()}> end tag")
    return data[:best] + new + data[best:]


# ------------------------------------------------------------------------- package structure


def rels_path(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


@dataclass(slots=True)
class Rel:
    rid: str
    type: str
    target: str  # absolute part name inside the zip, or the raw target when external
    external: bool


def read_rels(data: bytes | None, source: str) -> list[Rel]:
    """Relationships of the part ``source`` (the zip name of its .rels is ``rels_path``)."""
    if data is None:
        return []
    root = parse(data, rels_path(source))
    folder = posixpath.dirname(source)
    out = []
    for el in root.iter("{" + PKG_REL_NS + "}Relationship"):
        target = el.get("Target", "")
        external = el.get("TargetMode") == "External"
        if not external:
            target = (
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            target = posixpath.normpath(target)
        out.append(Rel(el.get("Id", ""), el.get("Type", ""), target, external))
    return out


def add_rel(data: bytes, rid: str, rtype: str, target: str) -> bytes:
    new = f'<Relationship Id="{xml_text(rid)}" Type="{rtype}" Target="{xml_text(target)}"/>'
    prefix = root_prefix(data)
    return insert_before_first(data, prefix, (), b"Relationships", new.encode())


def remove_rel(data: bytes, rid: str) -> bytes:
    pat = re.compile(
        rb"<(?:"
        + _NAME
        + rb":)?Relationship\b[^>]*?\sId=\""
        + re.escape(rid.encode())
        + rb"\"[^>]*>"
        rb"(?:\s*</(?:" + _NAME + rb":)?Relationship>)?"
    )
    return pat.sub(b"", data, count=1)


def free_rid(rels: list[Rel]) -> str:
    used = {r.rid for r in rels}
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def add_override(data: bytes, part: str, content_type: str) -> bytes:
    new = f'<Override PartName="/{xml_text(part)}" ContentType="{content_type}"/>'
    return insert_before_first(data, root_prefix(data), (), b"Types", new.encode())


def remove_override(data: bytes, part: str) -> bytes:
    pat = re.compile(
        rb"<(?:"
        + _NAME
        + rb":)?Override\b[^>]*?PartName=\"/?"
        + re.escape(part.encode())
        + rb"\"[^>]*>(?:\s*</(?:"
        + _NAME
        + rb":)?Override>)?",
        re.IGNORECASE,
    )
    return pat.sub(b"", data, count=1)


def content_types(data: bytes) -> dict[str, str]:
    """Part name (no leading slash, lower case) -> content type, overrides only."""
    root = parse(data, "[Content_Types].xml")
    return {
        el.get("PartName", "").lstrip("/").lower(): el.get("ContentType", "")
        for el in root.iter("{" + CT_NS + "}Override")
    }


@dataclass(slots=True)
class WorkbookSheet:
    name: str
    sheet_id: int
    rid: str
    part: str | None  # None when the relationship is missing or not a worksheet
    kind: str  # the relationship type's last word: worksheet, chartsheet, dialogsheet...


@dataclass(slots=True)
class WorkbookInfo:
    part: str
    date1904: bool
    sheets: list[WorkbookSheet] = field(default_factory=list)


def read_workbook_part(data: bytes, part: str, rels: list[Rel]) -> WorkbookInfo:
    root = parse(data, part)
    by_id = {r.rid: r for r in rels}
    info = WorkbookInfo(part, False)
    for el in root.iter():
        local = el.tag.rsplit("}", 1)[-1]
        if local == "workbookPr":
            info.date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            rel = by_id.get(rid)
            kind = rel.type.rsplit("/", 1)[-1] if rel else ""
            try:
                sheet_id = int(el.get("sheetId", "0"))
            except ValueError:
                sheet_id = 0
            info.sheets.append(
                WorkbookSheet(
                    el.get("name", ""),
                    sheet_id,
                    rid,
                    rel.target if rel and not rel.external else None,
                    kind,
                )
            )
    return info


def add_sheet_entry(data: bytes, name: str, sheet_id: int, rid: str) -> bytes:
    """``<sheet>`` appended to ``<sheets>``: last, so no defined name's sheet index moves."""
    prefix = root_prefix(data)
    rel_prefix = ns_prefix(data, REL_NS)
    if rel_prefix:
        rid_attr = rel_prefix + b'id="' + rid.encode() + b'"'
    else:
        rid_attr = b'xmlns:r="' + REL_NS.encode() + b'" r:id="' + rid.encode() + b'"'
    new = (
        b"<"
        + prefix
        + b'sheet name="'
        + xml_text(name).encode()
        + b'" sheetId="'
        + str(sheet_id).encode()
        + b'" '
        + rid_attr
        + b"/>"
    )
    close = b"</" + prefix + b"sheets>"
    at = data.find(close)
    if at < 0:
        raise WorkbookError("the workbook part has no <sheets> element")
    return data[:at] + new + data[at:]


_WORKBOOK_AFTER_CALCPR = (
    b"oleSize",
    b"customWorkbookViews",
    b"pivotCaches",
    b"smartTagPr",
    b"smartTagTypes",
    b"webPublishing",
    b"fileRecoveryPr",
    b"webPublishObjects",
    b"extLst",
)


def full_calc_on_load(data: bytes) -> bytes:
    """The workbook part with ``fullCalcOnLoad="1"``: Excel recomputes formulas on opening.

    Without it, a formula of the user's that reads a result cell would keep showing the value
    it had before the refresh until the next manual recalculation.
    """
    prefix = root_prefix(data)
    start, _end = find_element(data, prefix, b"calcPr")
    if start < 0:
        return insert_before_first(
            data,
            prefix,
            _WORKBOOK_AFTER_CALCPR,
            b"workbook",
            b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>',
        )
    gt = data.find(b">", start) + 1
    tag = data[start:gt]
    if get_attr(tag, b"fullCalcOnLoad") in ("1", "true"):
        return data
    return data[:start] + set_attr(tag, b"fullCalcOnLoad", "1") + data[gt:]


# ------------------------------------------------------------------------------- Excel tables


class TablePart:
    """An Excel table part (``xl/tables/tableN.xml``): where it sits, and edits to its range."""

    def __init__(self, part: str, data: bytes) -> None:
        self.part = part
        self.data = data
        self.changed = False
        root = parse(data, part)
        self.name = root.get("displayName") or root.get("name") or part
        where = parse_range(root.get("ref", ""))
        if where is None:
            raise WorkbookError(f"Excel table {self.name} has no valid range ({part})")
        self.c1, self.r1, self.c2, self.r2 = where
        self.header_rows = int(root.get("headerRowCount", "1") or 1)
        self.totals_rows = int(root.get("totalsRowCount", "0") or 0)
        self.names: list[str] = []
        self.max_id = 0
        for el in root.iter("{" + MAIN_NS + "}tableColumn"):
            self.names.append(el.get("name", ""))
            with contextlib.suppress(ValueError):
                self.max_id = max(self.max_id, int(el.get("id", "0")))
        self._prefix = root_prefix(data)

    @property
    def data_last_row(self) -> int:
        return self.r2 - self.totals_rows

    def covers(self, col: int, row: int) -> bool:
        return self.c1 <= col <= self.c2 and self.r1 <= row <= self.r2

    def overlaps(self, c1: int, r1: int, c2: int, r2: int) -> bool:
        return not (c2 < self.c1 or c1 > self.c2 or r2 < self.r1 or r1 > self.r2)

    def set_range(self, c2: int, r2: int) -> None:
        """Move the table's last column and last row (its top-left corner stays)."""
        if (c2, r2) == (self.c2, self.r2):
            return
        p = self._prefix
        data = self.data
        rows_changed = r2 != self.r2
        self.c2, self.r2 = c2, r2
        ref = format_range(self.c1, self.r1, self.c2, self.r2)
        m = re.search(b"<" + re.escape(p) + rb"table\b[^>]*>", data)
        if m is None:
            raise WorkbookError(f"Excel table part {self.part} has no <table> element")
        data = data[: m.start()] + set_attr(m.group(0), b"ref", ref) + data[m.end() :]
        start, end = find_element(data, p, b"autoFilter")
        if start >= 0:
            gt = data.find(b">", start) + 1
            last = self.r2 - self.totals_rows
            tag = set_attr(data[start:gt], b"ref", format_range(self.c1, self.r1, self.c2, last))
            data = data[:start] + tag + data[gt:]
        if rows_changed:
            # A saved sort refers to the old rows; the data was rewritten, so the sort is stale.
            start, end = find_element(data, p, b"sortState")
            if start >= 0:
                data = data[:start] + data[end:]
        self.data = data
        self.changed = True

    def set_columns(self, names: list[str]) -> None:
        """Replace the table's columns by ``names`` (a new layout: their header cells are
        written by the caller) and move its last column to match."""
        p = self._prefix
        data = self.data
        start, end = find_element(data, p, b"tableColumns")
        if start < 0:
            raise WorkbookError(f"Excel table {self.name} has no <tableColumns> ({self.part})")
        columns = b"".join(
            b"<" + p + b'tableColumn id="%d" name="' % (i + 1) + xml_text(name).encode() + b'"/>'
            for i, name in enumerate(names)
        )
        element = (
            b"<"
            + p
            + b'tableColumns count="%d">' % len(names)
            + columns
            + b"</"
            + p
            + b"tableColumns>"
        )
        self.data = data[:start] + element + data[end:]
        self.names = list(names)
        self.max_id = len(names)
        self.changed = True
        self.set_range(self.c1 + len(names) - 1, self.r2)

    def add_columns(self, names: list[str]) -> None:
        """Append columns (their header cells are written by the caller) and widen the range."""
        if not names:
            return
        p = self._prefix
        new = b""
        for name in names:
            self.max_id += 1
            self.names.append(name)
            new += (
                b"<"
                + p
                + b'tableColumn id="'
                + str(self.max_id).encode()
                + b'" name="'
                + xml_text(name).encode()
                + b'"/>'
            )
        data = self.data
        start, end = find_element(data, p, b"tableColumns")
        if start < 0:
            raise WorkbookError(f"Excel table {self.name} has no <tableColumns> ({self.part})")
        gt = data.find(b">", start) + 1
        head = set_attr(data[start:gt], b"count", str(len(self.names)))
        close = end - len(b"</" + p + b"tableColumns>")
        self.data = data[:start] + head + data[gt:close] + new + data[close:]
        self.changed = True
        self.set_range(self.c2 + len(names), self.r2)
