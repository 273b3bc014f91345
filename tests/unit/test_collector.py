"""The collector pause used by the reader, the validator and the engine."""

from __future__ import annotations

import gc
import weakref

import pytest

from xl_milestones.core.collector import collector_paused


def test_paused_inside_and_restored_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_what_the_block_built_is_old_and_its_cycles_are_still_collected() -> None:
    gc.enable()
    with collector_paused():
        kept = [[1], [2]]
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle, dropped below
        probe = weakref.ref(a)
        del a, b
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert probe() is not None
    gc.collect()
    assert probe() is None


def test_objects_the_process_froze_stay_frozen() -> None:
    gc.enable()
    frozen = [[3]]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with collector_paused():
            made = [[4]]
        assert gc.get_freeze_count() == count
        assert not any(o is made for o in gc.get_objects(generation=2))  # left young
        assert frozen
    finally:
        gc.unfreeze()
