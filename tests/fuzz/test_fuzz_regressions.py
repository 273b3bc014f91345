"""Cases the fuzz tests found, kept as plain tests so they run on every change."""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from tests.factory import column_of, valid_sheets, write_workbook
from tests.writerbooks import sheet_parts

from xl_milestones import cli
from xl_milestones.core.schema import CHANGE_ORDERS, FX_RATES, MILESTONES


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("good") / "good.xlsx", valid_sheets())


def with_value(book: Path, out: Path, sheet: str, cell: str, raw: bytes) -> Path:
    """``book`` with the cached ``<v>`` of ``cell`` replaced by ``raw``."""
    part = sheet_parts(book)[sheet]
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                pattern = rb'(<c r="' + cell.encode() + rb'"[^>]*>)<v>[^<]*</v>'
                data, n = re.subn(pattern, rb"\g<1><v>" + raw + b"</v>", data)
                assert n == 1, cell
            zout.writestr(info.filename, data)
    return out


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("raw", [b"nan", b"NaN", b"inf", b"-inf", b"infinity"])
def test_a_number_no_cell_can_hold_is_a_cell_error(book: Path, tmp_path: Path, raw: bytes) -> None:
    """<v>nan</v> reached the validator as a float NaN and ended in an internal error."""
    cell = column_of(book, FX_RATES.key, "rate_to_reporting") + "2"
    broken = with_value(book, tmp_path / "nan.xlsx", FX_RATES.name, cell, raw)
    code, out, err = run("validate", str(broken), "--format", "json")
    assert code == 1 and err == ""
    issues = json.loads(out)["issues"]
    assert [(i["cell"], i["code"]) for i in issues if i["severity"] == "error"] == [
        (cell, "formula-error")
    ]
    code, _out, err = run("refresh", str(broken), "--output", str(tmp_path / "o.xlsx"))
    assert code == 1 and "internal error" not in err


@pytest.mark.parametrize("raw", [b"-inf", b"-1e20", b"-Infinity"])
def test_a_date_cell_that_panics_calamine(book: Path, tmp_path: Path, raw: bytes) -> None:
    """A large negative number in a date-formatted cell makes calamine panic while turning it
    into a date; the panic is a BaseException, which passed every ``except Exception`` and
    ended in a traceback. It is now the sheet's one-line error."""
    cell = column_of(book, MILESTONES.key, "baseline_date") + "2"
    broken = with_value(book, tmp_path / "neg.xlsx", MILESTONES.name, cell, raw)
    out_path = str(tmp_path / "o.xlsx")
    for args in (["validate", str(broken)], ["refresh", str(broken), "--output", out_path]):
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and f"sheet '{MILESTONES.name}' cannot be read" in err


@pytest.mark.parametrize("raw", [b"nan", b"inf"])
def test_other_non_numbers_in_a_date_cell_end_cleanly(
    book: Path, tmp_path: Path, raw: bytes
) -> None:
    """calamine turns NaN in a date cell into 1899-12-30 and infinity into a float: read as a
    date and as a non-date, without an internal error."""
    cell = column_of(book, MILESTONES.key, "baseline_date") + "2"
    broken = with_value(book, tmp_path / "odd.xlsx", MILESTONES.name, cell, raw)
    code, _out, err = run("validate", str(broken))
    assert code in (0, 1) and err == ""


@pytest.mark.parametrize("count", [b"4294967295", b"4294967296", b"1000000"])
def test_a_shared_string_count_past_the_part_is_refused(
    book: Path, tmp_path: Path, count: bytes
) -> None:
    """calamine set aside room for the declared uniqueCount before reading: four billion
    strings asked for 100 GB and aborted the process. Run in a capped process, so a
    regression fails the test instead of ending the test run."""
    from tests.security.hostile import run_capped

    broken = tmp_path / "count.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data, n = re.subn(rb'uniqueCount="\d+"', b'uniqueCount="' + count + b'"', data)
                assert n == 1
            zout.writestr(info.filename, data)
    proc = run_capped("-m", "xl_milestones", "validate", str(broken), timeout=60)
    assert proc.returncode == 2, proc.stderr[-1000:]
    assert proc.stderr.count("\n") == 1 and "shared strings, more than its" in proc.stderr


