"""The cell checks: each raw cell read as its field's type once, column by column.

Coercion yields the cells that cannot be read (``coerce.py``'s Problems), the required cells
left blank, and the Table of typed columns the other checks read. A row of nothing but blanks
and spaces is a blank row: only its spaces are reported, and it is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final, cast

from xl_milestones.core.coerce import ERROR_LITERALS, Converter, Problem, converter, strip_id
from xl_milestones.core.model import CellError, RawTable
from xl_milestones.core.schema import Field, FieldType, Sheet
from xl_milestones.core.validation.table import ERROR, Found, Table


def required_text(sheet: Sheet, field_name: str) -> str:
    f = sheet.field(field_name)
    return f"{f.header} is required: fill it in ({_in_sentence(f.description)})"


def _in_sentence(text: str) -> str:
    """``text`` to go inside a sentence: its first letter lower-cased, unless its first word is
    an acronym (``ISO 4217 code`` stays as it is)."""
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def coerce_table(raw: RawTable, date1904: bool) -> tuple[Table, list[Found], set[int]]:
    """The typed Table of ``raw``, the problems of its cells, and the indices of blank rows."""
    sheet = raw.sheet
    present = [f for f in sheet.inputs if f.name in raw.columns]
    found: list[Found] = []
    missing: list[Found] = []
    spaces: set[int] = set()
    spaced_ids: dict[str, int] = {}
    columns: dict[str, list[Any]] = {}
    for f in present:
        column = raw.column(f.name)
        typed, problems = _convert_column(f, converter(f, date1904), column)
        if problems:
            for i in [i for i, v in enumerate(typed) if type(v) is Problem]:
                problem = cast(Problem, typed[i])
                found.append(
                    Found(
                        sheet.key,
                        i,
                        problem.severity,
                        problem.code,
                        f.name,
                        column[i],
                        problem.message,
                    )
                )
                if problem.code == "id-spaces" and f.unique:  # a row's own id
                    spaced_ids.setdefault(strip_id(str(column[i])), i)
                if problem.code == "whitespace-only":
                    spaces.add(i)
                    if f.required:
                        missing.append(_required(sheet, i, f))
                typed[i] = problem.value
        columns[f.name] = typed
        if f.required and None in column:
            missing.extend(_required(sheet, i, f) for i, v in enumerate(column) if v is None)
    n = len(raw.rows)
    absent = frozenset(f.name for f in sheet.inputs if f.name not in columns)
    for name in absent:
        columns[name] = [None] * n
    table = Table(sheet, list(raw.rows), columns, spaced_ids=spaced_ids, absent=absent)
    blank = {i for i in spaces if _blank(raw, i)}
    return table, [*found, *(m for m in missing if m.at not in blank)], blank


def _required(sheet: Sheet, i: int, f: Field) -> Found:
    return Found(sheet.key, i, ERROR, "required", f.name, None, required_text(sheet, f.name))


def _blank(raw: RawTable, i: int) -> bool:
    return all(
        v is None or (type(v) is str and not v.strip())
        for v in (column[i] for column in raw.values.values())
    )


# Cell types whose equal values convert alike, so one conversion serves them all, with two
# exceptions handled below: True == 1 == 1.0 and 0.0 == -0.0 convert differently, so a column
# mixing bool with numbers, or holding a whole-number float, is converted cell by cell (the
# reader turns whole-number floats into int, so its columns never do). Decimal("1.0") ==
# Decimal(1) converts differently too; Decimal is not listed.
_SHAREABLE: Final = frozenset({type(None), str, int, float, bool, date, datetime, CellError})
# Ids, names and id lists hardly repeat, and converting one costs about a lookup.
_DISTINCT_TYPES: Final = frozenset({FieldType.ID, FieldType.IDS, FieldType.TEXT})


def _convert_column(
    f: Field, convert: Converter, column: Sequence[object]
) -> tuple[list[Any], bool]:
    """The converted column (None stays None) and whether any cell gave a Problem.

    Dates, amounts, rates, flags and list values repeat down a column, and converting one is
    costly next to a dict lookup: each distinct value is converted once and the column mapped
    through the results in C. Ids and names, and columns whose equal values could convert
    differently, are converted cell by cell.
    """
    n = len(column)
    if n > 64 and f.type not in _DISTINCT_TYPES:
        types = set(map(type, column))
        if types <= _SHAREABLE and not (bool in types and (int in types or float in types)):
            distinct = set(column)
            if (
                len(distinct) * 2 <= n
                and not (
                    float in types
                    and any(isinstance(v, float) and v.is_integer() for v in distinct)
                )
                and all(v.tzinfo is None for v in distinct if isinstance(v, datetime))
            ):
                table = {v: None if v is None else convert(v) for v in distinct}
                problems = Problem in set(map(type, table.values()))
                return list(map(table.__getitem__, column)), problems
    if f.type in _STRIPPED and n and set(map(type, column)) <= _STR_OR_NONE:
        return _convert_strings(f, convert, cast(Sequence[str | None], column))
    typed = [None if v is None else convert(v) for v in column]
    return typed, Problem in set(map(type, typed))


_STRIPPED: Final = frozenset({FieldType.ID, FieldType.TEXT})
_STR_OR_NONE: Final = frozenset({str, type(None)})


def _convert_strings(
    f: Field, convert: Converter, column: Sequence[str | None]
) -> tuple[list[Any], bool]:
    """A column of text (or blanks) as an id or text field: most cells are already what the
    converter would return (an id without spaces, text stripped), found by list passes in C;
    the converter reads only the others (spaces, blanks of spaces, error values)."""
    stripped = [v and v.strip() for v in column]
    typed: list[Any] = list(column)
    odd: list[int] = []
    if f.type is FieldType.ID:
        if stripped != typed:  # an id with spaces around it
            odd = [i for i, (v, s) in enumerate(zip(typed, stripped, strict=True)) if v != s]
        if not ERROR_LITERALS.isdisjoint(typed):
            odd.extend(i for i, v in enumerate(typed) if v in ERROR_LITERALS)
        if not all(map(str.isascii, filter(None, stripped))):  # an invisible character?
            odd.extend(i for i, s in enumerate(stripped) if s and strip_id(s) != s)
    else:
        typed = stripped
        if "" in stripped:  # a cell of spaces, or empty
            odd = [i for i, s in enumerate(stripped) if s == ""]
    problems = False
    for i in odd:
        typed[i] = convert(column[i])
        problems = problems or type(typed[i]) is Problem
    return typed, problems
