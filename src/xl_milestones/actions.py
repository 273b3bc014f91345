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


# ------------------------------------------------------------------------------------ new


def new_command(path: str, *, force: bool = False) -> int:
    """``xl-milestones new PATH``: write a blank workbook template; 0 when written.

    Refuses, with a UsageError (exit code 2), a name not ending in ``.xlsm``, a folder that does
    not exist, and an existing file unless ``force``. The file is built beside the target and
    moved into place only when complete, so a failure never leaves a half-written workbook.
    """
    import os
    import tempfile
    from pathlib import Path

    from xl_milestones.errors import OutputError, UsageError
    from xl_milestones.template.build import build_template

    target = Path(path)
    if target.suffix.lower() != ".xlsm":
        why = " (an .xlsx cannot hold the macros behind the ribbon)" if target.suffix else ""
        raise UsageError(
            f"{path}: the template is a macro-enabled workbook{why}; give a name ending in "
            f".xlsm, e.g. {target.with_suffix('.xlsm').name}"
        )
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {folder} does not exist; create it first")
    if target.is_dir():
        raise UsageError(f"{path} is a folder; give the name of the workbook to write")
    if target.exists() and not force:
        raise UsageError(
            f"{path} already exists; choose another name, or add --force to replace it"
        )
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            build_template(fh)
        # mkstemp makes the file private; a workbook is an ordinary document.
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the template: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {target}")
    return 0
