"""The Lite edition (.xlsx): the template's sheets without macros, and the xlwings Lite add-in
with the workbook's main.py and requirements.txt, stored as Lite stores them."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from tests.tools import ooxml_validate

from xl_milestones import __version__
from xl_milestones.cli import main
from xl_milestones.core import schema as S
from xl_milestones.template import builder as B
from xl_milestones.template import lite
from xl_milestones.template.build import (
    LITE_SAMPLE_FILE,
    LITE_TEMPLATE_FILE,
    SAMPLE_FILE,
    TEMPLATE_FILE,
)

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "workbook"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("name", [LITE_TEMPLATE_FILE, LITE_SAMPLE_FILE])
def test_the_lite_edition_has_no_macros_and_carries_the_add_in(name: str) -> None:
    parts = _parts(WORKBOOK / name)
    assert not [p for p in parts if "vba" in p.lower() or p.startswith("customUI")]
    types = parts["[Content_Types].xml"].decode()
    assert B.XLSX_MAIN in types and B.XLSM_MAIN not in types
    assert (
        f'<Override PartName="/{lite.WEBEXTENSION_PART}" '
        'ContentType="application/vnd.ms-office.webextension+xml"/>'
    ) in types
    assert (
        f'<Override PartName="/{lite.TASKPANES_PART}" '
        'ContentType="application/vnd.ms-office.webextensiontaskpanes+xml"/>'
    ) in types
    root_rels = parts["_rels/.rels"].decode()
    assert (
        'Type="http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes" '
        'Target="xl/webextensions/taskpanes.xml"'
    ) in root_rels
    assert 'Target="webextension1.xml"' in parts[lite.TASKPANES_RELS].decode()
    web = parts[lite.WEBEXTENSION_PART].decode()
    assert '<we:reference id="wa200008175"' in web and 'store="WA200008175"' in web
    settings = lite.read_settings(parts)
    assert settings["main.py"] == (WORKBOOK / "lite" / "main.py").read_text("utf-8")
    assert settings["pyodideVersion"] == lite.PYODIDE_VERSION
    assert settings["addinVersion"] == lite.ADDIN_VERSION
    lines = settings["requirements.txt"].splitlines()
    assert f"xl-milestones=={__version__}" in lines
    assert f"xlwings=={xw.__version__}  # required" in lines


def test_the_open_xml_sdk_finds_no_error_in_the_lite_sample() -> None:
    # The blank template is validated as `xl-milestones new` writes it, below.
    assert ooxml_validate(WORKBOOK / LITE_SAMPLE_FILE) == []


@pytest.mark.parametrize(("lite_file", "desktop_file"), [(LITE_SAMPLE_FILE, SAMPLE_FILE)])
def test_the_lite_edition_has_every_sheet_table_validation_and_format_of_the_desktop_one(
    lite_file: str, desktop_file: str
) -> None:
    lite_book = openpyxl.load_workbook(WORKBOOK / lite_file)
    desktop = openpyxl.load_workbook(WORKBOOK / desktop_file)
    assert lite_book.sheetnames == [n for n in desktop.sheetnames if n != B.XLWINGS_CONF_SHEET]
    for name in lite_book.sheetnames:
        if name == B.START_SHEET:
            continue
        ours, theirs = lite_book[name], desktop[name]
        values = [[c.value for c in row] for row in ours.iter_rows()]
        desktop_values = [[c.value for c in row] for row in theirs.iter_rows()]
        if name == S.DASHBOARD.name:  # its note before a refresh says how each refreshes
            note = S.DASHBOARD_AS_OF_ROW - 1
            assert "xlwings Lite task pane" in str(values[note][0])
            assert "Milestones tab" in str(desktop_values[note][0])
            values[note][0] = desktop_values[note][0] = None
        assert values == desktop_values, name
        assert [[c.number_format for c in row] for row in ours.iter_rows()] == [
            [c.number_format for c in row] for row in theirs.iter_rows()
        ], name
        assert {t.name: t.ref for t in ours.tables.values()} == {
            t.name: t.ref for t in theirs.tables.values()
        }, name
        assert [(str(v.sqref), v.formula1) for v in ours.data_validations.dataValidation] == [
            (str(v.sqref), v.formula1) for v in theirs.data_validations.dataValidation
        ], name
        assert [str(r.sqref) for r in ours.conditional_formatting] == [
            str(r.sqref) for r in theirs.conditional_formatting
        ], name
    assert set(lite_book.defined_names) == set(desktop.defined_names)
    ours_parts, theirs_parts = _parts(WORKBOOK / lite_file), _parts(WORKBOOK / desktop_file)
    charts = sorted(p for p in theirs_parts if p.startswith("xl/charts/"))
    assert charts and charts == sorted(p for p in ours_parts if p.startswith("xl/charts/"))
    for part in charts:
        assert ours_parts[part] == theirs_parts[part], part


def test_the_lite_start_sheet_names_the_scripts_of_main_py() -> None:
    start = openpyxl.load_workbook(WORKBOOK / LITE_TEMPLATE_FILE)[B.START_SHEET]
    text = [c.value for row in start.iter_rows() for c in row if isinstance(c.value, str)]
    main_py = (WORKBOOK / "lite" / "main.py").read_text("utf-8")
    for name, _what in B.LITE_SCRIPTS:
        assert name in text and f"def {name}(book: xw.Book):" in main_py
    assert any("=XLOOKUP(" in t and "tblMilestones[Status]" in t for t in text)
    assert not any("ribbon" in t.lower() or "Enable Content" in t for t in text)


def test_requirements_name_the_package_or_the_source_given() -> None:
    default = lite.requirements().splitlines()
    assert default[: len(lite.LITE_REQUIRED)] == [f"{r}  # required" for r in lite.LITE_REQUIRED]
    assert default[len(lite.LITE_REQUIRED)] == f"xl-milestones=={__version__}"
    url = "https://pkgs.example.com/xl_milestones-0.1.0-py3-none-any.whl"
    assert url in lite.requirements(url).splitlines()
    assert f"xl-milestones=={__version__}" not in lite.requirements(url)
    for good in (
        "xl-milestones",
        "xl_milestones[pdf]>=0.1,<0.3",
        "file:///srv/w/x-0.1-py3-none-any.whl",
    ):
        assert good in lite.requirements(good).splitlines()
    for bad in ("", "a b", "x\ny", "# comment", "</t><evil/>", "-e .", "ftp://h/x.whl", "x=="):
        with pytest.raises(lite.PackageSourceError):
            lite.requirements(bad)


def test_what_requirements_add_is_what_the_package_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {d.split(";")[0].strip() for d in project["dependencies"]}
    assert set(lite.PACKAGE_NEEDS) <= declared
    assert xw.__version__ == lite.XLWINGS_VERSION  # the version the remote-engine tests run


def test_new_writes_the_lite_edition(tmp_path: Path) -> None:
    target = tmp_path / "q3.xlsx"
    assert main(["new", str(target)]) == 0
    assert target.read_bytes() == (WORKBOOK / LITE_TEMPLATE_FILE).read_bytes()


def test_new_takes_another_package_source_for_the_lite_edition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://pkgs.example.com/wheels/xl_milestones-0.1.0-py3-none-any.whl"
    target = tmp_path / "q3.xlsx"
    assert main(["new", str(target), "--lite-package", url]) == 0
    settings = lite.read_settings(_parts(target))
    assert url in settings["requirements.txt"].splitlines()
    assert ooxml_validate(target) == []
    assert main(["new", str(tmp_path / "q3.xlsm"), "--lite-package", url]) == 2
    assert "--lite-package is for the Lite edition" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "q4.xlsx"), "--lite-package", "two words"]) == 2
    err = capsys.readouterr().err
    assert "not a package source" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q3.xlsx"]


def test_the_desktop_edition_is_unchanged_by_the_lite_one() -> None:
    out = io.BytesIO()
    from xl_milestones.template.build import build_template

    build_template(out)
    assert out.getvalue() == (WORKBOOK / TEMPLATE_FILE).read_bytes()
