"""Writing the package: big changed parts deflated in a worker thread while the refresh goes on,
written from their compressed bytes, exactly as zipfile would have written them."""

from __future__ import annotations

import shutil
import struct
import threading
import zipfile
from pathlib import Path

import pytest
from tests.writerbooks import build_book, sample_update, zip_parts

from xl_milestones.errors import OutputError
from xl_milestones.io import writer
from xl_milestones.io.atomic import replace_file

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


@pytest.mark.parametrize("name", ["outputs", "no-outputs"])
def test_the_file_is_byte_for_byte_what_zipfile_writes(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Every part over the (lowered) threshold is deflated ahead: changed sheets, and sheets
    added when the book has no output sheets. The whole file, headers included, is the same."""
    src = books[name]
    update = sample_update(list(range(2, 200)), payment_rows=400)
    monkeypatch.setattr(writer, "_BIG_PART", 1024)
    ahead = tmp_path / "ahead.xlsx"
    calls: list[int] = []
    real = writer._deflate

    def counted(chunks, level):  # type: ignore[no-untyped-def]
        calls.append(level)
        return real(chunks, level)

    monkeypatch.setattr(writer, "_deflate", counted)
    writer.apply_update(src, ahead, update, date1904=False)
    assert len(calls) >= 3 and set(calls) == {3}

    monkeypatch.setattr(writer._Package, "_deflate_soon", lambda *_args: None)
    plain = tmp_path / "plain.xlsx"
    writer.apply_update(src, plain, update, date1904=False)
    assert ahead.read_bytes() == plain.read_bytes()
    with zipfile.ZipFile(ahead) as zf:
        assert zf.testzip() is None


def test_a_part_set_again_is_written_from_its_latest_data(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "_BIG_PART", 1024)
    gate = threading.Event()
    real = writer._deflate
    seen: list[bytes] = []

    def slow(chunks, level):  # type: ignore[no-untyped-def]
        seen.append(chunks[1])
        assert gate.wait(10)
        return real(chunks, level)

    monkeypatch.setattr(writer, "_deflate", slow)
    first, second = _rows(200, b"first"), _rows(300, b"second")
    dst = tmp_path / "out.xlsx"
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = writer._Package(zin)
        try:
            pkg.set(PART, first)  # its deflation starts and waits at the gate
            pkg.set(PART, second)
            pkg.set("xl/added.xml", first)  # a new part, deflated ahead as well
            gate.set()
            pkg.write(dst)
        finally:
            pkg.close()
    assert seen[0] == first[1] and second[1] in seen
    with zipfile.ZipFile(dst) as zf:
        assert zf.testzip() is None
        assert zf.read(PART) == b"".join(second)
        assert zf.read("xl/added.xml") == b"".join(first)
        assert zf.getinfo("xl/added.xml").external_attr == 0o600 << 16  # as zipfile sets it
    assert len(seen) == 3


class Boom(Exception):
    pass


def test_an_error_in_the_worker_is_raised_by_the_write_and_nothing_is_replaced(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "book.xlsx"
    shutil.copyfile(books["outputs"], target)
    before = target.read_bytes()
    monkeypatch.setattr(writer, "_BIG_PART", 1024)

    def broken(chunks, level):  # type: ignore[no-untyped-def]
        raise Boom("deflate failed")

    monkeypatch.setattr(writer, "_deflate", broken)

    def build(tmp: Path) -> None:
        writer.apply_update(target, tmp, sample_update([2, 3, 4]), date1904=False)

    with pytest.raises(Boom, match="deflate failed"):
        replace_file(target, build, in_place=True)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_the_worker_stops_when_the_refresh_fails_before_writing(
    books: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "_BIG_PART", 1024)
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = writer._Package(zin)
        pkg.set(PART, _rows(200, b"x"))
        pool = pkg._pool
        assert pool is not None
        pkg.close()
        assert pkg._pool is None and not pkg._deflating
        with pytest.raises(RuntimeError):
            pool.submit(print)  # shut down


def test_sizes_past_the_zip64_limit_get_zip64_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local header and the central directory of a part written from its compressed bytes
    carry zip64 sizes when a size needs them (the limit is lowered to make one that does)."""
    data = b"".join(_rows(400, b"big"))
    done = writer._deflate([data], 3)
    dst = tmp_path / "z.zip"
    with monkeypatch.context() as m:
        m.setattr(zipfile, "ZIP64_LIMIT", len(data) - 1)
        assert done.compress_size < len(data) - 1 < done.file_size
        with zipfile.ZipFile(dst, "w", allowZip64=True) as zout:
            zout.writestr("small.txt", b"hello")
            zi = zipfile.ZipInfo(PART, date_time=(2026, 6, 30, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            writer._write_deflated(zout, zi, done)
            offset = zi.header_offset
    raw = dst.read_bytes()
    compress_size, file_size = struct.unpack("<II", raw[offset + 18 : offset + 26])
    assert (compress_size, file_size) == (0xFFFFFFFF, 0xFFFFFFFF)
    with zipfile.ZipFile(dst) as zf:
        assert zf.testzip() is None
        info = zf.getinfo(PART)
        assert (info.file_size, info.compress_size) == (done.file_size, done.compress_size)
        assert zf.read(PART) == data and zf.read("small.txt") == b"hello"


def test_a_deflated_part_reads_back_like_a_copied_one(
    books: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts not set are copied compressed as they were; the part set is the new data."""
    monkeypatch.setattr(writer, "_BIG_PART", 1024)
    rows = _rows(500, b"new")
    dst = tmp_path / "out.xlsx"
    with zipfile.ZipFile(books["outputs"]) as zin:
        pkg = writer._Package(zin)
        try:
            pkg.set(PART, rows)
            pkg.write(dst)
        finally:
            pkg.close()
    before, after = zip_parts(books["outputs"]), zip_parts(dst)
    assert after.pop(PART) == b"".join(rows)
    before.pop(PART)
    assert after == before


def _sheet(rows: list[bytes]) -> list[bytes]:
    ns = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return [ns + b"<sheetData>", *rows, b"</sheetData></worksheet>"]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Each worksheet the writer has read back, whole, in the order the checks ran."""
    seen: list[bytes] = []
    real = writer.check_sheet_reads

    def spy(sheet, strings, name):  # type: ignore[no-untyped-def]
        pieces = list(sheet)
        seen.append(b"".join(pieces))
        real(pieces, strings, name)

    monkeypatch.setattr(writer, "check_sheet_reads", spy)
    return seen


def _write_read_back(
    src: Path, out: Path, data: list[bytes], later: list[bytes] | None, reads: bool
) -> None:
    """Set the sheet to ``data``, have it read back, set it to ``later`` (if given) and write:
    the write succeeds when the sheet ``reads`` back, else raises the read-back's error."""
    with zipfile.ZipFile(src) as zin:
        pkg = writer._Package(zin)
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
