"""People's and organisations' names as news writes them, as query nodes.

A person is found by the given name (or a familiar form of it: Sam for Samuel, Fred
for Frederick) followed within a few words by the surname, so middle names, initials,
a nickname in quotes and a suffix all fit: `Arcade Comeaux` finds "Arcade Joseph
Comeaux Jr.", `Vincent Gigante` finds "Vincent 'The Chin' Gigante". An organisation is
found with or without its legal form: `Twitter, Inc.` finds "Twitter Inc" and
"Twitter". Whether a name is a person's is read from its shape: two to five
capitalised words, none of them an organisation's word (Games, Labs, Times...), on a
side of the caption without a legal form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.matching.query import Near, Node, Or, Term, make_term

GIVEN_TO_SURNAME = 4  # "Vincent 'The Chin' Gigante": two words between, within 4
LEGAL_FORM = re.compile(
    r",?\s+(?:inc|incorporated|llc|l\.l\.c|corp|corporation|co|company|ltd|limited|lp|llp|plc"
    r"|pbc|gmbh|ag|s\.a|n\.a|et\s+al)\.?(?=\s|,|$)",
    re.IGNORECASE,
)
_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof|sir|dame|judge|justice)\.?\s+", re.IGNORECASE)
_SUFFIX = re.compile(r",?\s+(?:jr|sr|ii|iii|iv|v|esq)\.?$", re.IGNORECASE)
_PARTICLES = frozenset({"de", "del", "della", "di", "da", "du", "van", "von", "der", "den",
                        "la", "le", "bin", "ibn", "al", "st"})
_INITIAL = re.compile(r"^[A-Z]\.?$")
# words of organisations' names, never of a person's: "Research In Motion", "The Times"
_FUNCTION_WORDS = frozenset({"in", "of", "for", "and", "the", "on", "at", "&", "to"})
# the last word of many organisations' names; a person's name has none of them
_ORGANISATION_WORDS = """
    agency airlines airways archive archives association authority bancorp bank board books
    brands broadcasting bureau capital center centre church city club college commission
    committee communications company council county department district energy
    entertainment exchange federation financial foundation fund games global group health
    holdings hospital images industries institute insurance international labs laboratories
    league library magazine matters media motors museum network networks news partners
    pharmaceuticals pictures platforms post press productions project records republic
    school sciences services society software solutions studios systems technologies
    telecom times trust union university ventures wireless
"""
ORGANISATION_WORDS = frozenset(_ORGANISATION_WORDS.split())
PSEUDONYMS = frozenset({"doe", "roe", "moe"})
# familiar forms of given names; a form that is also a common word (will, sue, rob, don)
# is left out: "will Smith" is not a name
_FAMILIAR = (
    "abraham abe", "albert al bert", "alexander alex", "alfred alf fred", "andrew andy drew",
    "anthony tony", "benjamin ben", "bettie betty", "catherine cathy kate katie",
    "charles charlie chuck", "christopher chris", "daniel dan danny", "david dave",
    "deborah deb debbie", "douglas doug", "edward ed eddie ted", "elizabeth liz beth betty",
    "eugene gene", "frederick fred freddie", "gerald jerry", "gregory greg",
    "harold harry hal", "henry hank harry", "james jim jimmy", "jeffrey jeff",
    "jennifer jen jenny", "john jack johnny", "jonathan jon", "joseph joe joey",
    "katherine kathy kate katie", "kathryn kathy kate katie", "kenneth ken kenny",
    "lawrence larry", "leonard len lenny", "margaret maggie peggy", "matthew matt",
    "michael mike mickey", "nathaniel nate nathan", "nicholas nick", "patricia patty",
    "peter pete", "philip phil", "raymond ray", "rebecca becky", "richard rick",
    "robert bob bobby", "ronald ron", "samuel sam", "samantha sam", "stephen steve",
    "steven steve", "susan susie", "thomas tom tommy", "timothy tim", "victoria vicky",
    "vincent vince vinny", "walter walt", "william bill billy", "zachary zach",
)


def _familiar() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    for row in _FAMILIAR:
        formal, *short = row.split()
        forms.setdefault(formal, set()).update(short)
        for word in short:
            forms.setdefault(word, set()).add(formal)
    return {name: frozenset(found) for name, found in forms.items()}


FAMILIAR = _familiar()


def without_legal_form(name: str) -> str:
    """`Twitter, Inc.` → `Twitter`; `The New York Times Company` → `The New York Times`."""
    return LEGAL_FORM.sub("", name).strip(" ,")


@dataclass(frozen=True, slots=True)
class PersonName:
    given: str
    surname: str

    @property
    def pseudonym(self) -> bool:
        """`John Doe`, `Jane Roe`: the name of many plaintiffs, none in particular."""
        return self.surname.casefold() in PSEUDONYMS

    @property
    def given_forms(self) -> tuple[str, ...]:
        own = self.given.casefold()
        return (own, *sorted(FAMILIAR.get(own, ())))


@lru_cache(maxsize=65_536)
def person_name(text: str) -> PersonName | None:
    """The given name and surname of a person's name, or None when it is not one."""
    text = _TITLE.sub("", " ".join(text.split()))
    while (bare := _SUFFIX.sub("", text)) != text:
        text = bare
    words = text.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in text):
        return None
    for word in words:
        core = word.strip(".,'\"")
        if core.casefold() in _FUNCTION_WORDS:
            return None
        if core.casefold() in ORGANISATION_WORDS or LEGAL_FORM.search(f" {core}"):
            return None
        if core.casefold() not in _PARTICLES and not core[:1].isupper():
            return None
        if len(core) > 1 and core.isupper() and not _INITIAL.match(core):
            return None  # an acronym: "Stability AI"
    surname_start = len(words) - 1
    while surname_start > 1 and words[surname_start - 1].casefold() in _PARTICLES:
        surname_start -= 1
    given = next((w for w in words[:surname_start] if not _INITIAL.match(w)), None)
    if given is None or given.casefold() in _PARTICLES:
        return None
    return PersonName(given.strip(".,"), " ".join(words[surname_start:]).strip(".,"))


