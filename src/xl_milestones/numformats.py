"""Excel number format codes shared by the template builder, the file writer and the live
adapter: one code per look, so a cell a refresh writes looks like one the template made.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from xl_milestones.core.money import DEFAULT_MINOR_UNITS, minor_units
from xl_milestones.core.schema import FieldType, Sheet

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


class MinorUnitAmount(Decimal):
    """An amount of a currency whose minor units are not 2; ``places`` says how many. The
    same number as the Decimal it was made from: only its type tells a writer to show it
    with ``money_format(places)``."""

    __slots__ = ()
    places = DEFAULT_MINOR_UNITS


_AMOUNT_TYPES: dict[int, type[MinorUnitAmount]] = {}


def places_of(amount: Decimal) -> int:
    """The decimals an amount is shown with: its mark's (``amount_with_places``), else 2."""
    return amount.places if isinstance(amount, MinorUnitAmount) else DEFAULT_MINOR_UNITS


def amount_with_places(value: Decimal, places: int) -> Decimal:
    """``value``, marked to be shown with ``places`` decimals; unchanged for two. Its type,
    not a flag beside it, carries the mark: the sheet writer picks a cell's style by the
    type of its value."""
    if places == DEFAULT_MINOR_UNITS:
        return value
    t = _AMOUNT_TYPES.get(places)
    if t is None:
        t = _AMOUNT_TYPES[places] = type(f"Amount{places}", (MinorUnitAmount,), {"places": places})
    return t(value)


def with_minor_units(
    sheet: Sheet, rows: Sequence[Sequence[object]], reporting: str | None = None
) -> list[tuple[object, ...]]:
    """The rows of an output table with a ``currency`` field (in field order), each money
    value marked with its row's currency's minor units (``amount_with_places``), so that the
    writer shows 7,920,000 JPY without decimals. With ``reporting``, the money fields named
    ``*_reporting`` (the Payment Schedule's) take that currency's instead. Amounts in a
    two-decimal currency are as given."""
    names = [f.name for f in sheet.fields]
    cur = names.index("currency")
    money = [i for i, f in enumerate(sheet.fields) if f.type is FieldType.MONEY]
    converted = [i for i in money if reporting is not None and names[i].endswith("_reporting")]
    own = [i for i in money if i not in converted]
    reported = minor_units(reporting) if reporting is not None else DEFAULT_MINOR_UNITS
    out: list[tuple[object, ...]] = []
    for row in rows:
        code = row[cur]
        places = minor_units(code if isinstance(code, str) else None)
        if places == DEFAULT_MINOR_UNITS and reported == DEFAULT_MINOR_UNITS:
            out.append(tuple(row))
            continue
        values = list(row)
        for columns, n in ((own, places), (converted, reported)):
            if n == DEFAULT_MINOR_UNITS:
                continue
            for i in columns:
                if type(values[i]) is Decimal:
                    values[i] = amount_with_places(values[i], n)  # type: ignore[arg-type]
        out.append(tuple(values))
    return out
