"""Sign-off (RULES.md sections 1 and 4): each approver's latest decision, the roles a milestone
needs by its value, whether it is signed off or rejected, the readiness checks' outcome
(``readiness``) and the sign-off deadline. The engine runs two stages from here: ``approvals``
(the sign-off state of every milestone) and ``deadlines``; the checks are in ``checks.py``.

Roles and names are matched ignoring case and surrounding spaces ("finance" = "Finance ").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Final, NamedTuple

from xl_milestones.core.model import ApprovalRule, Settings, Signoff
from xl_milestones.core.money import round_money
from xl_milestones.core.schema import SIGNOFF_CHECKS
from xl_milestones.core.status import AWAITING

if TYPE_CHECKING:
    from xl_milestones.core.index import MilestoneWork, ModelIndex

BLOCK: Final = "block"
WARN: Final = "warn"
OFF: Final = "off"
PASS: Final = "pass"
FAIL: Final = "fail"
SKIPPED: Final = "skipped"
CHECK_NAMES: Final = tuple(name for name, _mode, _reason in SIGNOFF_CHECKS)
CHECK_INDEX: Final = {name: i for i, name in enumerate(CHECK_NAMES)}


_KEYS: dict[str, str] = {}


def match_key(text: str) -> str:
    """How roles and names are compared: case and surrounding/duplicate spaces ignored."""
    key = _KEYS.get(text)
    if key is None:
        # Memoised: the same few roles and names recur on every milestone.
        key = " ".join(text.split()).casefold()
        if len(_KEYS) < 100_000:
            _KEYS[text] = key
    return key


class ApproverEntry(NamedTuple):
    """One approver's latest decision on a milestone; ``owner`` when the approver is the
    milestone's owner, whose approval does not count (SCHEMA.md: not the milestone's owner)."""

    role: str
    name: str
    decision: str
    decision_date: date | None
    row: int
    owner: bool = False


class RoleApproval(NamedTuple):
    """A role on a milestone: whether it is required, whether it is satisfied, who is listed."""

    role: str
    required: bool
    satisfied: bool
    approvers: tuple[ApproverEntry, ...]


class SignoffState(NamedTuple):
    """Where a milestone's approvals stand."""

    signed_off: bool
    signoff_date: date | None
    rejection: ApproverEntry | None
    roles: tuple[RoleApproval, ...]
    missing_roles: tuple[str, ...]
    unlisted_roles: tuple[str, ...]
    no_rule: bool


class CheckResult(NamedTuple):
    """One sign-off check: its mode from Settings, its outcome and why it failed."""

    name: str
    mode: str
    outcome: str
    reason: str = ""


def latest_decisions(rows: Sequence[Signoff]) -> list[ApproverEntry]:
    """Each approver's row that counts: the latest decision_date, then the lowest row.

    An approver is a (role, name) pair. A row without a decision date counts as older than every
    dated row, so a later undated "pending" line does not undo a dated decision.
    """
    if len(rows) == 1:
        (s,) = rows
        return [ApproverEntry(s.approver_role, s.approver_name, s.decision, s.decision_date, s.row)]
    best: dict[tuple[str, str], Signoff] = {}
    for s in rows:
        key = (match_key(s.approver_role), match_key(s.approver_name))
        held = best.get(key)
        if held is None or _newer(s, held):
            best[key] = s
    entries = [
        ApproverEntry(s.approver_role, s.approver_name, s.decision, s.decision_date, s.row)
        for s in best.values()
    ]
    entries.sort(key=lambda e: e.row)
    return entries


def _newer(a: Signoff, b: Signoff) -> bool:
    da, db = a.decision_date, b.decision_date
    if da != db:
        if da is None:
            return False
        if db is None:
            return True
        return da > db
    return a.row < b.row


def sorted_rules(rules: Iterable[ApprovalRule]) -> list[ApprovalRule]:
    """Approval rules by ascending minimum value, so the applicable ones are a prefix."""
    return sorted(rules, key=lambda r: (r.min_value, r.row))


