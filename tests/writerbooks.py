"""Test helper for the file writer: workbooks shaped like the template (XlsxWriter, with Excel
tables, a picture, a comment, data validation, conditional formats, a defined name and two
Dashboard charts), a typical ``BookUpdate``, and part-by-part comparison of two zips.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlsxwriter

from xl_milestones.book import BlockWrite, BookUpdate, TableWrite
from xl_milestones.core.schema import (
    CONTRACTS,
    DASHBOARD_AS_OF_ROW,
    DASHBOARD_BLOCKS,
    DASHBOARD_KPIS,
    DASHBOARD_SCURVE,
    DASHBOARD_STATUS,
    MILESTONES,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    STATUSES,
    VALIDATION,
    Sheet,
)
from xl_milestones.io.xlsxparts import read_package
from xl_milestones.numformats import BOOL_FORMAT

D = Decimal
INPUTS = ("milestone_id", "contract_id", "milestone_name", "milestone_type", "baseline_date")
# Result columns the template-like book has; the others are added by a refresh.
PRESENT_RESULTS = ("revised_date", "status", "rag", "signoff_ready", "amount_due", "days_late")


def png_bytes() -> bytes:
    """A 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00\xff\x00\x00")
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def headers(sheet: Sheet, names: tuple[str, ...] | None = None) -> list[str]:
    return [f.header for f in sheet.fields if names is None or f.name in names]


