"""The live-workbook adapter and the macros on xlwings' real remote engine (the engine of xlwings
Lite), given the book data the Office.js client sends for the sample workbook."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from tests.factory import column_of, valid_sheets, write_workbook
from tests.officejs import apply_actions, book_payload, sheet_values

from xl_milestones.a1 import column_number
from xl_milestones.app.evaluate import validate_book
from xl_milestones.excel import macros
from xl_milestones.excel.book import XlwingsBook
from xl_milestones.io.reader import read_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook" / "sample_contract_milestones.xlsm"


@pytest.fixture(scope="module")
def payload() -> dict[str, Any]:
    return book_payload(SAMPLE, name="sample_contract_milestones.xlsx")


def _remote(payload: dict[str, Any]) -> Any:
    """The remote engine's book of ``payload``, on a copy: the engine changes the data it is
    given (a sheet it adds is added there too), and the client's request is not the test's
    model of the workbook, which ``apply_actions`` updates."""
    book = xw.Book(json=json.loads(json.dumps(payload)))
    assert book.app.engine.name == "remote"
    return book


def test_the_remote_engine_refuses_the_status_bar_the_adapter_once_used(
    payload: dict[str, Any],
) -> None:
    book = _remote(payload)
    with pytest.raises(NotImplementedError):
        _ = book.app.status_bar
    adapter = XlwingsBook(book)
    assert adapter.desktop is False and adapter.name == "sample_contract_milestones.xlsx"
    with adapter.busy():
        adapter.progress("reading")
    assert book.json()["actions"] == []  # no status bar, screen updating or calculation


def test_the_adapter_reads_the_remote_book_as_the_file_reader_reads_the_file(
    payload: dict[str, Any],
) -> None:
    live = XlwingsBook(_remote(payload)).read()
    file = read_workbook(SAMPLE)
    assert set(live.tables) == set(file.tables)
    for key, table in file.tables.items():
        assert live.tables[key].values == table.values, key
        assert live.tables[key].rows == table.rows, key


@pytest.mark.parametrize("name", ["refresh", "validate", "payment_schedule"])
def test_each_macro_runs_on_the_remote_engine_and_says_how_it_went(
    payload: dict[str, Any], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _remote(payload)
    getattr(macros, name)(book)
    actions = book.json()["actions"]
    (alert,) = [a for a in actions if a["func"] == "alert"]
    prompt, title, _buttons, mode, _callback = alert["args"]
    assert "Internal error" not in prompt and mode == "info", prompt
    assert title.startswith("xl-milestones: ")
    assert "xl-milestones: " in capsys.readouterr().out  # progress, in Lite's Output pane
    copy = book_payload(SAMPLE, name="sample_contract_milestones.xlsx")
    apply_actions(copy, actions)
    validation = sheet_values(copy, "Validation")
    assert validation[0][0] == "Severity"


def test_the_signoff_pack_goes_to_lites_files_folder(
    payload: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(macros, "LITE_FILES", tmp_path)
    book = _remote(payload)
    macros.signoff_pack(book)
    (alert,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    name = f"sample_contract_milestones sign-off pack {date.today().isoformat()}.html"
    assert alert["args"][0].startswith(f"Sign-off pack written: {name}\n")
    assert "Files > Import/Export" in alert["args"][0]
    assert (tmp_path / name).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_nothing_to_sign_off_because_of_errors_points_to_lites_validate_script(
    payload: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lite has no ribbon: the hint is the task pane's script, not a Validate button.
    from xl_milestones import actions
    from xl_milestones.reports.signoff import NothingToSignOff

    def nothing(book: Any, **kw: Any) -> None:
        raise NothingToSignOff("sample.xlsx", date(2026, 6, 30), errors=1, not_computed=1)

    monkeypatch.setattr(actions, "signoff_pack", nothing)
    book = _remote(payload)
    macros.signoff_pack(book)
    (alert,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert alert["args"][0].endswith(
        "1 milestone could not be computed because of errors: run validate in the xlwings "
        "Lite task pane to list them"
    )


def test_help_prints_the_whole_text_in_lite(
    payload: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    book = _remote(payload)
    macros.show_help(book)
    (alert,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert alert["args"][0].endswith("The full help is in the task pane's Output.")
    text = macros.LITE_HELP_FILE.read_text("utf-8")
    assert capsys.readouterr().out.strip() == text.strip()
    assert alert["args"][0].startswith(text.split("\n\n")[0])
    # the help names every script of main.py, and no ribbon
    main_py = (ROOT / "workbook" / "lite" / "main.py").read_text("utf-8")
    scripts = re.findall(r"^def (\w+)\(book: xw.Book\):", main_py, flags=re.M)
    functions = re.findall(r"^def (MS_\w+)\(", main_py, flags=re.M)
    assert scripts and all(f"\n{name}\n" in text for name in scripts)
    assert functions and all(f"={name}(" in text for name in functions)
    assert "ribbon" not in text.lower() and "Import Functions" not in text


def test_the_refresh_message_says_what_changed_in_lite_too(
    payload: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    book = _remote(payload)
    macros.refresh(book)
    actions = book.json()["actions"]
    (first,) = [a["args"][0] for a in actions if a["func"] == "alert"]
    assert "\nFirst refresh: nothing to compare.\n" in first
    # The workbook as Excel holds it after that refresh, its As Of Date moved to 2026-07-15.
    copy = book_payload(SAMPLE, name="sample_contract_milestones.xlsx")
    apply_actions(copy, actions)
    settings = next(s for s in copy["sheets"] if s["name"] == "Settings")["values"]
    row = next(r for r in settings if r[0] == "As Of Date")
    row[1] = "2026-07-15"  # dates come from the client as ISO strings
    again = _remote(copy)
    macros.refresh(again)
    (second,) = [a["args"][0] for a in again.json()["actions"] if a["func"] == "alert"]
    assert (
        "\nSince the refresh as of 2026-06-30: 2 newly late, 5 payments now overdue, "
        "2 now Red (RAG).\n" in second
    )
    capsys.readouterr()


def test_a_refresh_of_a_new_lite_workbook_says_what_to_fill_in_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    book = _remote(book_payload(ROOT / "workbook" / "contract_milestones.xlsx"))
    macros.refresh(book)
    (alert,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    prompt, mode = alert["args"][0], alert["args"][3]
    assert mode == "info" and "\nNo milestones yet: fill in Settings (As Of Date)" in prompt
    assert "Status:" not in prompt
    capsys.readouterr()


def test_text_longer_than_a_cell_holds_is_cut_as_the_file_writer_cuts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # M-012 awaits sign-off; 1,500 more deliverables not accepted make its Sign-off Blockers
    # about 50,000 characters, more than the 32,767 an Excel cell holds.
    import openpyxl

    from xl_milestones.cli import main as cli

    book_file = tmp_path / "long.xlsx"
    wb = openpyxl.load_workbook(ROOT / "workbook" / "sample_contract_milestones.xlsx")
    ws = wb["Deliverables"]
    first = ws.max_row + 1
    for i in range(1500):
        ws.append([f"D-9{i:04d}", "M-012", f"Drawing pack {i}", date(2026, 5, 1)])
    ws.tables["tblDeliverables"].ref = f"A1:H{first + 1499}"
    wb.save(book_file)
    out = tmp_path / "refreshed.xlsx"
    assert cli(["refresh", str(book_file), "--output", str(out)]) == 0
    sheet = openpyxl.load_workbook(out, read_only=True)["Milestones"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Sign-off Blockers")
    in_file = next(r[column] for r in rows if r[0] == "M-012")
    assert len(in_file) == 32767

    book = _remote(book_payload(book_file))
    macros.refresh(book)
    texts = [
        v
        for a in book.json()["actions"]
        if a["func"] == "setValues"
        for row in a["values"]
        for v in row
        if isinstance(v, str)
    ]
    assert max(map(len, texts)) == 32768  # the apostrophe Excel keeps as the prefix, and 32,767
    assert "'" + in_file in texts
    capsys.readouterr()


def _type(payload: dict[str, Any], name: str, row: int, column: int, value: object) -> None:
    """The book data after the user types ``value`` into a cell (one-based) of sheet ``name``:
    the client sends A1 to the last used cell."""
    (sheet,) = (s for s in payload["sheets"] if s["name"] == name)
    grid = sheet["values"]
    width = max(column, *map(len, grid))
    while len(grid) < row:
        grid.append([""] * width)
    for line in grid:
        line.extend([""] * (width - len(line)))
    grid[row - 1][column - 1] = value


def test_a_note_below_an_output_table_is_kept_and_the_old_rows_cleared_in_lite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = book_payload(SAMPLE, name="sample_contract_milestones.xlsx")
    note = ("Payment Schedule", 170, 1, "Total checked by JB")
    _type(payload, *note)
    end = 0
    for run in range(3):
        book = _remote(payload)
        macros.refresh(book)
        (alert,) = apply_actions(payload, book.json()["actions"])
        assert alert[3] == "info", alert[0]
        schedule = sheet_values(payload, "Payment Schedule")
        assert schedule[169][0] == "Total checked by JB"
        width = len(schedule[0])
        if run == 0:
            end = max(r for r in range(1, 169) if schedule[r - 1][0] != "")
            assert end < 168
            for row in range(end + 1, end + 4):  # rows a longer earlier schedule left
                for column in range(1, width + 1):
                    _type(payload, "Payment Schedule", row, column, schedule[end - 1][column - 1])
        else:  # cleared, down to the empty row above the note
            assert all(schedule[end - 1][c] != "" for c in (0, 1))
            assert all(v == "" for r in range(end, 169) for v in schedule[r][:width])
    capsys.readouterr()


@pytest.mark.parametrize(
    ("sheet", "cell"), [("Payment Schedule", "A50"), ("Dashboard", "H20"), ("Dashboard", "M26")]
)
def test_a_note_the_new_rows_would_reach_is_refused_in_lite_as_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str, cell: str
) -> None:
    from xl_milestones.cli import main as cli

    path = tmp_path / "book.xlsm"
    wb = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    wb[sheet][cell] = "Source: finance ledger"  # the Dashboard's S-curve ends in row 25
    wb.save(path)
    capsys.readouterr()
    assert cli(["refresh", str(path), "--output", str(tmp_path / "out.xlsm")]) == 2
    said = capsys.readouterr().err.strip().split(f"{path}: ", 1)[1]
    assert f"sheet '{sheet}': {cell} holds a value below " in said

    _refused_live_in_the_same_words(path, said)
    capsys.readouterr()


def _refused_live_in_the_same_words(path: Path, said: str) -> None:
    """A Lite refresh of ``path`` shows the command line's refusal ``said`` in one critical
    alert, and writes or clears nothing."""
    book = _remote(book_payload(path, name="book.xlsx"))
    macros.refresh(book)
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]  # nothing written or cleared
    prompt, title, _buttons, mode, _callback = actions[0]["args"]
    assert (prompt, title, mode) == (f"book.xlsx: {said}", "xl-milestones: Refresh", "critical")


def _refreshed_with_a_row_cleared(tmp_path: Path, sheet: str, row: int, refreshes: int) -> Path:
    """The sample refreshed ``refreshes`` times by the command line, then row ``row`` of
    ``sheet`` cleared, as a user clears a row inside an output sheet's Excel table."""
    from xl_milestones.cli import main as cli

    path = tmp_path / "book.xlsm"
    assert cli(["refresh", str(SAMPLE), "--output", str(path)]) == 0
    for _ in range(refreshes - 1):
        assert cli(["refresh", str(path)]) == 0
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for cell in wb[sheet][row]:
        cell.value = None
    wb.save(path)
    return path


