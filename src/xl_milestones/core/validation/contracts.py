"""The contract checks: a contract's own dates and advance, the payments of its milestones
taken together, the rows far from its dates or above its value, the amounts with more decimals
than its currency has, and its currency's FX rate.

The range checks against each row's contract are declared in ``schema.py``
(AT_MOST_CONTRACT_VALUE, NEAR_CONTRACT_DATES, CONTRACT_DATE_YEARS, MINOR_UNIT_AMOUNTS).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from itertools import repeat
from operator import le
from typing import Any, Final

from xl_milestones.core.dates import add_years
from xl_milestones.core.issues import Severity
from xl_milestones.core.money import EXCEL_DIGITS, LARGEST_AMOUNT, format_money, minor_units
from xl_milestones.core.schema import (
    AT_MOST_CONTRACT_VALUE,
    CHANGE_ORDERS,
    CONTRACT_DATE_YEARS,
    CONTRACTS,
    FX_RATES,
    MILESTONES,
    MINOR_UNIT_AMOUNTS,
    NEAR_CONTRACT_DATES,
    NEAR_CONTRACT_YEARS,
    SETTINGS,
)
from xl_milestones.core.validation.table import ERROR, WARNING, Book, Found, Table

_ONE: Final = Decimal(1)
_PAYMENT_FIELDS: Final = frozenset({"payment_basis", "payment_percent", "cancelled"})
_EARLIEST: Final = date.min
_LATEST: Final = date.max


def contract_dates(book: Book) -> Iterator[Found]:
    """A contract's dates lie within CONTRACT_DATE_YEARS of the as-of date, and its advance is
    at most its original value."""
    key = CONTRACTS.key
    years = CONTRACT_DATE_YEARS
    lo, hi = add_years(book.as_of, -years), add_years(book.as_of, years)
    columns = book.tables[key].columns
    for name in ("start_date", "end_date"):
        for i, day in enumerate(columns[name]):
            if day is not None and not lo <= day <= hi:
                yield Found(
                    key,
                    i,
                    ERROR,
                    "date-out-of-range",
                    name,
                    day,
                    f"{CONTRACTS.header(name)} {day.isoformat()} is more than {years} years "
                    f"from the as-of date {book.as_of.isoformat()}: correct the year",
                )
    for i, (advance, value, cur) in enumerate(
        zip(columns["advance_amount"], columns["original_value"], columns["currency"], strict=True)
    ):
        if advance is not None and value is not None and advance > value:
            yield Found(
                key,
                i,
                ERROR,
                "advance-over-value",
                "advance_amount",
                advance,
                f"the Advance Payment {_amount(advance, cur)} is more than the Original Value "
                f"{_amount(value, cur)}: correct one of the two",
            )


def as_of_far(book: Book) -> Iterator[Found]:
    """An As Of Date typed in Settings more than NEAR_CONTRACT_YEARS before every contract's
    dates or after them: a slip of the year (2062 for 2026) computed decades of lateness,
    interest and sign-off waiting without an issue."""
    at = _as_of_row(book)
    columns = book.tables[CONTRACTS.key].columns
    days = [d for d in (*columns["start_date"], *columns["end_date"]) if d is not None]
    if at is None or not days:
        return
    as_of, years = book.as_of, NEAR_CONTRACT_YEARS
    first, last = min(days), max(days)
    if as_of > add_years(last, years):
        where = f"after the latest contract date, {last.isoformat()}"
    elif as_of < add_years(first, -years):
        where = f"before the earliest contract date, {first.isoformat()}"
    else:
        return
    yield Found(
        SETTINGS.key,
        at,
        WARNING,
        "as-of-date-far",
        "value",
        as_of,
        f"As Of Date {as_of.isoformat()} is more than {years} years {where}: every status, "
        "amount and day count is computed for it; check the year",
    )


def _as_of_row(book: Book) -> int | None:
    """The Settings row the as-of date was read from; None when it came from elsewhere (the
    caller's date, or today)."""
    row = book.setting_rows.get("as_of_date")
    if row is None or book.settings.as_of_date != book.as_of:
        return None
    return book.tables[SETTINGS.key].rows.index(row)


def _amount(value: Decimal, currency: str | None) -> str:
    """An amount as typed, with thousands separators and its currency when known
    (``240,000.5 GBP``): a message quotes the figure, not a rounding of it."""
    text = format(value, ",f")
    return f"{text} {currency}" if currency else text


def payment_totals(book: Book) -> Iterator[Found]:
    """The Payment % of a contract's percent milestones add up to 100% (more is an error, less
    a warning when no fixed milestone makes up the rest), its retention releases to at most
    100%. A contract with a payment cell that could not be read is not judged."""
    table = book.tables[MILESTONES.key]
    percent, release, fixed, unsure = _payment_groups(table)
    for cid, group in percent.items():
        if cid in unsure:
            continue
        total = _total(table, group)
        if total > _ONE:
            message = (
                f"the Payment % of contract {cid}'s percent milestones add up to "
                f"{_pct(total)}, more than 100%: correct them"
            )
            yield from _over(table, group, ERROR, "payment-percent-over-100", message)
        elif total < _ONE and cid not in fixed and cid in book.contract_at:
            yield Found(
                CONTRACTS.key,
                book.contract_at[cid],
                WARNING,
                "payment-percent-under-100",
                "contract_id",
                cid,
                f"the Payment % of the contract's milestones add up to {_pct(total)}, less "
                "than 100%: add the missing milestones or correct the percentages",
            )
    for cid, group in release.items():
        if cid in unsure:
            continue
        total = _total(table, group)
        if total > _ONE:
            message = (
                f"the retention releases of contract {cid} add up to {_pct(total)} of "
                "the retention, more than 100%: correct them"
            )
            yield from _over(table, group, ERROR, "retention-release-over-100", message)


_Groups = tuple[dict[str, list[int]], dict[str, list[int]], set[str], set[str]]


def _payment_groups(table: Table) -> _Groups:
    """Per contract: its percent milestones, its retention releases (those not cancelled, with
    a Payment %), whether it has a fixed one, and whether a payment cell could not be read."""
    percent: dict[str, list[int]] = {}
    release: dict[str, list[int]] = {}
    fixed: set[str] = set()
    unsure: set[str] = set()
    columns = table.columns
    rows = zip(
        columns["contract_id"],
        columns["cancelled"],
        columns["payment_basis"],
        columns["payment_percent"],
        strict=True,
    )
    for i, (cid, cancelled, basis, pct) in enumerate(rows):
        if cid is not None and table.bad and table.bad_in(i, _PAYMENT_FIELDS):
            unsure.add(cid)
        if cid is None or cancelled:
            continue
        if basis == "percent" and pct is not None:
            percent.setdefault(cid, []).append(i)
        elif basis == "retention_release" and pct is not None:
            release.setdefault(cid, []).append(i)
        elif basis == "fixed":
            fixed.add(cid)
    return percent, release, fixed, unsure


def _total(table: Table, group: list[int]) -> Decimal:
    pcts = table.columns["payment_percent"]
    return sum((pcts[i] for i in group), Decimal(0))


def _over(
    table: Table, group: list[int], severity: Severity, code: str, message: str
) -> Iterator[Found]:
    pcts = table.columns["payment_percent"]
    for i in group:
        yield Found(MILESTONES.key, i, severity, code, "payment_percent", pcts[i], message)


def _pct(total: Decimal) -> str:
    return format((total * 100).normalize(), "f") + "%"


def contract_ranges(book: Book) -> Iterator[Found]:
    """The declared amounts are at most their contract's value (with its approved change
    orders), and the declared dates near their contract's dates."""
    value = _contract_values(book)
    windows = _windows(book)
    currency = _contract_currencies(book)
    contract_of = _milestone_contracts(book)
    for key in {**AT_MOST_CONTRACT_VALUE, **NEAR_CONTRACT_DATES}:
        table = book.tables[key]
        cids = _row_contracts(table, contract_of)
        dates = NEAR_CONTRACT_DATES.get(key, ())
        if dates and windows:
            yield from _far_dates(table, dates, cids, windows)
        for name in AT_MOST_CONTRACT_VALUE.get(key, ()):
            for i, (cid, amount) in enumerate(zip(cids, table.columns[name], strict=True)):
                if amount is not None and cid in value and amount > value[cid]:
                    cur = currency[cid]
                    yield Found(
                        key,
                        i,
                        ERROR,
                        "amount-over-contract-value",
                        name,
                        amount,
                        f"{_amount(amount, cur)} is more than the whole value of contract {cid} "
                        f"({_amount(value[cid], cur)}, with its approved change orders): "
                        "correct the amount, or record the change order that raises the value",
                    )


def _contract_currencies(book: Book) -> dict[str, str | None]:
    """Each Contract ID's currency (an upper-case code, None when blank or unknown)."""
    currencies = book.column(CONTRACTS.key, "currency")
    return {cid: currencies[i] for cid, i in book.contract_at.items()}


def _milestone_contracts(book: Book) -> dict[str, Any]:
    """Each Milestone ID's Contract ID."""
    milestone_contracts = book.column(MILESTONES.key, "contract_id")
    return {mid: milestone_contracts[i] for mid, i in book.milestone_at.items()}


def _row_contracts(table: Table, contract_of: dict[str, Any]) -> list[Any]:
    """Each row's Contract ID: its own, or its milestone's."""
    if "contract_id" in table.columns:
        return table.columns["contract_id"]
    return list(map(contract_of.get, table.columns["milestone_id"]))


def minor_unit_amounts(book: Book) -> Iterator[Found]:
    """The declared amounts have no more decimals, as a cell shows them, than their contract's
    currency has: more are rounded away when computed, which the user is told of."""
    currency = _contract_currencies(book)
    contract_of = _milestone_contracts(book)
    for key, names in MINOR_UNIT_AMOUNTS.items():
        table = book.tables[key]
        if "currency" in table.columns:
            curs = table.columns["currency"]
        else:
            curs = list(map(currency.get, _row_contracts(table, contract_of)))
        for name in names:
            for i, (amount, cur) in enumerate(zip(table.columns[name], curs, strict=True)):
                if amount is None or cur is None or table.is_bad(i, name):
                    continue
                places = minor_units(cur)
                if _decimals(amount) <= places:
                    continue  # most amounts: no more digits than the currency's, shown or not
                shown = _as_shown(amount)
                if _decimals(shown) <= places:
                    continue  # a float's artefact (0.30000000000000004 shows as 0.3)
                yield Found(
                    key,
                    i,
                    WARNING,
                    "amount-past-minor-unit",
                    name,
                    amount,
                    f"{format(shown, 'f')} has more decimals than {cur} has ({places}), and "
                    "what is worked out from it is rounded to "
                    + (
                        f"{places} decimals: enter it with at most {places} decimals"
                        if places
                        else "whole units: enter it in whole units"
                    ),
                )


_SHOWN: Final = Context(prec=EXCEL_DIGITS, rounding=ROUND_HALF_UP)


def _decimals(amount: Decimal) -> int:
    """Decimal places of an amount's digits (1000.001: 3, 1E+3: 0)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _as_shown(amount: Decimal) -> Decimal:
    """An amount as a cell shows it: to Excel's 15 significant digits, no trailing zeros."""
    return _SHOWN.plus(amount).normalize(_SHOWN)


def _contract_values(book: Book) -> dict[str, Decimal]:
    """Each contract's Original Value plus the Value Change of its approved change orders."""
    originals = book.column(CONTRACTS.key, "original_value")
    value: dict[str, Decimal] = {}
    for cid, i in book.contract_at.items():
        if originals[i] is not None:
            value[cid] = originals[i]
    changes = book.tables[CHANGE_ORDERS.key].columns
    for cid, status, change in zip(
        changes["contract_id"], changes["change_status"], changes["value_change"], strict=True
    ):
        if status == "approved" and change is not None and cid in value:
            value[cid] += change
    return value


# contract -> (earliest, latest, what the latest is counted from)
_Windows = dict[str, tuple[date, date, str]]


def _windows(book: Book) -> _Windows:
    table = book.tables[CONTRACTS.key]
    starts, ends = table.columns["start_date"], table.columns["end_date"]
    windows: _Windows = {}
    for cid, i in book.contract_at.items():
        start, end = starts[i], ends[i]
        if start is None or table.is_bad(i, "end_date"):
            continue
        if end is not None and end >= start:
            last, after = end, "after its End Date"
        else:
            last, after = start, "after its Start Date (it has no End Date: enter one)"
        lo, hi = add_years(start, -NEAR_CONTRACT_YEARS), add_years(last, NEAR_CONTRACT_YEARS)
        windows[cid] = (lo, hi, after)
    return windows


def _far_dates(
    table: Table, names: tuple[str, ...], cids: list[Any], windows: _Windows
) -> Iterator[Found]:
    # Each row's window is looked up once for all its dates (by map calls in C); a row without
    # one (no contract, or one without a window) never fails.
    los = list(map({cid: w[0] for cid, w in windows.items()}.get, cids, repeat(_EARLIEST)))
    his = list(map({cid: w[1] for cid, w in windows.items()}.get, cids, repeat(_LATEST)))
    for name in names:
        column = table.columns[name]
        if None not in column and all(map(le, los, column)) and all(map(le, column, his)):
            continue  # a full column within its windows, checked in C
        far = [
            i
            for i, (day, lo, hi) in enumerate(zip(column, los, his, strict=True))
            if day is not None and not lo <= day <= hi
        ]
        for i in far:
            day, cid = column[i], cids[i]
            lo, _hi, after = windows[cid]
            where = "before the contract's Start Date" if day < lo else after
            yield Found(
                table.sheet.key,
                i,
                ERROR,
                "date-out-of-range",
                name,
                day,
                f"{table.sheet.header(name)} {day.isoformat()} is more than "
                f"{NEAR_CONTRACT_YEARS} years {where} (contract {cid}): correct the year",
            )


def fx_rates(book: Book) -> Iterator[Found]:
    """A contract in another currency than the reporting currency has an FX rate."""
    reporting = book.reporting_currency
    if reporting is None:
        return
    rates = {cur for cur in book.column(FX_RATES.key, "currency") if cur}
    where = "the FX Rates sheet" if FX_RATES.key in book.present else "an FX Rates sheet"
    for i, cur in enumerate(book.column(CONTRACTS.key, "currency")):
        if cur is None or cur == reporting or cur in rates:
            continue
        yield Found(
            CONTRACTS.key,
            i,
            ERROR,
            "missing-fx-rate",
            "currency",
            cur,
            f"no FX rate for {cur} to the reporting currency {reporting}: add a {cur} row "
            f"to {where}",
        )


def converted_values(book: Book) -> Iterator[Found]:
    """A contract's value (with its approved change orders) converted at its FX rate stays
    under what a cell holds (15 digits): the approval thresholds, the Dashboard and the
    Payment Schedule convert its amounts, and a rate or value far too large (a rate typed as
    a whole number of millions) left no figure to show and stopped the refresh."""
    reporting = book.reporting_currency
    if reporting is None:
        return
    rates: dict[str, Decimal] = {}
    for cur, rate in zip(
        book.column(FX_RATES.key, "currency"),
        book.column(FX_RATES.key, "rate_to_reporting"),
        strict=True,
    ):
        if cur and isinstance(rate, Decimal):
            rates[cur] = max(abs(rate), rates.get(cur, rate))
    currencies = book.column(CONTRACTS.key, "currency")
    for cid, value in _contract_values(book).items():
        i = book.contract_at[cid]
        cur = currencies[i]
        rate = rates.get(cur) if cur != reporting else None
        if rate is None or abs(value) * rate < LARGEST_AMOUNT:
            continue
        yield Found(
            CONTRACTS.key,
            i,
            ERROR,
            "converted-value-too-large",
            "original_value",
            value,
            f"contract {cid}'s revised value of {format_money(value, cur)} at the FX rate of "
            f"{rate} {reporting} per {cur} is {LARGEST_AMOUNT:,.0f} {reporting} or more, past "
            f"the 15 digits a cell holds: check the {cur} rate on the FX Rates sheet "
            f"({reporting} for one {cur}) and the contract's value",
        )


def reporting_currency_rate(book: Book) -> Iterator[Found]:
    """An FX rate given for the reporting currency itself, other than 1: it is not used (the
    reporting currency's rate is 1), and the other rates are likely to another currency, as
    after the Reporting Currency was changed."""
    reporting = book.reporting_currency
    rates = book.column(FX_RATES.key, "rate_to_reporting")
    for i, cur in enumerate(book.column(FX_RATES.key, "currency")):
        rate = rates[i]
        if cur != reporting or rate is None or rate == 1:
            continue
        yield Found(
            FX_RATES.key,
            i,
            WARNING,
            "reporting-currency-rate",
            "rate_to_reporting",
            rate,
            f"{cur} is the reporting currency, so its rate is 1 and {rate} is not used: "
            f"delete the row, and check that the other rates are in {cur} per unit",
        )


def rate_of_one(book: Book) -> Iterator[Found]:
    """An FX rate of exactly 1 for a currency other than the reporting currency: the rates
    look quoted in that currency, as after the Reporting Currency was changed to one the
    sheet has no row for, and every amount in it would count unconverted."""
    reporting = book.reporting_currency
    if reporting is None:
        return
    rates = book.column(FX_RATES.key, "rate_to_reporting")
    source = _reporting_source(book)
    for i, cur in enumerate(book.column(FX_RATES.key, "currency")):
        if cur is None or cur == reporting or rates[i] != 1:
            continue
        yield Found(
            FX_RATES.key,
            i,
            WARNING,
            "fx-rate-one",
            "rate_to_reporting",
            rates[i],
            f"{cur} has a rate of 1 to the reporting currency {reporting} ({source}), so "
            f"every {cur} amount counts as the same amount of {reporting}, as if the rates "
            f"were quoted in {cur}: enter what one {cur} is worth in {reporting}, or set "
            f"Reporting Currency in Settings to {cur} (1 is right only for a currency pegged "
            f"1:1 to {reporting})",
        )


def _reporting_source(book: Book) -> str:
    """Where the reporting currency comes from, for a message."""
    if book.settings.reporting_currency:
        return "the Reporting Currency in Settings"
    return "the most common contract currency: Settings gives no Reporting Currency"
