"""`xl-milestones refresh` and `demo` end to end on real files: exit codes, JSON, the written
results, the input left alone, idempotence, and edits reflected by the next refresh."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from tests.factory import set_setting, setting, valid_sheets, write_workbook
from tests.tools import run_cli
from tests.writerbooks import sheet_parts

from xl_milestones.core.schema import (
    CHANGES,
    MILESTONES,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    SETTINGS,
    SIGNOFF_QUEUE,
    STATUSES,
    VALIDATION,
)


def _book(tmp_path: Path, sheets: dict[str, list[dict[str, object]]] | None = None) -> Path:
    return write_workbook(tmp_path / "book.xlsx", sheets or valid_sheets())


def _column_values(path: Path, header: str) -> dict[str, object]:
    """Milestone ID -> the value under ``header`` on the Milestones sheet."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[MILESTONES.name]
    headers = [c.value for c in ws[1]]
    id_col = headers.index(MILESTONES.header("milestone_id"))
    col = headers.index(header)
    return {
        str(row[id_col].value): row[col].value
        for row in ws.iter_rows(min_row=2)
        if row[id_col].value is not None
    }


def test_refresh_to_output_writes_results_and_leaves_input_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    before = book.read_bytes()
    out_path = tmp_path / "out.xlsx"
    code, out, err = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--format", "json"
    )
    assert code == 0, err
    assert book.read_bytes() == before
    data = json.loads(out)
    assert set(data) >= {"file", "as_of", "issues", "milestones", "totals"}
    assert data["as_of"] == "2026-03-31"  # the Settings As Of Date
    results = data["milestones"]
    assert set(results) == {str(m["milestone_id"]) for m in valid_sheets()["milestones"]}
    for values in results.values():
        assert {f.name for f in MILESTONES.results} <= set(values)
    statuses = _column_values(out_path, MILESTONES.header("status"))
    assert statuses == {k: v["status"] for k, v in results.items()}
    # Money is an exact decimal string in JSON and a number in the sheet.
    amounts = _column_values(out_path, MILESTONES.header("amount_due"))
    for mid, values in results.items():
        if values["amount_due"] is None:
            assert amounts[mid] is None
        else:
            assert isinstance(values["amount_due"], str)
            assert f"{amounts[mid]:.2f}" == values["amount_due"]


def test_refresh_in_place_keeps_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    before = book.read_bytes()
    code, out, err = run_cli(capsys, "refresh", str(book))
    assert code == 0, err
    assert "Refreshed" in out and "Status:" in out
    backups = [p for p in tmp_path.iterdir() if p.name != book.name]
    assert [p.read_bytes() for p in backups] == [before]
    assert set(_column_values(book, MILESTONES.header("status")).values()) <= set(STATUSES)


def test_as_of_option_overrides_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    out_path = tmp_path / "out.xlsx"
    args = ("refresh", str(book), "--output", str(out_path), "--format", "json")
    code, out, _ = run_cli(capsys, *args, "--as-of", "2027-01-15")
    assert code == 0
    assert json.loads(out)["as_of"] == "2027-01-15"


def test_the_errors_of_a_date_given_are_listed_by_validate_with_that_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 2026-03-01 the sheets' actual dates (March and April 2026) are in the future.
    book = _book(tmp_path)
    out_path = tmp_path / "out.xlsx"
    code, out, _ = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--as-of", "2026-03-01"
    )
    assert code == 1
    command = f"xl-milestones validate {book} --as-of 2026-03-01"
    assert f"see the Validation sheet (or `{command}`)" in out
    code, out, _ = run_cli(capsys, *command.split()[1:])
    assert code == 1 and "future-date" in out


def test_the_command_named_quotes_a_path_with_spaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "soon"
    book = write_workbook(tmp_path / "Q3 milestones.xlsx", sheets)
    code, out, _ = run_cli(capsys, "refresh", str(book))
    assert code == 1
    assert f"(or `xl-milestones validate '{book}'`)" in out


