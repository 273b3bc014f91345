"""Dates: month ends, whole months, business days and the payment-term date rules."""

from datetime import date, timedelta

import pytest

from xl_milestones.core.dates import (
    BusinessCalendar,
    add_years,
    month_end,
    payment_due_date,
    whole_months,
)


def test_month_end_leap_year() -> None:
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert month_end(date(2026, 2, 10)) == date(2026, 2, 28)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 15), date(2026, 3, 20), (2, 5)),  # 15 Jan -> 15 Mar, then 5 days
        (date(2026, 1, 15), date(2026, 2, 14), (0, 30)),  # one day short of a month
        (date(2026, 1, 31), date(2026, 2, 28), (1, 0)),  # relativedelta clamps 31 Jan + 1 month
        (date(2026, 1, 31), date(2026, 3, 30), (1, 30)),  # 31 Jan + 2 months = 31 Mar > 30 Mar
        (date(2026, 3, 1), date(2026, 3, 1), (0, 0)),
        (date(2026, 3, 5), date(2026, 3, 1), (0, 0)),
    ],
)
def test_whole_months(start: date, end: date, expected: tuple[int, int]) -> None:
    assert whole_months(start, end) == expected


@pytest.mark.parametrize(
    ("start", "days", "basis", "expected"),
    [
        # End-of-month terms from 15 February 2026: 28 Feb + 30 days = 30 March 2026 (a Monday).
        (date(2026, 2, 15), 30, "eom_after_invoice", date(2026, 3, 30)),
        (date(2026, 2, 15), 30, "eom_after_signoff", date(2026, 3, 30)),
        # Plain terms: 15 Feb + 30 = 17 March.
        (date(2026, 2, 15), 30, "after_invoice", date(2026, 3, 17)),
        (date(2024, 2, 15), 0, "eom_after_signoff", date(2024, 2, 29)),  # leap year
    ],
)
def test_payment_terms(start: date, days: int, basis: str, expected: date) -> None:
    assert payment_due_date(start, days, basis, "none") == expected


@pytest.mark.parametrize(
    ("due", "convention", "expected"),
    [
        # Saturday 28 March 2026
        (date(2026, 3, 28), "following", date(2026, 3, 30)),
        (date(2026, 3, 28), "preceding", date(2026, 3, 27)),
        (date(2026, 3, 28), "none", date(2026, 3, 28)),
        (date(2026, 3, 28), "modified_following", date(2026, 3, 30)),  # Monday 30 still March
        # Saturday 31 January 2026: following = Monday 2 Feb, next month -> back to Friday 30 Jan.
        (date(2026, 1, 31), "modified_following", date(2026, 1, 30)),
        (date(2026, 1, 31), "following", date(2026, 2, 2)),
        (date(2026, 3, 27), "following", date(2026, 3, 27)),  # a Friday stays
    ],
)
def test_conventions_weekends(due: date, convention: str, expected: date) -> None:
    assert BusinessCalendar().adjust(due, convention) == expected


def test_holiday_sheet_date_on_due_date() -> None:
    # Due Wednesday 1 April 2026, a company closure day: following -> Thursday 2 April.
    cal = BusinessCalendar([date(2026, 4, 1)])
    assert payment_due_date(date(2026, 3, 2), 30, "after_invoice", "following", cal) == date(
        2026, 4, 2
    )
    # A plain list of holidays works too.
    assert payment_due_date(
        date(2026, 3, 2), 30, "after_invoice", "preceding", [date(2026, 4, 1)]
    ) == date(2026, 3, 31)


def test_country_public_holiday() -> None:
    # Christmas 2026 is a Friday; 28 Dec (Monday) is the Boxing Day substitute in England.
    gb = BusinessCalendar(country="GB")
    assert gb.country_known
    assert gb.adjust(date(2026, 12, 25), "following") == date(2026, 12, 29)
    # modified_following across a month end: Thursday 31 Dec 2026 is a business day in GB...
    assert gb.adjust(date(2026, 12, 31), "modified_following") == date(2026, 12, 31)
    # Country-wide holidays only: Easter Monday is not one in all of the UK (not in Scotland),
    # so from Good Friday 3 April 2026 "following" gives Monday 6 April under GB...
    assert gb.adjust(date(2026, 4, 3), "following") == date(2026, 4, 6)
    # ...while in Germany both are national holidays: Tuesday 7 April.
    assert BusinessCalendar(country="de").adjust(date(2026, 4, 3), "following") == date(2026, 4, 7)


