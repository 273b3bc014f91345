"""The worksheet rewriter and cell styles on hand-written XML: what is kept, what is written."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from tests.sheetxml import NS, STYLES

from xl_milestones.io.cell_builder import date_serial
from xl_milestones.io.cellstyles import Kind, StyleSheet, format_code_of
from xl_milestones.io.package import full_calc_on_load
from xl_milestones.io.sheet_edit import BulkWrites, CellWrite, SheetEdit, Zone
from xl_milestones.io.sheet_rewrite import SheetRewriter
from xl_milestones.io.xmlbytes import cell_text, get_attr, set_attr


def sheet(rows: bytes, prefix: str = "", extra_head: bytes = b"", tail: bytes = b"") -> bytes:
    p = prefix.encode()
    ns = NS.replace(b"xmlns=", b"xmlns:" + p[:-1] + b"=") if p else NS
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<'
        + p
        + b"worksheet "
        + ns
        + b"><"
        + p
        + b'dimension ref="A1:C3"/>'
        + extra_head
        + b"<"
        + p
        + b"sheetData>"
        + rows
        + b"</"
        + p
        + b"sheetData>"
        + tail
        + b"</"
        + p
        + b"worksheet>"
    )


def rewrite(data: bytes, edit: SheetEdit, prefix: str = "", date1904: bool = False):
    styles = StyleSheet(STYLES)
    rw = SheetRewriter(data, prefix.encode(), styles, date1904, "sheet.xml")
    result = rw.rewrite(edit)
    return b"".join(result.chunks), result, styles


def row_xml(data: bytes, num: int) -> bytes:
    m = re.search(rb'<(?:\w+:)?row r="%d"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)' % num, data, re.S)
    assert m, f"row {num} missing"
    return m.group(0)


ROWS = (
    b'<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    b'<c r="C1" t="s"><v>2</v></c></row>'
    b'<row r="2" spans="1:3" ht="20" customHeight="1"><c r="A2" t="s"><v>3</v></c>'
    b'<c r="B2" s="1"><v>45000</v></c><c r="C2" s="2"><f>A2&amp;"x"</f><v>kx</v></c></row>'
    b'<row r="3"><c r="A3"><v>7</v></c></row>'
)


def test_untouched_rows_are_the_same_bytes_and_only_written_cells_change() -> None:
    data = sheet(ROWS)
    edit = SheetEdit(writes={2: {3: CellWrite("new", Kind.TEXT)}}, header_row=1)
    out, result, _ = rewrite(data, edit)
    assert row_xml(out, 1) == row_xml(data, 1)
    assert row_xml(out, 3) == row_xml(data, 3)
    row2 = row_xml(out, 2)
    # The other cells of the row are byte for byte what they were; the row keeps its height.
    assert b'<c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>45000</v></c>' in row2
    assert b'ht="20" customHeight="1"' in row2 and b"spans" not in row2
    assert b'<c r="C2" s="2" t="inlineStr"><is><t>new</t></is></c>' in row2
    assert result.had_formula  # C2 held a formula
    assert out.startswith(data[: data.index(b"<sheetData>")].replace(b"A1:C3", b"A1:C3"))


def test_text_is_never_a_formula_and_is_escaped() -> None:
    data = sheet(ROWS)
    nasty = '=HYPERLINK("http://x","<b>&")\x01\x0b'
    edit = SheetEdit(writes={3: {2: CellWrite(nasty, Kind.TEXT)}})
    out, result, _ = rewrite(data, edit)
    cell = re.search(rb'<c r="B3".*?</c>', out).group(0)
    assert b"<f>" not in cell and b't="inlineStr"' in cell
    assert b"=HYPERLINK(&quot;http://x&quot;,&quot;&lt;b&gt;&amp;&quot;)</t>" in cell
    assert not result.had_formula


def test_cells_are_inserted_in_column_order_and_new_rows_in_row_order() -> None:
    data = sheet(ROWS)
    edit = SheetEdit(
        writes={
            3: {5: CellWrite(1, Kind.NUMBER), 2: CellWrite(True, Kind.BOOL)},
            5: {1: CellWrite(Decimal("12.50"), Kind.NUMBER)},
            4: {1: CellWrite(None, Kind.TEXT)},  # nothing to write, no style: no row
        }
    )
    out, _result, _ = rewrite(data, edit)
    refs = re.findall(rb'<c r="([A-Z]+\d+)"', out)
    assert refs == [b"A1", b"B1", b"C1", b"A2", b"B2", b"C2", b"A3", b"B3", b"E3", b"A5"]
    # A yes/no cell gets a style with the TRUE/FALSE number format (see numformats).
    assert re.search(rb'<c r="B3" s="\d+" t="b"><v>1</v></c>', out)
    assert b'<c r="A5"><v>12.50</v></c>' in out
    assert b'row r="4"' not in out
    assert re.search(rb'<dimension ref="A1:E5"/>', out)


def test_none_keeps_the_style_but_drops_the_value() -> None:
    data = sheet(ROWS)
    out, _, _ = rewrite(data, SheetEdit(writes={2: {2: CellWrite(None, Kind.DATE)}}))
    assert b'<c r="B2" s="1"/>' in out


@pytest.mark.parametrize(
    ("value", "date1904", "serial"),
    [
        (dt.date(1899, 12, 31), False, None),
        (dt.date(1900, 1, 1), False, 1),
        (dt.date(1900, 2, 28), False, 59),
        (dt.date(1900, 3, 1), False, 61),  # 60 is Excel's 29 February 1900
        (dt.date(2026, 3, 31), False, 46112),
        (dt.date(2026, 3, 31), True, 46112 - 1462),
        (dt.date(1903, 12, 31), True, None),
        (dt.datetime(2026, 3, 31, 12, 0), False, 46112.5),
    ],
)
def test_date_serials(value: dt.date, date1904: bool, serial: float | None) -> None:
    assert date_serial(value, date1904) == serial


def test_dates_respect_the_date_system_and_get_a_date_format() -> None:
    data = sheet(ROWS)
    day = dt.date(2026, 3, 31)
    edit = SheetEdit(
        writes={
            2: {2: CellWrite(day, Kind.DATE)},
            3: {2: CellWrite(day, Kind.DATE), 4: CellWrite(day, Kind.DATE)},
        },
        header_row=1,
    )
    out, _, styles = rewrite(data, edit, date1904=True)
    # B2 had a date style: kept. B3 had no cell: it copies the column's first data cell (B2).
    assert b'<c r="B2" s="1"><v>44650</v></c>' in out
    assert b'<c r="B3" s="1"><v>44650</v></c>' in out
    # D3's column has no style at all: a yyyy-mm-dd style is appended.
    new = int(re.search(rb'<c r="D3" s="(\d+)"><v>44650</v>', out).group(1))
    assert new == 4 and format_code_of(styles, new) == "yyyy-mm-dd"
    xml = styles.to_bytes()
    assert b'<cellXfs count="5">' in xml
    assert b'<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>' in xml
    assert b'<numFmts count="2">' in xml
    # Existing entries are untouched: the original cellXfs content is a prefix of the new one.
    old = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", STYLES, re.S).group(1)
    assert old in xml


def test_a_style_that_does_not_suit_the_value_is_copied_with_a_suitable_format() -> None:
    styles = StyleSheet(STYLES)
    # Money into the wrapped-text style 2 keeps its font and alignment, with #,##0.00.
    money = styles.fit(2, Kind.MONEY)
    assert money == 4 and format_code_of(styles, money) == "builtin 4"
    assert b'<alignment wrapText="1"/>' in styles.to_bytes().split(b"<xf ")[-1]
    assert styles.fit(3, Kind.MONEY) == 3  # already #,##0.00
    assert styles.fit(2, Kind.MONEY) == 4  # derived once, reused
    assert styles.fit(1, Kind.NUMBER) == 5  # a number in a date cell would show as a date
    assert styles.fit(None, Kind.PERCENT) == 6
    assert styles.fit(2, Kind.TEXT) == 2


def test_a_derived_style_saved_again_in_another_spelling_is_reused() -> None:
    # An earlier refresh appended style 4 (money in the wrapped style 2); openpyxl or Excel
    # saved the workbook since: attributes reordered, apply flags dropped, defaults spelled out.
    respelled = STYLES.replace(
        b"</cellXfs>",
        b'<xf xfId="0" borderId="0" fillId="0" fontId="2" numFmtId="4" pivotButton="0" '
        b'quotePrefix="0"><alignment wrapText="true" /></xf></cellXfs>',
    ).replace(b'<cellXfs count="4">', b'<cellXfs count="5">')
    styles = StyleSheet(respelled)
    assert styles.fit(2, Kind.MONEY) == 4
    assert not styles.changed and styles.to_bytes() == respelled


def test_a_style_is_derived_in_a_styles_part_with_a_namespace_prefix() -> None:
    # Some programs write styles.xml with a prefix (x:styleSheet); the derived entry and its
    # number format go into the prefixed elements, where the refresh stopped on "styles.xml
    # has no <styleSheet> element".
    prefixed = re.sub(rb"<(/?)(?=[a-zA-Z])(?!\?)", rb"<\1x:", STYLES).replace(
        NS, NS.replace(b"xmlns=", b"xmlns:x=")
    )
    styles = StyleSheet(prefixed)
    date = styles.fit(2, Kind.DATE)
    data = styles.to_bytes()
    assert date == 4 and data is not None and b'<x:cellXfs count="5">' in data
    assert b'<x:numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></x:numFmts>' in data


def test_zone_clears_old_rows_until_a_gap_and_keeps_other_columns() -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>old</t></is></c><c r="C%d"><v>9</v></c></row>'
        % (n, n, n)
        for n in (2, 3, 4, 6)
    )
    data = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>H</t></is></c></row>' + rows)
    edit = SheetEdit(
        writes={2: {1: CellWrite("new", Kind.TEXT)}},
        zones=[Zone(frozenset({1}), 2, 1)],
        header_row=1,
    )
    out, _, _ = rewrite(data, edit)
    assert b"<t>new</t>" in row_xml(out, 2)
    assert b'r="A3"' not in out and b'r="A4"' not in out
    assert b'r="C3"' in out and b'r="C4"' in out  # another column: kept
    assert b'<c r="A6" t="inlineStr"><is><t>old</t></is></c>' in out  # after a gap: kept


def test_zone_runs_at_least_to_the_end_of_the_table() -> None:
    rows = b'<row r="2"/><row r="4"><c r="A4"><v>1</v></c></row>'
    data = sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>' + rows)
    out, _, _ = rewrite(data, SheetEdit(zones=[Zone(frozenset({1}), 2, 4)], header_row=1))
    assert b'r="A4"' not in out


def test_removing_a_shared_formula_master_turns_its_followers_into_values() -> None:
    rows = (
        b'<row r="2"><c r="A2"><f t="shared" ref="A2:A4" si="0">B2*2</f><v>2</v></c></row>'
        b'<row r="3"><c r="A3"><f t="shared" si="0"/><v>4</v></c></row>'
        b'<row r="4"><c r="A4"><f t="shared" si="0"/><v>6</v></c>'
        b'<c r="B4"><f t="shared" si="1"/><v>1</v></c></row>'
    )
    data = sheet(rows)
    out, result, _ = rewrite(data, SheetEdit(writes={2: {1: CellWrite(5, Kind.NUMBER)}}))
    assert result.had_formula
    assert b'<c r="A3"><v>4</v></c>' in out and b'<c r="A4"><v>6</v></c>' in out
    assert b'<c r="B4"><f t="shared" si="1"/><v>1</v></c>' in out  # another group: kept


def test_prefixed_namespace_and_cells_without_references() -> None:
    rows = (
        b'<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c></x:row>'
    )
    data = sheet(rows, prefix="x:")
    out, _, _ = rewrite(data, SheetEdit(writes={1: {3: CellWrite("z", Kind.TEXT)}}), prefix="x:")
    assert b'<x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>' in out
    assert b'<x:c r="B1"><x:v>1</x:v></x:c>' in out
    assert b'<x:c r="C1" t="inlineStr"><x:is><x:t>z</x:t></x:is></x:c>' in out


def test_empty_sheet_data_gets_rows() -> None:
    data = sheet(b"").replace(b"<sheetData></sheetData>", b"<sheetData/>")
    out, _, _ = rewrite(data, SheetEdit(writes={1: {1: CellWrite("a", Kind.TEXT)}}))
    assert b'<sheetData><row r="1"><c r="A1" t="inlineStr">' in out


def test_internal_hyperlinks_replace_old_ones_in_the_linked_column_only() -> None:
    tail = (
        b'<hyperlinks><hyperlink ref="B2" location="\'X\'!A1"/><hyperlink ref="A1" r:id="rId1"/>'
        b'</hyperlinks><pageMargins left="0.7"/>'
    )
    data = sheet(ROWS, tail=tail)
    edit = SheetEdit(links={"B3": "'Milestones'!F7"}, link_area=(frozenset({2}), 2))
    out, _, _ = rewrite(data, edit)
    links = re.search(rb"<hyperlinks>.*</hyperlinks>", out).group(0)
    assert b'ref="B2"' not in links and b'ref="A1" r:id="rId1"' in links
    assert b'<hyperlink ref="B3" location="\'Milestones\'!F7" display="F7"/>' in links
    assert out.index(b"</hyperlinks>") < out.index(b"<pageMargins")


def test_long_text_is_cut_to_excels_limit_and_spaces_are_kept() -> None:
    data = sheet(ROWS)
    out, _, _ = rewrite(data, SheetEdit(writes={3: {2: CellWrite(" x" * 20000, Kind.TEXT)}}))
    text = re.search(rb'<c r="B3"[^>]*><is><t xml:space="preserve">(.*?)</t>', out).group(1)
    assert len(text) == 32767


def test_helpers() -> None:
    assert cell_text("a_x0041_b<") == "a_x005F_x0041_b&lt;"
    assert set_attr(b'<a x="1"/>', b"x", "2") == b'<a x="2"/>'
    assert set_attr(b"<a>", b"y", 'q"') == b'<a y="q&quot;">'
    assert get_attr(b'<a r:id="rId1" id="3">', b"id") == "3"
    wb = b'<workbook xmlns="m"><sheets/><calcPr calcId="1"/></workbook>'
    assert b'<calcPr calcId="1" fullCalcOnLoad="1"/>' in full_calc_on_load(wb)
    wb2 = b'<workbook xmlns="m"><sheets/><extLst/></workbook>'
    assert (
        full_calc_on_load(wb2)
        == b'<workbook xmlns="m"><sheets/><calcPr fullCalcOnLoad="1"/><extLst/></workbook>'
    )


def test_bulk_rows_write_results_and_leave_absent_fields_alone() -> None:
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="2" spans="1:3"><c r="A2"><v>1</v></c><c r="B2" s="3"><v>5</v></c>'
        b'<c r="C2" s="2" t="inlineStr"><is><t>keep</t></is></c></row>'
    )
    data = sheet(rows)
    bulk = BulkWrites(
        [("amount", 2, Kind.MONEY), ("note", 3, Kind.TEXT), ("when", 4, Kind.NUMBER)],
        {2: {"amount": Decimal("1E+2"), "when": dt.date(2026, 3, 31)}},
    )
    out, result, _ = rewrite(data, SheetEdit(bulk=bulk, header_row=1))
    row = row_xml(out, 2)
    assert row.startswith(b'<row r="2"><c r="A2"><v>1</v></c>')  # spans dropped, A2 as it was
    assert b'<c r="B2" s="3"><v>100</v></c>' in row  # kept its money style; digits, no exponent
    assert b'<c r="C2" s="2" t="inlineStr"><is><t>keep</t></is></c>' in row  # absent: kept
    assert re.search(rb'<c r="D2" s="\d+"><v>46112</v></c>', row)  # date format appended
    assert not result.had_formula


def test_bulk_row_over_a_shared_formula_master_takes_the_general_path() -> None:
    rows = (
        b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B3" si="0">A2*2</f>'
        b"<v>2</v></c></row>"
        b'<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/><v>4</v></c></row>'
    )
    bulk = BulkWrites([("x", 2, Kind.NUMBER)], {2: {"x": 7}})
    out, result, _ = rewrite(sheet(rows), SheetEdit(bulk=bulk, header_row=1))
    assert b'<c r="B2"><v>7</v></c>' in out
    assert b'<c r="B3"><v>4</v></c>' in out  # the follower keeps its value, without formula
    assert result.had_formula


def test_the_dimension_counts_a_row_whose_only_cell_tag_breaks_its_line() -> None:
    rows = ROWS + b'<row r="9"><c\nr="A9"><v>1</v></c></row>'
    out, _result, _ = rewrite(sheet(rows), SheetEdit(writes={2: {5: CellWrite(1, Kind.NUMBER)}}))
    assert re.search(rb'<dimension ref="A1:E9"/>', out)


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_row_values_takes_a_row_by_its_first_cell_only_when_that_cell_holds_a_value(
    prefix: bytes,
) -> None:
    # An output table's row fills its first column: such a row is known filled from that cell
    # alone, the leftmost that holds a value; any other row has its cells split as before.
    from xl_milestones.io.sheet_scan import SheetScanner, row_values

    def c(ref: str, body: str = "", attrs: str = "") -> str:
        p = prefix.decode()
        return f'<{p}c r="{ref}"{attrs}/>' if not body else f'<{p}c r="{ref}"{attrs}>{body}</{p}c>'

    v, text = f"<{prefix.decode()}v>1</{prefix.decode()}v>", "<{0}is><{0}t>x</{0}t></{0}is>"
    t = text.format(prefix.decode())
    rows = {
        2: c("A2", v) + c("B2", v),  # first cell in the columns, with a value
        3: c("A3", attrs=' s="1"') + c("C3", t, ' t="inlineStr"'),  # first cell empty
        4: c("A4", "<{0}f>1</{0}f>".format(prefix.decode())) + c("B4", v),  # a formula, no value
        5: c("E5", v) + c("B5", v),  # first cell outside the columns (out of order)
        6: c("B6", t, ' s="2" t="inlineStr"'),  # the first cell is the leftmost: B
        7: c("E7", v),  # nothing in the columns
        8: "",
    }
    p = prefix.decode()
    body = "".join(f'<{p}row r="{n}">{cells}</{p}row>' for n, cells in rows.items())
    xmlns = f'xmlns{":" + p[:-1] if p else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    data = f"<{p}worksheet {xmlns}><{p}sheetData>{body}</{p}sheetData></{p}worksheet>".encode()
    scanner = SheetScanner(data, prefix, "sheet.xml")
    cols = frozenset({1, 2, 3})
    got = row_values(scanner, lambda n: n > 1, cols)
    assert {n: min(cs) for n, cs in got.items()} == {2: 1, 3: 3, 4: 2, 5: 2, 6: 2}
    # The rows split cell by cell name every column of theirs that holds a value.
    assert (got[3], got[4], got[5]) == ({3}, {2}, {2})


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_filled_from_holds_only_for_one_unbroken_run_of_rows_row_values_finds_filled(
    prefix: bytes,
) -> None:
    # The check below an output table passes over a sheet whose rows from the first below it
    # to the last all start with a value in the table's columns; any other sheet is looked at
    # row by row (row_values), and whenever the shortcut says yes, that look finds the same.
    from xl_milestones.io.sheet_scan import SheetScanner, row_values

    p = prefix.decode()
    v = f"<{p}v>1</{p}v>"
    t = f"<{p}is><{p}t>x</{p}t></{p}is>"
    good = {
        2: f'<{p}c r="A2" s="1"><{p}v>45474</{p}v></{p}c><{p}c r="B2">{v}</{p}c>',
        3: f'<{p}c r="A3" t="inlineStr">{t}</{p}c>',
        4: f'<{p}c r="B4" s="3" t="b">{v}</{p}c>',
    }
    cols = frozenset({1, 2, 3})

    def scanner(rows: dict[int, str], row_attrs: str = "") -> SheetScanner:
        body = "".join(
            f'<{p}row r="{n}"{row_attrs}>{cells}</{p}row>' if cells else f'<{p}row r="{n}"/>'
            for n, cells in rows.items()
        )
        head = f'<{p}row r="1"><{p}c r="A1" t="inlineStr">{t}</{p}c></{p}row>'
        ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        xmlns = f'xmlns{":" + p[:-1] if p else ""}="{ns}"'
        data = f"<{p}worksheet {xmlns}><{p}sheetData>{head}{body}</{p}sheetData></{p}worksheet>"
        return SheetScanner(data.encode(), prefix, "sheet.xml")

    def agrees(sc: SheetScanner, first: int) -> bool:
        got = sc.filled_from(first, cols)
        if got:
            last = sc.last_row() or 0
            assert set(row_values(sc, lambda n: n >= first, cols)) == set(range(first, last + 1))
        return got

    assert agrees(scanner(good), 2)
    assert agrees(scanner(good, ' spans="1:2" ht="15"'), 2)
    assert agrees(scanner(good), 3)
    assert agrees(scanner(good), 1)  # the header row holds values too
    assert not agrees(scanner(good), 5)  # no row from there on
    assert not agrees(scanner({**good, 6: good[2].replace("2", "6")}), 2)  # row 5 missing
    assert not agrees(scanner({3: good[3], 4: good[4]}), 2)  # row 2 missing
    assert not agrees(scanner({**good, 5: ""}), 2)  # an empty row
    assert not agrees(scanner({**good, 5: f'<{p}c r="A5" s="1"/>{good[3]}'}), 2)  # first empty
    assert not agrees(scanner({**good, 5: f'<{p}c r="E5">{v}</{p}c>'}), 2)  # outside the columns
    assert not agrees(scanner({**good, 5: f'<{p}c r="A5"><{p}f>1</{p}f>{v}</{p}c>'}), 2)
    assert not agrees(scanner({**good, 5: f'<{p}c s="1" r="A5">{v}</{p}c>'}), 2)  # other form


@pytest.mark.parametrize("column", [0, 1, 22, 26, 27, 28, 52, 702, 703, 16383])
def test_letters_after_a_column_match_exactly_the_later_columns(column: int) -> None:
    from xl_milestones.a1 import column_letter
    from xl_milestones.io.sheet_scan import _letters_after

    pattern = re.compile(b"(?:" + _letters_after(column) + rb")\Z")
    later = [c for c in range(1, 16385) if pattern.match(column_letter(c).encode())]
    assert later == list(range(column + 1, 16385))
