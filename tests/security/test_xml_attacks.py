"""XML attacks inside a workbook: entity expansion (billion laughs, quadratic blow-up) and
external entities, in every kind of part, through every reader the project uses.

The package check refuses any part with a DTD before a parser runs; beneath it each reader is
tried on its own (the check switched off) and must refuse the part or read it without expanding
anything, within seconds and in a process whose memory is capped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.security.hostile import (
    PAYLOADS,
    ROOT,
    hostile_copy,
    poison,
    read_report,
    run_capped,
    targets,
)

from xl_milestones.errors import WorkbookError
from xl_milestones.io.safety import check_package

READERS = ROOT / "tests" / "security" / "readers.py"
SECONDS = 10.0
PARTS = ("sharedStrings", "sheet", "workbook", "content-types", "styles", "table")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("good") / "good.xlsx", valid_sheets())


def test_openpyxl_uses_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.slow
@pytest.mark.parametrize("kind", PARTS)
def test_every_reader_refuses_or_reads_safely(book: Path, tmp_path: Path, kind: str) -> None:
    part, spot = targets(book)[kind]
    books = [
        hostile_copy(book, tmp_path / f"{kind}-{name}.xlsx", part, spot, payload)
        for name, payload in PAYLOADS.items()
    ]
    reports = read_report(run_capped(str(READERS), str(tmp_path), *map(str, books)))
    assert reports["openpyxl"]["defusedxml"]["ok"] is True
    for hostile in books:
        report = reports[str(hostile)]
        for reader, outcome in report.items():
            where = f"{hostile.name} / {reader}: {outcome}"
            assert outcome["seconds"] < SECONDS, where
            if outcome["ok"] and not reader.startswith("cli"):
                assert outcome["found"] is None, where
        for command in ("cli-validate", "cli-refresh"):
            message = report[command]["found"]
            assert report[command]["ok"], f"{hostile.name}: {command} did not exit 2"
            assert isinstance(message, str) and message.count("\n") == 1, message
            assert f"part {part} declares a DTD" in message and "Traceback" not in message
        assert not report["read_workbook"]["ok"]
        assert "declares a DTD" in str(report["read_workbook"]["error"])
        assert not (tmp_path / "refreshed.xlsx").exists()


def test_a_dtd_after_a_long_comment_is_found(book: Path, tmp_path: Path) -> None:
    """The prolog is walked, not just its first bytes searched: comments and processing
    instructions that push the DOCTYPE further on do not hide it."""
    part, spot = targets(book)["sharedStrings"]
    with zipfile.ZipFile(book) as zf:
        data = zf.read(part)
    lead = b"<!-- <sst> " + b"x" * 20_000 + b" --><?pi " + b"y" * 10_000 + b"?>"
    decl_end = data.index(b"?>") + 2
    padded = data[:decl_end] + lead + data[decl_end:]
    poisoned = poison(padded, spot, PAYLOADS["billion-laughs"])
    # poison() puts the DOCTYPE straight after the declaration; move it after the padding.
    doctype_start = poisoned.index(b"<!DOCTYPE")
    doctype_end = poisoned.index(b"]>", doctype_start) + 2
    doctype = poisoned[doctype_start:doctype_end]
    body = poisoned[:doctype_start] + poisoned[doctype_end:]
    at = body.index(lead) + len(lead)
    out = _replace(book, tmp_path / "padded.xlsx", part, body[:at] + doctype + body[at:])
    with pytest.raises(WorkbookError, match="declares a DTD"):
        check_package(out)


def test_a_prolog_longer_than_excel_writes_is_refused(book: Path, tmp_path: Path) -> None:
    part, _spot = targets(book)["sheet"]
    with zipfile.ZipFile(book) as zf:
        data = zf.read(part)
    decl_end = data.index(b"?>") + 2
    padded = data[:decl_end] + b"<!--" + b"z" * 100_000 + b"-->" + data[decl_end:]
    with pytest.raises(WorkbookError, match="before its first element"):
        check_package(_replace(book, tmp_path / "long.xlsx", part, padded))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8-sig"])
def test_a_dtd_in_another_encoding_is_found(book: Path, tmp_path: Path, encoding: str) -> None:
    part, spot = targets(book)["workbook"]
    with zipfile.ZipFile(book) as zf:
        data = zf.read(part)
    text = poison(data, spot, PAYLOADS["external-file"]).decode("utf-8")
    raw = text.encode(encoding)
    if encoding != "utf-8-sig":
        raw = ("\ufeff" + text).encode(encoding)
    with pytest.raises(WorkbookError, match="declares a DTD"):
        check_package(_replace(book, tmp_path / f"{encoding}.xlsx", part, raw))


def test_entity_text_without_a_dtd_is_not_refused(book: Path, tmp_path: Path) -> None:
    """Only a DTD is refused: the word DOCTYPE in a cell, or an ordinary entity, is data."""
    part, spot = targets(book)["sharedStrings"]
    with zipfile.ZipFile(book) as zf:
        data = zf.read(part)
    data = data.replace(spot, spot + b"&lt;!DOCTYPE x&gt; &amp; ", 1)
    check_package(_replace(book, tmp_path / "text.xlsx", part, data))


def _replace(book: Path, out: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info))
    return out
