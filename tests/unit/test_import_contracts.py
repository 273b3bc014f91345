"""The import contracts of pyproject.toml (import-linter): core/ is pure, the layers go one way,
no adapter imports another. They run here, so `make test` (and CI) fails when one is broken;
and each is shown to fail on a copy of the package with one import too many."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import xl_milestones

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def _lint(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, str(PYPROJECT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_the_package_keeps_every_contract() -> None:
    run = _lint()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_core_may_import_no_other_module_of_the_package() -> None:
    # A module added beside core/ later is forbidden too: the list names every one.
    forbidden = set(_contracts()["core"]["forbidden_modules"])
    siblings = {
        f"xl_milestones.{m.name}"
        for m in pkgutil.iter_modules(xl_milestones.__path__)
        if m.name != "core"
    }
    assert siblings - forbidden == set()
    assert "xl_milestones_udfs" in forbidden


def test_mypy_checks_the_whole_package() -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert set(config["files"]) == {"src/xl_milestones", "udfs/xl_milestones_udfs"}


@pytest.mark.parametrize(
    ("module", "extra_import", "broken"),
    [
        ("core/money.py", "import xl_milestones.io.atomic", "core/ is pure"),
        ("core/schema.py", "import xlwings", "core/ is pure"),
        ("output.py", "import xl_milestones.actions", "entry points > use cases"),
        ("app/evaluate.py", "import xl_milestones.io.reader", "entry points > use cases"),
        ("io/atomic.py", "import xl_milestones.excel.book", "no adapter imports another"),
        ("template/styles.py", "import xl_milestones.reports.render", "no adapter imports"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, extra_import: str, broken: str
) -> None:
    copy = tmp_path / "src" / "xl_milestones"
    shutil.copytree(
        ROOT / "src/xl_milestones", copy, ignore=shutil.ignore_patterns("sources", "__pycache__")
    )
    shutil.copytree(ROOT / "udfs/xl_milestones_udfs", tmp_path / "udfs" / "xl_milestones_udfs")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{extra_import}\n", "utf-8")
    # The copy comes before the installed (editable) package on the path.
    path = os.pathsep.join([str(tmp_path / "src"), str(tmp_path / "udfs")])
    run = _lint({**os.environ, "PYTHONPATH": path})
    assert run.returncode == 1, run.stdout + run.stderr
    # The summary line of the contract: "<name> BROKEN" (with the count of ignored imports).
    summary = next(line for line in run.stdout.splitlines() if line.startswith(broken))
    assert "BROKEN" in summary


# None: the portfolio's writers take its sheets and record from app.portfolio_sheets, below
# both the roll-up and them.
KNOWN_CYCLES: list[set[str]] = []


def import_cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: set[str] = set()
            while not group or v not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_import_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [{"a", "b", "c"}]


def test_no_module_imports_itself_back_at_run_time() -> None:
    import grimp

    imports = grimp.build_graph(
        "xl_milestones", "xl_milestones_udfs", exclude_type_checking_imports=True, cache_dir=None
    )
    graph = {m: set(imports.find_modules_directly_imported_by(m)) for m in imports.modules}
    assert import_cycles(graph) == KNOWN_CYCLES
