"""An Excel table part (``xl/tables/tableN.xml``): where the table sits, and edits to its range
and columns, spliced into its bytes. The reader locates tables with it, the writer extends them."""

from __future__ import annotations

import contextlib
import re

from xl_milestones.a1 import format_range, parse_range
from xl_milestones.errors import WorkbookError
from xl_milestones.io.package import MAIN_NS
from xl_milestones.io.xmlbytes import find_element, parse, root_prefix, set_attr, xml_text


class TablePart:
    """An Excel table part (``xl/tables/tableN.xml``): where it sits, and edits to its range."""

    def __init__(self, part: str, data: bytes) -> None:
        self.part = part
        self.data = data
        self.changed = False
        root = parse(data, part)
        self.name = root.get("displayName") or root.get("name") or part
        where = parse_range(root.get("ref", ""))
        if where is None:
            raise WorkbookError(f"Excel table {self.name} has no valid range ({part})")
        self.c1, self.r1, self.c2, self.r2 = where
        self.header_rows = int(root.get("headerRowCount", "1") or 1)
        self.totals_rows = int(root.get("totalsRowCount", "0") or 0)
        self.names: list[str] = []
        self.max_id = 0
        for el in root.iter("{" + MAIN_NS + "}tableColumn"):
            self.names.append(el.get("name", ""))
            with contextlib.suppress(ValueError):
                self.max_id = max(self.max_id, int(el.get("id", "0")))
        self._prefix = root_prefix(data)

    @property
    def data_last_row(self) -> int:
        return self.r2 - self.totals_rows

    def covers(self, col: int, row: int) -> bool:
        return self.c1 <= col <= self.c2 and self.r1 <= row <= self.r2

    def overlaps(self, c1: int, r1: int, c2: int, r2: int) -> bool:
        return not (c2 < self.c1 or c1 > self.c2 or r2 < self.r1 or r1 > self.r2)

    def set_range(self, c2: int, r2: int) -> None:
        """Move the table's last column and last row (its top-left corner stays)."""
        if (c2, r2) == (self.c2, self.r2):
            return
        p = self._prefix
        data = self.data
        rows_changed = r2 != self.r2
        self.c2, self.r2 = c2, r2
        ref = format_range(self.c1, self.r1, self.c2, self.r2)
        m = re.search(b"<" + re.escape(p) + rb"table\b[^>]*>", data)
        if m is None:
            raise WorkbookError(f"Excel table part {self.part} has no <table> element")
        data = data[: m.start()] + set_attr(m.group(0), b"ref", ref) + data[m.end() :]
        start, end = find_element(data, p, b"autoFilter")
        if start >= 0:
            gt = data.find(b">", start) + 1
            last = self.r2 - self.totals_rows
            tag = set_attr(data[start:gt], b"ref", format_range(self.c1, self.r1, self.c2, last))
            data = data[:start] + tag + data[gt:]
        if rows_changed:
            # A saved sort refers to the old rows; the data was rewritten, so the sort is stale.
            start, end = find_element(data, p, b"sortState")
            if start >= 0:
                data = data[:start] + data[end:]
        self.data = data
        self.changed = True

    def clear_filter(self) -> None:
        """Drop the table's filter criteria and saved sort (its filter buttons stay): they
        chose and ordered rows that a refresh replaced."""
        p = self._prefix
        data = self.data
        for local in (b"filterColumn", b"sortState"):
            start, end = find_element(data, p, local)
            while start >= 0:
                data = data[:start] + data[end:]
                start, end = find_element(data, p, local, start)
        if data != self.data:
            self.data = data
            self.changed = True

    def set_columns(self, names: list[str]) -> None:
        """Replace the table's columns by ``names`` (a new layout: their header cells are
        written by the caller) and move its last column to match."""
        p = self._prefix
        data = self.data
        start, end = find_element(data, p, b"tableColumns")
        if start < 0:
            raise WorkbookError(f"Excel table {self.name} has no <tableColumns> ({self.part})")
        columns = b"".join(
            b"<" + p + b'tableColumn id="%d" name="' % (i + 1) + xml_text(name).encode() + b'"/>'
            for i, name in enumerate(names)
        )
        element = (
            b"<"
            + p
            + b'tableColumns count="%d">' % len(names)
            + columns
            + b"</"
            + p
            + b"tableColumns>"
        )
        self.data = data[:start] + element + data[end:]
        self.names = list(names)
        self.max_id = len(names)
        self.changed = True
        self.set_range(self.c1 + len(names) - 1, self.r2)

    def add_columns(self, names: list[str]) -> None:
        """Append columns (their header cells are written by the caller) and widen the range."""
        if not names:
            return
        p = self._prefix
        new = b""
        for name in names:
            self.max_id += 1
            self.names.append(name)
            new += (
                b"<"
                + p
                + b'tableColumn id="'
                + str(self.max_id).encode()
                + b'" name="'
                + xml_text(name).encode()
                + b'"/>'
            )
        data = self.data
        start, end = find_element(data, p, b"tableColumns")
        if start < 0:
            raise WorkbookError(f"Excel table {self.name} has no <tableColumns> ({self.part})")
        gt = data.find(b">", start) + 1
        head = set_attr(data[start:gt], b"count", str(len(self.names)))
        close = end - len(b"</" + p + b"tableColumns>")
        self.data = data[:start] + head + data[gt:close] + new + data[close:]
        self.changed = True
        self.set_range(self.c2 + len(names), self.r2)
