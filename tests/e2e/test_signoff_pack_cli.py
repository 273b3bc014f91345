"""``xl-milestones signoff-pack`` on real workbook files: the PDF read back with pdftotext holds
every element the review meeting needs, its pages render and are not blank, hostile and
non-Latin text prints literally, and bad requests exit 2 without writing anything."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import is_blank_png, pdf_page_texts, pdf_page_words, pdf_pages_to_png

from xl_milestones.cli import main
from xl_milestones.core.engine import compute
from xl_milestones.core.schema import CONTRACTS, MILESTONES, SIGNOFF_CHECKS
from xl_milestones.core.validate import validate
from xl_milestones.io.reader import read_workbook
from xl_milestones.reports.render import render_html
from xl_milestones.reports.signoff import TERMS_START, build_pack, fmt_date, fmt_money, pro_forma

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
HOSTILE = '=HYPERLINK("http://example.invalid","x")'
SCRIPT = "<script>alert(1)</script>"
CYRILLIC_GREEK = "ООО «Северстрой» · Αθηναϊκή Κατασκευαστική Α.Ε."
CJK = "東京電設株式会社"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _section_pages(pages: list[str], mid: str) -> list[int]:
    """The pages whose running header (their first line) names milestone ``mid``."""
    return [n for n, text in enumerate(pages) if f"{mid} · " in text.split("\n", 1)[0]]


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The default pack of the sample workbook, made once for the tests below."""
    out = tmp_path_factory.mktemp("pack") / "pack.pdf"
    assert main(["signoff-pack", str(SAMPLE), "--output", str(out)]) == 0
    return out, pdf_page_texts(out)


@pytest.fixture(scope="module")
def sample_results() -> tuple[object, object]:
    v = validate(read_workbook(SAMPLE), today=dt.date(2026, 6, 30))
    return v.model, compute(v.model, v.as_of)


@pytest.mark.slow
def test_pack_covers_awaiting_milestones_ready_first_one_section_each(
    sample_pack: tuple[Path, list[str]], sample_results: tuple[object, object]
) -> None:
    _, pages = sample_pack
    _model, result = sample_results
    by_id = result.by_id()  # type: ignore[attr-defined]
    awaiting = [r for r in result.milestones if r.values["status"] == "Awaiting sign-off"]  # type: ignore[attr-defined]
    ready = [r.milestone_id for r in awaiting if r.values["signoff_ready"]]
    not_ready = [r.milestone_id for r in awaiting if not r.values["signoff_ready"]]
    cover = pages[0]
    assert "Sign-off pack" in cover and SAMPLE.name in cover and "30 Jun 2026" in cover
    assert f"{len(awaiting)} milestones: {len(ready)} ready for sign-off" in _flat(cover)
    positions = [cover.index(mid) for mid in ready + not_ready]
    assert positions == sorted(positions), "cover lists ready milestones first"
    # Each milestone's section starts on a new page (its heading under the running header
    # that names it), in cover order, and its pages follow one another.
    starts = []
    for mid in ready + not_ready:
        own = _section_pages(pages, mid)
        assert own, f"{mid} has no page"
        assert own == list(range(own[0], own[0] + len(own)))
        assert f"{mid} · " in pages[own[0]].split("\n", 1)[1]
        assert by_id[mid].values["status"] == "Awaiting sign-off"
        starts.append(own[0])
    assert starts == sorted(starts) and starts[0] == 1  # right after the cover
    assert sum(len(_section_pages(pages, mid)) for mid in ready + not_ready) == len(pages) - 1
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert SAMPLE.name in text


