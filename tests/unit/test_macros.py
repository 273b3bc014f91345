"""The ribbon macros, run against a fake calling workbook: what each calls and what it shows."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from fake_xlwings import FakeBook, fake_from_file
from tests.factory import set_setting, valid_sheets, write_workbook

import xl_milestones_udfs
from xl_milestones import actions
from xl_milestones.core.engine import compute
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.validate import validate
from xl_milestones.excel import macros
from xl_milestones.excel.book import XLWINGS_CALLS, XlwingsBook
from xl_milestones.io.reader import read_workbook

ROOT = Path(__file__).resolve().parents[2]
# The calls the macros make beyond the adapter's.
MACRO_CALLS = {("App", "alert"), ("Sheet", "activate"), ("Book", "api")}


def _issue(n: int, severity: Severity = Severity.ERROR, cell: str | None = "F7") -> Issue:
    return Issue(severity, "required", "Milestones", 6 + n, "Type", cell, None, f"problem {n}")


def _workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheets: Any = None) -> FakeBook:
    """A fake open workbook with the cells of the factory's valid workbook, as the caller."""
    path = write_workbook(tmp_path / "milestones.xlsx", sheets or valid_sheets())
    fake = fake_from_file(str(path), fullname=str(tmp_path / "milestones.xlsm"))
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: fake))
    return fake


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeBook:
    return _workbook(tmp_path, monkeypatch)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """A stand-in for the sign-off pack writer, recording what it was given."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def signoff_pack(book: Any, **kw: Any) -> None:
        seen.append(("signoff_pack", {"book": book, **kw}))

    monkeypatch.setattr(actions, "signoff_pack", signoff_pack, raising=False)
    return seen


def test_refresh_writes_the_results_into_the_calling_book_and_shows_a_summary(
    book: FakeBook,
) -> None:
    book.app.status_bar = False
    macros.refresh()
    raw = read_workbook_of(book)
    validation = validate(raw, today=date.today())
    result = compute(validation.model, validation.as_of)
    sheet = book._sheet("Milestones")
    header = [sheet._get(1, c) for c in range(1, sheet.used_range.last_cell.column + 1)]
    status = header.index("Status") + 1
    assert [sheet._get(m.row, status) for m in result.milestones] == [
        m.values["status"] for m in result.milestones
    ]
    assert {"Validation", "Refresh Log", "Dashboard", "Payment Schedule"} <= {
        s.name for s in book.sheets
    }
    assert "xl-milestones: computing" in book.app.status_history
    assert book.app.status_bar is False  # handed back to Excel
    (alert,) = book.app.alerts
    assert alert["title"] == "xl-milestones: Refresh" and alert["mode"] == "info"
    counts = ", ".join(f"{s} {n}" for s, n in result.status_counts.items() if n)
    assert str(alert["prompt"]).startswith(
        f"Refreshed as of {result.as_of.isoformat()}: {len(result.milestones)} milestones.\n"
        f"Status: {counts}.\nDue in the next 30 days: "
    )


def read_workbook_of(book: FakeBook) -> Any:
    return XlwingsBook(book).read()


def test_errors_are_counted_and_the_first_shown_with_their_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][1]["baseline_date"] = "someday"
    book = _workbook(tmp_path, monkeypatch, sheets)
    macros.refresh()
    prompt = str(book.app.alerts[0]["prompt"])
    assert "\n1 error, " in prompt
    cell = XlwingsBook(book).read().tables["milestones"].cell("baseline_date", 3)
    assert f"\n- Milestones!{cell}: " in prompt and "someday" in prompt
    assert prompt.endswith("Every problem is listed on the Validation sheet.")
    assert book._sheet("Validation")._get(2, 6) is not None


def test_a_text_as_of_date_is_said_to_be_no_date_not_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = valid_sheets()
    set_setting(sheets, "as_of_date", "tomorrow")
    book = _workbook(tmp_path, monkeypatch, sheets)
    macros.refresh()
    prompt = str(book.app.alerts[0]["prompt"])
    assert prompt.startswith(
        f"Refreshed as of {date.today().isoformat()} "
        "(today: the As Of Date in Settings is not a date; see Validation): "
    )
    assert "'tomorrow' is not a date" in prompt  # the error on its cell, listed below


def test_a_refresh_where_no_milestone_is_computed_says_so_as_the_command_line_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown setting stops every milestone: "Status: none" and 0.00 due read as results.
    sheets = valid_sheets()
    sheets["settings"].append({"setting": "Colour", "value": "blue"})
    book = _workbook(tmp_path, monkeypatch, sheets)
    macros.refresh()
    n = len(sheets["milestones"])
    prompt = str(book.app.alerts[0]["prompt"])
    assert f": {n} milestones ({n} with errors, not computed).\n" in prompt
    assert "\nStatus: none computed (see Validation).\n" in prompt
    assert "'Colour' is not a setting" in prompt


def test_a_refresh_of_a_new_workbook_says_what_to_fill_in_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_from_file(str(ROOT / "workbook" / "contract_milestones.xlsm"))
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: fake))
    macros.refresh()
    (alert,) = fake.app.alerts
    assert alert["mode"] == "info"
    lines = str(alert["prompt"]).splitlines()
    assert lines[0].endswith("(today: no As Of Date in Settings).")
    assert lines[1].startswith("No milestones yet: fill in Settings (As Of Date) and Contracts")
    assert not any(line.startswith(("Status:", "Due in the next 30 days")) for line in lines)


def test_the_message_lists_five_errors_and_counts_the_rest() -> None:
    issues = [_issue(n) for n in range(7)] + [_issue(9, Severity.WARNING)]
    issues[1] = _issue(1, cell=None)
    assert macros._message("Done.", issues) == (
        "Done.\n7 errors, 1 warning.\n\n"
        "- Milestones!F7: problem 0\n"
        "- Milestones row 7: problem 1\n"
        "- Milestones!F7: problem 2\n"
        "- Milestones!F7: problem 3\n"
        "- Milestones!F7: problem 4\n"
        "\nEvery problem (2 more) is listed on the Validation sheet."
    )
    assert macros._message("Done.", [_issue(0, Severity.WARNING)]) == (
        "Done.\n0 errors, 1 warning.\nThey are listed on the Validation sheet."
    )
    assert macros._message("Done.", []) == "Done.\nNo problems found."


def test_validate_lists_problems_and_leaves_the_results_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][1]["baseline_date"] = "someday"
    book = _workbook(tmp_path, monkeypatch, sheets)
    sheet = book._sheet("Milestones")
    before = dict(sheet._cells)
    macros.validate()
    assert sheet._cells == before
    validation = book._sheet("Validation")
    assert validation._get(1, 1) == "Severity" and validation._get(2, 1) == "error"
    assert str(validation._get(2, 6)).startswith("=HYPERLINK(")
    assert validation._get(3, 1) is None
    alert = book.app.alerts[0]
    assert alert["title"] == "xl-milestones: Validate"
    # M-002's bad date also stops the milestones that depend on it from being computed.
    skipped = len(validate(XlwingsBook(book).read(), today=date.today()).model.skipped)
    assert skipped >= 1
    assert str(alert["prompt"]).startswith(
        f"Checked {len(sheets['milestones'])} milestones ({skipped} with errors, not computed)."
        "\n1 error, 0 warnings.\n\n- Milestones!F3: 'someday' is not a date"
    )


def test_validate_lists_the_computations_warnings_as_a_refresh_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The factory's invoice unpaid at year end with Late Interest Regime none: the engine warns
    # on the Settings cell to fill. Validate lists it as a refresh does, and writes no result.
    sheets = valid_sheets()
    set_setting(sheets, "late_interest_regime", "none")
    set_setting(sheets, "as_of_date", date(2026, 12, 31))
    sheets["invoices"][0].update(paid_date=None, paid_amount=None)
    book = _workbook(tmp_path, monkeypatch, sheets)
    before = dict(book._sheet("Milestones")._cells)
    macros.validate()
    assert book._sheet("Milestones")._cells == before
    validation = book._sheet("Validation")
    assert (validation._get(2, 1), validation._get(2, 2)) == (
        "warning",
        "late-interest-regime-missing",
    )
    assert "0 errors, 1 warning." in str(book.app.alerts[0]["prompt"])


@pytest.mark.parametrize(
    ("names", "drop", "code", "sheet"),
    [
        ({"invoices": "Invoice"}, None, "sheet-name-near-match", "Invoice"),
        ({}, "holidays", "sheet-missing", "Holidays"),
    ],
)
def test_validate_warns_of_a_renamed_or_deleted_optional_sheet_as_the_file_reader_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    names: dict[str, str],
    drop: str | None,
    code: str,
    sheet: str,
) -> None:
    sheets = valid_sheets()
    if drop:
        del sheets[drop]
    path = write_workbook(tmp_path / "milestones.xlsx", sheets, sheet_names=names)
    book = fake_from_file(str(path), fullname=str(tmp_path / "milestones.xlsm"))
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    # One decision for both editions: the live workbook warns exactly as its file does.
    (issue,) = read_workbook(path).issues
    assert XlwingsBook(book).read().issues == [issue]
    assert (issue.code, issue.sheet) == (code, sheet)
    macros.validate()
    validation = book._sheet("Validation")
    assert [validation._get(2, c) for c in range(1, 9)] == [
        "warning",
        code,
        sheet,
        None,
        None,
        None,
        None,
        issue.message,
    ]
    assert validation._get(3, 1) is None
    assert "0 errors, 1 warning." in str(book.app.alerts[0]["prompt"])


def test_payment_schedule_refreshes_then_shows_its_sheet(book: FakeBook) -> None:
    macros.payment_schedule()
    assert book._active is book._sheet("Payment Schedule")
    assert book._sheet("Payment Schedule")._get(1, 1) == "Month"
    assert book.app.alerts[0]["mode"] == "info"


def test_an_unreadable_workbook_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = FakeBook("/books/milestones.xlsm")
    book._add("Milestones", [["Milestone ID"], ["M-1"]])
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    macros.refresh()
    (alert,) = book.app.alerts
    assert str(alert["prompt"]).startswith(
        "/books/milestones.xlsm: the workbook has no 'Contracts' sheet"
    )
    assert (alert["title"], alert["mode"]) == ("xl-milestones: Refresh", "critical")
    assert (book.app.calculation, book.app.screen_updating) == ("automatic", True)


def test_a_note_the_refresh_would_overwrite_is_named_and_the_open_workbook_left_as_it_was(
    book: FakeBook,
) -> None:
    macros.refresh()  # the output sheets, as a refresh leaves them
    schedule = book._sheet("Payment Schedule")
    last = schedule.used_range.last_cell.row
    width = schedule.used_range.last_cell.column
    for row in range(3, last + 1):  # a one-row schedule, as an earlier refresh left it
        for col in range(1, width + 1):
            schedule._put((row, col), None)
    schedule._put((4, 1), "Total checked by JB")  # after an empty row: the user's
    before = {s.name: (dict(s._cells), dict(s.formats), len(s.writes)) for s in book._sheets._list}
    book.app.alerts.clear()
    macros.refresh()
    (alert,) = book.app.alerts
    assert (alert["title"], alert["mode"]) == ("xl-milestones: Refresh", "critical")
    assert alert["prompt"] == (
        f"{book.fullname}: sheet 'Payment Schedule': A4 holds a value below the Payment Schedule "
        f"table, which this refresh writes down to row {last}: move it to row {last + 2} or "
        f"lower (row {last + 1} left empty), or to another sheet, then refresh again"
    )
    after = {s.name: (dict(s._cells), dict(s.formats), len(s.writes)) for s in book._sheets._list}
    assert after == before
    assert (book.app.calculation, book.app.screen_updating) == ("automatic", True)

    # Moved as the message says, it is kept by this refresh and the next.
    schedule._put((4, 1), None)
    schedule._put((last + 2, 1), "Total checked by JB")
    for _ in range(2):
        book.app.alerts.clear()
        macros.refresh()
        assert book.app.alerts[0]["mode"] == "info"
        assert schedule._get(last + 2, 1) == "Total checked by JB"
        assert schedule._get(last, 1) is not None and schedule._get(last + 1, 1) is None


def test_a_bug_is_one_clear_message(book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(book: Any, **kw: Any) -> None:
        raise KeyError("status")

    monkeypatch.setattr(macros, "evaluate", bug)
    macros.validate()
    prompt = str(book.app.alerts[0]["prompt"])
    assert prompt.startswith("Internal error: KeyError: 'status'")
    assert "Traceback" not in prompt and book.app.alerts[0]["mode"] == "critical"


def test_signoff_pack_is_written_beside_the_workbook(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    macros.signoff_pack()
    ((name, kw),) = calls
    expected = Path(book.fullname).with_name(
        f"milestones sign-off pack {date.today().isoformat()}.html"
    )
    assert name == "signoff_pack" and kw["output"] == expected
    assert kw["as_of"] is None and isinstance(kw["book"], XlwingsBook)
    assert book.app.alerts[0]["prompt"] == (
        f"Sign-off pack written: {expected}\n(Open it from there.)"
    )


def test_signoff_pack_is_opened_on_windows(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(macros.os, "startfile", opened.append, raising=False)
    monkeypatch.setattr(macros.sys, "platform", "win32")
    macros.signoff_pack()
    assert opened == [str(calls[0][1]["output"])]
    assert "Open it from there" not in str(book.app.alerts[0]["prompt"])


def test_an_unsaved_workbook_is_asked_to_be_saved_before_the_pack(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    fake = FakeBook("Book1")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: fake))
    macros.signoff_pack()
    assert calls == []
    assert fake.app.alerts[0]["prompt"] == (
        "Save the workbook in a folder on this computer first (a new workbook, or one open from "
        "SharePoint or OneDrive without a synced copy, has none): the sign-off pack is written "
        "in the workbook's folder."
    )


class _SharePointBook(FakeBook):
    """A workbook desktop Excel opened from a SharePoint site: its FullName is a URL, which
    xlwings' Book.fullname maps to a synced folder, and fails to when there is none."""

    __slots__ = ()
    URL = "https://contoso.sharepoint.com/sites/Finance/Shared%20Documents/milestones.xlsm"

    @property
    def fullname(self) -> str:
        from xlwings.utils import fullname_url_to_local_path

        self._note("fullname")
        # What xlwings' Windows and Mac engines return, given the xlwings.conf settings (none).
        return str(
            fullname_url_to_local_path(
                url=self.URL,
                sheet_onedrive_consumer_config=None,
                sheet_onedrive_commercial_config=None,
                sheet_sharepoint_config=None,
            )
        )


