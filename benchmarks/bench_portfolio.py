"""Time `xl-milestones portfolio` on a folder of generated workbooks: the default worker pool,
then `--jobs 1` and `--jobs 2` side by side, with the cost per file.

The workbooks (1,000 of 80 milestones by default: 8 contracts, deliverables, sign-offs,
invoices... as `generate.py` makes them, each with its own seed) are generated once and cached
under benchmarks/out/. Each run is a fresh ``xl-milestones portfolio DIR --output OUT`` process:
wall time, CPU time (user + system of the process and its workers) and peak memory (the
proportional set size of the process and all its workers, shared pages counted once, sampled
every 0.2 s). Medians over the runs are printed with the calibration loop and the load average.

The cost per file is the CPU time of a `--jobs 1` run divided by the files: the time for F
files on N cores is about F x that cost / N, plus the one-off start and the workbook's writing.

Targets on a 2-core machine, 1,000 workbooks of 80 milestones, default pool: under 90 s and
under 1.5 GB.

    python benchmarks/bench_portfolio.py [--books 1000] [--milestones 80] [--runs 3]
        [--jobs default,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_refresh import _sample_memory  # benchmarks/ is on the path when run as a script
from generate import generate, share_strings
from machine import calibration

TARGET_S = 90.0
TARGET_MB = 1536.0


def cached_folder(books: int, milestones: int) -> Path:
    """benchmarks/out/portfolio-<books>x<milestones>/, generated on first use (seeds 1..books)."""
    folder = Path(__file__).resolve().parent / "out" / f"portfolio-{books}x{milestones}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for seed in range(1, books + 1):
        book = folder / f"contracts-{seed:05d}.xlsx"
        if not book.exists():
            partial = folder / f".contracts-{seed:05d}.partial.xlsx"
            generate(partial, milestones, seed)
            share_strings(partial)
            partial.replace(book)
    done.write_text(f"{books} workbooks of {milestones} milestones\n")
    took = time.perf_counter() - started
    print(f"generated {books} workbooks in {folder} in {took:.0f} s", file=sys.stderr)
    return folder


def run(folder: Path, out: Path, jobs: str) -> dict[str, float]:
    """One ``xl-milestones portfolio`` process: wall, CPU (with its workers) and peak PSS."""
    cli = Path(sys.executable).with_name("xl-milestones")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "xl_milestones"]
    extra = [] if jobs == "default" else ["--jobs", jobs]
    started = time.perf_counter()
    before = os.times()
    child = subprocess.Popen(
        [*command, "portfolio", str(folder), "--output", str(out), "--format", "json", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    done, pss = threading.Event(), [0]
    sampler = threading.Thread(target=_sample_memory, args=(child.pid, done, pss))
    sampler.start()
    stdout, _err = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = os.times()
    if child.returncode not in (0, 1):
        raise SystemExit(f"portfolio failed ({child.returncode})")
    data = json.loads(stdout)
    # os.times counts every descendant that was waited for: the workers and their server.
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return {
        "wall": wall,
        "cpu": cpu,
        "pss_mb": pss[0] / 1024,
        "read": data["files"]["read"],
        "milestones": data["totals"]["milestones"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=1000)
    parser.add_argument("--milestones", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default="default,1,2", help="pool sizes, comma-separated")
    args = parser.parse_args()

    folder = cached_folder(args.books, args.milestones)
    print(f"calibration loop: {calibration():.2f} s CPU")
    ok = True
    medians: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in [j.strip() for j in args.jobs.split(",") if j.strip()]:
            runs = [run(folder, Path(tmp) / f"p-{jobs}.xlsx", jobs) for _ in range(args.runs)]
            m = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "pss_mb")}
            medians[jobs] = m
            each = ", ".join(f"{r['wall']:.1f}" for r in runs)
            print(
                f"--jobs {jobs}: {runs[0]['read']:,} workbooks, {runs[0]['milestones']:,} "
                f"milestones, {args.runs} runs: median {m['wall']:.1f} s wall, CPU "
                f"{m['cpu']:.1f} s, peak memory {max(r['pss_mb'] for r in runs):.0f} MB "
                f"(runs: {each} s); load average {os.getloadavg()[0]:.1f} on "
                f"{os.cpu_count()} CPUs; calibration {calibration():.2f} s"
            )
            if jobs == "default":
                peak = max(r["pss_mb"] for r in runs)
                within = m["wall"] < TARGET_S and peak < TARGET_MB
                ok = ok and within
                print(
                    f"  {'within target' if within else 'OVER TARGET'} "
                    f"(< {TARGET_S:.0f} s, < {TARGET_MB / 1024:.1f} GB)"
                )
    if "1" in medians:
        per_file = medians["1"]["cpu"] / args.books
        print(
            f"cost per file (CPU of --jobs 1 / files): {per_file * 1000:.0f} ms; "
            f"10,000 files: about {per_file * 10_000 / 2 / 60:.1f} min on 2 cores, "
            f"{per_file * 10_000 / 8 / 60:.1f} min on 8, {per_file * 10_000 / 32 / 60:.1f} min "
            "on 32"
        )
        for jobs in ("2", "default"):
            if jobs in medians:
                ratio = medians["1"]["wall"] / medians[jobs]["wall"]
                print(f"  --jobs 1 / --jobs {jobs} wall time: {ratio:.2f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
