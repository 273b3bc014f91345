"""Sign-off cases a finance user meets, each on a small workbook written as Excel saves it
(``tests.factory``) and refreshed by the command line with ``--format json``: who may approve,
what the status, the blockers and the Sign-off Queue then say."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tests.factory import setting, write_workbook

from xl_milestones.cli import main

d = dt.date


def book(**rows: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    """Every schema sheet, a GBP contract paid 30 days after sign-off, as of 2026-06-30, and
    the Project Manager required from 0; ``rows`` adds or replaces sheets' rows."""
    sheets: dict[str, list[dict[str, object]]] = {
        "settings": [
            {"setting": setting("as_of_date"), "value": d(2026, 6, 30)},
            {"setting": setting("reporting_currency"), "value": "GBP"},
        ],
        "contracts": [
            {
                "contract_id": "C-1",
                "contract_name": "Fit-out",
                "supplier": "Acme Ltd",
                "currency": "GBP",
                "original_value": 100000,
                "start_date": d(2026, 1, 5),
                "payment_terms_days": 30,
                "payment_terms_basis": "after_signoff",
                "vat_rate": 0.2,
            }
        ],
        "milestones": [],
        "deliverables": [],
        "signoffs": [],
        "approval_rules": [{"min_value": 0, "approver_role": "Project Manager"}],
        "change_orders": [],
        "invoices": [],
        "issues": [],
        "holidays": [],
        "fx_rates": [],
    }
    sheets.update(rows)
    return sheets


def finished(milestone_id: str, **kw: object) -> dict[str, object]:
    """A fixed 10,000 GBP milestone owned by Olive Owner, finished on 2026-05-28."""
    row: dict[str, object] = {
        "milestone_id": milestone_id,
        "contract_id": "C-1",
        "milestone_name": f"Milestone {milestone_id}",
        "milestone_type": "payment",
        "owner": "Olive Owner",
        "acceptance_criteria": "Accepted by the client",
        "evidence": f"DOC-{milestone_id}",
        "baseline_date": d(2026, 5, 29),
        "actual_date": d(2026, 5, 28),
        "percent_complete": 1,
        "payment_basis": "fixed",
        "payment_amount": 10000,
    }
    row.update(kw)
    return row


def decision(
    milestone_id: str, name: str, decided: str, day: dt.date | None = None
) -> dict[str, object]:
    row: dict[str, object] = {
        "milestone_id": milestone_id,
        "approver_role": "Project Manager",
        "approver_name": name,
        "decision": decided,
        "decision_date": day,
    }
    if decided == "rejected":
        row["comment"] = "Snag list open"
    return row


def refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheets: dict[str, list[dict[str, object]]]
) -> dict[str, Any]:
    path = write_workbook(tmp_path / "book.xlsx", sheets)
    code = main(["refresh", str(path), "--output", str(tmp_path / "out.xlsx"), "--format", "json"])
    text, err = capsys.readouterr()
    assert code == 0, (text, err)
    result: dict[str, Any] = json.loads(text)
    assert result["totals"]["not_computed"] == 0, result["issues"]
    return result


def test_the_owners_own_approval_signs_nothing_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SCHEMA.md: an approver is "not the milestone's owner". Olive owns M-1 and approved it
    # herself: no one else has, so the Project Manager role is not met, nothing is payable,
    # and the queue still waits on the role, saying why her approval does not count.
    sheets = book(
        milestones=[finished("M-1")],
        signoffs=[decision("M-1", "olive  owner", "approved", d(2026, 6, 2))],
    )
    result = refresh(tmp_path, capsys, sheets)
    m = result["milestones"]["M-1"]
    assert m["status"] == "Awaiting sign-off"
    assert m["signoff_date"] is None
    assert m["amount_due"] is None
    assert m["payment_status"] == "Not payable"
    assert m["signoff_ready"] is False
    assert m["signoff_blockers"] == "approver olive  owner is the milestone owner"
    (row,) = result["signoff_queue"]
    assert row["approver_role"] == "Project Manager"
    assert row["approver_name"] == "olive  owner"
    assert row["latest_decision"] == "approved by the milestone owner (does not count)"
    assert row["amount_at_stake"] == "12000.00"
    codes = [i["code"] for i in result["issues"]]
    assert codes == ["self-approval"]


def test_another_approver_of_the_role_signs_off_beside_the_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Pat, also a Project Manager, approved on 2026-06-09: the role is met by Pat, on that
    # date (the owner's approval of 2026-06-02 counts for nothing), and it is payable.
    sheets = book(
        milestones=[finished("M-1")],
        signoffs=[
            decision("M-1", "Olive Owner", "approved", d(2026, 6, 2)),
            decision("M-1", "Pat Approver", "approved", d(2026, 6, 9)),
        ],
    )
    m = refresh(tmp_path, capsys, sheets)["milestones"]["M-1"]
    assert m["status"] == "Signed off"
    assert m["signoff_date"] == "2026-06-09"
    assert m["payment_due_date"] == "2026-07-09"
    assert m["amount_due"] == "12000.00"


def test_with_no_approval_rule_the_owner_is_not_one_of_the_approvers_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No rule applies, so every listed approver must approve, but the owner cannot: M-1 is
    # signed off when Pat does (2026-06-09); M-2, approved by its owner alone, waits for
    # someone else, with its amount at stake as if signed off today.
    sheets = book(
        approval_rules=[],
        milestones=[finished("M-1"), finished("M-2")],
        signoffs=[
            decision("M-1", "Olive Owner", "pending"),
            decision("M-1", "Pat Approver", "approved", d(2026, 6, 9)),
            decision("M-2", "Olive Owner", "approved", d(2026, 6, 2)),
        ],
    )
    result = refresh(tmp_path, capsys, sheets)
    one, two = result["milestones"]["M-1"], result["milestones"]["M-2"]
    assert (one["status"], one["signoff_date"]) == ("Signed off", "2026-06-09")
    assert (two["status"], two["signoff_date"]) == ("Awaiting sign-off", None)
    (row,) = result["signoff_queue"]
    assert (row["milestone_id"], row["approver_name"]) == ("M-2", "Olive Owner")
    assert row["amount_at_stake"] == "12000.00"


def test_an_owner_pending_alone_still_has_an_amount_at_stake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pro forma signs M-1 off by the role, not by its owner, whose approval would not
    # count: 10,000 + 20% VAT.
    sheets = book(
        milestones=[finished("M-1")], signoffs=[decision("M-1", "Olive Owner", "pending")]
    )
    (row,) = refresh(tmp_path, capsys, sheets)["signoff_queue"]
    assert (row["approver_name"], row["latest_decision"]) == ("Olive Owner", "pending")
    assert row["amount_at_stake"] == "12000.00"