def test_errors_give_exit_1_and_blank_results_for_that_milestone_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    bad = sheets["milestones"][3]
    bad["baseline_date"] = "next Tuesday"
    book = _book(tmp_path, sheets)
    out_path = tmp_path / "out.xlsx"
    code, out, _ = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--format", "json"
    )
    assert code == 1
    data = json.loads(out)
    assert data["counts"]["error"] >= 1
    bad_id = str(bad["milestone_id"])
    assert data["milestones"][bad_id]["status"] is None
    assert data["milestones"][bad_id]["explanation"] == "not computed: see Validation"
    others = [v for k, v in data["milestones"].items() if k != bad_id]
    assert others and all(v["status"] for v in others)
    # The Validation sheet lists the problem with a link to its cell.
    wb = openpyxl.load_workbook(out_path)
    ws = wb[VALIDATION.name]
    codes = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    assert "not-a-date" in codes or "date-as-text" in codes
    links = [c.hyperlink for c in ws["F"][1:] if c.hyperlink is not None]
    assert any(
        link.location and link.location.startswith(f"'{MILESTONES.name}'!") for link in links
    )


def _unstamped(value: object) -> object:
    """A cell's value with the Dashboard's refresh time masked: two refreshes a second apart
    may fall in two minutes."""
    if isinstance(value, str):
        return re.sub(r"refreshed \d{4}-\d\d-\d\d \d\d:\d\d UTC", "refreshed (time)", value)
    return value


def test_refresh_twice_gives_identical_results_and_changes_no_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    args = ("--format", "json")
    _, out1, _ = run_cli(capsys, "refresh", str(book), "--output", str(first), *args)
    _, out2, _ = run_cli(capsys, "refresh", str(first), "--output", str(second), *args)
    assert json.loads(out1)["milestones"] == json.loads(out2)["milestones"]
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.namelist() == b.namelist()
        differing = {n for n in a.namelist() if a.read(n) != b.read(n)}
    # Only the Refresh Log (one more row, and its table) may differ between the two, and the
    # Changes sheet's one line: the first refresh had nothing to compare, the second compared.
    wb1, wb2 = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    for ws1 in wb1.worksheets:
        ws2 = wb2[ws1.title]
        if ws1.title == REFRESH_LOG.name:
            assert ws2.max_row == ws1.max_row + 1
            continue
        if ws1.title == CHANGES.name:
            assert ws1["C2"].value == "First refresh: nothing to compare."
            assert str(ws2["C2"].value).endswith(": nothing changed.")
            assert ws1.max_row == ws2.max_row == 2
            continue
        assert [[_unstamped(c.value) for c in r] for r in ws1.iter_rows()] == [
            [_unstamped(c.value) for c in r] for r in ws2.iter_rows()
        ], ws1.title
    assert all("table" in n or "sheet" in n for n in differing)
    # The second refresh replaces the result cells the first one wrote (read by their start
    # tags). Those holding a value keep value and format; other cells stay as they were.
    ws1, ws2 = wb1[MILESTONES.name], wb2[MILESTONES.name]
    assert ws1.max_column == ws2.max_column
    for row1, row2 in zip(ws1.iter_rows(), ws2.iter_rows(), strict=True):
        for c1, c2 in zip(row1, row2, strict=True):
            if c1.value is not None:
                assert (c2.value, c2.number_format) == (c1.value, c1.number_format), c1.coordinate
    parts = sheet_parts(first)
    assert parts[PAYMENT_SCHEDULE.name] not in differing
    # Empty result cells take the column's style from the second refresh on (the first met
    # the added columns unstyled); from then on the Milestones part does not change at all.
    third = tmp_path / "third.xlsx"
    run_cli(capsys, "refresh", str(second), "--output", str(third))
    with zipfile.ZipFile(second) as b, zipfile.ZipFile(third) as c:
        assert b.read(parts[MILESTONES.name]) == c.read(parts[MILESTONES.name])
        assert b.read(parts[PAYMENT_SCHEDULE.name]) == c.read(parts[PAYMENT_SCHEDULE.name])


def test_an_edit_is_reflected_by_the_next_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    book = _book(tmp_path, sheets)
    run_cli(capsys, "refresh", str(book), "--output", str(tmp_path / "a.xlsx"))
    before = _column_values(tmp_path / "a.xlsx", MILESTONES.header("status"))
    # Cancel a milestone that was not cancelled: the next refresh must say so.
    target = next(m for m in sheets["milestones"] if before[str(m["milestone_id"])] != "Cancelled")
    target["cancelled"] = "yes"
    edited = write_workbook(tmp_path / "edited.xlsx", sheets)
    run_cli(capsys, "refresh", str(edited), "--output", str(tmp_path / "b.xlsx"))
    after = _column_values(tmp_path / "b.xlsx", MILESTONES.header("status"))
    assert after[str(target["milestone_id"])] == "Cancelled"