class RoleThresholds:
    """The roles a milestone needs by its value in the reporting currency: those of every rule
    whose Minimum Value is at most that value (no value counts as 0), each role once, in rule
    order."""

    __slots__ = ("_mins", "_prefixes", "all_roles")

    def __init__(self, rules: Iterable[ApprovalRule]) -> None:
        ordered = sorted_rules(rules)
        self._mins = [r.min_value for r in ordered]
        self._prefixes = role_prefixes(ordered)
        # Every rule's role (each spelling once): what a value without an FX rate requires.
        self.all_roles = tuple(dict.fromkeys(r.approver_role.strip() for r in ordered))

    def __bool__(self) -> bool:
        return bool(self._mins)

    def required(self, value_reporting: Decimal | None) -> tuple[str, ...]:
        """The roles required at this value; the threshold is inclusive."""
        worth = Decimal(0) if value_reporting is None else value_reporting
        # The rules are sorted by Minimum Value: those at most the worth apply.
        return self._prefixes[bisect_right(self._mins, worth)]


def role_prefixes(rules: Sequence[ApprovalRule]) -> list[tuple[str, ...]]:
    """The roles required for every prefix of ``rules`` (sorted by ``sorted_rules``): item k
    is what a value reaching the k-th Minimum Value, but not the next one, requires."""
    out: list[tuple[str, ...]] = [()]
    seen: dict[str, str] = {}
    for rule in rules:
        seen.setdefault(match_key(rule.approver_role), rule.approver_role.strip())
        out.append(tuple(seen.values()))
    return out


def signoff_state(
    complete: bool, entries: Sequence[ApproverEntry], required: Sequence[str]
) -> SignoffState:
    """Signed off: complete, every required role has an approver whose latest decision is
    approved (with a date), and no approver's latest decision is rejected. With no required
    role, every listed approver must approve and at least one must be listed.

    The sign-off date is when the last requirement was met: for each required role the date of
    its earliest approval, and the latest of those (with no rule: the latest approval). The
    approvals stage moves it to when a withdrawn rejection stopped standing, if later.
    """
    if not entries:
        return _unlisted_state(complete, tuple(required))
    if len(entries) == 1:
        return _one_approver_state(complete, entries[0], required)
    by_role: dict[str, list[ApproverEntry]] = {}
    for e in entries:
        by_role.setdefault(match_key(e.role), []).append(e)
    rejections = [e for e in entries if e.decision == "rejected"]
    rejection = max(rejections, key=_decided_order) if rejections else None
    if required:
        roles, missing, unlisted, met_dates = _required_roles(by_role, required)
    else:
        roles, missing, unlisted, met_dates = _every_listed_role(by_role)
    signed = complete and not missing and rejection is None
    return SignoffState(
        signed_off=signed,
        signoff_date=max(met_dates) if signed and met_dates else None,
        rejection=rejection,
        roles=tuple(roles),
        missing_roles=tuple(missing),
        unlisted_roles=tuple(unlisted),
        no_rule=not required,
    )


_Roles = tuple[list[RoleApproval], list[str], list[str], list[date]]


def _required_roles(by_role: dict[str, list[ApproverEntry]], required: Sequence[str]) -> _Roles:
    # Each required role is met by its earliest dated approval; other listed roles follow.
    roles: list[RoleApproval] = []
    missing: list[str] = []
    unlisted: list[str] = []
    met_dates: list[date] = []
    required_keys = set()
    for role in required:
        key = match_key(role)
        required_keys.add(key)
        listed = by_role.get(key, [])
        dates = [e.decision_date for e in listed if approval(e) and e.decision_date is not None]
        if dates:
            met_dates.append(min(dates))
        else:
            missing.append(role)
            if not listed:
                unlisted.append(role)
        roles.append(RoleApproval(role, True, bool(dates), tuple(listed)))
    for key, listed in by_role.items():
        if key not in required_keys:
            ok = any(approval(e) for e in listed)
            roles.append(RoleApproval(listed[0].role, False, ok, tuple(listed)))
    return roles, missing, unlisted, met_dates


