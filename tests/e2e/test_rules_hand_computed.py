"""RULES.md's money and date rules, each on a small workbook made from the template
(`xl-milestones new`, rows filled in with openpyxl) and refreshed by the command line, its JSON
compared to the cent with a figure worked out by hand from RULES.md's words.

Every case writes its arithmetic down in a comment, in Decimal. `round()` is RULES.md's: half
away from zero, to the currency's minor unit, once at the end of each output's own formula.
Dates are checked against the calendar: 2026-01-01 is a Thursday, 2028 is a leap year.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.factory import header_of

from xl_milestones.cli import main
from xl_milestones.core.schema import SETTINGS, SHEETS_BY_KEY

D = Decimal
d = dt.date
Rows = Sequence[Mapping[str, object]]
CENT = D("0.01")


def r2(x: Decimal) -> Decimal:
    """RULES.md's round() for a two-decimal currency: half away from zero (positive here)."""
    return x.quantize(CENT, ROUND_HALF_UP)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsm"
    assert main(["new", str(path)]) == 0
    return path


def contract(contract_id: str = "C-1", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "contract_id": contract_id,
        "contract_name": f"Contract {contract_id}",
        "supplier": "Acme Ltd",
        "currency": "GBP",
        "original_value": 100000,
        "start_date": d(2025, 1, 1),
        "end_date": d(2028, 12, 31),
        "payment_terms_days": 30,
        "payment_terms_basis": "after_signoff",
    }
    row.update(kw)
    return row


def milestone(milestone_id: str, contract_id: str = "C-1", **kw: object) -> dict[str, object]:
    """A payment milestone with an owner, acceptance criteria and evidence (no warnings); with
    an actual date it is 100% complete."""
    row: dict[str, object] = {
        "milestone_id": milestone_id,
        "contract_id": contract_id,
        "milestone_name": f"Milestone {milestone_id}",
        "milestone_type": "payment",
        "owner": "Olive Owner",
        "acceptance_criteria": "Accepted by the client",
        "evidence": f"DOC-{milestone_id}",
    }
    row.update(kw)
    if row.get("actual_date") is not None:
        row.setdefault("percent_complete", 1)
    return row


def approved(milestone_id: str, day: dt.date, role: str = "Project Manager") -> dict[str, object]:
    name = {"Project Manager": "Pat Approver", "Director": "Dee Director"}[role]
    return {
        "milestone_id": milestone_id,
        "approver_role": role,
        "approver_name": name,
        "decision": "approved",
        "decision_date": day,
    }


def invoice(
    invoice_id: str,
    milestone_id: str,
    day: dt.date,
    amount: object,
    paid_date: dt.date | None = None,
    paid: object = None,
) -> dict[str, object]:
    return {
        "invoice_id": invoice_id,
        "milestone_id": milestone_id,
        "invoice_date": day,
        "invoice_amount": amount,
        "paid_date": paid_date,
        "paid_amount": paid,
    }


def refresh(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sheets: Mapping[str, Rows],
    settings: Mapping[str, object],
    stderr: list[str] | None = None,
) -> dict[str, Any]:
    """The template with ``sheets`` (sheet key -> rows of field names) and ``settings`` (Settings
    key -> value) filled in, refreshed with ``--format json``: the JSON, after checking that
    no milestone was left uncomputed. What the command wrote to stderr goes in ``stderr``."""
    wb = openpyxl.load_workbook(template, keep_vba=True)
    sheets = {"approval_rules": [{"min_value": 0, "approver_role": "Project Manager"}], **sheets}
    for key, rows in sheets.items():
        schema = SHEETS_BY_KEY[key]
        ws = wb[schema.name]
        columns = {c.value: c.column for c in ws[1] if c.value}
        for i, row in enumerate(rows, start=2):
            for field, value in row.items():
                if value is not None:
                    ws.cell(i, columns[header_of(schema, field)], value)
    ws = wb[SETTINGS.name]
    keys = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for name, value in {"Reporting Currency": "GBP", **settings}.items():
        ws.cell(keys[name], 2, value)
    book, out = tmp_path / "book.xlsm", tmp_path / "out.xlsm"
    wb.save(book)
    code = main(["refresh", str(book), "--output", str(out), "--format", "json"])
    text, err = capsys.readouterr()
    assert code == 0, (text, err)
    if stderr is not None:
        stderr.append(err)
    result: dict[str, Any] = json.loads(text)
    errors = [i for i in result["issues"] if i["severity"] == "error"]
    assert not errors, errors
    assert result["totals"]["not_computed"] == 0
    return result


def money(m: Mapping[str, Any], *fields: str) -> tuple[Decimal | None, ...]:
    return tuple(None if m[f] is None else D(m[f]) for f in fields)


AMOUNTS = ("milestone_value", "retention_amount", "advance_recovery", "delay_damages")
DUE = ("net_amount", "vat_amount", "amount_due")


# ---------------------------------------------------------------------------- rounding


def test_half_a_cent_rounds_away_from_zero_never_to_even(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-1: percent_base 1,000.10; M-1 25%:
    #   value     = round(0.25 * 1000.10 = 250.025)          = 250.03 (half-even: 250.02)
    #   retention = round(0.05 * 250.03 = 12.5015)            = 12.50
    #   net       = 250.03 - 12.50                            = 237.53
    #   VAT       = round(0.20 * 237.53 = 47.506)             = 47.51
    #   due       = 237.53 + 47.51                            = 285.04
    # C-2: M-2 fixed 100.25, VAT 10%: round(10.025) = 10.03 (half-even: 10.02); due 110.28.
    assert r2(D("0.25") * D("1000.10")) == D("250.03")
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", original_value=1000.10, retention_rate=0.05, vat_rate=0.2),
                contract("C-2", original_value=1000, vat_rate=0.1),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    "C-1",
                    baseline_date=d(2026, 3, 31),
                    actual_date=d(2026, 3, 30),
                    payment_basis="percent",
                    payment_percent=0.25,
                ),
                milestone(
                    "M-2",
                    "C-2",
                    baseline_date=d(2026, 3, 31),
                    actual_date=d(2026, 3, 30),
                    payment_basis="fixed",
                    payment_amount=100.25,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 4, 2)), approved("M-2", d(2026, 4, 2))],
        },
        {"As Of Date": d(2026, 4, 10)},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    assert money(m1, *AMOUNTS, *DUE) == (
        D("250.03"),
        D("12.50"),
        D("0"),
        D("0"),
        D("237.53"),
        D("47.51"),
        D("285.04"),
    )
    assert money(m2, "milestone_value", *DUE) == (D("100.25"), D("100.25"), D("10.03"), D("110.28"))


def test_zero_and_three_decimal_currencies_round_to_their_minor_unit(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # JPY (0 decimals), M-1 50% of 1,234,567:
    #   value     = round(617,283.5)                  = 617,284
    #   retention = round(0.05 * 617,284 = 30,864.2)  = 30,864
    #   net       = 617,284 - 30,864                  = 586,420
    #   VAT       = round(0.10 * 586,420)             = 58,642;   due 645,062
    # KWD (3 decimals), M-2 fixed 100.010, VAT 5%:
    #   VAT       = round(5.0005)                     = 5.001;    due 105.011
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    "C-1", currency="JPY", original_value=1234567, retention_rate=0.05, vat_rate=0.1
                ),
                contract("C-2", currency="KWD", original_value=1000, vat_rate=0.05),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    "C-1",
                    baseline_date=d(2026, 3, 31),
                    actual_date=d(2026, 3, 30),
                    payment_basis="percent",
                    payment_percent=0.5,
                ),
                milestone(
                    "M-2",
                    "C-2",
                    baseline_date=d(2026, 3, 31),
                    actual_date=d(2026, 3, 30),
                    payment_basis="fixed",
                    payment_amount=100.01,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 4, 2)), approved("M-2", d(2026, 4, 2))],
            "fx_rates": [
                {"currency": "JPY", "rate_to_reporting": 0.0052},
                {"currency": "KWD", "rate_to_reporting": 2.6},
            ],
        },
        {"As Of Date": d(2026, 4, 10)},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    assert money(m1, "milestone_value", "retention_amount", *DUE) == (
        D("617284"),
        D("30864"),
        D("586420"),
        D("58642"),
        D("645062"),
    )
    assert money(m2, "milestone_value", *DUE) == (
        D("100.010"),
        D("100.010"),
        D("5.001"),
        D("105.011"),
    )
    assert m2["amount_due"] == "105.011"


# ------------------------------------------------------------ retention and change orders


def _signed(
    milestone_id: str, contract_id: str, baseline: dt.date, **kw: object
) -> dict[str, object]:
    """A milestone finished on its baseline date."""
    return milestone(milestone_id, contract_id, baseline_date=baseline, actual_date=baseline, **kw)


def test_retention_limit_on_the_revised_value_and_its_release(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Original 10,000; CO-1 (approved, no milestone) +2,000; CO-2 (approved, on M-3) +1,000;
    # CO-3 (proposed, on M-1) +5,000 and CO-4 (rejected, no milestone) +9,000 count for nothing.
    #   percent_base           = 10,000 + 2,000           = 12,000
    #   revised_contract_value = 10,000 + 2,000 + 1,000   = 13,000
    #   retention limit        = 0.05 * 13,000            = 650
    # Retention 10%, certified in order M-1, M-2, M-3, M-4:
    #   M-1 40%: 0.40 * 12,000 = 4,800; retention min(480, 650)           = 480
    #   M-2 30%: 0.30 * 12,000 = 3,600; retention min(360, 650 - 480)     = 170
    #   M-3 30%: 3,600 + 1,000 = 4,600; retention min(460, 650 - 650)     = 0
    #   M-4 release 50%: round(0.5 * (480 + 170 + 0))                     = 325
    # VAT 20%: M-1 (4,800 - 480) * 1.2 = 4,320 + 864 = 5,184; M-2 3,430 + 686 = 4,116;
    #          M-3 4,600 + 920 = 5,520; M-4 325 + 65 = 390.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c, original_value=10000, retention_rate=0.1, retention_limit=0.05, vat_rate=0.2
                )
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 2, 27), payment_basis="percent", payment_percent=0.4),
                _signed("M-2", c, d(2026, 3, 31), payment_basis="percent", payment_percent=0.3),
                _signed("M-3", c, d(2026, 4, 30), payment_basis="percent", payment_percent=0.3),
                _signed(
                    "M-4", c, d(2026, 5, 29), payment_basis="retention_release", payment_percent=0.5
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 3, 2)),
                approved("M-2", d(2026, 4, 1)),
                approved("M-3", d(2026, 5, 4)),
                approved("M-4", d(2026, 6, 1)),
            ],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": c,
                    "description": "scope",
                    "value_change": 2000,
                    "change_status": "approved",
                    "approved_date": d(2026, 1, 10),
                },
                {
                    "change_id": "CO-2",
                    "contract_id": c,
                    "milestone_id": "M-3",
                    "description": "extra",
                    "value_change": 1000,
                    "change_status": "approved",
                    "approved_date": d(2026, 1, 10),
                },
                {
                    "change_id": "CO-3",
                    "contract_id": c,
                    "milestone_id": "M-1",
                    "description": "asked",
                    "value_change": 5000,
                    "change_status": "proposed",
                },
                {
                    "change_id": "CO-4",
                    "contract_id": c,
                    "description": "refused",
                    "value_change": 9000,
                    "change_status": "rejected",
                },
            ],
        },
        {"As Of Date": d(2026, 6, 2)},
    )
    ms = out["milestones"]
    assert money(ms["M-1"], "milestone_value", "retention_amount", *DUE) == (
        D(4800),
        D(480),
        D(4320),
        D(864),
        D(5184),
    )
    assert money(ms["M-2"], "milestone_value", "retention_amount", *DUE) == (
        D(3600),
        D(170),
        D(3430),
        D(686),
        D(4116),
    )
    assert money(ms["M-3"], "milestone_value", "retention_amount", *DUE) == (
        D(4600),
        D(0),
        D(4600),
        D(920),
        D(5520),
    )
    assert money(ms["M-4"], "milestone_value", *DUE) == (D(325), D(325), D(65), D(390))
    # Retention held: taken 650, released 325.
    assert D(out["totals"]["amounts"]["retention_held"]) == D(325)


def test_release_counts_uncertified_milestones_not_cancelled_ones_rounded_retentions(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Retention 5%, no limit; the release takes every percent/fixed milestone not cancelled,
    # as if certified, each retention rounded by its own rule:
    #   M-1 fixed 8,000.10 (signed off): round(400.005) = 400.01
    #   M-2 fixed 6,000 (not started):   round(300)     = 300.00
    #   M-3 fixed 4,000 (cancelled):     not counted (would be 200)
    #   M-4 release 50%: round(0.5 * (400.01 + 300.00) = 350.005) = 350.01
    #   (from unrounded retentions: 0.5 * 700.005 = 350.0025 -> 350.00)
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract(c, original_value=20000, retention_rate=0.05)],
            "milestones": [
                _signed("M-1", c, d(2026, 2, 27), payment_basis="fixed", payment_amount=8000.10),
                milestone(
                    "M-2",
                    c,
                    baseline_date=d(2026, 9, 30),
                    payment_basis="fixed",
                    payment_amount=6000,
                ),
                milestone(
                    "M-3",
                    c,
                    baseline_date=d(2026, 1, 30),
                    payment_basis="fixed",
                    payment_amount=4000,
                    cancelled="yes",
                ),
                _signed(
                    "M-4", c, d(2026, 3, 31), payment_basis="retention_release", payment_percent=0.5
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 3, 2)), approved("M-4", d(2026, 4, 1))],
        },
        {"As Of Date": d(2026, 4, 2)},
    )
    ms = out["milestones"]
    assert money(ms["M-1"], "retention_amount", "net_amount") == (D("400.01"), D("7600.09"))
    assert money(ms["M-4"], "milestone_value", "amount_due") == (D("350.01"), D("350.01"))
    assert ms["M-3"]["status"] == "Cancelled"


