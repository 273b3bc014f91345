"""The output tables' editor (Payment Schedule, Validation, Sign-off Queue, Changes and the
Refresh Log, whose rows are appended): the sheet's table found or the sheet created, its rows
replaced, its Excel table resized, its Cell links written."""

from __future__ import annotations

from xl_milestones.a1 import column_letter
from xl_milestones.book import TableWrite
from xl_milestones.core.schema import Sheet
from xl_milestones.errors import WorkbookError
from xl_milestones.io.layout import (
    Layout,
    SheetWork,
    add_columns,
    find_layout,
    lay_out_anew,
    number_kind,
    refuse_values_below,
)
from xl_milestones.io.sheet_edit import TableRows, Zone
from xl_milestones.io.sheet_scan import row_values
from xl_milestones.io.sheets import Sheets
from xl_milestones.io.tablepart import TablePart
from xl_milestones.tables import appended_row, refuse_past_grid, totals_row_refused


def write_table(ed: Sheets, tw: TableWrite) -> None:
    """Write one output table's rows into its sheet."""
    ed.finish(table_work(ed, tw), tw.sheet)


def table_work(ed: Sheets, tw: TableWrite) -> SheetWork:
    """The sheet of an output table, with every edit but the rewrite itself laid out."""
    sheet = tw.sheet
    names = [f.name for f in sheet.fields]
    for i, row in enumerate(tw.rows):
        if len(row) != len(names):
            raise ValueError(f"{sheet.name} row {i} has {len(row)} values for {len(names)} fields")
    entry = ed.find(sheet)
    work = ed.open(entry) if entry else ed.new_sheet(sheet, len(names))
    layout = None if work.created else find_layout(ed.pkg, work, sheet, None)
    if layout is None:
        # Two rows under what the sheet holds, found by its rows: its <dimension> may be stale.
        bottom = 0 if work.created else max((r[0] for r in work.rewriter.iter_rows()), default=0)
        layout = Layout(bottom + 2 if bottom else 1, {}, 0, None, None)
    lay_out_anew(ed.pkg, work, layout, sheet)
    add_columns(ed.pkg, work, layout, sheet, names)
    cols = [layout.cols[n] for n in names]
    header = layout.header_row
    edit = work.edit
    edit.header_row = header
    first = _first_row(work, tw, header, frozenset(cols), layout.table)
    where = work.entry.name if work.entry else sheet.name
    refuse_past_grid(where, sheet.name, first, len(tw.rows))
    edit.table = TableRows(first, cols, [number_kind(f.type) for f in sheet.fields], tw.rows)
    if tw.links or sheet.key == "validation":
        link_col = layout.cols.get("cell")
        if link_col is not None:
            edit.link_area = (frozenset({link_col}), header + 1)
            for i, location in tw.links.items():
                if 0 <= i < len(tw.rows):
                    edit.links[f"{column_letter(link_col)}{first + i}"] = location
    if layout.table is not None:
        _grow_excel_table(work, layout.table, sheet, max(first - 1 + len(tw.rows), header + 1))
        if not tw.append:
            layout.table.clear_filter()  # it chose among the old rows, now replaced
    return work


def _first_row(
    work: SheetWork, tw: TableWrite, header: int, owned: frozenset[int], table: TablePart | None
) -> int:
    """The row the table's rows start at: under the rows already there for an append (new
    rows look like the last), else under the header, the old rows then a zone to replace and
    a note of the user's below them that the new rows would reach refused."""
    edit = work.edit
    what = f"the {tw.sheet.name} table"
    if tw.append:
        filled = row_values(work.rewriter, lambda n: n > header, owned)
        table_end = table.data_last_row if table is not None else header
        row = appended_row(filled, header, table_end, work.entry.name if work.entry else what, what)
        if row - 1 > header:
            edit.style_row = row - 1
        return row
    end = table.data_last_row if table is not None else header
    if not work.created:
        last = max(len(tw.rows), 1) + header
        refuse_values_below(work, owned, end, last, what)
    edit.zones.append(Zone(owned, header + 1, end, shown=True))
    return header + 1


def _grow_excel_table(work: SheetWork, table: TablePart, sheet: Sheet, last_row: int) -> None:
    """The Excel table over the output table set to end at ``last_row``; one with a totals
    row, or one that would grow into another table, is refused."""
    where = work.entry.name if work.entry else sheet.name
    if table.totals_rows:
        raise totals_row_refused(where, table.name)
    for other in work.tables:
        if other is not table and other.overlaps(table.c1, table.r1, table.c2, last_row):
            raise WorkbookError(
                f"sheet '{where}': Excel table {other.name} is below table {table.name}, which "
                f"needs rows {table.r1}-{last_row}: move it elsewhere"
            )
    table.set_range(table.c2, last_row)
