"""The output tables' editor (Payment Schedule, Validation, Sign-off Queue, Changes and the
Refresh Log, whose rows are appended): the sheet's table found or the sheet created, its rows
replaced, its Excel table resized, its Cell links written."""

from __future__ import annotations

from xl_milestones.a1 import column_letter
from xl_milestones.book import TableWrite
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
        dim = work.rewriter.dimension()
        empty = work.created or not any(True for _ in work.rewriter.iter_rows())
        header_row = 1 if empty or dim is None else dim[3] + 2
        layout = Layout(header_row, {}, 0, None, None)
    lay_out_anew(ed.pkg, work, layout, sheet)
    add_columns(ed.pkg, work, layout, sheet, names)
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
        if not work.created:
            last = max(first - 1 + len(tw.rows), header + 1)
            refuse_values_below(work, owned, end, last, f"the {sheet.name} table")
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
