"""`portfolio --parquet DIR`: each table as a Parquet file whose rows and typed columns are the
workbook's, every column documented in docs/portfolio.md."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones.cli import main
from xl_milestones.reports.portfolio_parquet import TABLES, docs_markdown

pq = pytest.importorskip("pyarrow.parquet")

DOCS = Path(__file__).resolve().parents[2] / "docs" / "portfolio.md"


def test_parquet_tables_match_the_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "books").mkdir()
    write_workbook(tmp_path / "books" / "a.xlsx", valid_sheets())
    out, folder = tmp_path / "p.xlsx", tmp_path / "tables" / "today"
    code = main(
        [
            "portfolio",
            str(tmp_path / "books"),
            "--output",
            str(out),
            "--parquet",
            str(folder),
            "--format",
            "json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    written = json.loads(capsys.readouterr().out)["output"]
    assert written[1:] == [str(folder / f"{name}.parquet") for name, _s in TABLES]

    milestones = pq.read_table(folder / "all_milestones.parquet").to_pylist()
    ws = openpyxl.load_workbook(out, data_only=True)["All Milestones"]
    assert len(milestones) == ws.max_row - 1 == 4
    m1 = next(m for m in milestones if m["milestone_id"] == "M-001")
    assert isinstance(m1["baseline_date"], dt.date)
    assert isinstance(m1["amount_due"], Decimal | None)
    assert m1["source"].endswith("a.xlsx") and m1["computed"] is True
    sources = pq.read_table(folder / "sources.parquet").to_pylist()
    assert [s["read"] for s in sources] == [True]
    figures = {f["metric"]: f for f in pq.read_table(folder / "key_figures.parquet").to_pylist()}
    assert figures["workbooks_read"]["value"] == 1 and figures["workbooks_read"]["currency"] is None
    assert figures["overdue"]["currency"] == "GBP"


def test_every_parquet_column_is_documented() -> None:
    # docs/portfolio.md is generated from the tables; regenerate it with `make template`.
    text = DOCS.read_text(encoding="utf-8")
    assert text == docs_markdown()
    for name, sheet in TABLES:
        section = re.search(rf"^### `{name}`\n(.*?)(?=^### |\Z)", text, re.S | re.M)
        assert section, f"docs/portfolio.md has no section for {name}"
        documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section.group(1), re.M)
        assert documented == [f.name for f in sheet.fields], name


def test_without_pyarrow_the_option_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "pyarrow" else real(n, *a)
    )
    book = write_workbook(tmp_path / "a.xlsx", valid_sheets())
    code = main(["portfolio", str(book), "--output", str(tmp_path / "p.xlsx"), "--parquet", "t"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "xl-milestones: --parquet needs the portfolio extra: "
        "pip install 'xl-milestones[portfolio]'\n"
    )
    assert not (tmp_path / "p.xlsx").exists()


def test_rows_are_written_a_row_group_at_a_time_in_workbook_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl_milestones.reports import portfolio_parquet

    monkeypatch.setattr(portfolio_parquet, "ROW_GROUP", 3)
    (tmp_path / "books").mkdir()
    for name in ("a", "b", "c"):
        write_workbook(tmp_path / "books" / f"{name}.xlsx", valid_sheets())
    out, folder = tmp_path / "p.xlsx", tmp_path / "tables"
    args = ["portfolio", str(tmp_path / "books"), "--output", str(out), "--parquet", str(folder)]
    assert main([*args, "--jobs", "1"]) == 0, capsys.readouterr().err
    table = pq.ParquetFile(folder / "all_milestones.parquet")
    # 12 milestones, 4 a workbook: a group once 3 or more wait, then the rest at the end.
    assert [table.metadata.row_group(i).num_rows for i in range(table.num_row_groups)] == [
        4,
        4,
        4,
    ]
    ws = openpyxl.load_workbook(out, data_only=True)["All Milestones"]
    sheet = [(Path(str(r[0])).name, r[2]) for r in ws.iter_rows(min_row=2, values_only=True)]
    rows = table.read().to_pylist()
    assert [(Path(r["source"]).name, r["milestone_id"]) for r in rows] == sheet
    assert not list(folder.glob(".*"))  # no file left half-written beside them
