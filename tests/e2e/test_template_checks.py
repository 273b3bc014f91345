"""The stand-ins for Excel on the template and the sample: the Open XML SDK validator accepts
them, LibreOffice opens them and prints them, and the printed pages show what they should."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from tests.tools import (
    is_blank_png,
    libreoffice_convert,
    ooxml_validate,
    pdf_page_texts,
    pdf_pages_to_png,
)

from xl_milestones.core import schema as S
from xl_milestones.template.build import SAMPLE_FILE, TEMPLATE_FILE, build_sample, build_template
from xl_milestones.template.builder import XLSM_MAIN

BUILDERS = {TEMPLATE_FILE: build_template, SAMPLE_FILE: build_sample}


@pytest.fixture(params=[TEMPLATE_FILE, SAMPLE_FILE])
def workbook_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / request.param
    BUILDERS[request.param](path)
    return path


def test_open_xml_sdk_finds_no_error(workbook_file: Path) -> None:
    assert ooxml_validate(workbook_file) == []


def test_workbook_part_is_macro_enabled(workbook_file: Path) -> None:
    with zipfile.ZipFile(workbook_file) as z:
        types = z.read("[Content_Types].xml").decode()
    assert XLSM_MAIN in types


def test_validator_helper_reports_errors(tmp_path: Path) -> None:
    # A part that breaks the schema must come back as an error, or the check above proves nothing.
    good = tmp_path / "good.xlsm"
    build_template(good)
    bad = tmp_path / "bad.xlsm"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"<sheets>", b"<sheets><bogus/>", 1)
            zout.writestr(name, data)
    assert ooxml_validate(bad)


def _pages_of(texts: list[str], sheet_name: str) -> list[int]:
    # Every printed sheet has its name in the footer, so a page is found by its last line.
    found = []
    for number, text in enumerate(texts, start=1):
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        if lines and (lines[-1].startswith(sheet_name + " ") or sheet_name in lines[-2:]):
            found.append(number)
    if not found:
        raise AssertionError(f"no printed page of {sheet_name}")
    return found


def _page_of(texts: list[str], sheet_name: str) -> int:
    return _pages_of(texts, sheet_name)[0]


@pytest.mark.slow
def test_libreoffice_prints_dashboard_and_milestones(workbook_file: Path, tmp_path: Path) -> None:
    pdf = libreoffice_convert(workbook_file, "pdf", tmp_path / "out")
    texts = pdf_page_texts(pdf)
    everything = "\n".join(texts)
    assert "###" not in everything, "a column too narrow for its content"
    for sheet in (S.DASHBOARD, S.MILESTONES):
        page = _page_of(texts, sheet.name)
        pngs = pdf_pages_to_png(pdf, tmp_path / f"png-{sheet.key}", first=page, last=page)
        assert len(pngs) == 1
        assert not is_blank_png(pngs[0]), f"{sheet.name} page {page} is blank"
    # What a reviewer reads on paper: every header of Milestones, and the Dashboard blocks.
    milestones_text = texts[_page_of(texts, S.MILESTONES.name) - 1]
    for field in S.MILESTONES.fields[:6]:
        assert field.header in milestones_text
    dashboard_text = texts[_page_of(texts, S.DASHBOARD.name) - 1]
    for block in S.DASHBOARD_BLOCKS:
        assert block.title in dashboard_text


@pytest.mark.slow
def test_fx_rates_of_small_currencies_print_their_digits(tmp_path: Path) -> None:
    # Rates typed into the template's FX Rates column take its format, as in Excel: a
    # currency worth a fraction of a penny keeps its significant digits, where four decimals
    # printed IDR as 0.0000 and KRW as 0.0006.
    import openpyxl

    path = tmp_path / TEMPLATE_FILE
    build_template(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[S.FX_RATES.name]
    fmt = ws.column_dimensions["B"].number_format
    rates = {"EUR": 0.85, "JPY": 0.00523, "KRW": 0.000567, "IDR": 0.0000485}
    for row, (code, rate) in enumerate(rates.items(), start=2):
        ws.cell(row, 1).value = code
        ws.cell(row, 2).value = rate
        ws.cell(row, 2).number_format = fmt
    wb.save(path)
    texts = pdf_page_texts(libreoffice_convert(path, "pdf", tmp_path / "out"))
    (page,) = _pages_of(texts, S.FX_RATES.name)
    printed = dict(re.findall(r"^\s*([A-Z]{3})\s+([\d.,]+)\s*$", texts[page - 1], re.M))
    assert printed == {"EUR": "0.8500", "JPY": "0.00523", "KRW": "0.000567", "IDR": "0.0000485"}


def test_blank_page_detection(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 100), "white").save(blank)
    drawn = tmp_path / "drawn.png"
    img = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(img).rectangle((10, 10, 120, 60), fill="navy")
    img.save(drawn)
    assert is_blank_png(blank)
    assert not is_blank_png(drawn)


@pytest.mark.slow
def test_committed_sample_opens_in_libreoffice_as_xlsx(tmp_path: Path) -> None:
    # LibreOffice reads the sample's tables back: a round trip through another spreadsheet.
    path = tmp_path / SAMPLE_FILE
    build_sample(path)
    out = libreoffice_convert(path, "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
        names = z.namelist()
    assert any(n.startswith("xl/worksheets/") for n in names)


@pytest.mark.slow
def test_refreshed_sample_is_valid_and_opens_in_libreoffice(tmp_path: Path) -> None:
    from xl_milestones.actions import refresh_command

    path = tmp_path / SAMPLE_FILE
    build_sample(path)
    refreshed = tmp_path / "refreshed.xlsm"
    assert refresh_command(str(path), as_of=None, output=str(refreshed), fmt="json") == 0
    assert ooxml_validate(refreshed) == []
    pdf = libreoffice_convert(refreshed, "pdf", tmp_path / "out")
    texts = pdf_page_texts(pdf)
    # Milestones prints several pages across: the results are on a page of its own.
    pages = _pages_of(texts, S.MILESTONES.name)
    assert len(pages) >= 4
    assert any("Signed off" in texts[page - 1] for page in pages)
    # The Dashboard on paper: both S-curves, titled with their basis, each line drawn in its
    # colour (the template's palette), with the axis scaled to the sample's millions.
    page = _page_of(texts, S.DASHBOARD.name)
    dashboard_text = texts[page - 1]
    for title, _names in S.DASHBOARD_SCURVE_CHARTS:
        assert title in dashboard_text
    assert "Certified Value" in dashboard_text and "Invoiced" in dashboard_text
    assert re.search(r"\b\d{1,2},000,000\b", dashboard_text), "no curve reaches a million"
    (png,) = pdf_pages_to_png(pdf, tmp_path / "dash", first=page, last=page, dpi=80)
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []

    def drawn(hex_colour: str) -> int:
        want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            n for n, c in colours if sum(abs(a - b) for a, b in zip(c, want, strict=True)) < 40
        )

    # Forecast (orange), Certified (green), Due (purple), Invoiced (dark yellow).
    for colour in ("#ED7D31", "#70AD47", "#7030A0", "#BF9000"):
        assert drawn(colour) > 10, colour
    _check_what_a_reader_sees(path, texts)


def _check_what_a_reader_sees(sample: Path, texts: list[str]) -> None:
    """The refreshed sample as printed by LibreOffice: yes/no cells read TRUE or FALSE, long
    reasons wrap within their column, JPY amounts have no decimals, a clean Validation sheet
    says so, and xlwings.conf fits one page."""
    import datetime as dt
    import re

    from xl_milestones.actions import validate_book
    from xl_milestones.core.engine import compute
    from xl_milestones.io.filebook import FileBook

    validation = validate_book(FileBook(sample), today=dt.date.today())
    result = compute(validation.model, validation.as_of)
    results = {r.milestone_id: r for r in result.milestones}
    pages = [texts[p - 1] for p in _pages_of(texts, S.MILESTONES.name)]
    ready_pages = [t for t in pages if "Sign-off Ready" in t]
    rows = [line for t in ready_pages for line in t.splitlines() if re.match(r"M-\d{3} ", line)]
    assert len(rows) == len(results)
    for line in rows:
        # LibreOffice printed 1 and 0 for most of them before they had a boolean format.
        assert re.search(r"\s(TRUE|FALSE)(\s|$)", line), line
    # Every reason is printed whole: its last word is on the page as often as it is written.
    blockers = [str(r.values["signoff_blockers"] or "") for r in results.values()]
    printed = "\n".join(ready_pages)
    for word in ("deliverables", "blank"):
        assert printed.count(word) == sum(b.count(word) for b in blockers), word
    # Money shows the currency's minor units: 0 for JPY.
    jpy = [r for r in results.values() if r.currency == "JPY" and r.values["milestone_value"]]
    assert jpy
    value_pages = "\n".join(t for t in pages if "Milestone Value" in t)
    for r in jpy:
        amount = f"{r.values['milestone_value']:,.0f}"
        assert re.search(rf"(^|\s){re.escape(amount)}(\s|$)", value_pages, re.M), amount
        assert f"{amount}.00" not in value_pages
    # ... on the Sign-off Queue too, whose rows each name their currency
    queue = "\n".join(texts[p - 1] for p in _pages_of(texts, S.SIGNOFF_QUEUE.name))
    assert re.search(r"\d\s+JPY", queue)
    assert not re.search(r"\.\d\d\s+JPY", queue)
    (validation,) = [texts[p - 1] for p in _pages_of(texts, S.VALIDATION.name)]
    assert "No problems found" in validation
    conf = _pages_of(texts, "xlwings.conf")
    assert len(conf) == 1
    assert re.search(r"Use UDF Server\s+FALSE", texts[conf[0] - 1])
