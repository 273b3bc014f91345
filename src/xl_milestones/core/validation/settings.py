"""The Settings sheet: one row per setting, each value read as its setting's type.

``read_settings`` yields the problems of the sheet's rows as it reads them and returns the
Settings (the schema's defaults where a row is missing, blank or bad) and each setting's row.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any, Final

from xl_milestones.core.coerce import Problem, converter, not_a_code, quoted
from xl_milestones.core.currencies import MINOR_UNITS
from xl_milestones.core.dates import COUNTRY_CODES, known_country
from xl_milestones.core.model import RawTable, Settings
from xl_milestones.core.schema import (
    SETTING_FIELDS,
    SETTINGS,
    Field,
    normalize_header,
    setting_by_name,
)
from xl_milestones.core.validation.cells import required_text
from xl_milestones.core.validation.table import ERROR, WARNING, Found, Table

KEY = SETTINGS.key
_SETTING = SETTINGS.field("setting")


def settings_table(raw: RawTable) -> Table:
    """The Settings rows as a Table of their raw setting names and values."""
    return Table(
        SETTINGS,
        list(raw.rows),
        {"setting": list(raw.column("setting")), "value": list(raw.column("value"))},
    )


SettingsRead = Generator[Found, None, tuple[Settings, dict[str, int]]]


def read_settings(table: Table, date1904: bool) -> SettingsRead:
    """Yield each problem of the Settings rows; return the Settings and each setting's row."""
    seen: dict[str, int] = {}
    values: dict[str, object] = {}
    for i, (name, raw_value) in enumerate(
        zip(table.columns["setting"], table.columns["value"], strict=True)
    ):
        setting = yield from _setting(table, i, name, raw_value, seen)
        if setting is None or raw_value is None:
            continue
        value, problem = _split(converter(setting, date1904)(raw_value))
        if problem is not None:
            message = problem.message
            if not _names(message, setting.header):
                message = f"{setting.header}: {message}"
            yield Found(KEY, i, problem.severity, problem.code, "value", raw_value, message)
        if value is not None:
            value = yield from _code(i, setting, value)
        if value == 1 and setting.name in _RATES:
            message = f"{setting.header} is 100% a year: if 1% is meant, enter 1% (0.01)"
            yield Found(KEY, i, WARNING, "rate-of-100-percent", "value", value, message)
        if value is not None:
            values[setting.name] = value
    rows = {name: table.rows[i] for name, i in seen.items()}
    return Settings(**values), rows  # type: ignore[arg-type]


# A late-interest rate typed as 1: 100% a year, where 1% was most likely meant (5 for 5% is
# refused as a ratio above 1; 1 is the one such slip a ratio column takes).
_RATES: Final = frozenset({"late_interest_reference_rate", "late_interest_margin"})


def _setting(
    table: Table, i: int, name: object, raw_value: object, seen: dict[str, int]
) -> Generator[Found, None, Field | None]:
    """The setting row ``i`` names, None when it names none (blank, unknown or repeated)."""
    name_value, problem = _split(converter(_SETTING)(name))
    if problem is not None:
        yield Found(KEY, i, problem.severity, problem.code, "setting", name, problem.message)
    if name_value is None:
        if raw_value is not None and problem is None:
            yield Found(
                KEY, i, ERROR, "required", "setting", None, required_text(SETTINGS, "setting")
            )
        return None
    setting = setting_by_name(str(name_value))
    if setting is None:
        hint = _nearest(str(name_value), [f.header for f in SETTING_FIELDS])
        maybe = f"did you mean '{hint}'? " if hint else ""
        message = (
            f"{quoted(name_value)} is not a setting: {maybe}correct the name or delete the row"
        )
        yield Found(KEY, i, ERROR, "unknown-setting", "setting", name_value, message)
        return None
    if setting.name in seen:
        first = table.rows[seen[setting.name]]
        message = f"{setting.header} is also set in row {first}: keep one row per setting"
        yield Found(KEY, i, ERROR, "duplicate-setting", "setting", name_value, message)
        return None
    seen[setting.name] = i
    return setting


def _code(i: int, setting: Field, value: object) -> Generator[Found, None, Any]:
    """A currency or country setting as its upper-case code; None when it is not one."""
    if setting.name == "reporting_currency":
        code = str(value).upper()
        if code in MINOR_UNITS:
            return code
        yield Found(
            KEY,
            i,
            ERROR,
            "unknown-currency",
            "value",
            value,
            f"Reporting Currency {not_a_code(value)}",
        )
        return None
    if setting.name == "holiday_country":
        code = str(value).upper()
        if known_country(code):
            return code
        yield Found(
            KEY,
            i,
            ERROR,
            "unknown-country",
            "value",
            value,
            f"Holiday Country {quoted(value)} is not a country or region whose holidays are "
            f"known: enter {COUNTRY_CODES}, or leave it blank",
        )
        return None
    return value


def _names(message: str, header: str) -> bool:
    """Whether ``message`` names the setting itself ("Sign-off Days must be at least 0"), not
    only in a quoted typed value, so that it is not named twice."""
    return header in _QUOTED.sub("", message)


_QUOTED = re.compile(r"'[^']*'")


def _split(value: object) -> tuple[object, Problem | None]:
    """A converter's result as (value to use, problem or None)."""
    if type(value) is Problem:
        return value.value, value
    return value, None


def _nearest(word: str, candidates: list[str]) -> str | None:
    import difflib  # only for a misspelt setting

    keyed = {normalize_header(c): c for c in candidates}
    hit = difflib.get_close_matches(normalize_header(word), list(keyed), n=1, cutoff=0.6)
    return keyed[hit[0]] if hit else None
