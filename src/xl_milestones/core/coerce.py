"""Cell coercion: a raw cell value to the typed value its schema field needs, or a Problem.

One converter per field, built once and called for every cell of its column, so the common case
(a value of the right type) costs a type check and little else. Converters never raise on any
input: every value Excel can hold maps to a typed value or to a Problem with a stable code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final, NamedTuple

from xl_milestones.core.currencies import SIGN_CODES
from xl_milestones.core.issues import Severity
from xl_milestones.core.model import CellError
from xl_milestones.core.money import LARGEST_AMOUNT
from xl_milestones.core.schema import Field, FieldType

ERROR = Severity.ERROR
WARNING = Severity.WARNING

# Excel's error values; text equal to one of them in a typed column is treated as that error.
ERROR_LITERALS: Final = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
_YES: Final = frozenset({"yes", "y", "true", "1"})
_NO: Final = frozenset({"no", "n", "false", "0"})
# Excel's last date (9999-12-31) as a 1900-system serial.
_MAX_SERIAL: Final = 2958465
_EPOCH_1900: Final = dt.date(1899, 12, 30)
_EPOCH_1900_EARLY: Final = dt.date(1899, 12, 31)
_EPOCH_1904: Final = dt.date(1904, 1, 1)
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$")
# Month names in any language ("Mar", "März", "déc."), after a day with or without its dot
# ("31. März 2026", as German writes it).
_DATE_LIKE = re.compile(
    r"^\s*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\.?[ -]?[^\W\d_]{3,9}\.?[ ,-]*\d{2,4}|"
    r"[^\W\d_]{3,9}[ .-]?\d{1,2},?[ -]?\d{2,4}|\d{4}-\d{1,2}-\d{1,2}([ T].*)?)\s*$"
)
_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY_SIGNS = str.maketrans({c: None for c in "£$€¥ \u00a0\u202f"} | {"\u2212": "-"})
# A currency code typed before or after the amount ("EUR 1,200", "1200 GBP").
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}\s*(?=[\d(+-])|(?<=[\d)%])\s*[A-Z]{3}$")
# A decimal comma, as many European locales write numbers ("1.000,00", "12,5", "0,05"); a
# comma before exactly three digits ("1,000") reads as thousands, as _THOUSANDS has it, but
# not after a lone 0 ("0,055"): no number's thousands start with 0.
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,\d{1,2}|\d+,\d{4,}|0,\d+)$")
# One dot before exactly three digits ("1.234", "250.000"): a decimal point to
# parse_number_text, a thousands separator in German, Dutch or Italian.
_DOT_GROUP = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


class Problem(NamedTuple):
    """What is wrong with one cell. ``value`` is what is used anyway (warnings only)."""

    severity: Severity
    code: str
    message: str
    value: object = None


# A converter returns the typed value, or a Problem (whose ``value`` is used for warnings).
Converter = Callable[[object], object]


def show(value: object) -> str | None:
    """A cell value as the text an Issue reports (dates in ISO form, 1001.0 as 1001)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


QUOTED_MAX = 60  # characters of a typed value a message quotes; longer ones are cut


def quoted(value: object) -> str:
    """A typed value as a message quotes it: 'in quotes', a long one cut with its length
    ('LLLL...' (40,000 characters)), so that one cell cannot flood a report."""
    text = value if isinstance(value, str) else (show(value) or "")
    if len(text) <= QUOTED_MAX:
        return f"'{text}'"
    return f"'{text[:QUOTED_MAX]}...' ({len(text):,} characters)"


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def not_a_code(value: object) -> str:
    """Why ``value`` is refused as a currency, and the code to enter: for a currency sign
    ("'€' is a currency sign, not an ISO 4217 code: enter EUR"), the code it stands for."""
    hint = SIGN_CODES.get(str(value).strip())
    if hint is None:
        return (
            f"{quoted(value)} is not an ISO 4217 currency code: enter a code such as GBP, EUR "
            "or USD"
        )
    return f"{quoted(value)} is a currency sign, not an ISO 4217 code: {hint}"


def to_decimal(value: float | int) -> Decimal:
    """A float or int as the Decimal the user typed: 0.1 -> Decimal('0.1'), not its binary form."""
    if type(value) is int:
        return Decimal(value)
    return Decimal(repr(value))


