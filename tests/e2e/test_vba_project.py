"""The VBA project and the ribbon of the built workbooks, checked by independent readers: olevba
reads every module back, LibreOffice imports the project, the Open XML SDK validator accepts the
package, openpyxl keeps both on save, and the ribbon, the callbacks and the macros line up."""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped]
from oletools.olevba import VBA_Parser
from tests.tools import libreoffice_convert, ooxml_validate

from xl_milestones.template.build import SAMPLE_FILE, TEMPLATE_FILE, build_template
from xl_milestones.template.builder import WORKBOOK_CODE_NAME, code_names
from xl_milestones.template.ribbon import (
    CUSTOM_UI_NS,
    CUSTOM_UI_PART,
    RIBBON_REL_TYPE,
)
from xl_milestones.template.vba.project import ModuleKind, normalize_newlines
from xl_milestones.template.vba.sources import (
    RIBBON_XML,
    VBA_DIR,
    XLWINGS_DICTIONARY,
    XLWINGS_MODULE,
    workbook_modules,
    xlwings_dir,
)

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = [ROOT / "workbook" / TEMPLATE_FILE, ROOT / "workbook" / SAMPLE_FILE]
MACROS_MODULE = "xl_milestones.excel.macros"
CALLBACK = re.compile(
    r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", re.M
)
RUN_PYTHON = re.compile(r'RunPython\s+"import\s+([\w.]+)\s+as\s+(\w+);\s*\2\.(\w+)\(\)"')


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built template (the committed one is compared with it by the golden test)."""
    path = tmp_path_factory.mktemp("vba") / TEMPLATE_FILE
    build_template(path)
    return path


def _expected_sources() -> dict[str, tuple[ModuleKind, str]]:
    return {m.name: (m.kind, m.source) for m in workbook_modules(code_names(), WORKBOOK_CODE_NAME)}


def _olevba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        found: dict[str, str] = {}
        for _, stream, _, code in parser.extract_macros():
            if stream.startswith("VBA/"):
                found[stream[len("VBA/") :]] = code
        return found
    finally:
        parser.close()


def _installed(relative: str) -> str:
    return (xlwings_dir() / relative).read_bytes().decode("cp1252")


# ------------------------------------------------------------------------------ olevba


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_olevba_reads_every_module_back(path: Path) -> None:
    expected = _expected_sources()
    found = _olevba_modules(path)
    assert set(found) == set(expected)
    for name, (_, source) in expected.items():
        assert found[name] == source, f"module {name} differs"


def test_every_sheet_and_the_workbook_have_a_document_module() -> None:
    expected = _expected_sources()
    documents = {n for n, (kind, _) in expected.items() if kind is ModuleKind.DOCUMENT}
    assert documents == {WORKBOOK_CODE_NAME, *code_names().values()}


def test_workbook_code_names_match_the_document_modules(template: Path) -> None:
    with zipfile.ZipFile(template) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        written = {re.search(rb'codeName="(\w+)"', z.read(n)).group(1).decode() for n in names}  # type: ignore[union-attr]
        workbook = z.read("xl/workbook.xml")
    assert written == set(code_names().values())
    assert f'codeName="{WORKBOOK_CODE_NAME}"'.encode() in workbook


def test_the_xlwings_module_is_the_installed_one(template: Path) -> None:
    found = _olevba_modules(template)
    # the standalone module is stored exactly as xlwings ships it
    assert found["xlwings"] == _installed(XLWINGS_MODULE)
    # the class keeps its attribute lines; only the VERSION/BEGIN..END export header goes
    shipped = _installed(XLWINGS_DICTIONARY)
    assert shipped.startswith("VERSION 1.0 CLASS\r\nBEGIN\r\n")
    header_end = shipped.index("\r\nEND\r\n") + len("\r\nEND\r\n")
    assert found["Dictionary"] == shipped[header_end:]
    assert found["Dictionary"].startswith('Attribute VB_Name = "Dictionary"\r\n')


def test_project_streams_are_source_only(template: Path) -> None:
    with zipfile.ZipFile(template) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert project.startswith('ID="{')
    for name, (kind, _) in _expected_sources().items():
        line = {
            ModuleKind.DOCUMENT: f"Document={name}/&H00000000",
            ModuleKind.PROCEDURAL: f"Module={name}",
            ModuleKind.CLASS: f"Class={name}",
        }[kind]
        assert f"\r\n{line}\r\n" in project


# ------------------------------------------------------------------------------ LibreOffice


def _lo_modules(ods: Path) -> dict[str, tuple[str, str]]:
    """Module name -> (LibreOffice module type, source) of the Basic library in an .ods."""
    out: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(ods) as z:
        for name in z.namelist():
            if not (name.startswith("Basic/VBAProject/") and name.endswith(".xml")):
                continue
            if name.endswith("script-lb.xml"):
                continue
            root = ElementTree.fromstring(z.read(name))
            ns = "{http://openoffice.org/2000/script}"
            out[root.get(ns + "name")] = (root.get(ns + "moduleType"), root.text or "")
    return out


def _as_libreoffice_shows(kind: ModuleKind, source: str) -> str:
    """Our source as LibreOffice keeps it: LF, its own header first, and every Attribute line
    dropped (module attributes and procedure ones such as `Attribute X.VB_Description`)."""
    body = [line for line in source.split("\r\n") if not line.startswith("Attribute ")]
    header = {
        ModuleKind.PROCEDURAL: ["Rem Attribute VBA_ModuleType=VBAModule", "Option VBASupport 1"],
        ModuleKind.CLASS: [
            "Rem Attribute VBA_ModuleType=VBAClassModule",
            "Option VBASupport 1",
            "Option ClassModule",
        ],
        ModuleKind.DOCUMENT: [
            "Rem Attribute VBA_ModuleType=VBADocumentModule",
            "Option VBASupport 1",
        ],
    }[kind]
    return "\n".join(header + body)


@pytest.mark.slow
def test_libreoffice_imports_every_module(template: Path, tmp_path: Path) -> None:
    ods = libreoffice_convert(template, "ods", tmp_path)
    found = _lo_modules(ods)
    expected = _expected_sources()
    assert set(found) == set(expected)
    lo_type = {
        ModuleKind.PROCEDURAL: "normal",
        ModuleKind.CLASS: "class",
        ModuleKind.DOCUMENT: "document",
    }
    for name, (kind, source) in expected.items():
        module_type, text = found[name]
        assert module_type == lo_type[kind], name
        assert text.rstrip("\n") == _as_libreoffice_shows(kind, source).rstrip("\n"), name


# ------------------------------------------------------------------------------ package


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_open_xml_sdk_finds_no_error(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        assert CUSTOM_UI_PART in z.namelist()  # the ribbon part is part of what is validated
    assert ooxml_validate(path) == []


def _ribbon_relationships(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    root = ElementTree.fromstring(z.read("_rels/.rels"))
    return [
        (rel.get("Type"), rel.get("Target")) for rel in root if rel.get("Type") == RIBBON_REL_TYPE
    ]


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_the_ribbon_part_and_its_relationship(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        assert _ribbon_relationships(z) == [(RIBBON_REL_TYPE, CUSTOM_UI_PART)]
        assert z.read(CUSTOM_UI_PART) == RIBBON_XML.read_bytes()


def test_openpyxl_keep_vba_keeps_the_project_and_the_ribbon(template: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.xlsm"
    book = openpyxl.load_workbook(template, keep_vba=True)
    book.save(saved)
    with zipfile.ZipFile(template) as before, zipfile.ZipFile(saved) as after:
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        assert after.read(CUSTOM_UI_PART) == before.read(CUSTOM_UI_PART)
        assert _ribbon_relationships(after) == [(RIBBON_REL_TYPE, CUSTOM_UI_PART)]


# ---------------------------------------------------------- ribbon <-> VBA <-> Python


def _ribbon_buttons() -> dict[str, dict[str, str]]:
    root = ElementTree.fromstring(RIBBON_XML.read_bytes())
    return {b.get("label"): dict(b.attrib) for b in root.iter(f"{{{CUSTOM_UI_NS}}}button")}


def test_the_milestones_tab_has_its_buttons() -> None:
    root = ElementTree.fromstring(RIBBON_XML.read_bytes())
    tabs = [t.get("label") for t in root.iter(f"{{{CUSTOM_UI_NS}}}tab")]
    assert tabs == ["Milestones"]
    buttons = _ribbon_buttons()
    assert list(buttons) == [
        "Refresh",
        "Validate",
        "Payment Schedule",
        "Sign-off Pack",
        "Import Functions",
        "Help",
    ]
    for label, attrs in buttons.items():
        for needed in ("imageMso", "screentip", "supertip", "onAction"):
            assert attrs.get(needed), f"button {label} has no {needed}"


def _vba_callbacks() -> dict[str, str]:
    """Callback name -> body, for every `Sub X(control As IRibbonControl)` in workbook/vba."""
    found: dict[str, str] = {}
    for path in sorted(VBA_DIR.iterdir()):
        text = normalize_newlines(path.read_text(encoding="cp1252")).replace("\r\n", "\n")
        for match in CALLBACK.finditer(text):
            body = text[match.end() : text.index("End Sub", match.end())]
            found[match.group(1)] = body
    return found


def test_every_on_action_names_a_ribbon_callback() -> None:
    callbacks = _vba_callbacks()
    for label, attrs in _ribbon_buttons().items():
        name = attrs["onAction"].rsplit(".", 1)[-1]
        assert name in callbacks, f"button {label}: no Sub {name}(control As IRibbonControl)"


def _run_python_calls() -> list[tuple[str, str]]:
    calls = []
    for body in _vba_callbacks().values():
        calls += [(m.group(1), m.group(3)) for m in RUN_PYTHON.finditer(body)]
    return calls


def test_every_callback_runs_one_macro_of_the_package() -> None:
    calls = _run_python_calls()
    assert len(calls) == len(_vba_callbacks()) == len(_ribbon_buttons())
    assert {module for module, _ in calls} == {MACROS_MODULE}
    assert sorted(name for _, name in calls) == sorted(
        ["refresh", "validate", "payment_schedule", "signoff_pack", "import_functions", "show_help"]
    )


@pytest.mark.skipif(
    importlib.util.find_spec(MACROS_MODULE) is None,
    reason=f"{MACROS_MODULE} is not written yet; this runs as soon as it exists",
)
def test_every_run_python_macro_exists() -> None:
    macros = importlib.import_module(MACROS_MODULE)
    for _, name in _run_python_calls():
        assert callable(getattr(macros, name, None)), f"{MACROS_MODULE}.{name} is missing"
