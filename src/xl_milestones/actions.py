"""The use cases (validate, refresh, demo, new, sign-off pack), written once against ``Book``.

The command line and the ribbon macros only choose the adapter and show the result.
"""

from __future__ import annotations

import datetime as _dt
import sys as _sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from xl_milestones.app.evaluate import Evaluation, evaluate, validate_book
from xl_milestones.book import BlockWrite, Book, BookUpdate, TableWrite
from xl_milestones.core.changes import ChangeReport, sheet_rows, status_counts_text
from xl_milestones.core.engine import EngineResult
from xl_milestones.core.issues import Issue
from xl_milestones.core.money import DEFAULT_MINOR_UNITS, minor_units
from xl_milestones.core.schema import (
    CHANGES,
    DASHBOARD_KPIS,
    DASHBOARD_METRICS,
    DASHBOARD_SCURVE,
    DASHBOARD_STATUS,
    PAYMENT_SCHEDULE,
    REFRESH_LOG,
    SIGNOFF_QUEUE,
    STATUSES,
    VALIDATION,
)
from xl_milestones.numformats import amount_with_places, with_minor_units
from xl_milestones.output import changes_summary, emit, plural

# ------------------------------------------------------------------------------------ validate


def validate_command(book: str, *, as_of: _dt.date | None = None, fmt: str = "text") -> int:
    """``xl-milestones validate BOOK [--as-of DATE]``: print the issues; 0 no errors, 1 errors
    found. ``as_of`` is checked against as refresh would (a date after it is an error).

    Unreadable files raise WorkbookError, which the command line turns into exit code 2.
    """
    from xl_milestones import output
    from xl_milestones.io.filebook import FileBook

    result = validate_book(FileBook(book), today=_dt.date.today(), as_of=as_of)
    if fmt == "json":
        emit(output.validation_json(book, result.issues))
    else:
        computed, skipped = len(result.model.milestones), len(result.model.skipped)
        emit(output.validation_text(book, result.issues, computed, skipped))
    return 1 if result.error_count else 0


# ------------------------------------------------------------------------------------ refresh


@dataclass(slots=True)
class RefreshReport(Evaluation):
    """What one refresh found, computed and wrote, for the command line, the macros and the
    demo: the evaluation, and what changed since the previous refresh."""

    changes: ChangeReport | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``refresh --format json`` object of ARCHITECTURE.md."""
        from xl_milestones import output

        return output.refresh_json(self, self.changes)


def refresh(
    book: Book,
    *,
    today: _dt.date,
    as_of: _dt.date | None = None,
    now: _dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Evaluate ``book`` and write every result into it.

    ``as_of`` overrides the Settings As Of Date, which overrides ``today``. Rows with errors are
    written blank and listed on the Validation sheet; every other milestone is computed.
    """
    from xl_milestones.core.changes import compare

    step = progress or (lambda _msg: None)
    ev = evaluate(book, as_of, today=today, progress=step, release_rows=True, with_queue=True)
    queue = ev.queue
    changes = compare(ev.validation.model, ev.result, ev.raw.previous)
    ev.raw.previous = None  # in the change report now
    step("writing")
    stamp = now or _dt.datetime.now(_dt.UTC)
    book.write(book_update(ev.result, ev.issues, stamp, queue, changes, ev.validation.as_of_source))
    return RefreshReport(ev.file, ev.raw, ev.validation, ev.result, ev.issues, queue, changes)


def book_update(
    result: EngineResult,
    issues: Sequence[Issue],
    now: _dt.datetime,
    queue: Sequence[tuple[object, ...]] = (),
    changes: ChangeReport | None = None,
    as_of_source: str = "settings",
) -> BookUpdate:
    """The cells one refresh writes: result columns, output sheets and Dashboard blocks."""
    from xl_milestones import __version__
    from xl_milestones.output import as_of_text

    errors = sum(1 for i in issues if i.is_error)
    log_row = (
        now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        result.as_of,
        __version__,
        len(result.milestones),
        errors,
        len(issues) - errors,
        status_counts_text(result.status_counts),
    )
    labels = dict(DASHBOARD_METRICS)
    reporting = minor_units(result.reporting_currency)
    return BookUpdate(
        results={r.row: r.values for r in result.milestones},
        money_places={
            r.row: places
            for r in result.milestones
            if (places := minor_units(r.currency)) != DEFAULT_MINOR_UNITS
        },
        tables=[
            TableWrite(
                PAYMENT_SCHEDULE,
                with_minor_units(
                    PAYMENT_SCHEDULE, result.payment_schedule, result.reporting_currency
                ),
            ),
            TableWrite(SIGNOFF_QUEUE, with_minor_units(SIGNOFF_QUEUE, queue)),
            changes_table(changes),
            validation_table(issues, result.as_of),
            TableWrite(REFRESH_LOG, [log_row], append=True),
        ],
        blocks=[
            BlockWrite(
                DASHBOARD_KPIS,
                [(labels[k], _amount(v, reporting)) for k, v in result.dashboard.items()],
            ),
            BlockWrite(DASHBOARD_STATUS, [(s, result.status_counts.get(s, 0)) for s in STATUSES]),
            BlockWrite(
                DASHBOARD_SCURVE,
                [tuple(_amount(v, reporting) for v in row) for row in result.scurve],
            ),
        ],
        dashboard_header=(
            f"As of {as_of_text(result.as_of, as_of_source)} · amounts in "
            f"{result.reporting_currency} · {_not_computed_note(result)}"
            f"refreshed {now.strftime('%Y-%m-%d %H:%M')} UTC"
        ),
    )


