"""The warnings the engine itself raises (an overpaid milestone, a missing FX rate, ...), as
validation Issues placed on the cell to fix when the caller knows the layout."""

from __future__ import annotations

from collections.abc import Callable

from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.schema import SETTINGS, Sheet

# Finds the A1 address of (sheet, field, row) when the caller knows the layout; the core does not.
CellLocator = Callable[[Sheet, str, int], str | None]


class EngineWarnings:
    """Warnings gathered while the engine runs."""

    __slots__ = ("cell_of", "issues")

    def __init__(self, cell_of: CellLocator | None) -> None:
        self.cell_of = cell_of
        self.issues: list[Issue] = []

    def add(
        self,
        code: str,
        sheet: Sheet,
        row: int | None,
        field_name: str | None,
        value: object,
        message: str,
    ) -> None:
        """A warning on ``sheet`` (row and field when known; a setting's column is Value)."""
        column = None
        if field_name is not None:
            column = "Value" if sheet is SETTINGS else sheet.header(field_name)
        cell = None
        if self.cell_of is not None and row is not None and field_name is not None:
            cell = self.cell_of(sheet, field_name, row)
        text = None if value is None else str(value)
        self.issues.append(
            Issue(Severity.WARNING, code, sheet.name, row, column, cell, text, message)
        )

    def sorted(self) -> list[Issue]:
        """The warnings in the order the Validation sheet lists them."""
        return sorted(self.issues, key=Issue.sort_key)
