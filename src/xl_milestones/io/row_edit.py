"""Rewriting one row the general way: each old cell parsed and kept, rewritten or cleared (a
zone), then the new cells added, in column order. Every row the faster paths of
``io.result_rows`` and ``io.output_rows`` cannot take comes here: header rows, rows of single
writes, rows with shared formulas, rows with cells out of the usual form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from xl_milestones.io.cell_builder import MISSING, CellBuilder, value_kind
from xl_milestones.io.row_height import height_tag
from xl_milestones.io.sheet_edit import CellWrite, RowTally, SheetEdit, Zone
from xl_milestones.io.sheet_scan import REF_ATTR, STYLE_ATTR

_SPANS = re.compile(rb'\sspans="[^"]*"')


def drop_spans(tag: bytes) -> bytes:
    """The row start tag without its ``spans`` (an optional hint of the row's first and last
    column; a changed row may not fit it)."""
    return _SPANS.sub(b"", tag, count=1) if b"spans=" in tag else tag


_HIDDEN = re.compile(rb'\shidden="[^"]*"')


def shown_row(tag: bytes) -> bytes:
    """The row start tag without its ``hidden`` (a row shown again)."""
    return _HIDDEN.sub(b"", tag, count=1) if b"hidden=" in tag else tag


def row_without_cells(tag: bytes, prefix: bytes) -> bytes:
    """A row left with no cell (start tag ``tag``, without spans): a row that keeps its
    height or style stays, self-closed; a bare one goes."""
    bare = re.sub(rb'\s(?:r|spans)="[^"]*"', b"", tag)
    if re.fullmatch(b"<" + re.escape(prefix) + rb"row\s*>", bare):
        return b""
    return tag[:-1].rstrip() + b"/>"


@dataclass(slots=True)
class _RowEdit:
    """What rewriting one row the general way works with."""

    num: int
    rnum: bytes
    writes: dict[int, CellWrite]  # this row's writes not yet placed
    bulk: dict[int, tuple[object, str]]  # this row's bulk values not yet placed
    header_row: int
    clear: set[int]  # the columns of the zones the row is in
    state: RowTally
    col_styles: dict[int, int]
    first_styles: dict[int, int]
    orphans: set[bytes]
    keep_styles: set[int] = field(default_factory=set)  # cleared columns whose styles stay
    zone_values: dict[int, bool] = field(default_factory=dict)


class RowEditor(CellBuilder):
    """The general way of rewriting a row (``_build_row``)."""

    # Columns whose style wraps text, and their widths: a write there sets the row height.
    _wrap_widths: dict[int, float]

    def _build_row(
        self,
        num: int,
        tag: bytes,
        cells: list[tuple[int, bytes, bytes, bytes]],
        edit: SheetEdit,
        state: RowTally,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
        orphans: set[bytes],
        active: list[Zone] | None = None,
        kept: bytes = b"",
    ) -> bytes:
        """One row rewritten the general way: each old cell kept, rewritten or cleared, then
        the new cells, in column order."""
        row = _RowEdit(
            num,
            b"%d" % num,
            dict(edit.writes.get(num, {})),
            self._bulk_cells(edit, num),
            edit.header_row,
            set().union(*(zone.cols for zone in active or ())),
            state,
            col_styles,
            first_styles,
            orphans,
            set().union(*(zone.cols for zone in active or () if zone.keep_styles)),
        )
        # A row an output table no longer reaches loses the height of its old text.
        cleared = not row.writes and any(zone.shown for zone in active or ())
        if self._wrap_widths and (row.writes or cleared):
            texts = [
                (w.value, self._wrap_widths[c])
                for c, w in row.writes.items()
                if c in self._wrap_widths
            ]
            if texts or cleared:
                tag = height_tag(tag, texts)
        out: list[tuple[int, bytes]] = []
        for col, attrs, whole, content in cells:
            cell = self._old_cell(row, col, attrs, whole, content)
            if cell is not None:
                out.append((col, cell))
        for zone in active or ():
            if num > zone.min_last_row and not any(row.zone_values.get(c) for c in zone.cols):
                zone.ended = True
        out.extend(self._new_cells(row))
        out.sort(key=lambda item: item[0])
        return self._close_row(tag, out, kept, num, state)

    def _bulk_cells(self, edit: SheetEdit, num: int) -> dict[int, tuple[object, str]]:
        """The bulk result values of row ``num`` by column, with their number kind."""
        values = edit.bulk.rows.get(num) if edit.bulk is not None else None
        if not values or edit.bulk is None:
            return {}
        return {
            col: (value, number)
            for name, col, number in edit.bulk.columns
            if (value := values.get(name, MISSING)) is not MISSING
        }

    def _old_cell(
        self, row: _RowEdit, col: int, attrs: bytes, whole: bytes, content: bytes
    ) -> bytes | None:
        """An existing cell of the row as it is written now: a bulk value or a write in its
        place, cleared (None) in a zone, else kept (with its reference added if it had none)."""
        s = STYLE_ATTR.search(attrs)
        style = int(s.group(1)) if s else None
        has_value = self._v_open in content or self._is_open in content
        formula = self._f_open in content and self._f_re.search(content) is not None
        if row.num > row.header_row and style and col not in row.first_styles:
            row.first_styles[col] = style
        if col in row.clear:
            row.zone_values[col] = row.zone_values.get(col, False) or has_value
        got = row.bulk.pop(col, None) if row.bulk else None
        if got is not None:
            if formula:
                self._note_removed(content, formula, row.orphans, row.state)
            value, number = got
            base = style or row.first_styles.get(col) or row.col_styles.get(col)
            if value is not None:
                base = self.styles.fit(base, value_kind(value, number))
            return self.cell_xml(self._letter(col) + row.rnum, base, value)
        cw = row.writes.pop(col, None)
        if cw is not None and not (cw.only_if_empty and has_value):
            self._note_removed(content, formula, row.orphans, row.state)
            style = self._style_for(cw, style, col, row.col_styles, row.first_styles)
            return self.cell_xml(self._letter(col) + row.rnum, style, cw.value)
        if cw is None and col in row.clear:
            self._note_removed(content, formula, row.orphans, row.state)
            if style and col in row.keep_styles:
                return self.cell_xml(self._letter(col) + row.rnum, style, None)
            return None
        # Kept (an only_if_empty write of a cell with a value keeps it too).
        if row.orphans and formula:
            whole = self._drop_orphan_formula(whole, row.orphans, row.state)
        if not REF_ATTR.search(attrs):
            at = 1 + len(self.p) + 1
            whole = whole[:at] + b' r="%s%d"' % (self._letter(col), row.num) + whole[at:]
        return whole

    def _new_cells(self, row: _RowEdit) -> Iterator[tuple[int, bytes]]:
        """The cells of the bulk values and writes the row had no cell for."""
        for col, (value, number) in row.bulk.items():
            base = row.first_styles.get(col) or row.col_styles.get(col)
            if value is not None:
                base = self.styles.fit(base, value_kind(value, number))
            elif base is None:
                continue
            yield col, self.cell_xml(self._letter(col) + row.rnum, base, value)
        for col, cw in row.writes.items():
            style = self._style_for(cw, None, col, row.col_styles, row.first_styles)
            if cw.value is None and style is None:
                continue
            yield col, self.cell_xml(self._letter(col) + row.rnum, style, cw.value)

    def _close_row(
        self, tag: bytes, out: list[tuple[int, bytes]], kept: bytes, num: int, state: RowTally
    ) -> bytes:
        """The row element of the cells ``out`` (after the unparsed cells ``kept``)."""
        if kept:
            out.insert(0, (0, kept))
            state.note_row(num, (out[1][0], out[-1][0]) if len(out) > 1 else None)
        elif out:
            state.note_row(num, (out[0][0], out[-1][0]))
        tag = drop_spans(tag)
        if not out:
            return row_without_cells(tag, self.p)
        return tag + b"".join(c for _col, c in out) + b"</" + self.p + b"row>"

    def _style_for(
        self,
        cw: CellWrite,
        old: int | None,
        col: int,
        col_styles: dict[int, int],
        first_styles: dict[int, int],
    ) -> int | None:
        style = old or cw.style or first_styles.get(col) or col_styles.get(col)
        if cw.value is None:
            return style
        return self.styles.fit(style, cw.kind)

    def _note_removed(
        self, content: bytes, formula: bool, orphans: set[bytes], state: RowTally
    ) -> None:
        if not formula:
            return
        state.had_formula = True
        m = self._f_re.search(content)
        if m and b"shared" in m.group(1) and b"ref=" in m.group(1):
            si = re.search(rb'\ssi="(\d+)"', m.group(1))
            if si:
                orphans.add(si.group(1))

    def _drop_orphan_formula(self, whole: bytes, orphans: set[bytes], state: RowTally) -> bytes:
        """A cell that shared the formula of a removed cell keeps its value, as a constant."""
        m = self._f_re.search(whole)
        if not m or b"shared" not in m.group(1) or b"ref=" in m.group(1):
            return whole
        si = re.search(rb'\ssi="(\d+)"', m.group(1))
        if not si or si.group(1) not in orphans:
            return whole
        state.had_formula = True
        return whole[: m.start()] + whole[m.end() :]
