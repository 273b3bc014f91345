"""ForkedJob: a function run in a forked child, its value handed back through a pipe; any
failure of the child gives None, so that the caller does the work itself."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from tests.writerbooks import join_other_threads

from xl_milestones.io.forked import ForkedJob, may_fork

pytestmark = pytest.mark.skipif(not may_fork(), reason="children are forked on Linux only")


@pytest.fixture(autouse=True)
def _single_threaded() -> None:
    join_other_threads()


def test_the_child_starts_with_the_parents_data_and_hands_its_value_back() -> None:
    held = list(range(100_000))
    # Larger than a pipe's buffer: the child blocks until the parent reads, which it does.
    job = ForkedJob.start(lambda: (sum(held), b"x" * 1_000_000, os.getpid()))
    assert job is not None
    got = job.result()
    assert got is not None
    total, blob, pid = got
    assert total == sum(held) and blob == b"x" * 1_000_000
    assert pid != os.getpid()


def test_an_exception_in_the_child_gives_none() -> None:
    job = ForkedJob.start(lambda: 1 // 0)
    assert job is not None
    assert job.result() is None


def test_a_child_killed_by_a_signal_gives_none() -> None:
    job = ForkedJob.start(lambda: os.kill(os.getpid(), signal.SIGKILL))
    assert job is not None
    assert job.result() is None


def test_a_value_that_does_not_pickle_gives_none() -> None:
    job = ForkedJob.start(lambda: threading.Lock())
    assert job is not None
    assert job.result() is None


def test_close_stops_a_running_child_and_reaps_it() -> None:
    job = ForkedJob.start(lambda: time.sleep(60))
    assert job is not None
    pid = job._pid
    started = time.monotonic()
    job.close()
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)
    assert job.result() is None
    job.close()  # twice is harmless


def test_no_child_is_forked_beside_a_running_thread() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not may_fork()
        assert ForkedJob.start(lambda: 1) is None
    finally:
        stop.set()
        thread.join()
    assert may_fork()


def test_the_child_neither_flushes_the_parents_buffers_nor_runs_its_exit_handlers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.txt"
    with path.open("w") as log:
        log.write("written once")  # still in the parent's buffer when the child starts
        job = ForkedJob.start(lambda: 7)
        assert job is not None
        assert job.result() == 7
    assert path.read_text() == "written once"


def test_no_child_when_the_system_refuses_a_pipe_or_a_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    before = len(os.listdir("/proc/self/fd"))
    assert ForkedJob.start(lambda: 1) is None
    assert len(os.listdir("/proc/self/fd")) == before  # the pipe was closed again
    monkeypatch.setattr(os, "pipe", refuse)
    assert ForkedJob.start(lambda: 1) is None
