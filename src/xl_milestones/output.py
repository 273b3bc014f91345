"""How results are shown: the terminal text and the JSON objects of the command line, and the
phrases the ribbon's messages share with them.

The JSON shapes are the ones ARCHITECTURE.md fixes; the validation text groups issues by sheet,
one line per issue, and ends with a one-line summary. ``emit`` prints what a command shows on
stdout. This module depends on the core and on the evaluation record it shows, never on the
use cases that call it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from xl_milestones.core.changes import ADDED, REMOVED, Change, ChangeReport
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.money import format_money
from xl_milestones.core.schema import (
    CONTRACTS,
    MILESTONES,
    NOT_COMPUTED,
    SETTING_FIELDS,
    SETTINGS,
    SIGNOFF_QUEUE,
)
from xl_milestones.errors import OutputError

if TYPE_CHECKING:
    from xl_milestones.app.evaluate import Evaluation


def emit(text: str) -> None:
    """Print ``text`` on stdout now, for every command. When the reader has gone away
    (``validate | head -1``), the rest of the output is dropped quietly (stdout now goes to the
    null device) and the command still returns the exit code its work gave; stdout that cannot
    take it (a full disk) is one line and exit code 2, as any output that cannot be written."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
    except OSError as exc:
        discard_stdout()  # what is left in the buffer would fail again at exit
        raise OutputError(
            f"cannot write to standard output ({exc.strerror or exc}): check where the output "
            "is sent, such as a full disk"
        ) from None


def discard_stdout() -> None:
    """Send whatever stdout still holds, and anything written to it later, to the null device."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    finally:
        os.close(null)


def counts(issues: Sequence[Issue]) -> dict[str, int]:
    """Issues by severity, both keys always present."""
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    return {"error": errors, "warning": len(issues) - errors}


def validation_json(file: str, issues: Sequence[Issue]) -> str:
    """The ``validate --format json`` object, as one line of JSON."""
    data: dict[str, Any] = {
        "file": file,
        "issues": [i.to_json() for i in issues],
        "counts": counts(issues),
    }
    return json.dumps(data, ensure_ascii=False)


def plural(n: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Every milestone has errors: no count to show, and the reason is on the Validation sheet.
NONE_COMPUTED = "none computed (see Validation)"


def no_milestones_yet() -> str:
    """What a refresh of a workbook without milestones (a new one) says to fill in first."""
    needed = ", ".join(f.header for f in MILESTONES.inputs if f.required)
    return (
        f"No milestones yet: fill in {SETTINGS.name} ({SETTING_FIELDS[0].header}) and "
        f"{CONTRACTS.name} first, then one {MILESTONES.name} row per milestone ({needed}), "
        "and refresh again."
    )


def summary_line(file: str, issues: Sequence[Issue], computed: int, skipped: int) -> str:
    """One line: how many errors and warnings, and how many milestones can be computed."""
    c = counts(issues)
    total = computed + skipped
    milestones = plural(total, "milestone")
    if not issues:
        return f"{file}: no problems found ({milestones} checked)."
    what = f"{plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}"
    if skipped:
        return f"{file}: {what}; {computed} of {milestones} can be computed, {skipped} skipped."
    return f"{file}: {what}; all {milestones} can be computed."


def validation_text(file: str, issues: Sequence[Issue], computed: int, skipped: int) -> str:
    """Issues grouped by sheet, one aligned line each, then the summary line."""
    lines: list[str] = []
    if issues:
        cell_w = max(len(i.cell or "") for i in issues)
        col_w = min(24, max(len(i.column or "") for i in issues))
        code_w = max(len(i.code) for i in issues)
        sheet = None
        for i in issues:
            if i.sheet != sheet:
                if sheet is not None:
                    lines.append("")
                sheet = i.sheet
                lines.append(sheet)
            column = (i.column or "")[:col_w]
            lines.append(
                f"  {(i.cell or ''):<{cell_w}}  {column:<{col_w}}  {i.severity!s:<7}  "
                f"{i.code:<{code_w}}  {i.message}"
            )
        lines.append("")
    lines.append(summary_line(file, issues, computed, skipped))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ refresh


def json_value(value: object) -> object:
    """A result value as ARCHITECTURE.md's JSON wants it: money as an exact decimal string,
    dates as ISO strings, yes/no as booleans, blank as null."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def money_text(value: object, currency: str) -> str:
    """An amount with its currency; a missing amount reads as zero."""
    amount = value if isinstance(value, Decimal) else Decimal(0)
    return format_money(amount, currency)