def _lite_refresh(path: Path) -> dict[str, Any]:
    """The book data after Lite's refresh script ran on the workbook file at ``path``, which
    must have said it was done (an info message, not a refusal)."""
    payload = book_payload(path, name="book.xlsx")
    book = _remote(payload)
    macros.refresh(book)
    (alert,) = apply_actions(payload, book.json()["actions"])
    assert alert[3] == "info", alert[0]
    return payload


def test_a_row_cleared_inside_an_output_excel_table_is_rewritten_in_lite_as_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The user cleared row 10 of the Payment Schedule, inside its Excel table: the rows below
    # it are the table's old rows, not notes in the way, in Lite as on the command line.
    from xl_milestones.cli import main as cli

    path = _refreshed_with_a_row_cleared(tmp_path, "Payment Schedule", 10, 1)
    (table,) = openpyxl.load_workbook(path)["Payment Schedule"].tables.values()
    assert openpyxl.utils.cell.range_boundaries(table.ref)[3] > 20
    assert cli(["refresh", str(path), "--output", str(tmp_path / "out.xlsm")]) == 0
    schedule = sheet_values(_lite_refresh(path), "Payment Schedule")
    assert schedule[9][0] != ""  # the schedule written over it again
    capsys.readouterr()


def test_a_log_row_cleared_inside_the_refresh_log_table_is_no_note_in_the_way_in_lite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three refreshes logged, the middle row cleared inside the log's Excel table: Lite's
    # refresh adds its row under the table, as the command line does, not refused.
    path = _refreshed_with_a_row_cleared(tmp_path, "Refresh Log", 3, 3)
    log = sheet_values(_lite_refresh(path), "Refresh Log")
    assert [row[0] != "" for row in log[1:5]] == [True, False, True, True]
    capsys.readouterr()


