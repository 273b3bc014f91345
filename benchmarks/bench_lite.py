"""Measure what a refresh sends between Excel and Python in the xlwings Lite edition.

Excel on the web caps one Office.js request at about 5 MB. For each size (generated once and
cached under benchmarks/out/), the book data the Office.js client sends (each sheet from A1 to its
last used cell, as JSON) is built from the workbook, refreshed through the Lite path on xlwings'
remote engine (the workbook's own main.py), and the actions it returns are measured and applied;
then the refreshed book is refreshed again, as users do every day. Printed per refresh: the
request (all sheets, and without the sheets the refresh script excludes), the response, and the
milestones the 5 MB limit allows at that size's bytes per milestone. The script fails when that
falls below the 5,000 milestones the README promises for Excel on the web.

    python benchmarks/bench_lite.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
import types
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine's licence

import xlwings as xw  # noqa: E402
from tests.officejs import apply_actions, book_payload, payload_size  # noqa: E402

from generate import cached_book  # noqa: E402
from xl_milestones.excel.macros import LITE_EXCLUDE  # noqa: E402
from xl_milestones.template.lite import MAIN_PY  # noqa: E402

LIMIT = 5 * 1024 * 1024  # Excel on the web: about 5 MB per request
PROMISED = 5_000  # the README's largest workbook for the Lite edition on the web


def _main_py() -> types.ModuleType:
    module = types.ModuleType("main")
    exec(compile(MAIN_PY.read_text("utf-8"), "main.py", "exec"), module.__dict__)
    return module


def _without(payload: dict[str, object], sheets: Sequence[str]) -> dict[str, object]:
    """The request when the script excludes ``sheets``: they come without values."""
    lean = copy.deepcopy(payload)
    for sheet in lean["sheets"]:  # type: ignore[attr-defined]
        if sheet["name"] in sheets:
            sheet["values"] = [[]]
            sheet["tables"] = []
    return lean


def measure(milestones: int, main: types.ModuleType) -> list[dict[str, object]]:
    payload = book_payload(cached_book(milestones), name="book.xlsx")
    rows = []
    for run in ("first", "second"):
        lean = _without(payload, LITE_EXCLUDE)
        book = xw.Book(json=copy.deepcopy(lean))
        started = time.perf_counter()
        main.refresh(book)
        seconds = time.perf_counter() - started
        actions = book.json()
        request, needed, response = payload_size(payload), payload_size(lean), payload_size(actions)
        rows.append(
            {
                "milestones": milestones,
                "refresh": run,
                "request_all_MB": request / 1e6,
                "request_MB": needed / 1e6,
                "response_MB": response / 1e6,
                "largest": int(milestones * LIMIT / max(needed, response)),
                "python_s": seconds,
            }
        )
        apply_actions(payload, actions["actions"])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args(argv)
    script = _main_py()
    status = 0
    print(
        f"{'milestones':>10} {'refresh':>7} {'request, all sheets':>20} {'request':>8} "
        f"{'response':>9} {'5 MB allows':>12} {'Python':>7}"
    )
    for size in map(int, args.sizes.split(",")):
        with open(os.devnull, "w") as quiet:  # the script's progress lines
            stdout, sys.stdout = sys.stdout, quiet
            try:
                rows = measure(size, script)
            finally:
                sys.stdout = stdout
        for row in rows:
            print(
                f"{row['milestones']:>10,} {row['refresh']:>7} {row['request_all_MB']:>17.2f} MB"
                f" {row['request_MB']:>5.2f} MB {row['response_MB']:>6.2f} MB"
                f" {row['largest']:>12,} {row['python_s']:>6.1f}s"
            )
            status |= int(row["largest"]) < PROMISED
    print(json.dumps({"limit_bytes": LIMIT}))
    return status


if __name__ == "__main__":
    sys.exit(main())
