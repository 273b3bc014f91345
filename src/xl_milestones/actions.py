"""The use cases (validate, refresh, demo, new, sign-off pack), written once against ``Book``.

The command line and the ribbon macros only choose the adapter and show the result.
"""

from __future__ import annotations

import datetime as _dt
import sys as _sys

from xl_milestones.book import Book
from xl_milestones.core.validate import Validation, validate

# ------------------------------------------------------------------------------------ validate


def validate_book(book: Book, *, today: _dt.date, as_of: _dt.date | None = None) -> Validation:
    """Read ``book`` and validate it; ``today`` comes from the caller (the core has no clock)."""
    return validate(book.read(), today=today, as_of=as_of)


def validate_command(book: str, *, fmt: str = "text") -> int:
    """``xl-milestones validate BOOK``: print the issues; 0 no errors, 1 errors found.

    Unreadable files raise WorkbookError, which the command line turns into exit code 2.
    """
    from xl_milestones import output
    from xl_milestones.io.reader import read_workbook

    result = validate(read_workbook(book), today=_dt.date.today())
    if fmt == "json":
        print(output.validation_json(book, result.issues))
    else:
        computed, skipped = len(result.model.milestones), len(result.model.skipped)
        print(output.validation_text(book, result.issues, computed, skipped))
    _sys.stdout.flush()
    return 1 if result.error_count else 0
