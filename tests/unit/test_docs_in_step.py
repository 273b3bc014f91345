"""The user documentation names what the software does: the warnings only a computation finds
are each named where README.md and docs/rules.md list them, from the codes table itself."""

from __future__ import annotations

import re
from pathlib import Path

from xl_milestones.core.codes import CODES

ROOT = Path(__file__).resolve().parents[2]
# Codes.py marks each warning the engine raises, which `validate` cannot list, in its meaning.
COMPUTED = {code for code, c in CODES.items() if c.meaning.startswith("Found by the computation")}
CODE_IN_TEXT = re.compile(r"`([a-z]+(?:-[a-z0-9]+)*)`")


def _codes_named(text: str) -> set[str]:
    """The codes quoted in ``text``: every quoted kebab-case word, and the one-word codes."""
    return {w for w in CODE_IN_TEXT.findall(text) if "-" in w or w in CODES}


def test_the_computation_codes_are_found() -> None:
    assert {"overpaid", "retention-released-before-taken", "negative-amount-due"} <= COMPUTED


def test_readme_limits_name_every_warning_validate_does_not_list() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("- A few warnings come from the computation")
    bullet = readme[start : readme.index("\n- ", start + 1)]
    named = _codes_named(bullet)
    assert named == COMPUTED, f"missing {sorted(COMPUTED - named)}, extra {named - COMPUTED}"


def test_rules_section_7_names_every_engine_warning() -> None:
    rules = (ROOT / "docs/rules.md").read_text(encoding="utf-8")
    section = rules[rules.index("## 7. What the engine returns and warns about") :]
    named = _codes_named(section)
    assert named >= COMPUTED, f"missing: {sorted(COMPUTED - named)}"
    assert named <= set(CODES), f"not codes: {sorted(named - set(CODES))}"
