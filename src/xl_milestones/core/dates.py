"""Calendar arithmetic of the rules: month ends, whole calendar months, business days and the
payment-term date rules (RULES.md section 2).

A ``BusinessCalendar`` knows weekends, the Holidays sheet and one country's public holidays (from
the ``holidays`` package, loaded once per country and year for the whole process).
"""

from __future__ import annotations

import calendar
import warnings
from collections.abc import Iterable
from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import lru_cache
from typing import Final

import holidays as holidays_lib
from dateutil.relativedelta import relativedelta

CONVENTIONS: Final = ("none", "following", "modified_following", "preceding")
ONE_DAY: Final = timedelta(days=1)
# The codes Holiday Country takes, for the messages that ask for one.
COUNTRY_CODES: Final = "an ISO 3166 code such as GB, US or DE (a region as GB-ENG or DE-BY)"


def month_start(day: date) -> date:
    """The first day of the month of ``day``."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after the month of ``month``."""
    if month.month == 12:
        return date(month.year + 1, 1, 1)
    return date(month.year, month.month + 1, 1)


def month_end(day: date) -> date:
    """The last day of the month of ``day`` (29 February in a leap year)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February to 28 February), kept within the calendar."""
    year = day.year + years
    if not MINYEAR <= year <= MAXYEAR:
        return date.max if years > 0 else date.min
    # date.replace, not relativedelta: ten times faster, and this runs twice per contract.
    return (
        day.replace(year=year, day=28)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=year)
    )


def whole_months(start: date, end: date) -> tuple[int, int]:
    """Whole calendar months from ``start`` to ``end``, and the days left over.

    A month is whole when ``start`` plus that many months (``relativedelta``, which clamps
    31 January + 1 month to 28/29 February) is not after ``end``. ``end`` before ``start`` gives
    (0, 0). Example: 15 January to 20 March = (2, 5); 31 January to 28 February 2026 = (1, 0).
    """
    if end <= start:
        return 0, 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    stepped = start + relativedelta(months=months)
    if stepped > end:
        months -= 1
        stepped = start + relativedelta(months=months)
    return months, (end - stepped).days


@lru_cache(maxsize=4096)
def _country_year(country: str, year: int) -> tuple[frozenset[date], bool] | None:
    """Public holidays of one country (``GB``) or one of its subdivisions (``GB-ENG``, an ISO
    3166-2 code: the country's holidays and the region's own) and year, and whether the
    package has that whole year; None when the package does not know the code.

    A year is not whole outside the calendar's years (Japan's ends with 2099, every
    country's with 2100) or when the package warns that some of its holidays are missing
    (India's lunar ones outside 2001-2035). That warning is the package's, printed with a
    source line on the command line's stderr: it is caught here and said by the caller."""
    code, dash, subdiv = country.partition("-")
    if dash and not subdiv:
        return None
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter(action="always")
        try:
            calendar_ = holidays_lib.country_holidays(code, subdiv=subdiv or None, years=year)
        except NotImplementedError:
            return None
    years = getattr(calendar_, "start_year", MINYEAR), getattr(calendar_, "end_year", MAXYEAR)
    whole = years[0] <= year <= years[1] and not any(
        issubclass(w.category, UserWarning) for w in said
    )
    return frozenset(calendar_.keys()), whole


def known_country(country: str) -> bool:
    """Whether the ``holidays`` package has public holidays for this ISO 3166 code: a country
    (``GB``, ``DE``) or a subdivision (``GB-ENG``, ``DE-BY``, ``US-NY``)."""
    return _country_year(country.strip().upper(), 2000) is not None


class BusinessCalendar:
    """Which days are business days: not Saturday or Sunday, not a listed holiday, and not a
    public holiday of ``country`` (when given and known; an unknown code adds none)."""

    __slots__ = ("_by_year", "country", "country_known", "extra", "years_not_known")

    def __init__(self, holidays: Iterable[date] = (), country: str | None = None) -> None:
        self.extra: frozenset[date] = frozenset(holidays)
        code = country.strip().upper() if country and country.strip() else None
        self.country: str | None = code
        self.country_known: bool = code is None or known_country(code)
        self._by_year: dict[int, frozenset[date]] = {}
        # Years looked up whose public holidays the package has only in part, or not at all.
        self.years_not_known: set[int] = set()

    def _public(self, year: int) -> frozenset[date]:
        found = self._by_year.get(year)
        if found is None:
            found = frozenset()
            country = self.country if self.country_known else None
            known = None if country is None else _country_year(country, year)
            if known is not None:
                found, whole = known
                if not whole:
                    self.years_not_known.add(year)
            self._by_year[year] = found
        return found

    def is_business_day(self, day: date) -> bool:
        """False on weekends, listed holidays and the country's public holidays."""
        if day.weekday() >= 5 or day in self.extra:
            return False
        return day not in self._public(day.year)

    def following(self, day: date) -> date:
        """``day`` itself when a business day, else the next business day."""
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    def preceding(self, day: date) -> date:
        """``day`` itself when a business day, else the previous business day."""
        while not self.is_business_day(day):
            day -= ONE_DAY
        return day

    def adjust(self, day: date, convention: str) -> date:
        """Move ``day`` by a business day convention: none, following, modified_following or
        preceding. modified_following takes the next business day unless that falls in the next
        month, and then the previous one."""
        if convention == "none":
            return day
        if convention == "following":
            return self.following(day)
        if convention == "preceding":
            return self.preceding(day)
        if convention == "modified_following":
            moved = self.following(day)
            return moved if moved.month == day.month else self.preceding(day)
        raise ValueError(
            f"unknown business day convention {convention!r}; use one of {CONVENTIONS}"
        )


WEEKENDS_ONLY: Final = BusinessCalendar()


def payment_due_date(
    start: date,
    days: int,
    basis: str = "after_invoice",
    convention: str = "none",
    holidays: BusinessCalendar | Iterable[date] | None = None,
) -> date:
    """The payment due date from a start date (the sign-off date or the invoice date).

    ``basis`` is a Payment Terms Basis: after_signoff / after_invoice count ``days`` from
    ``start``; eom_after_signoff / eom_after_invoice count them from the last day of ``start``'s
    month. The result is then moved by ``convention`` over weekends and ``holidays`` (a
    BusinessCalendar, or a plain list of holiday dates), but never to before ``start``: a payment
    is not due before its invoice or sign-off, so where preceding or modified_following would
    step back past it, the next business day is taken. Example: 15 February 2026, 30 days,
    eom_after_invoice -> 28 February + 30 = 30 March 2026 (a Monday, unchanged); an invoice of
    Saturday 7 March 2026, 0 days, preceding -> Monday 9 March, not Friday 6 March.
    """
    if basis.startswith("eom_"):
        base = month_end(start)
    elif basis.startswith("after_"):
        base = start
    else:
        raise ValueError(f"unknown payment terms basis {basis!r}")
    due = base + timedelta(days=days)
    if convention == "none":
        return due
    if isinstance(holidays, BusinessCalendar):
        cal = holidays
    elif holidays is None:
        cal = WEEKENDS_ONLY
    else:
        cal = BusinessCalendar(holidays)
    moved = cal.adjust(due, convention)
    return moved if moved >= start else cal.following(due)