@pytest.mark.slow
def test_sample_milestone_section_has_every_required_element(
    sample_pack: tuple[Path, list[str]], sample_results: tuple[object, object]
) -> None:
    _, pages = sample_pack
    model, result = sample_results
    mid = "M-004"
    section = _flat("\n".join(pages[n] for n in _section_pages(pages, mid)))
    m = next(x for x in model.milestones if x.milestone_id == mid)  # type: ignore[attr-defined]
    c = model.contracts[m.contract_id]  # type: ignore[attr-defined]
    r = result.by_id()[mid]  # type: ignore[attr-defined]
    expected = [
        c.contract_id,
        c.contract_name,
        c.supplier,
        m.milestone_name,
        m.milestone_type,
        m.owner,
        m.acceptance_criteria,
        fmt_date(m.baseline_date),
        fmt_date(r.values["revised_date"]),
        fmt_date(m.actual_date),
        *(MILESTONES.header(f) for f in ("baseline_date", "revised_date", "forecast_date")),
        MILESTONES.header("days_late"),
        "Awaiting sign-off",
        "Ready",
        # The payment breakdown and the contract terms it came from.
        *(
            MILESTONES.header(f)
            for f in ("milestone_value", "net_amount", "vat_amount", "amount_due")
        ),
        "Less retention",
        "Less advance recovery",
        "Less delay damages",
        *(
            CONTRACTS.header(f)
            for f in (
                "retention_rate",
                "retention_limit",
                "advance_recovery_threshold",
                "advance_recovery_rate",
                "delay_damages_rate",
                "delay_damages_cap",
                "vat_rate",
                "payment_terms_days",
                "payment_terms_basis",
            )
        ),
        TERMS_START[c.payment_terms_basis],
        "Open risks, issues and disputes".upper(),
        "Change Orders".upper(),
        "Signature",
    ]
    missing = [e for e in expected if _flat(str(e)) not in section]
    assert not missing, missing
    for name, _mode, _rule in SIGNOFF_CHECKS:
        assert name in section
    for role in r.approvers:
        assert role.role in section
        for e in role.approvers:
            assert e.name in section
    assert section.count("Signature") == sum(
        max(len(ra.approvers), 1) for ra in r.approvers if ra.required
    )
    forma = pro_forma(model, result, [mid])[mid]  # type: ignore[arg-type]
    for f in ("milestone_value", "net_amount", "vat_amount", "amount_due"):
        assert fmt_money(forma.values[f], c.currency) in section, f
    assert fmt_money(forma.values["amount_due"], c.currency) + " GBP" in _flat(pages[0])
    assert f"({fmt_money(forma.values['retention_amount'], c.currency)})" in section
    assert str(r.values["days_late"]) in section


@pytest.mark.slow
def test_pages_render_and_are_not_blank(
    sample_pack: tuple[Path, list[str]], tmp_path: Path
) -> None:
    pdf, pages = sample_pack
    pngs = pdf_pages_to_png(pdf, tmp_path, dpi=40)
    assert len(pngs) == len(pages) >= 8
    blank = [p.name for p in pngs if is_blank_png(p)]
    assert not blank


