"""What users outside the UK and the US type into a workbook, read back by `xl-milestones
validate` from a real file: amounts, dates and currencies written the way their locale writes
them, as text. Each is either read exactly or refused with the number, date or code to enter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones.cli import main


def issue_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str, i: int, **values: Any
) -> dict[str, Any]:
    """The one issue `validate` reports on the cell of ``values`` in row ``i`` of ``sheet``."""
    sheets = valid_sheets()
    sheets[sheet][i].update(values)
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    assert main(["validate", str(path), "--format", "json"]) == 1
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["issues"]
    (column,) = values
    on_cell = [f for f in found if f["column"] and f["row"] == i + 2 and f["value"] is not None]
    (hit,) = [f for f in on_cell if f["value"] == values[column]]
    return hit


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        # One dot before exactly three digits: a decimal point in English, a thousands
        # separator in German. The message names both, so that a German user who typed 1.234
        # for 1234 is not told to enter 1.234.
        ("1.234", "1.234, or 1234 if the dot separates thousands"),
        ("250.000", "250.000, or 250000 if the dot separates thousands"),
        ("€ -1.234", "-1.234, or -1234 if the dot separates thousands"),
        # Read one way only: a comma before three digits as thousands (docs/decisions.md).
        ("1,234", "1234"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,234,567", "1234567"),
    ],
)
def test_an_amount_with_one_dot_before_three_digits_is_told_both_readings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, reading: str
) -> None:
    hit = issue_at(tmp_path, capsys, "contracts", 0, original_value=typed)
    assert (hit["sheet"], hit["cell"], hit["code"]) == ("Contracts", "E2", "number-as-text")
    assert hit["message"] == (
        f"'{typed}' is a number stored as text: enter it as a number ({reading}) so that it counts"
    )


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        # A comma after a lone 0 is a decimal comma: no number's thousands start with 0.
        ("0,055", "0.055"),
        ("5,5%", "0.055"),
        ("-0,125", "-0.125"),
    ],
)
def test_a_percentage_with_a_decimal_comma_after_zero_is_read_as_a_fraction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, reading: str
) -> None:
    hit = issue_at(tmp_path, capsys, "milestones", 0, payment_percent=typed)
    assert (hit["sheet"], hit["cell"], hit["code"]) == ("Milestones", "K2", "number-as-text")
    assert hit["message"] == (
        f"'{typed}' is a number stored as text: enter it as a number ({reading}) so that it counts"
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        # A currency sign is not a code: the message names the code to enter.
        ("€", "enter EUR"),
        ("£", "enter GBP"),
        ("$", "enter the code of the dollar meant, such as USD, CAD or AUD"),
        ("¥", "enter the code of the yen or yuan meant, JPY or CNY"),
    ],
)
def test_a_currency_sign_is_told_the_code_to_enter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, code: str
) -> None:
    hit = issue_at(tmp_path, capsys, "contracts", 1, currency=typed)
    assert (hit["sheet"], hit["cell"], hit["code"]) == ("Contracts", "D3", "unknown-currency")
    assert hit["message"] == f"'{typed}' is a currency sign, not an ISO 4217 code: {code}"


def test_a_currency_sign_as_the_reporting_currency_is_told_the_code_to_enter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hit = issue_at(tmp_path, capsys, "settings", 1, value="€")
    assert (hit["sheet"], hit["cell"], hit["code"]) == ("Settings", "B3", "unknown-currency")
    assert hit["message"] == (
        "Reporting Currency '€' is a currency sign, not an ISO 4217 code: enter EUR"
    )


@pytest.mark.parametrize("typed", ["31. März 2026", "1. Jan. 2026", "31 déc. 2026", "31-mrt-2026"])
def test_a_date_with_a_month_name_in_another_language_is_told_it_is_a_date_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    hit = issue_at(tmp_path, capsys, "milestones", 0, baseline_date=typed)
    assert (hit["sheet"], hit["cell"], hit["code"]) == ("Milestones", "F2", "date-text-not-iso")
    assert hit["message"] == (
        f"'{typed}' is a date written as text: enter it as a date (or as text in the form "
        "2026-03-31)"
    )