def test_a_release_signed_off_before_the_retention_it_pays_back_is_warned_of(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Retention 5%. C-1: M-1 fixed 10,000 not yet signed off retains nothing yet; its 100%
    # release M-2, signed off, is worth round(1.0 * 500.00) = 500.00: Retention Held
    # 0 - 500.00 = -500.00, said on M-2. C-2: M-3 fixed 10,000.20 signed off retains
    # round(500.01) = 500.01; two 50% releases M-4, M-5 are round(250.005) = 250.01 each:
    # 500.02 released, Retention Held -0.01, a cent of rounding (half a cent per release at
    # most), not said.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", original_value=20000, retention_rate=0.05),
                contract("C-2", original_value=20000, retention_rate=0.05),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    "C-1",
                    baseline_date=d(2026, 9, 30),
                    payment_basis="fixed",
                    payment_amount=10000,
                ),
                _signed(
                    "M-2",
                    "C-1",
                    d(2026, 3, 2),
                    payment_basis="retention_release",
                    payment_percent=1,
                ),
                _signed("M-3", "C-2", d(2026, 2, 2), payment_basis="fixed", payment_amount=10000.2),
                *(
                    _signed(
                        m,
                        "C-2",
                        d(2026, 3, 2),
                        payment_basis="retention_release",
                        payment_percent=0.5,
                    )
                    for m in ("M-4", "M-5")
                ),
            ],
            "signoffs": [approved(m, d(2026, 3, 3)) for m in ("M-2", "M-3", "M-4", "M-5")],
        },
        {"As Of Date": d(2026, 4, 2)},
    )
    ms = out["milestones"]
    assert money(ms["M-2"], "milestone_value", "amount_due") == (D("500.00"), D("500.00"))
    assert (
        money(ms["M-4"], "milestone_value") == money(ms["M-5"], "milestone_value") == (D("250.01"),)
    )
    warned = [i for i in out["issues"] if i["code"] == "retention-released-before-taken"]
    assert [(i["sheet"], i["cell"], i["severity"]) for i in warned] == [
        ("Milestones", "AB3", "warning")
    ]
    assert warned[0]["message"] == (
        "Contract C-1 has released 500.00 GBP of retention (signed-off releases, the last M-2) "
        "but retained only 0.00 GBP on its signed-off milestones, so its Retention Held is "
        "-500.00 GBP. A release is worked out on the retention of all the contract's "
        "milestones; sign off those that carry it first, or check the release's Payment %."
    )


def test_several_change_orders_a_credit_an_acceleration_and_a_cancelled_milestone(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Original 100,000. Approved: CO-1 contract-wide +20,000 and -5 days; CO-2 M-1 +1,234.56;
    # CO-3 M-1 -500 and +3 days; CO-4 M-2 -12,000; CO-5 M-3 (cancelled) +7,000. CO-6 (rejected,
    # M-1 +99) and CO-7 (proposed, +50,000) count for nothing.
    #   percent_base = 120,000; revised = 100,000 + 20,000 + 1,234.56 - 500 - 12,000 + 7,000
    #                = 115,734.56; retention cap round(5,786.728) = 5,786.73;
    #   damages cap round(1,157.3456) = 1,157.35.
    # M-1 30%: 36,000 + 734.56 = 36,734.56; revised 03-10 - 5 + 3 = 03-08, done 03-12: 4 late.
    # M-2 fixed 10,000 - 12,000 = -2,000 (a credit): no deduction; VAT -400; due -2,400.
    # M-4 70% = 84,000, revised 03-20 - 5 = 03-15, done 03-23: 8 late; the last milestone.
    # Certified M-1 (03-13), M-2 (03-14), M-4 (03-24); retention 10%; advance 30,000 from
    # above 40% of the original (40,000) at 50%; damages 0.1% a day; VAT 20%:
    #   M-1: retention round(3,673.456) = 3,673.46; cumulative 36,734.56, not above 40,000: 0;
    #        damages round(146.93824) = 146.94; net 32,914.16; VAT round(6,582.832) = 6,582.83.
    #   M-2: cumulative 34,734.56.
    #   M-4: retention min(8,400, 5,786.73 - 3,673.46) = 2,113.27; the last: all 30,000;
    #        damages min(672, 1,157.35 - 146.94) = 672; net 84,000 - 2,113.27 - 30,000 - 672
    #        = 51,214.73; VAT round(10,242.946) = 10,242.95; due 61,457.68.
    # M-5 release 50% of (M-2 0 + M-1 3,673.46 + M-4 2,113.27 in baseline order) = 2,893.37
    # (round(2,893.365)); M-3 shows its 12,000 and no damages.
    c = "C-1"

    def co(change_id: str, milestone_id: str | None, **kw: object) -> dict[str, object]:
        return {
            "change_id": change_id,
            "contract_id": c,
            "milestone_id": milestone_id,
            "description": "change",
            "change_status": "approved",
            "approved_date": d(2026, 1, 10),
            **kw,
        }

    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    retention_rate=0.1,
                    retention_limit=0.05,
                    delay_damages_rate=0.001,
                    delay_damages_cap=0.01,
                    advance_amount=30000,
                    advance_recovery_threshold=0.4,
                    advance_recovery_rate=0.5,
                    vat_rate=0.2,
                )
            ],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2026, 3, 10),
                    actual_date=d(2026, 3, 12),
                    payment_basis="percent",
                    payment_percent=0.3,
                ),
                _signed("M-2", c, d(2026, 3, 2), payment_basis="fixed", payment_amount=10000),
                milestone(
                    "M-3",
                    baseline_date=d(2026, 3, 6),
                    payment_basis="fixed",
                    payment_amount=5000,
                    cancelled="yes",
                ),
                milestone(
                    "M-4",
                    baseline_date=d(2026, 3, 20),
                    actual_date=d(2026, 3, 23),
                    payment_basis="percent",
                    payment_percent=0.7,
                ),
                milestone(
                    "M-5",
                    baseline_date=d(2026, 6, 5),
                    payment_basis="retention_release",
                    payment_percent=0.5,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 3, 13)),
                approved("M-2", d(2026, 3, 14)),
                approved("M-4", d(2026, 3, 24)),
            ],
            "change_orders": [
                co("CO-1", None, value_change=20000, extension_days=-5),
                co("CO-2", "M-1", value_change=1234.56),
                co("CO-3", "M-1", value_change=-500, extension_days=3),
                co("CO-4", "M-2", value_change=-12000),
                co("CO-5", "M-3", value_change=7000),
                co("CO-6", "M-1", value_change=99, change_status="rejected", approved_date=None),
                co("CO-7", None, value_change=50000, change_status="proposed", approved_date=None),
            ],
        },
        {"As Of Date": d(2026, 3, 25)},
    )
    ms = out["milestones"]
    assert (ms["M-1"]["revised_date"], ms["M-1"]["days_late"]) == ("2026-03-08", 4)
    assert (ms["M-4"]["revised_date"], ms["M-4"]["days_late"]) == ("2026-03-15", 8)
    assert money(ms["M-1"], *AMOUNTS, *DUE) == (
        D("36734.56"),
        D("3673.46"),
        D(0),
        D("146.94"),
        D("32914.16"),
        D("6582.83"),
        D("39496.99"),
    )
    assert money(ms["M-2"], *AMOUNTS, *DUE) == (
        D(-2000),
        D(0),
        D(0),
        D(0),
        D(-2000),
        D(-400),
        D(-2400),
    )
    assert money(ms["M-4"], *AMOUNTS, *DUE) == (
        D(84000),
        D("2113.27"),
        D(30000),
        D(672),
        D("51214.73"),
        D("10242.95"),
        D("61457.68"),
    )
    assert money(ms["M-3"], "milestone_value", "delay_damages") == (D(12000), D(0))
    assert D(ms["M-5"]["milestone_value"]) == D("2893.37")
    assert D(out["totals"]["amounts"]["retention_held"]) == D("5786.73")


# ----------------------------------------------------------------------- advance payment


def test_advance_recovery_starts_above_the_threshold_and_the_last_milestone_takes_the_rest(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Original 100,000; advance 30,000; threshold 10% (10,000); rate 25%. Certified in order:
    #   M-1 10% = 10,000: cumulative 10,000, not above 10,000           -> 0
    #   M-2  5% =  5,000: cumulative 15,000 > 10,000, recovery starts   -> 1,250  (28,750 left)
    #   M-3 30% = 30,000:                                   0.25 * 30,000 -> 7,500 (21,250 left)
    #   M-4 40% = 40,000:                                   0.25 * 40,000 -> 10,000 (11,250 left)
    #   M-5 15% = 15,000: the last (latest baseline): all that is left   -> 11,250 (not 3,750)
    #   M-5 net = 15,000 - 11,250 = 3,750; advance outstanding 0.
    c = "C-1"
    parts = {"M-1": 0.10, "M-2": 0.05, "M-3": 0.30, "M-4": 0.40, "M-5": 0.15}
    rows, signoffs = [], []
    for month, (mid, pct) in enumerate(parts.items(), start=2):
        baseline = d(2026, month, 10)
        rows.append(_signed(mid, c, baseline, payment_basis="percent", payment_percent=pct))
        signoffs.append(approved(mid, baseline + dt.timedelta(days=2)))
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    advance_amount=30000,
                    advance_recovery_threshold=0.1,
                    advance_recovery_rate=0.25,
                )
            ],
            "milestones": rows,
            "signoffs": signoffs,
        },
        {"As Of Date": d(2026, 6, 30)},
    )
    recovered = {k: D(v["advance_recovery"]) for k, v in out["milestones"].items()}
    assert recovered == {
        "M-1": D(0),
        "M-2": D(1250),
        "M-3": D(7500),
        "M-4": D(10000),
        "M-5": D(11250),
    }
    assert D(out["milestones"]["M-5"]["net_amount"]) == D(3750)
    assert D(out["totals"]["amounts"]["advance_outstanding"]) == D(0)


def test_deductions_in_order_each_limited_to_what_is_left_of_the_value(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One fixed milestone of 1,000; retention 10%; advance 10,000 at 100% from a 0 threshold;
    # 1% a day of damages, 10 days late (baseline 03-01, actual 03-11), no cap:
    #   retention            = round(0.10 * 1,000)                    = 100   (900 left)
    #   advance recovery     = min(1,000 (and, last: 10,000), 900)    = 900   (0 left)
    #   delay damages        = min(round(0.01 * 1,000 * 10) = 100, 0) = 0
    #   net = 0; VAT 20% of 0 = 0; amount due 0: outstanding 0, so Paid.
    #   advance outstanding = 10,000 - 900 = 9,100.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    original_value=10000,
                    retention_rate=0.1,
                    advance_amount=10000,
                    advance_recovery_threshold=0,
                    advance_recovery_rate=1,
                    delay_damages_rate=0.01,
                    vat_rate=0.2,
                )
            ],
            "milestones": [
                milestone(
                    "M-1",
                    c,
                    baseline_date=d(2026, 3, 1),
                    actual_date=d(2026, 3, 11),
                    payment_basis="fixed",
                    payment_amount=1000,
                )
            ],
            "signoffs": [approved("M-1", d(2026, 3, 12))],
        },
        {"As Of Date": d(2026, 3, 20)},
    )
    m = out["milestones"]["M-1"]
    assert m["days_late"] == 10
    assert money(m, *AMOUNTS, *DUE) == (D(1000), D(100), D(900), D(0), D(0), D(0), D(0))
    assert m["payment_status"] == "Paid"
    assert D(out["totals"]["amounts"]["advance_outstanding"]) == D(9100)


def test_advance_outstanding_counts_a_contract_with_no_milestone_yet(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Dashboard "advance outstanding" = advance - what has been recovered, on every contract:
    #   C-1 GBP advance 20,000, threshold 0, rate 10%: M-1 40,000 signed off recovers
    #       round(0.1 * 40,000) = 4,000 (M-2, the last, not done) -> 16,000 outstanding.
    #   C-2 EUR advance 5,000 paid, no milestone entered yet: nothing recovered -> 5,000,
    #       at 0.85: 4,250.00 GBP (it was left out: the Dashboard said 16,000).
    #   Total 16,000 + 4,250 = 20,250.00.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c, advance_amount=20000, advance_recovery_threshold=0, advance_recovery_rate=0.1
                ),
                contract("C-2", currency="EUR", advance_amount=5000),
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 3, 2), payment_basis="percent", payment_percent=0.4),
                milestone(
                    "M-2",
                    c,
                    baseline_date=d(2026, 9, 30),
                    payment_basis="percent",
                    payment_percent=0.6,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 3, 5))],
            "fx_rates": [{"currency": "EUR", "rate_to_reporting": 0.85}],
        },
        {"As Of Date": d(2026, 3, 15)},
    )
    assert D(out["milestones"]["M-1"]["advance_recovery"]) == D(4000)
    assert D(out["totals"]["amounts"]["advance_outstanding"]) == D("20250.00")


def test_an_advance_typed_past_the_penny_is_recovered_in_whole_pence(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Advance 1,000.005 GBP (a warning: more decimals than GBP has, "what is worked out from it
    # is rounded"); M-1 fixed 5,000 is the contract's only, so its last: it recovers all that is
    # outstanding, round(1,000.005) = 1,000.01 (half away from zero), not 1,000.005:
    #   net 5,000 - 1,000.01 = 3,999.99; VAT round(0.2 * 3,999.99 = 799.998) = 800.00;
    #   due 4,799.99 (it was 3,999.995 and 4,799.995); advance outstanding 0.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    advance_amount=1000.005,
                    advance_recovery_threshold=0,
                    advance_recovery_rate=0.1,
                    vat_rate=0.2,
                )
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 2, 27), payment_basis="fixed", payment_amount=5000)
            ],
            "signoffs": [approved("M-1", d(2026, 3, 2))],
        },
        {"As Of Date": d(2026, 3, 10)},
    )
    m = out["milestones"]["M-1"]
    assert (m["advance_recovery"], m["net_amount"], m["vat_amount"], m["amount_due"]) == (
        "1000.01",
        "3999.99",
        "800.00",
        "4799.99",
    )
    assert out["totals"]["amounts"]["advance_outstanding"] == "0.00"


# ------------------------------------------------------------------------- delay damages


def test_delay_damages_cap_is_shared_in_certification_order_not_baseline_order(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-1: 100,000, 0.1% a day, cap 1% of the revised value = 1,000.
    #   M-1 fixed 40,000: baseline 03-01 + CO-1's 5 days = revised 03-06; actual 03-20:
    #       14 days late; round(0.001 * 40,000 * 14) = 560; signed off 05-05.
    #   M-2 fixed 60,000: baseline 04-01, actual 04-11: 10 days; 600; signed off 04-13.
    #   Certification order M-2 (04-13), M-1 (05-05): M-2 600; M-1 min(560, 1,000 - 600) = 400.
    # C-2: 0.05% a day, no cap. M-3 fixed 333.33, 3 days late:
    #   round(0.0005 * 333.33 * 3 = 0.499995) = 0.50 (a day's damages rounded first: 0.17 * 3
    #   = 0.51).
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", delay_damages_rate=0.001, delay_damages_cap=0.01),
                contract("C-2", original_value=1000, delay_damages_rate=0.0005),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    "C-1",
                    baseline_date=d(2026, 3, 1),
                    actual_date=d(2026, 3, 20),
                    payment_basis="fixed",
                    payment_amount=40000,
                ),
                milestone(
                    "M-2",
                    "C-1",
                    baseline_date=d(2026, 4, 1),
                    actual_date=d(2026, 4, 11),
                    payment_basis="fixed",
                    payment_amount=60000,
                ),
                milestone(
                    "M-3",
                    "C-2",
                    baseline_date=d(2026, 4, 1),
                    actual_date=d(2026, 4, 4),
                    payment_basis="fixed",
                    payment_amount=333.33,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2026, 5, 5)),
                approved("M-2", d(2026, 4, 13)),
                approved("M-3", d(2026, 4, 6)),
            ],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": "C-1",
                    "milestone_id": "M-1",
                    "description": "late access",
                    "extension_days": 5,
                    "change_status": "approved",
                    "approved_date": d(2026, 2, 20),
                },
            ],
        },
        {"As Of Date": d(2026, 5, 6)},
    )
    ms = out["milestones"]
    assert ms["M-1"]["revised_date"] == "2026-03-06"
    assert (ms["M-1"]["days_late"], ms["M-2"]["days_late"], ms["M-3"]["days_late"]) == (14, 10, 3)
    assert money(ms["M-2"], "delay_damages", "net_amount") == (D(600), D(59400))
    assert money(ms["M-1"], "delay_damages", "net_amount") == (D(400), D(39600))
    assert money(ms["M-3"], "delay_damages", "net_amount") == (D("0.50"), D("332.83"))


