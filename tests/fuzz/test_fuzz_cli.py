"""Fuzzing: valid workbooks broken at random (bytes flipped and dropped in sheet XML, parts
deleted or swapped, cell types changed, shared strings and styles corrupted, the zip cut short)
go through ``validate`` and ``refresh --output``. Each run must end with exit code 0, 1 or 2
within a time bound, with no traceback and no internal error, and leave the input as it was.

The normal suite runs a fixed, bounded set of examples; ``make fuzz`` runs many more, drawn
afresh (``XL_MILESTONES_FUZZ_EXAMPLES``, ``XL_MILESTONES_FUZZ_SEED`` to replay a run).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.fuzz.mutate import Mutation, apply, bases, plans

from xl_milestones import cli

LONG_RUN = "XL_MILESTONES_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("XL_MILESTONES_FUZZ_EXAMPLES", "60"))
SECONDS = 30.0  # per command; the small workbooks take well under a second when sound

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the time bound is asserted per command below
    derandomize=not LONG_RUN,  # the same examples on every normal run: no flaky suite
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None if not LONG_RUN else settings.default.database,
    print_blob=True,
)


def run(*args: str) -> tuple[int, str, float]:
    err = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(list(args))
    return code, err.getvalue(), time.perf_counter() - start


def check(book: Path, out: Path) -> None:
    before = book.read_bytes()
    for args in (
        ["validate", str(book)],
        ["validate", str(book), "--format", "json"],
        ["refresh", str(book), "--output", str(out), "--as-of", "2026-03-31"],
    ):
        code, err, seconds = run(*args)
        assert code in (0, 1, 2), (args[0], code, err)
        assert "Traceback" not in err, err
        assert "internal error" not in err, err
        assert seconds < SECONDS, (args[0], seconds)
        if code == 2:
            assert err.strip() and err.strip().count("\n") == 0, err
    assert book.read_bytes() == before
    leftovers = [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(plan=plans)
def test_broken_workbooks_end_cleanly(folder: Path, plan: tuple[int, list[Mutation]]) -> None:
    base, mutations = plan
    name, data = bases()[base % len(bases())]
    book = folder / f"broken-{name}"
    out = folder / f"out-{name}"
    book.write_bytes(apply(data, mutations))
    out.unlink(missing_ok=True)
    check(book, out)
