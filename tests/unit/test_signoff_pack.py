"""The sign-off pack's content and HTML: selection and order, unknown ids, the pro forma payment
worked by hand, each section of a page, number formats, and escaping of hostile text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from tests import builders as b

from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import Model, SkippedMilestone
from xl_milestones.core.nearest import nearest_id
from xl_milestones.core.schema import MILESTONES, SIGNOFF_CHECKS
from xl_milestones.core.validate import validate
from xl_milestones.errors import UsageError
from xl_milestones.io.reader import read_workbook
from xl_milestones.reports.render import (
    TALL_TEXT,
    breakable,
    is_tall,
    pack_format,
    render_html,
    write_signoff_pack,
)
from xl_milestones.reports.signoff import (
    NothingToSignOff,
    build_pack,
    fmt_money,
    fmt_ratio,
    pro_forma,
    select_milestones,
)

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
D = Decimal
AS_OF = dt.date(2026, 4, 30)


@cache
def sample() -> tuple[Model, EngineResult, tuple[Issue, ...]]:
    v = validate(read_workbook(SAMPLE), today=dt.date(2026, 6, 30))
    return v.model, compute(v.model, v.as_of), tuple(v.issues)


# ------------------------------------------------------------------------------- selection


def test_default_pack_is_every_milestone_awaiting_signoff_ready_first() -> None:
    _, result, _ = sample()
    ids = select_milestones(result, None, workbook="book.xlsm")
    by_id = result.by_id()
    awaiting = {m for m, r in by_id.items() if r.values["status"] == "Awaiting sign-off"}
    assert set(ids) == awaiting and len(ids) == len(awaiting)
    ready = [bool(by_id[m].values["signoff_ready"]) for m in ids]
    # The sample has both kinds, so the order is really tested.
    assert True in ready and False in ready
    assert ready == sorted(ready, reverse=True)
    rows = [by_id[m].row for m in ids if by_id[m].values["signoff_ready"]]
    assert rows == sorted(rows)


def test_explicit_ids_keep_their_order_once_each() -> None:
    _, result, _ = sample()
    ids = select_milestones(result, ["M-012", "M-004", "M-012"], workbook="book.xlsm")
    assert ids == ["M-012", "M-004"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("M-4", "M-004"), ("m-004", "M-004"), ("M-0O4", "M-004"), ("M-0012", "M-012")],
)
def test_unknown_id_suggests_the_nearest(typed: str, meant: str) -> None:
    _, result, _ = sample()
    with pytest.raises(UsageError) as err:
        select_milestones(result, [typed], workbook="book.xlsm")
    text = str(err.value)
    assert repr(typed) in text and f"did you mean {meant}?" in text
    assert MILESTONES.name in text and "book.xlsm" in text


def test_nearest_id_gives_none_when_nothing_is_close() -> None:
    assert nearest_id("ZZZZZZZZ", ["M-001", "M-002"]) is None


def test_nothing_awaiting_signoff_raises_with_the_as_of_date() -> None:
    m = b.model(milestones=[b.milestone("M-1", baseline_date=dt.date(2026, 6, 1))])
    result = compute(m, AS_OF)
    with pytest.raises(NothingToSignOff, match=r"No milestone is awaiting sign-off.*2026-04-30"):
        build_pack(m, result, workbook_name="book.xlsm")


def test_nothing_awaiting_with_errors_says_what_they_mean_and_what_to_run() -> None:
    m = b.model(milestones=[b.milestone("M-1", baseline_date=dt.date(2026, 6, 1))])
    result = compute(m, AS_OF)
    # An error elsewhere (an invoice row, say): every milestone was computed.
    with pytest.raises(NothingToSignOff) as err:
        select_milestones(result, None, workbook="book.xlsm", errors=2)
    assert (err.value.errors, err.value.not_computed) == (2, 0)
    assert err.value.message("in/book.xlsm") == (
        "No milestone is awaiting sign-off in book.xlsm as of 2026-04-30; no pack written; "
        "the workbook has 2 validation errors: run xl-milestones validate in/book.xlsm"
    )
    m.skipped = [SkippedMilestone(9, "M-BAD")]
    with pytest.raises(NothingToSignOff) as err:
        select_milestones(compute(m, AS_OF), None, workbook="book.xlsm", errors=1)
    assert str(err.value).endswith(
        "; 1 milestone could not be computed because of errors: run xl-milestones validate "
        "book.xlsm"
    )


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_a_blank_id_is_refused_with_an_example(blank: str) -> None:
    _, result, _ = sample()
    with pytest.raises(UsageError, match=r"^a blank milestone id: .*Milestones sheet of b\.xlsm"):
        select_milestones(result, ["M-004", blank], workbook="b.xlsm")


# ------------------------------------------------------------------------------- pro forma


def _awaiting_model(**contract_kw: object) -> Model:
    """One EUR contract of 100,000 with a 40% milestone finished 10 days late, awaiting the
    Finance approval that the 10,000 rule requires."""
    terms: dict[str, object] = {"payment_terms_basis": "after_signoff", **contract_kw}
    c = b.contract(
        "C-1",
        retention_rate=D("0.05"),
        delay_damages_rate=D("0.001"),
        vat_rate=D("0.2"),
        payment_terms_days=30,
        **terms,
    )
    m = b.milestone(
        "M-1",
        baseline_date=dt.date(2026, 4, 1),
        actual_date=dt.date(2026, 4, 11),
        percent_complete=D(1),
        payment_basis="percent",
        payment_percent=D("0.4"),
        owner="Olive Owner",
    )
    return b.model(
        [c],
        [m],
        signoffs=[
            b.signoff("M-1", "Project Manager", "Pat", "approved", dt.date(2026, 4, 12)),
            b.signoff("M-1", "Finance", "Fran", "pending", None),
        ],
        approval_rules=[b.rule(0, "Project Manager"), b.rule(10000, "Finance")],
    )


def test_pro_forma_payment_worked_by_hand() -> None:
    model = _awaiting_model()
    result = compute(model, AS_OF)
    assert result.by_id()["M-1"].values["amount_due"] is None  # not payable yet
    forma = pro_forma(model, result, ["M-1"])["M-1"].values
    # value 40% x 100,000 = 40,000.00; retention 5% = 2,000.00;
    # delay damages 0.1% x 40,000 x 10 days = 400.00; net 37,600.00; VAT 20% = 7,520.00;
    # amount due 45,120.00; signed off 30 Apr 2026 + 30 days = 30 May 2026, a Saturday, so
    # the following business day, Monday 1 June 2026.
    assert forma["milestone_value"] == D("40000.00")
    assert forma["retention_amount"] == D("2000.00")
    assert forma["delay_damages"] == D("400.00")
    assert forma["net_amount"] == D("37600.00")
    assert forma["vat_amount"] == D("7520.00")
    assert forma["amount_due"] == D("45120.00")
    assert forma["payment_due_date"] == dt.date(2026, 6, 1)
    # The workbook's own results are untouched by the pro forma run.
    assert result.by_id()["M-1"].values["status"] == "Awaiting sign-off"


def test_page_prints_the_pro_forma_breakdown_and_the_terms() -> None:
    model = _awaiting_model(retention_limit=D("0.1"), delay_damages_cap=D("0.05"))
    result = compute(model, AS_OF)
    page = build_pack(model, result, workbook_name="book.xlsm").pages[0]
    amounts = {p.label: p.amount for p in page.payment}
    assert amounts["Milestone Value"] == "40,000.00"
    assert amounts["Less retention"] == "(2,000.00)"
    assert amounts["Less advance recovery"] == "0.00"
    assert amounts["Less delay damages"] == "(400.00)"
    assert amounts["Amount Due"] == "45,120.00"
    assert amounts["Payment Due Date"] == "1 Jun 2026"
    assert "pro forma" in page.payment_heading
    terms = {f.label: f.value for f in page.terms}
    assert terms["Retention Rate"] == "5%"
    assert terms["Retention Limit"] == "10% of revised value"
    assert terms["Delay Damages Per Day"] == "0.1% per day"
    assert terms["Delay Damages Cap"] == "5% of revised value"
    assert terms["VAT Rate"] == "20%"
    assert terms["Payment Terms Days"] == "30"
    # in words, not the schema value the dropdown offers
    assert terms["Payment Terms Basis"] == "after sign-off"
    assert page.payment_note == (
        "If it is signed off on 30 Apr 2026, the as-of date, 45,120.00 EUR falls due on 1 Jun 2026."
    )
    basis = {p.label: p.basis for p in page.payment}
    assert "limit 10% of the revised contract value (10,000.00)" in basis["Less retention"]
    assert "× 10 days late" in basis["Less delay damages"]


def test_pro_forma_due_date_of_an_invoice_sent_before_the_sign_off() -> None:
    # Invoice terms; INV-1 dated 2 Mar 2026, before the milestone was even finished: the term
    # runs from the later of the invoice and the sign-off, 30 Apr + 30 = Sat 30 May -> Mon 1 Jun
    # (it said "was due on 1 Apr 2026: 29 days overdue already", from 2 Mar + 30).
    model = replace(
        _awaiting_model(payment_terms_basis="after_invoice"),
        invoices=[b.invoice("INV-1", "M-1", dt.date(2026, 3, 2), 45120)],
    )
    page = build_pack(model, compute(model, AS_OF), workbook_name="book.xlsm").pages[0]
    assert page.payment_note == (
        "If it is signed off on 30 Apr 2026, the as-of date, 45,120.00 EUR falls due on 1 Jun 2026."
    )


def test_sample_pro_forma_deductions_add_up() -> None:
    model, result, _ = sample()
    forma = pro_forma(model, result, select_milestones(result, None, workbook="x"))
    assert forma  # every awaiting sample milestone is a payment milestone
    for mid, r in forma.items():
        v = r.values
        deductions = v["retention_amount"] + v["advance_recovery"] + v["delay_damages"]  # type: ignore[operator]
        assert v["net_amount"] == v["milestone_value"] - deductions, mid  # type: ignore[operator]
        assert v["amount_due"] == v["net_amount"] + v["vat_amount"], mid  # type: ignore[operator]


# ------------------------------------------------------------------------------- the page


def test_sample_page_has_every_section() -> None:
    model, result, issues = sample()
    pack = build_pack(model, result, workbook_name="sample.xlsm", milestone_ids=["M-012"])
    page = pack.pages[0]
    r = result.by_id()["M-012"]
    assert page.computed and page.readiness.text == "Not ready"
    assert [c.name for c in page.checks] == [name for name, _m, _r in SIGNOFF_CHECKS]
    failed = {c.name: c for c in page.checks if c.result.text == "Fail"}
    assert "D-102" in failed["Deliverables"].finding
    assert "ISS-003" in failed["Blocking Issues"].finding
    assert [a.role for a in page.approvers] == [ra.role for ra in r.approvers]
    assert {s.role for s in page.signatories} == {ra.role for ra in r.approvers if ra.required}
    assert [d.deliverable_id for d in page.deliverables] == ["D-101", "D-102"]
    assert [i.issue_id for i in page.issues] == ["ISS-003"]
    dates = {f.label: f.value for f in page.dates}
    assert dates[MILESTONES.header("baseline_date")] == "19 Jun 2026"
    facts = {f.label: f.value for f in page.facts}
    assert facts["Supplier"] == "Northgate Roofing plc"
    assert pack.lines[0].readiness.text == "Not ready"
    assert pack.lines[0].amount.endswith(" GBP")
    assert len(issues) == 0


def test_change_orders_that_touch_the_milestone() -> None:
    model = _awaiting_model()
    model.change_orders = [
        b.change("CO-1", milestone_id="M-1", value_change=1500, extension_days=3),
        b.change("CO-2", milestone_id=None, extension_days=2, change_status="proposed"),
        b.change("CO-3", milestone_id="M-9"),
    ]
    page = build_pack(model, compute(model, AS_OF), workbook_name="b.xlsm").pages[0]
    lines = {c.change_id: c for c in page.changes}
    assert set(lines) == {"CO-1", "CO-2"}
    assert lines["CO-1"].value_change == "+1,500.00" and lines["CO-1"].extension_days == "+3"
    assert lines["CO-2"].scope == "whole contract" and lines["CO-2"].status.text == "proposed"


def test_an_issue_closed_after_the_as_of_date_is_listed_as_open() -> None:
    # As of 04-30, I-1 closed on 05-10 was still open: listed with the open issues, as the
    # Blocking Issues check counts it; I-2 closed on 04-20 is one of the closed ones.
    model = _awaiting_model()
    model.issues = [
        b.issue("I-1", blocking=True, issue_status="closed", closed_date=dt.date(2026, 5, 10)),
        b.issue("I-2", issue_status="closed", closed_date=dt.date(2026, 4, 20)),
    ]
    result = compute(model, AS_OF)
    page = build_pack(model, result, workbook_name="b.xlsm").pages[0]
    assert ([i.issue_id for i in page.issues], page.closed_issues) == (["I-1"], 1)
    assert "issue I-1 blocks sign-off" in str(result.milestones[0].values["signoff_blockers"])


def test_value_basis_quotes_the_engines_change_order_sums() -> None:
    model = _awaiting_model(retention_limit=D("0.1"))
    model.change_orders = [
        b.change("CO-1", milestone_id="M-1", value_change=1500),
        b.change("CO-2", milestone_id=None, value_change=10000),
    ]
    result = compute(model, AS_OF)
    # percent base 100,000 + 10,000 = 110,000.00; revised value 111,500.00, whose 10% limits
    # retention to 11,150.00; value 40% x 110,000 + 1,500 = 45,500.00.
    assert result.changes.percent_base["C-1"] == D(110000)
    assert result.changes.revised_value["C-1"] == D(111500)
    assert result.changes.own_value("M-1") == D(1500)
    page = build_pack(model, result, workbook_name="b.xlsm").pages[0]
    basis = {p.label: p.basis for p in page.payment}
    assert basis["Milestone Value"] == (
        "40% of 110,000.00 incl. contract-wide changes; change orders +1,500.00"
    )
    assert "(11,150.00)" in basis["Less retention"]
    # The pack quotes the sums the engine counted; it does not count the change orders again.
    sums = replace(
        result.changes,
        percent_base={"C-1": D(120000)},
        revised_value={"C-1": D(200000)},
        milestone_value={"M-1": D(7)},
    )
    page = build_pack(model, replace(result, changes=sums), workbook_name="b.xlsm").pages[0]
    basis = {p.label: p.basis for p in page.payment}
    assert basis["Milestone Value"].startswith("40% of 120,000.00 incl.")
    assert basis["Milestone Value"].endswith("change orders +7.00")
    assert "(20,000.00)" in basis["Less retention"]


def test_not_computed_milestone_named_explicitly_gets_a_page() -> None:
    m = b.model(milestones=[b.milestone("M-1", baseline_date=dt.date(2026, 6, 1))])
    m.skipped = [SkippedMilestone(9, "M-BAD")]
    result = compute(m, AS_OF)
    problem = Issue(
        Severity.ERROR, "bad-date", MILESTONES.name, 9, "Baseline Date", "F9", "x", "not a date"
    )
    pack = build_pack(m, result, workbook_name="b.xlsm", milestone_ids=["M-BAD"], issues=[problem])
    page = pack.pages[0]
    assert not page.computed and page.readiness.text == "Not computed"
    assert page.warnings == ["Milestones!F9: not a date"]
    assert any("1 validation error" in n for n in pack.notes)
    html = render_html(pack)
    assert "Not computed: see Validation." in html


def test_not_computed_milestone_keeps_its_name_and_contract_on_the_cover() -> None:
    m = b.model(milestones=[b.milestone("M-1", baseline_date=dt.date(2026, 6, 1))])
    m.skipped = [
        SkippedMilestone(9, "M-BAD", "C-1", "Fit-out signed"),
        SkippedMilestone(10, "M-ODD", "C-404", "Orphan"),
        SkippedMilestone(11, "M-BLANK"),
    ]
    result = compute(m, AS_OF)
    pack = build_pack(
        m, result, workbook_name="b.xlsm", milestone_ids=["M-BAD", "M-ODD", "M-BLANK"]
    )
    cover = [(line.name, line.contract, line.supplier) for line in pack.lines]
    assert cover == [
        ("Fit-out signed", "C-1 Contract C-1", "Acme Ltd"),  # the contract is known
        ("Orphan", "C-404", ""),  # as the row holds it
        ("", "", ""),
    ]
    assert [line.readiness.text for line in pack.lines] == ["Not computed"] * 3
    page = pack.pages[0]
    assert (page.name, page.contract, page.supplier) == cover[0]
    html = render_html(pack)
    assert "M-BAD · Fit-out signed</h1>" in html
    assert '<div class="supplier">Acme Ltd · C-1 Contract C-1</div>' in html
    assert '<div class="supplier">C-404</div>' in html
    assert pack.summary == "3 milestones: 3 not computed"


def test_a_milestone_whose_contract_has_errors_keeps_its_name() -> None:
    # The milestone's own row is fine; its contract's row was left out for its errors.
    m = b.model(milestones=[b.milestone("M-1", contract_id="C-9", milestone_name="Handover")])
    pack = build_pack(m, compute(m, AS_OF), workbook_name="b.xlsm", milestone_ids=["M-1"])
    line = pack.lines[0]
    assert (line.name, line.contract, line.readiness.text) == ("Handover", "C-9", "Not computed")


def test_cover_counts_only_milestones_awaiting_signoff_as_ready_or_not() -> None:
    model, result, _ = sample()
    by_id = result.by_id()
    assert by_id["M-001"].values["status"] == "Signed off"
    assert by_id["M-004"].values["signoff_ready"] and not by_id["M-012"].values["signoff_ready"]
    assert by_id["M-013"].values["status"] == "In progress"
    pack = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=["M-001", "M-004"])
    assert pack.summary == "2 milestones: 1 ready for sign-off, 0 not ready, 1 already signed off"
    ids = ["M-001", "M-004", "M-012", "M-013"]
    pack = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=ids)
    assert pack.summary == (
        "4 milestones: 1 ready for sign-off, 1 not ready, 1 in progress, 1 already signed off"
    )
    pack = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=["M-001"])
    assert pack.summary == "1 milestone: 1 already signed off"


# ------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (D("1234567.5"), "EUR", "1,234,567.50"),
        (D("7920000"), "JPY", "7,920,000"),
        (D("1234.5675"), "KWD", "1,234.568"),
        (D("-0.005"), "GBP", "-0.01"),
        (None, "GBP", "—"),
    ],
)
def test_money_has_separators_and_minor_units(amount: Decimal, currency: str, text: str) -> None:
    assert fmt_money(amount, currency) == text


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(D("0.05"), "5%"), (D("0.001"), "0.1%"), (D("0.2"), "20%"), (D("1"), "100%"), (None, "—")],
)
def test_ratio_as_percent(ratio: Decimal | None, text: str) -> None:
    assert fmt_ratio(ratio) == text


@pytest.mark.parametrize("name", ["pack.pdf", "PACK.PDF", "pack.html"])
def test_pack_formats(name: str) -> None:
    assert pack_format(name) in ("pdf", "html")


@pytest.mark.parametrize("name", ["pack.docx", "pack", "pack.htm.txt"])
def test_other_extensions_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match=r"\.pdf or \.html"):
        pack_format(name)


# ------------------------------------------------------------------------------- escaping

HOSTILE_SUPPLIER = '=HYPERLINK("http://example.invalid","x")'
SCRIPT = "<script>alert('pwned')</script>"


def test_user_text_is_escaped_in_the_html(tmp_path: Path) -> None:
    model = _awaiting_model()
    model.contracts["C-1"] = b.contract(
        "C-1", row=2, supplier=HOSTILE_SUPPLIER, contract_name=f"Fit-out {SCRIPT}"
    )
    model.milestones[0] = replace(
        model.milestones[0],
        milestone_name='<img src=x onerror="alert(1)">',
        acceptance_criteria="Tested & signed <b>by</b> the client",
        evidence="javascript:alert(1)",
    )
    model.deliverables = [
        b.deliverable(
            "D-1", "M-1", acceptance_status="accepted", evidence="https://dms.example/D-1"
        )
    ]
    out = write_signoff_pack(
        model, compute(model, AS_OF), workbook_name="<b>book</b>.xlsm", output=tmp_path / "p.html"
    )
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;http://example.invalid&#34;,&#34;x&#34;)" in html
    assert "Tested &amp; signed &lt;b&gt;by&lt;/b&gt; the client" in html
    # Only plain web addresses become links; any other scheme stays text.
    assert 'href="javascript:' not in html
    assert 'href="https://dms.example/D-1"' in html
    # One self-contained file: the stylesheet is inline, nothing is fetched.
    assert "<style>" in html and not re.search(r"<link|<script|<img", html)


def test_long_runs_without_a_space_may_break_and_words_do_not() -> None:
    assert breakable("Raised floors and ceilings") == "Raised floors and ceilings"
    assert breakable(None) == ""
    # 15 characters is a word; 16 without a space is a code that may break anywhere.
    assert breakable("Telecommunicate d") == "Telecommunicate d"
    assert breakable("a <ABCDEFGHIJKLMN> & b") == (
        'a <span class="long">&lt;ABCDEFGHIJKLMN&gt;</span> &amp; b'
    )


def test_a_row_may_break_across_pages_only_with_a_cell_of_much_text() -> None:
    assert not is_tall(["Racks installed", None, "x" * (TALL_TEXT - 1)])
    assert is_tall(["Racks installed", "x" * TALL_TEXT])
    # A wide (CJK) character takes two columns' room: half as many fill the cell as much.
    assert is_tall(["東" * (TALL_TEXT // 2)])
    assert not is_tall(["東" * (TALL_TEXT // 2 - 1)])


def test_a_long_name_may_break_in_every_table_cell_it_is_in() -> None:
    model = _awaiting_model()
    name = "COMMISSIONING_HVAC_BMS_INTEGRATION_FLOOR"
    model.milestones[0] = replace(model.milestones[0], milestone_name=name)
    html = render_html(build_pack(model, compute(model, AS_OF), workbook_name="b.xlsm"))
    # the cover's line and the page's facts; the heading is a block, where it wraps anyway
    assert html.count(f'<span class="long">{name}</span>') == 2
    assert f'<h1 data-running="M-1 · {name}">M-1 · {name}</h1>' in html


def test_the_cover_gives_names_a_fair_width_beside_long_blocker_lists() -> None:
    # Sized by their longest words alone, a contract's name and supplier wrapped word by word
    # beside long blocker lists: rows six lines tall, 706 milestones on 99 cover pages.
    weasyprint = pytest.importorskip("weasyprint")
    model, result, _issues = sample()
    pack = build_pack(model, result, workbook_name="b.xlsm")
    long = "no approver listed for role Commercial manager; warning: acceptance criteria blank"
    lines = [
        replace(
            line,
            name=f"Milestone {n} of C-0001{n}",
            contract=f"C-0001{n} Contract {n} works package",
            supplier=f"Supplier {n} Ltd",
            blockers=f"{long} {n}",
        )
        for n, line in enumerate(pack.lines)
    ]
    html = render_html(replace(pack, lines=lines, pages=[], actions=[]))
    page = weasyprint.HTML(string=html).render().pages[0]
    widths: dict[str, float] = {}
    boxes = [page._page_box]
    while boxes:
        box = boxes.pop()
        boxes.extend(getattr(box, "children", ()) or ())
        if type(box).__name__ == "TableCellBox" and box.element_tag == "th":
            widths["".join(box.element.itertext())] = box.width
    table = sum(widths[h] for h in _COVER_HEADERS)
    assert widths["Milestone"] / table > 0.14
    assert widths["Contract Name / Supplier"] / table > 0.18


_COVER_HEADERS = (
    "Milestone ID",
    "Milestone",
    "Contract Name / Supplier",
    "Amount Due",
    "Sign-off Ready",
    "Sign-off Blockers",
    "Page",
)


# ------------------------------------------------------------------------- sign-off deadline


def test_page_shows_the_signoff_deadline_in_red_when_overdue(tmp_path: Path) -> None:
    # Completed 11 Apr 2026, Sign-off Days 10: due 21 Apr; as of 30 Apr, 19 days waiting,
    # 9 days overdue.
    model = _awaiting_model()
    result = compute(model, AS_OF)
    page = build_pack(model, result, workbook_name="book.xlsm").pages[0]
    deadline = {f.label: (f.value, f.tone) for f in page.deadline}
    assert deadline == {
        "Sign-off Due": ("21 Apr 2026", ""),
        "Days Awaiting Sign-off": ("19", ""),
        "Sign-off days overdue": ("9", "bad"),
    }
    html = render_html(build_pack(model, result, workbook_name="book.xlsm"))
    assert '<td class="num bad">9</td>' in html
    # Not yet overdue: 0 days overdue, not in red.
    calm = replace(model, settings=b.settings(signoff_days=30))
    page = build_pack(calm, compute(calm, AS_OF), workbook_name="b.xlsm").pages[0]
    assert [(f.value, f.tone) for f in page.deadline] == [
        ("11 May 2026", ""),
        ("19", ""),
        ("0", ""),
    ]


def test_signed_off_page_has_no_deadline() -> None:
    model, result, _ = sample()
    signed = next(m for m, r in result.by_id().items() if r.values["status"] == "Signed off")
    page = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=[signed]).pages[0]
    assert page.deadline == []


def test_cover_shows_who_must_act() -> None:
    # Finance (Fran, pending) is what M-1 waits on; completed 11 Apr, due 21 Apr, so as of
    # 30 Apr it is 9 days overdue.
    model = _awaiting_model()
    pack = build_pack(model, compute(model, AS_OF), workbook_name="book.xlsm")
    assert [(a.milestone_id, a.role, a.name, a.decision, a.due) for a in pack.actions] == [
        ("M-1", "Finance", "Fran", "pending", "21 Apr 2026")
    ]
    assert (pack.actions[0].overdue.text, pack.actions[0].overdue.tone) == ("9 days overdue", "bad")
    html = render_html(pack)
    assert "Who must act" in html and "9 days overdue" in html


def test_cover_lists_only_the_pack_milestones() -> None:
    model, result, _ = sample()
    pack = build_pack(model, result, workbook_name="s.xlsm", milestone_ids=["M-004"])
    assert {a.milestone_id for a in pack.actions} == {"M-004"}
    assert [a.role for a in pack.actions] == ["Finance Manager", "Commercial Director"]


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        ("after_invoice", "30 days after the invoice date"),
        ("eom_after_invoice", "30 days after the end of the invoice month"),
    ],
)
def test_pro_forma_note_awaiting_an_invoice_is_one_sentence(basis: str, words: str) -> None:
    model = _awaiting_model(payment_terms_basis=basis)
    result = compute(model, AS_OF)
    page = build_pack(model, result, workbook_name="book.xlsm").pages[0]
    assert page.payment_note == (
        f"If it is signed off on 30 Apr 2026, the as-of date, 45,120.00 EUR falls due {words}, "
        "once the supplier has sent the invoice (none is recorded yet)."
    )
    terms = {f.label: f.value for f in page.terms}
    assert "_" not in terms["Payment Terms Basis"]
