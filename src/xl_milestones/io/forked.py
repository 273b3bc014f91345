"""One piece of work done in a forked child process, on the second core.

Python runs one thread at a time, so two large sheets cannot be rewritten side by side by
threads. A forked child starts with everything the parent holds, runs one function and hands
its pickled return value back through a pipe; the parent goes on meanwhile.

A child is forked only where fork is the system's own way to start a process (Linux) and only
from a single-threaded process: a child forked beside running threads can find a lock one of
them held at that moment held for ever. Whenever no child is forked, or the child fails in any
way (an exception, a signal, a result that does not unpickle), ``result`` gives None and the
caller does the work itself, where an error is raised as it would be without a child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

_T = TypeVar("_T")


def may_fork() -> bool:
    """Whether a child may be forked here and now (Linux, no other thread running)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class ForkedJob(Generic[_T]):
    """A function running in a child process; ``result`` waits for its value."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd

    @classmethod
    def start(cls, work: Callable[[], _T]) -> ForkedJob[_T] | None:
        """Fork a child that runs ``work``; None when no child may or can be forked."""
        if not may_fork():
            return None
        try:
            read_end, write_end = os.pipe()
        except OSError:  # out of file descriptors: the caller does the work
            return None
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: likewise
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns
            status = 1
            try:
                os.close(read_end)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                # No cleanup of the parent's: its files, buffers and exit handlers are its own.
                os._exit(status)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> _T | None:
        """The child's return value, once it has ended; None when it failed."""
        if self._fd < 0:
            return None
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                self._fd = -1
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return None
            return pickle.loads(data)  # type: ignore[no-any-return]
        except Exception:
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Stop the child if it is still running (the parent failed or gave up on it)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._pid:
            pid, self._pid = self._pid, 0
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
