"""An in-memory ``Book`` for tests: it holds a RawWorkbook and records every update written to it.

Like the file and Excel readers, ``read`` returns input values only; the results written to
Milestones rows, the output sheets and the Dashboard blocks are kept as they would stand in the
workbook, for tests to inspect.
"""

from __future__ import annotations

import copy

from xl_milestones.book import BlockWrite, BookUpdate, TableWrite
from xl_milestones.core.model import RawTable, RawWorkbook
from xl_milestones.core.schema import MILESTONES


class MemoryBook:
    """A workbook held in memory. ``updates`` lists every ``BookUpdate`` in the order written."""

    def __init__(self, raw: RawWorkbook, name: str | None = None) -> None:
        self._raw = raw
        self._name = name or raw.path or "memory"
        self.updates: list[BookUpdate] = []
        self.reads = 0
        # Result values by Milestones row, and output sheets by name, as they stand after the
        # updates (a later update overwrites a result; appended rows accumulate).
        self.results: dict[int, dict[str, object]] = {}
        self.tables: dict[str, list[tuple[object, ...]]] = {}
        self.blocks: dict[str, list[tuple[object, ...]]] = {}
        self.dashboard_header = ""

    @property
    def name(self) -> str:
        return self._name

    def read(self) -> RawWorkbook:
        """A deep copy, so the caller cannot change what the book holds by editing rows."""
        self.reads += 1
        return copy.deepcopy(self._raw)

    def write(self, update: BookUpdate) -> None:
        self.updates.append(copy.deepcopy(update))
        self._apply_results(update.results)
        for table in update.tables:
            self._apply_table(table)
        for block in update.blocks:
            self._apply_block(block)
        self.dashboard_header = update.dashboard_header

    @property
    def last(self) -> BookUpdate:
        """The last update written; AssertionError when nothing was written."""
        assert self.updates, "nothing was written to this book"
        return self.updates[-1]

    def _apply_results(self, results: dict[int, dict[str, object]]) -> None:
        table: RawTable | None = self._raw.tables.get(MILESTONES.key)
        rows = set(table.rows) if table else set()
        names = {f.name for f in MILESTONES.results}
        for row, values in results.items():
            if row not in rows:
                raise KeyError(f"Milestones has no data row {row}")
            unknown = set(values) - names
            if unknown:
                raise KeyError(f"not result fields of Milestones: {sorted(unknown)}")
            self.results.setdefault(row, {}).update(values)

    def _apply_table(self, table: TableWrite) -> None:
        width = len(table.sheet.fields)
        for row in table.rows:
            if len(row) != width:
                raise ValueError(f"{table.sheet.name}: a row has {len(row)} values, not {width}")
        kept = self.tables.get(table.sheet.name, []) if table.append else []
        self.tables[table.sheet.name] = [*kept, *table.rows]

    def _apply_block(self, block: BlockWrite) -> None:
        width = len(block.block.fields)
        for row in block.rows:
            if len(row) != width:
                raise ValueError(f"{block.block.title}: a row has {len(row)} values, not {width}")
        self.blocks[block.block.title] = list(block.rows)
