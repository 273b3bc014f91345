"""Stage: the sign-off readiness checks of RULES.md section 4, one small function each.

Each check runs over every milestone at once and yields the milestones it fails, with the
failed ``CheckResult`` (its mode from Settings and the reason); a check that is off is not run
at all. ``readiness_checks`` runs them in check order, so each milestone's failures come in
check order, then gives each milestone its checks and ``signoff.readiness``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Final

from xl_milestones.core.index import MilestoneWork, ModelIndex, accepted_by
from xl_milestones.core.model import Deliverable
from xl_milestones.core.payments import INVOICE_BASES
from xl_milestones.core.signoff import (
    CHECK_INDEX,
    CHECK_NAMES,
    FAIL,
    OFF,
    CheckResult,
    all_passing,
    readiness,
)
from xl_milestones.core.status import SIGNED_OFF

Failed = Iterator[tuple[MilestoneWork, CheckResult]]


class _Run:
    """What the checks share: the index, the mode of each check, and failed results whose
    reason names no row (one instance serves every milestone failing that way)."""

    __slots__ = ("index", "modes", "shared")

    def __init__(self, ix: ModelIndex, modes: tuple[str, ...]) -> None:
        self.index = ix
        self.modes = modes
        self.shared: dict[tuple[str, str], CheckResult] = {}

    def fail(self, name: str, reason: str) -> CheckResult:
        return CheckResult(name, self.modes[CHECK_INDEX[name]], FAIL, reason)

    def fail_shared(self, name: str, reason: str) -> CheckResult:
        known = self.shared.get((name, reason))
        if known is None:
            known = self.shared[(name, reason)] = self.fail(name, reason)
        return known


def _completion(run: _Run) -> Failed:
    result = run.fail("Completion", "actual date not entered")
    return ((w, result) for w in run.index.work if w.m.actual_date is None)


def _deliverables(run: _Run) -> Failed:
    by_id, as_of = run.index.by_id, run.index.as_of
    for mid, dels in run.index.deliverables.items():
        w = by_id.get(mid)
        bad = [_not_accepted(d) for d in dels if not accepted_by(d, as_of)]
        if w is not None and bad:
            yield w, run.fail("Deliverables", "; ".join(bad))


def _not_accepted(d: Deliverable) -> str:
    """The reason a deliverable holds its milestone back: a rejected one is to be reworked and
    submitted again, which "not accepted" does not say."""
    if d.acceptance_status == "rejected":
        return f"deliverable {d.deliverable_id} rejected"
    return f"deliverable {d.deliverable_id} not accepted"


def _predecessors(run: _Run) -> Failed:
    by_id = run.index.by_id
    signed = {mid for mid, w in by_id.items() if w.status == SIGNED_OFF}
    for w in run.index.work:
        if not w.m.predecessors:
            continue
        preds = [_unsigned(p, by_id.get(p)) for p in w.m.predecessors if p not in signed]
        if preds:
            yield w, run.fail("Predecessors", "; ".join(preds))


def _unsigned(p: str, w: MilestoneWork | None) -> str:
    """The reason a predecessor holds its successor back: not signed off, or cancelled (it
    never will be: the link is to be removed)."""
    if w is not None and w.m.cancelled:
        return f"predecessor {p} cancelled (remove it from Predecessors)"
    return f"predecessor {p} not signed off"


def _blocking_issues(run: _Run) -> Failed:
    by_id = run.index.by_id
    for mid, issues in run.index.open_issues.items():
        w = by_id.get(mid)
        blocking = [f"issue {i.issue_id} blocks sign-off" for i in issues if i.blocking]
        if w is not None and blocking:
            yield w, run.fail("Blocking Issues", "; ".join(blocking))


def _disputes(run: _Run) -> Failed:
    by_id = run.index.by_id
    for mid, issues in run.index.open_issues.items():
        w = by_id.get(mid)
        disputes = [f"open dispute {i.issue_id}" for i in issues if i.category == "dispute"]
        if w is not None and disputes:
            yield w, run.fail("Disputes", "; ".join(disputes))


def _approvers(run: _Run) -> Failed:
    # Most failures are the same few unlisted roles: their result is kept by those roles.
    by_roles: dict[tuple[tuple[str, ...], bool], CheckResult] = {}
    for w in run.index.work:
        state = w.state
        assert state is not None
        owners = _owner_approves(w) if state.roles else []
        unnamed = state.no_rule and not state.roles
        if not (owners or state.unlisted_roles or unnamed):
            continue
        key = (state.unlisted_roles, unnamed)
        known = None if owners else by_roles.get(key)
        if known is None:
            reasons = [f"no approver listed for role {r}" for r in state.unlisted_roles]
            if unnamed:
                reasons.append("no approver listed")
            known = run.fail_shared("Approvers", "; ".join(reasons + owners))
            if not owners:
                by_roles[key] = known
        yield w, known


def _owner_approves(w: MilestoneWork) -> list[str]:
    # The milestone owner may not approve it: each listed approver who is the owner (marked
    # so by signoff.approvals).
    assert w.state is not None
    return [
        f"approver {e.name} is the milestone owner"
        for role in w.state.roles
        for e in role.approvers
        if e.owner
    ]


def _contract_active(run: _Run) -> Failed:
    for w in run.index.work:
        c = w.contract
        if c.contract_status != "active":
            reason = f"contract {c.contract_id} is {c.contract_status}"
            yield w, run.fail_shared("Contract Active", reason)


def _evidence(run: _Run) -> Failed:
    result = run.fail("Evidence", "no evidence on the milestone or its deliverables")
    shown = {mid for mid, dels in run.index.deliverables.items() for d in dels if d.evidence}
    return (
        (w, result) for w in run.index.work if not w.m.evidence and w.m.milestone_id not in shown
    )


def _acceptance_criteria(run: _Run) -> Failed:
    result = run.fail("Acceptance Criteria", "acceptance criteria blank")
    return ((w, result) for w in run.index.work if not (w.m.acceptance_criteria or "").strip())


def _pending_changes(run: _Run) -> Failed:
    by_id = run.index.by_id
    for mid, changes in run.index.changes.pending.items():
        w = by_id.get(mid)
        if w is not None:
            yield w, run.fail("Pending Changes", "; ".join(changes))


def _invoice(run: _Run) -> Failed:
    result = run.fail("Invoice", "no invoice yet")
    invoices = run.index.invoices
    for w in run.index.work:
        if (
            w.m.payment_basis != "none"
            and w.contract.payment_terms_basis in INVOICE_BASES
            and not invoices.get(w.m.milestone_id)
        ):
            yield w, result


# In RULES.md order (CHECK_NAMES); checked at import.
_CHECKS: Final[tuple[tuple[str, Callable[[_Run], Failed]], ...]] = (
    ("Completion", _completion),
    ("Deliverables", _deliverables),
    ("Predecessors", _predecessors),
    ("Blocking Issues", _blocking_issues),
    ("Disputes", _disputes),
    ("Approvers", _approvers),
    ("Contract Active", _contract_active),
    ("Evidence", _evidence),
    ("Acceptance Criteria", _acceptance_criteria),
    ("Pending Changes", _pending_changes),
    ("Invoice", _invoice),
)
if tuple(name for name, _check in _CHECKS) != CHECK_NAMES:  # pragma: no cover - schema drift
    raise ImportError("schema.SIGNOFF_CHECKS changed; update core/checks.py")


def readiness_checks(ix: ModelIndex, modes: Mapping[str, str]) -> None:
    """Stage: every milestone's checks (RULES.md order), signoff_ready and signoff_blockers.
    Runs after the statuses (the Predecessors check reads them)."""
    mode_order = tuple(modes[name] for name in CHECK_NAMES)
    run = _Run(ix, mode_order)
    for (_name, check), mode in zip(_CHECKS, mode_order, strict=True):
        if mode == OFF:
            continue
        for w, result in check(run):
            if w.fails is None:
                w.fails = [result]
            else:
                w.fails.append(result)
    base = all_passing(mode_order)
    # Every check passing: the same outcome for every such milestone, cancelled or not.
    passing = {cancelled: readiness((), cancelled) for cancelled in (False, True)}
    for w in ix.work:
        fails = w.fails
        if fails is None:
            w.checks = base
            w.ready, w.blockers = passing[w.m.cancelled]
            continue
        out = list(base)
        for result in fails:
            out[CHECK_INDEX[result.name]] = result
        w.checks = tuple(out)
        w.ready, w.blockers = readiness(fails, w.m.cancelled)
