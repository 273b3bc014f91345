"""Test helper for the fuzz tests: valid workbooks to start from, and the mutations hypothesis
draws to break them (bytes flipped or dropped in sheet XML, parts deleted or swapped, cell types
changed, shared strings and styles corrupted, the zip itself cut or damaged)."""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import strategies as st
from tests.factory import valid_sheets, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "workbook" / "sample_contract_milestones.xlsm"


@cache
def bases() -> tuple[tuple[str, bytes], ...]:
    """The valid workbooks mutations start from: a small one with Excel tables, the same as plain
    ranges, and the sample workbook (VBA, charts, output sheets)."""
    folder = Path(tempfile.mkdtemp(prefix="xl-fuzz-"))
    tables = write_workbook(folder / "tables.xlsx", valid_sheets())
    plain = write_workbook(folder / "plain.xlsx", valid_sheets(), tables=False)
    out = [("tables.xlsx", tables.read_bytes()), ("plain.xlsx", plain.read_bytes())]
    if SAMPLE.exists():
        out.append(("sample.xlsm", SAMPLE.read_bytes()))
    return tuple(out)


def read_parts(data: bytes) -> list[tuple[str, bytes]]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def write_parts(parts: list[tuple[str, bytes]]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        seen: set[str] = set()
        for name, data in parts:
            if name in seen:
                continue
            seen.add(name)
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass(frozen=True)
class Mutation:
    """One change: ``kind`` names it; ``pick`` chooses the part; ``args`` say where and how."""

    kind: str
    pick: int
    args: tuple[int, ...]

    def __repr__(self) -> str:
        return f"{self.kind}(pick={self.pick}, args={self.args})"


# Part families a mutation aims at; a pick beyond the family wraps around.
_FAMILIES = {
    "sheet": re.compile(r"^xl/worksheets/[^/]+\.xml$"),
    "sst": re.compile(r"^xl/sharedStrings\.xml$"),
    "styles": re.compile(r"^xl/styles\.xml$"),
    "workbook": re.compile(r"^xl/workbook\.xml$|^xl/_rels/workbook\.xml\.rels$|^_rels/\.rels$"),
    "table": re.compile(r"^xl/tables/[^/]+\.xml$"),
    "ct": re.compile(r"^\[Content_Types\]\.xml$"),
    "any": re.compile(r"."),
}
_TYPES = (b"s", b"n", b"b", b"e", b"str", b"inlineStr", b"d", b"x")
_JUNK = (
    b"<",
    b"&",
    b"&bogus;",
    b"\xff\xfe",
    b"\x00",
    b"]]>",
    b"</row>",
    b'<c r="A1">',
    b'<c r="XFD1048577" t="s"><v>999999</v></c>',
    b'<row r="0">',
    b'<row r="99999999999">',
    b'<c r="A2" s="999999"><v>1</v></c>',
    b'<c r="ZZZZ2"><v>1</v></c>',
    b"<v>1e999</v>",
    b"<v>-1</v>",
    b'<c r="B2" t="d"><v>not a date</v></c>',
    b"\xc3\x28",
    b"&#0;",
    b"&#x110000;",
)


def _pick(parts: list[tuple[str, bytes]], family: str, pick: int) -> int | None:
    rx = _FAMILIES[family]
    hits = [i for i, (name, _d) in enumerate(parts) if rx.search(name)]
    return hits[pick % len(hits)] if hits else None


def _at(data: bytes, where: int) -> int:
    return where % (len(data) + 1)


def apply(data: bytes, mutations: list[Mutation]) -> bytes:
    """``data`` (a workbook file) with every mutation applied in turn."""
    for m in mutations:
        data = _apply_one(data, m)
    return data


def _apply_one(data: bytes, m: Mutation) -> bytes:
    if m.kind == "truncate":
        return data[: _at(data, m.args[0])]
    if m.kind == "raw-flip":
        buf = bytearray(data)
        for where, xor in zip(m.args[::2], m.args[1::2], strict=False):
            if buf:
                buf[where % len(buf)] ^= xor or 1
        return bytes(buf)
    try:
        parts = read_parts(data)
    except Exception:  # already broken as a zip: later part mutations have nothing to act on
        return data
    family, _, op = m.kind.partition(":")
    if family == "parts":
        return write_parts(_parts_op(parts, op, m))
    i = _pick(parts, family, m.pick)
    if i is None:
        return data
    name, body = parts[i]
    parts[i] = (name, _edit(body, op, m.args))
    return write_parts(parts)


def _parts_op(parts: list[tuple[str, bytes]], op: str, m: Mutation) -> list[tuple[str, bytes]]:
    i = m.pick % len(parts)
    if op == "delete":
        return parts[:i] + parts[i + 1 :]
    if op == "swap":
        j = m.args[0] % len(parts)
        (ni, di), (nj, dj) = parts[i], parts[j]
        parts[i], parts[j] = (ni, dj), (nj, di)
        return parts
    if op == "empty":
        parts[i] = (parts[i][0], b"")
        return parts
    raise AssertionError(op)


def _edit(body: bytes, op: str, args: tuple[int, ...]) -> bytes:
    if op == "flip":
        buf = bytearray(body)
        for where, xor in zip(args[::2], args[1::2], strict=False):
            if buf:
                buf[where % len(buf)] ^= xor or 1
        return bytes(buf)
    if op == "drop":
        start = _at(body, args[0])
        return body[:start] + body[start + args[1] :]
    if op == "insert":
        at = _at(body, args[0])
        return body[:at] + _JUNK[args[1] % len(_JUNK)] + body[at:]
    if op == "truncate":
        return body[: _at(body, args[0])]
    if op == "retype":
        # Change the type of the n-th typed or untyped cell.
        cells = list(re.finditer(rb"<c\b[^>]*?>", body))
        if not cells:
            return body
        cell = cells[args[0] % len(cells)]
        tag = re.sub(rb'\st="[^"]*"', b"", cell.group(0))
        tag = tag[:2] + b' t="' + _TYPES[args[1] % len(_TYPES)] + b'"' + tag[2:]
        return body[: cell.start()] + tag + body[cell.end() :]
    if op == "renumber":
        # An attribute that indexes something (style, shared string, row, count) set wild.
        hits = list(re.finditer(rb'\b(s|r|count|uniqueCount|xfId|numFmtId|fontId)="[^"]*"', body))
        if not hits:
            return body
        h = hits[args[0] % len(hits)]
        wild = (b"-1", b"0", b"4294967296", b"99999999", b"A0", b"", b"1.5", b"XFD1048577")
        new = h.group(1) + b'="' + wild[args[1] % len(wild)] + b'"'
        return body[: h.start()] + new + body[h.end() :]
    if op == "value":
        # Replace the content of the n-th <v> with junk.
        hits = list(re.finditer(rb"<v>[^<]*</v>", body))
        if not hits:
            return body
        h = hits[args[0] % len(hits)]
        junk = (b"", b"nan", b"inf", b"-0", b"1e308", b"99999999999999999999", b"#REF!", b"x")
        return body[: h.start()] + b"<v>" + junk[args[1] % len(junk)] + b"</v>" + body[h.end() :]
    raise AssertionError(op)


_EDITS = ("flip", "drop", "insert", "truncate", "retype", "renumber", "value")
_KINDS = [
    f"{fam}:{op}" for fam in ("sheet", "sst", "styles", "workbook", "table", "ct") for op in _EDITS
] + ["parts:delete", "parts:swap", "parts:empty", "truncate", "raw-flip"]
_WEIGHTED = (
    ["sheet:" + op for op in _EDITS] * 3  # sheet XML is where most of the data lives
    + ["sst:" + op for op in _EDITS] * 2
    + ["styles:" + op for op in _EDITS]
    + _KINDS
)

_ints = st.integers(min_value=0, max_value=1 << 20)
mutations = st.builds(
    Mutation,
    kind=st.sampled_from(_WEIGHTED),
    pick=st.integers(min_value=0, max_value=64),
    args=st.tuples(_ints, st.integers(0, 255), _ints, st.integers(0, 255)),
)
# Which base workbook (by index, wrapping) and one to three mutations of it.
plans = st.tuples(st.integers(0, 2), st.lists(mutations, min_size=1, max_size=3))