def parse_number_text(text: str) -> tuple[Decimal, bool] | None:
    """The number a text stands for ("1,250.50", "£300", "EUR 300", "(40)", "10%", "1.250,50"
    with a decimal comma, "−40" with a minus sign), and whether it had %."""
    core, negative, percent = _number_core(text)
    number = _core_number(core, negative, percent)
    return None if number is None else (number, percent)


def number_text_reading(text: str) -> str | None:
    """The number a text stands for as a message shows it ("1234.56"), or None. One dot
    before exactly three digits ("1.234") gets both readings: a decimal point in English, a
    thousands separator in German. (A comma before three digits reads as thousands.)"""
    core, negative, percent = _number_core(text)
    number = _core_number(core, negative, percent)
    if number is None:
        return None
    shown = show(number) or ""
    if not _DOT_GROUP.match(core):
        return shown
    other = _signed(core.replace(".", ""), negative, percent)
    return f"{shown}, or {show(other)} if the dot separates thousands"


def _core_number(core: str, negative: bool, percent: bool) -> Decimal | None:
    """The number of a text's core (``_number_core``): commas as thousands before groups of
    three digits, else as a decimal comma where the text reads so."""
    if _THOUSANDS.match(core):
        core = core.replace(",", "")
    elif _DECIMAL_COMMA.match(core):
        core = core.replace(".", "").replace(",", ".")
    return _signed(core, negative, percent)


def _number_core(text: str) -> tuple[str, bool, bool]:
    """A number's text without currency signs, codes, spaces, parentheses and %: the digits
    with their sign and separators, whether it was in parentheses and whether it had %."""
    s = _CURRENCY_CODE.sub("", text.strip()).translate(_CURRENCY_SIGNS)
    negative = False
    if len(s) > 2 and s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1]
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    return s, negative, percent


def _signed(s: str, negative: bool, percent: bool) -> Decimal | None:
    """``s``, a plain decimal literal, as a number: negated, or divided by 100 for %."""
    if not _NUMBER_TEXT.match(s):
        return None
    try:
        number = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None
    if negative:
        number = -number
    if percent:
        number = number / _HUNDRED
    return number


