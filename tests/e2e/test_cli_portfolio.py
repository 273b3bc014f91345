"""`xl-milestones portfolio` end to end on real files: the totals are the sum of each book's
own refresh, bad files are listed and not fatal, exit codes, currencies, the worker pool."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shlex
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from tests.factory import setting, valid_sheets, write_workbook
from tests.tools import excel_lock_file, ooxml_validate, run_cli

from xl_milestones.app.portfolio import ALL_MILESTONES, SOURCES, Progress
from xl_milestones.core.portfolio import COUNT_METRICS
from xl_milestones.core.schema import DASHBOARD_METRICS, STATUSES

SAMPLE = Path(__file__).resolve().parents[2] / "workbook" / "sample_contract_milestones.xlsm"
COUNT_KEYS = COUNT_METRICS


def _refresh_json(capsys: pytest.CaptureFixture[str], book: Path, tmp: Path) -> dict[str, object]:
    code, out, err = run_cli(
        capsys, "refresh", str(book), "--output", str(tmp / f"r-{book.name}"), "--format", "json"
    )
    assert code in (0, 1), err
    return dict(json.loads(out))


def _table(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if any(v is not None for v in r)]


def _books(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    (folder / "north").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "north" / "sample.xlsm")
    small = valid_sheets()
    for row in small["milestones"]:
        if row["milestone_id"] == "M-002":  # awaiting sign-off since 2026-03-20
            row["actual_date"] = dt.date(2026, 3, 20)
            row["percent_complete"] = 1
    write_workbook(folder / "small.xlsx", small)
    broken = valid_sheets()
    broken["milestones"][0]["baseline_date"] = "31/05/2026"  # an error: M-001 is skipped
    write_workbook(folder / "with-errors.xlsx", broken)
    return folder


def test_totals_are_the_sum_of_each_books_own_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _books(tmp_path)
    books = sorted(folder.rglob("*.xls*"))
    own = {b.name: _refresh_json(capsys, b, tmp_path) for b in books}
    before = {b: b.read_bytes() for b in books}
    out = tmp_path / "portfolio.xlsx"
    code, stdout, err = run_cli(
        capsys, "portfolio", str(folder), "--output", str(out), "--format", "json"
    )
    assert code == 1, err  # with-errors.xlsx has an error
    data = json.loads(stdout)
    assert data["currency"] == "GBP"
    assert data["files"] == {"read": 3, "not_read": 0}
    totals = data["totals"]
    for key, _label in DASHBOARD_METRICS:
        if key in COUNT_KEYS:
            continue
        expected = sum(Decimal(str(o["totals"]["amounts"][key])) for o in own.values())
        assert Decimal(totals[key]) == expected, key
    assert totals["milestones"] == sum(o["totals"]["computed"] for o in own.values())
    assert totals["red"] == sum(o["totals"]["rag"]["Red"] for o in own.values())
    # Overdue sign-offs add up; the oldest wait is the largest of the books'.
    overdue = [o["totals"]["signoffs_overdue"] for o in own.values()]
    oldest = [o["totals"]["oldest_signoff_days"] for o in own.values()]
    assert totals["signoffs_overdue"] == sum(overdue) and sum(overdue) > 0
    assert totals["oldest_signoff_days"] == max(oldest) < sum(oldest)
    for status in STATUSES:
        assert data["status"][status] == sum(o["totals"]["status"][status] for o in own.values())
    # Every book is only read; the portfolio is a workbook Excel opens without repairs.
    assert all(b.read_bytes() == before[b] for b in books)
    assert ooxml_validate(out) == []
    # Each sheet's rows are an Excel table, though written row by row (constant memory).
    book = openpyxl.load_workbook(out)
    for name in (ALL_MILESTONES.name, SOURCES.name, "Payment Schedule", "Sign-off Queue"):
        ws = book[name]
        assert list(ws.tables) == ["tbl" + name.replace(" ", "").replace("-", "")], name
        assert ws.tables[next(iter(ws.tables))].ref.startswith("A1:"), name

    # All Milestones: one row per milestone of each book, with that book's own results.
    rows = _table(out, ALL_MILESTONES.name)
    assert len(rows) == sum(len(o["milestones"]) for o in own.values())
    for row in rows:
        name = Path(str(row["Workbook"])).name
        mine = own[name]["milestones"][row["Milestone ID"]]
        due = mine["amount_due"]
        assert (row["Amount Due"] is None) == (due is None)
        if due is not None:
            assert Decimal(str(row["Amount Due"])) == Decimal(due).quantize(Decimal("0.01"))
        assert row["Status"] == mine["status"]
    skipped = {r["Milestone ID"] for r in rows if r["Computed"] is False}
    own_skipped = {k for k, v in own["with-errors.xlsx"]["milestones"].items() if not v["status"]}
    assert "M-001" in skipped and skipped == own_skipped

    sources = {Path(str(r["Workbook"])).name: r for r in _table(out, SOURCES.name)}
    assert sources["with-errors.xlsx"]["Errors"] >= 1
    assert "date-text-not-iso" in str(sources["with-errors.xlsx"]["First Error"])
    assert sources["with-errors.xlsx"]["Milestones Skipped"] >= 1
    # The three books share contract ids (C-001...): each kept, each flagged.
    assert "C-002 (also in " in str(sources["small.xlsx"]["Contract IDs Also Elsewhere"])
    assert "with-errors.xlsx" in str(sources["small.xlsx"]["Contract IDs Also Elsewhere"])
    assert "small.xlsx" in str(sources["sample.xlsm"]["Contract IDs Also Elsewhere"])
    assert len([r for r in rows if r["Contract ID"] == "C-002"]) > 3


def test_bad_files_are_listed_with_validates_reason_and_the_rest_rolled_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    folder = tmp_path / "books"
    folder.mkdir()
    good = write_workbook(folder / "good.xlsx", valid_sheets())
    (folder / "notes.xlsx").write_text("not a workbook\n")
    secret = io.BytesIO()
    with good.open("rb") as fh:
        OOXMLFile(fh).encrypt("s3cret", secret)
    (folder / "secret.xlsx").write_bytes(secret.getvalue())
    assert msoffcrypto.OfficeFile(io.BytesIO(secret.getvalue())).is_encrypted()
    # Skipped: Excel's lock file, a backup copy, a hidden temporary file.
    shutil.copy(good, folder / "~$good.xlsx")
    shutil.copy(good, folder / "good.xlsx.bak")
    shutil.copy(good, folder / ".good.xlsx.tmp.xlsx")

    out = tmp_path / "p.xlsx"
    code, stdout, _err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 1
    sources = {Path(str(r["Workbook"])).name: r for r in _table(out, SOURCES.name)}
    assert set(sources) == {"good.xlsx", "notes.xlsx", "secret.xlsx"}
    assert sources["good.xlsx"]["Read"] is True
    assert "open in Excel" in str(sources["good.xlsx"]["Notes"])  # its lock file is beside it
    for name in ("notes.xlsx", "secret.xlsx"):
        assert sources[name]["Read"] is False
        code_v, _o, err_v = run_cli(capsys, "validate", str(folder / name))
        assert code_v == 2
        # The same one-line reason validate gives.
        assert err_v.strip() == f"xl-milestones: error: {sources[name]['Not Read Because']}"
    assert "password-protected" in stdout and "Not read:" in stdout


def test_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    assert run_cli(capsys, "portfolio", str(good), "--output", str(out))[0] == 0
    assert out.exists()

    bad = tmp_path / "bad.xlsx"
    bad.write_text("text")
    out.unlink()
    # The workbook is begun before the files are read: nothing of it is left when none is.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    code, _out, err = run_cli(
        capsys, "portfolio", str(bad), "--output", str(out), "--parquet", str(tmp_path / "t")
    )
    assert code == 2 and not out.exists()
    assert "no workbook could be read" in err and "a text file" in err
    assert list(scratch.iterdir()) == [] and list((tmp_path / "t").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "good.xlsx", "scratch", "t"]

    empty = tmp_path / "empty"
    empty.mkdir()
    code, _out, err = run_cli(capsys, "portfolio", str(empty), "--output", str(out))
    assert code == 2 and "no .xlsx or .xlsm workbook" in err
    # As validate and refresh: with --format json too, nothing on stdout, the reason on stderr.
    code, stdout, err = run_cli(
        capsys, "portfolio", str(empty), "--output", str(out), "--format", "json"
    )
    assert code == 2 and stdout == "" and "no workbook could be read" in err

    for args, words in (
        (("--output", str(tmp_path / "p.csv")), "ending in .xlsx"),
        (("--output", str(tmp_path / "nowhere" / "p.xlsx")), "does not exist"),
        (("--output", str(out), "--currency", "pounds"), "three-letter"),
        (("--output", str(out), "--currency", "xyz"), "not an ISO 4217 currency code"),
        (("--output", str(out), "--jobs", "0"), "at least 1"),
    ):
        code, _out, err = run_cli(capsys, "portfolio", str(good), *args)
        assert code == 2 and words in err, err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_path_is_listed_and_the_others_rolled_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    code, stdout, _err = run_cli(
        capsys, "portfolio", str(good), str(tmp_path / "gone.xlsx"), "--output", str(out)
    )
    assert code == 1
    assert "gone.xlsx: no such file or folder" in stdout


def _usd_book(path: Path) -> Path:
    sheets = valid_sheets()
    sheets["contracts"][1]["currency"] = "USD"
    sheets["fx_rates"] = [{"currency": "USD", "rate_to_reporting": 0.8}]
    return write_workbook(path, sheets)


def test_a_currency_without_a_rate_is_reported_and_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _usd_book(tmp_path / "usd.xlsx")
    # The rates given have EUR only: the book's USD amounts have no rate.
    rates_book = write_workbook(tmp_path / "rates.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    code, stdout, _err = run_cli(
        capsys,
        "portfolio",
        str(book),
        "--output",
        str(out),
        "--fx-rates",
        str(rates_book),
        "--format",
        "json",
    )
    data = json.loads(stdout)
    assert data["sources"][0]["missing_fx"] == "USD"
    assert "USD" in str(_table(out, SOURCES.name)[0]["No FX Rate For"])
    rows = [r for r in _table(out, ALL_MILESTONES.name) if r["Currency"] == "USD"]
    assert rows and all(r["Amount Due (Reporting)"] is None for r in rows)
    assert code == 0  # read without errors; the missing rate is on Sources
    # The Dashboard's figures leave USD out: the line under its title says so.
    subtitle = str(openpyxl.load_workbook(out)["Dashboard"]["A2"].value)
    assert subtitle.endswith("no FX rate for USD: left out of the amounts (see Sources)")


def test_currency_option_converts_through_the_books_own_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The book reports in GBP with 1 EUR = 0.85 GBP. In EUR, 0.85 GBP is 1 EUR: a GBP amount
    # of 8.50 is 10.00 EUR (8.50 / 0.85).
    book = write_workbook(tmp_path / "b.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    code, stdout, _err = run_cli(
        capsys,
        "portfolio",
        str(book),
        "--output",
        str(out),
        "--currency",
        "eur",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(stdout)["currency"] == "EUR"
    for row in _table(out, ALL_MILESTONES.name):
        due = row["Amount Due"]
        if due is None:
            continue
        expected = (
            Decimal(str(due)) if row["Currency"] == "EUR" else Decimal(str(due)) / Decimal("0.85")
        )
        assert Decimal(str(row["Amount Due (Reporting)"])) == expected.quantize(Decimal("0.01"))


def test_fx_rates_book_supplies_the_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _usd_book(tmp_path / "usd.xlsx")
    rates = valid_sheets()
    rates["fx_rates"] = [
        {"currency": "EUR", "rate_to_reporting": 0.8},
        {"currency": "USD", "rate_to_reporting": 0.75},
    ]
    rates_book = write_workbook(tmp_path / "rates.xlsx", rates)
    out = tmp_path / "p.xlsx"
    code, _stdout, err = run_cli(
        capsys, "portfolio", str(book), "--output", str(out), "--fx-rates", str(rates_book)
    )
    assert code == 0, err
    source = _table(out, SOURCES.name)[0]
    assert source["No FX Rate For"] is None
    for row in _table(out, ALL_MILESTONES.name):
        if row["Currency"] == "USD" and row["Amount Due"] is not None:
            expected = (Decimal(str(row["Amount Due"])) * Decimal("0.75")).quantize(Decimal("0.01"))
            assert Decimal(str(row["Amount Due (Reporting)"])) == expected

    bad = valid_sheets()
    bad["fx_rates"] = [{"currency": "USD", "rate_to_reporting": "abc"}]
    bad_book = write_workbook(tmp_path / "bad-rates.xlsx", bad)
    code, _stdout, err = run_cli(
        capsys, "portfolio", str(book), "--output", str(out), "--fx-rates", str(bad_book)
    )
    assert code == 2 and "FX Rates!" in err and err.count("\n") == 1


def test_worker_pool_gives_the_same_portfolio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _books(tmp_path)
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    _c1, out1, _e = run_cli(
        capsys, "portfolio", str(folder), "--output", str(one), "--jobs", "1", "--format", "json"
    )
    _c2, out2, _e = run_cli(
        capsys, "portfolio", str(folder), "--output", str(two), "--jobs", "2", "--format", "json"
    )
    first, second = json.loads(out1), json.loads(out2)
    first.pop("output"), second.pop("output")
    assert first == second
    assert _table(one, ALL_MILESTONES.name) == _table(two, ALL_MILESTONES.name)


def test_progress_is_a_plain_line_per_tenth_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(20, stream)
    for done in range(1, 21):
        progress(done)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("xl-milestones: 2 of 20 files read (10%)")
    assert "files/s" in lines[-1] and "left" in lines[-1]


def test_progress_says_the_share_of_files_read_not_its_tenth() -> None:
    stream = io.StringIO()
    progress = Progress(3, stream)
    for done in range(1, 4):
        progress(done)
    shares = [line.split("(")[1].split(")")[0] for line in stream.getvalue().splitlines()]
    assert shares == ["33%", "66%", "100%"]


def test_settings_currency_of_the_first_book_is_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    sheets["settings"] = [
        {"setting": setting("as_of_date"), "value": "2026-03-31"},
        {"setting": setting("reporting_currency"), "value": "EUR"},
    ]
    sheets["fx_rates"] = [{"currency": "GBP", "rate_to_reporting": 1.25}]
    first = write_workbook(tmp_path / "a.xlsx", sheets)
    second = write_workbook(tmp_path / "b.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    _code, stdout, _err = run_cli(
        capsys, "portfolio", str(first), str(second), "--output", str(out), "--format", "json"
    )
    assert json.loads(stdout)["currency"] == "EUR"


def test_a_folder_of_skipped_files_says_what_was_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    folder = tmp_path / "skipped"
    (folder / ".hidden").mkdir(parents=True)
    shutil.copy(good, folder / ".hidden" / "a.xlsx")
    shutil.copy(good, folder / ".b.xlsm")
    shutil.copy(good, folder / "~$c.xlsx")
    (folder / "notes.txt").write_text("not a workbook either, and not counted\n")
    out = tmp_path / "p.xlsx"
    code, _out, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 2 and not out.exists()
    assert (
        f"{folder}: no .xlsx or .xlsm workbook in this folder or below it (3 skipped: 1 Excel "
        "lock file (~$...), 2 hidden (a name or folder starting with a dot))"
    ) in err

    # The output itself is skipped too, and said so.
    shutil.copy(good, folder / "p.xlsx")
    code, _out, err = run_cli(capsys, "portfolio", str(folder), "--output", str(folder / "p.xlsx"))
    assert code == 2 and "(4 skipped: " in err and ", the --output file)" in err

    # A folder whose workbook was listed already (given twice) is not one without any.
    both = tmp_path / "both"
    both.mkdir()
    shutil.copy(good, both / "good.xlsx")
    code, stdout, err = run_cli(capsys, "portfolio", str(both), str(both), "--output", str(out))
    assert code == 0, stdout + err
    assert "Read: 1; not read: 0" in stdout


def test_status_says_none_computed_when_every_milestone_has_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = valid_sheets()
    for row in sheets["milestones"]:
        row["baseline_date"] = "31/05/2026"  # an error on every milestone: none computed
    book = write_workbook(tmp_path / "errors.xlsx", sheets)
    code, stdout, _err = run_cli(
        capsys, "portfolio", str(book), "--output", str(tmp_path / "p.xlsx")
    )
    assert code == 1
    n = len(sheets["milestones"])
    assert f"  Status:   none computed ({n} milestones with errors: see Sources)" in stdout


def test_the_summary_names_each_workbook_with_errors_and_what_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Exit code 1 for errors inside a workbook read: the summary said only "with errors: 1",
    # naming no file, so a nightly log gave no way to find the book to correct.
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "31/05/2026"  # one milestone not computed
    bad = write_workbook(tmp_path / "Q3 north.xlsx", sheets)
    out = tmp_path / "p.xlsx"
    for extra, command in (
        ((), f"xl-milestones validate '{bad}'"),
        (("--as-of", "2026-07-01"), f"xl-milestones validate '{bad}' --as-of 2026-07-01"),
    ):
        code, stdout, _err = run_cli(
            capsys, "portfolio", str(good), str(bad), "--output", str(out), *extra
        )
        assert code == 1
        assert "with errors: 1" in stdout and str(good) not in stdout.split("wrote")[1]
        lines = stdout.splitlines()
        at = lines.index("  With errors (milestones not computed are left out of the figures):")
        # The milestone and those that follow it (their predecessor) are not computed.
        assert lines[at + 1] == f"    {bad}: 1 error, 3 milestones not computed: run {command}"
        assert not [line for line in lines[at + 2 :] if line.startswith("    ")]  # good.xlsx


def test_a_lock_file_named_by_a_shell_wildcard_is_skipped_as_in_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `portfolio contracts/*.xlsx` names Excel's lock file of a workbook open in Excel: it was
    # listed as "not an Excel workbook: ... a CSV must be saved as .xlsx", exit code 1.
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    lock = excel_lock_file(good)
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(capsys, "portfolio", str(lock), str(good), "--output", str(out))
    assert code == 0, stdout + err
    assert "Read: 1; not read: 0" in stdout and "~$" not in stdout
    out.unlink()
    # Alone, it is said why nothing was read.
    code, stdout, err = run_cli(capsys, "portfolio", str(lock), "--output", str(out))
    assert code == 2 and not out.exists()
    assert f"not read: {lock}: Excel's lock file, not a workbook" in err
    assert "give the workbook itself" in err


def test_status_says_when_the_workbooks_hold_no_milestone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "new.xlsx"
    assert run_cli(capsys, "new", str(blank))[0] == 0
    code, stdout, err = run_cli(
        capsys, "portfolio", str(blank), "--output", str(tmp_path / "p.xlsx")
    )
    assert code == 0, err
    assert stdout.splitlines()[2] == "  Status:   no milestones in the workbooks read"


def test_a_blank_book_has_no_currency_of_its_own_and_does_not_choose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A workbook from `new` has no Reporting Currency and no contract: the GBP book after it
    # chooses, and Sources shows the blank book's currency blank (not the engine's EUR).
    blank = tmp_path / "a-new.xlsx"
    assert run_cli(capsys, "new", str(blank))[0] == 0
    gbp = write_workbook(tmp_path / "b-gbp.xlsx", valid_sheets())
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(
        capsys, "portfolio", str(blank), str(gbp), "--output", str(out), "--format", "json"
    )
    assert code == 0, err
    data = json.loads(stdout)
    assert data["currency"] == "GBP"
    assert [s["book_currency"] for s in data["sources"]] == [None, "GBP"]
    assert [r["Book Currency"] for r in _table(out, SOURCES.name)] == [None, "GBP"]
    assert "amounts in GBP" in str(openpyxl.load_workbook(out)["Dashboard"]["A2"].value)
    # The same totals as the GBP book alone.
    alone = tmp_path / "alone.xlsx"
    _c, stdout_alone, _e = run_cli(
        capsys, "portfolio", str(gbp), "--output", str(alone), "--format", "json"
    )
    totals = json.loads(stdout_alone)["totals"]
    assert {k: v for k, v in data["totals"].items() if k != "workbooks_read"} == {
        k: v for k, v in totals.items() if k != "workbooks_read"
    }

    # Only blank books: EUR as before, and the summary says why.
    code, stdout, err = run_cli(capsys, "portfolio", str(blank), "--output", str(out))
    assert code == 0, err
    assert "amounts in EUR (no workbook gives a currency)" in stdout.splitlines()[0]
    assert "(no workbook gives a currency)" in str(
        openpyxl.load_workbook(out)["Dashboard"]["A2"].value
    )


def test_the_summary_counts_workbooks_read_not_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_workbook(tmp_path / "good.xlsx", valid_sheets())
    notes = tmp_path / "notes.xlsx"
    notes.write_text("not a workbook\n")
    out = tmp_path / "p.xlsx"
    code, stdout, _err = run_cli(capsys, "portfolio", str(good), str(notes), "--output", str(out))
    assert code == 1
    first, second = stdout.splitlines()[:2]
    assert first.startswith("Portfolio of 1 workbook as of ")
    assert second == "  Read: 1; not read: 1; with errors: 0"
    subtitle = str(openpyxl.load_workbook(out)["Dashboard"]["A2"].value)
    assert subtitle.endswith("· 1 workbook read, 1 file not read")


def test_a_copy_of_a_workbook_of_many_contracts_lists_the_first_shared_ids_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A copy saved beside the original ("- Copy"): its 1,502 contract IDs are all shared. The
    # full list (about 60,000 characters) would be cut off mid-name at Excel's 32,767 a cell.
    sheets = valid_sheets()
    extra = dict(sheets["contracts"][1])
    sheets["contracts"] += [{**extra, "contract_id": f"C-{n:05d}"} for n in range(3, 1503)]
    folder = tmp_path / "books"
    folder.mkdir()
    book = write_workbook(folder / "contracts.xlsx", sheets)
    shutil.copy(book, folder / "contracts - Copy.xlsx")
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code in (0, 1), err
    # The summary says so too: a copy's amounts count twice in the totals.
    assert (
        "  1,502 contract IDs in more than one workbook, counted in each (see Sources): a "
        "workbook that is a copy of another counts twice, so leave it out"
    ) in stdout.splitlines()
    subtitle = str(openpyxl.load_workbook(out)["Dashboard"]["A2"].value)
    assert subtitle.endswith(
        "· 1,502 contract IDs in more than one workbook, counted in each (see Sources)"
    )
    for row in _table(out, SOURCES.name):
        shared = str(row["Contract IDs Also Elsewhere"]).split("; ")
        assert len(shared) == 21
        assert shared[0].startswith("C-001 (also in ") and "contracts" in shared[0]
        assert shared[-1] == "and 1,482 more contract IDs"


def test_last_months_portfolio_in_the_folder_is_named_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A portfolio written into the folder it reads, under a dated name: next month's run
    # meets it. Not a contract workbook, and no "add a sheet named Contracts" advice.
    folder = tmp_path / "books"
    folder.mkdir()
    write_workbook(folder / "a.xlsx", valid_sheets())
    june = folder / "portfolio-2026-06.xlsx"
    code, _stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(june))
    assert code == 0, err
    july = folder / "portfolio-2026-07.xlsx"
    code, stdout, _err = run_cli(capsys, "portfolio", str(folder), "--output", str(july))
    assert code == 1
    reason = {Path(str(r["Workbook"])).name: r for r in _table(july, SOURCES.name)}[june.name]
    assert reason["Not Read Because"] == (
        f"{june}: a portfolio workbook (made by xl-milestones portfolio), not a contract "
        "workbook: write the portfolio outside the folders it reads, or move this one out"
    )
    assert "Contracts" not in stdout


def test_ctrl_c_while_workers_read_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    # A terminal's Ctrl-C reaches the whole process group: each worker printed its own
    # KeyboardInterrupt traceback (and the fork server one while it imported its modules),
    # under the command's "interrupted".
    import os
    import signal
    import subprocess
    import sys

    folder = tmp_path / "books"
    folder.mkdir()
    # A large workbook first: this process writes its rows while the workers wait for work.
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks" / "generate.py"),
            "--milestones",
            "3000",
            str(folder / "a-large.xlsx"),
        ],
        check=True,
        capture_output=True,
    )
    for n in range(9):
        shutil.copy(SAMPLE, folder / f"b{n}.xlsm")
    out = tmp_path / "portfolio.xlsx"
    proc = subprocess.Popen(
        [sys.executable, "-m", "xl_milestones", "portfolio", str(folder), "--output", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:  # the workers are reading once the first files are counted
        lines.append(line)
        if " files read " in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    err = "".join(lines) + err
    assert proc.returncode == 130, err
    assert rest == ""
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.splitlines()[-1] == "xl-milestones: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_workbook_hard_linked_under_two_names_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    # A shared folder where one workbook is also reachable under another name (a hard link,
    # as a symbolic link): the same file, whose figures must not count twice.
    folder = tmp_path / "books"
    (folder / "north").mkdir(parents=True)
    book = write_workbook(folder / "north" / "contracts.xlsx", valid_sheets())
    os.link(book, folder / "contracts (north).xlsx")
    os.symlink(book, folder / "north link.xlsx")
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(
        capsys, "portfolio", str(folder), str(book), "--output", str(out), "--jobs", jobs
    )
    assert code == 0, err
    assert stdout.startswith("Portfolio of 1 workbook as of ")
    assert "more than one workbook" not in stdout
    assert [row["Workbook"] for row in _table(out, SOURCES.name)] == [
        "books/contracts (north).xlsx"
    ]


def test_the_validate_command_for_a_name_starting_with_a_dash_runs_as_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `portfolio .` in a folder holding "-north.xlsx" with errors: the command it suggests must
    # not give the name as an option (argparse: "the following arguments are required: BOOK").
    broken = valid_sheets()
    broken["milestones"][0]["baseline_date"] = "31/05/2026"
    write_workbook(tmp_path / "-north.xlsx", broken)
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run_cli(capsys, "portfolio", ".", "--output", "p.xlsx")
    assert code == 1, err
    suggested = stdout.split("run xl-milestones ", 1)[1].splitlines()[0]
    assert suggested == "validate ./-north.xlsx"
    code, stdout, err = run_cli(capsys, *shlex.split(suggested))
    assert code == 1 and "-north.xlsx: 1 error" in stdout, err


def _books_with_a_good_one(tmp_path: Path) -> Path:
    """A folder ``books`` holding one valid workbook, good.xlsx, beside which a case puts the
    file it is about."""
    folder = tmp_path / "books"
    folder.mkdir()
    write_workbook(folder / "good.xlsx", valid_sheets())
    return folder


def test_a_symbolic_link_loop_in_the_folder_is_named_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A link left pointing at itself (or two at each other) in a shared folder: no permission
    # to check, as "cannot be opened (Too many levels of symbolic links)" advised.
    folder = _books_with_a_good_one(tmp_path)
    os.symlink("loop.xlsx", folder / "loop.xlsx")
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 1, err
    reason = (
        f"{folder / 'loop.xlsx'}: a symbolic link that leads round in a loop, to no file: "
        "point it at the workbook, or delete it"
    )
    assert f"    {reason}" in stdout.splitlines()
    sources = {Path(str(r["Workbook"])).name: r for r in _table(out, SOURCES.name)}
    assert sources["loop.xlsx"]["Not Read Because"] == reason
    code, _out, err = run_cli(capsys, "validate", str(folder / "loop.xlsx"))
    assert code == 2 and err == f"xl-milestones: error: {reason}\n"


def test_a_spreadsheet_of_another_format_in_the_folder_is_listed_as_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A contract kept as .xls or .ods beside the .xlsx ones was left out of the roll-up in
    # silence; given by name it was refused with the reason. A .csv export is not looked at.
    import zipfile

    folder = _books_with_a_good_one(tmp_path)
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with zipfile.ZipFile(folder / "calc.ods", "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    (folder / "export.csv").write_text("Contract ID,Value\nC-9,100\n", encoding="utf-8")
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 1, err
    sources = {Path(str(r["Workbook"])).name: r for r in _table(out, SOURCES.name)}
    assert sorted(sources) == ["calc.ods", "good.xlsx", "old.xls"]
    for name in ("calc.ods", "old.xls"):
        _code, _out, said = run_cli(capsys, "validate", str(folder / name))
        reason = said.removeprefix("xl-milestones: error: ").strip()
        assert sources[name]["Not Read Because"] == reason
        assert f"    {reason}" in stdout.splitlines()
    assert sources["good.xlsx"]["Not Read Because"] in (None, "")


def test_an_empty_file_in_the_folder_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0 bytes: what a copy to the share that stopped leaves behind under the workbook's name.
    folder = _books_with_a_good_one(tmp_path)
    (folder / "north.xlsm").write_bytes(b"")
    out = tmp_path / "p.xlsx"
    code, stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 1, err
    reason = (
        f"{folder / 'north.xlsm'}: the file is empty (0 bytes), not a workbook (a copy, "
        "download or save that stopped leaves one): copy or save the workbook again, or "
        "delete this file"
    )
    assert f"    {reason}" in stdout.splitlines()
    sources = {Path(str(r["Workbook"])).name: r for r in _table(out, SOURCES.name)}
    assert sources["north.xlsm"]["Not Read Because"] == reason
    assert (folder / "north.xlsm").read_bytes() == b""


def test_a_milestone_not_computed_keeps_its_inputs_and_contract_on_all_milestones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # M-001's baseline is typed as text (an error): M-001 is not computed, nor M-002 and M-003
    # (payment milestones of its contract). Their rows keep what was typed and their contract.
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "31/05/2026"
    book = write_workbook(tmp_path / "with-errors.xlsx", sheets)
    out = tmp_path / "portfolio.xlsx"
    code, _stdout, err = run_cli(
        capsys, "portfolio", str(book), "--output", str(out), "--parquet", str(tmp_path / "pq")
    )
    assert code == 1, err
    rows = {r["Milestone ID"]: r for r in _table(out, ALL_MILESTONES.name)}
    m1, m2, m3 = rows["M-001"], rows["M-002"], rows["M-003"]
    assert m1["Computed"] is m2["Computed"] is m3["Computed"] is False
    assert m2["Status"] is None and m2["Milestone Value"] is None  # results blank
    for row in (m1, m2, m3):
        assert (row["Contract Name"], row["Supplier"], row["Currency"]) == (
            "Data centre fit-out",
            "Acme Build Ltd",
            "GBP",
        )
        assert row["Type"] == "payment"
    assert (m1["Owner"], m1["Payment Basis"], m1["Baseline Date"]) == ("Dana Lee", "percent", None)
    assert m1["Actual Date"] == dt.datetime(2026, 2, 25)
    assert (m2["Baseline Date"], m2["Forecast Date"]) == (
        dt.datetime(2026, 5, 29),
        dt.datetime(2026, 6, 5),
    )
    assert m3["Payment Basis"] == "retention_release"
    # The Parquet table says the same.
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = {
        r["milestone_id"]: r
        for r in pq.read_table(tmp_path / "pq" / "all_milestones.parquet").to_pylist()
    }
    assert parquet["M-002"]["supplier"] == "Acme Build Ltd"
    assert parquet["M-002"]["baseline_date"] == dt.date(2026, 5, 29)
    assert parquet["M-001"]["baseline_date"] is None


def test_the_dashboard_says_how_many_milestones_its_figures_leave_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # M-001's baseline typed as text skips M-001 to M-003 (C-001's payment milestones); M-101
    # is computed. A second, clean copy adds 4 computed milestones.
    sheets = valid_sheets()
    sheets["milestones"][0]["baseline_date"] = "31/05/2026"
    folder = tmp_path / "books"
    folder.mkdir()
    write_workbook(folder / "a-with-errors.xlsx", sheets)
    write_workbook(folder / "b-clean.xlsx", valid_sheets())
    out = tmp_path / "portfolio.xlsx"
    code, _stdout, err = run_cli(capsys, "portfolio", str(folder), "--output", str(out))
    assert code == 1, err
    ws = openpyxl.load_workbook(out)["Dashboard"]
    line = str(ws["A2"].value)
    assert "3 of 8 milestones not computed (see Sources)" in line, line
    assert ws["B8"].value == 5 and ws["A8"].value == "Milestones"
    # Without errors, nothing is said.
    clean = tmp_path / "clean.xlsx"
    code, _stdout, err = run_cli(
        capsys, "portfolio", str(folder / "b-clean.xlsx"), "--output", str(clean)
    )
    assert code == 0, err
    line = str(openpyxl.load_workbook(clean)["Dashboard"]["A2"].value)
    assert "not computed" not in line, line