def test_delay_damages_accrued_on_milestones_not_payable_are_shown_not_deducted(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 05-10, 0.1% a day, no cap, fixed 10,000 each:
    #   M-1 not complete, revised 05-01, forecast 05-20: days_late = max(9, 19) = 19 (Late);
    #       accrued "with the days late as of as_of": 05-10 - 05-01 = 9 days -> 90.
    #   M-2 complete 05-05, revised 05-01, not signed off: 4 days -> 40.
    #   Neither is payable: no net, VAT or amount due; Not payable.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract(c, delay_damages_rate=0.001)],
            "milestones": [
                milestone(
                    "M-1",
                    c,
                    baseline_date=d(2026, 5, 1),
                    forecast_date=d(2026, 5, 20),
                    percent_complete=0.6,
                    payment_basis="fixed",
                    payment_amount=10000,
                ),
                milestone(
                    "M-2",
                    c,
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 5),
                    payment_basis="fixed",
                    payment_amount=10000,
                ),
            ],
        },
        {"As Of Date": d(2026, 5, 10)},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    assert (m1["status"], m1["days_late"]) == ("Late", 19)
    assert (m2["status"], m2["days_late"]) == ("Awaiting sign-off", 4)
    assert money(m1, "delay_damages", *DUE) == (D(90), None, None, None)
    assert money(m2, "delay_damages", *DUE) == (D(40), None, None, None)
    assert m1["payment_status"] == m2["payment_status"] == "Not payable"
    assert D(out["totals"]["amounts"]["delay_damages_accrued"]) == D(130)
    assert D(out["totals"]["amounts"]["delay_damages_taken"]) == D(0)


def test_delay_damages_accrued_on_the_dashboard_stay_within_what_the_cap_leaves(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-1: 100,000, 0.1% a day, cap 1% = 1,000. M-0 fixed 10,000, 10 days late, signed off:
    #   taken round(0.001 * 10,000 * 10) = 100; the cap leaves 1,000 - 100 = 900.
    #   M-1, M-2, M-3 fixed 20,000 each, not done, 40 days past 02-03 as of 03-15:
    #   each round(0.001 * 20,000 * 40) = 800, within the 900 left, so each shows 800;
    #   together 2,400, but the contract can deduct no more than 900: accrued 900.
    #   (M-3 has an invoice, which does not make it payable.)
    # C-2: no cap, N-1 fixed 5,000 60 days late: round(0.001 * 5,000 * 60) = 300.
    # Dashboard delay damages accrued = 900 + 300 = 1,200 (it said 2,400 + 300 = 2,700).
    late = {"baseline_date": d(2026, 2, 3), "percent_complete": 0.6, "payment_basis": "fixed"}
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", delay_damages_rate=0.001, delay_damages_cap=0.01),
                contract("C-2", delay_damages_rate=0.001),
            ],
            "milestones": [
                milestone(
                    "M-0",
                    baseline_date=d(2026, 1, 2),
                    actual_date=d(2026, 1, 12),
                    payment_basis="fixed",
                    payment_amount=10000,
                ),
                *(milestone(mid, **late, payment_amount=20000) for mid in ("M-1", "M-2", "M-3")),
                milestone(
                    "N-1", "C-2", **{**late, "baseline_date": d(2026, 1, 14)}, payment_amount=5000
                ),
            ],
            "signoffs": [approved("M-0", d(2026, 1, 13))],
            "invoices": [invoice("I-3", "M-3", d(2026, 3, 1), 20000)],
        },
        {"As Of Date": d(2026, 3, 15)},
    )
    ms = out["milestones"]
    assert D(ms["M-0"]["delay_damages"]) == D(100)
    assert [D(ms[m]["delay_damages"]) for m in ("M-1", "M-2", "M-3", "N-1")] == [
        D(800),
        D(800),
        D(800),
        D(300),
    ]
    assert D(out["totals"]["amounts"]["delay_damages_taken"]) == D(100)
    assert D(out["totals"]["amounts"]["delay_damages_accrued"]) == D(1200)


# ---------------------------------------------------------------------- payment due dates


def _one_signed_off(signed: dt.date, **contract_kw: object) -> dict[str, Rows]:
    """C-1 with one fixed milestone of 1,000, finished the day before ``signed``."""
    return {
        "contracts": [contract("C-1", **contract_kw)],
        "milestones": [
            milestone(
                "M-1",
                baseline_date=signed,
                actual_date=signed - dt.timedelta(1),
                payment_basis="fixed",
                payment_amount=1000,
            )
        ],
        "signoffs": [approved("M-1", signed)],
    }


def test_due_date_on_christmas_moves_past_the_weekend_and_the_boxing_day_substitute(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Signed off 2026-11-25 + 30 = Fri 2026-12-25 (Christmas, GB). Following: Sat 26, Sun 27,
    # Mon 28 (Boxing Day falls on a Saturday: substitute bank holiday) -> Tue 2026-12-29.
    out = refresh(
        template,
        tmp_path,
        capsys,
        _one_signed_off(d(2026, 11, 25)),
        {"As Of Date": d(2026, 11, 30), "Holiday Country": "GB"},
    )
    assert out["milestones"]["M-1"]["payment_due_date"] == "2026-12-29"


def test_preceding_moves_a_due_date_off_an_observed_us_holiday(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Signed off 2026-06-03 + 30 = Fri 2026-07-03: Independence Day (Sat 07-04) observed.
    # Preceding -> Thu 2026-07-02.
    out = refresh(
        template,
        tmp_path,
        capsys,
        _one_signed_off(d(2026, 6, 3)),
        {
            "As Of Date": d(2026, 6, 10),
            "Holiday Country": "US",
            "Business Day Convention": "preceding",
        },
    )
    assert out["milestones"]["M-1"]["payment_due_date"] == "2026-07-02"


def test_modified_following_at_a_month_end_steps_back_over_a_holidays_sheet_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Signed off 2026-04-30 + 30 = Sat 2026-05-30. The next business day, Mon 06-01, is in
    # the next month, so the previous one: Fri 05-29 is on the Holidays sheet -> Thu 05-28.
    sheets = {
        **_one_signed_off(d(2026, 4, 30)),
        "holidays": [{"holiday_date": d(2026, 5, 29), "holiday_name": "Company day"}],
    }
    out = refresh(
        template,
        tmp_path,
        capsys,
        sheets,
        {"As Of Date": d(2026, 5, 5), "Business Day Convention": "modified_following"},
    )
    assert out["milestones"]["M-1"]["payment_due_date"] == "2026-05-28"


def test_end_of_month_terms_29_february_and_convention_none(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Convention none: dates are not moved.
    #   C-1 eom_after_signoff, 0 days: signed off 2028-02-15 -> last day of Feb 2028 = 02-29.
    #   C-2 eom_after_invoice, 30 days: invoice 2026-01-20 -> 01-31 + 30 = 2026-03-02.
    #   C-3 after_signoff, 30 days: signed off Fri 2026-01-30 + 30 = Sun 2026-03-01, kept.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", payment_terms_days=0, payment_terms_basis="eom_after_signoff"),
                contract("C-2", payment_terms_basis="eom_after_invoice"),
                contract("C-3"),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    "C-1",
                    baseline_date=d(2028, 2, 14),
                    actual_date=d(2028, 2, 14),
                    payment_basis="fixed",
                    payment_amount=1000,
                ),
                milestone(
                    "M-2",
                    "C-2",
                    baseline_date=d(2026, 1, 15),
                    actual_date=d(2026, 1, 15),
                    payment_basis="fixed",
                    payment_amount=1000,
                ),
                milestone(
                    "M-3",
                    "C-3",
                    baseline_date=d(2026, 1, 29),
                    actual_date=d(2026, 1, 29),
                    payment_basis="fixed",
                    payment_amount=1000,
                ),
            ],
            "signoffs": [
                approved("M-1", d(2028, 2, 15)),
                approved("M-2", d(2026, 1, 16)),
                approved("M-3", d(2026, 1, 30)),
            ],
            "invoices": [invoice("INV-2", "M-2", d(2026, 1, 20), 1000)],
        },
        {"As Of Date": d(2028, 2, 16), "Business Day Convention": "none"},
    )
    due = {k: v["payment_due_date"] for k, v in out["milestones"].items()}
    assert due == {"M-1": "2028-02-29", "M-2": "2026-03-02", "M-3": "2026-03-01"}


def test_invoice_terms_run_from_the_earliest_invoice_and_skip_a_sunday(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # after_invoice, 30 days; invoices dated 04-10 (row 2) and 04-03 (row 3): the earliest,
    # 2026-04-03 + 30 = Sun 2026-05-03 -> following -> Mon 2026-05-04.
    sheets = {
        **_one_signed_off(d(2026, 4, 1), payment_terms_basis="after_invoice"),
        "invoices": [
            invoice("INV-1", "M-1", d(2026, 4, 10), 500),
            invoice("INV-2", "M-1", d(2026, 4, 3), 500),
        ],
    }
    out = refresh(template, tmp_path, capsys, sheets, {"As Of Date": d(2026, 4, 15)})
    m = out["milestones"]["M-1"]
    assert (m["payment_due_date"], m["payment_status"]) == ("2026-05-04", "Not yet due")


def test_invoice_terms_run_from_the_sign_off_when_the_invoice_came_before_it(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An invoice sent before the milestone is signed off starts no term: the term runs from the
    # later of the earliest invoice and the sign-off (UK Act s.4, EU Directive art. 4(3)(a)(iv),
    # US Prompt Payment Act: the later of the invoice and acceptance). UK, 4% + 8% = 12%;
    # convention none; 1,000 each (no VAT), finished and signed off 2026-04-20; as of 05-25.
    #   M-1 (after_invoice 30) INV-1 dated 03-02, unpaid: from 04-20, not 03-02: due 05-20
    #       (it was 04-01, 54 days overdue); 5 days overdue:
    #       1,000 * 0.12 * 5 / 365 = 1.6438... -> 1.64; + 70 (1,000 <= amount < 10,000) = 71.64
    #   M-2 (after_invoice 30) INV-2 dated 03-10, 400 paid 03-20, before the sign-off: on time;
    #       INV-3 dated 03-01 (the earliest, a row below) 600 paid 05-25: due 05-20, 5 days
    #       late: 600 * 0.12 * 5 / 365 = 0.9863... -> 0.99 + 70 = 70.99 (it was 80.85, from a
    #       due date of 03-31). Paid.
    #   M-3 (C-2, eom_after_invoice 30) INV-4 dated 03-31, unpaid: from the sign-off's month:
    #       04-30 + 30 = Sat 05-30 (no move) -> Not yet due (it was 04-30, 25 days overdue).
    # Dashboard: overdue 1,000 (M-1); due within 30 days 1,000 (M-3).
    assert r2(D(1000) * D("0.12") * 5 / 365) + 70 == D("71.64")
    assert r2(D(600) * D("0.12") * 5 / 365) + 70 == D("70.99")
    rows = [
        _signed(mid, cid, d(2026, 4, 20), payment_basis="fixed", payment_amount=1000)
        for mid, cid in (("M-1", "C-1"), ("M-2", "C-1"), ("M-3", "C-2"))
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", payment_terms_basis="after_invoice"),
                contract("C-2", payment_terms_basis="eom_after_invoice"),
            ],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 3, 2), 1000),
                invoice("INV-2", "M-2", d(2026, 3, 10), 400, d(2026, 3, 20), 400),
                invoice("INV-3", "M-2", d(2026, 3, 1), 600, d(2026, 5, 25), 600),
                invoice("INV-4", "M-3", d(2026, 3, 31), 1000),
            ],
        },
        {
            "As Of Date": d(2026, 5, 25),
            "Business Day Convention": "none",
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.04,
        },
    )
    got = {
        k: (v["payment_status"], v["payment_due_date"], v["days_overdue"], D(v["late_interest"]))
        for k, v in out["milestones"].items()
    }
    assert got == {
        "M-1": ("Overdue", "2026-05-20", 5, D("71.64")),
        "M-2": ("Paid", "2026-05-20", 0, D("70.99")),
        "M-3": ("Not yet due", "2026-05-30", 0, D(0)),
    }
    amounts = out["totals"]["amounts"]
    assert (D(amounts["overdue"]), D(amounts["due_30"])) == (D(1000), D(1000))


