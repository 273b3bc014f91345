"""Regenerates the committed workbooks: ``python -m xl_milestones.template.build DIR``.

Writes ``contract_milestones.xlsm`` (the template) and ``sample_contract_milestones.xlsm`` into
DIR; ``make template`` runs it on ``workbook/``, and ``xl-milestones new`` uses the same function.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from xl_milestones.template.builder import WORKBOOK_CODE_NAME, PartsHook, build_workbook, code_names

TEMPLATE_FILE = "contract_milestones.xlsm"
SAMPLE_FILE = "sample_contract_milestones.xlsm"


def _macros() -> tuple[bytes, PartsHook]:
    """The VBA project (from ``workbook/vba/`` and xlwings) and the hook adding the ribbon."""
    from xl_milestones.template.ribbon import add_ribbon_parts
    from xl_milestones.template.vba.sources import RIBBON_XML, build_workbook_project

    vba = build_workbook_project(code_names(), WORKBOOK_CODE_NAME)
    ribbon = RIBBON_XML.read_bytes()
    return vba, lambda parts: add_ribbon_parts(parts, ribbon)


def build_template(path: str | Path | IO[bytes]) -> None:
    """Writes the blank template, exactly as it is committed in ``workbook/``."""
    vba, ribbon = _macros()
    build_workbook(path, sample=False, vba_project=vba, parts_hook=ribbon)


def build_sample(path: str | Path | IO[bytes]) -> None:
    """Writes the sample workbook, exactly as it is committed in ``workbook/``."""
    vba, ribbon = _macros()
    build_workbook(path, sample=True, vba_project=vba, parts_hook=ribbon)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m xl_milestones.template.build DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    if not out.is_dir():
        print(f"{out}: not a folder", file=sys.stderr)
        return 2
    build_template(out / TEMPLATE_FILE)
    build_sample(out / SAMPLE_FILE)
    print(f"wrote {out / TEMPLATE_FILE} and {out / SAMPLE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
