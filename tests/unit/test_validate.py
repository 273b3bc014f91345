"""Every validation rule: one or more failing cases (code, severity, cell) and passing cases.

Each case starts from ``valid_sheets()``, a small workbook with no issue at all, changes a few
cells and checks what the validator reports. Rows are Excel rows: data starts on row 2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tests.factory import raw_workbook, setting, valid_sheets

from xl_milestones.core.issues import Severity
from xl_milestones.core.model import CellError
from xl_milestones.core.validate import Validation, validate

TODAY = dt.date(2026, 4, 1)
Sheets = dict[str, list[dict[str, Any]]]


def run(sheets: Sheets, **kw: Any) -> Validation:
    return validate(raw_workbook(sheets), today=TODAY, **kw)


def changed(fn: Callable[[Sheets], None]) -> Sheets:
    sheets = valid_sheets()
    fn(sheets)
    return sheets


def ms(i: int, **values: Any) -> Callable[[Sheets], None]:
    return lambda s: s["milestones"][i].update(values)


def row(sheet: str, i: int, **values: Any) -> Callable[[Sheets], None]:
    return lambda s: s[sheet][i].update(values)


def test_the_valid_workbook_has_no_issue_and_computes_every_milestone() -> None:
    result = run(valid_sheets())
    assert result.issues == []
    assert [m.milestone_id for m in result.model.milestones] == ["M-001", "M-002", "M-003", "M-101"]
    assert result.model.skipped == []
    assert set(result.model.contracts) == {"C-001", "C-002"}
    assert len(result.model.deliverables) == len(result.model.signoffs) == 1


E, W = Severity.ERROR, Severity.WARNING

# (code, severity, change, sheet name, cell)
FAILING: list[tuple[str, Severity, Callable[[Sheets], None], str, str]] = [
    ("required", E, ms(0, milestone_name=None), "Milestones", "C2"),
    ("required", E, row("contracts", 1, currency="   "), "Contracts", "D3"),
    ("whitespace-only", W, ms(0, notes="   "), "Milestones", "R2"),
    (
        "formula-error",
        E,
        row("contracts", 0, original_value=CellError("#DIV/0!")),
        "Contracts",
        "E2",
    ),
    ("formula-error", E, ms(1, predecessors="#N/A"), "Milestones", "N3"),
    ("not-a-date", E, ms(0, baseline_date="soon"), "Milestones", "G2"),
    ("not-a-date", E, ms(0, baseline_date=True), "Milestones", "G2"),
    ("not-a-date", E, ms(0, baseline_date=-5), "Milestones", "G2"),
    ("date-as-text", W, ms(0, baseline_date="2026-02-27"), "Milestones", "G2"),
    ("date-text-not-iso", E, ms(0, baseline_date="27/02/2026"), "Milestones", "G2"),
    ("date-text-not-iso", E, ms(0, baseline_date="Feb 27, 2026"), "Milestones", "G2"),
    ("number-as-text", E, row("contracts", 0, original_value="120,000"), "Contracts", "E2"),
    ("number-as-text", E, row("contracts", 0, retention_rate="5%"), "Contracts", "J2"),
    ("not-a-number", E, row("contracts", 0, original_value="lots"), "Contracts", "E2"),
    ("not-a-number", E, row("contracts", 0, original_value=True), "Contracts", "E2"),
    ("not-a-number", E, row("contracts", 0, original_value=dt.date(2026, 1, 1)), "Contracts", "E2"),
    ("not-a-whole-number", E, row("contracts", 0, payment_terms_days=30.5), "Contracts", "H2"),
    ("ratio-as-whole-number", E, row("contracts", 0, retention_rate=10), "Contracts", "J2"),
    ("out-of-range", E, row("contracts", 0, retention_rate=0.6), "Contracts", "J2"),
    ("out-of-range", E, row("contracts", 0, original_value=0), "Contracts", "E2"),
    ("out-of-range", E, row("contracts", 0, payment_terms_days=400), "Contracts", "H2"),
    ("out-of-range", E, row("invoices", 0, paid_amount=-1), "Invoices", "F2"),
    ("not-yes-no", E, ms(3, on_hold="maybe"), "Milestones", "P5"),
    ("not-in-list", E, ms(0, milestone_type="milestone"), "Milestones", "D2"),
    ("not-an-id", E, ms(0, milestone_id=True), "Milestones", "A2"),
    ("id-spaces", E, row("contracts", 1, contract_id=" C-002"), "Contracts", "A3"),
    ("unknown-currency", E, row("contracts", 1, currency="XYZ"), "Contracts", "D3"),
    ("unknown-currency", E, row("fx_rates", 0, currency="EURO"), "FX Rates", "A2"),
    ("duplicate-id", E, ms(1, milestone_id="M-001"), "Milestones", "A2"),
    ("duplicate-id", E, ms(1, milestone_id="M-001"), "Milestones", "A3"),
    ("unknown-setting", E, row("settings", 2, setting="Late Intrest Regime"), "Settings", "A4"),
    ("duplicate-setting", E, row("settings", 2, setting=setting("as_of_date")), "Settings", "A4"),
    (
        "unknown-country",
        E,
        row("settings", 2, setting="Holiday Country", value="XX"),
        "Settings",
        "B4",
    ),
    (
        "unknown-country",
        E,
        row("settings", 2, setting="Holiday Country", value="GB-XXX"),
        "Settings",
        "B4",
    ),
    ("unknown-currency", E, row("settings", 1, value="POUNDS"), "Settings", "B3"),
    ("not-in-list", E, row("settings", 2, value="france"), "Settings", "B4"),
    ("unknown-reference", E, ms(0, contract_id="C-999"), "Milestones", "B2"),
    ("unknown-reference", E, row("deliverables", 0, milestone_id="M-999"), "Deliverables", "B2"),
    ("unknown-reference", E, ms(1, predecessors="M-001, M-999"), "Milestones", "N3"),
    ("unknown-reference", E, row("change_orders", 0, contract_id="C-9"), "Change Orders", "B2"),
    ("cross-contract-predecessor", E, ms(3, predecessors="M-001"), "Milestones", "N5"),
    (
        "milestone-not-in-contract",
        E,
        row("change_orders", 0, contract_id="C-002"),
        "Change Orders",
        "C2",
    ),
    ("predecessor-cycle", E, ms(0, predecessors="M-002"), "Milestones", "N2"),
    ("predecessor-cycle", E, ms(0, predecessors="M-002"), "Milestones", "N3"),
    ("predecessor-cycle", E, ms(3, predecessors="M-101"), "Milestones", "N5"),
    ("date-order", E, row("contracts", 0, end_date=dt.date(2025, 1, 1)), "Contracts", "G2"),
    (
        "date-order",
        E,
        row("deliverables", 0, accepted_date=dt.date(2026, 2, 1)),
        "Deliverables",
        "F2",
    ),
    ("date-order", E, row("invoices", 0, paid_date=dt.date(2026, 3, 1)), "Invoices", "E2"),
    ("date-order", E, ms(0, actual_date=dt.date(2025, 12, 1)), "Milestones", "I2"),
    ("date-order", E, row("signoffs", 0, decision_date=dt.date(2026, 2, 1)), "Sign-offs", "E2"),
    (
        "date-order",
        E,
        row("issues", 0, issue_status="closed", closed_date=dt.date(2026, 2, 1)),
        "Issues",
        "H2",
    ),
    ("future-date", E, ms(1, actual_date=dt.date(2026, 5, 1)), "Milestones", "I3"),
    ("future-date", E, row("signoffs", 0, decision_date=dt.date(2026, 5, 1)), "Sign-offs", "E2"),
    (
        "status-date-required",
        E,
        row("deliverables", 0, accepted_date=None),
        "Deliverables",
        "F2",
    ),
    ("status-date-required", E, row("signoffs", 0, decision_date=None), "Sign-offs", "E2"),
    ("status-date-required", E, row("change_orders", 0, approved_date=None), "Change Orders", "H2"),
    ("status-date-required", E, row("issues", 0, issue_status="closed"), "Issues", "H2"),
    ("paid-date-required", E, row("invoices", 0, paid_date=None), "Invoices", "E2"),
    ("paid-amount-missing", W, row("invoices", 0, paid_amount=None), "Invoices", "F2"),
    ("paid-amount-missing", W, row("invoices", 0, paid_amount=0), "Invoices", "F2"),
    ("advance-over-value", E, row("contracts", 1, advance_amount=60000), "Contracts", "L3"),
    ("payment-percent-required", E, ms(0, payment_percent=None), "Milestones", "L2"),
    ("payment-amount-required", E, ms(3, payment_amount=None), "Milestones", "M5"),
    ("payment-field-unused", W, ms(3, payment_percent=0.5), "Milestones", "L5"),
    ("payment-field-unused", W, ms(0, payment_amount=100), "Milestones", "M2"),
    ("payment-percent-over-100", E, ms(1, payment_percent=0.7), "Milestones", "L2"),
    ("payment-percent-over-100", E, ms(1, payment_percent=0.7), "Milestones", "L3"),
    ("payment-percent-under-100", W, ms(1, payment_percent=0.5), "Contracts", "A2"),
    (
        "retention-release-over-100",
        E,
        lambda s: s["milestones"].append(
            {
                "milestone_id": "M-004",
                "contract_id": "C-001",
                "milestone_name": "Second release",
                "milestone_type": "payment",
                "baseline_date": dt.date(2026, 12, 1),
                "payment_basis": "retention_release",
                "payment_percent": 0.5,
            }
        ),
        "Milestones",
        "L6",
    ),
    ("percent-complete-mismatch", W, ms(0, percent_complete=0.5), "Milestones", "J2"),
    (
        "rejection-without-comment",
        W,
        row("signoffs", 0, decision="rejected"),
        "Sign-offs",
        "F2",
    ),
    ("self-approval", W, row("signoffs", 0, approver_name="dana  LEE"), "Sign-offs", "C2"),
    ("missing-fx-rate", E, lambda s: s.pop("fx_rates"), "Contracts", "D3"),
    (
        "duplicate-value",
        E,
        lambda s: s["fx_rates"].append(dict(s["fx_rates"][0])),
        "FX Rates",
        "A3",
    ),
    (
        "duplicate-value",
        W,
        lambda s: s["holidays"].append(dict(s["holidays"][0])),
        "Holidays",
        "A3",
    ),
]


@pytest.mark.parametrize(
    ("code", "severity", "change", "sheet", "cell"),
    FAILING,
    ids=[f"{c[0]}-{c[3]}-{c[4]}-{i}" for i, c in enumerate(FAILING)],
)
def test_rule_reports_its_code_at_the_cell(
    code: str, severity: Severity, change: Callable[[Sheets], None], sheet: str, cell: str
) -> None:
    result = run(changed(change))
    hits = [i for i in result.issues if i.code == code and i.sheet == sheet and i.cell == cell]
    assert hits, f"no {code} at {sheet}!{cell}; got {[(i.code, i.cell) for i in result.issues]}"
    issue = hits[0]
    assert issue.severity is severity
    assert issue.row == int("".join(ch for ch in cell if ch.isdigit()))
    assert issue.message and issue.column
    # Messages say how to fix: every one has an instruction after the colon.
    assert ":" in issue.message or issue.code == "ratio-as-whole-number"


# Values that look unusual but are valid: no issue at all.
PASSING: list[tuple[str, Callable[[Sheets], None]]] = [
    ("iso date is a real date", ms(0, baseline_date=dt.datetime(2026, 2, 27, 0, 0))),
    ("serial number is a date", ms(0, baseline_date=46080)),
    ("ratio as fraction", row("contracts", 0, retention_rate=0.1)),
    ("ratio of exactly 100%", ms(0, percent_complete=1)),
    ("yes/no spellings", ms(3, on_hold="Yes", cancelled=0)),
    ("TRUE boolean", ms(3, on_hold=False, cancelled=False)),
    ("enum in other case", ms(0, payment_basis="Percent", milestone_type="PAYMENT")),
    ("enum with spaces for underscores", ms(2, payment_basis="Retention Release")),
    ("currency in lower case", row("contracts", 1, currency="eur")),
    ("numeric ids match text ids", lambda s: _numeric_ids(s)),
    ("predecessors separated by semicolons", ms(2, predecessors="M-001;M-002;")),
    ("percentages adding to exactly 100%", ms(1, payment_percent=0.6)),
    ("negative change order", row("change_orders", 0, value_change=-500, extension_days=-3)),
    ("blank optional sheets", lambda s: [s.pop(k) for k in ("issues", "holidays", "invoices")]),
    ("rejection with a comment", row("signoffs", 0, decision="rejected", comment="Incomplete")),
    ("approver is not the owner", row("signoffs", 0, approver_name="Dana Leeds")),
    ("whole number in float form", row("contracts", 0, payment_terms_days=30.0)),
    ("retention at its 50% limit", row("contracts", 0, retention_rate=0.5)),
    ("actual date on the as-of date", ms(1, actual_date=dt.date(2026, 3, 31), percent_complete=1)),
    (
        "a blank row of spaces only warns",
        lambda s: s["deliverables"].append({"deliverable_name": "  "}),
    ),
]


def _numeric_ids(s: Sheets) -> None:
    s["contracts"][1]["contract_id"] = 1001
    s["milestones"][3]["contract_id"] = "1001"


@pytest.mark.parametrize(("name", "change"), PASSING, ids=[p[0] for p in PASSING])
def test_valid_variants_raise_no_error(name: str, change: Callable[[Sheets], None]) -> None:
    result = run(changed(change))
    if name == "a blank row of spaces only warns":
        assert [(i.code, i.severity) for i in result.issues] == [("whitespace-only", W)]
        assert len(result.model.deliverables) == 1
        return
    assert result.issues == []
    assert result.model.skipped == []


def test_ratio_message_says_how_to_enter_a_percentage() -> None:
    result = run(changed(row("contracts", 0, retention_rate=10)))
    (issue,) = [i for i in result.issues if i.code == "ratio-as-whole-number"]
    assert issue.message == "enter 10% (0.10), not 10"
    assert issue.value == "10"


@pytest.mark.parametrize(
    ("typed", "ambiguous"),
    [("27/02/2026", True), ("2026/2/27", True), ("April 27 2026", False), ("27-Feb-2026", False)],
)
def test_a_text_date_is_called_ambiguous_only_when_written_in_numbers(
    typed: str, ambiguous: bool
) -> None:
    # 27/02/2026 could be read as day/month or month/day in another file; a month written as
    # a word cannot, and the message must not say it can.
    result = run(changed(ms(0, baseline_date=typed)))
    (issue,) = [i for i in result.issues if i.code == "date-text-not-iso"]
    assert ("can be read more than one way" in issue.message) is ambiguous
    assert issue.message.startswith(f"'{typed}' is a date written as text")
    assert issue.message.endswith(": enter it as a date (or as text in the form 2026-03-31)")


def test_a_long_value_is_quoted_cut_with_its_length_and_kept_whole_as_the_value() -> None:
    typed = "L" * 40_000
    result = run(changed(ms(0, baseline_date=typed)))
    (issue,) = [i for i in result.issues if i.code == "not-a-date"]
    assert issue.message == (
        f"'{'L' * 60}...' (40,000 characters) is not a date: enter a date such as 2026-03-31"
    )
    assert issue.value == typed
    # A value of the usual length is quoted whole.
    result = run(changed(ms(0, baseline_date="soon")))
    (issue,) = [i for i in result.issues if i.code == "not-a-date"]
    assert issue.message.startswith("'soon' is not a date")


def test_a_region_code_is_a_holiday_country() -> None:
    result = run(changed(row("settings", 2, setting="Holiday Country", value="gb-eng")))
    assert [i for i in result.issues if i.field == "value"] == []
    assert result.model.settings.holiday_country == "GB-ENG"


def test_cycle_message_names_the_cycle() -> None:
    result = run(changed(ms(0, predecessors="M-002")))
    (message,) = {i.message for i in result.issues if i.code == "predecessor-cycle"}
    assert "M-001 → M-002 → M-001" in message


def test_self_cycle_is_named() -> None:
    result = run(changed(ms(3, predecessors="M-101")))
    (issue,) = [i for i in result.issues if i.code == "predecessor-cycle"]
    assert "M-101 → M-101" in issue.message


def test_unknown_setting_suggests_the_nearest_name() -> None:
    result = run(changed(row("settings", 2, setting="Late Intrest Regime")))
    (issue,) = [i for i in result.issues if i.code == "unknown-setting"]
    assert "Late Interest Regime" in issue.message


def test_issues_are_sorted_by_sheet_row_and_column() -> None:
    def spoil(s: Sheets) -> None:
        s["milestones"][1].update(milestone_type="x", baseline_date="soon")
        s["milestones"][0].update(owner=CellError("#REF!"))
        s["contracts"][0].update(retention_rate=20)

    issues = run(changed(spoil)).issues
    assert [i.sort_key() for i in issues] == sorted(i.sort_key() for i in issues)
    assert issues[0].sheet == "Contracts"


# ---------------------------------------------------------------------------- the as-of date


def test_as_of_comes_from_settings_then_the_argument_then_today() -> None:
    assert run(valid_sheets()).as_of == dt.date(2026, 3, 31)
    assert run(valid_sheets(), as_of=dt.date(2026, 1, 31)).as_of == dt.date(2026, 1, 31)
    no_settings = changed(lambda s: s.pop("settings"))
    assert run(no_settings).as_of == TODAY


def test_where_the_as_of_date_came_from_is_said() -> None:
    assert run(valid_sheets()).as_of_source == "settings"
    assert run(valid_sheets(), as_of=dt.date(2026, 1, 31)).as_of_source == "option"
    assert run(changed(lambda s: s.pop("settings"))).as_of_source == "no-settings-sheet"
    no_date = changed(
        lambda s: s.__setitem__(
            "settings", [r for r in s["settings"] if r["setting"] != setting("as_of_date")]
        )
    )
    assert run(no_date).as_of_source == "no-as-of-date"
    blank = changed(
        lambda s: [
            r.update(value=None) for r in s["settings"] if r["setting"] == setting("as_of_date")
        ]
    )
    assert run(blank).as_of_source == "no-as-of-date"
    assert run(blank).as_of == TODAY
    spaces = changed(
        lambda s: [
            r.update(value="  ") for r in s["settings"] if r["setting"] == setting("as_of_date")
        ]
    )
    assert run(spaces).as_of_source == "no-as-of-date"  # read as blank (a warning)
    text = changed(
        lambda s: [
            r.update(value="tomorrow")
            for r in s["settings"]
            if r["setting"] == setting("as_of_date")
        ]
    )
    assert run(text).as_of_source == "invalid-as-of-date"  # an error on its cell
    assert run(text).as_of == TODAY


def test_settings_rows_are_known_to_the_model() -> None:
    rows = run(valid_sheets()).model.setting_rows
    assert rows["as_of_date"] == 2


def test_future_dates_are_judged_against_the_as_of_date_in_use() -> None:
    sheets = changed(ms(1, actual_date=dt.date(2026, 3, 20), percent_complete=1))
    assert run(sheets).issues == []
    early = run(sheets, as_of=dt.date(2026, 3, 10))
    assert any(i.code == "future-date" for i in early.issues)


# ------------------------------------------------------------------------------- the model


def test_model_applies_the_schema_defaults() -> None:
    model = run(valid_sheets()).model
    c2 = model.contracts["C-002"]
    assert c2.payment_terms_days == 30
    assert c2.payment_terms_basis == "after_invoice"
    assert c2.advance_recovery_threshold == Decimal("0.10")
    assert c2.retention_limit is None
    m = {m.milestone_id: m for m in model.milestones}
    assert m["M-101"].predecessors == ()
    assert m["M-101"].on_hold is False
    assert m["M-101"].percent_complete == Decimal(0)
    assert m["M-003"].predecessors == ("M-001", "M-002")
    assert m["M-001"].payment_percent == Decimal("0.4")
    assert model.settings.late_interest_regime == "uk"
    assert model.settings.at_risk_window_days == 14
    assert model.fx_rates["EUR"].rate_to_reporting == Decimal("0.85")


def test_money_keeps_the_decimal_the_user_typed() -> None:
    model = run(changed(row("contracts", 0, original_value=1234.56))).model
    assert model.contracts["C-001"].original_value == Decimal("1234.56")


def test_actual_date_makes_a_milestone_complete() -> None:
    model = run(changed(ms(0, percent_complete=None))).model
    assert model.milestones[0].percent_complete == Decimal(1)


def test_reporting_currency_defaults_to_the_most_common_contract_currency() -> None:
    def change(s: Sheets) -> None:
        s["settings"] = [r for r in s["settings"] if r["setting"] != setting("reporting_currency")]
        s["contracts"][0]["currency"] = "EUR"
        s["contracts"][1]["currency"] = "EUR"

    result = run(changed(change))
    assert result.model.settings.reporting_currency == "EUR"
    assert not any(i.code == "missing-fx-rate" for i in result.issues)


def test_date_serials_follow_the_1904_date_system() -> None:
    sheets = changed(ms(0, baseline_date=44619))
    assert run(sheets).model.milestones[0].baseline_date == dt.date(2022, 2, 27)
    raw = raw_workbook(sheets, date1904=True)
    got = validate(raw, today=TODAY).model.milestones[0].baseline_date
    assert got == dt.date(2026, 2, 28)  # 1904 serials are 1,462 days later


# ------------------------------------------------------------------ what is not computed


def skipped(result: Validation) -> set[str | None]:
    return {s.milestone_id for s in result.model.skipped}


def test_a_bad_milestone_row_is_skipped_with_its_contracts_payment_milestones() -> None:
    result = run(changed(ms(1, baseline_date="soon")))
    # M-002 is bad; M-001 and M-003 pay on the same contract, and M-003 follows M-002.
    assert skipped(result) == {"M-001", "M-002", "M-003"}
    assert [m.milestone_id for m in result.model.milestones] == ["M-101"]


def test_a_bad_contract_row_skips_its_milestones_only() -> None:
    result = run(changed(row("contracts", 1, original_value="lots")))
    assert skipped(result) == {"M-101"}
    assert "C-002" not in result.model.contracts


def test_a_bad_feeding_row_skips_the_milestone_it_feeds() -> None:
    result = run(changed(row("signoffs", 0, decision="maybe")))
    assert "M-001" in skipped(result)
    assert "M-101" not in skipped(result)


def test_a_bad_non_payment_milestone_does_not_block_its_contract() -> None:
    def change(s: Sheets) -> None:
        s["milestones"].append(
            {
                "milestone_id": "M-102",
                "contract_id": "C-002",
                "milestone_name": "Kick-off",
                "milestone_type": "project",
                "baseline_date": "soon",
            }
        )

    result = run(changed(change))
    assert skipped(result) == {"M-102"}


def test_a_skip_spreads_along_predecessors_and_contracts_whatever_the_row_order() -> None:
    def change(s: Sheets) -> None:
        # Listed successor first: P-3 follows P-2 follows the bad P-1 (project milestones on
        # C-002); P-2 also pays, so C-002's other payment milestone M-101 cannot be computed,
        # and P-4, which follows M-101 only, is skipped in turn.
        first = {"contract_id": "C-002", "milestone_name": "Step", "milestone_type": "project"}
        s["milestones"][:0] = [
            {
                **first,
                "milestone_id": "P-4",
                "baseline_date": dt.date(2026, 6, 1),
                "predecessors": "M-101",
            },
            {
                **first,
                "milestone_id": "P-3",
                "baseline_date": dt.date(2026, 5, 1),
                "predecessors": "P-2",
            },
            {
                **first,
                "milestone_id": "P-2",
                "baseline_date": dt.date(2026, 4, 1),
                "predecessors": "P-1",
                "payment_basis": "fixed",
                "payment_amount": 1000,
            },
            {**first, "milestone_id": "P-1", "baseline_date": "soon"},
        ]

    result = run(changed(change))
    assert skipped(result) == {"P-1", "P-2", "P-3", "M-101", "P-4"}
    assert [m.milestone_id for m in result.model.milestones] == ["M-001", "M-002", "M-003"]


def test_a_settings_error_leaves_nothing_computed() -> None:
    result = run(changed(row("settings", 2, value="france")))
    assert len(result.model.skipped) == 4
    assert result.model.milestones == []


def test_warnings_do_not_skip_anything() -> None:
    result = run(changed(row("signoffs", 0, approver_name="Dana Lee")))
    assert result.issues and all(i.severity is W for i in result.issues)
    assert result.model.skipped == []


def test_a_reference_to_an_id_typed_with_spaces_points_at_that_row() -> None:
    # M-001 is typed " M-001 " (refused for its spaces): its deliverable and its successor's
    # predecessor name it as typed without them, and are told where it is, not that it is absent.
    sheets = changed(ms(0, milestone_id=" M-001 "))
    sheets["contracts"][1]["contract_id"] = "C-002 "
    by_cell = {(i.sheet, i.cell): i for i in run(sheets).issues}
    spaced = "on the Milestones sheet only with spaces around it (row 2): remove them there"
    assert by_cell[("Milestones", "A2")].code == "id-spaces"
    deliverable = by_cell[("Deliverables", "B2")]
    assert deliverable.code == "unknown-reference"
    assert deliverable.message == f"Milestone ID M-001 is {spaced}"
    predecessor = by_cell[("Milestones", "N3")]
    assert predecessor.message == f"predecessor M-001 is {spaced}"
    contract = by_cell[("Milestones", "B5")]
    assert contract.message == (
        "Contract ID C-002 is on the Contracts sheet only with spaces around it (row 3): "
        "remove them there"
    )
    # An id that is on no sheet at all keeps the plain message.
    plain = run(changed(row("deliverables", 0, milestone_id="M-999"))).issues
    assert [i.message for i in plain if i.code == "unknown-reference"] == [
        "Milestone ID M-999 is not on the Milestones sheet: correct the id or add the milestone"
    ]


def test_predecessor_ids_separated_by_spaces_alone_are_told_to_take_commas() -> None:
    # "M-001 M-002" is one id to the list reader (commas or semicolons separate ids); both
    # halves are milestones, so the message says how to separate them.
    issues = run(changed(ms(2, predecessors="M-001 M-002"))).issues
    (found,) = [i for i in issues if i.code == "unknown-reference"]
    assert (found.sheet, found.cell) == ("Milestones", "N4")
    assert found.message == (
        "predecessors M-001 M-002 are separated by spaces only, so they read as one id: "
        "separate them with commas (M-001, M-002)"
    )
    # A part that is no milestone keeps the plain message.
    issues = run(changed(ms(2, predecessors="M-001 M-999"))).issues
    (found,) = [i for i in issues if i.code == "unknown-reference"]
    assert found.message.startswith("predecessor M-001 M-999 is not on the Milestones sheet")


def test_a_paid_date_without_a_paid_amount_is_said_to_leave_the_invoice_unpaid() -> None:
    # Paid Amount defaults to 0, so a Paid Date typed alone left the invoice unpaid (overdue,
    # with late interest) in silence; the warning is on the Paid Amount cell to fill.
    result = run(changed(row("invoices", 0, paid_amount=None)))
    (found,) = [i for i in result.issues if i.code == "paid-amount-missing"]
    assert (found.sheet, found.column, found.severity) == ("Invoices", "Paid Amount", W)
    assert found.message == (
        "Paid Date 2026-03-20 has no Paid Amount, so the invoice counts as unpaid: enter the "
        "amount paid, or clear the Paid Date if nothing was paid"
    )
    assert result.model.skipped == []


def test_a_paid_date_after_the_as_of_date_is_said_not_counted() -> None:
    # The payment is left out as of the as-of date (outstanding, status, interest), so the
    # validator says so on the cell; a warning: nothing is skipped.
    as_of = run(valid_sheets()).as_of
    later = as_of + dt.timedelta(days=5)
    result = run(changed(row("invoices", 0, paid_date=later)))
    (found,) = [i for i in result.issues if i.code == "paid-after-as-of"]
    assert (found.sheet, found.column, found.severity) == ("Invoices", "Paid Date", W)
    assert found.message == (
        f"Paid Date {later.isoformat()} is after the as-of date {as_of.isoformat()}: the "
        "payment is not counted as of it; if it was paid by then, correct the date"
    )
    assert result.model.skipped == []


def test_an_invoice_dated_after_the_as_of_date_is_said_not_counted() -> None:
    # The invoice does not exist yet as of the as-of date (its milestone awaits its invoice
    # under invoice-based terms), which was done in silence; a warning, as for a Paid Date.
    as_of = run(valid_sheets()).as_of
    later = as_of + dt.timedelta(days=5)
    result = run(changed(row("invoices", 0, invoice_date=later, paid_date=None, paid_amount=None)))
    (found,) = [i for i in result.issues if i.code == "invoice-after-as-of"]
    assert (found.sheet, found.column, found.severity) == ("Invoices", "Invoice Date", W)
    assert found.message == (
        f"Invoice Date {later.isoformat()} is after the as-of date {as_of.isoformat()}: the "
        "invoice (and its payment) is not counted as of it; if it was sent by then, correct "
        "the date"
    )
    assert result.model.skipped == []


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1.250,50", "1250.50"),  # a decimal comma with dots for thousands
        ("1250,5", "1250.5"),
        ("EUR 1,250", "1250"),  # a currency code before or after the amount
        ("1250 GBP", "1250"),
        ("\u22121250", "-1250"),  # a minus sign (U+2212) pasted from a report
        ("1,250.50", "1250.50"),  # as before: thousands commas, and a sign
        ("£1,250", "1250"),
    ],
)
def test_an_amount_typed_as_text_is_told_the_number_it_reads_as(typed: str, number: str) -> None:
    # Text in an amount column is an error either way; the message shows the number to enter,
    # where a decimal comma, a currency code or a minus sign got only "enter a number".
    result = run(changed(row("contracts", 0, original_value=typed)))
    (found,) = [i for i in result.issues if i.cell == "E2"]
    assert found.code == "number-as-text"
    assert found.message == (
        f"{typed!r} is a number stored as text: enter it as a number ({number}) so that it counts"
    )


@pytest.mark.parametrize("typed", ["1,000,00", "EURO 100", "EUR", "12,5,0"])
def test_text_that_is_no_number_is_told_so(typed: str) -> None:
    result = run(changed(row("contracts", 0, original_value=typed)))
    (found,) = [i for i in result.issues if i.cell == "E2"]
    assert found.code == "not-a-number"


def test_a_value_change_on_a_milestone_without_payment_is_said_to_pay_nowhere() -> None:
    # M-002 changed by 5,000 and made Payment Basis none: no milestone pays the 5,000, yet it
    # raises the revised contract value (retention limit, delay damages cap) in silence.
    result = run(changed(ms(1, payment_basis="none", payment_percent=None)))
    (found,) = [i for i in result.issues if i.code == "change-value-unpaid"]
    assert (found.sheet, found.column, found.cell, found.severity) == (
        "Change Orders",
        "Value Change",
        "E2",
        W,
    )
    assert found.message == (
        "milestone M-002 has Payment Basis none, so no milestone pays this Value Change of "
        "5000, though it counts in the revised contract value: name the payment milestone it "
        "changes, or leave Milestone ID blank for the whole contract"
    )
    assert result.model.skipped == []


@pytest.mark.parametrize(
    "change",
    [
        {},  # on a percent milestone: paid with it
        {"value_change": 0},  # a change of dates alone
        {"change_status": "rejected"},
        {"milestone_id": None},  # the whole contract
    ],
)
def test_a_value_change_that_is_paid_or_void_is_not_warned_of(change: dict[str, Any]) -> None:
    def edit(s: Sheets) -> None:
        if change:
            s["milestones"][1].update(payment_basis="none", payment_percent=None)
        s["change_orders"][0].update(change)

    assert "change-value-unpaid" not in {i.code for i in run(changed(edit)).issues}
