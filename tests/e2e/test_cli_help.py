"""What a new user meets on the command line: suggestions for mistyped commands and choices,
help that describes every option and the exit codes, a plain answer for an empty workbook,
one rule for "file" in JSON, and a demo that refuses an as-of date it cannot serve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.factory import valid_sheets, write_workbook
from tests.tools import run_cli


@pytest.mark.parametrize(
    ("args", "guess"),
    [
        (["valdate", "book.xlsx"], "did you mean validate?"),
        (["refesh", "book.xlsx"], "did you mean refresh?"),
        (["signoff", "book.xlsx"], "did you mean signoff-pack?"),
        (["validate", "book.xlsx", "--format", "jsn"], "did you mean json?"),
    ],
)
def test_a_mistyped_command_or_choice_gets_the_nearest_one(
    capsys: pytest.CaptureFixture[str], args: list[str], guess: str
) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines()[-1].endswith(guess)


def test_nothing_close_gets_no_guess(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "zzzzzz")
    assert code == 2
    assert "invalid choice" in err and "did you mean" not in err


@pytest.mark.parametrize(
    ("args", "usage", "last"),
    [
        (
            ["refresh", "book.xlsx", "--ouput", "out.xlsx"],
            "usage: xl-milestones refresh ",
            "refresh: error: unrecognized arguments: --ouput out.xlsx: did you mean --output?",
        ),
        (
            ["portfolio", "a", "--output=p.xlsx", "--jobz=3"],
            "usage: xl-milestones portfolio ",
            "portfolio: error: unrecognized arguments: --jobz=3: did you mean --jobs?",
        ),
        (
            ["validate", "book.xlsx", "--bogus"],
            "usage: xl-milestones validate ",
            "validate: error: unrecognized arguments: --bogus",
        ),
        (
            ["validate", "a.xlsx", "b.xlsx"],
            "usage: xl-milestones validate ",
            "validate: error: unrecognized arguments: b.xlsx",
        ),
    ],
)
def test_an_unknown_option_gets_the_commands_usage_and_the_nearest_option(
    capsys: pytest.CaptureFixture[str], args: list[str], usage: str, last: str
) -> None:
    # argparse answered with the program's usage (`xl-milestones [-h] [--version] COMMAND`),
    # which shows none of the command's options, and no guess.
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith(usage)
    assert err.strip().splitlines()[-1] == f"xl-milestones {last}"


@pytest.mark.parametrize(
    ("command", "name"),
    [("validate", "BOOK"), ("refresh", "BOOK"), ("signoff-pack", "BOOK"), ("demo", "[DIR]")],
)
def test_the_usage_names_the_arguments_as_the_help_and_readme_do(
    capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    # It was `book`, `dir` and `path`, where the text below it says BOOK.bak, DIR, PATH.xlsm.
    code, out, _err = run_cli(capsys, command, "--help")
    assert code == 0
    usage = " ".join(out.split("\n\n")[0].split())
    assert usage.endswith(f" {name}")
    code, _out, err = run_cli(capsys, "new")
    assert err.strip().splitlines()[-1].endswith("the following arguments are required: PATH")


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("2026-13-01", "'2026-13-01' is not a day of the calendar (month must be in 1..12)"),
        ("2026-02-30", "'2026-02-30' is not a day of the calendar (day is out of range"),
        ("31/12/2026", "'31/12/2026' is not a date: use YYYY-MM-DD, e.g. 2026-06-30"),
        ("tomorrow", "'tomorrow' is not a date: use YYYY-MM-DD, e.g. 2026-06-30"),
    ],
)
def test_an_as_of_date_that_does_not_exist_says_why(
    capsys: pytest.CaptureFixture[str], given: str, why: str
) -> None:
    # 2026-13-01 was told "use YYYY-MM-DD", the form it is already in.
    code, out, err = run_cli(capsys, "refresh", "book.xlsx", "--as-of", given)
    assert (code, out) == (2, "")
    assert f"refresh: error: argument --as-of: {why}" in err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("validate", ["--format", "json: one JSON object", "exit codes: 0", "1 errors found"]),
        (
            "refresh",
            [
                "--as-of",
                "As Of Date",
                "--output",
                "BOOK.bak",
                "exit codes: 0",
                "json: one JSON",
                "text (default): a summary",
            ],
        ),
        ("demo", ["--as-of", "2026-06-30", "2075-04-01", "xlsm.bak", "exit codes: 0"]),
        ("new", ["--force", ".xlsm", "exit codes: 0"]),
        ("signoff-pack", ["--milestone", "--output", "FILE.html", "exit codes: 0"]),
        ("portfolio", ["--output", "--format", "exit codes: 0"]),
    ],
)
def test_each_commands_help_describes_its_options_and_exit_codes(
    capsys: pytest.CaptureFixture[str], command: str, words: list[str]
) -> None:
    code, out, _err = run_cli(capsys, command, "--help")
    assert code == 0
    flowing = " ".join(out.split())  # as read, whatever the width argparse wraps at
    for word in words:
        assert word in flowing, word
    # every option and argument has a description
    import argparse

    from xl_milestones.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices[command]._actions:
        assert action.help, f"{command} {action.dest} has no description"


def test_refreshing_a_workbook_without_milestones_says_what_to_fill_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "q3.xlsm"
    assert run_cli(capsys, "new", str(blank))[0] == 0
    code, out, _err = run_cli(capsys, "refresh", str(blank), "--output", str(tmp_path / "out.xlsm"))
    assert code == 0
    assert "Status:" not in out and "Payments:" not in out
    assert "No milestones yet: fill in Settings (As Of Date) and Contracts first" in out
    assert "(Milestone ID, Contract ID, Milestone, Type, Baseline Date)" in out


def test_refreshing_a_workbook_where_no_milestone_can_be_computed_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    for row in sheets["milestones"]:
        row["baseline_date"] = "next Tuesday"  # an error on every milestone
    book = write_workbook(tmp_path / "book.xlsx", sheets)
    out_path = tmp_path / "out.xlsx"
    code, out, _err = run_cli(capsys, "refresh", str(book), "--output", str(out_path))
    assert code == 1
    lines = out.splitlines()
    assert "  Status:   none computed (see Validation)" in lines
    assert "  Payments: none computed (see Validation)" in lines
    assert (
        "  4 milestones not computed: errors in their rows or in rows they depend on (their "
        "contract, rows of other sheets for them, a predecessor, or Settings)."
    ) in lines
    code, out, _err = run_cli(
        capsys, "refresh", str(book), "--output", str(out_path), "--format", "json"
    )
    totals = json.loads(out)["totals"]
    assert (totals["computed"], totals["payment_status"]) == (0, {})


def test_file_in_json_is_the_path_as_typed_for_validate_and_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "books").mkdir()
    write_workbook(tmp_path / "books" / "book.xlsx", valid_sheets())
    typed = "books/book.xlsx"
    _code, out, _err = run_cli(capsys, "validate", typed, "--format", "json")
    assert json.loads(out)["file"] == typed
    _code, out, _err = run_cli(capsys, "refresh", typed, "--output", "out.xlsx", "--format", "json")
    assert json.loads(out)["file"] == typed
    assert out.count("\n") == 1  # one line, as the README says


def test_demo_refuses_an_as_of_date_before_the_samples_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    code, out, err = run_cli(capsys, "demo", str(folder), "--as-of", "2026-03-31")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "records events up to 2026-06-29" in err and "give 2026-06-29 or a later date" in err
    assert not folder.exists()


@pytest.mark.parametrize("as_of", ["9999-12-31", "2075-04-02"])
def test_demo_refuses_an_as_of_date_that_puts_the_samples_contracts_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    folder = tmp_path / "demo"
    code, out, err = run_cli(capsys, "demo", str(folder), "--as-of", as_of)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "earliest contract date is 2025-04-01" in err
    assert "give 2075-04-01 or an earlier date" in err
    assert not folder.exists()


def test_demo_serves_its_latest_as_of_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "demo", str(tmp_path / "demo"), "--as-of", "2075-04-01")
    assert code == 0, err
    assert "as of 2075-04-01" in out.splitlines()[0]
