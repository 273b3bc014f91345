"""The worksheet functions: their logic (udf_logic) on an in-memory book, the cache that computes
once per recalculation, and the xlwings wrappers called as plain functions with a fake caller."""

from __future__ import annotations

import inspect
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_xlwings import FakeBook, fake_from_file
from tests.factory import set_setting, valid_sheets, write_workbook
from tests.memorybook import MemoryBook

import xl_milestones_udfs as udfs
from xl_milestones.core.engine import compute
from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.schema import MILESTONES, STATUSES
from xl_milestones.core.validate import validate
from xl_milestones.errors import WorkbookError
from xl_milestones.excel import udf_logic as logic
from xl_milestones.excel.book import XlwingsBook
from xl_milestones.io.reader import read_workbook

TODAY = date(2026, 4, 1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    logic.CACHE.clear()


@pytest.fixture(scope="module")
def book_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("udf") / "book.xlsx", valid_sheets())


@pytest.fixture
def raw(book_file: Path) -> RawWorkbook:
    return read_workbook(book_file)


def _expected(raw: RawWorkbook) -> dict[str, dict[str, object]]:
    validation = validate(raw, today=TODAY)
    result = compute(validation.model, validation.as_of)
    return {m.milestone_id or "": m.values for m in result.milestones}


# ------------------------------------------------------------------------------ by milestone


@pytest.mark.parametrize(
    "field", ["status", "rag", "amount_due", "payment_due_date", "signoff_ready"]
)
def test_a_milestone_value_is_the_engine_result_as_a_cell_value(
    raw: RawWorkbook, field: str
) -> None:
    expected = _expected(raw)
    for milestone_id, values in expected.items():
        got = logic.milestone_value(MemoryBook(raw), milestone_id, field, TODAY)
        want = values[field]
        if isinstance(want, Decimal):
            assert got == float(want) and type(got) is float
        else:
            assert got == ("" if want is None else want)


def test_statuses_of_the_sample_are_real_statuses(raw: RawWorkbook) -> None:
    book = MemoryBook(raw)
    found = {logic.milestone_value(book, m, "status", TODAY) for m in _expected(raw)}
    assert found <= set(STATUSES) and found


@pytest.mark.parametrize(
    ("given", "answer"),
    [
        ("M-999", "#N/A: unknown milestone M-999"),
        ("  M-999 ", "#N/A: unknown milestone M-999"),
        (None, "#VALUE!: give a milestone ID, e.g. M-001"),
        ("   ", "#VALUE!: give a milestone ID, e.g. M-001"),
        (101.0, "#N/A: unknown milestone 101"),
        (True, "#VALUE!: TRUE is not a milestone ID: give one, e.g. M-001"),
        # The same id but for case or leading zeros: the one meant is named.
        ("m-002", "#N/A: unknown milestone m-002 (did you mean M-002?)"),
        ("M-2", "#N/A: unknown milestone M-2 (did you mean M-002?)"),
        # An error value (xlwings hands it over as text, err_to_str): not an id to look up.
        (
            "#N/A",
            "#VALUE!: milestone_id: the cell shows the error #N/A: correct the formula "
            "or type the value",
        ),
    ],
)
def test_an_unknown_or_blank_id_is_error_text(raw: RawWorkbook, given: object, answer: str) -> None:
    assert logic.milestone_value(MemoryBook(raw), given, "status", TODAY) == answer


@pytest.mark.parametrize(
    ("given", "answer"),
    [
        ([["M-999"]], "#N/A: unknown milestone M-999"),  # a one-cell range is its value
        ([["M-002", "M-004"]], "#VALUE!: milestone_id: give one cell, not a range of 2 cells"),
        (["M-002", "M-004", "M-005"], "#VALUE!: milestone_id: give one cell, not a range of 3"),
    ],
)
def test_a_range_as_the_id_is_its_one_cell_or_error_text(
    raw: RawWorkbook, given: object, answer: str
) -> None:
    got = logic.milestone_value(MemoryBook(raw), given, "status", TODAY)
    assert isinstance(got, str) and got.startswith(answer), got