def test_unreadable_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook at all")
    code, out, err = run_cli(capsys, "refresh", str(junk))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "junk.xlsx" in err
    assert "Traceback" not in err
    assert junk.read_bytes() == b"not a workbook at all"


def _without(src: Path, dst: Path, part: str) -> Path:
    # The workbook with one part left out of its zip, every other entry as it was.
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info))
    return dst


@pytest.mark.parametrize(
    ("part", "words"),
    [
        ("xl/styles.xml", "no cell styles part"),
        ("[Content_Types].xml", "no [Content_Types].xml"),
    ],
)
def test_a_package_missing_a_part_the_writer_needs_is_named_with_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str, words: str
) -> None:
    broken = _without(_book(tmp_path), tmp_path / "broken.xlsx", part)
    before = broken.read_bytes()
    code, out, err = run_cli(capsys, "refresh", str(broken), "--output", str(tmp_path / "o.xlsx"))
    assert out == ""
    assert code == 2
    assert err.startswith(f"xl-milestones: error: {broken}: "), err
    assert words in err and "save it again" in err
    assert len(err.strip().splitlines()) == 1
    assert broken.read_bytes() == before
    assert not (tmp_path / "o.xlsx").exists()


# Excel's "Strict Open XML Spreadsheet" names the same parts in other namespaces.
STRICT_NAMESPACES = (
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/",
        b"http://purl.oclc.org/ooxml/drawingml/",
    ),
)


def test_a_workbook_saved_as_strict_open_xml_is_refused_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, strict = _book(tmp_path), tmp_path / "strict.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            for old, new in STRICT_NAMESPACES:
                data = data.replace(old, new)
            zout.writestr(info, data)
    before = strict.read_bytes()
    out = tmp_path / "o.xlsx"
    code, stdout, err = run_cli(capsys, "refresh", str(strict), "--output", str(out))
    assert (code, stdout) == (2, "")
    assert err.startswith(f"xl-milestones: error: {strict}: "), err
    assert "Strict Open XML" in err and "Excel Workbook (*.xlsx)" in err, err
    assert len(err.strip().splitlines()) == 1
    assert strict.read_bytes() == before and not out.exists()


def test_bad_as_of_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "refresh", str(_book(tmp_path)), "--as-of", "31/03/2026")
    assert code == 2
    assert "YYYY-MM-DD" in err


def test_demo_refreshes_the_sample_and_summarises_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    code, out, err = run_cli(capsys, "demo", str(folder))
    assert code == 0, err
    files = [p.name for p in folder.iterdir()]
    assert files == ["sample_contract_milestones.xlsm"]
    assert "kept as" not in out  # nothing was replaced
    for text in ("Status:", "RAG:", "Due in the next 30 days", "Overdue", "Ready for sign-off"):
        assert text in out
    statuses = _column_values(folder / files[0], MILESTONES.header("status"))
    assert len(statuses) >= 80 and all(statuses.values())


def test_demo_keeps_the_file_it_replaces_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    mine = folder / "sample_contract_milestones.xlsm"
    mine.write_bytes(b"an unrelated file of that name")
    code, out, err = run_cli(capsys, "demo", str(folder))
    assert code == 0, err
    backup = folder / "sample_contract_milestones.xlsm.bak"
    assert sorted(p.name for p in folder.iterdir()) == [mine.name, backup.name]
    assert backup.read_bytes() == b"an unrelated file of that name"
    assert f"The file it replaced is kept as {backup}.\nOpen {mine} in Excel" in out
    assert _column_values(mine, MILESTONES.header("status"))  # the sample, refreshed


