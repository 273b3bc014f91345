"""`portfolio --dask ADDRESS`: the same per-file work on a Dask cluster (a real LocalCluster,
reached over TCP, in a child process) gives the same portfolio as the local process pool."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from tests.factory import valid_sheets, write_workbook

from xl_milestones.cli import main

pytest.importorskip("distributed")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["portfolio", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    data = dict(json.loads(out))
    data.pop("output")
    return data


# Dask's client and cluster leave threads running in the process that used them (its event
# loop, its offload pool): the cluster and the command run in a child process of their own.
_ON_A_CLUSTER = """
import sys
from distributed import LocalCluster
from xl_milestones.cli import main

# A worker thread in that process, reached over TCP as a remote one is: the arguments and each
# outcome are serialised both ways (a worker process would add 15 s of start-up). The dashboard
# takes any free port: two clusters at once (parallel tests) must not both want 8787.
with LocalCluster(
    n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=":0"
) as cluster:
    assert cluster.scheduler_address.startswith("tcp://")
    address = sys.argv[1] or cluster.scheduler_address
    code = main(["portfolio", *sys.argv[2:], "--dask", address])
sys.stdout.flush()
sys.exit(code)
"""


def _on_a_cluster(*args: str, address: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _ON_A_CLUSTER, address, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dask_cluster_gives_the_same_portfolio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    write_workbook(books / "a.xlsx", valid_sheets())
    sheets = valid_sheets()
    sheets["contracts"][0]["retention_rate"] = 5  # an error: C-001's milestones are skipped
    write_workbook(books / "b.xlsx", sheets)
    (books / "c.xlsx").write_text("not a workbook")
    local = _json(capsys, str(books), "--output", str(tmp_path / "local.xlsx"), "--jobs", "1")
    proc = _on_a_cluster(str(books), "--output", str(tmp_path / "dask.xlsx"), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    on_dask = json.loads(proc.stdout)
    on_dask.pop("output")
    assert on_dask == local
    assert on_dask["files"] == {"read": 2, "not_read": 1}

    def rows(path: Path) -> list[tuple[object, ...]]:
        ws = openpyxl.load_workbook(path, data_only=True)["All Milestones"]
        return list(ws.iter_rows(values_only=True))

    assert rows(tmp_path / "dask.xlsx") == rows(tmp_path / "local.xlsx")
    assert threading.active_count() == 1  # nothing of Dask ran in this process


def test_without_distributed_the_option_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "distributed" else real(n, *a)
    )
    book = write_workbook(tmp_path / "a.xlsx", valid_sheets())
    code = main(["portfolio", str(book), "--output", str(tmp_path / "p.xlsx"), "--dask", "x:1"])
    assert code == 2
    assert capsys.readouterr().err == (
        "xl-milestones: --dask needs the portfolio extra: pip install 'xl-milestones[portfolio]'\n"
    )


def test_a_bad_scheduler_address_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "a.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    proc = _on_a_cluster(str(book), "--output", str(out), address="scheduler:::")
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.startswith(
        "xl-milestones: --dask scheduler:::: cannot reach the Dask scheduler"
    )
    assert proc.stderr.count("\n") == 1
