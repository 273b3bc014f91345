"""Pausing Python's cyclic garbage collector around a large build.

Reading, validating and computing a large workbook each make hundreds of thousands of objects
and free none of them before they end: the collector would only rescan them again and again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside the block, and back as it was after (also on error)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
