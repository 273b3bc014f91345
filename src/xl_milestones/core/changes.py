"""What changed since the last refresh (RULES.md section 6): the result cells the last refresh
left on the Milestones sheet, compared per milestone with this refresh's results.

Only what our previous refresh wrote counts: a cell holding something no refresh writes (text in
a date column, a status that does not exist) was typed by a user and is not compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple

from xl_milestones.core.model import Model, PreviousRefresh
from xl_milestones.core.money import format_money, round_money
from xl_milestones.core.schema import (
    CHANGE_FIELDS,
    MILESTONES,
    NOT_COMPUTED,
    PAYMENT_STATUSES,
    RAGS,
    STATUSES,
    FieldType,
)

if TYPE_CHECKING:  # the engine is not loaded to read a workbook
    from xl_milestones.core.engine import EngineResult

ADDED: Final = "added"
REMOVED: Final = "removed"
_ENUMS: Final = {
    "status": frozenset(STATUSES),
    "rag": frozenset(RAGS),
    "payment_status": frozenset(PAYMENT_STATUSES),
}
_YES: Final = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
# Marks a previous cell that no refresh of ours could have written.
_NOT_OURS: Final = object()


class Change(NamedTuple):
    """One row of the Changes sheet: ``field`` is a CHANGE_FIELDS name, ``added`` or
    ``removed``; ``before`` and ``after`` are result values (Decimal, date, bool, str, None).
    The one ``removed`` row names no milestone (a deleted row takes its ID with it): its
    ``before`` is how many milestones the previous refresh computed that are gone."""

    milestone_id: str | None
    contract_id: str | None
    milestone_name: str | None
    field: str
    before: object
    after: object
    currency: str | None = None


class ChangeReport(NamedTuple):
    """The comparison of one refresh with the previous one. ``first`` is true when the Refresh
    Log records no earlier refresh: then nothing is compared and ``changes`` is empty."""

    first: bool
    previous_as_of: date | None
    as_of: date
    changes: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        """Changes by field (``added``, ``status``...), in the order first met."""
        return dict(Counter(c.field for c in self.changes))


def previous_value(field: str, value: object, currency: str | None) -> object:
    """A cell as the last refresh would have written it, made comparable with this refresh's
    value: money rounded to the currency, a date-time at midnight as a date, yes/no as a
    boolean; ``_NOT_OURS`` for a value no refresh writes in that column."""
    if value is None or value == "":
        return None
    kind = MILESTONES.field(field).type
    if field in _ENUMS:
        return value if isinstance(value, str) and value in _ENUMS[field] else _NOT_OURS
    if kind is FieldType.MONEY:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return _NOT_OURS
        return round_money(Decimal(str(value)), currency or "")
    if kind is FieldType.DATE:
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else _NOT_OURS
    if kind is FieldType.YESNO:
        if isinstance(value, bool):
            return value
        return _YES.get(value.strip().lower(), _NOT_OURS) if isinstance(value, str) else _NOT_OURS
    return _NOT_OURS  # pragma: no cover - CHANGE_FIELDS holds no other type


def status_counts_text(counts: Mapping[str, int]) -> str:
    """The Refresh Log's Status Counts cell: "Late 2, Signed off 5" (statuses with a count)."""
    return ", ".join(f"{status} {n}" for status, n in counts.items() if n)


def computed_count(text: object) -> int | None:
    """How many milestones a refresh computed, from the Status Counts cell it wrote (the sum
    of its counts); None for a cell no refresh of ours wrote."""
    if text is None or text == "":
        return 0
    if not isinstance(text, str):
        return None
    total = 0
    for part in text.split(", "):
        status, _, n = part.rpartition(" ")
        if status not in _ENUMS["status"] or not n.isdigit():
            return None
        total += int(n)
    return total


def _holds_status(cells: Mapping[str, object]) -> bool:
    """Whether a row's previous Status cell holds anything (an empty text is blank): a row
    without one is a milestone added since, and its previous milestone, if any, removed."""
    return cells.get("status") not in (None, "")


def _removed(previous: PreviousRefresh) -> int:
    """Milestones the previous refresh computed whose rows are gone: its count less the rows
    that still hold a Status (typed over or not). A Status a user cleared counts as removed
    (and its milestone as added), since nothing tells the two apart."""
    if previous.computed is None:
        return 0
    kept = sum(1 for cells in previous.results.values() if _holds_status(cells))
    return max(previous.computed - kept, 0)


def compare(model: Model, result: EngineResult, previous: PreviousRefresh | None) -> ChangeReport:
    """Every change of a CHANGE_FIELDS result per milestone since ``previous``.

    A computed milestone whose row held no result of the previous refresh is ``added``; one
    that the previous refresh computed and this one cannot (errors in its rows) changes its
    status to "not computed: see Validation". Milestones the previous refresh computed whose
    rows were deleted make one ``removed`` row, last. Rows follow the Milestones sheet's order, and
    within a milestone the order of CHANGE_FIELDS.
    """
    if previous is None:
        return ChangeReport(True, None, result.as_of, ())
    names = model.names_by_row()
    changes: list[Change] = []
    for r in result.milestones:
        # None only on a row not computed (a blank or mistyped ID): still reported, unnamed.
        mid = r.milestone_id
        contract_id, name = names.get(r.row, (None, None))
        cells = previous.results.get(r.row, {})
        # A column the sheet did not have (an older workbook) is not compared.
        before = {
            f: previous_value(f, cells[f], r.currency) if f in cells else _NOT_OURS
            for f in CHANGE_FIELDS
        }
        if not r.computed:
            old = before["status"]
            if isinstance(old, str):
                changes.append(Change(mid, contract_id, name, "status", old, NOT_COMPUTED))
            continue
        if not _holds_status(cells):  # no status written here by the last refresh: new
            changes.append(Change(mid, contract_id, name, ADDED, None, r.values["status"]))
            continue
        for f in CHANGE_FIELDS:
            old, new = before[f], r.values[f]
            if old is not _NOT_OURS and old != new:
                changes.append(Change(mid, contract_id, name, f, old, new, r.currency))
    removed = _removed(previous)
    if removed:
        gone = f"{removed} milestone{'s' if removed > 1 else ''} no longer on the Milestones sheet"
        changes.append(Change(None, None, gone, REMOVED, removed, None))
    return ChangeReport(False, previous.as_of, result.as_of, tuple(changes))


def shown(value: object, currency: str | None) -> str | None:
    """A Before or After value as the Changes sheet shows it: money with its currency, dates
    in ISO form, yes/no; blank stays blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format_money(value, currency)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_rows(report: ChangeReport) -> list[tuple[object, ...]]:
    """The Changes sheet's rows (CHANGES field order): the field by its Milestones header."""
    return [
        (
            c.milestone_id,
            c.contract_id,
            c.milestone_name,
            MILESTONES.header(c.field) if c.field in CHANGE_FIELDS else c.field,
            shown(c.before, c.currency),
            shown(c.after, c.currency),
            report.previous_as_of,
            report.as_of,
        )
        for c in report.changes
    ]
