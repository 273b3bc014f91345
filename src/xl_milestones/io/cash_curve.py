"""The cash curve added to a Dashboard of an earlier layout.

An earlier layout drew one S-curve (planned, forecast, paid); a refresh re-points that chart at
the value curve (``charts.repoint_chart``) and adds the cash curve (due, invoiced, paid) below
it, made as the template makes it: the chart part comes from the template's own chart builder,
its anchor takes the size and columns of the lowest chart right of the blocks. Only a refresh
that brings a Dashboard to the new layout adds it, so a chart a user deletes later stays
deleted.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from xl_milestones.a1 import column_number
from xl_milestones.core.schema import DASHBOARD, DASHBOARD_SCURVE, DASHBOARD_SCURVE_CHARTS, Block
from xl_milestones.io.charts import repoint_chart
from xl_milestones.io.package import (
    CHART_CT,
    CHART_TYPE,
    DRAWING_TYPE,
    Package,
    add_override,
    add_rel,
    free_rid,
    read_rels,
    rels_path,
)
from xl_milestones.io.xmlbytes import as_utf8, ns_prefix, xml_text

_XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_ANCHOR = re.compile(rb"<xdr:twoCellAnchor\b[^>]*>.*?</xdr:twoCellAnchor>", re.S)
_POINT = re.compile(
    rb"<xdr:(from|to)>\s*<xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:\1>", re.S
)
_ROW = re.compile(rb"(<xdr:row>)(\d+)(</xdr:row>)")
_SHAPE_ID = re.compile(rb'<xdr:cNvPr\s+id="(\d+)"')
_FRAME = re.compile(rb"<xdr:graphicFrame\b.*?</xdr:graphicFrame>", re.S)
# The S-curve block's last column, 0-based: a chart right of it starts there or further right.
_BLOCK_END = column_number(DASHBOARD_SCURVE.first_column) - 1 + len(DASHBOARD_SCURVE.fields)


def add_cash_curve(
    pkg: Package,
    sheet_part: str,
    sheet_name: str,
    blocks: list[tuple[Block, list[tuple[object, ...]]]],
    date1904: bool,
) -> bool:
    """Add the cash curve to the Dashboard at ``sheet_part``, below the lowest chart right of
    its blocks, reading the S-curve block as written (``blocks``). False, and nothing
    changed, when the sheet has no drawing of the usual form or no chart right of the
    blocks to line it up with."""
    rows = next((r for b, r in blocks if b is DASHBOARD_SCURVE), None)
    rel = next(
        (
            r
            for r in read_rels(pkg.read(rels_path(sheet_part)), sheet_part)
            if r.type == DRAWING_TYPE and not r.external
        ),
        None,
    )
    if rows is None or rel is None:
        return False
    drawing_part = pkg.real(rel.target)
    data = pkg.read(drawing_part)
    if data is None:
        return False
    drawing = as_utf8(data, drawing_part)
    if ns_prefix(drawing, _XDR_NS) != b"xdr:" or ns_prefix(drawing, _A_NS) != b"a:":
        return False
    below = _lowest_anchor_right_of(drawing, _BLOCK_END)
    if below is None:
        return False
    chart, frame = _template_cash_curve()
    chart = repoint_chart(chart, sheet_name, blocks, date1904) or chart
    chart_part = pkg.free_name("charts", "chart")
    rels_part = rels_path(drawing_part)
    rels = pkg.read(rels_part)
    if rels is None:
        return False
    rid = free_rid(read_rels(rels, drawing_part))
    target = posixpath.relpath(chart_part, posixpath.dirname(drawing_part))
    shape = max((int(i) for i in _SHAPE_ID.findall(drawing)), default=1) + 1
    frame = re.sub(rb'r:id="[^"]*"', b'r:id="' + rid.encode() + b'"', frame)
    frame = re.sub(
        rb'<xdr:cNvPr\s+id="\d+" name="[^"]*"',
        b'<xdr:cNvPr id="%d" name="Chart %d"' % (shape, shape - 1),
        frame,
    )
    end, anchor = below
    pkg.set(drawing_part, drawing[:end] + _anchor_below(anchor, frame) + drawing[end:])
    pkg.set(rels_part, add_rel(rels, rid, CHART_TYPE, target))
    pkg.set(chart_part, chart)
    types = pkg.read("[Content_Types].xml")
    assert types is not None  # the package model refuses a workbook without it
    pkg.set("[Content_Types].xml", add_override(types, chart_part, CHART_CT))
    pkg.content_types[chart_part.lower()] = CHART_CT
    return True


def _lowest_anchor_right_of(drawing: bytes, first_col: int) -> tuple[int, bytes] | None:
    """(end, text) of the two-cell anchor starting at column ``first_col`` (0-based)
    or further right whose bottom row is lowest; None when there is none."""
    best: tuple[int, int, bytes] | None = None
    for m in _ANCHOR.finditer(drawing):
        points = {kind: (int(col), int(row)) for kind, col, row in _POINT.findall(m.group(0))}
        if b"from" not in points or b"to" not in points or points[b"from"][0] < first_col:
            continue
        bottom = points[b"to"][1]
        if best is None or bottom > best[0]:
            best = (bottom, m.end(), m.group(0))
    return None if best is None else best[1:]


def _anchor_below(anchor: bytes, frame: bytes) -> bytes:
    """An anchor of the same columns and height as ``anchor``, starting on the row below it,
    holding ``frame``."""
    rows = [int(r) for _a, r, _b in _ROW.findall(anchor)]
    shift = (max(rows) - min(rows) + 1) if len(rows) == 2 else 1
    moved = _ROW.sub(
        lambda m: m.group(1) + str(int(m.group(2)) + shift).encode() + m.group(3), anchor
    )
    head = moved[: moved.index(b"</xdr:to>") + len(b"</xdr:to>")]
    return head + frame + b"<xdr:clientData/></xdr:twoCellAnchor>"


def _template_cash_curve() -> tuple[bytes, bytes]:
    """The cash curve's chart part and graphic frame, as the template's builder makes them
    (XlsxWriter, in memory): the chart reads the S-curve block where the template has it."""
    import xlsxwriter

    from xl_milestones.template.builder import insert_scurve_charts

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(DASHBOARD.name)
    insert_scurve_charts(wb, ws, _BLOCK_END + 1, DASHBOARD_SCURVE.header_row + 1)
    wb.close()
    title = xml_text(DASHBOARD_SCURVE_CHARTS[1][0]).encode()  # the cash curve's
    with zipfile.ZipFile(buf) as z:
        drawing = z.read("xl/drawings/drawing1.xml")
        rels = z.read("xl/drawings/_rels/drawing1.xml.rels").decode()
        for rid, target in re.findall(r'Id="([^"]+)"[^>]*Target="../charts/([^"]+)"', rels):
            chart = z.read("xl/charts/" + target)
            if title in chart:
                mark = b'r:id="' + rid.encode() + b'"'
                return chart, next(f for f in _FRAME.findall(drawing) if mark in f)
    raise AssertionError("the template's builder made no cash curve")  # pragma: no cover
