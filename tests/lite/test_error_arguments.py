"""An Excel error value passed to a worksheet function, through the real xlwings conversion.

xlwings turns an error argument into None unless the argument is declared with
``err_to_str=True``: a required argument then read as blank ("required") and an optional one
silently took its default (a #DIV/0! margin gave the law's margin). The desktop functions'
COM path runs on Windows only, so their module is loaded here with xlwings' server decorators
(XLWINGS_ON_SERVER, as xlwings Lite loads main.py) and called through xlwings' own
``custom_functions_call``, which applies each argument's declared options as the COM path does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ERROR = "the cell shows the error {}: correct the formula or type the value"
CALLS = textwrap.dedent(
    """
    import asyncio, json, sys
    import xlwings as xw
    from xlwings.server import custom_functions_call
    import xl_milestones_udfs as module

    def call(name, args):
        data = {
            "func_name": name,
            "args": [[[a]] for a in args],
            "version": xw.__version__,
            "client": "Office.js",
            "culture_info_name": "en-GB",
            "date_format": "dd/mm/yyyy",
            "runtime": "1.4",
        }
        return asyncio.run(custom_functions_call(data, module))[0][0]

    print(json.dumps([call(name, args) for name, args in json.loads(sys.argv[1])]))
    """
)


def _error(code: str) -> dict[str, str]:
    """An error argument as Excel hands it to a custom function."""
    return {"type": "Error", "basicValue": code, "errorType": "NotAvailable"}


CASES = [
    ("MS_LATE_INTEREST", [_error("#N/A"), 46053, 46083, "uk", 0.05], "amount", "#N/A"),
    ("MS_LATE_INTEREST", [10000, 46053, 46083, "uk", 0.05, _error("#DIV/0!")], "margin", "#DIV/0!"),
    (
        "MS_LATE_INTEREST",
        [10000, 46053, 46083, "uk", 0.05, None, _error("#N/A")],
        "currency",
        "#N/A",
    ),
    ("MS_PAYMENT_DUE_DATE", [46023, _error("#VALUE!")], "days", "#VALUE!"),
    ("MS_PAYMENT_DUE_DATE", [46023, 30, None, _error("#REF!")], "convention", "#REF!"),
    ("MS_PAYMENT_DUE_DATE", [46023, 30, None, None, _error("#NAME?")], "country", "#NAME?"),
]


@pytest.fixture(scope="module")
def answers() -> list[object]:
    calls = json.dumps([(name, args) for name, args, _, _ in CASES])
    env = {**os.environ, "XLWINGS_ON_SERVER": "true"}
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    proc = subprocess.run(
        [sys.executable, "-c", CALLS, calls],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: list[object] = json.loads(proc.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("index", range(len(CASES)))
def test_an_error_value_argument_says_which_argument_shows_it(
    answers: list[object], index: int
) -> None:
    _, _, argument, code = CASES[index]
    assert answers[index] == f"#VALUE!: {argument}: {ERROR.format(code)}"
