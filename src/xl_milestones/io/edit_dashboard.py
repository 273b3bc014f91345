"""The Dashboard's editor: its as-of line and blocks written, a block of an earlier layout
widened, the charts that read a block re-pointed at its rows and drawings moved clear of it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from xl_milestones.a1 import column_number
from xl_milestones.book import BlockWrite, BookUpdate
from xl_milestones.core.schema import (
    DASHBOARD,
    DASHBOARD_AS_OF_ROW,
    DASHBOARD_TITLE_ROW,
    Block,
    normalize_header,
)
from xl_milestones.io.cash_curve import add_cash_curve
from xl_milestones.io.cell_builder import value_kind
from xl_milestones.io.cellstyles import Kind
from xl_milestones.io.charts import repoint_chart, shift_anchors
from xl_milestones.io.layout import (
    RETIRED_KEYS,
    SheetWork,
    kind_of,
    refuse_values_below,
    row_texts,
    widen_new_columns,
)
from xl_milestones.io.package import CHART_CT, DRAWING_TYPE, read_rels, rels_path
from xl_milestones.io.sheet_edit import CellWrite, Zone
from xl_milestones.io.sheets import Sheets
from xl_milestones.io.xmlbytes import as_utf8


def write_dashboard(ed: Sheets, update: BookUpdate) -> None:
    """Write the Dashboard's as-of line and blocks, and re-point the charts that read them."""
    entry = ed.find(DASHBOARD)
    blocks = update.blocks
    width = max(
        (column_number(b.block.first_column) + len(b.block.fields) - 1 for b in blocks),
        default=1,
    )
    work = ed.open(entry) if entry else ed.new_sheet(DASHBOARD, width)
    edit = work.edit
    writes = edit.writes
    edit.header_row = min((b.block.header_row for b in blocks), default=DASHBOARD_AS_OF_ROW)
    if work.created:
        writes.setdefault(DASHBOARD_TITLE_ROW, {})[1] = CellWrite(DASHBOARD.name, Kind.TEXT)
    if update.dashboard_header:
        writes.setdefault(DASHBOARD_AS_OF_ROW, {})[1] = CellWrite(
            update.dashboard_header, Kind.TEXT
        )
    extents: list[tuple[Block, list[tuple[object, ...]]]] = []
    renamed: dict[tuple[int, int], str] = {}
    widened: list[tuple[int, int]] = []
    for bw in blocks:
        widened.extend(_block(ed, bw, work, renamed))
        extents.append((bw.block, bw.rows))
    ed.finish(work, DASHBOARD)
    name = work.entry.name if work.entry else DASHBOARD.name
    _charts(ed, name, extents, renamed)
    if widened and work.entry is not None:
        _move_drawings(ed, work.part, widened)
        # An earlier layout drew one S-curve, now the value curve: the cash curve joins it.
        add_cash_curve(ed.pkg, work.part, name, extents, ed.date1904)


def _block(
    ed: Sheets, bw: BlockWrite, work: SheetWork, renamed: dict[tuple[int, int], str]
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
    titles = {} if work.created or title_row < 1 else row_texts(ed.pkg, work, title_row)[0]
    if block.header_row > 1 and (
        work.created or normalize_header(titles.get(c0, "")) in RETIRED_KEYS
    ):
        writes.setdefault(title_row, {})[c0] = CellWrite(block.title, Kind.TEXT)
    texts = {} if work.created else row_texts(ed.pkg, work, block.header_row)[0]
    own = {normalize_header(f.header) for f in block.fields}
    head = writes.setdefault(block.header_row, {})
    old_last = c0 - 1
    for f, col in zip(block.fields, cols, strict=True):
        key = normalize_header(texts.get(col, ""))
        stale = key in RETIRED_KEYS or (key in own and key != f.key)
        head[col] = CellWrite(f.header, Kind.TEXT, only_if_empty=not stale)
        if stale:
            renamed[(col, block.header_row)] = f.header
    col = c0
    while normalize_header(texts.get(col, "")) in own | RETIRED_KEYS:
        old_last = col
        col += 1
    grew = bool(renamed) and c0 <= old_last < cols[-1]
    if grew:
        widen_new_columns(work.rewriter, range(old_last + 1, cols[-1] + 1), 14)
    if not work.created:
        refuse_values_below(
            work,
            frozenset(cols),
            block.header_row,
            block.header_row + len(bw.rows),
            f"the Dashboard block '{block.title}'",
        )
    zone = Zone(frozenset(cols), block.header_row + 1, block.header_row, keep_styles=True)
    work.edit.zones.append(zone)
    for i, row in enumerate(bw.rows):
        if len(row) != len(cols):
            raise ValueError(f"block {block.title!r} row {i} has {len(row)} values")
        target = writes.setdefault(block.header_row + 1 + i, {})
        for f, col, value in zip(block.fields, cols, row, strict=True):
            # Amounts are Decimals (counts ints): money in the reporting currency's minor units.
            kind = value_kind(value, Kind.MONEY) if isinstance(value, Decimal) else None
            target[col] = CellWrite(value, kind or kind_of(value, f.type))
    return [(old_last, cols[-1])] if grew else []


def _move_drawings(ed: Sheets, sheet_part: str, widened: list[tuple[int, int]]) -> None:
    """Charts and pictures anchored right of a block that an earlier layout made narrower
    would now cover its new columns: move them right by as many columns as it grew."""
    pkg = ed.pkg
    for rel in read_rels(pkg.read(rels_path(sheet_part)), sheet_part):
        if rel.type != DRAWING_TYPE or rel.external:
            continue
        data = pkg.read(rel.target)
        if data is None:
            continue
        new = shift_anchors(as_utf8(data, rel.target), widened)
        if new is not None:
            pkg.set(pkg.real(rel.target), new)


def _charts(
    ed: Sheets,
    sheet_name: str,
    blocks: list[tuple[Block, list[tuple[object, ...]]]],
    renamed: Mapping[tuple[int, int], str] | None = None,
) -> None:
    if not blocks:
        return
    pkg = ed.pkg
    charts = [
        pkg.real(name)
        for name, ctype in pkg.content_types.items()
        if ctype == CHART_CT and pkg.real(name).lower() in pkg.names
    ]
    for part in charts:
        data = pkg.read(part)
        if data is None:
            continue
        new = repoint_chart(as_utf8(data, part), sheet_name, blocks, ed.date1904, renamed or {})
        if new is not None:
            pkg.set(part, new)