# Why a refresh used today's date, said wherever the as-of date is shown (Validation.as_of_source).
_TODAY_BECAUSE = {
    "no-as-of-date": "today: no As Of Date in Settings",
    "invalid-as-of-date": "today: the As Of Date in Settings is not a date; see Validation",
    "no-settings-sheet": "today: no Settings sheet",
    "empty-settings-sheet": "today: the Settings sheet has no Setting/Value table",
}


def validate_command(book: str, as_of: date | None = None) -> str:
    """The command that lists a workbook's errors as of ``as_of`` (else its own date), quoted
    for a shell: ``xl-milestones validate 'Q3 milestones.xlsm' --as-of 2026-03-31``; a name
    starting with a dash as ``./-north.xlsm``, which is not taken for an option."""
    if book.startswith("-"):
        book = f"./{book}"
    command = f"xl-milestones validate {shlex.quote(book)}"
    return command + (f" --as-of {as_of.isoformat()}" if as_of is not None else "")


def as_of_text(as_of: date, source: str) -> str:
    """The as-of date, and when it is today only because the workbook gives none it can use,
    why: ``2026-12-07 (today: no As Of Date in Settings)``."""
    why = _TODAY_BECAUSE.get(source)
    return f"{as_of.isoformat()} ({why})" if why else as_of.isoformat()


def refresh_json(report: Evaluation, changes: ChangeReport | None) -> dict[str, Any]:
    """The ``refresh --format json`` object of ARCHITECTURE.md."""
    milestones: dict[str, dict[str, Any]] = {}
    for r in report.result.milestones:
        if r.milestone_id is None or r.milestone_id in milestones:
            continue
        values = {k: json_value(v) for k, v in r.values.items()}
        values["explanation"] = r.explanation
        values["payment_explanation"] = r.payment_explanation or None
        milestones[r.milestone_id] = values
    return {
        "file": report.file,
        "as_of": report.result.as_of.isoformat(),
        "as_of_source": report.validation.as_of_source,
        "issues": [i.to_json() for i in report.issues],
        "counts": counts(report.issues),
        "milestones": milestones,
        "totals": report.result.totals,
        "changes": changes_json(changes),
        "signoff_queue": [
            {f.name: json_value(v) for f, v in zip(SIGNOFF_QUEUE.fields, row, strict=True)}
            for row in report.queue
        ],
    }


def refresh_text(
    target: str,
    report: Evaluation,
    changes: ChangeReport | None,
    *,
    detail: bool = False,
    book: str | None = None,
) -> str:
    """What a refresh did, for the terminal: counts by status, RAG and payment status, the
    money that matters this month, the problems found, what changed since the last refresh;
    ``detail`` adds the sign-off picture (ready milestones and what blocks the others), as the
    demo shows it. ``book`` is the workbook as typed, which the validate command named is
    given (else ``target``, the file written)."""
    result = report.result
    totals = result.totals
    cur = result.reporting_currency
    lines = [
        f"Refreshed {target} as of {as_of_text(result.as_of, report.validation.as_of_source)}."
    ]
    if not result.milestones:
        lines.append("  " + no_milestones_yet())
    else:
        none = NONE_COMPUTED
        status = {k: v for k, v in result.status_counts.items() if v}
        lines.append("  Status:   " + (", ".join(f"{k} {v}" for k, v in status.items()) or none))
        rag = cast(dict[str, int], totals.get("rag", {}))
        shown = ", ".join(f"{k} {v}" for k, v in rag.items())
        lines.append("  RAG:      " + (shown if any(rag.values()) else none))
        pay = cast(dict[str, int], totals.get("payment_status", {}))
        pays = ", ".join(f"{k} {v}" for k, v in sorted(pay.items()))
        lines.append("  Payments: " + (pays or none))
        figures = result.dashboard
        lines.append(f"  Due in the next 30 days: {money_text(figures.get('due_30'), cur)}")
        lines.append(f"  Overdue outstanding:     {money_text(figures.get('overdue'), cur)}")
        if report.queue:
            oldest = int(figures.get("oldest_signoff_days", 0))
            lines.append(
                f"  Sign-offs overdue:       {figures.get('signoffs_overdue', 0)} (oldest "
                f"waiting {plural(oldest, 'day')}; who must act: see the Sign-off Queue)"
            )
    if detail:
        waiting = [r for r in result.milestones if r.values.get("status") == "Awaiting sign-off"]
        ready = [r for r in waiting if r.values.get("signoff_ready")]
        lines.append(
            f"  Ready for sign-off ({len(ready)}): " + ", ".join(str(r.milestone_id) for r in ready)
            if ready
            else "  Ready for sign-off: none"
        )
        blocked = [r for r in waiting if not r.values.get("signoff_ready")]
        if blocked:
            lines.append(f"  Awaiting sign-off but blocked ({len(blocked)}):")
            lines.extend(
                f"    {r.milestone_id}: {r.values.get('signoff_blockers')}" for r in blocked
            )
    c = counts(report.issues)
    if report.issues:
        # `validate` reads and checks but does not compute: what the computation found
        # (an overpaid milestone...) is on the Validation sheet only, so it is listed here.
        computed = [i for i in result.issues if not i.is_error]
        # The errors a date given brings (a date after it) are found as of that date only.
        given = report.validation.as_of_source == "option"
        check = f"`{validate_command(book or target, result.as_of if given else None)}`"
        where = (
            f"see the Validation sheet ({check} shows all but the "
            f"{plural(len(computed), 'warning')} found while computing, listed below)"
            if computed
            else f"see the Validation sheet (or {check})"
        )
        lines.append(
            f"  {plural(c['error'], 'error')} and {plural(c['warning'], 'warning')}: {where}."
        )
        lines.extend(
            f"    {i.sheet}!{i.cell or ''} {i.code}: {i.message}"
            for i in report.issues
            if i.is_error or i in computed
        )
    skipped = totals.get("not_computed", 0)
    if isinstance(skipped, int) and skipped:
        lines.append(
            f"  {plural(skipped, 'milestone')} not computed: errors in their rows or in rows "
            "they depend on (their contract, rows of other sheets for them, a predecessor, or "
            "Settings)."
        )
    if changes is not None:
        lines.append("  " + changes_summary(changes))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ changes

