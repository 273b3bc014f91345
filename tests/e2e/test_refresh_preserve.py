"""A refresh of the committed sample workbook keeps everything it does not own: every zip part
before and after is compared, and every input cell keeps its value, type and style."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from tests.tools import ooxml_validate
from tests.writerbooks import sheet_parts, style_of, zip_parts

from xl_milestones.actions import refresh
from xl_milestones.core.schema import MILESTONES, OUTPUT_SHEETS, sheet_by_name
from xl_milestones.io.atomic import backup_path
from xl_milestones.io.filebook import FileBook

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
NOW = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="the sample workbook is not built")


def owned(path: Path) -> set[str]:
    """The parts a refresh may change, worked out from the package itself: the Milestones and
    output sheets, the tables on them, charts, styles, and the workbook part with its
    relationships and content types (which change only when an output sheet is added)."""
    parts = zip_parts(path)
    sheets = sheet_parts(path)
    out = {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    for name, part in sheets.items():
        sheet = sheet_by_name(name)
        if sheet is MILESTONES or sheet in OUTPUT_SHEETS:
            out.add(part)
            rels = parts.get(part.replace("worksheets/", "worksheets/_rels/") + ".rels", b"")
            for target in re.findall(rb'Target="\.\./tables/([^"]+)"', rels):
                out.add("xl/tables/" + target.decode())
    out |= {n for n in parts if n.startswith("xl/charts/chart")}
    return out


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the sample as it was, the sample refreshed in place)."""
    folder = tmp_path_factory.mktemp("sample")
    book = folder / SAMPLE.name
    shutil.copyfile(SAMPLE, book)
    refresh(FileBook(book), today=dt.date(2026, 6, 30), now=NOW)
    assert backup_path(book).read_bytes() == SAMPLE.read_bytes()
    before = folder / "before.xlsm"  # openpyxl opens only workbook extensions, not .bak
    shutil.copyfile(backup_path(book), before)
    return before, book


def test_only_owned_parts_differ(refreshed: tuple[Path, Path]) -> None:
    before, after = refreshed
    a, b = zip_parts(before), zip_parts(after)
    assert list(a) == list(b)  # no part added, removed or reordered
    changed = {n for n in a if a[n] != b[n]}
    assert changed <= owned(before), changed - owned(before)
    # What must never change, named: the VBA project, the ribbon and its relationship, shared
    # strings, the theme, document properties, the drawing anchors, and every input sheet.
    for name in ("xl/vbaProject.bin", "customUI/customUI.xml", "_rels/.rels"):
        assert b[name] == a[name], name
    for name in ("xl/sharedStrings.xml", "xl/theme/theme1.xml", "docProps/app.xml"):
        assert b[name] == a[name], name
    for name in (n for n in a if n.startswith("xl/drawings/")):
        assert b[name] == a[name], name
    for sheet, part in sheet_parts(before).items():
        schema = sheet_by_name(sheet)
        if schema is not MILESTONES and schema not in OUTPUT_SHEETS:
            assert b[part] == a[part], sheet
    # The refresh did write: the Milestones sheet and the Dashboard changed.
    parts = sheet_parts(before)
    assert parts[MILESTONES.name] in changed and parts["Dashboard"] in changed


def _formats(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[str, list[object]]]:
    return sorted(
        (
            str(cf.sqref),
            [(r.type, r.priority, r.dxfId, tuple(r.formula or ())) for r in cf.rules],
        )
        for cf in ws.conditional_formatting
    )


def test_every_input_cell_keeps_value_type_and_style(refreshed: tuple[Path, Path]) -> None:
    before, after = refreshed
    a = openpyxl.load_workbook(before)
    b = openpyxl.load_workbook(after)
    results = {f.header for f in MILESTONES.results}
    checked = 0
    for ws in a.worksheets:
        schema = sheet_by_name(ws.title)
        if schema in OUTPUT_SHEETS:
            continue
        skip: set[int] = set()
        header_row = 0
        if schema is MILESTONES:
            table = next(iter(ws.tables.values()))
            header_row = openpyxl.utils.cell.range_boundaries(table.ref)[1]
            skip = {c.column for c in ws[header_row] if c.value in results}
        twin = b[ws.title]
        assert (twin.max_row, twin.max_column) == (ws.max_row, ws.max_column), ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.column in skip and cell.row > header_row:
                    continue
                other = twin.cell(cell.row, cell.column)
                where = f"{ws.title}!{cell.coordinate}"
                assert (other.value, other.data_type) == (cell.value, cell.data_type), where
                assert style_of(other) == style_of(cell), where
                checked += 1
        assert twin.data_validations.dataValidation == ws.data_validations.dataValidation
        assert _formats(twin) == _formats(ws), ws.title
    assert checked > 1000
    assert [n for n in b.defined_names] == [n for n in a.defined_names]


