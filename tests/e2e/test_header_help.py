"""The help a header cell shows (its input message) on the refreshed sample: it says what the
cells under it hold after a refresh, also where a figure counts what another leaves out."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from xl_milestones.cli import main
from xl_milestones.core.schema import MILESTONES, REFRESH_LOG

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"


def _prompt(ws: Worksheet, header: str) -> str:
    """The input message of the header cell ``header`` on row 1."""
    headers = [c.value for c in ws[1]]
    cell = f"{openpyxl.utils.get_column_letter(headers.index(header) + 1)}1"
    for dv in ws.data_validations.dataValidation:
        if cell in str(dv.sqref).split():
            return str(dv.prompt)
    raise AssertionError(f"{ws.title}!{cell} has no input message")


def _column(ws: Worksheet, header: str) -> list[object]:
    headers = [c.value for c in ws[1]]
    col = headers.index(header)
    return [row[col] for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture(scope="module")
def refreshed_with_an_error(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with text in M-002's Baseline Date, refreshed: M-002 and the C-001
    milestones that depend on it are not computed."""
    folder = tmp_path_factory.mktemp("help")
    edited, out = folder / "edited.xlsm", folder / "out.xlsm"
    wb = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    ws = wb[MILESTONES.name]
    assert ws.cell(3, 1).value == "M-002"
    ws.cell(3, [c.value for c in ws[1]].index("Baseline Date") + 1).value = "next week"
    wb.save(edited)
    assert main(["refresh", str(edited), "--output", str(out)]) == 1
    return out


def test_refresh_log_says_its_milestones_include_those_not_computed(
    refreshed_with_an_error: Path,
) -> None:
    wb = openpyxl.load_workbook(refreshed_with_an_error)
    log = wb[REFRESH_LOG.name]
    milestone_ids = [v for v in _column(wb[MILESTONES.name], "Milestone ID") if v]
    statuses = [v for v in _column(wb[MILESTONES.name], "Status") if v]
    assert len(statuses) < len(milestone_ids)  # some were not computed
    # The Milestones column counts every milestone row; Status Counts the computed ones.
    (count,) = [v for v in _column(log, "Milestones") if v is not None]
    assert count == len(milestone_ids)
    prompt = _prompt(log, "Milestones")
    assert "not computed" in prompt and "included" in prompt, prompt
    (counts,) = [v for v in _column(log, "Status Counts") if v]
    assert sum(int(part.rsplit(" ", 1)[1]) for part in str(counts).split(", ")) == len(statuses)
    assert _prompt(log, "Status Counts").startswith("Computed milestones")


def test_days_late_says_what_a_negative_number_means_when_complete(
    refreshed_with_an_error: Path,
) -> None:
    ws = openpyxl.load_workbook(refreshed_with_an_error)[MILESTONES.name]
    rows = {
        mid: (late, actual)
        for mid, late, actual in zip(
            _column(ws, "Milestone ID"),
            _column(ws, "Days Late"),
            _column(ws, "Actual Date"),
            strict=True,
        )
    }
    # M-010 was achieved the day before its revised date: -1 is a day early, not a day left.
    late, actual = rows["M-010"]
    assert actual is not None and isinstance(late, int) and late < 0
    prompt = _prompt(ws, "Days Late")
    assert "negative = early" in prompt, prompt
    assert "negative = days left" in prompt, prompt
