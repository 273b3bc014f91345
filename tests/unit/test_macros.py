"""The ribbon macros, run against a fake calling workbook: what each calls and what it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from fake_xlwings import FakeBook

import xl_milestones_udfs
from xl_milestones import actions
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.errors import WorkbookError
from xl_milestones.excel import macros
from xl_milestones.excel.book import XLWINGS_CALLS, XlwingsBook

ROOT = Path(__file__).resolve().parents[2]
# The calls the macros make beyond the adapter's.
MACRO_CALLS = {("App", "alert"), ("Sheet", "activate"), ("Book", "api")}


@dataclass
class _Report:
    issues: list[Issue] = field(default_factory=list)
    text: str = "Refreshed 4 milestones as of 2026-03-31: 1 Late, 3 Signed off."

    def summary(self) -> str:
        return self.text


def _issue(n: int, severity: Severity = Severity.ERROR, cell: str | None = "F7") -> Issue:
    return Issue(severity, "required", "Milestones", 6 + n, "Type", cell, None, f"problem {n}")


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeBook:
    fake = FakeBook(str(tmp_path / "milestones.xlsm"))
    fake._add("Milestones", [["Milestone ID"]])
    fake._add("Payment Schedule", [["Month"]])
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: fake))
    return fake


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Stand-ins for the use cases, recording what they were given."""
    seen: list[tuple[str, dict[str, Any]]] = []
    report = _Report()

    def refresh(book: Any, **kw: Any) -> _Report:
        seen.append(("refresh", {"book": book, **kw}))
        kw["progress"]("computing")
        return report

    def validate(book: Any, **kw: Any) -> _Report:
        seen.append(("validate", {"book": book, **kw}))
        return _Report(text="No problems found.")

    def signoff_pack(book: Any, **kw: Any) -> None:
        seen.append(("signoff_pack", {"book": book, **kw}))

    monkeypatch.setattr(actions, "refresh", refresh, raising=False)
    monkeypatch.setattr(actions, "validate", validate, raising=False)
    monkeypatch.setattr(actions, "signoff_pack", signoff_pack, raising=False)
    return seen


def test_refresh_runs_the_use_case_on_the_calling_book_and_shows_the_summary(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    book.app.status_bar = False
    macros.refresh()
    ((name, kw),) = calls
    assert name == "refresh" and isinstance(kw["book"], XlwingsBook)
    assert kw["book"].name == book.fullname
    assert kw["as_of"] is None and kw["today"] == date.today()
    assert "xl-milestones: computing" in book.app.status_history
    assert book.app.status_bar is False  # handed back to Excel
    assert book.app.alerts == [
        {
            "prompt": "Refreshed 4 milestones as of 2026-03-31: 1 Late, 3 Signed off.",
            "title": "xl-milestones: Refresh",
            "mode": "info",
        }
    ]


def test_errors_show_the_first_five_with_their_cells_and_point_to_validation(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = [_issue(n) for n in range(7)] + [_issue(9, Severity.WARNING)]
    issues[1] = _issue(1, cell=None)
    report = _Report(issues, "Refreshed with 7 errors.")
    monkeypatch.setattr(actions, "refresh", lambda book, **kw: report, raising=False)
    macros.refresh()
    assert book.app.alerts[0]["prompt"] == (
        "Refreshed with 7 errors.\n\n"
        "- Milestones!F7: problem 0\n"
        "- Milestones row 7: problem 1\n"
        "- Milestones!F7: problem 2\n"
        "- Milestones!F7: problem 3\n"
        "- Milestones!F7: problem 4\n"
        "\nEvery problem (2 more) is listed on the Validation sheet."
    )


def test_validate_runs_the_validate_use_case(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    macros.validate()
    assert [name for name, _ in calls] == ["validate"]
    assert calls[0][1]["today"] == date.today()
    assert book.app.alerts[0]["prompt"] == "No problems found."
    assert book.app.alerts[0]["title"] == "xl-milestones: Validate"


def test_payment_schedule_refreshes_then_shows_its_sheet(
    book: FakeBook, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    macros.payment_schedule()
    assert [name for name, _ in calls] == ["refresh"]
    assert book._active is book._sheet("Payment Schedule")
    assert book.app.alerts[0]["mode"] == "info"


def test_an_unreadable_workbook_is_a_message_not_a_traceback(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(book: Any, **kw: Any) -> None:
        raise WorkbookError("milestones.xlsm: the workbook has no 'Contracts' sheet")

    monkeypatch.setattr(actions, "refresh", refuse, raising=False)
    book.app.calculation = "automatic"
    macros.refresh()
    assert book.app.alerts == [
        {
            "prompt": "milestones.xlsm: the workbook has no 'Contracts' sheet",
            "title": "xl-milestones: Refresh",
            "mode": "critical",
        }
    ]
    assert (book.app.calculation, book.app.screen_updating) == ("automatic", True)


def test_a_bug_is_one_clear_message(book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(book: Any, **kw: Any) -> None:
        raise KeyError("status")

    monkeypatch.setattr(actions, "validate", bug, raising=False)
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
        "Save the workbook first: the sign-off pack is written in the workbook's folder."
    )


def test_import_functions_registers_the_udf_module_of_the_template(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, object]] = []
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

    monkeypatch.setattr(xw, "import_udfs", refuse)
    macros.import_functions()
    assert says in str(book.app.alerts[0]["prompt"])
    assert book.app.alerts[0]["mode"] == "critical"


def test_help_shows_its_first_paragraph_and_where_the_rest_is(book: FakeBook) -> None:
    macros.show_help()
    prompt = str(book.app.alerts[0]["prompt"])
    assert prompt.startswith("xl-milestones computes, for every milestone")
    assert str(macros.HELP_FILE) in prompt


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
    for name in ("refresh", "validate", "payment_schedule", "signoff_pack", "import_functions"):
        getattr(macros, name)()
    macros.show_help()
    allowed = {(kind, name) for kind, names in XLWINGS_CALLS.items() for name in names}
    assert set(book.calls) <= allowed | MACRO_CALLS, set(book.calls) - allowed - MACRO_CALLS
    for kind, name in MACRO_CALLS:
        assert hasattr(getattr(xw.main, kind), name)