def _not_computed_note(result: EngineResult) -> str:
    """The Dashboard line's word on milestones left out of every figure below it (errors in
    their rows), which the Refresh Log and the JSON count among the workbook's milestones."""
    skipped = result.not_computed
    if not skipped:
        return ""
    total = plural(len(result.milestones), "milestone")
    return f"{skipped} of {total} not computed (see Validation) · "


def _amount(value: object, places: int) -> object:
    """A Dashboard figure: an amount (a Decimal; counts are ints) marked with the reporting
    currency's minor units, as the Payment Schedule's reporting columns are."""
    return amount_with_places(value, places) if isinstance(value, Decimal) else value


def changes_table(report: ChangeReport | None) -> TableWrite:
    """The Changes sheet's rows; with none to list, one row saying why (the first refresh, or
    nothing changed since the one as of a date), with the as-of dates compared, as a clean
    Validation sheet says so."""
    if report is None:
        return TableWrite(CHANGES, [])
    rows = sheet_rows(report)
    if not rows:
        said = changes_summary(report)
        rows.append((None, None, said, None, None, None, report.previous_as_of, report.as_of))
    return TableWrite(CHANGES, rows)


def validation_table(issues: Sequence[Issue], as_of: _dt.date) -> TableWrite:
    """The Validation sheet's rows, each linked to the cell it is about; with no issue, one
    row saying so with the as-of date checked (an empty table leaves a reader wondering
    whether the check ran; the Refresh Log says when it did)."""
    rows: list[tuple[object, ...]] = []
    links: dict[int, str] = {}
    for n, i in enumerate(issues):
        rows.append((str(i.severity), i.code, i.sheet, i.row, i.column, i.cell, i.value, i.message))
        if i.location:
            links[n] = i.location
    if not rows:
        message = f"No problems found, as of {as_of.isoformat()}."
        rows.append(("", "", "", None, "", "", "", message))
    return TableWrite(VALIDATION, rows, links=links)


