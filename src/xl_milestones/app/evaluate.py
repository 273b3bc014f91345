"""One workbook file read, validated and computed, nothing written: what ``refresh`` does
before it writes, for callers that only look at the results (the portfolio roll-up).
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass

from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.issues import Issue
from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.queue import signoff_queue
from xl_milestones.core.schema import Sheet
from xl_milestones.core.validate import Validation, validate


@dataclass(slots=True)
class Evaluation:
    """A workbook's validation, results and Sign-off Queue rows, with every issue (validation and
    engine) sorted."""

    file: str
    raw: RawWorkbook
    validation: Validation
    result: EngineResult
    issues: list[Issue]
    queue: list[tuple[object, ...]]

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.is_error)


def evaluate_file(
    path: str | os.PathLike[str], *, today: _dt.date, as_of: _dt.date | None = None
) -> Evaluation:
    """Read ``path``, validate it and compute every milestone, as ``refresh`` does.

    Raises WorkbookError when the file cannot be read; the file is never written.
    """
    from xl_milestones.io.reader import read_workbook

    raw = read_workbook(path)
    validation = validate(raw, today=today, as_of=as_of)

    def cell_of(sheet: Sheet, field_name: str, row: int) -> str | None:
        table = raw.tables.get(sheet.key)
        return table.cell(field_name, row) if table is not None else None

    result = compute(validation.model, validation.as_of, cell_of)
    queue = signoff_queue(validation.model, result)
    issues = sorted([*validation.issues, *result.issues], key=Issue.sort_key)
    return Evaluation(str(path), raw, validation, result, issues, queue)
