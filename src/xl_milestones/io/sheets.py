"""The owned sheets of a workbook being refreshed, found, opened or created, and finished:
each editor (Milestones results, output tables, Dashboard) edits its sheets through ``Sheets``,
which keeps what the edits share (the package, the date system, the Excel tables to grow) and
what they leave to do (styles, the workbook's recalculation flag, the calculation chain)."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Mapping

from xl_milestones.core.schema import Sheet, sheet_by_name
from xl_milestones.errors import WorkbookError
from xl_milestones.io.layout import SheetWork
from xl_milestones.io.package import (
    CALC_CHAIN_TYPE,
    MAIN_NS,
    REL_NS,
    TABLE_TYPE,
    WORKSHEET_CT,
    WORKSHEET_TYPE,
    Package,
    Rel,
    WorkbookSheet,
    add_override,
    add_rel,
    add_sheet_entry,
    all_shared_strings,
    free_rid,
    full_calc_on_load,
    read_rels,
    rels_path,
    remove_override,
    remove_rel,
)
from xl_milestones.io.sheet_rewrite import SheetRewriter
from xl_milestones.io.tablepart import TablePart
from xl_milestones.io.xmlbytes import as_utf8, root_prefix


class Sheets:
    """The edit context of one refresh of a package."""

    def __init__(self, pkg: Package, date1904: bool, grow: Mapping[str, tuple[str, int]]) -> None:
        self.pkg = pkg
        self.date1904 = date1904
        self.grow = dict(grow)
        self.had_formula = False
        self.touched = False
        self._next_sheet_id = max((s.sheet_id for s in pkg.workbook.sheets), default=0) + 1

    def close(self) -> None:
        """What the edits leave to do: the Excel tables to grow on sheets no editor rewrote,
        appended styles, the recalculation flag, and the calculation chain when a formula
        cell was overwritten."""
        self.grow_input_tables()
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
            self.drop_calc_chain()

    def find(self, sheet: Sheet) -> WorkbookSheet | None:
        for entry in self.pkg.workbook.sheets:
            if sheet_by_name(entry.name) is sheet:
                if entry.kind != "worksheet" or entry.part is None:
                    raise WorkbookError(
                        f"sheet '{entry.name}' is not a worksheet ({entry.kind or 'no part'}): "
                        f"rename it so that a refresh can add its own {sheet.name} sheet"
                    )
                return entry
        return None

    def open(self, entry: WorkbookSheet) -> SheetWork:
        pkg = self.pkg
        assert entry.part is not None
        part = pkg.real(entry.part)
        data = pkg.read(part)
        if data is None:
            raise WorkbookError(f"sheet '{entry.name}' has no worksheet part ({entry.part})")
        data = as_utf8(data, part)
        rewriter = SheetRewriter(
            data,
            root_prefix(data),
            pkg.styles,
            self.date1904,
            part,
            functools.partial(all_shared_strings, pkg),
        )
        tables = self.tables_of(part)
        self.grow_table(entry.name, tables)
        return SheetWork(entry, part, rewriter, tables)

    def tables_of(self, part: str) -> list[TablePart]:
        """The Excel tables on the worksheet ``part``."""
        pkg = self.pkg
        tables = []
        for rel in read_rels(pkg.read(rels_path(part)), part):
            if rel.type == TABLE_TYPE and not rel.external:
                tdata = pkg.read(rel.target)
                if tdata is not None:
                    tables.append(TablePart(pkg.real(rel.target), as_utf8(tdata, rel.target)))
        return tables

    def grow_table(self, sheet_name: str, tables: list[TablePart]) -> bool:
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

    def grow_input_tables(self) -> None:
        """The tables to grow on sheets the refresh does not otherwise rewrite (Invoices...):
        only their table part changes; the rows are already in the sheet."""
        pkg = self.pkg
        for entry in pkg.workbook.sheets:
            if entry.name not in self.grow or entry.part is None:
                continue
            tables = self.tables_of(pkg.real(entry.part))
            if self.grow_table(entry.name, tables):
                for t in tables:
                    if t.changed:
                        pkg.set(t.part, t.data)
                self.touched = True

    def new_sheet(self, sheet: Sheet, width: int) -> SheetWork:
        pkg = self.pkg
        part = pkg.free_name("worksheets", "sheet")
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
        return SheetWork(None, part, rewriter, [], created=True)

    def register(self, work: SheetWork, sheet: Sheet) -> None:
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

    def finish(self, work: SheetWork, sheet: Sheet) -> None:
        result = work.rewriter.rewrite(work.edit)
        self.had_formula |= result.had_formula
        self.pkg.set(work.part, result.chunks)
        for table in work.tables:
            if table.changed:
                self.pkg.set(table.part, table.data)
        if work.created:
            self.register(work, sheet)
        self.touched = True

    def drop_calc_chain(self) -> None:
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
