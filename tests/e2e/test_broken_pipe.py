"""A reader that goes away (`xl-milestones validate book.xlsx | head -1`): the program ends
quietly, with the exit code its work gave, and a refresh still writes its file. The pipe's read
end is closed before the program writes, so its first write meets a closed pipe every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.factory import valid_sheets, write_workbook


def run_into_closed_pipe(*args: str) -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "xl_milestones", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=120), err


def test_validate_into_a_closed_pipe_keeps_its_exit_code(tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    assert run_into_closed_pipe("validate", str(good)) == (0, "")
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "next Tuesday"
    bad = write_workbook(tmp_path / "bad.xlsx", sheets)
    assert run_into_closed_pipe("validate", str(bad)) == (1, "")
    assert run_into_closed_pipe("validate", str(bad), "--format", "json") == (1, "")


def test_refresh_into_a_closed_pipe_still_writes_its_file(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "book.xlsx", valid_sheets())
    out = tmp_path / "out.xlsx"
    assert run_into_closed_pipe("refresh", str(book), "--output", str(out)) == (0, "")
    assert out.exists()
