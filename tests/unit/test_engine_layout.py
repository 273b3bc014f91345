"""The engine's modules stay easy to read: no function over 60 lines or cyclomatic complexity 15
(measured by ruff's mccabe check, C901), so each stage and each rule has one small place."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "xl_milestones" / "core"
ENGINE_MODULES = (
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
MAX_LINES = 60
MAX_COMPLEXITY = 15


def long_functions(source: str) -> list[tuple[str, int]]:
    """(name, lines) of every function in ``source`` longer than MAX_LINES, docstring
    included, decorators not."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_LINES:
                out.append((node.name, lines))
    return out


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_no_long_function(module: str) -> None:
    assert long_functions((CORE / module).read_text(encoding="utf-8")) == []


def test_the_length_check_finds_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    assert long_functions(f"def f():\n{body}\n") == [("f", MAX_LINES + 1)]


def _ruff_complexity(paths: list[str]) -> subprocess.CompletedProcess[str]:
    ruff = Path(sys.executable).with_name("ruff")
    return subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity={MAX_COMPLEXITY}",
            *paths,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_complex_function() -> None:
    done = _ruff_complexity([str(CORE / m) for m in ENGINE_MODULES])
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_complexity_check_finds_a_complex_function(tmp_path: Path) -> None:
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(MAX_COMPLEXITY))
    bad = tmp_path / "bad.py"
    bad.write_text(f"def f(x):\n{branches}\n    return -1\n", encoding="utf-8")
    done = _ruff_complexity([str(bad)])
    assert done.returncode != 0 and "C901" in done.stdout
