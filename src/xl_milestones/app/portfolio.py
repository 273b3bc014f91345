"""The portfolio roll-up: every contract workbook of a team read (never written), its results
gathered, converted to one reporting currency and totalled, for the portfolio workbook and the
command line's summary.

Each workbook is read, validated and computed exactly as ``refresh`` would (``app.evaluate``),
in worker processes or on a Dask cluster; what comes back is plain rows. A file that cannot be
read is listed with the reason ``validate`` gives, and the others are rolled up.
"""

from __future__ import annotations

import datetime as _dt
import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any, Final, Protocol, TextIO

from xl_milestones.app.portfolio_sheets import (  # noqa: F401 - the roll-up's names
    ALL_MILESTONES,
    AMOUNT_FIELDS,
    BOOK_FIELDS,
    BOOK_INDEX,
    BY_CONTRACT,
    BY_SUPPLIER,
    COUNT_FIELDS,
    KEY_FIGURES,
    MISSING_FX,
    MONEY_COLUMNS,
    PORTFOLIO_EXTRA,
    PORTFOLIO_METRICS,
    PORTFOLIO_QUEUE,
    PORTFOLIO_SCHEDULE,
    PORTFOLIO_TITLE,
    QUEUE_INDEX,
    REPORTING_SUFFIX,
    SOURCES,
    WORKBOOK_SUFFIXES,
    BookOutcome,
    Portfolio,
    key_figure_rows,
)
from xl_milestones.core.coerce import Problem, converter
from xl_milestones.core.currencies import MINOR_UNITS
from xl_milestones.core.engine import RESULT_FIELDS
from xl_milestones.core.index import FALLBACK_CURRENCY, own_reporting_currency
from xl_milestones.core.model import Contract
from xl_milestones.core.money import ZERO
from xl_milestones.core.portfolio import (
    MAX_METRICS,
    METRIC_KEYS,
    CurveTally,
    convert,
    dashboard,
)
from xl_milestones.core.schema import (
    MILESTONES,
    PAYMENT_SCHEDULE,
    STATUSES,
    Sheet,
)
from xl_milestones.errors import UsageError, XlMilestonesError, example_name

# ------------------------------------------------------------------------ finding the files


@dataclass(frozen=True, slots=True)
class Found:
    """The workbook files to read, and paths given that hold none (each with the reason)."""

    files: list[Path]
    missing: list[tuple[Path, str]]


def find_workbooks(paths: Sequence[str | os.PathLike[str]], *, skip: Path | None = None) -> Found:
    """Each PATH that is a file, and every .xlsx/.xlsm under each PATH that is a folder
    (recursively, in name order), without Excel's lock files (``~$*``, given or found; listed
    as not read when no other file is), hidden files and the output itself. A file is listed
    once however often it is reached; a folder whose workbooks were all listed already (given
    twice, or linked) is not missing any."""
    from xl_milestones.io.atomic import same_file
    from xl_milestones.io.reader import lock_file_reason

    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    seen: set[object] = set()

    def add(file: Path) -> str:
        """``added``, ``listed`` (already) or ``output`` (the file skipped)."""
        if skip is not None and same_file(file, skip):
            return "output"
        key = _file_key(file)
        if key in seen:
            return "listed"
        seen.add(key)
        files.append(file)
        return "added"

    locks: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = Counter(add(file) for file in sorted(_walk(path)))
            if not found["added"] and not found["listed"]:
                missing.append((path, _no_workbook(path, output=found["output"])))
        elif path.exists() and _skipped_as(path.name) == "lock":
            locks.append(path)  # named by a shell's *.xlsm, as a folder's are: skipped
        elif path.exists():
            add(path)
        else:
            missing.append((path, f"{path}: no such file or folder: check the path"))
    if not files:  # nothing else to read: said, not skipped in silence
        missing.extend((lock, lock_file_reason(lock)) for lock in locks)
    return Found(files, missing)


def _file_key(file: Path) -> object:
    """What tells one file from another: its device and inode (a symbolic or hard link is the
    file it leads to), else, when it cannot be seen, its resolved path."""
    try:
        st = file.stat()
    except OSError:
        return Path(os.path.realpath(file))
    return (st.st_dev, st.st_ino)


# Spreadsheets of other formats in a folder searched are listed as not read, with the reason
# (save it as .xlsx): a contract kept as .xls was left out of the roll-up without a word. A
# .csv is not taken for one: a folder of contracts may hold any number of data exports.
OTHER_SPREADSHEETS = (".xls", ".xlsb", ".ods")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        for name in names:
            lower = name.lower()
            if lower.endswith(WORKBOOK_SUFFIXES + OTHER_SPREADSHEETS) and _skipped_as(name) is None:
                yield Path(root) / name


def _hidden(name: str) -> bool:
    """A hidden file or folder (such as a refresh's temporary file): not searched."""
    return name.startswith(".")


def _skipped_as(name: str) -> str | None:
    """Why a workbook file in a folder searched is not read ("lock": Excel's lock file,
    "hidden"), or None: it is read."""
    if name.startswith("~$"):
        return "lock"
    return "hidden" if _hidden(name) else None


