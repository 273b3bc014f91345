"""The Sign-off Queue (RULES.md section 6): for each milestone awaiting sign-off, the roles it
waits on and who holds them, since when, how overdue, and the amount at stake, which is the
pro forma amount due if it were signed off on the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Final

from xl_milestones.core.engine import (
    EngineResult,
    MilestoneResult,
    amounts_at_stake,
    milestone_results,
)
from xl_milestones.core.model import Model
from xl_milestones.core.proforma import PRO_FORMA_ROW, counts, missing_approvals, stakes_on
from xl_milestones.core.schema import SIGNOFF_QUEUE
from xl_milestones.core.signoff import ApproverEntry, RoleApproval, approval, signoff_deadline
from xl_milestones.core.status import AWAITING, SIGNED_OFF

NO_APPROVER: Final = "no approver listed"
QUEUE_FIELDS: Final = tuple(f.name for f in SIGNOFF_QUEUE.fields)


def pro_forma(model: Model, result: EngineResult, ids: Iterable[str]) -> dict[str, MilestoneResult]:
    """What each payment milestone of ``ids`` that awaits sign-off would be certified for if it
    were signed off on the as-of date: the engine run again with the missing approvals added.

    All such milestones are signed off together (they go to the same meeting), so they take
    their deductions in certification order among themselves: by baseline date. Only the
    contracts of those milestones are computed again (deductions never cross contracts).
    """
    targets, signed = _signed_off(model, result, ids)
    if not targets:
        return {}
    # Only the milestones' results are read: no schedule, S-curve or Dashboard is made.
    again = {r.milestone_id: r for r in milestone_results(signed, result.as_of) if r.computed}
    return {
        mid: r for mid, r in again.items() if mid in targets and r.values["status"] == SIGNED_OFF
    }


def stakes(model: Model, result: EngineResult, ids: Iterable[str]) -> dict[str, Decimal]:
    """The amount due ``pro_forma`` gives each of ``ids`` (those it certifies), from the
    certification stages alone: what the Sign-off Queue shows as the amount at stake."""
    return amounts_at_stake(model, result.as_of, set(ids))


def _signed_off(model: Model, result: EngineResult, ids: Iterable[str]) -> tuple[set[str], Model]:
    """The payment milestones of ``ids`` awaiting sign-off, and the model of their contracts
    with the approvals they miss added, dated as of the result."""
    by_id = result.by_id()
    milestones = {m.milestone_id: m for m in model.milestones}
    targets = {
        mid
        for mid in ids
        if mid in by_id
        and mid in milestones
        and stakes_on(by_id[mid].values["status"], milestones[mid].payment_basis)
    }
    if not targets:
        return targets, model
    contracts = {milestones[mid].contract_id for mid in targets}
    signoffs = [s for s in model.signoffs if s.milestone_id not in targets or counts(s)]
    row = PRO_FORMA_ROW
    for mid in sorted(targets):
        added = missing_approvals(mid, by_id[mid].approvers, result.as_of, row)
        signoffs += added
        row += len(added)
    # Every contract stays in the model: the reporting currency may be the most common one.
    signed = replace(
        model,
        milestones=[m for m in model.milestones if m.contract_id in contracts],
        signoffs=signoffs,
        skipped=[],
    )
    return targets, signed


def waiting_on(roles: Sequence[RoleApproval]) -> list[tuple[str | None, str | None, str]]:
    """(role, approver names, latest decision) for each required role not yet approved.

    A role not yet met names its approvers who have not approved, joined with ", " in sheet
    order, with their decisions likewise (one word when they agree); a role with no approver listed
    has no name and the decision "no approver listed". No role at all (no Approval Rules and
    no approver listed) is one entry without a role.
    """
    out: list[tuple[str | None, str | None, str]] = []
    for ra in roles:
        if not ra.required or ra.satisfied:
            continue
        # With no Approval Rules every listed approver is required: one who approved is
        # not waited on, although the role still is.
        waited = [e for e in ra.approvers if not approval(e)]
        if not waited:
            out.append((ra.role, None, NO_APPROVER))
            continue
        names = [e.name for e in waited]
        decisions = [_waiting_decision(e) for e in waited]
        decision = decisions[0] if len(set(decisions)) == 1 else ", ".join(decisions)
        out.append((ra.role, ", ".join(names), decision))
    if not roles:
        out.append((None, None, NO_APPROVER))
    return out


def _waiting_decision(e: ApproverEntry) -> str:
    """An approver's latest decision as the queue shows it, saying why an approval does not
    count."""
    if e.decision != "approved":
        return e.decision
    if e.owner:
        return "approved by the milestone owner (does not count)"
    return "approved without a date"


def signoff_queue(
    model: Model, result: EngineResult, at_stake: dict[str, Decimal] | None = None
) -> list[tuple[object, ...]]:
    """The Sign-off Queue's rows (SIGNOFF_QUEUE field order): one per milestone awaiting
    sign-off and role it waits on, most overdue first, then longest waiting, then by id.

    ``at_stake`` is ``stakes`` of the awaiting milestones when the caller already has it;
    else the result's own (``compute(..., at_stake=True)``), else they are worked out.
    """
    awaiting = [r for r in result.milestones if r.computed and r.values["status"] == AWAITING]
    if not awaiting:
        return []
    milestones = {m.milestone_id: m for m in model.milestones}
    if at_stake is None:
        at_stake = result.at_stake
    if at_stake is None:
        at_stake = stakes(model, result, [str(r.milestone_id) for r in awaiting])
    as_of, days = result.as_of, model.settings.signoff_days
    rows: list[tuple[object, ...]] = []
    for r in awaiting:
        mid = str(r.milestone_id)
        m = milestones[mid]
        actual = m.actual_date
        assert actual is not None  # Awaiting sign-off means complete
        due, waited, overdue = signoff_deadline(actual, days, as_of)
        stake = at_stake.get(mid)
        entries = waiting_on(r.approvers) or [(None, None, "")]
        for role, names, decision in entries:
            rows.append(
                (
                    mid,
                    m.contract_id,
                    m.milestone_name,
                    role,
                    names,
                    decision or None,
                    actual,
                    waited,
                    due,
                    overdue,
                    bool(r.values["signoff_ready"]),
                    stake,
                    r.currency,
                )
            )
    rows.sort(key=_queue_order)
    return rows


_ID, _WAITED, _OVERDUE = (
    QUEUE_FIELDS.index(n) for n in ("milestone_id", "days_waiting", "days_overdue")
)


def _queue_order(row: tuple[object, ...]) -> tuple[int, int, str]:
    overdue, waited = row[_OVERDUE], row[_WAITED]
    assert isinstance(overdue, int) and isinstance(waited, int)
    return (-overdue, -waited, str(row[_ID]))
