"""The height a row needs for its wrapped text: LibreOffice does not size rows to wrapped text
on opening, so the writer sets the height of each row whose result text wraps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from xl_milestones.io.xmlbytes import del_attr, get_attr, set_attr

# The default row height (points) of the workbook font, 11-point Calibri, and column width.
ROW_HEIGHT = 15
DEFAULT_COLUMN_WIDTH = 8.43


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped at word boundaries in a column ``width``
    characters wide. A width counts digits; text averages narrower (a 40.7-wide column holds
    about 52 characters of a sentence in Calibri and in LibreOffice's Carlito), and the count
    errs on the safe side, 1.15 characters a digit, so that the row is never too short."""
    room = max(1, int(width * 1.15))
    lines = 0
    for para in text.split("\n"):
        lines += 1
        used = 0
        for word in para.split(" "):
            size = len(word)
            if used and used + 1 + size > room:
                lines += 1
                used = 0
            if used:
                used += 1
            while size > room:  # a word longer than the column breaks anywhere
                lines += 1
                size -= room
            used += size
    return lines


def lines_needed(texts: Iterable[tuple[object, float]]) -> int:
    """The lines the tallest of ``texts`` (each with its column width) takes wrapped: 1 when
    none is text wider than its column."""
    lines = 1
    for text, width in texts:
        if type(text) is str and len(text) > width:
            lines = max(lines, wrapped_lines(text, width))
    return lines


def height_tag(
    tag: bytes,
    texts: Sequence[tuple[object, float]],
    old_texts: Callable[[], Iterable[tuple[object, float]]] | None = None,
) -> bytes:
    """The row start tag ``tag`` with the height the wrapped ``texts`` (each with its column
    width) need: ``ROW_HEIGHT`` points per line.

    A custom height an earlier refresh set gives way to the one the new texts need (a row that
    needs one line loses it); any other custom height is the user's and stays unless the text
    needs more. With ``old_texts`` (the texts the row holds now, asked only for a row with a
    custom height), the earlier refresh's height is the one those texts needed; without, any
    custom height of two or more whole lines is taken for it (output sheets, whose rows are
    all the refresh's)."""
    lines = lines_needed(texts)
    if lines == 1 and b"ht=" not in tag:
        return tag  # the common case, without parsing the tag
    ht = get_attr(tag, b"ht")
    custom = get_attr(tag, b"customHeight") in ("1", "true")
    try:
        old = float(ht) if ht is not None else None
    except ValueError:
        old = None
    mine = False
    if custom and old is not None and old >= 2 * ROW_HEIGHT:
        if old_texts is None:
            mine = old % ROW_HEIGHT == 0
        else:
            mine = old == lines_needed(old_texts()) * ROW_HEIGHT
    if lines > 1:
        wanted = lines * ROW_HEIGHT
        if custom and old is not None and old >= wanted and not mine:
            return tag  # the user's own, taller height
        return set_attr(set_attr(tag, b"ht", f"{wanted:g}"), b"customHeight", "1")
    if mine:
        return del_attr(del_attr(tag, b"customHeight"), b"ht")
    return tag
