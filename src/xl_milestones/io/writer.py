"""Writing a refresh into a workbook file: only the parts the refresh owns change.

The owned parts are the Milestones sheet (its result columns only), the Payment Schedule,
Validation, Refresh Log and Dashboard sheets, the Excel tables over them, Dashboard charts that
read a Dashboard block, and appended cell styles. Every other zip entry is copied unchanged.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import cast

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from xl_milestones.a1 import column_letter, column_number, format_range, parse_range
from xl_milestones.book import BlockWrite, BookUpdate, TableWrite
from xl_milestones.core.issues import sheet_reference
from xl_milestones.core.model import RawTable
from xl_milestones.core.schema import (
    DASHBOARD,
    DASHBOARD_AS_OF_ROW,
    DASHBOARD_SCURVE_CHARTS,
    DASHBOARD_TITLE_ROW,
    MILESTONES,
    RETIRED_HEADERS,
    Block,
    FieldType,
    Sheet,
    normalize_header,
    sheet_by_name,
)
from xl_milestones.errors import WorkbookError
from xl_milestones.io.atomic import check_sheet_reads
from xl_milestones.io.cellstyles import Kind, StyleSheet
from xl_milestones.io.package import (
    CALC_CHAIN_TYPE,
    CHART_CT,
    MAIN_NS,
    REL_NS,
    TABLE_TYPE,
    WORKSHEET_CT,
    WORKSHEET_TYPE,
    Rel,
    TablePart,
    WorkbookInfo,
    WorkbookSheet,
    add_override,
    add_rel,
    add_sheet_entry,
    as_utf8,
    content_types,
    find_element,
    free_rid,
    full_calc_on_load,
    get_attr,
    parse,
    read_rels,
    read_workbook_part,
    rels_path,
    remove_override,
    remove_rel,
    root_prefix,
    set_attr,
    xml_text,
    xml_unescape,
)
from xl_milestones.io.sheet_rewrite import (
    BulkWrites,
    CellWrite,
    SheetEdit,
    SheetRewriter,
    TableRows,
    Zone,
    date_serial,
    row_values,
)
from xl_milestones.numformats import amount_with_places
from xl_milestones.tables import HEADER_SCAN_ROWS, locate_table

_MAX_COLUMN = 16384  # XFD, Excel's last column
_STYLES_TYPE = REL_NS + "/styles"
_SST_TYPE = REL_NS + "/sharedStrings"
_COPY_CHUNK = 1 << 20
# The deflate level of the parts a refresh writes: a 150 MB Milestones sheet deflates three
# times faster at 3 than at zipfile's default 6, for a part about 15% larger.
_LEVEL = 3
_RETIRED_KEYS = frozenset(normalize_header(h) for h in RETIRED_HEADERS)
_DRAWING_TYPE = REL_NS + "/drawing"


_KINDS: dict[tuple[type, FieldType], str] = {}


def kind_of(value: object, ftype: FieldType) -> str:
    """What number format a value of a field needs."""
    key = (type(value), ftype)
    got = _KINDS.get(key)
    if got is None:
        got = _KINDS[key] = _kind_of(value, ftype)
    return got


def number_kind(ftype: FieldType) -> str:
    """What number format a number in a field of this type needs."""
    if ftype is FieldType.MONEY:
        return Kind.MONEY
    if ftype is FieldType.RATIO:
        return Kind.PERCENT
    return Kind.NUMBER


def _kind_of(value: object, ftype: FieldType) -> str:
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, dt.date):
        return Kind.DATE
    if isinstance(value, (int, float, Decimal)):
        if ftype is FieldType.MONEY:
            return Kind.MONEY
        if ftype is FieldType.RATIO:
            return Kind.PERCENT
        return Kind.NUMBER
    return Kind.TEXT


_MONEY_RESULTS = frozenset(f.name for f in MILESTONES.results if f.type is FieldType.MONEY)


def _with_minor_units(
    results: dict[int, dict[str, object]], places: Mapping[int, int]
) -> Mapping[int, Mapping[str, object]]:
    """The results, with the amounts of the rows in ``places`` marked to show that many
    decimals (copies of those rows only; the caller's dicts are left as they are)."""
    if not places:
        return results
    marked = dict(results)
    for row, n in places.items():
        values = marked.get(row)
        if values is not None:
            marked[row] = {
                k: amount_with_places(v, n) if k in _MONEY_RESULTS and type(v) is Decimal else v
                for k, v in values.items()
            }
    return marked


def read_date1904(path: str | Path) -> bool:
    """Whether the workbook at ``path`` counts dates from 1904 (Mac Excel's old date system)."""
    with zipfile.ZipFile(path) as zin:
        pkg = _Package(zin)
        return pkg.workbook.date1904


def apply_update(
    src: Path,
    dst: Path,
    update: BookUpdate,
    *,
    date1904: bool,
    milestones: RawTable | None = None,
    grow: Mapping[str, tuple[str, int]] | None = None,
) -> bool:
    """Write ``src`` with ``update`` applied to ``dst`` (a new file; ``src`` is only read).

    ``milestones`` is the table the reader found, so that results land in the columns it read;
    without it the header row is looked for the way the reader does. ``grow`` maps a sheet name
    to an Excel table on it and the last row (Excel's number) it is extended to, over rows the
    reader found right below it. True when the new XML of
    the Milestones sheet has been read back (``check_sheet_reads``) while the file was written.
    """
    try:
        with zipfile.ZipFile(src) as zin:
            pkg = _Package(zin)
            try:
                _Writer(pkg, update, date1904, milestones, grow or {}).run()
                pkg.write(dst)
                return bool(pkg.read_back)
            finally:
                pkg.close()
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"{src}: the workbook is damaged ({exc}): save it again") from None


# ------------------------------------------------------------------------------ the package


