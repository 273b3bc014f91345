"""Cell number formats for written values: keep a cell's style when it suits the value, else
append a copy of it with a suitable number format to ``styles.xml`` (existing entries never
change, so every other cell of the workbook looks exactly as before).
"""

from __future__ import annotations

import re

from xl_milestones.errors import WorkbookError
from xl_milestones.io.xmlbytes import (
    empty_element,
    find_element,
    get_attr,
    root_prefix,
    set_attr,
)
from xl_milestones.numformats import (
    BOOL_FORMAT,
    DATE_FORMAT,
    MONEY_FORMAT,
    MinorUnitAmount,
    money_format,
)

MONEY_FORMAT_ID = 4  # built in: #,##0.00
# The built-in formats whose codes money formats use: Excel saves a custom #,##0 as 3.
_BUILTIN_MONEY_CODES = {3: money_format(0), MONEY_FORMAT_ID: MONEY_FORMAT}
PERCENT_FORMAT_ID = 10  # built in: 0.00%
GENERAL_FORMAT_ID = 0
_FIRST_CUSTOM_ID = 164

# Built-in formats that show a date (ECMA-376 18.8.30, plus the East Asian date ids).
_BUILTIN_DATE_IDS = frozenset({14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)})
_BUILTIN_TIME_IDS = frozenset({18, 19, 20, 21, 45, 46, 47})
_BUILTIN_PERCENT_IDS = frozenset({9, 10})
_BUILTIN_TEXT_IDS = frozenset({49})
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_XF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?xf\b[^>]*?(?:/>|>.*?</(?:[A-Za-z_][\w.-]*:)?xf>)", re.S)
_WRAP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?alignment\b[^>]*\bwrapText=\"(?:1|true)\"")
_NUMFMT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?numFmt\b[^>]*?/?>", re.S)
_START_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^>]*?)?/?>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DEFAULT_FALSE = frozenset({b"pivotButton", b"quotePrefix"})


def _xf_key(xf: bytes) -> tuple[tuple[bytes, tuple[tuple[bytes, bytes], ...]], ...]:
    """What a ``cellXfs`` entry shows, for finding an identical one: its elements with their
    attributes in any order, without the ``apply*`` flags that are on and the defaults (Excel
    and openpyxl write or drop these on save, where the entry still looks the same)."""
    key = []
    for m in _START_TAG.finditer(xf):
        attrs = []
        for name, dq, sq in _ATTR.findall(m.group(2) or b""):
            value = {b"true": b"1", b"false": b"0"}.get(dq or sq, dq or sq)
            if (name.startswith(b"apply") and value == b"1") or (
                name in _DEFAULT_FALSE and value == b"0"
            ):
                continue
            attrs.append((name, value))
        key.append((m.group(1), tuple(sorted(attrs))))
    return tuple(key)


class Kind:
    """What a written value needs from its cell's number format.

    Plain strings rather than an Enum: they key a cache consulted for every written cell, and
    an Enum member hashes in Python code.
    """

    TEXT = "text"
    BOOL = "bool"
    NUMBER = "number"
    MONEY = "money"  # two decimal places: any number format of the cell is kept
    PERCENT = "percent"
    DATE = "date"


_MONEY_KINDS = {2: Kind.MONEY, **{p: f"money{p}" for p in (0, 1, 3, 4)}}
# The formats of money with other minor units than 2: a cell that has one gets #,##0.00 back
# when it holds an amount in two decimals again (its contract changed currency).
_OTHER_MONEY_FORMATS = frozenset(money_format(p) for p in _MONEY_KINDS if p != 2)


def money_kind(places: int) -> str:
    """The Kind of an amount shown with ``places`` decimals (a currency's minor units)."""
    return _MONEY_KINDS.get(places) or f"money{places}"


def kind_of_amount(value: object) -> str | None:
    """The money Kind ``amount_with_places`` gave ``value``, or None for any other value."""
    return money_kind(value.places) if isinstance(value, MinorUnitAmount) else None


def _format_class(code: str) -> str:
    """``date``, ``time``, ``percent``, ``text``, ``general`` or ``number`` for a format code."""
    if code.strip().lower() in ("general", ""):
        return "general"
    if code == BOOL_FORMAT:
        return "bool"
    if code.strip() == "@":
        return "text"
    bare = _QUOTED.sub("", code.split(";")[0]).lower()
    if "y" in bare or "d" in bare:
        return "date"
    if "h" in bare or "s" in bare or ("m" in bare and ":" in bare):
        return "time"
    if "m" in bare:  # m alone (mmm yyyy without y is rare, but "mmm" is a date)
        return "date"
    if "%" in bare:
        return "percent"
    return "number"


