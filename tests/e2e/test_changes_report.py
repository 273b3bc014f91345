"""The change report on real files: the sample refreshed twice with two as-of dates, the
Changes sheet checked row by row, and the summary the command line ends with."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from xl_milestones.cli import main
from xl_milestones.core.schema import CHANGES

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
JUNE, JULY = dt.datetime(2026, 6, 30), dt.datetime(2026, 7, 15)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


def _changes(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path, data_only=True)[CHANGES.name]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [f.header for f in CHANGES.fields]
    return [r for r in rows[1:] if r[0] is not None]


def _refreshed_then_edited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: Callable[[Worksheet], None]
) -> tuple[Path, Path]:
    """The sample refreshed, then its Milestones sheet edited as a user would: the edited
    book, and the path its next refresh is to write."""
    first, edited = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    _run(capsys, "refresh", str(SAMPLE), "--output", str(first))
    wb = openpyxl.load_workbook(first, keep_vba=True)
    edit(wb["Milestones"])
    wb.save(edited)
    return edited, tmp_path / "c.xlsm"


def test_sample_refreshed_twice_lists_exactly_what_moved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "june.xlsm", tmp_path / "july.xlsm"
    _, out = _run(capsys, "refresh", str(SAMPLE), "--as-of", "2026-06-30", "--output", str(first))
    assert out.rstrip().endswith("First refresh: nothing to compare.")
    assert _changes(first) == []
    _, out = _run(capsys, "refresh", str(first), "--as-of", "2026-07-15", "--output", str(second))
    # In two weeks: five payments fall overdue (three not yet due, two part paid), and two
    # At risk milestones pass their revised dates, so they are Late and Red.
    assert out.rstrip().endswith(
        "Since the refresh as of 2026-06-30: 2 newly late, 5 payments now overdue, 2 now Red (RAG)."
    )
    assert _changes(second) == [
        ("M-003", "C-001", "First fix M&E", "Payment Status", "Not yet due", "Overdue", JUNE, JULY),
        ("M-021", "C-003", "Floor slab", "Status", "At risk", "Late", JUNE, JULY),
        ("M-021", "C-003", "Floor slab", "RAG", "Amber", "Red", JUNE, JULY),
        (
            "M-041",
            "C-006",
            "Wave 1 migrated",
            "Payment Status",
            "Not yet due",
            "Overdue",
            JUNE,
            JULY,
        ),
        (
            "M-055",
            "C-008",
            "Core switches installed",
            "Payment Status",
            "Part paid",
            "Overdue",
            JUNE,
            JULY,
        ),
        ("M-064", "C-009", "Accessibility audit", "Status", "At risk", "Late", JUNE, JULY),
        ("M-064", "C-009", "Accessibility audit", "RAG", "Amber", "Red", JUNE, JULY),
        (
            "M-070",
            "C-010",
            "Supplier market engagement",
            "Payment Status",
            "Not yet due",
            "Overdue",
            JUNE,
            JULY,
        ),
        (
            "M-076",
            "C-011",
            "Remediation plan",
            "Payment Status",
            "Part paid",
            "Overdue",
            JUNE,
            JULY,
        ),
    ]


def test_a_changes_sheet_with_nothing_to_list_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An empty Changes sheet left a reader wondering whether the comparison ran, as an empty
    # Validation sheet would: one row says what the summary says, with the as-of dates.
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    _run(capsys, "refresh", str(SAMPLE), "--output", str(first))
    _run(capsys, "refresh", str(first), "--output", str(second))

    def rows(path: Path) -> list[tuple[object, ...]]:
        ws = openpyxl.load_workbook(path, data_only=True)[CHANGES.name]
        return list(ws.iter_rows(min_row=2, values_only=True))

    assert rows(first) == [
        (None, None, "First refresh: nothing to compare.", None, None, None, None, JUNE)
    ]
    said = "Since the refresh as of 2026-06-30: nothing changed."
    assert rows(second) == [(None, None, said, None, None, None, JUNE, JUNE)]


def test_json_has_the_changes_and_a_user_typing_over_a_result_is_not_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user types over M-001's Status with something no refresh writes, and over its
    # Amount Due with text: neither is taken for a change of ours.
    def type_over(ws: Worksheet) -> None:
        headers = [c.value for c in ws[1]]
        ws.cell(2, headers.index("Status") + 1).value = "Done!"
        ws.cell(2, headers.index("Amount Due") + 1).value = "see invoice"
        assert ws.cell(2, 1).value == "M-001"

    edited, second = _refreshed_then_edited(capsys, tmp_path, type_over)
    _, out = _run(capsys, "refresh", str(edited), "--output", str(second), "--format", "json")
    changes = json.loads(out)["changes"]
    assert changes == {
        "first_refresh": False,
        "previous_as_of": "2026-06-30",
        "as_of": "2026-06-30",
        "summary": "Since the refresh as of 2026-06-30: nothing changed.",
        "counts": {},
        "rows": [],
    }


def test_a_deleted_milestone_row_is_reported_as_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user deletes the last milestone's row (M-082) and shrinks the table over it; its
    # sign-off, invoice and issue rows stay, so the refresh also reports those as errors.
    def delete_last(ws: Worksheet) -> None:
        assert ws.cell(ws.max_row, 1).value == "M-082"
        table = ws.tables["tblMilestones"]
        ws.delete_rows(ws.max_row)
        table.ref = table.ref[:-2] + str(ws.max_row)

    edited, second = _refreshed_then_edited(capsys, tmp_path, delete_last)
    code = main(["refresh", str(edited), "--output", str(second)])
    out, _ = capsys.readouterr()
    assert code == 1  # the orphaned child rows are errors
    assert out.rstrip().endswith("Since the refresh as of 2026-06-30: 1 milestone removed.")
    assert _changes(second) == []  # the row names no milestone
    ws = openpyxl.load_workbook(second, data_only=True)[CHANGES.name]
    gone = "1 milestone no longer on the Milestones sheet"
    assert list(ws.iter_rows(min_row=2, values_only=True)) == [
        (None, None, gone, "removed", "1", None, JUNE, JUNE)
    ]


def test_a_milestone_no_longer_computed_keeps_its_contract_and_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Text in M-002's Baseline Date: M-002 is not computed, nor are the C-001 milestones that
    # depend on it. Their rows still name their contract and milestone; so do their changes.
    # M-003's row then takes M-002's ID: a repeated ID, named by its own row's name.
    def break_rows(ws: Worksheet) -> None:
        headers = [c.value for c in ws[1]]
        assert [ws.cell(r, 1).value for r in (3, 4)] == ["M-002", "M-003"]
        ws.cell(3, headers.index("Baseline Date") + 1).value = "next week"
        ws.cell(4, 1).value = "M-002"

    edited, second = _refreshed_then_edited(capsys, tmp_path, break_rows)
    assert main(["refresh", str(edited), "--output", str(second), "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)["changes"]["rows"]
    skipped = [r for r in rows if r["after"] == "not computed: see Validation"]
    assert skipped[:2] == [
        {
            "milestone_id": "M-002",
            "contract_id": "C-001",
            "milestone_name": "Strip-out complete",
            "field": "status",
            "before": "Signed off",
            "after": "not computed: see Validation",
        },
        {
            "milestone_id": "M-002",
            "contract_id": "C-001",
            "milestone_name": "First fix M&E",
            "field": "status",
            "before": "Signed off",
            "after": "not computed: see Validation",
        },
    ]
    assert len(skipped) > 2
    assert all(r["contract_id"] and r["milestone_name"] for r in skipped)
    sheet = _changes(second)
    assert sheet[0] == (
        "M-002", "C-001", "Strip-out complete", "Status", "Signed off",
        "not computed: see Validation", JUNE, JUNE,
    )  # fmt: skip
    assert all(r[1] and r[2] for r in sheet)


@pytest.mark.parametrize("typed", [None, "M-004 "])
def test_a_milestone_whose_id_was_cleared_or_mistyped_is_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str | None
) -> None:
    # M-004 (Awaiting sign-off) gets its ID cleared, or retyped with a trailing space: an
    # error, so its row is not computed. Its row still holds the Status the last refresh
    # wrote, so it is not counted as removed either; it was left out of the report in silence.
    def retype(ws: Worksheet) -> None:
        assert ws.cell(5, 1).value == "M-004"
        ws.cell(5, 1).value = typed

    edited, second = _refreshed_then_edited(capsys, tmp_path, retype)
    assert main(["refresh", str(edited), "--output", str(second), "--format", "json"]) == 1
    changes = json.loads(capsys.readouterr().out)["changes"]
    mine = [r for r in changes["rows"] if r["milestone_name"] == "Raised floors and ceilings"]
    assert mine == [
        {
            "milestone_id": None,  # the row's ID is an error: blank, as its other cells are
            "contract_id": "C-001",
            "milestone_name": "Raised floors and ceilings",
            "field": "status",
            "before": "Awaiting sign-off",
            "after": "not computed: see Validation",
        }
    ]
    assert changes["counts"] == {"status": len(changes["rows"])}
    ws = openpyxl.load_workbook(second, data_only=True)[CHANGES.name]
    assert (
        None, "C-001", "Raised floors and ceilings", "Status", "Awaiting sign-off",
        "not computed: see Validation", JUNE, JUNE,
    ) in list(ws.iter_rows(min_row=2, values_only=True))  # fmt: skip


def test_an_error_value_over_a_result_is_not_taken_for_a_blank(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Error values (a formula of the user's over a result, or a pasted #N/A) were read as blank:
    # M-005's Status made it "added" and one milestone "removed", and M-006's Revised Date and
    # Sign-off Ready changes from blank. No refresh writes an error value: not a change of ours.
    def errors_over_results(ws: Worksheet) -> None:
        headers = [c.value for c in ws[1]]
        assert [ws.cell(r, 1).value for r in (6, 7)] == ["M-005", "M-006"]
        ws.cell(6, headers.index("Status") + 1).value = "#N/A"
        ws.cell(6, headers.index("Amount Due") + 1).value = "#DIV/0!"
        ws.cell(7, headers.index("Revised Date") + 1).value = "#VALUE!"
        ws.cell(7, headers.index("Sign-off Ready") + 1).value = "#REF!"
        assert ws.cell(6, headers.index("Status") + 1).data_type == "e"

    edited, second = _refreshed_then_edited(capsys, tmp_path, errors_over_results)
    _, out = _run(capsys, "refresh", str(edited), "--output", str(second), "--format", "json")
    changes = json.loads(out)["changes"]
    assert changes["summary"] == "Since the refresh as of 2026-06-30: nothing changed."
    assert changes["rows"] == []
