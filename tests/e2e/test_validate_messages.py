"""The validator's messages as a user reads them from `xl-milestones validate`: each names what
is wrong once, in the words of the sheet, and no message contradicts another on the same data.

Each case writes a small valid workbook, spoils it the way a user would, and reads the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.factory import setting, valid_sheets, write_workbook

from xl_milestones.cli import main

Sheets = dict[str, list[dict[str, Any]]]


def issues(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    main(["validate", str(path), "--format", "json"])
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["issues"]
    return found


def messages(found: list[dict[str, Any]], sheet: str) -> dict[str, tuple[str, str]]:
    """Each cell of ``sheet`` with an issue: its code and message."""
    return {i["cell"]: (i["code"], i["message"]) for i in found if i["sheet"] == sheet}


def test_a_setting_is_named_once_in_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["settings"] += [
        {"setting": setting("at_risk_window_days"), "value": -3},  # B5
        {"setting": setting("rag_tolerance_days"), "value": 1.5},  # B6
        {"setting": "Check Deliverables", "value": "warning"},  # B7
        {"setting": setting("signoff_days"), "value": "ten days"},  # B8
        # A value that happens to quote a setting's name still gets the name before it.
        {"setting": setting("late_interest_margin"), "value": "Late Interest Margin"},
    ]
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    assert messages(issues(capsys, path), "Settings") == {
        "B5": ("out-of-range", "At Risk Window Days must be at least 0: correct the value"),
        "B6": (
            "not-a-whole-number",
            "1.5 is not a whole number: enter RAG Tolerance Days in whole units",
        ),
        "B7": (
            "not-in-list",
            "'warning' is not allowed in Check Deliverables: choose one of block, warn, off",
        ),
        "B8": (
            "not-a-number",
            "Sign-off Days: 'ten days' is not a whole number: enter a whole number",
        ),
        "B9": (
            "not-a-number",
            "Late Interest Margin: 'Late Interest Margin' is not a percentage: enter a percentage",
        ),
    }