def _builtin_class(fmt_id: int) -> str:
    if fmt_id == 0:
        return "general"
    if fmt_id in _BUILTIN_DATE_IDS:
        return "date"
    if fmt_id in _BUILTIN_TIME_IDS:
        return "time"
    if fmt_id in _BUILTIN_PERCENT_IDS:
        return "percent"
    if fmt_id in _BUILTIN_TEXT_IDS:
        return "text"
    return "number"


class StyleSheet:
    """The cell formats (``cellXfs``) of ``styles.xml``, with appended derived entries."""

    def __init__(self, data: bytes | None) -> None:
        self._original = data
        self._data = data
        self._formats: dict[int, str] = {}
        self._xfs: list[bytes] = []
        self._new_xfs: list[bytes] = []
        self._new_formats: dict[int, str] = {}
        self._derived: dict[tuple[int, int], int] = {}
        self._fits: dict[tuple[int | None, str], int | None] = {}
        self._prefix = b""
        if data is not None:
            self._prefix = root_prefix(data)
            start, end = find_element(data, self._prefix, b"numFmts")
            if start >= 0:
                for m in _NUMFMT.finditer(data, start, end):
                    fid = get_attr(m.group(0), b"numFmtId")
                    code = get_attr(m.group(0), b"formatCode")
                    if fid is not None and fid.isdigit() and code is not None:
                        self._formats[int(fid)] = code
            start, end = find_element(data, self._prefix, b"cellXfs")
            if start >= 0:
                gt = data.find(b">", start) + 1
                self._xfs = [m.group(0) for m in _XF.finditer(data, gt, end)]
        self._index: dict[tuple[object, ...], int] = {}
        for i, xf in enumerate(self._xfs):
            self._index.setdefault(_xf_key(xf), i)

    @property
    def changed(self) -> bool:
        return bool(self._new_xfs)

    def _class_of(self, xf: int | None) -> str:
        if xf is None or not 0 <= xf < len(self._xfs) + len(self._new_xfs):
            return "general"
        tag = self._xf_bytes(xf)
        fid_text = get_attr(tag, b"numFmtId") or "0"
        fid = int(fid_text) if fid_text.isdigit() else 0
        code = self._formats.get(fid, self._new_formats.get(fid))
        return _format_class(code) if code is not None else _builtin_class(fid)

    def wraps(self, xf: int | None) -> bool:
        """True when the style wraps text within its cell (``wrapText`` alignment)."""
        if xf is None or not 0 <= xf < len(self._xfs) + len(self._new_xfs):
            return False
        return bool(_WRAP.search(self._xf_bytes(xf)))

    def _code_of(self, xf: int | None) -> str | None:
        """The custom number format code of a style, None for a built-in one (and #,##0 and
        #,##0.00 for built-in 3 and 4, which are those codes)."""
        if xf is None or not 0 <= xf < len(self._xfs) + len(self._new_xfs):
            return None
        fid_text = get_attr(self._xf_bytes(xf), b"numFmtId") or "0"
        fid = int(fid_text) if fid_text.isdigit() else 0
        if fid in _BUILTIN_MONEY_CODES:
            return _BUILTIN_MONEY_CODES[fid]
        return self._formats.get(fid, self._new_formats.get(fid))

    def _xf_bytes(self, xf: int) -> bytes:
        if xf < len(self._xfs):
            return self._xfs[xf]
        return self._new_xfs[xf - len(self._xfs)]

    def fit(self, xf: int | None, kind: str) -> int | None:
        """The style index to give a cell of style ``xf`` that now holds a ``kind`` value."""
        key = (xf, kind)
        got = self._fits.get(key, -1)
        if got == -1:
            got = self._fits[key] = self._fit(xf, kind)
        return got

    def _fit(self, xf: int | None, kind: str) -> int | None:
        cls = self._class_of(xf)
        if kind is Kind.DATE:
            return xf if cls == "date" else self._derive(xf, self._date_format_id())
        if kind is Kind.MONEY:
            if cls == "number" and self._code_of(xf) not in _OTHER_MONEY_FORMATS:
                return xf
            return self._derive(xf, MONEY_FORMAT_ID)
        if kind.startswith(Kind.MONEY):  # other minor units than 2: exactly their format
            code = money_format(int(kind[len(Kind.MONEY) :]))
            return xf if self._code_of(xf) == code else self._derive(xf, self._format_id(code))
        if kind is Kind.PERCENT:
            return xf if cls == "percent" else self._derive(xf, PERCENT_FORMAT_ID)
        if kind is Kind.BOOL:
            return xf if cls == "bool" else self._derive(xf, self._format_id(BOOL_FORMAT))
        if kind is Kind.NUMBER and cls in ("date", "time", "text", "bool"):
            return self._derive(xf, GENERAL_FORMAT_ID)
        return xf

    def _date_format_id(self) -> int:
        return self._format_id(DATE_FORMAT)

    def _format_id(self, wanted: str) -> int:
        """The id of a number format code (case-insensitive): a built-in money format's (as
        Excel and openpyxl save a custom one), else a custom one, added when missing."""
        for fid, code in _BUILTIN_MONEY_CODES.items():
            if code == wanted:
                return fid
        for fid, code in (*self._formats.items(), *self._new_formats.items()):
            if code.lower() == wanted.lower():
                return fid
        fid = max((_FIRST_CUSTOM_ID - 1, *self._formats, *self._new_formats)) + 1
        self._new_formats[fid] = wanted
        return fid

    def _derive(self, xf: int | None, fmt_id: int) -> int | None:
        if self._data is None or not self._xfs:
            raise WorkbookError(
                "the workbook has no cell styles part (xl/styles.xml): "
                "open it in Excel and save it again"
            )
        base = xf if xf is not None and 0 <= xf < len(self._xfs) + len(self._new_xfs) else 0
        key = (base, fmt_id)
        got = self._derived.get(key)
        if got is None:
            tag = self._xf_bytes(base)
            gt = tag.find(b">")
            head = tag[: gt + 1]
            head = set_attr(set_attr(head, b"numFmtId", str(fmt_id)), b"applyNumberFormat", "1")
            entry = head + tag[gt + 1 :]
            # A style an earlier refresh appended is reused, so styles.xml does not grow with
            # every refresh, also after Excel or openpyxl saved it again in its own spelling.
            entry_key = _xf_key(entry)
            got = self._index.get(entry_key)
            if got is None:
                self._new_xfs.append(entry)
                got = len(self._xfs) + len(self._new_xfs) - 1
                self._index[entry_key] = got
            self._derived[key] = got
        return got

    def to_bytes(self) -> bytes | None:
        """The styles part with the appended entries, or the original bytes when unchanged."""
        data = self._data
        if data is None or not self.changed:
            return data
        p = self._prefix
        start, end = find_element(data, p, b"cellXfs")
        close = end - len(b"</" + p + b"cellXfs>")
        gt = data.find(b">", start) + 1
        head = set_attr(data[start:gt], b"count", str(len(self._xfs) + len(self._new_xfs)))
        data = data[:start] + head + data[gt:close] + b"".join(self._new_xfs) + data[close:]
        if self._new_formats:
            new = b"".join(
                empty_element(p, b"numFmt", [("numFmtId", str(fid)), ("formatCode", code)])
                for fid, code in self._new_formats.items()
            )
            count = len(self._formats) + len(self._new_formats)
            start, end = find_element(data, p, b"numFmts")
            if start >= 0:
                gt = data.find(b">", start) + 1
                head = set_attr(data[start:gt], b"count", str(count))
                if head.endswith(b"/>"):
                    head = head[:-2] + b">"
                    data = data[:start] + head + new + b"</" + p + b"numFmts>" + data[gt:]
                else:
                    close = end - len(b"</" + p + b"numFmts>")
                    data = data[:start] + head + data[gt:close] + new + data[close:]
            else:
                # numFmts is the first child of styleSheet.
                root = re.search(b"<" + re.escape(p) + rb"styleSheet\b[^>]*>", data)
                if root is None:
                    raise WorkbookError("styles.xml has no <styleSheet> element")
                block = b"<" + p + b'numFmts count="' + str(count).encode() + b'">'
                block += new + b"</" + p + b"numFmts>"
                data = data[: root.end()] + block + data[root.end() :]
        return data


def format_code_of(styles: StyleSheet, xf: int) -> str:
    """For tests and messages: the number format code of a style index."""
    tag = styles._xf_bytes(xf)
    fid = int(get_attr(tag, b"numFmtId") or 0)
    code = styles._formats.get(fid, styles._new_formats.get(fid))
    return code if code is not None else f"builtin {fid}"