class _Package:
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
        self.read_back: list[tuple[str, str, bytes | list[bytes], Future[None]]] = []
        self.changed: dict[str, _Data] = {}
        self.removed: set[str] = set()
        self.added: list[tuple[str, _Data]] = []
        root_rels = read_rels(self.read("_rels/.rels"), "")
        wb_part = next(
            (r.target for r in root_rels if r.type.endswith("/officeDocument")), "xl/workbook.xml"
        )
        wb_data = self.read(wb_part)
        if wb_data is None:
            raise WorkbookError("the workbook has no workbook part: it is not an Excel workbook")
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
            raise WorkbookError("the workbook has no [Content_Types].xml: it is damaged")
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

    def _data(self, part: str) -> bytes | list[bytes]:
        got = self.changed.get(self.real(part))
        return got if got is not None else next(d for added, d in self.added if added == part)

    def _read_back_args(
        self, data: bytes | list[bytes], name: str
    ) -> tuple[Iterator[bytes], bytes | None, str]:
        """The arguments of ``check_sheet_reads`` for ``data``, the sheet a megabyte at a
        time."""
        strings = self.read(self.sst_part) if self.sst_part else None
        return _batches((data,) if isinstance(data, bytes) else data), strings, name

    def close(self) -> None:
        """Wait for the read-back thread to end (after ``write``, or when the refresh failed
        before it): no thread of the refresh outlives it."""
        for check in self.read_back:
            check[3].cancel()
        if self._checker is not None:
            self._checker.shutdown(wait=True, cancel_futures=True)
        self._checker = None
        self.read_back.clear()

    def exists(self, name: str) -> bool:
        return name.lower() in self.names or any(n.lower() == name.lower() for n, _ in self.added)

    def write(self, dst: Path) -> None:
        """Write the package to ``dst``: parts not changed copied with their entry's name, date,
        attributes and compression; changed and added parts deflated at ``_LEVEL``."""
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
                    big = info.file_size > zipfile.ZIP64_LIMIT
                    with self.zin.open(info) as fin, zout.open(zi, "w", force_zip64=big) as fout:
                        shutil.copyfileobj(fin, fout, _COPY_CHUNK)
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


def _write_entry(zout: zipfile.ZipFile, name: str, data: bytes | list[bytes]) -> None:
    """Write a changed or added part, deflated at the file's level, a megabyte at a time."""
    chunks = [data] if isinstance(data, bytes) else data
    size = sum(len(c) for c in chunks)
    with zout.open(name, "w", force_zip64=size > zipfile.ZIP64_LIMIT) as fout:
        for batch in _batches(chunks):
            fout.write(batch)


# A part's new content: its bytes, in one piece or several.
_Data = bytes | list[bytes]


def _joined(data: _Data) -> bytes:
    return data if isinstance(data, bytes) else b"".join(data)


def _shared_strings(pkg: _Package, wanted: set[int]) -> dict[int, str]:
    """The shared strings at ``wanted`` indices, reading the part only as far as needed."""
    out: dict[int, str] = {}
    if not wanted or pkg.sst_part is None or pkg.real(pkg.sst_part).lower() not in pkg.names:
        return out
    last = max(wanted)
    si_tag = "{" + MAIN_NS + "}si"
    t_tag = "{" + MAIN_NS + "}t"
    r_tag = "{" + MAIN_NS + "}r"
    index = 0
    try:
        with pkg.zin.open(pkg.real(pkg.sst_part)) as fh:
            for _event, el in SafeET.iterparse(fh, events=("end",), forbid_dtd=True):
                if el.tag != si_tag:
                    continue
                if index in wanted:
                    parts = []
                    for child in el:
                        if child.tag == t_tag:
                            parts.append(child.text or "")
                        elif child.tag == r_tag:
                            parts.extend(t.text or "" for t in child if t.tag == t_tag)
                    out[index] = "".join(parts)
                el.clear()
                index += 1
                if index > last:
                    break
    except SafeET.ParseError as exc:
        raise WorkbookError(f"the shared strings of the workbook are damaged ({exc})") from None
    return out


# ------------------------------------------------------------------------------- the writer


@dataclass(slots=True)
class _Layout:
    """Where a table's header sits on a sheet, and which column holds each field."""

    header_row: int
    cols: dict[str, int]
    last_col: int  # the last used column of the header row (or table)
    header_style: int | None
    table: TablePart | None
    texts: dict[int, str] = field(default_factory=dict)  # the header row's text, by column


@dataclass(slots=True)
class _SheetWork:
    entry: WorkbookSheet | None
    part: str
    rewriter: SheetRewriter
    tables: list[TablePart]
    edit: SheetEdit = field(default_factory=SheetEdit)
    created: bool = False


