"""Output-table rows written wholesale (``TableRows``) give the same sheet XML as one
``CellWrite`` per cell: same cell types, styles, escaping, dates and empty cells."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

import pytest
from tests.sheetxml import NS, STYLES

from xl_milestones.io.cell_builder import value_kind
from xl_milestones.io.cellstyles import Kind, StyleSheet
from xl_milestones.io.sheet_edit import BulkWrites, CellWrite, SheetEdit, TableRows, Zone
from xl_milestones.io.sheet_rewrite import SheetRewriter

# Header in row 1; an old data row 2 (styled) and row 3, a note after a gap in row 9.
ROWS = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    b'<row r="2" spans="1:6"><c r="A2" s="2" t="inlineStr"><is><t>old</t></is></c>'
    b'<c r="B2" s="3"><v>5</v></c><c r="C2" s="1"><v>45000</v></c><c r="H2"><v>9</v></c></row>'
    b'<row r="3"><c r="B3" s="3"><v>6</v></c><c r="D3"><f>B3*2</f><v>12</v></c></row>'
    b'<row r="9"><c r="A9" t="inlineStr"><is><t>note</t></is></c></row>'
)
COLS = [1, 2, 3, 5, 4, 6]  # not in column order, as a user may arrange headers
NUMBERS = [Kind.NUMBER, Kind.MONEY, Kind.NUMBER, Kind.PERCENT, Kind.NUMBER, Kind.NUMBER]


def worksheet(rows: bytes, cols: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
        + NS
        + b'><dimension ref="A1:H9"/>'
        + cols
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def run(data: bytes, edit: SheetEdit, date1904: bool) -> tuple[bytes, bytes | None, bool]:
    styles = StyleSheet(STYLES)
    result = SheetRewriter(data, b"", styles, date1904, "sheet.xml").rewrite(edit)
    return b"".join(result.chunks), styles.to_bytes(), result.had_formula


def parsed_rows(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies of the rows whose cells the rewriter parses one by one, as it parses them."""
    parsed: list[bytes] = []
    cells = SheetRewriter.cells

    def spy(self: SheetRewriter, body: bytes) -> list[tuple[int, bytes, bytes, bytes]]:
        parsed.append(body)
        return cells(self, body)

    monkeypatch.setattr(SheetRewriter, "cells", spy)
    return parsed


def edits(first: int, rows: Sequence[Sequence[object]]) -> tuple[SheetEdit, SheetEdit]:
    """The same table write as ``TableRows`` and as one ``CellWrite`` per cell."""
    owned = frozenset(COLS)
    fast = SheetEdit(header_row=1, zones=[Zone(owned, 2, 2)])
    fast.table = TableRows(first, COLS, NUMBERS, rows)
    slow = SheetEdit(header_row=1, zones=[Zone(owned, 2, 2)])
    for i, row in enumerate(rows):
        target = slow.writes.setdefault(first + i, {})
        for col, number, value in zip(COLS, NUMBERS, row, strict=True):
            target[col] = CellWrite(value, value_kind(value, number))
    return fast, slow


SAMPLES: list[object] = [
    None,
    "plain",
    " padded ",
    "a & b < c > d",
    "=SUM(A1)",
    "ctrl\x01char _x0041_",
    "naïve – 5 €",
    Decimal("12.50"),
    Decimal("-0.005"),
    Decimal("1E+3"),
    Decimal("1E-9"),
    0,
    -7,
    1.25,
    True,
    False,
    dt.date(2026, 3, 31),
    dt.date(1900, 2, 1),
    dt.date(1800, 1, 1),  # before both date systems: ISO text
    dt.datetime(2026, 3, 31, 12, 0),
]


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize("first", [2, 4, 20])
@pytest.mark.parametrize("col_style", [b"", b'<cols><col min="6" max="6" style="2"/></cols>'])
def test_table_rows_match_cell_writes(date1904: bool, first: int, col_style: bytes) -> None:
    rng = random.Random(first * 2 + date1904)
    rows = [tuple(rng.choice(SAMPLES) for _ in COLS) for _ in range(12)]
    rows.append((None,) * len(COLS))  # an all-empty row
    data = worksheet(ROWS, col_style)
    fast, slow = edits(first, rows)
    got = run(data, fast, date1904)
    want = run(data, slow, date1904)
    assert got == want
    assert b"<f>" not in got[0].split(b'<row r="4"')[-1]  # text never becomes a formula