def test_an_honest_shared_string_count_passes(book: Path) -> None:
    code, _out, err = run("validate", str(book))
    assert code == 0 and err == ""


@pytest.mark.parametrize("raw", [b"1e308", b"-1e20", b"1e15"])
def test_an_amount_past_excel_s_precision_is_an_error(
    book: Path, tmp_path: Path, raw: bytes
) -> None:
    """A payment amount of 1e308 passed validation and failed rounding to pence in the engine
    with an internal error."""
    cell = column_of(book, MILESTONES.key, "payment_amount") + "5"
    broken = with_value(book, tmp_path / "big.xlsx", MILESTONES.name, cell, raw)
    code, out, err = run("refresh", str(broken), "--output", str(tmp_path / "o.xlsx"))
    assert code == 1 and err == ""
    code, out, err = run("validate", str(broken), "--format", "json")
    issues = [i for i in json.loads(out)["issues"] if i["severity"] == "error"]
    assert [(i["cell"], i["code"]) for i in issues] == [(cell, "out-of-range")]
    assert "too large" in issues[0]["message"]


def test_an_output_sheet_attribute_that_is_not_utf8_is_a_damaged_workbook(
    tmp_path: Path,
) -> None:
    # A byte flipped inside a <col width="..."> of the Dashboard, a sheet the reader never
    # parses: the writer met it first and ended in an internal UnicodeDecodeError.
    src = tmp_path / "book.xlsx"
    sheets = valid_sheets()
    write_workbook(src, sheets)
    out = tmp_path / "first.xlsx"
    assert run("refresh", str(src), "--output", str(out))[0] == 0
    part = sheet_parts(out)["Dashboard"]
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data, n = re.subn(
                    rb'(<col [^>]*width=")\d', lambda m: m.group(1) + b"\xb2", data, count=1
                )
                assert n == 1
            zout.writestr(info.filename, data)
    code, _out, err = run("refresh", str(bad), "--output", str(tmp_path / "again.xlsx"))
    assert code == 2
    assert "damaged" in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("char", "name"), [("\ufeff", "U+FEFF"), ("\u200b", "U+200B")])
def test_an_id_with_an_invisible_character_around_it_is_refused_as_spaces_are(
    tmp_path: Path, char: str, name: str
) -> None:
    """A byte order mark or a zero-width space pasted before or after an id (a web page, an
    e-mail, a CSV file) looked like the id itself: its own row was a second milestone that
    read as a duplicate without being one, and a Sign-offs row naming it was "not on the
    Milestones sheet" for an id the user could see there. It is now ``id-spaces``, naming the
    character, and the references to the id point at its row."""
    sheets = valid_sheets()
    sheets["milestones"][0]["milestone_id"] = char + "M-001"
    sheets["change_orders"][0]["milestone_id"] = "M-002" + char
    book = write_workbook(tmp_path / "invisible.xlsx", sheets)
    code, out, err = run("validate", str(book), "--format", "json")
    assert code == 1 and err == ""
    issues = json.loads(out)["issues"]
    spaced = {(i["sheet"], i["cell"]): i["message"] for i in issues if i["code"] == "id-spaces"}
    assert spaced.keys() == {
        (MILESTONES.name, column_of(book, MILESTONES.key, "milestone_id") + "2"),
        (CHANGE_ORDERS.name, column_of(book, CHANGE_ORDERS.key, "milestone_id") + "2"),
    }
    for (sheet, _cell), message in spaced.items():
        typed = "M-001" if sheet == MILESTONES.name else "M-002"
        assert message.startswith(f"the id '{typed}' has an invisible character ({name})")
    unknown = [i["message"] for i in issues if i["code"] == "unknown-reference"]
    assert unknown and all("M-001 is on the Milestones sheet only with" in m for m in unknown)
