"""The courts casewatch knows, all from courts-db: which court a case's `court` names, and
which courts serve PACER's CM/ECF feeds, of which kind.

A case's `court` may be an id (`cand`), a name or a citation (`N.D. Cal.`).

Ids and citations are looked up exactly (courts-db's records, citations compared
without spaces or case); names go through courts-db's own matcher with bankruptcy
courts left out unless the name says "bankruptcy". No match, or more than one, is a
config error that says what would have been accepted.

PACER's courts are courts-db's federal district, bankruptcy and appellate courts that
are open today, under the ids PACER gives them (`PACER_IDS`), with the corrections in
`_PACER_ALSO` and `_NOT_PACER` where courts-db's records disagree with PACER.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import courts_db

CourtKind = Literal["district", "bankruptcy", "appellate"]

# courts-db and CourtListener rename a few PACER ids; either spelling is accepted, PACER's
# is kept. CourtListener's `nysb` holds PACER's `nysb` and `nysb-mega`, and PACER's feed
# calls it `nysb`, so it stays.
PACER_IDS = {"arb": "azb", "uscfc": "cofc", "nebraskab": "neb"}
_COURTS_DB_IDS = {pacer: other for other, pacer in PACER_IDS.items()}
# on CM/ECF although courts-db dates them as closed (njd) or files them as special courts
_PACER_ALSO: dict[str, CourtKind] = {"njd": "district", "cit": "district", "cofc": "district",
                                     "jpml": "district", "cavc": "appellate"}
# courts-db dates these old undivided districts as open; PACER serves their divisions
_NOT_PACER = frozenset({"ncd", "okd", "wvad"})
_DISTRICT_ID = re.compile(r"[a-z]{2,3}[nsewcm]?d")
_BANKRUPTCY_ID = re.compile(r"[a-z]{2,3}[nsewcm]?b")
_APPELLATE_ID = re.compile(r"ca(?:\d{1,2}|dc|fc)")
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
def _records() -> list[dict[str, Any]]:
    """courts-db's records as its data file holds them: ids, names, citations, types and
    dates as `courts_db.courts` has them, without the name patterns it renders, which
    take twice as long again to load and which only a court given by name needs."""
    data = files("courts_db").joinpath("data", "courts.json").read_text(encoding="utf-8")
    return list(json.loads(data))


@cache
def _ids() -> frozenset[str]:
    return frozenset(record["id"] for record in _records())


@cache
def _citations() -> dict[str, str | None]:
    """Citation (squashed) → court id; None where two courts share a citation."""
    found: dict[str, str | None] = {}
    for record in _records():
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
        return pacer_court(lowered)
    citation = _citations().get(_squash(given), "")
    if citation:
        return pacer_court(citation)
    if citation is None:
        raise ValueError(f'court "{given}" is a citation several courts share: give its id')
    name = _circuit(given) or given
    bankruptcy = "bankruptcy" in lowered
    matches = sorted(set(courts_db.find_court(name, bankruptcy=bankruptcy)))
    if not matches and not lowered.startswith("united states"):
        matches = sorted(set(courts_db.find_court(f"United States {name}", bankruptcy=bankruptcy)))
    if len(matches) == 1:
        return pacer_court(matches[0])
    if not matches:
        raise ValueError(
            f'unknown court "{given}": give a court id such as "cand", a citation such as '
            f'"N.D. Cal." or a full name such as "Northern District of California"'
        )
    raise ValueError(f'court "{given}" is ambiguous ({", ".join(matches)}): give its id')


def court_name(court_id: str) -> str:
    """A court id's full name, for alerts; the id itself when courts-db does not know it."""
    records = courts_db.find_court_by_id(court_id) or courts_db.find_court_by_id(
        _COURTS_DB_IDS.get(court_id, court_id))
    return records[0]["name"] if records else court_id


def pacer_court(court_id: str) -> str:
    """A courts-db or CourtListener court id as PACER spells it (`arb` → `azb`)."""
    court = court_id.strip().lower()
    return PACER_IDS.get(court, court)


def _open(record: dict) -> bool:
    dates = record.get("dates") or []
    return not dates or any(not period.get("end") for period in dates)


def _pacer_kind(record: dict, court: str) -> CourtKind | None:
    """The kind of CM/ECF court a courts-db record is, under its PACER id `court`."""
    name = (record.get("name") or "").lower()
    if record["id"] in _NOT_PACER or not _open(record):
        return None
    if record.get("type") == "bankruptcy" and _BANKRUPTCY_ID.fullmatch(court):
        return "bankruptcy"
    if _APPELLATE_ID.fullmatch(court):
        return "appellate"
    if _DISTRICT_ID.fullmatch(court) and "district" in name:
        return "district"
    return None


@cache
def pacer_courts() -> dict[str, CourtKind]:
    """Every court with a CM/ECF feed, by its PACER id: `cand` → district, `ca9` → appellate."""
    found: dict[str, CourtKind] = {}
    for record in _records():
        court = pacer_court(record["id"])
        if record.get("system") == "federal" and (kind := _pacer_kind(record, court)):
            found[court] = kind
    return found | _PACER_ALSO


def pacer_kind(court: str) -> CourtKind | None:
    """The kind of a PACER court (`nysb` → bankruptcy); None when PACER has no such court."""
    return pacer_courts().get(court)
