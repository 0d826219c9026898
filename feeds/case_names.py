"""Case names as courts publish them → one readable spelling.

`USA v. Nejad` → `United States v. Nejad`; `Spoon et al v. Ethicon, Inc. et al` →
`Spoon v. Ethicon, Inc.`; doubly escaped `Food &amp;amp; Water Watch` → `Food & Water
Watch`. Party numbers (`John Doe #1`) are kept: they tell parties apart.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

UNKNOWN_CASE_NAME = "Unknown Case Title"

# one side of "v." that names the United States (a bare "US" only in capitals)
_UNITED_STATES = re.compile(
    r"(?:USA|U\.\s?S\.\s?A\.|U\.\s?S\.?|(?:the\s+)?United\s+States(?:\s+of\s+America)?)[,.]?",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"\s+(?:v\.?|vs\.?|Vs\.|VS\.?|V\.)\s+")
_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)
# a party's role standing alone as a word: "Plaintiff", "Defendants-Appellees,"
_ROLE = re.compile(
    r"(?:plaintiffs?|defendants?|petitioners?|respondents?|appell(?:ee|ant)s?|claimants?"
    r"|complainants?)(?:(?:-|/|--)(?:appell(?:ee|ant)s?|defendants?|respondents?))?[,.]?",
    re.IGNORECASE,
)
_EDGES = re.compile(r"^[\s,;/_\-–]+|[\s,;/_\-–]+$")


def unescape(text: str, rounds: int = 3) -> str:
    """Undo HTML escaping, more than once when a court escaped twice (`&amp;amp;`)."""
    for _ in range(rounds):
        if "&" not in text:
            break
        undone = html.unescape(text)
        if undone == text:
            break
        text = undone
    return text


@lru_cache(maxsize=4096)  # a feed repeats its busiest cases many times
def clean_case_name(raw: str) -> str:
    """A court's case title → its cleaned name, or "Unknown Case Title" when empty."""
    text = " ".join(unescape(raw).replace("\u00a0", " ").split())
    words = [w for w in text.split(" ") if not _ROLE.fullmatch(w)]
    sides = []
    for side in _VERSUS.split(" ".join(words)):
        side = _ET_AL.sub("", side)
        side = _EDGES.sub("", " ".join(side.split()))
        if side == "US" or (side != "Us" and _UNITED_STATES.fullmatch(side)):
            side = "United States"
        sides.append(side)
    name = " v. ".join(s for s in sides if s)
    name = re.sub(r"^Nos?\.\s+", "", name)
    return name or UNKNOWN_CASE_NAME
