"""The collector pause used by the reader, the validator and the engine."""

from __future__ import annotations

import gc

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