def test_a_workbook_open_from_sharepoint_refreshes_and_its_functions_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    path = write_workbook(tmp_path / "milestones.xlsx", valid_sheets())
    opened = fake_from_file(str(path))
    fake = _SharePointBook(_SharePointBook.URL)
    for sheet in opened.sheets:
        fake._add(sheet.name, sheet._grid())
    with pytest.raises((xw.XlwingsError, UnboundLocalError)):  # 0.37.8: UnboundLocalError
        _ = fake.fullname
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: fake))
    macros.refresh()
    (alert,) = fake.app.alerts
    assert alert["mode"] == "info" and alert["prompt"].startswith("Refreshed as of "), alert
    caller = fake._sheet("Milestones").range((2, 40))
    assert xl_milestones_udfs.MS_STATUS("M-101", caller) in {"Not started", "Late", "At risk"}
    macros.signoff_pack()  # the pack alone needs a folder, and says so
    assert calls == []
    assert str(fake.app.alerts[-1]["prompt"]).startswith("Save the workbook in a folder on this")


def test_import_functions_registers_the_udf_module_of_the_template(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, object]] = []
    monkeypatch.setattr(macros.sys, "platform", "win32")
    monkeypatch.setattr(xw, "import_udfs", lambda names, api: seen.append((names, api)))
    macros.import_functions()
    assert seen == [(xl_milestones_udfs.__name__, book.api)]
    assert "type =MS_ in a cell" in str(book.app.alerts[0]["prompt"])


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (ImportError("Couldn't find 'pywin32'"), "work in Excel on Windows only"),
        (RuntimeError("Programmatic access to Visual Basic Project is not trusted"), "Trust"),
    ],
)
def test_import_functions_explains_why_it_could_not(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch, error: Exception, says: str
) -> None:
    def refuse(names: str, api: object) -> None:
        raise error

    monkeypatch.setattr(macros.sys, "platform", "win32")
    monkeypatch.setattr(xw, "import_udfs", refuse)
    macros.import_functions()
    assert says in str(book.app.alerts[0]["prompt"])
    assert book.app.alerts[0]["mode"] == "critical"


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the real import_udfs off Windows")
def test_import_functions_off_windows_says_windows_only_with_the_real_xlwings(
    book: FakeBook,
) -> None:
    # The installed xlwings' import_udfs off Windows is a stub that takes no arguments: called
    # as Excel would call it, it raises TypeError, which once read as a Trust Center problem.
    with pytest.raises(TypeError):
        xw.import_udfs("xl_milestones_udfs", book.api)
    macros.import_functions()
    (alert,) = book.app.alerts
    assert "work in Excel on Windows only" in str(alert["prompt"])
    assert "Trust access" not in str(alert["prompt"])
    assert alert["mode"] == "critical"


