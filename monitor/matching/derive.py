"""Queries for cases described only by caption, aliases, parties and docket number."""

from __future__ import annotations

import re
from functools import cache

from monitor.config import CaseConfig
from monitor.matching.query import And, Near, Node, Or, Term, make_term, parse_query

LEGAL_CONTEXT = (
    "lawsuit*", "sue", "sues", "sued", "suing", "suit", "complaint*", "judge*", "court*",
    "filed", "filing*", "ruling*", "ruled", "settle*", "trial*", "appeal*", "litigat*",
    "plaintiff*", "defendant*", "motion*", "dismiss*", "verdict*", "jury", "juror*",
    "injunction*", "alleg*", "attorney*", "lawyer*", "class action", "docket*",
)
PARTY_NEAR = 15
_CORPORATE = re.compile(
    r",?\s+(?:inc|incorporated|llc|l\.l\.c|corp|corporation|co|company|ltd|limited|lp|llp|plc"
    r"|n\.a|et\s+al)\.?(?=\s|,|$)",
    re.IGNORECASE,
)
_V = re.compile(r"\s+(?:v|vs|versus)\.?\s+", re.IGNORECASE)
_WHOLE_NAME = re.compile(
    r"^(?:the\s+)?(?:united|state|states|people|city|county|commonwealth|department|federal"
    r"|district|town|village|board|national|american)\b",
    re.IGNORECASE,
)


def short_name(side: str) -> str:
    """`John Doe #1 and John Doe #2` → `Doe`; `Twitter, Inc.` → `Twitter`."""
    side = re.sub(r"\s*(?:#|no\.?\s*)\d+\b", "", side, flags=re.IGNORECASE).strip()
    corporate = bool(_CORPORATE.search(side))
    side = _CORPORATE.sub("", side).strip()
    first = re.split(r"\s+(?:and|&)\s+|\s*[,;]\s*", side, maxsplit=1)[0].strip(" .,")
    words = first.split()
    if corporate or _WHOLE_NAME.match(first) or not 2 <= len(words) <= 3:
        return first
    if all(w[:1].isupper() for w in words):
        return words[-1]  # a person: the surname is what headlines use
    return first


def caption_short_forms(caption: str) -> list[str]:
    """`John Doe #1 and John Doe #2 v. Twitter, Inc.` → [`Doe v. Twitter`]."""
    sides = _V.split(caption.strip(), maxsplit=1)
    if len(sides) != 2:
        return []
    left, right = short_name(sides[0]), short_name(sides[1])
    return [f"{left} v. {right}"] if left and right else []


def _phrase(text: str) -> Term | None:
    try:
        return make_term(text, phrase=True)
    except ValueError:
        return None


@cache
def _legal_context() -> Or:
    """The same for every case, so made once: ten thousand cases held 24 copies each."""
    return Or(tuple(make_term(w, phrase=" " in w) for w in LEGAL_CONTEXT))


def derive_query(case: CaseConfig) -> Node:
    """A query for a case described only by caption, aliases, parties and docket number."""
    names = [*caption_short_forms(case.caption), *case.aliases]
    if case.caption:
        names.append(_CORPORATE.sub("", case.caption))
    alternatives: list[Node] = []
    for name in names:
        term = _phrase(name)
        if term is not None and term not in alternatives:
            alternatives.append(term)
    if case.docket_number:
        alternatives.append(make_term(case.docket_number))
    legal = _legal_context()
    parties = [t for p in case.parties if (t := _phrase(_CORPORATE.sub("", p)))]
    if len(parties) == 1:
        alternatives.append(Near(parties[0], legal, PARTY_NEAR))
    elif len(parties) > 1:
        near_legal = Or(tuple(Near(p, legal, PARTY_NEAR) for p in parties))
        alternatives.append(And((*parties, near_legal)))
    return alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))


def case_query(case: CaseConfig) -> Node:
    """The case's own query, else the derived one."""
    return parse_query(case.query) if case.query else derive_query(case)