@pytest.mark.slow
def test_html_pack_is_one_printable_file(tmp_path: Path) -> None:
    out = tmp_path / "pack.html"
    assert main(["signoff-pack", str(SAMPLE), "--milestone", "M-012", "--output", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["pack.html"]
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and "@page" in html and "<link" not in html
    assert "M-012 · Roof-light replacement" in html
    assert "Northgate Roofing plc" in html


def test_only_the_pdf_cover_has_a_page_column(
    tmp_path: Path, sample_results: tuple[object, object]
) -> None:
    """The cover's Page column is filled in by the PDF's layout (CSS target-counter), which no
    browser does: the .html pack, which the ribbon's button writes, showed it empty. Its
    milestone ids link to the milestones' sections instead."""
    html = tmp_path / "pack.html"
    assert main(["signoff-pack", str(SAMPLE), "--milestone", "M-012", "--output", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert 'class="pageref"' not in text and ">Page</th>" not in text
    assert '<a href="#m1">M-012</a>' in text and 'id="m1"' in text
    model, result = sample_results
    ids = ["M-012"]
    pack = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=ids)  # type: ignore[arg-type]
    pdf_html = render_html(pack)  # what the PDF is laid out from
    assert 'class="pageref"' in pdf_html and ">Page</th>" in pdf_html


@pytest.mark.slow
def test_a_long_pdf_is_announced_with_the_quicker_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PDF of hundreds of milestones takes minutes and gigabytes to lay out, in silence until
    # it was written; the sample's 7 stand in for them with the threshold lowered.
    from xl_milestones.reports import render

    monkeypatch.setattr(render, "LARGE_PACK", 7)
    out = tmp_path / "pack.pdf"
    assert main(["signoff-pack", str(SAMPLE), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert err == (
        "xl-milestones: laying out 7 milestones as PDF (about 21 pages) takes minutes and "
        "gigabytes of memory; --output pack.html writes the same pack in seconds, or name the "
        "meeting's milestones with --milestone\n"
    )
    assert out.read_bytes().startswith(b"%PDF-")
    # the HTML is quick at any length: nothing to announce
    monkeypatch.setattr(render, "LARGE_PACK", 1)
    assert main(["signoff-pack", str(SAMPLE), "--output", str(tmp_path / "pack.html")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_hostile_and_non_latin_text_prints_literally(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["contracts"][0]["supplier"] = HOSTILE
    sheets["contracts"][0]["contract_name"] = f"Fit-out {SCRIPT}"
    sheets["contracts"][1]["supplier"] = f"{CYRILLIC_GREEK} {CJK}"
    sheets["contracts"][1]["currency"] = "EUR"
    for m in sheets["milestones"]:
        if m["milestone_id"] in ("M-002", "M-101"):
            m["actual_date"] = dt.date(2026, 3, 30)
            m["percent_complete"] = 1
    book = write_workbook(tmp_path / "hostile.xlsx", sheets)
    out = tmp_path / "pack.pdf"
    code = main(
        ["signoff-pack", str(book), "--milestone", "M-002", "--milestone", "M-101",
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    text = _flat("\n".join(pdf_page_texts(out)))
    assert HOSTILE in text
    assert SCRIPT in text
    assert CYRILLIC_GREEK in text
    assert CJK in text
    fonts = _pdf_fonts(out)
    assert any("DejaVu" in f for f in fonts), fonts
    assert any("WenQuanYi" in f for f in fonts), fonts


ARABIC = "مدير المشروع"


def test_user_text_is_never_laid_out_in_italic(tmp_path: Path) -> None:
    """WeasyPrint draws Arabic in italic with the glyphs of another font (DejaVu Sans Oblique
    has no Arabic: the PDF's text reads right, the page shows unrelated signs). The
    explanation under a milestone's badges names its approvers ("Rejected by ..."), so it is
    upright; only the pack's own phrases ("None open.") are in italic."""
    weasyprint = pytest.importorskip("weasyprint")
    from weasyprint.formatting_structure.boxes import TextBox  # type: ignore[import-untyped]

    sheets = valid_sheets()
    for m in sheets["milestones"]:
        if m["milestone_id"] == "M-002":
            m.update(actual_date=dt.date(2026, 3, 30), percent_complete=1)
    sheets["signoffs"].append(
        {"milestone_id": "M-002", "approver_role": "Project manager", "approver_name": ARABIC,
         "decision": "rejected", "decision_date": dt.date(2026, 3, 30), "comment": "no"}
    )  # fmt: skip
    book = write_workbook(tmp_path / "rtl.xlsx", sheets)
    out = tmp_path / "pack.html"
    assert main(["signoff-pack", str(book), "--milestone", "M-002", "--output", str(out)]) == 0
    document = weasyprint.HTML(string=out.read_text(encoding="utf-8")).render()

    def texts(box: object) -> list[tuple[str, str]]:
        found = [(box.text, box.style["font_style"])] if isinstance(box, TextBox) else []
        for child in getattr(box, "children", None) or []:
            found += texts(child)
        return found

    laid_out = [t for page in document.pages for t in texts(page._page_box)]
    assert any(ARABIC in text for text, _style in laid_out)
    italic = [text for text, style in laid_out if style != "normal"]
    assert italic and not [text for text in italic if ARABIC in text], italic


# The pack's right margin (signoff_pack.css: @page margin 16mm 14mm 18mm 14mm), in points.
RIGHT_MARGIN = 14 / 25.4 * 72
LONG_NAME = "COMMISSIONING_HVAC_BMS_INTEGRATION_FLOOR_LEVEL_TWELVE_EAST_WING"


@pytest.mark.slow
@pytest.mark.parametrize("length", [40, 60, 400])
def test_long_unbroken_text_wraps_inside_the_page(tmp_path: Path, length: int) -> None:
    """A name, acceptance criteria, comment, deliverable and issue text without a space
    (a code, a pasted string) break inside their cells and boxes: every word poppler finds
    ends inside the right margin, and the cover's Page column is still there."""
    name = (LONG_NAME * 8)[:length]
    sheets = valid_sheets()
    for m in sheets["milestones"]:
        if m["milestone_id"] == "M-002":
            m.update(actual_date=dt.date(2026, 3, 30), percent_complete=1)
            m.update(milestone_name=name, acceptance_criteria="X" * length)
    sheets["signoffs"][0]["comment"] = "Y" * length
    sheets["deliverables"][0]["deliverable_name"] = "Z" * length
    sheets["issues"][0]["description"] = "W" * length
    book = write_workbook(tmp_path / "long.xlsx", sheets)
    out = tmp_path / "pack.pdf"
    args = ["signoff-pack", str(book), "--milestone", "M-001", "--milestone", "M-002"]
    assert main([*args, "--output", str(out)]) == 0
    pages = pdf_page_words(out)
    for n, (width, words) in enumerate(pages, start=1):
        outside = [w.text for w in words if w.x_max > width - RIGHT_MARGIN + 0.5]
        assert not outside, f"page {n}: {outside}"
    cover = [w.text for w in pages[0][1]]
    assert "Page" in cover and "Blockers" in cover
    # The page each milestone starts on, in the Page column, after its Ready badge.
    assert cover.count("Ready") + cover.count("Signed") >= 2
    texts = pdf_page_texts(out)
    starts = [n for n in range(1, len(texts)) if "M-002 · " in texts[n].split("\n", 1)[0]]
    assert str(starts[0] + 1) in cover[cover.index("Blockers") :]
    # Nothing is lost where the words break: the cover's cell holds the name, in pieces.
    assert name in "".join(pdf_page_texts(out, layout=False)[0].split())


CLAUSE = "The contractor shall provide all labour, plant and materials for the works. "


@pytest.mark.slow
def test_a_row_taller_than_a_page_breaks_under_its_column_headings(tmp_path: Path) -> None:
    """A row is kept on one page, but one taller than a page (80 blocking issues listed on the
    cover, a rejection's comment of a few pages) cannot be: WeasyPrint left the table's heading
    alone on a page (the cover blank under its band) and printed the row on the next page
    without its column headings. Such a row breaks where the page ends instead, and every page
    it runs onto starts with the column headings."""
    sheets = valid_sheets()
    for m in sheets["milestones"]:
        if m["milestone_id"] == "M-002":
            m.update(actual_date=dt.date(2026, 3, 30), percent_complete=1)
    sheets["issues"] += [
        {"issue_id": f"ISSUE-{n:03d}", "milestone_id": "M-002", "category": "issue",
         "severity": "high", "description": "Blocks", "raised_date": dt.date(2026, 3, 1),
         "blocking": "yes"}
        for n in range(80)
    ]  # fmt: skip
    sheets["signoffs"].append(
        {"milestone_id": "M-002", "approver_role": "Project manager", "approver_name": "Sam",
         "decision": "pending", "comment": CLAUSE * 60}
    )  # fmt: skip
    book = write_workbook(tmp_path / "tall.xlsx", sheets)
    out = tmp_path / "pack.pdf"
    assert main(["signoff-pack", str(book), "--milestone", "M-002", "--output", str(out)]) == 0
    texts = pdf_page_texts(out)
    start = _section_pages(texts, "M-002")[0]
    pages = [_flat(text) for text in texts]
    # The cover's table starts on the cover, its one row under its headings.
    assert "Sign-off Blockers" in pages[0] and "Racks installed" in pages[0]
    # Each page a tall row runs onto (the cover's, the check's finding, the approver's
    # comment) starts with its table's headings.
    tables = (
        (range(start), "blocks sign-off", "Blockers"),
        (range(start, len(pages)), "blocks sign-off", "Finding"),
        (range(start, len(pages)), "contractor shall", "Comment"),
    )
    for numbers, text, heading in tables:
        holding = [n for n in numbers if text in pages[n]]
        headed = [n for n in numbers if heading in pages[n]]
        assert len(holding) >= 2 and set(holding) <= set(headed), (text, holding, headed)


def _pdf_fonts(pdf: Path) -> list[str]:
    exe = shutil.which("pdffonts")
    if exe is None:
        pytest.skip("poppler (pdffonts) not installed: run make system")
    proc = subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()[2:]


# ------------------------------------------------------------------------------- refusals


def test_unknown_milestone_exits_2_and_names_the_nearest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack.pdf"
    code = main(["signoff-pack", str(SAMPLE), "--milestone", "M-4", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "'M-4'" in err and "did you mean M-004?" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_failed_pack_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"previous pack")
    assert main(["signoff-pack", str(SAMPLE), "--milestone", "NOPE", "--output", str(out)]) == 2
    assert out.read_bytes() == b"previous pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]


def test_nothing_awaiting_signoff_says_so_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    out = tmp_path / "pack.pdf"
    assert main(["signoff-pack", str(book), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "No milestone is awaiting sign-off in book.xlsx as of 2026-03-31" in printed
    assert "no pack written" in printed
    assert not out.exists()


def test_nothing_awaiting_because_of_errors_says_so_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As of 31 Mar 2026 most of the sample's actual dates are in the future, an error on each
    of those rows: the milestones are not computed, which is why nothing awaits sign-off."""
    as_of = dt.date(2026, 3, 31)
    v = validate(read_workbook(SAMPLE), today=as_of, as_of=as_of)
    skipped = sum(1 for r in compute(v.model, v.as_of).milestones if not r.computed)
    assert skipped > 1
    out = tmp_path / "pack.pdf"
    code = main(["signoff-pack", str(SAMPLE), "--as-of", "2026-03-31", "--output", str(out)])
    printed = capsys.readouterr().out
    assert code == 1
    assert printed == (
        f"No milestone is awaiting sign-off in {SAMPLE.name} as of 2026-03-31; no pack written; "
        f"{skipped} milestones could not be computed because of errors as of 2026-03-31: run "
        f"xl-milestones validate {SAMPLE} --as-of 2026-03-31\n"
    )
    assert not out.exists()
    # The command it gives lists them; without --as-of, validate finds none.
    assert main(["validate", str(SAMPLE), "--as-of", "2026-03-31"]) == 1
    assert "future-date" in capsys.readouterr().out
    assert main(["validate", str(SAMPLE)]) == 0


def test_errors_without_as_of_point_to_validate_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][3]["baseline_date"] = "soon"  # M-101: not a date, so not computed
    book = write_workbook(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "pack.html"
    assert main(["signoff-pack", str(book), "--output", str(out)]) == 1
    assert capsys.readouterr().out == (
        "No milestone is awaiting sign-off in book.xlsx as of 2026-03-31; no pack written; "
        f"1 milestone could not be computed because of errors: run xl-milestones validate {book}\n"
    )
    assert not out.exists()
    # A pack written from a workbook with errors exits 1 too, and says so.
    assert main(["signoff-pack", str(book), "--milestone", "M-101", "--output", str(out)]) == 1
    assert capsys.readouterr().out == (
        f"wrote {out}; 1 milestone could not be computed because of errors: run xl-milestones "
        f"validate {book}\n"
    )
    assert "Not computed: see Validation." in out.read_text(encoding="utf-8")
    assert main(["validate", str(book)]) == 1  # what the message says to run lists it
    assert "not-a-date" in capsys.readouterr().out


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_milestone_id_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blank: str
) -> None:
    out = tmp_path / "pack.html"
    code = main(["signoff-pack", str(SAMPLE), "--milestone", blank, "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err == (
        "xl-milestones: a blank milestone id: give the Milestone ID of a row of the Milestones "
        f"sheet of {SAMPLE.name} (such as M-001)\n"
    )


def test_a_workbook_fresh_from_new_is_packed_as_of_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the README says under its example: no As Of Date in the workbook, so today."""
    book = tmp_path / "q3.xlsm"
    assert main(["new", str(book)]) == 0
    capsys.readouterr()
    assert main(["signoff-pack", str(book), "--output", str(tmp_path / "pack.pdf")]) == 0
    today = dt.date.today().isoformat()
    assert capsys.readouterr().out == (
        f"No milestone is awaiting sign-off in q3.xlsm as of {today}; no pack written.\n"
    )


def test_a_pdf_without_weasyprint_is_one_line_naming_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # WeasyPrint is the extra xl-milestones[pdf]: without it (None in sys.modules makes its
    # import fail as a missing package does) the PDF is refused, the HTML still written.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    out = tmp_path / "pack.pdf"
    assert main(["signoff-pack", str(SAMPLE), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "WeasyPrint is not installed" in err and "xl-milestones[pdf]" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    html = tmp_path / "pack.html"
    assert main(["signoff-pack", str(SAMPLE), "--output", str(html)]) == 0
    assert html.read_text("utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("name", ["pack.docx", "pack.xlsm", "pack"])
def test_other_extensions_exit_2(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / name
    assert main(["signoff-pack", str(SAMPLE), "--output", str(out)]) == 2
    assert ".pdf or .html" in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "missing" / "pack.html"
    assert main(["signoff-pack", str(SAMPLE), "--milestone", "M-004", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert not out.parent.exists()
