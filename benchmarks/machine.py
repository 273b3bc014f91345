"""How fast the machine runs Python right now, printed by every benchmark beside its figures.

These machines share their host: the same code runs up to three times slower at some hours,
with the machine itself idle. A fixed pure-Python loop, timed in CPU seconds, shows it: about
0.4 s on an unloaded 2-core machine of the design's class. Compare figures taken at similar
calibrations only.
"""

from __future__ import annotations

import compileall
import os
import time
from pathlib import Path


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop (about 0.4 s when the machine is not slowed)."""
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start


def as_installed() -> None:
    """Run the package's processes as an installed package runs: its bytecode compiled once
    and read from the cache. A machine that sets PYTHONDONTWRITEBYTECODE (this one does) would
    otherwise compile the package from source in every process, about 0.12 s each, which no
    user pays (pip compiles at install; an editable install caches on first use)."""
    import xl_milestones

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(xl_milestones.__file__).parent, quiet=1)
