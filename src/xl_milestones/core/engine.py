"""The engine: one call from a validated Model and an as-of date to every result of RULES.md.

``compute`` indexes the child rows by milestone once, then runs the rules in dependency order:
dates and values, sign-off state, status (predecessors first), readiness checks, the contract
ledgers in certification order, payment dates and interest, and finally the portfolio figures.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Final, NamedTuple, TypeVar

from xl_milestones.core import payments as pay
from xl_milestones.core import status as st
from xl_milestones.core.collector import collector_paused
from xl_milestones.core.currencies import most_common_currency
from xl_milestones.core.dates import BusinessCalendar, payment_due_date
from xl_milestones.core.interest import annual_rate, interest_on_parts, late_parts
from xl_milestones.core.issues import Issue, Severity
from xl_milestones.core.model import (
    ChangeOrder,
    Contract,
    Deliverable,
    Invoice,
    IssueRecord,
    Milestone,
    Model,
    Signoff,
    SkippedMilestone,
)
from xl_milestones.core.money import ZERO, format_money, round_money
from xl_milestones.core.money import zero as zero_of
from xl_milestones.core.portfolio import (
    CERTIFIED_VALUE,
    DUE,
    FORECAST_VALUE,
    INVOICED,
    PAID,
    PLANNED_VALUE,
    DashboardTally,
    Flows,
    dashboard,
    due_window_keys,
    payment_schedule,
    schedule_totals,
    scurve,
)
from xl_milestones.core.schema import FX_RATES, MILESTONES, SETTINGS, STATUSES, FieldType, Sheet
from xl_milestones.core.signoff import (
    BLOCK,
    CHECK_NAMES,
    FAIL,
    PASS,
    CheckResult,
    RoleApproval,
    SignoffState,
    check_modes,
    evaluate,
    latest_decisions,
    match_key,
    role_prefixes,
    signoff_deadline,
    signoff_state,
    sorted_rules,
)
from xl_milestones.core.status import Sentence

_T = TypeVar("_T")
_ROW = attrgetter("row")
RESULT_FIELDS: Final = tuple(f.name for f in MILESTONES.results)
# _payment_values builds the result dict literally, in this order; fail at import if it drifts.
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
NOT_COMPUTED: Final = "not computed: see Validation"
# Check positions in CHECK_NAMES (RULES.md order); _checks tests them in this order.
_COMPLETION: Final = CHECK_NAMES.index("Completion")
_DELIVERABLES: Final = CHECK_NAMES.index("Deliverables")
_PREDECESSORS: Final = CHECK_NAMES.index("Predecessors")
_BLOCKING: Final = CHECK_NAMES.index("Blocking Issues")
_DISPUTES: Final = CHECK_NAMES.index("Disputes")
_APPROVERS: Final = CHECK_NAMES.index("Approvers")
_CONTRACT_ACTIVE: Final = CHECK_NAMES.index("Contract Active")
_EVIDENCE: Final = CHECK_NAMES.index("Evidence")
_CRITERIA: Final = CHECK_NAMES.index("Acceptance Criteria")
_PENDING: Final = CHECK_NAMES.index("Pending Changes")
_INVOICE: Final = CHECK_NAMES.index("Invoice")
_CHECK_ORDER: Final = (
    _COMPLETION,
    _DELIVERABLES,
    _PREDECESSORS,
    _BLOCKING,
    _DISPUTES,
    _APPROVERS,
    _CONTRACT_ACTIVE,
    _EVIDENCE,
    _CRITERIA,
    _PENDING,
    _INVOICE,
)
if tuple(range(len(CHECK_NAMES))) != _CHECK_ORDER:  # pragma: no cover - schema drift
    raise ImportError("schema.SIGNOFF_CHECKS changed; update the checks of core/engine.py")
# Finds the A1 address of (sheet, field, row) when the caller knows the layout; the core does not.
CellLocator = Callable[[Sheet, str, int], str | None]


def _not_computed_text() -> str:
    return NOT_COMPUTED


def _no_text() -> str:
    return ""


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
    payment_sentence: Sentence = _no_text
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

    def by_id(self) -> dict[str, MilestoneResult]:
        """Computed results by milestone id."""
        return {r.milestone_id: r for r in self.milestones if r.milestone_id and r.computed}


def blank_values() -> dict[str, object]:
    """Every result field blank: what a row that is not computed shows."""
    return dict.fromkeys(RESULT_FIELDS)


def reporting_currency(model: Model) -> str:
    """The Reporting Currency setting, else the most common contract currency (ties: the one
    met first on the Contracts sheet), else EUR for a workbook without contracts."""
    if model.settings.reporting_currency:
        return model.settings.reporting_currency.strip().upper()
    contracts = sorted(model.contracts.values(), key=lambda c: c.row)
    return most_common_currency(c.currency.strip().upper() for c in contracts) or "EUR"


def counts_as_approved(change: ChangeOrder, as_of: date) -> bool:
    """An approved change counts once its approval date is reached (no date: counts)."""
    if change.change_status != "approved":
        return False
    return change.approved_date is None or change.approved_date <= as_of


def _group(rows: Iterable[_T], key: Callable[[_T], str]) -> dict[str, list[_T]]:
    out: dict[str, list[_T]] = {}
    for r in rows:
        k = key(r)
        bucket = out.get(k)
        if bucket is None:
            out[k] = [r]
        else:
            bucket.append(r)
    return out


@dataclass(slots=True)
class _Work:
    """Intermediate figures of one milestone while the engine runs."""

    m: Milestone
    contract: Contract
    revised: date
    late: int
    value: Decimal | None = None
    state: SignoffState | None = None
    status: str = ""
    sentence: Sentence = _no_text
    payable: bool = False
    deductions: pay.Deductions | None = None
    exposure: Decimal | None = None


class _Engine:
    def __init__(self, model: Model, as_of: date, cell_of: CellLocator | None) -> None:
        self.model = model
        self.as_of = as_of
        self.cell_of = cell_of
        self.settings = model.settings
        self.reporting = reporting_currency(model)
        self.issues: list[Issue] = []
        self.rates: dict[str, Decimal] = {
            cur.strip().upper(): fx.rate_to_reporting for cur, fx in model.fx_rates.items()
        }
        self.rates[self.reporting] = Decimal(1)
        self.missing_fx: set[str] = set()
        s = self.settings
        self.calendar = BusinessCalendar(
            (h.holiday_date for h in model.holidays), s.holiday_country
        )
        if not self.calendar.country_known:
            self._warn(
                "unknown-holiday-country",
                SETTINGS,
                None,
                "value",
                s.holiday_country,
                f"Holiday Country {s.holiday_country!r} has no public holiday calendar; only "
                "weekends and the Holidays sheet are non-business days. Enter an ISO 3166 code "
                "such as GB, US or DE.",
            )
        self.rules = sorted_rules(model.approval_rules)
        self.all_roles = tuple(dict.fromkeys(r.approver_role.strip() for r in self.rules))
        self.modes = check_modes(s)
        self.mode_order = tuple(self.modes[name] for name in CHECK_NAMES)
        self.all_pass = evaluate(self.mode_order, {})
        self.check_on = tuple(check.outcome == PASS for check in self.all_pass)
        self.fail_results: dict[tuple[int, str], tuple[int, CheckResult]] = {}
        self.unlisted_fails: dict[tuple[tuple[str, ...], bool], tuple[int, CheckResult]] = {}
        # Whether a failing check blocks sign-off or only warns (its mode is fixed per check).
        self.blocks = tuple(mode == BLOCK for mode in self.mode_order)
        self.mode_predecessors = self.mode_order[_PREDECESSORS]
        self.fail_completion = self._fail(_COMPLETION, "actual date not entered")
        self.fail_evidence = self._fail(
            _EVIDENCE, "no evidence on the milestone or its deliverables"
        )
        self.fail_criteria = self._fail(_CRITERIA, "acceptance criteria blank")
        self.fail_invoice = self._fail(_INVOICE, "no invoice yet")
        margin = s.late_interest_margin
        self.regime = s.late_interest_regime
        self.rate = annual_rate(self.regime, s.late_interest_reference_rate, margin)
        self.window_days = s.at_risk_window_days
        # Milestones paid after their due date or overdue: their interest needs a regime and rate.
        self.late_payments: list[str] = []
        self.rag_tolerance = s.rag_tolerance_days
        self.signoff_days = s.signoff_days
        # Dashboard figures of RULES.md section 6, gathered as the results are made.
        self.signoffs_overdue = 0
        self.oldest_waiting = 0

    # ---------------------------------------------------------------------------- issues
    def _warn(
        self,
        code: str,
        sheet: Sheet,
        row: int | None,
        field_name: str | None,
        value: object,
        message: str,
    ) -> None:
        column = None
        if field_name is not None:
            column = "Value" if sheet is SETTINGS else sheet.header(field_name)
        cell = None
        if self.cell_of is not None and row is not None and field_name is not None:
            cell = self.cell_of(sheet, field_name, row)
        self.issues.append(
            Issue(
                Severity.WARNING,
                code,
                sheet.name,
                row,
                column,
                cell,
                None if value is None else str(value),
                message,
            )
        )

    def rate_of(self, currency: str) -> Decimal | None:
        rate = self.rates.get(currency)
        if rate is None:
            self.missing_fx.add(currency)
        return rate

    # ------------------------------------------------------------------------------ run
    def run(self) -> EngineResult:
        model, as_of = self.model, self.as_of
        contracts = model.contracts
        # Rows in sheet order whatever order the model lists them in: reasons that name several
        # rows (two pending changes, two deliverables) and the totals' order follow the sheet.
        milestones = [m for m in _in_row_order(model.milestones) if m.contract_id in contracts]

        # Change orders, once: sums by milestone and by contract.
        ext_ms: dict[str, int] = {}
        val_ms: dict[str, Decimal] = {}
        ext_wide: dict[str, int] = {}
        val_wide: dict[str, Decimal] = {}
        val_all: dict[str, Decimal] = {}
        proposed: dict[str, list[str]] = {}
        for co in _in_row_order(model.change_orders):
            if co.contract_id not in contracts:
                continue
            if counts_as_approved(co, as_of):
                cid = co.contract_id
                val_all[cid] = val_all.get(cid, ZERO) + co.value_change
                if co.milestone_id:
                    mid = co.milestone_id
                    ext_ms[mid] = ext_ms.get(mid, 0) + co.extension_days
                    val_ms[mid] = val_ms.get(mid, ZERO) + co.value_change
                else:
                    ext_wide[cid] = ext_wide.get(cid, 0) + co.extension_days
                    val_wide[cid] = val_wide.get(cid, ZERO) + co.value_change
            elif co.change_status == "proposed" and co.milestone_id:
                proposed.setdefault(co.milestone_id, []).append(co.change_id)

        deliverables: dict[str, list[Deliverable]] = {}
        for d in _in_row_order(model.deliverables):
            deliverables.setdefault(d.milestone_id, []).append(d)
        signoffs: dict[str, list[Signoff]] = {}
        for s in model.signoffs:
            signoffs.setdefault(s.milestone_id, []).append(s)
        invoices: dict[str, list[Invoice]] = {}
        for inv in _in_row_order(model.invoices):
            if inv.invoice_date <= as_of:
                invoices.setdefault(inv.milestone_id, []).append(inv)
        open_issues: dict[str, list[IssueRecord]] = {}
        for rec in _in_row_order(model.issues):
            if rec.issue_status == "open":
                open_issues.setdefault(rec.milestone_id, []).append(rec)

        percent_base = {
            cid: c.original_value + val_wide.get(cid, ZERO) for cid, c in contracts.items()
        }
        revised_value = {
            cid: c.original_value + val_all.get(cid, ZERO) for cid, c in contracts.items()
        }

        # Pass 1: dates and values of percent and fixed milestones.
        work: dict[str, _Work] = {}
        days_late = st.days_late
        base_value = pay.base_value
        for m in milestones:
            mid, cid = m.milestone_id, m.contract_id
            c = contracts[cid]
            ext = ext_ms.get(mid, 0) + ext_wide.get(cid, 0) if ext_ms or ext_wide else 0
            revised = st.revised_date(m.baseline_date, ext) if ext else m.baseline_date
            w = _Work(m, c, revised, days_late(revised, m.actual_date, m.forecast_date, as_of))
            w.value = base_value(
                m.payment_basis,
                m.payment_percent,
                m.payment_amount,
                percent_base[cid],
                val_ms.get(mid, ZERO) if val_ms else ZERO,
                c.currency,
            )
            work[mid] = w

        # Retention releases: a share of the retention the contract's milestones carry.
        carrying = _group(
            (w for w in work.values() if w.m.payment_basis in pay.DEDUCTIBLE and not w.m.cancelled),
            _work_contract,
        )
        last_deductible: dict[str, str] = {}
        release_base: dict[str, Decimal] = {}
        for cid, ws in carrying.items():
            ws.sort(key=_baseline_order)
            last_deductible[cid] = ws[-1].m.milestone_id
            release_base[cid] = pay.total_retention(
                contracts[cid], [w.value or ZERO for w in ws], revised_value[cid]
            )
        for w in work.values():
            m = w.m
            if m.payment_basis == pay.RELEASE:
                pct = m.payment_percent if m.payment_percent is not None else ZERO
                base = release_base.get(m.contract_id, ZERO)
                w.value = round_money(pct * base, w.contract.currency) + round_money(
                    val_ms.get(m.milestone_id, ZERO), w.contract.currency
                )

        # Sign-off state: required roles by value in the reporting currency.
        rules = self.rules
        mins = [r.min_value for r in rules]
        prefixes = role_prefixes(rules)
        all_roles = self.all_roles
        reporting = self.reporting
        rate_by_currency: dict[str, Decimal | None] = {}
        for mid, w in work.items():
            rows = signoffs.get(mid)
            entries = latest_decisions(rows) if rows else []
            if not rules:
                required: tuple[str, ...] = ()
            else:
                cur = w.contract.currency
                if cur in rate_by_currency:
                    rate = rate_by_currency[cur]
                else:
                    rate = rate_by_currency[cur] = self.rate_of(cur)
                if rate is None:
                    required = all_roles
                else:
                    value = w.value
                    if value is None:
                        worth = ZERO
                    elif cur == reporting:
                        # Already rounded in the reporting currency: converting changes nothing.
                        worth = value
                    else:
                        worth = round_money(value * rate, reporting)
                    # The rules are sorted by Minimum Value: those at most the worth apply.
                    required = prefixes[bisect_right(mins, worth)]
            w.state = signoff_state(w.m.actual_date is not None, entries, required)

        # Status, predecessors first (iteratively: chains may be long; cycles are cut).
        self._statuses(work, deliverables, open_issues)

        # The contract ledgers, then per milestone: readiness checks, results, flows, tallies.
        ledgers = self._ledgers(work, revised_value, last_deductible)
        flows = Flows()
        tally = DashboardTally()
        results: list[MilestoneResult] = []
        rag_counts: dict[object, int] = {}
        payment_counts: dict[object, int] = {}
        n_ready = 0
        add_flow = flows.add
        deductible = pay.DEDUCTIBLE
        checks_of = self._checks
        values_of = self._payment_values
        for m in milestones:
            mid = m.milestone_id
            w = work[mid]
            checks, ok, blockers = checks_of(w, work, deliverables, open_issues, invoices, proposed)
            invs = invoices.get(mid, ())
            values, payment_text = values_of(w, invs, ok, blockers)
            state = w.state
            assert state is not None
            results.append(
                MilestoneResult(
                    m.row,
                    mid,
                    True,
                    values,
                    w.contract.currency,
                    w.sentence,
                    payment_text,
                    checks,
                    state.roles,
                )
            )
            # Dashboard counts and schedule flows of this milestone.
            rag = values["rag"]
            if rag is not None:
                rag_counts[rag] = rag_counts.get(rag, 0) + 1
            paying = values["payment_status"]
            payment_counts[paying] = payment_counts.get(paying, 0) + 1
            if ok and w.status != st.SIGNED_OFF and w.status != st.CANCELLED:
                n_ready += 1
            # The value basis: percent and fixed milestones only (a retention release is money
            # already inside the milestones that retained it), excluding VAT, before deductions.
            value = w.value
            if value is not None and not m.cancelled and m.payment_basis in deductible:
                cid = m.contract_id
                add_flow(cid, PLANNED_VALUE, m.baseline_date, value)
                add_flow(cid, FORECAST_VALUE, m.actual_date or m.forecast_date or w.revised, value)
                if w.payable and state.signoff_date is not None:
                    add_flow(cid, CERTIFIED_VALUE, state.signoff_date, value)
            if invs or w.payable:
                self._tally(w, values, invs, flows, tally)
            elif w.exposure:
                tally.add("delay_damages_accrued", w.contract.currency, w.exposure)
        tally.count("milestones", len(results))
        for rag, n in rag_counts.items():
            tally.count(str(rag).lower(), n)
        if n_ready:
            tally.count("ready_for_signoff", n_ready)
        if self.signoffs_overdue:
            tally.count("signoffs_overdue", self.signoffs_overdue)
        if self.oldest_waiting:
            tally.count("oldest_signoff_days", self.oldest_waiting)

        for ledger in ledgers.values():
            tally.add("advance_outstanding", ledger.contract.currency, ledger.advance_outstanding)

        for skipped in model.skipped:
            results.append(
                MilestoneResult(skipped.row, skipped.milestone_id, False, blank_values())
            )
        results.sort(key=lambda r: r.row)

        ordered_contracts = sorted(contracts.values(), key=lambda c: c.row)
        for c in ordered_contracts:
            if c.contract_id in flows.by_contract:
                self.rate_of(c.currency)
        schedule = payment_schedule(ordered_contracts, flows, self.rates, self.reporting)
        curve = scurve(schedule)
        figures, missing = dashboard(tally, self.rates, self.reporting)
        self.missing_fx |= missing
        for currency in sorted(self.missing_fx):
            self._warn(
                "missing-fx-rate",
                FX_RATES,
                None,
                "currency",
                currency,
                f"No FX rate for {currency} to {self.reporting}: amounts in {currency} are left "
                f"out of the Dashboard and the reporting columns of the Payment Schedule. Add a "
                f"row for {currency} to the FX Rates sheet.",
            )
        self._late_interest_inputs()
        status_counts = {s: 0 for s in STATUSES}
        for w in work.values():
            status_counts[w.status] += 1
        return EngineResult(
            as_of=as_of,
            reporting_currency=self.reporting,
            milestones=results,
            payment_schedule=schedule,
            dashboard=figures,
            status_counts=status_counts,
            scurve=curve,
            issues=sorted(self.issues, key=Issue.sort_key),
            totals=_totals(
                len(results),
                len(model.skipped),
                status_counts,
                rag_counts,
                payment_counts,
                figures,
                self.reporting,
                schedule_totals(schedule, curve, self.reporting),
            ),
            tally=tally,
        )

    def _late_interest_inputs(self) -> None:
        """Late or overdue payments whose interest comes out 0 because a Settings input is
        missing (no regime, or a zero rate) are said aloud, on the Settings cell to fill."""
        late = self.late_payments
        if not late:
            return
        shown = ", ".join(late[:5]) + (", ..." if len(late) > 5 else "")
        what = f"{len(late)} payment{'s are' if len(late) > 1 else ' is'} late or overdue ({shown})"
        s = self.settings
        if self.regime == "none":
            setting, code, value = "late_interest_regime", "late-interest-regime-missing", "none"
            message = (
                f"{what} but Late Interest Regime is none, so no late-payment interest is "
                "computed: set it to uk, eu, us or fidic (with the Late Interest Reference "
                "Rate) if interest is owed"
            )
        elif not self.rate:
            setting, code = "late_interest_reference_rate", "late-interest-rate-missing"
            value = str(s.late_interest_reference_rate)
            message = (
                f"{what} but their interest rate is 0 (Late Interest Reference Rate blank or "
                f"0, and no margin under {self.regime}), so no interest is computed: enter the "
                "central bank reference rate, e.g. 5% (0.05)"
            )
        else:
            return
        self._warn(code, SETTINGS, self.model.setting_rows.get(setting), "value", value, message)

    # ------------------------------------------------------------------------- status
    def _statuses(
        self,
        work: dict[str, _Work],
        deliverables: dict[str, list[Deliverable]],
        open_issues: dict[str, list[IssueRecord]],
    ) -> None:
        done: set[str] = set()
        visiting: set[str] = set()
        status = self._status
        for start, sw in work.items():
            if start in done:
                continue
            # Usual case: every predecessor is already done (or not a milestone here), which is
            # what the walk below would find first; skip building its stack.
            for p in sw.m.predecessors:
                if p not in done and p in work:
                    break
            else:
                status(sw, work, deliverables, open_issues)
                done.add(start)
                continue
            stack = [start]
            while stack:
                mid = stack[-1]
                if mid in done:
                    stack.pop()
                    continue
                if mid not in visiting and work[mid].m.predecessors:
                    waiting = [
                        p
                        for p in work[mid].m.predecessors
                        if p in work and p not in done and p not in visiting
                    ]
                    if waiting:
                        visiting.add(mid)
                        stack.extend(waiting)
                        continue
                visiting.discard(mid)
                status(work[mid], work, deliverables, open_issues)
                done.add(mid)
                stack.pop()

    def _status(
        self,
        w: _Work,
        work: dict[str, _Work],
        deliverables: dict[str, list[Deliverable]],
        open_issues: dict[str, list[IssueRecord]],
    ) -> None:
        m, state = w.m, w.state
        assert state is not None
        mid = m.milestone_id
        dispute = None
        risk_issue = None
        mine = open_issues.get(mid)
        if mine:
            for issue in mine:
                if issue.category == "dispute" and dispute is None:
                    dispute = issue.issue_id
                if risk_issue is None:
                    if issue.blocking:
                        risk_issue = (issue.issue_id, "blocks sign-off")
                    elif issue.severity in st.RISK_SEVERITIES:
                        risk_issue = (issue.issue_id, issue.severity)
        risky_pred = None
        for p in m.predecessors:
            pw = work.get(p)
            # A predecessor has a status only once it is done (cycles leave it blank).
            if pw is not None and pw.status in st.RISKY_FOR_SUCCESSORS:
                risky_pred = (p, pw.status)
                break
        started = False
        dels = deliverables.get(mid)
        if dels:
            for d in dels:
                if d.acceptance_status in ("submitted", "accepted") or d.submitted_date is not None:
                    started = True
                    break
        r = state.rejection
        w.status, w.sentence = st.classify_parts(
            self.as_of,
            w.revised,
            w.late,
            m.actual_date,
            m.forecast_date,
            m.percent_complete,
            self.window_days,
            m.cancelled,
            state.signed_off,
            state.signoff_date,
            None if r is None else (r.name, r.role, r.decision_date),
            m.on_hold,
            dispute,
            risk_issue,
            risky_pred,
            started,
            # Only an Awaiting sign-off sentence names the missing approvals.
            _waiting_text(state) if m.actual_date is not None else "",
        )

    # ------------------------------------------------------------------------- checks
    def _fail(self, index: int, reason: str) -> tuple[int, CheckResult]:
        return index, CheckResult(CHECK_NAMES[index], self.mode_order[index], FAIL, reason)

    def _shared_fail(self, index: int, reason: str) -> tuple[int, CheckResult]:
        # A reason that names no row recurs on many milestones: one CheckResult serves them.
        known = self.fail_results.get((index, reason))
        if known is None:
            known = self.fail_results[(index, reason)] = self._fail(index, reason)
        return known

    def _approvers_fail(
        self, unlisted: tuple[str, ...], unnamed: bool, owners: list[str]
    ) -> tuple[int, CheckResult]:
        # Most failures are the same few missing roles: their result is kept by those roles.
        key = (unlisted, unnamed)
        if not owners:
            known = self.unlisted_fails.get(key)
            if known is not None:
                return known
        reasons = [f"no approver listed for role {r}" for r in unlisted]
        if unnamed:
            reasons.append("no approver listed")
        result = self._shared_fail(_APPROVERS, "; ".join(reasons + owners))
        if not owners:
            self.unlisted_fails[key] = result
        return result

    def _checks(
        self,
        w: _Work,
        work: dict[str, _Work],
        deliverables: dict[str, list[Deliverable]],
        open_issues: dict[str, list[IssueRecord]],
        invoices: dict[str, list[Invoice]],
        proposed: dict[str, list[str]],
    ) -> tuple[tuple[CheckResult, ...], bool, str]:
        """The checks in RULES.md order, signoff_ready and signoff_blockers (as ``evaluate``
        and ``readiness`` give them). A check that is off is not worked out at all."""
        m, c, state = w.m, w.contract, w.state
        assert state is not None
        on = self.check_on
        mid = m.milestone_id
        # (check index, failed CheckResult) in check order.
        fails: list[tuple[int, CheckResult]] = []
        if m.actual_date is None and on[_COMPLETION]:
            fails.append(self.fail_completion)
        dels = deliverables.get(mid)
        if dels and on[_DELIVERABLES]:
            bad = [
                f"deliverable {d.deliverable_id} not accepted"
                for d in dels
                if d.acceptance_status != "accepted"
            ]
            if bad:
                fails.append(self._fail(_DELIVERABLES, "; ".join(bad)))
        if m.predecessors and on[_PREDECESSORS]:
            preds = []
            for p in m.predecessors:
                pw = work.get(p)
                if pw is None or pw.status != st.SIGNED_OFF:
                    preds.append(f"predecessor {p} not signed off")
            if preds:
                failed = CheckResult(
                    CHECK_NAMES[_PREDECESSORS], self.mode_predecessors, FAIL, "; ".join(preds)
                )
                fails.append((_PREDECESSORS, failed))
        mine = open_issues.get(mid)
        if mine:
            if on[_BLOCKING]:
                blocking = [f"issue {i.issue_id} blocks sign-off" for i in mine if i.blocking]
                if blocking:
                    fails.append(self._fail(_BLOCKING, "; ".join(blocking)))
            if on[_DISPUTES]:
                disputes = [f"open dispute {i.issue_id}" for i in mine if i.category == "dispute"]
                if disputes:
                    fails.append(self._fail(_DISPUTES, "; ".join(disputes)))
        if on[_APPROVERS]:
            owners = []
            if m.owner:
                owner = match_key(m.owner)
                for role in state.roles:
                    for e in role.approvers:
                        if match_key(e.name) == owner:
                            owners.append(f"approver {e.name} is the milestone owner")
            unlisted = state.unlisted_roles
            unnamed = state.no_rule and not state.roles
            if owners or unlisted or unnamed:
                fails.append(self._approvers_fail(unlisted, unnamed, owners))
        if c.contract_status != "active" and on[_CONTRACT_ACTIVE]:
            fails.append(
                self._shared_fail(
                    _CONTRACT_ACTIVE, f"contract {c.contract_id} is {c.contract_status}"
                )
            )
        if not m.evidence and on[_EVIDENCE]:
            for d in dels or ():
                if d.evidence:
                    break
            else:
                fails.append(self.fail_evidence)
        if on[_CRITERIA] and not (m.acceptance_criteria or "").strip():
            fails.append(self.fail_criteria)
        if on[_PENDING]:
            pending = proposed.get(mid)
            if pending:
                fails.append(
                    self._fail(_PENDING, "; ".join(f"change {cid} proposed" for cid in pending))
                )
        if (
            on[_INVOICE]
            and m.payment_basis != "none"
            and c.payment_terms_basis in pay.INVOICE_BASES
            and not invoices.get(mid)
        ):
            fails.append(self.fail_invoice)
        if not fails:
            if m.cancelled:
                return self.all_pass, False, "milestone is cancelled"
            return self.all_pass, True, ""
        out = list(self.all_pass)
        blocks: list[str] = []
        warns: list[str] = []
        is_block = self.blocks
        for i, result in fails:
            out[i] = result
            if is_block[i]:
                blocks.append(result.reason)
            else:  # a check that is off never fails, so this one warns
                warns.append("warning: " + result.reason)
        if m.cancelled:
            return tuple(out), False, "; ".join(["milestone is cancelled", *blocks, *warns])
        return tuple(out), not blocks, "; ".join(blocks + warns)

    # ------------------------------------------------------------------------ ledgers
    def _ledgers(
        self,
        work: dict[str, _Work],
        revised_value: dict[str, Decimal],
        last_deductible: dict[str, str],
    ) -> dict[str, pay.ContractLedger]:
        ledgers: dict[str, pay.ContractLedger] = {}
        payable: list[_Work] = []
        for w in work.values():
            cid = w.m.contract_id
            if cid not in ledgers:
                ledgers[cid] = pay.ContractLedger(w.contract, revised_value[cid])
            if w.m.payment_basis != "none" and w.status == st.SIGNED_OFF:
                w.payable = True
                payable.append(w)
        payable.sort(key=_certification_order)
        for w in payable:
            if w.m.payment_basis in pay.DEDUCTIBLE:
                ledger = ledgers[w.m.contract_id]
                is_last = last_deductible.get(w.m.contract_id) == w.m.milestone_id
                w.deductions = ledger.certify(w.value or ZERO, w.late, is_last)
            else:
                w.deductions = pay.Deductions(ZERO, ZERO, ZERO)
        as_of = self.as_of
        for w in work.values():
            m = w.m
            if w.payable or m.payment_basis not in pay.DEDUCTIBLE or m.cancelled:
                continue
            days = ((m.actual_date or as_of) - w.revised).days
            # Not late: no damages accrue (what ContractLedger.exposure gives for it).
            w.exposure = (
                ledgers[m.contract_id].exposure(w.value or ZERO, days) if days > 0 else ZERO
            )
        return ledgers

    # ----------------------------------------------------------------------- payments
    def _payment_values(
        self, w: _Work, invoices: Sequence[Invoice], ready: bool, blockers: str
    ) -> tuple[dict[str, object], Sentence]:
        """The result fields of one milestone (in MILESTONES.results order) and the sentence
        explaining its payment (written when read). Every amount is already rounded; a zero
        amount is shown with the currency's exponent (0.00, not 0 nor -0.00)."""
        m, c, state = w.m, w.contract, w.state
        assert state is not None
        cur = c.currency
        zero = zero_of(cur)
        as_of = self.as_of
        value = w.value
        retention: Decimal | None = None
        advance: Decimal | None = None
        delay: Decimal | None = None
        net: Decimal | None = None
        vat: Decimal | None = None
        amount_due: Decimal | None = None
        paid_amount: Decimal | None = None
        outstanding: Decimal | None = None
        interest: Decimal | None = None
        due: date | None = None
        status = pay.NOT_PAYABLE
        days_overdue = 0
        paid_rows: list[tuple[date, Decimal]] = []
        paid = zero
        if invoices:
            for i in invoices:
                if i.paid_date is not None and _paid_by(i, as_of):
                    paid_rows.append((i.paid_date, i.paid_amount))
            if paid_rows:
                paid = sum((amount for _d, amount in paid_rows), ZERO)
        basis = m.payment_basis
        if basis == "none":
            if invoices:
                paid_amount = round_money(paid, cur) or zero
            text: Sentence = _no_payment_text
        elif not w.payable:
            paid_amount = (round_money(paid, cur) or zero) if paid_rows else zero
            if basis in pay.DEDUCTIBLE:
                delay = w.exposure or zero
            text = _cancelled_payment_text if m.cancelled else _not_payable(value, w.exposure, cur)
        else:
            paid_amount = round_money(paid, cur) or zero
            d = w.deductions or pay.Deductions(ZERO, ZERO, ZERO)
            net_ = (value or ZERO) - d.retention - d.advance - d.delay
            vat_ = round_money(net_ * c.vat_rate, cur)
            due_amount = net_ + vat_
            owed = due_amount - paid
            if basis in pay.DEDUCTIBLE:
                retention = d.retention or zero
                advance = d.advance or zero
                delay = d.delay or zero
            else:
                retention = advance = delay = zero
            net, vat, amount_due, outstanding = net_ or zero, vat_ or zero, due_amount, owed or zero
            invoice_based = c.payment_terms_basis in pay.INVOICE_BASES
            start = state.signoff_date
            if invoice_based:
                start = min((i.invoice_date for i in invoices), default=None)
            if start is not None:
                due = payment_due_date(
                    start,
                    c.payment_terms_days,
                    c.payment_terms_basis,
                    self.settings.business_day_convention,
                    self.calendar,
                )
            status = pay.payment_status(True, invoice_based, bool(invoices), owed, paid, due, as_of)
            if due is not None and (
                status == pay.OVERDUE or any(day > due for day, _amount in paid_rows)
            ):
                self.late_payments.append(m.milestone_id)
            late_interest = zero
            if due is not None and self.regime != "none" and status != pay.AWAITING_INVOICE:
                parts = late_parts(due_amount, due, paid_rows, as_of)
                late_interest = interest_on_parts(
                    parts, due_amount, due, self.regime, self.rate, cur
                )
            interest = late_interest or zero
            if status == pay.OVERDUE and due is not None:
                days_overdue = (as_of - due).days
            if owed < 0:
                self._warn(
                    "overpaid",
                    MILESTONES,
                    m.row,
                    "outstanding_amount",
                    owed,
                    f"Milestone {m.milestone_id} is overpaid by {format_money(-owed, cur)}: "
                    f"paid {format_money(paid, cur)} against {format_money(due_amount, cur)} "
                    "due. Check the Paid Amount of its invoices.",
                )
            text = partial(
                _payment_text, status, due_amount, paid, owed, due, days_overdue, late_interest, c
            )
        signoff_due: date | None = None
        days_waiting: int | None = None
        if w.status == st.AWAITING and m.actual_date is not None:
            signoff_due, days_waiting, overdue = signoff_deadline(
                m.actual_date, self.signoff_days, as_of
            )
            if overdue:
                self.signoffs_overdue += 1
            self.oldest_waiting = max(self.oldest_waiting, days_waiting)
        # In MILESTONES.results order (checked at import; a test holds it too).
        values: dict[str, object] = {
            "revised_date": w.revised,
            "status": w.status,
            "rag": st.rag(w.status, w.late, self.rag_tolerance),
            "days_late": w.late,
            "signoff_ready": ready,
            "signoff_blockers": blockers or None,
            "signoff_date": state.signoff_date,
            "signoff_due_date": signoff_due,
            "days_awaiting_signoff": days_waiting,
            "milestone_value": None if value is None else (value or zero),
            "retention_amount": retention,
            "advance_recovery": advance,
            "delay_damages": delay,
            "net_amount": net,
            "vat_amount": vat,
            "amount_due": None if amount_due is None else (amount_due or zero),
            "payment_due_date": due,
            "paid_amount": paid_amount,
            "outstanding_amount": outstanding,
            "payment_status": status,
            "days_overdue": days_overdue,
            "late_interest": interest,
        }
        return values, text

    def _tally(
        self,
        w: _Work,
        values: dict[str, object],
        invoices: Sequence[Invoice],
        flows: Flows,
        tally: DashboardTally,
    ) -> None:
        """Cash flows (due, invoiced, paid) and the amount figures of one milestone (counts and
        value flows are gathered in ``run``)."""
        m, c = w.m, w.contract
        cur, cid = c.currency, c.contract_id
        # The cash basis: VAT included, after deductions, retention releases included.
        amount_due = values["amount_due"]
        due = values["payment_due_date"]
        if isinstance(amount_due, Decimal) and isinstance(due, date):
            flows.add(cid, DUE, due, amount_due)
        for inv in invoices:
            flows.add(cid, INVOICED, inv.invoice_date, inv.invoice_amount)
            if _paid_by(inv, self.as_of):
                assert inv.paid_date is not None
                flows.add(cid, PAID, inv.paid_date, inv.paid_amount)
        status = values["payment_status"]
        outstanding = values["outstanding_amount"]
        if isinstance(outstanding, Decimal) and outstanding > 0:
            if status == pay.OVERDUE:
                tally.add("overdue", cur, outstanding)
            elif isinstance(due, date):
                for key in due_window_keys(due, self.as_of):
                    tally.add(key, cur, outstanding)
        if w.payable and w.deductions is not None:
            if m.payment_basis == pay.RELEASE:
                tally.add("retention_held", cur, -(w.value or ZERO))
            tally.add("retention_held", cur, w.deductions.retention)
            tally.add("delay_damages_taken", cur, w.deductions.delay)
        elif w.exposure:
            tally.add("delay_damages_accrued", cur, w.exposure)


