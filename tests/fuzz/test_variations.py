"""The sample workbook in the forms users and other programs give it: re-saved by LibreOffice
and by openpyxl, in the 1904 date system, with inline strings instead of shared ones, with
input values behind shared formulas (their saved values), and with cells written without their
``r`` addresses. The refresh JSON (issues, every result, the totals) is the same for each."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from tests.tools import libreoffice_convert

from xl_milestones.cli import main
from xl_milestones.core.schema import INPUT_SHEETS, sheet_by_name
from xl_milestones.io.xlsxparts import read_package

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook" / "sample_contract_milestones.xlsm"
AS_OF = "2026-06-30"


def refresh_json(book: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = book.with_name("refreshed" + book.suffix)
    code = main(["refresh", str(book), "--as-of", AS_OF, "--output", str(out), "--format", "json"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0, data["issues"]
    del data["file"]
    return data


# ------------------------------------------------------------------- rewriting the sheet XML


def rewrite_input_sheets(src: Path, dst: Path, edit: Callable[[str, dict[int, str]], str]) -> None:
    """Copy ``src`` to ``dst`` with ``edit(xml, shared_strings)`` applied to each input sheet."""
    with zipfile.ZipFile(src) as zin:
        package = read_package(zin)
        parts = {
            p.path
            for p in package.sheets
            if (s := sheet_by_name(p.name)) is not None and s in INPUT_SHEETS
        }
        strings: dict[int, str] = {}
        if "xl/sharedStrings.xml" in zin.namelist():
            sst = zin.read("xl/sharedStrings.xml").decode()
            for i, si in enumerate(re.findall(r"<si>(.*?)</si>", sst, re.S)):
                strings[i] = "".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S))
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename in parts:
                    data = edit(data.decode(), strings).encode()
                zout.writestr(info, data)


def inline_strings(xml: str, strings: dict[int, str]) -> str:
    def one(m: re.Match[str]) -> str:
        attrs = m.group(1).replace(' t="s"', ' t="inlineStr"')
        return f'<c{attrs}><is><t xml:space="preserve">{strings[int(m.group(2))]}</t></is></c>'

    return re.sub(r'<c((?:(?!>)[^/])*? t="s"[^>]*)><v>(\d+)</v></c>', one, xml)


def shared_formulas(xml: str, _strings: dict[int, str]) -> str:
    """Numeric cells become formula cells with the same saved value: a shared formula per
    column, its first cell holding the text and the others pointing at it."""
    seen: dict[str, int] = {}

    def one(m: re.Match[str]) -> str:
        attrs, value = m.group(1), m.group(2)
        ref = re.search(r'\br="([A-Z]+)(\d+)"', attrs)
        if ref is None or ' t="' in attrs:
            return m.group(0)
        col = ref.group(1)
        if col not in seen:
            seen[col] = len(seen)
            span = f"{col}{ref.group(2)}:{col}1048576"
            f = f'<f t="shared" ref="{span}" si="{seen[col]}">{value}*1</f>'
        else:
            f = f'<f t="shared" si="{seen[col]}"/>'
        return f"<c{attrs}>{f}<v>{value}</v></c>"

    return re.sub(r"<c((?:(?!>)[^/])*?)><v>([-0-9.Ee]+)</v></c>", one, xml)


def no_addresses(xml: str, _strings: dict[int, str]) -> str:
    """Cells lose their ``r`` where they follow the previous cell of their row (a reader must
    then count columns itself); the first cell after a gap keeps it."""

    def row(m: re.Match[str]) -> str:
        expected = [1]

        def cell(c: re.Match[str]) -> str:
            ref = re.search(r' r="([A-Z]+)\d+"', c.group(0))
            if ref is None:
                return c.group(0)
            n = 0
            for ch in ref.group(1):
                n = n * 26 + ord(ch) - 64
            keep = n != expected[0]
            expected[0] = n + 1
            return c.group(0) if keep else c.group(0).replace(ref.group(0), "", 1)

        return re.sub(r"<c\b[^>]*>", cell, m.group(0))

    return re.sub(r"<row\b.*?</row>", row, xml, flags=re.S)


def openpyxl_resave(src: Path, dst: Path, *, date1904: bool = False) -> None:
    wb = openpyxl.load_workbook(src, keep_vba=True)
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.save(dst)


# ---------------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("variations")
    return Path(shutil.copy(SAMPLE, folder / "sample.xlsm"))


@pytest.fixture(scope="module")
def expected(baseline: Path) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        captured: list[str] = []
        mp.setattr("builtins.print", lambda text="", **_kw: captured.append(str(text)))
        code = main(
            [
                "refresh",
                str(baseline),
                "--as-of",
                AS_OF,
                "--output",
                str(baseline.with_name("refreshed.xlsm")),
                "--format",
                "json",
            ]
        )
    assert code == 0
    data: dict[str, Any] = json.loads(captured[0])
    del data["file"]
    assert len(data["milestones"]) == 82
    return data


def sheet_xml(book: Path, name: str) -> str:
    with zipfile.ZipFile(book) as zf:
        part = next(p.path for p in read_package(zf).sheets if p.name == name)
        return zf.read(part).decode()


# What makes each variant what it is, checked so that a transform that did nothing fails.
VARIANTS: dict[str, tuple[Callable[[Path, Path], None], Callable[[Path], bool]]] = {
    "openpyxl re-save": (
        lambda s, d: openpyxl_resave(s, d),
        lambda b: sheet_xml(b, "Milestones") != sheet_xml(SAMPLE, "Milestones"),
    ),
    "1904 date system": (
        lambda s, d: openpyxl_resave(s, d, date1904=True),
        lambda b: read_package(zipfile.ZipFile(b)).date1904,
    ),
    "inline strings": (
        lambda s, d: rewrite_input_sheets(s, d, inline_strings),
        lambda b: 't="inlineStr"' in (x := sheet_xml(b, "Milestones")) and ' t="s"' not in x,
    ),
    "shared formulas": (
        lambda s, d: rewrite_input_sheets(s, d, shared_formulas),
        lambda b: '<f t="shared" si=' in sheet_xml(b, "Milestones"),
    ),
    "cells without addresses": (
        lambda s, d: rewrite_input_sheets(s, d, no_addresses),
        lambda b: (
            sum(' r="' not in c for c in re.findall(r"<c\b[^>]*>", sheet_xml(b, "Milestones")))
            > 500
        ),
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_variation_refreshes_to_the_same_json(
    variant: str,
    baseline: Path,
    expected: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, looks_right = VARIANTS[variant]
    book = tmp_path / "variant.xlsm"
    make(baseline, book)
    assert looks_right(book)
    assert refresh_json(book, capsys) == expected


@pytest.mark.slow  # LibreOffice takes a few seconds to start
def test_a_libreoffice_resave_refreshes_to_the_same_json(
    baseline: Path, expected: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = libreoffice_convert(baseline, "xlsx", tmp_path)
    assert "LibreOffice" in zipfile.ZipFile(book).read("docProps/app.xml").decode()
    assert refresh_json(book, capsys) == expected
