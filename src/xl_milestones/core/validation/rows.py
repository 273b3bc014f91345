"""The row checks: what the cells of one row say together, or with the row they name.

Dates in order, a status with its date and dates not after the as-of date are declared in
``schema.py`` (DATE_ORDER, STATUS_DATES, NOT_AFTER_AS_OF) and run here over their columns; the
rest are written for the sheet they belong to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final

from xl_milestones.core.index import approved_by
from xl_milestones.core.schema import (
    CHANGE_ORDERS,
    CONTRACTS,
    COUNTED_FROM,
    DATE_ORDER,
    INVOICES,
    MILESTONES,
    NOT_AFTER_AS_OF,
    SIGNOFFS,
    STATUS_DATES,
    STATUS_ONLY_DATES,
)
from xl_milestones.core.validation.table import ERROR, WARNING, Book, Found, Table

_ONE: Final = Decimal(1)
_PAYMENT_AMOUNTS: Final = frozenset({"payment_percent", "payment_amount"})


def date_order(book: Book) -> Iterator[Found]:
    """The later date of each declared pair is not before the earlier one."""
    for key, pairs in DATE_ORDER.items():
        sheet = book.tables[key].sheet
        for earlier, later in pairs:
            for i, (a, b) in enumerate(
                zip(book.column(key, earlier), book.column(key, later), strict=True)
            ):
                if a is not None and b is not None and b < a:
                    yield Found(
                        key,
                        i,
                        ERROR,
                        "date-order",
                        later,
                        b,
                        f"{sheet.header(later)} {b.isoformat()} is before "
                        f"{sheet.header(earlier)} {a.isoformat()}: correct one of the two dates",
                    )


def status_dates(book: Book) -> Iterator[Found]:
    """A status that needs its date has it."""
    for key, declared in STATUS_DATES.items():
        sheet = book.tables[key].sheet
        for status_field, states, date_field in declared:
            statuses, dates = book.column(key, status_field), book.column(key, date_field)
            for i, (status, day) in enumerate(zip(statuses, dates, strict=True)):
                if day is None and status in states:
                    yield Found(
                        key,
                        i,
                        ERROR,
                        "status-date-required",
                        date_field,
                        None,
                        f"{sheet.header(status_field)} is {status} but "
                        f"{sheet.header(date_field)} is blank: enter the date it became {status}",
                    )


def date_without_status(book: Book) -> Iterator[Found]:
    """A date that only one status uses (Accepted, Approved, Closed Date) filled in under another:
    the row counts by its status, which is said, not done in silence (a status that could not
    be read is not judged)."""
    for key, declared in STATUS_ONLY_DATES.items():
        table = book.tables[key]
        sheet = table.sheet
        for status_field, states, date_field in declared:
            statuses, dates = book.column(key, status_field), book.column(key, date_field)
            for i, (status, day) in enumerate(zip(statuses, dates, strict=True)):
                if day is None or status in states or table.is_bad(i, status_field):
                    continue
                counts = status or sheet.field(status_field).default
                shown = status or f"blank, so {counts}"
                yield Found(
                    key,
                    i,
                    WARNING,
                    "date-without-status",
                    date_field,
                    day,
                    f"{sheet.header(date_field)} is filled in but {sheet.header(status_field)} "
                    f"is {shown}: the row counts as {counts}; set {sheet.header(status_field)} "
                    f"to {states[0]}, or clear the date",
                )


def not_after_as_of(book: Book) -> Iterator[Found]:
    """Dates of what has happened are not after the as-of date. Under an as-of date given for
    the run (an earlier one than the workbook's, to look back), the date may well be right: the
    message says to give a later as-of date too."""
    as_of = book.as_of
    if book.as_of_given:
        why = " given for this run; give an as-of date on or after it, or correct the date"
    else:
        why = ": a date that has not happened yet cannot be recorded; correct it or leave it blank"
    for key, names in NOT_AFTER_AS_OF.items():
        sheet = book.tables[key].sheet
        for name in names:
            for i, day in enumerate(book.column(key, name)):
                if day is not None and day > as_of:
                    yield Found(
                        key,
                        i,
                        ERROR,
                        "future-date",
                        name,
                        day,
                        f"{sheet.header(name)} {day.isoformat()} is after the as-of date "
                        f"{as_of.isoformat()}{why}",
                    )


def dated_after_as_of(book: Book) -> Iterator[Found]:
    """An Invoice, Paid, Submitted, Accepted, Raised or Closed Date after the as-of date: the
    row is taken as it was at that date (the invoice or payment not counted, the deliverable not
    yet submitted or accepted, the issue not yet raised or still open), which is said, not done
    in silence."""
    as_of = book.as_of
    for key, fields in COUNTED_FROM.items():
        for name, (code, meaning, done) in fields.items():
            header = book.tables[key].sheet.header(name)
            for i, day in enumerate(book.column(key, name)):
                if day is not None and day > as_of:
                    yield Found(
                        key,
                        i,
                        WARNING,
                        code,
                        name,
                        day,
                        f"{header} {day.isoformat()} is after the as-of date "
                        f"{as_of.isoformat()}: {meaning} as of it; if it {done} by then, "
                        "correct the date",
                    )


def payment_fields(book: Book) -> Iterator[Found]:
    """Each milestone's Payment % and Payment Amount are given when its basis needs them, and
    blank when it does not (a cell that could not be read is not judged)."""
    table = book.tables[MILESTONES.key]
    columns = table.columns
    for i, (basis, pct, amount) in enumerate(
        zip(
            columns["payment_basis"],
            columns["payment_percent"],
            columns["payment_amount"],
            strict=True,
        )
    ):
        if table.bad and (table.is_bad(i, "payment_basis") or table.bad_in(i, _PAYMENT_AMOUNTS)):
            continue
        yield from _payment_fields(i, basis or "none", pct, amount)


def _payment_fields(i: int, basis: str, pct: object, amount: object) -> Iterator[Found]:
    key = MILESTONES.key
    if basis in ("percent", "retention_release") and pct is None:
        yield Found(
            key,
            i,
            ERROR,
            "payment-percent-required",
            "payment_percent",
            None,
            f"Payment Basis is {basis}: enter the Payment % (e.g. 25% for a quarter)",
        )
    if basis == "fixed" and amount is None:
        yield Found(
            key,
            i,
            ERROR,
            "payment-amount-required",
            "payment_amount",
            None,
            "Payment Basis is fixed: enter the Payment Amount",
        )
    if basis in ("none", "fixed") and pct is not None:
        yield Found(
            key,
            i,
            WARNING,
            "payment-field-unused",
            "payment_percent",
            pct,
            f"Payment % is not used when Payment Basis is {basis}: clear it, or change the "
            "Payment Basis to percent",
        )
    if basis in ("none", "percent", "retention_release") and amount is not None:
        yield Found(
            key,
            i,
            WARNING,
            "payment-field-unused",
            "payment_amount",
            amount,
            f"Payment Amount is not used when Payment Basis is {basis}: clear it, or change "
            "the Payment Basis to fixed",
        )


def milestone_progress(book: Book) -> Iterator[Found]:
    """A milestone is achieved after its contract starts, and counts as 100% complete then."""
    key = MILESTONES.key
    starts = book.column(CONTRACTS.key, "start_date")
    contract_at = book.contract_at
    columns = book.tables[key].columns
    for i, (cid, actual, pct) in enumerate(
        zip(
            columns["contract_id"], columns["actual_date"], columns["percent_complete"], strict=True
        )
    ):
        if actual is None:
            continue
        at = contract_at.get(cid)
        start = None if at is None else starts[at]
        if start is not None and actual < start:
            yield Found(
                key,
                i,
                ERROR,
                "date-order",
                "actual_date",
                actual,
                f"Actual Date {actual.isoformat()} is before the contract's "
                f"Start Date {start.isoformat()}: correct one of the two dates",
            )
        if pct is not None and pct < _ONE:
            yield Found(
                key,
                i,
                WARNING,
                "percent-complete-mismatch",
                "percent_complete",
                pct,
                "the milestone has an Actual Date, so it counts as 100% complete: "
                "set % Complete to 100%",
            )


def signoff_decisions(book: Book) -> Iterator[Found]:
    """A rejection says why; a decision comes after the milestone is achieved (by an Actual
    Date without an error of its own), and not from its owner."""
    table = book.tables[SIGNOFFS.key]
    columns = table.columns
    milestone_table = book.tables[MILESTONES.key]
    milestones = milestone_table.columns
    actuals, owners = milestones["actual_date"], milestones["owner"]
    # An Actual Date already reported (in the future, before the contract) is not the date to
    # judge the decisions by: the fix is on the milestone, not on its sign-offs.
    if milestone_table.bad.get("actual_date"):
        actuals = [
            None if milestone_table.is_bad(m, "actual_date") else day
            for m, day in enumerate(actuals)
        ]
    at = book.milestone_at
    for i, (mid, decision, comment) in enumerate(
        zip(columns["milestone_id"], columns["decision"], columns["comment"], strict=True)
    ):
        if decision == "rejected" and not comment:
            yield Found(
                SIGNOFFS.key,
                i,
                WARNING,
                "rejection-without-comment",
                "comment",
                None,
                "a rejection should say why: enter the reason in Comment",
            )
        m = at.get(mid) if mid is not None else None
        if m is not None:
            yield from _decision(table, i, actuals[m], owners[m])


def _decision(table: Table, i: int, actual: date | None, owner: str | None) -> Iterator[Found]:
    columns = table.columns
    decided, name = columns["decision_date"][i], columns["approver_name"][i]
    if actual is not None and decided is not None and decided < actual:
        yield Found(
            SIGNOFFS.key,
            i,
            ERROR,
            "date-order",
            "decision_date",
            decided,
            f"Decision Date {decided.isoformat()} is before the milestone's Actual Date "
            f"{actual.isoformat()}: a milestone is approved after it is achieved",
        )
    if owner and name and _person(owner) == _person(name):
        yield Found(
            SIGNOFFS.key,
            i,
            WARNING,
            "self-approval",
            "approver_name",
            name,
            f"{name} owns milestone {columns['milestone_id'][i]} and cannot approve it: name "
            "another approver (sign-off stays blocked until then)",
        )


@lru_cache(maxsize=4096)  # a few hundred people approve and own thousands of rows
def _person(name: str) -> str:
    return " ".join(name.split()).casefold()


def change_order_milestones(book: Book) -> Iterator[Found]:
    """A change order's milestone belongs to the change order's contract."""
    key = CHANGE_ORDERS.key
    columns = book.tables[key].columns
    milestone_contracts = book.column(MILESTONES.key, "contract_id")
    at = book.milestone_at
    for i, (cid, mid) in enumerate(
        zip(columns["contract_id"], columns["milestone_id"], strict=True)
    ):
        m = at.get(mid) if mid is not None else None
        if m is None or cid is None:
            continue
        mc = milestone_contracts[m]
        if mc is not None and mc != cid:
            yield Found(
                key,
                i,
                ERROR,
                "milestone-not-in-contract",
                "milestone_id",
                mid,
                f"milestone {mid} belongs to contract {mc}, not {cid}: correct the Contract ID "
                "or the Milestone ID",
            )


# The dates a cell shows (Excel's 1900 date system): a revised date outside them cannot be written.
_FIRST_DAY: Final = date(1900, 1, 1).toordinal()
_LAST_DAY: Final = date.max.toordinal()


def _extensions(book: Book) -> tuple[dict[str, int], dict[str, int]]:
    """Extension Days of the change orders that count as approved as of the as-of date (as
    the engine counts them), by milestone and, naming none, by contract."""
    columns = book.tables[CHANGE_ORDERS.key].columns
    own: dict[str, int] = {}
    wide: dict[str, int] = {}
    for cid, mid, status, approved, days in zip(
        columns["contract_id"],
        columns["milestone_id"],
        columns["change_status"],
        columns["approved_date"],
        columns["extension_days"],
        strict=True,
    ):
        if not days or not approved_by(status, approved, book.as_of):
            continue
        if mid is not None:
            own[mid] = own.get(mid, 0) + days
        elif cid is not None:
            wide[cid] = wide.get(cid, 0) + days
    return own, wide


def revised_dates(book: Book) -> Iterator[Found]:
    """A Baseline Date moved by the approved change orders' Extension Days stays a date a cell
    shows (1900-01-01 to 9999-12-31): past it no revised date, days late or status exists."""
    own, wide = _extensions(book)
    if not own and not wide:
        return
    columns = book.tables[MILESTONES.key].columns
    for i, (mid, cid, baseline) in enumerate(
        zip(columns["milestone_id"], columns["contract_id"], columns["baseline_date"], strict=True)
    ):
        days = own.get(mid, 0) + wide.get(cid, 0)
        if baseline is None or not days:
            continue
        if _FIRST_DAY <= baseline.toordinal() + days <= _LAST_DAY:
            continue
        edge = "after 9999-12-31, the last" if days > 0 else "before 1900-01-01, the first"
        yield Found(
            MILESTONES.key,
            i,
            ERROR,
            "revised-date-out-of-range",
            "baseline_date",
            baseline,
            f"Baseline Date {baseline.isoformat()} moved by the {days:+,} Extension Days of the "
            f"approved change orders on milestone {mid} and its contract falls {edge} date a "
            "cell shows: correct the Baseline Date or the Extension Days",
        )


def change_values_unpaid(book: Book) -> Iterator[Found]:
    """A change order's Value Change on a milestone with no payment (Payment Basis none) is
    paid by no milestone, yet counts in the revised contract value (the retention limit, the
    delay damages cap): said, unless the change order was rejected."""
    key = CHANGE_ORDERS.key
    columns = book.tables[key].columns
    milestones = book.tables[MILESTONES.key]
    bases = milestones.columns["payment_basis"]
    at = book.milestone_at
    rows = zip(
        columns["milestone_id"], columns["value_change"], columns["change_status"], strict=True
    )
    for i, (mid, change, status) in enumerate(rows):
        m = at.get(mid) if mid is not None else None
        if m is None or not change or status == "rejected" or bases[m] not in (None, "none"):
            continue
        if milestones.is_bad(m, "payment_basis"):  # told by its own error
            continue
        yield Found(
            key,
            i,
            WARNING,
            "change-value-unpaid",
            "value_change",
            change,
            f"milestone {mid} has Payment Basis none, so no milestone pays this Value Change "
            f"of {change}, though it counts in the revised contract value: name the payment "
            "milestone it changes, or leave Milestone ID blank for the whole contract",
        )


def paid_dates(book: Book) -> Iterator[Found]:
    """An invoice with a Paid Amount has its Paid Date; one with a Paid Date and no Paid Amount
    (blank or 0, a cell that could not be read aside) counts as unpaid, which is said (once for
    the sheet when it has no Paid Amount column, by the column check)."""
    table = book.tables[INVOICES.key]
    columns = table.columns
    amounts = "paid_amount" not in table.absent
    for i, (paid, day) in enumerate(zip(columns["paid_amount"], columns["paid_date"], strict=True)):
        if paid is not None and paid > 0 and day is None:
            yield Found(
                INVOICES.key,
                i,
                ERROR,
                "paid-date-required",
                "paid_date",
                None,
                "a Paid Amount needs the date it was paid: enter the Paid Date",
            )
        elif amounts and day is not None and not paid and not table.is_bad(i, "paid_amount"):
            yield Found(
                INVOICES.key,
                i,
                WARNING,
                "paid-amount-missing",
                "paid_amount",
                paid,
                f"Paid Date {day.isoformat()} has no Paid Amount, so the invoice counts as "
                "unpaid: enter the amount paid, or clear the Paid Date if nothing was paid",
            )
