"""Run as a script (in a memory-capped process): open one workbook with every reader the project
uses and print, as one JSON line, what each did, how long it took and whether any value came
back expanded or with outside content.

    python tests/security/readers.py OUTDIR BOOK...
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

# Text that only an expanded entity or a fetched file can put in a value.
MARKERS = ("lollollol", "x" * 1000, "root:")
LONGEST = 100_000


def _suspicious(values: Iterable[object]) -> str | None:
    for v in values:
        if isinstance(v, str) and (len(v) > LONGEST or any(m in v for m in MARKERS)):
            return v[:80]
    return None


def _calamine(book: Path) -> str | None:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(book))
    values: list[object] = list(wb.sheet_names)
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            values.extend(row)
    return _suspicious(values)


def _openpyxl(book: Path) -> str | None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    values: list[object] = list(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            values.extend(row)
        values.extend(t.displayName for t in ws.tables.values())
    return _suspicious(values)


def _reader(book: Path, *, gate: bool) -> str | None:
    from xl_milestones.io import reader

    if not gate:
        reader.check_package = lambda _p: None  # type: ignore[assignment]
    raw = reader.read_workbook(book)
    values: list[object] = []
    for table in raw.tables.values():
        values.append(table.sheet_name)
        for column in table.values.values():
            values.extend(column)
    return _suspicious(values)


def _xlsxparts(book: Path) -> str | None:
    from xl_milestones.io.xlsxparts import read_package, scan_sheet

    with zipfile.ZipFile(book) as zf:
        info = read_package(zf)
        for sheet in info.sheets:
            scan_sheet(zf, sheet.path)
    return _suspicious(
        [s.name for s in info.sheets] + [t.name for s in info.sheets for t in s.tables]
    )


def _writer(book: Path, out: Path) -> str | None:
    from tests.writerbooks import sample_update

    from xl_milestones.io.writer import apply_update

    apply_update(book, out / "written.xlsx", sample_update([2, 3]), date1904=False)
    with zipfile.ZipFile(out / "written.xlsx") as zf:
        texts = [zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml")]
    return "root:" if any("root:x:" in t for t in texts) else None


def _cli(book: Path, out: Path, command: str) -> str | None:
    from xl_milestones import cli

    args = ["validate", str(book)]
    if command == "refresh":
        args = ["refresh", str(book), "--output", str(out / "refreshed.xlsx")]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(args)
    text = err.getvalue()
    if code != 2:
        raise AssertionError(f"exit {code}")
    return text


def check_book(book: Path, out: Path) -> dict[str, dict[str, object]]:
    """What every reader does with ``book``; ``out`` is a folder for what the writers write."""
    runs: dict[str, Callable[[], str | None]] = {
        "cli-validate": lambda: _cli(book, out, "validate"),
        "cli-refresh": lambda: _cli(book, out, "refresh"),
        "read_workbook": lambda: _reader(book, gate=True),
        "read_workbook-ungated": lambda: _reader(book, gate=False),
        "calamine": lambda: _calamine(book),
        "openpyxl": lambda: _openpyxl(book),
        "xlsxparts": lambda: _xlsxparts(book),
        "writer": lambda: _writer(book, out),
    }
    report: dict[str, dict[str, object]] = {}
    for name, run in runs.items():
        start = time.perf_counter()
        try:
            got = run()
            outcome: dict[str, object] = {"ok": True, "found": got}
        except Exception as exc:  # every refusal counts; what matters is how long it took
            outcome = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        finally:
            from xl_milestones.io import reader, safety

            reader.check_package = safety.check_package
        outcome["seconds"] = round(time.perf_counter() - start, 3)
        report[name] = outcome
    return report


def main() -> None:
    import openpyxl.xml

    out = Path(sys.argv[1])
    reports = {book: check_book(Path(book), out) for book in sys.argv[2:]}
    reports["openpyxl"] = {"defusedxml": {"ok": bool(openpyxl.xml.DEFUSEDXML)}}
    print(json.dumps(reports))


if __name__ == "__main__":
    main()
