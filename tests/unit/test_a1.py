"""A1 references: the one column-letter helper and the one range parser of the package,
checked against openpyxl's own conversions (an independent implementation)."""

from __future__ import annotations

import openpyxl.utils
import pytest

from xl_milestones.a1 import column_letter, column_number, format_range, parse_range


@pytest.mark.parametrize(
    ("letters", "number"),
    [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52), ("ZZ", 702), ("AAA", 703), ("XFD", 16384)],
)
def test_letters_and_numbers(letters: str, number: int) -> None:
    assert column_letter(number) == letters
    assert column_number(letters) == number
    assert column_number(letters.lower()) == number
    assert column_number(letters.encode()) == number  # the bytes of a sheet's XML


def test_every_column_round_trips_as_openpyxl_has_it() -> None:
    for n in range(1, 16385):
        letters = openpyxl.utils.get_column_letter(n)
        assert column_letter(n) == letters and column_number(letters) == n


@pytest.mark.parametrize(
    ("ref", "where"),
    [
        ("B2:D7", (2, 2, 4, 7)),
        ("$B$2:$D$7", (2, 2, 4, 7)),
        (" b2 ", (2, 2, 2, 2)),
        ("XFD1048576", (16384, 1048576, 16384, 1048576)),
        ("nope", None),
        ("A1:B", None),
        ("Sheet1!A1", None),
        ("", None),
    ],
)
def test_parse_range(ref: str, where: tuple[int, int, int, int] | None) -> None:
    assert parse_range(ref) == where


def test_format_range() -> None:
    assert format_range(2, 2, 4, 7) == "B2:D7"
    assert format_range(2, 2, 2, 2) == "B2"
    assert format_range(2, 2, 4, 7, absolute=True) == "$B$2:$D$7"
    assert format_range(28, 3, 28, 3, absolute=True) == "$AB$3"
    assert parse_range(format_range(5, 6, 7, 8)) == (5, 6, 7, 8)
