"""The validator stays in small pieces: no function over 60 lines or of cyclomatic complexity
over 15 in the validation modules (core/validate.py, core/validation/, core/coerce.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "src/xl_milestones/core"
MODULES = [CORE / "validate.py", CORE / "coerce.py", *sorted((CORE / "validation").glob("*.py"))]
MOST_LINES = 60
MOST_COMPLEXITY = 15


def test_the_validation_modules_are_found() -> None:
    assert len(MODULES) > 8 and all(path.is_file() for path in MODULES)


def test_no_validation_function_is_over_60_lines() -> None:
    long = [
        f"{path.name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MOST_LINES
    ]
    assert long == []


def test_no_validation_function_is_over_complexity_15() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity={MOST_COMPLEXITY}",
            *map(str, MODULES),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