@pytest.mark.parametrize(
    ("convention", "basis", "expected"),
    [
        # after_invoice, 0 days ("on receipt"); the invoice is dated Sat 2026-03-07 and paid
        # that day. 03-07 + 0 = Sat 03-07 -> preceding: Fri 03-06, the day before the invoice,
        # which made a payment on the invoice's own day one day late (70 + interest). Not before
        # the invoice: the next business day, Mon 03-09; paid on 03-07, on time.
        ("preceding", "after_invoice", ("2026-03-09", "Paid", "0.00")),
        # after_signoff, 0 days; signed off Sat 2026-01-31 (an approver working the weekend):
        # modified_following: Mon 02-02 is in the next month -> back to Fri 01-30, before the
        # sign-off. Not before it: Mon 02-02. Unpaid as of 02-10: 8 days overdue,
        # 1,000 x 0.13 x 8/365 = 2.849... + 70 = 72.85.
        ("modified_following", "after_signoff", ("2026-02-02", "Overdue", "72.85")),
    ],
)
def test_a_convention_never_moves_a_due_date_before_the_day_its_term_runs_from(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    convention: str,
    basis: str,
    expected: tuple[str, str, str],
) -> None:
    assert r2(1000 * D("0.13") * 8 / 365 + 70) == D("72.85")
    invoiced = basis == "after_invoice"
    signed = d(2026, 3, 6) if invoiced else d(2026, 1, 31)
    sheets = _one_signed_off(signed, payment_terms_days=0, payment_terms_basis=basis)
    if invoiced:
        sheets["invoices"] = [
            invoice("INV-1", "M-1", d(2026, 3, 7), 1000, d(2026, 3, 7), 1000),
        ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        sheets,
        {
            "As Of Date": d(2026, 4, 20) if invoiced else d(2026, 2, 10),
            "Business Day Convention": convention,
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.05,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["payment_due_date"], m["payment_status"], m["late_interest"]) == expected


# (basis, days, sign-off, invoice, due date under convention none, under following with GB)
TERMS_CASES = [
    # 2026-12-15 + 30: 16 days to 12-31, 14 into January -> Thu 2027-01-14
    ("after_invoice", 30, d(2026, 12, 10), d(2026, 12, 15), "2027-01-14", "2027-01-14"),
    # 2028-01-31 + 29 = 2028-02-29 (leap year), a Tuesday
    ("after_invoice", 29, d(2028, 1, 30), d(2028, 1, 31), "2028-02-29", "2028-02-29"),
    # 2027-01-31 + 29: February 2027 has 28 days -> Mon 2027-03-01
    ("after_invoice", 29, d(2027, 1, 30), d(2027, 1, 31), "2027-03-01", "2027-03-01"),
    # 0 days from Sun 2027-01-31 -> following: Mon 2027-02-01
    ("after_invoice", 0, d(2027, 1, 30), d(2027, 1, 31), "2027-01-31", "2027-02-01"),
    # 2027-12-31 + 60: 31 days to 01-31, 29 more -> Tue 2028-02-29
    ("after_signoff", 60, d(2027, 12, 31), None, "2028-02-29", "2028-02-29"),
    # 2028-02-29 + 365: the year to 2029-02-28 has no 29 February -> Wed 2029-02-28
    ("after_signoff", 365, d(2028, 2, 29), None, "2029-02-28", "2029-02-28"),
    # 2026-12-31 + 1 = Fri 2027-01-01, New Year's Day (GB) -> Mon 2027-01-04
    ("after_signoff", 1, d(2026, 12, 31), None, "2027-01-01", "2027-01-04"),
    # last day of February 2026 = Sat 02-28, + 0 -> following: Mon 2026-03-02
    ("eom_after_signoff", 0, d(2026, 2, 10), None, "2026-02-28", "2026-03-02"),
    # last day of February 2028 = 02-29, + 30 -> Thu 2028-03-30
    ("eom_after_signoff", 30, d(2028, 2, 1), None, "2028-03-30", "2028-03-30"),
    # 2026-12-31 is its own month end, + 31 = Sun 2027-01-31 -> Mon 2027-02-01
    ("eom_after_signoff", 31, d(2026, 12, 31), None, "2027-01-31", "2027-02-01"),
    # 2026-11-30 is a month end, + 45: 31 to 12-31, 14 more -> Thu 2027-01-14
    ("eom_after_invoice", 45, d(2026, 11, 20), d(2026, 11, 30), "2027-01-14", "2027-01-14"),
    # invoice 2027-02-01 -> month end 02-28, + 1 = Mon 2027-03-01
    ("eom_after_invoice", 1, d(2027, 1, 20), d(2027, 2, 1), "2027-03-01", "2027-03-01"),
    # invoice 2028-02-01 -> month end 02-29 (leap), + 1 = Wed 2028-03-01
    ("eom_after_invoice", 1, d(2028, 1, 20), d(2028, 2, 1), "2028-03-01", "2028-03-01"),
    # invoice 2026-01-31 + 365 = Sun 2027-01-31 -> Mon 2027-02-01
    ("eom_after_invoice", 365, d(2026, 1, 20), d(2026, 1, 31), "2027-01-31", "2027-02-01"),
]


@pytest.mark.parametrize(
    ("convention", "column"), [("none", 4), ("following", 5)], ids=["none", "following"]
)
def test_each_terms_basis_across_month_and_year_ends_and_29_february(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    convention: str,
    column: int,
) -> None:
    contracts, rows, signoffs, invoices = [], [], [], []
    for i, (basis, days, signed, invoiced, *_due) in enumerate(TERMS_CASES, start=1):
        contracts.append(
            contract(
                f"C-{i}",
                payment_terms_basis=basis,
                payment_terms_days=days,
                end_date=d(2030, 12, 31),
            )
        )
        rows.append(_due_on(signed, 1000, f"M-{i}") | {"contract_id": f"C-{i}"})
        signoffs.append(approved(f"M-{i}", signed))
        if invoiced is not None:
            invoices.append(invoice(f"INV-{i}", f"M-{i}", invoiced, 1000))
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": contracts,
            "milestones": rows,
            "signoffs": signoffs,
            "invoices": invoices,
        },
        {
            "As Of Date": d(2029, 6, 30),
            "Business Day Convention": convention,
            "Holiday Country": "GB",
        },
    )
    got = [out["milestones"][f"M-{i}"]["payment_due_date"] for i in range(1, len(TERMS_CASES) + 1)]
    assert got == [case[column] for case in TERMS_CASES]


@pytest.mark.parametrize(
    ("country", "convention", "expected"),
    [
        # after_signoff 30 days from each sign-off date:
        #   2025-12-03 + 30 = Fri 2026-01-02: the Scottish New Year holiday -> Mon 01-05;
        #   2026-10-31 + 30 = Mon 2026-11-30: St Andrew's Day (SCT) -> Tue 12-01;
        #   2026-07-04 + 30 = Mon 2026-08-03: Scotland's summer bank holiday -> Tue 08-04;
        #   2025-12-07 + 30 = Tue 2026-01-06 (Epiphany: Bavaria only) -> unchanged;
        #   2026-08-01 + 30 = Mon 2026-08-31 (late summer holiday: England only) -> unchanged.
        (
            "GB-SCT",
            "following",
            ["2026-01-05", "2026-12-01", "2026-08-04", "2026-01-06", "2026-08-31"],
        ),
        # Bavaria: 01-02, 11-30, 08-03 are business days; Epiphany -> Wed 01-07.
        (
            "de-by",
            "following",
            ["2026-01-02", "2026-11-30", "2026-08-03", "2026-01-07", "2026-08-31"],
        ),
        # England, modified_following: Mon 08-31 is a holiday, the next business day Tue 09-01
        # is in the next month -> back to Fri 08-28. Mon 08-03 and the rest are business days.
        (
            "GB-ENG",
            "modified_following",
            ["2026-01-02", "2026-11-30", "2026-08-03", "2026-01-06", "2026-08-28"],
        ),
    ],
)
def test_public_holidays_of_a_region_move_the_due_date(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    country: str,
    convention: str,
    expected: list[str],
) -> None:
    signed = [d(2025, 12, 3), d(2026, 10, 31), d(2026, 7, 4), d(2025, 12, 7), d(2026, 8, 1)]
    rows = [_due_on(day, 1000, f"M-{i}") for i, day in enumerate(signed, start=1)]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", original_value=5000)],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
        },
        {
            "As Of Date": d(2026, 12, 31),
            "Business Day Convention": convention,
            "Holiday Country": country,
        },
    )
    got = [out["milestones"][f"M-{i}"]["payment_due_date"] for i in range(1, 6)]
    assert got == expected


def test_due_dates_in_years_without_holiday_data_are_warned_of_unless_the_sheet_has_them(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GB: signed off 2101-11-25 + 30 = Sun 2101-12-25. The holidays package has no year past
    # 2100, so Mon 12-26 (Boxing Day) counts as a business day: due 2101-12-26, and said once
    # on the Holiday Country cell (Settings row 5). With Mon 12-26 and Tue 12-27 (Christmas
    # substitute) on the Holidays sheet -> Wed 12-28, and nothing to say.
    signed = d(2101, 11, 25)
    sheets = {
        "contracts": [contract("C-1", start_date=d(2100, 1, 1), end_date=d(2102, 12, 31))],
        "milestones": [_due_on(signed, 1000, "M-1")],
        "signoffs": [approved("M-1", signed)],
    }
    settings = {"As Of Date": d(2101, 11, 30), "Holiday Country": "GB"}
    out = refresh(template, tmp_path, capsys, sheets, settings)
    assert out["milestones"]["M-1"]["payment_due_date"] == "2101-12-26"
    said = [(i["code"], i["sheet"], i["cell"]) for i in out["issues"]]
    assert said == [("holiday-years-not-known", "Settings", "B5")]
    assert "GB are not known (in whole or in part) for 2101" in out["issues"][0]["message"]
    listed = [{"holiday_date": d(2101, 12, 26)}, {"holiday_date": d(2101, 12, 27)}]
    out = refresh(template, tmp_path, capsys, {**sheets, "holidays": listed}, settings)
    assert out["milestones"]["M-1"]["payment_due_date"] == "2101-12-28"
    assert out["issues"] == []


def test_india_holidays_print_nothing_on_stderr_and_a_year_past_their_data_is_warned_of(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The holidays package has India's lunar holidays for 2001-2035 only and says so with a
    # Python warning (and a source line) on stderr each time it is asked for another year.
    # 2026: signed off 2026-02-24 + 30 = Thu 2026-03-26, Ram Navami -> Fri 03-27, and the
    # command prints nothing on stderr. 2099: the year is said on the Holiday Country cell.
    signed = [d(2026, 2, 24), d(2099, 3, 2)]
    err: list[str] = []
    due: list[str] = []
    for day in signed:
        row = _due_on(day, 1000, "M-1")
        out = refresh(
            template,
            tmp_path,
            capsys,
            {
                "contracts": [
                    contract(
                        "C-1",
                        start_date=d(day.year - 1, 1, 1),
                        end_date=d(day.year + 1, 12, 31),
                    )
                ],
                "milestones": [row],
                "signoffs": [approved_on_actual(row)],
            },
            {"As Of Date": day, "Holiday Country": "IN"},
            stderr=err,
        )
        codes = [i["code"] for i in out["issues"]]
        assert codes == ([] if day.year == 2026 else ["holiday-years-not-known"])
        due.append(out["milestones"]["M-1"]["payment_due_date"])
    # 2099-03-02 + 30 = Wed 2099-04-01: no holiday known to move it.
    assert due == ["2026-03-27", "2099-04-01"]
    assert err == ["", ""]


# ------------------------------------------------------------------- late-payment interest


def _due_on(signed: dt.date, amount: object, milestone_id: str) -> dict[str, object]:
    """A fixed milestone signed off on ``signed``; with 0 terms days and convention none, its
    payment is due that day."""
    return milestone(
        milestone_id,
        baseline_date=signed,
        actual_date=signed,
        payment_basis="fixed",
        payment_amount=amount,
    )


def approved_on_actual(row: Mapping[str, object]) -> dict[str, object]:
    """The Project Manager's approval of the milestone ``row`` on its actual date."""
    day = row["actual_date"]
    assert isinstance(day, dt.date)
    return approved(str(row["milestone_id"]), day)


def test_uk_interest_on_a_part_paid_late_and_a_part_unpaid_with_the_fixed_sums(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UK, reference 4% + the statutory margin 8% = 12%; due dates (0 days, no move):
    #   M-1 9,000 + VAT 20% = 10,800 due 04-01; 5,000 paid 04-11 (10 days late), 5,800
    #       unpaid at 05-01 (30 days):
    #       5,000 * 0.12 * 10 / 365 + 5,800 * 0.12 * 30 / 365 = 26,880 / 365 = 73.6438...
    #       rounded once: 73.64 (each part rounded: 16.44 + 57.21 = 73.65); the band goes by
    #       amount_due, VAT included: 10,800 >= 10,000: + 100 (by the net 9,000: 70)  = 173.64
    #   M-2 999.99 (C-2 has no VAT) paid in full 5 days late:
    #       999.99 * 0.12 * 5 / 365 = 1.6438...  -> 1.64; < 1,000: + 40          = 41.64
    #   M-3 1,000 exactly, paid 1 day late: 1,000 * 0.12 / 365 = 0.3287... -> 0.33;
    #       not < 1,000, < 10,000: + 70                                           = 70.33
    #   M-4 1,000 paid on its due date: nothing                                   = 0
    assert r2(D(5000) * D("0.12") * 10 / 365 + D(5800) * D("0.12") * 30 / 365) == D("73.64")
    m1 = _due_on(d(2026, 4, 1), 9000, "M-1") | {"contract_id": "C-1"}
    rows = [m1] + [
        _due_on(day, amount, mid) | {"contract_id": "C-2"}
        for mid, day, amount in (
            ("M-2", d(2026, 4, 6), 999.99),
            ("M-3", d(2026, 4, 7), 1000),
            ("M-4", d(2026, 4, 8), 1000),
        )
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", vat_rate=0.2, payment_terms_days=0),
                contract("C-2", payment_terms_days=0),
            ],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 4, 1), 10800, d(2026, 4, 11), 5000),
                invoice("INV-2", "M-2", d(2026, 4, 6), 999.99, d(2026, 4, 11), 999.99),
                invoice("INV-3", "M-3", d(2026, 4, 7), 1000, d(2026, 4, 8), 1000),
                invoice("INV-4", "M-4", d(2026, 4, 8), 1000, d(2026, 4, 8), 1000),
            ],
        },
        {
            "As Of Date": d(2026, 5, 1),
            "Business Day Convention": "none",
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.04,
        },
    )
    ms = out["milestones"]
    m = ms["M-1"]
    assert (m["payment_status"], m["days_overdue"]) == ("Overdue", 30)
    assert money(m, "amount_due", "paid_amount", "outstanding_amount", "late_interest") == (
        D(10800),
        D(5000),
        D(5800),
        D("173.64"),
    )
    assert [D(ms[k]["late_interest"]) for k in ("M-2", "M-3", "M-4")] == [
        D("41.64"),
        D("70.33"),
        D(0),
    ]
    assert [ms[k]["payment_status"] for k in ("M-2", "M-3", "M-4")] == ["Paid"] * 3


def test_eu_interest_only_on_the_part_paid_after_the_due_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # EU, 2% + 8% = 10%; 1,000 due 03-02: 400 paid on 03-02 (on time), 600 on 04-16 (45 days):
    #   600 * 0.10 * 45 / 365 = 7.3972... -> 7.40; + 40 once = 47.40. Paid in full: Paid.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": [_due_on(d(2026, 3, 2), 1000, "M-1")],
            "signoffs": [approved("M-1", d(2026, 3, 2))],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 3, 2), 400, d(2026, 3, 2), 400),
                invoice("INV-2", "M-1", d(2026, 3, 2), 600, d(2026, 4, 16), 600),
            ],
        },
        {
            "As Of Date": d(2026, 5, 1),
            "Business Day Convention": "none",
            "Late Interest Regime": "eu",
            "Late Interest Reference Rate": 0.02,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["payment_status"], m["days_overdue"]) == ("Paid", 0)
    assert D(m["late_interest"]) == D("47.40")


