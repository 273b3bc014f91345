"""The committed workbooks are what the builder makes now: compared part by part, as XML.

The build is deterministic (fixed document dates and zip timestamps), so no part is ignored:
a difference means `make template` was not run after a change to the schema or the builder.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import canonicalize

import pytest

from xl_milestones.template.build import (
    LITE_SAMPLE_FILE,
    LITE_TEMPLATE_FILE,
    SAMPLE_FILE,
    TEMPLATE_FILE,
    build_lite_sample,
    build_lite_template,
    build_sample,
    build_template,
)

WORKBOOK_DIR = Path(__file__).resolve().parents[2] / "workbook"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _canonical(name: str, data: bytes) -> str | bytes:
    if name.endswith((".xml", ".rels", ".vml")):
        return canonicalize(data.decode("utf-8"), strip_text=True)
    return data


def _differences(expected: bytes, got: bytes) -> list[str]:
    want, have = _parts(expected), _parts(got)
    problems = [f"missing part {n}" for n in sorted(set(want) - set(have))]
    problems += [f"unexpected part {n}" for n in sorted(set(have) - set(want))]
    for name in sorted(set(want) & set(have)):
        if _canonical(name, want[name]) != _canonical(name, have[name]):
            problems.append(f"part {name} differs")
    return problems


@pytest.mark.parametrize(
    ("file_name", "build"),
    [
        (TEMPLATE_FILE, build_template),
        (SAMPLE_FILE, build_sample),
        (LITE_TEMPLATE_FILE, build_lite_template),
        (LITE_SAMPLE_FILE, build_lite_sample),
    ],
)
def test_committed_workbook_is_current(file_name: str, build: Callable[[IO[bytes]], None]) -> None:
    committed = WORKBOOK_DIR / file_name
    assert committed.exists(), f"{committed} missing: run make template"
    out = io.BytesIO()
    build(out)
    problems = _differences(committed.read_bytes(), out.getvalue())
    assert not problems, f"{file_name} is stale (run make template): " + "; ".join(problems)


def test_comparison_sees_a_changed_part() -> None:
    out = io.BytesIO()
    build_template(out)
    parts = _parts(out.getvalue())
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as z:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet3.xml":
                data = data.replace(b"<sheetData>", b"<sheetData><row r='99'/>", 1)
            z.writestr(name, data)
    assert _differences(out.getvalue(), changed.getvalue()) == [
        "part xl/worksheets/sheet3.xml differs"
    ]


def test_build_is_byte_for_byte_reproducible() -> None:
    first, second = io.BytesIO(), io.BytesIO()
    build_template(first)
    build_template(second)
    assert first.getvalue() == second.getvalue()