def test_a_milestone_with_errors_says_it_is_not_computed_and_names_its_first_error(
    tmp_path: Path,
) -> None:
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "not a date"
    sheets["milestones"][0]["forecast_date"] = "nor this"
    raw = read_workbook(write_workbook(tmp_path / "bad.xlsx", sheets))
    cell = raw.tables[MILESTONES.key].cell("baseline_date", 2)  # before the forecast date
    milestone_id = str(sheets["milestones"][0]["milestone_id"])
    answer = logic.milestone_value(MemoryBook(raw), milestone_id, "status", TODAY)
    assert answer == (
        f"#N/A: milestone {milestone_id} is not computed because of an error in its row, "
        f"Milestones!{cell}: 'not a date' is not a date: enter a date such as 2026-03-31 "
        "(click Validate to list every error)"
    )


def test_a_milestone_skipped_for_an_error_elsewhere_does_not_blame_its_own_row(
    tmp_path: Path,
) -> None:
    # An As Of Date that is not a date leaves every milestone uncomputed: their own rows are
    # fine, so the answer must not send the user to them.
    sheets = valid_sheets()
    set_setting(sheets, "as_of_date", "soon")
    book = MemoryBook(read_workbook(write_workbook(tmp_path / "settings.xlsx", sheets)))
    assert logic.milestone_value(book, "M-002", "amount_due", TODAY) == (
        "#N/A: milestone M-002 is not computed because a row it depends on has errors (its "
        "contract, a row of another sheet for it, a predecessor, or Settings): click Validate "
        "to list them"
    )


def test_a_milestone_whose_id_was_refused_is_found_by_that_id(tmp_path: Path) -> None:
    # ' M-003 ' is an error (spaces around an id): the row is not computed, and asking for
    # M-003 says why rather than that no such milestone exists.
    sheets = valid_sheets()
    row = next(r for r in sheets["milestones"] if r["milestone_id"] == "M-003")
    row["milestone_id"] = " M-003 "
    sheets["deliverables"] = [d for d in sheets["deliverables"] if d["milestone_id"] != "M-003"]
    sheets["signoffs"] = [s for s in sheets["signoffs"] if s["milestone_id"] != "M-003"]
    sheets["invoices"] = [i for i in sheets["invoices"] if i["milestone_id"] != "M-003"]
    raw = read_workbook(write_workbook(tmp_path / "spaces.xlsx", sheets))
    cell = raw.tables[MILESTONES.key].cell("milestone_id", 2 + sheets["milestones"].index(row))
    answer = logic.milestone_value(MemoryBook(raw), "M-003", "status", TODAY)
    assert answer == (
        f"#N/A: milestone M-003 is not computed because of an error in its row, "
        f"Milestones!{cell}: the id ' M-003 ' has spaces before or after it: remove them "
        "('M-003') (click Validate to list every error)"
    )
    table = logic.results_table(MemoryBook(raw), TODAY)
    assert isinstance(table, list)
    assert [r[0] for r in table[1:]] == ["M-001", "M-002", "M-003", "M-101"]


class _Unreadable:
    name = "broken.xlsx"

    def read(self) -> RawWorkbook:
        raise WorkbookError("broken.xlsx: the workbook has no 'Milestones' sheet")


def test_an_unreadable_book_and_a_bug_are_error_text_not_tracebacks(raw: RawWorkbook) -> None:
    answer = logic.milestone_value(_Unreadable(), "M-001", "status", TODAY)
    assert answer == "#N/A: broken.xlsx: the workbook has no 'Milestones' sheet"

    def broken(_raw: RawWorkbook, _today: date) -> logic.Computed:
        raise ZeroDivisionError("division by zero")

    cache = logic.UdfCache(computer=broken)
    answer = logic.milestone_value(MemoryBook(raw), "M-001", "status", TODAY, cache)
    assert answer == (
        "#VALUE!: internal error (ZeroDivisionError: division by zero); please report it"
    )


def test_a_misspelt_field_is_a_bug_that_fails_loudly(raw: RawWorkbook) -> None:
    with pytest.raises(KeyError):
        logic.milestone_value(MemoryBook(raw), "M-001", "stauts", TODAY)