# How each kind of change is counted in the summary, in the order the summary lists them.
_SIGNOFF_READY = {True: "now ready for sign-off", False: "no longer ready for sign-off"}


def changes_summary(report: ChangeReport) -> str:
    """One line on what moved since the last refresh, for the command line and the Refresh
    message of every edition: "Since the refresh as of 2026-06-30: 1 newly late, 1 payment
    now overdue." or "First refresh: nothing to compare." """
    if report.first:
        return "First refresh: nothing to compare."
    since = (
        f"Since the refresh as of {report.previous_as_of.isoformat()}"
        if report.previous_as_of is not None
        else "Since the last refresh"
    )
    if not report.changes:
        return f"{since}: nothing changed."
    tally: dict[str, int] = {}
    # Listed by kind in this order, each kind's phrases in the order first met.
    kinds = (ADDED, REMOVED, "status", "payment_status", "signoff_ready", "rag")
    changes = sorted(report.changes, key=lambda c: kinds.index(c.field) if c.field in kinds else 9)

    for c in changes:
        if c.field == REMOVED:
            assert isinstance(c.before, int)  # how many are gone (core.changes.Change)
            tally["removed"] = c.before
        else:
            phrase = _change_phrase(c)
            tally[phrase] = tally.get(phrase, 0) + 1
    parts = []
    for phrase, n in tally.items():
        if phrase.startswith("payment now "):
            phrase = ("payment" if n == 1 else "payments") + phrase[len("payment") :]
        elif phrase in ("added", "removed"):
            phrase = ("milestone" if n == 1 else "milestones") + " " + phrase
        parts.append(f"{n} {phrase}")
    return f"{since}: {', '.join(parts)}."


def _change_phrase(c: Change) -> str:
    """How the summary counts one change (one of many milestones removed is counted apart)."""

    if c.field == ADDED:
        return "added"
    if c.field == "status":
        if c.after == NOT_COMPUTED:
            return "no longer computed (see Validation)"
        return f"newly {str(c.after).lower()}"
    if c.field == "payment_status":
        return f"payment now {str(c.after).lower()}"
    if c.field == "rag":
        return f"now {c.after or 'without RAG'} (RAG)"
    if c.field == "signoff_ready":
        return _SIGNOFF_READY[bool(c.after)]
    return _MOVED.get(c.field, "revised date moved")


_MOVED = {"amount_due": "amount due changed", "payment_due_date": "payment due date moved"}


def changes_json(report: ChangeReport | None) -> dict[str, Any] | None:
    """The ``changes`` object of ``refresh --format json``: the previous as-of date, the counts
    by field, the summary line and every row (values as the result fields give them)."""

    if report is None:
        return None
    return {
        "first_refresh": report.first,
        "previous_as_of": json_value(report.previous_as_of),
        "as_of": json_value(report.as_of),
        "summary": changes_summary(report),
        "counts": report.counts(),
        "rows": [
            {
                "milestone_id": c.milestone_id,
                "contract_id": c.contract_id,
                "milestone_name": c.milestone_name,
                "field": c.field,
                "before": None if c.field == ADDED else json_value(c.before),
                "after": json_value(c.after),
            }
            for c in report.changes
        ],
    }