ERROR_VALUES = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")


def test_error_values_in_input_sheets_are_reported_as_validate_reports_them_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The client sends an error cell as its text ("#N/A"), which the adapter reads as the error
    # (err_to_str): the same codes on the same cells as `xl-milestones validate` on the file.
    from xl_milestones.cli import main as cli

    path = write_workbook(tmp_path / "errors.xlsx", valid_sheets())
    cells = [
        ("Contracts", column_of(path, "contracts", "original_value"), 2),
        ("Contracts", column_of(path, "contracts", "payment_terms_days"), 2),
        ("Milestones", column_of(path, "milestones", "baseline_date"), 2),
        ("Milestones", column_of(path, "milestones", "percent_complete"), 3),
        ("Milestones", column_of(path, "milestones", "owner"), 2),
        ("Milestones", column_of(path, "milestones", "milestone_name"), 3),
        ("Milestones", column_of(path, "milestones", "evidence"), 2),
    ]
    wb = openpyxl.load_workbook(path)
    for (sheet, column, row), error in zip(cells, ERROR_VALUES, strict=True):
        wb[sheet][f"{column}{row}"] = error  # openpyxl stores these texts as error values
        assert wb[sheet][f"{column}{row}"].data_type == "e"
    wb.save(path)
    payload = book_payload(path)
    column = column_number(cells[0][1]) - 1
    assert sheet_values(payload, "Contracts")[1][column] == "#N/A"  # as Range.values gives it

    capsys.readouterr()
    assert cli(["validate", str(path), "--format", "json"]) == 1
    from_file = json.loads(capsys.readouterr().out)["issues"]
    live = validate_book(XlwingsBook(_remote(payload)), today=date.today()).issues
    assert [i.to_json() for i in live] == from_file
    errors = {(i["code"], i["sheet"], i["cell"]) for i in from_file if i["code"] == "formula-error"}
    assert errors == {("formula-error", s, f"{c}{r}") for s, c, r in cells}
    capsys.readouterr()