def _in_row_order(rows: Iterable[_T]) -> list[_T]:
    """``rows`` by sheet row (as read they already are, which sorting finds in one pass)."""
    return sorted(rows, key=_ROW)


def _work_contract(w: _Work) -> str:
    return w.m.contract_id


def _baseline_order(w: _Work) -> tuple[date, int]:
    return (w.m.baseline_date, w.m.row)


def _certification_order(w: _Work) -> tuple[date, date, int]:
    assert w.state is not None
    return (w.state.signoff_date or date.max, w.m.baseline_date, w.m.row)


def _accepted(d: Deliverable) -> bool:
    return d.acceptance_status == "accepted"


def _paid_by(invoice: Invoice, as_of: date) -> bool:
    return invoice.paid_date is not None and invoice.paid_date <= as_of and invoice.paid_amount > 0


def _waiting_text(state: SignoffState) -> str:
    if state.missing_roles:
        return "approval by " + ", ".join(state.missing_roles)
    if state.no_rule and not state.roles:
        return "an approver to be listed"
    return ""


def _no_payment_text() -> str:
    return "No payment on this milestone."


def _cancelled_payment_text() -> str:
    return "Not payable: the milestone is cancelled."


def _not_payable(value: Decimal | None, exposure: Decimal | None, currency: str) -> Sentence:
    def text() -> str:
        shown = format_money(value or ZERO, currency)
        if exposure:
            accrued = format_money(exposure, currency)
            return (
                f"Not payable until signed off; value {shown}; "
                f"delay damages accrued so far {accrued}."
            )
        return f"Not payable until signed off; value {shown}."

    return text


