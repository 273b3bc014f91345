"""The worksheet functions of xl-milestones (xlwings UDFs), named as users type them in Excel.

Each is a one-line wrapper over ``xl_milestones.excel.udf_logic``; the docstrings are the
help Excel's function wizard shows. The workbook's xlwings.conf sheet names this module under UDF
Modules, and Import Functions on the Milestones tab registers them. Installed with the package
(``pip install xl-milestones``), so Excel's Python finds it without a PYTHONPATH setting.
"""

import datetime as dt
from typing import Any

import xlwings as xw

from xl_milestones.excel import udf_logic as logic
from xl_milestones.excel.book import XlwingsBook

CATEGORY = "Milestones"


def _book(caller: Any) -> XlwingsBook:
    """The workbook of the calling cell, read without touching Excel's settings."""
    return XlwingsBook(caller.sheet.book, interactive=False)


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_STATUS(milestone_id: Any, caller: Any) -> Any:
    """Status of a milestone (Not started, In progress, At risk, Late, Awaiting sign-off,
    Signed off, Rejected, On hold, Cancelled), computed from this workbook's tables."""
    return logic.milestone_value(_book(caller), milestone_id, "status", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_RAG(milestone_id: Any, caller: Any) -> Any:
    """RAG rating of a milestone: Green, Amber or Red (blank when cancelled)."""
    return logic.milestone_value(_book(caller), milestone_id, "rag", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_AMOUNT_DUE(milestone_id: Any, caller: Any) -> Any:
    """Amount due for a milestone, VAT included, after retention, advance recovery and delay
    damages, in the contract's currency (blank when it is not a payment milestone)."""
    return logic.milestone_value(_book(caller), milestone_id, "amount_due", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_DUE_DATE(milestone_id: Any, caller: Any) -> Any:
    """Payment due date of a milestone, from the contract's payment terms (blank until it can
    be known: after sign-off or after the invoice, as the terms say)."""
    return logic.milestone_value(_book(caller), milestone_id, "payment_due_date", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_SIGNOFF_READY(milestone_id: Any, caller: Any) -> Any:
    """TRUE when a milestone passes every sign-off check set to block, else FALSE."""
    return logic.milestone_value(_book(caller), milestone_id, "signoff_ready", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_SIGNOFF_DUE(milestone_id: Any, caller: Any) -> Any:
    """Date by which a milestone awaiting sign-off should be signed off: its actual date plus
    the Sign-off Days setting (blank when it is not awaiting sign-off)."""
    return logic.milestone_value(_book(caller), milestone_id, "signoff_due_date", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
@xw.arg(
    "milestone_id", err_to_str=True, doc='The Milestone ID, e.g. "M-001", or a cell holding it.'
)
def MS_BLOCKERS(milestone_id: Any, caller: Any) -> Any:
    """What stops a milestone being signed off, e.g. "deliverable D-104 not accepted"; blocking
    reasons first, then warnings. Blank when nothing does."""
    return logic.milestone_value(_book(caller), milestone_id, "signoff_blockers", dt.date.today())


@xw.func(category=CATEGORY, volatile=True)
def MS_RESULTS(caller: Any) -> Any:
    """Every milestone's results as one table that spills down and right: a header row, then
    Milestone ID and each result column (status, RAG, amounts, dates) per milestone."""
    return logic.results_table(_book(caller), dt.date.today())


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="The amount that was due, e.g. 10000.")
@xw.arg("due_date", err_to_str=True, doc="The date it was due.")
@xw.arg(
    "paid_date", err_to_str=True, doc="The date it was paid, or today's date when still unpaid."
)
@xw.arg("regime", err_to_str=True, doc="Late-payment law: none, uk, eu, us or fidic.")
@xw.arg("rate", err_to_str=True, doc="Central bank reference rate as a percentage, e.g. 5% (0.05).")
@xw.arg(
    "margin",
    err_to_str=True,
    doc="Optional: margin over the reference rate; blank = the law's margin.",
)
@xw.arg(
    "currency",
    err_to_str=True,
    doc="Optional: ISO currency code, for rounding (JPY has no decimals).",
)
def MS_LATE_INTEREST(
    amount: Any,
    due_date: Any,
    paid_date: Any,
    regime: Any,
    rate: Any,
    margin: Any = None,
    currency: Any = None,
) -> Any:
    """Late-payment interest on an amount paid after its due date, by the chosen law (uk and
    eu include their fixed compensation), rounded to the currency's smallest unit."""
    return logic.late_interest_amount(amount, due_date, paid_date, regime, rate, margin, currency)


@xw.func(category=CATEGORY)
@xw.arg("date", err_to_str=True, doc="The date the terms count from: the invoice or sign-off date.")
@xw.arg("days", err_to_str=True, doc="Payment terms in days, e.g. 30.")
@xw.arg(
    "basis",
    err_to_str=True,
    doc="Optional: after_invoice (default), after_signoff, eom_after_invoice...",
)
@xw.arg(
    "convention",
    err_to_str=True,
    doc="Optional: following (default), modified_following, preceding, none.",
)
@xw.arg(
    "country",
    err_to_str=True,
    doc="Optional: ISO country code whose public holidays are skipped, e.g. GB.",
)
def MS_PAYMENT_DUE_DATE(
    date: Any,
    days: Any,
    basis: Any = None,
    convention: Any = None,
    country: Any = None,
) -> Any:
    """Payment due date: the date plus the payment terms (from the month end for the eom_
    bases), moved off weekends and public holidays by the business day convention."""
    return logic.payment_due(date, days, basis, convention, country)
