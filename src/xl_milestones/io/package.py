"""The workbook package: its parts, relationships, content types, shared strings and styles,
read once and edited through one object (``Package``), and the helpers that edit the small
structural parts. ``Package.write`` is the only code that writes the zip.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from xl_milestones.errors import OutputError, WorkbookError
from xl_milestones.io.atomic import check_sheet_reads
from xl_milestones.io.cellstyles import StyleSheet
from xl_milestones.io.xmlbytes import (
    as_utf8,
    empty_element,
    find_element,
    get_attr,
    insert_before_first,
    ns_prefix,
    parse,
    remove_element,
    root_prefix,
    set_attr,
    xml_text,
)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TYPE = REL_NS + "/"
WORKSHEET_TYPE = REL_TYPE + "worksheet"
TABLE_TYPE = REL_TYPE + "table"
DRAWING_TYPE = REL_TYPE + "drawing"
CHART_TYPE = REL_TYPE + "chart"
CALC_CHAIN_TYPE = REL_TYPE + "calcChain"
REVISIONS_TYPE = REL_TYPE + "revisionHeaders"  # a legacy shared workbook's change history
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

_STYLES_TYPE = REL_NS + "/styles"
# The main namespace of Excel's "Strict Open XML Spreadsheet" format, as declared.
_STRICT_MAIN = b'"http://purl.oclc.org/ooxml/spreadsheetml/main"'
_SST_TYPE = REL_NS + "/sharedStrings"
_COPY_CHUNK = 1 << 20
# The deflate level of the parts a refresh writes (docs/decisions.md, Compression): the
# 367 MB of XML of a refreshed 100,000-milestone book deflate in 1.2 s at 2 and 2.0 s at 3,
# for 6% more bytes; zipfile's default 6 takes 2.4 times as long as 3.
_LEVEL = 2
# A new part this large waits in a temporary file until the package is written (``_Spool``).
_SPOOL_SIZE = 16 << 20


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
    return remove_element(data, b"Relationship", b"Id", rid)


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
    return remove_element(data, b"Override", b"PartName", part, flags=re.IGNORECASE)


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
    lock_structure: bool = False  # Review > Protect Workbook: no sheet may be added
    # Save As > General Options > Password to modify: Excel opens it read-only without it.
    modify_password: bool = False


def read_workbook_part(data: bytes, part: str, rels: list[Rel]) -> WorkbookInfo:
    root = parse(data, part)
    by_id = {r.rid: r for r in rels}
    info = WorkbookInfo(part, False)
    for el in root.iter():
        local = el.tag.rsplit("}", 1)[-1]
        if local == "workbookPr":
            info.date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif local == "workbookProtection":
            info.lock_structure = el.get("lockStructure", "").lower() in ("1", "true")
        elif local == "fileSharing":
            info.modify_password = any(
                el.get(name) for name in ("reservationPassword", "hashValue")
            )
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
    new = empty_element(prefix, b"sheet", [("name", name), ("sheetId", str(sheet_id))])
    new = new[:-2] + b" " + rid_attr + b"/>"
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


# ------------------------------------------------------------------------------ the package


class Package:
    """The zip being rewritten: original entries, changed parts, removed and added parts.

    ``write`` is the only code that writes the zip, through zipfile's public interface: parts
    not changed are copied (inflated and deflated again, their content unchanged), changed and
    added parts written from their new bytes. A sheet handed to ``read_back_soon`` is read back
    in a thread of its own while the file is written; ``write`` raises its OutputError.
    ``close`` waits for that thread.
    """

    def __init__(self, zin: zipfile.ZipFile) -> None:
        self.zin = zin
        self.infos = zin.infolist()
        self.names = {i.filename.lower(): i.filename for i in self.infos}
        self._checker: ThreadPoolExecutor | None = None
        # (part, sheet name, the data read back, the check): ``write`` checks data set since.
        self.read_back: list[tuple[str, str, _Data, Future[None]]] = []
        self.changed: dict[str, _Data] = {}
        self._spools: list[_Spool] = []
        self.removed: set[str] = set()
        self.added: list[tuple[str, _Data]] = []
        root_rels = read_rels(self.read("_rels/.rels"), "")
        wb_part = next(
            (r.target for r in root_rels if r.type.endswith("/officeDocument")), "xl/workbook.xml"
        )
        wb_data = self.read(wb_part)
        if wb_data is None:
            raise WorkbookError("the workbook has no workbook part: it is not an Excel workbook")
        if _STRICT_MAIN in wb_data:
            raise WorkbookError(
                "the workbook is saved as Strict Open XML Spreadsheet, which a refresh does not "
                "write: in Excel, File > Save As, choose Excel Workbook (*.xlsx) or Excel "
                "Macro-Enabled Workbook (*.xlsm), then refresh again"
            )
        self.workbook_part = self.names.get(wb_part.lower(), wb_part)
        self.workbook_rels_part = rels_path(self.workbook_part)
        self.workbook_rels = read_rels(self.read(self.workbook_rels_part), self.workbook_part)
        self.workbook: WorkbookInfo = read_workbook_part(
            as_utf8(wb_data, wb_part), wb_part, self.workbook_rels
        )
        styles = next((r.target for r in self.workbook_rels if r.type == _STYLES_TYPE), None)
        self.styles_part = self.names.get(styles.lower(), styles) if styles else None
        self.styles = StyleSheet(
            as_utf8(data, self.styles_part)
            if self.styles_part and (data := self.read(self.styles_part)) is not None
            else None
        )
        sst = next((r.target for r in self.workbook_rels if r.type == _SST_TYPE), None)
        self.sst_part = self.names.get(sst.lower(), sst) if sst else None
        ct = self.read("[Content_Types].xml")
        if ct is None:
            raise WorkbookError(
                "the workbook has no [Content_Types].xml, so it is damaged: open it in Excel, "
                "let Excel repair it, and save it again"
            )
        self.content_types = content_types(ct)

    def real(self, name: str) -> str:
        return self.names.get(name.lower(), name)

    def read(self, name: str) -> bytes | None:
        """A part's bytes: as changed so far, or as in the zip; None when absent."""
        real = self.real(name)
        if real in self.removed:
            return None
        got = self.changed.get(real)
        if got is not None:
            return _joined(got)
        for added, data in self.added:
            if added == name:
                return _joined(data)
        if real.lower() not in self.names:
            return None
        return self.zin.read(real)

    def set(self, name: str, data: _Data) -> None:
        """Change or add a part; ``data`` is final (a later ``set`` replaces it, never a change
        to the list handed over)."""
        real = self.real(name)
        if isinstance(data, list) and _size(data) >= _SPOOL_SIZE:
            data = _Spool(data)
            self._spools.append(data)
        if real.lower() in self.names:
            self.changed[real] = data
        else:
            self.added.append((name, data))

    def read_back_soon(self, part: str, name: str) -> None:
        """Have a thread of its own check that the sheet ``part`` (sheet ``name``), as set,
        reads back with the workbook's shared strings while the rest of the workbook is
        written."""
        data = self._data(part)
        if self._checker is None:
            # A thread of its own: calamine parses without the GIL while zlib deflates.
            self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xl-read-back")
        check = self._checker.submit(check_sheet_reads, *self._read_back_args(data, name))
        self.read_back.append((part, name, data, check))

    def _data(self, part: str) -> _Data:
        got = self.changed.get(self.real(part))
        return got if got is not None else next(d for added, d in self.added if added == part)

    def _read_back_args(self, data: _Data, name: str) -> tuple[Iterator[bytes], bytes | None, str]:
        """The arguments of ``check_sheet_reads`` for ``data``, the sheet a megabyte at a
        time."""
        strings = self.read(self.sst_part) if self.sst_part else None
        return _pieces(data), strings, name

    def close(self) -> None:
        """Wait for the read-back thread to end (after ``write``, or when the refresh failed
        before it): no thread of the refresh outlives it."""
        for check in self.read_back:
            check[3].cancel()
        if self._checker is not None:
            self._checker.shutdown(wait=True, cancel_futures=True)
        self._checker = None
        self.read_back.clear()
        for spool in self._spools:
            spool.drop()
        self._spools.clear()

    def exists(self, name: str) -> bool:
        return name.lower() in self.names or any(n.lower() == name.lower() for n, _ in self.added)

    def free_name(self, folder: str, stem: str) -> str:
        """The first part ``folder/stemN.xml`` (N from 1, ``folder`` beside the workbook part,
        as Excel names its worksheets and charts) the package does not hold yet."""
        where = posixpath.join(posixpath.dirname(self.workbook_part), folder)
        n = 1
        while self.exists(posixpath.join(where, f"{stem}{n}.xml")):
            n += 1
        return posixpath.join(where, f"{stem}{n}.xml")

    def write(self, dst: Path) -> None:
        """Write the package to ``dst``: parts not changed copied with their entry's name, date,
        attributes and compression method, changed and added parts written; every deflated
        part deflated at ``_LEVEL``."""
        with zipfile.ZipFile(
            dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=_LEVEL
        ) as zout:
            zout.comment = self.zin.comment
            for info in self.infos:
                name = info.filename
                data = self.changed.get(name)
                if data is not None:
                    _write_entry(zout, name, data)
                elif name not in self.removed:
                    zi = zipfile.ZipInfo(name, date_time=info.date_time)
                    zi.compress_type = info.compress_type
                    zi.external_attr = info.external_attr
                    # An entry opened by its ZipInfo would be deflated at zlib's default
                    # level, not the file's: writestr takes the level (the part is in
                    # memory meanwhile, one at a time).
                    zout.writestr(zi, self.zin.read(info), compresslevel=_LEVEL)
            for name, data in self.added:
                _write_entry(zout, name, data)
        for part, name, data, check in self.read_back:
            check.result()  # OutputError when the sheet did not read back
            latest = self._data(part)
            if latest is not data:  # set again after it was handed over: checked here
                check_sheet_reads(*self._read_back_args(latest, name))


