"""The id a mistyped one most likely meant: ``m-4`` for ``M-004``, ``M-0l2`` for ``M-012``. Used
wherever an unknown id or choice is answered (the sign-off pack, the worksheet functions, the
command line's choices)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Final

_NUMBER: Final = re.compile(r"\d+")


def id_key(text: str) -> str:
    """What two ids that mean the same share: ``m-4`` and ``M-004`` (case, spaces around and
    leading zeros of numbers ignored)."""
    return _NUMBER.sub(lambda g: str(int(g.group())), text.strip().casefold())


def nearest_id(wanted: str, known: Sequence[str]) -> str | None:
    """The existing id a mistyped one most likely meant, or None when none is close."""
    key = id_key(wanted)
    for k in known:
        if id_key(k) == key:
            return k
    close = difflib.get_close_matches(wanted, known, n=50, cutoff=0.6)
    if not close:
        return None
    return min(close, key=lambda k: (_edits(wanted.casefold(), k.casefold()), k))


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: ranks the candidates difflib finds equally similar."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
