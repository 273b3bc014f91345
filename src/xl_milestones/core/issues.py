"""The Issue record: one problem found in a workbook, with its location and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


def sheet_reference(sheet: str, ref: str) -> str:
    """A reference to ``ref`` (``E2``, ``$A$1:$B$9``) on ``sheet`` as Excel writes it in links
    and formulas: the name in single quotes, an apostrophe in it doubled (``'Sign''offs'!E2``)."""
    return "'" + sheet.replace("'", "''") + "'!" + ref


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem in the user's data. ``row`` is the row number Excel shows; ``cell`` is A1."""

    severity: Severity
    code: str
    sheet: str
    row: int | None
    column: str | None
    cell: str | None
    value: str | None
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str | None:
        """The link target of its cell (``'Milestones'!F7``); None when it has no cell."""
        return sheet_reference(self.sheet, self.cell) if self.cell else None

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.sheet, self.row or 0, self.column or "", self.code)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data