def test_table_rows_alongside_other_writes_in_the_same_row() -> None:
    rows = [("x", Decimal("1.00"), 3, Decimal("0.5"), dt.date(2026, 1, 2), True)] * 3
    data = worksheet(ROWS)
    fast, slow = edits(10, rows)
    for edit in (fast, slow):
        edit.writes.setdefault(11, {})[8] = CellWrite("extra", Kind.TEXT)
    assert run(data, fast, False) == run(data, slow, False)
    out = run(data, fast, False)[0]
    assert b'<c r="H11" t="inlineStr"><is><t>extra</t></is></c>' in out


def test_non_finite_numbers_are_refused_with_the_cell() -> None:
    fast, _ = edits(20, [(None, Decimal("NaN"), None, None, None, None)])
    with pytest.raises(ValueError, match="B20"):
        run(worksheet(ROWS), fast, False)


@pytest.mark.parametrize(
    ("value", "number", "cell"),
    [
        (7, Kind.NUMBER, b'<c r="B2"><v>7</v></c>'),
        # yes/no: the TRUE/FALSE number format appended (LibreOffice shows 1/0 without)
        (True, Kind.NUMBER, b'<c r="B2" s="4" t="b"><v>1</v></c>'),
        (False, Kind.NUMBER, b'<c r="B2" s="4" t="b"><v>0</v></c>'),
        (2.5, Kind.NUMBER, b'<c r="B2"><v>2.5</v></c>'),
        # the #,##0.00 style there is reused (it has no applyNumberFormat, which is on)
        (-3, Kind.MONEY, b'<c r="B2" s="3"><v>-3</v></c>'),
    ],
)
def test_result_columns_write_whole_numbers_booleans_and_floats(
    value: object, number: str, cell: bytes
) -> None:
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>'
    edit = SheetEdit(header_row=1, bulk=BulkWrites([("x", 2, number)], {2: {"x": value}}))
    out = run(worksheet(rows), edit, False)[0]
    assert b'<row r="2"><c r="A2"><v>1</v></c>' + cell + b"</row>" in out


def test_result_column_refuses_a_non_finite_float() -> None:
    rows = b'<row r="2"><c r="A2"><v>1</v></c></row>'
    edit = SheetEdit(header_row=1, bulk=BulkWrites([("x", 2, Kind.NUMBER)], {2: {"x": 1e999}}))
    with pytest.raises(ValueError, match="inf"):
        run(worksheet(rows), edit, False)