class _Writer:
    def __init__(
        self,
        pkg: _Package,
        update: BookUpdate,
        date1904: bool,
        milestones: RawTable | None,
        grow: Mapping[str, tuple[str, int]],
    ) -> None:
        self.pkg = pkg
        self.grow = dict(grow)
        self.update = update
        self.date1904 = date1904
        self.milestones_hint = milestones
        self.had_formula = False
        self.touched = False
        self._next_sheet_id = max((s.sheet_id for s in pkg.workbook.sheets), default=0) + 1

    def run(self) -> None:
        update = self.update
        if update.results:
            self._milestones()
        for tw in update.tables:
            self._finish(self._table_work(tw), tw.sheet)
        if update.blocks or update.dashboard_header:
            self._dashboard()
        self._grow_input_tables()
        if not self.touched:
            return
        pkg = self.pkg
        if pkg.styles.changed and pkg.styles_part:
            data = pkg.styles.to_bytes()
            assert data is not None
            pkg.set(pkg.styles_part, data)
        wb = pkg.read(pkg.workbook_part)
        assert wb is not None
        new_wb = full_calc_on_load(as_utf8(wb, pkg.workbook_part))
        if new_wb != wb:
            pkg.set(pkg.workbook_part, new_wb)
        if self.had_formula:
            self._drop_calc_chain()

    # ------------------------------------------------------------------------------ sheets

    def _find(self, sheet: Sheet) -> WorkbookSheet | None:
        for entry in self.pkg.workbook.sheets:
            if sheet_by_name(entry.name) is sheet:
                if entry.kind != "worksheet" or entry.part is None:
                    raise WorkbookError(
                        f"sheet '{entry.name}' is not a worksheet ({entry.kind or 'no part'}): "
                        f"rename it so that a refresh can add its own {sheet.name} sheet"
                    )
                return entry
        return None

    def _open(self, entry: WorkbookSheet) -> _SheetWork:
        pkg = self.pkg
        assert entry.part is not None
        part = pkg.real(entry.part)
        data = pkg.read(part)
        if data is None:
            raise WorkbookError(f"sheet '{entry.name}' has no worksheet part ({entry.part})")
        data = as_utf8(data, part)
        rewriter = SheetRewriter(data, root_prefix(data), pkg.styles, self.date1904, part)
        tables = self._tables_of(part)
        self._grow_table(entry.name, tables)
        return _SheetWork(entry, part, rewriter, tables)

    def _tables_of(self, part: str) -> list[TablePart]:
        """The Excel tables on the worksheet ``part``."""
        pkg = self.pkg
        tables = []
        for rel in read_rels(pkg.read(rels_path(part)), part):
            if rel.type == TABLE_TYPE and not rel.external:
                tdata = pkg.read(rel.target)
                if tdata is not None:
                    tables.append(TablePart(pkg.real(rel.target), as_utf8(tdata, rel.target)))
        return tables

    def _grow_table(self, sheet_name: str, tables: list[TablePart]) -> bool:
        """Extend the sheet's Excel table over the rows read below it (``grow``), unless that
        would run into another table. True when a table part changed."""
        want = self.grow.pop(sheet_name, None)
        if want is None:
            return False
        name, last_row = want
        for t in tables:
            if t.name != name or t.totals_rows or last_row <= t.r2:
                continue
            if any(o is not t and o.overlaps(t.c1, t.r2 + 1, t.c2, last_row) for o in tables):
                return False
            t.set_range(t.c2, last_row)
            return True
        return False

    def _grow_input_tables(self) -> None:
        """The tables to grow on sheets the refresh does not otherwise rewrite (Invoices...):
        only their table part changes; the rows are already in the sheet."""
        pkg = self.pkg
        for entry in pkg.workbook.sheets:
            if entry.name not in self.grow or entry.part is None:
                continue
            tables = self._tables_of(pkg.real(entry.part))
            if self._grow_table(entry.name, tables):
                for t in tables:
                    if t.changed:
                        pkg.set(t.part, t.data)
                self.touched = True

    def _new_sheet(self, sheet: Sheet, width: int) -> _SheetWork:
        pkg = self.pkg
        n = 1
        folder = posixpath.join(posixpath.dirname(pkg.workbook_part), "worksheets")
        while pkg.exists(posixpath.join(folder, f"sheet{n}.xml")):
            n += 1
        part = posixpath.join(folder, f"sheet{n}.xml")
        cols = f'<cols><col min="1" max="{max(width, 1)}" width="18" customWidth="1"/></cols>'
        data = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="A1"/>'
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        ).encode()
        rewriter = SheetRewriter(data, b"", pkg.styles, self.date1904, part)
        return _SheetWork(None, part, rewriter, [], created=True)

    def _register(self, work: _SheetWork, sheet: Sheet) -> None:
        """Add a created sheet to the workbook part, its relationships and the content types."""
        pkg = self.pkg
        rid = free_rid(pkg.workbook_rels)
        target = posixpath.relpath(work.part, posixpath.dirname(pkg.workbook_part))
        rels = pkg.read(pkg.workbook_rels_part)
        if rels is None:
            raise WorkbookError("the workbook has no relationships part: it is damaged")
        pkg.set(pkg.workbook_rels_part, add_rel(rels, rid, WORKSHEET_TYPE, target))
        pkg.workbook_rels.append(Rel(rid, WORKSHEET_TYPE, work.part, False))
        wb = pkg.read(pkg.workbook_part)
        assert wb is not None
        sheet_id = self._next_sheet_id
        self._next_sheet_id += 1
        pkg.set(
            pkg.workbook_part,
            add_sheet_entry(as_utf8(wb, pkg.workbook_part), sheet.name, sheet_id, rid),
        )
        pkg.workbook.sheets.append(WorkbookSheet(sheet.name, sheet_id, rid, work.part, "worksheet"))
        ct = pkg.read("[Content_Types].xml")
        assert ct is not None
        pkg.set("[Content_Types].xml", add_override(ct, work.part, WORKSHEET_CT))

    def _finish(self, work: _SheetWork, sheet: Sheet) -> None:
        result = work.rewriter.rewrite(work.edit)
        self.had_formula |= result.had_formula
        self.pkg.set(work.part, result.chunks)
        for table in work.tables:
            if table.changed:
                self.pkg.set(table.part, table.data)
        if work.created:
            self._register(work, sheet)
        self.touched = True

    # ------------------------------------------------------------------------------ layout

    def _layout(self, work: _SheetWork, sheet: Sheet, hint: RawTable | None) -> _Layout | None:
        """Where the sheet's table is: where the reader found it (``hint``), else as the table
        locator finds it in the sheet's own cells, as the reader would."""
        if hint is not None:
            cols: dict[str, int] = {
                name: column_number(letter) for name, letter in hint.columns.items()
            }
            return self._layout_at(work, hint.header_row, cols, sheet)
        keys = {f.key: f.name for f in sheet.fields}
        first, texts = self._header_texts(work, {t.r1 for t in work.tables})

        def header_count(row: int, c1: int, c2: int) -> int:
            cells = texts.get(row, {})
            return sum(1 for c, t in cells.items() if c1 <= c <= c2 and normalize_header(t) in keys)

        scan = range(first, first + HEADER_SCAN_ROWS) if first else range(0)
        found = locate_table(work.tables, header_count, scan, 1, _MAX_COLUMN)
        if found is None:
            return None
        cols = {}
        for col, text in sorted(texts.get(found.header_row, {}).items()):
            fname = keys.get(normalize_header(text))
            if found.first_col <= col <= found.last_col and fname and fname not in cols:
                cols[fname] = col
        return self._layout_at(work, found.header_row, cols, sheet)

    def _header_texts(
        self, work: _SheetWork, also: set[int]
    ) -> tuple[int, dict[int, dict[int, str]]]:
        """The first row with content, and the text of each cell holding one by row and
        column, for the ``HEADER_SCAN_ROWS`` rows from that row and the rows ``also``."""
        rw = work.rewriter
        found: dict[int, list[tuple[int, str | None, int | None]]] = {}
        first = 0
        for num, _s, body_start, body_end, _e in rw.iter_rows():
            if first and num >= first + HEADER_SCAN_ROWS and num > max(also, default=0):
                break
            cells = rw.cells(rw.data[body_start:body_end])
            if not first and any(b"<" in content for *_a, content in cells):
                first = num
            if (first and num < first + HEADER_SCAN_ROWS) or num in also:
                found[num] = [
                    (col, *rw.cell_string(attrs, content)) for col, attrs, _w, content in cells
                ]
        wanted = {i for row in found.values() for _c, _t, i in row if i is not None}
        strings = _shared_strings(self.pkg, wanted)
        texts = {
            num: {
                col: text if text is not None else strings.get(cast(int, index), "")
                for col, text, index in row
                if text is not None or index is not None
            }
            for num, row in found.items()
        }
        return first, texts

    def _layout_at(
        self, work: _SheetWork, header_row: int, cols: dict[str, int], sheet: Sheet
    ) -> _Layout:
        """The layout of the header at ``header_row``; ``cols`` (from the reader or a table)
        is completed with the sheet's own header cells, so a column added by an earlier
        refresh is found again rather than added twice."""
        keys = {f.key: f.name for f in sheet.fields}
        last_col = max(cols.values(), default=0)
        texts, used = self._row_texts(work, header_row)
        header_style = None
        for col, style in used:
            if col >= last_col:
                last_col, header_style = col, style
        taken = set(cols.values())
        for col, value in texts.items():
            fname = keys.get(normalize_header(value))
            if fname and fname not in cols and col not in taken:
                cols[fname] = col
                taken.add(col)
        table = next(
            (
                t
                for t in work.tables
                if t.header_rows >= 1
                and t.r1 == header_row
                and any(t.c1 <= c <= t.c2 for c in cols.values())
            ),
            None,
        )
        if table is not None:
            last_col = max(last_col, table.c2)
        return _Layout(header_row, cols, last_col, header_style, table, texts)

    def _row_texts(
        self, work: _SheetWork, row: int
    ) -> tuple[dict[int, str], list[tuple[int, int | None]]]:
        """The text of each cell of ``row`` that holds one, by column, and the (column, style)
        of each cell with content, in column order."""
        rw = work.rewriter
        found: list[tuple[int, str | None, int | None]] = []
        used: list[tuple[int, int | None]] = []
        for num, _s, body_start, body_end, _e in rw.iter_rows():
            if num > row:
                break
            if num == row:
                for col, attrs, _whole, content in rw.cells(rw.data[body_start:body_end]):
                    text, index = rw.cell_string(attrs, content)
                    if text is not None or index is not None:
                        found.append((col, text, index))
                    if b"<" in content:
                        style = re.search(rb'\ss="(\d+)"', attrs)
                        used.append((col, int(style.group(1)) if style else None))
        strings = _shared_strings(self.pkg, {i for _c, _t, i in found if i is not None})
        texts = {
            col: text if text is not None else strings.get(index or 0, "")
            for col, text, index in found
        }
        return texts, used

    def _lay_out_anew(self, work: _SheetWork, layout: _Layout, sheet: Sheet) -> None:
        """An output sheet that an earlier version laid out otherwise (a retired header in its
        header row) gets the sheet's columns in schema order from its first column: header
        cells and the Excel table's column names rewritten, every old value cleared with the
        rest of the rows. A user's column inside the old layout, or a value where the new
        columns go, is refused rather than overwritten."""
        retired = _RETIRED_KEYS
        texts = {c: t for c, t in layout.texts.items() if t.strip()}
        if not any(normalize_header(t) in retired for t in texts.values()):
            return
        known = {f.key for f in sheet.fields} | retired
        ours = sorted(c for c, t in texts.items() if normalize_header(t) in known)
        table = layout.table
        first = table.c1 if table is not None else ours[0]
        old_last = max(table.c2 if table is not None else 0, ours[-1])
        where = work.entry.name if work.entry else sheet.name
        for col, text in sorted(texts.items()):
            if first <= col <= old_last and normalize_header(text) not in known:
                raise WorkbookError(
                    f"sheet '{where}': column {column_letter(col)} ('{text}') is among the columns "
                    f"of an earlier {sheet.name} layout, which a refresh replaces: move it to "
                    "the right of them, then refresh again"
                )
        fields = sheet.fields
        last = first + len(fields) - 1
        extra = frozenset(range(old_last + 1, last + 1))
        if extra:
            filled = row_values(work.rewriter, lambda _n: True, extra)
            if filled:
                row = min(filled)
                cell = f"{column_letter(min(filled[row]))}{row}"
                raise WorkbookError(
                    f"sheet '{where}': the {sheet.name} now has {len(fields)} columns, up to "
                    f"column {column_letter(last)}, and {cell} holds a value there: move it "
                    "elsewhere, then refresh again"
                )
            _widen_new_columns(work.rewriter, extra)
        head = work.edit.writes.setdefault(layout.header_row, {})
        for i, f in enumerate(fields):
            head[first + i] = CellWrite(f.header, Kind.TEXT, style=layout.header_style)
        leftover = frozenset(range(last + 1, old_last + 1))
        if leftover:
            for col in leftover:
                head[col] = CellWrite(None, Kind.TEXT)
            work.edit.zones.append(Zone(leftover, layout.header_row + 1, layout.header_row))
        if table is not None:
            table.set_columns([f.header for f in fields])
        layout.cols = {f.name: first + i for i, f in enumerate(fields)}
        layout.texts = {first + i: f.header for i, f in enumerate(fields)}
        layout.last_col = last

    def _add_columns(
        self, work: _SheetWork, layout: _Layout, sheet: Sheet, names: Iterable[str]
    ) -> None:
        """Give each missing field a column after the last used one, with its header."""
        missing = [n for n in names if n not in layout.cols]
        if not missing:
            return
        dim = work.rewriter.dimension()
        first = max(layout.last_col, dim[2] if dim and layout.last_col else 0) + 1
        headers = []
        for i, name in enumerate(missing):
            col = first + i
            layout.cols[name] = col
            header = sheet.field(name).header
            headers.append(header)
            work.edit.writes.setdefault(layout.header_row, {})[col] = CellWrite(
                header, Kind.TEXT, style=layout.header_style
            )
        table = layout.table
        if table is not None and table.c2 + 1 == first:
            taken = {normalize_header(n) for n in table.names}
            clash = [h for h in headers if normalize_header(h) in taken]
            if clash:
                raise WorkbookError(
                    f"Excel table {table.name} already has a column named like "
                    f"'{clash[0]}' that is not the {sheet.name} column: rename it"
                )
            table.add_columns(headers)
        layout.last_col = first + len(missing) - 1

    # --------------------------------------------------------------------------- Milestones

    def _milestones(self) -> None:
        entry = self._find(MILESTONES)
        if entry is None:
            raise WorkbookError(f"the workbook has no '{MILESTONES.name}' sheet to write to")
        work = self._open(entry)
        layout = self._layout(work, MILESTONES, self.milestones_hint)
        if layout is None:
            raise WorkbookError(
                f"sheet '{entry.name}' has no header row with "
                f"'{MILESTONES.header('milestone_id')}': the results cannot be placed"
            )
        used: set[str] = set()
        for values in self.update.results.values():
            if not used.issuperset(values):
                for name in values:
                    if not MILESTONES.field(name).result:
                        raise ValueError(f"{name} is an input of {MILESTONES.name}, not a result")
                used.update(values)
        order = [f.name for f in MILESTONES.results if f.name in used]
        self._add_columns(work, layout, MILESTONES, order)
        work.edit.header_row = layout.header_row
        if min(self.update.results) <= layout.header_row:
            raise ValueError(f"a result row is not below the header row {layout.header_row}")
        work.edit.bulk = BulkWrites(
            [
                (f.name, layout.cols[f.name], number_kind(f.type))
                for f in MILESTONES.results
                if f.name in used
            ],
            _with_minor_units(self.update.results, self.update.money_places),
        )
        self._finish(work, MILESTONES)
        self.pkg.read_back_soon(work.part, entry.name)

    # ------------------------------------------------------------------------ output sheets

    def _table_work(self, tw: TableWrite) -> _SheetWork:
        """The sheet of an output table, with every edit but the rewrite itself laid out."""
        sheet = tw.sheet
        names = [f.name for f in sheet.fields]
        for i, row in enumerate(tw.rows):
            if len(row) != len(names):
                raise ValueError(
                    f"{sheet.name} row {i} has {len(row)} values for {len(names)} fields"
                )
        entry = self._find(sheet)
        work = self._open(entry) if entry else self._new_sheet(sheet, len(names))
        layout = None if work.created else self._layout(work, sheet, None)
        if layout is None:
            dim = work.rewriter.dimension()
            empty = work.created or not any(True for _ in work.rewriter.iter_rows())
            header_row = 1 if empty or dim is None else dim[3] + 2
            layout = _Layout(header_row, {}, 0, None, None)
        self._lay_out_anew(work, layout, sheet)
        self._add_columns(work, layout, sheet, names)
        cols = [layout.cols[n] for n in names]
        owned = frozenset(cols)
        header = layout.header_row
        table = layout.table
        edit = work.edit
        edit.header_row = header
        if tw.append:
            filled = row_values(work.rewriter, lambda n: n > header, owned)
            last = header
            while last + 1 in filled:
                last += 1
            first = last + 1
            if last > header:
                edit.style_row = last  # new rows look like the last one
        else:
            first = header + 1
            end = table.data_last_row if table is not None else header
            edit.zones.append(Zone(owned, first, end))
        edit.table = TableRows(first, cols, [number_kind(f.type) for f in sheet.fields], tw.rows)
        if tw.links or sheet.key == "validation":
            link_col = layout.cols.get("cell")
            if link_col is not None:
                edit.link_area = (frozenset({link_col}), header + 1)
                for i, location in tw.links.items():
                    if 0 <= i < len(tw.rows):
                        edit.links[f"{column_letter(link_col)}{first + i}"] = location
        if table is not None:
            if table.totals_rows:
                raise WorkbookError(
                    f"sheet '{work.entry.name if work.entry else sheet.name}': Excel table "
                    f"{table.name} has a totals row, and a refresh rewrites every row of it: "
                    "turn its totals row off (Table Design > Total Row)"
                )
            last_row = max(first - 1 + len(tw.rows), header + 1)
            new_last = last_row + table.totals_rows
            for other in work.tables:
                if other is not table and other.overlaps(table.c1, table.r1, table.c2, new_last):
                    raise WorkbookError(
                        f"sheet '{work.entry.name if work.entry else sheet.name}': Excel table "
                        f"{other.name} is below table {table.name}, which needs rows "
                        f"{table.r1}-{new_last}: move it elsewhere"
                    )
            table.set_range(table.c2, new_last)
        return work

    # ----------------------------------------------------------------------------- Dashboard

    def _dashboard(self) -> None:
        entry = self._find(DASHBOARD)
        blocks = self.update.blocks
        width = max(
            (column_number(b.block.first_column) + len(b.block.fields) - 1 for b in blocks),
            default=1,
        )
        work = self._open(entry) if entry else self._new_sheet(DASHBOARD, width)
        edit = work.edit
        writes = edit.writes
        edit.header_row = min((b.block.header_row for b in blocks), default=DASHBOARD_AS_OF_ROW)
        if work.created:
            writes.setdefault(DASHBOARD_TITLE_ROW, {})[1] = CellWrite(DASHBOARD.name, Kind.TEXT)
        if self.update.dashboard_header:
            writes.setdefault(DASHBOARD_AS_OF_ROW, {})[1] = CellWrite(
                self.update.dashboard_header, Kind.TEXT
            )
        extents: list[tuple[Block, list[tuple[object, ...]]]] = []
        renamed: dict[tuple[int, int], str] = {}
        widened: list[tuple[int, int]] = []
        for bw in blocks:
            widened.extend(self._block(bw, work, renamed))
            extents.append((bw.block, bw.rows))
        self._finish(work, DASHBOARD)
        name = work.entry.name if work.entry else DASHBOARD.name
        self._charts(name, extents, renamed)
        if widened and work.entry is not None:
            self._move_drawings(work.part, widened)

    def _block(
        self, bw: BlockWrite, work: _SheetWork, renamed: dict[tuple[int, int], str]
    ) -> list[tuple[int, int]]:
        """Lay out one Dashboard block's writes. A header cell keeps what it holds unless that
        is a retired header or another column's header of the block (an earlier layout): then
        it is rewritten and recorded in ``renamed`` (col, row) for the charts' series names.
        Returns (old last column, new last column) when the block grew past an earlier layout."""
        block = bw.block
        c0 = column_number(block.first_column)
        cols = [c0 + i for i in range(len(block.fields))]
        writes = work.edit.writes
        title_row = block.header_row - 1
        titles = {} if work.created or title_row < 1 else self._row_texts(work, title_row)[0]
        if block.header_row > 1 and (
            work.created or normalize_header(titles.get(c0, "")) in _RETIRED_KEYS
        ):
            writes.setdefault(title_row, {})[c0] = CellWrite(block.title, Kind.TEXT)
        texts = {} if work.created else self._row_texts(work, block.header_row)[0]
        own = {normalize_header(f.header) for f in block.fields}
        head = writes.setdefault(block.header_row, {})
        old_last = c0 - 1
        for f, col in zip(block.fields, cols, strict=True):
            key = normalize_header(texts.get(col, ""))
            stale = key in _RETIRED_KEYS or (key in own and key != f.key)
            head[col] = CellWrite(f.header, Kind.TEXT, only_if_empty=not stale)
            if stale:
                renamed[(col, block.header_row)] = f.header
        col = c0
        while normalize_header(texts.get(col, "")) in own | _RETIRED_KEYS:
            old_last = col
            col += 1
        grew = bool(renamed) and c0 <= old_last < cols[-1]
        if grew:
            _widen_new_columns(work.rewriter, range(old_last + 1, cols[-1] + 1), 14)
        work.edit.zones.append(Zone(frozenset(cols), block.header_row + 1, block.header_row))
        for i, row in enumerate(bw.rows):
            if len(row) != len(cols):
                raise ValueError(f"block {block.title!r} row {i} has {len(row)} values")
            target = writes.setdefault(block.header_row + 1 + i, {})
            for f, col, value in zip(block.fields, cols, row, strict=True):
                target[col] = CellWrite(value, kind_of(value, f.type))
        return [(old_last, cols[-1])] if grew else []

    def _move_drawings(self, sheet_part: str, widened: list[tuple[int, int]]) -> None:
        """Charts and pictures anchored right of a block that an earlier layout made narrower
        would now cover its new columns: move them right by as many columns as it grew."""
        pkg = self.pkg
        for rel in read_rels(pkg.read(rels_path(sheet_part)), sheet_part):
            if rel.type != _DRAWING_TYPE or rel.external:
                continue
            data = pkg.read(rel.target)
            if data is None:
                continue
            new = shift_anchors(as_utf8(data, rel.target), widened)
            if new is not None:
                pkg.set(pkg.real(rel.target), new)

    def _charts(
        self,
        sheet_name: str,
        blocks: list[tuple[Block, list[tuple[object, ...]]]],
        renamed: Mapping[tuple[int, int], str] | None = None,
    ) -> None:
        if not blocks:
            return
        pkg = self.pkg
        charts = [
            pkg.real(name)
            for name, ctype in pkg.content_types.items()
            if ctype == CHART_CT and pkg.real(name).lower() in pkg.names
        ]
        for part in charts:
            data = pkg.read(part)
            if data is None:
                continue
            new = repoint_chart(
                as_utf8(data, part), sheet_name, blocks, self.date1904, renamed or {}
            )
            if new is not None:
                pkg.set(part, new)

    # -------------------------------------------------------------------------- calc chain

    def _drop_calc_chain(self) -> None:
        """Remove the calculation chain: it lists formula cells, and some are gone now."""
        pkg = self.pkg
        rel = next((r for r in pkg.workbook_rels if r.type == CALC_CHAIN_TYPE), None)
        if rel is None:
            return
        rels = pkg.read(pkg.workbook_rels_part)
        if rels is not None:
            pkg.set(pkg.workbook_rels_part, remove_rel(rels, rel.rid))
        pkg.workbook_rels.remove(rel)
        real = pkg.real(rel.target)
        if real.lower() in pkg.names:
            pkg.removed.add(real)
        ct = pkg.read("[Content_Types].xml")
        if ct is not None:
            pkg.set("[Content_Types].xml", remove_override(ct, rel.target))