def test_us_interest_simple_to_30_days_then_by_30_day_periods(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # US, 5% + no margin; 10,000 unpaid as of 06-30 (due on the sign-off date):
    #   M-1 due 05-31, d = 30: 10,000 * 0.05 * 30 / 360                       = 41.67
    #   M-2 due 05-30, d = 31: m = 1, d' = 1:
    #       10,000 * (1 + 0.05/12) * (1 + 0.05 * 1/360) - 10,000 = 43.0613... = 43.06
    #   M-3 due 04-16, d = 75: m = 2, d' = 15:
    #       10,000 * (1 + 0.05/12)^2 * (1 + 0.05 * 15/360) - 10,000 = 104.514... = 104.51
    r = D("0.05")
    assert r2(10000 * (1 + r / 12) * (1 + r / 360) - 10000) == D("43.06")
    assert r2(10000 * (1 + r / 12) ** 2 * (1 + r * 15 / 360) - 10000) == D("104.51")
    rows = [
        _due_on(d(2026, 5, 31), 10000, "M-1"),
        _due_on(d(2026, 5, 30), 10000, "M-2"),
        _due_on(d(2026, 4, 16), 10000, "M-3"),
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0, original_value=30000)],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
        },
        {
            "As Of Date": d(2026, 6, 30),
            "Business Day Convention": "none",
            "Late Interest Regime": "us",
            "Late Interest Reference Rate": 0.05,
        },
    )
    ms = out["milestones"]
    assert [ms[k]["days_overdue"] for k in ("M-1", "M-2", "M-3")] == [30, 31, 75]
    assert [D(ms[k]["late_interest"]) for k in ("M-1", "M-2", "M-3")] == [
        D("41.67"),
        D("43.06"),
        D("104.51"),
    ]


def test_fidic_interest_compounds_by_whole_calendar_months(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # FIDIC, 5% + the 3% margin = 8%; 50,000 due 01-15, unpaid as of 04-25:
    #   m = 3 (to 04-15), d' = 10:
    #   50,000 * (1 + 0.08/12)^3 * (1 + 0.08 * 10/365) - 50,000 = 1,118.48
    r = D("0.08")
    assert r2(50000 * (1 + r / 12) ** 3 * (1 + r * 10 / 365) - 50000) == D("1118.48")
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": [_due_on(d(2026, 1, 15), 50000, "M-1")],
            "signoffs": [approved("M-1", d(2026, 1, 15))],
        },
        {
            "As Of Date": d(2026, 4, 25),
            "Business Day Convention": "none",
            "Late Interest Regime": "fidic",
            "Late Interest Reference Rate": 0.05,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["days_overdue"], D(m["late_interest"])) == (100, D("1118.48"))


def test_fidic_a_month_from_31_january_ends_on_the_last_day_of_february(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # FIDIC 8%; 50,000 due 2028-01-31, unpaid as of 2028-02-29 (leap year). A calendar month
    # from 31 January ends on the last day of February (as Excel's EDATE counts), so m = 1,
    # d' = 0: 50,000 * (1 + 0.08/12) - 50,000 = 333.33. (As 29 days: 50,000 * 0.08 * 29/365
    # = 317.81.)
    assert r2(50000 * (1 + D("0.08") / 12) - 50000) == D("333.33")
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": [_due_on(d(2028, 1, 31), 50000, "M-1")],
            "signoffs": [approved("M-1", d(2028, 1, 31))],
        },
        {
            "As Of Date": d(2028, 2, 29),
            "Business Day Convention": "none",
            "Late Interest Regime": "fidic",
            "Late Interest Reference Rate": 0.05,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["days_overdue"], D(m["late_interest"])) == (29, D("333.33"))


def test_a_payment_typed_past_the_penny_leaves_no_late_remainder_to_bear_interest(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UK, 5% + 8% = 13%; 1,000 due on the sign-off date (0 days, no move), as of 04-25:
    #   M-1 999.996 paid on its due date 03-05: paid round(999.996) = 1,000.00, outstanding
    #       0.00 -> Paid on time: interest 0.00 (the 0.004 the typed payment left was taken
    #       as unpaid for 51 days: 0.004 x 0.13 x 51/365 = 0.00007, + the fixed 70 = 70.00).
    #   M-2 999.994 paid on its due date: paid round(999.994) = 999.99, outstanding 0.01 is
    #       unpaid from 03-05 to 04-25, 51 days: 0.01 x 0.13 x 51/365 = 0.00018..., + 70 (the
    #       band of 1,000.00) = 70.00.
    assert r2(D("0.01") * D("0.13") * 51 / 365 + 70) == D("70.00")
    rows = [_due_on(d(2026, 3, 5), 1000, "M-1"), _due_on(d(2026, 3, 5), 1000, "M-2")]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 3, 5), 1000, d(2026, 3, 5), 999.996),
                invoice("INV-2", "M-2", d(2026, 3, 5), 1000, d(2026, 3, 5), 999.994),
            ],
        },
        {
            "As Of Date": d(2026, 4, 25),
            "Business Day Convention": "none",
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.05,
        },
    )
    ms = out["milestones"]
    got = {
        k: (v["payment_status"], v["outstanding_amount"], v["late_interest"]) for k, v in ms.items()
    }
    assert got == {"M-1": ("Paid", "0.00", "0.00"), "M-2": ("Overdue", "0.01", "70.00")}


def test_uk_interest_in_yen_dinars_and_pounds_over_a_leap_february(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UK, 5% + 8% = 13%, day count 365 even in the leap year 2028; as of 2028-03-15; each due
    # on its sign-off date (0 days, no move); the fixed sum in the contract's currency:
    #   M-1 10,000 GBP due 2027-12-15, unpaid: d = 31 + 31 + 29 = 91:
    #       10,000 x 0.13 x 91/365 = 324.1096... + 100 = 424.11
    #   M-2 1,234,567 JPY due 2028-01-30, unpaid: d = 30 + 15 = 45:
    #       1,234,567 x 0.13 x 45/365 = 19,786.8958... + 100 = 19,886.90 -> 19,887 (no decimals)
    #   M-3 999.999 KWD due 2028-03-05, unpaid: d = 10:
    #       999.999 x 0.13 x 10/365 = 3.561640... + 40 (< 1,000) = 43.561640 -> 43.562
    #   M-4 12,345.678 BHD due 2027-11-30; 5,000.5 paid 2028-01-31 (d = 31 + 31 = 62), the
    #       7,345.178 left unpaid (d = 31 + 31 + 29 + 15 = 106):
    #       5,000.5 x 0.13 x 62/365 = 110.422 + 7,345.178 x 0.13 x 106/365 = 277.305624...
    #       = 387.727624... + 100 = 487.727624... -> 487.728
    r = D("0.13")
    assert (D(1234567) * r * 45 / 365 + 100).quantize(D(1), ROUND_HALF_UP) == 19887
    assert (D("999.999") * r * 10 / 365 + 40).quantize(D("0.001"), ROUND_HALF_UP) == D("43.562")
    bhd = D("5000.5") * r * 62 / 365 + D("7345.178") * r * 106 / 365 + 100
    assert bhd.quantize(D("0.001"), ROUND_HALF_UP) == D("487.728")
    cases = [
        ("M-1", "GBP", 10000, d(2027, 12, 15)),
        ("M-2", "JPY", 1234567, d(2028, 1, 30)),
        ("M-3", "KWD", 999.999, d(2028, 3, 5)),
        ("M-4", "BHD", 12345.678, d(2027, 11, 30)),
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(f"C-{mid}", currency=cur, original_value=2 * amount, payment_terms_days=0)
                for mid, cur, amount, _due in cases
            ],
            "milestones": [
                _due_on(due, amount, mid) | {"contract_id": f"C-{mid}"}
                for mid, _cur, amount, due in cases
            ],
            "signoffs": [approved(mid, due) for mid, _cur, _amount, due in cases],
            "invoices": [
                invoice("INV-4", "M-4", d(2027, 11, 30), 12345.678, d(2028, 1, 31), 5000.5)
            ],
            "fx_rates": [
                {"currency": cur, "rate_to_reporting": 1} for cur in ("JPY", "KWD", "BHD")
            ],
        },
        {
            "As Of Date": d(2028, 3, 15),
            "Business Day Convention": "none",
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.05,
        },
    )
    ms = out["milestones"]
    got = {k: (v["days_overdue"], v["late_interest"]) for k, v in ms.items()}
    assert got == {
        "M-1": (91, "424.11"),
        "M-2": (45, "19887"),
        "M-3": (10, "43.562"),
        "M-4": (106, "487.728"),
    }


@pytest.mark.parametrize(
    ("regime", "reference", "expected"),
    [
        # 5,000 due 2027-12-01; 2,000 paid 2028-01-10 (d = 40), 3,000 paid 2028-02-29 (d = 90).
        # us, 4.5% (no margin): 2,000: m = 1, d' = 10: 2,000 x 1.00375 x (1 + 0.045 x 10/360)
        #   - 2,000 = 10.009375; 3,000: m = 3, d' = 0: 3,000 x 1.00375^3 - 3,000 = 33.876720...
        #   = 43.886095... -> 43.89
        ("us", 0.045, "43.89"),
        # fidic, 5% + 3% = 8%: 2,000: 12-01 -> 01-01 one month, d' = 9: 2,000 x (1 + 0.08/12) x
        #   (1 + 0.08 x 9/365) - 2,000 = 17.304840...; 3,000: to 02-01 two months, d' = 28 (to
        #   the 29th of a leap February): 3,000 x (1 + 0.08/12)^2 x (1 + 0.08 x 28/365) - 3,000
        #   = 58.790589... = 76.095430... -> 76.10
        ("fidic", 0.05, "76.10"),
    ],
)
def test_compound_regimes_on_two_payments_each_late_by_its_own_days(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    regime: str,
    reference: float,
    expected: str,
) -> None:
    r = D("0.08")
    fidic = (
        2000 * (1 + r / 12) * (1 + r * 9 / 365)
        - 2000
        + 3000 * (1 + r / 12) ** 2 * (1 + r * 28 / 365)
        - 3000
    )
    assert r2(fidic) == D("76.10")
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": [_due_on(d(2027, 12, 1), 5000, "M-1")],
            "signoffs": [approved("M-1", d(2027, 12, 1))],
            "invoices": [
                invoice("INV-1", "M-1", d(2027, 12, 1), 2000, d(2028, 1, 10), 2000),
                invoice("INV-2", "M-1", d(2027, 12, 1), 3000, d(2028, 2, 29), 3000),
            ],
        },
        {
            "As Of Date": d(2028, 3, 15),
            "Business Day Convention": "none",
            "Late Interest Regime": regime,
            "Late Interest Reference Rate": reference,
        },
    )
    m = out["milestones"]["M-1"]
    assert (m["payment_status"], m["days_overdue"], m["late_interest"]) == ("Paid", 0, expected)


# -------------------------------------------------------------------------- status and RAG


def test_status_edges_of_the_window_the_half_done_mark_and_the_as_of_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of Mon 2026-06-01, At Risk Window 14 days; project milestones, none complete:
    #   M-1 revised 06-15 (14 days ahead), 20% done: within the window, below 50% -> At risk
    #   M-2 revised 06-16 (15 days ahead), 20%: outside the window -> In progress
    #   M-3 revised 06-10, 50% done: not below 50% -> In progress
    #   M-4 revised 06-01 = as_of, 90%: as_of > revised is false -> In progress; days_late 0
    #   M-5 revised 05-31, 90%: Late, days_late 1
    #   M-6 revised 07-31, forecast 08-03, 0%: At risk; days_late max(-60, 3) = 3
    #   M-7 revised 07-31, no forecast, 0%: Not started; days_late max(-60, 0) = 0
    #   M-8 revised 07-31, forecast 07-20: Not started; days_late max(-60, -11) = -11
    #   M-9 (C-2) baseline 06-05; CO-1 approved, no milestone, -5 days -> revised 05-31: Late,
    #       days_late 1; CO-2 approved on 06-10 (after the as-of date) +30 days: not yet.
    #   Without a forecast, effective_forecast = revised, so days_late = max(as_of - revised, 0):
    #   0 for M-1 to M-4 and M-7, not the days left.
    #   RAG: At risk Amber, Late Red, In progress and Not started Green.
    def project(mid: str, baseline: dt.date, pct: float, **kw: object) -> dict[str, object]:
        return milestone(
            mid, baseline_date=baseline, percent_complete=pct, milestone_type="project", **kw
        )

    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1"), contract("C-2")],
            "milestones": [
                project("M-1", d(2026, 6, 15), 0.2),
                project("M-2", d(2026, 6, 16), 0.2),
                project("M-3", d(2026, 6, 10), 0.5),
                project("M-4", d(2026, 6, 1), 0.9),
                project("M-5", d(2026, 5, 31), 0.9),
                project("M-6", d(2026, 7, 31), 0, forecast_date=d(2026, 8, 3)),
                project("M-7", d(2026, 7, 31), 0),
                project("M-8", d(2026, 7, 31), 0, forecast_date=d(2026, 7, 20)),
                project("M-9", d(2026, 6, 5), 0.9) | {"contract_id": "C-2"},
            ],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": "C-2",
                    "description": "access",
                    "extension_days": -5,
                    "change_status": "approved",
                    "approved_date": d(2026, 5, 1),
                },
                {
                    "change_id": "CO-2",
                    "contract_id": "C-2",
                    "description": "later",
                    "extension_days": 30,
                    "change_status": "approved",
                    "approved_date": d(2026, 6, 10),
                },
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    got = {k: (v["status"], v["rag"], v["days_late"]) for k, v in out["milestones"].items()}
    assert got == {
        "M-1": ("At risk", "Amber", 0),
        "M-2": ("In progress", "Green", 0),
        "M-3": ("In progress", "Green", 0),
        "M-4": ("In progress", "Green", 0),
        "M-5": ("Late", "Red", 1),
        "M-6": ("At risk", "Amber", 3),
        "M-7": ("Not started", "Green", 0),
        "M-8": ("Not started", "Green", -11),
        "M-9": ("Late", "Red", 1),
    }
    assert out["milestones"]["M-9"]["revised_date"] == "2026-05-31"


