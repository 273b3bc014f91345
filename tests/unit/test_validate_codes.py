"""The issue codes: every code any module of the package can emit is documented, every
documented code is emitted somewhere, and the docs are current.

Every module of ``xl_milestones`` (and the functions' package ``xl_milestones_udfs``) is read,
not a list of the modules that emit codes today: a code added anywhere, by any route (an
``Issue``, a ``Problem``, a ``_warn``, a variable named ``code``), is found.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from xl_milestones.core.codes import CODES, render_markdown

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / "src/xl_milestones", ROOT / "udfs/xl_milestones_udfs"]
CODES_MODULE = ROOT / "src/xl_milestones/core/codes.py"
KEBAB = re.compile(r"[a-z]+(?:-[a-z0-9]+)*")
# Severities as the call sites spell them before a code: ``Problem(ERROR, "required", ...)``,
# ``Issue(Severity.WARNING, "overpaid", ...)``.
SEVERITY_NAMES = {"ERROR", "WARNING", "E", "W", "severity"}
# Kebab-case strings of the package that are not issue codes. A new kebab-case string is taken
# for a code until it is listed here (or in CODES): a code cannot slip through undocumented.
NOT_CODES = {
    "utf-8",  # text encodings
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "xl-milestones",  # the program's name, its demo folder and a command
    "xl-milestones-demo",
    "signoff-pack",
    "pyodide-http",  # a requirement of the Lite edition
    "no-as-of-date",  # Validation.as_of_source values (the JSON's as_of_source)
    "no-settings-sheet",
    "empty-settings-sheet",
    "invalid-as-of-date",
    "xl-read-back",  # the thread name of the writer's read-back
    "yyyy-mm-dd",  # a number format
}


def modules() -> list[Path]:
    found = [p for package in PACKAGES for p in sorted(package.rglob("*.py"))]
    assert len(found) > 50  # the whole package, not a few files
    return found


def _code_literal(node: ast.AST | None) -> str | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) and KEBAB.fullmatch(value) else None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def codes_in(tree: ast.AST) -> set[str]:
    """The codes one module emits: every kebab-case string with a hyphen, and single words
    where a code stands (after a severity, the first argument of a call on a warn-named
    function or object, a ``code=`` keyword, a value given to a variable named ``code``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "-" in node.value and KEBAB.fullmatch(node.value):
                found.add(node.value)
        elif isinstance(node, ast.Call):
            args = node.args
            func = node.func
            owner = _name(func.value) if isinstance(func, ast.Attribute) else ""
            warns = "warn" in _name(func) or "warn" in owner  # _warn(...), warnings.add(...)
            if warns and args and (code := _code_literal(args[0])):
                found.add(code)
            for before, arg in itertools.pairwise(args):
                if _name(before) in SEVERITY_NAMES and (code := _code_literal(arg)):
                    found.add(code)
            for keyword in node.keywords:
                if keyword.arg == "code" and (code := _code_literal(keyword.value)):
                    found.add(code)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs: list[tuple[ast.AST, ast.AST]] = [(target, node.value)]
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = list(zip(target.elts, node.value.elts, strict=False))
                for name, value in pairs:
                    if _name(name) == "code" and (code := _code_literal(value)):
                        found.add(code)
    return found


def emitted_codes() -> dict[str, set[str]]:
    """Each code found, with the modules (relative paths) that emit it; codes.py is the table
    itself, not an emitter."""
    found: dict[str, set[str]] = {}
    for path in modules():
        if path == CODES_MODULE:
            continue
        for code in codes_in(ast.parse(path.read_text(encoding="utf-8"))):
            found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_codes_by_every_route() -> None:
    source = """
Problem(ERROR, "required", "x")
Issue(Severity.WARNING, "overpaid", "Milestones")
self._warn("late", SETTINGS)
warnings.add("overdrawn", MILESTONES)
setting, code = "x", "rate-missing"
code = "lonely"
Issue(code="kept")
label = "plain words"
"""
    assert codes_in(ast.parse(source)) == {
        "required",
        "overpaid",
        "late",
        "overdrawn",
        "rate-missing",
        "lonely",
        "kept",
    }


def test_every_emitted_code_is_in_the_table() -> None:
    emitted = emitted_codes()
    assert len(emitted) > 40  # the scan still finds the call sites
    missing = {c: sorted(where) for c, where in emitted.items() if c not in set(CODES) | NOT_CODES}
    assert missing == {}, "add each to core/codes.py (then regenerate docs/validation.md)"


def test_every_code_in_the_table_is_emitted_somewhere() -> None:
    assert set(CODES) - set(emitted_codes()) == set()
    assert set(CODES) & NOT_CODES == set()


def test_the_engine_warnings_are_documented() -> None:
    # Found only by the computation (a refresh, the Validate button), through variables and the
    # engine's _warn: the scan of three files named in a list missed the two late-interest ones.
    for code in (
        "overpaid",
        "unknown-holiday-country",
        "late-interest-regime-missing",
        "late-interest-rate-missing",
    ):
        assert CODES[code].severity == "warning"
        assert CODES[code].meaning.startswith("Found by the computation")


def test_docs_validation_md_is_generated_from_the_table() -> None:
    docs = (ROOT / "docs/validation.md").read_text()
    assert docs == render_markdown(), (
        "run: python -c 'from xl_milestones.core.codes import "
        'render_markdown; print(render_markdown(), end="")\' > docs/validation.md'
    )
    for code in CODES:
        assert f"`{code}`" in docs


def test_codes_are_kebab_case_with_a_known_severity() -> None:
    for name, code in CODES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", name)
        assert code.severity in ("error", "warning")
        assert code.meaning.endswith(".") and code.fix.endswith(".")
