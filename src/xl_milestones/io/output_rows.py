"""Writing the rows of an output table (Payment Schedule, Validation: ``TableRows``) wholesale:
new rows built from pre-formatted pieces with one join, and old rows whose every cell lies in
the table's columns rewritten from their cells' start tags alone (a second refresh of a large
book is mostly rows like this). A row these paths cannot take gets one ``CellWrite`` per value
(``cell_writes``) and goes the general way (``io.row_edit``), which makes the same cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from xl_milestones.a1 import column_number
from xl_milestones.io.cell_builder import (
    LAYOUTS_KEPT,
    CellBuilder,
    Column,
    Layout,
    column_of,
    empty_tail,
    value_kind,
)
from xl_milestones.io.row_edit import drop_spans, row_without_cells
from xl_milestones.io.row_height import height_tag
from xl_milestones.io.sheet_edit import CellWrite, RowTally, SheetEdit, TableRows, Zone
from xl_milestones.io.sheet_scan import REF_ATTR, STYLE_ATTR

_NO_LAYOUT: Layout = ([], -1, False)  # not worked out yet


def cell_writes(edit: SheetEdit, table: TableRows, num: int, values: Sequence[object]) -> None:
    """The ``CellWrite``s of one table row, for a row the general path rewrites."""
    target = edit.writes.setdefault(num, {})
    for col, number, value in zip(table.cols, table.numbers, values, strict=True):
        target[col] = CellWrite(value, value_kind(value, number))


class OutputTableWriter(CellBuilder):
    """The fast paths for the rows of an output table (``_table_row``, ``_old_table_row``)."""

    # (index in a row, width) of the table's columns whose text wraps.
    _table_wrap: list[tuple[int, float]]
    # Layouts by the old cells' (letters, style) pairs (None: the row takes the general path).
    _table_layouts: dict[tuple[tuple[bytes, bytes], ...], Layout | None]

    def _new_table_columns(
        self,
        table_plan: list[tuple[int, int, bytes, str]],
        first_styles: dict[int, int],
        col_styles: dict[int, int],
    ) -> list[Column]:
        """The columns of new table rows: each starts from the style of the first data cell of
        its column, else the column's style."""
        columns: list[Column] = []
        for i, col, pre, number in table_plan:
            base = first_styles.get(col) or col_styles.get(col)
            columns.append(self._column(i, col, pre, number, base, empty_tail(base)))
        return columns

    def _table_height(self, tag: bytes, values: Sequence[object]) -> bytes:
        """``_fit_height`` for a row of an output table (Validation messages)."""
        return height_tag(tag, [(values[i], width) for i, width in self._table_wrap])

    def _old_table_row(
        self,
        num: int,
        tag: bytes,
        body: bytes,
        values: Sequence[object],
        plan: dict[int, tuple[int, str, bytes]],
        zone: Zone,
        state: RowTally,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> bytes | None:
        """An existing row of an output table whose every cell lies in the table's columns
        and is replaced: the row ``_build_row`` makes from one ``CellWrite`` per value, with
        only each old cell's start tag read (its style is kept). None when the row holds
        something that needs the general path: a formula, a cell without a reference, or a
        cell outside the table's columns (a second refresh of a large book is mostly rows
        like this, each otherwise parsed cell by cell)."""
        p = self.p
        marks = self._c_marks
        if body and (not body.startswith(marks[0]) or self._f_open in body):
            return None
        # The cells this writer makes start <c r=".." s=".."; others are read attribute-wise.
        tags: list[tuple[bytes, bytes]] = self._own_start_re.findall(body)
        if len(tags) != body.count(self._c_any):
            if marks[1] in body or marks[2] in body:
                return None
            tags = []
            for m in self._start_re.finditer(body):
                r = REF_ATTR.search(m.group(1))
                if r is None:
                    return None
                s = STYLE_ATTR.search(m.group(1))
                tags.append((r.group(1), s.group(1) if s else b""))
        key = tuple(tags)
        layouts = self._table_layouts
        layout = layouts.get(key, _NO_LAYOUT)
        if layout is _NO_LAYOUT or (layout is not None and layout[1] != len(first_styles)):
            layout = self._table_layout(tags, plan, zone.cols, col_styles, first_styles)
            if len(layouts) < LAYOUTS_KEPT:
                layouts[key] = layout
        if layout is None:
            return None
        columns = layout[0]
        if num > zone.min_last_row and not (self._v_open in body or self._is_open in body):
            zone.ended = True
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(b"%d" % num, values, columns, parts, used)
        if layout[2]:
            pairs = sorted(zip(used, parts, strict=True), key=column_of)
            used = [col for col, _cell in pairs]
            parts = [cell for _col, cell in pairs]
        if tag.endswith(b"/>"):  # a self-closed row: reopened, as the general path does
            tag = tag[:-2].rstrip() + b">"
        tag = drop_spans(tag)
        if self._table_wrap:
            tag = self._table_height(tag, values)
        if not parts:
            return row_without_cells(tag, p)
        state.note_row(num, (used[0], used[-1]))
        return tag + b"".join(parts) + b"</" + p + b"row>"

    def _table_layout(
        self,
        tags: list[tuple[bytes, bytes]],
        plan: dict[int, tuple[int, str, bytes]],
        cols: frozenset[int],
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> Layout | None:
        """The columns to write an old output-table row whose cells have the start tags
        ``tags`` (letters, style): old cells first, in their order, then the rest in field
        order, as ``_build_row`` numbers derived styles in the order first needed. None when
        a cell lies outside ``cols``."""
        olds: dict[int, int | None] = {}
        for letters, sty in tags:
            col = column_number(letters)
            if col not in cols:
                return None
            style = int(sty) if sty else None
            if style and col not in first_styles:
                first_styles[col] = style
            if col not in olds:
                olds[col] = style
        order = [*olds, *(col for col in plan if col not in olds)] if olds else list(plan)
        columns: list[Column] = []
        for col in order:
            i, number, pre = plan[col]
            base = olds.get(col) or first_styles.get(col) or col_styles.get(col)
            empty = b'" s="%d"/>' % base if base else (b'"/>' if col in olds else None)
            columns.append(self._column(i, col, pre, number, base, empty))
        in_order = all(a < b for a, b in itertools.pairwise(order))
        return columns, len(first_styles), not in_order

    def _table_plan(self, table: TableRows) -> list[tuple[int, int, bytes, str]]:
        """(index in a row, column, ``<c r="`` and its letters, Kind of numbers) of each
        column of ``table``, in field order as ``CellWrite``s are (styles are derived, and
        numbered, in that order); a column given twice takes its last value."""
        by_col: dict[int, tuple[int, str]] = {}
        for i, (col, number) in enumerate(zip(table.cols, table.numbers, strict=True)):
            by_col[col] = (i, number)
        return [
            (i, col, b"<" + self.p + b'c r="' + self._letter(col), number)
            for col, (i, number) in by_col.items()
        ]

    def _table_row(
        self,
        num: int,
        values: Sequence[object],
        columns: list[Column],
        plan_sorted: bool,
        state: RowTally,
    ) -> bytes:
        """A new row of an output table: the same cells ``_build_row`` makes from one
        ``CellWrite`` per value, built from pre-formatted pieces with one join; ``columns``
        in field order, each with the style new cells of its column start from."""
        rnum = b"%d" % num
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(rnum, values, columns, parts, used)
        if not parts:
            return b""
        if plan_sorted:
            state.note_row(num, (used[0], used[-1]))
        else:  # headers the user put out of field order: cells still go in column order
            order = sorted(range(len(used)), key=used.__getitem__)
            parts = [parts[k] for k in order]
            state.note_row(num, (used[order[0]], used[order[-1]]))
        p = self.p
        tag = b"<" + p + b'row r="' + rnum + b'">'
        if self._table_wrap:
            tag = self._table_height(tag, values)
        return tag + b"".join(parts) + b"</" + p + b"row>"
