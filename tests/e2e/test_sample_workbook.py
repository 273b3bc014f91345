"""The sample workbook, read back from the file and computed: it validates cleanly and shows
every status, RAG colour and payment status of RULES.md, as the demo promises."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from xl_milestones.core import schema as S
from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.validate import Validation, validate
from xl_milestones.io.reader import read_workbook
from xl_milestones.template.build import SAMPLE_FILE, build_sample
from xl_milestones.template.sample import AS_OF


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Validation, EngineResult]:
    path: Path = tmp_path_factory.mktemp("sample") / SAMPLE_FILE
    build_sample(path)
    # `today` far from the As Of Date: the sample must not depend on the day it is opened.
    result = validate(read_workbook(path), today=AS_OF.replace(year=AS_OF.year + 3))
    return result, compute(result.model, result.as_of)


def test_sample_validates_without_issues(checked: tuple[Validation, EngineResult]) -> None:
    validation, _ = checked
    assert [(i.code, i.cell, i.message) for i in validation.issues] == []
    assert validation.as_of == AS_OF
    assert not validation.model.skipped


def test_sample_shows_every_status_rag_and_payment_status(
    checked: tuple[Validation, EngineResult],
) -> None:
    _, result = checked
    values = [m.values for m in result.milestones]
    assert all(m.computed for m in result.milestones)
    assert set(Counter(v["status"] for v in values)) == set(S.STATUSES)
    assert {v["rag"] for v in values} - {None} == set(S.RAGS)
    assert set(Counter(v["payment_status"] for v in values)) == set(S.PAYMENT_STATUSES)


def test_fully_paid_invoices_match_the_amount_due(
    checked: tuple[Validation, EngineResult],
) -> None:
    # The sample invoices each signed-off milestone at the amount the rules give, so a Paid
    # milestone is paid exactly: no overpayment, no rounding remainder.
    _, result = checked
    paid = [m for m in result.milestones if m.values["payment_status"] == "Paid"]
    assert len(paid) >= 10
    for m in paid:
        assert m.values["outstanding_amount"] == 0, m.milestone_id


def test_sample_blocks_some_signoffs(checked: tuple[Validation, EngineResult]) -> None:
    _, result = checked
    waiting = [m for m in result.milestones if m.values["status"] == "Awaiting sign-off"]
    assert any(m.values["signoff_ready"] is False for m in waiting)
    assert any(m.values["signoff_ready"] is True for m in waiting)


def test_schedule_totals_per_contract_match_the_milestones(
    checked: tuple[Validation, EngineResult],
) -> None:
    # Each contract's running totals end at what its milestones add up to: Planned and Forecast
    # Value at the values of its percent and fixed milestones (retention releases are not value),
    # Certified Value at those signed off, Due at the amount due of every signed-off payment
    # milestone with a due date, Paid at what its milestones were paid.
    validation, result = checked
    model = validation.model
    by_id = result.by_id()
    totals = result.totals["schedule"]
    assert isinstance(totals, dict)
    per_contract = totals["contracts"]
    for contract_id in model.contracts:
        mine = [m for m in model.milestones if m.contract_id == contract_id]
        values = [
            by_id[m.milestone_id].values
            for m in mine
            if m.payment_basis in ("percent", "fixed") and not m.cancelled
        ]
        payable = [
            by_id[m.milestone_id].values
            for m in mine
            if by_id[m.milestone_id].values["status"] == "Signed off" and m.payment_basis != "none"
        ]
        planned = sum((v["milestone_value"] for v in values), Decimal(0))
        certified = sum(
            (v["milestone_value"] for v in values if v["status"] == "Signed off"), Decimal(0)
        )
        due = sum((v["amount_due"] for v in payable if v["payment_due_date"]), Decimal(0))
        paid = sum((by_id[m.milestone_id].values["paid_amount"] or 0 for m in mine), Decimal(0))
        got = per_contract.get(contract_id)
        if got is None:  # no figure at all
            assert planned == due == paid == 0, contract_id
            continue
        assert Decimal(got["planned_value"]) == planned, contract_id
        assert Decimal(got["forecast_value"]) == planned, contract_id
        assert Decimal(got["certified_value"]) == certified, contract_id
        assert Decimal(got["due"]) == due, contract_id
        assert Decimal(got["paid"]) == paid, contract_id


def test_c001_plans_its_revised_contract_value_and_no_more(
    checked: tuple[Validation, EngineResult],
) -> None:
    # C-001: 2,400,000 plus approved changes = 2,520,000 across its percent milestones; its
    # 126,000 retention release is not counted again on top.
    _, result = checked
    schedule = [
        dict(zip((f.name for f in S.PAYMENT_SCHEDULE.fields), row, strict=True))
        for row in result.payment_schedule
    ]
    c001 = [row for row in schedule if row["contract_id"] == "C-001"]
    assert c001[-1]["cumulative_planned_value"] == Decimal("2520000.00")
    assert max(row["cumulative_planned_value"] for row in c001) == Decimal("2520000.00")
    assert result.totals["schedule"]["contracts"]["C-001"]["planned_value"] == "2520000.00"  # type: ignore[index]


def test_the_payment_schedule_shows_yen_without_decimals(tmp_path: Path) -> None:
    import openpyxl

    from xl_milestones.actions import refresh_command

    path = tmp_path / SAMPLE_FILE
    build_sample(path)
    out = tmp_path / "refreshed.xlsm"
    assert refresh_command(str(path), output=str(out), fmt="json") == 0
    ws = openpyxl.load_workbook(out)[S.PAYMENT_SCHEDULE.name]
    headers = [c.value for c in ws[1]]
    cur, planned = headers.index("Currency"), headers.index("Planned Value")
    reported = headers.index("Planned Value (Reporting)")
    rows = [r for r in ws.iter_rows(min_row=2) if r[cur].value == "JPY"]
    assert rows
    for r in rows:
        assert r[planned].number_format == "#,##0"
        assert r[reported].number_format == "#,##0.00"  # in GBP, the sample's reporting currency


@pytest.mark.parametrize("saved_by_excel", [False, True])
def test_the_dashboard_shows_amounts_with_the_reporting_currencys_minor_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], saved_by_excel: bool
) -> None:
    # The sample's Retention held is 105,073.75 GBP: the key figures and the cumulative block
    # show the pence, as the command line and the other sheets do; counts stay whole. Excel
    # (and openpyxl) save the template's custom #,##0 as the built-in format 3.
    import openpyxl

    from xl_milestones.actions import refresh_command
    from xl_milestones.core.portfolio import COUNT_METRICS

    path = tmp_path / SAMPLE_FILE
    build_sample(path)
    if saved_by_excel:
        wb = openpyxl.load_workbook(path, keep_vba=True)
        wb.save(path)
    out = tmp_path / "refreshed.xlsm"
    assert refresh_command(str(path), output=str(out), fmt="json") == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(out)[S.DASHBOARD.name]
    first = S.DASHBOARD_KPIS.header_row + 1
    formats = {
        key: ws.cell(first + i, 2).number_format for i, (key, _) in enumerate(S.DASHBOARD_METRICS)
    }
    assert ws.cell(first + 11, 2).value == 105073.75  # Retention held
    assert {f for key, f in formats.items() if key in COUNT_METRICS} == {"#,##0"}
    assert {f for key, f in formats.items() if key not in COUNT_METRICS} == {"#,##0.00"}
    col = openpyxl.utils.column_index_from_string(S.DASHBOARD_SCURVE.first_column)
    amounts = {
        ws.cell(first, col + 1 + k).number_format for k in range(len(S.DASHBOARD_SCURVE.fields) - 1)
    }
    assert amounts == {"#,##0.00"}