# ------------------------------------------------------------------------------- whole table


def test_results_table_is_a_header_and_one_full_row_per_milestone(raw: RawWorkbook) -> None:
    table = logic.results_table(MemoryBook(raw), TODAY)
    assert isinstance(table, list)
    header, *rows = table
    assert header == ["Milestone ID", *(f.header for f in MILESTONES.results)]
    expected = _expected(raw)
    assert [r[0] for r in rows] == list(expected)
    for row in rows:
        assert len(row) == len(header)
        assert all(v is not None and not isinstance(v, Decimal) for v in row)
        values = expected[str(row[0])]
        status = header.index("Status")
        assert row[status] == values["status"]
    blank = [f.name for f in MILESTONES.results].index("late_interest") + 1
    assert all(isinstance(r[blank], float | str) for r in rows)


def test_results_table_of_an_unreadable_book_is_one_error_text() -> None:
    assert logic.results_table(_Unreadable(), TODAY) == (
        "#N/A: broken.xlsx: the workbook has no 'Milestones' sheet"
    )


# ------------------------------------------------------------------------------------ cache


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_calls_within_one_recalculation_read_and_compute_once(raw: RawWorkbook) -> None:
    clock = _Clock()
    cache = logic.UdfCache(window=0.5, clock=clock)
    book = MemoryBook(raw)
    for milestone_id in _expected(raw):
        for field in ("status", "rag", "amount_due"):
            logic.milestone_value(book, milestone_id, field, TODAY, cache)
            clock.now += 0.01  # back to back, as Excel evaluates a sheet
    logic.results_table(book, TODAY, cache)
    assert (book.reads, cache.reads, cache.computes) == (1, 1, 1)


def test_after_the_window_unchanged_tables_are_read_but_not_computed_again(
    raw: RawWorkbook,
) -> None:
    clock = _Clock()
    cache = logic.UdfCache(window=0.5, clock=clock)
    book = MemoryBook(raw)
    logic.milestone_value(book, "M-001", "status", TODAY, cache)
    clock.now += 5
    logic.milestone_value(book, "M-001", "status", TODAY, cache)
    assert (cache.reads, cache.computes) == (2, 1)


def test_after_an_edit_the_next_recalculation_computes_again(raw: RawWorkbook) -> None:
    clock = _Clock()
    cache = logic.UdfCache(window=0.5, clock=clock)
    book = MemoryBook(raw)
    assert logic.milestone_value(book, "M-001", "status", TODAY, cache) == "Signed off"
    milestones = raw.tables[MILESTONES.key]
    # The user clears M-001's actual date: unfinished and past its date (as of 2026-03-31).
    milestones.values["actual_date"][0] = None
    milestones.values["percent_complete"][0] = 0.5
    clock.now += 0.3
    assert logic.milestone_value(book, "M-001", "status", TODAY, cache) == "Signed off"
    clock.now += 5
    assert logic.milestone_value(book, "M-001", "status", TODAY, cache) == "Late"
    assert cache.computes == 2


def test_books_are_kept_apart_and_clear_and_a_new_day_force_a_read(raw: RawWorkbook) -> None:
    clock = _Clock()
    cache = logic.UdfCache(window=0.5, clock=clock)
    first, second = MemoryBook(raw, name="a.xlsm"), MemoryBook(raw, name="b.xlsm")
    logic.milestone_value(first, "M-001", "status", TODAY, cache)
    logic.milestone_value(second, "M-001", "status", TODAY, cache)
    assert (first.reads, second.reads) == (1, 1)
    cache.clear("a.xlsm")
    logic.milestone_value(first, "M-001", "status", TODAY, cache)
    logic.milestone_value(second, "M-001", "status", TODAY, cache)
    assert (first.reads, second.reads) == (2, 1)
    logic.milestone_value(second, "M-001", "status", date(2026, 4, 2), cache)
    assert second.reads == 2 and cache.computes == 4  # a, b, a after clear, b next day