def _batches(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A rewritten sheet comes as one chunk per row; writing row by row costs a call each,
    so rows are handed over a megabyte at a time."""
    batch: list[bytes] = []
    held = 0
    for chunk in chunks:
        batch.append(chunk)
        held += len(chunk)
        if held >= _COPY_CHUNK:
            yield b"".join(batch)
            batch, held = [], 0
    if batch:
        yield b"".join(batch)


def _write_entry(zout: zipfile.ZipFile, name: str, data: _Data) -> None:
    """Write a changed or added part, deflated at the file's level, a megabyte at a time."""
    with zout.open(name, "w", force_zip64=_size(data) > zipfile.ZIP64_LIMIT) as fout:
        for batch in _pieces(data):
            fout.write(batch)


class _Spool:
    """A large new part (a rewritten sheet) in a temporary file until the package is written:
    the sheets rewritten later are rewritten without it in memory (their old and new XML are
    held at once meanwhile). Read in pieces, by as many readers as want it."""

    def __init__(self, chunks: list[bytes]) -> None:
        folder = tempfile.gettempdir()
        try:
            fd, name = tempfile.mkstemp(prefix="xl-milestones-", suffix=".xml", dir=folder)
        except OSError as exc:
            raise _spool_error(folder, exc) from None
        self.path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for batch in _batches(chunks):
                    out.write(batch)
                self.size = out.tell()
        except OSError as exc:
            self.drop()
            raise _spool_error(folder, exc) from None
        except BaseException:
            self.drop()
            raise

    def pieces(self) -> Iterator[bytes]:
        with self.path.open("rb") as f:
            while piece := f.read(_COPY_CHUNK):
                yield piece

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)


