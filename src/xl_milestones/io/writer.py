"""Writing a refresh into a workbook file: only the parts the refresh owns change.

The owned parts are the Milestones sheet (its result columns only), the output sheets (Payment
Schedule, Validation, Sign-off Queue, Changes, Refresh Log, Dashboard), the Excel tables over
them, Dashboard charts that read a Dashboard block, and appended cell styles; each has its
editor (``edit_milestones``, ``edit_tables``, ``edit_dashboard``), working through one
``Package``. Every other zip entry is copied with its content unchanged.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

from xl_milestones.book import BookUpdate
from xl_milestones.core.model import RawTable
from xl_milestones.core.schema import DASHBOARD, MILESTONES, sheet_by_name
from xl_milestones.errors import WorkbookError
from xl_milestones.io.edit_dashboard import write_dashboard
from xl_milestones.io.edit_milestones import write_results
from xl_milestones.io.edit_tables import write_table
from xl_milestones.io.package import (
    CALC_CHAIN_TYPE,
    CHART_CT,
    DRAWING_TYPE,
    REVISIONS_TYPE,
    TABLE_TYPE,
    Package,
    read_rels,
    rels_path,
)
from xl_milestones.io.sheets import Sheets


def read_date1904(path: str | Path) -> bool:
    """Whether the workbook at ``path`` counts dates from 1904 (Mac Excel's old date system)."""
    with zipfile.ZipFile(path) as zin:
        pkg = Package(zin)
        return pkg.workbook.date1904


def apply_update(
    src: Path,
    dst: Path,
    update: BookUpdate,
    *,
    date1904: bool,
    milestones: RawTable | None = None,
    grow: Mapping[str, tuple[str, int]] | None = None,
    in_place: bool = False,
) -> bool:
    """Write ``src`` with ``update`` applied to ``dst`` (a new file; ``src`` is only read;
    ``in_place``: ``dst`` is to replace it).

    ``milestones`` is the table the reader found, so that results land in the columns it read;
    without it the header row is looked for the way the reader does. ``grow`` maps a sheet name
    to an Excel table on it and the last row (Excel's number) it is extended to, over rows the
    reader found right below it. True when the new XML of
    the Milestones sheet has been read back (``check_sheet_reads``) while the file was written.
    """
    try:
        with zipfile.ZipFile(src) as zin:
            pkg = Package(zin)
            try:
                ed = Sheets(pkg, date1904, grow or {})
                refuse_what_excel_forbids(ed, update, in_place)
                _edit(ed, update, milestones)
                pkg.write(dst)
                return bool(pkg.read_back)
            finally:
                pkg.close()
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"{src}: the workbook is damaged ({exc}): save it again") from None
    except WorkbookError as exc:  # what the package's parts lack, said of this file
        if str(exc).startswith(f"{src}:"):
            raise
        raise WorkbookError(f"{src}: {exc}") from None


def _edit(ed: Sheets, update: BookUpdate, milestones: RawTable | None) -> None:
    """Each editor in turn, then what their edits leave to do."""
    if update.results:
        write_results(ed, update, milestones)
    for tw in update.tables:
        write_table(ed, tw)
    if update.blocks or update.dashboard_header:
        write_dashboard(ed, update)
    ed.close()


def refuse_what_excel_forbids(ed: Sheets, update: BookUpdate, in_place: bool = False) -> None:
    """Refuse, before anything is written, a refresh Excel would not let the user make: a
    shared workbook's changes must go through its revision log, a workbook whose structure
    is protected may gain no sheet, and one with a password to modify is not changed in place
    (Excel opens it read-only without the password; a refreshed copy is a new file)."""
    if in_place and ed.pkg.workbook.modify_password:
        raise WorkbookError(
            "the workbook has a password to modify (Excel opens it read-only without it), so "
            "it is not refreshed in place: give --output for a refreshed copy, or remove the "
            "password (File > Save As > Tools > General Options) and refresh again"
        )
    if any(r.type == REVISIONS_TYPE for r in ed.pkg.workbook_rels):
        raise WorkbookError(
            "the workbook is shared (Review > Share Workbook (Legacy)), so Excel keeps each "
            "change in its change history, which a refresh cannot: stop sharing it (clear "
            "'Allow changes by more than one user'), save it, refresh, and share it again"
        )
    if not ed.pkg.workbook.lock_structure:
        return
    wanted = [tw.sheet for tw in update.tables]
    if update.blocks or update.dashboard_header:
        wanted.append(DASHBOARD)
    missing = [sheet.name for sheet in wanted if ed.find(sheet) is None]
    if missing:
        raise WorkbookError(
            "the workbook's structure is protected (Review > Protect Workbook), so no sheet "
            f"may be added, and the refresh writes sheets it lacks ({', '.join(missing)}): "
            "unprotect the workbook, refresh, and protect it again, or add those sheets"
        )


def owned_parts(src: Path) -> Mapping[str, str]:
    """For documentation and tests: the parts of ``src`` a refresh may change, with why."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(src) as zin:
        pkg = Package(zin)
        out[pkg.workbook_part] = "fullCalcOnLoad flag; <sheet> entries for added output sheets"
        out[pkg.workbook_rels_part] = "relationships of added sheets; calcChain removed"
        out["[Content_Types].xml"] = "content types of added sheets; calcChain removed"
        if pkg.styles_part:
            out[pkg.styles_part] = "appended cell formats (existing ones never change)"
        for rel in pkg.workbook_rels:
            if rel.type == CALC_CHAIN_TYPE:
                out[pkg.real(rel.target)] = "removed when a formula cell is overwritten"
        for entry in pkg.workbook.sheets:
            sheet = sheet_by_name(entry.name)
            if sheet is None or entry.part is None:
                continue
            if not (sheet is MILESTONES or sheet.output):
                part = pkg.real(entry.part)
                for rel in read_rels(pkg.read(rels_path(part)), part):
                    if rel.type == TABLE_TYPE:
                        out[pkg.real(rel.target)] = (
                            f"Excel table on {entry.name}: extended over rows right below it"
                        )
                continue
            if sheet is MILESTONES or sheet.output:
                part = pkg.real(entry.part)
                out[part] = f"{entry.name}: " + (
                    "result columns" if sheet is MILESTONES else "the whole sheet's table"
                )
                for rel in read_rels(pkg.read(rels_path(part)), part):
                    if rel.type == TABLE_TYPE:
                        out[pkg.real(rel.target)] = f"Excel table on {entry.name}"
                    elif rel.type == DRAWING_TYPE and sheet is DASHBOARD:
                        out[pkg.real(rel.target)] = (
                            "anchors moved when a block of an earlier layout grows"
                        )
        for name, ctype in pkg.content_types.items():
            if ctype == CHART_CT:
                out[pkg.real(name)] = "chart: series reading a Dashboard block"
    return out