def _every_listed_role(by_role: dict[str, list[ApproverEntry]]) -> _Roles:
    # No rule applies: every listed approver but the milestone's owner must approve, and a
    # role held by the owner alone is not met.
    roles: list[RoleApproval] = []
    missing: list[str] = []
    met_dates: list[date] = []
    for listed in by_role.values():
        others = [e for e in listed if not e.owner]
        ok = bool(others) and all(approval(e) for e in others)
        if not ok:
            missing.append(listed[0].role)
        met_dates.extend(e.decision_date for e in listed if approval(e) and e.decision_date)
        roles.append(RoleApproval(listed[0].role, True, ok, tuple(listed)))
    return roles, missing, [], met_dates


def _one_approver_state(complete: bool, e: ApproverEntry, required: Sequence[str]) -> SignoffState:
    # signoff_state for a single listed approver (the usual case), without its grouping.
    key = match_key(e.role)
    approved = approval(e)
    listed = (e,)
    roles: list[RoleApproval] = []
    missing: list[str] = []
    unlisted: list[str] = []
    if required:
        own = False
        for role in required:
            if match_key(role) == key:
                own = True
                if not approved:
                    missing.append(role)
                roles.append(RoleApproval(role, True, approved, listed))
            else:
                missing.append(role)
                unlisted.append(role)
                roles.append(RoleApproval(role, True, False, ()))
        if not own:
            roles.append(RoleApproval(e.role, False, approved, listed))
        all_met = not missing
    else:
        if not approved:
            missing.append(e.role)
        roles.append(RoleApproval(e.role, True, approved, listed))
        all_met = approved
    signed = complete and all_met and e.decision != "rejected"
    # Positional, in field order: signed_off, signoff_date (every requirement was met by this
    # one approval), rejection, roles, missing_roles, unlisted_roles, no_rule.
    return SignoffState(
        signed,
        e.decision_date if signed else None,
        e if e.decision == "rejected" else None,
        tuple(roles),
        tuple(missing),
        tuple(unlisted),
        not required,
    )


@lru_cache(maxsize=256)
def _unlisted_state(complete: bool, required: tuple[str, ...]) -> SignoffState:
    # No approver listed at all: the same answer for every such milestone needing these roles.
    return SignoffState(
        signed_off=False,
        signoff_date=None,
        rejection=None,
        roles=tuple(RoleApproval(role, True, False, ()) for role in required),
        missing_roles=required,
        unlisted_roles=required,
        no_rule=not required,
    )


def _after_withdrawn_rejections(
    state: SignoffState, rows: Sequence[Signoff], entries: Sequence[ApproverEntry]
) -> SignoffState:
    """A signed-off ``state`` whose sign-off date is no earlier than the last withdrawn
    rejection: an approver who rejected and decided again later (approved, or back to pending)
    kept the milestone Rejected until that later decision, which is then a requirement met."""
    latest = {(match_key(e.role), match_key(e.name)): e for e in entries}
    since = state.signoff_date
    for s in rows:
        if s.decision != "rejected":
            continue
        e = latest[(match_key(s.approver_role), match_key(s.approver_name))]
        if e.row != s.row and e.decision_date is not None:
            since = e.decision_date if since is None else max(since, e.decision_date)
    return state._replace(signoff_date=since)


def approval(e: ApproverEntry) -> bool:
    """Whether an approver's latest decision is an approval that counts: approved, dated, and
    not by the milestone's owner."""
    return e.decision == "approved" and e.decision_date is not None and not e.owner


def _marked_owner(entries: list[ApproverEntry], owner: str) -> list[ApproverEntry]:
    """``entries`` with the milestone owner's own entries marked: a self-approval signs off
    nothing, so the role waits for another approver (the Approvers check names the owner)."""
    key = match_key(owner)
    return [e._replace(owner=True) if match_key(e.name) == key else e for e in entries]


def _decided_order(e: ApproverEntry) -> tuple[date, int]:
    return (e.decision_date or date.min, -e.row)


class Deadline(NamedTuple):
    """Where a milestone awaiting sign-off stands against its deadline (RULES.md section 6)."""

    due_date: date
    days_waiting: int
    days_overdue: int


