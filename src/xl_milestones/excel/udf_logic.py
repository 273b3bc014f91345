"""What the worksheet functions (``udfs/xl_milestones_udfs``, and the Lite edition's main.py)
compute, free of xlwings.

A workbook's tables are read, then evaluated (``app.evaluate``, as a refresh does) once per
recalculation (``UdfCache``);
each function then looks its answer up. Arguments are checked with the schema's own cell
converters, and every failure is returned as Excel-style error text, never raised into a cell.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from xl_milestones.app.evaluate import ReadableBook, evaluate
from xl_milestones.collector import collector_paused
from xl_milestones.core import coerce
from xl_milestones.core.currencies import MINOR_UNITS
from xl_milestones.core.dates import COUNTRY_CODES, BusinessCalendar, payment_due_date
from xl_milestones.core.engine import EngineResult, MilestoneResult
from xl_milestones.core.interest import late_interest
from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.money import AmountTooLarge
from xl_milestones.core.nearest import id_key
from xl_milestones.core.schema import (
    CONTRACTS,
    INVOICES,
    MILESTONES,
    SETTING_FIELDS,
    Field,
    FieldType,
)
from xl_milestones.errors import XlMilestonesError

# Calls for the same workbook less than this many seconds apart belong to one recalculation:
# Excel evaluates a sheet's functions back to back, while a person needs longer than this to
# edit a cell and press Enter. See ``UdfCache``.
RECALC_WINDOW: Final = 0.5
# Workbooks whose results the cache keeps, the most recently used: a closed or renamed
# workbook's results (hundreds of MB for 100,000 milestones) are not kept for the rest of the
# Excel session.
BOOKS_KEPT: Final = 3

NOT_FOUND: Final = "#N/A"
BAD_INPUT: Final = "#VALUE!"
# A result outside what a cell holds (after 9999-12-31, more than 15 significant digits), as
# Excel's own EDATE and WORKDAY answer #NUM!.
TOO_LARGE: Final = "#NUM!"


class UdfError(Exception):
    """An answer that is an Excel error: ``code`` (#N/A, #VALUE!) and a message for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def text(self) -> str:
        return f"{self.code}: {self}"


@dataclass(slots=True)
class Computed:
    """One workbook's results, as of one day.

    ``refused_ids`` holds, by Excel row, the ID a row holds (stripped) where validation refused
    it (spaces around it), so that ``by_id`` finds that row too; ``row_errors`` the first error
    of each Milestones row that has one, as ``Milestones!A7: message``."""

    today: date
    result: EngineResult
    by_id: dict[str, MilestoneResult]
    refused_ids: dict[int, str]
    row_errors: dict[int, str]
    errors: int
    keys: dict[str, str] | None = None  # ``id_key`` -> id, made when an unknown id is asked

    def shown_id(self, item: MilestoneResult) -> str | None:
        """The Milestone ID of a result, or the one its row holds when it was refused."""
        return item.milestone_id or self.refused_ids.get(item.row)

    def meant(self, wanted: str) -> str | None:
        """The id an unknown one means but for case or leading zeros (``m-4`` for ``M-004``):
        one dict lookup, the ids keyed once per computation, as a sheet may ask many."""
        if self.keys is None:
            self.keys = {}
            for known in self.by_id:
                self.keys.setdefault(id_key(known), known)
        return self.keys.get(id_key(wanted))


@dataclass(slots=True)
class _Entry:
    computed: Computed
    fingerprint: str  # of the tables the results came from
    last_call: float


def fingerprint(raw: RawWorkbook) -> str:
    """A digest of every value the tables hold, with its row and column: equal digests, equal
    inputs. Cheap next to validating and computing (one pass over the values)."""
    digest = hashlib.blake2b(digest_size=16)
    for key in sorted(raw.tables):
        table = raw.tables[key]
        digest.update(repr((key, table.header_row, sorted(table.columns.items()))).encode())
        digest.update(repr((table.rows, sorted(table.values.items(), key=_first))).encode())
    return digest.hexdigest()


def _first(item: tuple[str, object]) -> str:
    return item[0]


@dataclass(frozen=True, slots=True)
class _Read:
    """A book whose tables the cache has read already (to fingerprint them): evaluating it
    does not read the workbook a second time."""

    name: str
    raw: RawWorkbook

    def read(self) -> RawWorkbook:
        return self.raw


def compute_book(raw: RawWorkbook, today: date) -> Computed:
    """Evaluate the tables read, as a refresh does (``app.evaluate``)."""
    with collector_paused():
        ev = evaluate(_Read(raw.path or "", raw), today=today)
    table = raw.tables.get(MILESTONES.key)
    typed = dict(zip(table.rows, table.column("milestone_id"), strict=True)) if table else {}
    refused = {
        item.row: _id_text(typed.get(item.row))
        for item in ev.result.milestones
        if not item.milestone_id and _id_text(typed.get(item.row))
    }
    row_errors: dict[int, str] = {}
    for issue in ev.issues:
        if issue.is_error and issue.sheet == MILESTONES.name and issue.row is not None:
            where = f"{issue.sheet}!{issue.cell or f'row {issue.row}'}"
            row_errors.setdefault(issue.row, f"{where}: {issue.message}")
    computed = Computed(today, ev.result, {}, refused, row_errors, ev.error_count)
    for item in ev.result.milestones:
        key = computed.shown_id(item)
        if key and key not in computed.by_id:
            computed.by_id[key] = item
    return computed


class UdfCache:
    """Computed results by workbook full name.

    Within ``window`` seconds of the previous call for a workbook (one recalculation), the
    results are reused without reading. After that, the tables are read again (one call per
    sheet) and their fingerprint compared: unchanged tables reuse the results, changed ones are
    computed again. So a value can be stale only when an edit recalculates within ``window`` of
    the previous recalculation, and the next recalculation (F9) corrects it. The results of the
    ``books`` workbooks used last are kept.
    """

    def __init__(
        self,
        window: float = RECALC_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        computer: Callable[[RawWorkbook, date], Computed] = compute_book,
        books: int = BOOKS_KEPT,
    ) -> None:
        self.window = window
        self.books = books
        self._clock = clock
        self._compute = computer
        self._entries: dict[str, _Entry] = {}
        self.reads = 0
        self.computes = 0

    def get(self, book: ReadableBook, today: date) -> Computed:
        key = book.name
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.computed.today == today
            and self._clock() - entry.last_call <= self.window
        ):
            entry.last_call = self._clock()
            return entry.computed
        raw = book.read()
        self.reads += 1
        print_ = fingerprint(raw)
        if entry is not None and entry.fingerprint == print_ and entry.computed.today == today:
            computed = entry.computed
        else:
            # The old results go before the new ones are made: one set in memory, not two.
            self._entries.pop(key, None)
            entry = None
            computed = self._compute(raw, today)
            self.computes += 1
        # Timed from the end of the call: a long computation does not eat the window.
        self._entries[key] = _Entry(computed, print_, self._clock())
        while len(self._entries) > self.books:
            oldest = min(self._entries.items(), key=lambda item: item[1].last_call)[0]
            del self._entries[oldest]
        return computed

    def clear(self, name: str | None = None) -> None:
        """Forget one workbook's results (or all), so the next call reads the tables again."""
        if name is None:
            self._entries.clear()
        else:
            self._entries.pop(name, None)


