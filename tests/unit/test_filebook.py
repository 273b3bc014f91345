"""FileBook: the file adapter of the command line, reading with the reader and writing with
apply_update through the atomic replace."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from tests.factory import valid_sheets, write_workbook
from tests.writerbooks import sample_update, stale_dimension

from xl_milestones.book import Book
from xl_milestones.core.schema import MILESTONES, REFRESH_LOG
from xl_milestones.errors import OutputError, UsageError
from xl_milestones.io.atomic import backup_path, lock_path
from xl_milestones.io.filebook import FileBook


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "book.xlsx", valid_sheets())


def rows_of(book: FileBook) -> list[int]:
    return book.read().tables[MILESTONES.key].rows


def test_is_a_book(src: Path) -> None:
    book: Book = FileBook(src)
    assert book.name == "book.xlsx"


def test_write_in_place_keeps_a_backup(src: Path) -> None:
    original = src.read_bytes()
    book = FileBook(src)
    book.write(sample_update(rows_of(book)))
    assert backup_path(src).read_bytes() == original
    ws = openpyxl.load_workbook(src)[MILESTONES.name]
    heads = [c.value for c in ws[1]]
    assert ws.cell(2, heads.index("Status") + 1).value == "Not started"
    # The reader reads the refreshed file with its new columns, inputs unchanged.
    again = FileBook(src).read()
    assert again.tables[MILESTONES.key].values["milestone_id"] == [
        "M-001",
        "M-002",
        "M-003",
        "M-101",
    ]


def test_write_to_an_output_never_touches_the_input(src: Path, tmp_path: Path) -> None:
    original = src.read_bytes()
    stamp = src.stat().st_mtime_ns
    out = tmp_path / "out.xlsx"
    book = FileBook(src, output=out)
    assert not book.in_place
    book.write(sample_update(rows_of(book)))
    assert src.read_bytes() == original and src.stat().st_mtime_ns == stamp
    assert not backup_path(src).exists() and not backup_path(out).exists()
    assert openpyxl.load_workbook(out)[REFRESH_LOG.name]["D2"].value == 4


def test_an_output_naming_the_input_is_refused(src: Path) -> None:
    before = src.read_bytes()
    link = src.parent / "link.xlsx"
    link.symlink_to(src.name)
    hard = src.parent / "hard.xlsx"
    os.link(src, hard)
    for output in (src, src.parent / "." / src.name, link, hard):
        book = FileBook(src, output=output)
        with pytest.raises(UsageError, match=r"itself.*leave --output out"):
            book.read()
        with pytest.raises(UsageError, match="itself"):
            book.write(sample_update([2]))
    assert src.read_bytes() == before and not backup_path(src).exists()


def test_two_writes_do_not_add_columns_twice(src: Path) -> None:
    book = FileBook(src)
    rows = rows_of(book)
    book.write(sample_update(rows))
    book.write(sample_update(rows))
    heads = [c.value for c in openpyxl.load_workbook(src)[MILESTONES.name][1]]
    assert len(heads) == len(set(heads))
    assert openpyxl.load_workbook(src)[REFRESH_LOG.name].max_row == 3


def test_a_lock_file_refuses_in_place_only(src: Path, tmp_path: Path) -> None:
    lock_path(src).write_text("owner")
    book = FileBook(src)
    update = sample_update(rows_of(book))
    before = src.read_bytes()
    with pytest.raises(OutputError, match="open in Excel"):
        book.write(update)
    assert src.read_bytes() == before
    FileBook(src, output=tmp_path / "out.xlsx").write(update)
    assert (tmp_path / "out.xlsx").exists()


def test_a_file_changed_since_it_was_read_is_not_overwritten(src: Path, tmp_path: Path) -> None:
    book = FileBook(src)
    update = sample_update(rows_of(book))
    shutil.copyfile(write_workbook(tmp_path / "other.xlsx", valid_sheets()), src)
    os.utime(src, ns=(1, 1))
    changed = src.read_bytes()
    with pytest.raises(OutputError, match="changed while"):
        book.write(update)
    assert src.read_bytes() == changed


def test_write_without_read_finds_the_layout_itself(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    FileBook(src, output=out).write(sample_update([2, 3, 4, 5]))
    ws = openpyxl.load_workbook(out)[MILESTONES.name]
    heads = [c.value for c in ws[1]]
    assert ws.cell(5, heads.index("Days Late") + 1).value == -3


def test_a_milestones_sheet_that_does_not_read_back_is_never_moved_into_place(
    src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The new Milestones XML is read back while the rest of the file is written: a cell that
    # points past the shared strings fails that check, and the file stays as it was.
    from xl_milestones.io import package, sheet_edit, sheet_rewrite
    from xl_milestones.io.atomic import check_sheet_reads

    rewrite = sheet_rewrite.SheetRewriter.rewrite

    def broken(self: sheet_rewrite.SheetRewriter, edit: object) -> sheet_edit.RewriteResult:
        result = rewrite(self, edit)  # type: ignore[arg-type]
        if edit.bulk is not None:  # type: ignore[attr-defined]
            bad = b'<row r="99999"><c r="A99999" t="s"><v>99999</v></c></row></sheetData>'
            result.chunks[-1] = result.chunks[-1].replace(b"</sheetData>", bad, 1)
        return result

    monkeypatch.setattr(sheet_rewrite.SheetRewriter, "rewrite", broken)
    checked: list[str] = []

    def check(sheet: list[bytes], strings: bytes | None, name: str) -> None:
        checked.append(name)
        check_sheet_reads(sheet, strings, name)

    monkeypatch.setattr(package, "check_sheet_reads", check)
    original = src.read_bytes()
    book = FileBook(src)
    with pytest.raises(OutputError, match="could not be read back"):
        book.write(sample_update(rows_of(book)))
    assert checked == [MILESTONES.name]  # by the writer, before the file was complete
    assert src.read_bytes() == original
    assert not backup_path(src).exists()
    assert sorted(p.name for p in src.parent.iterdir()) == ["book.xlsx"]


def test_new_result_columns_go_past_a_cell_a_stale_dimension_leaves_out(
    src: Path, tmp_path: Path
) -> None:
    # A note in an unlabelled column right of Milestones' headers, in a sheet whose
    # <dimension> a program left at A1: the result columns the refresh adds start after the
    # note's column, found by the cells, and the note is kept.
    wb = openpyxl.load_workbook(src)
    ws = wb[MILESTONES.name]
    before = [c.value for c in ws[1]]
    note_col = len(before) + 2
    ws.cell(3, note_col, "ask the PM")
    noted = tmp_path / "noted.xlsx"
    wb.save(noted)
    stale = tmp_path / "stale.xlsx"
    stale_dimension(noted, stale, MILESTONES.name)
    book = FileBook(stale, output=tmp_path / "out.xlsx")
    book.write(sample_update(rows_of(book)))
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")[MILESTONES.name]
    assert out.cell(3, note_col).value == "ask the PM"
    heads = [c.value for c in out[1]]
    assert heads[: len(before)] == before
    assert heads[len(before) : note_col] == [None, None]  # the gap column and the note's
    assert heads[note_col] in {f.header for f in MILESTONES.results}