def _spool_error(folder: str, exc: OSError) -> OutputError:
    """The temporary folder could not take a spooled sheet: said of that folder, not of the
    workbook's (the output's disk may have room)."""
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
    why = "the disk is full" if full else (exc.strerror or str(exc))
    return OutputError(
        f"cannot write a temporary file in {folder} ({why}), where a large refresh keeps the "
        "sheets it rewrote until the workbook is written: free some space there, or set TMPDIR "
        "to a folder with room, and run again"
    )


# A part's new content: its bytes, in one piece or several, or spooled.
_Data = bytes | list[bytes] | _Spool


def _pieces(data: _Data) -> Iterator[bytes]:
    if isinstance(data, _Spool):
        return data.pieces()
    return _batches((data,) if isinstance(data, bytes) else data)


def _size(data: _Data) -> int:
    if isinstance(data, _Spool):
        return data.size
    return len(data) if isinstance(data, bytes) else sum(map(len, data))


def _joined(data: _Data) -> bytes:
    if isinstance(data, bytes):
        return data
    return b"".join(data.pieces() if isinstance(data, _Spool) else data)


def shared_strings(pkg: Package, wanted: set[int]) -> dict[int, str]:
    """The shared strings at ``wanted`` indices, reading the part only as far as needed."""
    if not wanted:
        return {}
    return {i: text for i, text in _shared_strings(pkg, max(wanted)) if i in wanted}


def all_shared_strings(pkg: Package) -> list[str]:
    """Every shared string of the workbook, in order (none without the part)."""
    return [text for _i, text in _shared_strings(pkg, None)]


def _shared_strings(pkg: Package, last: int | None) -> Iterator[tuple[int, str]]:
    """(index, text) of the shared strings in order, up to index ``last`` (None: all)."""
    if pkg.sst_part is None or pkg.real(pkg.sst_part).lower() not in pkg.names:
        return
    si_tag = "{" + MAIN_NS + "}si"
    t_tag = "{" + MAIN_NS + "}t"
    r_tag = "{" + MAIN_NS + "}r"
    index = 0
    try:
        with pkg.zin.open(pkg.real(pkg.sst_part)) as fh:
            for _event, el in SafeET.iterparse(fh, events=("end",), forbid_dtd=True):
                if el.tag != si_tag:
                    continue
                parts = []
                for child in el:
                    if child.tag == t_tag:
                        parts.append(child.text or "")
                    elif child.tag == r_tag:
                        parts.extend(t.text or "" for t in child if t.tag == t_tag)
                el.clear()
                yield index, "".join(parts)
                index += 1
                if last is not None and index > last:
                    break
    except SafeET.ParseError as exc:
        raise WorkbookError(f"the shared strings of the workbook are damaged ({exc})") from None
