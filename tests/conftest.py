"""Hypothesis profiles. The suite draws the same examples on every run ("repeatable"), so a
change is judged on the same cases each time and a red run can be replayed; `make fuzz` draws
new ones ("explore") and keeps any failure in .hypothesis/ to replay first."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("XL_MILESTONES_HYPOTHESIS", "repeatable"))
