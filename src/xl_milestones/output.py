"""How validation results are shown: the terminal text and the JSON object of the command line.

The JSON shape is the one ARCHITECTURE.md fixes (file, issues, counts); the text groups issues
by sheet, one line per issue, and ends with a one-line summary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from xl_milestones.core.issues import Issue, Severity


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(file: str, issues: Sequence[Issue], computed: int, skipped: int) -> str:
    """One line: how many errors and warnings, and how many milestones can be computed."""
    c = counts(issues)
    total = computed + skipped
    milestones = _plural(total, "milestone")
    if not issues:
        return f"{file}: no problems found ({milestones} checked)."
    what = f"{_plural(c['error'], 'error')}, {_plural(c['warning'], 'warning')}"
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
