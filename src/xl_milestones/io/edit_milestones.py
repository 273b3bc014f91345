"""The Milestones sheet's editor: result values written into their columns, row by row, and
result columns added where the sheet lacks them; the input columns are never touched."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from xl_milestones.book import BookUpdate
from xl_milestones.core.model import RawTable
from xl_milestones.core.schema import MILESTONES, FieldType
from xl_milestones.errors import WorkbookError
from xl_milestones.io.layout import add_columns, find_layout, number_kind
from xl_milestones.io.sheet_edit import BulkWrites
from xl_milestones.io.sheets import Sheets
from xl_milestones.numformats import amount_with_places

_MONEY_RESULTS = frozenset(f.name for f in MILESTONES.results if f.type is FieldType.MONEY)


def _with_minor_units(
    results: dict[int, dict[str, object]], places: Mapping[int, int]
) -> Mapping[int, Mapping[str, object]]:
    """The results, with the amounts of the rows in ``places`` marked to show that many
    decimals (copies of those rows only; the caller's dicts are left as they are)."""
    if not places:
        return results
    marked = dict(results)
    for row, n in places.items():
        values = marked.get(row)
        if values is not None:
            marked[row] = {
                k: amount_with_places(v, n) if k in _MONEY_RESULTS and type(v) is Decimal else v
                for k, v in values.items()
            }
    return marked


def write_results(ed: Sheets, update: BookUpdate, hint: RawTable | None) -> None:
    """Write the result columns of the Milestones sheet (columns a field lacks are added
    after the last one) and have the sheet read back."""
    entry = ed.find(MILESTONES)
    if entry is None:
        raise WorkbookError(f"the workbook has no '{MILESTONES.name}' sheet to write to")
    work = ed.open(entry)
    layout = find_layout(ed.pkg, work, MILESTONES, hint)
    if layout is None:
        raise WorkbookError(
            f"sheet '{entry.name}' has no header row with "
            f"'{MILESTONES.header('milestone_id')}': the results cannot be placed"
        )
    used: set[str] = set()
    for values in update.results.values():
        if not used.issuperset(values):
            for name in values:
                if not MILESTONES.field(name).result:
                    raise ValueError(f"{name} is an input of {MILESTONES.name}, not a result")
            used.update(values)
    order = [f.name for f in MILESTONES.results if f.name in used]
    add_columns(ed.pkg, work, layout, MILESTONES, order)
    work.edit.header_row = layout.header_row
    if min(update.results) <= layout.header_row:
        raise ValueError(f"a result row is not below the header row {layout.header_row}")
    work.edit.bulk = BulkWrites(
        [
            (f.name, layout.cols[f.name], number_kind(f.type))
            for f in MILESTONES.results
            if f.name in used
        ],
        _with_minor_units(update.results, update.money_places),
    )
    ed.finish(work, MILESTONES)
    ed.pkg.read_back_soon(work.part, entry.name)