def test_a_region_adds_its_own_public_holidays() -> None:
    # GB-ENG (ISO 3166-2): England's Easter Monday and late summer bank holiday, which GB alone
    # lacks; from Good Friday 3 April 2026, "following" gives Tuesday 7 April.
    england = BusinessCalendar(country="gb-eng")
    assert england.country_known and england.country == "GB-ENG"
    assert england.adjust(date(2026, 4, 3), "following") == date(2026, 4, 7)
    assert not england.is_business_day(date(2026, 8, 31))
    assert BusinessCalendar(country="GB").is_business_day(date(2026, 8, 31))
    # Bavaria keeps Epiphany (6 January), which Germany as a whole does not.
    assert not BusinessCalendar(country="DE-BY").is_business_day(date(2026, 1, 6))
    assert BusinessCalendar(country="DE").is_business_day(date(2026, 1, 6))
    for unknown in ("GB-XXX", "GB-", "ENG"):
        assert not BusinessCalendar(country=unknown).country_known, unknown


def test_modified_following_across_month_end_with_holiday() -> None:
    # Friday 30 April 2027 is a listed holiday; following goes to Monday 3 May (next month),
    # so modified_following goes back to Thursday 29 April.
    cal = BusinessCalendar([date(2027, 4, 30)])
    assert cal.adjust(date(2027, 4, 30), "modified_following") == date(2027, 4, 29)


def test_unknown_country_means_no_public_holidays() -> None:
    cal = BusinessCalendar(country="QQ")
    assert not cal.country_known
    assert cal.is_business_day(date(2026, 12, 25))


@pytest.mark.parametrize(
    ("start", "days", "basis", "convention", "expected"),
    [
        # Invoice Sat 7 Mar 2026, 0 days: preceding would give Fri 6 Mar, before the invoice.
        (date(2026, 3, 7), 0, "after_invoice", "preceding", date(2026, 3, 9)),
        # Sign-off Sat 31 Jan 2026, 0 days: modified_following steps back to Fri 30 Jan.
        (date(2026, 1, 31), 0, "after_signoff", "modified_following", date(2026, 2, 2)),
        # eom, 0 days, invoice Sat 31 Jan: the month end is the invoice's own day.
        (date(2026, 1, 31), 0, "eom_after_invoice", "preceding", date(2026, 2, 2)),
        # Invoice Fri 6 Mar, 1 day -> Sat 7 Mar: preceding reaches Fri 6 Mar, the invoice's
        # day, which is not before it: kept.
        (date(2026, 3, 6), 1, "after_invoice", "preceding", date(2026, 3, 6)),
        # From 15 Jan, eom 0 -> Sat 31 Jan: preceding Fri 30 Jan is after the invoice: kept.
        (date(2026, 1, 15), 0, "eom_after_invoice", "preceding", date(2026, 1, 30)),
    ],
)
def test_a_convention_never_moves_the_due_date_before_its_start(
    start: date, days: int, basis: str, convention: str, expected: date
) -> None:
    assert payment_due_date(start, days, basis, convention) == expected


def test_bad_convention_and_basis() -> None:
    with pytest.raises(ValueError, match="convention"):
        BusinessCalendar().adjust(date(2026, 1, 1), "nearest")
    with pytest.raises(ValueError, match="basis"):
        payment_due_date(date(2026, 1, 1), 1, "whenever")


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 1, 5), -10, date(2016, 1, 5)),
        (date(2026, 12, 31), 10, date(2036, 12, 31)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),  # no 29 February in 2025
        (date(9995, 1, 1), 10, date.max),  # beyond the calendar: its end
        (date(1905, 1, 1), -2000, date.min),
    ],
)
def test_add_years(day: date, years: int, expected: date) -> None:
    assert add_years(day, years) == expected


def test_next_month_is_the_day_after_the_month_end_for_every_month() -> None:
    from xl_milestones.core.dates import month_end, month_start, next_month

    day = date(1900, 1, 15)
    while day.year < 2101:
        assert next_month(day) == month_start(month_end(day) + timedelta(days=1))
        day = next_month(day) + timedelta(days=27)  # the 28th: within every month
