"""Time `xl-milestones portfolio` on a folder of generated workbooks: the default worker pool,
then `--jobs 1` and `--jobs 2` side by side, with the cost per file.

The workbooks (1,000 of 80 milestones by default: 8 contracts, deliverables, sign-offs,
invoices... as `generate.py` makes them, each with its own seed) are generated once and cached
under benchmarks/out/. Each run is a fresh ``xl-milestones portfolio DIR --output OUT`` process:
wall time, CPU time (user + system of the process and its workers; the workers' sampled, as
the command does not wait for them itself) and peak memory (the proportional set size of the
process and all its workers, shared pages counted once, sampled every 0.2 s). Medians over the
runs are printed with the calibration loop and the load average.

``--against SRC`` runs the same command from another source tree (``SRC`` is its ``src``
folder, e.g. of a ``git worktree`` at an earlier commit) in paired runs, alternating with this
one, and prints both medians and the median of the paired ratios: how a change is measured on
a machine whose load varies.

The cost per file is the CPU time of a `--jobs 1` run divided by the files: the time for F
files on N cores is about F x that cost / N, plus the one-off start and the workbook's writing.

Targets on a 2-core machine, 1,000 workbooks of 80 milestones, default pool: under 90 s and
under 1.5 GB.

    python benchmarks/bench_portfolio.py [--books 1000] [--milestones 80] [--runs 3]
        [--jobs default,1,2] [--against OTHER/src]
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

from bench_refresh import _pss_kb  # benchmarks/ is on the path when run as a script
from generate import generate, share_strings
from machine import as_installed, calibration

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


_TICK = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except (OSError, ValueError):
        return []
    return kids + [d for k in kids for d in _descendants(k)]


def _cpu_s(pid: int) -> float:
    """User + system CPU time of one process so far (its children not included)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _sample(pid: int, done: threading.Event, pss: list[int], cpu: dict[int, float]) -> None:
    """Every 0.2 s: the PSS of the process and its descendants (the peak kept), and the CPU
    time of each descendant (the worker processes and the fork server that starts them, which
    the process does not wait for, so os.times does not count them)."""
    while not done.wait(0.2):
        pss[0] = max(pss[0], _pss_kb(pid))
        for kid in _descendants(pid):
            cpu[kid] = max(cpu.get(kid, 0.0), _cpu_s(kid))


def run(folder: Path, out: Path, jobs: str, src: str | None = None) -> dict[str, float]:
    """One ``xl-milestones portfolio`` process (of the package in ``src`` when given): wall,
    CPU (with its workers) and peak PSS."""
    cli = Path(sys.executable).with_name("xl-milestones")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "xl_milestones"]
    env = None
    if src is not None:
        command = [sys.executable, "-m", "xl_milestones"]
        env = {**os.environ, "PYTHONPATH": src}
    extra = [] if jobs == "default" else ["--jobs", jobs]
    started = time.perf_counter()
    before = os.times()
    child = subprocess.Popen(
        [*command, "portfolio", str(folder), "--output", str(out), "--format", "json", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    done, pss, workers = threading.Event(), [0], dict[int, float]()
    sampler = threading.Thread(target=_sample, args=(child.pid, done, pss, workers))
    sampler.start()
    stdout, _err = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = os.times()
    if child.returncode not in (0, 1):
        raise SystemExit(f"portfolio failed ({child.returncode})")
    data = json.loads(stdout)
    # os.times counts the command's process (and what it waited for); the workers and their
    # server are sampled (each one's last 0.2 s is missed).
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    cpu += sum(workers.values())
    return {
        "wall": wall,
        "cpu": cpu,
        "pss_mb": pss[0] / 1024,
        "read": data["files"]["read"],
        "milestones": data["totals"]["milestones"],
    }


def _line(label: str, runs: list[dict[str, float]]) -> tuple[dict[str, float], str]:
    m = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "pss_mb")}
    each = ", ".join(f"{r['wall']:.1f}" for r in runs)
    return m, (
        f"{label}: {runs[0]['read']:,} workbooks, {runs[0]['milestones']:,} milestones, "
        f"{len(runs)} runs: median {m['wall']:.1f} s wall, CPU {m['cpu']:.1f} s, peak memory "
        f"{max(r['pss_mb'] for r in runs):.0f} MB (runs: {each} s); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; calibration {calibration():.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=1000)
    parser.add_argument("--milestones", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default="default,1,2", help="pool sizes, comma-separated")
    parser.add_argument("--against", help="another tree's src folder, run in paired runs")
    args = parser.parse_args()

    folder = cached_folder(args.books, args.milestones)
    as_installed()
    print(f"calibration loop: {calibration():.2f} s CPU")
    ok = True
    medians: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in [j.strip() for j in args.jobs.split(",") if j.strip()]:
            out = Path(tmp) / f"p-{jobs}.xlsx"
            runs, others = [], []
            for _ in range(args.runs):
                runs.append(run(folder, out, jobs))
                if args.against:
                    others.append(run(folder, out, jobs, args.against))
            m, line = _line(f"--jobs {jobs}", runs)
            medians[jobs] = m
            print(line)
            if others:
                _m, line = _line(f"  the same from {args.against}", others)
                print(line)
                for key, what in (("wall", "wall"), ("cpu", "CPU"), ("pss_mb", "peak memory")):
                    ratio = statistics.median(
                        r[key] / o[key] for r, o in zip(runs, others, strict=True)
                    )
                    print(f"  {what}: this tree / the other, median of the pairs: {ratio:.2f}")
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
