"""Writing the result columns of the Milestones rows (``BulkWrites``): the hot path of a large
refresh, with as little work per cell as possible.

The result cells an earlier refresh wrote are known by their start tags alone (column and
style), and the rows of a refreshed sheet repeat a few such layouts, each worked out once; a row
whose cells are not in that form has the cells from its first result column on parsed, and a
row this path cannot take at all (``NeedsSlowPath``) goes the general way (``io.row_edit``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping

from xl_milestones.a1 import column_number
from xl_milestones.io.cell_builder import (
    LAYOUTS_KEPT,
    MISSING,
    CellBuilder,
    Column,
    Layout,
    column_of,
    empty_tail,
)
from xl_milestones.io.row_edit import drop_spans
from xl_milestones.io.row_height import height_tag
from xl_milestones.io.sheet_edit import BulkWrites, RowTally
from xl_milestones.io.sheet_scan import REF_ATTR, STYLE_ATTR


class NeedsSlowPath(Exception):
    """A row the fast path cannot handle; the general path rewrites it."""


class ResultRowWriter(CellBuilder):
    """The fast path for rows that only receive result values (``_bulk_row``)."""

    # (field name, column, Kind of numbers, ``<c r="`` and its letters) of each result column,
    # in column order, and the result columns whose text wraps, with their widths.
    _plan: list[tuple[str, int, str, bytes]]
    _wrap: list[tuple[str, float]]
    _wrap_cols: dict[int, float]
    _plan_cols: frozenset[int]
    _values: Callable[[Mapping[str, object]], tuple[object, ...]]  # a row's values, in order
    # Layouts by the old result cells' (letters, style) pairs.
    _bulk_layouts: dict[tuple[tuple[bytes, bytes], ...], Layout]

    def _plan_results(self, bulk: BulkWrites | None) -> None:
        """The result columns of ``bulk`` in column order, and how a row's values are taken;
        no layout known yet."""
        self._bulk_layouts = {}
        if bulk is None:
            self._plan, self._plan_cols, self._values = [], frozenset(), tuple
            return
        self._plan = sorted(
            (
                (name, col, number, b"<" + self.p + b'c r="' + self._letter(col))
                for name, col, number in bulk.columns
            ),
            key=lambda item: item[1],
        )
        self._plan_cols = frozenset(col for _n, col, _k, _p in self._plan)
        names = [name for name, _c, _k, _p in self._plan]
        if len(names) == 1:
            self._values = lambda values: (values[names[0]],)
        else:
            self._values = operator.itemgetter(*names)

    def _fit_height(self, tag: bytes, values: Mapping[str, object], body: bytes) -> bytes:
        """The row's start tag with the height its wrapped result texts need (``height_tag``);
        the row's ``body`` holds the texts an earlier refresh sized it for."""
        return height_tag(
            tag,
            [(values.get(name), width) for name, width in self._wrap],
            lambda: self._old_wrap_texts(body),
        )

    def _old_wrap_texts(self, body: bytes) -> list[tuple[object, float]]:
        """The texts a row body holds in the wrapping result columns, with their widths."""
        widths = self._wrap_cols
        return [
            (self.old_text(attrs, content), widths[col])
            for col, attrs, _whole, content in self.cells(body)
            if col in widths
        ]

    def _bulk_row(
        self,
        num: int,
        tag: bytes,
        body: bytes,
        values: Mapping[str, object],
        state: RowTally,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> bytes:
        """A row that only receives result values: the hot path of a large refresh, written
        with as little work per cell as possible (caches for text, dates and styles).

        The result cells an earlier refresh wrote are known by their start tags alone (column
        and style) where the row allows it; otherwise the cells from the first result column
        on are parsed. A field missing from ``values`` keeps its old cell."""
        plan = self._plan
        try:
            row = self._values(values)
            whole = False
        except KeyError:
            row = tuple(values.get(name, MISSING) for name, _c, _k, _p in plan)
            whole = True
        rnum = b"%d" % num
        others: list[tuple[int, bytes]] = []
        keep: dict[int, bytes] | None = None
        cut = self._results_start(rnum, body)
        layout = self._bulk_layout(body[cut:], first_styles, col_styles) if cut >= 0 else None
        if layout is not None:
            columns = layout[0]
            if layout[2] or whole:  # cells to keep: their bytes are needed
                cells = self._own_cell_re.finditer(body, cut)
                olds = [(column_number(m.group(1)), m.group(0)) for m in cells]
                others = [(col, cell) for col, cell in olds if col not in self._plan_cols]
                keep = {col: cell for col, cell in olds if col in self._plan_cols}
        else:
            cut = self._tail_start(body, plan[0][1])
            parsed = self._parsed_results(body[cut:], state, col_styles, first_styles)
            columns, others, keep = parsed
        parts: list[bytes] = []
        used: list[int] = []
        self._fill(rnum, row, columns, parts, used, keep)
        if others:
            pairs = sorted([*zip(used, parts, strict=True), *others], key=column_of)
            used = [col for col, _cell in pairs]
            parts = [cell for _col, cell in pairs]
        if parts:
            state.note_row(num, (used[0], used[-1]))
        elif cut:
            state.note_row(num, None)
        return drop_spans(tag) + body[:cut] + b"".join(parts) + b"</" + self.p + b"row>"

    def _results_start(self, rnum: bytes, body: bytes) -> int:
        """Where the cells from the first result column on start in a row body, as
        ``_tail_start`` finds it, when they may be read by their start tags alone: the first
        result column's cell is there (or the last cell is before it: no results yet), no
        cell before it is in a later column, and no formula follows. -1 otherwise."""
        marks = self._c_marks
        if marks[1] in body:
            return -1
        cut = body.find(self._plan[0][3] + rnum + b'"')
        if cut < 0:
            cut = len(body)  # no results yet if the last cell is left of them
        elif body.find(self._f_open, cut) >= 0:
            return -1
        before = body.rfind(marks[0], 0, cut)
        if before >= 0:
            r = REF_ATTR.search(body, before, body.find(b">", before))
            if r is None or column_number(r.group(1)) >= self._plan[0][1]:
                return -1
        return cut

    def _bulk_layout(
        self, tail: bytes, first_styles: dict[int, int], col_styles: dict[int, int]
    ) -> Layout | None:
        """The columns to write the results of a row whose cells from the first result column
        on are ``tail`` (no formula among them); None unless each of them starts as this
        writer makes cells (a reference, a style, a type) and lies in a result column or later.

        Rows of a refreshed sheet repeat a few layouts of columns and styles, so a layout is
        worked out once: what its first row sets in ``first_styles`` a later one would not,
        and it is worked out again once ``first_styles`` has grown."""
        tags: list[tuple[bytes, bytes]] = self._own_start_re.findall(tail)
        if len(tags) != tail.count(self._c_any):
            return None
        key = tuple(tags)
        layout = self._bulk_layouts.get(key)
        if layout is not None and layout[1] == len(first_styles):
            return layout
        plan, plan_cols = self._plan, self._plan_cols
        cols = [column_number(letters) for letters, _sty in tags]
        if cols and min(cols) < plan[0][1]:  # out of order: not where _tail_start would cut
            return None
        olds: dict[int, int | None] = {}
        for col, (_letters, sty) in zip(cols, tags, strict=True):
            if col in plan_cols:
                style = int(sty) if sty else None
                if style and col not in first_styles:
                    first_styles[col] = style
                olds[col] = style  # a repeated cell: the last one counts
        columns: list[Column] = []
        for i, (_name, col, number, pre) in enumerate(plan):
            base = olds.get(col) or first_styles.get(col) or col_styles.get(col)
            columns.append(self._column(i, col, pre, number, base, empty_tail(base)))
        layout = (columns, len(first_styles), not plan_cols.issuperset(cols))
        if len(self._bulk_layouts) < LAYOUTS_KEPT:
            self._bulk_layouts[key] = layout
        return layout

    def _parsed_results(
        self,
        tail: bytes,
        state: RowTally,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> tuple[list[Column], list[tuple[int, bytes]], dict[int, bytes]]:
        """The result columns of a row whose cells from the first result column on,
        ``tail``, are parsed: the columns to write, the other cells there and the old
        result cells, kept where a field has no value to write."""
        olds: dict[int, tuple[int | None, bytes]] = {}
        others: list[tuple[int, bytes]] = []
        for col, attrs, whole, content in self.cells(tail):
            if col in self._plan_cols:
                m = STYLE_ATTR.search(attrs)
                style = int(m.group(1)) if m else None
                if style and col not in first_styles:
                    first_styles[col] = style
                if self._f_open in content and self._f_re.search(content):
                    state.had_formula = True  # calcChain goes; see _note_removed
                    f = self._f_re.search(content)
                    if f and b"shared" in f.group(1) and b"ref=" in f.group(1):
                        # A shared formula's master: its followers need the slow path.
                        raise NeedsSlowPath
                olds[col] = (style, whole)
            else:
                others.append((col, whole))
        columns: list[Column] = []
        for i, (_name, col, number, pre) in enumerate(self._plan):
            prior = olds.get(col)
            base = (prior[0] if prior else None) or first_styles.get(col) or col_styles.get(col)
            columns.append(self._column(i, col, pre, number, base, empty_tail(base)))
        return columns, others, {col: whole for col, (_s, whole) in olds.items()}
