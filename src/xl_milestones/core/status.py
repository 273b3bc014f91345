"""Milestone status, RAG and slippage (RULES.md section 1): revised date, days late, the status
ladder and its plain-English explanation.

Everything here is a pure function of facts the engine gathers from the model; the sign-off state
(signed off / rejected) comes from ``signoff.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, TypeAlias

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
# A sentence written only when it is read (see ``classify_parts``).
Sentence: TypeAlias = Callable[[], str]


def revised_date(baseline_date: date, extension_days: int) -> date:
    """Baseline date plus the extension days of the approved change orders that apply."""
    return baseline_date + timedelta(days=extension_days)


def effective_forecast(actual_date: date | None, forecast_date: date | None, revised: date) -> date:
    """The actual date, else the forecast date, else the revised date."""
    return actual_date or forecast_date or revised


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


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What the status ladder looks at, for one milestone.

    ``risk_issue`` is the id of an open issue that blocks sign-off or is high/critical;
    ``risky_predecessor`` is (id, status) of a predecessor that is Late, At risk or On hold;
    ``rejection`` is (approver name, role, date) of a rejection that counts;
    ``waiting_for`` names the roles whose approval is still missing.
    """

    as_of: date
    revised: date
    actual_date: date | None
    forecast_date: date | None
    percent_complete: Decimal
    window_days: int
    cancelled: bool = False
    signed_off: bool = False
    signoff_date: date | None = None
    rejection: tuple[str, str, date | None] | None = None
    on_hold: bool = False
    open_dispute: str | None = None
    risk_issue: tuple[str, str] | None = None
    risky_predecessor: tuple[str, str] | None = None
    started: bool = False
    waiting_for: str = ""


def classify(facts: StatusFacts) -> tuple[str, str]:
    """The first status of RULES.md 1 that applies, and one sentence saying why."""
    f = facts
    status, sentence = classify_parts(
        f.as_of,
        f.revised,
        days_late(f.revised, f.actual_date, f.forecast_date, f.as_of),
        f.actual_date,
        f.forecast_date,
        f.percent_complete,
        f.window_days,
        f.cancelled,
        f.signed_off,
        f.signoff_date,
        f.rejection,
        f.on_hold,
        f.open_dispute,
        f.risk_issue,
        f.risky_predecessor,
        f.started,
        f.waiting_for,
    )
    return status, sentence()


def classify_parts(
    as_of: date,
    revised: date,
    late: int,
    actual_date: date | None,
    forecast_date: date | None,
    percent_complete: Decimal,
    window_days: int,
    cancelled: bool,
    signed_off: bool,
    signoff_date: date | None,
    rejection: tuple[str, str, date | None] | None,
    on_hold: bool,
    open_dispute: str | None,
    risk_issue: tuple[str, str] | None,
    risky_predecessor: tuple[str, str] | None,
    started: bool,
    waiting_for: str,
) -> tuple[str, Sentence]:
    """``classify`` on the facts passed one by one (the engine calls this once per milestone,
    without building a ``StatusFacts``); ``late`` is ``days_late`` of the same dates.

    The sentence comes back unwritten, as a function: a refresh of a large workbook reads only
    the statuses, and writing every sentence would be a good part of its time."""
    if cancelled:
        return CANCELLED, _cancelled_text
    if signed_off and actual_date is not None:
        return (
            SIGNED_OFF,
            lambda: (
                f"Signed off on {signoff_date}; completed {actual_date} ({lateness_text(late)})."
            ),
        )
    if rejection is not None:
        name, role, when = rejection
        return REJECTED, lambda: f"Rejected by {name} ({role})" + (f" on {when}." if when else ".")
    if on_hold or open_dispute:
        why = "marked on hold" if on_hold else f"open dispute {open_dispute}"
        return ON_HOLD, lambda: f"On hold: {why}."
    if actual_date is not None:
        return (
            AWAITING,
            lambda: (
                f"Awaiting sign-off: completed {actual_date} ({lateness_text(late)})"
                + (f"; waiting for {waiting_for}." if waiting_for else ".")
            ),
        )
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
    if risk_issue is not None:
        return AT_RISK, lambda: f"At risk: open issue {risk_issue[0]} ({risk_issue[1]})."
    if risky_predecessor is not None:
        return (
            AT_RISK,
            lambda: f"At risk: predecessor {risky_predecessor[0]} is {risky_predecessor[1]}.",
        )
    if left <= window_days and percent_complete < HALF:
        return (
            AT_RISK,
            lambda: (
                f"At risk: revised date {revised} is {days_text(left)} away and only "
                f"{_percent(percent_complete)}% complete."
            ),
        )
    if percent_complete > 0 or started:
        return (
            IN_PROGRESS,
            lambda: (
                f"In progress: {_percent(percent_complete)}% complete; revised date {revised}, "
                f"{days_text(left)} left."
            ),
        )
    return NOT_STARTED, lambda: f"Not started; revised date {revised}, {days_text(left)} left."


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