def _widen_new_columns(rewriter: SheetRewriter, cols: Iterable[int], width: float = 16) -> None:
    """Give ``cols`` (1-based) a width that shows an amount, where they have none or a narrower
    one of their own (a gap column of an earlier layout): Excel's default shows 1,234,567.00 as
    ####. A ``<col>`` spanning several columns is left as it is."""
    head = rewriter.head
    p = rewriter.p
    wanted = set(cols)
    start, end = find_element(head, p, b"cols")
    elements: list[tuple[int, bytes]] = []
    covered: set[int] = set()
    if start >= 0:
        for m in re.finditer(b"<" + re.escape(p) + rb"col\b[^>]*>", head[start:end]):
            tag = m.group(0)
            lo, hi = get_attr(tag, b"min"), get_attr(tag, b"max")
            if not (lo and hi and lo.isdigit() and hi.isdigit()):
                return  # not a <cols> this writer understands: leave the widths alone
            first, last = int(lo), int(hi)
            covered.update(range(first, min(last, first + 16384) + 1))
            old = get_attr(tag, b"width")
            if first == last and first in wanted and old and float(old) < width:
                tag = set_attr(tag, b"customWidth", "1")
                tag = set_attr(tag, b"width", str(width))
            elements.append((first, tag))
    for c in sorted(wanted - covered):
        elements.append(
            (
                c,
                b"<"
                + p
                + b'col min="%d" max="%d" width="%s" customWidth="1"/>'
                % (c, c, str(width).encode()),
            )
        )
    elements.sort(key=lambda e: e[0])
    block = b"<" + p + b"cols>" + b"".join(tag for _c, tag in elements) + b"</" + p + b"cols>"
    if start >= 0:
        rewriter.head = head[:start] + block + head[end:]
        return
    data_at = head.find(b"<" + p + b"sheetData")
    if data_at >= 0:
        rewriter.head = head[:data_at] + block + head[data_at:]