def test_demo_into_a_folder_it_cannot_write_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # /proc exists but takes no file, even from root: it was an "internal error:
    # FileNotFoundError ... please report it", and a file given as DIR "cannot create the demo
    # folder (File exists)", with nothing to do.
    code, out, err = run_cli(capsys, "demo", "/proc")
    assert (code, out) == (2, "")
    assert err == (
        "xl-milestones: error: /proc: the demo cannot be written into this folder (it takes "
        "no new files): give a folder you may write to\n"
    )
    book = _book(tmp_path)
    before = (book.read_bytes(), book.stat().st_mtime_ns)
    code, out, err = run_cli(capsys, "demo", str(book))
    assert (code, out) == (2, "")
    assert err == (
        f"xl-milestones: error: {book}: is a file, not a folder: give the folder to write the "
        "sample into (it is made when it does not exist)\n"
    )
    assert (book.read_bytes(), book.stat().st_mtime_ns) == before


def test_setting_as_of_date_is_used_when_no_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    set_setting(sheets, "as_of_date", dt.date(2026, 5, 1))
    book = _book(tmp_path, sheets)
    _, out, _ = run_cli(
        capsys, "refresh", str(book), "--output", str(tmp_path / "o.xlsx"), "--format", "json"
    )
    assert json.loads(out)["as_of"] == "2026-05-01"


def test_the_program_prints_all_of_its_output_before_it_ends_without_freeing(
    tmp_path: Path,
) -> None:
    """`python -m xl_milestones` (as the installed `xl-milestones` command) ends the process
    without freeing what the refresh built: its output, still in Python's buffer when the
    command returns (a pipe is block-buffered), is whole, and its exit code is the command's."""
    import os
    import subprocess
    import sys

    book = _book(tmp_path)
    out = tmp_path / "out.xlsx"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    command = [sys.executable, "-m", "xl_milestones", "refresh"]
    done = subprocess.run(
        [*command, str(book), "--output", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)["milestones"]) == {"M-001", "M-002", "M-003", "M-101"}
    assert out.is_file()
    bad = subprocess.run(
        [*command, str(tmp_path / "missing.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert bad.returncode == 2 and "no such file" in bad.stderr


def test_refresh_adds_and_fills_the_signoff_queue_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A workbook made without the Sign-off Queue sheet gets it, with M-002 (completed
    # 2026-03-20, due 2026-03-30, 1 day overdue as of 2026-03-31) on it.
    sheets = valid_sheets()
    for row in sheets["milestones"]:
        if row["milestone_id"] == "M-002":
            row["actual_date"] = dt.date(2026, 3, 20)
            row["percent_complete"] = 1
    out_path = tmp_path / "out.xlsx"
    code, _out, err = run_cli(
        capsys, "refresh", str(_book(tmp_path, sheets)), "--output", str(out_path)
    )
    assert code == 0, err
    ws = openpyxl.load_workbook(out_path, data_only=True)[SIGNOFF_QUEUE.name]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [f.header for f in SIGNOFF_QUEUE.fields]
    data = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] is not None]
    assert [(r["Milestone ID"], r["Days Overdue"], r["Days Waiting"]) for r in data] == [
        ("M-002", 1, 11)
    ]
    assert data[0]["Sign-off Due"] == dt.datetime(2026, 3, 30)


def test_a_link_to_a_sheet_whose_name_has_an_apostrophe_doubles_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "next Tuesday"
    book = write_workbook(tmp_path / "book.xlsx", sheets, sheet_names={"milestones": "Milestone's"})
    out_path = tmp_path / "out.xlsx"
    code, _out, _err = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 1
    ws = openpyxl.load_workbook(out_path)[VALIDATION.name]
    links = {c.hyperlink.location for c in ws["F"][1:] if c.hyperlink is not None}
    cell = next(
        ws.cell(row=r, column=6).value
        for r in range(2, ws.max_row + 1)
        if ws.cell(row=r, column=2).value == "not-a-date"
    )
    # Excel's form: the name in quotes, its apostrophe doubled.
    assert f"'Milestone''s'!{cell}" in links
    assert not any(link.startswith("'Milestone's'") for link in links)


def test_a_warning_only_the_refresh_finds_is_listed_and_placed_on_the_validation_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    sheets["invoices"][0]["paid_amount"] = 60000  # 54,720 due: overpaid by 5,280
    book = _book(tmp_path, sheets)
    code, out, _ = run_cli(capsys, "validate", str(book))
    assert code == 0 and "overpaid" not in out  # validate does not compute amounts
    out_path = tmp_path / "out.xlsx"
    code, out, _ = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 0
    assert f"(`xl-milestones validate {book}` shows all but the 1 warning" in out
    assert "(or `xl-milestones validate" not in out
    assert "overpaid: Milestone M-001 is overpaid by 5,280.00 GBP" in out
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")[VALIDATION.name]
    assert "overpaid" in [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]


@pytest.mark.parametrize(
    ("drop", "why"),
    [
        ("settings sheet", "today: no Settings sheet"),
        # The sheet there but cleared, header row and all: not said to be missing.
        ("settings table", "today: the Settings sheet has no Setting/Value table"),
        ("as-of row", "today: no As Of Date in Settings"),
        ("as-of value", "today: the As Of Date in Settings is not a date; see Validation"),
    ],
)
def test_a_refresh_as_of_today_by_default_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], drop: str, why: str
) -> None:
    sheets = valid_sheets()
    if drop == "settings sheet":
        del sheets["settings"]
    elif drop == "as-of value":  # there, but text: an error on its cell, not a missing date
        for r in sheets["settings"]:
            if r["setting"] == setting("as_of_date"):
                r["value"] = "tomorrow"
    else:
        sheets["settings"] = [
            r for r in sheets["settings"] if r["setting"] != setting("as_of_date")
        ]
    book = _book(tmp_path, sheets)
    if drop == "settings table":
        wb = openpyxl.load_workbook(book)
        ws = wb[SETTINGS.name]
        ws.delete_rows(1, ws.max_row)
        del ws.tables[SETTINGS.table_name]
        wb.save(book)
    out_path = tmp_path / "out.xlsx"
    today = dt.date.today().isoformat()
    code, out, _err = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code in (0, 1)
    assert out.splitlines()[0] == f"Refreshed {out_path} as of {today} ({why})."
    ws = openpyxl.load_workbook(out_path)["Dashboard"]
    assert ws["A2"].value.startswith(f"As of {today} ({why}) · amounts in ")
    source = {
        "settings sheet": "no-settings-sheet",
        "settings table": "empty-settings-sheet",
        "as-of value": "invalid-as-of-date",
    }.get(drop, "no-as-of-date")
    code, out, _err = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--format", "json"
    )
    report = json.loads(out)
    assert (report["as_of"], report["as_of_source"]) == (today, source)
    # With the date given, nothing to explain.
    code, out, _err = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--as-of", "2026-03-31"
    )
    assert out.splitlines()[0] == f"Refreshed {out_path} as of 2026-03-31."