def _note_after_a_blank_row(wb: openpyxl.Workbook) -> None:
    ws = wb["Milestones"]
    ws.cell(ws.max_row + 2, 1, "Checked against the programme by JB")


def _table_under_holidays(wb: openpyxl.Workbook) -> None:
    from openpyxl.worksheet.table import Table

    ws = wb["Holidays"]
    for row in (["Region", "Note"], ["North", "site closed"]):
        ws.append([])
        ws.append(row)
    ws.add_table(Table(displayName="tblRegions", ref=f"A{ws.max_row - 2}:B{ws.max_row}"))


def _row_under_invoices(wb: openpyxl.Workbook) -> None:
    wb["Invoices"].append(["INV-2", "M-001", date(2026, 3, 4), 100])


def _row_under_a_totals_row(wb: openpyxl.Workbook) -> None:
    ws = wb["Invoices"]
    (table,) = ws.tables.values()
    ws.append(["Total", None, None, 54720])
    table.ref = f"A1:{table.ref.split(':')[1][0]}{ws.max_row}"
    table.totalsRowCount = 1
    ws.append(["INV-2", "M-001", date(2026, 3, 4), 100])


@pytest.mark.parametrize(
    "edit",
    [_note_after_a_blank_row, _table_under_holidays, _row_under_invoices, _row_under_a_totals_row],
)
def test_the_excel_tables_of_input_sheets_end_the_rows_read_live_as_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any
) -> None:
    # A note under a blank row below Milestones' table, a second table under Holidays' in its
    # columns, a row typed right under Invoices' table, a row under a totals row: the live
    # adapter reads the sheets' Excel tables, so it reads the rows the file reader reads and
    # says what `xl-milestones validate` says (it read the note and the second table as rows).
    from xl_milestones.cli import main as cli

    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    capsys.readouterr()
    cli(["validate", str(path), "--format", "json"])
    from_file = json.loads(capsys.readouterr().out)["issues"]
    live = validate_book(XlwingsBook(_remote(book_payload(path))), today=date.today()).issues
    assert [i.to_json() for i in live] == from_file
    file_rows = {k: t.rows for k, t in read_workbook(path).tables.items()}
    live_rows = {
        k: t.rows for k, t in XlwingsBook(_remote(book_payload(path))).read().tables.items()
    }
    assert live_rows == file_rows
    capsys.readouterr()


