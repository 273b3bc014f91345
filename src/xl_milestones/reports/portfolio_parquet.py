"""The portfolio's tables as Parquet files (pyarrow), for Power BI, DuckDB or Spark: one file per
table, columns named by their field names (snake_case) and typed from the sheets' fields, money
as exact decimals. docs/portfolio.md, which lists every column, is generated from the same
tables: ``python -m xl_milestones.reports.portfolio_parquet docs/portfolio.md`` (``make
template``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xl_milestones.app.portfolio_sheets import (
    ALL_MILESTONES,
    BY_CONTRACT,
    BY_SUPPLIER,
    KEY_FIGURES,
    PORTFOLIO_EXTRA,
    PORTFOLIO_QUEUE,
    PORTFOLIO_SCHEDULE,
    SOURCES,
    Portfolio,
    key_figure_rows,
)
from xl_milestones.core.schema import FieldType, Sheet
from xl_milestones.errors import OutputError, UsageError

# Money is exact: 38 digits, 4 after the point (every currency's minor unit fits).
MONEY_PRECISION = 38
MONEY_SCALE = 4

# Each table's file name and sheet, in the order they are written.
TABLES: tuple[tuple[str, Sheet], ...] = (
    ("all_milestones", ALL_MILESTONES),
    ("payment_schedule", PORTFOLIO_SCHEDULE),
    ("signoff_queue", PORTFOLIO_QUEUE),
    ("by_contract", BY_CONTRACT),
    ("by_supplier", BY_SUPPLIER),
    ("key_figures", KEY_FIGURES),
    ("sources", SOURCES),
)
# The rows of the tables written at the end; the STREAMED ones come through ``rows``.
_AT_THE_END: dict[str, Callable[[Portfolio], Sequence[tuple[object, ...]]]] = {
    PORTFOLIO_QUEUE.key: lambda p: p.queue,
    BY_CONTRACT.key: lambda p: p.by_contract,
    BY_SUPPLIER.key: lambda p: p.by_supplier,
    KEY_FIGURES.key: key_figure_rows,
    SOURCES.key: lambda p: p.sources,
}
# Rows gathered before they are written to their file as one row group.
ROW_GROUP = 20_000


def arrow_type(field_type: FieldType) -> Any:
    """The Arrow type of a schema field type."""
    import pyarrow as pa

    if field_type in (FieldType.MONEY, FieldType.NUMBER, FieldType.RATIO):
        return pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
    if field_type is FieldType.DATE:
        return pa.date32()
    if field_type is FieldType.INT:
        return pa.int64()
    if field_type is FieldType.YESNO:
        return pa.bool_()
    return pa.string()


class ParquetTables:
    """Every table as ``<table>.parquet`` in ``folder`` (made when missing), written as the
    roll-up goes (a RowSink): the rows of the STREAMED tables a row group at a time, the
    others at ``finish``. Each file is written beside its target (``.<table>.parquet.tmp``)
    and moved into place by ``commit``; ``discard`` removes them instead."""

    def __init__(self, folder: Path) -> None:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError(f"--parquet needs the portfolio extra: {PORTFOLIO_EXTRA}") from None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"--parquet {folder}: cannot create the folder ({exc.strerror})"
            ) from None
        self.folder = folder
        self.files = {sheet.key: name for name, sheet in TABLES}
        self.pending: dict[str, list[tuple[object, ...]]] = {}
        self.writers: dict[str, Any] = {}

    def _tmp(self, key: str) -> Path:
        return self.folder / f".{self.files[key]}.parquet.tmp"

    def begin(self, currency: str) -> None:
        pass

    def rows(self, sheet: Sheet, rows: Sequence[tuple[object, ...]], links: Sequence[str]) -> None:
        pending = self.pending.setdefault(sheet.key, [])
        pending += rows
        if len(pending) >= ROW_GROUP:
            self._flush(sheet)

    def _flush(self, sheet: Sheet) -> None:
        import pyarrow.parquet as pq

        rows = self.pending.pop(sheet.key, [])
        table = _arrow_table(sheet, rows)
        writer = self.writers.get(sheet.key)
        try:
            if writer is None:
                writer = self.writers[sheet.key] = pq.ParquetWriter(
                    self._tmp(sheet.key), table.schema
                )
            writer.write_table(table)
        except OSError as exc:
            raise OutputError(
                f"cannot write {self.folder / (self.files[sheet.key] + '.parquet')} "
                f"({exc.strerror or exc})"
            ) from None

    def finish(self, portfolio: Portfolio) -> None:
        """The last rows of the STREAMED tables, and the other tables."""
        for _name, sheet in TABLES:
            rows_of = _AT_THE_END.get(sheet.key)
            if rows_of is not None:
                self.pending[sheet.key] = list(rows_of(portfolio))
            if self.pending.get(sheet.key) or sheet.key not in self.writers:
                self._flush(sheet)
            self.writers.pop(sheet.key).close()

    def commit(self) -> list[Path]:
        """Each finished file moved into place, replacing the file of an earlier run."""
        written: list[Path] = []
        for name, sheet in TABLES:
            target = self.folder / f"{name}.parquet"
            try:
                os.replace(self._tmp(sheet.key), target)
            except OSError as exc:
                self.discard()
                raise OutputError(f"cannot write {target} ({exc.strerror or exc})") from None
            written.append(target)
        return written

    def discard(self) -> None:
        """Nothing written: the files begun are removed."""
        for writer in self.writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self.writers.clear()
        for _name, sheet in TABLES:
            self._tmp(sheet.key).unlink(missing_ok=True)


def _arrow_table(sheet: Sheet, rows: Sequence[tuple[object, ...]]) -> Any:
    """``rows`` (in the sheet's field order) as an Arrow table typed from its fields."""
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in sheet.fields]
    schema = pa.schema([pa.field(f.name, arrow_type(f.type)) for f in sheet.fields])
    return pa.table(
        [
            pa.array(list(column), type=arrow_type(f.type))
            for f, column in zip(sheet.fields, columns, strict=True)
        ],
        schema=schema,
    )


