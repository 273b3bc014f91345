"""Exceptions for unreadable files and bad usage; bad data is reported as Issues instead."""

from __future__ import annotations

import os
from pathlib import Path


class XlMilestonesError(Exception):
    """Base of every error the command line turns into a one-line message and exit code 2."""


class WorkbookError(XlMilestonesError):
    """The workbook cannot be read: not a workbook, encrypted, missing sheet or column..."""


class OutputError(XlMilestonesError):
    """The output cannot be written; the input is left as it was."""


class UsageError(XlMilestonesError):
    """Bad command-line usage or an unknown milestone id."""


def example_name(path: str | os.PathLike[str], suffix: str, stem: str) -> str:
    """A file name to suggest in a message about ``path``: its own name with ``suffix``, or
    ``stem`` + ``suffix`` inside it when it names a folder (``.``, ``..``, ``/``, a folder that
    exists), which has no name to take an extension."""
    target = Path(path)
    if target.name in ("", ".", "..") or target.is_dir():
        return str(target / f"{stem}{suffix}")
    return target.with_suffix(suffix).name