def test_rag_tolerance_and_sign_off_deadlines_of_milestones_awaiting_sign_off(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 2026-06-01; RAG Tolerance 3 days; Sign-off Days 10; approver listed, pending:
    #   M-1 revised 05-17, actual 05-20: 3 days late <= 3 -> Green; due 05-20 + 10 = 05-30;
    #       waiting 06-01 - 05-20 = 12 days; 2 days overdue.
    #   M-2 revised 05-16, actual 05-20: 4 days late > 3 -> Amber; due 05-30; 12; 2 overdue.
    #   M-3 revised 05-30, actual 05-28: -2 -> Green; due 06-07; waiting 4; not overdue.
    #   M-4 revised 05-10, actual 05-15, signed off 05-16: 5 late -> Signed off, Amber; no
    #       sign-off due or days waiting (Awaiting sign-off only).
    # Queue: by days overdue, then days waiting, both descending, then ID: M-1, M-2, M-3.
    def done(mid: str, revised: dt.date, actual: dt.date) -> dict[str, object]:
        return milestone(mid, baseline_date=revised, actual_date=actual, milestone_type="project")

    pending = [
        {
            "milestone_id": mid,
            "approver_role": "Project Manager",
            "approver_name": "Pat Approver",
            "decision": "pending",
        }
        for mid in ("M-1", "M-2", "M-3")
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                done("M-1", d(2026, 5, 17), d(2026, 5, 20)),
                done("M-2", d(2026, 5, 16), d(2026, 5, 20)),
                done("M-3", d(2026, 5, 30), d(2026, 5, 28)),
                done("M-4", d(2026, 5, 10), d(2026, 5, 15)),
            ],
            "signoffs": [*pending, approved("M-4", d(2026, 5, 16))],
        },
        {"As Of Date": d(2026, 6, 1), "RAG Tolerance Days": 3, "Sign-off Days": 10},
    )
    got = {
        k: (
            v["status"],
            v["rag"],
            v["days_late"],
            v["signoff_due_date"],
            v["days_awaiting_signoff"],
        )
        for k, v in out["milestones"].items()
    }
    assert got == {
        "M-1": ("Awaiting sign-off", "Green", 3, "2026-05-30", 12),
        "M-2": ("Awaiting sign-off", "Amber", 4, "2026-05-30", 12),
        "M-3": ("Awaiting sign-off", "Green", -2, "2026-06-07", 4),
        "M-4": ("Signed off", "Amber", 5, None, None),
    }
    queue = [(q["milestone_id"], q["days_overdue"]) for q in out["signoff_queue"]]
    assert queue == [("M-1", 2), ("M-2", 2), ("M-3", 0)]
    assert (out["totals"]["signoffs_overdue"], out["totals"]["oldest_signoff_days"]) == (2, 12)


# ------------------------------------------------------------- disputes and readiness


def test_an_open_dispute_holds_a_milestone_not_yet_signed_off_but_not_one_signed_off(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Status ladder: Signed off (2) comes before On hold (4), and signed off needs only
    # completion and the approvals. The Disputes check still fails on an open dispute.
    #   M-1 complete, approved, dispute I-1 open: Signed off (payable: 1,000 due), not ready.
    #   M-2 complete, pending, dispute I-2 open: On hold, Red, Not payable, not ready.
    #   M-3 complete, pending, dispute I-3 closed: Awaiting sign-off, ready.
    def dispute(iid: str, mid: str, status: str) -> dict[str, object]:
        row: dict[str, object] = {
            "issue_id": iid,
            "milestone_id": mid,
            "category": "dispute",
            "issue_status": status,
            "raised_date": d(2026, 4, 5),
            "description": "quantities",
        }
        if status == "closed":
            row["closed_date"] = d(2026, 4, 6)
        return row

    rows = [
        milestone(
            mid,
            baseline_date=d(2026, 4, 1),
            actual_date=d(2026, 4, 1),
            payment_basis="fixed",
            payment_amount=1000,
        )
        for mid in ("M-1", "M-2", "M-3")
    ]
    pending = [
        {
            "milestone_id": mid,
            "approver_role": "Project Manager",
            "approver_name": "Pat Approver",
            "decision": "pending",
        }
        for mid in ("M-2", "M-3")
    ]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": rows,
            "signoffs": [approved("M-1", d(2026, 4, 3)), *pending],
            "issues": [
                dispute("I-1", "M-1", "open"),
                dispute("I-2", "M-2", "open"),
                dispute("I-3", "M-3", "closed"),
            ],
        },
        {"As Of Date": d(2026, 4, 10)},
    )
    ms = out["milestones"]
    got = {
        k: (v["status"], v["rag"], v["payment_status"], v["signoff_ready"]) for k, v in ms.items()
    }
    assert got == {
        "M-1": ("Signed off", "Green", "Not yet due", False),
        "M-2": ("On hold", "Red", "Not payable", False),
        "M-3": ("Awaiting sign-off", "Green", "Not payable", True),
    }
    assert D(ms["M-1"]["amount_due"]) == D(1000)
    assert "I-1" in ms["M-1"]["signoff_blockers"]
    assert "I-2" in ms["M-2"]["signoff_blockers"]
    assert ms["M-3"]["signoff_blockers"] is None


def test_deliverables_and_issues_are_taken_as_they_were_on_the_as_of_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 06-01, dates typed for 06-20 have not happened yet (docs/decisions.md):
    #   M-1 dispute I-1 closed 06-20: open as of 06-01 -> On hold, Disputes fails.
    #   M-2 complete, deliverable D-2 submitted 05-01, accepted 06-20: not accepted as of
    #       06-01 -> Deliverables fails (Awaiting sign-off, not ready).
    #   M-3 0% done, deliverable D-3 pending, submitted 06-20: not started by it.
    #   M-4 control: dispute closed 05-20, D-4 accepted 05-20 -> nothing held or blocked.
    # Each date after the as-of date is a warning on its cell, not an error.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone("M-1", baseline_date=d(2026, 7, 31), milestone_type="project"),
                milestone(
                    "M-2",
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 1),
                    milestone_type="project",
                ),
                milestone("M-3", baseline_date=d(2026, 7, 31), milestone_type="project"),
                milestone(
                    "M-4",
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 1),
                    milestone_type="project",
                ),
            ],
            "deliverables": [
                {
                    "deliverable_id": did,
                    "milestone_id": mid,
                    "deliverable_name": "Report",
                    "submitted_date": submitted,
                    "accepted_date": accepted,
                    "acceptance_status": status,
                }
                for did, mid, submitted, accepted, status in (
                    ("D-2", "M-2", d(2026, 5, 1), d(2026, 6, 20), "accepted"),
                    ("D-3", "M-3", d(2026, 6, 20), None, "pending"),
                    ("D-4", "M-4", d(2026, 5, 1), d(2026, 5, 20), "accepted"),
                )
            ],
            "signoffs": [
                {
                    "milestone_id": mid,
                    "approver_role": "Project Manager",
                    "approver_name": "Pat Approver",
                    "decision": "pending",
                }
                for mid in ("M-1", "M-2", "M-3", "M-4")
            ],
            "issues": [
                {
                    "issue_id": iid,
                    "milestone_id": mid,
                    "category": "dispute",
                    "issue_status": "closed",
                    "raised_date": d(2026, 5, 1),
                    "closed_date": closed,
                    "description": "quantities",
                }
                for iid, mid, closed in (
                    ("I-1", "M-1", d(2026, 6, 20)),
                    ("I-4", "M-4", d(2026, 5, 20)),
                )
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    got = {
        k: (v["status"], v["signoff_ready"], v["signoff_blockers"])
        for k, v in out["milestones"].items()
    }
    assert got == {
        "M-1": ("On hold", False, "actual date not entered; open dispute I-1"),
        "M-2": ("Awaiting sign-off", False, "deliverable D-2 not accepted"),
        "M-3": ("Not started", False, "actual date not entered; deliverable D-3 not accepted"),
        "M-4": ("Awaiting sign-off", True, None),
    }
    warned = [(i["code"], i["sheet"], i["cell"]) for i in out["issues"]]
    assert warned == [
        ("dated-after-as-of", "Deliverables", "F2"),
        ("dated-after-as-of", "Deliverables", "E3"),
        ("dated-after-as-of", "Issues", "H2"),
    ]
    assert "the issue counts as still open as of it" in out["issues"][2]["message"]


def test_a_change_order_approved_after_a_sign_off_it_revalues_is_said(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GBP 100,000, VAT 20%, 30 days after sign-off; as of 04-15, uk at 4% + 8%.
    #   M-1 30%, signed off 02-01 (due 03-03), 36,000 paid 03-01: in full and on time.
    #   CO-1 +10,000 naming no milestone, approved 04-01: percent base 110,000, so M-1 is
    #       worth 33,000, due 39,600 (RULES.md section 2): 3,600 outstanding since 03-03,
    #       43 days, interest 3,600 x 12% x 43 / 365 = 50.89 + the fixed 100 = 150.89.
    #   CO-2 +1,000 naming M-2 (not signed off): nothing to say.
    #   CO-3 +500 naming M-3 (fixed, signed off 02-01), approved 03-15: said too.
    # Each change order that revalues a milestone signed off before its Approved Date is a
    # warning on that date: the rise is due, and late, from the sign-off's due date.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract(c, vat_rate=0.2)],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2026, 1, 31),
                    actual_date=d(2026, 1, 31),
                    payment_basis="percent",
                    payment_percent=0.3,
                ),
                milestone(
                    "M-2",
                    baseline_date=d(2026, 6, 30),
                    payment_basis="percent",
                    payment_percent=0.6,
                ),
                milestone(
                    "M-3",
                    baseline_date=d(2026, 1, 31),
                    actual_date=d(2026, 1, 31),
                    payment_basis="fixed",
                    payment_amount=5000,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 2, 1)), approved("M-3", d(2026, 2, 1))],
            "invoices": [invoice("INV-1", "M-1", d(2026, 2, 2), 36000, d(2026, 3, 1), 36000)],
            "change_orders": [
                {
                    "change_id": cid,
                    "contract_id": c,
                    "milestone_id": mid,
                    "description": "change",
                    "value_change": value,
                    "change_status": "approved",
                    "approved_date": day,
                }
                for cid, mid, value, day in (
                    ("CO-1", None, 10000, d(2026, 4, 1)),
                    ("CO-2", "M-2", 1000, d(2026, 4, 1)),
                    ("CO-3", "M-3", 500, d(2026, 3, 15)),
                )
            ],
        },
        {
            "As Of Date": d(2026, 4, 15),
            "Late Interest Regime": "uk",
            "Late Interest Reference Rate": 0.04,
        },
    )
    m1 = out["milestones"]["M-1"]
    assert (m1["milestone_value"], m1["amount_due"], m1["outstanding_amount"]) == (
        "33000.00",
        "39600.00",
        "3600.00",
    )
    assert (m1["payment_status"], m1["days_overdue"], m1["late_interest"]) == (
        "Overdue",
        43,
        "150.89",
    )
    got = [(i["code"], i["sheet"], i["cell"], i["message"]) for i in out["issues"]]
    assert got == [
        (
            "value-changed-after-signoff",
            "Change Orders",
            f"H{row}",
            f"Change order {cid}, approved {day}, changes the value of {mids}, signed off "
            f"before it: the change counts in {whose} amount due from {whose} due date, so it "
            "can be overdue, with interest, from before it was approved. To pay the change on "
            "its own terms, give it a milestone of its own (named in the change order).",
        )
        for cid, row, day, mids, whose in (
            ("CO-1", 2, "2026-04-01", "M-1", "its"),
            ("CO-3", 4, "2026-03-15", "M-3", "its"),
        )
    ]


def test_a_rejected_deliverable_is_named_as_rejected_not_as_awaiting_acceptance(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # M-1 complete with three deliverables: D-1 submitted, D-2 rejected, D-3 accepted. The
    # Deliverables check fails on D-1 and D-2, each named for what the owner has to do.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 1),
                    milestone_type="project",
                )
            ],
            "deliverables": [
                {
                    "deliverable_id": did,
                    "milestone_id": "M-1",
                    "deliverable_name": "Report",
                    "acceptance_status": status,
                    "accepted_date": d(2026, 5, 2) if status == "accepted" else None,
                }
                for did, status in (("D-1", "submitted"), ("D-2", "rejected"), ("D-3", "accepted"))
            ],
            "signoffs": [approved("M-1", d(2026, 5, 1)) | {"decision": "pending"}],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    m1 = out["milestones"]["M-1"]
    assert (m1["signoff_ready"], m1["signoff_blockers"]) == (
        False,
        "deliverable D-1 not accepted; deliverable D-2 rejected",
    )


