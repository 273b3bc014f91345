"""Every issue code the reader and the validator can report: severity, meaning and fix.

Codes are stable: workbooks, scripts and the Validation sheet refer to them. docs/validation.md
is rendered from this table (``render_markdown``) and a test keeps the two in step.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Code(NamedTuple):
    severity: str
    meaning: str
    fix: str


CODES: Final[dict[str, Code]] = {
    # cells
    "required": Code("error", "A required cell is blank.", "Fill it in."),
    "whitespace-only": Code(
        "warning",
        "The cell holds only spaces; it is read as blank.",
        "Clear the cell or enter the value.",
    ),
    "formula-error": Code(
        "error",
        "The cell shows an Excel error value (#REF!, #N/A, #DIV/0!, #VALUE!...).",
        "Correct the formula, or type the value.",
    ),
    "formula-not-calculated": Code(
        "error",
        "The cell holds a formula with no saved value: the file was written by a program "
        "without a calculation engine (a script), and no value can be read from it.",
        "Open the file in Excel or LibreOffice and save it, so the formulas are calculated; or "
        "type the value.",
    ),
    "not-a-date": Code(
        "error",
        "A date column holds text, TRUE/FALSE, a time or a number that is not an Excel date.",
        "Enter a date, e.g. 2026-03-31.",
    ),
    "date-as-text": Code(
        "warning",
        "A date is typed as text in ISO form (2026-03-31); it is read as that date.",
        "Enter it as a real date so Excel can sort and compute with it.",
    ),
    "date-text-not-iso": Code(
        "error",
        "A date is typed as text in another form than 2026-03-31: one that can be read more "
        "than one way (31/03/2026), or with the month as a word (31 March 2026).",
        "Enter it as a real date, or as text in the form 2026-03-31.",
    ),
    "number-as-text": Code(
        "error",
        "A number column holds a number stored as text ('1,250', '£300', '10%'). "
        "It is not used, since a number Excel cannot add up is not safe to pay on.",
        "Convert it to a number (Excel's 'Convert to Number', or retype it).",
    ),
    "not-a-number": Code(
        "error",
        "A number column holds text, TRUE/FALSE or a date.",
        "Enter a number.",
    ),
    "not-a-whole-number": Code(
        "error", "A whole-number column (days) holds a fraction.", "Enter whole days."
    ),
    "ratio-as-whole-number": Code(
        "error",
        "A percentage column holds a number above 1, such as 10 for 10%.",
        "Enter 10% (0.10), not 10.",
    ),
    "out-of-range": Code(
        "error",
        "A number is outside the range its column allows (e.g. a retention rate above 50%, a "
        "negative Payment Amount, Invoice Amount or Amount Disputed, an extension of more than "
        "3,650 days either way).",
        "Correct the value; the message gives the limit.",
    ),
    "not-yes-no": Code(
        "error", "A yes/no column holds something else.", "Enter yes or no, or leave it blank."
    ),
    "not-in-list": Code(
        "error",
        "A value is not one of the column's allowed values.",
        "Choose one of the values the message lists (the template offers them as a dropdown).",
    ),
    "not-an-id": Code(
        "error",
        "An id or list of ids holds TRUE/FALSE, a date or another value that is not an id.",
        "Enter the reference as text.",
    ),
    "id-spaces": Code(
        "error",
        "An id has spaces, or an invisible character (a zero-width space, a byte order mark), "
        "before or after it, so it would not match its references.",
        "Remove the spaces, or retype the id.",
    ),
    "converted-value-too-large": Code(
        "error",
        "A contract's value (with its approved change orders), converted to the reporting "
        "currency at its FX rate, is 10^15 or more: past the 15 digits a cell holds, so its "
        "figures cannot be shown. The contract's milestones are not computed.",
        "Check the currency's rate on the FX Rates sheet (reporting currency for one unit of "
        "the currency) and the contract's Original Value.",
    ),
    "unknown-currency": Code(
        "error",
        "A currency is not an ISO 4217 code.",
        "Enter a three-letter code such as GBP, EUR or USD.",
    ),
    # tables
    "duplicate-id": Code(
        "error",
        "Two or more rows share an id that must be unique; every such row is reported.",
        "Give each row its own id.",
    ),
    "duplicate-value": Code(
        "error",
        "A value that must be unique appears twice: an FX rate currency (error) or a holiday "
        "date (warning).",
        "Keep one row for it.",
    ),
    # settings
    "unknown-setting": Code(
        "error",
        "The Settings sheet names a setting that does not exist (often a misspelling).",
        "Correct the name (the message suggests the nearest setting) or delete the row.",
    ),
    "duplicate-setting": Code(
        "error", "A setting is given on two rows.", "Keep one row per setting."
    ),
    "unknown-country": Code(
        "error",
        "Holiday Country is not a country (or region) whose public holidays are known.",
        "Enter an ISO 3166 code such as GB, US or DE (a region as GB-ENG or DE-BY), or leave "
        "it blank.",
    ),
    "rate-of-100-percent": Code(
        "warning",
        "The Late Interest Reference Rate or Margin in Settings is 1, which is 100% a year: "
        "most often 1% was meant (5 for 5% is refused, as a percentage above 100%).",
        "Enter 1% (0.01) if that is meant; leave 100% only if it is the rate.",
    ),
    "as-of-date-far": Code(
        "warning",
        "The As Of Date in Settings is more than 10 years after every contract date, or "
        "before them: often a slip of the year (2062 for 2026), which makes every milestone "
        "decades late.",
        "Check the year of the As Of Date.",
    ),
    # across fields and sheets
    "unknown-reference": Code(
        "error",
        "A Contract ID, Milestone ID or predecessor refers to a row that does not exist.",
        "Correct the id or add the missing row.",
    ),
    "cross-contract-predecessor": Code(
        "error",
        "A predecessor belongs to another contract.",
        "Use milestones of the same contract as predecessors.",
    ),
    "milestone-not-in-contract": Code(
        "error",
        "A change order names a milestone of another contract.",
        "Correct the Contract ID or the Milestone ID.",
    ),
    "date-too-late": Code(
        "error",
        "A date after 9979-12-31: the sign-off deadlines and payment due dates worked out from "
        "it, up to years later, would pass 9999-12-31, the last date Excel shows. Usually a "
        "mistyped year.",
        "Correct the year.",
    ),
    "revised-date-out-of-range": Code(
        "error",
        "A Baseline Date moved by the Extension Days of its approved change orders falls "
        "outside the dates a cell shows (1900-01-01 to 9999-12-31).",
        "Correct the Baseline Date or the Extension Days.",
    ),
    "predecessor-cycle": Code(
        "error",
        "Predecessors form a cycle (M-1 → M-2 → M-1); every milestone in it is reported.",
        "Remove one link of the cycle.",
    ),
    "date-order": Code(
        "error",
        "Two dates are in the wrong order: end before start, accepted before submitted, paid "
        "before invoiced, closed before raised, actual before the contract start, a decision "
        "before the milestone's actual date.",
        "Correct one of the two dates.",
    ),
    "future-date": Code(
        "error",
        "An Actual Date or Decision Date is after the as-of date.",
        "Record only what has happened; correct the date or leave it blank. Under an as-of "
        "date given for the run (`--as-of`, to look back), give one on or after the date.",
    ),
    "invoice-after-as-of": Code(
        "warning",
        "An invoice's Invoice Date is after the as-of date, so the invoice does not exist yet "
        "as of it: it and its payment are left out of the milestone's due date (under "
        "invoice-based terms), paid and outstanding amounts, payment status, late interest, "
        "Invoice check and Payment Schedule.",
        "Correct the date if it was sent by then; otherwise nothing (a later refresh counts it).",
    ),
    "paid-after-as-of": Code(
        "warning",
        "An invoice's Paid Date is after the as-of date, so the payment is not counted as of "
        "it: the milestone's paid and outstanding amounts, payment status and late interest "
        "are those of the as-of date.",
        "Correct the date if it was paid by then; otherwise nothing (a later refresh counts it).",
    ),
    "dated-after-as-of": Code(
        "warning",
        "A deliverable's Submitted or Accepted Date, or an issue's Raised or Closed Date, is "
        "after the as-of date, so the row is taken as it was at that date: not yet submitted "
        "or accepted (the Deliverables check fails, the milestone is not started by it), not "
        "yet raised (it holds nothing), or still open (it can hold the milestone, put it at "
        "risk or block its sign-off).",
        "Correct the date if it happened by then; otherwise nothing (a later refresh counts it).",
    ),
    "status-date-required": Code(
        "error",
        "A status needs its date: accepted (Accepted Date), approved or rejected (Decision "
        "Date), an approved change order (Approved Date), a closed issue (Closed Date).",
        "Enter the date.",
    ),
    "date-without-status": Code(
        "warning",
        "A deliverable's Accepted Date is filled in but its Acceptance Status is not "
        "accepted, or an issue's Closed Date but its Status is not closed: the row counts by "
        "its status (not accepted, still open).",
        "Set the status, or clear the date.",
    ),
    "paid-date-required": Code(
        "error", "An invoice has a Paid Amount but no Paid Date.", "Enter the Paid Date."
    ),
    "change-value-unpaid": Code(
        "warning",
        "A change order's Value Change names a milestone with Payment Basis none: no milestone "
        "pays it, though it counts in the revised contract value (the retention limit and the "
        "delay damages cap).",
        "Name the payment milestone it changes, or leave Milestone ID blank for the whole "
        "contract.",
    ),
    "paid-amount-missing": Code(
        "warning",
        "An invoice has a Paid Date but no Paid Amount (blank or 0), so it counts as unpaid: "
        "its milestone can show Overdue and bear late interest.",
        "Enter the amount paid, or clear the Paid Date if nothing was paid.",
    ),
    "amount-over-contract-value": Code(
        "error",
        "A fixed milestone's Payment Amount is more than the whole value of its contract (the "
        "Original Value plus the Value Change of its approved change orders).",
        "Correct the amount, or record the change order that raises the contract's value.",
    ),
    "amount-past-minor-unit": Code(
        "warning",
        "An amount has more decimals than its contract's currency has (1000.001 GBP, 1234.5 "
        "JPY, 12.3456 KWD): what is worked out from it is rounded to the currency's minor "
        "unit. Judged "
        "as the cell shows the number (15 significant digits); skipped where the contract's "
        "currency is unknown or the cell has an error.",
        "Enter the amount to the currency's minor unit (2 decimals for GBP, none for JPY).",
    ),
    "date-out-of-range": Code(
        "error",
        "A date is implausibly far from its contract: more than 10 years before the contract's "
        "Start Date or after its End Date (its Start Date when it has none), or a contract's own "
        "date more than 50 years from the as-of date. Usually a mistyped year (1900 for 2026).",
        "Correct the year (or enter the contract's End Date if it runs that long).",
    ),
    "advance-over-value": Code(
        "error",
        "The advance payment is more than the contract's original value.",
        "Correct the advance or the value.",
    ),
    "payment-percent-required": Code(
        "error",
        "Payment Basis is percent or retention_release but Payment % is blank.",
        "Enter the Payment %.",
    ),
    "payment-amount-required": Code(
        "error", "Payment Basis is fixed but Payment Amount is blank.", "Enter the amount."
    ),
    "payment-field-unused": Code(
        "warning",
        "Payment % or Payment Amount is filled in but the Payment Basis does not use it.",
        "Clear it, or change the Payment Basis.",
    ),
    "payment-percent-over-100": Code(
        "error",
        "The Payment % of a contract's percent milestones (not cancelled) add up to more "
        "than 100%; each of them is reported.",
        "Correct the percentages.",
    ),
    "payment-percent-under-100": Code(
        "warning",
        "All of a contract's payment milestones are percent and their Payment % add up to "
        "less than 100%.",
        "Add the missing milestones or correct the percentages.",
    ),
    "retention-release-over-100": Code(
        "error",
        "A contract's retention releases add up to more than 100% of its retention.",
        "Correct the percentages.",
    ),
    "percent-complete-mismatch": Code(
        "warning",
        "A milestone with an Actual Date has % Complete below 100%; it counts as 100%.",
        "Set % Complete to 100%.",
    ),
    "rejection-without-comment": Code(
        "warning", "A rejected sign-off has no comment.", "Enter the reason in Comment."
    ),
    "self-approval": Code(
        "warning",
        "An approver is the milestone's owner. The owner's approval does not count towards "
        "any role and the Approvers sign-off check blocks sign-off while it stands, so the "
        "milestone is still computed.",
        "Name another approver.",
    ),
    "missing-fx-rate": Code(
        "error",
        "A contract's currency is not the reporting currency and the FX Rates sheet has no "
        "rate for it. A refresh also says so as a warning on the FX Rates sheet, once per "
        "currency, when it leaves that currency's amounts out of the Dashboard and the "
        "reporting columns of the Payment Schedule.",
        "Add a row for the currency to the FX Rates sheet.",
    ),
    "reporting-currency-rate": Code(
        "warning",
        "The FX Rates sheet gives the reporting currency a rate other than 1. The reporting "
        "currency's rate is always 1, so the row is not used; often the Reporting Currency was "
        "changed and the rates are still to the old one.",
        "Delete the row, and check that every other rate is in reporting-currency units per unit.",
    ),
    "fx-rate-one": Code(
        "warning",
        "The FX Rates sheet gives a currency other than the reporting currency a rate of "
        "exactly 1, so its amounts count unconverted: often the rates are quoted in that "
        "currency and the Reporting Currency was changed to another one.",
        "Enter the reporting-currency value of one unit of the currency, or set the Reporting "
        "Currency in Settings to it; keep 1 only for a currency pegged 1:1 to the reporting "
        "currency.",
    ),
    # found while computing: a refresh and the workbook's Validate button report them (the
    # Validation sheet, and a refresh's terminal); `xl-milestones validate` does not compute
    "overpaid": Code(
        "warning",
        "Found by the computation: a milestone's invoices record more paid than its amount due.",
        "Check the Paid Amount of its invoices.",
    ),
    "retention-released-before-taken": Code(
        "warning",
        "Found by the computation: a contract's signed-off retention releases pay back more "
        "than its signed-off milestones have retained, so its Retention Held is below zero.",
        "Sign off the milestones that carry the retention before the release, or check the "
        "release's Payment %.",
    ),
    "value-changed-after-signoff": Code(
        "warning",
        "Found by the computation: an approved change order changes the value of milestones "
        "signed off before its Approved Date (one it names, or every percent milestone of its "
        "contract when it names none). Their amount due includes the change from the "
        "sign-off's due date, so a part paid before the change can be overdue and bear "
        "interest for days when it was not owed.",
        "To pay the change on its own terms, give it a milestone of its own (a fixed "
        "milestone for the change, named in the change order's Milestone ID); otherwise "
        "nothing.",
    ),
    "negative-amount-due": Code(
        "warning",
        "Found by the computation: approved change orders take a payable milestone's value "
        "below zero, so its amount due is negative: a credit rather than a payment.",
        "Check the Value Change of the change orders naming it (for a percent milestone, "
        "also those of its contract).",
    ),
    "late-interest-too-large": Code(
        "warning",
        "Found by the computation: a milestone's late-payment interest is more than a cell "
        "shows to the cent (10^15 or more, or over 15 significant digits: compounded over "
        "decades at a high rate), so its Late Interest is left blank.",
        "Check the Late Interest Reference Rate and Margin on Settings, and the milestone's "
        "invoice dates and amounts.",
    ),
    "unknown-holiday-country": Code(
        "warning",
        "Found by the computation: Holiday Country has no public holiday calendar, so only "
        "weekends and the Holidays sheet are non-business days.",
        "Enter an ISO 3166 code such as GB, US or DE (a region as GB-ENG or DE-BY).",
    ),
    "holiday-years-not-known": Code(
        "warning",
        "Found by the computation: a due date was moved in a year whose public holidays of "
        "Holiday Country the holidays package has only in part or not at all (Japan's after "
        "2099, every country's after 2100, India's lunar holidays outside 2001-2035), so "
        "those holidays were not skipped. One warning per refresh, on the Settings cell; "
        "not given for a year with a date on the Holidays sheet.",
        "Add that year's public holidays to the Holidays sheet, or check the dates that "
        "made the due date fall in it.",
    ),
    "late-interest-regime-missing": Code(
        "warning",
        "Found by the computation: payments are late or overdue but Late Interest Regime is "
        "none, so no late-payment interest is computed. One warning per refresh, on the "
        "Settings cell.",
        "If interest is owed, set Late Interest Regime to uk, eu, us or fidic (with the Late "
        "Interest Reference Rate); leave it none if no interest is charged.",
    ),
    "late-interest-rate-missing": Code(
        "warning",
        "Found by the computation: payments are late or overdue but their interest rate is 0 "
        "(Late Interest Reference Rate blank or 0, and the regime has no margin), so no "
        "interest is computed. One warning per refresh, on the Settings cell.",
        "Enter the central bank reference rate, e.g. 5% (0.05).",
    ),
    # what only the reader sees
    "sheet-name-near-match": Code(
        "warning",
        "An optional input sheet (Invoices, Deliverables, Settings...) is missing, and a sheet "
        "whose name is near its name ('Invoice') is there: that sheet is not read, and the "
        "refresh counts the missing sheet as empty (every milestone with no invoices).",
        "Rename the sheet to the name the message gives ('Invoices').",
    ),
    "sheet-missing": Code(
        "warning",
        "An optional input sheet (Invoices, Deliverables, Settings...) is missing, so the "
        "refresh counts it as empty (every milestone with no invoices; every setting at its "
        "default). The issue names the missing sheet and has no cell.",
        "Add the sheet back with its header row, even if it stays empty (a template made by "
        "`xl-milestones new` has every sheet).",
    ),
    "column-no-header": Code(
        "warning",
        "A column inside a table (between its headers, or in its Excel table) has a blank "
        "header cell but holds values, so they are not read: a header cleared by mistake loses "
        "its column. The issue is on the column's first value.",
        "Type the column's header in its header cell: the schema's header if it is one of the "
        "sheet's columns (the message names those the sheet lacks), or one of your own.",
    ),
    "column-beside-table": Code(
        "warning",
        "The header of one of the sheet's columns is right of its Excel table, outside the "
        "table's range (a column pasted or added by a script does not grow the table), so its "
        "values are not read. The issue is on the header cell.",
        "Extend the table over the column (Table Design > Resize Table), or give a column of "
        "your own another header.",
    ),
    "sheet-empty": Code(
        "warning",
        "An optional input sheet is there but holds nothing, not even its header row, so the "
        "refresh counts it as empty, as if it were missing (every setting at its default, As "
        "Of Date today; every milestone with no invoices). The issue names the sheet.",
        "Type the sheet's header row back (Setting, Value on Settings), with its rows under it "
        "(a template made by `xl-milestones new` has them).",
    ),
    "result-column-missing": Code(
        "warning",
        "Milestones has been refreshed before but lacks one or more result columns (renamed or "
        "deleted): a refresh adds them again after the last column, and a column under another "
        "header is not updated. The issue is on the header row and has no cell.",
        "Give a renamed result column back its header, or let the refresh add it.",
    ),
    "column-name-near-match": Code(
        "warning",
        "An optional input column (Paid Amount, Payment %...) is missing, and a column whose "
        "header is near its header ('Paid Amt') is there: that column is not read, and the "
        "missing one is blank on every row (every invoice unpaid).",
        "Rename the header to the one the message gives ('Paid Amount').",
    ),
    "merged-cell": Code(
        "error",
        "Merged cells cover input columns; only the first cell holds a value, the others "
        "read as blank. Each row the merge covers is reported.",
        "Unmerge the cells and fill in each one.",
    ),
    "row-below-table": Code(
        "warning",
        "Rows were found right under an Excel table, outside its range (added by a script or a "
        "paste). They are read as part of the table, and a refresh extends the table over "
        "them; one warning per table, on the first such row.",
        "Nothing, or extend the table yourself (Table Design > Resize Table).",
    ),
    "row-below-totals": Code(
        "warning",
        "A row right under an Excel table's totals row holds data; it is not the table's and "
        "is not read.",
        "Turn the totals row off (Table Design > Total Row), or move the row into the table.",
    ),
    "hidden-row": Code(
        "warning",
        "Hidden rows hold data (one warning a sheet, at the first, with how many and which); "
        "they are validated and used like any other rows.",
        "Unhide them (or clear the filter) to review them, or delete those that should not count.",
    ),
}


def render_markdown() -> str:
    """docs/validation.md: the table of codes, for users and for whoever scripts against them."""
    lines = [
        "# Validation issues",
        "",
        "Every problem `xl-milestones validate` (and a refresh) can report, by its stable code.",
        "An **error** keeps the row out of the computation; a **warning** does not. A milestone",
        "is not computed when its own row, its contract's row or any row feeding it has an",
        "error (see docs/decisions.md). A code found by the computation is listed by a",
        "refresh and by the workbook's Validate button, which both put it on the Validation",
        "sheet; `xl-milestones validate` checks the cells without computing and does not list",
        "it. This page is generated from `src/xl_milestones/core/codes.py`; a test keeps them",
        "in step.",
        "",
        "| code | severity | meaning | fix |",
        "|---|---|---|---|",
    ]
    for name, code in CODES.items():
        lines.append(f"| `{name}` | {code.severity} | {code.meaning} | {code.fix} |")
    lines.append("")
    return "\n".join(lines)