def signoff_deadline(actual_date: date, signoff_days: int, as_of: date) -> Deadline:
    """Sign-off is due ``signoff_days`` calendar days after the actual date; the milestone has
    waited since that date, and is overdue (days past the due date, else 0) once as_of is after
    it. Only for a milestone that is Awaiting sign-off: the callers leave the others blank."""
    due = actual_date + timedelta(days=signoff_days)
    return Deadline(due, (as_of - actual_date).days, max(0, (as_of - due).days))


def check_modes(settings: Settings) -> dict[str, str]:
    """The mode of each check, from the ``Check <name>`` settings."""
    return {
        name: str(getattr(settings, "check_" + name.lower().replace(" ", "_"), default))
        for name, default, _reason in SIGNOFF_CHECKS
    }


@lru_cache(maxsize=256)
def _plain(name: str, mode: str, outcome: str) -> CheckResult:
    # Passed and skipped checks carry no reason, so one shared instance serves every milestone.
    return CheckResult(name, mode, outcome)


@lru_cache(maxsize=64)
def all_passing(modes: tuple[str, ...]) -> tuple[CheckResult, ...]:
    """Every check passing (or skipped when off) under these modes, in check order."""
    return tuple(
        _plain(name, mode, SKIPPED if mode == OFF else PASS)
        for name, mode in zip(CHECK_NAMES, modes, strict=True)
    )


def readiness(failed: Sequence[CheckResult], cancelled: bool) -> tuple[bool, str]:
    """(signoff_ready, signoff_blockers) from the checks (all of them, or only the failed ones,
    in check order): ready when no block-mode check fails; blockers lists block reasons first,
    then warn reasons prefixed ``warning:``. Cancelled is never ready."""
    blocks: list[str] = []
    warns: list[str] = []
    for c in failed:
        if c.outcome == FAIL:
            if c.mode == BLOCK:
                blocks.append(c.reason)
            elif c.mode == WARN:
                warns.append("warning: " + c.reason)
    if cancelled:
        return False, "; ".join(["milestone is cancelled", *blocks, *warns])
    return not blocks, "; ".join(blocks + warns)


# ------------------------------------------------------------------------------------ stages


def approvals(
    ix: ModelIndex, thresholds: RoleThresholds, work: Iterable[MilestoneWork] | None = None
) -> None:
    """Stage: the sign-off state of every milestone (of ``work`` only, when given), its
    required roles found by its value converted to the reporting currency (no FX rate: every
    rule's role is required)."""
    reporting = ix.reporting
    rate_by_currency: dict[str, Decimal | None] = {}
    signoffs = ix.signoffs
    has_rules = bool(thresholds)
    for w in ix.work if work is None else work:
        rows = signoffs.get(w.m.milestone_id)
        entries = latest_decisions(rows) if rows else []
        if entries and w.m.owner:
            entries = _marked_owner(entries, w.m.owner)
        required: tuple[str, ...] = ()
        if has_rules:
            cur = w.contract.currency
            if cur in rate_by_currency:
                rate = rate_by_currency[cur]
            else:
                rate = rate_by_currency[cur] = ix.rate_of(cur)
            if rate is None:
                required = thresholds.all_roles
            elif cur == reporting or w.value is None:
                # Already rounded in the reporting currency: converting changes nothing.
                required = thresholds.required(w.value)
            else:
                required = thresholds.required(round_money(w.value * rate, reporting))
        state = signoff_state(w.m.actual_date is not None, entries, required)
        if state.signed_off and rows and len(rows) > len(entries):
            # An approver decided more than once: a rejection of theirs stood until then.
            state = _after_withdrawn_rejections(state, rows, entries)
        w.state = state


def deadlines(ix: ModelIndex, signoff_days: int) -> None:
    """Stage: the sign-off due date and days waiting of every milestone Awaiting sign-off."""
    as_of = ix.as_of
    # A deadline depends on the actual date alone: worked out once per date (a few hundred
    # dates serve a whole workbook).
    by_date: dict[date, Deadline] = {}
    for w in ix.work:
        actual = w.m.actual_date
        if w.status == AWAITING and actual is not None:
            deadline = by_date.get(actual)
            if deadline is None:
                deadline = by_date[actual] = signoff_deadline(actual, signoff_days, as_of)
            due, w.days_waiting, overdue = deadline
            w.signoff_due, w.signoff_overdue = due, overdue > 0
