"""Writes docs/schema.md from ``core/schema.py``: every sheet, column, type, default and rule.

``python -m xl_milestones.schema_doc docs/schema.md`` regenerates it; a test fails when the
committed page is stale, so the page and the schema cannot drift apart.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from xl_milestones.core.schema import (
    DASHBOARD_BLOCKS,
    INPUT_SHEETS,
    OUTPUT_SHEETS,
    SETTING_FIELDS,
    SETTINGS,
    Field,
    FieldType,
)


def _value(value: object, ftype: FieldType) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if ftype is FieldType.RATIO and isinstance(value, Decimal):
        return f"{value * 100:g}%"
    return str(value)


def _type(f: Field) -> str:
    if f.enum:
        return "enum: " + ", ".join(f.enum)
    return str(f.type)


def _rules(f: Field) -> str:
    parts: list[str] = []
    if f.unique:
        parts.append("unique")
    if f.minimum is not None:
        op = ">" if f.exclusive_minimum else "≥"
        parts.append(f"{op} {_value(f.minimum, f.type)}")
    if f.maximum is not None:
        parts.append(f"≤ {_value(f.maximum, f.type)}")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The whole page, as Markdown."""
    out = [
        "# The milestone schema",
        "",
        "Generated from `src/xl_milestones/core/schema.py` by "
        "`python -m xl_milestones.schema_doc docs/schema.md`; do not edit by hand.",
        "",
        "Headers are matched ignoring case, spaces, underscores and punctuation; sheet names the "
        "same way. Columns marked **result** are written by a refresh. Contracts and Milestones "
        "must exist; every other input sheet may be left out.",
        "",
        f"## {SETTINGS.name}",
        "",
        f"{SETTINGS.description} Columns `Setting` and `Value`, one row per setting.",
        "",
        "| Setting | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for f in SETTING_FIELDS:
        out.append(
            f"| {f.header} | {_cell(_type(f))} | {_value(f.default, f.type)} | "
            f"{_cell(f.description)} |"
        )
    for sheet in INPUT_SHEETS:
        if sheet is SETTINGS:
            continue
        required = " Required sheet." if sheet.required else ""
        out += [
            "",
            f"## {sheet.name}",
            "",
            f"{sheet.description} Excel table `{sheet.table_name}`.{required}",
            "",
            "| header | field | type | required | default | rules | description |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in sheet.fields:
            header = f"**result** {f.header}" if f.result else f.header
            out.append(
                f"| {header} | `{f.name}` | {_cell(_type(f))} | {'yes' if f.required else ''} | "
                f"{_value(f.default, f.type)} | {_rules(f)} | {_cell(f.description)} |"
            )
    out += ["", "## Output sheets", ""]
    for sheet in OUTPUT_SHEETS:
        columns = ", ".join(f.header for f in sheet.fields)
        what = f" Columns: {columns}." if columns else ""
        out.append(f"- **{sheet.name}**: {sheet.description}{what}")
    for block in DASHBOARD_BLOCKS:
        columns = ", ".join(f.header for f in block.fields)
        out.append(
            f"  - Dashboard block *{block.title}* at {block.first_column}{block.header_row}: "
            f"{columns}."
        )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m xl_milestones.schema_doc PATH", file=sys.stderr)
        return 2
    Path(args[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