def test_the_dashboard_line_says_how_many_milestones_its_figures_leave_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # M-101 with % Complete 7 (an error: 700%) is not computed: the Dashboard's figures count
    # the other 3 of the 4 milestones, which the Refresh Log and the JSON count as the
    # workbook's; the line under the title says so, where it read as if 3 were all.
    sheets = valid_sheets()
    for m in sheets["milestones"]:
        if m["milestone_id"] == "M-101":
            m["percent_complete"] = 7
    out_path = tmp_path / "out.xlsx"
    code, out, _err = run_cli(
        capsys,
        "refresh",
        str(_book(tmp_path, sheets)),
        "--output",
        str(out_path),
        "--format",
        "json",
    )
    assert code == 1
    totals = json.loads(out)["totals"]
    assert (totals["milestones"], totals["computed"]) == (4, 3)
    wb = openpyxl.load_workbook(out_path)
    ws = wb["Dashboard"]
    assert (ws["A5"].value, ws["B5"].value) == ("Milestones", 3)
    assert " · amounts in GBP · 1 of 4 milestones not computed (see Validation) · refreshed " in (
        ws["A2"].value
    )
    log = wb[REFRESH_LOG.name]
    assert log.cell(log.max_row, 4).value == 4
    # Every milestone computed: nothing to say.
    code, _out, _err = run_cli(capsys, "refresh", str(_book(tmp_path)), "--output", str(out_path))
    assert code == 0
    line = openpyxl.load_workbook(out_path)["Dashboard"]["A2"].value
    assert "not computed" not in line and " · amounts in GBP · refreshed " in line
