"""The milestone schema as data: every sheet, column, type, default, enum and range.

This module is the only place that spells a sheet name or a header. The validator, the readers,
the template builder, the writers and the documentation all read them from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import StrEnum
from typing import Final


class FieldType(StrEnum):
    """The cell types of SCHEMA.md."""

    TEXT = "text"
    ID = "id"
    DATE = "date"
    MONEY = "money"
    INT = "int"
    RATIO = "ratio"
    NUMBER = "number"
    YESNO = "yesno"
    ENUM = "enum"
    IDS = "ids"


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a table (or one row of the Settings key/value table)."""

    name: str
    header: str
    type: FieldType
    description: str
    required: bool = False
    default: object = None
    enum: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    exclusive_minimum: bool = False
    unique: bool = False
    result: bool = False

    @property
    def key(self) -> str:
        """The header as matched: case, spaces, underscores and punctuation ignored."""
        return normalize_header(self.header)


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of the workbook: an input table, the Settings table or an output sheet."""

    name: str
    key: str
    fields: tuple[Field, ...]
    description: str
    required: bool = False
    output: bool = False
    # What a refresh takes when an optional input sheet is missing (``sheet-missing``): "every
    # milestone is computed as having no invoices".
    when_missing: str = ""
    # The fields by name, for ``field``: looked up per cell and per result in places.
    _by_name: dict[str, Field] = dataclass_field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_name.update((f.name, f) for f in self.fields)

    @property
    def table_name(self) -> str:
        """The Excel table name the template gives it: ``tbl`` + the sheet name, letters only."""
        return "tbl" + re.sub(r"[^A-Za-z0-9]", "", self.name)

    @property
    def inputs(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.result)

    @property
    def results(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.result)

    def field(self, name: str) -> Field:
        got = self._by_name.get(name)
        if got is None:
            raise KeyError(f"{self.name} has no field {name!r}")
        return got

    def header(self, name: str) -> str:
        return self.field(name).header


_NON_ALNUM = re.compile(r"[^0-9a-z%]+")


def normalize_header(text: str) -> str:
    """Header (and sheet-name) matching key: ``Contract ID`` = ``contract_id`` = ``CONTRACT-ID``.

    ``%`` is kept because ``% Complete`` and ``Payment %`` would otherwise lose their meaning.
    """
    return _NON_ALNUM.sub("", str(text).strip().lower())


def _f(
    name: str,
    header: str,
    type_: FieldType,
    description: str,
    **kw: object,
) -> Field:
    return Field(name, header, type_, description, **kw)  # type: ignore[arg-type]


T = FieldType
D = Decimal
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

MILESTONE_TYPES: Final = ("project", "payment", "deliverable")
PAYMENT_BASES: Final = ("none", "percent", "fixed", "retention_release")
PAYMENT_TERMS_BASES: Final = (
    "after_signoff",
    "after_invoice",
    "eom_after_signoff",
    "eom_after_invoice",
)
BUSINESS_DAY_CONVENTIONS: Final = ("none", "following", "modified_following", "preceding")
LATE_INTEREST_REGIMES: Final = ("none", "uk", "eu", "us", "fidic")
CHECK_MODES: Final = ("block", "warn", "off")
CONTRACT_STATUSES: Final = ("active", "suspended", "closed", "terminated")

STATUSES: Final = (
    "Not started",
    "In progress",
    "At risk",
    "Late",
    "Awaiting sign-off",
    "Signed off",
    "Rejected",
    "On hold",
    "Cancelled",
)
# What a milestone whose rows have errors shows for its status explanation and in the Changes
# sheet, and the sign-off pack on its line: its results are left blank.
NOT_COMPUTED: Final = "not computed: see Validation"
RAGS: Final = ("Green", "Amber", "Red")
PAYMENT_STATUSES: Final = (
    "Not payable",
    "Awaiting invoice",
    "Not yet due",
    "Overdue",
    "Part paid",
    "Paid",
)

# Sign-off checks of RULES.md section 4, with their default mode, in the order reasons are listed.
SIGNOFF_CHECKS: Final[tuple[tuple[str, str, str], ...]] = (
    ("Completion", "block", "actual date is blank"),
    ("Deliverables", "block", "a deliverable of the milestone is not accepted"),
    ("Predecessors", "block", "a predecessor is not Signed off"),
    ("Blocking Issues", "block", "an open issue on it blocks sign-off"),
    ("Disputes", "block", "there is an open dispute on it"),
    ("Approvers", "block", "a required role has no approver, or an approver is the owner"),
    ("Contract Active", "block", "the contract's status is not active"),
    ("Evidence", "warn", "neither the milestone nor its deliverables have evidence"),
    ("Acceptance Criteria", "warn", "acceptance criteria are blank"),
    (
        "Pending Changes",
        "warn",
        "a change order naming the milestone is proposed, or approved after the as-of date",
    ),
    ("Invoice", "off", "a payment milestone with invoice-based terms has no invoice"),
)

# Late Interest Margin when the Settings row is blank, by regime (RULES.md section 3).
DEFAULT_LATE_INTEREST_MARGIN: Final = {
    "none": D("0"),
    "uk": D("0.08"),
    "eu": D("0.08"),
    "us": D("0"),
    "fidic": D("0.03"),
}


# --------------------------------------------------------------------------------------- Settings

SETTINGS: Final = Sheet(
    name="Settings",
    key="settings",
    when_missing="every setting takes its default (As Of Date: today, unless one is given)",
    description="Key/value settings: the as-of date, currency, calendars, interest and checks.",
    fields=(
        _f("setting", "Setting", T.TEXT, "The setting's name; one row per setting.", required=True),
        _f("value", "Value", T.TEXT, "The setting's value; blank means the default."),
    ),
)

SETTING_FIELDS: Final[tuple[Field, ...]] = (
    _f(
        "as_of_date",
        "As Of Date",
        T.DATE,
        "The date every status and amount is computed for; blank means today.",
    ),
    _f(
        "reporting_currency",
        "Reporting Currency",
        T.TEXT,
        "ISO 4217 code for dashboard totals; blank means the most common contract currency.",
    ),
    _f(
        "business_day_convention",
        "Business Day Convention",
        T.ENUM,
        "How a payment due date on a weekend or holiday is moved.",
        default="following",
        enum=BUSINESS_DAY_CONVENTIONS,
    ),
    _f(
        "holiday_country",
        "Holiday Country",
        T.TEXT,
        "ISO 3166 code of a country (GB, US, DE...) or a region (GB-ENG, US-NY, DE-BY) whose "
        "public holidays are not business days.",
    ),
    _f(
        "late_interest_regime",
        "Late Interest Regime",
        T.ENUM,
        "How late-payment interest is computed: none, uk, eu, us or fidic.",
        default="none",
        enum=LATE_INTEREST_REGIMES,
    ),
    _f(
        "late_interest_reference_rate",
        "Late Interest Reference Rate",
        T.RATIO,
        "Central bank reference rate, as a percentage.",
        default=ZERO,
        minimum=ZERO,
        maximum=ONE,
    ),
    _f(
        "late_interest_margin",
        "Late Interest Margin",
        T.RATIO,
        "Added to the reference rate; blank means the regime's statutory margin.",
        minimum=ZERO,
        maximum=ONE,
    ),
    _f(
        "at_risk_window_days",
        "At Risk Window Days",
        T.INT,
        "A milestone this close to its revised date and under 50% complete is At risk.",
        default=14,
        minimum=ZERO,
        maximum=D(3650),
    ),
    _f(
        "rag_tolerance_days",
        "RAG Tolerance Days",
        T.INT,
        "A milestone finished this many days late or less is still Green.",
        default=0,
        minimum=ZERO,
        maximum=D(3650),
    ),
    _f(
        "signoff_days",
        "Sign-off Days",
        T.INT,
        "Calendar days after the actual date within which sign-off is due.",
        default=10,
        minimum=ZERO,
        maximum=D(3650),
    ),
    *tuple(
        _f(
            "check_" + name.lower().replace(" ", "_"),
            "Check " + name,
            T.ENUM,
            f"Sign-off check: fails when {reason}. block, warn or off.",
            default=mode,
            enum=CHECK_MODES,
        )
        for name, mode, reason in SIGNOFF_CHECKS
    ),
)

# ------------------------------------------------------------------------------------- Contracts

CONTRACTS: Final = Sheet(
    name="Contracts",
    key="contracts",
    required=True,
    description="One row per contract: value, currency and commercial terms.",
    fields=(
        _f(
            "contract_id",
            "Contract ID",
            T.ID,
            "Unique contract reference, e.g. C-001.",
            required=True,
            unique=True,
        ),
        _f("contract_name", "Contract Name", T.TEXT, "Short name of the contract.", required=True),
        _f("supplier", "Supplier", T.TEXT, "The supplier or contractor.", required=True),
        _f(
            "currency",
            "Currency",
            T.TEXT,
            "ISO 4217 currency code, e.g. GBP, EUR, USD.",
            required=True,
        ),
        _f(
            "original_value",
            "Original Value",
            T.MONEY,
            "Contract value at signature, before change orders.",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
        ),
        _f("start_date", "Start Date", T.DATE, "Contract start date.", required=True),
        _f("end_date", "End Date", T.DATE, "Contract end date; on or after the start date."),
        _f(
            "payment_terms_days",
            "Payment Terms Days",
            T.INT,
            "Days from sign-off or invoice to payment (0-365).",
            default=30,
            minimum=ZERO,
            maximum=D(365),
        ),
        _f(
            "payment_terms_basis",
            "Payment Terms Basis",
            T.ENUM,
            "What the payment days count from.",
            default="after_invoice",
            enum=PAYMENT_TERMS_BASES,
        ),
        _f(
            "retention_rate",
            "Retention Rate",
            T.RATIO,
            "Share of each payment held back as retention (at most 50%).",
            default=ZERO,
            minimum=ZERO,
            maximum=D("0.5"),
        ),
        _f(
            "retention_limit",
            "Retention Limit",
            T.RATIO,
            "Retention stops at this share of the revised contract value; blank = no limit.",
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "advance_amount",
            "Advance Payment",
            T.MONEY,
            "Advance paid at signature, recovered from later payments.",
            default=ZERO,
            minimum=ZERO,
        ),
        _f(
            "advance_recovery_threshold",
            "Advance Recovery Threshold",
            T.RATIO,
            "Recovery starts once certified value exceeds this share of the original value.",
            default=D("0.10"),
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "advance_recovery_rate",
            "Advance Recovery Rate",
            T.RATIO,
            "Share of each certified payment that recovers the advance.",
            default=D("0.25"),
            minimum=ZERO,
            exclusive_minimum=True,
            maximum=ONE,
        ),
        _f(
            "delay_damages_rate",
            "Delay Damages Per Day",
            T.RATIO,
            "Delay damages per calendar day late, as a share of the milestone value.",
            default=ZERO,
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "delay_damages_cap",
            "Delay Damages Cap",
            T.RATIO,
            "Cap on all delay damages, as a share of the revised contract value; blank = none.",
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "vat_rate",
            "VAT Rate",
            T.RATIO,
            "VAT (sales tax) rate added to the net amount.",
            default=ZERO,
            minimum=ZERO,
            maximum=ONE,
        ),
        _f("contract_owner", "Contract Owner", T.TEXT, "Who manages the contract."),
        _f(
            "contract_status",
            "Contract Status",
            T.ENUM,
            "active, suspended, closed or terminated.",
            default="active",
            enum=CONTRACT_STATUSES,
        ),
    ),
)

# ------------------------------------------------------------------------------------ Milestones

MILESTONES: Final = Sheet(
    name="Milestones",
    key="milestones",
    required=True,
    description="One row per milestone: dates, progress, payment basis; results on the right.",
    fields=(
        _f(
            "milestone_id",
            "Milestone ID",
            T.ID,
            "Unique milestone reference, e.g. M-001.",
            required=True,
            unique=True,
        ),
        _f(
            "contract_id",
            "Contract ID",
            T.ID,
            "The contract it belongs to (Contracts sheet).",
            required=True,
        ),
        _f("milestone_name", "Milestone", T.TEXT, "What is to be achieved.", required=True),
        _f(
            "milestone_type",
            "Type",
            T.ENUM,
            "project, payment or deliverable.",
            required=True,
            enum=MILESTONE_TYPES,
        ),
        _f("owner", "Owner", T.TEXT, "Who is responsible for delivering it."),
        _f(
            "acceptance_criteria",
            "Acceptance Criteria",
            T.TEXT,
            "What must be true for it to be signed off.",
        ),
        _f(
            "baseline_date",
            "Baseline Date",
            T.DATE,
            "The contractual date; changed only through change orders.",
            required=True,
        ),
        _f("forecast_date", "Forecast Date", T.DATE, "Current forecast of the actual date."),
        _f("actual_date", "Actual Date", T.DATE, "Date it was achieved; not after the as-of date."),
        _f(
            "percent_complete",
            "% Complete",
            T.RATIO,
            "Progress from 0% to 100%.",
            default=ZERO,
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "payment_basis",
            "Payment Basis",
            T.ENUM,
            "none, percent (of contract), fixed (amount) or retention_release.",
            default="none",
            enum=PAYMENT_BASES,
        ),
        _f(
            "payment_percent",
            "Payment %",
            T.RATIO,
            "Share of the contract value (percent) or of retention (retention_release).",
            minimum=ZERO,
            maximum=ONE,
        ),
        _f(
            "payment_amount",
            "Payment Amount",
            T.MONEY,
            "Amount payable (fixed basis); not more than the contract's value.",
            minimum=ZERO,
        ),
        _f(
            "predecessors",
            "Predecessors",
            T.IDS,
            "Milestone IDs of the same contract that must be signed off first, comma-separated.",
        ),
        _f("evidence", "Evidence", T.TEXT, "Link or document reference proving completion."),
        _f("on_hold", "On Hold", T.YESNO, "yes when work is paused.", default=False),
        _f(
            "cancelled",
            "Cancelled",
            T.YESNO,
            "yes when the milestone no longer applies.",
            default=False,
        ),
        _f("notes", "Notes", T.TEXT, "Free text."),
        _f(
            "revised_date",
            "Revised Date",
            T.DATE,
            "Result: baseline plus approved extension days.",
            result=True,
        ),
        _f(
            "status",
            "Status",
            T.ENUM,
            "Result: the milestone's status.",
            result=True,
            enum=STATUSES,
        ),
        _f("rag", "RAG", T.ENUM, "Result: Red, Amber or Green.", result=True, enum=RAGS),
        _f(
            "days_late",
            "Days Late",
            T.INT,
            "Result: days past the revised date: by the actual date when complete (negative = "
            "early), else by the as-of or forecast date, the later (negative = days left).",
            result=True,
        ),
        _f(
            "signoff_ready",
            "Sign-off Ready",
            T.YESNO,
            "Result: TRUE when no blocking sign-off check fails, else FALSE.",
            result=True,
        ),
        _f(
            "signoff_blockers",
            "Sign-off Blockers",
            T.TEXT,
            "Result: why it cannot be signed off yet.",
            result=True,
        ),
        _f(
            "signoff_date",
            "Sign-off Date",
            T.DATE,
            "Result: date of the last required approval.",
            result=True,
        ),
        _f(
            "signoff_due_date",
            "Sign-off Due",
            T.DATE,
            "Result: actual date plus Sign-off Days; Awaiting sign-off only.",
            result=True,
        ),
        _f(
            "days_awaiting_signoff",
            "Days Awaiting Sign-off",
            T.INT,
            "Result: days since the actual date; Awaiting sign-off only.",
            result=True,
        ),
        _f(
            "milestone_value",
            "Milestone Value",
            T.MONEY,
            "Result: gross value of the milestone.",
            result=True,
        ),
        _f("retention_amount", "Retention", T.MONEY, "Result: retention held back.", result=True),
        _f(
            "advance_recovery",
            "Advance Recovery",
            T.MONEY,
            "Result: advance payment recovered.",
            result=True,
        ),
        _f(
            "delay_damages",
            "Delay Damages",
            T.MONEY,
            "Result: delay damages deducted (or accrued, when not yet payable).",
            result=True,
        ),
        _f("net_amount", "Net Amount", T.MONEY, "Result: value after deductions.", result=True),
        _f("vat_amount", "VAT", T.MONEY, "Result: VAT on the net amount.", result=True),
        _f("amount_due", "Amount Due", T.MONEY, "Result: net amount plus VAT.", result=True),
        _f(
            "payment_due_date",
            "Payment Due Date",
            T.DATE,
            "Result: when payment is due under the contract's terms.",
            result=True,
        ),
        _f("paid_amount", "Paid", T.MONEY, "Result: paid so far.", result=True),
        _f(
            "outstanding_amount",
            "Outstanding",
            T.MONEY,
            "Result: amount due less paid.",
            result=True,
        ),
        _f(
            "payment_status",
            "Payment Status",
            T.ENUM,
            "Result: where the payment stands.",
            result=True,
            enum=PAYMENT_STATUSES,
        ),
        _f(
            "days_overdue",
            "Days Overdue",
            T.INT,
            "Result: days past the payment due date.",
            result=True,
        ),
        _f(
            "late_interest",
            "Late Interest",
            T.MONEY,
            "Result: statutory or contractual late-payment interest.",
            result=True,
        ),
    ),
)

DELIVERABLES: Final = Sheet(
    name="Deliverables",
    key="deliverables",
    when_missing="every milestone is computed as having no deliverables",
    description="Documents, software or works to be handed over for each milestone.",
    fields=(
        _f(
            "deliverable_id",
            "Deliverable ID",
            T.ID,
            "Unique deliverable reference.",
            required=True,
            unique=True,
        ),
        _f("milestone_id", "Milestone ID", T.ID, "The milestone it belongs to.", required=True),
        _f("deliverable_name", "Deliverable", T.TEXT, "What is delivered.", required=True),
        _f("due_date", "Due Date", T.DATE, "When it is due."),
        _f("submitted_date", "Submitted Date", T.DATE, "When the supplier submitted it."),
        _f("accepted_date", "Accepted Date", T.DATE, "When it was accepted."),
        _f(
            "acceptance_status",
            "Acceptance Status",
            T.ENUM,
            "pending, submitted, accepted or rejected.",
            default="pending",
            enum=("pending", "submitted", "accepted", "rejected"),
        ),
        _f("evidence", "Evidence", T.TEXT, "Link or document reference."),
    ),
)

SIGNOFFS: Final = Sheet(
    name="Sign-offs",
    key="signoffs",
    when_missing="every milestone is computed as having no sign-offs",
    description="One row per approver per milestone; the latest decision of each approver counts.",
    fields=(
        _f("milestone_id", "Milestone ID", T.ID, "The milestone being approved.", required=True),
        _f(
            "approver_role",
            "Approver Role",
            T.TEXT,
            "Role, matching the Approval Rules.",
            required=True,
        ),
        _f(
            "approver_name",
            "Approver Name",
            T.TEXT,
            "Who approves; not the milestone's owner.",
            required=True,
        ),
        _f(
            "decision",
            "Decision",
            T.ENUM,
            "pending, approved or rejected.",
            default="pending",
            enum=("pending", "approved", "rejected"),
        ),
        _f("decision_date", "Decision Date", T.DATE, "Date of the decision."),
        _f("comment", "Comment", T.TEXT, "Reason, required for a rejection."),
    ),
)

APPROVAL_RULES: Final = Sheet(
    name="Approval Rules",
    key="approval_rules",
    when_missing="no role is required by a milestone's value, and every approver it lists must "
    "approve",
    description="Which roles must approve a milestone, by its value in the reporting currency.",
    fields=(
        _f(
            "min_value",
            "Minimum Value",
            T.MONEY,
            "The role must approve milestones worth at least this much.",
            required=True,
            minimum=ZERO,
        ),
        _f("approver_role", "Approver Role", T.TEXT, "The role that must approve.", required=True),
    ),
)

CHANGE_ORDERS: Final = Sheet(
    name="Change Orders",
    key="change_orders",
    when_missing="no change order moves a date or a value",
    description="Approved changes move dates (extension days) and values (value change).",
    fields=(
        _f("change_id", "Change ID", T.ID, "Unique change reference.", required=True, unique=True),
        _f("contract_id", "Contract ID", T.ID, "The contract changed.", required=True),
        _f(
            "milestone_id",
            "Milestone ID",
            T.ID,
            "The milestone changed; blank = every milestone of the contract.",
        ),
        _f("description", "Description", T.TEXT, "What changed and why.", required=True),
        _f(
            "value_change",
            "Value Change",
            T.MONEY,
            "Change in value; may be negative.",
            default=ZERO,
        ),
        _f(
            "extension_days",
            "Extension Days",
            T.INT,
            "Days added to the date; may be negative, up to ten years either way.",
            default=0,
            minimum=D(-3650),
            maximum=D(3650),
        ),
        _f(
            "change_status",
            "Status",
            T.ENUM,
            "proposed, approved or rejected.",
            default="proposed",
            enum=("proposed", "approved", "rejected"),
        ),
        _f("approved_date", "Approved Date", T.DATE, "Date the change was approved."),
    ),
)

INVOICES: Final = Sheet(
    name="Invoices",
    key="invoices",
    when_missing="every milestone is computed as having no invoices",
    description="Supplier invoices against milestones, with what has been paid.",
    fields=(
        _f("invoice_id", "Invoice ID", T.ID, "Unique invoice number.", required=True, unique=True),
        _f("milestone_id", "Milestone ID", T.ID, "The milestone invoiced.", required=True),
        _f("invoice_date", "Invoice Date", T.DATE, "Date of the invoice.", required=True),
        _f(
            "invoice_amount",
            "Invoice Amount",
            T.MONEY,
            "Amount invoiced, VAT included.",
            required=True,
            minimum=ZERO,
        ),
        _f("paid_date", "Paid Date", T.DATE, "Date it was paid; on or after the invoice date."),
        _f(
            "paid_amount",
            "Paid Amount",
            T.MONEY,
            "Amount paid on that date.",
            default=ZERO,
            minimum=ZERO,
        ),
    ),
)

ISSUES: Final = Sheet(
    name="Issues",
    key="issues",
    when_missing="every milestone is computed as having no issues",
    description="Risks, issues and disputes raised against milestones.",
    fields=(
        _f("issue_id", "Issue ID", T.ID, "Unique reference.", required=True, unique=True),
        _f("milestone_id", "Milestone ID", T.ID, "The milestone affected.", required=True),
        _f(
            "category",
            "Category",
            T.ENUM,
            "risk, issue or dispute.",
            required=True,
            enum=("risk", "issue", "dispute"),
        ),
        _f(
            "severity",
            "Severity",
            T.ENUM,
            "low, medium, high or critical.",
            default="medium",
            enum=("low", "medium", "high", "critical"),
        ),
        _f(
            "blocking",
            "Blocks Sign-off",
            T.YESNO,
            "yes when it must be closed before sign-off.",
            default=False,
        ),
        _f(
            "issue_status",
            "Status",
            T.ENUM,
            "open or closed.",
            default="open",
            enum=("open", "closed"),
        ),
        _f("raised_date", "Raised Date", T.DATE, "When it was raised."),
        _f("closed_date", "Closed Date", T.DATE, "When it was closed."),
        _f("issue_owner", "Owner", T.TEXT, "Who is resolving it."),
        _f("description", "Description", T.TEXT, "What it is about.", required=True),
        _f(
            "amount_disputed",
            "Amount Disputed",
            T.MONEY,
            "For a dispute: the amount at stake.",
            minimum=ZERO,
        ),
    ),
)

HOLIDAYS: Final = Sheet(
    name="Holidays",
    key="holidays",
    when_missing="only weekends and the Holiday Country's public holidays are non-business days",
    description="Extra non-business days for payment due dates (company closures...).",
    fields=(
        _f("holiday_date", "Date", T.DATE, "A non-business day.", required=True, unique=True),
        _f("holiday_name", "Holiday", T.TEXT, "Its name."),
    ),
)

FX_RATES: Final = Sheet(
    name="FX Rates",
    key="fx_rates",
    when_missing="no contract currency other than the reporting currency has a rate",
    description="Reporting-currency units per one unit of each contract currency.",
    fields=(
        _f("currency", "Currency", T.TEXT, "ISO 4217 code.", required=True, unique=True),
        _f(
            "rate_to_reporting",
            "Rate To Reporting",
            T.NUMBER,
            "Reporting-currency units per one unit of this currency.",
            required=True,
            minimum=ZERO,
            exclusive_minimum=True,
        ),
    ),
)

INPUT_SHEETS: Final[tuple[Sheet, ...]] = (
    SETTINGS,
    CONTRACTS,
    MILESTONES,
    DELIVERABLES,
    SIGNOFFS,
    APPROVAL_RULES,
    CHANGE_ORDERS,
    INVOICES,
    ISSUES,
    HOLIDAYS,
    FX_RATES,
)

# ---------------------------------------------------------------------------------- Output sheets

# The Payment Schedule's two bases (RULES.md section 5), each measure as (field, header, what it
# adds up), in column order: value (excluding VAT, before deductions) then cash (including VAT).
SCHEDULE_VALUE_MEASURES: Final = (
    ("planned_value", "Planned Value", "percent and fixed milestone values by baseline date"),
    ("forecast_value", "Forecast Value", "the same values by actual, else forecast, date"),
    ("certified_value", "Certified Value", "values of signed-off milestones by sign-off date"),
)
SCHEDULE_CASH_MEASURES: Final = (
    ("due", "Due", "amount due (VAT included) of signed-off milestones by payment due date"),
    ("invoiced", "Invoiced", "invoice amounts by invoice date"),
    ("paid", "Paid", "paid amounts by paid date"),
)
SCHEDULE_MEASURES: Final = SCHEDULE_VALUE_MEASURES + SCHEDULE_CASH_MEASURES

PAYMENT_SCHEDULE: Final = Sheet(
    name="Payment Schedule",
    key="payment_schedule",
    output=True,
    description=(
        "Per contract and month: planned, forecast and certified value (excluding VAT, before "
        "deductions), due, invoiced and paid (including VAT), running totals, and each in the "
        "reporting currency."
    ),
    fields=(
        _f("month", "Month", T.DATE, "The month (its first day).", result=True),
        _f("contract_id", "Contract ID", T.ID, "The contract.", result=True),
        _f("currency", "Currency", T.TEXT, "The contract's currency.", result=True),
        *(_f(n, h, T.MONEY, f"In the month: {d}.", result=True) for n, h, d in SCHEDULE_MEASURES),
        *(
            _f("cumulative_" + n, "Cumulative " + h, T.MONEY, f"Running total of {h}.", result=True)
            for n, h, _d in SCHEDULE_MEASURES
        ),
        *(
            _f(
                n + "_reporting",
                h + " (Reporting)",
                T.MONEY,
                f"{h} in the reporting currency; blank without an FX rate.",
                result=True,
            )
            for n, h, _d in SCHEDULE_MEASURES
        ),
    ),
)

SIGNOFF_QUEUE: Final = Sheet(
    name="Sign-off Queue",
    key="signoff_queue",
    output=True,
    description="Who must sign what, by when: milestones awaiting sign-off, most overdue first.",
    fields=tuple(
        _f(n, h, t, d, result=True)
        for n, h, t, d in (
            ("milestone_id", "Milestone ID", T.ID, "The milestone awaiting sign-off."),
            ("contract_id", "Contract ID", T.ID, "Its contract."),
            ("milestone_name", "Milestone", T.TEXT, "What was achieved."),
            ("approver_role", "Approver Role", T.TEXT, "The role whose approval is missing."),
            ("approver_name", "Approver Name", T.TEXT, "Who holds it; blank when none listed."),
            ("latest_decision", "Latest Decision", T.TEXT, "pending, or no approver listed."),
            ("completed", "Completed", T.DATE, "The milestone's actual date."),
            ("days_waiting", "Days Waiting", T.INT, "Days since it was completed."),
            ("signoff_due_date", "Sign-off Due", T.DATE, "Completed + Sign-off Days."),
            ("days_overdue", "Days Overdue", T.INT, "Days past Sign-off Due (0 when not)."),
            (
                "signoff_ready",
                "Ready",
                T.YESNO,
                "TRUE when no blocking sign-off check fails, else FALSE.",
            ),
            (
                "amount_at_stake",
                "Amount at Stake",
                T.MONEY,
                "Amount due if signed off on the as-of date (pro forma).",
            ),
            ("currency", "Currency", T.TEXT, "The contract's currency."),
        )
    ),
)

CHANGES: Final = Sheet(
    name="Changes",
    key="changes",
    output=True,
    description="What changed since the last refresh: one row per milestone and field.",
    fields=tuple(
        _f(n, h, t, d, result=True)
        for n, h, t, d in (
            ("milestone_id", "Milestone ID", T.ID, "The milestone that changed."),
            ("contract_id", "Contract ID", T.ID, "Its contract."),
            ("milestone_name", "Milestone", T.TEXT, "What is to be achieved."),
            ("field", "Field", T.TEXT, "The result that changed, or added / removed."),
            ("before", "Before", T.TEXT, "Its value at the previous refresh."),
            ("after", "After", T.TEXT, "Its value now."),
            ("previous_as_of", "Previous As Of", T.DATE, "As-of date of the previous refresh."),
            ("as_of", "As Of", T.DATE, "As-of date of this refresh."),
        )
    ),
)
# The Milestones results the change report compares, in the order it lists them.
CHANGE_FIELDS: Final = (
    "status",
    "rag",
    "payment_status",
    "amount_due",
    "payment_due_date",
    "revised_date",
    "signoff_ready",
)

# Headers of output columns that earlier versions wrote and this one no longer does (planned,
# forecast and paid on one line, RULES.md section 5): a refresh that finds one on an output
# sheet or Dashboard block lays it out anew rather than leave its old figures beside the new.
RETIRED_HEADERS: Final = frozenset(
    (
        "Planned",
        "Forecast",
        "Cumulative Planned",
        "Cumulative Forecast",
        "Planned (Reporting)",
        "Forecast (Reporting)",
        "Cumulative payments by month",
    )
)

VALIDATION: Final = Sheet(
    name="Validation",
    key="validation",
    output=True,
    description="Every problem found by the last refresh, with a link to its cell.",
    fields=tuple(
        _f(n, h, t, d, result=True)
        for n, h, t, d in (
            ("severity", "Severity", T.TEXT, "error or warning."),
            ("code", "Code", T.TEXT, "Stable code of the problem."),
            ("sheet", "Sheet", T.TEXT, "Sheet of the cell."),
            ("row", "Row", T.INT, "Row number of the cell."),
            ("column", "Column", T.TEXT, "Column header."),
            ("cell", "Cell", T.TEXT, "Address of the cell (a link)."),
            ("value", "Value", T.TEXT, "The value found."),
            ("message", "Message", T.TEXT, "What is wrong and how to fix it."),
        )
    ),
)

REFRESH_LOG: Final = Sheet(
    name="Refresh Log",
    key="refresh_log",
    output=True,
    description="One row per refresh.",
    fields=tuple(
        _f(n, h, t, d, result=True)
        for n, h, t, d in (
            ("refreshed_at", "Refreshed At", T.TEXT, "When the refresh ran (UTC)."),
            ("as_of_date", "As Of Date", T.DATE, "The as-of date used."),
            ("tool_version", "Tool Version", T.TEXT, "xl-milestones version."),
            (
                "milestones",
                "Milestones",
                T.INT,
                "Milestones on the sheet, those not computed (errors) included.",
            ),
            ("errors", "Errors", T.INT, "Validation errors."),
            ("warnings", "Warnings", T.INT, "Validation warnings."),
            ("status_counts", "Status Counts", T.TEXT, "Computed milestones by status."),
        )
    ),
)

DASHBOARD: Final = Sheet(
    name="Dashboard",
    key="dashboard",
    output=True,
    description="Key figures and charts of the portfolio, in the reporting currency.",
    fields=(),
)


@dataclass(frozen=True, slots=True)
class Block:
    """A table a refresh writes at a fixed place of the Dashboard; charts read from it."""

    title: str
    first_column: str
    header_row: int
    fields: tuple[Field, ...]


def _out(*specs: tuple[str, str, FieldType, str]) -> tuple[Field, ...]:
    return tuple(_f(n, h, t, d, result=True) for n, h, t, d in specs)


# Row 1 holds the title, row 2 the as-of date and reporting currency; blocks start on row 4.
DASHBOARD_TITLE_ROW: Final = 1
DASHBOARD_AS_OF_ROW: Final = 2
DASHBOARD_KPIS: Final = Block(
    "Key figures",
    "A",
    4,
    _out(
        ("metric", "Metric", T.TEXT, "What is measured."),
        ("value", "Value", T.NUMBER, "The figure, in the reporting currency for amounts."),
    ),
)
DASHBOARD_STATUS: Final = Block(
    "Milestones by status",
    "D",
    4,
    _out(
        ("status", "Status", T.TEXT, "A milestone status."),
        ("count", "Milestones", T.INT, "How many milestones have it."),
    ),
)
DASHBOARD_SCURVE: Final = Block(
    "Cumulative by month",
    "G",
    4,
    (
        _f("month", "Month", T.DATE, "The month (its first day).", result=True),
        *(
            _f("cumulative_" + n, h, T.MONEY, f"Cumulative {h}, reporting currency.", result=True)
            for n, h, _d in SCHEDULE_MEASURES
        ),
    ),
)
# The Dashboard's two S-curves, each on one basis and never mixed (RULES.md section 5): the
# chart's title and the S-curve block fields it draws.
DASHBOARD_SCURVE_CHARTS: Final = (
    (
        "Cumulative value (excl. VAT)",
        tuple("cumulative_" + n for n, _h, _d in SCHEDULE_VALUE_MEASURES),
    ),
    (
        "Cumulative cash (incl. VAT)",
        tuple("cumulative_" + n for n, _h, _d in SCHEDULE_CASH_MEASURES),
    ),
)
DASHBOARD_BLOCKS: Final = (DASHBOARD_KPIS, DASHBOARD_STATUS, DASHBOARD_SCURVE)

# The key figures of RULES.md section 5, in the order the Dashboard lists them.
DASHBOARD_METRICS: Final = (
    ("milestones", "Milestones"),
    ("green", "RAG Green"),
    ("amber", "RAG Amber"),
    ("red", "RAG Red"),
    ("ready_for_signoff", "Ready for sign-off"),
    ("signoffs_overdue", "Sign-offs overdue"),
    ("oldest_signoff_days", "Oldest sign-off waiting (days)"),
    ("due_30", "Due in the next 30 days"),
    ("due_60", "Due in the next 60 days"),
    ("due_90", "Due in the next 90 days"),
    ("overdue", "Overdue outstanding"),
    ("retention_held", "Retention held"),
    ("delay_damages_taken", "Delay damages taken"),
    ("delay_damages_accrued", "Delay damages accrued"),
    ("advance_outstanding", "Advance outstanding"),
)

OUTPUT_SHEETS: Final[tuple[Sheet, ...]] = (
    DASHBOARD,
    PAYMENT_SCHEDULE,
    SIGNOFF_QUEUE,
    CHANGES,
    VALIDATION,
    REFRESH_LOG,
)
ALL_SHEETS: Final[tuple[Sheet, ...]] = INPUT_SHEETS + OUTPUT_SHEETS
# Sheets of the template that are not part of the schema (readers ignore them): the Start sheet
# and the hidden Lists sheet that feeds the dropdowns.
START_SHEET: Final = "Start"
LISTS_SHEET: Final = "Lists"
SHEETS_BY_KEY: Final = {s.key: s for s in ALL_SHEETS}

# ------------------------------------------------------------ checks declared on columns
# Each is run over the named columns of every row by core/validation (docs/validation.md).
# Ids naming a row of another sheet: sheet key -> (field, key of the sheet it names).
# An id that is not there is `unknown-reference`.
REFERENCES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    MILESTONES.key: (("contract_id", CONTRACTS.key),),
    DELIVERABLES.key: (("milestone_id", MILESTONES.key),),
    SIGNOFFS.key: (("milestone_id", MILESTONES.key),),
    CHANGE_ORDERS.key: (("contract_id", CONTRACTS.key), ("milestone_id", MILESTONES.key)),
    INVOICES.key: (("milestone_id", MILESTONES.key),),
    ISSUES.key: (("milestone_id", MILESTONES.key),),
}
# Two dates of a row in order: sheet key -> (earlier, later). Later before earlier is
# `date-order`.
DATE_ORDER: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    CONTRACTS.key: (("start_date", "end_date"),),
    DELIVERABLES.key: (("submitted_date", "accepted_date"),),
    INVOICES.key: (("invoice_date", "paid_date"),),
    ISSUES.key: (("raised_date", "closed_date"),),
}
# A status that needs its date: sheet key -> (status field, its states, date field). The date
# left blank is `status-date-required`.
STATUS_DATES: Final[dict[str, tuple[tuple[str, tuple[str, ...], str], ...]]] = {
    DELIVERABLES.key: (("acceptance_status", ("accepted",), "accepted_date"),),
    SIGNOFFS.key: (("decision", ("approved", "rejected"), "decision_date"),),
    CHANGE_ORDERS.key: (("change_status", ("approved",), "approved_date"),),
    ISSUES.key: (("issue_status", ("closed",), "closed_date"),),
}
# The date of a status that only that status uses (STATUS_DATES but a sign-off's: a Decision
# Date on a pending row withdraws that approver's earlier decision, so it counts). The date
# filled in under another status is `date-without-status`.
STATUS_ONLY_DATES: Final[dict[str, tuple[tuple[str, tuple[str, ...], str], ...]]] = {
    key: declared for key, declared in STATUS_DATES.items() if key != SIGNOFFS.key
}
# Dates of what has happened: after the as-of date is `future-date`.
NOT_AFTER_AS_OF: Final[dict[str, tuple[str, ...]]] = {
    MILESTONES.key: ("actual_date",),
    SIGNOFFS.key: ("decision_date",),
}
# Dates from which a row counts (sheet key -> date field -> the code, what the row counts as
# until then, what the user would have done by the as-of date): after the as-of date the row is
# taken as it was at that date, and the date is a warning.
COUNTED_FROM: Final[dict[str, dict[str, tuple[str, str, str]]]] = {
    INVOICES.key: {
        "invoice_date": (
            "invoice-after-as-of",
            "the invoice (and its payment) is not counted",
            "was sent",
        ),
        "paid_date": ("paid-after-as-of", "the payment is not counted", "was paid"),
    },
    DELIVERABLES.key: {
        "submitted_date": (
            "dated-after-as-of",
            "the deliverable is not counted as submitted",
            "happened",
        ),
        "accepted_date": (
            "dated-after-as-of",
            "the deliverable is not counted as accepted",
            "happened",
        ),
    },
    ISSUES.key: {
        "raised_date": ("dated-after-as-of", "the issue is not counted", "happened"),
        "closed_date": ("dated-after-as-of", "the issue counts as still open", "happened"),
    },
}

# ------------------------------------------------------------------ range checks across sheets
# Dates on a contract's rows (sheet key -> date fields; a row reaches its contract through its
# Contract ID or its milestone's) lie within NEAR_CONTRACT_YEARS of the contract's dates: not
# earlier before its Start Date, not later after its End Date (its Start Date when blank).
# Further out is a slip of the keyboard (1900 for 2026), not a plan: `date-out-of-range`.
NEAR_CONTRACT_YEARS: Final = 10
NEAR_CONTRACT_DATES: Final[dict[str, tuple[str, ...]]] = {
    MILESTONES.key: ("baseline_date", "forecast_date", "actual_date"),
    DELIVERABLES.key: ("due_date", "submitted_date", "accepted_date"),
    SIGNOFFS.key: ("decision_date",),
    CHANGE_ORDERS.key: ("approved_date",),
    INVOICES.key: ("invoice_date", "paid_date"),
    ISSUES.key: ("raised_date", "closed_date"),
}
# A contract's own Start and End Dates lie within this many years of the as-of date.
CONTRACT_DATE_YEARS: Final = 50
# Amounts that are at most their contract's value: the Original Value plus the Value Change of
# its approved change orders (`amount-over-contract-value`).
AT_MOST_CONTRACT_VALUE: Final[dict[str, tuple[str, ...]]] = {MILESTONES.key: ("payment_amount",)}
# Amounts typed to their contract's currency's minor unit (GBP 2 decimals, JPY 0, KWD 3): every
# money input of a sheet whose rows reach a contract (its own currency on Contracts). More
# decimals are rounded away when computed (`amount-past-minor-unit`).
MINOR_UNIT_AMOUNTS: Final[dict[str, tuple[str, ...]]] = {
    sheet.key: names
    for sheet in INPUT_SHEETS
    if {"currency", "contract_id", "milestone_id"} & {f.name for f in sheet.inputs}
    and (names := tuple(f.name for f in sheet.inputs if f.type is FieldType.MONEY))
}


def sheet_by_name(name: str) -> Sheet | None:
    """The schema sheet a workbook sheet name stands for (matched like headers), or None."""
    wanted = normalize_header(name)
    for sheet in ALL_SHEETS:
        if normalize_header(sheet.name) == wanted:
            return sheet
    return None


def setting_by_name(name: str) -> Field | None:
    """The setting a Settings-table key stands for (matched like headers), or None."""
    wanted = normalize_header(name)
    for setting in SETTING_FIELDS:
        if setting.key == wanted:
            return setting
    return None
