"""Stage, on demand: the amount at stake of each payment milestone awaiting sign-off (RULES.md
section 6), which is the amount due it would be certified for were every approval it misses
given on the as-of date.

All such milestones are signed off together (they go to the same meeting), so they take their
deductions in certification order among themselves: by baseline date. Nothing else changes
when they are: the dates and values of every milestone, and the sign-off state and status of
every other one, are those already worked out. So the approvals and statuses stages run again
for these milestones alone, and the ledgers for their contracts alone (deductions never cross
contracts), on copies of the records: the index the engine goes on with is left as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Final

from xl_milestones.core import payments, signoff, status
from xl_milestones.core.index import MilestoneWork, ModelIndex
from xl_milestones.core.model import Signoff
from xl_milestones.core.payment_due import amount_due
from xl_milestones.core.signoff import RoleApproval, RoleThresholds
from xl_milestones.core.status import AWAITING

# Approvals added for the pro forma run sort after every real row of the Sign-offs sheet.
PRO_FORMA_ROW: Final = 1_000_000_000


def awaiting_payment(w: MilestoneWork) -> bool:
    """A milestone with a payment, awaiting sign-off: one the Sign-off Queue puts a stake on."""
    return stakes_on(w.status, w.m.payment_basis)


def stakes_on(milestone_status: object, payment_basis: str) -> bool:
    """Whether a milestone of this status and Payment Basis has an amount at stake: it awaits
    sign-off, and signing it off makes something payable."""
    return milestone_status == AWAITING and payment_basis != "none"


def counts(s: Signoff) -> bool:
    """An approval kept in the pro forma: approved, with a date (every other decision of the
    milestone's approvers is replaced by the approval dated as of the run)."""
    return s.decision == "approved" and s.decision_date is not None


def missing_approvals(
    milestone_id: str, roles: Sequence[RoleApproval], as_of: date, row: int
) -> list[Signoff]:
    """The approvals, dated ``as_of``, that sign off a milestone whose roles stand as
    ``roles``: one by each listed approver of a required role not yet met who has not approved
    and is not the milestone's owner (the role's name standing in when there is none), or one
    by "Approver" when no role applies. They take the rows after ``row``."""
    needed: list[tuple[str, str]] = []
    for ra in roles:
        if ra.required and not ra.satisfied:
            names = [e.name for e in ra.approvers if e.decision != "approved" and not e.owner]
            needed += [(ra.role, n) for n in names] or [(ra.role, ra.role)]
    if not roles:
        needed.append(("Approver", "Approver"))
    return [
        Signoff(row + k, milestone_id, role, name, "approved", as_of)
        for k, (role, name) in enumerate(needed, start=1)
    ]


def at_stake(
    ix: ModelIndex,
    last_deductible: dict[str, str],
    thresholds: RoleThresholds,
    window_days: int,
    rag_tolerance_days: int,
    ids: Collection[str] | None = None,
) -> dict[str, Decimal]:
    """Stage: the amount at stake of every payment milestone awaiting sign-off (of ``ids``
    only, when given), in sheet order; ``ix`` has been through the stages up to the ledgers
    (``last_deductible`` is what ``payments.values`` gave)."""
    targets = [
        w for w in ix.work if awaiting_payment(w) and (ids is None or w.m.milestone_id in ids)
    ]
    if not targets:
        return {}
    contracts = {w.m.contract_id for w in targets}
    signing = {w.m.milestone_id for w in targets}
    # The ledgers certify the milestones of these contracts already payable and those signed
    # off now; the others would only be shown an exposure, which nobody reads here.
    copies = [
        MilestoneWork(w.m, w.contract, w.revised, w.late, w.value, w.state, w.status)
        for w in ix.work
        if (w.payable and w.m.contract_id in contracts) or w.m.milestone_id in signing
    ]
    by_id = dict(ix.by_id)
    by_id.update((w.m.milestone_id, w) for w in copies)
    signoffs = dict(ix.signoffs)
    row = PRO_FORMA_ROW
    for w in targets:
        mid = w.m.milestone_id
        assert w.state is not None
        added = missing_approvals(mid, w.state.roles, ix.as_of, row)
        row += len(added)
        signoffs[mid] = [s for s in signoffs.get(mid, ()) if counts(s)] + added
    again = [by_id[w.m.milestone_id] for w in targets]
    pro = replace(ix, work=copies, by_id=by_id, signoffs=signoffs, missing_fx=set())
    signoff.approvals(pro, thresholds, again)
    # In sheet order, not predecessors first: each is complete, so its status (Signed off or
    # still Awaiting sign-off) comes before any rung that reads a predecessor's.
    status.statuses(pro, window_days, rag_tolerance_days, again)
    payments.ledgers(pro, last_deductible)
    return {w.m.milestone_id: amount_due(w) for w in again if w.payable}