CACHE: Final = UdfCache()


# ---------------------------------------------------------------------------- cell values


def cell(value: object) -> object:
    """A result value as a function returns it to a cell: numbers as float, blank as ''.

    A blank in an array result would otherwise show as 0 in Excel."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str | date):
        return value
    return str(value)


def guarded(function: Callable[[], object]) -> object:
    """The function's answer, or error text: a cell never shows a Python traceback."""
    try:
        return function()
    except UdfError as exc:
        return exc.text
    except XlMilestonesError as exc:  # the workbook cannot be read: say why
        return f"{NOT_FOUND}: {exc}"
    except Exception as exc:  # a bug must still read as an error in the cell, not crash it
        return f"{BAD_INPUT}: internal error ({type(exc).__name__}: {exc}); please report it"


# ---------------------------------------------------------------------- functions on the book


def _id_text(value: object) -> str:
    """A Milestone ID as text, stripped ('' when blank): 101.0 -> '101'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _milestone_id(value: object) -> str:
    value = _argument("milestone_id", value)
    if isinstance(value, bool):  # a cell holding TRUE was "unknown milestone True"
        raise UdfError(
            BAD_INPUT, f"{str(value).upper()} is not a milestone ID: give one, e.g. M-001"
        )
    text = _id_text(value)
    if not text:
        raise UdfError(BAD_INPUT, "give a milestone ID, e.g. M-001")
    return text


def _lookup(
    book: ReadableBook, milestone_id: object, today: date, cache: UdfCache
) -> MilestoneResult:
    wanted = _milestone_id(milestone_id)
    computed = cache.get(book, today)
    found = computed.by_id.get(wanted)
    if found is None:
        meant = computed.meant(wanted)
        hint = f" (did you mean {meant}?)" if meant else ""
        raise UdfError(NOT_FOUND, f"unknown milestone {wanted}{hint}")
    if not found.computed:
        own = computed.row_errors.get(found.row)
        raise UdfError(
            NOT_FOUND,
            f"milestone {wanted} is not computed because of an error in its row, {own} "
            "(click Validate to list every error)"
            if own
            else f"milestone {wanted} is not computed because a row it depends on has errors "
            "(its contract, a row of another sheet for it, a predecessor, or Settings): click "
            "Validate to list them",
        )
    return found


def milestone_value(
    book: ReadableBook,
    milestone_id: object,
    field_name: str,
    today: date,
    cache: UdfCache = CACHE,
) -> object:
    """One result field of one milestone, for a cell."""
    MILESTONES.field(field_name)  # a wrong name is a bug, not user input: fail loudly
    return guarded(lambda: cell(_lookup(book, milestone_id, today, cache).values[field_name]))


def results_table(book: ReadableBook, today: date, cache: UdfCache = CACHE) -> object:
    """Milestone ID and every result column, a header row then one row per milestone."""

    def table() -> list[list[object]]:
        computed = cache.get(book, today)
        header: list[object] = [MILESTONES.header("milestone_id")]
        header += [f.header for f in MILESTONES.results]
        rows = [header]
        for item in computed.result.milestones:
            values = [cell(item.values.get(f.name)) for f in MILESTONES.results]
            rows.append([cell(computed.shown_id(item)), *values])
        return rows

    return guarded(table)


# --------------------------------------------------------------------- standalone finance helpers

_SETTINGS = {f.name: f for f in SETTING_FIELDS}
AMOUNT: Final = MILESTONES.field("amount_due")
DUE_DATE: Final = MILESTONES.field("payment_due_date")
PAID_DATE: Final = INVOICES.field("paid_date")
START_DATE: Final = INVOICES.field("invoice_date")
REGIME: Final = _SETTINGS["late_interest_regime"]
RATE: Final = _SETTINGS["late_interest_reference_rate"]
MARGIN: Final = _SETTINGS["late_interest_margin"]
DAYS: Final = CONTRACTS.field("payment_terms_days")
BASIS: Final = CONTRACTS.field("payment_terms_basis")
CONVENTION: Final = _SETTINGS["business_day_convention"]


def _argument(name: str, value: object) -> object:
    """The one value an argument holds: a one-cell range (a list of lists from xlwings) as its
    value, blank text as None. A larger range, an Excel error value (#N/A: the functions ask
    xlwings for them as text, not as a blank), NaN and infinity are refused."""
    if isinstance(value, list | tuple):
        cells = [v for row in value for v in (row if isinstance(row, list | tuple) else [row])]
        if len(cells) != 1:
            raise UdfError(BAD_INPUT, f"{name}: give one cell, not a range of {len(cells)} cells")
        value = cells[0]
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, str) and value in coerce.ERROR_LITERALS:
        raise UdfError(BAD_INPUT, f"{name}: {coerce.error_value_text(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else "infinity" if value > 0 else "-infinity"
        raise UdfError(BAD_INPUT, f"{name}: {shown} is not a number a cell can hold: correct it")
    return value


def _arg(name: str, field: Field, value: object, *, required: bool = True) -> object:
    """An argument read like a cell of ``field``. Blank is refused when ``required``, else it
    gives the field's default."""
    value = _argument(name, value)
    if value is None:
        if required:
            raise UdfError(BAD_INPUT, f"{name}: required")
        return field.default
    if field.type is FieldType.DATE and isinstance(value, datetime):
        value = value.date()
    typed = coerce.converter(field, cell=False)(value)
    if isinstance(typed, coerce.Problem):
        if typed.severity == coerce.ERROR:
            raise UdfError(BAD_INPUT, f"{name}: {typed.message}")
        return typed.value  # a warning: the value is used, as in a refresh
    return typed


