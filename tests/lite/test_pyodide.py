"""The package in the real Pyodide runtime (the npm package under Node, as xlwings Lite runs
Python): its wheel and the pure-Python wheels it needs, unpacked with no network, refresh the
sample workbook's book data through the Lite path and give the same JSON as CPython."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from tests.officejs import book_payload

from xl_milestones import actions
from xl_milestones.excel import udf_logic
from xl_milestones.excel.book import XlwingsBook
from xl_milestones.template.build import LITE_SAMPLE_FILE
from xl_milestones.template.lite import PYODIDE_VERSION

ROOT = Path(__file__).resolve().parents[2]
PYODIDE = ROOT / ".tools" / "node_modules" / "pyodide"
WHEELS = ROOT / ".tools" / "wheels"
SAMPLE = ROOT / "workbook" / LITE_SAMPLE_FILE
TODAY = "2026-07-01"
# Compiled, or only for reading and writing files: none of them may be needed in Lite.
NOT_IN_LITE = {"python_calamine", "numpy", "pandas", "openpyxl", "xlsxwriter", "weasyprint"}


# The two functions of the Lite edition, with arguments as a user types them (serial dates,
# text, fractions, out of range, unknown codes, error values): answers as the desktop's.
FUNCTION_CALLS: list[tuple[str, list[object]]] = [
    ("MS_LATE_INTEREST", [10000, 46053, 46083, "uk", 0.05]),
    ("MS_LATE_INTEREST", [10000.5, 46053.5, 46083, "fidic", 0.05, 0.02, "JPY"]),
    ("MS_LATE_INTEREST", [1000000, 46053, 49000, "us", 0.06, None, "KWD"]),
    ("MS_LATE_INTEREST", [10000, "2026-01-31", "2026-03-02", "eu", 0.05]),
    ("MS_LATE_INTEREST", ["10000", 46053, 46083, "uk", 0.05]),
    ("MS_LATE_INTEREST", [10000, 46053, 46083, "france", 5]),
    ("MS_LATE_INTEREST", [10000, 46053, 46083, "uk", -0.05]),
    ("MS_LATE_INTEREST", [10000, 46053, 46083, "uk", 0.05, None, "XYZ"]),
    ("MS_LATE_INTEREST", [123456789012345, 46023, 46053, "us", 1]),
    ("MS_LATE_INTEREST", ["#N/A", 46053, 46083, "uk", 0.05]),
    ("MS_PAYMENT_DUE_DATE", [46023, 30]),
    ("MS_PAYMENT_DUE_DATE", [46351, 30, "after_signoff", "following", "GB"]),
    ("MS_PAYMENT_DUE_DATE", [46234, 31, None, None, "gb-eng"]),
    ("MS_PAYMENT_DUE_DATE", ["2026-02-15", 30.0, "eom_after_invoice", "modified_following"]),
    ("MS_PAYMENT_DUE_DATE", [46023, 30.5]),
    ("MS_PAYMENT_DUE_DATE", [46023, -1]),
    ("MS_PAYMENT_DUE_DATE", [46023, "30"]),
    ("MS_PAYMENT_DUE_DATE", [46023, 30, "net30", None, None]),
    ("MS_PAYMENT_DUE_DATE", [46023, 30, None, None, "XX"]),
    ("MS_PAYMENT_DUE_DATE", [2958465, 30]),
    ("MS_PAYMENT_DUE_DATE", [60, 30]),
]


def _package_wheel(folder: Path) -> Path:
    """This package's wheel, built offline from a copy of the sources (the tree stays clean)."""
    source = folder / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for name in ("src", "udfs"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "--wheel-dir", str(folder), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("xl_milestones-*.whl")
    return wheel


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (PYODIDE / "pyodide.mjs").exists() or not (WHEELS / ".downloaded").exists():
        pytest.skip(f"Pyodide or its wheels not installed in {ROOT / '.tools'}: run make tools")
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js not installed: run make system")
    folder = tmp_path_factory.mktemp("pyodide")
    (folder / "payload.json").write_text(json.dumps(book_payload(SAMPLE)), "utf-8")
    job_data = {"today": TODAY, "functions": FUNCTION_CALLS}
    (folder / "job.json").write_text(json.dumps(job_data), "utf-8")
    job = {
        "pyodide": str(PYODIDE),
        "wheels": [str(_package_wheel(folder)), *map(str, sorted(WHEELS.glob("*.whl")))],
        "sources": list(map(str, sorted(WHEELS.glob("*.tar.gz")))),
        "files": {
            "/job/payload.json": str(folder / "payload.json"),
            "/job/job.json": str(folder / "job.json"),
        },
        "script": str(Path(__file__).with_name("pyodide_job.py")),
    }
    (folder / "run.json").write_text(json.dumps(job), "utf-8")
    proc = subprocess.run(
        [node, str(Path(__file__).with_name("pyodide_run.mjs")), str(folder / "run.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    tail = "\n".join(line[:300] for line in proc.stderr.splitlines()[-25:])
    assert proc.returncode == 0, tail
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_pyodide_refreshes_the_sample_as_cpython_does(pyodide_run: dict[str, Any]) -> None:
    assert pyodide_run["platform"] == "emscripten"
    assert pyodide_run["pyodide_version"] == PYODIDE_VERSION  # what the workbook declares
    book = xw.Book(json=book_payload(SAMPLE))
    report = actions.refresh(XlwingsBook(book), today=dt.date.fromisoformat(TODAY))
    cpython = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert pyodide_run["refresh"] == cpython
    assert len(cpython["milestones"]) == 82 and cpython["counts"] == {"error": 0, "warning": 0}
    assert pyodide_run["response_actions"] == len(book.json()["actions"])


def test_the_functions_answer_in_pyodide_as_on_the_desktop(pyodide_run: dict[str, Any]) -> None:
    functions = {
        "MS_LATE_INTEREST": udf_logic.late_interest_amount,
        "MS_PAYMENT_DUE_DATE": udf_logic.payment_due,
    }
    desktop = [str(functions[name](*args)) for name, args in FUNCTION_CALLS]
    assert pyodide_run["functions"] == desktop


def test_the_lite_path_needs_nothing_compiled_or_file_bound(pyodide_run: dict[str, Any]) -> None:
    modules = set(pyodide_run["modules"])
    assert {"xl_milestones", "xlwings", "dateutil", "holidays"} <= modules
    assert not modules & NOT_IN_LITE
