"""One workbook read through the book protocol, validated and computed, nothing written: the one
path every way into the engine takes (the command line, the ribbon macros and the Lite scripts,
the worksheet functions, the sign-off pack, the portfolio roll-up).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.issues import Issue
from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.queue import signoff_queue
from xl_milestones.core.schema import Sheet
from xl_milestones.core.validate import Validation, validate


class ReadableBook(Protocol):
    """What evaluating needs of a workbook: its name and its tables (``book.Book`` without
    ``write``; the functions' adapter and every ``Book`` have both)."""

    @property
    def name(self) -> str: ...

    def read(self) -> RawWorkbook: ...


@dataclass(slots=True)
class Evaluation:
    """A workbook's tables as read, its validation and results, with every issue (validation
    and engine) sorted; its Sign-off Queue rows when asked for (``queue``)."""

    file: str
    raw: RawWorkbook
    validation: Validation
    result: EngineResult
    issues: list[Issue]
    _queue: list[tuple[object, ...]] | None = None

    @property
    def queue(self) -> list[tuple[object, ...]]:
        """The Sign-off Queue's rows, made when first asked for. A refresh and the portfolio
        roll-up show them (and have the engine work out the amounts at stake as it computes:
        ``evaluate(..., with_queue=True)``); the Validate button, the functions and the
        sign-off pack do not, and asked for later the amounts run the certification stages
        again."""
        if self._queue is None:
            self._queue = signoff_queue(self.validation.model, self.result)
        return self._queue

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.is_error)

    @property
    def exit_code(self) -> int:
        """The command line's: 0 no errors, 1 validation errors (the rest was computed)."""
        return 1 if self.error_count else 0


def validate_book(
    book: ReadableBook, *, today: _dt.date, as_of: _dt.date | None = None
) -> Validation:
    """Read ``book`` and validate it, nothing computed (``xl-milestones validate``, the
    Validate button); ``today`` comes from the caller (the core has no clock)."""
    return validate(book.read(), today=today, as_of=as_of)


def evaluate(
    book: ReadableBook,
    as_of: _dt.date | None = None,
    *,
    today: _dt.date,
    progress: Callable[[str], None] | None = None,
    release_rows: bool = False,
    with_queue: bool = False,
) -> Evaluation:
    """Read ``book``, validate it and compute every milestone, as a refresh does before it
    writes. ``as_of`` overrides the Settings As Of Date, which overrides ``today``.

    Engine warnings carry the cell of the value they are about. ``progress`` is told each
    step as it starts ("reading", "validating", "computing"). With ``release_rows`` the rows
    read are let go once validated (``RawWorkbook.release_rows``): a refresh reads the model
    from then on. With ``with_queue`` the engine works out the Sign-off Queue's amounts at
    stake while it computes (the caller shows the queue). Raises WorkbookError when the book
    cannot be read; nothing is written.
    """
    step = progress or _silent
    step("reading")
    raw = book.read()
    step("validating")
    validation = validate(raw, today=today, as_of=as_of)
    if release_rows:
        raw.release_rows()

    def cell_of(sheet: Sheet, field_name: str, row: int) -> str | None:
        table = raw.tables.get(sheet.key)
        return table.cell(field_name, row) if table is not None else None

    step("computing")
    result = compute(validation.model, validation.as_of, cell_of, at_stake=with_queue)
    issues = sorted([*validation.issues, *result.issues], key=Issue.sort_key)
    return Evaluation(book.name, raw, validation, result, issues)


def _silent(_step: str) -> None:
    pass