def test_only_the_books_used_last_keep_their_results(raw: RawWorkbook) -> None:
    # A closed or renamed workbook's results are not kept for the rest of the Excel session.
    clock = _Clock()
    cache = logic.UdfCache(window=0.5, clock=clock, books=2)
    first, second, third = (MemoryBook(raw, name=f"{n}.xlsm") for n in "abc")
    for book in (first, second, first, third):  # b is now the least recently used
        logic.milestone_value(book, "M-001", "status", TODAY, cache)
        clock.now += 5
    assert cache.computes == 3
    logic.milestone_value(first, "M-001", "status", TODAY, cache)  # kept: read, not computed
    assert cache.computes == 3
    logic.milestone_value(second, "M-001", "status", TODAY, cache)  # dropped: computed again
    assert cache.computes == 4


def test_a_read_is_fingerprinted_once(raw: RawWorkbook, monkeypatch: pytest.MonkeyPatch) -> None:
    # On 100,000 milestones a fingerprint costs close to a second: not twice per edit.
    made: list[str] = []
    real = logic.fingerprint

    def counted(tables: RawWorkbook) -> str:
        made.append(real(tables))
        return made[-1]

    monkeypatch.setattr(logic, "fingerprint", counted)
    logic.milestone_value(MemoryBook(raw), "M-001", "status", TODAY, logic.UdfCache())
    assert len(made) == 1


def test_the_fingerprint_follows_every_value_and_its_place(raw: RawWorkbook) -> None:
    before = logic.fingerprint(raw)
    assert logic.fingerprint(read_workbook_again(raw)) == before
    raw.tables[MILESTONES.key].values["milestone_name"][1] = "x"
    edited = logic.fingerprint(raw)
    assert edited != before
    raw.tables[MILESTONES.key].rows[1] += 1  # the same values one row further down
    assert logic.fingerprint(raw) not in (before, edited)


def read_workbook_again(raw: RawWorkbook) -> RawWorkbook:
    import copy

    return copy.deepcopy(raw)


# ------------------------------------------------------------------------ finance helpers


def test_late_interest_worked_example_uk() -> None:
    # 10,000.00 due 2026-01-31, paid 30 days late, reference 5% + the UK margin 8%:
    # 10000 x 0.13 x 30 / 365 = 106.849... -> 106.85, plus the fixed 100 for 10,000 or more.
    answer = logic.late_interest_amount(
        10000, datetime(2026, 1, 31), datetime(2026, 3, 2), "UK", 0.05
    )
    assert answer == 206.85


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        # Serial numbers (dates typed in a formula), eu, margin 2% given: 10000 x 0.07 x 30 /
        # 365 = 57.534... -> 57.53, plus the fixed 40. 46053 = 2026-01-31, 46083 = 2026-03-02.
        ((10000, 46053, 46083, "eu", 0.05, 0.02), 97.53),
        ((10000, "2026-01-31", "2026-01-31", "uk", 0.05), 0.0),  # paid on the day: not late
        ((10000, date(2026, 1, 31), date(2026, 3, 2), "none", 0.05), 0.0),
        # us, 30 days: 1,000,000 x 0.06 x 30 / 360 = 5,000 (margin 0); JPY has no decimals.
        ((1000000, date(2026, 1, 31), date(2026, 3, 2), "us", 0.06, None, "JPY"), 5000.0),
    ],
)
def test_late_interest_regimes_and_argument_forms(args: tuple[Any, ...], answer: float) -> None:
    assert logic.late_interest_amount(*args) == answer


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ((None, 46053, 46083, "uk", 0.05), "#VALUE!: amount: required"),
        ((100, 46053, 46083, "uk", 5), "#VALUE!: rate: enter 5% (0.05), not 5"),
        ((100, "soon", 46083, "uk", 0.05), "#VALUE!: due_date: "),
        ((100, 46053, 46083, "france", 0.05), "#VALUE!: regime: 'france' is not allowed"),
        ((True, 46053, 46083, "uk", 0.05), "#VALUE!: amount: "),
    ],
)
def test_late_interest_bad_input_is_error_text(args: tuple[Any, ...], answer: str) -> None:
    got = logic.late_interest_amount(*args)
    assert isinstance(got, str) and got.startswith(answer), got


