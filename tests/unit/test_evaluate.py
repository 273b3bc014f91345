"""The application layer: one ``evaluate`` (read through the book protocol, validate, compute,
merge the issues; the Sign-off Queue when asked for) that every way into the engine takes."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from tests.factory import raw_workbook, set_setting, valid_sheets, write_workbook
from tests.memorybook import MemoryBook

from xl_milestones import actions
from xl_milestones.app.evaluate import Evaluation, evaluate, validate_book
from xl_milestones.core.issues import Issue
from xl_milestones.core.queue import signoff_queue
from xl_milestones.excel import udf_logic
from xl_milestones.io.filebook import FileBook

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src/xl_milestones"
TODAY = dt.date(2027, 1, 1)
AS_OF = dt.date(2026, 12, 31)


def _late_without_interest() -> MemoryBook:
    """The factory's book with its one invoice unpaid at year end and Late Interest Regime
    none: the engine warns (late-interest-regime-missing) on the Settings cell to fill."""
    sheets = valid_sheets()
    set_setting(sheets, "late_interest_regime", "none")
    sheets["invoices"][0].update(paid_date=None, paid_amount=None)
    return MemoryBook(raw_workbook(sheets), name="late.xlsx")


def test_evaluate_reads_the_book_once_and_merges_every_issue_sorted() -> None:
    book = _late_without_interest()
    ev = evaluate(book, AS_OF, today=TODAY)
    assert book.reads == 1 and book.updates == []  # read once, nothing written
    assert ev.file == "late.xlsx" and ev.result.as_of == AS_OF
    assert ev.issues == sorted([*ev.validation.issues, *ev.result.issues], key=Issue.sort_key)
    (warning,) = ev.issues
    # The engine's warning carries the cell it is about: Settings row 4, the Value column (B).
    assert (warning.code, warning.sheet, warning.row, warning.cell) == (
        "late-interest-regime-missing",
        "Settings",
        4,
        "B4",
    )
    assert (ev.error_count, ev.exit_code) == (0, 0)
    assert ev.queue == signoff_queue(ev.validation.model, ev.result)


def test_the_queue_is_made_once_and_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []

    def counted(*args: object, **kw: object) -> object:
        made.append(1)
        return signoff_queue(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("xl_milestones.app.evaluate.signoff_queue", counted)
    book = _late_without_interest()
    ev = evaluate(book, AS_OF, today=TODAY)
    udf_logic.compute_book(book.read(), TODAY)  # the functions show no queue
    assert made == []
    assert ev.queue is ev.queue and made == [1]
    report = actions.refresh(book, today=TODAY, as_of=AS_OF)  # a refresh writes it
    assert made == [1, 1] and report.queue == ev.queue


def test_evaluate_tells_progress_each_step() -> None:
    steps: list[str] = []
    evaluate(_late_without_interest(), today=TODAY, progress=steps.append)
    assert steps == ["reading", "validating", "computing"]


def test_the_functions_get_what_evaluate_gives() -> None:
    book = _late_without_interest()
    ev = evaluate(book, today=TODAY)
    # The functions' cache reads the tables once, to fingerprint them, and evaluates those.
    computed = udf_logic.compute_book(book.read(), TODAY)
    assert computed.result.as_of == ev.result.as_of == dt.date(2026, 3, 31)  # Settings
    assert computed.errors == ev.error_count
    assert [m.values for m in computed.result.milestones] == [
        m.values for m in ev.result.milestones
    ]
    cache = udf_logic.UdfCache()
    cache.get(book, TODAY)
    assert cache.reads == 1 and book.reads == 3


def test_the_validate_command_reads_through_the_book_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    read: list[str] = []
    real = FileBook.read

    def spy(self: FileBook) -> object:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(FileBook, "read", spy)
    assert actions.validate_command(str(path)) == 0
    assert read == ["book.xlsx"]
    assert validate_book(FileBook(path), today=TODAY).error_count == 0


def _calls_of(path: Path) -> set[str]:
    """The core functions a module imports by name from core.engine and core.validate."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in (
            "xl_milestones.core.engine",
            "xl_milestones.core.validate",
        ):
            names |= {a.name for a in node.names if a.name in ("compute", "validate")}
    return names


def test_only_evaluate_validates_and_computes() -> None:
    # Validate, then compute, then merge the issues is written once: no other module of the
    # package (commands, macros, functions, sign-off pack, portfolio) calls the two itself.
    callers = {
        str(p.relative_to(PACKAGE)): names
        for p in sorted(PACKAGE.rglob("*.py"))
        if not p.is_relative_to(PACKAGE / "core") and (names := _calls_of(p))
    }
    assert callers == {"app/evaluate.py": {"compute", "validate"}}


def test_the_old_home_of_the_function_logic_still_serves_earlier_lite_workbooks() -> None:
    # main.py of a Lite workbook made before the move: `from xl_milestones import udf_logic`.
    from xl_milestones import udf_logic as old

    assert old.late_interest_amount is udf_logic.late_interest_amount
    assert old.payment_due is udf_logic.payment_due


def test_released_rows_leave_the_last_row_and_change_no_result() -> None:
    # A refresh lets the rows read go once validated: every table keeps only its last row
    # (whose number the writers read), and the model, results and issues are as they were.
    kept = evaluate(_late_without_interest(), AS_OF, today=TODAY)
    released = evaluate(_late_without_interest(), AS_OF, today=TODAY, release_rows=True)
    for key, table in released.raw.tables.items():
        before = kept.raw.tables[key]
        assert table.rows == before.rows[-1:]
        assert table.rows_below_table == before.rows_below_table
    assert kept.raw.tables["milestones"].rows[1:]  # there were rows to let go
    assert released.validation == kept.validation

    def seen(ev: Evaluation) -> list[tuple[object, ...]]:
        # The sentences are functions (written when read): compared by what they write.
        return [(*r[:5], r.explanation, r.payment_explanation) for r in ev.result.milestones]

    assert seen(released) == seen(kept)
    assert (released.issues, released.queue) == (kept.issues, kept.queue)


def test_a_refresh_lets_the_rows_read_go() -> None:
    book = _late_without_interest()
    report = actions.refresh(book, today=TODAY, as_of=AS_OF)
    assert all(len(t.rows) <= 1 for t in report.raw.tables.values())
    assert report.raw.previous is None and report.changes is not None
