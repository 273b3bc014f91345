"""Dashboard charts and drawings: series re-pointed at the rows a Dashboard block now has, with
their cached values; anchors moved right of a block that grew."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from xl_milestones.a1 import column_number, format_range, parse_range
from xl_milestones.core.issues import sheet_reference
from xl_milestones.core.schema import (
    DASHBOARD_SCURVE_CHARTS,
    RETIRED_HEADERS,
    Block,
    normalize_header,
)
from xl_milestones.io.cell_builder import date_serial
from xl_milestones.io.xmlbytes import find_element, parse, root_prefix, xml_text, xml_unescape

_RETIRED_KEYS = frozenset(normalize_header(h) for h in RETIRED_HEADERS)

_CHART_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]+\$?\d+(?::\$?[A-Za-z]+\$?\d+)?)$"
)


def repoint_chart(
    data: bytes,
    sheet_name: str,
    blocks: list[tuple[Block, list[tuple[object, ...]]]],
    date1904: bool,
    renamed: Mapping[tuple[int, int], str] | None = None,
) -> bytes | None:
    """A chart part whose series read a Dashboard block, re-pointed at the rows written.

    Each ``<c:f>`` reference into a block's data rows gets the block's new last row, and its
    cached values are replaced by the values written, so that a viewer that draws from the cache
    shows the same as Excel. A series name read from a header cell the refresh rewrote
    (``renamed``, an earlier layout) gets the new header as its cached name, and a chart titled
    with a retired title gets the title of the S-curve its series now draw. None when the chart
    reads no block.
    """
    renamed = renamed or {}
    p = root_prefix(data)
    parse(data, "chart")
    ep = re.escape(p)
    f_re = re.compile(b"<" + ep + b"f>(.*?)</" + ep + b"f>", re.S)
    cache_re = re.compile(rb"\s*<" + ep + rb"(numCache|strCache)\b.*?</" + ep + rb"\1>", re.S)
    out: list[bytes] = []
    pos = 0
    changed = False
    drawn: set[str] = set()
    for m in f_re.finditer(data):
        where = _reference_into(m.group(1), sheet_name)
        if where is None:
            continue
        c1, r1, c2, r2 = where
        header = renamed.get((c1, r1)) if (c1, r1) == (c2, r2) else None
        if header is not None:
            cache = cache_re.match(data, m.end())
            if cache is not None:
                out.append(data[pos : cache.start()])
                out.append(_cache(p, cache.group(1), cache.group(0), [header], date1904))
                pos = cache.end()
                changed = True
            continue
        hit = _block_read(blocks, where)
        if hit is None:
            continue
        block, rows = hit
        b1, hr = column_number(block.first_column), block.header_row
        if c1 == c2 and c1 > b1:
            drawn.add(block.fields[c1 - b1].name)
        new_r2 = hr + max(len(rows), 1)
        new_formula = sheet_reference(sheet_name, format_range(c1, r1, c2, new_r2, absolute=True))
        out.append(data[pos : m.start(1)])
        out.append(xml_text(new_formula).encode())
        pos = m.end(1)
        cache = cache_re.match(data, m.end())
        if cache is not None:
            out.append(data[pos : cache.start()])
            pos = cache.end()
            if c1 == c2:
                values = _column_as_written(block, rows, c1 - b1, r1, new_r2)
                out.append(_cache(p, cache.group(1), cache.group(0), values, date1904))
        changed = True
    if not changed:
        return None
    out.append(data[pos:])
    return _retitle(b"".join(out), p, drawn)


def _reference_into(formula_xml: bytes, sheet_name: str) -> tuple[int, int, int, int] | None:
    """The range (first column, first row, last column, last row) a series formula reads on
    ``sheet_name``; None for a formula reading another sheet or not a plain reference."""
    formula = xml_unescape(formula_xml.decode("utf-8")).strip().lstrip("=")
    ref = _CHART_REF.match(formula)
    if not ref:
        return None
    name = (ref.group(1) or "").replace("''", "'") or (ref.group(2) or "")
    if name.lower() != sheet_name.lower():
        return None
    return parse_range(ref.group(3))


def _block_read(
    blocks: list[tuple[Block, list[tuple[object, ...]]]], where: tuple[int, int, int, int]
) -> tuple[Block, list[tuple[object, ...]]] | None:
    """The block (with its rows written) whose header or data a range reads: inside its
    columns, starting on its header or first data row, and reaching a data row."""
    c1, r1, c2, r2 = where
    for block, rows in blocks:
        b1 = column_number(block.first_column)
        b2 = b1 + len(block.fields) - 1
        hr = block.header_row
        if b1 <= c1 and c2 <= b2 and r1 in (hr, hr + 1) and (r2 > r1 or r1 == hr + 1):
            return block, rows
    return None


def _column_as_written(
    block: Block, rows: list[tuple[object, ...]], column: int, r1: int, r2: int
) -> list[object]:
    """The cells of a block's ``column`` (0-based) from row ``r1`` to ``r2`` as the refresh
    leaves them: the header on the header row, the rows written below it, then blanks."""
    hr = block.header_row
    values: list[object] = []
    for row in range(r1, r2 + 1):
        if row == hr:
            values.append(block.fields[column].header)
        else:
            i = row - hr - 1
            values.append(rows[i][column] if i < len(rows) else None)
    return values


def _retitle(data: bytes, p: bytes, drawn: set[str]) -> bytes:
    """A chart whose title is a retired one (an earlier layout's S-curve) takes the title of
    the Dashboard S-curve whose fields its series draw; any other title is the user's."""
    title = next((t for t, names in DASHBOARD_SCURVE_CHARTS if set(names) == drawn), None)
    if title is None:
        return data
    start, end = find_element(data, p, b"title")
    if start < 0:
        return data
    runs = list(re.finditer(rb"<a:t>([^<]*)</a:t>", data[start:end]))
    text = "".join(xml_unescape(r.group(1).decode("utf-8")) for r in runs)
    if len(runs) != 1 or normalize_header(text) not in _RETIRED_KEYS:
        return data
    run = runs[0]
    new = b"<a:t>" + xml_text(title).encode() + b"</a:t>"
    return data[: start + run.start()] + new + data[start + run.end() :]


_ANCHOR_COL = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(from|to)>\s*<(?:[A-Za-z_][\w.-]*:)?col>)(\d+)(</)"
)


