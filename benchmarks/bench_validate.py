"""Time `validate` on a large generated workbook: median wall time and peak memory.

Each run is a fresh process (so peak RSS is that run's own) doing what
`xl-milestones validate` does: read the file, validate it, format the JSON. CPU time counts every
thread of the process, should a library start one. The workbooks are generated once
and cached under benchmarks/out/. Targets on a 2-core machine: 100,000 milestones under 5 s and
1.5 GB; a predecessor chain of 10,000 milestones whose first row is bad (every later one is
skipped through its predecessor) under 1 s. The machine is shared: compare figures at similar
calibration loop figures, and the CPU seconds when the load average is high.

    python benchmarks/bench_validate.py [--milestones 100000] [--chain 10000] [--runs 3]
        [--book PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from generate import cached_book  # benchmarks/ is on the path when run as a script
from machine import as_installed, calibration

_CHILD = r"""
import datetime, json, resource, sys, time
started = time.perf_counter()
cpu_started = time.process_time()
from xl_milestones.io.reader import read_workbook
from xl_milestones.core.validate import validate
from xl_milestones import output
from xl_milestones.collector import collector_paused
# As `xl-milestones validate` runs: the collector paused for the command.
with collector_paused():
    raw = read_workbook(sys.argv[1])
    read = time.perf_counter()
    result = validate(raw, today=datetime.date(2026, 6, 30))
    checked = time.perf_counter()
text = output.validation_json(sys.argv[1], result.issues)
done = time.perf_counter()
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "read": read - started, "validate": checked - read, "format": done - checked,
    "total": done - started, "cpu": time.process_time() - cpu_started, "peak_mb": peak_kb / 1024,
    "issues": len(result.issues), "milestones": len(result.model.milestones),
    "skipped": len(result.model.skipped),
}))
"""


def _time(book: Path, runs: int) -> tuple[dict[str, float], float, dict[str, int]]:
    """Median timings, peak RSS (MB) and the last run's counts of validating ``book``."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(book)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        results.append(json.loads(out.stdout))
    med = {
        k: statistics.median(r[k] for r in results) for k in ("read", "validate", "total", "cpu")
    }
    return med, max(r["peak_mb"] for r in results), results[-1]


def _report(label: str, book: Path, runs: int, seconds: float, megabytes: float) -> bool:
    med, peak, last = _time(book, runs)
    print(
        f"validate, {label}, {runs} runs: median {med['total']:.2f} s "
        f"(read {med['read']:.2f} s, validate {med['validate']:.2f} s; CPU {med['cpu']:.2f} s), "
        f"peak RSS {peak:.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"{last['issues']} issues, {last['milestones']} computable, {last['skipped']} skipped"
    )
    ok = med["total"] < seconds and peak < megabytes
    target = f"< {seconds:g} s, < {megabytes / 1024:g} GB"
    print(f"within target ({target})" if ok else f"OVER TARGET ({target})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--chain", type=int, default=10_000, help="milestones in the chain book")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.0)
    parser.add_argument("--book", type=Path, help="an existing workbook to time instead")
    args = parser.parse_args()

    book = args.book or cached_book(args.milestones, args.seed, args.errors)
    chain = cached_book(args.chain, args.seed, chain=True)
    as_installed()
    print(f"calibration loop: {calibration():.2f} s CPU")
    ok = _report(f"{args.milestones} milestones", book, args.runs, 5, 1536)
    # Every milestone of the chain is skipped through its predecessor, from a bad first row.
    ok = _report(f"a predecessor chain of {args.chain}", chain, args.runs, 1, 1536) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