def test_an_issue_raised_after_the_as_of_date_is_not_counted_and_is_said(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 06-01, M-1 and M-2 complete, each with one open dispute:
    #   I-1 raised 06-20, after the as-of date: it did not exist then, so M-1 is not held
    #       On hold and its sign-off is not blocked; its Raised Date is a warning (G2).
    #   I-2 raised 05-20 (control): holds M-2 On hold and blocks its sign-off.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone(
                    mid,
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 1),
                    milestone_type="project",
                )
                for mid in ("M-1", "M-2")
            ],
            "signoffs": [
                approved(mid, d(2026, 5, 1)) | {"decision": "pending"} for mid in ("M-1", "M-2")
            ],
            "issues": [
                {
                    "issue_id": iid,
                    "milestone_id": mid,
                    "category": "dispute",
                    "issue_status": "open",
                    "raised_date": raised,
                    "description": "quantities",
                }
                for iid, mid, raised in (
                    ("I-1", "M-1", d(2026, 6, 20)),
                    ("I-2", "M-2", d(2026, 5, 20)),
                )
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    got = {
        k: (v["status"], v["signoff_ready"], v["signoff_blockers"])
        for k, v in out["milestones"].items()
    }
    assert got == {
        "M-1": ("Awaiting sign-off", True, None),
        "M-2": ("On hold", False, "open dispute I-2"),
    }
    warned = [(i["code"], i["sheet"], i["cell"], i["message"]) for i in out["issues"]]
    assert warned == [
        (
            "dated-after-as-of",
            "Issues",
            "G2",
            "Raised Date 2026-06-20 is after the as-of date 2026-06-01: the issue is not "
            "counted as of it; if it happened by then, correct the date",
        )
    ]


def test_a_closing_or_acceptance_date_under_another_status_counts_by_the_status_and_is_said(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 06-01, M-1 complete: dispute I-1 with a Closed Date of 05-20 but its Status left
    # blank (open) still holds M-1 On hold; deliverable D-1 with an Accepted Date of 05-20
    # but status submitted is not accepted. Each date is a warning on its cell.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2026, 5, 1),
                    actual_date=d(2026, 5, 1),
                    milestone_type="project",
                ),
            ],
            "deliverables": [
                {
                    "deliverable_id": "D-1",
                    "milestone_id": "M-1",
                    "deliverable_name": "Report",
                    "accepted_date": d(2026, 5, 20),
                    "acceptance_status": "submitted",
                },
            ],
            "signoffs": [approved("M-1", d(2026, 5, 1)) | {"decision": "pending"}],
            "issues": [
                {
                    "issue_id": "I-1",
                    "milestone_id": "M-1",
                    "category": "dispute",
                    "closed_date": d(2026, 5, 20),
                    "description": "quantities",
                },
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    m1 = out["milestones"]["M-1"]
    assert (m1["status"], m1["signoff_blockers"]) == (
        "On hold",
        "deliverable D-1 not accepted; open dispute I-1",
    )
    got = [(i["code"], i["sheet"], i["cell"], i["message"]) for i in out["issues"]]
    assert got == [
        (
            "date-without-status",
            "Deliverables",
            "F2",
            "Accepted Date is filled in but Acceptance Status is submitted: the row counts "
            "as submitted; set Acceptance Status to accepted, or clear the date",
        ),
        (
            "date-without-status",
            "Issues",
            "H2",
            "Closed Date is filled in but Status is blank, so open: the row counts as open; "
            "set Status to closed, or clear the date",
        ),
    ]


def test_an_approved_date_on_a_change_order_not_approved_counts_by_the_status_and_is_said(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 06-01, M-1 due 05-01 is not done. CO-1 rejected and CO-2 with its Status blank
    # (proposed) both carry an Approved Date of 04-20: neither moves M-1 (+10 and +20 days
    # ignored, revised date stays 05-01, 31 days late) and each date is a warning on its cell.
    def co(change_id: str, **kw: object) -> dict[str, object]:
        return {
            "change_id": change_id,
            "contract_id": "C-1",
            "milestone_id": "M-1",
            "description": "change",
            "approved_date": d(2026, 4, 20),
            **kw,
        }

    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [milestone("M-1", baseline_date=d(2026, 5, 1))],
            "change_orders": [
                co("CO-1", extension_days=10, change_status="rejected"),
                co("CO-2", extension_days=20),
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    m1 = out["milestones"]["M-1"]
    assert (m1["revised_date"], m1["days_late"]) == ("2026-05-01", 31)
    got = [(i["code"], i["sheet"], i["cell"], i["message"]) for i in out["issues"]]
    assert got == [
        (
            "date-without-status",
            "Change Orders",
            "H2",
            "Approved Date is filled in but Status is rejected: the row counts as rejected; "
            "set Status to approved, or clear the date",
        ),
        (
            "date-without-status",
            "Change Orders",
            "H3",
            "Approved Date is filled in but Status is blank, so proposed: the row counts as "
            "proposed; set Status to approved, or clear the date",
        ),
    ]


def test_sign_off_blockers_name_what_is_missing_blocks_first_then_warnings(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Check Evidence off, Check Invoice block; M-1 (invoice terms, no invoice) is complete but
    # has: deliverable D-2 only submitted (D-1 accepted), blocking issue I-1 open, no
    # acceptance criteria, proposed change CO-1. Blocks: D-2, I-1, the invoice; warnings:
    # acceptance criteria, CO-1; nothing about evidence (off), D-1 (accepted).
    # M-2 on a suspended contract, approved by its own owner: two blocks, Approvers and
    # Contract Active, and no warnings.
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract("C-1", payment_terms_basis="after_invoice"),
                contract("C-2", contract_status="suspended"),
            ],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2026, 4, 1),
                    actual_date=d(2026, 4, 1),
                    payment_basis="fixed",
                    payment_amount=1000,
                )
                | {"acceptance_criteria": None, "evidence": None},
                milestone(
                    "M-2",
                    "C-2",
                    baseline_date=d(2026, 4, 1),
                    actual_date=d(2026, 4, 1),
                    owner="Pat Approver",
                ),
            ],
            "deliverables": [
                {
                    "deliverable_id": "D-1",
                    "milestone_id": "M-1",
                    "deliverable_name": "Plans",
                    "submitted_date": d(2026, 3, 20),
                    "accepted_date": d(2026, 3, 25),
                    "acceptance_status": "accepted",
                },
                {
                    "deliverable_id": "D-2",
                    "milestone_id": "M-1",
                    "deliverable_name": "Manual",
                    "submitted_date": d(2026, 3, 30),
                    "acceptance_status": "submitted",
                },
            ],
            "signoffs": [
                {
                    "milestone_id": "M-1",
                    "approver_role": "Project Manager",
                    "approver_name": "Pat Approver",
                    "decision": "pending",
                },
                approved("M-2", d(2026, 4, 2)),
            ],
            "issues": [
                {
                    "issue_id": "I-1",
                    "milestone_id": "M-1",
                    "category": "issue",
                    "blocking": "yes",
                    "description": "snag list open",
                },
            ],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": "C-1",
                    "milestone_id": "M-1",
                    "description": "extra",
                    "value_change": 100,
                    "change_status": "proposed",
                },
            ],
        },
        {"As Of Date": d(2026, 4, 10), "Check Evidence": "off", "Check Invoice": "block"},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    # The wording and the order within each group (the checks table's) are docs/rules.md's.
    assert m1["signoff_blockers"] == (
        "deliverable D-2 not accepted; issue I-1 blocks sign-off; no invoice yet; "
        "warning: acceptance criteria blank; warning: change CO-1 proposed"
    )
    assert (m1["signoff_ready"], m1["status"], m1["payment_status"]) == (
        False,
        "Awaiting sign-off",
        "Not payable",
    )
    assert m2["signoff_blockers"] == (
        "approver Pat Approver is the milestone owner; contract C-2 is suspended"
    )
    # Its only approval is its owner's, which counts towards no role: still awaiting sign-off.
    assert (m2["signoff_ready"], m2["status"]) == (False, "Awaiting sign-off")


def test_required_roles_by_value_in_the_reporting_currency_and_the_last_approval(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Approval Rules: Project Manager from 0, Director from 50,000 (GBP); EUR at 0.85.
    #   M-1 58,823.52 EUR * 0.85 = 49,999.992 < 50,000: PM only; approved 04-01 (Director
    #       listed, pending: not required, does not hold it) -> signed off 04-01.
    #   M-2 58,823.53 * 0.85 = 50,000.0005 >= 50,000: PM 04-01 and Director 04-10 -> signed off
    #       on the later, 04-10; due 04-10 + 30 = Sun 05-10 -> Mon 05-11.
    #   M-3 as M-2 with the Director pending -> Awaiting sign-off, waiting on the Director.
    rows = [
        milestone(
            mid,
            baseline_date=d(2026, 3, 31),
            actual_date=d(2026, 3, 31),
            payment_basis="fixed",
            payment_amount=amount,
        )
        for mid, amount in (("M-1", 58823.52), ("M-2", 58823.53), ("M-3", 58823.53))
    ]
    director_pending = {
        "approver_role": "Director",
        "approver_name": "Dee Director",
        "decision": "pending",
    }
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", currency="EUR", original_value=200000)],
            "milestones": rows,
            "signoffs": [
                approved("M-1", d(2026, 4, 1)),
                {"milestone_id": "M-1", **director_pending},
                approved("M-2", d(2026, 4, 1)),
                approved("M-2", d(2026, 4, 10), role="Director"),
                approved("M-3", d(2026, 4, 1)),
                {"milestone_id": "M-3", **director_pending},
            ],
            "approval_rules": [
                {"min_value": 0, "approver_role": "Project Manager"},
                {"min_value": 50000, "approver_role": "Director"},
            ],
            "fx_rates": [{"currency": "EUR", "rate_to_reporting": 0.85}],
        },
        {"As Of Date": d(2026, 4, 15)},
    )
    ms = out["milestones"]
    got = {k: (v["status"], v["signoff_date"], v["payment_due_date"]) for k, v in ms.items()}
    assert got == {
        "M-1": ("Signed off", "2026-04-01", "2026-05-01"),
        "M-2": ("Signed off", "2026-04-10", "2026-05-11"),
        "M-3": ("Awaiting sign-off", None, None),
    }
    waits = [(q["milestone_id"], q["approver_role"]) for q in out["signoff_queue"]]
    assert waits == [("M-3", "Director")]


def test_a_threshold_met_only_once_rounded_and_a_credit_below_every_minimum_value(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rules: Project Manager from 0, Director from 50,000 GBP; EUR at 0.8500001.
    #   M-1 58,823.52 EUR * 0.8500001 = 49,999.997882... -> round() 50,000.00: Director needed.
    #   M-2 58,823.51 * 0.8500001 = 49,999.989382... -> 49,999.99: PM only, signed off 04-01.
    #   M-3 100 - 500 (approved change order) = -400 EUR -> -340.00: below every Minimum
    #       Value, no rule applies, so every listed approver: Legal (pending) holds it.
    rows = [
        milestone(
            mid,
            baseline_date=d(2026, 3, 31),
            actual_date=d(2026, 3, 31),
            payment_basis="fixed",
            payment_amount=amount,
        )
        for mid, amount in (("M-1", 58823.52), ("M-2", 58823.51), ("M-3", 100))
    ]
    legal = {"approver_role": "Legal", "approver_name": "Lee Legal", "decision": "pending"}
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", currency="EUR", original_value=200000)],
            "milestones": rows,
            "signoffs": [approved(m, d(2026, 4, 1)) for m in ("M-1", "M-2", "M-3")]
            + [{"milestone_id": "M-3", **legal}],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": "C-1",
                    "milestone_id": "M-3",
                    "description": "Credit",
                    "value_change": -500,
                    "change_status": "approved",
                    "approved_date": d(2026, 3, 1),
                }
            ],
            "approval_rules": [
                {"min_value": 0, "approver_role": "Project Manager"},
                {"min_value": 50000, "approver_role": "Director"},
            ],
            "fx_rates": [{"currency": "EUR", "rate_to_reporting": 0.8500001}],
        },
        {"As Of Date": d(2026, 4, 15)},
    )
    got = {k: (v["status"], v["signoff_date"]) for k, v in out["milestones"].items()}
    assert got == {
        "M-1": ("Awaiting sign-off", None),
        "M-2": ("Signed off", "2026-04-01"),
        "M-3": ("Awaiting sign-off", None),
    }
    waits = [(q["milestone_id"], q["approver_role"]) for q in out["signoff_queue"]]
    assert sorted(waits) == [("M-1", "Director"), ("M-3", "Legal")]


# ---------------------------------------------------------------------- payment status


def test_payment_status_ladder_part_paid_overpaid_and_invoices_after_the_as_of_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 2026-04-25; C-1 after_invoice 30 days, no VAT; 1,000 each, signed off 03-05:
    #   M-1 INV-1 04-01 (due 05-01): 400 paid 04-20; INV-2's 600 paid 05-10, after the as-of
    #       date, not counted: paid 400, outstanding 600 -> Part paid.
    #   M-2 paid 1,000.01: outstanding -0.01 -> Paid, and an overpaid warning.
    #   M-3 its only invoice is dated 04-28, after the as-of date -> Awaiting invoice.
    #   M-4 no invoice -> Awaiting invoice.
    #   M-5 INV-5 03-10 -> due Thu 04-09, unpaid -> Overdue, 16 days.
    #   M-6 INV-6 03-10 -> due 04-09, 1,000 paid on 04-09 -> Paid.
    #   M-7 (C-2, after_signoff) signed off 04-20 -> due 05-20 -> Not yet due.
    #   M-8 not complete, 100 paid on account: Not payable, paid 100 shown.
    # Dashboard: overdue outstanding 1,000 (M-5); due within 30 days of 04-25: 600 + 1,000.
    ids = ["M-1", "M-2", "M-3", "M-4", "M-5", "M-6"]
    rows = [
        milestone(
            mid,
            baseline_date=d(2026, 3, 4),
            actual_date=d(2026, 3, 4),
            payment_basis="fixed",
            payment_amount=1000,
        )
        for mid in ids
    ]
    rows.append(
        milestone(
            "M-7",
            "C-2",
            baseline_date=d(2026, 4, 20),
            actual_date=d(2026, 4, 20),
            payment_basis="fixed",
            payment_amount=1000,
        )
    )
    rows.append(
        milestone("M-8", baseline_date=d(2026, 9, 30), payment_basis="fixed", payment_amount=1000)
    )
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_basis="after_invoice"), contract("C-2")],
            "milestones": rows,
            "signoffs": [approved(mid, d(2026, 3, 5)) for mid in ids]
            + [approved("M-7", d(2026, 4, 20))],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 4, 1), 400, d(2026, 4, 20), 400),
                invoice("INV-2", "M-1", d(2026, 4, 2), 600, d(2026, 5, 10), 600),
                invoice("INV-3", "M-2", d(2026, 4, 1), 1000.01, d(2026, 4, 10), 1000.01),
                invoice("INV-4", "M-3", d(2026, 4, 28), 1000),
                invoice("INV-5", "M-5", d(2026, 3, 10), 1000),
                invoice("INV-6", "M-6", d(2026, 3, 10), 1000, d(2026, 4, 9), 1000),
                invoice("INV-8", "M-8", d(2026, 3, 1), 100, d(2026, 3, 5), 100),
            ],
        },
        {"As Of Date": d(2026, 4, 25)},
    )
    ms = out["milestones"]
    got = {
        k: (
            v["payment_status"],
            v["payment_due_date"],
            v["days_overdue"],
            *money(v, "paid_amount", "outstanding_amount"),
        )
        for k, v in ms.items()
    }
    assert got["M-1"] == ("Part paid", "2026-05-01", 0, D(400), D(600))
    assert got["M-2"] == ("Paid", "2026-05-01", 0, D("1000.01"), D("-0.01"))
    assert got["M-3"][:3] == got["M-4"][:3] == ("Awaiting invoice", None, 0)
    assert got["M-5"] == ("Overdue", "2026-04-09", 16, D(0), D(1000))
    assert got["M-6"] == ("Paid", "2026-04-09", 0, D(1000), D(0))
    assert got["M-7"] == ("Not yet due", "2026-05-20", 0, D(0), D(1000))
    assert (got["M-8"][0], got["M-8"][3]) == ("Not payable", D(100))
    warned = [(i["code"], i["cell"]) for i in out["issues"] if i["severity"] == "warning"]
    assert warned.count(("overpaid", "AK3")) == 1
    # INV-2's payment and INV-4 itself come after the as-of date: each is said.
    assert {("paid-after-as-of", "E3"), ("invoice-after-as-of", "C5")} <= set(warned)
    amounts = out["totals"]["amounts"]
    assert (D(amounts["overdue"]), D(amounts["due_30"])) == (D(1000), D(1600))


