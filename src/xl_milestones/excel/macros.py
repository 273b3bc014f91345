"""The ribbon's macros: what each button of the Milestones tab runs through xlwings' RunPython,
and what the scripts of the Lite edition's task pane run (they pass the book they are given).

Each takes the workbook (the calling one by default), runs the same use case as the command line
(``actions``) over the live-Excel adapter, and ends with a short message box: the summary, or the
first errors with a pointer to the Validation sheet, or what went wrong and what to do. Never a
traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import xlwings as xw

from xl_milestones import actions
from xl_milestones.app.evaluate import evaluate
from xl_milestones.book import BookUpdate
from xl_milestones.collector import collector_paused
from xl_milestones.core.issues import Issue
from xl_milestones.core.schema import (
    LISTS_SHEET,
    PAYMENT_SCHEDULE,
    START_SHEET,
    VALIDATION,
    Sheet,
    normalize_header,
)
from xl_milestones.errors import UsageError, XlMilestonesError
from xl_milestones.excel.book import DESKTOP_ENGINE, XlwingsBook
from xl_milestones.output import (
    NONE_COMPUTED,
    as_of_text,
    changes_summary,
    money_text,
    no_milestones_yet,
    plural,
)
from xl_milestones.reports.signoff import DESKTOP_LISTER, LITE_LISTER, NothingToSignOff

TITLE: Final = "xl-milestones"
FIRST_ERRORS: Final = 5
HELP_FILE: Final = Path(__file__).with_name("help.txt")
LITE_HELP_FILE: Final = Path(__file__).with_name("help_lite.txt")  # the task pane's scripts
# xlwings Lite's own folder: what a script writes there is offered for download under the task
# pane's menu, Files > Import/Export (the book has no folder of its own there).
LITE_FILES: Final = Path("/data")
# The template's sheets that no script reads or writes: xlwings Lite leaves their cells out of
# what it sends to Python (``@script(exclude=...)`` in main.py). Every other sheet is sent, so a
# schema sheet under another spelling (``Signoffs``) is still read.
LITE_EXCLUDE: Final = [START_SHEET, LISTS_SHEET]


# --------------------------------------------------------------------------------- the buttons


def refresh(book: xw.Book | None = None) -> None:
    """Refresh: validate, compute and write every result, output sheet and Dashboard block."""
    _run("Refresh", lambda book, adapter: _refresh(adapter), book)


def validate(book: xw.Book | None = None) -> None:
    """Validate: check the input sheets and list every problem on the Validation sheet, the
    computation's warnings included (an overpayment, a missing FX rate...), as a refresh lists
    them; no result is written."""

    def work(book: Any, adapter: XlwingsBook) -> str:
        ev = evaluate(adapter, today=dt.date.today(), progress=adapter.progress)
        table = actions.validation_table(ev.issues, ev.validation.as_of)
        adapter.write(BookUpdate(results={}, tables=[table]))
        rows = len(ev.validation.model.milestones)
        skipped = len(ev.validation.model.skipped)
        return _message(f"Checked {_milestones(rows + skipped, skipped)}.", ev.issues)

    _run("Validate", work, book)


def payment_schedule(book: xw.Book | None = None) -> None:
    """Payment Schedule: refresh, then show the Payment Schedule sheet."""

    def work(book: Any, adapter: XlwingsBook) -> str:
        message = _refresh(adapter)
        _activate(book, PAYMENT_SCHEDULE)
        return message

    _run("Payment schedule", work, book)


def signoff_pack(book: xw.Book | None = None) -> None:
    """Sign-off pack: write the pack for the review meeting next to the workbook and open it."""

    def work(book: Any, adapter: XlwingsBook) -> str:
        folder = None if adapter.desktop else LITE_FILES
        output = pack_path(adapter.name, dt.date.today(), folder)
        adapter.progress(f"writing {output.name}")
        try:
            actions.signoff_pack(adapter, output=output, as_of=None, today=dt.date.today())
        except NothingToSignOff as exc:  # an empty review is news, not an error
            return exc.message(None, lister=DESKTOP_LISTER if adapter.desktop else LITE_LISTER)
        if folder is not None:
            return (
                f"Sign-off pack written: {output.name}\nDownload it from the xlwings Lite task "
                "pane: menu > Files > Import/Export, then open it in your browser."
            )
        opened = _open(output)
        return f"Sign-off pack written: {output}" + ("" if opened else "\n(Open it from there.)")

    _run("Sign-off pack", work, book)


def import_functions(book: xw.Book | None = None) -> None:
    """Import Functions: register the worksheet functions (MS_STATUS...) in this workbook."""

    def work(book: Any, adapter: XlwingsBook) -> str:
        from xl_milestones.template.builder import UDF_MODULE

        if not sys.platform.startswith("win"):
            # Off Windows xlwings' import_udfs is a stub that fails on its arguments (TypeError),
            # which would read as a Trust Center problem.
            raise UsageError(_WINDOWS_ONLY)
        try:
            xw.import_udfs(UDF_MODULE, book.api)
        except ImportError:
            raise UsageError(_WINDOWS_ONLY) from None
        except Exception as exc:  # Excel's COM errors have no importable type off Windows
            raise UsageError(
                "Excel did not let Python add the functions. Tick 'Trust access to the VBA "
                "project object model' (File > Options > Trust Center > Trust Center Settings "
                f"> Macro Settings) and click Import Functions again. ({exc})"
            ) from None
        return (
            f"The functions of {UDF_MODULE} are ready: type =MS_ in a cell, or find them in "
            "the Milestones category of the function wizard."
        )

    _run("Import functions", work, book)


_WINDOWS_ONLY: Final = (
    "The worksheet functions work in Excel on Windows only (xlwings needs pywin32). "
    "Elsewhere, click Refresh and read the result columns, or use the Lite edition (.xlsx)."
)


def show_help(book: xw.Book | None = None) -> None:
    """Help: open the help text (Windows), and show where it is. In xlwings Lite the full text
    is printed to the task pane's Output."""
    book = book if book is not None else xw.Book.caller()
    if book.app.engine.name != DESKTOP_ENGINE:
        text = LITE_HELP_FILE.read_text(encoding="utf-8")
        print(text, flush=True)
        where = "\n\nThe full help is in the task pane's Output."
    else:
        text = HELP_FILE.read_text(encoding="utf-8")
        where = "" if _open(HELP_FILE) else f"\n\nThe full help is in {HELP_FILE}"
    first = text.split("\n\n", 1)[0]
    book.app.alert(first + where, title=f"{TITLE}: help", mode="info")


