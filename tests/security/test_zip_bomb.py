"""Zip bombs and broken zip packages: refused before any parser inflates them, quickly, with exit
code 2 and a one-line message; the bounds can be raised for a genuine workbook."""

from __future__ import annotations

import time
import zipfile
import zlib
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.security.hostile import run_capped
from tests.security.zipcraft import Entry, deflated, entries_of, write_zip, zeros_entry
from tests.writerbooks import sample_update, sheet_parts

from xl_milestones import cli
from xl_milestones.core.schema import MILESTONES
from xl_milestones.errors import UsageError, WorkbookError
from xl_milestones.io.filebook import FileBook
from xl_milestones.io.reader import read_workbook
from xl_milestones.io.safety import (
    DEFAULT_MAX_PARTS,
    ENV_MAX_PARTS,
    ENV_MAX_UNCOMPRESSED,
    Limits,
    check_package,
    limits_from_env,
    parse_size,
)

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("good") / "good.xlsx", valid_sheets())


def with_part(book: Path, out: Path, entry: Entry) -> Path:
    """``book`` with one part replaced by ``entry`` (or added, when it has a new name)."""
    entries = entries_of(book, skip=[entry.name])
    return write_zip(out, [*entries, entry])


def milestones_part(book: Path) -> str:
    return sheet_parts(book)[MILESTONES.name]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().err


