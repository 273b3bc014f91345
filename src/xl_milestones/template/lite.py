"""The Lite edition's web-extension parts: the xlwings Lite add-in, with the workbook's main.py
and requirements.txt, stored as xlwings Lite stores them.

Lite keeps its code in the Office.js document settings of its add-in (store id WA200008175):
``xl/webextensions/webextension1.xml`` holds one ``we:property`` per setting, each value a JSON
string; ``xl/webextensions/taskpanes.xml`` opens the add-in's task pane with the workbook and is
related from the package root. Only this module knows that layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Final
from xml.sax.saxutils import quoteattr

from xl_milestones import __version__

MAIN_PY: Final = Path(__file__).with_name("sources") / "lite" / "main.py"

ADDIN_STORE_ID: Final = "WA200008175"
# The store reference's version, and the add-in version property: Lite rewrites its own when it
# saves the workbook.
ADDIN_VERSION: Final = "1.0.0.0"
# The Pyodide release the tests run the package on (the npm package pinned in the Makefile).
PYODIDE_VERSION: Final = "0.29.5"
# The xlwings release the tests run the scripts on (the remote engine of the installed wheel).
XLWINGS_VERSION: Final = "0.37.8"
# What xlwings Lite itself marks "# required" in the requirements of the workbooks it saves.
LITE_REQUIRED: Final = (
    f"xlwings=={XLWINGS_VERSION}",
    "python-dotenv==1.0.1",
    "pyodide-http",
    "black",
)
# What the package needs in Pyodide beyond Pyodide's standard library (kept in step with
# pyproject.toml by a test): the core's date rules and holidays, the adapter's XML reading,
# and the sign-off pack's templates.
PACKAGE_NEEDS: Final = (
    "python-dateutil>=2.9",
    "holidays>=0.50",
    "defusedxml>=0.7",
    "Jinja2>=3.1",
)
DEFAULT_PACKAGE: Final = f"xl-milestones=={__version__}"

# A fixed id for the add-in instance: the build must give the same bytes every time.
WEBEXTENSION_ID: Final = "{5B0C4A36-3C9E-4F61-9D2A-6E0F3A1B7C25}"

WEBEXTENSION_PART: Final = "xl/webextensions/webextension1.xml"
TASKPANES_PART: Final = "xl/webextensions/taskpanes.xml"
TASKPANES_RELS: Final = "xl/webextensions/_rels/taskpanes.xml.rels"
TASKPANES_REL_TYPE: Final = (
    "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
)
WEBEXTENSION_REL_TYPE: Final = "http://schemas.microsoft.com/office/2011/relationships/webextension"
WEBEXTENSION_TYPE: Final = "application/vnd.ms-office.webextension+xml"
TASKPANES_TYPE: Final = "application/vnd.ms-office.webextensiontaskpanes+xml"
TASKPANES_REL_ID: Final = "rIdLiteTaskpanes"
PACKAGE_RELS: Final = "_rels/.rels"
CONTENT_TYPES: Final = "[Content_Types].xml"

_WE: Final = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
_WETP: Final = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
_R: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_DRAWING: Final = "http://schemas.openxmlformats.org/drawingml/2006/main"
_XML_DECL: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class PackageSourceError(ValueError):
    """A package source that cannot stand on one line of requirements.txt."""


# What --lite-package may be: a wheel's URL, or one requirement (a name with extras and version
# specifiers, PEP 508, written without spaces).
_URL: Final = re.compile(r"(?:https?|file)://[^\s\"'<>]+")
_VERSION: Final = r"(?:~=|===?|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+"
_REQUIREMENT: Final = re.compile(
    rf"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?"
    rf"(?:{_VERSION}(?:,{_VERSION})*)?"
)


def requirements(package: str | None = None) -> str:
    """The workbook's requirements.txt: what Lite requires, this package (from PyPI at its
    version, or ``package``: a wheel URL or requirement a company hosts) and what it needs."""
    source = DEFAULT_PACKAGE if package is None else package.strip()
    if not (_URL.fullmatch(source) or _REQUIREMENT.fullmatch(source)):
        raise PackageSourceError(
            f"{package!r} is not a package source: give one requirement or wheel URL, without "
            "spaces (e.g. https://example.com/wheels/xl_milestones-0.1.0-py3-none-any.whl)"
        )
    lines = [f"{line}  # required" for line in LITE_REQUIRED]
    lines += [source, *PACKAGE_NEEDS]
    return "\n".join(lines) + "\n"


def settings(package: str | None = None) -> dict[str, str]:
    """The add-in's document settings, by name, as plain text (each is stored as JSON)."""
    return {
        "main.py": MAIN_PY.read_text(encoding="utf-8"),
        "requirements.txt": requirements(package),
        "pyodideVersion": PYODIDE_VERSION,
        "addinVersion": ADDIN_VERSION,
    }