def test_a_lite_refresh_extends_a_table_over_the_rows_typed_under_it_as_the_file_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The row-below-table warning says a refresh extends the table over the row: so it does
    # in Lite too, as on the command line; and Milestones' table takes the result columns
    # added after it, where a second refresh found no results of the first (its table ended
    # before them) and said every milestone was added and removed.
    from xl_milestones.cli import main as cli

    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    _row_under_invoices(wb)
    wb.save(path)
    out = tmp_path / "out.xlsx"
    capsys.readouterr()
    assert cli(["refresh", str(path), "--output", str(out)]) == 0  # a warning, no error
    (in_file,) = openpyxl.load_workbook(out)["Invoices"].tables.values()
    payload = _lite_refresh(path)
    (invoices,) = (s for s in payload["sheets"] if s["name"] == "Invoices")
    (live,) = invoices["tables"]
    assert live["range_address"] == in_file.ref == "A1:F3"
    (in_file,) = openpyxl.load_workbook(out)["Milestones"].tables.values()
    (milestones,) = (s for s in payload["sheets"] if s["name"] == "Milestones")
    assert [t["range_address"] for t in milestones["tables"]] == [in_file.ref]
    book = _remote(payload)
    macros.refresh(book)
    (alert,) = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert "\nSince the refresh as of 2026-03-31: nothing changed.\n" in alert
    capsys.readouterr()


