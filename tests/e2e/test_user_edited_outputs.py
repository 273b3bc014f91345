"""Output sheets as users leave them between refreshes: a table sorted and filtered in Excel.

A refresh replaces every row of an output table, so a filter's hidden rows and a saved sort
describe rows that are no longer there: the refresh shows every new row and clears them."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.filters import FilterColumn, Filters, SortCondition, SortState
from tests.tools import run_cli

from xl_milestones.core.schema import MILESTONES, PAYMENT_SCHEDULE, VALIDATION

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
AS_OF = "2026-06-30"

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="the sample workbook is not built")


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample after a refresh: every output sheet filled."""
    book = tmp_path_factory.mktemp("edited") / "refreshed.xlsm"
    shutil.copyfile(SAMPLE, book)
    from xl_milestones.cli import main

    assert main(["refresh", str(book), "--as-of", AS_OF]) == 0
    return book


def _copy(refreshed: Path, tmp_path: Path) -> tuple[Path, openpyxl.Workbook]:
    """A copy of the refreshed sample to edit, and the copy opened to edit it."""
    book = tmp_path / "book.xlsm"
    shutil.copyfile(refreshed, book)
    return book, openpyxl.load_workbook(book, keep_vba=True)


def _rows(book: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(book)[PAYMENT_SCHEDULE.name]
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]


def test_a_sorted_and_filtered_payment_schedule_shows_every_new_row(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As Excel leaves it: rows sorted by Contract ID, Z to A, then filtered to one contract,
    # the other rows hidden, the sort and the filter saved in the table part.
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    ws = wb[PAYMENT_SCHEDULE.name]
    table = next(iter(ws.tables.values()))
    heads = [c.value for c in ws[1]]
    col = heads.index("Contract ID")
    rows = sorted(
        ([c.value for c in row] for row in ws.iter_rows(min_row=2)),
        key=lambda r: str(r[col]),
        reverse=True,
    )
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
        ws.row_dimensions[r].hidden = values[col] != "C-003"
    last = len(rows) + 1
    table.autoFilter.filterColumn = [FilterColumn(colId=col, filters=Filters(filter=["C-003"]))]
    table.autoFilter.sortState = SortState(
        ref=f"A2:U{last}", sortCondition=[SortCondition(ref=f"B2:B{last}", descending=True)]
    )
    book = tmp_path / "book.xlsm"
    wb.save(book)
    out = tmp_path / "out.xlsm"
    code, _out, err = run_cli(capsys, "refresh", str(book), "--as-of", AS_OF, "--output", str(out))
    assert code == 0, err

    # The rows are the refresh's own, in its order, and none of them is hidden: the old
    # hidden rows would now hide other contracts' months under a filter naming C-003.
    assert _rows(out) == _rows(refreshed)
    ws = openpyxl.load_workbook(out)[PAYMENT_SCHEDULE.name]
    assert [r for r in range(2, last + 1) if ws.row_dimensions[r].hidden] == []
    name = f'displayName="{table.displayName}"'.encode()
    with zipfile.ZipFile(out) as z:
        tables = [z.read(n) for n in z.namelist() if n.startswith("xl/tables/")]
    (xml,) = [t for t in tables if name in t]
    assert b"<autoFilter" in xml  # the filter buttons stay
    assert b"filterColumn" not in xml and b"sortState" not in xml


def test_a_validation_list_that_shrinks_leaves_no_tall_empty_rows(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Twenty milestones name a contract that does not exist: twenty errors whose messages
    # wrap, so their rows get taller. Put right, the list is one row again, and the rows below
    # it lost those heights, where they stayed as tall empty rows.
    book = tmp_path / "book.xlsm"
    shutil.copyfile(refreshed, book)
    ids = [c.value for c in openpyxl.load_workbook(book)[MILESTONES.name]["B"][1:21]]
    for contracts in (["C-999 (closed and removed from the Contracts sheet)"] * 20, ids):
        wb = openpyxl.load_workbook(book, keep_vba=True)
        for r, contract in enumerate(contracts, start=2):
            wb[MILESTONES.name].cell(r, 2).value = contract
        wb.save(book)
        run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
        ws = openpyxl.load_workbook(book)[VALIDATION.name]
        if contracts != ids:
            assert ws.max_row > 20 and (ws.row_dimensions[20].height or 0) >= 30
    assert next(iter(ws.tables.values())).ref == "A1:H2"
    assert ws["H2"].value == f"No problems found, as of {AS_OF}."
    assert [r for r in range(3, 40) if ws.row_dimensions[r].height is not None] == []


def test_a_dashboard_block_that_shrinks_keeps_the_frame_of_its_rows(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # All but the first seven milestones deleted: the monthly block is six months shorter.
    # The rows it no longer fills keep the template's frame (borders) as the rows below them
    # do, and as a first refresh of the same rows leaves them, where they lost every cell.
    book, wb = _copy(refreshed, tmp_path)
    ws = wb[MILESTONES.name]
    table = ws.tables["tblMilestones"]
    ws.delete_rows(9, ws.max_row)
    table.ref = table.ref.rsplit(":", 1)[0] + ":AN8"
    wb.save(book)
    run_cli(capsys, "refresh", str(book), "--as-of", AS_OF)
    dash = openpyxl.load_workbook(book)["Dashboard"]
    months = [r for r in range(5, dash.max_row + 1) if dash.cell(r, 7).value is not None]
    assert months[-1] < 25 and dash.max_row == 28

    def frame(r: int, c: int) -> tuple[object, ...]:
        b = dash.cell(r, c).border
        return tuple(
            (side.style, side.color.rgb if side.color else None)
            for side in (b.left, b.right, b.top, b.bottom)
        )

    assert frame(28, 7)[0] == ("thin", "FFD9D9D9")
    for r in range(months[-1] + 1, 28):
        for c in range(7, 14):
            assert dash.cell(r, c).value is None
            assert frame(r, c) == frame(28, c), (r, c)


def test_a_renamed_result_header_is_warned_of_not_left_stale_in_silence(
    refreshed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Status renamed "Milestone Status" after a refresh: its column is a column of the user's
    # now, which no refresh updates, and a refresh adds a new Status column after the last.
    book, wb = _copy(refreshed, tmp_path)
    ws = wb[MILESTONES.name]
    (cell,) = [c for c in ws[1] if c.value == "Status"]
    cell.value = "Milestone Status"
    table = ws.tables["tblMilestones"]
    table.tableColumns[cell.column - 1].name = "Milestone Status"
    wb.save(book)
    code, out, _err = run_cli(capsys, "validate", str(book), "--format", "json")
    import json

    (found,) = [i for i in json.loads(out)["issues"] if i["code"] == "result-column-missing"]
    assert (found["sheet"], found["row"], found["cell"]) == ("Milestones", 1, None)
    assert found["message"].startswith(
        "the sheet has no Status column, which a refresh writes: the refresh adds it after the "
        "last column; if a column of yours is one renamed, give it back its header"
    )
    assert code == 0  # a warning
    # The sample's first refresh (its Refresh Log empty) and a second refresh with every
    # result column in place say nothing of the kind.
    for clean in (SAMPLE, refreshed):
        _code, out, _err = run_cli(capsys, "validate", str(clean), "--format", "json")
        assert "result-column-missing" not in out
