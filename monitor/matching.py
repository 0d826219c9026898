"""Which cases an item is about. First version: word-bounded terms and exclusions.

The interface (`Matcher(cases).match(item) -> list[Match]`) is what the pipeline
relies on; the engine behind it can grow without the pipeline knowing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.base import Item
from monitor.config import CaseConfig

SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class Match:
    case_id: str
    score: float
    terms: tuple[str, ...]
    snippet: str


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(term.strip()) + r"(?!\w)", re.IGNORECASE)


def snippet_around(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` around [start, end), on word boundaries."""
    half = max(0, (width - (end - start)) // 2)
    lo, hi = max(0, start - half), min(len(text), end + half)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    chunk = " ".join(text[lo:hi].split())
    return ("… " if lo > 0 else "") + chunk + (" …" if hi < len(text) else "")


class Matcher:
    def __init__(self, cases: Sequence[CaseConfig]) -> None:
        self._cases = [
            (
                case,
                [(t, _pattern(t)) for t in [*case.aliases, *case.parties,
                                             *([case.docket_number] if case.docket_number else [])]
                 if t.strip()],
                [_pattern(x) for x in case.exclude if x.strip()],
            )
            for case in cases
        ]

    def match(self, item: Item) -> list[Match]:
        text = f"{item.title}\n{item.body}"
        found = []
        for case, terms, excludes in self._cases:
            if item.source_id and case.sources and item.source_id not in case.sources:
                continue
            hits = [(term, m) for term, pattern in terms if (m := pattern.search(text))]
            if not hits or any(x.search(text) for x in excludes):
                continue
            first = min(hits, key=lambda h: h[1].start())[1]
            found.append(
                Match(
                    case_id=case.id,
                    score=float(len(hits)),
                    terms=tuple(term for term, _ in hits),
                    snippet=snippet_around(text, first.start(), first.end()),
                )
            )
        return found
