"""The portfolio workbook's Dashboard, Payment Schedule and Sign-off Queue: each book's own
figures and rows, suppliers matched across books, and a file Excel and LibreOffice open and
render."""

from __future__ import annotations

import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import (
    is_blank_png,
    libreoffice_convert,
    ooxml_validate,
    pdf_pages_to_png,
)

from xl_milestones.app.portfolio import BY_CONTRACT, BY_SUPPLIER, PORTFOLIO_METRICS, PORTFOLIO_QUEUE
from xl_milestones.cli import main
from xl_milestones.core.portfolio import COUNT_METRICS
from xl_milestones.core.schema import (
    DASHBOARD_KPIS,
    DASHBOARD_SCURVE,
    DASHBOARD_SCURVE_CHARTS,
    DASHBOARD_STATUS,
    PAYMENT_SCHEDULE,
    SIGNOFF_QUEUE,
    STATUSES,
)

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
CENT = Decimal("0.01")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def _portfolio_of_one_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The portfolio workbook of the test workbook alone."""
    book = write_workbook(tmp_path / "a.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    _run(capsys, "portfolio", str(book), "--output", str(out))
    return out


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def _table(path: Path, sheet: str, table: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    cells = ws[ws.tables[table].ref]
    header = [c.value for c in cells[0]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in cells[1:]]


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def test_payment_schedule_holds_each_books_own_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(SAMPLE, books / "sample.xlsm")
    write_workbook(books / "small.xlsx", valid_sheets())
    own: dict[str, list[tuple[object, ...]]] = {}
    for book in sorted(books.iterdir()):
        refreshed = tmp_path / f"refreshed-{book.name}"
        _run(capsys, "refresh", str(book), "--output", str(refreshed))
        ws = openpyxl.load_workbook(refreshed, data_only=True)[PAYMENT_SCHEDULE.name]
        own[book.name] = _rows(ws)
        assert own[book.name]
    out = tmp_path / "portfolio.xlsx"
    _run(capsys, "portfolio", str(books), "--output", str(out))
    ws = openpyxl.load_workbook(out, data_only=True)[PAYMENT_SCHEDULE.name]
    assert [c.value for c in ws[1]] == ["Workbook", *(f.header for f in PAYMENT_SCHEDULE.fields)]
    rows = _rows(ws)
    assert len(rows) == sum(len(r) for r in own.values())
    for name, mine in own.items():
        # Both books report in GBP with their own rates: every column is the book's own.
        assert [r[1:] for r in rows if r[0] == f"books/{name}"] == mine


def test_dashboard_figures_status_and_scurve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(SAMPLE, books / "sample.xlsm")
    sheets = valid_sheets()
    sheets["contracts"][0]["supplier"] = "HALLAM  build LTD"  # the sample's C-001: Hallam Build Ltd
    write_workbook(books / "small.xlsx", sheets)
    out = tmp_path / "portfolio.xlsx"
    _code, stdout = _run(capsys, "portfolio", str(books), "--output", str(out), "--format", "json")
    data = json.loads(stdout)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames[0] == "Dashboard"
    ws = wb["Dashboard"]
    assert "amounts in GBP" in str(ws["A2"].value)

    first = DASHBOARD_KPIS.header_row + 1
    figures = {
        ws.cell(first + i, 1).value: ws.cell(first + i, 2).value
        for i in range(len(PORTFOLIO_METRICS))
    }
    for key, label in PORTFOLIO_METRICS:
        assert _money(figures[label]) == _money(data["totals"][key]), label
    status_col = openpyxl.utils.column_index_from_string(DASHBOARD_STATUS.first_column)
    shown = {
        ws.cell(first + i, status_col).value: ws.cell(first + i, status_col + 1).value
        for i in range(len(STATUSES))
    }
    assert shown == data["status"]

    # The S-curve ends at each contract's totals converted once: for these books, the
    # Payment Schedule's reporting columns added up (no contract's months round apart).
    schedule = _rows(wb[PAYMENT_SCHEDULE.name])
    header = [c.value for c in wb[PAYMENT_SCHEDULE.name][1]]
    col = openpyxl.utils.column_index_from_string(DASHBOARD_SCURVE.first_column)
    last = first
    while ws.cell(last + 1, col).value is not None:
        last += 1
    for k, field in enumerate(DASHBOARD_SCURVE.fields[1:]):
        measure = field.name.removeprefix("cumulative_") + "_reporting"
        i = header.index(PAYMENT_SCHEDULE.header(measure))
        total = sum(Decimal(str(r[i] or 0)) for r in schedule)
        assert total and _money(ws.cell(last, col + 1 + k).value) == _money(total), measure

    # Suppliers are matched ignoring case and spacing; amounts add up to the contracts'.
    suppliers = _table(out, "Dashboard", BY_SUPPLIER.table_name)
    contracts = _table(out, "Dashboard", BY_CONTRACT.table_name)
    hallam = [s for s in suppliers if str(s["Supplier"]).casefold().startswith("hallam")]
    assert len(hallam) == 1
    hallam_contracts = [c for c in contracts if str(c["Supplier"]).casefold().startswith("hallam")]
    assert hallam[0]["Contracts"] == len(hallam_contracts) == 2
    overdue = "Overdue (Reporting)"
    assert _money(hallam[0][overdue]) == _money(sum(_money(c[overdue]) for c in hallam_contracts))
    assert sum(_money(c[overdue]) for c in contracts) == _money(data["totals"]["overdue"])

    # Two S-curves, value and cash, each drawing only its own basis's columns.
    with zipfile.ZipFile(out) as z:
        lines = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/")]
    lines = [xml for xml in lines if "<c:lineChart>" in xml]
    assert len(lines) == len(DASHBOARD_SCURVE_CHARTS) == 2
    for xml, (title, names) in zip(lines, DASHBOARD_SCURVE_CHARTS, strict=True):
        assert title in xml
        assert xml.count("<c:ser>") == len(names)

    # Excel opens it without repairs; LibreOffice renders the Dashboard with its charts.
    assert ooxml_validate(out) == []
    pdf = libreoffice_convert(out, "pdf", tmp_path)
    png = pdf_pages_to_png(pdf, tmp_path, first=1, last=1)[0]
    assert not is_blank_png(png)


def test_signoff_queue_holds_each_books_own_rows_ready_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(SAMPLE, books / "sample.xlsm")
    write_workbook(books / "small.xlsx", valid_sheets())
    own: dict[str, dict[str, Any]] = {}
    for book in sorted(books.iterdir()):
        refreshed = tmp_path / f"refreshed-{book.name}"
        _code, stdout = _run(
            capsys, "refresh", str(book), "--output", str(refreshed), "--format", "json"
        )
        own[book.name] = json.loads(stdout)
    out = tmp_path / "portfolio.xlsx"
    _run(capsys, "portfolio", str(books), "--output", str(out))
    rows = _table(out, PORTFOLIO_QUEUE.name, PORTFOLIO_QUEUE.table_name)
    header = {f.name: f.header for f in SIGNOFF_QUEUE.fields}
    keys = ("milestone_id", "approver_role", "approver_name", "latest_decision", "days_overdue")
    assert own["sample.xlsm"]["signoff_queue"], "the sample has milestones awaiting sign-off"
    for name, data in own.items():
        mine = [r for r in rows if r["Workbook"] == f"books/{name}"]
        # The book's own queue rows, each once (the order across books is the portfolio's).
        expected = sorted(tuple(q[k] for k in keys) for q in data["signoff_queue"])
        assert sorted(tuple(r[header[k]] for k in keys) for r in mine) == expected
        for r in mine:
            result = data["milestones"][r["Milestone ID"]]
            assert r["Sign-off Blockers"] == result["signoff_blockers"]
            stake = next(
                q["amount_at_stake"]
                for q in data["signoff_queue"]
                if q["milestone_id"] == r["Milestone ID"]
            )
            assert (r["Amount at Stake"] is None) == (stake is None)
            if stake is not None:
                assert _money(r["Amount at Stake"]) == _money(stake)
                if r["Currency"] == "GBP":  # the books' own reporting currency
                    assert _money(r["Amount at Stake (Reporting)"]) == _money(stake)
    ready = [r["Ready"] for r in rows]
    assert True in ready and False in ready
    assert ready == sorted(ready, reverse=True)  # ready first
    for flag in (True, False):
        overdue = [r["Days Overdue"] for r in rows if r["Ready"] is flag]
        assert overdue == sorted(overdue, reverse=True)


def test_amounts_show_their_currencys_minor_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample has a JPY contract: its amounts show no decimals, the GBP ones two, and the
    # reporting columns those of the reporting currency (GBP).
    out = tmp_path / "portfolio.xlsx"
    _run(capsys, "portfolio", str(SAMPLE), "--output", str(out))
    ws = openpyxl.load_workbook(out)["All Milestones"]
    header = [c.value for c in ws[1]]
    cur, due = header.index("Currency"), header.index("Amount Due")
    reporting = header.index("Amount Due (Reporting)")
    seen = set()
    for row in ws.iter_rows(min_row=2):
        if row[due].value is None:
            continue
        expected = "#,##0" if row[cur].value == "JPY" else "#,##0.00"
        assert row[due].number_format == expected, row[cur].value
        assert row[reporting].number_format == "#,##0.00"
        seen.add(row[cur].value)
    assert {"JPY", "GBP"} <= seen


def test_tables_are_added_without_noting_each_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # XlsxWriter notes every cell under a table (about 100 bytes each: 330 MB for All
    # Milestones of 1,000 workbooks) to refuse overlaps; the portfolio's tables never overlap.
    from xlsxwriter.worksheet import Worksheet

    noted: dict[str, int] = {}
    add_table = Worksheet.add_table

    def counting(self: Worksheet, *args: Any, **kwargs: Any) -> Any:
        result = add_table(self, *args, **kwargs)
        noted[self.name] = len(self.table_cells)
        return result

    monkeypatch.setattr(Worksheet, "add_table", counting)
    out = _portfolio_of_one_book(tmp_path, capsys)
    assert noted["All Milestones"] == noted["Payment Schedule"] == 0
    ws = openpyxl.load_workbook(out)["All Milestones"]
    assert ws.tables["tblAllMilestones"].ref == f"A1:{ws.cell(1, ws.max_column).column_letter}5"


@pytest.mark.parametrize(("currency", "amount_format"), [("GBP", "#,##0.00"), ("JPY", "#,##0")])
def test_dashboard_amounts_show_the_reporting_currencys_minor_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], currency: str, amount_format: str
) -> None:
    # The key figures' amounts and the S-curve's, as the tables beside them; counts stay whole.
    out = tmp_path / "portfolio.xlsx"
    _run(capsys, "portfolio", str(SAMPLE), "--output", str(out), "--currency", currency)
    ws = openpyxl.load_workbook(out)["Dashboard"]
    first = DASHBOARD_KPIS.header_row + 1
    counts = {label for key, label in PORTFOLIO_METRICS if key in COUNT_METRICS} | {
        "Workbooks read",
        "Workbooks not read",
        "Contracts",
    }
    formats = {}
    for i in range(len(PORTFOLIO_METRICS)):
        label, value = ws.cell(first + i, 1).value, ws.cell(first + i, 2)
        formats[label] = value.number_format
    assert {formats[label] for label in counts} == {"0"}
    assert {f for label, f in formats.items() if label not in counts} == {amount_format}
    col = openpyxl.utils.column_index_from_string(DASHBOARD_SCURVE.first_column)
    amounts = {
        ws.cell(first, col + 1 + k).number_format for k in range(len(DASHBOARD_SCURVE.fields) - 1)
    }
    assert amounts == {amount_format}


def test_the_dashboards_tables_start_below_its_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two suppliers: By Contract comes up among the rows of the last chart, whose column its
    # last columns reach; it must start below the charts, not under them.
    out = _portfolio_of_one_book(tmp_path, capsys)
    ws = openpyxl.load_workbook(out)["Dashboard"]
    titles = [c.row for c in ws["A"] if str(c.value or "").startswith(("By Supplier", "By Con"))]
    assert len(titles) == 2
    sheet_rel = zipfile.ZipFile(out).read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    drawing = "xl/drawings/" + sheet_rel.split("../drawings/")[1].split('"')[0]
    xml = zipfile.ZipFile(out).read(drawing).decode()
    ends = [int(to.split("<xdr:row>")[1].split("<")[0]) for to in xml.split("<xdr:to>")[1:]]
    assert len(ends) == 3  # status, value and cash charts
    # Zero-based anchor rows: the chart ends inside row max(ends) + 1 (one-based).
    assert max(ends) + 1 < min(titles)


def test_rows_are_as_tall_as_their_wrapped_sign_off_blockers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # LibreOffice does not size rows to wrapped text: without a height, a long Sign-off
    # Blockers text ran over the rows below it.
    out = _portfolio_of_one_book(tmp_path, capsys)
    ws = openpyxl.load_workbook(out)["All Milestones"]
    col = [c.value for c in ws[1]].index("Sign-off Blockers") + 1
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width
    assert width < 45  # a sentence wraps in its column rather than widening it
    long = 0
    for r in range(2, ws.max_row + 1):
        text = ws.cell(r, col).value
        if isinstance(text, str) and len(text) > 2 * width:
            long += 1
            assert ws.row_dimensions[r].height >= 3 * 15, (r, text)
    assert long >= 2
