"""The S-curves in the reporting currency end where the Dashboard's figures do: each contract's
cumulative amount converted once, so two measures with the same total in the contract currency
end at the same reporting amount, in a refreshed workbook (its Dashboard and ``totals.schedule``)
and in a portfolio of workbooks whose contracts share an ID. The Payment Schedule's reporting
columns convert each month's amount, so their sum may be cents away. The helpers are those of
test_rules_hand_computed.py.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.e2e.test_rules_combinations import change
from tests.e2e.test_rules_hand_computed import approved, contract, milestone, refresh

from xl_milestones.cli import main
from xl_milestones.core.schema import DASHBOARD_SCURVE, PAYMENT_SCHEDULE, SCHEDULE_VALUE_MEASURES

D = Decimal
d = dt.date
VALUE = tuple(name for name, _h, _d in SCHEDULE_VALUE_MEASURES)  # planned, forecast, certified


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsm"
    assert main(["new", str(path)]) == 0
    return path


def done(
    milestone_id: str, baseline: dt.date, percent: float, actual: dt.date | None = None
) -> dict[str, object]:
    return milestone(
        "M-" + milestone_id,
        "C-1",
        baseline_date=baseline,
        actual_date=actual or baseline,
        payment_basis="percent",
        payment_percent=percent,
    )


# JPY (0 decimals), 9,876,543 at 0.0052 GBP; converted once: 51,358.0236 -> 51,358.02.
#   M-1 15% 1,481,481 (baseline Feb, actual Feb, signed off Mar) -> 7,703.7012 -> 7,703.70
#   M-2 20% 1,975,309 (Mar, Apr, Apr)                             -> 10,271.6068 -> 10,271.61
#   M-3 60% 5,925,926 (Apr, Apr, May)                             -> 30,814.8152 -> 30,814.82
#   M-4  5%   493,827 (May, Jun, Jun)                             -> 2,567.9004 -> 2,567.90
# Month by month, Planned (Feb, Mar, Apr, May) and Certified (Mar, Apr, May, Jun) add up to
# 51,358.03; Forecast (Feb; Apr 7,901,235 -> 41,086.422 -> 41,086.42; Jun) to 51,358.02.
YEN: dict[str, Any] = {
    "contracts": [contract("C-1", currency="JPY", original_value=9876543)],
    "milestones": [
        done("1", d(2026, 2, 27), 0.15),
        done("2", d(2026, 3, 31), 0.20, d(2026, 4, 7)),
        done("3", d(2026, 4, 30), 0.60),
        done("4", d(2026, 5, 29), 0.05, d(2026, 6, 8)),
    ],
    "signoffs": [
        approved("M-1", d(2026, 3, 2)),
        approved("M-2", d(2026, 4, 8)),
        approved("M-3", d(2026, 5, 4)),
        approved("M-4", d(2026, 6, 9)),
    ],
    "fx_rates": [{"currency": "JPY", "rate_to_reporting": 0.0052}],
}


# KWD (3 decimals), 10,000 + CO-1 1,234.567 + CO-2 (on M-3) 500.5 = 11,735.067 at 2.6 GBP;
# converted once: 30,511.1742 -> 30,511.17.
#   M-1 25% 2,808.642 (Feb, signed off Mar) -> 7,302.4692 -> 7,302.47
#   M-2 35% 3,932.098 (Mar, May)            -> 10,223.4548 -> 10,223.45
#   M-3 40% 4,994.327 (Apr, May)            -> 12,985.2502 -> 12,985.25
# Month by month, Planned and Forecast add up to 30,511.17; Certified (Mar; May 8,926.425
# -> 23,208.705 -> 23,208.71) to 30,511.18.
DINAR: dict[str, Any] = {
    "contracts": [contract("C-1", currency="KWD", original_value=10000)],
    "milestones": [
        done("1", d(2026, 2, 27), 0.25),
        done("2", d(2026, 3, 31), 0.35),
        done("3", d(2026, 4, 30), 0.40),
    ],
    "signoffs": [
        approved("M-1", d(2026, 3, 2)),
        approved("M-2", d(2026, 5, 6)),
        approved("M-3", d(2026, 5, 4)),
    ],
    "change_orders": [change("CO-1", None, 1234.567), change("CO-2", "M-3", 500.5)],
    "fx_rates": [{"currency": "KWD", "rate_to_reporting": 2.6}],
}

# (sheets, total in the contract currency, converted once, the Payment Schedule's monthly
# Planned, Forecast and Certified reporting amounts added up)
CASES = {
    "JPY": (YEN, "9876543", D("51358.02"), (D("51358.03"), D("51358.02"), D("51358.03"))),
    "KWD": (DINAR, "11735.067", D("30511.17"), (D("30511.17"), D("30511.17"), D("30511.18"))),
}
AS_OF = {"As Of Date": d(2026, 6, 20)}


def curve_end(path: Path) -> dict[str, Decimal]:
    """The Dashboard S-curve's last row: each measure by field name."""
    ws = openpyxl.load_workbook(path, data_only=True)["Dashboard"]
    col = openpyxl.utils.column_index_from_string(DASHBOARD_SCURVE.first_column)
    last = DASHBOARD_SCURVE.header_row
    while ws.cell(last + 1, col).value is not None:
        last += 1
    assert last > DASHBOARD_SCURVE.header_row, "no S-curve"
    return {
        f.name.removeprefix("cumulative_"): D(str(ws.cell(last, col + k).value))
        for k, f in enumerate(DASHBOARD_SCURVE.fields)
        if k
    }


