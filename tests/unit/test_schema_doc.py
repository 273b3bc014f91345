"""docs/schema.md is generated from the schema and must be current."""

from pathlib import Path

from xl_milestones import schema_doc
from xl_milestones.core.schema import INPUT_SHEETS

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_committed_schema_page_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == schema_doc.render(), (
        "docs/schema.md is stale: run `python -m xl_milestones.schema_doc docs/schema.md`"
    )


def test_every_header_is_documented() -> None:
    text = schema_doc.render()
    for sheet in INPUT_SHEETS:
        assert f"## {sheet.name}" in text
        for f in sheet.fields:
            assert f"`{f.name}`" in text or f.header in text