def _payment_text(
    status: str,
    amount_due: Decimal,
    paid: Decimal,
    outstanding: Decimal,
    due: date | None,
    days_overdue: object,
    interest: Decimal,
    c: Contract,
) -> str:
    cur = c.currency
    interest_text = f"; late interest {format_money(interest, cur)}" if interest else ""
    if status == pay.AWAITING_INVOICE:
        return (
            f"Awaiting invoice: {format_money(amount_due, cur)} falls due "
            f"{c.payment_terms_days} days after the invoice"
            + (" month end." if c.payment_terms_basis.startswith("eom_") else ".")
        )
    if status == pay.PAID:
        return f"Paid: {format_money(paid, cur)} paid in full{interest_text}."
    if status == pay.OVERDUE:
        return (
            f"Overdue: {format_money(outstanding, cur)} due {due}, {days_overdue} days "
            f"overdue{interest_text}."
        )
    if status == pay.PART_PAID:
        return (
            f"Part paid: {format_money(paid, cur)} of {format_money(amount_due, cur)} paid; "
            f"{format_money(outstanding, cur)} due {due}{interest_text}."
        )
    return f"Not yet due: {format_money(amount_due, cur)} due {due}."


def _totals(
    milestones: int,
    skipped: int,
    status_counts: dict[str, int],
    rag_counts: dict[object, int],
    payment_counts: dict[object, int],
    figures: dict[str, Decimal | int],
    reporting: str,
    schedule: dict[str, object],
) -> dict[str, object]:
    rag = {"Green": 0, "Amber": 0, "Red": 0}
    for colour, n in rag_counts.items():
        rag[str(colour)] += n
    return {
        "milestones": milestones,
        "computed": milestones - skipped,
        "not_computed": skipped,
        "status": dict(status_counts),
        "rag": rag,
        "payment_status": {str(k): n for k, n in payment_counts.items()},
        "reporting_currency": reporting,
        "amounts": {k: str(v) for k, v in figures.items() if isinstance(v, Decimal)},
        "signoffs_overdue": figures.get("signoffs_overdue", 0),
        "oldest_signoff_days": figures.get("oldest_signoff_days", 0),
        "schedule": schedule,
    }


def compute(model: Model, as_of: date, cell_of: CellLocator | None = None) -> EngineResult:
    """Every result of RULES.md for ``model`` as of ``as_of``.

    ``cell_of`` (optional) gives the A1 address of a (sheet, field, row) so that engine warnings
    carry a cell; without it their ``cell`` is None (the core does not know the layout).
    Milestones whose contract is not in the model are treated as skipped rows.
    """
    missing = [m for m in model.milestones if m.contract_id not in model.contracts]
    if missing:
        extra = [SkippedMilestone(m.row, m.milestone_id) for m in missing]
        model = replace(model, skipped=[*model.skipped, *extra])
    # The run allocates several objects per row and frees none of them until it returns.
    with collector_paused():
        return _Engine(model, as_of, cell_of).run()
