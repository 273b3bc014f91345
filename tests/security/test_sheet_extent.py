"""Cells far out in a sheet: calamine makes one dense block from a sheet's first to its last
cell, so one value at XFD1048576 asked for hundreds of gigabytes and aborted the process (found
by the fuzz tests). The reader now measures a sheet's reach first and refuses it with one line.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factory import valid_sheets, write_workbook
from tests.security.hostile import run_capped
from tests.writerbooks import sheet_parts

from xl_milestones.core.schema import HOLIDAYS, MILESTONES
from xl_milestones.io.extent import MAX_CELLS, SheetExtent, SheetExtentError
from xl_milestones.io.xlsxparts import scan_sheet


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("good") / "good.xlsx", valid_sheets())


def moved(book: Path, out: Path, sheet: str, ref: str) -> Path:
    """``book`` with the second cell of row 2 of ``sheet`` moved to ``ref``."""
    part = sheet_parts(book)[sheet]
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data, n = re.subn(rb'<c r="B2"', f'<c r="{ref}"'.encode(), data, count=1)
                assert n == 1
            zout.writestr(info.filename, data)
    return out


@pytest.mark.parametrize(
    ("sheet", "ref", "message"),
    [
        (HOLIDAYS.name, "XFD1048577", "outside Excel's grid"),
        (MILESTONES.name, "XFD1048576", "block of more than 64 million cells"),
        (MILESTONES.name, "ZZZZ2", "outside Excel's grid"),
        (MILESTONES.name, "CV900000", "as far as CV900000"),
    ],
)
def test_a_far_cell_is_refused_in_one_line(
    book: Path, tmp_path: Path, sheet: str, ref: str, message: str
) -> None:
    far = moved(book, tmp_path / "far.xlsx", sheet, ref)
    for command in (
        ["validate", str(far)],
        ["refresh", str(far), "--output", str(tmp_path / "o.xlsx")],
    ):
        proc = run_capped("-m", "xl_milestones", *command, timeout=60)
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert proc.stderr.count("\n") == 1 and message in proc.stderr
        assert f"sheet '{sheet}'" in proc.stderr
    assert not (tmp_path / "o.xlsx").exists()


def test_a_wide_but_short_sheet_is_read(book: Path, tmp_path: Path) -> None:
    """Column CV (100) in row 200,000 is a block of 20 million cells: within the bound."""
    wide = moved(book, tmp_path / "wide.xlsx", HOLIDAYS.name, "CV200000")
    proc = run_capped("-m", "xl_milestones", "validate", str(wide), timeout=120)
    assert proc.returncode in (0, 1), proc.stderr


def test_the_scan_hands_the_whole_part_to_the_extent_after_a_mark() -> None:
    # One pass inflates the part for the scan and the extent: a formula in the first rows ends
    # the search for marks, but a far cell in the last chunk must still be seen.
    rows = [b'<row r="2"><c r="A2"><f>1+1</f></c></row>']
    rows += [b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(3, 300_000)]
    rows.append(b'<row r="300000"><c r="XFD300000"><v>1</v></c></row>')
    xml = b"<worksheet><sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"
    assert len(xml) > 8 * 1024 * 1024  # more than one chunk
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sheet.xml", xml)
    extent = SheetExtent()
    with zipfile.ZipFile(buf) as zf:
        scan = scan_sheet(zf, "sheet.xml", also=extent.feed)
    extent.finish()
    assert scan.errors == {(2, 0): "=1+1"}
    with pytest.raises(SheetExtentError, match="XFD300000"):
        extent.check()


def extent_of(*chunks: bytes) -> SheetExtent:
    e = SheetExtent()
    for c in chunks:
        e.feed(c)
    e.finish()
    return e


def test_a_reference_cut_between_chunks_is_still_seen() -> None:
    row = b'<row r="2"><c r="A2"><v>1</v></c><c r="XFD1048576"><v>1</v></c><c r="A999"/></row>'
    for cut in range(len(row) + 1):
        e = extent_of(row[:cut], row[cut:])
        assert (e.last_col, e.last_row) == (16384, 1048576), cut
        assert e.any_row >= 999


@pytest.mark.parametrize(
    ("cells", "block"),
    [
        (b'<c r="A2"/><c r="AL100001"/>', 61 * 100_001),  # narrow columns count as BI
        (b'<c r="A999999"/><c r="BZ1"/>', 78 * 999_999),
        (b'<c r="CV900000"/>', 100 * 900_000),
        (b'<c r="A1"/><c r="XFD5"/>', 16384 * 5),
        # Zeros in front make more digits, not a larger row: A99999 still sets the rows.
        (b'<c r="XFD1"/><c r="A99999"/><c r="A000001"/>', 16384 * 99_999),
        (b'<c r="XFD1"/><c r="A99999"/><c r="A0000001"/>', 16384 * 99_999),
    ],
)
def test_the_block_estimate(cells: bytes, block: int) -> None:
    e = extent_of(b'<sheetData><row r="1">' + cells + b"</row></sheetData>" + b" " * 64)
    assert e.cells == block
    if block > MAX_CELLS:
        with pytest.raises(SheetExtentError):
            e.check()
    else:
        e.check()


def test_a_far_row_of_cells_without_references(book: Path, tmp_path: Path) -> None:
    """Cells without an ``r`` take their row from the row tag: a row numbered four billion
    aborted the process the same way (found by probing after the fuzz finds)."""
    part = sheet_parts(book)[MILESTONES.name]
    out = tmp_path / "row.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                far_row = b'<row r="4294967295"><c><v>1</v></c></row></sheetData>'
                data = data.replace(b"</sheetData>", far_row)
            zout.writestr(info.filename, data)
    proc = run_capped("-m", "xl_milestones", "validate", str(out), timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert (
        proc.stderr.count("\n") == 1 and "row 4294967295 lies outside Excel's grid" in proc.stderr
    )


_REFERENCES = st.builds(
    lambda lead, letters, digits, tail: lead + b' r="' + letters + digits + tail,
    st.sampled_from([b"<c", b"<row", b"", b"x"]),
    st.sampled_from([b"", b"A", b"AZ", b"BI", b"BJ", b"CA", b"XFD", b"ABCD", b"a", b"\xff"]),
    st.one_of(
        st.just(b""),
        st.integers(0, 10**8).map(lambda n: str(n).encode()),
        st.sampled_from([b"000001", b"0000001", b"0099999", b"007"]),
    ),
    st.sampled_from([b'"', b"", b'" s="1"/>', b"A1", b" " * 16]),
)
_PIECES = st.lists(st.one_of(_REFERENCES, st.sampled_from([b" ", b'"', b"</c>"])), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_the_scan_by_reference_and_the_vectorised_scan_agree(pieces: list[bytes]) -> None:
    # Small sheets are scanned reference by reference (numpy is not imported for them), large
    # ones by numpy: both find the same references, in order, and the same last row.
    from xl_milestones.io.extent import _wide_or_long, _wide_or_long_vector

    buf = b"".join(pieces)
    assert _wide_or_long(buf) == _wide_or_long_vector(buf)


def test_reading_a_small_workbook_imports_no_numpy(book: Path) -> None:
    # numpy's import is about 90 ms of a small workbook's refresh; its sheets do without it.
    code = (
        "import sys; from xl_milestones.io.reader import read_workbook; "
        f"read_workbook({str(book)!r}); print('numpy' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
