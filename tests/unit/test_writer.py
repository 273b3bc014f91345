"""apply_update on real workbooks (XlsxWriter with tables and charts, openpyxl plain ranges,
LibreOffice-saved, 1904): only owned parts change, values keep their types, tables cover
their rows, and the Open XML SDK validator accepts the result."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from tests.factory import valid_sheets, write_workbook
from tests.tools import libreoffice_convert, ooxml_validate
from tests.writerbooks import (
    build_book,
    changed_parts,
    sample_update,
    sheet_parts,
    style_of,
    zip_parts,
)

from xl_milestones.book import BookUpdate, TableWrite
from xl_milestones.core.schema import (
    DASHBOARD_SCURVE,
    MILESTONES,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    VALIDATION,
)
from xl_milestones.errors import WorkbookError
from xl_milestones.io.reader import read_workbook
from xl_milestones.io.writer import apply_update, owned_parts, read_date1904

ROWS = [2, 3, 4]


def header_cols(ws: openpyxl.worksheet.worksheet.Worksheet, row: int = 1) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def xf_ids(path: Path, part: str) -> dict[str, str]:
    """Cell address -> the style index written in the file (``s``), for a sheet part."""
    data = zip_parts(path)[part]
    return {
        m.group(1).decode(): (m.group(2) or b"0").decode()
        for m in re.finditer(rb'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', data)
    }


def no_new_errors(src: Path, out: Path) -> list[dict[str, object]]:
    """Validator errors of ``out`` that ``src`` did not already have (openpyxl's own output
    has a few, e.g. the order of font elements)."""
    known = {(e.get("description"), e.get("xPath")) for e in ooxml_validate(src)}
    return [e for e in ooxml_validate(out) if (e.get("description"), e.get("xPath")) not in known]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return build_book(tmp_path / "book.xlsx")


@pytest.fixture
def refreshed(book: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out.xlsx"
    apply_update(book, out, sample_update(ROWS), date1904=False)
    return out


# ------------------------------------------------------------------------------ preservation


def test_only_owned_parts_change(book: Path, refreshed: Path) -> None:
    changed = changed_parts(book, refreshed)
    owned = set(owned_parts(book))
    assert changed <= owned, changed - owned
    # Named parts that are never ours: the picture, the comment, the drawing anchors, the
    # theme, document properties, the workbook (already fullCalcOnLoad), content types, and the
    # chart on the Notes sheet.
    before, after = zip_parts(book), zip_parts(refreshed)
    for name in (
        "xl/media/image1.png",
        "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml",
        "xl/drawings/drawing1.xml",
        "xl/drawings/drawing2.xml",
        "xl/theme/theme1.xml",
        "docProps/app.xml",
        "xl/workbook.xml",
        "[Content_Types].xml",
        "xl/sharedStrings.xml",
        sheet_parts(book)["Notes"],
        sheet_parts(book)["Contracts"],
    ):
        assert after[name] == before[name], name
    notes_chart = [n for n, d in before.items() if b"'Notes'!$A$1" in d and "charts/" in n]
    assert notes_chart and after[notes_chart[0]] == before[notes_chart[0]]
    assert list(before) == list(after)[: len(before)]  # same entries, same order


def test_every_input_cell_keeps_value_type_and_style(book: Path, refreshed: Path) -> None:
    a = openpyxl.load_workbook(book)
    b = openpyxl.load_workbook(refreshed)
    result_headers = {f.header for f in MILESTONES.results}
    for ws in a.worksheets:
        if ws.title != MILESTONES.name and ws.title != "Notes":
            continue
        other = b[ws.title]
        heads = header_cols(ws)
        result_cols = {c for h, c in heads.items() if h in result_headers}
        for row in ws.iter_rows():
            for cell in row:
                if cell.column in result_cols and cell.row > 1:
                    continue
                twin = other.cell(cell.row, cell.column)
                where = f"{ws.title}!{cell.coordinate}"
                assert (twin.value, twin.data_type) == (cell.value, cell.data_type), where
                assert style_of(twin) == style_of(cell), where
    # The style index in the file is the same for every input cell.
    part = sheet_parts(book)[MILESTONES.name]
    a_ids, b_ids = xf_ids(book, part), xf_ids(refreshed, part)
    result_letters = {
        openpyxl.utils.get_column_letter(c)
        for h, c in header_cols(a[MILESTONES.name]).items()
        if h in result_headers
    }
    for ref, xf in a_ids.items():
        if re.sub(r"\d", "", ref) not in result_letters or ref.endswith("1"):
            assert b_ids.get(ref) == xf, ref
    assert b[MILESTONES.name]["A2"].comment.text == "A comment on the first milestone"
    assert b[MILESTONES.name].data_validations.dataValidation
    assert b.defined_names["FirstMilestone"].attr_text == "'Milestones'!$A$2"


def test_results_have_the_right_types_and_formats(refreshed: Path) -> None:
    ws = openpyxl.load_workbook(refreshed)[MILESTONES.name]
    cols = header_cols(ws)
    update = sample_update(ROWS)
    for name in update.results[2]:
        assert MILESTONES.header(name) in cols, f"result column {name} missing"
    for row, values in update.results.items():
        for name, value in values.items():
            cell = ws.cell(row, cols[MILESTONES.header(name)])
            where = f"{cell.coordinate} ({name})"
            if value is None:
                assert cell.value is None, where
            elif isinstance(value, dt.date):
                assert cell.is_date and cell.value == dt.datetime.combine(value, dt.time()), where
            elif isinstance(value, bool):
                assert cell.data_type == "b" and cell.value is value, where
            elif isinstance(value, Decimal):
                assert cell.data_type == "n" and Decimal(str(cell.value)) == value, where
                assert cell.number_format == "#,##0.00", where
            elif isinstance(value, int):
                assert cell.data_type == "n" and cell.value == value, where
            else:
                assert cell.data_type == "s" and cell.value == value, where
    # Text that looks like a formula stays text.
    blockers = ws.cell(2, cols[MILESTONES.header("signoff_blockers")])
    assert blockers.data_type == "s" and blockers.value == '=HYPERLINK("http://evil")'
    # Amount Due existed with a bold money style: kept (bold) rather than replaced.
    assert ws.cell(2, cols["Amount Due"]).font.b


def test_calamine_reads_the_results_back(refreshed: Path) -> None:
    book = CalamineWorkbook.from_path(str(refreshed))
    rows = book.get_sheet_by_name(MILESTONES.name).to_python()
    heads = rows[0]
    assert rows[1][heads.index("Revised Date")] == dt.date(2026, 2, 1)
    assert rows[1][heads.index("Amount Due")] == pytest.approx(57600.10)
    assert rows[2][heads.index("Status")] == "In progress"
    raw = read_workbook(refreshed)
    assert raw.tables["milestones"].values["milestone_id"] == [
        "M-001",
        "M-002",
        "M-003",
    ]


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_the_validator_accepts_the_result(refreshed: Path) -> None:
    assert ooxml_validate(refreshed) == []


# ------------------------------------------------------------------------------ tables


def test_tables_cover_the_rows_written(refreshed: Path) -> None:
    wb = openpyxl.load_workbook(refreshed)
    ms = wb[MILESTONES.name]
    width = len(header_cols(ms))
    assert ms.tables["tblMilestones"].ref == f"A1:{openpyxl.utils.get_column_letter(width)}4"
    names = [c.name for c in ms.tables["tblMilestones"].tableColumns]
    assert names == [c.value for c in ms[1] if c.value is not None]
    ps = wb[PAYMENT_SCHEDULE.name]
    last = openpyxl.utils.get_column_letter(len(PAYMENT_SCHEDULE.fields))
    assert ps.tables["tblPaymentSchedule"].ref == f"A1:{last}4"
    assert ps["A4"].value == dt.datetime(2026, 3, 1) and ps["A4"].is_date
    assert ps["D2"].value == 1000.5 and ps["D2"].number_format == "#,##0.00"
    log = wb[REFRESH_LOG.name]
    assert log.tables["tblRefreshLog"].ref == "A1:G3"
    assert log["A2"].value == "old refreshed_at 1"  # appended after the old row
    assert log["A3"].value == "2026-03-31T09:00:00Z"
    val = wb[VALIDATION.name]
    assert [val.cell(r, 1).value for r in (2, 3)] == ["error", "warning"]
    assert val["G3"].value is None
    assert val["F2"].hyperlink.location == "'Milestones'!E3"
    assert val["F3"].hyperlink is None


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_zero_rows_leave_one_empty_table_row(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    update = BookUpdate(results={}, tables=[TableWrite(VALIDATION, [])])
    apply_update(book, out, update, date1904=False)
    ws = openpyxl.load_workbook(out)[VALIDATION.name]
    assert ws.tables["tblValidation"].ref == "A1:H2"
    assert all(c.value is None for c in ws[2]) and ws.max_row <= 3
    assert ws["F2"].hyperlink is None
    assert ooxml_validate(out) == []
    assert changed_parts(book, out) == {sheet_parts(book)[VALIDATION.name], "xl/tables/table3.xml"}


def test_the_refresh_log_grows_by_one_row_per_refresh(refreshed: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    apply_update(refreshed, again, sample_update(ROWS), date1904=False)
    ws = openpyxl.load_workbook(again)[REFRESH_LOG.name]
    assert ws.tables["tblRefreshLog"].ref == "A1:G4"
    assert [ws.cell(r, 4).value for r in (2, 3, 4)] == [1, 3, 3]


def test_refreshing_twice_changes_only_the_log(refreshed: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    apply_update(refreshed, again, sample_update(ROWS), date1904=False)
    changed = changed_parts(refreshed, again)
    assert changed == {sheet_parts(refreshed)[REFRESH_LOG.name], "xl/tables/table4.xml"}


# ----------------------------------------------------------------------------- Dashboard


def test_dashboard_blocks_and_charts(book: Path, refreshed: Path) -> None:
    ws = openpyxl.load_workbook(refreshed)["Dashboard"]
    assert ws["A2"].value == "As of 31 March 2026, amounts in GBP"
    assert ws["A1"].value == "Contract milestones"
    assert [ws.cell(r, 1).value for r in (5, 6, 7)] == ["Milestones", "Overdue outstanding", None]
    assert ws["B6"].value == 1234.56
    h = DASHBOARD_SCURVE.header_row
    assert ws.cell(h + 5, 7).value == dt.datetime(2026, 5, 1) and ws.cell(h + 5, 7).is_date
    assert ws.cell(h + 6, 7).value is None
    parts = zip_parts(refreshed)
    line = next(d for n, d in parts.items() if "charts/" in n and b"lineChart" in d)
    refs = re.findall(rb"<c:f>([^<]*)</c:f>", line)
    assert b"'Dashboard'!$G$5:$G$9" in refs and b"'Dashboard'!$J$5:$J$9" in refs
    assert b"'Dashboard'!$H$4" in refs  # the series name is left alone
    cache = re.search(rb"\$H\$5:\$H\$9</c:f><c:numCache>(.*?)</c:numCache>", line).group(1)
    assert re.findall(rb"<c:v>([^<]*)</c:v>", cache) == [b"100", b"200", b"300", b"400", b"500"]
    paid = re.search(rb"\$J\$5:\$J\$9</c:f><c:numCache>(.*?)</c:numCache>", line).group(1)
    assert b'<c:ptCount val="5"/>' in paid and b'<c:pt idx="0"><c:v>0</c:v>' in paid


def test_existing_dashboard_headers_are_kept(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    apply_update(book, out, sample_update(ROWS), date1904=False)
    a = openpyxl.load_workbook(book)["Dashboard"]
    b = openpyxl.load_workbook(out)["Dashboard"]
    for row in (3, 4):
        for col in range(1, 11):
            assert b.cell(row, col).value == a.cell(row, col).value
            assert b.cell(row, col).font.b == a.cell(row, col).font.b


# ------------------------------------------------------------------ books of other origins


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_missing_result_columns_and_output_sheets_are_added(tmp_path: Path) -> None:
    src = write_workbook(tmp_path / "in.xlsx", valid_sheets())
    out = tmp_path / "out.xlsx"
    raw = read_workbook(src)
    rows = raw.tables["milestones"].rows
    update = sample_update(rows)
    apply_update(src, out, update, date1904=False, milestones=raw.tables["milestones"])
    assert ooxml_validate(out) == []
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-4:] == [
        PAYMENT_SCHEDULE.name,
        VALIDATION.name,
        REFRESH_LOG.name,
        "Dashboard",
    ]
    ms = wb[MILESTONES.name]
    cols = header_cols(ms)
    inputs = [f.header for f in MILESTONES.inputs if f.header in cols]
    added = [h for h in cols if h not in inputs]
    assert added == [
        f.header for f in MILESTONES.results if f.name in update.results[rows[0]]
    ]  # after the last used column, in schema order
    assert ms.tables["tblMilestones"].ref.endswith(f"{len(rows) + 1}")
    assert ms.cell(2, cols["Revised Date"]).number_format == "yyyy-mm-dd"
    assert wb[PAYMENT_SCHEDULE.name]["A2"].is_date
    assert wb[VALIDATION.name]["F2"].hyperlink.location == "'Milestones'!E3"
    assert wb["Dashboard"]["G4"].value == "Month"
    # A second refresh finds the columns it added, with or without the reader's table.
    again = tmp_path / "again.xlsx"
    apply_update(out, again, update, date1904=False, milestones=raw.tables["milestones"])
    apply_update(out, tmp_path / "third.xlsx", update, date1904=False)
    for path in (again, tmp_path / "third.xlsx"):
        heads = [c.value for c in openpyxl.load_workbook(path)[MILESTONES.name][1]]
        assert len(heads) == len(set(heads)) == len(cols)
        assert zipfile.ZipFile(path).namelist() == zipfile.ZipFile(out).namelist()


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_openpyxl_plain_range_with_header_below_a_title(tmp_path: Path) -> None:
    src = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MILESTONES.name
    ws["A1"] = "Milestones of the programme"
    heads = ["Notes", "Status", "Milestone ID", "Contract ID", "Milestone", "Type", "Baseline Date"]
    for j, h in enumerate(heads, start=1):
        ws.cell(3, j, h)
    for i in range(3):
        ws.append([f"n{i}", "old", f"M-{i}", "C-1", "x", "project", dt.date(2026, 1, 1)])
    ws.cell(4, 10, "user note in J4")
    wb.create_sheet("Contracts").append(["Contract ID"])
    wb.save(src)
    out = tmp_path / "out.xlsx"
    update = BookUpdate(
        results={4: {"status": "Late", "amount_due": Decimal("1.10")}, 6: {"status": "Cancelled"}}
    )
    apply_update(src, out, update, date1904=False)
    got = openpyxl.load_workbook(out)[MILESTONES.name]
    assert [got.cell(r, 2).value for r in (4, 5, 6)] == ["Late", "old", "Cancelled"]
    # Amount Due was missing: added after the last used column (J, the note), on row 3.
    assert got["K3"].value == "Amount Due" and got["K4"].value == 1.1
    assert got["J4"].value == "user note in J4" and got["A4"].value == "n0"
    assert no_new_errors(src, out) == []
    assert changed_parts(src, out) == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}


@pytest.mark.slow
def test_libreoffice_saved_workbook(book: Path, tmp_path: Path) -> None:
    saved = libreoffice_convert(book, "xlsx", tmp_path / "lo")
    out = tmp_path / "out.xlsx"
    apply_update(saved, out, sample_update(ROWS), date1904=False)
    assert ooxml_validate(out) == []
    wb = openpyxl.load_workbook(out)
    cols = header_cols(wb[MILESTONES.name])
    assert wb[MILESTONES.name].cell(3, cols["Status"]).value == "In progress"
    assert wb[PAYMENT_SCHEDULE.name]["A2"].is_date
    changed = changed_parts(saved, out)
    assert changed <= set(owned_parts(saved))


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_1904_workbook_dates(tmp_path: Path) -> None:
    src = build_book(tmp_path / "mac.xlsx", date1904=True)
    assert read_date1904(src)
    out = tmp_path / "out.xlsx"
    apply_update(src, out, sample_update(ROWS), date1904=True)
    wb = openpyxl.load_workbook(out)
    assert wb.epoch == openpyxl.utils.datetime.MAC_EPOCH
    ws = wb[MILESTONES.name]
    cols = header_cols(ws)
    assert ws.cell(2, cols["Revised Date"]).value == dt.datetime(2026, 2, 1)
    assert ws.cell(2, cols["Baseline Date"]).value == dt.datetime(2026, 1, 1)  # unchanged input
    assert ooxml_validate(out) == []


# ------------------------------------------------------------------------------ calc chain


def _add_calc_chain(src: Path, dst: Path, cell: str) -> None:
    """A copy of ``src`` with a formula in ``cell`` of sheet1 and a calcChain listing it."""
    parts = zip_parts(src)
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = re.sub(
        rb'<c r="' + cell.encode() + rb'"[^>]*?(?:/>|>.*?</c>)',
        b'<c r="' + cell.encode() + b'" t="str"><f>A2&amp;"!"</f><v>M-001!</v></c>',
        sheet,
        count=1,
    )
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts["xl/calcChain.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="'
        + cell.encode()
        + b'" i="1"/></calcChain>'
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


@pytest.mark.slow  # the Open XML SDK validator takes a few seconds
def test_overwriting_a_formula_drops_the_calc_chain(book: Path, tmp_path: Path) -> None:
    with_chain = tmp_path / "chain.xlsx"
    status_col = openpyxl.utils.get_column_letter(
        header_cols(openpyxl.load_workbook(book)[MILESTONES.name])["Status"]
    )
    _add_calc_chain(book, with_chain, f"{status_col}3")
    assert ooxml_validate(with_chain) == []
    out = tmp_path / "out.xlsx"
    apply_update(with_chain, out, sample_update(ROWS), date1904=False)
    parts = zip_parts(out)
    assert "xl/calcChain.xml" not in parts and "xl/calcChain.xml" in zip_parts(with_chain)
    assert b"calcChain" not in parts["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in parts["[Content_Types].xml"]
    assert ooxml_validate(out) == []


def test_calc_chain_stays_when_no_formula_is_overwritten(book: Path, tmp_path: Path) -> None:
    with_chain = tmp_path / "chain.xlsx"
    _add_calc_chain(book, with_chain, "C2")  # an input cell
    out = tmp_path / "out.xlsx"
    apply_update(with_chain, out, sample_update(ROWS), date1904=False)
    parts = zip_parts(out)
    assert parts["xl/calcChain.xml"] == zip_parts(with_chain)["xl/calcChain.xml"]
    assert b"<f>" in re.search(rb'<c r="C2".*?</c>', parts["xl/worksheets/sheet1.xml"]).group(0)


# ------------------------------------------------------------------------------ refusals


def test_a_chart_sheet_named_like_an_output_sheet_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "cs.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet(MILESTONES.name).write_string(0, 0, "Milestone ID")
    cs = wb.add_chartsheet("Dashboard")
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "='Milestones'!$A$1:$A$1"})
    cs.set_chart(chart)
    wb.close()
    update = BookUpdate(results={}, dashboard_header="x")
    with pytest.raises(WorkbookError, match="not a worksheet"):
        apply_update(src, tmp_path / "out.xlsx", update, date1904=False)


def test_an_input_field_is_not_written(book: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="input"):
        apply_update(
            book, tmp_path / "o.xlsx", BookUpdate(results={2: {"owner": "x"}}), date1904=False
        )


def test_a_dtd_in_a_part_is_refused(book: Path, tmp_path: Path) -> None:
    parts = zip_parts(book)
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1
    )
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(evil, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(WorkbookError, match="DTD"):
        apply_update(evil, tmp_path / "o.xlsx", sample_update(ROWS), date1904=False)
