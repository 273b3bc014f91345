"""The modules of the workbook's VBA project, gathered from their text sources.

Owns which modules the project holds and in what order: ThisWorkbook and one document module per
sheet (named by the builder's code names), the modules in ``workbook/vba/``, and xlwings'
standalone module with its Dictionary class, read from the installed xlwings package.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xl_milestones.template.vba.project import (
    ENCODING,
    WORKBOOK_BASE,
    Module,
    ModuleKind,
    VBAProjectError,
    build_vba_project,
    document_module,
    parse_module,
)

# ``template/sources`` links to the repository's workbook/ folder; a wheel carries copies.
WORKBOOK_DIR = Path(__file__).resolve().parents[1] / "sources"
"""The VBA sources (``vba/``) and the ribbon XML (``ribbon/``)."""
VBA_DIR = WORKBOOK_DIR / "vba"
RIBBON_XML = WORKBOOK_DIR / "ribbon" / "customUI.xml"

XLWINGS_MODULE = "xlwings.bas"
XLWINGS_DICTIONARY = "addin/Dictionary.cls"


def xlwings_dir() -> Path:
    """The installed xlwings package folder."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def read_module(path: Path) -> Module:
    """The module of one exported .bas/.cls file, read in the project's code page."""
    try:
        text = path.read_bytes().decode(ENCODING)
    except OSError as exc:
        raise VBAProjectError(f"{path}: cannot read the VBA source ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise VBAProjectError(f"{path}: not text in code page 1252") from None
    return parse_module(text, str(path))


def xlwings_modules() -> list[Module]:
    """xlwings' standalone VBA module and the Dictionary class it uses, as installed."""
    base = xlwings_dir()
    return [read_module(base / XLWINGS_MODULE), read_module(base / XLWINGS_DICTIONARY)]


def workbook_modules(
    code_names: Mapping[str, str],
    workbook_code_name: str = "ThisWorkbook",
    source_dir: Path = VBA_DIR,
) -> list[Module]:
    """Every module of the project: documents (workbook, then sheets), modules, classes.

    *code_names* maps each sheet name to its code name, in tab order. A sheet without a
    ``<code name>.cls`` in *source_dir* gets an empty document module, so that every sheet has
    the module Excel expects for it.
    """
    if not source_dir.is_dir():
        raise VBAProjectError(f"{source_dir}: the VBA source folder is missing")
    own = [read_module(p) for p in sorted(source_dir.iterdir()) if p.suffix in (".bas", ".cls")]
    documents = {m.name: m for m in own if m.kind is ModuleKind.DOCUMENT}
    expected = [workbook_code_name, *code_names.values()]
    stray = sorted(set(documents) - set(expected))
    if stray:
        raise VBAProjectError(
            f"{source_dir}: document module(s) {', '.join(stray)} match no sheet's code name"
        )
    ordered = [
        documents.get(workbook_code_name) or document_module(workbook_code_name, WORKBOOK_BASE)
    ]
    ordered += [documents.get(name) or document_module(name) for name in code_names.values()]
    rest = [m for m in own if m.kind is not ModuleKind.DOCUMENT] + xlwings_modules()
    ordered += [m for m in rest if m.kind is ModuleKind.PROCEDURAL]
    ordered += [m for m in rest if m.kind is ModuleKind.CLASS]
    return ordered


def build_workbook_project(
    code_names: Mapping[str, str],
    workbook_code_name: str = "ThisWorkbook",
    source_dir: Path = VBA_DIR,
) -> bytes:
    """The vbaProject.bin of the template: `workbook_modules` packed by `build_vba_project`."""
    return build_vba_project(workbook_modules(code_names, workbook_code_name, source_dir))
