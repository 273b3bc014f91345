"""A column is converted as its cells would be one by one, whichever shortcut the column takes:
shared conversions of repeated values, ids and text stripped in list passes."""

from __future__ import annotations

import datetime as dt

import pytest

from xl_milestones.core.coerce import converter
from xl_milestones.core.model import CellError
from xl_milestones.core.schema import MILESTONES, FieldType
from xl_milestones.core.validation.cells import _convert_column

# Every odd cell a text column meets: spaces around, only spaces, empty, error values as text.
STRINGS = ["M-1", " M-2", "M-3 ", "#REF!", "   ", "", None, "M-4", "#N/A", "M-1"]
MIXED = [*STRINGS, 7, 7.5, True, dt.date(2026, 3, 31), CellError("#DIV/0!")]


def _field(kind: FieldType) -> object:
    return next(f for f in MILESTONES.inputs if f.type is kind)


@pytest.mark.parametrize("kind", [FieldType.ID, FieldType.TEXT, FieldType.IDS, FieldType.DATE])
@pytest.mark.parametrize("cells", [STRINGS, MIXED], ids=["text", "mixed"])
@pytest.mark.parametrize("rows", [1, 20])  # 20 copies: over the size where values are shared
def test_a_column_converts_as_its_cells_do(kind: FieldType, cells: list[object], rows: int) -> None:
    f = _field(kind)
    convert = converter(f)  # type: ignore[arg-type]
    column = cells * rows
    typed, problems = _convert_column(f, convert, column)  # type: ignore[arg-type]
    one_by_one = [None if v is None else convert(v) for v in column]
    assert typed == one_by_one
    assert problems