# ------------------------------------------------------------------------------------ charts

_CHART_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]+\$?\d+(?::\$?[A-Za-z]+\$?\d+)?)$"
)


def repoint_chart(
    data: bytes,
    sheet_name: str,
    blocks: list[tuple[Block, list[tuple[object, ...]]]],
    date1904: bool,
    renamed: Mapping[tuple[int, int], str] | None = None,
) -> bytes | None:
    """A chart part whose series read a Dashboard block, re-pointed at the rows written.

    Each ``<c:f>`` reference into a block's data rows gets the block's new last row, and its
    cached values are replaced by the values written, so that a viewer that draws from the cache
    shows the same as Excel. A series name read from a header cell the refresh rewrote
    (``renamed``, an earlier layout) gets the new header as its cached name, and a chart titled
    with a retired title gets the title of the S-curve its series now draw. None when the chart
    reads no block.
    """
    renamed = renamed or {}
    p = root_prefix(data)
    parse(data, "chart")
    ep = re.escape(p)
    f_re = re.compile(b"<" + ep + b"f>(.*?)</" + ep + b"f>", re.S)
    cache_re = re.compile(rb"\s*<" + ep + rb"(numCache|strCache)\b.*?</" + ep + rb"\1>", re.S)
    out: list[bytes] = []
    pos = 0
    changed = False
    drawn: set[str] = set()
    for m in f_re.finditer(data):
        formula = xml_unescape(m.group(1).decode("utf-8")).strip().lstrip("=")
        ref = _CHART_REF.match(formula)
        if not ref:
            continue
        name = (ref.group(1) or "").replace("''", "'") or (ref.group(2) or "")
        where = parse_range(ref.group(3))
        if where is None or name.lower() != sheet_name.lower():
            continue
        c1, r1, c2, r2 = where
        header = renamed.get((c1, r1)) if (c1, r1) == (c2, r2) else None
        if header is not None:
            cache = cache_re.match(data, m.end())
            if cache is not None:
                out.append(data[pos : cache.start()])
                out.append(_cache(p, cache.group(1), cache.group(0), [header], date1904))
                pos = cache.end()
                changed = True
            continue
        hit = None
        for block, rows in blocks:
            b1 = column_number(block.first_column)
            b2 = b1 + len(block.fields) - 1
            hr = block.header_row
            if b1 <= c1 and c2 <= b2 and r1 in (hr, hr + 1) and (r2 > r1 or r1 == hr + 1):
                hit = (block, rows, b1, hr)
                break
        if hit is None:
            continue
        block, rows, b1, hr = hit
        if c1 == c2 and c1 > b1:
            drawn.add(block.fields[c1 - b1].name)
        new_r2 = hr + max(len(rows), 1)
        new_formula = sheet_reference(sheet_name, format_range(c1, r1, c2, new_r2, absolute=True))
        out.append(data[pos : m.start(1)])
        out.append(xml_text(new_formula).encode())
        pos = m.end(1)
        cache = cache_re.match(data, m.end())
        if cache is not None:
            out.append(data[pos : cache.start()])
            pos = cache.end()
            if c1 == c2:
                column = c1 - b1
                values: list[object] = []
                for row in range(r1, new_r2 + 1):
                    if row == hr:
                        values.append(block.fields[column].header)
                    else:
                        i = row - hr - 1
                        values.append(rows[i][column] if i < len(rows) else None)
                out.append(_cache(p, cache.group(1), cache.group(0), values, date1904))
        changed = True
    if not changed:
        return None
    out.append(data[pos:])
    return _retitle(b"".join(out), p, drawn)