def test_help_shows_its_first_paragraph_and_where_the_rest_is(book: FakeBook) -> None:
    macros.show_help()
    prompt = str(book.app.alerts[0]["prompt"])
    assert prompt.startswith("xl-milestones computes, for every milestone")
    assert str(macros.HELP_FILE) in prompt


@pytest.mark.parametrize("path", [macros.HELP_FILE, macros.LITE_HELP_FILE])
def test_the_help_text_is_wrapped_as_one_column(path: Path) -> None:
    # Notepad (desktop) and the task pane's Output (Lite) show the lines as they are: a line
    # run past the others reads as a layout slip. The first paragraph is one line, since the
    # help message box shows it and wraps it there.
    first, rest = path.read_text(encoding="utf-8").split("\n\n", 1)
    assert "\n" not in first
    long = [line for line in rest.splitlines() if len(line) > 96]
    assert long == []


def test_the_help_covers_every_ribbon_button_and_every_function() -> None:
    text = macros.HELP_FILE.read_text(encoding="utf-8")
    labels = set()
    for xml in (ROOT / "workbook" / "ribbon").glob("*.xml"):
        labels |= set(re.findall(r'<button\b[^>]*\blabel="([^"]+)"', xml.read_text("utf-8")))
    assert labels, "the ribbon XML has buttons"
    for label in labels:
        assert label in text, label
    for name in dir(xl_milestones_udfs):
        if name.startswith("MS_"):
            assert f"={name}(" in text, name


