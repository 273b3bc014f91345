"""Hypothesis profiles. The suite draws the same examples on every run ("repeatable"), so a
change is judged on the same cases each time and a red run can be replayed; `make fuzz` draws
new ones ("explore") and keeps any failure in .hypothesis/ to replay first. Tests marked
`sweep` (exhaustive versions of sampled tests) run only under `make fuzz`.

The Lite path is tested on xlwings' real remote engine, whose code is under the PolyForm
Noncommercial licence or a paid one: the suite runs it under the noncommercial key unless
XLWINGS_LICENSE_KEY names another (a company running the tests commercially sets its own)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Before anything imports xlwings: it registers its remote engine only with a licence key.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("XL_MILESTONES_HYPOTHESIS", "repeatable"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("XL_MILESTONES_SWEEP") == "1":
        return
    sweeps = [item for item in items if item.get_closest_marker("sweep")]
    if sweeps:
        config.hook.pytest_deselected(items=sweeps)
        items[:] = [item for item in items if not item.get_closest_marker("sweep")]
