"""What `refresh --format json` prints is fixed by committed golden files, byte for byte.

Two books: the sample workbook (82 milestones, every rule and explanation sentence) and the
1,000-milestone benchmark workbook (benchmarks/generate.py, seed 1). Any change to a result,
an explanation sentence, an issue or the JSON layout shows as a difference; a deliberate change
is recorded by running the suite once with XL_MILESTONES_UPDATE_GOLDEN=1 and committing the files
with the change that explains them. The only value replaced is the workbook's path ("file").
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xl_milestones.template.build import SAMPLE_FILE

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "data"
PLACEHOLDER = "<workbook>"


def cli_json(book: Path, *args: str, code: int = 0) -> str:
    """What ``xl-milestones ARGS BOOK --format json`` prints, the book's path replaced."""
    result = subprocess.run(
        [sys.executable, "-m", "xl_milestones", *args, str(book), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stderr
    return result.stdout.replace(json.dumps(str(book))[1:-1], PLACEHOLDER, 1)


def generated_book(book: Path, *options: str) -> Path:
    """The 1,000-milestone benchmark workbook (seed 1) with ``options``, written to ``book``."""
    script = str(ROOT / "benchmarks" / "generate.py")
    subprocess.run(
        [sys.executable, script, str(book), "--milestones", "1000", "--seed", "1", *options],
        check=True,
        capture_output=True,
    )
    return book


def _refresh_json(book: Path, tmp_path: Path) -> str:
    return cli_json(book, "refresh", "--output", str(tmp_path / f"refreshed{book.suffix}"))


def _compare(name: str, got: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("XL_MILESTONES_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        with open(golden, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(got.encode("utf-8"))
    with gzip.open(golden, "rt", encoding="utf-8") as f:
        expected = f.read()
    if got != expected:
        want, have = json.loads(expected), json.loads(got)
        differing = [k for k in want if want.get(k) != have.get(k)]
        rows = [
            m
            for m in want.get("milestones", {})
            if want["milestones"][m] != have.get("milestones", {}).get(m)
        ]
        pytest.fail(
            f"refresh JSON differs from {golden.name}: keys {differing}, "
            f"milestones {rows[:10]}{' ...' if len(rows) > 10 else ''}"
        )


def test_sample_refresh_json_is_unchanged(tmp_path: Path) -> None:
    book = tmp_path / "sample.xlsm"
    shutil.copy(ROOT / "workbook" / SAMPLE_FILE, book)
    _compare("sample-refresh.json.gz", _refresh_json(book, tmp_path))


def test_benchmark_book_refresh_json_is_unchanged(tmp_path: Path) -> None:
    book = generated_book(tmp_path / "bench-1000.xlsx")
    _compare("bench-1000-refresh.json.gz", _refresh_json(book, tmp_path))
