"""Which court a case's `court` names: an id (`cand`), a name or a citation (`N.D. Cal.`).

Ids and citations are looked up exactly (courts-db's records, citations compared
without spaces or case); names go through courts-db's own matcher with bankruptcy
courts left out unless the name says "bankruptcy". No match, or more than one, is a
config error that says what would have been accepted.
"""

from __future__ import annotations

import re
from functools import cache

import courts_db

# CourtListener renames a few PACER ids; either spelling is accepted, PACER's is kept
PACER_IDS = {"arb": "azb", "uscfc": "cofc", "nebraskab": "neb"}
_ORDINAL_CIRCUIT = re.compile(
    r"^(?:the\s+)?(?:(?:u\.?s\.?|united states)\s+)?(?:court of appeals\s+(?:for\s+)?(?:the\s+)?)?"
    r"(\w+|d\.?c\.?|district of columbia|federal)\s+cir(?:cuit|\.)?(?:\s+court of appeals)?$",
    re.IGNORECASE,
)
_ORDINALS = {
    "1st": "first", "2nd": "second", "2d": "second", "3rd": "third", "3d": "third",
    "4th": "fourth", "5th": "fifth", "6th": "sixth", "7th": "seventh", "8th": "eighth",
    "9th": "ninth", "10th": "tenth", "11th": "eleventh", "dc": "district of columbia",
    "d.c.": "district of columbia", "fed": "federal",
}


def _squash(text: str) -> str:
    """'N.D. Cal.' and 'ND Cal' → 'ndcal': citations compared without spaces, dots or case."""
    return re.sub(r"[\s.]+", "", text).lower()


@cache
def _ids() -> frozenset[str]:
    return frozenset(record["id"] for record in courts_db.courts)


@cache
def _citations() -> dict[str, str | None]:
    """Citation (squashed) → court id; None where two courts share a citation."""
    found: dict[str, str | None] = {}
    for record in courts_db.courts:
        citation = _squash(record.get("citation_string") or "")
        if citation:
            found[citation] = None if citation in found else record["id"]
    return found


def _circuit(text: str) -> str | None:
    """'9th Cir.', 'Ninth Circuit', 'D.C. Circuit' → courts-db's full appellate name."""
    found = _ORDINAL_CIRCUIT.match(text.strip())
    if not found:
        return None
    which = found.group(1).lower()
    which = _ORDINALS.get(which, _ORDINALS.get(which.replace(".", ""), which))
    return f"United States Court of Appeals for the {which.title()} Circuit".replace(
        "Of", "of")


def resolve_court(text: str) -> str:
    """The PACER/courts-db id of the court `text` names; ValueError when none or several."""
    given = " ".join(text.split())
    if not given:
        raise ValueError("court is empty")
    lowered = given.lower()
    if lowered in _ids():
        return PACER_IDS.get(lowered, lowered)
    citation = _citations().get(_squash(given), "")
    if citation:
        return PACER_IDS.get(citation, citation)
    if citation is None:
        raise ValueError(f'court "{given}" is a citation several courts share: give its id')
    name = _circuit(given) or given
    bankruptcy = "bankruptcy" in lowered
    matches = sorted(set(courts_db.find_court(name, bankruptcy=bankruptcy)))
    if not matches and not lowered.startswith("united states"):
        matches = sorted(set(courts_db.find_court(f"United States {name}", bankruptcy=bankruptcy)))
    if len(matches) == 1:
        return PACER_IDS.get(matches[0], matches[0])
    if not matches:
        raise ValueError(
            f'unknown court "{given}": give a court id such as "cand", a citation such as '
            f'"N.D. Cal." or a full name such as "Northern District of California"'
        )
    raise ValueError(f'court "{given}" is ambiguous ({", ".join(matches)}): give its id')


def court_name(court_id: str) -> str:
    """A court id's full name, for alerts; the id itself when courts-db does not know it."""
    records = courts_db.find_court_by_id(court_id) or courts_db.find_court_by_id(
        {v: k for k, v in PACER_IDS.items()}.get(court_id, court_id))
    return records[0]["name"] if records else court_id
