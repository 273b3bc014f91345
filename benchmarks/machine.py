"""How fast the machine runs Python right now, printed by every benchmark beside its figures.

These machines share their host: the same code runs up to three times slower at some hours,
with the machine itself idle. A fixed pure-Python loop, timed in CPU seconds, shows it: about
0.4 s on an unloaded 2-core machine of the design's class. Compare figures taken at similar
calibrations only.
"""

from __future__ import annotations

import time


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop (about 0.4 s when the machine is not slowed)."""
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start