@lru_cache(maxsize=65_536)  # terms are immutable; many cases share their words
def phrase(text: str, field: str | None = None) -> Term | None:
    """A name or words as a phrase (in one field, when given); None when nothing of it is
    left to search for but a "v."."""
    try:
        term = make_term(text, phrase=True, field=field)  # type: ignore[arg-type]
    except ValueError:
        return None
    return None if set(term.words) <= {"v"} else term


def surname_term(person: PersonName, field: str | None = None) -> Term | None:
    return phrase(person.surname, field)


@lru_cache(maxsize=65_536)
def given_names(person: PersonName) -> Node | None:
    """Any form of the person's given name: `Fred` or `Frederick`."""
    return any_of([t for form in person.given_forms if (t := phrase(form)) is not None])


@lru_cache(maxsize=65_536)
def full_name(person: PersonName) -> Node | None:
    """The person in full: a form of the given name, a few words, the surname."""
    surname, given = phrase(person.surname), given_names(person)
    if surname is None or given is None:
        return None
    return Near(given, surname, GIVEN_TO_SURNAME)


def organisation_names(name: str) -> list[str]:
    """`Amazon.com, Inc.` → [`Amazon.com`, `Amazon`]; `The New York Times Company` →
    [`The New York Times`, `New York Times`]."""
    names = [without_legal_form(name)]
    names.append(re.sub(r"^the\s+", "", names[0], flags=re.IGNORECASE))
    names.append(re.sub(r"\.com$", "", names[-1], flags=re.IGNORECASE))
    return list(dict.fromkeys(n for n in names if n))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return any(longer[i : i + len(shorter)] == shorter
               for i in range(len(longer) - len(shorter) + 1))


def any_of(nodes: list[Node]) -> Node | None:
    """Nodes as alternatives, without repeats, and without a phrase that holds another
    alternative (`Genaer Holdings` beside `Genaer` finds nothing more)."""
    terms = [n for n in nodes if isinstance(n, Term) and n.docket is None and not n.prefix]
    kept = [n for n in nodes if not (n in terms and any(
        o.words != n.words and o.field == n.field and _contains(n.words, o.words)
        for o in terms))]
    unique = list(dict.fromkeys(kept))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else Or(tuple(unique))


@lru_cache(maxsize=65_536)
def organisation(name: str) -> Node | None:
    """Any of `organisation_names`."""
    return any_of([t for n in organisation_names(name) if (t := phrase(n)) is not None])