def shift_anchors(data: bytes, widened: list[tuple[int, int]]) -> bytes | None:
    """A drawing part with every anchor that starts right of a block's old last column but not
    right of its new one plus a gap column moved right by as many columns as the block grew
    (columns 1-based in ``widened``, 0-based in the drawing). None when nothing moves."""
    out: list[bytes] = []
    pos = 0
    moved = False
    anchor_re = re.compile(
        rb"<(?:[A-Za-z_][\w.-]*:)?(?:twoCellAnchor|oneCellAnchor)\b.*?</(?:[A-Za-z_][\w.-]*:)?(?:twoCellAnchor|oneCellAnchor)>",
        re.S,
    )
    for anchor in anchor_re.finditer(data):
        cols = _ANCHOR_COL.findall(anchor.group(0))
        start = next((int(c) for _o, kind, c, _c in cols if kind == b"from"), None)
        if start is None:
            continue
        shift = 0
        for old_last, new_last in widened:
            # 0-based: the old layout's first free column is old_last; anything from there up
            # to the new last column and its gap column would overlap the grown block.
            if old_last <= start <= new_last:
                shift = max(shift, new_last + 1 - start)
        if not shift:
            continue

        def shifted(m: re.Match[bytes], n: int = shift) -> bytes:
            return m.group(1) + str(int(m.group(3)) + n).encode() + m.group(4)

        body = _ANCHOR_COL.sub(shifted, anchor.group(0))
        out.append(data[pos : anchor.start()])
        out.append(body)
        pos = anchor.end()
        moved = True
    if not moved:
        return None
    out.append(data[pos:])
    return b"".join(out)


def _cache(p: bytes, kind: bytes, old: bytes, values: list[object], date1904: bool) -> bytes:
    lead = old[: len(old) - len(old.lstrip())]
    fmt = b""
    if kind == b"numCache":
        m = re.search(
            b"<" + re.escape(p) + rb"formatCode>.*?</" + re.escape(p) + rb"formatCode>", old, re.S
        )
        fmt = m.group(0) if m else b"<" + p + b"formatCode>General</" + p + b"formatCode>"
    pts = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if kind == b"numCache":
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, dt.date):
                serial = date_serial(value, date1904)
                if serial is None:
                    continue
                text = str(serial)
            elif isinstance(value, (int, float)):
                text = repr(value) if isinstance(value, float) else str(value)
            elif isinstance(value, Decimal):
                text = format(value, "f")
            else:
                continue
        else:
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
        pts.append(
            b"<"
            + p
            + b'pt idx="%d"><' % i
            + p
            + b"v>"
            + xml_text(text).encode()
            + b"</"
            + p
            + b"v></"
            + p
            + b"pt>"
        )
    count = b"<" + p + b'ptCount val="%d"/>' % len(values)
    return lead + b"<" + p + kind + b">" + fmt + count + b"".join(pts) + b"</" + p + kind + b">"
