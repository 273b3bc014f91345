"""Paths on the command line: an empty one is a usage error for every file or folder
argument, before anything is read or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_milestones.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["validate", ""], "book"),
        (["refresh", ""], "book"),
        (["refresh", "b.xlsm", "--output", ""], "--output"),
        (["demo", ""], "dir"),
        (["new", ""], "path"),
        (["signoff-pack", "", "--output", "p.pdf"], "book"),
        (["signoff-pack", "b.xlsm", "--output", ""], "--output"),
        (["portfolio", "", "--output", "p.xlsx"], "PATH"),
        (["portfolio", "b.xlsm", "--output", ""], "--output"),
        (["portfolio", "b.xlsm", "--output", "p.xlsx", "--fx-rates", ""], "--fx-rates"),
        (["portfolio", "b.xlsm", "--output", "p.xlsx", "--parquet", ""], "--parquet"),
    ],
)
def test_an_empty_path_is_a_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    argument: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty path would be this folder
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert f"argument {argument}: an empty path: give the name of a file or folder" in last
    assert "internal error" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written