def webextension_xml(values: dict[str, str]) -> bytes:
    """``webextension1.xml``: the add-in's store reference and its settings as JSON strings."""
    properties = "".join(
        f"<we:property name={quoteattr(name)} value={quoteattr(json.dumps(value))}/>"
        for name, value in values.items()
    )
    reference = f'id="{ADDIN_STORE_ID.lower()}" version="{ADDIN_VERSION}"'
    xml = (
        f'<we:webextension xmlns:we="{_WE}" id="{WEBEXTENSION_ID}">'
        f'<we:reference {reference} store="en-US" storeType="OMEX"/>'
        "<we:alternateReferences>"
        f'<we:reference {reference} store="{ADDIN_STORE_ID}" storeType="OMEX"/>'
        "</we:alternateReferences>"
        f"<we:properties>{properties}</we:properties>"
        "<we:bindings/>"
        f'<we:snapshot xmlns:r="{_R}"/>'
        "<we:extLst>"
        f'<a:ext xmlns:a="{_DRAWING}" uri="{{D87F86FE-615C-45B5-9D79-34F1136793EB}}">'
        "<we:containsCustomFunctions/></a:ext>"
        "</we:extLst>"
        "</we:webextension>"
    )
    return (_XML_DECL + xml).encode("utf-8")


def taskpanes_xml() -> bytes:
    """``taskpanes.xml``: the add-in's task pane, docked right and open with the workbook."""
    xml = (
        f'<wetp:taskpanes xmlns:wetp="{_WETP}">'
        '<wetp:taskpane dockstate="right" visibility="1" width="350" row="1">'
        f'<wetp:webextensionref xmlns:r="{_R}" r:id="rId1"/>'
        "</wetp:taskpane></wetp:taskpanes>"
    )
    return (_XML_DECL + xml).encode("utf-8")


def add_lite_parts(parts: MutableMapping[str, bytes], package: str | None = None) -> None:
    """Put the add-in with the workbook's code into the package ``parts`` (name -> bytes)."""
    parts[WEBEXTENSION_PART] = webextension_xml(settings(package))
    parts[TASKPANES_PART] = taskpanes_xml()
    parts[TASKPANES_RELS] = (
        _XML_DECL + f'<Relationships xmlns="{_PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{WEBEXTENSION_REL_TYPE}" Target="webextension1.xml"/>'
        "</Relationships>"
    ).encode("utf-8")
    rels = parts[PACKAGE_RELS].decode("utf-8")
    relationship = (
        f'<Relationship Id="{TASKPANES_REL_ID}" Type="{TASKPANES_REL_TYPE}" '
        f'Target="{TASKPANES_PART}"/>'
    )
    rels = rels.replace("</Relationships>", relationship + "</Relationships>")
    parts[PACKAGE_RELS] = rels.encode("utf-8")
    types = parts[CONTENT_TYPES].decode("utf-8")
    overrides = (
        f'<Override PartName="/{TASKPANES_PART}" ContentType="{TASKPANES_TYPE}"/>'
        f'<Override PartName="/{WEBEXTENSION_PART}" ContentType="{WEBEXTENSION_TYPE}"/>'
    )
    parts[CONTENT_TYPES] = types.replace("</Types>", overrides + "</Types>").encode("utf-8")


def read_settings(data: dict[str, bytes]) -> dict[str, str]:
    """The add-in's settings in a package's parts, decoded (what Lite reads back)."""
    from defusedxml import ElementTree  # type: ignore[import-untyped]

    root = ElementTree.fromstring(data[WEBEXTENSION_PART])
    return {
        prop.attrib["name"]: json.loads(prop.attrib["value"])
        for prop in root.iter(f"{{{_WE}}}property")
    }
