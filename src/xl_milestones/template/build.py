"""Regenerates the committed workbooks: ``python -m xl_milestones.template.build DIR``.

Writes ``contract_milestones.xlsm`` (the template) and ``sample_contract_milestones.xlsm`` into
DIR, and their Lite editions ``contract_milestones.xlsx`` and ``sample_contract_milestones.xlsx``;
``make template`` runs it on ``workbook/``, and ``xl-milestones new`` uses the same functions.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from xl_milestones.template.builder import (
    LITE,
    WORKBOOK_CODE_NAME,
    PartsHook,
    build_workbook,
    code_names,
)

TEMPLATE_FILE = "contract_milestones.xlsm"
SAMPLE_FILE = "sample_contract_milestones.xlsm"
LITE_TEMPLATE_FILE = "contract_milestones.xlsx"
LITE_SAMPLE_FILE = "sample_contract_milestones.xlsx"


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


def build_lite_template(path: str | Path | IO[bytes], package: str | None = None) -> None:
    """Writes the blank Lite edition (.xlsx); ``package`` replaces the requirement on this
    package from PyPI in its requirements.txt (e.g. the URL of a wheel a company hosts)."""
    from xl_milestones.template.lite import add_lite_parts

    build_workbook(
        path, sample=False, parts_hook=lambda parts: add_lite_parts(parts, package), edition=LITE
    )


def build_lite_sample(path: str | Path | IO[bytes]) -> None:
    """Writes the sample workbook's Lite edition, exactly as it is committed in ``workbook/``."""
    from xl_milestones.template.lite import add_lite_parts

    build_workbook(path, sample=True, parts_hook=add_lite_parts, edition=LITE)


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
    build_lite_template(out / LITE_TEMPLATE_FILE)
    build_lite_sample(out / LITE_SAMPLE_FILE)
    names = (TEMPLATE_FILE, SAMPLE_FILE, LITE_TEMPLATE_FILE, LITE_SAMPLE_FILE)
    print("wrote " + ", ".join(str(out / name) for name in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