def _no_workbook(folder: Path, *, output: int) -> str:
    """Why ``folder`` gave no workbook: none there, or each one skipped (an Excel lock file,
    a hidden file or one in a hidden folder, the output), counted."""
    from xl_milestones.output import plural

    lock = hidden = 0
    for root, _dirs, names in os.walk(folder):
        in_hidden = any(_hidden(p) for p in Path(root).relative_to(folder).parts)
        for name in names:
            if not name.lower().endswith(WORKBOOK_SUFFIXES):
                continue
            reason = "hidden" if in_hidden else _skipped_as(name)
            lock += reason == "lock"
            hidden += reason == "hidden"
    why = [
        *([plural(lock, "Excel lock file") + " (~$...)"] if lock else []),
        *([f"{hidden} hidden (a name or folder starting with a dot)"] if hidden else []),
        *(["the --output file"] if output else []),
    ]
    skipped = f" ({lock + hidden + output} skipped: {', '.join(why)})" if why else ""
    return f"{folder}: no .xlsx or .xlsm workbook in this folder or below it{skipped}"


# ---------------------------------------------------------------------- one book (a worker)


def _is_portfolio(path: str) -> bool:
    """A portfolio workbook this command wrote (its title property, which Excel keeps)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False
    return f"<dc:title>{PORTFOLIO_TITLE}</dc:title>" in core


def _portfolio_reason(path: str) -> str:
    return (
        f"{path}: a portfolio workbook (made by xl-milestones portfolio), not a contract "
        "workbook: write the portfolio outside the folders it reads, or move this one out"
    )


def read_book(path: str, today: _dt.date, as_of: _dt.date | None = None) -> BookOutcome:
    """Read, validate and compute one workbook; never raises for a bad file (the outcome says
    why it was not read), and never writes it."""
    from xl_milestones.app.evaluate import evaluate
    from xl_milestones.collector import collector_paused
    from xl_milestones.io.atomic import lock_path
    from xl_milestones.io.filebook import FileBook

    notes: list[str] = []
    if lock_path(Path(path)).exists():
        notes.append("open in Excel when read (its lock file is beside it): figures as last saved")
    try:
        # Each workbook is read, validated and computed with the garbage collector paused, in
        # a worker process as in the command's own (cli pauses it per command, not here).
        with collector_paused():
            ev = evaluate(FileBook(path), as_of, today=today, with_queue=True)
    except XlMilestonesError as exc:
        reason = _portfolio_reason(path) if _is_portfolio(path) else str(exc)
        return BookOutcome(path, False, reason, notes)
    except Exception as exc:  # a bug must not stop the roll-up of the other files
        return BookOutcome(
            path, False, f"{path}: internal error: {type(exc).__name__}: {exc}", notes
        )
    model, result = ev.validation.model, ev.result
    contracts = model.contracts
    by_id = {m.milestone_id: m for m in model.milestones}
    rows: list[tuple[object, ...]] = []
    table: Any = None
    at: dict[int, int] | None = None
    for r in result.milestones:
        if r.computed and r.milestone_id in by_id:
            m = by_id[r.milestone_id]
            c = contracts[m.contract_id]
            rows.append(
                (
                    r.row,
                    m.milestone_id,
                    m.contract_id,
                    m.milestone_name,
                    m.milestone_type,
                    m.owner,
                    c.contract_name,
                    c.supplier,
                    c.currency,
                    m.baseline_date,
                    m.forecast_date,
                    m.actual_date,
                    m.payment_basis,
                    True,
                    *(r.values[f] for f in RESULT_FIELDS),
                )
            )
        else:
            if at is None:  # each Milestones row's position in the table, once per book
                table = ev.raw.tables.get(MILESTONES.key)
                at = {row: i for i, row in enumerate(table.rows)} if table is not None else {}
            rows.append(
                _skipped_row(
                    table, at.get(r.row), r.row, r.milestone_id, contracts, ev.raw.date1904
                )
            )
    first = next((i for i in ev.issues if i.is_error), None)
    # Only what the workbook gives: a blank one's EUR is the engine's, not the book's.
    currency = own_reporting_currency(model)
    rates = {cur.strip().upper(): fx.rate_to_reporting for cur, fx in model.fx_rates.items()}
    return BookOutcome(
        path=path,
        read=True,
        notes=notes,
        as_of=result.as_of,
        currency=currency,
        rates=rates,
        errors=ev.error_count,
        warnings=len(ev.issues) - ev.error_count,
        first_error=(
            None
            if first is None
            else f"{first.sheet}!{first.cell or first.row or ''} {first.code}: {first.message}"
        ),
        computed=len(result.milestones) - len(model.skipped),
        skipped=len(model.skipped),
        contracts=[
            (c.contract_id, c.contract_name, c.supplier, c.currency)
            for c in sorted(contracts.values(), key=lambda c: c.row)
        ],
        milestones=rows,
        schedule=result.payment_schedule,
        queue=ev.queue,
        tally=result.tally,
        figures=result.dashboard,
        status_counts=result.status_counts,
    )


# The inputs of a milestone not computed that All Milestones shows as typed, when readable.
_SKIPPED_INPUTS: Final = (
    "milestone_type",
    "owner",
    "baseline_date",
    "forecast_date",
    "actual_date",
    "payment_basis",
)


def _skipped_row(
    table: Any,
    index: int | None,
    row: int,
    milestone_id: str | None,
    contracts: Mapping[str, Contract],
    date1904: bool,
) -> tuple[object, ...]:
    """A milestone not computed (at ``index`` of the Milestones ``table``): what its row
    says, as typed (an input that cannot be read is blank: Validation says why), its
    contract's name, supplier and currency when the contract was read, and blank results."""
    raw: Mapping[str, object] = {}
    if table is not None and index is not None:
        raw = table.row_values(index)
    values: list[object] = [None] * len(BOOK_FIELDS)
    values[BOOK_INDEX["row"]] = row
    values[BOOK_INDEX["computed"]] = False
    for name in ("milestone_id", "contract_id", "milestone_name"):
        shown = raw.get(name)
        values[BOOK_INDEX[name]] = None if shown is None else str(shown)
    if values[BOOK_INDEX["milestone_id"]] is None:
        values[BOOK_INDEX["milestone_id"]] = milestone_id
    for name in _SKIPPED_INPUTS:
        typed = raw.get(name)
        if typed is not None:
            value = converter(MILESTONES.field(name), date1904)(typed)
            if isinstance(value, Problem):  # as the validator: a warning's value, else blank
                value = value.value
            values[BOOK_INDEX[name]] = value
    contract = contracts.get(str(values[BOOK_INDEX["contract_id"]]))
    if contract is not None:
        values[BOOK_INDEX["contract_name"]] = contract.contract_name
        values[BOOK_INDEX["supplier"]] = contract.supplier
        values[BOOK_INDEX["currency"]] = contract.currency
    return tuple(values)


