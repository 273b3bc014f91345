"""Time `validate` on a large generated workbook: median wall time and peak memory.

Each run is a fresh process (so peak RSS is that run's own) doing what
`xl-milestones validate` does: read the file, validate it, format the JSON. CPU time counts every
thread of the process (the reader loads sheets in two threads). The workbook is generated once
and cached under benchmarks/out/. Targets for 100,000 milestones on a 2-core machine: under 10 s
and under 1.5 GB.

    python benchmarks/bench_validate.py [--milestones 100000] [--runs 3] [--book PATH]
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
from machine import calibration

_CHILD = r"""
import datetime, json, resource, sys, time
started = time.perf_counter()
cpu_started = time.process_time()
from xl_milestones.io.reader import read_workbook
from xl_milestones.core.validate import validate
from xl_milestones import output
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.0)
    parser.add_argument("--book", type=Path, help="an existing workbook to time instead")
    args = parser.parse_args()

    book = args.book or cached_book(args.milestones, args.seed, args.errors)
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(book)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        runs.append(json.loads(out.stdout))
    print(f"calibration loop: {calibration():.2f} s CPU")
    med = {k: statistics.median(r[k] for r in runs) for k in ("read", "validate", "total", "cpu")}
    peak = max(r["peak_mb"] for r in runs)
    last = runs[-1]
    print(
        f"validate, {args.milestones} milestones, {args.runs} runs: median {med['total']:.2f} s "
        f"(read {med['read']:.2f} s, validate {med['validate']:.2f} s; CPU {med['cpu']:.2f} s), "
        f"peak RSS {peak:.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"{last['issues']} issues, {last['milestones']} computable, {last['skipped']} skipped"
    )
    ok = med["total"] < 10 and peak < 1536
    print("within target (< 10 s, < 1.5 GB)" if ok else "OVER TARGET (< 10 s, < 1.5 GB)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