def test_every_macro_the_vba_runs_exists() -> None:
    names = set()
    for bas in (ROOT / "workbook" / "vba").glob("*.bas"):
        names |= set(
            re.findall(r"xl_milestones\.excel\.macros as m; m\.(\w+)\(\)", bas.read_text())
        )
    assert names == {
        "refresh",
        "validate",
        "payment_schedule",
        "signoff_pack",
        "import_functions",
        "show_help",
    }
    for name in names:
        assert callable(getattr(macros, name))


def test_the_macros_use_only_the_adapter_calls_and_three_more(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xw, "import_udfs", lambda names, api: None)
    book.calls.clear()
    names = ("refresh", "validate", "payment_schedule", "signoff_pack", "import_functions")
    for name in names:
        getattr(macros, name)()
    macros.show_help()
    allowed = {(kind, name) for kind, names in XLWINGS_CALLS.items() for name in names}
    assert set(book.calls) <= allowed | MACRO_CALLS, set(book.calls) - allowed - MACRO_CALLS
    for kind, name in MACRO_CALLS:
        assert hasattr(getattr(xw.main, kind), name)


def test_signoff_pack_runs_the_real_pack_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = valid_sheets()
    finished = next(m for m in sheets["milestones"] if m["milestone_id"] == "M-002")
    finished["actual_date"] = date(2026, 3, 20)  # complete, not yet approved: awaiting sign-off
    finished["percent_complete"] = 1
    book = _workbook(tmp_path, monkeypatch, sheets)
    macros.signoff_pack()
    (alert,) = book.app.alerts
    (pack,) = tmp_path.glob("milestones sign-off pack *.html")
    assert alert["mode"] == "info" and str(pack) in str(alert["prompt"])
    assert "M-002" in pack.read_text(encoding="utf-8")