NAN, INF = float("nan"), float("inf")
UK_CASE = (10000, date(2026, 1, 31), date(2026, 3, 2), "uk", 0.05)  # 206.85, as above


def _uk_with(position: int, value: object) -> tuple[object, ...]:
    """The UK worked example's arguments with one of them (or a new last one) replaced."""
    args = [*UK_CASE, None, None]
    args[position] = value
    return tuple(args)


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (_uk_with(0, NAN), "#VALUE!: amount: NaN is not a number a cell can hold"),
        (_uk_with(0, INF), "#VALUE!: amount: infinity is not a number a cell can hold"),
        (_uk_with(1, NAN), "#VALUE!: due_date: NaN is not a number a cell can hold"),
        (_uk_with(2, -INF), "#VALUE!: paid_date: -infinity is not a number a cell can hold"),
        (_uk_with(4, NAN), "#VALUE!: rate: NaN is not a number a cell can hold"),
        (_uk_with(4, INF), "#VALUE!: rate: infinity is not a number a cell can hold"),
        (_uk_with(5, NAN), "#VALUE!: margin: NaN is not a number a cell can hold"),
    ],
)
def test_late_interest_refuses_nan_and_infinity(args: tuple[Any, ...], answer: str) -> None:
    got = logic.late_interest_amount(*args)
    assert isinstance(got, str) and got.startswith(answer), got


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ((date(2026, 1, 1), NAN), "#VALUE!: days: NaN is not a number a cell can hold"),
        ((NAN, 30), "#VALUE!: date: NaN is not a number a cell can hold"),
        ((date(2026, 1, 1), INF), "#VALUE!: days: infinity is not a number a cell can hold"),
    ],
)
def test_payment_due_date_refuses_nan_and_infinity(args: tuple[Any, ...], answer: str) -> None:
    got = logic.payment_due(*args)
    assert isinstance(got, str) and got.startswith(answer), got


TOO_LARGE = "#NUM!: the interest is too large for Excel, which keeps 15 significant digits"


@pytest.mark.parametrize(
    "args",
    [
        # fidic compounds monthly: 100,000 at 93% over 76 years is about 10^34, beyond what
        # the decimal context rounds to a cent.
        (100000, date(1950, 1, 1), date(2026, 1, 1), "fidic", 0.9),
        (10000, date(1900, 1, 1), date(9999, 12, 31), "us", 0.5),
        # us, 30 days at 100%: amount / 12 = 10,288,065,751,028.75, 16 significant digits, which
        # a cell would show as ...028.8.
        (123456789012345, date(2026, 1, 1), date(2026, 1, 31), "us", 1),
    ],
)
def test_late_interest_too_large_for_a_cell_is_num_error_text(args: tuple[Any, ...]) -> None:
    got = logic.late_interest_amount(*args)
    assert isinstance(got, str) and got.startswith(TOO_LARGE), got


def test_late_interest_of_15_significant_digits_is_a_number() -> None:
    # 12,345,678,901,234 / 12 = 1,028,806,575,102.833... -> 1,028,806,575,102.83: 15 digits.
    got = logic.late_interest_amount(12345678901234, date(2026, 1, 1), date(2026, 1, 31), "us", 1)
    assert got == 1028806575102.83


def test_payment_due_date_after_the_last_excel_date_is_num_error_text() -> None:
    assert logic.payment_due(date(9999, 12, 20), 30) == (
        "#NUM!: the due date falls after 9999-12-31, the last date Excel knows: check the "
        "date and the days"
    )
    assert logic.payment_due(date(9999, 12, 1), 30, None, None, "GB") == date(9999, 12, 31)