# ------------------------------------------------------------------------------- currency


@dataclass(frozen=True, slots=True)
class RateTable:
    """An FX Rates table: units of ``reporting`` per one unit of each currency."""

    reporting: str
    rates: Mapping[str, Decimal]

    def to(self, currency: str) -> dict[str, Decimal]:
        """The same rates quoted to ``currency``: through the table's own reporting currency
        when they differ (a cross rate); only ``currency`` itself when the table has no rate
        for it."""
        table = {c.strip().upper(): r for c, r in self.rates.items()}
        table[self.reporting] = Decimal(1)
        base = table.get(currency)
        if base is None:
            return {currency: Decimal(1)}
        if base == 1:
            return table
        out = {c: r / base for c, r in table.items()}
        out[currency] = Decimal(1)
        return out


def read_rate_table(path: str, *, today: _dt.date) -> RateTable:
    """The FX Rates of the workbook given with ``--fx-rates``; a rate with an error is refused
    (exit code 2) rather than left out."""
    from xl_milestones.app.evaluate import validate_book
    from xl_milestones.core.engine import reporting_currency
    from xl_milestones.core.schema import FX_RATES
    from xl_milestones.io.filebook import FileBook

    validation = validate_book(FileBook(path), today=today)
    for issue in validation.issues:
        if issue.is_error and issue.sheet in (FX_RATES.name, "Settings"):
            where = f"{issue.sheet}!{issue.cell or issue.row or ''}"
            raise UsageError(
                f"--fx-rates {path}: {where} {issue.message}: correct it, or leave out --fx-rates"
            )
    model = validation.model
    rates = {cur.strip().upper(): fx.rate_to_reporting for cur, fx in model.fx_rates.items()}
    return RateTable(reporting_currency(model), rates)


# ------------------------------------------------------------------------------- roll-up

# The two tables with a row per milestone or schedule line of every workbook: their rows go to
# the sinks (the portfolio workbook, the Parquet files) workbook by workbook, and are not kept.
STREAMED: tuple[Sheet, ...] = (ALL_MILESTONES, PORTFOLIO_SCHEDULE)


class RowSink(Protocol):
    """Where the rows of the STREAMED tables go as each workbook is rolled up."""

    def begin(self, currency: str) -> None:
        """The reporting currency, known before the first rows (its minor units)."""

    def rows(self, sheet: Sheet, rows: Sequence[tuple[object, ...]], links: Sequence[str]) -> None:
        """The next rows of ``sheet`` (in its field order), each with the file its Workbook
        cell links to (``path#row`` for a milestone's row on its Milestones sheet)."""


_SCHEDULE_FIELDS = [f.name for f in PAYMENT_SCHEDULE.fields]
_I_CUR = _SCHEDULE_FIELDS.index("currency")
# (reporting column, its column in the workbook's own currency) of the Payment Schedule.
_CONVERSIONS = [
    (i, _SCHEDULE_FIELDS.index(name[: -len(REPORTING_SUFFIX)]))
    for i, name in enumerate(_SCHEDULE_FIELDS)
    if name.endswith(REPORTING_SUFFIX)
]