def serial_to_date(serial: float, date1904: bool) -> dt.date | None:
    """An Excel serial number as a date in the workbook's date system, or None when invalid."""
    whole = int(serial // 1)
    if date1904:
        if whole < 0 or whole > _MAX_SERIAL - 1462:
            return None
        return _EPOCH_1904 + dt.timedelta(days=whole)
    if whole < 1 or whole > _MAX_SERIAL or whole == 60:  # 60 is Excel's fictitious 1900-02-29
        return None
    if whole < 60:
        return _EPOCH_1900_EARLY + dt.timedelta(days=whole)
    return _EPOCH_1900 + dt.timedelta(days=whole)


def ratio_hint(number: Decimal) -> str:
    """The message for a whole-number percentage: ``enter 10% (0.10), not 10``."""
    shown = format(number.normalize(), "f")
    fraction = format((number / _HUNDRED).normalize(), "f")
    if "." not in fraction:
        fraction += ".00"
    elif len(fraction.split(".")[1]) < 2:
        fraction += "0"
    return f"enter {shown}% ({fraction}), not {shown}"


def error_value_text(code: str) -> str:
    """What to do about a cell (or a function argument) that shows an Excel error value."""
    return f"the cell shows the error {code}: correct the formula or type the value"


def _error_problem(code: str) -> Problem:
    if code.startswith("="):  # the reader's mark for a formula with no saved value
        formula = f"the formula {code}" if len(code) > 1 else "a formula"
        return Problem(
            ERROR,
            "formula-not-calculated",
            f"the cell holds {formula} that was never calculated, so it has no value (the file "
            "was written by a program without a calculation engine): open the file in Excel "
            "or LibreOffice and save it, or type the value",
        )
    return Problem(ERROR, "formula-error", error_value_text(code))


_WHITESPACE = Problem(
    WARNING,
    "whitespace-only",
    "the cell holds only spaces and is read as blank: clear it or enter the value",
)


def _range_problem(field: Field, number: Decimal) -> Problem | None:
    lo, hi = field.minimum, field.maximum
    if lo is not None and (number < lo or (field.exclusive_minimum and number == lo)):
        bound = "more than" if field.exclusive_minimum else "at least"
        return Problem(ERROR, "out-of-range", _range_text(field, bound, lo))
    if hi is not None and number > hi:
        return Problem(ERROR, "out-of-range", _range_text(field, "at most", hi))
    return None


def _range_text(field: Field, bound: str, limit: Decimal) -> str:
    if field.type is FieldType.RATIO:
        shown = format((limit * _HUNDRED).normalize(), "f") + "%"
    else:
        shown = format(limit.normalize(), "f")
    return f"{field.header} must be {bound} {shown}: correct the value"


def converter(field: Field, date1904: bool = False, *, cell: bool = True) -> Converter:
    """The converter for one field's cells (``date1904`` for serial numbers in date columns).
    A workbook's cell (``cell``) holds no date after LAST_DATE; a function's argument may."""
    t = field.type
    if t is FieldType.TEXT:
        return _text
    if t is FieldType.ID:
        return _id
    if t is FieldType.IDS:
        return _ids
    if t is FieldType.DATE:
        return _date_converter(date1904) if cell else _date_reader(date1904)
    if t is FieldType.YESNO:
        return _yesno
    if t is FieldType.ENUM:
        return _enum_converter(field)
    return _number_converter(field)


def _text(v: object) -> object:
    tv = type(v)
    if tv is str:
        s = v.strip()  # type: ignore[attr-defined]
        if s:
            return s
        return _WHITESPACE
    if isinstance(v, CellError):
        return _error_problem(v.code)
    return show(v)


def strip_id(text: str) -> str:
    """``text`` without the spaces and the invisible characters (zero-width space, byte order
    mark, direction marks: Unicode format characters) before and after it, which text copied
    from a web page, an e-mail or a CSV file brings along."""
    s = text.strip()
    while s and unicodedata.category(s[0]) == "Cf":
        s = s[1:].strip()
    while s and unicodedata.category(s[-1]) == "Cf":
        s = s[:-1].strip()
    return s


def _id(v: object) -> object:
    tv = type(v)
    if tv is str:
        s: str = v  # type: ignore[assignment]
        stripped = strip_id(s)
        if stripped == s:
            if s in ERROR_LITERALS:
                return _error_problem(s)
            return s
        if not stripped:
            return _WHITESPACE
        return Problem(ERROR, "id-spaces", _id_spaces_text(s, stripped))
    if tv is int:
        return str(v)
    if tv is float:
        return _float_text(v)  # type: ignore[arg-type]
    if isinstance(v, CellError):
        return _error_problem(v.code)
    what = "TRUE/FALSE" if tv is bool else "a date" if isinstance(v, dt.date) else "this value"
    return Problem(ERROR, "not-an-id", f"{what} is not an id: enter the reference as text")


def _id_spaces_text(typed: str, stripped: str) -> str:
    around = typed.replace(stripped, "", 1)
    hidden = sorted({f"U+{ord(c):04X}" for c in around if not c.isspace()})
    if not hidden:
        return (
            f"the id {quoted(typed)} has spaces before or after it: remove them "
            f"({quoted(stripped)})"
        )
    return (
        f"the id {quoted(stripped)} has an invisible character ({', '.join(hidden)}) before or "
        f"after it, as text copied from a web page or a file can: retype the id"
    )


def _ids(v: object) -> object:
    tv = type(v)
    if tv is str:
        s: str = v  # type: ignore[assignment]
        if "," not in s and ";" not in s:
            one = strip_id(s)
            if not one:
                return _WHITESPACE
            if one in ERROR_LITERALS:
                return _error_problem(one)
            return (one,)
        ids = tuple(p for p in (strip_id(q) for q in s.replace(";", ",").split(",")) if p)
        return ids or None
    if tv is int:
        return (str(v),)
    if tv is float:
        return (_float_text(v),)  # type: ignore[arg-type]
    if isinstance(v, CellError):
        return _error_problem(v.code)
    return Problem(
        ERROR,
        "not-an-id",
        "this is not a list of ids: enter ids separated by commas, e.g. M-001, M-002",
    )


# What a date cell read as midnight holds: calamine reads 0 and every whole negative number
# under a date format as 00:00 (Excel shows a negative date as #####), which is seldom a time
# typed into a date column.
_MIDNIGHT: Final = "0 or a negative number (Excel shows a negative date as #####)"


# The last date a workbook's cell may hold: the engine works out dates up to years after the
# ones typed (a sign-off deadline up to 3,650 days on, a due date up to a year and a month on),
# which must stay within 9999-12-31, the last date Excel shows. A function's arguments are not
# bounded so: each works out one date and says when it passes 9999-12-31.
LAST_DATE: Final = dt.date(9979, 12, 31)


def _date_converter(date1904: bool) -> Converter:
    read = _date_reader(date1904)

    def convert(v: object) -> object:
        day = read(v)
        if type(day) is dt.date and day > LAST_DATE:
            return Problem(ERROR, "date-too-late", _too_late(day))
        return day

    return convert


def _too_late(day: dt.date) -> str:
    """Why a date after LAST_DATE is refused, and what to do."""
    return (
        f"{day.isoformat()} is after {LAST_DATE.isoformat()}: the dates worked out from it "
        "(sign-off and payment deadlines, up to years later) would pass 9999-12-31, the last "
        "date Excel shows: correct the year"
    )


def _date_reader(date1904: bool) -> Converter:
    def convert(v: object) -> object:
        tv = type(v)
        if tv is dt.date:
            return v
        if tv is dt.datetime:
            return v.date()  # type: ignore[attr-defined]
        if tv is int or tv is float:
            day = serial_to_date(v, date1904)  # type: ignore[arg-type]
            if day is not None:
                return day
            return Problem(
                ERROR,
                "not-a-date",
                f"{show(v)} is not a valid Excel date: enter a date such as 2026-03-31",
            )
        if tv is str:
            return _date_text(v)  # type: ignore[arg-type]
        if isinstance(v, CellError):
            return _error_problem(v.code)
        if isinstance(v, dt.date):  # subclasses of date or datetime
            return v.date() if isinstance(v, dt.datetime) else v
        what = (
            "TRUE/FALSE"
            if tv is bool
            else _MIDNIGHT
            if v == dt.time(0)
            else "a time of day"
            if isinstance(v, dt.time)
            else "a duration"
            if isinstance(v, dt.timedelta)
            else "this value"
        )
        return Problem(
            ERROR, "not-a-date", f"{what} is not a date: enter a date such as 2026-03-31"
        )

    return convert


def _date_text(s: str) -> object:
    text = s.strip()
    if not text:
        return _WHITESPACE
    if text in ERROR_LITERALS:
        return _error_problem(text)
    iso: dt.date | None = None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            iso = dt.date.fromisoformat(text)
        except ValueError:
            iso = None
    elif len(text) > 10 and text[4] == "-" and text[10] in "T ":
        try:
            iso = dt.datetime.fromisoformat(text).date()
        except ValueError:
            iso = None
    if iso is not None:
        return Problem(
            WARNING,
            "date-as-text",
            f"the date {text} is stored as text; it is read as {iso.isoformat()}: "
            "enter it as a date so Excel can sort and compute with it",
            iso,
        )
    if len(text) == 10 and _ISO_SHAPE.match(text):
        # In the ISO form, so read only one way, but no day of the calendar (2026-02-30).
        return Problem(
            ERROR,
            "not-a-date",
            f"{quoted(text)} is not a date: there is no such day in the calendar; "
            "correct the day or the month",
        )
    if _DATE_LIKE.match(text):
        # 27/02/2026 reads as day/month or month/day by locale; 27 Feb 2026 only one way.
        form = (
            ""
            if any(c.isalpha() for c in text)
            else " in a form that can be read more than one way"
        )
        return Problem(
            ERROR,
            "date-text-not-iso",
            f"{quoted(text)} is a date written as text{form}: "
            "enter it as a date (or as text in the form 2026-03-31)",
        )
    message = f"{quoted(text)} is not a date: enter a date such as 2026-03-31"
    return Problem(ERROR, "not-a-date", message)


def _yesno(v: object) -> object:
    tv = type(v)
    if tv is bool:
        return v
    if tv is str:
        s = v.strip().lower()  # type: ignore[attr-defined]
        if s in _YES:
            return True
        if s in _NO:
            return False
        if not s:
            return _WHITESPACE
        if s.upper() in ERROR_LITERALS:
            return _error_problem(s.upper())
    elif (tv is int or tv is float) and v in (0, 1):
        return v == 1
    elif isinstance(v, CellError):
        return _error_problem(v.code)
    return Problem(
        ERROR, "not-yes-no", f"{quoted(v)} is not yes or no: enter yes or no (or leave it blank)"
    )


def _enum_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _enum_converter(field: Field) -> Converter:
    allowed = {_enum_key(e): e for e in field.enum}
    listing = ", ".join(field.enum)

    def convert(v: object) -> object:
        if type(v) is str:
            s: str = v
            hit = allowed.get(s) or allowed.get(_enum_key(s))
            if hit is not None:
                return hit
            if not s.strip():
                return _WHITESPACE
            if s.strip() in ERROR_LITERALS:
                return _error_problem(s.strip())
        elif isinstance(v, CellError):
            return _error_problem(v.code)
        return Problem(
            ERROR,
            "not-in-list",
            f"{quoted(v)} is not allowed in {field.header}: choose one of {listing}",
        )

    return convert


def _number_converter(field: Field) -> Converter:
    t = field.type
    kind = (
        "a whole number"
        if t is FieldType.INT
        else "a percentage"
        if t is FieldType.RATIO
        else "a number"
    )
    finish = _number_finisher(field)

    def convert(v: object) -> object:
        tv = type(v)
        if tv is float or tv is int:
            return finish(to_decimal(v))  # type: ignore[arg-type]
        if tv is str:
            return _number_text(v, kind)  # type: ignore[arg-type]
        if isinstance(v, Decimal):
            return finish(v)
        return _not_a_number(v, kind)

    return convert


def _number_finisher(field: Field) -> Callable[[Decimal], object]:
    """The last step of reading a number of ``field``: its size, whole units and range."""
    is_int = field.type is FieldType.INT
    is_ratio = field.type is FieldType.RATIO
    checked = field.minimum is not None or field.maximum is not None

    def finish(number: Decimal) -> object:
        if not -LARGEST_AMOUNT < number < LARGEST_AMOUNT:
            return Problem(
                ERROR,
                "out-of-range",
                f"{number:.6g} is too large for {field.header}: Excel keeps 15 significant "
                "digits, so enter less than 1,000,000,000,000,000",
            )
        if is_ratio and number > _ONE:
            return Problem(ERROR, "ratio-as-whole-number", ratio_hint(number))
        if is_int and number != number.to_integral_value():
            return Problem(
                ERROR,
                "not-a-whole-number",
                f"{show(number)} is not a whole number: enter {field.header} in whole units",
            )
        if checked and (p := _range_problem(field, number)) is not None:
            return p
        return int(number) if is_int else number

    return finish


def _number_text(s: str, kind: str) -> Problem:
    """Text in a number column: blank, an error value, a number stored as text or not one."""
    text = s.strip()
    if not text:
        return _WHITESPACE
    if text in ERROR_LITERALS:
        return _error_problem(text)
    reading = number_text_reading(s)
    if reading is not None:
        return Problem(
            ERROR,
            "number-as-text",
            f"{quoted(text)} is a number stored as text: enter it as a number "
            f"({reading}) so that it counts",
        )
    return Problem(ERROR, "not-a-number", f"{quoted(text)} is not {kind}: enter {kind}")


def _not_a_number(v: object, kind: str) -> Problem:
    if isinstance(v, CellError):
        return _error_problem(v.code)
    if type(v) is bool:
        what = "TRUE/FALSE"
    elif isinstance(v, dt.date):
        what = "a date"
    elif isinstance(v, (dt.time, dt.timedelta)):
        what = "a time"
    else:
        what = "this value"
    return Problem(ERROR, "not-a-number", f"{what} is not {kind}: enter {kind}")