def test_payment_due_date_in_an_unknown_country_says_what_to_give() -> None:
    assert logic.payment_due(date(2026, 1, 30), 30, None, None, "XX") == (
        "#VALUE!: country: no public holidays known for 'XX': give an ISO 3166 code such as "
        "GB, US or DE (a region as GB-ENG or DE-BY), or leave it blank"
    )


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ((10000, date(2026, 1, 31), date(2026, 3, 2), None, 0.05), "#VALUE!: regime: required"),
        ((10000, date(2026, 1, 31), date(2026, 3, 2), "uk", None), "#VALUE!: rate: required"),
        ((10000, date(2026, 1, 31), date(2026, 3, 2), "uk", " "), "#VALUE!: rate: required"),
        ((10000, date(2026, 1, 31), None, "uk", 0.05), "#VALUE!: paid_date: required"),
    ],
)
def test_late_interest_required_arguments_are_not_defaulted(
    args: tuple[Any, ...], answer: str
) -> None:
    assert logic.late_interest_amount(*args) == answer


def test_late_interest_optional_arguments_default_as_documented() -> None:
    # Blank margin: the law's (uk 8%); blank currency: 2 decimals.
    assert logic.late_interest_amount(*UK_CASE, None, None) == 206.85
    assert logic.late_interest_amount(*UK_CASE, "", "") == 206.85


@pytest.mark.parametrize(
    ("currency", "answer"),
    [
        ("XYZ", "#VALUE!: currency: 'XYZ' is not an ISO 4217 currency code"),
        (5, "#VALUE!: currency: '5' is not an ISO 4217 currency code"),
        ("GB", "#VALUE!: currency: 'GB' is not an ISO 4217 currency code"),
        ("€", "#VALUE!: currency: '€' is a currency sign, not an ISO 4217 code: enter EUR"),
    ],
)
def test_late_interest_refuses_a_currency_that_is_not_iso_4217(
    currency: object, answer: str
) -> None:
    got = logic.late_interest_amount(*UK_CASE, None, currency)
    assert isinstance(got, str) and got.startswith(answer), got


@pytest.mark.parametrize(
    ("currency", "answer"),
    [
        (" jpy ", 10785.0),  # 1,000,000 x 0.13 x 30 / 365 = 10,684.93 -> 10,685, + 100
        ("KWD", 10784.932),
    ],
)
def test_late_interest_rounds_to_the_currency_given(currency: str, answer: float) -> None:
    args = (1000000, date(2026, 1, 31), date(2026, 3, 2), "uk", 0.05, None, currency)
    assert logic.late_interest_amount(*args) == answer


def _answers(got: object, answer: object) -> None:
    """``got`` is ``answer``, or for error text starts with it."""
    if isinstance(answer, str):
        assert isinstance(got, str) and got.startswith(answer), got
    else:
        assert got == answer


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (([[10000]], [[46053]], [46083], [["uk"]], [[0.05]], [[None]], [["GBP"]]), 206.85),
        ((10000, 46053, 46083, "uk", 0.05, None, [["GBP", "EUR"]]), "#VALUE!: currency: give "),
        (([[10000, 2]], 46053, 46083, "uk", 0.05), "#VALUE!: amount: give one cell, not a "),
        ((10000, [[46053], [46054]], 46083, "uk", 0.05), "#VALUE!: due_date: give one cell, "),
        ((10000, 46053, 46083, [["uk", "eu"]], 0.05), "#VALUE!: regime: give one cell, not a "),
    ],
)
def test_late_interest_takes_a_one_cell_range_and_refuses_a_larger_one(
    args: tuple[Any, ...], answer: object
) -> None:
    _answers(logic.late_interest_amount(*args), answer)


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (([[date(2026, 11, 25)]], [[30]], [["after_signoff"]], None, [["GB"]]), date(2026, 12, 29)),
        ((date(2026, 1, 1), 30, None, None, [["GB", "US"]]), "#VALUE!: country: give one cell, "),
        ((date(2026, 1, 1), [[30, 60]]), "#VALUE!: days: give one cell, not a range of 2 cells"),
        ((date(2026, 1, 1), 30, [["a"], ["b"]]), "#VALUE!: basis: give one cell, not a range of 2"),
    ],
)
def test_payment_due_date_takes_a_one_cell_range_and_refuses_a_larger_one(
    args: tuple[Any, ...], answer: object
) -> None:
    _answers(logic.payment_due(*args), answer)