def test_a_whole_number_too_large_for_a_cell_is_reported_live_as_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The client's JSON sends 1e20 as 100000000000000000000, which the remote engine reads as
    # an int: the message showed it in full where the command line says 1e+20.
    from xl_milestones.cli import main as cli

    sheets = valid_sheets()
    sheets["contracts"][0]["original_value"] = 1e20
    sheets["invoices"][0]["invoice_amount"] = -(2.0**60)
    path = write_workbook(tmp_path / "large.xlsx", sheets)
    payload = book_payload(path)
    assert 10**20 in sheet_values(payload, "Contracts")[1]  # as the client sends it
    capsys.readouterr()
    assert cli(["validate", str(path), "--format", "json"]) == 1
    from_file = json.loads(capsys.readouterr().out)["issues"]
    live = validate_book(XlwingsBook(_remote(payload)), today=date.today()).issues
    assert [i.to_json() for i in live] == from_file
    assert any(i["value"] == "1e+20" for i in from_file)
    capsys.readouterr()


def test_a_dashboard_a_lite_refresh_adds_has_its_title_as_the_file_refreshs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from xl_milestones.cli import main as cli

    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())  # no Dashboard sheet
    out = tmp_path / "out.xlsx"
    assert cli(["refresh", str(path), "--output", str(out)]) == 0
    in_file = sheet_values(book_payload(out), "Dashboard")
    live = sheet_values(_lite_refresh(path), "Dashboard")
    assert live[0][0] == in_file[0][0] == "Dashboard"
    assert live == in_file
    capsys.readouterr()


def test_a_time_of_day_in_an_input_cell_is_reported_live_as_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Excel hands a time of day (a serial under 1) over as a datetime on 1899-12-30: read as
    # that date, a Baseline Date of 12:00 was "more than 10 years before the contract's Start
    # Date", where the command line says a time of day is not a date.
    import datetime as dt

    from xl_milestones.cli import main as cli

    sheets = valid_sheets()
    sheets["milestones"][1]["baseline_date"] = dt.time(12, 0)
    sheets["contracts"][0]["payment_terms_days"] = dt.time(9, 30)
    path = write_workbook(tmp_path / "times.xlsx", sheets)
    capsys.readouterr()
    assert cli(["validate", str(path), "--format", "json"]) == 1
    from_file = json.loads(capsys.readouterr().out)["issues"]
    live = validate_book(XlwingsBook(_remote(book_payload(path))), today=date.today()).issues
    assert [i.to_json() for i in live] == from_file
    assert {i["code"] for i in from_file} == {"not-a-date", "not-a-number"}
    capsys.readouterr()


def _tables_of(payload: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {
        s["name"]: [(t["name"], t["range_address"]) for t in s["tables"]] for s in payload["sheets"]
    }


def test_the_output_sheets_excel_tables_end_at_the_rows_a_lite_refresh_wrote_as_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file refresh sets each output sheet's Excel table to end at the last row it wrote (the
    # Payment Schedule's grows from the template's one row, the Validation's shrinks when the
    # problems are put right, the Refresh Log's gains a row); Lite's refresh left them as they
    # were, so the rows it wrote lay under the table, out of its filter, banding and references.
    from xl_milestones.cli import main as cli

    path = tmp_path / "book.xlsm"
    wb = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    typed = [wb["Milestones"][f"J{row}"].value for row in (5, 6)]
    for row in (5, 6):
        wb["Milestones"][f"J{row}"] = "half"  # a % Complete the Validation sheet lists
    wb.save(path)
    out = tmp_path / "out.xlsm"
    payload = book_payload(path, name="book.xlsx")
    for run in range(2):
        args = ["refresh", str(path), "--output", str(out)] if run == 0 else ["refresh", str(out)]
        assert cli(args) == 1 - run
        book = _remote(payload)
        macros.refresh(book)
        (alert,) = apply_actions(payload, book.json()["actions"])
        assert alert[3] == "info", alert[0]
        in_file = _tables_of(book_payload(out))
        assert _tables_of(payload) == in_file
        if run == 0:
            assert in_file["Validation"] != [("tblValidation", "A1:H2")]
            wb = openpyxl.load_workbook(out, keep_vba=True)
            for row, value in zip((5, 6), typed, strict=True):
                wb["Milestones"][f"J{row}"] = value
                _type(payload, "Milestones", row, 10, value)
            wb.save(out)
    assert in_file["Validation"] == [("tblValidation", "A1:H2")]
    assert in_file["Refresh Log"] == [("tblRefreshLog", "A1:G3")]
    assert in_file["Payment Schedule"] != [("tblPaymentSchedule", "A1:U2")]
    capsys.readouterr()


@pytest.mark.parametrize("sheet", ["Payment Schedule", "Refresh Log"])
def test_an_output_excel_table_with_a_totals_row_is_refused_in_lite_as_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str
) -> None:
    # A refresh rewrites every row of an output sheet's table: the command line refuses one
    # with a totals row, where Lite's refresh wrote its rows over the totals row.
    from xl_milestones.cli import main as cli

    path = tmp_path / "book.xlsm"
    wb = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    (table,) = wb[sheet].tables.values()
    table.totalsRowCount = 1
    wb.save(path)
    capsys.readouterr()
    assert cli(["refresh", str(path), "--output", str(tmp_path / "out.xlsm")]) == 2
    said = capsys.readouterr().err.strip().split(f"{path}: ", 1)[1]
    assert said.endswith(
        "has a totals row, and a refresh rewrites every row of it: turn its "
        "totals row off (Table Design > Total Row)"
    )

    _refused_live_in_the_same_words(path, said)
    capsys.readouterr()