def test_the_project_s_own_workbooks_pass(book: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "workbook"
    for path in [book, *sorted(root.glob("*.xlsm"))]:
        check_package(path)


def test_five_gigabytes_of_zeros_are_refused_at_once(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = with_part(
        book,
        tmp_path / "bomb.xlsx",
        zeros_entry(milestones_part(book), 5 * 1024, prefix=SHEET_HEAD),
    )
    assert bomb.stat().st_size < 8 << 20  # megabytes on disk
    start = time.perf_counter()
    code, err = run_cli(capsys, "validate", str(bomb))
    assert code == 2
    assert err.count("\n") == 1 and "zip bomb" in err and milestones_part(book) in err
    assert "5.0 GB" in err and "Traceback" not in err
    out = tmp_path / "out.xlsx"
    code, err = run_cli(capsys, "refresh", str(bomb), "--output", str(out))
    assert code == 2 and "zip bomb" in err and not out.exists()
    assert time.perf_counter() - start < 2.0
    with pytest.raises(WorkbookError, match="zip bomb"):
        read_workbook(bomb)


@pytest.mark.slow
def test_a_bomb_refused_in_a_process_with_little_memory(book: Path, tmp_path: Path) -> None:
    """End to end in a real process whose address space could not hold the inflated part."""
    bomb = with_part(
        book,
        tmp_path / "bomb.xlsx",
        zeros_entry(milestones_part(book), 5 * 1024, prefix=SHEET_HEAD),
    )
    for args in (["validate", str(bomb)], ["refresh", str(bomb)]):
        start = time.perf_counter()
        proc = run_capped("-m", "xl_milestones", *args, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "zip bomb" in proc.stderr
        assert time.perf_counter() - start < 20
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.bak"))


@pytest.mark.slow
@pytest.mark.parametrize("part", ["sheet", "xl/sharedStrings.xml"])
def test_a_part_inflating_past_its_declared_size_is_stopped(
    book: Path, tmp_path: Path, part: str
) -> None:
    """A part that declares a few kilobytes but inflates to 3 GB passes the package check (which
    trusts the directory); both zip readers stop at the declared size, so it ends in an error."""
    name = milestones_part(book) if part == "sheet" else part
    lying = zeros_entry(name, 3 * 1024, prefix=SHEET_HEAD)
    lying.size = 5000
    bomb = with_part(book, tmp_path / "lying.xlsx", lying)
    check_package(bomb)
    start = time.perf_counter()
    proc = run_capped("-m", "xl_milestones", "validate", str(bomb), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    assert time.perf_counter() - start < 20


def test_many_small_parts_past_the_total_are_refused(book: Path, tmp_path: Path) -> None:
    """Each part is below the ratio floor; together they inflate past the total bound."""
    parts = [zeros_entry(f"xl/media/image{i}.bin", 4) for i in range(300)]
    bomb = write_zip(tmp_path / "many.xlsx", [*entries_of(book), *parts])
    with pytest.raises(WorkbookError, match=r"inflate to more than 1\.0 GB.*XL_MILESTONES_MAX"):
        check_package(bomb)
    check_package(bomb, Limits(max_uncompressed=2 << 30))


def test_the_total_bound_comes_from_the_environment(
    book: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_MAX_UNCOMPRESSED, "20K")
    assert limits_from_env().max_uncompressed == 20 * 1024
    code, err = run_cli(capsys, "validate", str(book))
    assert code == 2 and "more than 20 KB" in err and err.count("\n") == 1
    monkeypatch.setenv(ENV_MAX_UNCOMPRESSED, "lots")
    code, err = run_cli(capsys, "validate", str(book))
    assert code == 2 and f"{ENV_MAX_UNCOMPRESSED}='lots' is not a size" in err
    monkeypatch.setenv(ENV_MAX_UNCOMPRESSED, "4G")
    code, _err = run_cli(capsys, "validate", str(book))
    assert code == 0


@pytest.mark.parametrize(
    ("text", "size"),
    [("123", 123), ("2G", 2 << 30), ("512M", 512 << 20), ("1.5GB", 3 << 29), ("64 KiB", 65536)],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "-1", "0", "2X", "G"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_bad_part_limit() -> None:
    with pytest.raises(UsageError, match=ENV_MAX_PARTS):
        limits_from_env({ENV_MAX_PARTS: "many"})
    assert limits_from_env({ENV_MAX_PARTS: "50"}).max_parts == 50


def test_a_genuine_repetitive_part_passes(book: Path, tmp_path: Path) -> None:
    """A million empty formatted rows, the most repetitive sheet Excel writes, inflate about 29
    times: above the ratio floor, well within the ratio bound."""
    rows = b"".join(
        b'<row r="%d" spans="1:20" s="3" customFormat="1" ht="15" customHeight="1"/>' % r
        for r in range(1, 300_001)
    )
    entry = deflated("xl/worksheets/sheet99.xml", SHEET_HEAD[:-29] + rows + b"</sheetData>")
    assert entry.size > 16 << 20 and entry.size / entry.compressed_size > 20
    check_package(with_part(book, tmp_path / "rows.xlsx", entry))


def test_too_many_parts(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empties = [deflated(f"xl/media/e{i}.bin", b"") for i in range(DEFAULT_MAX_PARTS)]
    many = write_zip(tmp_path / "parts.xlsx", [*entries_of(book), *empties])
    start = time.perf_counter()
    code, err = run_cli(capsys, "validate", str(many))
    assert code == 2 and "more than the 10,000" in err and err.count("\n") == 1
    assert time.perf_counter() - start < 3
    # The end record may understate the count; the directory itself is counted too.
    lying = write_zip(tmp_path / "lying.xlsx", [*entries_of(book), *empties], declared_count=9)
    with pytest.raises(WorkbookError, match="parts, more than"):
        check_package(lying)


def test_overlapping_parts_are_refused(book: Path, tmp_path: Path) -> None:
    """Many directory entries sharing one compressed kernel: the overlapping-file bomb."""
    kernel = zeros_entry("xl/media/kernel.bin", 3)
    clones = [
        Entry(f"xl/media/clone{i}.bin", b"", kernel.crc, kernel.size, alias=kernel.name)
        for i in range(50)
    ]
    for c in clones:
        c.raw = kernel.raw
    bomb = write_zip(tmp_path / "overlap.xlsx", [*entries_of(book), kernel, *clones])
    with pytest.raises(WorkbookError, match="overlap inside the zip"):
        check_package(bomb)


def _raw(name: str, data: bytes, **kw: object) -> Entry:
    e = deflated(name, data)
    for k, v in kw.items():
        setattr(e, k, v)
    return e


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_raw("xl/media/x.bin", b"data" * 10, flags=1), "encrypted inside the zip"),
        (_raw("xl/media/x.bin", b"data" * 10, method=12), "zip method 12"),
        (_raw("xl/media/x.bin", b"data" * 10, local_size=7), "declares two different sizes"),
        (
            Entry("xl/media/x.bin", b"stored", zlib.crc32(b"stored"), 600, method=0),
            "declares two different sizes",
        ),
    ],
)
def test_parts_no_spreadsheet_program_writes(
    book: Path, tmp_path: Path, entry: Entry, message: str
) -> None:
    with pytest.raises(WorkbookError, match=message) as info:
        check_package(with_part(book, tmp_path / "odd.xlsx", entry))
    assert str(tmp_path / "odd.xlsx") in str(info.value) and "\n" not in str(info.value)


def test_two_parts_with_one_name(book: Path, tmp_path: Path) -> None:
    """Readers disagree on which of two same-named parts counts: one could be validated and
    the other written back."""
    name = milestones_part(book)
    with zipfile.ZipFile(book) as zf:
        other = zf.read(name)
    twice = write_zip(tmp_path / "twice.xlsx", [*entries_of(book), deflated(name.upper(), other)])
    with pytest.raises(WorkbookError, match="two parts named"):
        check_package(twice)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.999])
def test_a_file_cut_short(
    book: Path, tmp_path: Path, keep: float, capsys: pytest.CaptureFixture[str]
) -> None:
    data = book.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: int(len(data) * keep)])
    code, err = run_cli(capsys, "validate", str(cut))
    assert code == 2 and "damaged" in err and err.count("\n") == 1
    assert "internal error" not in err


def test_the_writer_checks_a_source_it_did_not_read(book: Path, tmp_path: Path) -> None:
    bomb = with_part(
        book, tmp_path / "bomb.xlsx", zeros_entry(milestones_part(book), 2048, prefix=SHEET_HEAD)
    )
    out = tmp_path / "out.xlsx"
    with pytest.raises(WorkbookError, match="zip bomb"):
        FileBook(bomb, output=out).write(sample_update([2, 3]))
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))