def _retitle(data: bytes, p: bytes, drawn: set[str]) -> bytes:
    """A chart whose title is a retired one (an earlier layout's S-curve) takes the title of
    the Dashboard S-curve whose fields its series draw; any other title is the user's."""
    title = next((t for t, names in DASHBOARD_SCURVE_CHARTS if set(names) == drawn), None)
    if title is None:
        return data
    start, end = find_element(data, p, b"title")
    if start < 0:
        return data
    runs = list(re.finditer(rb"<a:t>([^<]*)</a:t>", data[start:end]))
    text = "".join(xml_unescape(r.group(1).decode("utf-8")) for r in runs)
    if len(runs) != 1 or normalize_header(text) not in _RETIRED_KEYS:
        return data
    run = runs[0]
    new = b"<a:t>" + xml_text(title).encode() + b"</a:t>"
    return data[: start + run.start()] + new + data[start + run.end() :]


_ANCHOR_COL = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(from|to)>\s*<(?:[A-Za-z_][\w.-]*:)?col>)(\d+)(</)"
)


def shift_anchors(data: bytes, widened: list[tuple[int, int]]) -> bytes | None:
    """A drawing part with every anchor that starts right of a block's old last column but not
    right of its new one plus a gap column moved right by as many columns as the block grew
    (columns 1-based in ``widened``, 0-based in the drawing). None when nothing moves."""
    out: list[bytes] = []
    pos = 0
    moved = False
    anchor_re = re.compile(
        rb"<(?:[A-Za-z_][\w.-]*:)?(?:twoCellAnchor|oneCellAnchor)\b.*?</(?:[A-Za-z_][\w.-]*:)?(?:twoCellAnchor|oneCellAnchor)>",
        re.S,
    )
    for anchor in anchor_re.finditer(data):
        cols = _ANCHOR_COL.findall(anchor.group(0))
        start = next((int(c) for _o, kind, c, _c in cols if kind == b"from"), None)
        if start is None:
            continue
        shift = 0
        for old_last, new_last in widened:
            # 0-based: the old layout's first free column is old_last; anything from there up
            # to the new last column and its gap column would overlap the grown block.
            if old_last <= start <= new_last:
                shift = max(shift, new_last + 1 - start)
        if not shift:
            continue

        def shifted(m: re.Match[bytes], n: int = shift) -> bytes:
            return m.group(1) + str(int(m.group(3)) + n).encode() + m.group(4)

        body = _ANCHOR_COL.sub(shifted, anchor.group(0))
        out.append(data[pos : anchor.start()])
        out.append(body)
        pos = anchor.end()
        moved = True
    if not moved:
        return None
    out.append(data[pos:])
    return b"".join(out)


