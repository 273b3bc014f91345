"""XML parts edited as bytes: escaping, attributes and elements found and spliced in place.

Parts are changed by splicing their raw bytes (so every namespace prefix, ``mc:Ignorable`` list
and extension Excel wrote survives); they are parsed only to read them, with defusedxml, never
re-serialised.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from xl_milestones.errors import WorkbookError

# An XML name (a prefix or a local name), as bytes.
NAME = rb"[A-Za-z_][\w.-]*"
_ROOT_TAG = re.compile(rb"<(?:(" + NAME + rb"):)?(" + NAME + rb")[\s/>]")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Characters XML 1.0 forbids; text from users may carry them (pasted control characters).
ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Excel reads _xHHHH_ in cell text as an escaped character; a literal one is escaped in turn.
_X_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xml_text(text: str) -> str:
    """``text`` made safe for XML character data or a double-quoted attribute."""
    text = ILLEGAL_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def cell_text(text: str) -> str:
    """Cell text as Excel stores it: illegal characters dropped, literal ``_xHHHH_`` escaped."""
    return xml_text(_X_ESCAPE.sub(r"_x005F_\1", text))


def xml_unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return NAMED[name]

    return _ENTITY.sub(one, text)


def check_xml_head(data: bytes, part: str) -> None:
    """Refuse a part with a DTD: Office never writes one, and entities are an attack vector."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise WorkbookError(
            f"part {part} of the workbook declares a DTD, which Excel never writes: "
            "open the workbook in Excel and save it again"
        )


def as_utf8(data: bytes, part: str) -> bytes:
    """The part as UTF-8 bytes (Excel writes UTF-8; a UTF-16 part is transcoded)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-8"', text, count=1)
        data = text.encode("utf-8")
    check_xml_head(data, part)
    return data


def parse(data: bytes, part: str) -> Element:
    """A read-only tree of a small part, parsed with DTDs and entities refused."""
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several unrelated types for bad input
        raise WorkbookError(
            f"part {part} of the workbook is not well-formed XML ({exc}): "
            "open the workbook in Excel and save it again"
        ) from None
    return root


def root_prefix(data: bytes) -> bytes:
    """The namespace prefix of the root element, with its colon (``b"x:"``), or ``b""``."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0:
            return b""
        nxt = data[pos + 1 : pos + 2]
        if nxt not in (b"?", b"!"):
            break
        pos += 1
    m = _ROOT_TAG.match(data, pos)
    return m.group(1) + b":" if m and m.group(1) else b""


def ns_prefix(data: bytes, uri: str) -> bytes | None:
    """The prefix the root element binds to ``uri`` (with its colon), ``b""`` when default."""
    m = re.search(rb"xmlns(?::(" + NAME + rb'))?="' + re.escape(uri.encode()) + rb'"', data)
    if not m:
        return None
    return m.group(1) + b":" if m.group(1) else b""


_ATTR_CACHE: dict[bytes, re.Pattern[bytes]] = {}


def _attr_re(name: bytes) -> re.Pattern[bytes]:
    pat = _ATTR_CACHE.get(name)
    if pat is None:
        pat = re.compile(rb"\s" + re.escape(name) + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
        _ATTR_CACHE[name] = pat
    return pat


def get_attr(tag: bytes, name: bytes) -> str | None:
    """An attribute of a start tag, unescaped, or None."""
    m = _attr_re(name).search(tag)
    if not m:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel writes UTF-8; other bytes here mean the part was damaged (found by fuzzing).
        raise WorkbookError(
            f"the workbook is damaged (the {name.decode()} attribute of a <{_tag_name(tag)}> "
            "element is not UTF-8 text): open it in Excel and save it again"
        ) from None
    return xml_unescape(text)


def _tag_name(tag: bytes) -> str:
    m = re.match(rb"<([\w:.-]+)", tag)
    return m.group(1).decode("ascii") if m else "?"


def set_attr(tag: bytes, name: bytes, value: str) -> bytes:
    """The start tag with ``name="value"``, replacing the attribute or adding it at the end."""
    quoted = b'="' + xml_text(value).encode("utf-8") + b'"'
    m = _attr_re(name).search(tag)
    if m:
        return tag[: m.start()] + b" " + name + quoted + tag[m.end() :]
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip() + b" " + name + quoted + tag[end:]


def del_attr(tag: bytes, name: bytes) -> bytes:
    m = _attr_re(name).search(tag)
    return tag[: m.start()] + tag[m.end() :] if m else tag


def find_element(data: bytes, prefix: bytes, local: bytes, start: int = 0) -> tuple[int, int]:
    """Start and end offsets of the first ``<prefix:local ...>...</prefix:local>`` (or ``/>``).

    (-1, -1) when absent. Not for elements that nest within themselves.
    """
    pat = re.compile(b"<" + re.escape(prefix + local) + rb"(?=[\s/>])")
    m = pat.search(data, start)
    if not m:
        return -1, -1
    gt = data.find(b">", m.end())
    if data[gt - 1 : gt] == b"/":
        return m.start(), gt + 1
    close = b"</" + prefix + local + b">"
    end = data.find(close, gt)
    if end < 0:
        raise WorkbookError(f"unterminated <{local.decode()}> element")
    return m.start(), end + len(close)


def insert_before_first(
    data: bytes, prefix: bytes, followers: tuple[bytes, ...], root_local: bytes, new: bytes
) -> bytes:
    """Insert ``new`` before the first top-level element named in ``followers``, else at the end.

    The schema fixes the order of a part's children; ``followers`` are the ones that must come
    after the inserted element.
    """
    best = -1
    for local in followers:
        at = re.search(b"<" + re.escape(prefix + local) + rb"(?=[\s/>])", data)
        if at and (best < 0 or at.start() < best):
            best = at.start()
    if best < 0:
        best = data.rfind(b"</" + prefix + root_local + b">")
        if best < 0:
            raise WorkbookError(f"no </{root_local.decode()}> end tag")
    return data[:best] + new + data[best:]


def empty_element(prefix: bytes, local: bytes, attrs: list[tuple[str, str]]) -> bytes:
    """``<prefix:local name="value" .../>``, the values escaped; names are written as given."""
    pairs = b"".join(b' %s="%s"' % (k.encode(), xml_text(v).encode()) for k, v in attrs)
    return b"<" + prefix + local + pairs + b"/>"


def remove_element(data: bytes, local: bytes, attr: bytes, value: str, *, flags: int = 0) -> bytes:
    """``data`` without its first ``local`` element (of any prefix) whose attribute ``attr`` is
    ``value`` (a leading ``/`` of ``value`` optional when ``attr`` is a part name)."""
    pat = re.compile(
        rb"<(?:"
        + NAME
        + rb":)?"
        + local
        + rb"\b[^>]*?\s"
        + attr
        + rb"=\"/?"
        + re.escape(value.lstrip("/").encode())
        + rb"\"[^>]*>(?:\s*</(?:"
        + NAME
        + rb":)?"
        + local
        + rb">)?",
        flags,
    )
    return pat.sub(b"", data, count=1)
