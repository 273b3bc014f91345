"""Milestone status, RAG and slippage (RULES.md section 1): revised date, days late, the status
ladder and its plain-English explanation.

The engine runs two stages from here: ``dates`` (revised date and days late of every milestone)
and, once the sign-off states are known, ``statuses`` (predecessors first). The sign-off state
(signed off / rejected) comes from ``signoff.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Final, NamedTuple, TypeAlias

from xl_milestones.core.index import started_by

if TYPE_CHECKING:
    from xl_milestones.core.index import MilestoneWork, ModelIndex
    from xl_milestones.core.signoff import SignoffState

HALF: Final = Decimal("0.5")
NOT_STARTED: Final = "Not started"
IN_PROGRESS: Final = "In progress"
AT_RISK: Final = "At risk"
LATE: Final = "Late"
AWAITING: Final = "Awaiting sign-off"
SIGNED_OFF: Final = "Signed off"
REJECTED: Final = "Rejected"
ON_HOLD: Final = "On hold"
CANCELLED: Final = "Cancelled"
# Statuses that make a successor At risk (RULES.md 1, status 7).
RISKY_FOR_SUCCESSORS: Final = frozenset({LATE, AT_RISK, ON_HOLD})
RISK_SEVERITIES: Final = frozenset({"high", "critical"})
# A sentence written only when it is read (see ``classify``).
Sentence: TypeAlias = Callable[[], str]


def revised_date(baseline_date: date, extension_days: int) -> date:
    """Baseline date plus the extension days of the approved change orders that apply."""
    return baseline_date + timedelta(days=extension_days)


def days_late(
    revised: date, actual_date: date | None, forecast_date: date | None, as_of: date
) -> int:
    """Actual minus revised when complete (negative = early); otherwise the larger of as_of and
    the forecast minus revised (negative = days left)."""
    if actual_date is not None:
        return (actual_date - revised).days
    forecast = forecast_date or revised
    return max((as_of - revised).days, (forecast - revised).days)


def days_text(days: int) -> str:
    """``1 day`` / ``3 days``."""
    return f"{days} day" if abs(days) == 1 else f"{days} days"


def lateness_text(days: int) -> str:
    """``3 days late`` / ``on time`` / ``2 days early``."""
    if days > 0:
        return days_text(days) + " late"
    if days < 0:
        return days_text(-days) + " early"
    return "on time"


class Found(NamedTuple):
    """What the other sheets say about one milestone, for its status.

    ``dispute`` is the id of its first open dispute; ``risk_issue`` is (id, why) of its first
    open issue that blocks sign-off or is high/critical; ``risky_predecessor`` is (id, status)
    of its first predecessor that is Late, At risk or On hold; ``started`` says a deliverable
    is submitted or accepted.
    """

    dispute: str | None
    risk_issue: tuple[str, str] | None
    risky_predecessor: tuple[str, str] | None
    started: bool


_NOTHING: Final = Found(None, None, None, False)


def classify(w: MilestoneWork, found: Found, as_of: date, window_days: int) -> tuple[str, Sentence]:
    """The first status of RULES.md 1 that applies to ``w`` (its dates and sign-off state
    worked out), and one sentence saying why.

    The sentence comes back unwritten, as a function: a refresh of a large workbook reads only
    the statuses, and writing every sentence would be a good part of its time."""
    m, state = w.m, w.state
    assert state is not None
    if m.cancelled:
        return CANCELLED, _cancelled_text
    actual, late = m.actual_date, w.late
    if state.signed_off and actual is not None:
        when = state.signoff_date
        return (
            SIGNED_OFF,
            lambda: f"Signed off on {when}; completed {actual} ({lateness_text(late)}).",
        )
    rejection = state.rejection
    if rejection is not None:
        return REJECTED, partial(
            _rejected_text, rejection.name, rejection.role, rejection.decision_date
        )
    if m.on_hold or found.dispute:
        why = "marked on hold" if m.on_hold else f"open dispute {found.dispute}"
        return ON_HOLD, lambda: f"On hold: {why}."
    if actual is not None:
        return AWAITING, partial(_awaiting_text, actual, late, state)
    return _open_status(w, found, as_of, window_days)


def _open_status(
    w: MilestoneWork, found: Found, as_of: date, window_days: int
) -> tuple[str, Sentence]:
    # The rungs of the ladder for a milestone not completed (nor cancelled, rejected, on hold).
    revised, forecast_date = w.revised, w.m.forecast_date
    if as_of > revised:
        return (
            LATE,
            lambda: (
                f"Late: revised date {revised} passed {days_text((as_of - revised).days)} ago; "
                + (f"forecast {forecast_date}." if forecast_date else "no forecast date.")
            ),
        )
    forecast = forecast_date or revised
    left = (revised - as_of).days
    if forecast > revised:
        return (
            AT_RISK,
            lambda: (
                f"At risk: forecast {forecast} is {days_text((forecast - revised).days)} after the "
                f"revised date {revised}."
            ),
        )
    risk_issue, risky = found.risk_issue, found.risky_predecessor
    if risk_issue is not None:
        return AT_RISK, lambda: f"At risk: open issue {risk_issue[0]} ({risk_issue[1]})."
    if risky is not None:
        return AT_RISK, lambda: f"At risk: predecessor {risky[0]} is {risky[1]}."
    done = w.m.percent_complete
    if left <= window_days and done < HALF:
        return (
            AT_RISK,
            lambda: (
                f"At risk: revised date {revised} is {days_text(left)} away and only "
                f"{_percent(done)}% complete."
            ),
        )
    if done > 0 or found.started:
        return (
            IN_PROGRESS,
            lambda: (
                f"In progress: {_percent(done)}% complete; revised date {revised}, "
                f"{days_text(left)} left."
            ),
        )
    return NOT_STARTED, lambda: f"Not started; revised date {revised}, {days_text(left)} left."


def _rejected_text(name: str, role: str, when: date | None) -> str:
    return f"Rejected by {name} ({role})" + (f" on {when}." if when else ".")


def _awaiting_text(actual: date, late: int, state: SignoffState) -> str:
    # Only an Awaiting sign-off sentence names the missing approvals.
    waiting = ""
    if state.missing_roles:
        waiting = "approval by " + ", ".join(state.missing_roles)
    elif state.no_rule and not state.roles:
        waiting = "an approver to be listed"
    return f"Awaiting sign-off: completed {actual} ({lateness_text(late)})" + (
        f"; waiting for {waiting}." if waiting else "."
    )


def _cancelled_text() -> str:
    return "Cancelled: the milestone no longer applies."


def _percent(fraction: Decimal) -> str:
    """``0.25`` -> ``25``; ``0.125`` -> ``12.5``."""
    return f"{(fraction * 100).normalize():f}"


def rag(status: str, late_days: int, tolerance_days: int) -> str | None:
    """Cancelled: blank. Signed off / Awaiting sign-off: Green within tolerance, else Amber.
    Rejected, On hold, Late: Red. At risk: Amber. In progress, Not started: Green."""
    if status == CANCELLED:
        return None
    if status in (SIGNED_OFF, AWAITING):
        return "Green" if late_days <= tolerance_days else "Amber"
    if status in (REJECTED, ON_HOLD, LATE):
        return "Red"
    if status == AT_RISK:
        return "Amber"
    return "Green"


# ------------------------------------------------------------------------------------ stages


def dates(ix: ModelIndex) -> None:
    """Stage: the revised date and days late of every milestone."""
    as_of = ix.as_of
    extension = ix.changes.extension
    for w in ix.work:
        m = w.m
        ext = extension(m.milestone_id, m.contract_id)
        w.revised = revised = revised_date(m.baseline_date, ext) if ext else m.baseline_date
        w.late = days_late(revised, m.actual_date, m.forecast_date, as_of)


def statuses(
    ix: ModelIndex,
    window_days: int,
    rag_tolerance_days: int,
    work: Iterable[MilestoneWork] | None = None,
) -> None:
    """Stage: the status, its sentence and the RAG of every milestone, each after its
    predecessors (a predecessor in a cycle is taken as it stands, without a status, when the
    cycle is cut). Given ``work``, of those milestones alone, in that order: the others keep
    the statuses they have."""
    as_of = ix.as_of
    disputes, risks = _issue_facts(ix)
    started = _started(ix)
    by_id = ix.by_id
    for w in predecessors_first(ix) if work is None else work:
        mid = w.m.milestone_id
        risky = None
        for p in w.m.predecessors:
            pw = by_id.get(p)
            # A predecessor has a status only once it is done (cycles leave it blank).
            if pw is not None and pw.status in RISKY_FOR_SUCCESSORS:
                risky = (p, pw.status)
                break
        found = _NOTHING
        if risky or mid in started or mid in disputes or mid in risks:
            found = Found(disputes.get(mid), risks.get(mid), risky, mid in started)
        w.status, w.sentence = classify(w, found, as_of, window_days)
        w.rag = rag(w.status, w.late, rag_tolerance_days)


def predecessors_first(ix: ModelIndex) -> Iterator[MilestoneWork]:
    """Every milestone once, in sheet order except that a predecessor comes before the
    milestones after it (iteratively: chains may be long; cycles are cut)."""
    by_id = ix.by_id
    done: set[str] = set()
    for start in ix.work:
        sid = start.m.milestone_id
        if sid in done:
            continue
        for p in start.m.predecessors:
            if p not in done and p in by_id:
                yield from _walk(by_id, sid, done)
                break
        else:
            # Usual case: every predecessor is already done (or not a milestone here).
            done.add(sid)
            yield start


def _walk(by_id: dict[str, MilestoneWork], start: str, done: set[str]) -> Iterator[MilestoneWork]:
    # Depth first from ``start``: a milestone is given once all its waiting predecessors are.
    visiting: set[str] = set()
    stack = [start]
    while stack:
        mid = stack[-1]
        if mid in done:
            stack.pop()
            continue
        w = by_id[mid]
        if mid not in visiting:
            waiting = [
                p for p in w.m.predecessors if p in by_id and p not in done and p not in visiting
            ]
            if waiting:
                visiting.add(mid)
                stack.extend(waiting)
                continue
        visiting.discard(mid)
        done.add(mid)
        stack.pop()
        yield w


def _issue_facts(ix: ModelIndex) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    # Per milestone: its first open dispute, and its first open issue that blocks sign-off or
    # is high or critical (with why).
    disputes: dict[str, str] = {}
    risks: dict[str, tuple[str, str]] = {}
    for mid, issues in ix.open_issues.items():
        for issue in issues:
            if issue.category == "dispute" and mid not in disputes:
                disputes[mid] = issue.issue_id
            if mid not in risks:
                if issue.blocking:
                    risks[mid] = (issue.issue_id, "blocks sign-off")
                elif issue.severity in RISK_SEVERITIES:
                    risks[mid] = (issue.issue_id, issue.severity)
    return disputes, risks


def _started(ix: ModelIndex) -> set[str]:
    # Milestones with a deliverable submitted or accepted as of as_of.
    as_of = ix.as_of
    return {mid for mid, dels in ix.deliverables.items() if any(started_by(d, as_of) for d in dels)}
