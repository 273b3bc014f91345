"""Result cells of Milestones rows that already hold an earlier refresh's results (a second
refresh): read by their start tags alone where the row allows it, parsed otherwise, with the
same bytes either way."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from tests.sheetxml import NS, STYLES

from xl_milestones.io.cellstyles import Kind, StyleSheet
from xl_milestones.io.sheet_edit import BulkWrites, SheetEdit
from xl_milestones.io.sheet_rewrite import SheetRewriter

# Inputs in A and B; results in C (text), D (money), E (a date); a user's column in G.
COLUMNS = [("text", 3, Kind.TEXT), ("amount", 4, Kind.MONEY), ("due", 5, Kind.NUMBER)]
OWN = (
    b'<c r="C{n}" s="2" t="inlineStr"><is><t>old</t></is></c><c r="D{n}" s="3"><v>5</v></c>'
    b'<c r="E{n}" s="1"><v>45000</v></c>'
)
# Row number -> (the row's cells after its inputs, whether the start tags suffice).
CASES: dict[int, tuple[bytes, bool]] = {
    2: (OWN, True),  # as this writer wrote it
    3: (b'<c r="C{n}"/><c r="D{n}"/>', True),  # unstyled, self-closed, E missing
    4: (b'<c r="C{n}" s="2"/><c r="D{n}"><f>A{n}*2</f><v>2</v></c>', False),  # a formula
    5: (b'<c r="C{n}"/><c s="3"><v>1</v></c>', False),  # a cell without a reference
    6: (b'<c r="C{n}" s="2"/><c r="D{n}" s="3" cm="1"><v>1</v></c>', False),  # more attributes
    7: (OWN + b'<c r="G{n}" t="inlineStr"><is><t>mine</t></is></c>', True),  # a user's cell
    8: (OWN + b'<c r="G{n}" s="2" ph="1"><v>3</v></c>', False),  # ... with more attributes
    9: (b'<c r="C{n}" s="2"/>\n<c r="D{n}" s="3"/>', True),  # space between cells
    10: (b'<c r="D{n}" s="3"><v>5</v></c>', False),  # the first result column has no cell
    11: (b'<c r="C{n}" s="2"/><c r="E{n}" t="s"><v>0</v></c>', True),  # a type
    12: (OWN, True),  # a field without a value to write: its old cell stays
    13: (b'<c r="C{n}" s="2"/><c r="D{n}"/><c r="D{n}" s="3"><v>1</v></c>', True),  # repeated
    14: (b'<c r="C{n}" s="2"/><c r="B{n}"><v>1</v></c>', False),  # out of column order
    15: (b"", True),  # no results yet (a first refresh)
    16: (b'<c r="C{n}" s="2"><v>1</v></c><c r="F{n}" s="1"><v>2</v></c>', True),  # F: a user's
    17: (b'<c r="C{n}" s="2"/><c\nr="D{n}" s="3"><v>1</v></c>', False),  # a line break in a tag
    18: (OWN + b'\n<c r="G{n}" s="2"/>\n', True),  # a user's cell after a line break
    19: (b'<c r="C{n}" s="2"/><c/>', False),  # a cell with no attributes at all
    20: (b'<c\nr="C{n}" s="2"><v>7</v></c><c r="D{n}" s="3"/>', False),  # first one broken
}
VALUES: list[object] = [
    "plain",
    " padded & <escaped> ",
    Decimal("12.50"),
    Decimal("1E+3"),
    None,
    dt.date(2026, 3, 31),
    dt.date(1800, 1, 1),  # before the date system: ISO text
    dt.datetime(2026, 3, 31, 12, 0),
    7,
    True,
    2.5,
]


def worksheet(prefix: bytes, cases: dict[int, tuple[bytes, bool]]) -> bytes:
    def q(xml: bytes) -> bytes:  # the same XML in the prefixed namespace
        return re.sub(rb"<(/?)(?=[a-z])", b"<\\1" + prefix, xml) if prefix else xml

    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    for num, (cells, _fast) in cases.items():
        inputs = b'<c r="A%d" s="2"><v>1</v></c><c r="B%d" t="s"><v>3</v></c>' % (num, num)
        body = inputs + cells.replace(b"{n}", b"%d" % num)
        rows += b'<row r="%d" spans="1:7">' % num + body + b"</row>"
    ns = NS.replace(b"xmlns=", b"xmlns:" + prefix[:-1] + b"=") if prefix else NS
    return q(b"<worksheet ") + ns + q(b"><sheetData>" + rows + b"</sheetData></worksheet>")


def results(cases: dict[int, tuple[bytes, bool]], shift: int) -> dict[int, dict[str, object]]:
    out: dict[int, dict[str, object]] = {}
    for k, num in enumerate(cases):
        values = {
            name: VALUES[(k * 3 + j + shift) % len(VALUES)]
            for j, (name, _c, _k) in enumerate(COLUMNS)
        }
        if num == 12:
            del values["amount"]
        out[num] = values
    return out


def refs_by_row(xml: bytes) -> dict[int, list[bytes]]:
    """The cell references of each row, in order."""
    return {
        int(m.group(1)): re.findall(rb'<(?:x:)?c\sr="([A-Z]+\d+)"', m.group(2))
        for m in re.finditer(rb'<(?:x:)?row r="(\d+)"(.*?)</(?:x:)?row>', xml, re.S)
    }


def run(
    data: bytes, edit: SheetEdit, prefix: bytes, col_styles: bytes = b""
) -> tuple[bytes, bytes | None, bool]:
    if col_styles:
        data = data.replace(b"sheetData>", col_styles + b"<" + prefix + b"sheetData>", 1)
    styles = StyleSheet(STYLES)
    result = SheetRewriter(data, prefix, styles, False, "sheet.xml").rewrite(edit)
    return b"".join(result.chunks), styles.to_bytes(), result.had_formula


@pytest.mark.parametrize("prefix", [b"", b"x:"])
@pytest.mark.parametrize("shift", range(0, len(VALUES), 2))
@pytest.mark.parametrize("col_style", [b"", b'<cols><col min="5" max="5" style="3"/></cols>'])
def test_start_tags_give_the_bytes_parsing_gives(
    prefix: bytes, shift: int, col_style: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = worksheet(prefix, CASES)

    def edit() -> SheetEdit:
        return SheetEdit(header_row=1, bulk=BulkWrites(COLUMNS, results(CASES, shift)))

    with monkeypatch.context() as patch:  # every row parsed, as before start tags were read
        patch.setattr(SheetRewriter, "_results_start", lambda *_args: -1)
        want = run(data, edit(), prefix, col_style)
    searched: list[bytes] = []
    tail_start = SheetRewriter._tail_start

    def spy(self: SheetRewriter, body: bytes, min_col: int) -> int:
        searched.append(body)
        return tail_start(self, body, min_col)

    monkeypatch.setattr(SheetRewriter, "_tail_start", spy)
    got = run(data, edit(), prefix, col_style)
    assert got == want
    assert got[2]  # the formula of row 4 was overwritten
    # One cell per column, where the row had that before.
    before, after = (refs_by_row(xml) for xml in (data, got[0]))
    for num, refs in after.items():
        assert len(refs) == len(set(refs)) or len(before[num]) != len(set(before[num])), num
    for num, (_cells, fast) in CASES.items():
        # Rows not read by their start tags have their result cells looked for and parsed.
        assert any(b'r="A%d"' % num in body for body in searched) != fast, num


def test_old_result_cells_keep_their_style_and_other_cells_their_bytes() -> None:
    cases = {2: CASES[2], 7: CASES[7], 12: CASES[12], 13: CASES[13]}
    values: dict[int, dict[str, object]] = {
        num: {"text": "new", "amount": Decimal("2.50"), "due": dt.date(2026, 1, 2)} for num in cases
    }
    del values[12]["amount"]
    edit = SheetEdit(header_row=1, bulk=BulkWrites(COLUMNS, values))
    out = run(worksheet(b"", cases), edit, b"")[0]
    cell = b'<c r="C{n}" s="2" t="inlineStr"><is><t>new</t></is></c>'
    for num in cases:
        row = re.search(rb'<row r="%d">.*?</row>' % num, out).group(0)  # type: ignore[union-attr]
        assert row.startswith(b'<row r="%d"><c r="A%d" s="2"><v>1</v></c>' % (num, num))
        assert cell.replace(b"{n}", b"%d" % num) in row
        assert b'<c r="E%d" s="1"><v>46024</v></c>' % num in row
    assert b'<c r="D2" s="3"><v>2.50</v></c>' in out
    assert b'<c r="D12" s="3"><v>5</v></c>' in out  # no value to write: the old cell stays
    assert b'<c r="G7" t="inlineStr"><is><t>mine</t></is></c></row>' in out
    assert b'<c r="D13" s="3"><v>2.50</v></c><c r="E13"' in out  # the last repeated cell's


def test_unstyled_results_take_a_style_met_in_an_earlier_row() -> None:
    # Row 2's result cells are unstyled, row 3's styled, rows 4-5 unstyled like row 2: from
    # row 4 on the styles of row 3 apply, although row 4 has the layout of row 2.
    unstyled = (b'<c r="C{n}"/><c r="D{n}"/><c r="E{n}"/>', True)
    styled = (b'<c r="C{n}" s="2"/><c r="D{n}" s="3"/><c r="E{n}" s="1"/>', True)
    cases = {2: unstyled, 3: styled, 4: unstyled, 5: unstyled}
    values: dict[int, dict[str, object]] = {
        num: {"text": "t", "amount": Decimal(1), "due": None} for num in cases
    }
    edit = SheetEdit(header_row=1, bulk=BulkWrites(COLUMNS, values))
    out = run(worksheet(b"", cases), edit, b"")[0]
    assert b'<c r="C2" t="inlineStr">' in out
    assert re.search(rb'<c r="D2" s="(\d+)"><v>1</v></c>', out)  # a money format derived
    assert b'<c r="E2"/>' not in out  # no value, no style: no cell
    for num in (4, 5):
        assert b'<c r="C%d" s="2" t="inlineStr">' % num in out
        assert b'<c r="D%d" s="3"><v>1</v></c>' % num in out
        assert b'<c r="E%d" s="1"/>' % num in out


def test_a_shared_formula_master_among_old_results_still_takes_the_general_path() -> None:
    cases = {
        2: (b'<c r="C{n}" s="2"><f t="shared" ref="C2:C3" si="0">A2</f><v>1</v></c>', False),
        3: (b'<c r="C{n}" s="2"><f t="shared" si="0"/><v>1</v></c><c r="D{n}"/>', False),
        4: (OWN, True),
    }
    values: dict[int, dict[str, object]] = {2: {"text": "x"}, 4: {"text": "y"}}
    edit = SheetEdit(header_row=1, bulk=BulkWrites(COLUMNS, values))
    out, _styles, had_formula = run(worksheet(b"", cases), edit, b"")
    assert had_formula
    assert b'<c r="C3" s="2"><v>1</v></c>' in out  # the follower keeps its value only
    assert b'<c r="C4" s="2" t="inlineStr"><is><t>y</t></is></c><c r="D4" s="3"><v>5</v>' in out
