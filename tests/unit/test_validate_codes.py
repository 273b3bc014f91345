"""The issue codes: every code the code can emit is documented, and the docs are current."""

from __future__ import annotations

import re
from pathlib import Path

from xl_milestones.core.codes import CODES, render_markdown

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "src/xl_milestones/core/validate.py",
    ROOT / "src/xl_milestones/core/coerce.py",
    ROOT / "src/xl_milestones/io/reader.py",
    ROOT / "src/xl_milestones/core/engine.py",
    ROOT / "src/xl_milestones/core/payment_due.py",
]
# A code is a kebab-case string literal passed where an Issue or Problem takes its code, or
# the first argument of the engine's ``warnings.add``.
EMITTED = re.compile(
    r"(?:(?:ERROR|WARNING|Severity\.\w+|severity|[EW]),|warnings\.add\()\s*\"([a-z]+(?:-[a-z0-9]+)*)\""
)


def emitted_codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        found |= set(EMITTED.findall(path.read_text()))
    return found


def test_every_emitted_code_is_in_the_table() -> None:
    codes = emitted_codes()
    assert len(codes) > 30  # the pattern still finds the call sites
    assert codes - set(CODES) == set()


def test_every_code_in_the_table_is_emitted_somewhere() -> None:
    assert set(CODES) - emitted_codes() == set()


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
