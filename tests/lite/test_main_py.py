"""The Lite workbook's own main.py, run on xlwings' real remote engine with the book data the
Office.js client sends for the sample workbook: its scripts give what the command line gives."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import types
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from tests.officejs import apply_actions, book_payload, sheet_values

import xl_milestones_udfs as desktop_functions
from xl_milestones.cli import main as cli
from xl_milestones.core.schema import MILESTONES, REFRESH_LOG
from xl_milestones.excel import macros
from xl_milestones.template import lite
from xl_milestones.template.build import LITE_SAMPLE_FILE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook" / LITE_SAMPLE_FILE
SCRIPTS = ("refresh", "validate", "payment_schedule", "signoff_pack", "show_help")


@pytest.fixture(scope="module")
def main_py() -> types.ModuleType:
    """The main.py stored in the sample workbook, loaded as xlwings Lite loads it."""
    with zipfile.ZipFile(SAMPLE) as z:
        source = lite.read_settings({lite.WEBEXTENSION_PART: z.read(lite.WEBEXTENSION_PART)})
    module = types.ModuleType("main")
    exec(compile(source["main.py"], "main.py", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def cli_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("cli") / "refreshed.xlsx"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        cli(["refresh", str(SAMPLE), "--output", str(out), "--format", "json"])
    result: dict[str, Any] = json.loads(buffer.getvalue())
    return result


def _run(main_py: types.ModuleType, name: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one script as Lite runs it: on a book made from the client's data; its actions."""
    book = xw.Book(json=copy.deepcopy(payload))
    getattr(main_py, name)(book)
    actions: list[dict[str, Any]] = book.json()["actions"]
    return actions


def _alert(actions: list[dict[str, Any]]) -> tuple[str, str]:
    (alert,) = [a for a in actions if a["func"] == "alert"]
    return alert["args"][0], alert["args"][3]