class RollUp:
    """The portfolio gathered one workbook's outcome at a time, in path order: the rows of the
    STREAMED tables go to the sinks at once; what the end needs (the figures, the queue to
    sort, the contracts, each file's Sources line) is kept, each outcome without its rows.

    The reporting currency is ``currency``, else the first workbook's own (in path order;
    one with no Reporting Currency setting and no contract has none), else EUR; the rates
    ``fx``'s, else each workbook's own FX Rates. Until the currency is known, the outcomes
    wait (those before it have no contract, so few rows).
    """

    def __init__(
        self,
        *,
        currency: str | None = None,
        fx: RateTable | None = None,
        sinks: Sequence[RowSink] = (),
    ) -> None:
        self.currency = currency
        self.fx = fx
        self.sinks = list(sinks)
        self.outcomes: list[BookOutcome] = []
        # Per outcome: the currencies without a rate (None for a file not read).
        self.missing: list[list[str] | None] = []
        self.totals: dict[str, Decimal | int] = {key: 0 for key in METRIC_KEYS}
        self.status_counts = dict.fromkeys(STATUSES, 0)
        self.queue: list[tuple[object, ...]] = []
        self.by_contract: list[tuple[object, ...]] = []
        self.curve = CurveTally(FALLBACK_CURRENCY)  # in the currency once known
        self.begun = False
        # Whether no workbook gave the currency (nor ``currency``): EUR by default.
        self.assumed = False
        # The outcomes rolled up once the currency is known.
        self.waiting: list[BookOutcome] = []

    def add(self, o: BookOutcome) -> None:
        """Roll up one file's outcome (the files in path order)."""
        if not self.begun:
            currency = self.currency or o.currency
            if currency is None:
                self.waiting.append(o)
                return
            self._begin(currency)
        self._roll(o)

    def _begin(self, currency: str) -> None:
        """The reporting currency is known: the sinks are told, the waiting outcomes rolled."""
        self.begun = True
        self.currency = currency
        self.curve = CurveTally(currency)
        for sink in self.sinks:
            sink.begin(currency)
        waiting, self.waiting = self.waiting, []
        for o in waiting:
            self._roll(o)

    def _roll(self, o: BookOutcome) -> None:
        if not o.read:
            self.outcomes.append(o)
            self.missing.append(None)
            return
        target = self.target
        rates = (self.fx or RateTable(o.currency or target, o.rates)).to(target)
        missing: set[str] = set()
        if o.tally is not None:
            figures, no_rate = dashboard(o.tally, rates, target)
            missing |= no_rate
            totals = self.totals
            for key, value in figures.items():
                totals[key] = max(totals[key], value) if key in MAX_METRICS else totals[key] + value
        for status, n in o.status_counts.items():
            self.status_counts[status] = self.status_counts.get(status, 0) + n
        schedule = []
        for row in o.schedule:
            cells = list(row)
            rate = rates.get(str(row[_I_CUR]))
            if rate is None:
                missing.add(str(row[_I_CUR]))
            for i, j in _CONVERSIONS:
                amount = row[j]
                cells[i] = convert(amount, rate, target) if isinstance(amount, Decimal) else None
            # Each book's contracts are its own, whatever their IDs: told apart by position.
            self.curve.add(cells, rate, len(self.outcomes))
            schedule.append((o.path, *cells))
        self.queue += _queue_rows(o, rates, target, missing)
        milestones = []
        links = []
        per_contract: dict[str, list[tuple[object, ...]]] = {}
        for row in o.milestones:
            cur = row[BOOK_INDEX["currency"]]
            rate = rates.get(str(cur)) if cur is not None else None
            if cur is not None and rate is None and row[BOOK_INDEX["computed"]]:
                missing.add(str(cur))  # one not computed has no amount to leave out
            due, outstanding = row[BOOK_INDEX["amount_due"]], row[BOOK_INDEX["outstanding_amount"]]
            links.append(f"{o.path}#{row[BOOK_INDEX['row']]}")
            milestones.append(
                (
                    o.path,
                    *row,
                    convert(due, rate, target) if isinstance(due, Decimal) else None,
                    (
                        convert(outstanding, rate, target)
                        if isinstance(outstanding, Decimal)
                        else None
                    ),
                )
            )
            if row[BOOK_INDEX["computed"]]:
                per_contract.setdefault(str(row[BOOK_INDEX["contract_id"]]), []).append(row)
        for cid, name, supplier, cur in o.contracts:
            self.by_contract.append(
                (
                    o.path,
                    cid,
                    name,
                    supplier,
                    cur,
                    *_contract_figures(per_contract.get(cid, []), rates.get(cur), target),
                )
            )
        for sink in self.sinks:
            sink.rows(ALL_MILESTONES, milestones, links)
            sink.rows(PORTFOLIO_SCHEDULE, schedule, [o.path] * len(schedule))
        # Its rows are in the tables now: keep the outcome without them.
        self.outcomes.append(replace(o, milestones=[], schedule=[], queue=[]))
        self.missing.append(sorted(missing))

    @property
    def target(self) -> str:
        """The reporting currency (known once the first outcome with one is rolled up)."""
        return self.currency or FALLBACK_CURRENCY

    def finish(self) -> Portfolio:
        """The portfolio of the outcomes added."""
        if not self.begun:
            self.assumed = any(o.read for o in self.waiting)
            self._begin(FALLBACK_CURRENCY)
        outcomes = self.outcomes
        read = [o for o in outcomes if o.read]
        owners: dict[str, list[str]] = {}
        for o in read:
            for cid, *_rest in o.contracts:
                owners.setdefault(cid, []).append(o.path)
        sources: list[tuple[object, ...]] = []
        for o, missing in zip(outcomes, self.missing, strict=True):
            if missing is None:
                sources.append(_source_row(o, None, [], []))
                continue
            shared = [cid for cid, *_rest in o.contracts if len(owners[cid]) > 1]
            duplicates = [_also_in(cid, owners[cid], o.path) for cid in shared[:MAX_SHARED_IDS]]
            if len(shared) > MAX_SHARED_IDS:
                duplicates.append(f"and {len(shared) - MAX_SHARED_IDS:,} more contract IDs")
            sources.append(_source_row(o, missing, duplicates, o.notes))
        totals = self.totals
        totals["contracts"] = sum(len(o.contracts) for o in read)
        totals["workbooks_read"] = len(read)
        totals["workbooks_not_read"] = len(outcomes) - len(read)
        self.queue.sort(key=_queue_order)
        as_ofs = {o.as_of for o in read}
        return Portfolio(
            currency=self.target,
            currency_assumed=self.assumed,
            as_of=as_ofs.pop() if len(as_ofs) == 1 else None,
            outcomes=list(outcomes),
            sources=sources,
            queue=self.queue,
            by_contract=self.by_contract,
            by_supplier=_by_supplier(self.by_contract),
            figures={key: totals.get(key, 0) for key, _label in PORTFOLIO_METRICS},
            shared_contracts=sum(1 for paths in owners.values() if len(paths) > 1),
            status_counts=self.status_counts,
            scurve=self.curve.rows(),
            links={
                SOURCES.key: {i: o.path for i, o in enumerate(outcomes)},
                PORTFOLIO_QUEUE.key: {i: str(row[0]) for i, row in enumerate(self.queue)},
                BY_CONTRACT.key: {i: str(row[0]) for i, row in enumerate(self.by_contract)},
            },
        )


