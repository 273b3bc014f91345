"""Test helper: hostile workbooks made from a valid one, by putting a DTD with entities into one
of its XML parts, and the reader matrix that opens them in a process with bounded memory.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.writerbooks import sheet_parts

from xl_milestones.core.schema import MILESTONES

ROOT = Path(__file__).resolve().parents[2]
# Address space for a child process: enough for Python, calamine and openpyxl on a small
# workbook, far too little for an expanded entity or an inflated bomb.
MEMORY_CAP = 2 << 30


@dataclass(frozen=True)
class Payload:
    """A DTD internal subset (or external id) and the reference that expands it."""

    name: str
    doctype: str  # what follows the root name in <!DOCTYPE root ...>
    ref: str  # put where the part's text or attribute value is


def _laughs() -> str:
    lines = ['<!ENTITY l0 "lol">']
    for i in range(1, 10):
        lines.append(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">')
    lines.append('<!ENTITY e "&l9;">')
    return "[" + "".join(lines) + "]"


PAYLOADS = {
    p.name: p
    for p in (
        Payload("billion-laughs", _laughs(), "&e;"),
        # One 100 KB entity used 50,000 times: 5 GB of text from a 200 KB part.
        Payload("quadratic", '[<!ENTITY e "' + "x" * 100_000 + '">]', "&e;" * 50_000),
        Payload("external-file", '[<!ENTITY e SYSTEM "file:///etc/passwd">]', "&e;"),
        Payload("external-http", '[<!ENTITY e SYSTEM "http://example.invalid/e">]', "&e;"),
        Payload("external-dtd", 'SYSTEM "http://example.invalid/evil.dtd"', ""),
        Payload("parameter", '[<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]', ""),
    )
}


def targets(book: Path) -> dict[str, tuple[str, bytes]]:
    """Part kind -> (part name, regex of the spot whose end the reference goes after)."""
    sheet = sheet_parts(book)[MILESTONES.name]
    with zipfile.ZipFile(book) as zf:
        rels = zf.read(sheet.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
    table = "xl/tables/" + re.findall(r'Target="\.\./tables/([^"]+)"', rels)[0]
    return {
        "sharedStrings": ("xl/sharedStrings.xml", rb"<t>"),
        "sheet": (sheet, rb"<v>"),
        "workbook": ("xl/workbook.xml", rb'<sheet name="'),
        "content-types": ("[Content_Types].xml", rb'<Override PartName="'),
        "styles": ("xl/styles.xml", rb'<name val="'),
        "table": (table, rb'<tableColumn id="1" name="'),
    }


def poison(data: bytes, spot: bytes, payload: Payload) -> bytes:
    """``data`` with the payload's DOCTYPE after the XML declaration and its reference after
    the first match of ``spot``."""
    decl_end = data.index(b"?>") + 2
    root = re.search(rb"<([A-Za-z_][\w:.-]*)", data[decl_end:])
    assert root is not None
    doctype = f"<!DOCTYPE {root.group(1).decode()} {payload.doctype}>".encode()
    m = re.search(spot, data)
    assert m is not None, spot
    body = data[: m.end()] + payload.ref.encode() + data[m.end() :]
    return body[:decl_end] + b"\n" + doctype + body[decl_end:]


def hostile_copy(book: Path, out: Path, part: str, spot: bytes, payload: Payload) -> Path:
    """A copy of ``book`` with ``part`` poisoned."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data = poison(data, spot, payload)
            zout.writestr(info.filename, data)
    return out


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run Python with ``args`` (a script and its arguments, or ``-m module ...``) with memory
    capped, so a failure cannot take the test run down with it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("XL_MILESTONES_DEBUG", None)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=_cap_memory,
        cwd=str(ROOT),
    )


def read_report(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    """The JSON report the reader matrix prints as its last line."""
    assert proc.returncode == 0, f"the reader process died ({proc.returncode}): {proc.stderr}"
    report: dict[str, dict[str, object]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report