def refresh_command(
    book: str, *, as_of: _dt.date | None = None, output: str | None = None, fmt: str = "text"
) -> int:
    """``xl-milestones refresh BOOK``: 0 done, 1 done with validation errors."""
    import json

    from xl_milestones import output as out
    from xl_milestones.io.filebook import FileBook

    target = FileBook(book, output=output)
    report = refresh(target, today=_dt.date.today(), as_of=as_of)
    # "file" is the workbook as typed, as `validate` gives it; the text names what was written.
    report.file = book
    if fmt == "json":
        emit(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        emit(out.refresh_text(str(target.target), report, report.changes, book=book))
    return report.exit_code


# ------------------------------------------------------------------------------------ demo


def demo_command(directory: str, *, as_of: _dt.date | None = None) -> int:
    """``xl-milestones demo [DIR]``: write the sample workbook into DIR, refresh it, summarise.

    The sample is built by the same builder as the committed one, so the demo works from an
    installed package too; a file of the sample's name in DIR (an earlier demo copy, or a
    workbook of the user's) is kept beside it as its ``.bak``, as a refresh in place keeps one.
    """
    from pathlib import Path

    from xl_milestones import output as out
    from xl_milestones.errors import UsageError
    from xl_milestones.io.atomic import backup_path
    from xl_milestones.io.filebook import FileBook
    from xl_milestones.template.build import SAMPLE_FILE, build_sample

    folder = Path(directory)
    created = not folder.exists()
    tmp_dir = _demo_workspace(folder)
    target = folder / SAMPLE_FILE
    replaced = target.is_file()
    with tmp_dir as tmp:
        sample = Path(tmp) / SAMPLE_FILE
        build_sample(sample)
        if as_of is not None:
            try:
                _check_demo_as_of(FileBook(sample), as_of)
            except UsageError:
                tmp_dir.cleanup()
                if created:
                    folder.rmdir()  # nothing left behind by a refused run
                raise
        report = refresh(
            FileBook(sample, output=target, backup=True),
            today=_dt.date.today(),
            as_of=as_of,
            progress=_progress_bar(("reading", "validating", "computing", "writing")),
        )
    kept = f"The file it replaced is kept as {backup_path(target)}.\n" if replaced else ""
    emit(
        out.refresh_text(str(target), report, report.changes, detail=True)
        + f"\n\n{kept}Open {target} in Excel (or LibreOffice) to see the results and the "
        "Dashboard."
    )
    return report.exit_code


def _demo_workspace(folder: Path) -> tempfile.TemporaryDirectory[str]:
    """The temporary folder the demo builds the sample in, inside ``folder`` (made when
    missing): the first write DIR takes, so a DIR that takes none is one line, not a
    traceback."""
    import errno

    from xl_milestones.errors import OutputError

    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{folder}: is a file, not a folder: give the folder to write the sample into "
            "(it is made when it does not exist)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(prefix=".xl-milestones-demo.", dir=folder)
    except OSError as exc:
        # A folder that takes no new files (/proc) answers "no such file": not the words.
        why = "it takes no new files" if exc.errno == errno.ENOENT else exc.strerror
        raise OutputError(
            f"{folder}: the demo cannot be written into this folder ({why}): "
            "give a folder you may write to"
        ) from None


def _check_demo_as_of(sample: Book, as_of: _dt.date) -> None:
    """Refuses an as-of date the sample cannot serve: one before the events it records
    (completions, decisions, payments), which would all be future-date errors, or one more than
    CONTRACT_DATE_YEARS after its earliest contract date, which would make every contract date
    out of range and leave nothing computed. Neither is a demonstration."""
    from xl_milestones.core.dates import add_years
    from xl_milestones.core.schema import CONTRACT_DATE_YEARS, CONTRACTS
    from xl_milestones.errors import UsageError

    issues = validate_book(sample, today=as_of, as_of=as_of).issues

    def days(code: str, sheet: str | None = None) -> list[_dt.date]:
        return [
            _dt.date.fromisoformat(str(i.value)[:10])
            for i in issues
            if i.code == code and sheet in (None, i.sheet)
        ]

    if future := days("future-date"):
        latest = max(future)
        raise UsageError(
            f"--as-of {as_of.isoformat()}: the sample workbook records events up to "
            f"{latest.isoformat()} (completions, sign-off decisions, payments); give "
            f"{latest.isoformat()} or a later date, or leave --as-of out (its As Of Date)"
        )
    if far := [day for day in days("date-out-of-range", CONTRACTS.name) if day < as_of]:
        last = add_years(min(far), CONTRACT_DATE_YEARS)
        raise UsageError(
            f"--as-of {as_of.isoformat()}: the sample workbook's earliest contract date is "
            f"{min(far).isoformat()}, and a contract date more than {CONTRACT_DATE_YEARS} years "
            f"before the as-of date is an error; give {last.isoformat()} or an earlier date, "
            "or leave --as-of out (its As Of Date)"
        )


def _progress_bar(steps: Sequence[str]) -> Callable[[str], None]:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""
    if not _sys.stderr.isatty():
        return lambda _step: None

    def show(step: str) -> None:
        done = steps.index(step) + 1 if step in steps else len(steps)
        bar = "#" * (done * 20 // len(steps))
        end = "\n" if done == len(steps) else ""
        print(f"\r[{bar:<20}] {step:<12}", end=end, file=_sys.stderr, flush=True)

    return show


# ------------------------------------------------------------------------------------ new


def new_command(path: str, *, force: bool = False, lite_package: str | None = None) -> int:
    """``xl-milestones new PATH``: write a blank workbook template; 0 when written.

    ``PATH.xlsm`` is the desktop edition (ribbon and macros), ``PATH.xlsx`` the xlwings Lite
    edition, whose requirements.txt names ``lite_package`` when given (a wheel URL a company
    hosts) instead of this package from PyPI. Refuses, with a UsageError (exit code 2), any other
    name, a Lite package source with a desktop name, a folder that does not exist, and an
    existing file unless ``force``. The file is built beside the target and moved into place
    only when complete, so a failure never leaves a half-written workbook.
    """
    from pathlib import Path

    from xl_milestones.errors import UsageError, example_name
    from xl_milestones.template import build
    from xl_milestones.template.lite import PackageSourceError, requirements

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsm", ".xlsx"):
        raise UsageError(
            f"{path}: give a name ending in .xlsm (the desktop edition, with the ribbon) or "
            f".xlsx (the xlwings Lite edition, no macros), e.g. "
            f"{example_name(target, '.xlsm', 'contract_milestones')}"
        )
    if lite_package is not None:
        if suffix != ".xlsx":
            raise UsageError(
                f"{path}: --lite-package is for the Lite edition; give a name ending in .xlsx"
            )
        try:
            requirements(lite_package)
        except PackageSourceError as exc:
            raise UsageError(f"--lite-package: {exc}") from None
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {folder} does not exist; create it first")
    if target.is_dir():
        raise UsageError(f"{path} is a folder; give the name of the workbook to write")
    if target.exists() and not force:
        raise UsageError(
            f"{path} already exists; choose another name, or add --force to replace it"
        )
    from xl_milestones.io.atomic import replace_file

    def write(tmp: Path) -> None:
        if suffix == ".xlsx":
            build.build_lite_template(tmp, lite_package)
        else:
            build.build_template(tmp)

    replace_file(target, write, in_place=False)
    emit(f"wrote {target}")
    return 0


# ------------------------------------------------------------------------------- sign-off pack

# Imported here rather than at the top so that this section stays one self-contained block.
import os  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402


class PackWritten(NamedTuple):
    """The sign-off pack written, and the workbook's validation errors and milestones not
    computed (which the pack's cover counts too)."""

    path: Path
    errors: int
    not_computed: int


def signoff_pack(
    book: Book,
    *,
    output: str | os.PathLike[str],
    today: _dt.date,
    as_of: _dt.date | None = None,
    milestones: Sequence[str] | None = None,
    now: _dt.datetime | None = None,
    large: Callable[[int], None] | None = None,
) -> PackWritten:
    """Read and compute ``book``, then write its sign-off pack to ``output`` (.pdf or .html).

    Without ``milestones`` the pack covers every milestone awaiting sign-off, ready ones first.
    Raises UsageError (bad extension, blank or unknown id), NothingToSignOff (nothing awaits
    sign-off; no file is written) or OutputError. The workbook itself is only read. ``large``
    is told how many milestones a PDF long enough to take minutes holds, before it is laid out.
    """
    from xl_milestones.reports.render import pack_format, write_signoff_pack

    pack_format(output)  # a wrong extension fails before the workbook is read
    ev = evaluate(book, as_of, today=today)
    path = write_signoff_pack(
        ev.validation.model,
        ev.result,
        workbook_name=Path(book.name).name,
        output=Path(output),
        milestone_ids=milestones,
        issues=ev.issues,
        prepared=now or _dt.datetime.now(),
        large=large,
    )
    return PackWritten(path, ev.error_count, ev.result.not_computed)


def _large_pack_notice(output: Path, milestones: int) -> None:
    """A word on stderr before a long PDF is laid out, with the quicker ways to a pack."""
    html = output.with_suffix(".html").name
    print(
        f"xl-milestones: laying out {milestones:,} milestones as PDF (about "
        f"{3 * milestones:,} pages) takes minutes and gigabytes of memory; --output {html} "
        "writes the same pack in seconds, or name the meeting's milestones with --milestone",
        file=_sys.stderr,
        flush=True,
    )


def signoff_pack_command(
    book: str,
    *,
    milestones: Sequence[str] | None = None,
    as_of: _dt.date | None = None,
    output: str,
) -> int:
    """``xl-milestones signoff-pack BOOK --output FILE``: 0 when written, and 0 with a message
    (no file) when no milestone awaits sign-off; 1 for either when the workbook has validation
    errors, as refresh; bad usage and unwritable output exit 2."""
    from xl_milestones.errors import UsageError
    from xl_milestones.io.atomic import same_file
    from xl_milestones.io.filebook import FileBook
    from xl_milestones.reports.signoff import NothingToSignOff, validation_hint

    if same_file(output, book):
        raise UsageError(
            f"--output {output} is the workbook {book} itself, which the sign-off pack never "
            "changes: give another file for the pack"
        )
    try:
        written = signoff_pack(
            FileBook(book),
            output=output,
            today=_dt.date.today(),
            as_of=as_of,
            milestones=milestones,
            large=partial(_large_pack_notice, Path(output)),
        )
    except NothingToSignOff as exc:
        emit(exc.message(book, as_of=as_of))
        return 1 if exc.errors else 0
    hint = validation_hint(written.errors, written.not_computed, book, as_of=as_of)
    emit(f"wrote {written.path}" + (f"; {hint}" if hint else ""))
    return 1 if written.errors else 0