def _cache(p: bytes, kind: bytes, old: bytes, values: list[object], date1904: bool) -> bytes:
    lead = old[: len(old) - len(old.lstrip())]
    fmt = b""
    if kind == b"numCache":
        m = re.search(
            b"<" + re.escape(p) + rb"formatCode>.*?</" + re.escape(p) + rb"formatCode>", old, re.S
        )
        fmt = m.group(0) if m else b"<" + p + b"formatCode>General</" + p + b"formatCode>"
    pts = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if kind == b"numCache":
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, dt.date):
                serial = date_serial(value, date1904)
                if serial is None:
                    continue
                text = str(serial)
            elif isinstance(value, (int, float)):
                text = repr(value) if isinstance(value, float) else str(value)
            elif isinstance(value, Decimal):
                text = format(value, "f")
            else:
                continue
        else:
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
        pts.append(
            b"<"
            + p
            + b'pt idx="%d"><' % i
            + p
            + b"v>"
            + xml_text(text).encode()
            + b"</"
            + p
            + b"v></"
            + p
            + b"pt>"
        )
    count = b"<" + p + b'ptCount val="%d"/>' % len(values)
    return lead + b"<" + p + kind + b">" + fmt + count + b"".join(pts) + b"</" + p + kind + b">"


def owned_parts(src: Path) -> Mapping[str, str]:
    """For documentation and tests: the parts of ``src`` a refresh may change, with why."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(src) as zin:
        pkg = _Package(zin)
        out[pkg.workbook_part] = "fullCalcOnLoad flag; <sheet> entries for added output sheets"
        out[pkg.workbook_rels_part] = "relationships of added sheets; calcChain removed"
        out["[Content_Types].xml"] = "content types of added sheets; calcChain removed"
        if pkg.styles_part:
            out[pkg.styles_part] = "appended cell formats (existing ones never change)"
        for rel in pkg.workbook_rels:
            if rel.type == CALC_CHAIN_TYPE:
                out[pkg.real(rel.target)] = "removed when a formula cell is overwritten"
        for entry in pkg.workbook.sheets:
            sheet = sheet_by_name(entry.name)
            if sheet is None or entry.part is None:
                continue
            if not (sheet is MILESTONES or sheet.output):
                part = pkg.real(entry.part)
                for rel in read_rels(pkg.read(rels_path(part)), part):
                    if rel.type == TABLE_TYPE:
                        out[pkg.real(rel.target)] = (
                            f"Excel table on {entry.name}: extended over rows right below it"
                        )
                continue
            if sheet is MILESTONES or sheet.output:
                part = pkg.real(entry.part)
                out[part] = f"{entry.name}: " + (
                    "result columns" if sheet is MILESTONES else "the whole sheet's table"
                )
                for rel in read_rels(pkg.read(rels_path(part)), part):
                    if rel.type == TABLE_TYPE:
                        out[pkg.real(rel.target)] = f"Excel table on {entry.name}"
                    elif rel.type == _DRAWING_TYPE and sheet is DASHBOARD:
                        out[pkg.real(rel.target)] = (
                            "anchors moved when a block of an earlier layout grows"
                        )
        for name, ctype in pkg.content_types.items():
            if ctype == CHART_CT:
                out[pkg.real(name)] = "chart: series reading a Dashboard block"
    return out
