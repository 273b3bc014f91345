"""The code stays in small pieces a newcomer can read: in the engine and the validator no function
over 60 lines or of cyclomatic complexity over 15 (ruff's mccabe check, C901), so each stage and
each rule has one small place; in the workbook I/O (io/ and the live-Excel adapter, excel/) no
function over complexity 15 and no module over about 500 lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tools import MOST_COMPLEXITY, MOST_LINES, complex_functions, long_functions

SRC = Path(__file__).resolve().parents[2] / "src" / "xl_milestones"
CORE = SRC / "core"
ENGINE = [
    CORE / name
    for name in (
        "engine.py",
        "index.py",
        "status.py",
        "signoff.py",
        "checks.py",
        "payments.py",
        "payment_due.py",
        "interest.py",
        "portfolio.py",
        "proforma.py",
        "queue.py",
        "warn.py",
    )
]
VALIDATOR = [CORE / "validate.py", CORE / "coerce.py", *sorted((CORE / "validation").glob("*.py"))]
WORKBOOK_IO = [*sorted((SRC / "io").glob("*.py")), *sorted((SRC / "excel").glob("*.py"))]
# "About 500 lines": the package model and the live-Excel book are the two largest, a little
# over; a module past this has more than one job.
MOST_MODULE_LINES = 600

GROUPS = {"engine": ENGINE, "validator": VALIDATOR, "workbook I/O": WORKBOOK_IO}


@pytest.mark.parametrize("group", GROUPS)
def test_the_modules_are_found(group: str) -> None:
    assert len(GROUPS[group]) > 8 and all(path.is_file() for path in GROUPS[group])


@pytest.mark.parametrize("group", ["engine", "validator"])
def test_no_long_function(group: str) -> None:
    assert long_functions(GROUPS[group]) == []


@pytest.mark.parametrize("group", GROUPS)
def test_no_complex_function(group: str) -> None:
    assert complex_functions(GROUPS[group]) == ""


def test_no_large_io_module() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in WORKBOOK_IO}
    assert {name: n for name, n in sizes.items() if n > MOST_MODULE_LINES} == {}


def test_the_length_check_finds_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MOST_LINES))
    bad = tmp_path / "bad.py"
    bad.write_text(f"def f():\n{body}\n", encoding="utf-8")
    assert long_functions([bad]) == [f"bad.py:1 f ({MOST_LINES + 1} lines)"]


def test_the_complexity_check_finds_a_complex_function(tmp_path: Path) -> None:
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(MOST_COMPLEXITY))
    bad = tmp_path / "bad.py"
    bad.write_text(f"def f(x):\n{branches}\n    return -1\n", encoding="utf-8")
    assert "C901" in complex_functions([bad])