def roll_up(
    outcomes: Iterable[BookOutcome],
    *,
    currency: str | None = None,
    fx: RateTable | None = None,
    sinks: Sequence[RowSink] = (),
) -> Portfolio:
    """The portfolio of these outcomes (in path order), in ``currency`` (else the first
    book's own reporting currency, else EUR), with the rates of ``fx`` (else each book's own
    FX Rates); the STREAMED tables' rows go to ``sinks``."""
    rolling = RollUp(currency=currency, fx=fx, sinks=sinks)
    for outcome in outcomes:
        rolling.add(outcome)
    return rolling.finish()


# Sources names at most this many other workbooks per shared contract ID, then counts the rest:
# a contract ID found in every one of 1,000 files would otherwise make each Sources row list
# 999 paths per contract (quadratic in the files, past Excel's 32,767 characters a cell).
MAX_NAMED_OTHERS = 3
# ... and lists at most this many shared contract IDs per file, then counts the rest: a copy of
# a workbook of 3,000 contracts would otherwise fill the cell past those 32,767 characters,
# where the text is cut off mid-name.
MAX_SHARED_IDS = 20


def _also_in(contract_id: str, owners: Sequence[str], path: str) -> str:
    """``C-001 (also in a.xlsx, b.xlsx, c.xlsx and 996 more)``: the other workbooks holding a
    contract ID, the first few named in path order."""
    named: list[str] = []
    for owner in owners:
        if owner != path:
            named.append(owner)
            if len(named) == MAX_NAMED_OTHERS:
                break
    more = max(len(owners) - 1 - len(named), 0)
    return f"{contract_id} (also in {', '.join(named)}{f' and {more} more' if more else ''})"


def _queue_rows(
    o: BookOutcome, rates: Mapping[str, Decimal], target: str, missing: set[str]
) -> list[tuple[object, ...]]:
    """PORTFOLIO_QUEUE rows of one workbook: its own Sign-off Queue rows, with the milestone's
    blockers and supplier, and the amount at stake in the reporting currency."""
    milestones = {
        row[BOOK_INDEX["milestone_id"]]: row for row in o.milestones if row[BOOK_INDEX["computed"]]
    }
    rows: list[tuple[object, ...]] = []
    for q in o.queue:
        m = milestones.get(q[QUEUE_INDEX["milestone_id"]])
        currency = str(q[QUEUE_INDEX["currency"]])
        rate = rates.get(currency)
        if rate is None:
            missing.add(currency)
        stake = q[QUEUE_INDEX["amount_at_stake"]]
        rows.append(
            (
                o.path,
                *q,
                None if m is None else m[BOOK_INDEX["signoff_blockers"]],
                None if m is None else m[BOOK_INDEX["supplier"]],
                convert(stake, rate, target) if isinstance(stake, Decimal) else None,
            )
        )
    return rows


def _queue_order(row: tuple[object, ...]) -> tuple[object, ...]:
    """Ready first; then as each workbook orders its queue (most overdue, longest waiting,
    milestone id); then by workbook."""
    ready, overdue, waiting = (
        row[1 + QUEUE_INDEX[n]] for n in ("signoff_ready", "days_overdue", "days_waiting")
    )
    return (
        ready is not True,
        -(overdue if isinstance(overdue, int) else 0),
        -(waiting if isinstance(waiting, int) else 0),
        str(row[1 + QUEUE_INDEX["milestone_id"]]),
        str(row[0]),
    )


def _source_row(
    o: BookOutcome, missing: list[str] | None, duplicates: list[str], notes: list[str]
) -> tuple[object, ...]:
    if not o.read:
        return (o.path, False, o.reason, *([None] * 10), "; ".join(o.notes) or None)
    return (
        o.path,
        True,
        None,
        o.as_of,
        o.currency,
        len(o.contracts),
        o.computed,
        o.skipped,
        o.errors,
        o.warnings,
        o.first_error,
        ", ".join(missing or ()) or None,
        "; ".join(duplicates) or None,
        "; ".join(notes) or None,
    )