# Old output rows that lie wholly in the table's columns (a second refresh): styled and
# unstyled cells, a self-closed row, row attributes, a duplicated cell, an empty-valued row
# past the table's end, a user note to the right (row 6), a formula (row 7), rich text (row 11)
# and a line break inside a cell's tag (row 12).
OLD_TABLE_ROWS = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    b'<row r="2" spans="1:6" ht="20" customHeight="1"><c r="A2" s="2" t="inlineStr">'
    b'<is><t>old</t></is></c><c r="B2" s="3"><v>5</v></c><c r="C2" s="1"><v>45000</v></c>'
    b'<c r="F2" s="0"><v>1</v></c></row>'
    b'<row r="3" s="2" customFormat="1"/>'
    b'<row r="4"><c r="B4" s="3"/><c r="B4" s="1"><v>2</v></c><c r="E4"><v>3</v></c></row>'
    b'<row r="5" spans="2:2"><c r="B5" s="3"/></row>'
    b'<row r="6"><c r="A6"><v>1</v></c><c r="H6" t="inlineStr"><is><t>note</t></is></c></row>'
    b'<row r="7"><c r="D7"><f>B7*2</f><v>12</v></c></row>'
    b'<row r="8"><c r="A8" t="n" s="3"><v>4</v></c></row>'
    b'<row r="9" hidden="1"><c r="C9" s="1"><v>45001</v></c></row>'
    b'<row r="10"><c r="A10"><v>7</v></c></row>'
    b'<row r="11"><c r="A11" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>red</t>'
    b'</r></is></c><c r="B11" s="3"><v>1</v></c></row>'  # rich text: a <color> tag
    b'<row r="12"><c r="A12" s="2"><v>1</v></c><c\nr="B12" s="3"><v>1</v></c></row>'
)


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize("count", [0, 3, 4, 8, 12])
@pytest.mark.parametrize("min_last_row", [1, 4, 9])
def test_old_rows_in_the_table_are_replaced_as_cell_by_cell(
    date1904: bool, count: int, min_last_row: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(count * 7 + min_last_row + date1904)
    rows = [tuple(rng.choice(SAMPLES) for _ in COLS) for _ in range(count)]
    if count > 2:
        rows[2] = (None,) * len(COLS)  # old row 4 emptied
    data = worksheet(OLD_TABLE_ROWS, b'<cols><col min="4" max="4" style="3"/></cols>')
    fast, slow = edits(2, rows)
    for edit in (fast, slow):
        edit.zones = [Zone(frozenset(COLS), 2, min_last_row)]
    want = run(data, slow, date1904)
    parsed = parsed_rows(monkeypatch)
    got = run(data, fast, date1904)
    assert got == want
    # Only the rows with a user cell or a formula, or past the table, have cells parsed
    # (with an earlier end, the empty row 3 ends the cleared zone and later rows go the
    # general way).
    in_table = range(2, 2 + count) if min_last_row == 9 else range(0)
    for num, row in ((2, b'"A2"'), (4, b'"B4"'), (5, b'"B5"'), (8, b'"A8"'), (9, b'"C9"')):
        if num in in_table:
            assert not any(row in body for body in parsed), num
    if 6 in in_table:
        assert any(b'"H6"' in body for body in parsed)


def test_old_table_rows_keep_their_attributes_and_styles() -> None:
    data = worksheet(OLD_TABLE_ROWS)
    edit, _ = edits(2, [(None,) * len(COLS)] * 4)
    edit.zones = [Zone(frozenset(COLS), 2, 9)]
    out = run(data, edit, False)[0]
    # Emptied cells keep their style; the row keeps its height, not its spans; a self-closed
    # styled row is reopened for the styled empty cells new rows would get.
    assert (
        b'<row r="2" ht="20" customHeight="1"><c r="A2" s="2"/><c r="B2" s="3"/>'
        b'<c r="C2" s="1"/><c r="F2"/></row>'
        b'<row r="3" s="2" customFormat="1"><c r="A3" s="2"/><c r="B3" s="3"/><c r="C3" s="1"/>'
        b'</row><row r="4"><c r="A4" s="2"/><c r="B4" s="3"/><c r="C4" s="1"/><c r="E4"/></row>'
        b'<row r="5"><c r="A5" s="2"/><c r="B5" s="3"/><c r="C5" s="1"/></row>'
    ) in out


def test_a_users_cell_beside_an_old_table_row_is_kept_whatever_its_tag_looks_like() -> None:
    # A cell whose start tag breaks its line (valid XML, as some tools write it) in a column
    # outside the table: the row takes the general path, which keeps the cell.
    rows = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
        b'<row r="2"><c r="A2" s="2"><v>1</v></c><c\nr="H2"><v>5</v></c></row>'
        b'<row r="3"><c r="A3" s="2"><v>1</v></c><c r="B3" t="inlineStr"><is><r><rPr>'
        b'<color rgb="FFFF0000"/></rPr><t>red</t></r></is></c><c\tr="H3"><v>6</v></c></row>'
    )
    values = ("x", Decimal("1.00"), 3, Decimal("0.5"), dt.date(2026, 1, 2), True)
    edit, _ = edits(2, [values, values])
    edit.zones = [Zone(frozenset(COLS), 2, 3)]
    out = run(worksheet(rows), edit, False)[0]
    assert b'<c\nr="H2"><v>5</v></c></row>' in out
    assert b'<c\tr="H3"><v>6</v></c></row>' in out


def test_old_table_rows_left_without_cells_keep_only_their_height(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Emptied old rows with no cell and no style to keep: a row with its own height stays,
    # self-closed; a bare row goes (with or without spans), as the general path has it.
    rows = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
        b'<row r="2" ht="30" customHeight="1"/><row r="3"/><row r="4" spans="1:2"></row>'
    )
    fast, slow = edits(2, [(None,) * len(COLS)] * 3)
    for edit in (fast, slow):
        edit.zones = [Zone(frozenset(COLS), 2, 4)]
    want = run(worksheet(rows), slow, False)
    parsed = parsed_rows(monkeypatch)
    got = run(worksheet(rows), fast, False)
    assert got == want
    assert parsed == []  # the rows took the table's own path
    sheet = got[0]
    assert b'</row><row r="2" ht="30" customHeight="1"/></sheetData>' in sheet
    assert b'r="3"' not in sheet and b'r="4"' not in sheet
