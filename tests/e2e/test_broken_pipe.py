"""A reader that goes away (`xl-milestones validate book.xlsx | head -1`): the program ends
quietly, with the exit code its work gave, and a refresh still writes its file. The pipe's read
end is closed before the program writes, so its first write meets a closed pipe every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
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


def test_portfolio_into_a_closed_pipe_keeps_its_exit_code(tmp_path: Path) -> None:
    # It printed its JSON with print(): the closed pipe was an "internal error", exit code 2.
    book = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    out = tmp_path / "portfolio.xlsx"
    code, err = run_into_closed_pipe(
        "portfolio", str(book), "--output", str(out), "--jobs", "1", "--format", "json"
    )
    assert code == 0
    assert "error" not in err
    assert out.exists()


def run_into_a_full_disk(*args: str) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "xl_milestones", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", ["validate", "refresh", "portfolio"])
def test_output_onto_a_full_disk_is_one_line_not_an_internal_error(
    tmp_path: Path, command: str
) -> None:
    # stdout that cannot take the output was reported as "internal error: OSError ... please
    # report it": not a bug of ours, and the user is told nothing they can act on.
    book = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    options = {
        "validate": [],
        "refresh": ["--output", str(tmp_path / "out.xlsx")],
        "portfolio": ["--output", str(tmp_path / "portfolio.xlsx"), "--jobs", "1"],
    }[command]
    run = run_into_a_full_disk(command, str(book), *options, "--format", "json")
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if "files read" not in line]
    assert lines == [
        "xl-milestones: error: cannot write to standard output (No space left on device): "
        "check where the output is sent, such as a full disk"
    ]
