"""Exceptions for unreadable files and bad usage; bad data is reported as Issues instead."""


class XlMilestonesError(Exception):
    """Base of every error the command line turns into a one-line message and exit code 2."""


class WorkbookError(XlMilestonesError):
    """The workbook cannot be read: not a workbook, encrypted, missing sheet or column..."""


class OutputError(XlMilestonesError):
    """The output cannot be written; the input is left as it was."""


class UsageError(XlMilestonesError):
    """Bad command-line usage or an unknown milestone id."""