def schedule_sums(path: Path, sheet: str = PAYMENT_SCHEDULE.name) -> tuple[Decimal, ...]:
    """The Payment Schedule's Planned, Forecast and Certified reporting columns added up."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    header = [c.value for c in ws[1]]
    columns = [header.index(PAYMENT_SCHEDULE.header(m + "_reporting")) for m in VALUE]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    return tuple(sum((D(str(r[i] or 0)) for r in rows), D(0)) for i in columns)


@pytest.mark.parametrize("currency", CASES)
def test_value_measures_with_one_total_end_at_its_single_conversion(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], currency: str
) -> None:
    sheets, total, converted, monthly = CASES[currency]
    out = refresh(template, tmp_path, capsys, sheets, AS_OF)
    schedule = out["totals"]["schedule"]
    assert schedule["currency"] == "GBP"
    assert [schedule["contracts"]["C-1"][m] for m in VALUE] == [total] * 3
    assert [schedule[m] for m in VALUE] == [str(converted)] * 3
    end = curve_end(tmp_path / "out.xlsm")
    assert [end[m] for m in VALUE] == [converted] * 3
    # Each month's amount converted on its own: the Payment Schedule keeps those.
    assert schedule_sums(tmp_path / "out.xlsm") == monthly


def test_portfolio_curve_converts_each_books_contract_once_where_their_ids_are_the_same(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both workbooks' only contract is C-1: the yen one's 51,358.02 and the dinar one's
    # 30,511.17 are two contracts, 81,869.19 for each measure. The Payment Schedule's months
    # add up to 51,358.03 + 30,511.17, 51,358.02 + 30,511.17 and 51,358.03 + 30,511.18.
    books = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        refresh(template, tmp_path / name, capsys, CASES[{"a": "JPY", "b": "KWD"}[name]][0], AS_OF)
        books.append(str(tmp_path / name / "book.xlsm"))
    target = tmp_path / "portfolio.xlsx"
    code = main(["portfolio", *books, "--output", str(target), "--format", "json"])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(text)["currency"] == "GBP"
    end = curve_end(target)
    assert [end[m] for m in VALUE] == [D("81869.19")] * 3
    assert schedule_sums(target) == (D("81869.20"), D("81869.19"), D("81869.21"))
