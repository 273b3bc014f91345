"""The engine's contract with its callers: result shape, row order, skipped rows, warnings."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from builders import change, contract, deliverable, invoice, milestone, model, settings, signoff
from xl_milestones.core.engine import RESULT_FIELDS, compute
from xl_milestones.core.model import SkippedMilestone
from xl_milestones.core.schema import MILESTONES, NOT_COMPUTED, STATUSES

D = Decimal
AS_OF = date(2026, 4, 30)


def _model():  # type: ignore[no-untyped-def]
    return model(
        milestones=[
            milestone(
                "M-1",
                row=2,
                actual_date=date(2026, 3, 30),
                payment_basis="fixed",
                payment_amount=D("1000"),
            ),
            milestone("M-3", row=4, baseline_date=date(2026, 9, 30)),
        ],
        signoffs=[signoff("M-1")],
        invoices=[invoice("I-1", "M-1", date(2026, 4, 3), 1000, date(2026, 4, 20), 1000)],
        skipped=[SkippedMilestone(3, "M-2"), SkippedMilestone(5, None)],
    )


def test_every_result_field_in_row_order_with_skipped_rows() -> None:
    out = compute(_model(), AS_OF)
    assert [r.row for r in out.milestones] == [2, 3, 4, 5]
    assert [r.computed for r in out.milestones] == [True, False, True, False]
    for r in out.milestones:
        assert list(r.values) == [f.name for f in MILESTONES.results] == list(RESULT_FIELDS)
    skipped = out.milestones[1]
    assert skipped.milestone_id == "M-2"
    assert skipped.explanation == NOT_COMPUTED
    assert set(skipped.values.values()) == {None}
    assert out.totals["not_computed"] == 2
    assert out.totals["computed"] == 2


def test_value_types() -> None:
    v = compute(_model(), AS_OF).milestones[0].values
    assert v["milestone_value"] == D("1000.00")
    assert str(v["amount_due"]) == "1000.00"
    assert str(v["retention_amount"]) == "0.00"  # a zero shows with the currency's decimals
    assert isinstance(v["days_late"], int)
    assert v["signoff_ready"] is True
    assert v["payment_status"] == "Paid"
    assert isinstance(v["payment_due_date"], date)


def test_totals_are_json() -> None:
    out = compute(_model(), AS_OF)
    text = json.dumps(out.totals)
    back = json.loads(text)
    assert back["status"]["Signed off"] == 1
    assert set(back["status"]) == set(STATUSES)
    assert back["reporting_currency"] == "EUR"


def test_unknown_holiday_country_is_a_warning_not_a_crash() -> None:
    m = _model()
    m.settings = settings(holiday_country="ZZ")
    out = compute(m, AS_OF)
    (warning,) = out.issues
    assert warning.code == "unknown-holiday-country"
    assert warning.sheet == "Settings"
    assert out.milestones[0].values["payment_due_date"] == date(2026, 5, 4)


def test_cell_locator_gives_the_cell() -> None:
    m = _model()
    m.invoices.append(invoice("I-2", "M-1", date(2026, 4, 3), 50, date(2026, 4, 21), 50))
    out = compute(m, AS_OF, cell_of=lambda sheet, field, row: f"Z{row}")
    (warning,) = out.issues
    assert (warning.code, warning.cell, warning.row) == ("overpaid", "Z2", 2)
    assert compute(m, AS_OF).issues[0].cell is None


def test_as_of_is_a_parameter() -> None:
    # The same model a month earlier: M-3 still Not started but M-1 not yet paid.
    early = compute(_model(), date(2026, 4, 10)).by_id()
    assert early["M-1"].values["paid_amount"] == D("0.00")
    assert early["M-1"].values["payment_status"] == "Not yet due"


def test_explanations_are_one_sentence() -> None:
    out = compute(_model(), AS_OF)
    for r in out.milestones:
        if r.computed:
            assert r.explanation.endswith(".")
            assert r.payment_explanation.endswith(".")


def test_contract_without_milestones_and_empty_model() -> None:
    out = compute(model(contracts=[contract()]), AS_OF)
    assert out.milestones == []
    assert out.payment_schedule == []
    assert out.scurve == []
    assert out.dashboard["milestones"] == 0
    assert compute(model(contracts=[]), AS_OF).reporting_currency == "EUR"


def test_explanations_written_when_read_keep_their_own_run() -> None:
    # The sentences are written on first read: each must still describe the run that made it,
    # not a later run over the same model nor a later read.
    m = model(milestones=[milestone("M-9", row=2, baseline_date=date(2026, 3, 31))])
    early = compute(m, date(2026, 3, 20)).milestones[0]
    late = compute(m, date(2026, 4, 14)).milestones[0]
    assert late.explanation == (
        "Late: revised date 2026-03-31 passed 14 days ago; no forecast date."
    )
    assert early.values["status"] == "At risk"
    assert early.explanation == (
        "At risk: revised date 2026-03-31 is 11 days away and only 0% complete."
    )
    assert late.payment_explanation == "No payment on this milestone."


def test_reasons_naming_several_rows_follow_sheet_order_not_model_order() -> None:
    # Two pending changes and two open deliverables, listed in the model bottom row first: the
    # blockers name them in sheet order, so the result does not depend on how rows were read.
    m = model(
        milestones=[milestone("M-1", row=2)],
        change_orders=[
            change("CO-2", change_status="proposed", row=5),
            change("CO-1", change_status="proposed", row=4),
        ],
        deliverables=[deliverable("D-2", row=9), deliverable("D-1", row=8)],
    )
    blockers = str(compute(m, AS_OF).milestones[0].values["signoff_blockers"])
    assert "deliverable D-1 not accepted; deliverable D-2 not accepted" in blockers
    assert "change CO-1 proposed; change CO-2 proposed" in blockers


def _late(as_of: date = date(2026, 6, 30), paid: date | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """M-1: 1,000 fixed, signed off 2 Apr, invoiced 3 Apr, due 3 May + 30 days -> Mon 4 May;
    unpaid (Overdue at 30 Jun), or paid in full on ``paid``. The Late Interest Regime setting
    is on Settings row 6, the Reference Rate on row 7."""
    pay = (paid, 1000) if paid else (None, 0)
    return compute(
        model(
            milestones=[
                milestone(
                    "M-1",
                    actual_date=date(2026, 3, 30),
                    payment_basis="fixed",
                    payment_amount=D(1000),
                )
            ],
            signoffs=[signoff("M-1")],
            invoices=[invoice("I-1", "M-1", date(2026, 4, 3), 1000, *pay)],
            settings=settings(**kw),
            setting_rows={"late_interest_regime": 6, "late_interest_reference_rate": 7},
        ),
        as_of,
        cell_of=lambda sheet, field, row: f"{sheet.name}!{field}{row}",
    )


def test_late_payments_without_a_regime_are_warned_about() -> None:
    out = _late()
    assert out.by_id()["M-1"].values["payment_status"] == "Overdue"
    assert out.by_id()["M-1"].values["late_interest"] == D("0.00")
    (warning,) = out.issues
    assert (warning.code, warning.sheet, warning.row, warning.column, warning.cell) == (
        "late-interest-regime-missing",
        "Settings",
        6,
        "Value",
        "Settings!value6",
    )
    assert "M-1" in warning.message and "uk, eu, us or fidic" in warning.message
    # Paid late (20 May, 16 days after the due date) is late too.
    (paid_late,) = _late(paid=date(2026, 5, 20)).issues
    assert paid_late.code == "late-interest-regime-missing"


def test_a_zero_interest_rate_on_late_payments_is_warned_about() -> None:
    # us: no statutory margin, so a blank reference rate gives 0 interest in silence.
    (warning,) = _late(late_interest_regime="us").issues
    assert (warning.code, warning.row) == ("late-interest-rate-missing", 7)
    assert "Late Interest Reference Rate" in warning.message
    # uk: the 8% margin applies even without a reference rate: interest, no warning.
    uk = _late(late_interest_regime="uk")
    assert uk.issues == []
    assert uk.by_id()["M-1"].values["late_interest"] > 0


def test_no_late_payment_no_interest_warning() -> None:
    assert _late(as_of=date(2026, 5, 4)).issues == []  # due today: not late
    assert _late(paid=date(2026, 5, 4)).issues == []  # paid on the due date
