"""Writing the package through zipfile's public interface: parts not set copied with their
content unchanged, parts set written from their latest data, the read-back thread waited for."""

from __future__ import annotations

import threading
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from tests.writerbooks import build_book

from xl_milestones.errors import OutputError
from xl_milestones.io import package

PART = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    return {
        "outputs": build_book(folder / "outputs.xlsx", milestones=300),
        "no-outputs": build_book(folder / "bare.xlsx", milestones=300, outputs=False),
    }


def _rows(n: int, tag: bytes) -> list[bytes]:
    return [b'<row r="%d"><c r="A%d"><v>%s %d</v></c></row>' % (i, i, tag, i) for i in range(n)]


def test_a_part_set_again_is_written_from_its_latest_data(
    books: dict[str, Path], tmp_path: Path
) -> None:
    first, second = _rows(200, b"first"), _rows(300, b"second")
    dst = tmp_path / "out.xlsx"
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = package.Package(zin)
        try:
            pkg.set(PART, first)
            pkg.set(PART, second)
            pkg.set("xl/added.xml", first)
            pkg.write(dst)
        finally:
            pkg.close()
    with zipfile.ZipFile(dst) as zf:
        assert zf.testzip() is None
        assert zf.read(PART) == b"".join(second)
        assert zf.read("xl/added.xml") == b"".join(first)
        assert zf.getinfo("xl/added.xml").compress_type == zipfile.ZIP_DEFLATED


def test_copied_entries_keep_their_metadata_and_written_ones_are_deflated_fast(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """Written through zipfile's public interface: each entry not changed keeps its name,
    date, attributes, compression method and content; a part, copied or changed, is deflated
    at level 2."""
    dst = tmp_path / "out.xlsx"
    rows = _rows(2000, b"new")
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = package.Package(zin)
        try:
            pkg.set(PART, rows)
            pkg.write(dst)
        finally:
            pkg.close()

    def fields(zf: zipfile.ZipFile) -> list[tuple[object, ...]]:
        return [
            (i.filename, i.date_time, i.external_attr, i.compress_type)
            for i in zf.infolist()
            if i.filename != PART
        ]

    with zipfile.ZipFile(books["outputs"]) as a, zipfile.ZipFile(dst) as b:
        assert fields(a) == fields(b)
        assert b.testzip() is None
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        info = b.getinfo(PART)
        copied = [
            (i, a.read(i.filename), b.getinfo(i.filename))
            for i in a.infolist()
            if i.filename != PART and i.compress_type == zipfile.ZIP_DEFLATED
        ]
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size == _level2_size(b"".join(rows))
    assert copied
    for old, content, new in copied:
        assert new.CRC == old.CRC and new.file_size == len(content)
        assert new.compress_size == _level2_size(content), old.filename


def _level2_size(data: bytes) -> int:
    level2 = zlib.compressobj(2, zlib.DEFLATED, -15)
    return len(level2.compress(data) + level2.flush())


def test_no_thread_outlives_the_package(
    books: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh that fails before writing still waits for the read-back thread when the
    package closes: nothing of a refresh runs on beside the caller's next step."""
    started = threading.Event()

    def slow(*_args: object) -> None:
        started.set()
        time.sleep(0.3)

    monkeypatch.setattr(package, "check_sheet_reads", slow)
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = package.Package(zin)
        pkg.set(PART, _rows(10, b"x"))
        pkg.read_back_soon(PART, "Milestones")
        assert started.wait(5)
        pkg.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("xl-read-back")]


def _sheet(rows: list[bytes]) -> list[bytes]:
    ns = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return [ns + b"<sheetData>", *rows, b"</sheetData></worksheet>"]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Each worksheet the writer has read back, whole, in the order the checks ran."""
    seen: list[bytes] = []
    real = package.check_sheet_reads

    def spy(sheet, strings, name):  # type: ignore[no-untyped-def]
        pieces = list(sheet)
        seen.append(b"".join(pieces))
        real(pieces, strings, name)

    monkeypatch.setattr(package, "check_sheet_reads", spy)
    return seen


def _write_read_back(
    src: Path, out: Path, data: list[bytes], later: list[bytes] | None, reads: bool
) -> None:
    """Set the sheet to ``data``, have it read back, set it to ``later`` (if given) and write:
    the write succeeds when the sheet ``reads`` back, else raises the read-back's error."""
    with zipfile.ZipFile(src) as zin:
        pkg = package.Package(zin)
        try:
            pkg.set(PART, data)
            pkg.read_back_soon(PART, "Milestones")
            if later is not None:
                pkg.set(PART, later)
            if reads:
                pkg.write(out)
            else:
                with pytest.raises(OutputError, match="Milestones sheet of the new workbook"):
                    pkg.write(out)
        finally:
            pkg.close()


def test_a_sheet_set_again_after_its_read_back_began_is_read_back_again(
    books: dict[str, Path], tmp_path: Path, checked: list[bytes]
) -> None:
    first = _sheet([b'<row r="1"><c r="A1"><v>1</v></c></row>'])
    good = _sheet([b'<row r="1"><c r="A1"><v>2</v></c></row>'])
    bad = _sheet([b'<row r="1"><c r="A1" t="s"><v>99999</v></c></row>'])  # no such string
    for later in (good, bad):
        checked.clear()
        _write_read_back(books["outputs"], tmp_path / "out.xlsx", first, later, later is good)
        assert checked == [b"".join(first), b"".join(later)]


def test_a_large_part_waits_in_a_temporary_file_read_back_and_written_whole(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spooled from 1,000 bytes here (16 MB in use): the sheet is kept on disk, not as its
    # rows, read back and written from there, and the file goes when the package closes.
    monkeypatch.setattr(package, "_SPOOL_SIZE", 1000)
    rows = _sheet(_rows(2000, b"spooled")[1:])
    small = _rows(3, b"small")
    dst = tmp_path / "out.xlsx"
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = package.Package(zin)
        try:
            pkg.set(PART, rows)
            pkg.set("xl/added.xml", small)
            spooled = pkg.changed[PART]
            assert isinstance(spooled, package._Spool) and spooled.path.exists()
            assert spooled.size == len(b"".join(rows)) and pkg.read(PART) == b"".join(rows)
            pkg.read_back_soon(PART, "Milestones")
            pkg.write(dst)
        finally:
            pkg.close()
        assert not spooled.path.exists()
    with zipfile.ZipFile(dst) as zf:
        assert zf.read(PART) == b"".join(rows)
        assert zf.read("xl/added.xml") == b"".join(small)


def test_a_temporary_folder_that_cannot_take_the_spool_is_named_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A temporary folder that is not there: the message names it (the output's disk may have
    # room), rather than the output file.
    missing = tmp_path / "no-such-folder"
    monkeypatch.setattr(package.tempfile, "tempdir", str(missing))
    with pytest.raises(OutputError, match=f"cannot write a temporary file in {missing} "):
        package._Spool(_rows(10, b"x"))
    # A spool that fails half-written takes its file with it.
    monkeypatch.setattr(package.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(TypeError):
        package._Spool([b"<row/>" * 300_000, "not bytes"])  # type: ignore[list-item]
    assert list(tmp_path.iterdir()) == []