def _contract_figures(
    rows: Sequence[tuple[object, ...]], rate: Decimal | None, target: str
) -> tuple[object, ...]:
    """BY_CONTRACT's counts and amounts (summed in the contract currency, converted once)."""
    late = red = waiting = 0
    sums = dict.fromkeys((n for n, _h, _d in MONEY_COLUMNS), ZERO)
    for row in rows:
        status = row[BOOK_INDEX["status"]]
        late += status == "Late"
        red += row[BOOK_INDEX["rag"]] == "Red"
        waiting += status == "Awaiting sign-off"
        value = row[BOOK_INDEX["milestone_value"]]
        release = row[BOOK_INDEX["payment_basis"]] == "retention_release"
        if isinstance(value, Decimal) and status != "Cancelled" and not release:
            sums["value"] += value
        if isinstance(value, Decimal) and release and status == "Signed off":
            sums["retention_held"] -= value
        for name, column in (
            ("amount_due", "amount_due"),
            ("paid", "paid_amount"),
            ("outstanding", "outstanding_amount"),
            ("retention_held", "retention_amount"),
        ):
            amount = row[BOOK_INDEX[column]]
            if isinstance(amount, Decimal):
                sums[name] += amount
        outstanding = row[BOOK_INDEX["outstanding_amount"]]
        if row[BOOK_INDEX["payment_status"]] == "Overdue" and isinstance(outstanding, Decimal):
            sums["overdue"] += max(outstanding, ZERO)
    amounts = tuple(convert(sums[n], rate, target) for n, _h, _d in MONEY_COLUMNS)
    return (len(rows), late, red, waiting, *amounts)


def supplier_key(name: object) -> str:
    """Supplier names as matched across workbooks: case and runs of spaces ignored."""
    return " ".join(str(name or "").split()).casefold()


def _by_supplier(by_contract: Sequence[tuple[object, ...]]) -> list[tuple[object, ...]]:
    n_counts, n_amounts = len(COUNT_FIELDS), len(AMOUNT_FIELDS)
    first_count = 5
    groups: dict[str, list[object]] = {}
    for row in by_contract:
        key = supplier_key(row[3])
        group = groups.get(key)
        if group is None:
            group = groups[key] = [row[3], 0, *([0] * n_counts), *([ZERO] * n_amounts)]
        contracts = group[1]
        assert isinstance(contracts, int)
        group[1] = contracts + 1
        for k in range(n_counts + n_amounts):
            value = row[first_count + k]
            if isinstance(value, int | Decimal):
                group[2 + k] = group[2 + k] + value  # type: ignore[operator]
    return [tuple(g) for _key, g in sorted(groups.items())]


# -------------------------------------------------------------------------- running it all

# Files handed to the pool ahead of the one the roll-up waits for, per worker: enough to keep
# every worker busy, few enough that outcomes do not pile up when the writing is slower.
AHEAD_PER_WORKER = 8


def read_books(
    files: Sequence[Path],
    *,
    today: _dt.date,
    as_of: _dt.date | None = None,
    jobs: int = 1,
    dask: str | None = None,
) -> Iterator[BookOutcome]:
    """Every file's outcome, one at a time in the order given: read in this process (``jobs``
    1), in a pool of ``jobs`` worker processes, or on the workers of the Dask cluster at
    ``dask``."""
    paths = [str(f) for f in files]
    if dask:
        return _on_dask(dask, paths, today, as_of)
    if jobs <= 1 or len(paths) <= 1:
        return (read_book(p, today, as_of) for p in paths)
    return _in_pool(paths, today, as_of, min(jobs, len(paths)))


def _in_pool(
    paths: Sequence[str], today: _dt.date, as_of: _dt.date | None, jobs: int
) -> Iterator[BookOutcome]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    def stopped(path: str) -> BookOutcome:
        return BookOutcome(
            path,
            False,
            f"{path}: the worker process reading it stopped (out of memory?): "
            "run again with fewer --jobs",
        )

    # A fresh server process forks the workers: never a copy of this one and its threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["xl_milestones.app.portfolio", "xl_milestones.app.evaluate"])
    _start_server_deaf_to_ctrl_c()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:

        def submit(path: str) -> Future[BookOutcome] | None:
            try:
                with _ctrl_c_held():  # it may start a worker
                    return pool.submit(read_book, path, today, as_of)
            except BrokenProcessPool:
                return None

        todo = iter(paths)
        waiting: deque[tuple[str, Future[BookOutcome] | None]] = deque()
        try:
            waiting.extend((path, submit(path)) for path in islice(todo, jobs * AHEAD_PER_WORKER))
            while waiting:
                path, future = waiting.popleft()
                following = next(todo, None)
                if following is not None:
                    waiting.append((following, submit(following)))
                if future is None:
                    yield stopped(path)
                    continue
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    outcome = stopped(path)
                yield outcome
        finally:
            for _path, pending in waiting:
                if pending is not None:
                    pending.cancel()


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back until the block ends, then raised: one that stopped the command while
    it started a worker left the worker half made, to fail with a traceback once this process
    was gone."""
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    except ValueError:  # not the main thread: signals are not this thread's to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _start_server_deaf_to_ctrl_c() -> None:
    """Start the fork server with Ctrl-C ignored, as every worker it forks then is: a
    terminal's Ctrl-C reaches the whole process group, and each worker (and the server while
    it imported its modules) printed a KeyboardInterrupt traceback under the command's one
    line. The workers only read; this process answers Ctrl-C and stops them."""
    from multiprocessing import forkserver

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not this thread's to change
        return
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_dask(
    address: str, paths: Sequence[str], today: _dt.date, as_of: _dt.date | None
) -> Iterator[BookOutcome]:
    """The same ``read_book`` on the workers of an existing cluster; each worker must have
    this package installed and see the files at the same paths (a shared drive)."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--dask needs the portfolio extra: {PORTFOLIO_EXTRA}") from None
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(
            f"--dask {address}: cannot reach the Dask scheduler ({exc}): check the address "
            "(e.g. tcp://scheduler:8786) and that the cluster runs"
        ) from None
    with client:
        futures = client.map(read_book, paths, today=today, as_of=as_of, pure=False)
        for future in futures:  # in path order, as the roll-up takes them
            yield future.result()
            future.release()


