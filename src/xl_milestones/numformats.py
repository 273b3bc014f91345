"""Excel number format codes shared by the template builder, the file writer and the live
adapter: one code per look, so a cell a refresh writes looks like one the template made.
"""

from __future__ import annotations

from typing import Final

from xl_milestones.core.money import minor_units

DATE_FORMAT: Final = "yyyy-mm-dd"
# Yes/no cells show TRUE or FALSE in Excel whatever their format, but LibreOffice keeps a
# boolean cell as the formula =TRUE() or =FALSE() with the number 1 or 0 as its result, and a
# General format shows that number unless LibreOffice happened to recalculate the cell. This
# format (the one LibreOffice itself writes for its BOOLEAN format) shows TRUE/FALSE in both.
BOOL_FORMAT: Final = '"TRUE";"TRUE";"FALSE"'


def money_format(places: int) -> str:
    """``#,##0.00`` for 2 decimal places, ``#,##0`` for 0, ``#,##0.000`` for 3."""
    return "#,##0." + "0" * places if places > 0 else "#,##0"


def money_number_format(currency: str | None) -> str:
    """The number format showing a currency's minor units (ISO 4217): ``#,##0`` for JPY,
    ``#,##0.00`` for EUR, ``#,##0.000`` for KWD; ``#,##0.00`` when unknown or blank."""
    return money_format(minor_units(currency))


MONEY_FORMAT: Final = money_format(2)
