"""Number formats by look: yes/no cells as TRUE/FALSE, money in its currency's minor units,
and the row heights a refresh gives wrapped result text."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from tests.sheetxml import NS, STYLES

from xl_milestones.io.cellstyles import Kind, StyleSheet, format_code_of
from xl_milestones.io.row_height import wrapped_lines
from xl_milestones.io.sheet_edit import BulkWrites, SheetEdit
from xl_milestones.io.sheet_rewrite import SheetRewriter
from xl_milestones.numformats import (
    BOOL_FORMAT,
    amount_with_places,
    money_format,
    money_number_format,
)


@pytest.mark.parametrize(
    ("currency", "code"),
    [
        ("JPY", "#,##0"),
        ("KRW", "#,##0"),
        ("EUR", "#,##0.00"),
        ("gbp", "#,##0.00"),
        ("KWD", "#,##0.000"),
        ("CLF", "#,##0.0000"),
        (None, "#,##0.00"),
        ("XYZ", "#,##0.00"),  # unknown: two decimals, as money.minor_units says
    ],
)
def test_money_number_format_follows_the_currencys_minor_units(
    currency: str | None, code: str
) -> None:
    assert money_number_format(currency) == code


def test_a_yes_no_value_gets_the_true_false_format() -> None:
    styles = StyleSheet(STYLES)
    got = styles.fit(0, Kind.BOOL)
    assert got is not None and got != 0
    assert format_code_of(styles, got) == BOOL_FORMAT
    assert styles.fit(got, Kind.BOOL) == got  # kept once it has it
    # a number written over a TRUE/FALSE cell gets General back (7 must not read TRUE)
    assert format_code_of(styles, styles.fit(got, Kind.NUMBER) or 0) == "builtin 0"


def test_money_keeps_two_decimals_and_other_minor_units_get_their_own_format() -> None:
    styles = StyleSheet(STYLES)
    assert styles.fit(3, Kind.MONEY) == 3  # #,##0.00 (built-in 4) suits two decimals
    jpy = styles.fit(3, "money0")
    kwd = styles.fit(3, "money3")
    # #,##0 is built-in 3 (a custom #,##0 comes back as 3 from Excel and openpyxl)
    assert money_format(0) == "#,##0" and format_code_of(styles, jpy or 0) == "builtin 3"
    assert format_code_of(styles, kwd or 0) == "#,##0.000"
    assert styles.fit(jpy, "money0") == jpy
    # an amount in two decimals again (the contract changed currency) shows two decimals
    assert format_code_of(styles, styles.fit(jpy, Kind.MONEY) or 0) == "builtin 4"


def _sheet(rows: bytes, cols: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
        + NS
        + b'><dimension ref="A1:C3"/>'
        + cols
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def _rewrite(
    data: bytes, bulk: BulkWrites, strings: tuple[str, ...] = ()
) -> tuple[bytes, StyleSheet]:
    styles = StyleSheet(STYLES)
    edit = SheetEdit(header_row=1, bulk=bulk)
    result = SheetRewriter(data, b"", styles, False, "sheet.xml", lambda: strings).rewrite(edit)
    return b"".join(result.chunks), styles


ROWS = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    b'<row r="2"><c r="A2"><v>1</v></c></row>'
    b'<row r="3"><c r="A3"><v>2</v></c></row>'
)


def test_amounts_marked_with_their_minor_units_get_that_format_row_by_row() -> None:
    yen = amount_with_places(Decimal("48000000"), 0)
    assert yen == Decimal("48000000") and str(yen) == "48000000"
    bulk = BulkWrites([("x", 2, Kind.MONEY)], {2: {"x": yen}, 3: {"x": Decimal("12.50")}})
    out, styles = _rewrite(_sheet(ROWS), bulk)
    jpy_style = re.search(rb'<c r="B2" s="(\d+)"><v>48000000</v>', out)
    gbp_style = re.search(rb'<c r="B3" s="(\d+)"><v>12.50</v>', out)
    assert jpy_style and gbp_style
    assert format_code_of(styles, int(jpy_style.group(1))) == "builtin 3"  # #,##0
    assert format_code_of(styles, int(gbp_style.group(1))) == "builtin 4"


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("short", 10, 1),
        ("a" * 46, 40, 1),  # 40 digits' width hold 46 characters of text (1.15 each)
        ("a" * 47, 40, 2),
        ("one two three four", 10, 2),  # room for 11: "one two" / "three four"
        ("x" * 25, 10, 3),  # a word longer than the column breaks anywhere
        ("a\nb\nc", 40, 3),
    ],
)
def test_wrapped_lines(text: str, width: float, lines: int) -> None:
    assert wrapped_lines(text, width) == lines


# Column B wraps (style 2) and is 20 wide: room for 23 characters a line.
WRAP_COLS = b'<cols><col min="2" max="2" width="20" style="2" customWidth="1"/></cols>'
# 4 lines of at most 23: "actual date not" / "entered; no approver" / "listed for role
# Project" / "Manager"
LONG = "actual date not entered; no approver listed for role Project Manager"


def test_a_row_gets_the_height_of_its_wrapped_result_text_and_loses_it_again() -> None:
    bulk = BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": LONG}, 3: {"x": "ok"}})
    out, _ = _rewrite(_sheet(ROWS, WRAP_COLS), bulk)
    assert b'<row r="2" ht="60" customHeight="1">' in out
    assert b'<row r="3">' in out
    # the next refresh: the reason is short now, the height an earlier refresh set goes
    again, _ = _rewrite(out, BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": "ok"}}))
    assert b'<row r="2">' in again


def test_a_users_taller_row_stays_and_text_in_a_column_that_does_not_wrap_sets_no_height() -> None:
    rows = ROWS.replace(b'<row r="2">', b'<row r="2" ht="50.25" customHeight="1">')
    out, _ = _rewrite(_sheet(rows, WRAP_COLS), BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": "ok"}}))
    assert b'<row r="2" ht="50.25" customHeight="1">' in out
    plain = b'<cols><col min="2" max="2" width="20" customWidth="1"/></cols>'
    out, _ = _rewrite(_sheet(ROWS, plain), BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": LONG}}))
    assert b"ht=" not in out


@pytest.mark.parametrize("height", [b"30", b"45", b"60"])
def test_a_users_row_height_of_whole_lines_stays(height: bytes) -> None:
    """A height the user set to two, three or four lines is not taken for one an earlier
    refresh set: the row held no text that needed it."""
    tag = b'<row r="2" ht="' + height + b'" customHeight="1">'
    rows = ROWS.replace(b'<row r="2">', tag)
    for text in ("ok", "one two three four five six seven eight"):  # one line, then two
        bulk = BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": text}})
        out, _ = _rewrite(_sheet(rows, WRAP_COLS), bulk)
        assert tag in out, text


def test_a_height_an_earlier_refresh_set_goes_also_once_the_text_is_a_shared_string() -> None:
    """Excel keeps the refresh's text as a shared string when it saves the file: the height
    that text needed is still known as the refresh's, and follows the new text."""
    rows = ROWS.replace(
        b'<row r="2">', b'<row r="2" ht="60" customHeight="1"><c r="B2" s="2" t="s"><v>1</v></c>'
    ).replace(b'<c r="A2"><v>1</v></c></row>', b"</row>")
    strings = ("other", LONG)
    out, _ = _rewrite(_sheet(rows, WRAP_COLS), BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": "ok"}}))
    assert b'<row r="2" ht="60" customHeight="1">' in out  # the text unknown: kept
    out, _ = _rewrite(
        _sheet(rows, WRAP_COLS), BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": "ok"}}), strings
    )
    assert b'<row r="2">' in out
    two = "one two three four five six seven eight"
    out, _ = _rewrite(
        _sheet(rows, WRAP_COLS), BulkWrites([("x", 2, Kind.TEXT)], {2: {"x": two}}), strings
    )
    assert b'<row r="2" ht="30" customHeight="1">' in out


@pytest.mark.slow
def test_libreoffice_prints_a_general_boolean_as_a_number_and_a_true_false_one_as_words(
    tmp_path: Path,
) -> None:
    """The cause of 1 and 0 in Sign-off Ready: LibreOffice keeps a boolean cell as =TRUE() or
    =FALSE() with the number 1 or 0 as its result, and a General format prints that number."""
    import xlsxwriter
    from tests.tools import libreoffice_convert

    path = tmp_path / "bools.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    words = wb.add_format({"num_format": BOOL_FORMAT})
    for r in range(6):
        ws.write_string(r, 0, f"row{r}")
        ws.write_boolean(r, 1, r % 2 == 0)  # General, as XlsxWriter and Excel leave it
        ws.write_boolean(r, 2, r % 2 == 0, words)
    wb.close()
    pdf = libreoffice_convert(path, "pdf", tmp_path / "out")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    general = [lines[f"row{r}"][0] for r in range(6)]
    assert {"1", "0"} & set(general), general  # LibreOffice's numbers
    assert [lines[f"row{r}"][-1] for r in range(6)] == ["TRUE", "FALSE"] * 3


def test_a_clean_validation_sheet_says_so_with_the_dates() -> None:
    import datetime as dt

    from xl_milestones.actions import validation_table

    table = validation_table([], dt.date(2026, 6, 30))
    assert table.rows == [
        (
            "",
            "",
            "",
            None,
            "",
            "",
            "",
            "No problems found, as of 2026-06-30.",
        )
    ]
    assert table.links == {}


def test_an_output_table_row_gets_the_height_of_its_wrapped_message() -> None:
    from xl_milestones.io.sheet_edit import TableRows, Zone

    edit = SheetEdit(header_row=1, zones=[Zone(frozenset({1, 2}), 2, 2)])
    edit.table = TableRows(2, [1, 2], [Kind.TEXT, Kind.TEXT], [("error", LONG), ("ok", "short")])
    styles = StyleSheet(STYLES)
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    result = SheetRewriter(_sheet(rows, WRAP_COLS), b"", styles, False, "s.xml").rewrite(edit)
    out = b"".join(result.chunks)
    assert b'<row r="2" ht="60" customHeight="1">' in out
    assert b'<row r="3">' in out


def test_an_output_table_marks_its_amounts_by_the_currency_of_each_row() -> None:
    from xl_milestones.core.schema import SIGNOFF_QUEUE
    from xl_milestones.numformats import MinorUnitAmount, with_minor_units

    names = [f.name for f in SIGNOFF_QUEUE.fields]
    money = names.index("amount_at_stake") if "amount_at_stake" in names else None
    assert money is not None
    cur = names.index("currency")

    def row(amount: str, currency: str) -> tuple[object, ...]:
        values: list[object] = [None] * len(names)
        values[money], values[cur] = Decimal(amount), currency
        return tuple(values)

    yen, pounds = with_minor_units(SIGNOFF_QUEUE, [row("7920000", "JPY"), row("1.50", "GBP")])
    assert isinstance(yen[money], MinorUnitAmount) and yen[money] == Decimal(7920000)
    assert type(pounds[money]) is Decimal


def test_the_payment_schedule_marks_its_reporting_columns_by_the_reporting_currency() -> None:
    from xl_milestones.core.schema import PAYMENT_SCHEDULE
    from xl_milestones.numformats import MinorUnitAmount, with_minor_units

    names = [f.name for f in PAYMENT_SCHEDULE.fields]
    cur = names.index("currency")
    own, reported = names.index("planned_value"), names.index("planned_value_reporting")

    def row(currency: str) -> tuple[object, ...]:
        values: list[object] = [Decimal("1000")] * len(names)
        values[cur] = currency
        return tuple(values)

    # A JPY contract reported in GBP: its own amounts without decimals, the GBP ones with two.
    (yen,) = with_minor_units(PAYMENT_SCHEDULE, [row("JPY")], "GBP")
    assert isinstance(yen[own], MinorUnitAmount) and yen[own].places == 0
    assert type(yen[reported]) is Decimal
    # A GBP contract reported in JPY: the other way round.
    (pounds,) = with_minor_units(PAYMENT_SCHEDULE, [row("GBP")], "JPY")
    assert type(pounds[own]) is Decimal
    assert isinstance(pounds[reported], MinorUnitAmount) and pounds[reported].places == 0
    (plain,) = with_minor_units(PAYMENT_SCHEDULE, [row("GBP")], "EUR")
    assert all(type(v) is Decimal for v in plain if not isinstance(v, str))
