"""Laying the sign-off pack out and writing it: HTML from the Jinja2 template (autoescaped, CSS
inlined so the file stands alone), PDF from that HTML with WeasyPrint, and the one call the
command line and the ribbon both use, ``write_signoff_pack``, which writes the file atomically.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from xl_milestones.core.engine import EngineResult
from xl_milestones.core.issues import Issue
from xl_milestones.core.model import Model
from xl_milestones.errors import OutputError, UsageError, example_name
from xl_milestones.reports.signoff import SignoffPack, build_pack

TEMPLATES: Final = Path(__file__).with_name("templates")
TEMPLATE: Final = "signoff_pack.html"
STYLESHEET: Final = "signoff_pack.css"
FORMATS: Final = {".pdf": "pdf", ".html": "html"}
# A link is printed as one only when it is plainly a web address: no other scheme (javascript:,
# file:) and no spaces, so text such as =HYPERLINK(...) stays text.
_URL: Final = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
# A run of this many characters without a space is a code or a pasted string, not a word: the
# pack lets it break anywhere (the CSS class ``long``), so it cannot push a table's columns off
# the page. Shorter words keep their widths in the table layout, so ordinary text lays out as
# before; English words this long are rare.
LONG_RUN: Final = 16
# A PDF of this many milestones or more is worth a word before it is laid out: about three
# pages each, WeasyPrint takes some 0.15 s and 3 MB a page (a pack of 706 milestones, 2,127
# pages: 11 minutes and 6 GB), where the HTML is written in seconds.
LARGE_PACK: Final = 100
_LONG: Final = re.compile(rf"\S{{{LONG_RUN},}}")
# A table row is kept on one page (signoff_pack.css) unless one of its cells holds this much
# text, a wide (CJK) character counting twice: from about 1,000 such characters a cell of a
# narrow column is taller than a page, and WeasyPrint, kept from breaking the row, left the
# table's heading alone on a page and printed the row on the next without its column headings.
TALL_TEXT: Final = 800


def pack_format(output: str | os.PathLike[str]) -> str:
    """``pdf`` or ``html`` from the output's extension; any other is a UsageError."""
    path = Path(output)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{path}: the sign-off pack is written as .pdf or .html; give a name ending in one "
            f"of them, e.g. {example_name(path, '.pdf', 'signoff_pack')}"
        )
    return fmt


def _is_url(value: object) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value.strip()) is not None


def breakable(value: object) -> Markup:
    """User text for a table cell, escaped, each run of LONG_RUN or more characters without a
    space in a ``<span class="long">`` that may break anywhere.

    A table sizes its columns by their longest unbreakable word, so a long code in one cell
    would widen its column and push the others off the page; CSS alone (overflow-wrap:
    anywhere on every cell) would make every word breakable and change the layout of ordinary
    text too.
    """
    text = "" if value is None else str(value)
    parts: list[Markup] = []
    end = 0
    for run in _LONG.finditer(text):
        parts.append(escape(text[end : run.start()]))
        parts.append(Markup('<span class="long">{}</span>').format(run.group()))
        end = run.end()
    parts.append(escape(text[end:]))
    return Markup("").join(parts)


def is_tall(cells: Iterable[object]) -> bool:
    """Whether a table row with these cell texts may be too tall to keep on one page (TALL_TEXT);
    its row then gets the CSS class ``tall``, which lets it break across pages."""
    for value in cells:
        text = "" if value is None else str(value)
        if len(text) < TALL_TEXT // 2:
            continue
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        if width >= TALL_TEXT:
            return True
    return False


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        # On for every template, whatever its name: all the text in the pack is user text.
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.tests["url"] = _is_url
    env.tests["tall"] = is_tall
    env.filters["breakable"] = breakable
    return env


def render_html(pack: SignoffPack, *, pdf: bool = True) -> str:
    """The pack as one HTML document with its stylesheet inlined; with ``pdf`` (to be laid out
    by WeasyPrint) the cover has a Page column, which only a paged layout fills in (CSS
    target-counter: a browser shows it empty)."""
    env = _environment()
    css = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    return env.get_template(TEMPLATE).render(pack=pack, css=css, pdf=pdf)


def html_to_pdf(html: str) -> bytes:
    """The PDF WeasyPrint makes of ``html`` (fonts found through fontconfig)."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except ImportError:  # an extra: xl-milestones[pdf]
        raise OutputError(
            "cannot make a PDF: WeasyPrint is not installed; install it with "
            "pip install 'xl-milestones[pdf]', or write the pack as .html"
        ) from None
    except OSError as exc:  # WeasyPrint loads pango when imported
        raise OutputError(
            f"cannot make a PDF: the pango library WeasyPrint needs is missing ({exc}); run "
            "scripts/setup-system.sh, or write the pack as .html"
        ) from None
    # WeasyPrint logs every CSS property it does not support; the stylesheet is ours and
    # tested, so only its errors are worth showing.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def _check_pdf(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(5)
        fh.seek(max(path.stat().st_size - 1024, 0))
        tail = fh.read()
    if head != b"%PDF-" or b"%%EOF" not in tail:
        raise OutputError(f"the PDF written for {path.name} is incomplete; nothing was replaced")


def _check_html(path: Path) -> None:
    if b"</html>" not in path.read_bytes()[-64:]:
        raise OutputError(f"the HTML written for {path.name} is incomplete; nothing was replaced")


def write_signoff_pack(
    model: Model,
    result: EngineResult,
    *,
    workbook_name: str,
    output: str | Path,
    milestone_ids: Sequence[str] | None = None,
    issues: Sequence[Issue] = (),
    prepared: datetime | None = None,
    large: Callable[[int], None] | None = None,
) -> Path:
    """Build the pack and write it to ``output`` (.pdf or .html); returns the path written.

    Without ``milestone_ids`` the pack covers every milestone awaiting sign-off, ready ones
    first. Raises UsageError (bad extension, blank or unknown id), NothingToSignOff (nothing awaits
    sign-off: no file is written) or OutputError (cannot write). The file is made beside the
    target and moved into place only when complete. ``large`` is told the number of milestones
    before a PDF of LARGE_PACK or more is laid out, which takes minutes.
    """
    from xl_milestones.io.atomic import replace_file

    target = Path(output)
    fmt = pack_format(target)
    pack = build_pack(
        model,
        result,
        workbook_name=workbook_name,
        milestone_ids=milestone_ids,
        issues=issues,
        prepared=prepared,
    )
    html = render_html(pack, pdf=fmt == "pdf")
    if fmt == "pdf" and large is not None and len(pack.pages) >= LARGE_PACK:
        large(len(pack.pages))
    data = html_to_pdf(html) if fmt == "pdf" else html.encode("utf-8")

    def build(tmp: Path) -> None:
        tmp.write_bytes(data)

    replace_file(target, build, in_place=False, verify=_check_pdf if fmt == "pdf" else _check_html)
    return target