def test_an_output_table_moved_near_excels_last_row_is_refused_as_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample's Payment Schedule table moved to the bottom of its sheet: its rows would run
    # past row 1,048,576, which Excel repairs by dropping them. Both ways refuse before writing.
    from openpyxl.worksheet.table import Table

    from xl_milestones.cli import main as cli

    path = tmp_path / "book.xlsm"
    wb = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    ws = wb["Payment Schedule"]
    (name,) = ws.tables.keys()
    header = [c.value for c in ws[1]]
    ws.delete_rows(1, ws.max_row)
    del ws.tables[name]
    top = 1_048_570
    for col, text in enumerate(header, start=1):
        ws.cell(top, col, text)
    corner = ws.cell(top + 1, len(header)).coordinate
    ws.add_table(Table(displayName=name, ref=f"A{top}:{corner}"))
    wb.save(path)
    before = path.read_bytes()
    out = tmp_path / "out.xlsm"
    capsys.readouterr()
    assert cli(["refresh", str(path), "--output", str(out)]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith(
        f"xl-milestones: error: {path}: sheet 'Payment Schedule': the Payment Schedule table "
        "needs rows 1,048,571 to "
    )
    assert said.endswith(
        ", past Excel's last row (1,048,576), so the refresh is stopped before writing "
        "anything: move it up its sheet (its header to row 1), then refresh again"
    )
    assert not out.exists() and path.read_bytes() == before
    capsys.readouterr()


def test_the_live_adapter_refuses_rows_past_excels_last_row_before_writing(
    payload: dict[str, Any],
) -> None:
    # More Validation rows than Excel's grid holds under its header (a workbook with over a
    # million issues): refused before the first write, in the file writer's words.
    from xl_milestones.book import EXCEL_ROWS, BookUpdate, TableWrite
    from xl_milestones.core.schema import VALIDATION
    from xl_milestones.errors import WorkbookError

    book = _remote(payload)
    row = ("error", "date-invalid", "Milestones", 3, "Baseline Date", "E3", "soon", "Enter a date")
    update = BookUpdate({}, tables=[TableWrite(VALIDATION, [row] * EXCEL_ROWS)])
    with pytest.raises(WorkbookError) as caught:
        XlwingsBook(book).write(update)
    assert str(caught.value) == (
        "sample_contract_milestones.xlsx: sheet 'Validation': the Validation table needs rows "
        "2 to 1,048,577, past Excel's last row (1,048,576), so the refresh is stopped before "
        "writing anything: split the contracts over several workbooks (xl-milestones portfolio "
        "rolls them up), then refresh each"
    )
    assert [a["func"] for a in book.json()["actions"]] == []
