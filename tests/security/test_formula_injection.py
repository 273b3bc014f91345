"""User text that looks like a formula stays text: names, ids, descriptions and invalid values
that a refresh echoes into the workbook are string cells, never formulas, and the sign-off pack
HTML escapes them."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones import cli
from xl_milestones.core.schema import MILESTONES, VALIDATION

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
PLUS = "+1+1"
MINUS = "-2"
AT = "@SUM(A1)"
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = (HYPERLINK, PLUS, MINUS, AT, DDE)


def hostile_sheets() -> dict[str, list[dict[str, object]]]:
    sheets = valid_sheets()
    c1, c2 = sheets["contracts"]
    c1["supplier"] = HYPERLINK
    c1["contract_name"] = PLUS
    c2["currency"] = DDE  # not a currency: echoed on the Validation sheet
    m = {row["milestone_id"]: row for row in sheets["milestones"]}
    m["M-002"]["milestone_name"] = MINUS
    m["M-002"]["owner"] = AT
    m["M-101"]["percent_complete"] = AT  # not a number; C-002 has errors already
    # A row with an error keeps its contract's other milestones from being computed, so the
    # invalid date sits on a contract of its own.
    sheets["contracts"].append({**c1, "contract_id": "C-003", "supplier": "Other Ltd"})
    sheets["milestones"].append(
        {**m["M-101"], "milestone_id": "M-201", "contract_id": "C-003", "baseline_date": HYPERLINK}
    )
    sheets["deliverables"].append(
        {
            "deliverable_id": PLUS,
            "milestone_id": "M-002",
            "deliverable_name": HYPERLINK,
            "acceptance_status": "submitted",
            "submitted_date": dt.date(2026, 3, 20),
        }
    )
    issue = sheets["issues"][0]
    issue["issue_id"] = AT
    issue["description"] = HYPERLINK
    issue["blocking"] = "yes"
    return sheets


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("inject")
    book = write_workbook(folder / "book.xlsx", hostile_sheets())
    out = folder / "out.xlsx"
    assert cli.main(["refresh", str(book), "--output", str(out), "--as-of", "2026-03-31"]) == 1
    return book, out


def _sheet_xml(path: Path) -> dict[str, bytes]:
    wb = openpyxl.load_workbook(path, read_only=True)
    names = wb.sheetnames
    wb.close()
    with zipfile.ZipFile(path) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        workbook = zf.read("xl/workbook.xml").decode()
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({a: b for b, a in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        out = {}
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
            target = targets[rid].lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            out[html.unescape(name)] = zf.read(part)
        assert set(out) == set(names)
        return out


def test_no_cell_of_the_refreshed_workbook_is_a_formula_made_of_user_text(
    refreshed: tuple[Path, Path],
) -> None:
    _book, out = refreshed
    for name, xml in _sheet_xml(out).items():
        for formula in re.findall(rb"<f[^>]*>([^<]*)</f>", xml):
            text = html.unescape(formula.decode())
            for payload in PAYLOADS:
                core = payload.lstrip("=+-@")
                assert core not in text, f"{name}: formula {text!r} carries {payload!r}"


def test_user_text_is_written_as_string_cells(refreshed: tuple[Path, Path]) -> None:
    _book, out = refreshed
    wb = openpyxl.load_workbook(out)
    seen: dict[str, set[str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue
                for payload in PAYLOADS:
                    if payload in value:
                        assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}: {value!r}"
                        seen.setdefault(ws.title, set()).add(payload)
    # Echoed where the refresh writes: invalid values on the Validation sheet (each cell
    # starting with the formula character), ids in the sign-off blockers of the Milestones sheet.
    assert {HYPERLINK, DDE, AT} <= seen[VALIDATION.name]
    ws = wb[MILESTONES.name]
    heads = [c.value for c in ws[1]]
    col = heads.index(MILESTONES.header("signoff_blockers")) + 1
    blockers = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
    hit = [c for c in blockers if isinstance(c.value, str) and PLUS in c.value]
    assert hit and all(c.data_type == "s" and AT in str(c.value) for c in hit)


def test_written_cells_are_inline_or_shared_strings(refreshed: tuple[Path, Path]) -> None:
    """In the XML itself: a cell holding the text has t="inlineStr" or t="s" and no <f>."""
    book, out = refreshed
    written = 0
    for name, xml in _sheet_xml(out).items():
        for cell in re.finditer(rb"<c\b([^>]*)>(.*?)</c>", xml, re.S):
            attrs, body = cell.group(1), cell.group(2)
            if b"<is>" not in body:
                continue
            text = html.unescape(b"".join(re.findall(rb"<t[^>]*>([^<]*)</t>", body)).decode())
            if any(p in text for p in PAYLOADS):
                assert b't="inlineStr"' in attrs and b"<f" not in body, (name, cell.group(0))
                written += 1
    assert written >= 5
    # The input cells the user typed are untouched: shared strings, as the file had them.
    with zipfile.ZipFile(book) as zf:
        assert HYPERLINK.encode() in zf.read("xl/sharedStrings.xml")


def _pack(tmp_path: Path, name: str) -> tuple[Path, int]:
    sheets = hostile_sheets()
    sheets["contracts"][0]["supplier"] = '<img src=x onerror="alert(1)">' + HYPERLINK
    book = write_workbook(tmp_path / "book.xlsx", sheets)
    pack = tmp_path / name
    args = ["signoff-pack", str(book), "--milestone", "M-002", "--output", str(pack)]
    return pack, cli.main([*args, "--as-of", "2026-03-31"])


# The hostile workbook has validation errors (formula text where a currency, a date or a percentage
# belongs), so the pack is written and the command exits 1, as a refresh of it does.
WRITTEN_WITH_ERRORS = 1


def test_the_signoff_pack_escapes_user_text(tmp_path: Path) -> None:
    pack, code = _pack(tmp_path, "pack.html")
    assert code == WRITTEN_WITH_ERRORS and pack.exists()
    text = pack.read_text(encoding="utf-8")
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert 'href="http://example.invalid"' not in text
    assert "=HYPERLINK(&#34;http://example.invalid&#34;,&#34;x&#34;)" in text
    # The blockers name the ids as typed.
    assert "deliverable +1+1 not accepted" in text and "issue @SUM(A1) blocks" in text
    assert html.escape(MINUS) in text


@pytest.mark.slow
def test_the_pdf_pack_shows_the_text_and_links_nowhere(tmp_path: Path) -> None:
    from pypdf import PdfReader

    pack, code = _pack(tmp_path, "pack.pdf")
    assert code == WRITTEN_WITH_ERRORS
    reader = PdfReader(pack)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "HYPERLINK(" in text.replace("\n", "") and "<img src=x" in text
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            uri = str(annot.get_object().get("/A", {}).get("/URI", ""))
            assert "example.invalid" not in uri
