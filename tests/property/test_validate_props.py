"""Property tests: whatever a user puts in any input cell, validation reports, never raises.

Every issue found has a sheet, a row and a cell address on that row; a row with an error never
becomes a typed record.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factory import raw_workbook, valid_sheets

from xl_milestones.core.coerce import ERROR_LITERALS
from xl_milestones.core.model import CellError
from xl_milestones.core.schema import INPUT_SHEETS, SETTING_FIELDS
from xl_milestones.core.validate import validate

# What a reader can hand over for a cell: the types calamine returns, and error values.
cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "  ",
            "yes",
            "N",
            "2026-02-30",
            "2026-03-31",
            "31/12/2026",
            "10%",
            "1,000.50",
            "M-001",
            "C-001",
            "M-001, M-999",
            "percent",
            "fixed",
            "approved",
            "GBP",
            "eur",
            "#N/A",
        ]
    ),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-1000), max_value=dt.timedelta(days=1000)),
    st.sampled_from(sorted(ERROR_LITERALS)).map(CellError),
)

SHEET_FIELDS = [(s.key, f.name) for s in INPUT_SHEETS for f in s.inputs]
edits = st.lists(
    st.tuples(st.sampled_from(SHEET_FIELDS), st.integers(min_value=0, max_value=4), cell_values),
    min_size=1,
    max_size=8,
)


def apply(edits_: list[tuple[tuple[str, str], int, Any]]) -> dict[str, list[dict[str, Any]]]:
    sheets = valid_sheets()
    for (key, name), index, value in edits_:
        rows = sheets[key]
        while len(rows) <= index:
            rows.append({})
        if key == "settings" and name == "setting" and isinstance(value, str) and index % 2:
            value = SETTING_FIELDS[index].header  # sometimes a real setting with any value
        rows[index][name] = value
    return sheets


def check(sheets: dict[str, list[dict[str, Any]]], date1904: bool = False) -> None:
    raw = raw_workbook(sheets, date1904=date1904)
    result = validate(raw, today=dt.date(2026, 4, 1))
    for issue in result.issues:
        assert issue.sheet and issue.row and issue.cell and issue.code and issue.message
        assert re.fullmatch(r"[A-Z]{1,3}\d+", issue.cell)
        assert int(re.sub(r"[A-Z]", "", issue.cell)) == issue.row
    keys = [i.sort_key() for i in result.issues]
    assert keys == sorted(keys)
    error_rows = {(i.sheet, i.row) for i in result.issues if i.is_error}
    for m in result.model.milestones:
        assert ("Milestones", m.row) not in error_rows
    for c in result.model.contracts.values():
        assert ("Contracts", c.row) not in error_rows
    skipped = {s.row for s in result.model.skipped}
    assert skipped.isdisjoint(m.row for m in result.model.milestones)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, st.booleans())
def test_any_value_in_any_cell_gives_issues_never_an_exception(
    edits_: list[tuple[tuple[str, str], int, Any]], date1904: bool
) -> None:
    check(apply(edits_), date1904)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(INPUT_SHEETS),
    st.lists(st.lists(cell_values, min_size=20, max_size=20), min_size=1, max_size=5),
)
def test_whole_rows_of_anything(sheet: Any, rows: list[list[Any]]) -> None:
    sheets = valid_sheets()
    sheets[sheet.key] = [
        {f.name: v for f, v in zip(sheet.inputs, values, strict=False)} for values in rows
    ]
    check(sheets)
