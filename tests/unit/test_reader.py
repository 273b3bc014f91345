"""The workbook reader on real files: layouts, values, what only it can see, and bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import excel_lock_file

from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import CellError
from xl_milestones.core.schema import INPUT_SHEETS, SHEETS_BY_KEY, Sheet
from xl_milestones.errors import WorkbookError
from xl_milestones.io.reader import read_workbook


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "book.xlsx", valid_sheets())


def test_reads_every_input_sheet_by_field_name(book: Path) -> None:
    raw = read_workbook(book)
    assert set(raw.tables) == {
        "settings",
        "contracts",
        "milestones",
        "deliverables",
        "signoffs",
        "approval_rules",
        "change_orders",
        "invoices",
        "issues",
        "holidays",
        "fx_rates",
    }
    ms = raw.tables["milestones"]
    assert ms.header_row == 1
    assert ms.columns["milestone_id"] == "A"
    first = ms.row_values(0)
    assert ms.rows[0] == 2
    assert first["milestone_id"] == "M-001"
    assert first["baseline_date"] == dt.date(2026, 2, 27)
    assert first["percent_complete"] == 1 and type(first["percent_complete"]) is int
    assert first["payment_percent"] == 0.4
    assert not raw.date1904 and raw.issues == []


@pytest.mark.parametrize("tables", [True, False])
def test_plain_ranges_and_tables_read_the_same(tmp_path: Path, tables: bool) -> None:
    path = write_workbook(tmp_path / "b.xlsx", valid_sheets(), tables=tables)
    raw = read_workbook(path)
    assert raw.tables["milestones"].values["milestone_id"] == [
        "M-001",
        "M-002",
        "M-003",
        "M-101",
    ]


def test_any_column_order_extra_columns_and_header_spelling(tmp_path: Path) -> None:
    sheets = valid_sheets()
    for r in sheets["contracts"]:
        r["Our internal ref"] = "X"
    order = {
        "contracts": [
            "Our internal ref",
            "CURRENCY",
            "contract_id",
            "Supplier",
            "contract-name",
            "Original Value",
            "start date",
        ]
    }
    for r in sheets["contracts"]:
        r["CURRENCY"] = r.pop("currency")
        r["contract-name"] = r.pop("contract_name")
        r["start date"] = r.pop("start_date")
    path = write_workbook(tmp_path / "b.xlsx", sheets, column_order=order)
    table = read_workbook(path).tables["contracts"]
    assert table.columns == {
        "currency": "B",
        "contract_id": "C",
        "supplier": "D",
        "contract_name": "E",
        "original_value": "F",
        "start_date": "G",
    }
    assert table.values["currency"][0] == "GBP"
    assert "Our internal ref" not in table.values


def test_header_row_found_below_a_title_and_away_from_column_a(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "b.xlsx", valid_sheets(), tables=False, header_row=4, first_column=2
    )
    table = read_workbook(path).tables["milestones"]
    assert table.header_row == 4
    assert table.columns["milestone_id"] == "C"
    assert table.rows[0] == 5


def test_sheet_names_match_like_headers_and_output_sheets_are_not_read(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "b.xlsx",
        valid_sheets(),
        sheet_names={"signoffs": "signoffs", "change_orders": "CHANGE ORDERS"},
        extra_sheets=["Dashboard", "Validation", "Notes"],
    )
    raw = read_workbook(path)
    assert raw.tables["signoffs"].sheet_name == "signoffs"
    assert raw.tables["change_orders"].sheet_name == "CHANGE ORDERS"
    assert "dashboard" not in raw.tables and "validation" not in raw.tables
    assert raw.issues == []  # 'Notes' is near 'Invoices', which is there


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("deliverables", "Deliverable"),
        ("invoices", "Invoice"),
        ("issues", "Issue"),
        ("settings", "Setting"),
    ],
)
def test_an_optional_sheet_under_a_near_name_is_a_warning_on_that_sheet(
    tmp_path: Path, key: str, typed: str
) -> None:
    path = write_workbook(tmp_path / "b.xlsx", valid_sheets(), sheet_names={key: typed})
    raw = read_workbook(path)
    assert key not in raw.tables
    sheet = SHEETS_BY_KEY[key]
    assert raw.issues == [
        Issue(
            Severity.WARNING,
            "sheet-name-near-match",
            typed,
            None,
            None,
            None,
            None,
            f"sheet '{typed}' is not read, and the workbook has no '{sheet.name}' sheet, so "
            f"{sheet.when_missing}: if '{typed}' is meant to be the {sheet.name} sheet, "
            f"rename it to '{sheet.name}'",
        )
    ]


@pytest.mark.parametrize("sheet", [s for s in INPUT_SHEETS if not s.required], ids=lambda s: s.key)
def test_a_deleted_optional_sheet_is_a_warning_saying_what_counts_instead(
    tmp_path: Path, sheet: Sheet
) -> None:
    sheets = valid_sheets()
    del sheets[sheet.key]
    # Output sheets near Change Orders and Sign-offs are schema sheets, never taken for them.
    path = write_workbook(tmp_path / "b.xlsx", sheets, extra_sheets=["Changes", "Sign-off Queue"])
    raw = read_workbook(path)
    (issue,) = raw.issues
    assert (issue.severity, issue.code, issue.sheet) == (
        Severity.WARNING,
        "sheet-missing",
        sheet.name,
    )
    assert (issue.row, issue.column, issue.cell, issue.value) == (None, None, None, None)
    assert issue.message.startswith(
        f"the workbook has no '{sheet.name}' sheet, so {sheet.when_missing}: add the sheet "
        "back with its header row ("
    )


def test_1904_workbooks_read_dates_right(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "b.xlsx", valid_sheets(), date1904=True)
    raw = read_workbook(path)
    assert raw.date1904
    assert raw.tables["milestones"].values["baseline_date"][0] == dt.date(2026, 2, 27)


def test_ids_typed_as_numbers_are_whole_numbers(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["contracts"][0]["contract_id"] = 1001
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    value = read_workbook(path).tables["contracts"].values["contract_id"][0]
    assert value == 1001 and type(value) is int


def test_error_values_whitespace_and_blank_rows(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["milestones"][0]["owner"] = CellError("#N/A")
    sheets["milestones"][1]["notes"] = "   "
    sheets["milestones"].insert(2, {})  # a blank row inside the table
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    table = read_workbook(path).tables["milestones"]
    assert table.values["owner"][0] == CellError("#N/A")
    assert table.values["notes"][1] == "   "
    assert table.rows == [2, 3, 5, 6]


def test_hidden_rows_are_read_and_reported(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "b.xlsx", valid_sheets(), hidden_rows={"milestones": [3]})
    raw = read_workbook(path)
    assert raw.tables["milestones"].rows == [2, 3, 4, 5]  # the hidden row 3 is read
    (issue,) = raw.issues
    assert (issue.code, issue.sheet, issue.row, issue.cell) == ("hidden-row", "Milestones", 3, "A3")


def test_merged_cells_over_input_columns_are_reported_per_row(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "b.xlsx", valid_sheets(), merged={"contracts": ["B2:B3"]})
    raw = read_workbook(path)
    assert [(i.code, i.cell) for i in raw.issues] == [("merged-cell", "B2"), ("merged-cell", "B3")]
    assert all(i.value == "B2:B3" for i in raw.issues)


# ----------------------------------------------------------------------------- bad workbooks


def refused(path: Path, *words: str) -> str:
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message, message
    if before is not None:
        assert path.read_bytes() == before  # never modified
    return message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    refused(tmp_path / "nope.xlsx", "no such file")
    refused(tmp_path, "folder")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ("empty",)),
        (b"Contract ID,Supplier\nC-1,Acme\n", ("text file", "save", ".xlsx")),
        (hashlib.sha256(b"x").digest() * 64, ("not a workbook",)),
    ],
    ids=["empty", "csv-text", "random-bytes"],
)
def test_files_that_are_not_workbooks(tmp_path: Path, content: bytes, words: tuple[str]) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    refused(path, *words)


def test_excels_lock_file_is_named_as_one(tmp_path: Path) -> None:
    # A shell's *.xlsm names it while the workbook is open in Excel: it was "not a workbook,
    # ... a CSV must be opened in Excel and saved as .xlsx", advice that does not apply.
    lock = excel_lock_file(tmp_path / "book.xlsm")
    message = refused(lock, "Excel's lock file", "give the workbook itself")
    assert "CSV" not in message


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    refused(path, "not an Excel workbook")


def test_xlsb_is_refused_with_save_as_advice(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    refused(path, ".xlsb", "save it as .xlsx")


def test_ods_is_refused_with_save_as_advice(tmp_path: Path) -> None:
    path = tmp_path / "book.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    refused(path, ".ods", "save it as .xlsx")


def test_ods_with_macros_is_refused_as_ods_not_for_its_dtd(tmp_path: Path) -> None:
    # LibreOffice saves a workbook's macros as Basic/*.xml parts that declare a DTD: what kind
    # of file it is is said before the package's safety checks refuse the DTD.
    path = tmp_path / "book.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr(
            "Basic/Standard/script-lb.xml",
            '<?xml version="1.0"?><!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD '
            'OfficeDocument 1.0//EN" "library.dtd"><library:library/>',
        )
    refused(path, ".ods", "save it as .xlsx")


def test_a_sheet_whose_part_is_missing_is_named_as_damage(tmp_path: Path, book: Path) -> None:
    from xl_milestones.io.xlsxparts import read_package

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        part = next(p.path for p in read_package(zin).sheets if p.name == "Invoices")
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info))
    message = refused(broken, "sheet 'Invoices' has no worksheet part", part, "repair")
    assert "(Invoices)" not in message


def test_a_sheet_part_named_in_another_case_is_read(tmp_path: Path, book: Path) -> None:
    # Part names are case-insensitive in a package: a relationship to worksheets/SHEET3.XML
    # names the zip's worksheets/sheet3.xml.
    from xl_milestones.io.xlsxparts import read_package

    other = tmp_path / "case.xlsx"
    rels_part = "xl/_rels/workbook.xml.rels"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as zout:
        part = next(p.path for p in read_package(zin).sheets if p.name == "Milestones")
        target = part.removeprefix("xl/")
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == rels_part:
                assert target.encode() in data
                data = data.replace(target.encode(), target.upper().encode())
            zout.writestr(info, data)
    assert read_workbook(other).tables == read_workbook(book).tables


def test_old_xls_compound_file_is_refused(tmp_path: Path) -> None:
    from xl_milestones.template.vba.cfb import write_compound_file

    path = tmp_path / "book.xls"
    # A BOF record of a BIFF8 workbook globals substream, in a stream named Workbook.
    bof = b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 12
    path.write_bytes(write_compound_file({"Workbook": bof}))
    refused(path, ".xls", "save it as .xlsx")


def test_encrypted_workbook_is_refused(tmp_path: Path, book: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "secret.xlsx"
    out = io.BytesIO()
    with book.open("rb") as fh:
        OOXMLFile(fh).encrypt("s3cret", out)
    path.write_bytes(out.getvalue())
    assert msoffcrypto.OfficeFile(io.BytesIO(out.getvalue())).is_encrypted()
    refused(path, "password", "remove the password")


def test_missing_required_sheet_suggests_a_misnamed_one(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "b.xlsx", valid_sheets(), sheet_names={"milestones": "Milestone list"}
    )
    message = refused(path, "'Milestones'", "Milestone list")
    assert "Milestone ID" in message


def test_missing_required_column_names_sheet_column_and_nearest_header(tmp_path: Path) -> None:
    sheets = valid_sheets()
    for r in sheets["milestones"]:
        r["Basline Date"] = r.pop("baseline_date")
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    refused(path, "'Milestones'", "'Baseline Date'", "'Basline Date'", "rename it")


def test_optional_sheet_lacking_a_required_column_is_refused(tmp_path: Path) -> None:
    sheets = valid_sheets()
    for r in sheets["invoices"]:
        del r["invoice_amount"]
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    refused(path, "'Invoices'", "'Invoice Amount'")


def test_sheet_without_a_header_row(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["contracts"] = [{"a": 1, "b": 2}]
    path = write_workbook(tmp_path / "b.xlsx", sheets, tables=False)
    refused(path, "'Contracts'", "no header row")


def test_two_columns_with_the_same_header(tmp_path: Path) -> None:
    sheets = valid_sheets()
    path = write_workbook(
        tmp_path / "b.xlsx",
        sheets,
        tables=False,
        column_order={
            "fx_rates": ["currency", "rate_to_reporting", "Rate-To-Reporting"],
        },
    )
    refused(path, "'FX Rates'", "two 'Rate To Reporting' columns")


@pytest.mark.slow
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_real_xls_and_ods_from_libreoffice_are_refused(
    tmp_path: Path, book: Path, target: str
) -> None:
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    profile = tmp_path / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path / "out"),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    converted = tmp_path / "out" / f"book.{target}"
    refused(converted, f".{target}", "save it as .xlsx")


def _largest_invoices(sheets: dict[str, list[dict[str, object]]]) -> None:
    """Make Invoices the largest sheet part, which the reader turns into rows last."""
    first = sheets["invoices"][0]
    sheets["invoices"] += [dict(first, invoice_id=f"INV-X{i:04d}") for i in range(400)]


def test_the_largest_sheet_is_read_last_but_errors_come_in_workbook_order(
    tmp_path: Path,
) -> None:
    sheets = valid_sheets()
    first = sheets["milestones"][0]
    sheets["milestones"] += [dict(first, milestone_id=f"M-X{i:04d}") for i in range(400)]
    for r in sheets["milestones"]:
        del r["baseline_date"]
    for r in sheets["invoices"]:
        del r["invoice_amount"]
    path = write_workbook(tmp_path / "b.xlsx", sheets, tables=False)
    # Milestones, the largest, is turned into rows after Invoices, but comes first in the
    # workbook: its error is the one reported.
    message = refused(path, "'Milestones'", "'Baseline Date'")
    assert "Invoices" not in message
    sheets["milestones"] = valid_sheets()["milestones"]
    _largest_invoices(sheets)
    path = write_workbook(tmp_path / "c.xlsx", sheets, tables=False)
    refused(path, "'Invoices'", "'Invoice Amount'")


def test_issues_of_the_largest_sheet_keep_their_workbook_place(tmp_path: Path) -> None:
    sheets = valid_sheets()
    _largest_invoices(sheets)
    merged = {"invoices": ["B2:B3"], "contracts": ["B2:B3"], "issues": ["B2:C2"]}
    path = write_workbook(tmp_path / "b.xlsx", sheets, merged=merged)
    raw = read_workbook(path)
    assert [(i.sheet, i.cell) for i in raw.issues] == [
        ("Contracts", "B2"),
        ("Contracts", "B3"),
        ("Invoices", "B2"),
        ("Invoices", "B3"),
        ("Issues", "B2"),
    ]
    assert list(raw.tables) == [s.key for s in INPUT_SHEETS]


def test_many_hidden_rows_are_one_warning_that_counts_them(tmp_path: Path) -> None:
    # A filter that hides most of a list hides its rows: one warning for the sheet, at the
    # first, with how many and which, not one per row burying every other issue.
    sheets = valid_sheets()
    first = dict(sheets["milestones"][0])
    sheets["milestones"] += [
        {**first, "milestone_id": f"M-{n}", "milestone_name": f"Step {n}"} for n in range(10, 18)
    ]
    hidden = list(range(3, 12))
    path = write_workbook(tmp_path / "b.xlsx", sheets, hidden_rows={"milestones": hidden})
    (issue,) = read_workbook(path).issues
    assert (issue.code, issue.row, issue.cell) == ("hidden-row", 3, "A3")
    assert "9 rows are hidden (3, 4, 5, 6, 7 and 4 more), by hand or by a filter" in issue.message