def test_payment_due_date_days_are_required_and_the_rest_defaults_as_documented() -> None:
    assert logic.payment_due(date(2026, 1, 1), None) == "#VALUE!: days: required"
    assert logic.payment_due(date(2026, 1, 1), "") == "#VALUE!: days: required"
    # Blank basis, convention and country: after_invoice, following, weekends only.
    # 1 Jan + 30 = Sat 31 Jan 2026 -> Mon 2 Feb.
    assert logic.payment_due(date(2026, 1, 1), 30, "", None, "") == date(2026, 2, 2)


def test_payment_due_date_takes_a_region_of_a_country() -> None:
    # 31 Jul + 31 = Mon 31 Aug 2026, England's late summer bank holiday but not Scotland's.
    assert logic.payment_due(date(2026, 7, 31), 31, None, None, "gb-eng") == date(2026, 9, 1)
    assert logic.payment_due(date(2026, 7, 31), 31, None, None, [["GB-SCT"]]) == date(2026, 8, 31)


@pytest.mark.parametrize(
    ("args", "due"),
    [
        # 15 Feb 2026 + 30 days from the month end: 28 Feb + 30 = 30 Mar 2026, a Monday.
        ((datetime(2026, 2, 15), 30, "eom_after_invoice"), date(2026, 3, 30)),
        # 1 Jan + 30 = Sat 31 Jan 2026: following -> Mon 2 Feb; preceding -> Fri 30 Jan;
        # modified_following would cross into February, so it goes back to Fri 30 Jan.
        ((date(2026, 1, 1), 30), date(2026, 2, 2)),
        ((date(2026, 1, 1), 30, "after_invoice", "preceding"), date(2026, 1, 30)),
        ((date(2026, 1, 1), 30, "", "modified_following"), date(2026, 1, 30)),
        ((date(2026, 1, 1), 30, None, "none"), date(2026, 1, 31)),
        # 25 Nov + 30 = Fri 25 Dec 2026 (Christmas); 26-27 weekend; Mon 28 Dec is the GB
        # substitute Boxing Day: the next business day is Tue 29 Dec.
        ((date(2026, 11, 25), 30, "after_signoff", "following", "gb"), date(2026, 12, 29)),
        ((date(2026, 11, 25), 30, "after_signoff", "following"), date(2026, 12, 25)),
    ],
)
def test_payment_due_date_worked_examples(args: tuple[Any, ...], due: date) -> None:
    assert logic.payment_due(*args) == due


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ((date(2026, 1, 1), "abc"), "#VALUE!: days: 'abc' is not a whole number"),
        ((date(2026, 1, 1), 400), "#VALUE!: days: "),
        ((date(2026, 1, 1), 30, "net30"), "#VALUE!: basis: 'net30' is not allowed"),
        ((date(2026, 1, 1), 30, None, None, "XX"), "#VALUE!: country: no public holidays"),
        ((None, 30), "#VALUE!: date: required"),
    ],
)
def test_payment_due_date_bad_input_is_error_text(args: tuple[Any, ...], answer: str) -> None:
    got = logic.payment_due(*args)
    assert isinstance(got, str) and got.startswith(answer), got


# --------------------------------------------------------------------- the xlwings wrappers

BOOK_FUNCTIONS = {
    "MS_STATUS": "status",
    "MS_RAG": "rag",
    "MS_AMOUNT_DUE": "amount_due",
    "MS_DUE_DATE": "payment_due_date",
    "MS_SIGNOFF_READY": "signoff_ready",
    "MS_SIGNOFF_DUE": "signoff_due_date",
    "MS_BLOCKERS": "signoff_blockers",
}
ALL_FUNCTIONS = [*BOOK_FUNCTIONS, "MS_RESULTS", "MS_LATE_INTEREST", "MS_PAYMENT_DUE_DATE"]


def _caller(book: FakeBook) -> Any:
    return book._sheet("Milestones").range((2, 30))


