"""The Dashboard editor's chart and drawing edits, on chart and drawing XML as Excel writes it:
series re-pointed at the rows a block now has with their caches, anchors moved clear of a block
that grew. Worked by hand: the status block sits in D4:E4 (header) with data from row 5."""

from __future__ import annotations

import re

from xl_milestones.core.schema import DASHBOARD_STATUS
from xl_milestones.io.charts import repoint_chart, shift_anchors

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def _chart(cat: str, val: str, points: int) -> bytes:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{i}</c:v></c:pt>' for i in range(points))
    return (
        f'<c:chartSpace xmlns:c="{C}"><c:chart><c:plotArea><c:barChart><c:ser>'
        f'<c:cat><c:strRef><c:f>{cat}</c:f><c:strCache><c:ptCount val="{points}"/>{pts}'
        "</c:strCache></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>{val}</c:f><c:numCache><c:formatCode>General</c:formatCode>"
        f'<c:ptCount val="{points}"/>{pts}</c:numCache></c:numRef></c:val>'
        "</c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
    ).encode()


def test_series_of_a_block_get_its_new_rows_and_values() -> None:
    old = _chart("Dashboard!$D$5:$D$6", "Dashboard!$E$5:$E$6", 2)
    rows = [("Complete", 7), ("Overdue", 2), ("Planned", 11)]
    new = repoint_chart(old, "Dashboard", [(DASHBOARD_STATUS, rows)], False)
    assert new is not None
    # Three rows from row 5: rows 5 to 7.
    assert re.findall(rb"<c:f>(.*?)</c:f>", new) == [
        b"'Dashboard'!$D$5:$D$7",  # the sheet name quoted, as sheet_reference writes it
        b"'Dashboard'!$E$5:$E$7",
    ]
    assert b'<c:strCache><c:ptCount val="3"/><c:pt idx="0"><c:v>Complete</c:v></c:pt>' in new
    assert b'<c:pt idx="2"><c:v>11</c:v></c:pt></c:numCache>' in new


def test_a_chart_reading_elsewhere_is_left_alone() -> None:
    other = _chart("Data!$D$5:$D$6", "Dashboard!$K$5:$K$6", 2)
    assert repoint_chart(other, "Dashboard", [(DASHBOARD_STATUS, [("Complete", 1)])], False) is None


def _anchor(col: int) -> str:
    return (
        f"<xdr:twoCellAnchor><xdr:from><xdr:col>{col}</xdr:col><xdr:row>3</xdr:row></xdr:from>"
        f"<xdr:to><xdr:col>{col + 5}</xdr:col><xdr:row>20</xdr:row></xdr:to></xdr:twoCellAnchor>"
    )


def test_anchors_right_of_a_grown_block_move_by_its_growth() -> None:
    drawing = f'<xdr:wsDr xmlns:xdr="x">{_anchor(3)}{_anchor(9)}</xdr:wsDr>'.encode()
    # A block that ended in column 3 (C, 1-based) now ends in column 5 (E): an anchor starting
    # at 0-based column 3 (D, its old first free column) moves to 0-based 6 (G: E plus a gap).
    moved = shift_anchors(drawing, [(3, 5)])
    assert moved is not None
    assert re.findall(rb"<xdr:col>(\d+)</xdr:col>", moved) == [b"6", b"11", b"9", b"14"]
    assert shift_anchors(drawing, [(20, 22)]) is None