def test_a_payment_beyond_the_amount_due_is_not_a_late_payment(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Late Interest Regime none; 0 days after sign-off, convention none; 1,000 each, signed
    # off and due 2026-04-01; as of 04-25.
    #   M-1 1,000 paid on 04-01 (on time), then 10 more on 04-20: paid 1,010, outstanding -10:
    #       Paid, overpaid; the 10 settles nothing of the 1,000 due, so no part is late.
    #   M-2 999.99 paid on 04-01: short by a cent, 0.01 outstanding -> Overdue, 24 days.
    # The warning that late payments bear no interest names M-2 alone (it named M-1 too, a
    # payment in full on its due date); the Dashboard's overdue outstanding is 0.01.
    rows = [_due_on(d(2026, 4, 1), 1000, mid) for mid in ("M-1", "M-2")]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", payment_terms_days=0)],
            "milestones": rows,
            "signoffs": [approved_on_actual(r) for r in rows],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 4, 1), 1000, d(2026, 4, 1), 1000),
                invoice("INV-2", "M-1", d(2026, 4, 2), 10, d(2026, 4, 20), 10),
                invoice("INV-3", "M-2", d(2026, 4, 1), 1000, d(2026, 4, 1), 999.99),
            ],
        },
        {"As Of Date": d(2026, 4, 25), "Business Day Convention": "none"},
    )
    ms = out["milestones"]
    got = {
        k: (v["payment_status"], v["days_overdue"], v["outstanding_amount"]) for k, v in ms.items()
    }
    assert got == {"M-1": ("Paid", 0, "-10.00"), "M-2": ("Overdue", 24, "0.01")}
    warnings = {i["code"]: i["message"] for i in out["issues"] if i["severity"] == "warning"}
    assert set(warnings) == {"overpaid", "late-interest-regime-missing"}
    assert "1 payment is late or overdue (M-2)" in warnings["late-interest-regime-missing"]
    assert D(out["totals"]["amounts"]["overdue"]) == D("0.01")


def test_a_payment_typed_past_the_penny_enters_outstanding_rounded(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # paid_amount is an output, so it enters outstanding_amount rounded (RULES.md: "inputs
    # that are themselves outputs enter rounded"). 1,000 due, after sign-off 30 days:
    #   M-1 paid 1,000.001: paid round(1000.001) = 1,000.00, outstanding 1,000 - 1,000.00 = 0
    #       -> Paid, and no overpaid warning (not -0.001).
    #   M-2 paid 999.996: paid round(999.996) = 1,000.00, outstanding 0 -> Paid (not 0.004,
    #       Part paid).
    # The Payment Schedule's March figures are money in GBP too, each rounded once:
    #   Invoiced round(1,000 + 1,000.004) = 2,000.00; Paid round(1,000.001 + 999.996 =
    #   1,999.997) = 2,000.00 (they showed 2,000.004 and 1,999.997).
    ids = ["M-1", "M-2"]
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone(
                    mid,
                    baseline_date=d(2026, 3, 4),
                    actual_date=d(2026, 3, 4),
                    payment_basis="fixed",
                    payment_amount=1000,
                )
                for mid in ids
            ],
            "signoffs": [approved(mid, d(2026, 3, 5)) for mid in ids],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 3, 6), 1000, d(2026, 3, 20), 1000.001),
                invoice("INV-2", "M-2", d(2026, 3, 6), 1000.004, d(2026, 3, 20), 999.996),
            ],
        },
        {"As Of Date": d(2026, 4, 25)},
    )
    for mid in ids:
        v = out["milestones"][mid]
        assert (v["payment_status"], v["paid_amount"], v["outstanding_amount"]) == (
            "Paid",
            "1000.00",
            "0.00",
        ), mid
    assert "overpaid" not in [i["code"] for i in out["issues"]]
    schedule = out["totals"]["schedule"]
    for totals in (schedule, schedule["contracts"]["C-1"]):
        assert (totals["invoiced"], totals["paid"]) == ("2000.00", "2000.00")


# ----------------------------------------------------------------------------- leap years


def test_days_late_across_29_february_and_an_extension_from_it(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2028 is a leap year. 0.1% a day of 10,000:
    #   M-1 baseline 2028-02-28, actual 2028-03-01: 2 days late -> round(0.001*10,000*2) = 20.
    #   M-2 baseline 2028-02-29 + CO-1's 365 days = 2029-02-28 (2029 is not a leap year).
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1", delay_damages_rate=0.001)],
            "milestones": [
                milestone(
                    "M-1",
                    baseline_date=d(2028, 2, 28),
                    actual_date=d(2028, 3, 1),
                    payment_basis="fixed",
                    payment_amount=10000,
                ),
                milestone("M-2", baseline_date=d(2028, 2, 29), milestone_type="project"),
            ],
            "signoffs": [approved("M-1", d(2028, 3, 2))],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": "C-1",
                    "milestone_id": "M-2",
                    "description": "redesign",
                    "extension_days": 365,
                    "change_status": "approved",
                    "approved_date": d(2028, 1, 10),
                },
            ],
        },
        {"As Of Date": d(2028, 3, 5)},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    assert (m1["days_late"], D(m1["delay_damages"]), D(m1["net_amount"])) == (2, D(20), D(9980))
    assert m2["revised_date"] == "2029-02-28"


# ----------------------------------------------------- which contract value each rule takes


def test_advance_threshold_on_the_original_value_damages_cap_on_the_revised_value(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Original 100,000; CO-1 (approved, no milestone) +50,000: percent_base and revised
    # contract value 150,000. Advance 20,000 from above 10% of the *original* value (10,000),
    # at 20%; damages 0.1% a day, capped at 1% of the *revised* value = 1,500.
    #   M-1 10% = 15,000, 20 days late: cumulative 15,000 > 10,000 -> recovery
    #       round(0.2 * 15,000) = 3,000 (a threshold on 150,000 would give 0);
    #       damages round(0.001 * 15,000 * 20) = 300; net 15,000 - 3,000 - 300 = 11,700.
    #   M-2 90% = 135,000, 10 days late, the last: recovery all that is left, 17,000;
    #       damages min(1,350, 1,500 - 300 = 1,200) = 1,200 (a cap on 100,000 would give 700);
    #       net 135,000 - 17,000 - 1,200 = 116,800.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    advance_amount=20000,
                    advance_recovery_threshold=0.1,
                    advance_recovery_rate=0.2,
                    delay_damages_rate=0.001,
                    delay_damages_cap=0.01,
                )
            ],
            "milestones": [
                milestone(
                    "M-1",
                    c,
                    baseline_date=d(2026, 3, 1),
                    actual_date=d(2026, 3, 21),
                    payment_basis="percent",
                    payment_percent=0.1,
                ),
                milestone(
                    "M-2",
                    c,
                    baseline_date=d(2026, 4, 1),
                    actual_date=d(2026, 4, 11),
                    payment_basis="percent",
                    payment_percent=0.9,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 3, 23)), approved("M-2", d(2026, 4, 13))],
            "change_orders": [
                {
                    "change_id": "CO-1",
                    "contract_id": c,
                    "description": "second phase",
                    "value_change": 50000,
                    "change_status": "approved",
                    "approved_date": d(2026, 2, 1),
                },
            ],
        },
        {"As Of Date": d(2026, 4, 15)},
    )
    m1, m2 = out["milestones"]["M-1"], out["milestones"]["M-2"]
    assert money(m1, *AMOUNTS, "net_amount") == (D(15000), D(0), D(3000), D(300), D(11700))
    assert money(m2, *AMOUNTS, "net_amount") == (D(135000), D(0), D(17000), D(1200), D(116800))


def test_the_last_milestone_certified_first_takes_the_whole_advance(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Advance 20,000, threshold 0, rate 10%. M-2 (50%, latest baseline 03-02: the contract's
    # last) is signed off 03-05, before M-1 (50%, baseline 02-10, signed off 03-10):
    #   M-2 first: 50,000 > 0, recovery starts; the last recovers all outstanding = 20,000.
    #   M-1 then: round(0.1 * 50,000) = 5,000, but nothing is outstanding -> 0.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c, advance_amount=20000, advance_recovery_threshold=0, advance_recovery_rate=0.1
                )
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 2, 10), payment_basis="percent", payment_percent=0.5),
                _signed("M-2", c, d(2026, 3, 2), payment_basis="percent", payment_percent=0.5),
            ],
            "signoffs": [approved("M-1", d(2026, 3, 10)), approved("M-2", d(2026, 3, 5))],
        },
        {"As Of Date": d(2026, 3, 15)},
    )
    ms = out["milestones"]
    assert (D(ms["M-2"]["advance_recovery"]), D(ms["M-1"]["advance_recovery"])) == (D(20000), D(0))


def test_certification_ties_on_the_sign_off_date_go_by_baseline_date_then_row(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Retention 10%, limit 5% of 10,000 = 500; all three signed off on 04-01, so certified
    # by baseline date, then row: M-2 (03-15, row 3), M-3 (03-15, row 4), M-1 (03-31, row 2):
    #   M-2 3,000: min(300, 500)        = 300
    #   M-3 3,000: min(300, 500 - 300)  = 200
    #   M-1 4,000: min(400, 0)          = 0        (in row order: 400, 100, 0)
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(c, original_value=10000, retention_rate=0.1, retention_limit=0.05)
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 3, 31), payment_basis="fixed", payment_amount=4000),
                _signed("M-2", c, d(2026, 3, 15), payment_basis="fixed", payment_amount=3000),
                _signed("M-3", c, d(2026, 3, 15), payment_basis="fixed", payment_amount=3000),
            ],
            "signoffs": [approved(mid, d(2026, 4, 1)) for mid in ("M-1", "M-2", "M-3")],
        },
        {"As Of Date": d(2026, 4, 2)},
    )
    retained = {k: D(v["retention_amount"]) for k, v in out["milestones"].items()}
    assert retained == {"M-1": D(0), "M-2": D(300), "M-3": D(200)}


def test_at_risk_from_open_issues_that_block_or_are_high_or_critical(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 06-01; every milestone 60% done (not in the 50% window rule), revised 07-31:
    #   M-1 open risk, high            -> At risk
    #   M-2 open issue, critical       -> At risk
    #   M-3 open issue, low, blocking  -> At risk
    #   M-4 open issue, medium         -> In progress
    #   M-5 closed issue, critical     -> In progress
    def issue(iid: str, mid: str, category: str, severity: str, **kw: object) -> dict[str, object]:
        return {
            "issue_id": iid,
            "milestone_id": mid,
            "category": category,
            "severity": severity,
            "description": "x",
            **kw,
        }

    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                milestone(
                    mid,
                    baseline_date=d(2026, 7, 31),
                    percent_complete=0.6,
                    milestone_type="project",
                )
                for mid in ("M-1", "M-2", "M-3", "M-4", "M-5")
            ],
            "issues": [
                issue("I-1", "M-1", "risk", "high"),
                issue("I-2", "M-2", "issue", "critical"),
                issue("I-3", "M-3", "issue", "low", blocking="yes"),
                issue("I-4", "M-4", "issue", "medium"),
                issue(
                    "I-5",
                    "M-5",
                    "issue",
                    "critical",
                    issue_status="closed",
                    raised_date=d(2026, 5, 1),
                    closed_date=d(2026, 5, 2),
                ),
            ],
        },
        {"As Of Date": d(2026, 6, 1)},
    )
    got = {k: v["status"] for k, v in out["milestones"].items()}
    assert got == {
        "M-1": "At risk",
        "M-2": "At risk",
        "M-3": "At risk",
        "M-4": "In progress",
        "M-5": "In progress",
    }


def test_schedule_value_and_cash_totals_leave_out_releases_cancelled_and_uninvoiced(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-1 10,000; retention 10%; VAT 20%; after_invoice 30; as of 2026-03-15.
    #   M-1 fixed 4,000, signed off 01-20: net 3,600, VAT 720, due 4,320; INV-1 01-21 for
    #       4,320, paid 02-10; INV-9 dated 04-01 (after the as-of date) for 100: not counted.
    #   M-2 fixed 6,000, signed off 03-02, no invoice yet: certified, but no due date yet.
    #   M-3 fixed 2,000, cancelled: no value.
    #   M-4 retention release 100% = 400 + 600 = 1,000: not value (not certified either).
    # Planned = Forecast = 4,000 + 6,000 = 10,000; Certified 10,000;
    # Due 4,320 (M-1 only); Invoiced 4,320; Paid 4,320.
    c = "C-1"
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [
                contract(
                    c,
                    original_value=10000,
                    retention_rate=0.1,
                    vat_rate=0.2,
                    payment_terms_basis="after_invoice",
                )
            ],
            "milestones": [
                _signed("M-1", c, d(2026, 1, 15), payment_basis="fixed", payment_amount=4000),
                _signed("M-2", c, d(2026, 2, 27), payment_basis="fixed", payment_amount=6000),
                milestone(
                    "M-3",
                    c,
                    baseline_date=d(2026, 2, 15),
                    payment_basis="fixed",
                    payment_amount=2000,
                    cancelled="yes",
                ),
                milestone(
                    "M-4",
                    c,
                    baseline_date=d(2026, 6, 30),
                    payment_basis="retention_release",
                    payment_percent=1,
                ),
            ],
            "signoffs": [approved("M-1", d(2026, 1, 20)), approved("M-2", d(2026, 3, 2))],
            "invoices": [
                invoice("INV-1", "M-1", d(2026, 1, 21), 4320, d(2026, 2, 10), 4320),
                invoice("INV-9", "M-1", d(2026, 4, 1), 100),
            ],
        },
        {"As Of Date": d(2026, 3, 15)},
    )
    assert D(out["milestones"]["M-4"]["milestone_value"]) == D(1000)
    assert out["milestones"]["M-2"]["payment_status"] == "Awaiting invoice"
    totals = {k: v for k, v in out["totals"]["schedule"]["contracts"][c].items() if k != "currency"}
    assert {k: D(v) for k, v in totals.items()} == {
        "planned_value": D(10000),
        "forecast_value": D(10000),
        "certified_value": D(10000),
        "due": D(4320),
        "invoiced": D(4320),
        "paid": D(4320),
    }


def test_an_approver_who_approves_again_counts_from_the_latest_approval(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The latest row of each approver counts: Pat approved M-1 on 04-01 and again on 04-08, so
    # the approval is dated 04-08 (not the earlier 04-01); M-1 is signed off on 04-08 and its
    # payment due 04-08 + 30 = Fri 05-08 (from 04-01: 05-01).
    out = refresh(
        template,
        tmp_path,
        capsys,
        {
            "contracts": [contract("C-1")],
            "milestones": [
                _signed("M-1", "C-1", d(2026, 3, 31), payment_basis="fixed", payment_amount=1000)
            ],
            "signoffs": [approved("M-1", d(2026, 4, 1)), approved("M-1", d(2026, 4, 8))],
        },
        {"As Of Date": d(2026, 4, 15)},
    )
    m = out["milestones"]["M-1"]
    assert (m["signoff_date"], m["payment_due_date"]) == ("2026-04-08", "2026-05-08")
