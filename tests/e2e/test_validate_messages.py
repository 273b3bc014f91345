"""The validator's messages as a user reads them from `xl-milestones validate`: each names what
is wrong once, in the words of the sheet, and no message contradicts another on the same data.

Each case writes a small valid workbook, spoils it the way a user would, and reads the JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.factory import setting, valid_sheets, write_workbook

from xl_milestones.cli import main
from xl_milestones.core.schema import HOLIDAYS, INVOICES

Sheets = dict[str, list[dict[str, Any]]]


def issues(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    main(["validate", str(path), "--format", "json"])
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["issues"]
    return found


def messages(found: list[dict[str, Any]], sheet: str) -> dict[str, tuple[str, str]]:
    """Each cell of ``sheet`` with an issue: its code and message."""
    return {i["cell"]: (i["code"], i["message"]) for i in found if i["sheet"] == sheet}


def test_a_setting_is_named_once_in_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["settings"] += [
        {"setting": setting("at_risk_window_days"), "value": -3},  # B5
        {"setting": setting("rag_tolerance_days"), "value": 1.5},  # B6
        {"setting": "Check Deliverables", "value": "warning"},  # B7
        {"setting": setting("signoff_days"), "value": "ten days"},  # B8
        # A value that happens to quote a setting's name still gets the name before it.
        {"setting": setting("late_interest_margin"), "value": "Late Interest Margin"},
    ]
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    assert messages(issues(capsys, path), "Settings") == {
        "B5": ("out-of-range", "At Risk Window Days must be at least 0: correct the value"),
        "B6": (
            "not-a-whole-number",
            "1.5 is not a whole number: enter RAG Tolerance Days in whole units",
        ),
        "B7": (
            "not-in-list",
            "'warning' is not allowed in Check Deliverables: choose one of block, warn, off",
        ),
        "B8": (
            "not-a-number",
            "Sign-off Days: 'ten days' is not a whole number: enter a whole number",
        ),
        "B9": (
            "not-a-number",
            "Late Interest Margin: 'Late Interest Margin' is not a percentage: enter a percentage",
        ),
    }


def test_rows_below_a_table_are_one_row_or_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    # One invoice and two holidays typed right under their tables (a paste does this).
    wb[INVOICES.name].append(["INV-2", "M-001", dt.datetime(2026, 3, 25), 1000])
    wb[HOLIDAYS.name].append([dt.datetime(2026, 12, 29), "Closure"])
    wb[HOLIDAYS.name].append([dt.datetime(2026, 12, 30), "Closure"])
    wb.save(path)
    found = issues(capsys, path)
    assert messages(found, "Invoices") == {
        "A3": (
            "row-below-table",
            "row 3 is below the Excel table tblInvoices, which ends at row 2: it is read as "
            "part of the table, and a refresh extends the table over it",
        )
    }
    assert messages(found, "Holidays") == {
        "A3": (
            "row-below-table",
            "rows 3 to 4 are below the Excel table tblHolidays, which ends at row 2: they are "
            "read as part of the table, and a refresh extends the table over them",
        )
    }


def test_a_wrong_actual_date_is_reported_once_not_on_its_sign_offs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    # M-001 was approved on 2026-03-02; its Actual Date is mistyped in the future (as of
    # 2026-03-31), so the Actual Date is wrong, not the decision.
    sheets["milestones"][0]["actual_date"] = dt.date(2026, 12, 25)
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert messages(found, "Milestones") == {
        "H2": (
            "future-date",
            "Actual Date 2026-12-25 is after the as-of date 2026-03-31: a date that has not "
            "happened yet cannot be recorded; correct it or leave it blank",
        )
    }
    assert messages(found, "Sign-offs") == {}
    # A good Actual Date still judges the decisions.
    sheets["milestones"][0]["actual_date"] = dt.date(2026, 3, 5)
    path = write_workbook(tmp_path / "book2.xlsx", sheets)
    assert messages(issues(capsys, path), "Sign-offs") == {
        "E2": (
            "date-order",
            "Decision Date 2026-03-02 is before the milestone's Actual Date 2026-03-05: a "
            "milestone is approved after it is achieved",
        )
    }


def test_an_optional_column_under_a_near_header_is_not_lost_in_silence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Plain ranges, so that every column with a header is the table's.
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets(), tables=False)
    wb = openpyxl.load_workbook(path)
    ws = wb[INVOICES.name]
    assert ws["F1"].value == "Paid Amount"
    ws["F1"] = "Paid Amt"  # INV-1 was paid 54,720; under this header that is not read
    ws["G1"] = "PO Number"  # a column of the user's own, near no missing one: theirs
    ws["G2"] = "PO-778"
    wb.save(path)
    code = main(["validate", str(path), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["issues"]
    assert code == 0  # a warning: the refresh still runs
    assert found == [
        {
            "severity": "warning",
            "code": "column-name-near-match",
            "sheet": "Invoices",
            "row": 1,
            "column": "Paid Amt",
            "cell": "F1",
            "value": "Paid Amt",
            "message": "the column 'Paid Amt' is not read, and the sheet has no Paid Amount "
            "column, so Paid Amount is blank on every row: if 'Paid Amt' is meant to be it, "
            "rename the header to 'Paid Amount'",
        }
    ]


@pytest.mark.parametrize(
    ("header", "typed"),
    [
        ("% Complete", "Percent Complete"),
        ("% Complete", "Pct Complete"),
        ("% Complete", "Complete"),
        ("Payment %", "Payment Percent"),
        ("Payment %", "Payment Pct"),
    ],
)
def test_a_percent_column_with_percent_in_words_is_not_lost_in_silence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, typed: str
) -> None:
    # '%' spelled out is near the column it names, as a typo is.
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets(), tables=False)
    wb = openpyxl.load_workbook(path)
    (cell,) = (c for c in wb["Milestones"][1] if c.value == header)
    cell.value = typed
    wb.save(path)
    near = [i for i in issues(capsys, path) if i["code"] == "column-name-near-match"]
    assert [(i["cell"], i["value"]) for i in near] == [(cell.coordinate, typed)]
    assert near[0]["message"].endswith(f"rename the header to '{header}'")


@pytest.mark.parametrize(
    ("sheet", "header", "theirs"),
    [
        ("Milestones", "Owner", "PO Number"),  # 0.62 alike: the user's own column
        ("Milestones", "% Complete", "Comment"),
    ],
)
def test_a_column_of_the_users_own_is_not_taken_for_a_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str, header: str, theirs: str
) -> None:
    # The optional column is gone and the user has one of their own: no near-match warning.
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets(), tables=False)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    (cell,) = (c for c in ws[1] if c.value == header)
    cell.value = theirs
    wb.save(path)
    main(["validate", str(path), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["issues"]
    assert not [i for i in found if i["code"] == "column-name-near-match"], found


def test_amounts_over_a_contract_are_quoted_with_separators_and_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["contracts"][0]["advance_amount"] = 150000.5  # the Original Value is 120,000 GBP
    sheets["milestones"][3]["payment_amount"] = 1250000  # C-002 is worth 50,000 EUR
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert [m for _c, m in messages(found, "Contracts").values()] == [
        "the Advance Payment 150,000.5 GBP is more than the Original Value 120,000 GBP: "
        "correct one of the two"
    ]
    assert [m for _c, m in messages(found, "Milestones").values()] == [
        "1,250,000 EUR is more than the whole value of contract C-002 (50,000 EUR, with its "
        "approved change orders): correct the amount, or record the change order that raises "
        "the value"
    ]


def test_an_amount_past_its_currencys_minor_unit_is_told_how_it_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["invoices"][0]["paid_amount"] = 1000.001  # M-001 of C-001, GBP
    sheets["contracts"][1]["currency"] = "JPY"  # C-002, whose M-101 is fixed
    sheets["fx_rates"][0]["currency"] = "JPY"
    sheets["milestones"][3]["payment_amount"] = 1234.5
    sheets["issues"].append(
        {"issue_id": "I-2", "milestone_id": "M-101", "category": "risk", "severity": "low",
         "description": "Disputed", "raised_date": dt.date(2026, 3, 2), "amount_disputed": 10.5}
    )  # fmt: skip
    sheets["contracts"].append(
        {"contract_id": "C-003", "contract_name": "Kuwait office", "supplier": "Gulf Co",
         "currency": "KWD", "original_value": 12.3456, "start_date": dt.date(2026, 2, 1)}
    )  # fmt: skip
    sheets["fx_rates"].append({"currency": "KWD", "rate_to_reporting": 2.5})
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = [i for i in issues(capsys, path) if i["code"] == "amount-past-minor-unit"]
    assert {(i["sheet"], i["column"], i["value"], i["severity"]) for i in found} == {
        ("Invoices", "Paid Amount", "1000.001", "warning"),
        ("Milestones", "Payment Amount", "1234.5", "warning"),
        ("Issues", "Amount Disputed", "10.5", "warning"),
        ("Contracts", "Original Value", "12.3456", "warning"),
    }
    by_sheet = {i["sheet"]: i["message"] for i in found}
    assert by_sheet["Invoices"] == (
        "1000.001 has more decimals than GBP has (2), and what is worked out from it is "
        "rounded to 2 decimals: enter it with at most 2 decimals"
    )
    assert by_sheet["Milestones"] == (
        "1234.5 has more decimals than JPY has (0), and what is worked out from it is rounded "
        "to whole units: enter it in whole units"
    )
    assert by_sheet["Contracts"] == (
        "12.3456 has more decimals than KWD has (3), and what is worked out from it is rounded "
        "to 3 decimals: enter it with at most 3 decimals"
    )


def test_amounts_to_the_minor_unit_as_a_cell_shows_them_are_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["contracts"][0]["original_value"] = 120000.10  # GBP, read back as 120000.1
    sheets["invoices"][0]["invoice_amount"] = 0.1 + 0.2  # 0.30000000000000004, shows as 0.3
    sheets["invoices"][0]["paid_amount"] = 0.3
    sheets["change_orders"][0]["value_change"] = 1000.1 + 1e-12  # 1000.100000000001
    sheets["contracts"][1]["currency"] = "JPY"
    sheets["fx_rates"][0]["currency"] = "JPY"
    sheets["milestones"][3]["payment_amount"] = 1e4  # 10000.0 for a currency without decimals
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert not [i for i in found if i["code"] == "amount-past-minor-unit"], found


def test_an_amount_past_its_minor_unit_is_not_judged_without_a_currency_or_with_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["contracts"][0]["currency"] = "XYZ"  # unknown-currency: C-001's amounts not judged
    sheets["contracts"][0]["advance_amount"] = 100.001
    sheets["invoices"][0]["paid_amount"] = 1000.001
    sheets["milestones"][3]["payment_amount"] = 60000.001  # over C-002's 50,000 EUR
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert {i["code"] for i in found if i["sheet"] in ("Invoices", "Milestones")} == {
        "amount-over-contract-value"
    }
    assert "amount-past-minor-unit" not in {i["code"] for i in found}


def test_a_required_cells_hint_keeps_an_acronym_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["fx_rates"].append({"rate_to_reporting": 1.1})  # A3: the currency left blank
    sheets["contracts"][0]["supplier"] = None  # C2
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert messages(found, "FX Rates")["A3"] == (
        "required",
        "Currency is required: fill it in (ISO 4217 code.)",
    )
    assert messages(found, "Contracts")["C2"] == (
        "required",
        "Supplier is required: fill it in (the supplier or contractor.)",
    )


def test_a_date_in_the_iso_form_that_is_no_day_is_said_to_be_no_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["milestones"][1]["forecast_date"] = "2026-02-30"  # G3
    sheets["milestones"][2]["forecast_date"] = "2026-13-01"  # G4
    sheets["milestones"][3]["forecast_date"] = "31/03/2026"  # G5: a real form, read two ways
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    no_day = "is not a date: there is no such day in the calendar; correct the day or the month"
    assert messages(issues(capsys, path), "Milestones") == {
        "G3": ("not-a-date", f"'2026-02-30' {no_day}"),
        "G4": ("not-a-date", f"'2026-13-01' {no_day}"),
        "G5": (
            "date-text-not-iso",
            "'31/03/2026' is a date written as text in a form that can be read more than one "
            "way: enter it as a date (or as text in the form 2026-03-31)",
        ),
    }


def test_a_negative_number_under_a_date_format_is_not_called_a_time_of_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Excel shows -5 under a date format as #####; calamine reads 0 and every whole negative
    # number there as 00:00, which the message called "a time of day".
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    wb = openpyxl.load_workbook(path)
    for cell, value in (("G3", -5), ("G4", 0), ("G5", dt.time(6, 0))):
        wb["Milestones"][cell].value = value
        wb["Milestones"][cell].number_format = "yyyy-mm-dd" if cell != "G5" else "hh:mm"
    wb.save(path)
    zero = "0 or a negative number (Excel shows a negative date as #####) is not a date"
    enter = ": enter a date such as 2026-03-31"
    assert messages(issues(capsys, path), "Milestones") == {
        "G3": ("not-a-date", zero + enter),
        "G4": ("not-a-date", zero + enter),
        "G5": ("not-a-date", "a time of day is not a date" + enter),
    }


def test_a_contract_value_past_a_cells_digits_once_converted_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 999,999,999,999,999 GBP at 999,999,999,999 KWD per GBP is about 10^27 KWD: the refresh
    # stopped with an internal error (decimal.InvalidOperation) converting it.
    sheets: Sheets = valid_sheets()
    # C-001's approved change orders add 5,000: its revised value is 1,000,000,000,004,999.
    sheets["contracts"][0]["original_value"] = 999_999_999_999_999
    sheets["contracts"][1]["currency"] = "GBP"
    sheets["fx_rates"] = [{"currency": "GBP", "rate_to_reporting": 999_999_999_999}]
    sheets["settings"][1]["value"] = "KWD"
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = messages(issues(capsys, path), "Contracts")
    assert found["E2"] == (
        "converted-value-too-large",
        "contract C-001's revised value of 1,000,000,000,004,999.00 GBP at the FX rate of "
        "999999999999 KWD per GBP is 1,000,000,000,000,000 KWD or more, past the 15 digits a "
        "cell holds: check the GBP rate on the FX Rates sheet (KWD for one GBP) and the "
        "contract's value",
    )
    assert main(["refresh", str(path), "--output", str(tmp_path / "out.xlsx")]) == 1
    assert "internal error" not in capsys.readouterr().err


def test_a_date_too_near_9999_for_its_deadlines_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A workbook set in 9999: a milestone completed on 9999-12-24 has its sign-off deadline 10
    # days later, past Excel's last date, and the refresh stopped with an internal error
    # (OverflowError); so did a sign-off on 9999-12-11 with 30 days' payment terms.
    sheets: Sheets = valid_sheets()
    for contract in sheets["contracts"]:
        contract.update(start_date=dt.date(9999, 1, 4), end_date=None)
    sheets["milestones"] = sheets["milestones"][:1]
    sheets["milestones"][0].update(
        baseline_date=dt.date(9999, 12, 20), actual_date=dt.date(9980, 1, 1), percent_complete=1
    )
    for key in ("signoffs", "deliverables", "invoices", "issues", "change_orders"):
        sheets[key] = []
    sheets["settings"][0]["value"] = dt.date(9979, 12, 31)  # the last date a cell may hold
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    told = "(sign-off and payment deadlines, up to years later) would pass 9999-12-31, the last "
    assert sorted(
        (i["sheet"], i["cell"], i["message"]) for i in found if i["code"] == "date-too-late"
    ) == [
        (
            sheet,
            cell,
            f"{day} is after 9979-12-31: the dates worked out from it {told}"
            "date Excel shows: correct the year",
        )
        for sheet, cell, day in (
            ("Contracts", "F2", "9999-01-04"),
            ("Contracts", "F3", "9999-01-04"),
            ("Milestones", "F2", "9999-12-20"),
            ("Milestones", "G2", "9980-01-01"),
        )
    ]
    assert main(["refresh", str(path), "--output", str(tmp_path / "out.xlsx")]) == 1
    assert "internal error" not in capsys.readouterr().err


def test_a_late_interest_rate_of_1_is_asked_whether_1_percent_was_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    sheets["settings"] += [
        {"setting": setting("late_interest_reference_rate"), "value": 1},  # B5: 100%
        {"setting": setting("late_interest_margin"), "value": 1},  # B6
    ]
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert messages(found, "Settings") == {
        "B5": (
            "rate-of-100-percent",
            "Late Interest Reference Rate is 100% a year: if 1% is meant, enter 1% (0.01)",
        ),
        "B6": (
            "rate-of-100-percent",
            "Late Interest Margin is 100% a year: if 1% is meant, enter 1% (0.01)",
        ),
    }
    assert {i["severity"] for i in found} == {"warning"}
    sheets["settings"][3]["value"] = 0.01
    sheets["settings"][4]["value"] = 0.99
    path = write_workbook(tmp_path / "book2.xlsx", sheets)
    assert issues(capsys, path) == []


def test_an_as_of_date_years_from_every_contract_is_said_on_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()  # contracts from 2026-01-05 to 2026-12-31
    sheets["settings"][0]["value"] = dt.date(2062, 3, 31)  # 2026 with two digits swapped
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    assert messages(issues(capsys, path), "Settings") == {
        "B2": (
            "as-of-date-far",
            "As Of Date 2062-03-31 is more than 10 years after the latest contract date, "
            "2026-12-31: every status, amount and day count is computed for it; check the year",
        )
    }
    sheets["settings"][0]["value"] = dt.date(2015, 12, 31)
    path = write_workbook(tmp_path / "book2.xlsx", sheets)
    assert messages(issues(capsys, path), "Settings")["B2"] == (
        "as-of-date-far",
        "As Of Date 2015-12-31 is more than 10 years before the earliest contract date, "
        "2026-01-05: every status, amount and day count is computed for it; check the year",
    )
    # Ten years after the last contract date is still near; a date given with --as-of, not
    # typed in Settings, is the caller's choice.
    sheets["settings"][0]["value"] = dt.date(2036, 12, 31)
    path = write_workbook(tmp_path / "book3.xlsx", sheets)
    assert messages(issues(capsys, path), "Settings") == {}
    main(["validate", str(path), "--as-of", "2062-03-31", "--format", "json"])
    found = json.loads(capsys.readouterr().out)["issues"]
    assert [i for i in found if i["code"] == "as-of-date-far"] == []


def test_a_rate_for_the_reporting_currency_itself_is_said_to_be_unused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    # The Reporting Currency changed from GBP to EUR; the FX Rates sheet still rates to GBP.
    sheets["settings"][1]["value"] = "EUR"
    sheets["fx_rates"].append({"currency": "GBP", "rate_to_reporting": 1.18})
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert messages(found, "FX Rates") == {
        "B2": (
            "reporting-currency-rate",
            "EUR is the reporting currency, so its rate is 1 and 0.85 is not used: delete the "
            "row, and check that the other rates are in EUR per unit",
        )
    }
    assert [i["severity"] for i in found] == ["warning"]
    # A rate of 1 for it says nothing new.
    sheets["fx_rates"][0]["rate_to_reporting"] = 1
    path = write_workbook(tmp_path / "book2.xlsx", sheets)
    assert issues(capsys, path) == []


def test_a_revised_date_past_the_last_date_a_cell_shows_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CO-2 moves every milestone of C-001 by -1,000 days (no date a cell holds is after
    # 9979-12-31, so only several change orders reach past 9999-12-31):
    # M-1: baseline 9979-06-01 + CO-1, CO-6, CO-7's 3 x 3,650 (its own) - 1,000 = +9,950 days.
    # M-2: baseline 9979-01-04 + CO-3, CO-8, CO-9's 3 x 3,000 (its own) - 1,000 = +8,000 days.
    # M-3: CO-4 (proposed, +3,650) and CO-5 (approved only after the as-of date, +3,650) do not
    # count: 9979-01-04 - 1,000 days is a date.
    # The refresh stopped with "internal error: OverflowError: date value out of range".
    d = dt.date
    sheets: Sheets = valid_sheets()
    sheets["settings"][0]["value"] = d(9979, 1, 1)
    sheets["contracts"] = [
        {**sheets["contracts"][0], "start_date": d(9978, 1, 5), "end_date": d(9979, 12, 31)}
    ]
    mine = {"contract_id": "C-001", "milestone_type": "project", "owner": "Dana Lee"}
    sheets["milestones"] = [
        {**mine, "milestone_id": "M-1", "milestone_name": "One", "baseline_date": d(9979, 6, 1)},
        {**mine, "milestone_id": "M-2", "milestone_name": "Two", "baseline_date": d(9979, 1, 4)},
        {**mine, "milestone_id": "M-3", "milestone_name": "Three", "baseline_date": d(9979, 1, 4)},
    ]
    change = {"contract_id": "C-001", "description": "more time", "change_status": "approved"}
    sheets["change_orders"] = [
        {**change, "change_id": "CO-1", "milestone_id": "M-1", "extension_days": 3650},
        {**change, "change_id": "CO-2", "extension_days": -1000},
        {**change, "change_id": "CO-3", "milestone_id": "M-2", "extension_days": 3000},
        {**change, "change_id": "CO-4", "milestone_id": "M-3", "extension_days": 3650}
        | {"change_status": "proposed"},
        {**change, "change_id": "CO-5", "milestone_id": "M-3", "extension_days": 3650}
        | {"approved_date": d(9979, 2, 1)},
        {**change, "change_id": "CO-6", "milestone_id": "M-1", "extension_days": 3650},
        {**change, "change_id": "CO-7", "milestone_id": "M-1", "extension_days": 3650},
        {**change, "change_id": "CO-8", "milestone_id": "M-2", "extension_days": 3000},
        {**change, "change_id": "CO-9", "milestone_id": "M-2", "extension_days": 3000},
    ]
    for key in ("deliverables", "signoffs", "invoices", "issues", "holidays", "fx_rates"):
        sheets[key] = []
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    before = path.read_bytes()
    found = [i for i in issues(capsys, path) if i["severity"] == "error"]
    later = (
        "falls after 9999-12-31, the last date a cell shows: correct the Baseline Date or the "
        "Extension Days"
    )
    assert messages(found, "Milestones") == {
        "F2": (
            "revised-date-out-of-range",
            "Baseline Date 9979-06-01 moved by the +9,950 Extension Days of the approved change "
            f"orders on milestone M-1 and its contract {later}",
        ),
        "F3": (
            "revised-date-out-of-range",
            "Baseline Date 9979-01-04 moved by the +8,000 Extension Days of the approved change "
            f"orders on milestone M-2 and its contract {later}",
        ),
    }
    out = tmp_path / "out.xlsx"
    assert main(["refresh", str(path), "--output", str(out)]) == 1
    text, err = capsys.readouterr()
    assert "internal error" not in text + err and "Traceback" not in text + err
    assert path.read_bytes() == before


def test_a_rate_of_one_for_another_currency_is_said_to_count_it_unconverted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets: Sheets = valid_sheets()
    # The Reporting Currency changed from GBP to CHF, which no contract uses and the FX Rates
    # sheet has no row for; the sheet is still quoted in GBP (its own row at 1).
    sheets["settings"][1]["value"] = "CHF"
    sheets["fx_rates"] = [
        {"currency": "GBP", "rate_to_reporting": 1},
        {"currency": "EUR", "rate_to_reporting": 0.85},
    ]
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    found = issues(capsys, path)
    assert messages(found, "FX Rates") == {
        "B2": (
            "fx-rate-one",
            "GBP has a rate of 1 to the reporting currency CHF (the Reporting Currency in "
            "Settings), so every GBP amount counts as the same amount of CHF, as if the rates "
            "were quoted in GBP: enter what one GBP is worth in CHF, or set Reporting Currency "
            "in Settings to GBP (1 is right only for a currency pegged 1:1 to CHF)",
        )
    }
    assert [i["severity"] for i in found] == ["warning"]
    # Without a Reporting Currency, the most common contract currency is the one compared.
    sheets["settings"][1]["value"] = None
    sheets["fx_rates"] = [{"currency": "EUR", "rate_to_reporting": 1}]
    path = write_workbook(tmp_path / "book2.xlsx", sheets)
    (only,) = issues(capsys, path)
    assert only["code"] == "fx-rate-one"
    assert "reporting currency GBP (the most common contract currency" in only["message"]
    # The rates really quoted in CHF say nothing.
    sheets["settings"][1]["value"] = "CHF"
    sheets["fx_rates"] = [
        {"currency": "GBP", "rate_to_reporting": 1.13},
        {"currency": "EUR", "rate_to_reporting": 0.96},
    ]
    path = write_workbook(tmp_path / "book3.xlsx", sheets)
    assert issues(capsys, path) == []


@pytest.mark.parametrize("excel_table", [True, False])
def test_values_under_a_cleared_header_are_warned_of_and_a_note_beside_the_table_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], excel_table: bool
) -> None:
    # M-002's Forecast Date (G3) under a header cleared by mistake was not read, in silence.
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets(), tables=excel_table)
    wb = openpyxl.load_workbook(path)
    ws = wb["Milestones"]
    assert ws["G1"].value == "Forecast Date"
    ws["G1"] = None
    ws.cell(row=2, column=ws.max_column + 2, value="ask Dana")  # a note right of the table
    wb.save(path)
    found = issues(capsys, path)
    assert messages(found, "Milestones") == {
        "G3": (
            "column-no-header",
            "column G holds values but no header (G1 is blank), so they are not read: type its "
            "header in G1 (the sheet lacks Acceptance Criteria, Forecast Date, Cancelled, "
            "Notes; a column of your own takes a header of your own)",
        )
    }
    assert [i["severity"] for i in found] == ["warning"]


def test_a_column_of_the_sheet_pasted_beside_its_table_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A Notes column and a second Owner column pasted right of tblMilestones (a paste or a
    # script does not grow the table; typing there does): their values went unread in silence.
    path = write_workbook(tmp_path / "book.xlsx", valid_sheets(), tables=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Milestones"]
    assert ws.tables["tblMilestones"].ref == "A1:O5"
    assert "Notes" not in [c.value for c in ws[1]]
    ws["P1"], ws["P3"] = "Notes", "waiting for the client"
    ws["Q1"], ws["Q2"] = "owner", "Dana Lee"
    wb.save(path)
    found = issues(capsys, path)
    assert messages(found, "Milestones") == {
        "P1": (
            "column-beside-table",
            "the column 'Notes' in P1 is outside the table tblMilestones, so it is not read "
            "and Notes is blank on every row: extend the table over it (Table Design > Resize "
            "Table), or rename it if it is a column of your own",
        ),
        "Q1": (
            "column-beside-table",
            "the column 'owner' in Q1 is outside the table tblMilestones, so it is not read "
            "and the table's own Owner column (E) is read: extend the table over it (Table "
            "Design > Resize Table), or rename it if it is a column of your own",
        ),
    }
    assert [i["severity"] for i in found] == ["warning", "warning"]
