"""The error paths are fixed by golden files too: a benchmark workbook with bad cells.

benchmarks/generate.py with ``--errors 0.05`` (1,000 milestones, seed 1) puts a bad value in one
row in twenty: unreadable dates and numbers, text in flags, formula errors, cells of spaces,
unknown references, duplicate ids. `validate --format json` prints every issue (code, cell,
value, message, order), and `refresh --format json` prints which milestones were skipped through
a bad row, a bad predecessor or a bad payment milestone of their contract. Both are compared byte
for byte with committed files (updated only as test_refresh_golden.py describes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.golden.test_refresh_golden import _compare, cli_json, generated_book


@pytest.fixture(scope="module")
def errors_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_book(
        tmp_path_factory.mktemp("golden") / "bench-1000-errors.xlsx", "--errors", "0.05"
    )


def _json(book: Path, *args: str) -> str:
    return cli_json(book, *args, code=1)  # the book has errors


def test_errors_book_validate_json_is_unchanged(errors_book: Path) -> None:
    got = _json(errors_book, "validate")
    assert len(json.loads(got)["issues"]) > 100
    _compare("bench-1000-errors-validate.json.gz", got)


def test_errors_book_refresh_json_is_unchanged(errors_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "refreshed.xlsx"
    got = _json(errors_book, "refresh", "--output", str(out))
    skipped = [m for m, v in json.loads(got)["milestones"].items() if v["status"] is None]
    assert len(skipped) > 100  # skips spread along predecessors and contracts
    _compare("bench-1000-errors-refresh.json.gz", got)