# ------------------------------------------------------------------------------ progress


class Progress:
    """Files done, files per second and time left: one redrawn line on a terminal, else a
    plain line at each tenth of the files."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.tenths = 0

    def __call__(self, done: int) -> None:
        if not self.total:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0.0
        if self.tty:
            bar = "#" * (done * 20 // self.total)
            end = "\n" if done == self.total else ""
            print(
                f"\r[{bar:<20}] {done:,}/{self.total:,} files  {rate:,.1f} files/s  "
                f"{_duration(left)} left ",
                end=end,
                file=self.stream,
                flush=True,
            )
            return
        tenths = done * 10 // self.total
        if tenths > self.tenths:
            self.tenths = tenths
            share = done * 100 // self.total
            print(
                f"xl-milestones: {done:,} of {self.total:,} files read ({share}%), "
                f"{rate:,.1f} files/s, about {_duration(left)} left",
                file=self.stream,
                flush=True,
            )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# ---------------------------------------------------------------------------- the command


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _output_target(output: str, paths: Sequence[str], fx_rates: str | None) -> Path:
    """``--output``, checked: an .xlsx in a folder that exists, and none of the inputs."""
    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(
            f"--output {output}: the portfolio is an .xlsx workbook; give a name ending in "
            f".xlsx, e.g. {example_name(target, '.xlsx', 'portfolio')}"
        )
    if not target.parent.is_dir():
        raise UsageError(
            f"--output {output}: the folder {target.parent} does not exist; create it first"
        )
    _check_not_an_input(target, [p for p in paths if not os.path.isdir(p)], fx_rates)
    return target


def _reporting_option(currency: str | None) -> str | None:
    """``--currency``, checked and in capitals: an ISO 4217 code."""
    if currency is None:
        return None
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise UsageError(f"--currency {currency}: give a three-letter ISO code such as EUR")
    if currency not in MINOR_UNITS:
        raise UsageError(
            f"--currency {currency}: not an ISO 4217 currency code: give one such as EUR"
        )
    return currency


def portfolio_command(
    paths: Sequence[str],
    *,
    output: str,
    as_of: _dt.date | None = None,
    currency: str | None = None,
    fx_rates: str | None = None,
    jobs: int | None = None,
    parquet: str | None = None,
    dask: str | None = None,
    fmt: str = "text",
) -> int:
    """``xl-milestones portfolio PATH... --output PORTFOLIO.xlsx``: 0 every file read without
    errors, 1 some not read or with errors, 2 nothing read or bad usage."""
    import json

    from xl_milestones.io.atomic import replace_file
    from xl_milestones.output import emit
    from xl_milestones.reports.portfolio_book import PortfolioWriter, verify_portfolio

    target = _output_target(output, paths, fx_rates)
    currency = _reporting_option(currency)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give at least 1")
    if parquet is not None:
        _require("pyarrow", "--parquet")
    if dask is not None:
        _require("distributed", "--dask")
    today = _dt.date.today()
    fx = read_rate_table(fx_rates, today=today) if fx_rates else None
    found = find_workbooks(paths, skip=target)
    tables = None
    if parquet is not None:
        from xl_milestones.reports.portfolio_parquet import ParquetTables

        tables = ParquetTables(Path(parquet))
    done: list[Portfolio] = []

    def build(tmp: Path) -> None:
        """Roll the workbooks up as they are read, straight into the workbook at ``tmp`` (and
        the Parquet files), which are finished once the last one is in."""
        writer = PortfolioWriter(tmp, target)
        try:
            outcomes = read_books(
                found.files, today=today, as_of=as_of, jobs=jobs or default_jobs(), dask=dask
            )
            gone = (BookOutcome(str(path), False, reason) for path, reason in found.missing)
            portfolio = roll_up(
                chain(_with_progress(outcomes, Progress(len(found.files))), gone),
                currency=currency,
                fx=fx,
                sinks=[writer] if tables is None else [writer, tables],
            )
            done.append(portfolio)
            if not portfolio.read:
                raise _NothingRead
            writer.finish(portfolio)
            if tables is not None:
                tables.finish(portfolio)
        finally:
            writer.close()

    try:
        replace_file(target, build, in_place=False, verify=verify_portfolio)
    except BaseException as exc:
        if tables is not None:
            tables.discard()
        if not isinstance(exc, _NothingRead):
            raise
        for o in done[0].outcomes:
            print(f"xl-milestones: not read: {o.reason}", file=sys.stderr)
        print("xl-milestones: no workbook could be read; nothing written", file=sys.stderr)
        return 2
    portfolio = done[0]
    written = [str(target)]
    if tables is not None:
        written += [str(p) for p in tables.commit()]
    if fmt == "json":
        emit(json.dumps(portfolio_json(portfolio, written), ensure_ascii=False))
    else:
        emit(portfolio_text(portfolio, written, as_of))
    return portfolio.exit_code


def _check_not_an_input(target: Path, files: Sequence[str], fx_rates: str | None) -> None:
    """Refuse an ``--output`` that is a workbook given to be read (a PATH or the --fx-rates
    BOOK), which the portfolio would replace; in a folder searched, the output is skipped."""
    from xl_milestones.io.atomic import same_file

    named = [(f, f"the workbook {f} given to read") for f in files]
    if fx_rates is not None:
        named.append((fx_rates, f"the --fx-rates workbook {fx_rates}"))
    for given, what in named:
        if same_file(target, given):
            raise UsageError(
                f"--output {target} is {what}, which the portfolio never changes: give "
                "another file for the portfolio"
            )


class _NothingRead(Exception):
    """No file could be read: the portfolio workbook is not written."""


def _with_progress(
    outcomes: Iterable[BookOutcome], progress: Callable[[int], None]
) -> Iterator[BookOutcome]:
    for done, outcome in enumerate(outcomes, start=1):
        progress(done)
        yield outcome


def _require(module: str, option: str) -> None:
    """Refuse an option whose optional dependency is missing, before any file is read."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{option} needs the portfolio extra: {PORTFOLIO_EXTRA}")


