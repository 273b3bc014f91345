"""A workbook refreshed by an earlier version, whose Payment Schedule put planned, forecast and
paid on one line (Planned, Forecast, Invoiced, Paid...): a refresh lays the sheet out anew on
the value and cash bases, leaving nothing of the old figures behind."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from tests.factory import valid_sheets, write_workbook
from tests.tools import ooxml_validate

from xl_milestones.cli import main
from xl_milestones.core.schema import DASHBOARD_SCURVE, DASHBOARD_SCURVE_CHARTS, PAYMENT_SCHEDULE

# The layout earlier versions wrote, in its column order.
OLD_HEADERS = (
    "Month",
    "Contract ID",
    "Currency",
    "Planned",
    "Forecast",
    "Invoiced",
    "Paid",
    "Cumulative Planned",
    "Cumulative Forecast",
    "Cumulative Invoiced",
    "Cumulative Paid",
    "Planned (Reporting)",
    "Forecast (Reporting)",
    "Invoiced (Reporting)",
    "Paid (Reporting)",
)
STALE = 987654.32  # an old figure no new row can hold


def _old_book(tmp_path: Path, *, rows: int = 40, tables: bool = True) -> Path:
    sheets = valid_sheets()
    sheets["payment_schedule"] = [
        {
            h: (
                dt.date(2020, 1 + i % 12, 1)
                if h == "Month"
                else "C-OLD"
                if h == "Contract ID"
                else "GBP"
                if h == "Currency"
                else STALE
            )
            for h in OLD_HEADERS
        }
        for i in range(rows)
    ]
    return write_workbook(
        tmp_path / "old.xlsx",
        sheets,
        tables=tables,
        column_order={"payment_schedule": OLD_HEADERS},
    )


def _sheet_values(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[PAYMENT_SCHEDULE.name]
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.mark.parametrize("tables", [True, False], ids=["excel-table", "plain-range"])
def test_an_old_payment_schedule_is_laid_out_anew(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tables: bool
) -> None:
    book = _old_book(tmp_path, tables=tables)
    out = tmp_path / "new.xlsx"
    assert main(["refresh", str(book), "--output", str(out)]) == 0, capsys.readouterr().err
    values = _sheet_values(out)
    headers = [f.header for f in PAYMENT_SCHEDULE.fields]
    assert values[0][: len(headers)] == headers
    assert all(v is None for v in values[0][len(headers) :])
    body = [row for row in values[1:] if any(v is not None for v in row)]
    assert body, "the new schedule has rows"
    # Nothing of the old rows is left: no old contract, no old amount, in any column.
    assert all(v not in ("C-OLD", STALE) for row in body for v in row)
    assert all(v is None for row in values[1 + len(body) :] for v in row)
    if tables:
        ws = openpyxl.load_workbook(out)[PAYMENT_SCHEDULE.name]
        table = ws.tables[PAYMENT_SCHEDULE.table_name]
        assert [c.name for c in table.tableColumns] == headers
        last = openpyxl.utils.get_column_letter(len(headers))
        assert table.ref == f"A1:{last}{1 + len(body)}"
        assert ooxml_validate(out) == []
    # A second refresh finds the new layout and changes nothing but the log.
    again = tmp_path / "again.xlsx"
    assert main(["refresh", str(out), "--output", str(again)]) == 0
    assert _sheet_values(again) == values


def test_a_value_where_the_new_columns_go_is_refused_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    old = {h: (dt.date(2020, 1, 1) if h == "Month" else 1) for h in OLD_HEADERS}
    old["Contract ID"], old["Currency"] = "C-OLD", "GBP"
    sheets["payment_schedule"] = [old, {"My note": "keep me"}]
    book = write_workbook(
        tmp_path / "old.xlsx",
        sheets,
        tables=False,
        column_order={"payment_schedule": (*OLD_HEADERS, "My note")},
    )
    before = book.read_bytes()
    out = tmp_path / "new.xlsx"
    code = main(["refresh", str(book), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Payment Schedule" in err and "P1" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert book.read_bytes() == before


def _old_dashboard(book: xlsxwriter.Workbook) -> None:
    """The Dashboard an earlier version made: the S-curve block G3:J4 (Month, Planned,
    Forecast, Paid) and, from column L, the status chart and one S-curve chart mixing them."""
    ws = book.add_worksheet("Dashboard")
    ws.set_column(6, 9, 12)
    ws.set_column(10, 10, 3)  # the gap column right of the block
    ws.write_string(2, 6, "Cumulative payments by month")
    for i, header in enumerate(("Month", "Planned", "Forecast", "Paid")):
        ws.write_string(3, 6 + i, header)
    ws.write_string(3, 3, "Status")
    ws.write_string(3, 4, "Milestones")
    bar = book.add_chart({"type": "bar"})
    bar.add_series({"name": ["Dashboard", 3, 4], "values": ["Dashboard", 4, 4, 12, 4]})
    line = book.add_chart({"type": "line"})
    for col in (7, 8, 9):
        line.add_series(
            {
                "name": ["Dashboard", 3, col],
                "categories": ["Dashboard", 4, 6, 27, 6],
                "values": ["Dashboard", 4, col, 27, col],
            }
        )
    line.set_title({"name": "Cumulative payments by month"})
    ws.insert_chart("L3", bar)
    ws.insert_chart("L20", line)


def test_an_old_dashboard_gets_the_new_block_and_its_chart_becomes_the_value_curve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "old.xlsx", valid_sheets(), extra=_old_dashboard)
    out = tmp_path / "new.xlsx"
    assert main(["refresh", str(book), "--output", str(out)]) == 0, capsys.readouterr().err
    ws = openpyxl.load_workbook(out)["Dashboard"]
    assert ws["G3"].value == DASHBOARD_SCURVE.title
    assert [ws.cell(4, 7 + i).value for i in range(7)] == [
        f.header for f in DASHBOARD_SCURVE.fields
    ]
    # The old gap column K and the columns after it are wide enough for an amount.
    assert all(ws.column_dimensions[c].width >= 14 for c in "KLM")
    with zipfile.ZipFile(out) as z:
        parts = {n: z.read(n).decode() for n in z.namelist()}
    lines = [x for n, x in parts.items() if n.startswith("xl/charts/") and "lineChart" in x]
    (line,) = [x for x in lines if "Cumulative payments by month" in x or "Planned" in x]
    value_title = DASHBOARD_SCURVE_CHARTS[0][0]
    assert value_title in line and "Cumulative payments by month" not in line
    # Its three series are now Planned, Forecast and Certified Value, cached names included.
    names = re.findall(r"<c:tx><c:strRef><c:f>[^<]*</c:f><c:strCache>.*?<c:v>([^<]*)</c:v>", line)
    assert names == ["Planned Value", "Forecast Value", "Certified Value"]
    # The cash curve is added, as the template draws it, reading the block's rows as written.
    (cash,) = [x for x in lines if x is not line]
    assert DASHBOARD_SCURVE_CHARTS[1][0] in cash
    value_refs = re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f>", line)
    cash_refs = re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f>", cash)
    assert [
        r.replace("$H$", "$K$").replace("$I$", "$L$").replace("$J$", "$M$") for r in value_refs
    ] == cash_refs
    # The charts moved right of the grown block (from column L to column O, 0-based 14), and
    # the cash curve sits below the value curve, as large as it.
    (drawing,) = [x for n, x in parts.items() if n.startswith("xl/drawings/drawing")]
    starts = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>", drawing)
    assert starts == ["14", "14", "14"]
    rows = [int(r) for r in re.findall(r"<xdr:row>(\d+)</xdr:row>", drawing)]
    (_s1, _e1, v_from, v_to, c_from, c_to) = rows
    assert c_from == v_to + 1 and c_to - c_from == v_to - v_from
    assert ooxml_validate(out) == []
    # A second refresh finds the new layout: nothing moves again, nothing is added.
    again = tmp_path / "again.xlsx"
    assert main(["refresh", str(out), "--output", str(again)]) == 0
    with zipfile.ZipFile(again) as z:
        drawing2 = next(z.read(n).decode() for n in z.namelist() if n.startswith("xl/drawings/d"))
        charts = [n for n in z.namelist() if n.startswith("xl/charts/")]
    assert drawing2 == drawing and len(charts) == 3


def test_an_old_dashboard_without_charts_gets_none_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The block grows as above, but there is no chart to line the cash curve up with (the user
    # deleted them): nothing is drawn where the user chose to have nothing.
    def without_charts(book: xlsxwriter.Workbook) -> None:
        ws = book.add_worksheet("Dashboard")
        ws.write_string(2, 6, "Cumulative payments by month")
        for i, header in enumerate(("Month", "Planned", "Forecast", "Paid")):
            ws.write_string(3, 6 + i, header)

    book = write_workbook(tmp_path / "old.xlsx", valid_sheets(), extra=without_charts)
    out = tmp_path / "new.xlsx"
    assert main(["refresh", str(book), "--output", str(out)]) == 0, capsys.readouterr().err
    ws = openpyxl.load_workbook(out)["Dashboard"]
    assert [ws.cell(4, 7 + i).value for i in range(7)] == [
        f.header for f in DASHBOARD_SCURVE.fields
    ]
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))]
    assert ooxml_validate(out) == []
