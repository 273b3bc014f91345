"""The engine: one call from a validated Model and an as-of date to every result of RULES.md.

``compute`` builds one index of the model, then runs the stages in dependency order, each in
its own module and each filling in the milestones' typed records (``index.MilestoneWork``):

    index -> dates -> values -> approvals -> statuses -> ledgers -> checks -> deadlines
          -> payments due -> results -> portfolio (schedule, S-curve, Dashboard)
    and, on demand, right after the ledgers: amounts at stake (``proforma``)

(docs/decisions.md says what each stage does.)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Final, NamedTuple

from xl_milestones.core import payments, proforma, signoff, status
from xl_milestones.core.checks import readiness_checks
from xl_milestones.core.dates import COUNTRY_CODES, BusinessCalendar
from xl_milestones.core.index import (
    ChangeSums,
    MilestoneWork,
    ModelIndex,
    build_index,
    in_row_order,
    no_text,
)
from xl_milestones.core.index import counts_as_approved as counts_as_approved
from xl_milestones.core.index import reporting_currency as reporting_currency
from xl_milestones.core.interest import annual_rate
from xl_milestones.core.issues import Issue
from xl_milestones.core.model import ChangeOrder, Model, SkippedMilestone
from xl_milestones.core.money import zero as zero_of
from xl_milestones.core.payment_due import PaymentFields, Terms, payments_due
from xl_milestones.core.portfolio import (
    DashboardTally,
    Gathered,
    dashboard,
    gather,
    payment_schedule,
    schedule_totals,
    scurve,
)
from xl_milestones.core.schema import (
    CHANGE_ORDERS,
    FX_RATES,
    MILESTONES,
    NOT_COMPUTED,
    SETTINGS,
    STATUSES,
    FieldType,
)
from xl_milestones.core.signoff import CheckResult, RoleApproval, RoleThresholds, check_modes
from xl_milestones.core.status import Sentence
from xl_milestones.core.warn import CellLocator as CellLocator
from xl_milestones.core.warn import EngineWarnings

RESULT_FIELDS: Final = tuple(f.name for f in MILESTONES.results)
# result_values builds the result dict literally, in this order; fail at import if it drifts.
_RESULT_ORDER: Final = (
    "revised_date",
    "status",
    "rag",
    "days_late",
    "signoff_ready",
    "signoff_blockers",
    "signoff_date",
    "signoff_due_date",
    "days_awaiting_signoff",
    "milestone_value",
    "retention_amount",
    "advance_recovery",
    "delay_damages",
    "net_amount",
    "vat_amount",
    "amount_due",
    "payment_due_date",
    "paid_amount",
    "outstanding_amount",
    "payment_status",
    "days_overdue",
    "late_interest",
)
if RESULT_FIELDS != _RESULT_ORDER:  # pragma: no cover - a schema change needs this module
    raise ImportError("schema.MILESTONES results changed; update core/engine.py")
MONEY_FIELDS: Final = tuple(f.name for f in MILESTONES.results if f.type is FieldType.MONEY)


def _not_computed_text() -> str:
    return NOT_COMPUTED


class MilestoneResult(NamedTuple):
    """Every result field of one Milestones row, with the explanations the sign-off pack prints.

    ``values`` holds each field of ``MILESTONES.results`` (Decimal money rounded to the
    currency's minor unit, date, int, bool, str, or None for blank). ``approvers`` lists each
    role: required or not, satisfied or not, and the approvers with their latest decision.
    The two explanations are written when first read (most refreshes never read them).
    """

    row: int
    milestone_id: str | None
    computed: bool
    values: dict[str, object]
    currency: str | None = None
    status_sentence: Sentence = _not_computed_text
    payment_sentence: Sentence = no_text
    checks: tuple[CheckResult, ...] = ()
    approvers: tuple[RoleApproval, ...] = ()

    @property
    def explanation(self) -> str:
        """One sentence on the status: "Late: revised date 2026-03-31 passed 14 days ago; ..."."""
        return self.status_sentence()

    @property
    def payment_explanation(self) -> str:
        """One sentence on the payment ("Overdue: 1,200.00 EUR due ..."); blank when the row
        is not computed."""
        return self.payment_sentence()


@dataclass(slots=True)
class EngineResult:
    """Everything one refresh writes: per-milestone results in Milestones row order, the
    payment schedule and S-curve rows (schema field order), the dashboard figures and counts,
    engine warnings, and a JSON-able summary for the command line."""

    as_of: date
    reporting_currency: str
    milestones: list[MilestoneResult]
    payment_schedule: list[tuple[object, ...]]
    dashboard: dict[str, Decimal | int]
    status_counts: dict[str, int]
    scurve: list[tuple[object, ...]]
    issues: list[Issue] = field(default_factory=list)
    totals: dict[str, object] = field(default_factory=dict)
    # The Dashboard's amounts per currency before conversion, so that a portfolio of workbooks
    # can convert them with its own rates exactly as ``dashboard`` does for one.
    tally: DashboardTally = field(default_factory=DashboardTally)
    # The change orders as the results count them: percent base and revised value of each
    # contract, each milestone's own value changes (the sign-off pack quotes them).
    changes: ChangeSums = field(default_factory=lambda: ChangeSums({}, {}, {}, {}, {}, {}))
    # The amount at stake of each payment milestone awaiting sign-off, by id, when asked for.
    at_stake: dict[str, Decimal] | None = None

    @property
    def not_computed(self) -> int:
        """How many Milestones rows have blank results (errors in their rows, or no contract)."""
        return sum(1 for r in self.milestones if not r.computed)

    def by_id(self) -> dict[str, MilestoneResult]:
        """Computed results by milestone id."""
        return {r.milestone_id: r for r in self.milestones if r.milestone_id and r.computed}


def blank_values() -> dict[str, object]:
    """Every result field blank: what a row that is not computed shows."""
    return dict.fromkeys(RESULT_FIELDS)


def compute(
    model: Model, as_of: date, cell_of: CellLocator | None = None, *, at_stake: bool = False
) -> EngineResult:
    """Every result of RULES.md for ``model`` as of ``as_of``.

    ``cell_of`` (optional) gives the A1 address of a (sheet, field, row) so that engine warnings
    carry a cell; without it their ``cell`` is None (the core does not know the layout).
    Milestones whose contract is not in the model are treated as skipped rows. With
    ``at_stake`` the result holds the Sign-off Queue's amounts at stake too (``proforma``).
    """
    model = _orphans_skipped(model)
    warnings = EngineWarnings(cell_of)
    stakes: dict[str, Decimal] | None = {} if at_stake else None
    ix, ledgers, results = _milestones(model, as_of, warnings, stakes)
    late = [w for w in ix.work if w.payment is not None and w.payment.late]
    _late_interest_inputs(model, late, warnings)
    skipped_contracts = {s.contract_id for s in model.skipped if s.contract_id}
    result = _portfolio(model, ix, results, gather(ix, ledgers, skipped_contracts), warnings)
    result.at_stake = stakes
    return result


def milestone_results(model: Model, as_of: date) -> list[MilestoneResult]:
    """The per-milestone results ``compute`` gives, in row order, without the Payment
    Schedule, S-curve, Dashboard and warnings: for a run whose totals nobody reads (the
    Sign-off Queue's pro forma)."""
    return _milestones(_orphans_skipped(model), as_of, EngineWarnings(None))[2]


def _orphans_skipped(model: Model) -> Model:
    """Milestones whose contract is not in the model, treated as skipped rows."""
    missing = [m for m in model.milestones if m.contract_id not in model.contracts]
    if not missing:
        return model
    extra = [
        SkippedMilestone(m.row, m.milestone_id, m.contract_id, m.milestone_name) for m in missing
    ]
    return replace(model, skipped=[*model.skipped, *extra])


def amounts_at_stake(
    model: Model, as_of: date, ids: Collection[str] | None = None
) -> dict[str, Decimal]:
    """The amount at stake (``proforma.at_stake``) of each payment milestone of ``ids`` awaiting
    sign-off, from the stages that certify alone: what ``compute(..., at_stake=True)`` gives,
    for a caller that has the results without it."""
    model = _orphans_skipped(model)
    ix, last_deductible, _ledgers = _certified(model, as_of)
    return _at_stake(model, ix, last_deductible, ids)


def _at_stake(
    model: Model, ix: ModelIndex, last_deductible: dict[str, str], ids: Collection[str] | None
) -> dict[str, Decimal]:
    s = model.settings
    thresholds = RoleThresholds(model.approval_rules)
    window, tolerance = s.at_risk_window_days, s.rag_tolerance_days
    return proforma.at_stake(ix, last_deductible, thresholds, window, tolerance, ids)


def _certified(
    model: Model, as_of: date
) -> tuple[ModelIndex, dict[str, str], dict[str, payments.ContractLedger]]:
    """The stages up to the ledgers: every milestone's status and, once payable, its
    deductions. The later stages read what these work out and nothing of each other. Gives
    the index, the last deductible milestone of each contract (``payments.values``) and the
    contract ledgers."""
    s = model.settings
    ix = build_index(model, as_of)
    status.dates(ix)
    last_deductible = payments.values(ix)
    signoff.approvals(ix, RoleThresholds(model.approval_rules))
    status.statuses(ix, s.at_risk_window_days, s.rag_tolerance_days)
    return ix, last_deductible, payments.ledgers(ix, last_deductible)


def _milestones(
    model: Model, as_of: date, warnings: EngineWarnings, at_stake: dict[str, Decimal] | None = None
) -> tuple[ModelIndex, dict[str, payments.ContractLedger], list[MilestoneResult]]:
    """The milestone stages, in order; the index, the contract ledgers and the results. Given
    ``at_stake``, the amounts at stake are put in it."""
    s = model.settings
    ix, last_deductible, ledgers = _certified(model, as_of)
    payments.releases_before_retention(ix, ledgers, warnings)
    _changes_after_signoff(ix, model.change_orders, warnings)
    if at_stake is not None:
        at_stake.update(_at_stake(model, ix, last_deductible, None))
    readiness_checks(ix, check_modes(s))
    signoff.deadlines(ix, s.signoff_days)
    terms = _terms(model, as_of, warnings)
    payments_due(ix, terms, warnings)
    _holiday_years(model, terms.calendar, warnings)
    results = [_result(w) for w in ix.work]
    for skipped in model.skipped:
        results.append(MilestoneResult(skipped.row, skipped.milestone_id, False, blank_values()))
    results.sort(key=lambda r: r.row)
    return ix, ledgers, results


def _changes_after_signoff(
    ix: ModelIndex, change_orders: Sequence[ChangeOrder], warnings: EngineWarnings
) -> None:
    """A warning on the Approved Date of each counted change order that changes the value of
    milestones signed off before that date (RULES.md values a milestone with every change
    counted at the as-of date): the rise is due, and late, from the sign-off's due date."""
    signed: dict[str, list[MilestoneWork]] = {}
    for w in ix.work:
        if w.payable and w.m.payment_basis in payments.DEDUCTIBLE:
            signed.setdefault(w.m.contract_id, []).append(w)
    for co in in_row_order(change_orders):
        day = co.approved_date
        if day is None or not co.value_change or not counts_as_approved(co, ix.as_of):
            continue
        hit = [w for w in signed.get(co.contract_id, ()) if _revalued_after(co, day, w)]
        if hit:
            warnings.add(
                "value-changed-after-signoff",
                CHANGE_ORDERS,
                co.row,
                "approved_date",
                day,
                _revalued_message(co.change_id, day, [w.m.milestone_id for w in hit]),
            )


def _revalued_after(co: ChangeOrder, day: date, w: MilestoneWork) -> bool:
    """Whether the change order changes the value of the milestone, signed off before ``day``:
    it names the milestone, or it names none and the milestone is a percent of the contract."""
    if co.milestone_id:
        revalued = w.m.milestone_id == co.milestone_id
    else:
        revalued = w.m.payment_basis == payments.PERCENT
    since = w.state.signoff_date if w.state is not None else None
    return revalued and since is not None and since < day


def _revalued_message(change_id: str, day: date, ids: list[str]) -> str:
    shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
    whose = "its" if len(ids) == 1 else "their"
    return (
        f"Change order {change_id}, approved {day.isoformat()}, changes the value of {shown}, "
        f"signed off before it: the change counts in {whose} amount due from {whose} due "
        "date, so it can be overdue, with interest, from before it was approved. To pay the "
        "change on its own terms, give it a milestone of its own (named in the change order)."
    )


def _terms(model: Model, as_of: date, warnings: EngineWarnings) -> Terms:
    s = model.settings
    calendar = BusinessCalendar((h.holiday_date for h in model.holidays), s.holiday_country)
    if not calendar.country_known:
        warnings.add(
            "unknown-holiday-country",
            SETTINGS,
            None,
            "value",
            s.holiday_country,
            f"Holiday Country {s.holiday_country!r} has no public holiday calendar; only "
            f"weekends and the Holidays sheet are non-business days. Enter {COUNTRY_CODES}.",
        )
    rate = annual_rate(
        s.late_interest_regime, s.late_interest_reference_rate, s.late_interest_margin
    )
    return Terms(as_of, s.business_day_convention, calendar, s.late_interest_regime, rate)


def _holiday_years(model: Model, calendar: BusinessCalendar, warnings: EngineWarnings) -> None:
    """Due dates moved in years whose public holidays the ``holidays`` package lacks (in part
    or whole) are said once, on the Holiday Country cell: those holidays were not skipped. A
    year with a date on the Holidays sheet is the user's to fill, and not said."""
    listed = {day.year for day in calendar.extra}
    years = sorted(calendar.years_not_known - listed)
    if not years:
        return
    country = calendar.country
    span, of_span = (
        ("that year", "that year's") if len(years) == 1 else ("those years", "those years'")
    )
    warnings.add(
        "holiday-years-not-known",
        SETTINGS,
        model.setting_rows.get("holiday_country"),
        "value",
        country,
        f"The public holidays of {country} are not known (in whole or in part) for "
        f"{', '.join(map(str, years))}, so due dates moved in {span} skip only weekends, the "
        f"Holidays sheet and the holidays that are known: add {of_span} public holidays to the "
        "Holidays sheet, or check the dates that put a due date there.",
    )


def _result(w: MilestoneWork) -> MilestoneResult:
    state, p = w.state, w.payment
    assert state is not None and p is not None
    return MilestoneResult(
        w.m.row,
        w.m.milestone_id,
        True,
        result_values(w, p),
        w.contract.currency,
        w.sentence,
        p.sentence,
        w.checks,
        state.roles,
    )


def result_values(w: MilestoneWork, p: PaymentFields) -> dict[str, object]:
    """The result fields of one computed milestone, in MILESTONES.results order (checked at
    import; a test holds it too)."""
    assert w.state is not None
    value = w.value
    return {
        "revised_date": w.revised,
        "status": w.status,
        "rag": w.rag,
        "days_late": w.late,
        "signoff_ready": w.ready,
        "signoff_blockers": w.blockers or None,
        "signoff_date": w.state.signoff_date,
        "signoff_due_date": w.signoff_due,
        "days_awaiting_signoff": w.days_waiting,
        "milestone_value": None if value is None else (value or zero_of(w.contract.currency)),
        "retention_amount": p.retention,
        "advance_recovery": p.advance,
        "delay_damages": p.delay,
        "net_amount": p.net,
        "vat_amount": p.vat,
        "amount_due": p.amount_due,
        "payment_due_date": p.due,
        "paid_amount": p.paid,
        "outstanding_amount": p.outstanding,
        "payment_status": p.status,
        "days_overdue": p.days_overdue,
        "late_interest": p.interest,
    }


def _late_interest_inputs(
    model: Model, late: list[MilestoneWork], warnings: EngineWarnings
) -> None:
    """Late or overdue payments whose interest comes out 0 because a Settings input is
    missing (no regime, or a zero rate) are said aloud, on the Settings cell to fill."""
    if not late:
        return
    ids = [w.m.milestone_id for w in late]
    shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
    what = f"{len(ids)} payment{'s are' if len(ids) > 1 else ' is'} late or overdue ({shown})"
    s = model.settings
    regime = s.late_interest_regime
    if regime == "none":
        setting, code, value = "late_interest_regime", "late-interest-regime-missing", "none"
        message = (
            f"{what} but Late Interest Regime is none, so no late-payment interest is "
            "computed: set it to uk, eu, us or fidic (with the Late Interest Reference "
            "Rate) if interest is owed"
        )
    elif not annual_rate(regime, s.late_interest_reference_rate, s.late_interest_margin):
        setting, code = "late_interest_reference_rate", "late-interest-rate-missing"
        value = str(s.late_interest_reference_rate)
        message = (
            f"{what} but their interest rate is 0 (Late Interest Reference Rate blank or "
            f"0, and no margin under {regime}), so no interest is computed: enter the "
            "central bank reference rate, e.g. 5% (0.05)"
        )
    else:
        return
    warnings.add(code, SETTINGS, model.setting_rows.get(setting), "value", value, message)


def _portfolio(
    model: Model,
    ix: ModelIndex,
    results: list[MilestoneResult],
    found: Gathered,
    warnings: EngineWarnings,
) -> EngineResult:
    # The Payment Schedule, S-curve and Dashboard in the reporting currency, and the totals.
    reporting = ix.reporting
    ordered = sorted(model.contracts.values(), key=lambda c: c.row)
    for c in ordered:
        if c.contract_id in found.flows.by_contract:
            ix.rate_of(c.currency)
    schedule = payment_schedule(ordered, found.flows, ix.rates, reporting)
    curve = scurve(schedule, ix.rates, reporting)
    figures, missing = dashboard(found.tally, ix.rates, reporting)
    for currency in sorted(ix.missing_fx | missing):
        warnings.add(
            "missing-fx-rate",
            FX_RATES,
            None,
            "currency",
            currency,
            f"No FX rate for {currency} to {reporting}: amounts in {currency} are left "
            f"out of the Dashboard and the reporting columns of the Payment Schedule. Add a "
            f"row for {currency} to the FX Rates sheet.",
        )
    status_counts = dict.fromkeys(STATUSES, 0)
    for w in ix.work:
        status_counts[w.status] += 1
    totals = _totals(results, len(model.skipped), status_counts, found, figures, reporting)
    totals["schedule"] = schedule_totals(schedule, curve, reporting)  # the last key
    return EngineResult(
        as_of=ix.as_of,
        reporting_currency=reporting,
        milestones=results,
        payment_schedule=schedule,
        dashboard=figures,
        status_counts=status_counts,
        scurve=curve,
        issues=warnings.sorted(),
        totals=totals,
        tally=found.tally,
        changes=ix.changes,
    )


def _totals(
    results: list[MilestoneResult],
    skipped: int,
    status_counts: dict[str, int],
    found: Gathered,
    figures: dict[str, Decimal | int],
    reporting: str,
) -> dict[str, object]:
    rag = {"Green": 0, "Amber": 0, "Red": 0}
    for colour, n in found.rag_counts.items():
        rag[colour] += n
    return {
        "milestones": len(results),
        "computed": len(results) - skipped,
        "not_computed": skipped,
        "status": dict(status_counts),
        "rag": rag,
        "payment_status": dict(found.payment_counts),
        "reporting_currency": reporting,
        "amounts": {k: str(v) for k, v in figures.items() if isinstance(v, Decimal)},
        "signoffs_overdue": figures.get("signoffs_overdue", 0),
        "oldest_signoff_days": figures.get("oldest_signoff_days", 0),
    }
