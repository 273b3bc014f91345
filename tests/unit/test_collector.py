"""The collector pause the entry points (command line, macros, functions, portfolio workers) put
around their work."""

from __future__ import annotations

import gc
import weakref

import pytest

from xl_milestones.collector import collector_paused


def test_paused_inside_and_restored_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_what_the_block_built_is_old_and_its_cycles_are_still_collected() -> None:
    gc.enable()
    with collector_paused():
        kept = [[1], [2]]
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle, dropped below
        probe = weakref.ref(a)
        del a, b
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert probe() is not None
    gc.collect()
    assert probe() is None


def test_objects_the_process_froze_stay_frozen() -> None:
    gc.enable()
    frozen = [[3]]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with collector_paused():
            made = [[4]]
        # Unfrozen, the process's objects would have left the permanent generation (count 0).
        # Whether ``made`` is still young is not checked: a collection another thread sets off
        # (xdist's) may move it on at any time.
        assert gc.get_freeze_count() == count
        assert frozen and made
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------ where the pause is taken


def test_the_core_does_not_pause_it() -> None:
    # Run-time policy stays out of the pure core: validate and compute leave it as it is, so
    # the collector runs while they build (it did not while each paused it itself).
    import datetime as dt

    from tests.factory import raw_workbook, valid_sheets

    from xl_milestones.core.engine import compute
    from xl_milestones.core.validate import validate

    raw = raw_workbook(valid_sheets())
    runs: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(phase)

    gc.enable()
    try:
        gc.set_threshold(20)
        gc.collect()  # young counts back to 0: what follows is the core's own allocations
        gc.callbacks.append(watch)
        validation = validate(raw, today=dt.date(2026, 4, 1))
        during_validate = len(runs)
        gc.callbacks.remove(watch)
        gc.collect()
        gc.callbacks.append(watch)
        compute(validation.model, validation.as_of)
    finally:
        gc.set_threshold(*_THRESHOLD)
        if watch in gc.callbacks:
            gc.callbacks.remove(watch)
    assert during_validate > 0 and len(runs) > during_validate


_THRESHOLD = gc.get_threshold()


@pytest.mark.parametrize(
    ("command", "handler"),
    [
        (["validate", "book.xlsx"], "validate_command"),
        (["refresh", "book.xlsx"], "refresh_command"),
        (["signoff-pack", "book.xlsx", "--output", "p.html"], "signoff_pack_command"),
    ],
)
def test_a_one_workbook_command_runs_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch, command: list[str], handler: str
) -> None:
    from xl_milestones import actions, cli

    enabled: list[bool] = []

    def record(*_args: object, **_kw: object) -> int:
        enabled.append(gc.isenabled())
        return 0

    monkeypatch.setattr(actions, handler, record)
    gc.enable()
    assert cli.main(command) == 0
    assert enabled == [False] and gc.isenabled()


def test_the_portfolio_command_is_not_paused_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # A roll-up of a thousand workbooks would keep every cycle it made until the end.
    from xl_milestones import cli
    from xl_milestones.app import portfolio

    enabled: list[bool] = []

    def record(*_args: object, **_kw: object) -> int:
        enabled.append(gc.isenabled())
        return 0

    monkeypatch.setattr(portfolio, "portfolio_command", record)
    gc.enable()
    assert cli.main(["portfolio", "x", "--output", "p.xlsx"]) == 0
    assert enabled == [True]


def test_a_ribbon_button_and_a_function_recalculation_pause_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt

    from fake_xlwings import FakeBook
    from tests.factory import raw_workbook, valid_sheets

    from xl_milestones.excel import macros, udf_logic

    enabled: list[bool] = []
    book = FakeBook()

    def work(_book: object, _adapter: object) -> str:
        enabled.append(gc.isenabled())
        return "done"

    gc.enable()
    macros._run("Test", work, book)
    real = udf_logic.evaluate

    def spy(*args: object, **kw: object) -> object:
        enabled.append(gc.isenabled())
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(udf_logic, "evaluate", spy)
    udf_logic.compute_book(raw_workbook(valid_sheets()), dt.date(2026, 4, 1))
    assert enabled == [False, False] and gc.isenabled()
