"""A caption's sides and short forms, and which side each configured party is on.

`John Doe #1 and John Doe #2 v. Twitter, Inc.` with parties `Twitter` and `John Doe`:
two sides, the pseudonymous person `John Doe` against the organisation `Twitter`, short
form `Doe v. Twitter`. A side can be a government (`United States`, `People of the State
of New York`, `R`, `FTC`: vocabulary.py), which news names by its stand-ins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.matching.names import LEGAL_FORM, PersonName, person_name, without_legal_form
from monitor.matching.vocabulary import Government, government
from monitor.text.normalise import normalise

VERSUS = re.compile(r"\s+(?:v|vs|versus)\.?\s+", re.IGNORECASE)
_NUMBERING = re.compile(r"\s*(?:#|no\.?\s*)\d+\b", re.IGNORECASE)
_DANGLING = re.compile(r"(?:\s+(?:and|&))+\s*$", re.IGNORECASE)
_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)
_WHOLE_NAME = re.compile(
    r"^(?:the\s+)?(?:united|state|states|people|city|county|commonwealth|department|federal"
    r"|district|town|village|board|national|american)\b",
    re.IGNORECASE,
)


def _unnumbered(side: str) -> str:
    """A side without its numbering: `John Doe #1 and #2` → `John Doe` (the "and" that
    joined the numbers goes with them)."""
    return _DANGLING.sub("", _NUMBERING.sub("", side)).strip()


def short_name(side: str) -> str:
    """`John Doe #1 and John Doe #2` → `Doe`; `Twitter, Inc.` → `Twitter`."""
    side = _unnumbered(side)
    corporate = bool(LEGAL_FORM.search(side))
    side = LEGAL_FORM.sub("", side).strip()
    first = re.split(r"\s+(?:and|&)\s+|\s*[,;]\s*", side, maxsplit=1)[0].strip(" .,")
    words = first.split()
    if (corporate or government(first) is not None or _WHOLE_NAME.match(first)
            or not 2 <= len(words) <= 3):
        return first
    if all(w[:1].isupper() for w in words):
        return words[-1]  # a person: the surname is what headlines use
    return first


def caption_short_forms(caption: str) -> list[str]:
    """`John Doe #1 and John Doe #2 v. Twitter, Inc.` → [`Doe v. Twitter`]."""
    return list(_short_forms(caption))


@lru_cache(maxsize=16_384)
def _short_forms(caption: str) -> tuple[str, ...]:
    sides = VERSUS.split(caption.strip(), maxsplit=1)
    if len(sides) != 2:
        return ()
    left, right = short_name(sides[0]), short_name(sides[1])
    return (f"{left} v. {right}",) if left and right else ()


def short_form_variants(caption: str) -> list[str]:
    """How news also writes the short form: `U.S. v. Google` and `US v. Google` for
    `United States v. Google`, `People v. Trump` for `People of the State of New York v.
    Donald J. Trump`, `New York Times v. Microsoft` without the article."""
    variants = []
    for form in _short_forms(caption):
        left, right = form.split(" v. ", 1)
        bare = re.sub(r"^the\s+", "", left, flags=re.IGNORECASE)
        lefts = [left, bare]
        found = government(left)
        if found is not None and found.name == "United States":
            lefts += ["U.S.", "US"]
        elif found is not None and found.name == "State":  # People, State, Commonwealth
            lefts.append(bare.split()[0])
        variants += [f"{one} v. {right}" for one in lefts if f"{one} v. {right}" != form]
    return list(dict.fromkeys(variants))


@dataclass(frozen=True, slots=True)
class Party:
    """One name on a side: a person's (`person` set), else an organisation's or a name
    of one word. `named`: False for a party the caption does not name."""

    name: str
    person: PersonName | None
    named: bool = True


@dataclass(slots=True)
class Side:
    text: str
    government: Government | None = None
    parties: list[Party] = field(default_factory=list)

    @property
    def people(self) -> list[PersonName]:
        """The people the caption names on this side, pseudonyms (`John Doe`) aside, each
        once (`Sam Bankman-Fried` is `Samuel Bankman-Fried`)."""
        people: list[PersonName] = []
        for party in self.parties:
            person = party.person
            if not party.named or person is None or person.pseudonym:
                continue
            if not any(p.surname == person.surname
                       and set(p.given_forms) & set(person.given_forms) for p in people):
                people.append(person)
        return people


def _person(name: str, context: str) -> PersonName | None:
    """A person's name, unless it or the caption's words for it carry a legal form."""
    if LEGAL_FORM.search(name) or LEGAL_FORM.search(context):
        return None
    return person_name(name)


def side_entities(side: str) -> list[str]:
    """`John Doe #1 and John Doe #2` → [`John Doe`]; `Microsoft Corporation and OpenAI`
    → [`Microsoft Corporation`, `OpenAI`]."""
    side = _unnumbered(_ET_AL.sub("", side))
    parts = (p.strip(" ,.") for p in re.split(r"\s+(?:and|&)\s+|\s*;\s*", side))
    return list(dict.fromkeys(p for p in parts if p))


@lru_cache(maxsize=65_536)
def _words(text: str) -> frozenset[str]:
    return frozenset(normalise(without_legal_form(text)).split())


def _initials(text: str) -> str:
    words = re.split(r"[\s\-]+", without_legal_form(text))
    return "".join(w[0] for w in words if w[:1].isalpha()).upper()


def _same(party: str, entity: str) -> bool:
    """`Google` and `Google LLC`, `Donald Trump` and `Donald J. Trump`, `HP` and
    `Hewlett-Packard Company`, `Sam Bankman-Fried` and `Samuel Bankman-Fried`."""
    ours, theirs = _words(party), _words(entity)
    if ours and theirs and (ours <= theirs or theirs <= ours):
        return True
    if len(party) > 1 and party.isupper() and party == _initials(entity):
        return True
    one, other = person_name(party), person_name(entity)
    return bool(one and other and one.surname.casefold() == other.surname.casefold())


def caption_sides(caption: str, parties: list[str]) -> list[Side]:
    """The caption's two sides with each party on its own. A party the caption does not
    name joins the second side (the defendants, whom a caption names one of) unnamed.
    Without a "v.", one side holding every party."""
    texts = VERSUS.split(caption.strip(), maxsplit=1) if caption else []
    if len(texts) != 2:
        return [Side(caption, None, [Party(p, _person(p, p)) for p in parties])]
    sides = [Side(text, government(text)) for text in texts]
    entities = {id(s): [] if s.government else side_entities(s.text) for s in sides}
    for side in sides:
        side.parties += [Party(e, _person(e, e)) for e in entities[id(side)]]
    for name in parties:
        home = next(((s, e) for s in sides for e in entities[id(s)] if _same(name, e)), None)
        if home is not None:
            home[0].parties.append(Party(name, _person(name, home[1])))
        elif (side := sides[1] if sides[1].government is None else sides[0]).government is None:
            side.parties.append(Party(name, _person(name, name), named=False))
    for side in sides:  # `Musk` besides `Elon Musk`: the person's surname, not a name
        surnames = {p.person.surname.casefold() for p in side.parties if p.person}
        side.parties = list(dict.fromkeys(
            p for p in side.parties if " " in p.name or p.name.casefold() not in surnames))
    return sides
