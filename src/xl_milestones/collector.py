"""Pausing Python's cyclic garbage collector around a large build: run-time policy, so the entry
points (the command line, the ribbon macros and the Lite scripts, the functions, the portfolio's
workers) put it around their work, not the pure core.

Reading, validating and computing a large workbook each make hundreds of thousands of objects
and free none of them before they end: the collector would only rescan them again and again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside the block, and back as it was after (also on error).

    What the block built and still holds then joins the oldest generation: left young, all of
    it would be traced by the next young collection, most of a second for a large workbook, to
    find nothing to free. ``gc.freeze`` then ``gc.unfreeze`` move it there in constant time;
    cycles among it are still found by the next full collection. Skipped when the process has
    frozen objects of its own (``gc.unfreeze`` would release them too).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()