_TYPE_NAMES = {
    FieldType.MONEY: f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    FieldType.NUMBER: f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    FieldType.RATIO: f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    FieldType.DATE: "date32",
    FieldType.INT: "int64",
    FieldType.YESNO: "bool",
}

_DOC_HEAD = f"""# Portfolio tables (Parquet)

<!-- Generated by `python -m xl_milestones.reports.portfolio_parquet docs/portfolio.md`. -->

`xl-milestones portfolio ... --parquet DIR` writes each table of the portfolio workbook into DIR
as one Parquet file (`<table>.parquet`, written with pyarrow), for Power BI, DuckDB, Spark or
pandas. Column names are the field names below (snake_case, as in the refresh JSON); money is
an exact `decimal({MONEY_PRECISION},{MONEY_SCALE})` (a blank amount is null), dates are `date32`,
counts `int64`, yes/no `bool`, everything else `string`. `source` is the workbook's path as the
command found it. Each file is written beside its target and moved into place when complete,
replacing the file of an earlier run.

For example, with DuckDB:

```sql
SELECT supplier, sum(overdue) AS overdue FROM 'DIR/by_contract.parquet' GROUP BY supplier;
SELECT * FROM 'DIR/all_milestones.parquet' WHERE status = 'Late' ORDER BY days_late DESC;
```

In Power BI: *Get data > Parquet*, one query per file.
"""


def docs_markdown() -> str:
    """docs/portfolio.md: every table and column, with its Parquet type and sheet header."""
    lines = [_DOC_HEAD]
    for name, sheet in TABLES:
        lines += [f"### `{name}`", "", sheet.description, ""]
        lines += ["| column | type | sheet header | meaning |", "|---|---|---|---|"]
        lines += [
            f"| `{f.name}` | {_TYPE_NAMES.get(f.type, 'string')} | {f.header} | {f.description} |"
            for f in sheet.fields
        ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m xl_milestones.reports.portfolio_parquet docs/portfolio.md")
    Path(sys.argv[1]).write_text(docs_markdown(), encoding="utf-8")
