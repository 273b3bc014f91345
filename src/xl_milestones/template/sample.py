"""The sample workbook's demo data: a dozen contracts and their milestones, made in code.

Deterministic (no clock, no randomness): the As Of Date is fixed, and each milestone follows a
named scenario chosen so that every status, RAG colour and payment status of RULES.md occurs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from xl_milestones.core import schema as S
from xl_milestones.core.dates import payment_due_date
from xl_milestones.core.money import round_money

D = Decimal
ZERO = D(0)
AS_OF = dt.date(2026, 6, 30)
REPORTING_CURRENCY = "GBP"
FX_RATES: dict[str, Decimal] = {
    "GBP": D("1"),
    "EUR": D("0.85"),
    "USD": D("0.79"),
    "JPY": D("0.0052"),
}
# Roles that must approve, from this milestone value in GBP up (Approval Rules).
APPROVAL_RULES: tuple[tuple[Decimal, str], ...] = (
    (D(0), "Project Manager"),
    (D(50_000), "Finance Manager"),
    (D(250_000), "Commercial Director"),
)
APPROVERS = {
    "Project Manager": "Priya Shah",
    "Finance Manager": "Tom Becker",
    "Commercial Director": "Helen Okafor",
}
ADVANCE_THRESHOLD = D("0.10")
ADVANCE_RATE = D("0.25")
HOLIDAYS = (
    (dt.date(2025, 12, 24), "Christmas Eve closure"),
    (dt.date(2025, 12, 29), "Year-end closure"),
    (dt.date(2025, 12, 30), "Year-end closure"),
    (dt.date(2025, 12, 31), "Year-end closure"),
    (dt.date(2026, 8, 28), "Office move"),
)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _days(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


@dataclass(frozen=True, slots=True)
class _Contract:
    contract_id: str
    name: str
    supplier: str
    currency: str
    value: Decimal
    start: str
    end: str
    terms_days: int
    terms_basis: str
    retention: Decimal = ZERO
    retention_limit: Decimal | None = None
    advance: Decimal = ZERO
    delay_rate: Decimal = ZERO
    delay_cap: Decimal | None = None
    vat: Decimal = ZERO
    owner: str = ""
    status: str = "active"
    supplier_pm: str = ""


@dataclass(slots=True)
class _Milestone:
    name: str
    type: str
    baseline: str
    scenario: str
    basis: str = "none"
    percent: Decimal | None = None
    amount: Decimal | None = None
    criteria: str = ""
    predecessors: str = ""
    extra: dict[str, object] = field(default_factory=dict)


C = _Contract
M = _Milestone

CONTRACTS: tuple[tuple[_Contract, tuple[_Milestone, ...]], ...] = (
    (
        C(
            "C-001",
            "Riverside Office Fit-out",
            "Hallam Build Ltd",
            "GBP",
            D(2_400_000),
            "2025-07-01",
            "2026-12-18",
            30,
            "after_invoice",
            retention=D("0.05"),
            retention_limit=D("0.05"),
            advance=D(240_000),
            delay_rate=D("0.001"),
            delay_cap=D("0.10"),
            vat=D("0.20"),
            owner="Sarah Mitchell",
            supplier_pm="Gareth Lloyd",
        ),
        (
            M("Site possession and mobilisation", "project", "2025-07-14", "signed_off"),
            M("Strip-out complete", "payment", "2025-10-31", "overdue_part", "percent", D("0.10")),
            M("First fix M&E", "payment", "2026-05-29", "not_yet_due", "percent", D("0.15")),
            M(
                "Raised floors and ceilings",
                "payment",
                "2026-06-05",
                "awaiting_late",
                "percent",
                D("0.15"),
            ),
            M("Second fix M&E", "payment", "2026-06-12", "late", "percent", D("0.15")),
            M(
                "Finishes and joinery",
                "payment",
                "2026-09-30",
                "at_risk_forecast",
                "percent",
                D("0.15"),
            ),
            M(
                "Practical completion",
                "payment",
                "2026-12-18",
                "not_started",
                "percent",
                D("0.30"),
                criteria="Practical completion certificate issued; snagging list agreed.",
            ),
            M(
                "Retention release",
                "payment",
                "2027-12-17",
                "not_started",
                "retention_release",
                D("1"),
            ),
        ),
    ),
    (
        C(
            "C-002",
            "Depot Roof Replacement",
            "Northgate Roofing plc",
            "GBP",
            D(680_000),
            "2025-09-01",
            "2026-10-30",
            30,
            "eom_after_invoice",
            retention=D("0.03"),
            delay_rate=D("0.0005"),
            delay_cap=D("0.05"),
            vat=D("0.20"),
            owner="Sarah Mitchell",
            supplier_pm="Dean Whitaker",
        ),
        (
            M(
                "Scaffold and temporary roof",
                "payment",
                "2025-10-15",
                "paid",
                "fixed",
                amount=D(120_000),
            ),
            M("Bay 1 re-roofed", "payment", "2026-01-30", "paid_late", "fixed", amount=D(180_000)),
            M("Bay 2 re-roofed", "payment", "2026-05-29", "part_paid", "fixed", amount=D(150_000)),
            M(
                "Roof-light replacement",
                "deliverable",
                "2026-06-19",
                "blocked",
                "fixed",
                amount=D(60_000),
                criteria="Roof-lights installed and water-tested.",
            ),
            M(
                "Bay 3 re-roofed",
                "payment",
                "2026-09-11",
                "in_progress",
                "fixed",
                amount=D(130_000),
            ),
            M(
                "Handover and O&M manuals",
                "deliverable",
                "2026-10-30",
                "not_started",
                "fixed",
                amount=D(40_000),
            ),
            M("Solar panel enabling works", "project", "2026-08-14", "cancelled"),
        ),
    ),
    (
        C(
            "C-003",
            "Lyon Warehouse Extension",
            "Bâtiments Rhône SA",
            "EUR",
            D(1_850_000),
            "2025-06-02",
            "2027-01-29",
            56,
            "after_invoice",
            retention=D("0.05"),
            retention_limit=D("0.05"),
            advance=D(185_000),
            delay_rate=D("0.0005"),
            delay_cap=D("0.10"),
            vat=D("0.20"),
            owner="Julien Moreau",
            supplier_pm="Claire Dubois",
        ),
        (
            M("Ground investigation complete", "project", "2025-07-31", "signed_off"),
            M(
                "Foundations complete",
                "payment",
                "2026-05-22",
                "awaiting_invoice",
                "percent",
                D("0.15"),
            ),
            M("Steel frame erected", "payment", "2026-02-27", "overdue", "percent", D("0.20")),
            M("Cladding and roofing", "payment", "2026-06-26", "on_hold", "percent", D("0.20")),
            M("Loading dock", "payment", "2026-05-15", "disputed", "percent", D("0.10")),
            M("Floor slab", "payment", "2026-06-26", "at_risk_window", "percent", D("0.10")),
            M(
                "Fire and sprinkler systems",
                "deliverable",
                "2026-10-30",
                "in_progress",
                "percent",
                D("0.15"),
            ),
            M("Practical completion", "payment", "2027-01-29", "not_started", "percent", D("0.10")),
        ),
    ),
    (
        C(
            "C-004",
            "Hamburg Substation Works",
            "Nordstrom Energietechnik GmbH",
            "EUR",
            D(3_200_000),
            "2025-04-01",
            "2027-03-31",
            30,
            "after_invoice",
            retention=D("0.05"),
            vat=D("0.19"),
            owner="Lena Vogel",
            status="suspended",
            supplier_pm="Jonas Keller",
        ),
        (
            M("Transformer delivered", "payment", "2025-11-28", "paid", "fixed", amount=D(640_000)),
            M(
                "Switchgear installed",
                "payment",
                "2026-06-19",
                "awaiting",
                "fixed",
                amount=D(480_000),
            ),
            M("Cable routes", "project", "2026-05-29", "on_hold"),
            M(
                "Protection relay testing",
                "deliverable",
                "2026-06-05",
                "late",
                "fixed",
                amount=D(220_000),
            ),
            M("Energisation", "payment", "2026-11-30", "not_started", "fixed", amount=D(900_000)),
            M(
                "As-built documentation",
                "deliverable",
                "2027-03-31",
                "not_started",
                "fixed",
                amount=D(160_000),
            ),
        ),
    ),
    (
        C(
            "C-005",
            "ERP Implementation",
            "Altura Systems Inc.",
            "USD",
            D(1_250_000),
            "2025-05-05",
            "2026-12-31",
            45,
            "after_signoff",
            delay_rate=D("0.0002"),
            delay_cap=D("0.05"),
            owner="Rachel Green",
            supplier_pm="Mike Chen",
        ),
        (
            M(
                "Solution design signed off",
                "deliverable",
                "2025-08-29",
                "paid",
                "percent",
                D("0.15"),
            ),
            M("Build sprint 1", "payment", "2025-11-28", "paid", "percent", D("0.15")),
            M(
                "User acceptance testing",
                "deliverable",
                "2026-05-15",
                "rejected",
                "percent",
                D("0.15"),
                criteria="All priority 1 and 2 defects closed; UAT exit report approved.",
            ),
            M(
                "Data migration rehearsal",
                "deliverable",
                "2026-06-12",
                "late",
                "percent",
                D("0.10"),
            ),
            M(
                "Integration with payroll",
                "payment",
                "2026-08-28",
                "at_risk_issue",
                "percent",
                D("0.10"),
            ),
            M(
                "Training delivered",
                "deliverable",
                "2026-09-25",
                "in_progress",
                "percent",
                D("0.10"),
            ),
            M("Go-live", "payment", "2026-10-30", "not_started", "percent", D("0.15")),
            M("Hypercare complete", "payment", "2026-12-31", "not_started", "percent", D("0.10")),
            M("Legacy archive", "project", "2026-07-31", "cancelled"),
        ),
    ),
    (
        C(
            "C-006",
            "Data Centre Migration",
            "Cloudbridge Ltd",
            "GBP",
            D(540_000),
            "2025-09-15",
            "2026-11-27",
            30,
            "after_invoice",
            vat=D("0.20"),
            owner="David Park",
            supplier_pm="Emma Collins",
        ),
        (
            M(
                "Discovery and inventory",
                "deliverable",
                "2025-11-14",
                "paid",
                "fixed",
                amount=D(54_000),
            ),
            M(
                "Landing zone built",
                "payment",
                "2026-01-30",
                "paid_late",
                "fixed",
                amount=D(81_000),
            ),
            M(
                "Wave 1 migrated",
                "payment",
                "2026-05-29",
                "not_yet_due",
                "fixed",
                amount=D(108_000),
            ),
            M("Wave 2 migrated", "payment", "2026-06-26", "awaiting", "fixed", amount=D(108_000)),
            M(
                "Disaster recovery test",
                "deliverable",
                "2026-06-19",
                "late",
                "fixed",
                amount=D(54_000),
            ),
            M(
                "Wave 3 migrated",
                "payment",
                "2026-08-28",
                "at_risk_predecessor",
                "fixed",
                amount=D(81_000),
                predecessors="@5",
            ),
            M("Decommission old site", "project", "2026-10-30", "in_progress"),
            M(
                "Service transition",
                "payment",
                "2026-11-27",
                "not_started",
                "fixed",
                amount=D(54_000),
            ),
        ),
    ),
    (
        C(
            "C-007",
            "Cyber Security Managed Service",
            "Sentinel Secure LLC",
            "USD",
            D(360_000),
            "2025-07-01",
            "2027-06-30",
            30,
            "after_invoice",
            owner="Rachel Green",
            supplier_pm="Omar Haddad",
        ),
        (
            M("Service onboarding", "deliverable", "2025-08-29", "paid", "fixed", amount=D(45_000)),
            M("Quarter 3 2025 service", "payment", "2025-09-30", "paid", "fixed", amount=D(45_000)),
            M(
                "Quarter 4 2025 service",
                "payment",
                "2025-12-31",
                "paid_late",
                "fixed",
                amount=D(45_000),
            ),
            M(
                "Quarter 1 2026 service",
                "payment",
                "2026-03-31",
                "overdue_part",
                "fixed",
                amount=D(45_000),
            ),
            M(
                "Quarter 2 2026 service",
                "payment",
                "2026-06-30",
                "awaiting",
                "fixed",
                amount=D(45_000),
            ),
            M(
                "Quarter 3 2026 service",
                "payment",
                "2026-09-30",
                "not_started",
                "fixed",
                amount=D(45_000),
            ),
            M("Penetration test report", "deliverable", "2026-08-14", "in_progress"),
        ),
    ),
    (
        C(
            "C-008",
            "Tokyo Office Network Rollout",
            "Kansai Networks KK",
            "JPY",
            D(48_000_000),
            "2025-10-01",
            "2026-12-25",
            60,
            "after_invoice",
            vat=D("0.10"),
            owner="Aiko Tanaka",
            supplier_pm="Kenji Watanabe",
        ),
        (
            M("Site survey", "deliverable", "2025-11-28", "paid", "percent", D("0.10")),
            M(
                "Core switches installed",
                "payment",
                "2026-05-08",
                "part_paid",
                "percent",
                D("0.25"),
            ),
            M("Floor 12 cabling", "payment", "2026-06-19", "awaiting", "percent", D("0.15")),
            M(
                "Wi-Fi survey and tuning",
                "deliverable",
                "2026-09-18",
                "in_progress",
                "percent",
                D("0.10"),
            ),
            M(
                "Floor 14 cabling",
                "payment",
                "2026-08-07",
                "at_risk_forecast",
                "percent",
                D("0.15"),
            ),
            M("Network cut-over", "payment", "2026-11-20", "not_started", "percent", D("0.15")),
            M("Final acceptance", "payment", "2026-12-25", "not_started", "percent", D("0.10")),
        ),
    ),
    (
        C(
            "C-009",
            "Customer Portal Rebuild",
            "Pixelwerk BV",
            "EUR",
            D(420_000),
            "2025-11-03",
            "2026-12-18",
            30,
            "after_invoice",
            retention=D("0.05"),
            vat=D("0.21"),
            owner="Julien Moreau",
            supplier_pm="Sanne de Vries",
        ),
        (
            M(
                "UX research and prototypes",
                "deliverable",
                "2026-01-30",
                "paid",
                "percent",
                D("0.15"),
            ),
            M(
                "Design system",
                "deliverable",
                "2026-05-29",
                "awaiting_invoice",
                "percent",
                D("0.15"),
            ),
            M(
                "Accounts and billing module",
                "deliverable",
                "2026-09-25",
                "in_progress_submitted",
                "percent",
                D("0.20"),
            ),
            M(
                "Accessibility audit",
                "deliverable",
                "2026-07-08",
                "at_risk_window",
                "percent",
                D("0.10"),
            ),
            M(
                "Performance testing",
                "deliverable",
                "2026-10-30",
                "not_started",
                "percent",
                D("0.10"),
            ),
            M("Go-live", "payment", "2026-11-27", "not_started", "percent", D("0.20")),
            M("Warranty period", "payment", "2026-12-18", "not_started", "percent", D("0.10")),
        ),
    ),
    (
        C(
            "C-010",
            "Procurement Advisory",
            "Marlow & Finch LLP",
            "GBP",
            D(180_000),
            "2025-10-01",
            "2026-09-30",
            30,
            "after_signoff",
            vat=D("0.20"),
            owner="David Park",
            supplier_pm="Olivia Grant",
        ),
        (
            M("Spend analysis", "deliverable", "2025-12-12", "paid", "fixed", amount=D(36_000)),
            M(
                "Category strategies",
                "deliverable",
                "2026-03-13",
                "paid",
                "fixed",
                amount=D(45_000),
            ),
            M(
                "Supplier market engagement",
                "payment",
                "2026-06-05",
                "not_yet_due",
                "fixed",
                amount=D(36_000),
            ),
            M(
                "Tender documents",
                "deliverable",
                "2026-06-19",
                "awaiting",
                "fixed",
                amount=D(27_000),
            ),
            M(
                "Evaluation support",
                "payment",
                "2026-08-28",
                "in_progress",
                "fixed",
                amount=D(18_000),
            ),
            M(
                "Contract award report",
                "deliverable",
                "2026-09-30",
                "not_started",
                "fixed",
                amount=D(18_000),
            ),
        ),
    ),
    (
        C(
            "C-011",
            "Audit Readiness Programme",
            "Brightline Advisory Inc.",
            "USD",
            D(240_000),
            "2025-09-01",
            "2026-11-30",
            45,
            "after_invoice",
            owner="Rachel Green",
            supplier_pm="Laura Simmons",
        ),
        (
            M("Controls inventory", "deliverable", "2025-11-28", "paid", "percent", D("0.20")),
            M("Gap assessment", "deliverable", "2026-02-27", "overdue", "percent", D("0.20")),
            M("Remediation plan", "deliverable", "2026-05-15", "part_paid", "percent", D("0.20")),
            M(
                "Control testing wave 1",
                "payment",
                "2026-09-30",
                "in_progress",
                "percent",
                D("0.15"),
            ),
            M("Walkthrough with auditors", "project", "2026-08-21", "at_risk_issue"),
            M("Readiness report", "deliverable", "2026-11-30", "not_started", "percent", D("0.25")),
        ),
    ),
    (
        C(
            "C-012",
            "Legal Review of Supply Framework",
            "Keller Avocats",
            "EUR",
            D(95_000),
            "2025-06-02",
            "2026-01-30",
            30,
            "after_invoice",
            vat=D("0.20"),
            owner="Lena Vogel",
            status="closed",
            supplier_pm="Marc Keller",
        ),
        (
            M(
                "Framework gap review",
                "deliverable",
                "2025-07-31",
                "paid",
                "fixed",
                amount=D(30_000),
            ),
            M(
                "Draft framework agreement",
                "deliverable",
                "2025-10-31",
                "paid",
                "fixed",
                amount=D(40_000),
            ),
            M(
                "Final agreement and training",
                "deliverable",
                "2026-01-30",
                "paid_late",
                "fixed",
                amount=D(25_000),
            ),
        ),
    ),
)

# Change orders: (contract, milestone index in its contract or None, description, value change,
# extension days, status, approved date).
CHANGE_ORDERS: tuple[tuple[str, int | None, str, Decimal, int, str, str | None], ...] = (
    (
        "C-001",
        None,
        "Additional data cabling to floors 3-5",
        D(120_000),
        0,
        "approved",
        "2025-10-20",
    ),
    ("C-001", 5, "Late design information from the architect", D(0), 21, "approved", "2026-04-20"),
    ("C-003", None, "Exceptional rainfall in January", D(0), 14, "approved", "2026-02-10"),
    ("C-004", 3, "Relay firmware replacement", D(35_000), 30, "proposed", None),
    ("C-005", 6, "Extra go-live support weekend", D(35_000), 0, "approved", "2026-03-09"),
    ("C-009", 2, "Extra payment provider integration", D(28_000), 20, "rejected", None),
    ("C-010", 1, "Reduced scope: two categories fewer", D(-5_000), 0, "approved", "2026-02-02"),
    ("C-008", 4, "Floor 14 access delayed by landlord", D(0), 14, "approved", "2026-05-11"),
)

# Issues: (contract, milestone index, category, severity, blocking, status, raised, closed,
# description, amount disputed).
ISSUES: tuple[tuple[str, int, str, str, bool, str, str, str | None, str, Decimal | None], ...] = (
    (
        "C-001",
        4,
        "risk",
        "medium",
        False,
        "open",
        "2026-05-20",
        None,
        "Chiller delivery slipping; second fix may overrun.",
        None,
    ),
    (
        "C-001",
        6,
        "risk",
        "low",
        False,
        "open",
        "2026-06-01",
        None,
        "Tenant fit-out overlaps practical completion.",
        None,
    ),
    (
        "C-002",
        3,
        "issue",
        "medium",
        True,
        "open",
        "2026-06-22",
        None,
        "Two roof-lights failed the water test.",
        None,
    ),
    (
        "C-003",
        4,
        "dispute",
        "high",
        True,
        "open",
        "2026-05-28",
        None,
        "Supplier claims loading dock redesign as a variation.",
        D(96_000),
    ),
    (
        "C-005",
        4,
        "issue",
        "high",
        False,
        "open",
        "2026-06-10",
        None,
        "Payroll vendor API not available in test.",
        None,
    ),
    (
        "C-005",
        2,
        "issue",
        "high",
        True,
        "closed",
        "2026-05-18",
        "2026-06-02",
        "Priority 1 defects in invoice matching.",
        None,
    ),
    (
        "C-006",
        4,
        "risk",
        "medium",
        False,
        "open",
        "2026-06-15",
        None,
        "DR site failover not yet scheduled.",
        None,
    ),
    (
        "C-011",
        4,
        "risk",
        "critical",
        False,
        "open",
        "2026-06-18",
        None,
        "Auditor availability not confirmed.",
        None,
    ),
    (
        "C-012",
        2,
        "issue",
        "low",
        False,
        "closed",
        "2026-01-12",
        "2026-01-26",
        "Training materials in the wrong language.",
        None,
    ),
)


# ------------------------------------------------------------------------------------ amounts


@dataclass(slots=True)
class _Ledger:
    """What the generator needs to know to invoice a milestone at its exact amount due."""

    certified: Decimal = ZERO
    retention_taken: Decimal = ZERO
    advance_recovered: Decimal = ZERO


def _due(
    contract: _Contract,
    ledger: _Ledger,
    value: Decimal,
    revised_value: Decimal,
    is_last: bool,
) -> Decimal:
    """amount_due of a signed-off milestone finished on time, by RULES.md section 2."""
    cur = contract.currency
    retention = round_money(contract.retention * value, cur)
    if contract.retention_limit is not None:
        room = contract.retention_limit * revised_value - ledger.retention_taken
        retention = max(D(0), min(retention, room))
    retention = min(retention, value)
    ledger.retention_taken += retention
    recovery = D(0)
    threshold = ADVANCE_THRESHOLD * contract.value
    ledger.certified += value
    outstanding = contract.advance - ledger.advance_recovered
    if contract.advance and (is_last or ledger.certified > threshold):
        recovery = outstanding if is_last else round_money(ADVANCE_RATE * value, cur)
        recovery = min(recovery, outstanding, value - retention)
    ledger.advance_recovered += recovery
    net = value - retention - recovery
    return net + round_money(net * contract.vat, cur)


# ------------------------------------------------------------------------------------ rows


def _approvals(value_gbp: Decimal) -> list[str]:
    return [role for minimum, role in APPROVAL_RULES if minimum <= value_gbp]


def sample_rows() -> dict[str, list[dict[str, object]]]:
    """Every table of the sample workbook, by sheet key, as rows of values by field name."""
    out: dict[str, list[dict[str, object]]] = {s.key: [] for s in S.INPUT_SHEETS}
    out[S.SETTINGS.key] = _settings()
    ids: dict[tuple[str, int], str] = {}
    n = 0
    for contract, milestones in CONTRACTS:
        for i, _ in enumerate(milestones):
            n += 1
            ids[(contract.contract_id, i)] = f"M-{n:03d}"

    counters = {"deliverable": 0}
    for contract, milestones in CONTRACTS:
        out[S.CONTRACTS.key].append(_contract_row(contract))
        changes = [c for c in CHANGE_ORDERS if c[0] == contract.contract_id]
        approved = [c for c in changes if c[5] == "approved"]
        percent_base = contract.value + sum((c[3] for c in approved if c[1] is None), D(0))
        revised_value = contract.value + sum((c[3] for c in approved), D(0))
        ledger = _Ledger()
        payable = [m for m in milestones if m.basis in ("percent", "fixed")]
        last = max(payable, key=lambda m: m.baseline) if payable else None
        # Milestones are certified in sign-off order, which is their baseline order here.
        for i, ms in sorted(enumerate(milestones), key=lambda p: p[1].baseline):
            mid = ids[(contract.contract_id, i)]
            extension = sum((c[4] for c in approved if c[1] in (None, i)), 0)
            change = sum((c[3] for c in approved if c[1] == i), D(0))
            value: Decimal | None = None
            if ms.basis == "percent" and ms.percent is not None:
                value = round_money(ms.percent * percent_base, contract.currency) + change
            elif ms.basis == "fixed" and ms.amount is not None:
                value = ms.amount + change
            for key, rows in _milestone(
                contract,
                ms,
                mid,
                i,
                ids,
                extension,
                value,
                revised_value,
                ledger,
                ms is last,
                counters,
            ):
                out[key].extend(rows)
    # Rows in milestone order on every sheet, as a user would keep them.
    out[S.MILESTONES.key].sort(key=lambda r: str(r["milestone_id"]))
    out[S.SIGNOFFS.key].sort(key=lambda r: str(r["milestone_id"]))
    out[S.DELIVERABLES.key].sort(key=lambda r: str(r["deliverable_id"]))
    out[S.INVOICES.key].sort(key=lambda r: (str(r["invoice_date"]), str(r["invoice_id"])))
    for k, row in enumerate(out[S.INVOICES.key], start=1):
        row["invoice_id"] = f"INV-{k:04d}"
    out[S.APPROVAL_RULES.key] = [
        {"min_value": minimum, "approver_role": role} for minimum, role in APPROVAL_RULES
    ]
    out[S.CHANGE_ORDERS.key] = [
        {
            "change_id": f"CO-{k:03d}",
            "contract_id": c[0],
            "milestone_id": ids[(c[0], c[1])] if c[1] is not None else None,
            "description": c[2],
            "value_change": c[3],
            "extension_days": c[4],
            "change_status": c[5],
            "approved_date": _d(c[6]) if c[6] else None,
        }
        for k, c in enumerate(CHANGE_ORDERS, start=1)
    ]
    out[S.ISSUES.key] = [
        {
            "issue_id": f"ISS-{k:03d}",
            "milestone_id": ids[(c[0], c[1])],
            "category": c[2],
            "severity": c[3],
            "blocking": "yes" if c[4] else "no",
            "issue_status": c[5],
            "raised_date": _d(c[6]),
            "closed_date": _d(c[7]) if c[7] else None,
            "issue_owner": _contract(c[0]).owner,
            "description": c[8],
            "amount_disputed": c[9],
        }
        for k, c in enumerate(ISSUES, start=1)
    ]
    out[S.HOLIDAYS.key] = [{"holiday_date": d, "holiday_name": n} for d, n in HOLIDAYS]
    out[S.FX_RATES.key] = [
        {"currency": cur, "rate_to_reporting": rate} for cur, rate in FX_RATES.items()
    ]
    return out


def _contract(contract_id: str) -> _Contract:
    for contract, _ in CONTRACTS:
        if contract.contract_id == contract_id:
            return contract
    raise KeyError(contract_id)


def _settings() -> list[dict[str, object]]:
    values: dict[str, object] = {
        "as_of_date": AS_OF,
        "reporting_currency": REPORTING_CURRENCY,
        "holiday_country": "GB",
        "late_interest_regime": "uk",
        "late_interest_reference_rate": D("0.0425"),
    }
    return [{"setting": f.header, "value": values.get(f.name, f.default)} for f in S.SETTING_FIELDS]


def _contract_row(c: _Contract) -> dict[str, object]:
    return {
        "contract_id": c.contract_id,
        "contract_name": c.name,
        "supplier": c.supplier,
        "currency": c.currency,
        "original_value": c.value,
        "start_date": _d(c.start),
        "end_date": _d(c.end),
        "payment_terms_days": c.terms_days,
        "payment_terms_basis": c.terms_basis,
        "retention_rate": c.retention or None,
        "retention_limit": c.retention_limit,
        "advance_amount": c.advance or None,
        "advance_recovery_threshold": ADVANCE_THRESHOLD if c.advance else None,
        "advance_recovery_rate": ADVANCE_RATE if c.advance else None,
        "delay_damages_rate": c.delay_rate or None,
        "delay_damages_cap": c.delay_cap,
        "vat_rate": c.vat,
        "contract_owner": c.owner,
        "contract_status": c.status,
    }


# Scenarios whose milestone is complete, and those signed off.
_COMPLETE = {
    "signed_off",
    "paid",
    "paid_late",
    "part_paid",
    "overdue",
    "overdue_part",
    "not_yet_due",
    "awaiting_invoice",
    "awaiting",
    "awaiting_late",
    "blocked",
    "rejected",
}
_SIGNED = {
    "signed_off",
    "paid",
    "paid_late",
    "part_paid",
    "overdue",
    "overdue_part",
    "not_yet_due",
    "awaiting_invoice",
}
# When a signed-off milestone was finished, relative to its baseline, so that its invoice and
# payment fall where the scenario needs them against the As Of Date.
_ACTUAL_SHIFT = {"awaiting_late": 12}


def _milestone(
    contract: _Contract,
    ms: _Milestone,
    mid: str,
    index: int,
    ids: dict[tuple[str, int], str],
    extension: int,
    value: Decimal | None,
    revised_value: Decimal,
    ledger: _Ledger,
    is_last: bool,
    counters: dict[str, int],
) -> Iterator[tuple[str, list[dict[str, object]]]]:
    sc = ms.scenario
    baseline = _d(ms.baseline)
    revised = _days(baseline, extension)
    complete = sc in _COMPLETE
    actual = _days(revised, _ACTUAL_SHIFT.get(sc, -1)) if complete else None
    forecast: dt.date | None = None
    percent: Decimal = ZERO
    if complete:
        percent = D(1)
    elif sc == "late":
        percent, forecast = D("0.7"), _days(AS_OF, 21)
    elif sc in ("at_risk_forecast",):
        percent, forecast = D("0.4"), _days(revised, 24)
    elif sc == "at_risk_window":
        percent, forecast = D("0.3"), revised
    elif sc in ("at_risk_issue", "at_risk_predecessor", "in_progress"):
        percent, forecast = D("0.35"), revised
    elif sc == "on_hold":
        percent = D("0.5")
    elif sc == "disputed":
        percent = D("0.8")
    predecessors = ""
    if ms.predecessors.startswith("@"):
        predecessors = ids[(contract.contract_id, int(ms.predecessors[1:]) - 1)]
    has_evidence = sc in _SIGNED or sc in ("awaiting", "blocked", "rejected")
    row: dict[str, object] = {
        "milestone_id": mid,
        "contract_id": contract.contract_id,
        "milestone_name": ms.name,
        "milestone_type": ms.type,
        "owner": contract.supplier_pm,
        "acceptance_criteria": ms.criteria
        or ("" if sc in ("awaiting", "not_started") else f"{ms.name} accepted by the client."),
        "baseline_date": baseline,
        "forecast_date": forecast,
        "actual_date": actual,
        "percent_complete": percent,
        "payment_basis": ms.basis,
        "payment_percent": ms.percent,
        "payment_amount": ms.amount,
        "predecessors": predecessors or None,
        "evidence": f"DMS/{contract.contract_id}/{mid}" if has_evidence else None,
        "on_hold": "yes" if sc == "on_hold" else None,
        "cancelled": "yes" if sc == "cancelled" else None,
        "notes": _NOTES.get(sc),
    }
    for key in list(row):
        if row[key] == "":
            row[key] = None
    yield S.MILESTONES.key, [row]

    # Sign-offs: every required role approves a signed-off milestone; a completed one awaits.
    value_gbp = (value or D(0)) * FX_RATES[contract.currency]
    roles = _approvals(value_gbp)
    signoffs: list[dict[str, object]] = []
    signoff_date: dt.date | None = None
    if complete:
        assert actual is not None
        for k, role in enumerate(roles):
            decided = _days(actual, 3 + 3 * k)
            if sc in _SIGNED:
                decision, date, comment = "approved", decided, None
            elif sc == "rejected" and k == 0:
                decision, date, comment = (
                    "rejected",
                    decided,
                    "UAT exit report shows 4 open priority 2 defects.",
                )
            elif k == 0 and sc != "rejected" and len(roles) > 1:
                decision, date, comment = "approved", decided, None
            else:
                decision, date, comment = "pending", None, None
            if date is not None and date > AS_OF:
                decision, date, comment = "pending", None, None
            signoffs.append(
                {
                    "milestone_id": mid,
                    "approver_role": role,
                    "approver_name": APPROVERS[role],
                    "decision": decision,
                    "decision_date": date,
                    "comment": comment,
                }
            )
            if decision == "approved" and date is not None:
                signoff_date = max(signoff_date or date, date)
    yield S.SIGNOFFS.key, signoffs

    yield S.DELIVERABLES.key, _deliverables(ms, mid, sc, revised, actual, counters)

    if sc in _SIGNED and value is not None and ms.basis != "none":
        assert signoff_date is not None, mid
        due_amount = _due(contract, ledger, value, revised_value, is_last)
        yield S.INVOICES.key, _invoices(contract, mid, sc, signoff_date, due_amount)


_NOTES = {
    "on_hold": "Paused while the façade design is re-issued.",
    "disputed": "See the dispute on the Issues sheet.",
    "cancelled": "Descoped by the steering group.",
    "late": "Recovery plan requested from the supplier.",
}


def _deliverables(
    ms: _Milestone,
    mid: str,
    sc: str,
    revised: dt.date,
    actual: dt.date | None,
    counters: dict[str, int],
) -> list[dict[str, object]]:
    if ms.type != "deliverable":
        return []
    names = {
        0: f"{ms.name}: main document",
        1: f"{ms.name}: evidence pack",
    }
    rows: list[dict[str, object]] = []
    for k in range(2):
        counters["deliverable"] += 1
        did = f"D-{100 + counters['deliverable']}"
        status, submitted, accepted = "pending", None, None
        if sc in _SIGNED or (sc in ("awaiting", "blocked") and k == 0):
            assert actual is not None
            status, submitted, accepted = "accepted", _days(actual, -5), _days(actual, -1)
        elif sc in ("awaiting", "blocked"):
            assert actual is not None
            status, submitted = "submitted", _days(actual, -2)
        elif sc == "rejected":
            assert actual is not None
            status, submitted = ("rejected" if k == 0 else "accepted"), _days(actual, -4)
            accepted = _days(actual, -1) if k == 1 else None
        elif sc in ("in_progress_submitted", "in_progress") and k == 0:
            status, submitted = "submitted", _days(AS_OF, -10)
        elif sc == "late" and k == 0:
            status, submitted = "submitted", _days(AS_OF, -3)
        rows.append(
            {
                "deliverable_id": did,
                "milestone_id": mid,
                "deliverable_name": names[k],
                "due_date": _days(revised, -7 if k == 0 else 0),
                "submitted_date": submitted,
                "accepted_date": accepted,
                "acceptance_status": status,
                "evidence": f"DMS/{mid}/{did}" if status in ("submitted", "accepted") else None,
            }
        )
    return rows


def _invoices(
    contract: _Contract,
    mid: str,
    sc: str,
    signoff_date: dt.date,
    amount: Decimal,
) -> list[dict[str, object]]:
    if sc == "awaiting_invoice":
        return []
    invoice_date = _days(signoff_date, 2)
    start = signoff_date if contract.terms_basis.endswith("signoff") else invoice_date
    due = payment_due_date(start, contract.terms_days, contract.terms_basis)
    cur = contract.currency
    paid_date: dt.date | None = None
    paid: Decimal | None = None
    if sc in ("paid", "signed_off"):
        paid_date, paid = _days(due, -4), amount
    elif sc == "paid_late":
        paid_date, paid = _days(due, 18), amount
    elif sc == "part_paid":
        paid_date, paid = (
            min(_days(invoice_date, 14), _days(AS_OF, -2)),
            round_money(amount * D("0.4"), cur),
        )
    elif sc == "overdue_part":
        paid_date, paid = _days(due, 10), round_money(amount * D("0.5"), cur)
    if paid_date is not None:
        assert paid_date <= AS_OF, (contract.contract_id, sc, paid_date)
    return [
        {
            "invoice_id": "",  # numbered in invoice-date order once all are made
            "milestone_id": mid,
            "invoice_date": invoice_date,
            "invoice_amount": amount,
            "paid_date": paid_date,
            "paid_amount": paid,
        }
    ]
