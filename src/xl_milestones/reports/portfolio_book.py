"""The portfolio workbook (XlsxWriter, the template's look): one Excel table per sheet (All
Milestones, Sources).

It is a new file, built beside the target and moved into place only when complete.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_milestones.app.portfolio import ALL_MILESTONES, SOURCES, Portfolio
from xl_milestones.core.schema import Sheet
from xl_milestones.errors import OutputError
from xl_milestones.io.atomic import replace_file
from xl_milestones.template import styles
from xl_milestones.template.builder import _Formats, _write_value

# Excel keeps at most this many hyperlinks on one worksheet; rows past it show the path only.
MAX_LINKS = 65_530
# Characters of column width per landscape A4 page at the default font, as the template uses.
_PAGE_WIDTH = 130.0


def write_portfolio(portfolio: Portfolio, target: Path) -> None:
    """Write the portfolio workbook to ``target`` (.xlsx); OutputError when it cannot be."""
    replace_file(target, lambda tmp: _build(portfolio, tmp, target), in_place=False, verify=_opens)


def _opens(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise OutputError(
            f"{path}: the portfolio workbook did not come out whole ({exc})"
        ) from None
    if bad is not None:
        raise OutputError(f"{path}: the portfolio workbook did not come out whole ({bad})")


class _Writer:
    def __init__(self, portfolio: Portfolio, path: Path, target: Path) -> None:
        self.p = portfolio
        self.wb = Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        self.wb.set_properties(
            {"title": "Contract milestones: portfolio", "comments": "made by xl-milestones"}
        )
        self.fmt = _Formats(self.wb)
        self.folder = target.parent

    def build(self) -> None:
        p = self.p
        sheets = (
            (ALL_MILESTONES, p.milestones),
            (SOURCES, p.sources),
        )
        for sheet, rows in sheets:
            ws = self.wb.add_worksheet(sheet.name)
            width = self.table(ws, 0, sheet, rows, p.links.get(sheet.key, {}))
            ws.freeze_panes(1, 2 if sheet is ALL_MILESTONES else 1)
            self.print_setup(ws, width)
            if sheet is ALL_MILESTONES:
                self.tints(ws, sheet, len(rows))
        self.wb.close()

    # ------------------------------------------------------------------------- tables

    def table(
        self,
        ws: Worksheet,
        first_row: int,
        sheet: Sheet,
        rows: Sequence[tuple[object, ...]],
        links: Mapping[int, str],
        *,
        set_widths: bool = True,
    ) -> float:
        """An Excel table named ``tbl`` + the sheet name, its rows typed cell by cell; the
        Workbook column links to each file. Returns the columns' total width."""
        fields = sheet.fields
        ws.add_table(
            first_row,
            0,
            first_row + max(len(rows), 1),
            len(fields) - 1,
            {
                "name": sheet.table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": f.header, "header_format": self.fmt.header(f.result)} for f in fields
                ],
            },
        )
        formats = [self.fmt.cell(f) for f in fields]
        link_format = self.fmt.get(font_color="#0563C1", underline=1)
        width = 0.0
        for c, f in enumerate(fields):
            sample = [row[c] for row in rows[:200]]
            if f.name == "source":
                sample = [self.shown(str(v)) for v in sample]
            w = styles.column_width(f, sample)
            width += w
            if set_widths:
                ws.set_column(c, c, w, formats[c])
        links_left = MAX_LINKS
        for r, row in enumerate(rows, start=first_row + 1):
            for c, value in enumerate(row):
                if c == 0 and fields[0].name == "source" and value is not None:
                    link = links.get(r - first_row - 1)
                    if link is not None and links_left > 0:
                        links_left -= 1
                        ws.write_url(r, 0, self.url(link), link_format, self.shown(str(value)))
                        continue
                    value = self.shown(str(value))
                _write_value(ws, r, c, value, formats[c])
        return width

    def shown(self, path: str) -> str:
        """A file as the sheets show it: relative to the portfolio workbook's folder."""
        try:
            return os.path.relpath(path, self.folder)
        except ValueError:  # another drive on Windows
            return path

    def url(self, link: str) -> str:
        """``external:`` link to the file (relative, so the folder can move), with the row of
        its Milestones sheet when the link names one."""
        path, _sep, row = link.partition("#")
        anchor = f"#'Milestones'!A{row}" if row else ""
        return f"external:{self.shown(path)}{anchor}"

    def tints(self, ws: Worksheet, sheet: Sheet, n_rows: int) -> None:
        col = {f.name: i for i, f in enumerate(sheet.fields)}
        for name, tints in (
            ("status", styles.STATUS_TINTS),
            ("rag", styles.RAG_TINTS),
            ("payment_status", styles.PAYMENT_TINTS),
        ):
            for value, tint in tints.items():
                ws.conditional_format(
                    1,
                    col[name],
                    max(n_rows, 1),
                    col[name],
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{value}"',
                        "format": self.fmt.tint(tint),
                    },
                )

    def print_setup(self, ws: Worksheet, width: float, *, repeat_header: bool = True) -> None:
        pages = max(1, math.ceil(width / _PAGE_WIDTH))
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(pages, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        if repeat_header:
            ws.repeat_rows(0)
        if pages > 1:
            ws.repeat_columns(0)


def _build(portfolio: Portfolio, path: Path, target: Path) -> None:
    _Writer(portfolio, path, target).build()
