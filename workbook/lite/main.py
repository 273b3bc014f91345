"""xl-milestones in xlwings Lite: the scripts of the task pane and two worksheet functions.

Thin wrappers over the xl-milestones package (installed from requirements.txt): each script does
what the desktop ribbon button of the same name does, through the same use cases and the same
live-workbook adapter (xl_milestones.excel.macros); the functions are the desktop functions'
logic. Edit nothing here: the code lives in the package, so an update of the package is all a
workbook needs.
"""

import xlwings as xw
from xlwings import arg, func, script

from xl_milestones.excel import macros, udf_logic


@script(exclude=macros.LITE_EXCLUDE)
def refresh(book: xw.Book):
    """Validate the input sheets, compute every milestone and write the result columns, the
    Dashboard, the Payment Schedule, the Validation sheet and one Refresh Log row."""
    macros.refresh(book)


@script(exclude=macros.LITE_EXCLUDE)
def validate(book: xw.Book):
    """Check the input sheets and list every problem on the Validation sheet, the
    computation's warnings included; no result is written."""
    macros.validate(book)


@script(exclude=macros.LITE_EXCLUDE)
def payment_schedule(book: xw.Book):
    """Refresh, then show the Payment Schedule sheet."""
    macros.payment_schedule(book)


@script(exclude=macros.LITE_EXCLUDE)
def signoff_pack(book: xw.Book):
    """Write the sign-off pack (HTML) for the review meeting; download it from the task pane's
    menu, Files > Import/Export."""
    macros.signoff_pack(book)


@script
def show_help(book: xw.Book):
    """Show what the workbook does; the full help is printed to the Output pane."""
    macros.show_help(book)


@func
@arg("amount", doc="The amount that was due, e.g. 10000.")
@arg("due_date", doc="The date it was due.")
@arg("paid_date", doc="The date it was paid, or today's date when still unpaid.")
@arg("regime", doc="Late-payment law: none, uk, eu, us or fidic.")
@arg("rate", doc="Central bank reference rate as a percentage, e.g. 5% (0.05).")
@arg("margin", doc="Optional: margin over the reference rate; blank = the law's margin.")
@arg("currency", doc="Optional: ISO currency code, for rounding (JPY has no decimals).")
def MS_LATE_INTEREST(amount, due_date, paid_date, regime, rate, margin=None, currency=None):
    """Late-payment interest on an amount paid after its due date, by the chosen law (uk and
    eu include their fixed compensation), rounded to the currency's smallest unit."""
    return udf_logic.late_interest_amount(
        amount, due_date, paid_date, regime, rate, margin, currency
    )


@func
@arg("date", doc="The date the terms count from: the invoice or sign-off date.")
@arg("days", doc="Payment terms in days, e.g. 30.")
@arg("basis", doc="Optional: after_invoice (default), after_signoff, eom_after_invoice...")
@arg("convention", doc="Optional: following (default), modified_following, preceding, none.")
@arg("country", doc="Optional: ISO country code whose public holidays are skipped, e.g. GB.")
def MS_PAYMENT_DUE_DATE(date, days, basis=None, convention=None, country=None):
    """Payment due date: the date plus the payment terms (from the month end for the eom_
    bases), moved off weekends and public holidays by the business day convention."""
    return udf_logic.payment_due(date, days, basis, convention, country)