def _code(name: str, value: object) -> str | None:
    """A code argument (currency, country) in upper case; None when blank."""
    value = _argument(name, value)
    return None if value is None else str(value).strip().upper()


def _currency(value: object) -> str | None:
    code = _code("currency", value)
    if code is not None and code not in MINOR_UNITS:
        raise UdfError(
            BAD_INPUT,
            f"currency: {coerce.not_a_code(code)}",
        )
    return code


def late_interest_amount(
    amount: object,
    due_date: object,
    paid_date: object,
    regime: object,
    rate: object,
    margin: object = None,
    currency: object = None,
) -> object:
    """Late-payment interest on one amount, as the Late Interest column computes it."""

    def run() -> object:
        value = _arg("amount", AMOUNT, amount)
        due = _arg("due_date", DUE_DATE, due_date)
        paid = _arg("paid_date", PAID_DATE, paid_date)
        how = _arg("regime", REGIME, regime)
        reference = _arg("rate", RATE, rate)
        extra = _arg("margin", MARGIN, margin, required=False)
        code = _currency(currency)
        assert isinstance(value, Decimal) and isinstance(due, date) and isinstance(paid, date)
        assert isinstance(reference, Decimal) and isinstance(how, str)
        assert extra is None or isinstance(extra, Decimal)
        try:
            interest = late_interest(value, due, paid, how, reference, extra, code)
        except AmountTooLarge:  # as the Late Interest column leaves it blank, with a warning
            raise UdfError(
                TOO_LARGE,
                "the interest is too large for Excel, which keeps 15 significant digits: "
                "check the amount, the dates and the rate",
            ) from None
        return cell(interest)

    return guarded(run)


def payment_due(
    start_date: object,
    days: object,
    basis: object = None,
    convention: object = None,
    country: object = None,
) -> object:
    """The payment due date from a start date and payment terms, moved off weekends and the
    public holidays of ``country`` (an ISO 3166 code) by the business day convention."""

    def run() -> object:
        start = _arg("date", START_DATE, start_date)
        n = _arg("days", DAYS, days)
        how = _arg("basis", BASIS, basis, required=False)
        move = _arg("convention", CONVENTION, convention, required=False)
        code = _code("country", country)
        calendar = BusinessCalendar(country=code)
        if code and not calendar.country_known:
            raise UdfError(
                BAD_INPUT,
                f"country: no public holidays known for {code!r}: give {COUNTRY_CODES}, or "
                "leave it blank",
            )
        assert isinstance(start, date) and isinstance(n, int)
        assert isinstance(how, str) and isinstance(move, str)
        try:
            return payment_due_date(start, n, how, move, calendar)
        except OverflowError:  # past date.max, which is Excel's last date too
            raise UdfError(
                TOO_LARGE,
                "the due date falls after 9999-12-31, the last date Excel knows: check the "
                "date and the days",
            ) from None

    return guarded(run)