def portfolio_json(portfolio: Portfolio, written: Sequence[str]) -> dict[str, Any]:
    """The ``portfolio --format json`` object."""
    from xl_milestones.output import json_value

    names = [f.name for f in SOURCES.fields]
    return {
        "output": list(written),
        "currency": portfolio.currency,
        "as_of": json_value(portfolio.as_of),
        "files": {"read": portfolio.read, "not_read": portfolio.not_read},
        "sources": [
            {name: json_value(v) for name, v in zip(names, row, strict=True)}
            for row in portfolio.sources
        ],
        "status": portfolio.status_counts,
        "totals": {k: json_value(v) for k, v in portfolio.figures.items()},
    }


def status_text(portfolio: Portfolio) -> str:
    """The milestones by status, or why there are none: none computed (errors in every
    one, which Sources shows) or none in the workbooks read."""
    from xl_milestones.output import plural

    counts = ", ".join(f"{k} {v}" for k, v in portfolio.status_counts.items() if v)
    if counts:
        return counts
    skipped = sum(o.skipped for o in portfolio.outcomes)
    if skipped:
        return f"none computed ({plural(skipped, 'milestone')} with errors: see Sources)"
    return "no milestones in the workbooks read"


# The files with errors the summary names; Sources lists every one.
ERRORS_LISTED: Final = 20


def errors_text(portfolio: Portfolio, as_of: _dt.date | None = None) -> list[str]:
    """The summary's lines on the workbooks read with validation errors (exit code 1): each
    file, its errors and milestones not computed, and the command that lists them."""
    from xl_milestones.output import plural, validate_command

    with_errors = [o for o in portfolio.outcomes if o.read and o.errors]
    if not with_errors:
        return []
    lines = ["  With errors (milestones not computed are left out of the figures):"]
    lines.extend(
        f"    {o.path}: {plural(o.errors, 'error')}, {plural(o.skipped, 'milestone')} not "
        f"computed: run {validate_command(o.path, as_of)}"
        for o in with_errors[:ERRORS_LISTED]
    )
    if len(with_errors) > ERRORS_LISTED:
        lines.append(f"    and {len(with_errors) - ERRORS_LISTED} more (see Sources)")
    return lines


def portfolio_text(
    portfolio: Portfolio, written: Sequence[str], as_of: _dt.date | None = None
) -> str:
    """What the command prints: the files read, the figures a finance user looks at first,
    each file with errors with the command that lists them (``--as-of`` ``as_of`` when one
    was given), and each file not read with its reason."""
    from xl_milestones.output import money_text, plural

    cur = portfolio.currency
    figures = portfolio.figures
    date = portfolio.as_of.isoformat() if portfolio.as_of else "each workbook's own date"
    lines = [
        f"Portfolio of {plural(portfolio.read, 'workbook')} as of {date}, amounts in "
        f"{portfolio.currency_text}: wrote {', '.join(written)}",
        f"  Read: {portfolio.read}; not read: {portfolio.not_read}; "
        f"with errors: {sum(1 for o in portfolio.outcomes if o.errors)}",
        "  Status:   " + status_text(portfolio),
    ]
    for key in ("due_30", "overdue", "retention_held"):
        label = dict(PORTFOLIO_METRICS)[key] + ":"
        lines.append(f"  {label:<25}{money_text(figures.get(key), cur)}")
    missing = [row for row in portfolio.sources if row[MISSING_FX]]
    if missing:
        lines.append("  No FX rate (left out of the totals):")
        lines.extend(f"    {row[0]}: {row[MISSING_FX]}" for row in missing)
    if portfolio.shared_contracts:
        lines.append(
            f"  {portfolio.shared_text} (see Sources): a workbook that is a copy of another "
            "counts twice, so leave it out"
        )
    lines.extend(errors_text(portfolio, as_of))
    failed = [o for o in portfolio.outcomes if not o.read]
    if failed:
        lines.append("  Not read:")
        lines.extend(f"    {o.reason}" for o in failed)
    return "\n".join(lines)
