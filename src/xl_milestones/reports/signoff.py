"""The sign-off pack's content: which milestones go in it, and for each one every fact the review
meeting needs (dates, checks, approvers, deliverables, open issues, change orders, the payment
breakdown with the contract terms behind it), formatted for print. No I/O: ``render`` lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from xl_milestones.core.engine import EngineResult, MilestoneResult, counts_as_approved
from xl_milestones.core.index import open_by
from xl_milestones.core.issues import Issue
from xl_milestones.core.model import Contract, Milestone, Model
from xl_milestones.core.money import ZERO, minor_units, round_money
from xl_milestones.core.nearest import nearest_id
from xl_milestones.core.payments import AWAITING_INVOICE, OVERDUE, PAID, PART_PAID
from xl_milestones.core.queue import pro_forma, signoff_queue
from xl_milestones.core.schema import (
    CHANGE_ORDERS,
    CONTRACTS,
    DELIVERABLES,
    ISSUES,
    MILESTONES,
    NOT_COMPUTED,
    SETTINGS,
    SIGNOFF_CHECKS,
    SIGNOFF_QUEUE,
    SIGNOFFS,
)
from xl_milestones.core.signoff import BLOCK, FAIL, PASS, WARN, RoleApproval, signoff_deadline
from xl_milestones.core.status import AWAITING, SIGNED_OFF
from xl_milestones.errors import UsageError, XlMilestonesError
from xl_milestones.output import plural, validate_command

# Tones are the CSS classes of the template's badges.
OK: Final = "ok"
INFO: Final = "info"
CAUTION: Final = "warn"
BAD: Final = "bad"
NEUTRAL: Final = "neutral"
DASH: Final = "—"

STATUS_TONES: Final = {
    "Not started": NEUTRAL,
    "In progress": INFO,
    "At risk": CAUTION,
    "Late": BAD,
    "Awaiting sign-off": INFO,
    "Signed off": OK,
    "Rejected": BAD,
    "On hold": BAD,
    "Cancelled": NEUTRAL,
}
RAG_TONES: Final = {"Green": OK, "Amber": CAUTION, "Red": BAD}
DECISION_TONES: Final = {"approved": OK, "rejected": BAD, "pending": CAUTION}
ACCEPTANCE_TONES: Final = {
    "accepted": OK,
    "rejected": BAD,
    "submitted": CAUTION,
    "pending": NEUTRAL,
}
CHANGE_TONES: Final = {
    "approved": OK,
    "rejected": NEUTRAL,
    "proposed": CAUTION,
    "approved later": CAUTION,  # after the as-of date: still to be decided as of it
}
SEVERITY_TONES: Final = {"low": NEUTRAL, "medium": CAUTION, "high": BAD, "critical": BAD}
TERMS_START: Final = {
    "after_signoff": "after sign-off",
    "after_invoice": "after the invoice date",
    "eom_after_signoff": "after the end of the sign-off month",
    "eom_after_invoice": "after the end of the invoice month",
}
SIGNOFF_DAYS_OVERDUE: Final = "Sign-off days overdue"
_RULES: Final = {name: rule for name, _mode, rule in SIGNOFF_CHECKS}


class NothingToSignOff(XlMilestonesError):
    """No milestone is awaiting sign-off, so there is no pack to write; ``errors`` and
    ``not_computed`` say whether validation errors may be why."""

    def __init__(
        self, workbook: str, as_of: date, *, errors: int = 0, not_computed: int = 0
    ) -> None:
        self.workbook = workbook
        self.as_of = as_of
        self.errors = errors
        self.not_computed = not_computed
        super().__init__(self.message(workbook))

    def message(
        self, book: str | None, *, as_of: date | None = None, lister: str | None = None
    ) -> str:
        """The one line saying so; ``book`` is the workbook as the user named it and ``as_of``
        the date given for it (--as-of), for the command that lists the errors; without
        ``book`` (in Excel) the hint is ``lister``, what lists them in that edition."""
        text = (
            f"No milestone is awaiting sign-off in {self.workbook} as of "
            f"{self.as_of.isoformat()}; no pack written"
        )
        hint = validation_hint(self.errors, self.not_computed, book, as_of=as_of, lister=lister)
        return f"{text}; {hint}" if hint else f"{text}."


# What lists the errors in each edition of the workbook (the ribbon's button, Lite's script).
DESKTOP_LISTER: Final = "click Validate on the Milestones tab"
LITE_LISTER: Final = "run validate in the xlwings Lite task pane"


def validation_hint(
    errors: int,
    not_computed: int,
    book: str | None,
    *,
    as_of: date | None = None,
    lister: str | None = None,
) -> str:
    """What the workbook's validation errors mean for a pack and what to run ("71 milestones
    could not be computed because of errors: run xl-milestones validate BOOK"); empty when
    there are none. With ``as_of`` (a date given instead of the workbook's) the command checks
    as of that date too, where the errors (a date after it, for one) are."""
    if not_computed:
        what = f"{plural(not_computed, 'milestone')} could not be computed because of errors"
    elif errors:
        what = f"the workbook has {plural(errors, 'validation error')}"
    else:
        return ""
    if book is None:  # in Excel: what lists them on the Validation sheet
        return f"{what}: {lister or DESKTOP_LISTER} to list them"
    return f"{what}{_as_of_words(as_of)}: run {validate_command(book, as_of)}"


def _as_of_words(as_of: date | None) -> str:
    return f" as of {as_of.isoformat()}" if as_of is not None else ""


# ------------------------------------------------------------------------------ the pack's data


@dataclass(frozen=True, slots=True)
class Badge:
    """A coloured label: the text shown and its tone (ok, info, warn, bad, neutral)."""

    text: str
    tone: str


@dataclass(frozen=True, slots=True)
class CheckLine:
    name: str
    mode: str
    result: Badge
    rule: str
    finding: str


@dataclass(frozen=True, slots=True)
class ApproverLine:
    role: str
    required: bool
    name: str
    decision: Badge
    decision_date: str
    comment: str


@dataclass(frozen=True, slots=True)
class DeliverableLine:
    deliverable_id: str
    name: str
    status: Badge
    due_date: str
    submitted_date: str
    accepted_date: str
    evidence: str


@dataclass(frozen=True, slots=True)
class IssueLine:
    issue_id: str
    category: str
    severity: Badge
    blocking: str
    raised_date: str
    owner: str
    description: str
    amount_disputed: str


@dataclass(frozen=True, slots=True)
class ChangeLine:
    change_id: str
    description: str
    status: Badge
    scope: str
    value_change: str
    extension_days: str
    approved_date: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One line of the payment breakdown; ``kind`` is value, less, sub (a subtotal) or total."""

    label: str
    basis: str
    amount: str
    kind: str = "value"


@dataclass(frozen=True, slots=True)
class Signatory:
    role: str
    name: str
    recorded: str


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    tone: str = ""


@dataclass(slots=True)
class MilestonePage:
    """Everything printed for one milestone."""

    milestone_id: str
    anchor: str
    computed: bool
    name: str = ""
    contract: str = ""
    supplier: str = ""
    readiness: Badge = field(default_factory=lambda: Badge("Not computed", BAD))
    status: Badge | None = None
    rag: Badge | None = None
    explanation: str = ""
    facts: list[Fact] = field(default_factory=list)
    acceptance_criteria: str = ""
    evidence: str = ""
    dates: list[Fact] = field(default_factory=list)
    deadline: list[Fact] = field(default_factory=list)
    checks: list[CheckLine] = field(default_factory=list)
    approvers: list[ApproverLine] = field(default_factory=list)
    deliverables: list[DeliverableLine] = field(default_factory=list)
    issues: list[IssueLine] = field(default_factory=list)
    closed_issues: int = 0
    changes: list[ChangeLine] = field(default_factory=list)
    currency: str = ""
    payment_heading: str = ""
    payment_note: str = ""
    payment: list[PaymentLine] = field(default_factory=list)
    terms: list[Fact] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CoverLine:
    milestone_id: str
    anchor: str
    name: str
    contract: str
    supplier: str
    status: str
    amount: str
    readiness: Badge
    blockers: str


@dataclass(frozen=True, slots=True)
class ActionLine:
    """One line of the cover's "Who must act": a role a milestone of the pack waits on."""

    milestone_id: str
    anchor: str
    role: str
    name: str
    decision: str
    due: str
    overdue: Badge


@dataclass(slots=True)
class SignoffPack:
    """The whole pack: cover page facts, one line per milestone, then the milestone pages."""

    workbook: str
    as_of: str
    prepared: str
    reporting_currency: str
    summary: str
    lines: list[CoverLine]
    pages: list[MilestonePage]
    notes: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    actions: list[ActionLine] = field(default_factory=list)


# ------------------------------------------------------------------------------ formatting


def fmt_date(value: object) -> str:
    """``17 Jun 2026``: unambiguous in every locale; a dash when blank."""
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return DASH


def fmt_money(amount: object, currency: str | None) -> str:
    """``1,234.50``: thousands separators and the currency's minor units; a dash when blank."""
    if not isinstance(amount, Decimal):
        return DASH
    places = minor_units(currency)
    return f"{round_money(amount, currency):,.{places}f}"


def fmt_deduction(amount: object, currency: str | None) -> str:
    """A deduction in accounting style, ``(1,234.50)``; ``0.00`` when nothing is deducted."""
    if not isinstance(amount, Decimal):
        return DASH
    if amount == 0:
        return fmt_money(abs(amount), currency)
    return f"({fmt_money(amount, currency)})"


def fmt_signed(amount: Decimal, currency: str | None) -> str:
    """``+1,000.00`` / ``-500.00``: a change to a value."""
    text = fmt_money(abs(amount), currency)
    return f"-{text}" if amount < 0 else f"+{text}"


def fmt_ratio(ratio: Decimal | None) -> str:
    """A ratio as a percentage without trailing zeros: 0.05 -> ``5%``, 0.001 -> ``0.1%``."""
    if ratio is None:
        return DASH
    return f"{(ratio * 100).normalize():f}%"


def fmt_text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _anchor(n: int) -> str:
    # Not the id: ids are user text, and an anchor must be unique and safe in an href.
    return f"m{n}"


def column_labels() -> dict[str, str]:
    """Section titles and column headings, spelled as the schema spells its sheets and headers."""
    out = {
        "deliverables": DELIVERABLES.name,
        "signoffs": SIGNOFFS.name,
        "change_orders": CHANGE_ORDERS.name,
        "issues": ISSUES.name,
        "approver_role": SIGNOFFS.header("approver_role"),
        "approver_name": SIGNOFFS.header("approver_name"),
        "decision": SIGNOFFS.header("decision"),
        "decision_date": SIGNOFFS.header("decision_date"),
        "comment": SIGNOFFS.header("comment"),
        "acceptance_criteria": MILESTONES.header("acceptance_criteria"),
        "evidence": MILESTONES.header("evidence"),
        "status": MILESTONES.header("status"),
        "signoff_ready": MILESTONES.header("signoff_ready"),
        "signoff_blockers": MILESTONES.header("signoff_blockers"),
        "milestone_id": MILESTONES.header("milestone_id"),
        "milestone_name": MILESTONES.header("milestone_name"),
        "amount_due": MILESTONES.header("amount_due"),
        "supplier": CONTRACTS.header("supplier"),
        "contract_name": CONTRACTS.header("contract_name"),
    }
    for name in ("deliverable_id", "deliverable_name", "acceptance_status", "due_date"):
        out[name] = DELIVERABLES.header(name)
    for name in ("submitted_date", "accepted_date"):
        out[name] = DELIVERABLES.header(name)
    for name in ("change_id", "description", "value_change", "extension_days", "approved_date"):
        out["co_" + name] = CHANGE_ORDERS.header(name)
    out["co_status"] = CHANGE_ORDERS.header("change_status")
    for name in ("issue_id", "category", "severity", "blocking", "raised_date", "issue_owner"):
        out[name] = ISSUES.header(name)
    out["issue_description"] = ISSUES.header("description")
    out["amount_disputed"] = ISSUES.header("amount_disputed")
    for f in SIGNOFF_QUEUE.fields:
        out["q_" + f.name] = f.header
    out["queue"] = SIGNOFF_QUEUE.name
    return out


# ------------------------------------------------------------------------------ selection


def select_milestones(
    result: EngineResult, ids: Sequence[str] | None, *, workbook: str, errors: int = 0
) -> list[str]:
    """The milestone ids of the pack, in print order.

    With ``ids``: those (each once, in the order given); a blank id, or one not on the
    Milestones sheet, is a UsageError (the latter suggests the nearest id). Without: every
    computed milestone whose status is Awaiting sign-off, ready ones first, each group in sheet
    order; none is NothingToSignOff, which names the workbook's ``errors`` and the milestones
    not computed.
    """
    known = [r.milestone_id for r in result.milestones if r.milestone_id]
    if ids:
        wanted = list(dict.fromkeys(i.strip() for i in ids))
        if "" in wanted:
            raise UsageError(_blank_message(known, workbook))
        missing = [i for i in wanted if i not in set(known)]
        if missing:
            raise UsageError(_unknown_message(missing, known, workbook))
        return wanted
    awaiting = [r for r in result.milestones if r.computed and r.values["status"] == AWAITING]
    if not awaiting:
        raise NothingToSignOff(
            workbook, result.as_of, errors=errors, not_computed=result.not_computed
        )
    ready = [r for r in awaiting if r.values["signoff_ready"]]
    not_ready = [r for r in awaiting if not r.values["signoff_ready"]]
    return [str(r.milestone_id) for r in [*ready, *not_ready]]


def _blank_message(known: Sequence[str], workbook: str) -> str:
    example = f" (such as {known[0]})" if known else ""
    return (
        f"a blank milestone id: give the Milestone ID of a row of the {MILESTONES.name} sheet "
        f"of {workbook}{example}"
    )


def _unknown_message(missing: Sequence[str], known: Sequence[str], workbook: str) -> str:
    parts = [f"{wanted!r}" + _hint(wanted, known) for wanted in missing]
    noun = "milestone" if len(missing) == 1 else "milestones"
    where = f"the {MILESTONES.name} sheet of {workbook}"
    if not known:
        return f"unknown {noun} {', '.join(parts)}: {where} has no milestone ids"
    return f"unknown {noun} {', '.join(parts)}: not on {where}"


def _hint(wanted: str, known: Sequence[str]) -> str:
    guess = nearest_id(wanted, known)
    return f" (did you mean {guess}?)" if guess else ""


# ------------------------------------------------------------------------------ pro forma


# ------------------------------------------------------------------------------ building


def build_pack(
    model: Model,
    result: EngineResult,
    *,
    workbook_name: str,
    milestone_ids: Sequence[str] | None = None,
    issues: Sequence[Issue] = (),
    prepared: datetime | None = None,
) -> SignoffPack:
    """The pack for ``milestone_ids`` (default: every milestone awaiting sign-off, ready first).

    ``issues`` are the validation and engine issues of the workbook: their count goes on the
    cover, and a milestone that was not computed lists those on its row. Raises UsageError for
    a blank or unknown id and NothingToSignOff when no milestone is awaiting sign-off.
    """
    errors = sum(1 for i in issues if i.is_error)
    ids = select_milestones(result, milestone_ids, workbook=workbook_name, errors=errors)
    by_id = result.by_id()
    all_rows = {r.milestone_id: r for r in result.milestones if r.milestone_id}
    forma = pro_forma(model, result, ids)
    context = _Context(model, result)
    pages: list[MilestonePage] = []
    lines: list[CoverLine] = []
    names: dict[int, tuple[str | None, str | None]] | None = None  # made when first needed
    for n, mid in enumerate(ids, start=1):
        anchor = _anchor(n)
        r = by_id.get(mid)
        m = context.milestones.get(mid)
        if r is None or m is None or m.contract_id not in model.contracts:
            if names is None:
                names = model.names_by_row()
            page = _not_computed_page(model, names, mid, anchor, all_rows[mid].row, issues)
            pages.append(page)
            lines.append(
                CoverLine(
                    mid,
                    anchor,
                    page.name,
                    page.contract,
                    page.supplier,
                    DASH,
                    DASH,
                    page.readiness,
                    NOT_COMPUTED,
                )
            )
            continue
        page = context.page(m, r, forma.get(mid), anchor, issues)
        pages.append(page)
        c = model.contracts[m.contract_id]
        due = forma[mid].values["amount_due"] if mid in forma else r.values["amount_due"]
        amount = f"{fmt_money(due, c.currency)} {c.currency}" if isinstance(due, Decimal) else DASH
        blockers = fmt_text(r.values["signoff_blockers"])
        lines.append(
            CoverLine(
                mid,
                anchor,
                m.milestone_name,
                f"{c.contract_id} {c.contract_name}",
                c.supplier,
                str(r.values["status"]),
                amount,
                page.readiness,
                blockers,
            )
        )
    summary = _summary(lines)
    notes = _cover_notes(result, errors, forma)
    anchors = {line.milestone_id: line.anchor for line in lines}
    actions = [
        ActionLine(
            str(row[0]),
            anchors[str(row[0])],
            fmt_text(row[3]) or DASH,
            fmt_text(row[4]) or DASH,
            fmt_text(row[5]),
            fmt_date(row[8]),
            _overdue_badge(row[9]),
        )
        # Who must act, not the amount at stake, is read: no pro forma is run for it.
        for row in signoff_queue(model, result, at_stake={})
        if row[0] in anchors
    ]
    return SignoffPack(
        workbook=workbook_name,
        as_of=fmt_date(result.as_of),
        prepared=prepared.strftime("%Y-%m-%d %H:%M") if prepared else "",
        reporting_currency=result.reporting_currency,
        summary=summary,
        lines=lines,
        pages=pages,
        notes=notes,
        labels=column_labels(),
        actions=actions,
    )


def _summary(lines: Sequence[CoverLine]) -> str:
    """``3 milestones: 1 ready for sign-off, 1 not ready, 1 already signed off``: only a
    milestone awaiting sign-off is ready or not; the others (chosen with --milestone) are
    counted by their status, then those not computed."""
    awaiting = [line for line in lines if line.status == AWAITING]
    parts = []
    if awaiting:
        ready = sum(1 for line in awaiting if line.readiness.tone == OK)
        parts += [f"{ready} ready for sign-off", f"{len(awaiting) - ready} not ready"]
    for status in STATUS_TONES:
        n = sum(1 for line in lines if line.status == status)
        if n and status != AWAITING:
            parts.append(
                f"{n} " + ("already signed off" if status == SIGNED_OFF else status.lower())
            )
    not_computed = sum(1 for line in lines if line.status == DASH)
    if not_computed:
        parts.append(f"{not_computed} not computed")
    return f"{plural(len(lines), 'milestone')}: {', '.join(parts)}"


def _overdue_badge(days: object) -> Badge:
    if isinstance(days, int) and days > 0:
        return Badge(f"{plural(days, 'day')} overdue", BAD)
    return Badge("on time", OK)


def _cover_notes(result: EngineResult, errors: int, forma: dict[str, MilestoneResult]) -> list[str]:
    notes = []
    if forma:
        notes.append(
            "Amounts due of milestones awaiting sign-off are pro forma: what each would be "
            f"certified for if the milestones of this pack were signed off on "
            f"{fmt_date(result.as_of)}."
        )
    skipped = result.not_computed
    if errors:
        notes.append(
            f"The workbook has {plural(errors, 'validation error')}"
            + (
                f"; {plural(skipped, 'milestone')} could not be computed and may be missing "
                "from this pack"
                if skipped
                else ""
            )
            + ". Validate in the workbook (or xl-milestones validate) lists them."
        )
    return notes


def _not_computed_page(
    model: Model,
    names: dict[int, tuple[str | None, str | None]],
    mid: str,
    anchor: str,
    row: int,
    issues: Sequence[Issue],
) -> MilestonePage:
    """The page of a milestone that could not be computed: its name and contract as the row
    holds them (``Model.names_by_row``; with the contract's name and supplier when that
    contract is known), and the errors of its row."""
    page = MilestonePage(mid, anchor, computed=False)
    contract_id, name = names.get(row, (None, None))
    page.name = fmt_text(name)
    c = model.contracts.get(contract_id or "")
    if c is not None:
        page.contract, page.supplier = f"{c.contract_id} {c.contract_name}", c.supplier
    else:
        page.contract = fmt_text(contract_id)
    mine = [i for i in issues if i.sheet == MILESTONES.name and i.row == row]
    page.warnings = [
        f"{i.sheet}!{i.cell or f'row {i.row}'}: {i.message}" for i in mine if i.is_error
    ] or [
        f"{MILESTONES.name} row {row} depends on a row with errors (its contract, for "
        "example); see the Validation sheet."
    ]
    return page


class _Context:
    """The model indexed by milestone, and the contract figures the breakdown quotes."""

    def __init__(self, model: Model, result: EngineResult) -> None:
        self.model = model
        self.result = result
        self.as_of = result.as_of
        self.milestones = {m.milestone_id: m for m in model.milestones}
        self.statuses = {
            r.milestone_id: str(r.values["status"]) for r in result.milestones if r.computed
        }

    # -------------------------------------------------------------------------- one page
    def page(
        self,
        m: Milestone,
        r: MilestoneResult,
        forma: MilestoneResult | None,
        anchor: str,
        issues: Sequence[Issue],
    ) -> MilestonePage:
        c = self.model.contracts[m.contract_id]
        v = r.values
        status = str(v["status"])
        page = MilestonePage(m.milestone_id, anchor, computed=True, name=m.milestone_name)
        page.contract = f"{c.contract_id} {c.contract_name}"
        page.supplier = c.supplier
        page.readiness = _readiness(status, bool(v["signoff_ready"]))
        page.status = Badge(status, STATUS_TONES.get(status, NEUTRAL))
        rag = v["rag"]
        page.rag = Badge(f"RAG {rag}", RAG_TONES[rag]) if isinstance(rag, str) else None
        page.explanation = r.explanation
        page.facts = self._facts(m, c)
        page.acceptance_criteria = fmt_text(m.acceptance_criteria)
        page.evidence = fmt_text(m.evidence)
        page.dates = self._dates(m, v)
        page.deadline = _deadline(m, v, self.model.settings.signoff_days, self.as_of)
        page.checks = [_check_line(ch.name, ch.mode, ch.outcome, ch.reason) for ch in r.checks]
        page.approvers = self._approvers(m, r.approvers)
        page.signatories = self._signatories(r.approvers)
        page.deliverables = self._deliverables(m)
        page.issues, page.closed_issues = self._issues(m, c)
        page.changes = self._changes(m, c)
        page.currency = c.currency
        self._payment(page, m, c, r, forma)
        page.terms = self._terms(c)
        page.warnings = [
            i.message
            for i in issues
            if i.sheet == MILESTONES.name and i.row == m.row and not i.is_error
        ]
        return page

    def _facts(self, m: Milestone, c: Contract) -> list[Fact]:
        h, ch = MILESTONES.header, CONTRACTS.header
        return [
            Fact(ch("contract_id"), c.contract_id),
            Fact(ch("contract_name"), c.contract_name),
            Fact(ch("supplier"), c.supplier),
            Fact(ch("contract_owner"), fmt_text(c.contract_owner) or DASH),
            Fact(ch("contract_status"), c.contract_status),
            Fact(h("milestone_id"), m.milestone_id),
            Fact(h("milestone_name"), m.milestone_name),
            Fact(h("milestone_type"), m.milestone_type),
            Fact(h("owner"), fmt_text(m.owner) or DASH),
            Fact(h("payment_basis"), _basis_text(m, c.currency)),
            Fact(h("predecessors"), ", ".join(m.predecessors) or DASH),
        ]

    def _dates(self, m: Milestone, v: dict[str, object]) -> list[Fact]:
        h = MILESTONES.header
        late = v["days_late"]
        late_text = DASH
        if isinstance(late, int):
            late_text = str(late) + (" (early)" if late < 0 else "")
        return [
            Fact(h("baseline_date"), fmt_date(m.baseline_date)),
            Fact(h("revised_date"), fmt_date(v["revised_date"])),
            Fact(h("forecast_date"), fmt_date(m.forecast_date)),
            Fact(h("actual_date"), fmt_date(m.actual_date)),
            Fact(h("days_late"), late_text),
            Fact(h("percent_complete"), fmt_ratio(m.percent_complete)),
            Fact(h("signoff_date"), fmt_date(v["signoff_date"])),
        ]

    def _comments(self, mid: str) -> dict[int, str]:
        return {s.row: fmt_text(s.comment) for s in self.model.signoffs if s.milestone_id == mid}

    def _approvers(self, m: Milestone, roles: Sequence[RoleApproval]) -> list[ApproverLine]:
        comments = self._comments(m.milestone_id)
        out = []
        for ra in roles:
            if not ra.approvers:
                out.append(
                    ApproverLine(ra.role, ra.required, "not listed", Badge("missing", BAD), "", "")
                )
                continue
            for e in ra.approvers:
                out.append(
                    ApproverLine(
                        ra.role,
                        ra.required,
                        e.name,
                        Badge(e.decision, DECISION_TONES.get(e.decision, NEUTRAL)),
                        fmt_date(e.decision_date) if e.decision_date else "",
                        comments.get(e.row, ""),
                    )
                )
        return out

    def _signatories(self, roles: Sequence[RoleApproval]) -> list[Signatory]:
        out = []
        for ra in roles:
            if not ra.required:
                continue
            if not ra.approvers:
                out.append(Signatory(ra.role, "", "no approver listed"))
            for e in ra.approvers:
                recorded = f"recorded: {e.decision}"
                if e.decision_date:
                    recorded += f" on {fmt_date(e.decision_date)}"
                out.append(Signatory(ra.role, e.name, recorded))
        return out

    def _deliverables(self, m: Milestone) -> list[DeliverableLine]:
        return [
            DeliverableLine(
                d.deliverable_id,
                d.deliverable_name,
                Badge(d.acceptance_status, ACCEPTANCE_TONES.get(d.acceptance_status, NEUTRAL)),
                fmt_date(d.due_date),
                fmt_date(d.submitted_date),
                fmt_date(d.accepted_date),
                fmt_text(d.evidence),
            )
            for d in self.model.deliverables
            if d.milestone_id == m.milestone_id
        ]

    def _issues(self, m: Milestone, c: Contract) -> tuple[list[IssueLine], int]:
        mine = [i for i in self.model.issues if i.milestone_id == m.milestone_id]
        open_ = [i for i in mine if open_by(i, self.as_of)]
        # Disputes first, then what blocks sign-off: what the meeting must settle.
        open_.sort(key=lambda i: (i.category != "dispute", not i.blocking, i.row))
        lines = [
            IssueLine(
                i.issue_id,
                i.category,
                Badge(i.severity, SEVERITY_TONES.get(i.severity, NEUTRAL)),
                "yes" if i.blocking else "no",
                fmt_date(i.raised_date),
                fmt_text(i.issue_owner),
                i.description,
                fmt_money(i.amount_disputed, c.currency) if i.amount_disputed is not None else "",
            )
            for i in open_
        ]
        return lines, len(mine) - len(open_)

    def _changes(self, m: Milestone, c: Contract) -> list[ChangeLine]:
        out = []
        for co in self.model.change_orders:
            if co.contract_id != c.contract_id:
                continue
            if co.milestone_id and co.milestone_id != m.milestone_id:
                continue
            status = co.change_status
            if status == "approved" and not counts_as_approved(co, self.as_of):
                status = "approved later"
            out.append(
                ChangeLine(
                    co.change_id,
                    co.description,
                    Badge(status, CHANGE_TONES.get(status, NEUTRAL)),
                    "this milestone" if co.milestone_id else "whole contract",
                    fmt_signed(co.value_change, c.currency) if co.value_change else DASH,
                    f"{co.extension_days:+d}" if co.extension_days else DASH,
                    fmt_date(co.approved_date),
                )
            )
        return out

    # ---------------------------------------------------------------------- payment
    def _contract_values(self, c: Contract) -> tuple[Decimal, Decimal]:
        """(percent base, revised contract value) of RULES.md section 2, as the engine
        counted them."""
        changes = self.result.changes
        return changes.percent_base[c.contract_id], changes.revised_value[c.contract_id]

    def _own_changes(self, m: Milestone) -> Decimal:
        return self.result.changes.own_value(m.milestone_id)

    def _payment(
        self,
        page: MilestonePage,
        m: Milestone,
        c: Contract,
        r: MilestoneResult,
        forma: MilestoneResult | None,
    ) -> None:
        cur = c.currency
        if m.payment_basis == "none":
            page.payment_heading = "Payment"
            page.payment_note = "No payment on this milestone."
            return
        shown = forma or r
        v = shown.values
        status = str(r.values["status"])
        if forma is not None:
            page.payment_heading = "Payment on sign-off (pro forma)"
            page.payment_note = _pro_forma_note(self.as_of, forma, c)
        elif status == SIGNED_OFF:
            page.payment_heading = "Payment certified"
            page.payment_note = r.payment_explanation
        else:
            page.payment_heading = "Payment (not payable yet)"
            page.payment_note = r.payment_explanation
        payable = v["net_amount"] is not None
        base, revised = self._contract_values(c)
        late = v["days_late"] if isinstance(v["days_late"], int) else 0
        own = self._own_changes(m)
        lines = [
            PaymentLine(
                MILESTONES.header("milestone_value"),
                _value_basis(m, c, base, own),
                fmt_money(v["milestone_value"], cur),
                "value",
            )
        ]
        deductible = m.payment_basis in ("percent", "fixed")
        if not payable:
            if deductible:
                lines.append(
                    PaymentLine(
                        "Delay damages accrued so far (not deducted)",
                        _delay_basis(c, revised, max(late, 0)),
                        fmt_money(v["delay_damages"], cur),
                        "less",
                    )
                )
            page.payment = lines
            return
        h = MILESTONES.header
        if deductible:
            lines += [
                PaymentLine(
                    "Less " + h("retention_amount").lower(),
                    _retention_basis(c, revised),
                    fmt_deduction(v["retention_amount"], cur),
                    "less",
                ),
                PaymentLine(
                    "Less " + h("advance_recovery").lower(),
                    _advance_basis(c),
                    fmt_deduction(v["advance_recovery"], cur),
                    "less",
                ),
                PaymentLine(
                    "Less " + h("delay_damages").lower(),
                    _delay_basis(c, revised, max(late, 0)),
                    fmt_deduction(v["delay_damages"], cur),
                    "less",
                ),
            ]
        else:
            lines.append(
                PaymentLine(
                    "Deductions", "none on a retention release", fmt_money(ZERO, cur), "less"
                )
            )
        convention = self.model.settings.business_day_convention
        lines += [
            PaymentLine(
                h("net_amount"), "value less deductions", fmt_money(v["net_amount"], cur), "sub"
            ),
            PaymentLine(
                h("vat_amount"),
                f"{fmt_ratio(c.vat_rate)} of the net amount",
                fmt_money(v["vat_amount"], cur),
                "value",
            ),
            PaymentLine(
                h("amount_due"), "net amount plus VAT", fmt_money(v["amount_due"], cur), "total"
            ),
            PaymentLine(
                h("payment_due_date"),
                f"{c.payment_terms_days} days {TERMS_START.get(c.payment_terms_basis, '')}; "
                f"business day convention {convention}",
                fmt_date(v["payment_due_date"]) if v["payment_due_date"] else "after invoice",
                "date",
            ),
            PaymentLine(
                h("paid_amount"),
                "invoices paid by the as-of date",
                fmt_money(v["paid_amount"], cur),
                "value",
            ),
            PaymentLine(
                h("outstanding_amount"),
                str(v["payment_status"]),
                fmt_money(v["outstanding_amount"], cur),
                "value",
            ),
        ]
        page.payment = lines

    def _terms(self, c: Contract) -> list[Fact]:
        ch = CONTRACTS.header
        cur = c.currency
        _base, revised = self._contract_values(c)
        limit = "no limit"
        if c.retention_limit is not None:
            limit = f"{fmt_ratio(c.retention_limit)} of revised value"
        cap = "no cap"
        if c.delay_damages_cap is not None:
            cap = f"{fmt_ratio(c.delay_damages_cap)} of revised value"
        return [
            Fact(ch("currency"), cur),
            Fact(ch("original_value"), fmt_money(c.original_value, cur)),
            Fact("Revised contract value", fmt_money(revised, cur)),
            Fact(ch("retention_rate"), fmt_ratio(c.retention_rate)),
            Fact(ch("retention_limit"), limit),
            Fact(ch("advance_amount"), fmt_money(c.advance_amount, cur)),
            Fact(ch("advance_recovery_threshold"), fmt_ratio(c.advance_recovery_threshold)),
            Fact(ch("advance_recovery_rate"), fmt_ratio(c.advance_recovery_rate)),
            Fact(ch("delay_damages_rate"), fmt_ratio(c.delay_damages_rate) + " per day"),
            Fact(ch("delay_damages_cap"), cap),
            Fact(ch("vat_rate"), fmt_ratio(c.vat_rate)),
            Fact(ch("payment_terms_days"), str(c.payment_terms_days)),
            Fact(ch("payment_terms_basis"), _terms_basis(c.payment_terms_basis)),
            Fact(
                SETTINGS.name + ": business day convention",
                self.model.settings.business_day_convention,
            ),
        ]


def _terms_basis(basis: str) -> str:
    """The terms basis in words (``after_invoice``: ``after the invoice date``)."""
    return TERMS_START.get(basis, basis)


def _pro_forma_note(as_of: date, forma: MilestoneResult, c: Contract) -> str:
    """One sentence on what signing off on the as-of date would make due, and when."""
    v = forma.values
    cur = c.currency
    head = f"If it is signed off on {fmt_date(as_of)}, the as-of date, "
    amount = f"{fmt_money(v['amount_due'], cur)} {cur}"
    status = v["payment_status"]
    due = v["payment_due_date"]
    if status == AWAITING_INVOICE:
        start = TERMS_START.get(c.payment_terms_basis, "after the invoice date")
        return (
            f"{head}{amount} falls due {c.payment_terms_days} days {start}, once the supplier "
            "has sent the invoice (none is recorded yet)."
        )
    if not isinstance(due, date):
        return head + forma.payment_explanation
    when = fmt_date(due)
    if status == OVERDUE:
        return f"{head}{amount} was due on {when}: {v['days_overdue']} days overdue already."
    if status == PAID:
        return f"{head}{amount} falls due on {when}; it is paid in full already."
    if status == PART_PAID:
        paid = f"{fmt_money(v['paid_amount'], cur)} {cur}"
        return f"{head}{amount} falls due on {when}; {paid} of it is paid already."
    return f"{head}{amount} falls due on {when}."


def _deadline(m: Milestone, v: dict[str, object], days: int, as_of: date) -> list[Fact]:
    """Sign-off Due, Days Awaiting Sign-off and the days overdue, in red when overdue; empty
    for a milestone that is not awaiting sign-off (RULES.md section 6)."""
    if v["status"] != AWAITING or m.actual_date is None:
        return []
    due, waiting, overdue = signoff_deadline(m.actual_date, days, as_of)
    h = MILESTONES.header
    return [
        Fact(h("signoff_due_date"), fmt_date(due)),
        Fact(h("days_awaiting_signoff"), str(waiting)),
        Fact(SIGNOFF_DAYS_OVERDUE, str(overdue), BAD if overdue else ""),
    ]


def _readiness(status: str, ready: bool) -> Badge:
    if status == SIGNED_OFF:
        return Badge("Signed off", OK)
    if ready:
        return Badge("Ready", OK)
    return Badge("Not ready", BAD)


def _check_line(name: str, mode: str, outcome: str, reason: str) -> CheckLine:
    if outcome == PASS:
        badge = Badge("Pass", OK)
    elif outcome == FAIL and mode == BLOCK:
        badge = Badge("Fail", BAD)
    elif outcome == FAIL and mode == WARN:
        badge = Badge("Warning", CAUTION)
    else:
        badge = Badge("Off", NEUTRAL)
    return CheckLine(name, mode, badge, _RULES.get(name, ""), reason)


def _basis_text(m: Milestone, currency: str) -> str:
    if m.payment_basis == "percent":
        return f"percent ({fmt_ratio(m.payment_percent)} of the contract)"
    if m.payment_basis == "fixed":
        return f"fixed ({fmt_money(m.payment_amount, currency)} {currency})"
    if m.payment_basis == "retention_release":
        return f"retention release ({fmt_ratio(m.payment_percent)} of the retention)"
    return "none"


def _value_basis(m: Milestone, c: Contract, base: Decimal, own: Decimal) -> str:
    cur = c.currency
    changes = f"; change orders {fmt_signed(own, cur)}" if own else ""
    if m.payment_basis == "percent":
        wide = " incl. contract-wide changes" if base != c.original_value else ""
        return f"{fmt_ratio(m.payment_percent)} of {fmt_money(base, cur)}{wide}{changes}"
    if m.payment_basis == "fixed":
        return f"{MILESTONES.header('payment_amount')} {fmt_money(m.payment_amount, cur)}{changes}"
    return f"{fmt_ratio(m.payment_percent)} of the retention the contract carries{changes}"


def _retention_basis(c: Contract, revised: Decimal) -> str:
    text = f"{fmt_ratio(c.retention_rate)} of the value"
    if c.retention_limit is not None:
        cap = round_money(c.retention_limit * revised, c.currency)
        text += (
            f"; limit {fmt_ratio(c.retention_limit)} of the revised contract value "
            f"({fmt_money(cap, c.currency)})"
        )
    return text


def _advance_basis(c: Contract) -> str:
    if not c.advance_amount:
        return "no advance payment on this contract"
    return (
        f"{fmt_ratio(c.advance_recovery_rate)} of the value once certified value passes "
        f"{fmt_ratio(c.advance_recovery_threshold)} of the original value; advance "
        f"{fmt_money(c.advance_amount, c.currency)}"
    )


def _delay_basis(c: Contract, revised: Decimal, days: int) -> str:
    if not c.delay_damages_rate:
        return "no delay damages on this contract"
    text = f"{fmt_ratio(c.delay_damages_rate)} of the value per day × {days} days late"
    if c.delay_damages_cap is not None:
        cap = round_money(c.delay_damages_cap * revised, c.currency)
        text += (
            f"; cap {fmt_ratio(c.delay_damages_cap)} of the revised contract value "
            f"({fmt_money(cap, c.currency)})"
        )
    return text