def test_results_are_written_and_the_file_is_valid(refreshed: tuple[Path, Path]) -> None:
    _before, after = refreshed
    ws = openpyxl.load_workbook(after)[MILESTONES.name]
    table = next(iter(ws.tables.values()))
    _first, header, _last, bottom = openpyxl.utils.cell.range_boundaries(table.ref)
    heads = {c.value: c.column for c in ws[header]}
    statuses = [ws.cell(r, heads["Status"]).value for r in range(header + 1, bottom + 1)]
    assert all(statuses) and len(statuses) > 50
    assert ooxml_validate(after) == []


def test_a_refresh_again_changes_only_the_log_and_the_dashboard_time(
    refreshed: tuple[Path, Path], tmp_path: Path
) -> None:
    _before, after = refreshed
    parts = sheet_parts(after)
    log_rels = zip_parts(after)[
        parts["Refresh Log"].replace("worksheets/", "worksheets/_rels/") + ".rels"
    ]
    log_table = "xl/tables/" + re.search(rb"tables/([^\"]+)", log_rels).group(1).decode()
    # The second refresh also says on the Changes sheet that it compared ("nothing changed"
    # where the first said "First refresh"); from then on only the log and the time move.
    previous, changes = after, {parts["Changes"]}
    for hours in (1, 2):
        book = tmp_path / f"{hours}-{after.name}"
        shutil.copyfile(previous, book)
        now = NOW + dt.timedelta(hours=hours)
        refresh(FileBook(book), today=dt.date(2026, 6, 30), now=now)
        changed = {n for n, d in zip_parts(book).items() if zip_parts(previous)[n] != d}
        assert changed == {parts["Refresh Log"], log_table, parts["Dashboard"]} | changes
        with zipfile.ZipFile(book) as zf:
            assert now.strftime("refreshed %Y-%m-%d %H:%M").encode() in zf.read(parts["Dashboard"])
        previous, changes = book, set()


def test_row_heights_the_user_set_on_milestones_stay(tmp_path: Path) -> None:
    """Heights of whole lines (30, 45 points) a user gave Milestones rows are theirs, not an
    earlier refresh's: the refresh keeps them, where it took them for its own and removed
    them from rows whose results need one line (or cut 45 to the 30 two lines need)."""
    book = tmp_path / "book.xlsx"
    wb = openpyxl.load_workbook(SAMPLE.with_suffix(".xlsx"))
    ws = wb[MILESTONES.name]
    heights = {2: 60.0, 3: 30.0, 4: 45.0}
    for row, height in heights.items():
        ws.row_dimensions[row].height = height
    wb.save(book)
    refresh(FileBook(book), today=dt.date(2026, 6, 30), now=NOW)
    ws = openpyxl.load_workbook(book)[MILESTONES.name]
    assert {row: ws.row_dimensions[row].height for row in heights} == heights
    # A row the refresh sized for its wrapped text is sized so still.
    assert ws.row_dimensions[5].height == 30


def test_refreshes_between_openpyxl_saves_do_not_grow_the_styles(tmp_path: Path) -> None:
    # A script edits the workbook with openpyxl between refreshes (a Baseline Date made text,
    # then put back): openpyxl writes styles.xml in its own spelling, with a custom #,##0 as
    # built-in 3, and each refresh appended its derived styles once more.
    book = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, book)
    counts = []
    for n in range(4):
        refresh(FileBook(book), today=dt.date(2026, 6, 30), now=NOW)
        styles = zip_parts(book)["xl/styles.xml"]
        counts.append(int(re.search(rb'<cellXfs count="(\d+)"', styles).group(1)))
        wb = openpyxl.load_workbook(book, keep_vba=True)
        wb[MILESTONES.name]["G5"].value = "next week" if n % 2 == 0 else dt.datetime(2025, 12, 1)
        wb.save(book)
    assert counts[1] == counts[3], counts
