"""Which watched parties a docket entry's case name names, and on which side.

A case name is a caption ("The Museum of Modern Art v. MoMaCha IP LLC"); its own words
are the context, so no litigation word is needed, but a party must be named whole, in
the forms the news matching accepts (`monitor.matching.names`) and nothing looser:

- an organisation by its name with or without its legal form and a leading "The", as
  the start of one of the side's parties: `Museum of Modern Art` names "The Museum of
  Modern Art" and "Museum of Modern Art, Inc.", not "MoMA PS1" or "Modern Art Museum";
- a person by given name (or a familiar form of it) and surname, middle names, initials
  and suffixes aside: `Arcade Comeaux` names "Arcade Joseph Comeaux Jr."; a surname
  alone ("Comeaux v. Smith") names no one.

`PartyIndex` finds the parties of many watches in one pass: each party is filed under
one word it cannot be named without, so a case name is weighed only against the
parties one of its words can name, however many are watched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from monitor.matching.captions import VERSUS, side_entities
from monitor.matching.names import LEGAL_FORM, ORGANISATION_WORDS, PersonName, person_name
from monitor.matching.vocabulary import government
from monitor.text.normalise import normalise
from monitor.text.stopwords import ENGLISH_STOP_WORDS

SideName = Literal["plaintiff", "defendant", "party"]
_IN_RE = re.compile(r"^\s*(?:in\s+re|in\s+the\s+matter\s+of|matter\s+of)\s*:?\s+",
                    re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Named:
    """A watched party a case name names: which party, as whom, and the name it gave."""

    key: str  # the watch's id (or any key the index was given)
    party: str
    side: SideName
    as_named: str


@dataclass(frozen=True, slots=True)
class _Party:
    key: str
    name: str
    person: PersonName | None
    words: tuple[str, ...]  # an organisation's words, legal form and "The" aside
    government: bool = False

    @property
    def anchor(self) -> str | None:
        """A word the party cannot be named without: the last of its words (a person's
        surname, or an organisation's last word; every word must be there)."""
        if self.words:
            return self.words[-1]
        surname = normalise(self.person.surname).split() if self.person else []
        return surname[-1] if surname else None


@lru_cache(maxsize=65_536)
def _org_words(name: str) -> tuple[str, ...]:
    return tuple(normalise(_LEADING_THE.sub("", LEGAL_FORM.sub("", name).strip())).split())


@lru_cache(maxsize=65_536)
def _person(name: str) -> PersonName | None:
    return None if LEGAL_FORM.search(name) else person_name(name)


def _names(party: _Party, entity: str) -> bool:
    """A person's name names a person (an entity without a legal form); a government
    only itself; any other name an organisation whose name begins with it, or, when the
    entity is shaped as a person's name, the very same words."""
    other = _person(entity)
    if party.person is not None and other is not None:
        return (other.surname.casefold() == party.person.surname.casefold()
                and bool(set(other.given_forms) & set(party.person.given_forms)))
    words = _org_words(entity)
    if not party.words:
        return False
    if party.government or other is not None:
        return words == party.words
    return words[:len(party.words)] == party.words


@lru_cache(maxsize=16_384)
def sides(case_name: str) -> list[tuple[SideName, list[str]]]:
    """A case name's sides and each side's parties: plaintiffs and defendants across a
    "v.", else one side ("In re Acme Corp.", a bankruptcy's debtor). A side's parties
    are its names split at "and", "&" and ";", and the whole side too: "Food & Water
    Watch" is one organisation, "Google LLC and Alphabet Inc." two."""
    texts = VERSUS.split(case_name.strip(), maxsplit=1)
    if len(texts) == 2:
        return [("plaintiff", _parties(texts[0])), ("defendant", _parties(texts[1]))]
    return [("party", _parties(_IN_RE.sub("", case_name)))]


def _parties(side: str) -> list[str]:
    split = side_entities(side)
    whole = _ET_AL.sub("", side).strip(" ,.")
    joined = bool(re.search(r"\s(?:and|&)\s|;", whole, re.IGNORECASE))
    return [*split, whole] if joined and whole not in split else split


class PartyIndex:
    """`PartyIndex([(key, party), ...]).find(case_name) -> [Named, ...]`."""

    def __init__(self, parties: Iterable[tuple[str, str]]) -> None:
        self._by_anchor: dict[str, list[_Party]] = {}
        self._count = 0
        for key, name in parties:
            party = _Party(key, name, _person(name), _org_words(name),
                           government(name) is not None)
            if party.anchor is not None:
                self._by_anchor.setdefault(party.anchor, []).append(party)
                self._count += 1

    def __len__(self) -> int:
        return self._count

    def find(self, case_name: str) -> list[Named]:
        """Every indexed party the case name names, with its side, each key once."""
        words = set(normalise(case_name).split())
        candidates = [p for word in words for p in self._by_anchor.get(word, ())]
        if not candidates:
            return []
        found: dict[str, Named] = {}
        for side, entities in sides(case_name):
            for entity in entities:
                for party in candidates:
                    if party.key not in found and _names(party, entity):
                        found[party.key] = Named(party.key, party.name, side, entity)
        return list(found.values())


def names_party(case_name: str, party: str) -> Named | None:
    """Whether a case name names one party, and as whom."""
    found = PartyIndex([("", party)]).find(case_name)
    return found[0] if found else None


# words that alone name no one in particular: a party of only these is in every feed
_GENERIC = frozenset({"state", "states", "united", "people", "america", "american", "national",
                      "federal", "city", "county", "town", "government", "commonwealth",
                      "doe", "john", "jane", "unknown", "estate", "trustee", "debtor"})


def common_party(name: str) -> str | None:
    """Why a party name would name suits in every court's feed, or None: a government
    (the United States, a state, the People), or only common words."""
    if government(name) is not None:
        return "a government, a party to a great many suits"
    words = _org_words(name)
    if not words:
        return "no name"
    if all(w in ENGLISH_STOP_WORDS or w in ORGANISATION_WORDS or w in _GENERIC for w in words):
        return "only common words"
    return None
