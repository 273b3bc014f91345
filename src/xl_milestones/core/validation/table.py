"""What a check reads and what it yields: typed columns of each sheet, and Found issues.

A ``Table`` holds one sheet's rows after coercion as columns (one list per field, None where
blank or unreadable), with the rows that have an error and, per field, the rows whose cell has
one. A check is a function of the ``Book`` yielding ``Found`` tuples; the validator records each
as it comes, so a later check sees the errors of the earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from xl_milestones.core.currencies import most_common_currency
from xl_milestones.core.issues import Severity
from xl_milestones.core.model import Settings
from xl_milestones.core.schema import CONTRACTS, MILESTONES, Sheet

ERROR = Severity.ERROR
WARNING = Severity.WARNING


class Found(NamedTuple):
    """One issue a check found: its sheet (key), its row (at: the index in its Table), field."""

    sheet: str
    at: int
    severity: Severity
    code: str
    field: str
    value: object
    message: str


@dataclass(slots=True)
class Table:
    """One sheet's rows as typed columns: ``columns[name][i]`` is row ``rows[i]``'s value."""

    sheet: Sheet
    rows: list[int]
    columns: dict[str, list[Any]]
    error: set[int] = field(default_factory=set)  # rows with an error
    bad: dict[str, set[int]] = field(default_factory=dict)  # field -> rows whose cell has one
    # Ids refused for spaces around them, by the id without them: where each was typed.
    spaced_ids: dict[str, int] = field(default_factory=dict)
    # Fields the sheet has no column for (their columns are all None).
    absent: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.rows)

    def is_bad(self, i: int, name: str) -> bool:
        """Whether row ``i``'s cell of field ``name`` has an error."""
        cells = self.bad.get(name)
        return cells is not None and i in cells

    def bad_in(self, i: int, names: frozenset[str]) -> bool:
        """Whether any cell of row ``i`` in ``names`` has an error."""
        return any(i in self.bad.get(name, ()) for name in names)

    def without(self, drop: set[int]) -> Table:
        """This table less the rows at indices ``drop``."""
        keep = [i for i in range(len(self.rows)) if i not in drop]
        new_at = {old: new for new, old in enumerate(keep)}
        return Table(
            self.sheet,
            [self.rows[i] for i in keep],
            {name: [col[i] for i in keep] for name, col in self.columns.items()},
            {new_at[i] for i in self.error if i in new_at},
            {name: {new_at[i] for i in rows if i in new_at} for name, rows in self.bad.items()},
            {mid: new_at[i] for mid, i in self.spaced_ids.items() if i in new_at},
            self.absent,
        )


def empty_table(sheet: Sheet) -> Table:
    """The Table of a sheet the workbook lacks: no rows, every column empty."""
    return Table(sheet, [], {f.name: [] for f in sheet.inputs})


@dataclass
class Book:
    """Every input sheet's Table (empty when the workbook lacks it), the as-of date, settings."""

    tables: dict[str, Table]
    present: frozenset[str]  # the keys of the sheets the workbook has
    as_of: date
    settings: Settings
    setting_rows: dict[str, int] = field(default_factory=dict)  # each setting's Excel row
    as_of_given: bool = False  # the as-of date is the caller's (``--as-of``), not the workbook's

    def column(self, key: str, name: str) -> list[Any]:
        return self.tables[key].columns[name]

    @cached_property
    def reporting_currency(self) -> str | None:
        """The Settings' Reporting Currency, else the contracts' most common currency (read
        after ``currency_codes`` has made them upper-case codes)."""
        if self.settings.reporting_currency:
            return self.settings.reporting_currency
        return most_common_currency(c for c in self.column(CONTRACTS.key, "currency") if c)

    @cached_property
    def milestone_at(self) -> dict[str, int]:
        """Each Milestone ID's row index (its first row when the id is repeated)."""
        at: dict[str, int] = {}
        for i, mid in enumerate(self.column(MILESTONES.key, "milestone_id")):
            if mid is not None and mid not in at:
                at[mid] = i
        return at

    @cached_property
    def contract_at(self) -> dict[str, int]:
        """Each Contract ID's row index (its last row when the id is repeated)."""
        ids = self.column(CONTRACTS.key, "contract_id")
        return {cid: i for i, cid in enumerate(ids) if cid}


__all__ = ["ERROR", "WARNING", "Book", "Found", "Table", "empty_table"]