def build_book(
    path: Path,
    *,
    milestones: int = 3,
    date1904: bool = False,
    dashboard: bool = True,
    outputs: bool = True,
) -> Path:
    """A workbook like the template: Milestones (some result columns present, formatted),
    output sheets with their tables, a Notes sheet with a picture, and the Dashboard."""
    import io

    wb = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = wb.add_format({"num_format": "#,##0.00", "bold": True})
    bold = wb.add_format({"bold": True})
    bool_fmt = wb.add_format({"num_format": BOOL_FORMAT})

    ws = wb.add_worksheet(MILESTONES.name)
    cols = [f for f in MILESTONES.fields if f.name in INPUTS or f.name in PRESENT_RESULTS]
    data = []
    for i in range(milestones):
        row: list[object] = []
        for f in cols:
            if f.name == "milestone_id":
                row.append(f"M-{i + 1:03d}")
            elif f.name == "contract_id":
                row.append("C-001")
            elif f.name == "milestone_name":
                row.append(f"=Step {i}" if i == 1 else f"Step {i}")  # a text starting with =
            elif f.name == "milestone_type":
                row.append("payment")
            elif f.name == "baseline_date":
                row.append(dt.datetime(2026, 1, 1) + dt.timedelta(days=30 * i))
            elif f.name == "status":
                row.append("stale status")
            else:
                row.append(None)
        data.append(row)
    columns = []
    for f in cols:
        spec: dict[str, object] = {"header": f.header}
        if f.type.value == "date":
            spec["format"] = date_fmt
        elif f.type.value == "money":
            spec["format"] = money_fmt
        elif f.type.value == "yesno":
            spec["format"] = bool_fmt
        columns.append(spec)
    last = max(milestones, 1)
    ws.add_table(0, 0, last, len(cols) - 1, {"name": "tblMilestones", "columns": columns})
    for r, row in enumerate(data, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif cols[c].type.value == "money":
                ws.write_blank(r, c, None, money_fmt)  # a formatted, empty result cell
            elif cols[c].type.value == "yesno":
                ws.write_blank(r, c, None, bool_fmt)
    ws.write_comment(1, 0, "A comment on the first milestone")
    ws.data_validation(1, 3, last, 3, {"validate": "list", "source": ["project", "payment"]})
    ws.conditional_format(1, 0, last, 0, {"type": "duplicate", "format": bold})
    ws.set_column(0, len(cols) - 1, 15)
    ws.write_string(last + 3, 0, "A note below the table")
    wb.define_name("FirstMilestone", f"='{MILESTONES.name}'!$A$2")

    contracts = wb.add_worksheet(CONTRACTS.name)
    for j, f in enumerate(CONTRACTS.inputs):
        contracts.write_string(0, j, f.header)
    contracts.write_row(1, 0, ["C-001", "Fit-out", "Acme", "GBP", 120000])
    contracts.write_datetime(1, 5, dt.datetime(2026, 1, 5), date_fmt)

    notes = wb.add_worksheet("Notes")
    notes.write_string(0, 0, "Keep me")
    notes.insert_image(2, 1, "dot.png", {"image_data": io.BytesIO(png_bytes())})

    if outputs:
        for sheet, rows in ((PAYMENT_SCHEDULE, 0), (VALIDATION, 2), (REFRESH_LOG, 1)):
            out = wb.add_worksheet(sheet.name)
            heads = headers(sheet)
            out.add_table(
                0,
                0,
                max(rows, 1),
                len(heads) - 1,
                {"name": sheet.table_name, "columns": [{"header": h} for h in heads]},
            )
            for r in range(1, rows + 1):
                for c, f in enumerate(sheet.fields):
                    if f.type.value == "date":
                        out.write_datetime(r, c, dt.datetime(2025, 12, r), date_fmt)
                    elif f.type.value in ("int", "money"):
                        out.write_number(r, c, r)
                    else:
                        out.write_string(r, c, f"old {f.name} {r}")
            if sheet is VALIDATION:
                out.write_url(1, 5, f"internal:'{MILESTONES.name}'!A2", string="A2")

    if dashboard:
        dash = wb.add_worksheet("Dashboard")
        dash.write_string(0, 0, "Contract milestones", bold)
        dash.write_string(DASHBOARD_AS_OF_ROW - 1, 0, "As of (not refreshed yet)")
        for block in DASHBOARD_BLOCKS:
            c0 = ord(block.first_column) - 65
            dash.write_string(block.header_row - 2, c0, block.title, bold)
            for j, f in enumerate(block.fields):
                dash.write_string(block.header_row - 1, c0 + j, f.header, bold)
        for i, status in enumerate(STATUSES):
            dash.write_string(DASHBOARD_STATUS.header_row + i, 3, status)
            dash.write_number(DASHBOARD_STATUS.header_row + i, 4, 0)
        s = DASHBOARD_SCURVE.header_row
        dash.write_datetime(s, 6, dt.datetime(2026, 1, 1), date_fmt)
        for j in range(1, 4):
            dash.write_number(s, 6 + j, 0, money_fmt)
        line = wb.add_chart({"type": "line"})
        for j in (1, 2, 3):
            col = chr(ord("G") + j)
            line.add_series(
                {
                    "name": f"='Dashboard'!${col}${s}",
                    "categories": f"='Dashboard'!$G${s + 1}:$G${s + 1}",
                    "values": f"='Dashboard'!${col}${s + 1}:${col}${s + 1}",
                }
            )
        dash.insert_chart("L2", line)
        bar = wb.add_chart({"type": "column"})
        h = DASHBOARD_STATUS.header_row
        bar.add_series(
            {
                "categories": f"='Dashboard'!$D${h + 1}:$D${h + len(STATUSES)}",
                "values": f"='Dashboard'!$E${h + 1}:$E${h + len(STATUSES)}",
            }
        )
        dash.insert_chart("L20", bar)
        other = wb.add_chart({"type": "pie"})
        other.add_series({"values": "='Notes'!$A$1:$A$1"})
        notes.insert_chart("D2", other)
    wb.close()
    return path


def sample_update(rows: list[int], *, payment_rows: int = 3) -> BookUpdate:
    """Results for ``rows`` of Milestones, every output sheet and every Dashboard block."""
    results: dict[int, dict[str, object]] = {}
    for i, row in enumerate(rows):
        results[row] = {
            "revised_date": dt.date(2026, 2, 1) + dt.timedelta(days=i),
            "status": STATUSES[i % len(STATUSES)],
            "rag": "Green" if i % 2 else None,
            "days_late": -i,
            "signoff_ready": i % 2 == 0,
            "signoff_blockers": '=HYPERLINK("http://evil")' if i == 0 else "Evidence",
            "signoff_date": None,
            "milestone_value": D("48000.00") + i,
            "amount_due": D("57600.10") + i,
            "payment_due_date": dt.date(2026, 4, 30),
            "late_interest": D("0.00"),
        }
    schedule = [
        (
            dt.date(2026 + m // 12, 1 + m % 12, 1),
            "C-001",
            "GBP",
            *[D(f"{1000 * (m + 1)}.50")] * (len(PAYMENT_SCHEDULE.fields) - 3),
        )
        for m in range(payment_rows)
    ]
    validation = [
        (
            "error",
            "date-invalid",
            MILESTONES.name,
            3,
            "Baseline Date",
            "E3",
            "soon",
            "Enter a date",
        ),
        ("warning", "evidence-missing", MILESTONES.name, 2, "Evidence", "N2", None, "Add evidence"),
    ]
    log = [("2026-03-31T09:00:00Z", dt.date(2026, 3, 31), "0.1.0", len(rows), 1, 1, "Late: 1")]
    kpis = [("Milestones", len(rows)), ("Overdue outstanding", D("1234.56"))]
    status = [(s, i) for i, s in enumerate(STATUSES)]
    scurve = [
        (
            dt.date(2026, 1 + m, 1),
            D(100 * (m + 1)),
            D(90 * (m + 1)),
            *(D(k * m) for k in (8, 7, 6, 5)),
        )
        for m in range(5)
    ]
    return BookUpdate(
        results=results,
        tables=[
            TableWrite(PAYMENT_SCHEDULE, schedule),
            TableWrite(VALIDATION, validation, links={0: f"'{MILESTONES.name}'!E3"}),
            TableWrite(REFRESH_LOG, log, append=True),
        ],
        blocks=[
            BlockWrite(DASHBOARD_KPIS, kpis),
            BlockWrite(DASHBOARD_STATUS, status),
            BlockWrite(DASHBOARD_SCURVE, scurve),
        ],
        dashboard_header="As of 31 March 2026, amounts in GBP",
    )


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def changed_parts(before: Path, after: Path) -> set[str]:
    """Names of parts that differ, were added or were removed."""
    a, b = zip_parts(before), zip_parts(after)
    return {n for n in a.keys() | b.keys() if a.get(n) != b.get(n)}


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> the zip name of its worksheet part."""
    parts = zip_parts(path)
    rels = {
        m.group(1).decode(): m.group(2).decode()
        for m in re.finditer(
            rb'<Relationship Id="([^"]+)"[^>]*?Target="([^"]+)"',
            parts["xl/_rels/workbook.xml.rels"],
        )
    }
    rels.update(
        {
            m.group(2).decode(): m.group(1).decode()
            for m in re.finditer(
                rb'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"',
                parts["xl/_rels/workbook.xml.rels"],
            )
        }
    )
    out = {}
    for m in re.finditer(
        rb'<sheet name="([^"]+)" sheetId="\d+" r:id="([^"]+)"', parts["xl/workbook.xml"]
    ):
        target = rels[m.group(2).decode()]
        out[m.group(1).decode()] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def style_of(cell: openpyxl.cell.Cell) -> tuple[object, ...]:
    """What a cell's style holds, comparable between two loads of a workbook: openpyxl's
    style_id numbers the styles it has met, not the file's, and cell.font and friends are
    proxies that compare by identity, so copies are compared."""
    return (
        cell.number_format,
        copy.copy(cell.font),
        copy.copy(cell.fill),
        copy.copy(cell.border),
        copy.copy(cell.alignment),
        copy.copy(cell.protection),
    )


def stale_dimension(book: Path, out: Path, sheet: str) -> None:
    """``book`` written to ``out`` with ``sheet``'s <dimension> left at A1, as some programs
    leave it whatever the sheet holds."""
    with zipfile.ZipFile(book) as zf:
        part = {p.name: p.path for p in read_package(zf).sheets}[sheet]
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            zout.writestr(info.filename, data)