def test_nothing_awaiting_signoff_is_an_information_not_an_error(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl_milestones.reports.signoff import NothingToSignOff

    def nothing(book: Any, **kw: Any) -> None:
        raise NothingToSignOff("book.xlsm", date(2026, 6, 30))

    monkeypatch.setattr(actions, "signoff_pack", nothing)
    macros.signoff_pack()
    (alert,) = book.app.alerts
    assert alert["mode"] == "info"
    assert alert["prompt"] == (
        "No milestone is awaiting sign-off in book.xlsm as of 2026-06-30; no pack written."
    )


def test_nothing_awaiting_because_of_errors_points_to_the_validate_button(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl_milestones.reports.signoff import NothingToSignOff

    def nothing(book: Any, **kw: Any) -> None:
        raise NothingToSignOff("book.xlsm", date(2026, 6, 30), errors=3, not_computed=2)

    monkeypatch.setattr(actions, "signoff_pack", nothing)
    macros.signoff_pack()
    (alert,) = book.app.alerts
    assert alert["prompt"] == (
        "No milestone is awaiting sign-off in book.xlsm as of 2026-06-30; no pack written; "
        "2 milestones could not be computed because of errors: click Validate on the "
        "Milestones tab to list them"
    )


def test_refresh_message_ends_with_what_changed(book: FakeBook) -> None:
    macros.refresh()
    assert "\nFirst refresh: nothing to compare.\n" in str(book.app.alerts[0]["prompt"])
    # A month later M-101 (baseline 2026-04-15, not started) is late, so red.
    settings = book._sheet("Settings")
    row = next(r for r in range(1, 10) if settings._get(r, 1) == "As Of Date")
    settings.range((row, 2)).value = date(2026, 4, 30)
    macros.refresh()
    prompt = str(book.app.alerts[1]["prompt"])
    assert "\nSince the refresh as of 2026-03-31: 1 newly late, 1 now Red (RAG).\n" in prompt
    changes = book._sheet("Changes")
    assert [[changes._get(r, c) for c in range(1, 7)] for r in range(1, 4)] == [
        ["Milestone ID", "Contract ID", "Milestone", "Field", "Before", "After"],
        ["M-101", "C-002", "Switches delivered", "Status", "Not started", "Late"],
        ["M-101", "C-002", "Switches delivered", "RAG", "Green", "Red"],
    ]