# ------------------------------------------------------------------------------------- helpers


def _run(title: str, work: Callable[[Any, XlwingsBook], str], book: Any = None) -> None:
    """Run one button's work on ``book`` (the calling book by default) and show how it went."""
    book = book if book is not None else xw.Book.caller()
    adapter = XlwingsBook(book)
    mode = "info"
    try:
        with adapter.busy(), collector_paused():
            message = work(book, adapter)
    except XlMilestonesError as exc:
        message, mode = str(exc), "critical"
    except Exception as exc:  # a bug: a clear message box rather than xlwings' traceback
        message = (
            f"Internal error: {type(exc).__name__}: {exc}\n\n"
            "Nothing was saved. Please report this, with the workbook if you can."
        )
        mode = "critical"
    book.app.alert(message, title=f"{TITLE}: {title}", mode=mode)


def _refresh(adapter: XlwingsBook) -> str:
    report = actions.refresh(adapter, today=dt.date.today(), progress=adapter.progress)
    result = report.result
    head = f"Refreshed as of {as_of_text(result.as_of, report.validation.as_of_source)}"
    if not result.milestones:  # a new workbook: what to fill in, not counts of nothing
        lines = [f"{head}.", no_milestones_yet()]
    else:
        counts = ", ".join(f"{s} {n}" for s, n in result.status_counts.items() if n)
        figures, currency = result.dashboard, result.reporting_currency
        lines = [
            f"{head}: {_milestones(len(result.milestones), result.not_computed)}.",
            f"Status: {counts or NONE_COMPUTED}.",
            f"Due in the next 30 days: {money_text(figures.get('due_30'), currency)}; "
            f"overdue: {money_text(figures.get('overdue'), currency)}.",
        ]
    if report.changes is not None:
        lines.append(changes_summary(report.changes))
    return _message("\n".join(lines), report.issues)


def _milestones(total: int, skipped: int) -> str:
    """``82 milestones``, and how many of them have errors and were not computed."""
    return plural(total, "milestone") + (
        f" ({skipped} with errors, not computed)" if skipped else ""
    )


def _message(head: str, issues: Sequence[Issue]) -> str:
    """The summary, the counts of problems, the first errors and where to see them all."""
    errors = [issue for issue in issues if issue.is_error]
    warnings = len(issues) - len(errors)
    if not issues:
        return f"{head}\nNo problems found."
    lines = [head, f"{plural(len(errors), 'error')}, {plural(warnings, 'warning')}."]
    if errors:
        lines.append("")
        lines += [f"- {_where(issue)}: {issue.message}" for issue in errors[:FIRST_ERRORS]]
        more = len(errors) - FIRST_ERRORS
        also = f" ({more} more)" if more > 0 else ""
        lines.append(f"\nEvery problem{also} is listed on the {VALIDATION.name} sheet.")
    else:
        lines.append(f"They are listed on the {VALIDATION.name} sheet.")
    return "\n".join(lines)


def _where(issue: Issue) -> str:
    if issue.cell:
        return f"{issue.sheet}!{issue.cell}"
    if issue.row:
        return f"{issue.sheet} row {issue.row}"
    return issue.sheet


def pack_path(workbook: str, today: dt.date, folder: Path | None = None) -> Path:
    """The sign-off pack beside the workbook (or in ``folder``): ``<name> sign-off pack
    <date>.html``."""
    path = Path(workbook)
    if folder is not None:
        return folder / f"{path.stem} sign-off pack {today.isoformat()}.html"
    if not path.is_absolute():  # unsaved, or open from SharePoint or OneDrive with no local copy
        raise UsageError(
            "Save the workbook in a folder on this computer first (a new workbook, or one open "
            "from SharePoint or OneDrive without a synced copy, has none): the sign-off pack "
            "is written in the workbook's folder."
        )
    return path.with_name(f"{path.stem} sign-off pack {today.isoformat()}.html")


def _activate(book: Any, sheet: Sheet) -> None:
    for candidate in book.sheets:
        if normalize_header(candidate.name) == normalize_header(sheet.name):
            candidate.activate()
            return


def _open(path: Path) -> bool:
    """Open a file with its Windows program; False where there is none to ask (not Windows)."""
    start = getattr(os, "startfile", None)
    if start is None or not sys.platform.startswith("win"):
        return False
    start(str(path))
    return True
