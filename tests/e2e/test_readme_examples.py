"""README.md's example sessions, run: each ``$ xl-milestones ...`` line of an example is run
in a folder holding the files it names, and what it prints (stdout, else stderr) and its exit
code must be what the README shows. A line ``  ...`` stands for any lines, and ``...`` within a
line for any text."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.factory import valid_sheets, write_workbook

from xl_milestones.core.model import CellError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook/sample_contract_milestones.xlsm"
BLOCK = re.compile(r"^```\n(\$ .*?)^```$", re.M | re.S)


def _session(first: str) -> list[tuple[str, list[str]]]:
    """The README example whose first line is ``$ first``: each command and the lines it shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in BLOCK.findall(readme) if b.startswith(f"$ {first}"))
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def _matches(shown: list[str], got: list[str]) -> bool:
    if not shown:
        return not got
    if shown[0] == "  ...":
        return any(_matches(shown[1:], got[i:]) for i in range(len(got) + 1))
    if not got:
        return False
    pattern = ".*".join(re.escape(part) for part in shown[0].split("..."))
    return re.fullmatch(pattern, got[0]) is not None and _matches(shown[1:], got[1:])


def _replay(steps: list[tuple[str, list[str]]], folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("XL_MILESTONES_DEBUG", None)
    code = 0
    for command, shown in steps:
        if command == "echo $?":
            got = [str(code)]
        else:
            args = shlex.split(command)
            assert args[0] == "xl-milestones", command
            done = subprocess.run(
                [sys.executable, "-m", "xl_milestones", *args[1:]],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=300,
                env=env,
            )
            code = done.returncode
            got = (done.stdout or done.stderr).splitlines()
        assert _matches(shown, got), (
            f"$ {command}\nREADME shows:\n"
            + "\n".join(shown)
            + "\nthe command prints:\n"
            + "\n".join(got)
        )


def test_demo_prints_what_the_readme_shows(tmp_path: Path) -> None:
    _replay(_session("xl-milestones demo"), tmp_path)


def test_validate_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["contracts"][0]["retention_rate"] = 5
    sheets["invoices"][0]["invoice_amount"] = CellError("#REF!")
    sheets["milestones"][1]["baseline_date"] = "31/05/2026"
    sheets["milestones"][2]["predecessors"] = "M-009"
    sheets["signoffs"][0]["approver_name"] = "Dana Lee"  # M-001's owner
    write_workbook(tmp_path / "contracts.xlsx", sheets)
    (tmp_path / "notes.txt").write_text("Contract notes\n", encoding="utf-8")
    _replay(_session("xl-milestones validate contracts.xlsx"), tmp_path)


def test_refresh_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "book.xlsm")
    _replay(_session("xl-milestones refresh book.xlsm"), tmp_path)


def test_new_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    _replay(_session("xl-milestones new reviews/q3.xlsm"), tmp_path)


def test_portfolio_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    for name in ("north.xlsm", "south.xlsm"):  # one workbook twice, as the README explains
        shutil.copy(SAMPLE, contracts / name)
    (contracts / "notes.xlsx").write_text("Contract notes\n", encoding="utf-8")
    _replay(_session("xl-milestones portfolio contracts/"), tmp_path)
