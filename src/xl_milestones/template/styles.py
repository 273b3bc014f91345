"""The template's look: colours, number formats and column widths, by schema field type.

One place for every visual choice, so the sheets stay consistent and a colour change is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from xl_milestones.core.schema import PAYMENT_STATUSES, RAGS, STATUSES, Field, FieldType
from xl_milestones.numformats import BOOL_FORMAT, DATE_FORMAT, MONEY_FORMAT

# Header fills: inputs in dark blue, results (written by a refresh) in dark grey, so the two
# kinds of column are told apart at a glance, also when printed in black and white (italic).
INPUT_HEADER_FILL = "#1F4E78"
RESULT_HEADER_FILL = "#595959"
RESULT_CELL_FILL = "#EDEDED"
HEADER_FONT_COLOUR = "#FFFFFF"
TITLE_COLOUR = "#1F4E78"
NOTE_COLOUR = "#595959"

# Two decimals so that small daily rates (delay damages of 0.05% a day) stay visible.
RATIO_FORMAT = "0.00%"
INT_FORMAT = "0"
# FX rates: four decimals, and up to six more where a rate needs them, so that one unit of a
# currency worth a fraction of a penny (0.0000485 GBP per IDR) does not show as 0.0000.
NUMBER_FORMAT = "#,##0.0000######"
MONTH_FORMAT = "mmm yyyy"

NUM_FORMATS: dict[FieldType, str] = {
    FieldType.DATE: DATE_FORMAT,
    FieldType.MONEY: MONEY_FORMAT,
    FieldType.RATIO: RATIO_FORMAT,
    FieldType.INT: INT_FORMAT,
    FieldType.NUMBER: NUMBER_FORMAT,
    FieldType.YESNO: BOOL_FORMAT,
}

# The narrowest column that shows a typical value of each type without `###`.
TYPE_WIDTHS: dict[FieldType, float] = {
    FieldType.TEXT: 22,
    FieldType.ID: 13,
    FieldType.DATE: 12,
    FieldType.MONEY: 16,
    FieldType.INT: 9,
    FieldType.RATIO: 10,
    FieldType.NUMBER: 12,
    FieldType.YESNO: 8,
    FieldType.ENUM: 12,
    FieldType.IDS: 16,
}
# Free-text fields that usually hold a sentence.
WIDE_TEXT_FIELDS = frozenset(
    {
        "acceptance_criteria",
        "description",
        "notes",
        "comment",
        "message",
        "signoff_blockers",
        "status_counts",
    }
)
WIDE_TEXT_WIDTH = 40.0
# Fields whose usual value is longer than their type's width: "2026-06-30 09:15:00 UTC".
FIELD_WIDTHS: dict[str, float] = {
    "refreshed_at": 25,
    # Approver names and the Sign-off Queue's and Changes sheet's words ("no approver listed",
    # "not computed: see Validation") fit on one line in a refreshed workbook.
    "approver_role": 20,
    "approver_name": 20,
    "latest_decision": 20,
    "before": 28,
    "after": 28,
}
# On output sheets, filled only by a refresh: milestone names run to about 28 characters
# ("Raised floors and ceilings", bold on an overdue Sign-off Queue row); a currency is a code.
# (On input sheets the sample's own values size the columns.)
OUTPUT_FIELD_WIDTHS: dict[str, float] = {"milestone_name": 30, "currency": 10}
MAX_WIDTH = 60.0
# Room for the table's filter button beside the header text.
FILTER_BUTTON_WIDTH = 4


def column_width(
    field: Field, values: list[object] | None = None, *, output: bool = False
) -> float:
    """A width that shows the header (with its filter button), the enum values and the data
    (``output``: on a sheet only a refresh fills)."""
    typical = OUTPUT_FIELD_WIDTHS.get(field.name) if output else None
    width = max(
        typical or TYPE_WIDTHS[field.type],
        FIELD_WIDTHS.get(field.name, 0),
        len(field.header) + FILTER_BUTTON_WIDTH,
    )
    if field.enum:
        width = max(width, max(len(v) for v in field.enum) + 3)
    if field.name in WIDE_TEXT_FIELDS:
        width = max(width, WIDE_TEXT_WIDTH)
    for value in values or ():
        if isinstance(value, str):
            width = max(width, len(value) + 2)
    return float(min(width, MAX_WIDTH))


@dataclass(frozen=True, slots=True)
class Tint:
    """A conditional-format colour pair: cell fill and font colour."""

    fill: str
    font: str
    bold: bool = False
    strike: bool = False


STATUS_TINTS: dict[str, Tint] = {
    "Not started": Tint("#F2F2F2", "#404040"),
    "In progress": Tint("#DDEBF7", "#1F4E78"),
    "At risk": Tint("#FFEB9C", "#7F4F00"),
    "Late": Tint("#FFC7CE", "#9C0006", bold=True),
    "Awaiting sign-off": Tint("#E4DFEC", "#4B2E83"),
    "Signed off": Tint("#C6EFCE", "#006100"),
    "Rejected": Tint("#C00000", "#FFFFFF", bold=True),
    "On hold": Tint("#FCE4D6", "#843C0C"),
    "Cancelled": Tint("#FFFFFF", "#808080", strike=True),
}
RAG_TINTS: dict[str, Tint] = {
    "Green": Tint("#C6EFCE", "#006100", bold=True),
    "Amber": Tint("#FFEB9C", "#7F4F00", bold=True),
    "Red": Tint("#FFC7CE", "#9C0006", bold=True),
}
PAYMENT_TINTS: dict[str, Tint] = {
    "Overdue": Tint("#FFC7CE", "#9C0006", bold=True),
    "Part paid": Tint("#FFEB9C", "#7F4F00"),
    "Paid": Tint("#C6EFCE", "#006100"),
    "Awaiting invoice": Tint("#DDEBF7", "#1F4E78"),
}
BLOCKED_TINT = Tint("#FCE4D6", "#C00000", bold=True)

# Every status, RAG colour and the payment statuses that call for attention have a colour.
assert set(STATUS_TINTS) == set(STATUSES)
assert set(RAG_TINTS) == set(RAGS)
assert set(PAYMENT_TINTS) <= set(PAYMENT_STATUSES)