def _milestone_results(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rows = sheet_values(payload, MILESTONES.name)
    header = rows[0]
    key = header.index(MILESTONES.fields[0].header)
    columns = {f.name: header.index(f.header) for f in MILESTONES.results}
    return {
        row[key]: {name: row[col] for name, col in columns.items()} for row in rows[1:] if row[key]
    }


def _same(cli_value: Any, cell: Any) -> bool:
    """The command line's JSON value and the cell Excel holds (as the client sends it back)."""
    if cli_value is None:
        return cell == ""
    if isinstance(cli_value, int):  # bool included
        return bool(cell == cli_value and type(cell) is type(cli_value))
    if isinstance(cell, str) and cell.endswith("T00:00:00.000Z"):
        return bool(cell[:10] == cli_value)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return Decimal(str(cell)) == Decimal(cli_value)
    return bool(cell == cli_value)


def test_every_script_of_main_py_is_a_wrapper_of_its_macro(main_py: types.ModuleType) -> None:
    for name in SCRIPTS:
        # nothing of its own: it names the macros module and the macro of its name, no more
        assert main_py.__dict__[name].__code__.co_names == ("macros", name), name
        assert callable(getattr(macros, name))


def test_refresh_gives_the_command_lines_results_every_field(
    main_py: types.ModuleType, cli_json: dict[str, Any]
) -> None:
    payload = book_payload(SAMPLE)
    actions = _run(main_py, "refresh", payload)
    prompt, mode = _alert(actions)
    assert mode == "info" and prompt.startswith(f"Refreshed as of {cli_json['as_of']}: ")
    apply_actions(payload, actions)
    got = _milestone_results(payload)
    expected = cli_json["milestones"]
    assert set(got) == set(expected) and len(expected) == 82
    for milestone, fields in expected.items():
        assert set(fields) - set(got[milestone]) == {"explanation", "payment_explanation"}
        for name, cell in got[milestone].items():
            assert _same(fields[name], cell), (milestone, name, fields[name], cell)
    # e.g. M-003, by hand: 378,000.00 value, 5% retention 18,900.00, 25% advance recovered
    # 94,500.00, net 264,600.00, 20% VAT 52,920.00, due 317,520.00
    assert got["M-003"]["amount_due"] == 317520 and got["M-003"]["vat_amount"] == 52920


def test_a_refresh_again_changes_nothing_but_one_refresh_log_row(
    main_py: types.ModuleType,
) -> None:
    payload = book_payload(SAMPLE)
    # The second refresh says on the Changes sheet that nothing changed, where the first said
    # it was the first; from then on a refresh adds its Refresh Log row and nothing else.
    for _ in range(2):
        apply_actions(payload, _run(main_py, "refresh", payload))
    once = copy.deepcopy(payload)
    apply_actions(payload, _run(main_py, "refresh", payload))
    assert [s["name"] for s in payload["sheets"]] == [s["name"] for s in once["sheets"]]
    for before, after in zip(once["sheets"], payload["sheets"], strict=True):
        if before["name"] == REFRESH_LOG.name:
            assert after["values"][: len(before["values"])] == before["values"]
            assert len(after["values"]) == len(before["values"]) + 1
        else:
            assert after["values"] == before["values"], before["name"]


def test_the_scripts_leave_out_the_sheets_they_never_read_and_still_refresh(
    main_py: types.ModuleType, cli_json: dict[str, Any]
) -> None:
    source = (ROOT / "workbook" / "lite" / "main.py").read_text("utf-8")
    for name in SCRIPTS[:-1]:
        assert f"@script(exclude=macros.LITE_EXCLUDE)\ndef {name}(book: xw.Book):" in source
    assert set(macros.LITE_EXCLUDE) == {"Start", "Lists"}
    # Lite sends an excluded sheet by name only, without its cells
    payload = book_payload(SAMPLE)
    for sheet in payload["sheets"]:
        if sheet["name"] in macros.LITE_EXCLUDE:
            sheet["values"], sheet["tables"] = [[]], []
    apply_actions(payload, _run(main_py, "refresh", payload))
    got = _milestone_results(payload)
    assert {m: r["status"] for m, r in got.items()} == {
        m: r["status"] for m, r in cli_json["milestones"].items()
    }


@pytest.mark.parametrize("name", ["validate", "payment_schedule", "show_help"])
def test_the_other_scripts_run_on_the_remote_engine(
    main_py: types.ModuleType, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = book_payload(SAMPLE)
    actions = _run(main_py, name, payload)
    prompt, mode = _alert(actions)
    assert mode == "info" and "Internal error" not in prompt
    apply_actions(payload, actions)
    if name == "payment_schedule":
        names = [s["name"] for s in payload["sheets"]]
        assert payload["book"]["active_sheet_index"] == names.index("Payment Schedule")
        assert len(sheet_values(payload, "Payment Schedule")) > 1


def test_signoff_pack_writes_html_to_lites_files(
    main_py: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(macros, "LITE_FILES", tmp_path)
    prompt, mode = _alert(_run(main_py, "signoff_pack", book_payload(SAMPLE)))
    (pack,) = tmp_path.iterdir()
    assert pack.name == f"sample_contract_milestones sign-off pack {date.today()}.html"
    assert mode == "info" and prompt.startswith(f"Sign-off pack written: {pack.name}")
    html = pack.read_text("utf-8")
    assert "M-012" in html and "</html>" in html


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        # 10,000 paid 30 days late under the UK rules at 5% + 8%: 10,000 x 13% x 30/365 =
        # 106.85, plus the fixed compensation of 100.00 for a debt of 10,000 or more: 206.85.
        ("MS_LATE_INTEREST", (10000, 46053, 46083, "uk", 0.05), 206.85),
        # 30 days after 2026-01-01 is Saturday 2026-01-31: the next business day, 2026-02-02.
        ("MS_PAYMENT_DUE_DATE", (46023, 30), date(2026, 2, 2)),
    ],
)
def test_the_functions_give_the_desktop_functions_results(
    main_py: types.ModuleType, name: str, args: tuple[object, ...], expected: object
) -> None:
    ours = getattr(main_py, name)(*args)
    assert ours == getattr(desktop_functions, name)(*args) == expected
