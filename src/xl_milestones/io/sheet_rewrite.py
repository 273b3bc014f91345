"""Rewriting a worksheet part row by row: given cells to write and column ranges to clear, every
other row is copied as the same bytes and every other cell of a touched row is kept as it was.

``SheetRewriter.rewrite`` walks the rows once and hands each row to the path that fits it:
- a row nothing touches is copied as it was;
- a Milestones row that only receives results: ``io.result_rows``;
- a row of an output table (Payment Schedule, Validation): ``io.output_rows``;
- any other row (headers, single writes, zones to clear, formulas): ``io.row_edit``;
then the new rows the edit adds, the ``<dimension>`` and the hyperlinks. The layers below it:
``io.sheet_scan`` finds rows and cells, ``io.cell_builder`` makes cells' XML, and
``io.sheet_edit`` holds the edit to make.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from xl_milestones.a1 import format_range, parse_range
from xl_milestones.io.cell_builder import Column
from xl_milestones.io.output_rows import OutputTableWriter, cell_writes
from xl_milestones.io.result_rows import NeedsSlowPath, ResultRowWriter
from xl_milestones.io.row_edit import RowEditor, shown_row
from xl_milestones.io.row_height import DEFAULT_COLUMN_WIDTH
from xl_milestones.io.sheet_edit import (
    RewriteResult,
    RowTally,
    SheetEdit,
    TableRows,
    Zone,
)
from xl_milestones.io.sheet_scan import STYLE_ATTR, RowSpan
from xl_milestones.io.xmlbytes import (
    find_element,
    get_attr,
    insert_before_first,
    set_attr,
    xml_text,
)

# Elements that follow <hyperlinks> in a worksheet (ECMA-376 CT_Worksheet order).
_AFTER_HYPERLINKS = (
    b"printOptions",
    b"pageMargins",
    b"pageSetup",
    b"headerFooter",
    b"rowBreaks",
    b"colBreaks",
    b"customProperties",
    b"cellWatches",
    b"ignoredErrors",
    b"smartTags",
    b"drawing",
    b"legacyDrawing",
    b"legacyDrawingHF",
    b"drawingHF",
    b"picture",
    b"oleObjects",
    b"controls",
    b"webPublishItems",
    b"tableParts",
    b"extLst",
)


@dataclass(slots=True)
class _Pass:
    """What one ``rewrite`` works with while it walks the rows."""

    edit: SheetEdit
    chunks: list[bytes]  # the part's bytes so far; the first, its head, is filled in last
    pending: list[int]  # the rows with something to write, in order
    bulk_rows: Mapping[int, Mapping[str, object]]
    bulk_min: int  # the first result column
    table: TableRows | None
    table_nums: range
    table_plan: list[tuple[int, int, bytes, str]]
    plan_sorted: bool  # the table's columns are in column order
    table_cols: frozenset[int]
    plan_by_col: dict[int, tuple[int, str, bytes]]
    col_styles: dict[int, int]
    first_styles: dict[int, int]  # the style of the first data cell of each column
    orphans: set[bytes]  # shared formulas whose master cell went
    state: RowTally
    active: list[Zone] = field(default_factory=list)  # the zones the current row lies in
    next_new: int = 0  # the first of ``pending`` not yet written as a new row
    last_row: int = 0  # the last old row read
    pos: int = 0  # where the bytes not yet copied start


class SheetRewriter(RowEditor, ResultRowWriter, OutputTableWriter):
    """One pass over a worksheet part's bytes, producing the rewritten part as chunks."""

    def rewrite(self, edit: SheetEdit) -> RewriteResult:
        """The part with ``edit`` made, as chunks to write one after another."""
        data = self.data
        run = self._start(edit)
        for where in self.iter_rows():
            num = where[0]
            self._new_rows(run, num)
            run.chunks.append(data[run.pos : where[1]])  # whitespace between rows, as it was
            run.pos = where[4]
            run.active = self._zones_at(run, num)
            row = self._old_row(run, where)
            if row:
                run.chunks.append(row)
        self._new_rows(run, 1 << 30)
        run.chunks.append(data[run.pos : self.rows_end])
        run.chunks[0] = self._head(run.state)
        run.chunks.append(self._tail(edit))
        return RewriteResult(run.chunks, run.state.had_formula, run.state.rows)

    def _start(self, edit: SheetEdit) -> _Pass:
        """The plans of the results and the output table, the caches cleared, the column
        styles and the wrapping columns' widths: what the walk over the rows needs."""
        bulk = edit.bulk
        bulk_rows = bulk.rows if bulk is not None else {}
        bulk_min = min((c for _n, c, _k in bulk.columns), default=1 << 30) if bulk else 1 << 30
        table = edit.table
        table_nums = (
            range(table.first_row, table.first_row + len(table.rows)) if table else range(0)
        )
        pending = sorted(set(edit.writes) | set(bulk_rows) | set(table_nums))
        table_plan = self._table_plan(table) if table is not None else []
        self._plan_results(bulk)
        self._table_layouts = {}
        col_styles = self.column_styles()
        self._set_wrapping(col_styles, table_plan)
        return _Pass(
            edit=edit,
            chunks=[b""],
            pending=pending,
            bulk_rows=bulk_rows,
            bulk_min=bulk_min,
            table=table,
            table_nums=table_nums,
            table_plan=table_plan,
            plan_sorted=all(a[1] < b[1] for a, b in itertools.pairwise(table_plan)),
            table_cols=frozenset(table.cols) if table is not None else frozenset(),
            plan_by_col={col: (i, number, pre) for i, col, pre, number in table_plan},
            col_styles=col_styles,
            first_styles={},
            orphans=set(),
            state=RowTally(),
            pos=self.rows_start,
        )

    def _set_wrapping(
        self, col_styles: dict[int, int], table_plan: list[tuple[int, int, bytes, str]]
    ) -> None:
        """The columns whose style wraps text, with their widths: the rows written there get
        the height the wrapped text needs (LibreOffice does not size rows to wrapped text on
        opening)."""
        widths = self.column_widths()
        self._wrap_widths = {
            col: widths.get(col, DEFAULT_COLUMN_WIDTH)
            for col, style in col_styles.items()
            if self.styles.wraps(style)
        }
        # The result columns among them, by column and, in the plan's order, by field.
        self._wrap_cols = {
            col: self._wrap_widths[col]
            for _name, col, _k, _p in self._plan
            if col in self._wrap_widths
        }
        self._wrap = [
            (name, self._wrap_widths[col])
            for name, col, _k, _p in self._plan
            if col in self._wrap_widths
        ]
        self._table_wrap = [
            (i, self._wrap_widths[col])
            for i, col, _pre, _number in table_plan
            if col in self._wrap_widths
        ]

    def _new_rows(self, run: _Pass, below: int) -> None:
        """The rows to write that the sheet does not have yet, up to row ``below``."""
        edit, table, pending = run.edit, run.table, run.pending
        # The styles new table cells start from, fixed while no old row is read.
        columns: list[Column] = []
        while run.next_new < len(pending) and pending[run.next_new] < below:
            num = pending[run.next_new]
            run.next_new += 1
            if num <= run.last_row:
                continue
            if table is not None and num in run.table_nums:
                values = table.rows[num - table.first_row]
                if num not in edit.writes and num not in run.bulk_rows:
                    if not columns:
                        columns = self._new_table_columns(
                            run.table_plan, run.first_styles, run.col_styles
                        )
                    row = self._table_row(num, values, columns, run.plan_sorted, run.state)
                    if row:
                        run.chunks.append(row)
                    continue
                cell_writes(edit, table, num, values)
            row = self._build_row(
                num,
                b"<" + self.p + b'row r="%d">' % num,
                [],
                edit,
                run.state,
                run.col_styles,
                run.first_styles,
                run.orphans,
            )
            if row:
                run.chunks.append(row)

    def _zones_at(self, run: _Pass, num: int) -> list[Zone]:
        """The zones old row ``num`` lies in, once the zones it shows ended are marked so."""
        for zone in run.edit.zones:
            # A missing row is an empty row: one past the table's end ends the zone.
            if not zone.ended and num - 1 >= max(
                run.last_row + 1, zone.min_last_row + 1, zone.first_row
            ):
                zone.ended = True
        run.last_row = num
        return [z for z in run.edit.zones if not z.ended and num >= z.first_row]

    def _old_row(self, run: _Pass, where: RowSpan) -> bytes:
        """An old row as it is written now, by the path that fits it."""
        num, start, body_start, body_end, end = where
        data, edit, active = self.data, run.edit, run.active
        if run.table is not None and num in run.table_nums:
            row = self._old_table_row_in_place(run, where)
            if row is not None:
                return row
        row_writes = edit.writes.get(num)
        row_bulk = run.bulk_rows.get(num)
        if num == edit.style_row:
            self._take_first_styles(run.first_styles, data[body_start:body_end])
        if (
            row_writes is None
            and row_bulk is None
            and not active
            and not (run.orphans and b"shared" in data[body_start:body_end])
        ):
            if any(
                mark in data[body_start:body_end] for mark in self._c_marks
            ) or self._broken_start.search(data, body_start, body_end):
                run.state.note_row(num, None)
            return data[start:end]
        tag = self._row_tag(run, start, body_start)
        if body_start == end:  # self-closed row: reopen it to add cells
            tag = tag[:-2].rstrip() + b">"
        body = data[body_start:body_end]
        if self._wrap and row_bulk is not None:
            tag = self._fit_height(tag, row_bulk, body)
        if (
            row_bulk is not None
            and row_writes is None
            and not active
            and not run.orphans
            and num > edit.header_row
        ):
            try:
                return self._bulk_row(
                    num, tag, body, row_bulk, run.state, run.col_styles, run.first_styles
                )
            except NeedsSlowPath:
                pass
        return self._general_row(run, num, tag, body)

    def _row_tag(self, run: _Pass, start: int, body_start: int) -> bytes:
        """The start tag of the old row at ``start``, shown again in a zone that asks so."""
        tag = self.data[start:body_start]
        if b"hidden=" in tag and any(zone.shown for zone in run.active):
            return shown_row(tag)
        return tag

    def _old_table_row_in_place(self, run: _Pass, where: RowSpan) -> bytes | None:
        """An old row of the output table rewritten by the fast path where it can take it;
        else None, the row's ``CellWrite``s made for the general path."""
        assert run.table is not None
        num, start, body_start, body_end, _end = where
        edit, active = run.edit, run.active
        values = run.table.rows[num - run.table.first_row]
        if (
            num > edit.header_row
            and num != edit.style_row
            and num not in edit.writes
            and num not in run.bulk_rows
            and not run.orphans
            and len(active) == 1
            and active[0].cols == run.table_cols
        ):
            row = self._old_table_row(
                num,
                self._row_tag(run, start, body_start),
                self.data[body_start:body_end],
                values,
                run.plan_by_col,
                active[0],
                run.state,
                run.col_styles,
                run.first_styles,
            )
            if row is not None:
                return row
        cell_writes(edit, run.table, num, values)
        return None

    def _take_first_styles(self, first_styles: dict[int, int], body: bytes) -> None:
        """The style row's cell styles become the ones new cells copy first; the layouts
        worked out so far are forgotten (a style they took may have changed)."""
        for col, attrs, _whole, _content in self.cells(body):
            s = STYLE_ATTR.search(attrs)
            if s and int(s.group(1)):
                first_styles[col] = int(s.group(1))
        self._bulk_layouts.clear()
        self._table_layouts.clear()

    def _general_row(self, run: _Pass, num: int, tag: bytes, body: bytes) -> bytes:
        """Old row ``num`` (start tag ``tag``) rewritten the general way (``_build_row``)."""
        # Cells left of every written or cleared column are kept as they are, unparsed.
        cut = 0
        active = run.active
        if not run.orphans and num != run.edit.header_row:
            row_writes = run.edit.writes.get(num)
            wanted = [*row_writes] if row_writes else []
            for zone in active:
                wanted.extend(zone.cols)
            if run.bulk_rows.get(num) is not None:
                wanted.append(run.bulk_min)
            cut = self._tail_start(body, min(wanted)) if wanted else len(body)
        cells = self.cells(body[cut:])
        return self._build_row(
            num,
            tag,
            cells,
            run.edit,
            run.state,
            run.col_styles,
            run.first_styles,
            run.orphans,
            active,
            body[:cut],
        )

    def _head(self, state: RowTally) -> bytes:
        head = self.head
        start, end = find_element(head, self.p, b"dimension")
        if start < 0 or state.rows == 0:
            return head
        old = parse_range(get_attr(head[start:end], b"ref") or "")
        if old is None and state.max_col == 0:
            return head
        c1, c2 = state.min_col, state.max_col
        if old is not None:
            c1, c2 = min(c1, old[0]), max(c2, old[2])
        ref = format_range(c1, state.min_row, c2, state.max_row)
        return head[:start] + set_attr(head[start:end], b"ref", ref) + head[end:]

    def _tail(self, edit: SheetEdit) -> bytes:
        tail = self.tail
        if edit.link_area is None and not edit.links:
            return tail
        p = self.p
        kept: list[bytes] = []
        start, end = find_element(tail, p, b"hyperlinks")
        if start >= 0:
            for m in re.finditer(b"<" + re.escape(p) + rb"hyperlink\b[^>]*>", tail[start:end]):
                where = parse_range(get_attr(m.group(0), b"ref") or "")
                if where and edit.link_area:
                    cols, first = edit.link_area
                    if where[0] in cols and where[1] >= first:
                        continue
                kept.append(m.group(0) if m.group(0).endswith(b"/>") else m.group(0)[:-1] + b"/>")
            tail = tail[:start] + tail[end:]
        for ref, location in sorted(edit.links.items(), key=lambda kv: _ref_key(kv[0])):
            kept.append(
                b"<"
                + p
                + b'hyperlink ref="'
                + ref.encode()
                + b'" location="'
                + xml_text(location).encode()
                + b'" display="'
                + xml_text(location.rsplit("!", 1)[-1]).encode()
                + b'"/>'
            )
        if not kept:
            return tail
        block = b"<" + p + b"hyperlinks>" + b"".join(kept) + b"</" + p + b"hyperlinks>"
        return insert_before_first(tail, p, _AFTER_HYPERLINKS, b"worksheet", block)


def _ref_key(ref: str) -> tuple[int, int]:
    got = parse_range(ref)
    return (got[1], got[0]) if got else (0, 0)
