"""Adds the Milestones ribbon tab to an .xlsm package: the customUI part and its relationship.

Uses the 2006 flavour (``customUI/customUI.xml``, namespace .../2006/01/customui, relationship
type .../2006/relationships/ui/extensibility), whose relationship openpyxl keeps on save.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from defusedxml import ElementTree  # type: ignore[import-untyped]

CUSTOM_UI_PART = "customUI/customUI.xml"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
RIBBON_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RIBBON_REL_ID = "rIdMilestonesRibbon"
PACKAGE_RELS = "_rels/.rels"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class RibbonError(ValueError):
    """A ribbon XML or package the ribbon cannot be added to; the message says which."""


def check_custom_ui(xml: bytes) -> None:
    """Raise RibbonError unless *xml* is a well-formed 2006-flavour customUI document."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise RibbonError(f"ribbon XML is not well formed: {exc}") from None
    if root.tag != f"{{{CUSTOM_UI_NS}}}customUI":
        raise RibbonError(
            f"ribbon XML root must be customUI in namespace {CUSTOM_UI_NS}, found {root.tag}"
        )


def add_ribbon_parts(parts: MutableMapping[str, bytes], custom_ui: bytes) -> None:
    """Put *custom_ui* into the package *parts* (name -> bytes), with its relationship.

    Replaces a ribbon already there, so running it twice gives the same package.
    """
    check_custom_ui(custom_ui)
    if PACKAGE_RELS not in parts:
        raise RibbonError(f"the package has no {PACKAGE_RELS}: not an Office file")
    rels = parts[PACKAGE_RELS].decode("utf-8")
    start = rels.find(f'Type="{RIBBON_REL_TYPE}"')
    if start != -1:
        # drop an earlier ribbon relationship of this type (attribute order varies by writer)
        open_at = rels.rfind("<Relationship ", 0, start)
        close_at = rels.find("/>", start) + 2
        rels = rels[:open_at] + rels[close_at:]
    if f'Id="{RIBBON_REL_ID}"' in rels:
        raise RibbonError(f"the package already has a relationship with Id {RIBBON_REL_ID}")
    relationship = (
        f'<Relationship Id="{RIBBON_REL_ID}" Type="{RIBBON_REL_TYPE}" Target="{CUSTOM_UI_PART}"/>'
    )
    if "</Relationships>" not in rels:
        raise RibbonError(f"{PACKAGE_RELS} has no closing </Relationships>")
    rels = rels.replace("</Relationships>", relationship + "</Relationships>")
    parts[PACKAGE_RELS] = rels.encode("utf-8")
    # The part is plain XML ([Content_Types].xml's Default for .xml covers it), as Office has it.
    parts[CUSTOM_UI_PART] = custom_ui