def test_the_module_is_importable_by_the_name_xlwings_conf_gives() -> None:
    from xl_milestones.template.builder import UDF_MODULE

    assert udfs.__name__ == UDF_MODULE
    assert Path(udfs.__file__).resolve().parent == ROOT / "udfs" / UDF_MODULE


@pytest.mark.parametrize(("name", "field"), sorted(BOOK_FUNCTIONS.items()))
def test_each_book_function_reads_the_calling_workbook(
    book_file: Path, name: str, field: str
) -> None:
    book = fake_from_file(str(book_file))
    function = getattr(udfs, name)
    expected = {
        m: logic.cell(values[field]) for m, values in _expected(read_workbook(book_file)).items()
    }
    # The as-of date of the sample comes from its Settings, so today does not matter here.
    assert {m: function(m, _caller(book)) for m in expected} == expected
    assert function("M-999", _caller(book)) == "#N/A: unknown milestone M-999"


def test_the_functions_never_touch_excel_settings_and_read_each_sheet_once(
    book_file: Path,
) -> None:
    book = fake_from_file(str(book_file))
    for name in BOOK_FUNCTIONS:
        getattr(udfs, name)("M-001", _caller(book))
    table = udfs.MS_RESULTS(_caller(book))
    assert isinstance(table, list) and len(table) == 1 + len(_expected(read_workbook(book_file)))
    assert not {name for kind, name in book.calls if kind == "App"}
    assert book._sheet("Milestones").reads == 1  # one recalculation, one read
    assert book.app.status_history == []


def test_finance_functions_need_no_workbook() -> None:
    assert udfs.MS_LATE_INTEREST(10000, date(2026, 1, 31), date(2026, 3, 2), "uk", 0.05) == 206.85
    assert udfs.MS_PAYMENT_DUE_DATE(date(2026, 1, 1), 30) == date(2026, 2, 2)
    assert udfs.MS_PAYMENT_DUE_DATE(date(2026, 1, 1), -1).startswith("#VALUE!: days:")


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_function_suits_xlwings_and_has_help_for_excel_users(name: str) -> None:
    function = getattr(udfs, name)
    doc = inspect.getdoc(function) or ""
    assert len(doc) > 40 and "Python" not in doc and "None" not in doc
    parameters = inspect.signature(function).parameters.values()
    # xlwings refuses keyword-only arguments and converts by type hint: Any is its default.
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)
    hints = typing.get_type_hints(function)
    assert set(hints.values()) == {Any}
    if name in BOOK_FUNCTIONS or name == "MS_RESULTS":
        assert list(inspect.signature(function).parameters)[-1] == "caller"


def test_the_readme_documents_every_function_with_an_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Functions in Excel", 1)[1].split("\n## ", 1)[0]
    for name in ALL_FUNCTIONS:
        assert f"={name}(" in section, name


def test_the_live_adapter_reads_what_the_file_reader_reads(book_file: Path) -> None:
    from_file = read_workbook(book_file)
    live = XlwingsBook(fake_from_file(str(book_file))).read()
    assert set(live.tables) == set(from_file.tables)
    for key, table in from_file.tables.items():
        other = live.tables[key]
        assert (other.header_row, other.columns) == (table.header_row, table.columns)
        assert (other.rows, other.values) == (table.rows, table.values)


def test_signoff_due_of_a_milestone_awaiting_sign_off(tmp_path: Path) -> None:
    # M-002 completed 2026-03-20 and not yet approved: due 2026-03-20 + 10 days = 2026-03-30.
    sheets = valid_sheets()
    for row in sheets["milestones"]:
        if row["milestone_id"] == "M-002":
            row["actual_date"] = date(2026, 3, 20)
            row["percent_complete"] = 1
    book = fake_from_file(str(write_workbook(tmp_path / "awaiting.xlsx", sheets)))
    assert udfs.MS_STATUS("M-002", _caller(book)) == "Awaiting sign-off"
    assert udfs.MS_SIGNOFF_DUE("M-002", _caller(book)) == date(2026, 3, 30)
    assert udfs.MS_SIGNOFF_DUE("M-001", _caller(book)) == ""  # signed off: blank
