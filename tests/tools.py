"""Shared helpers for the checks that stand in for Excel: the Open XML SDK validator,
LibreOffice headless conversion, and PDF pages rendered to PNG with poppler; and the command
line run in-process (``run_cli``); and the code-shape checks (``long_functions``,
``complex_functions``) that keep modules in small pieces.

Each helper skips the calling test, with the reason, when its tool is not installed
(`make test` installs them all), and never writes outside the folder it is given.
"""

from __future__ import annotations

import ast
import html
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
OOXML_VALIDATOR = ROOT / ".tools" / "node_modules" / ".bin" / "ooxml-validator"
# LibreOffice may take a while on its first start with a fresh profile.
SOFFICE_TIMEOUT = 240


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``xl-milestones ARGS`` run in-process: its exit code, stdout and stderr."""
    from xl_milestones.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def excel_lock_file(book: Path, user: str = "Tom Becker") -> Path:
    """The owner file Excel writes beside ``book`` while it is open: ``~$`` and the name,
    165 bytes (the user name as a length byte, ASCII and spaces, then again in UTF-16)."""
    name = user.encode("ascii")
    wide = user.encode("utf-16-le")
    data = bytes([len(name)]) + name.ljust(53, b" ") + bytes([len(user), 0]) + wide
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(data.ljust(165, b"\x20"))
    return lock


def ooxml_validate(path: str | Path) -> list[dict[str, Any]]:
    """The Open XML SDK validator's errors for a file (an empty list when it is valid).

    Each error is the validator's JSON object (description, path, part, id, ...). Skips the
    test when the validator is not installed (``make tools`` installs it).
    """
    if not OOXML_VALIDATOR.exists():
        pytest.skip(f"Open XML SDK validator not installed at {OOXML_VALIDATOR}: run make tools")
    proc = subprocess.run(
        [str(OOXML_VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"ooxml-validator gave no JSON (exit {proc.returncode}): {proc.stdout!r} "
            f"{proc.stderr!r}"
        ) from None
    errors: list[dict[str, Any]] = list(report.get("errors") or [])
    if proc.returncode != 0 and not errors:
        raise AssertionError(f"ooxml-validator failed (exit {proc.returncode}): {proc.stderr}")
    return errors


def soffice() -> str:
    """The LibreOffice executable, or skip the test."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) not installed: run make system")
    return exe


def libreoffice_convert(path: str | Path, fmt: str, outdir: str | Path) -> Path:
    """Converts ``path`` with LibreOffice headless to ``fmt`` (``pdf``, ``xlsx``...) in ``outdir``.

    Uses a private profile under ``outdir``, so tests may run in parallel. Returns the
    converted file; fails the test with LibreOffice's output when nothing was written.
    """
    exe = soffice()
    src = Path(path)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    profile = out / ".lo-profile"
    proc = subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    target = out / (src.stem + "." + fmt.split(":")[0])
    if not target.exists():
        raise AssertionError(
            f"LibreOffice did not convert {src.name} to {fmt} (exit {proc.returncode}): "
            f"{proc.stdout} {proc.stderr}"
        )
    return target


def pdf_pages_to_png(
    pdf: str | Path,
    outdir: str | Path,
    *,
    first: int | None = None,
    last: int | None = None,
    dpi: int = 50,
) -> list[Path]:
    """Renders the pages of a PDF (or pages ``first``..``last``, 1-based) to PNG files."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("poppler (pdftoppm) not installed: run make system")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    args = [exe, "-png", "-r", str(dpi)]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    prefix = out / Path(pdf).stem
    subprocess.run([*args, str(pdf), str(prefix)], check=True, timeout=120, capture_output=True)
    return sorted(out.glob(Path(pdf).stem + "-*.png"))


def pdf_page_texts(pdf: str | Path, *, layout: bool = True) -> list[str]:
    """The text of each page of a PDF in page order, laid out as printed (poppler's pdftotext),
    or with ``layout=False`` in the order it was drawn (a table cell's lines one after another)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("poppler (pdftotext) not installed: run make system")
    mode = "-layout" if layout else "-raw"
    proc = subprocess.run(
        [exe, mode, str(pdf), "-"], capture_output=True, text=True, timeout=120, check=True
    )
    pages = proc.stdout.split("\f")
    # pdftotext ends the last page with a form feed too.
    return pages[:-1] if pages and not pages[-1].strip() else pages


@dataclass(frozen=True)
class PdfWord:
    """A word poppler finds on a PDF page, with its left and right edges in points."""

    text: str
    x_min: float
    x_max: float


def pdf_page_words(pdf: str | Path) -> list[tuple[float, list[PdfWord]]]:
    """Each page of a PDF as (its width in points, its words in reading order), from poppler's
    ``pdftotext -bbox``. A word that runs past the page's edge is cut there, so its right edge
    shows whether text left the area it was laid out in."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("poppler (pdftotext) not installed: run make system")
    proc = subprocess.run(
        [exe, "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120, check=True
    )
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', proc.stdout, re.S):
        words = [
            PdfWord(html.unescape(w.group(3)), float(w.group(1)), float(w.group(2)))
            for w in re.finditer(
                r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                page.group(2),
            )
        ]
        pages.append((float(page.group(1)), words))
    return pages


def is_blank_png(path: str | Path, *, threshold: float = 0.002) -> bool:
    """True when (nearly) every pixel of a PNG has the same colour as its corner.

    ``threshold`` is the share of differing pixels below which the page counts as blank, so
    a stray footer line alone does not make a page "not blank".
    """
    from PIL import Image

    with Image.open(path) as img:
        rgb = img.convert("RGB")
        background = rgb.getpixel((0, 0))
        total = rgb.width * rgb.height
        colours = rgb.getcolors(maxcolors=total) or []
    same = sum(count for count, colour in colours if colour == background)
    return (total - same) / max(total, 1) < threshold


# The code-shape limits: no function over 60 lines (docstring included, decorators not) or of
# cyclomatic complexity over 15 (ruff's mccabe check, C901).
MOST_LINES = 60
MOST_COMPLEXITY = 15


def long_functions(paths: list[Path]) -> list[str]:
    """Each function of ``paths`` over MOST_LINES, as "file:line name (N lines)"."""
    out = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_LINES:
                    out.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    return out


def complex_functions(paths: list[Path]) -> str:
    """ruff's report of every function in ``paths`` over MOST_COMPLEXITY; empty when none."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity={MOST_COMPLEXITY}",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr
