"""Queries for cases described only by caption, aliases, parties and docket number.

What makes an article news of such a case:

- the caption's short form (`Doe v. Twitter`, `U.S. v. Google`, `People v. Trump`), the
  caption, an alias or the docket number, each on its own;
- a person the caption names: in an article that names the person in full (middle
  names, initials, nicknames and suffixes allowed: names.py), the surname within
  PARTY_NEAR words of the case's words; or the surname near them in a headline, unless
  the text names someone else by it. Against a prosecuting government (`People`,
  `State of Texas`, `Commonwealth`, `United States`, `R`) the case's words are those of
  criminal procedure and the government's stand-ins (federal prosecutors, the FBI); in
  a civil case they are litigation words, and the article must also name the other side;
- an organisation (or a pseudonymous or one-word party: `John Doe`, `Bartz`) within
  SIDE_NEAR words of the caption's other side: its parties, or a government's stand-ins
  (the Justice Department, DOJ, the FTC, the SEC). A famous organisation's name near a
  legal word is not news of a case; its opponent's name is.

A person's full name alone is not enough: a famous person is named every day in news of
other things. The vocabulary and the governments are in vocabulary.py, the sides in
captions.py.
"""

from __future__ import annotations

from functools import cache

from monitor.config import CaseConfig
from monitor.matching.captions import (
    Party,
    Side,
    caption_short_forms,
    caption_sides,
    short_form_variants,
    short_name,
)
from monitor.matching.names import (
    LEGAL_FORM,
    PersonName,
    any_of,
    full_name,
    given_names,
    organisation,
    phrase,
    surname_term,
)
from monitor.matching.query import And, Near, Node, Not, Or, Term, make_term, parse_query
from monitor.matching.vocabulary import CIVIL_WORDS, COURT_WORDS, CRIMINAL_WORDS, Government

__all__ = ["caption_short_forms", "case_query", "derive_query", "short_name"]

PARTY_NEAR = 15
SIDE_NEAR = 25


# made once, not per case: ten thousand cases held 24 copies each of the old word list
@cache
def case_words(criminal: bool) -> Or:
    """The words of a criminal or a civil case."""
    words = (*COURT_WORDS, *(CRIMINAL_WORDS if criminal else CIVIL_WORDS))
    return Or(tuple(dict.fromkeys(t for w in words if (t := phrase(w)))))


@cache
def _stand_ins(law: Government, against_person: bool = False) -> Or | None:
    names = (*law.stand_ins, *(law.investigators if against_person else ()))
    terms = tuple(dict.fromkeys(t for w in names if (t := phrase(w))))
    return Or(terms) if terms else None


@cache
def _prosecution_words(law: Government) -> Or:
    """What reports of a case the government brings against a person say."""
    stand_ins = _stand_ins(law, True)
    words = case_words(law.prosecutes)
    if stand_ins is None:
        return words
    return Or(tuple(dict.fromkeys((*words.parts, *stand_ins.parts))))


def _party_node(party: Party) -> Node | None:
    if party.person is not None and not party.person.pseudonym:
        return full_name(party.person)
    return organisation(party.name)


def _opponent(side: Side) -> tuple[Node | None, bool]:
    """A side as the other side: a government's stand-ins, or any of its names (a
    pseudonym also by its surname and plural: `Doe`, `John Does`); and whether any of
    them names someone in particular (`John Doe` does not)."""
    if side.government is not None:
        return _stand_ins(side.government), True
    nodes: list[Node] = []
    specific = False
    for party in side.parties:
        if party.person is not None and party.person.pseudonym:
            spellings = (party.name, f"{party.name}s", party.person.surname)
            nodes += [t for n in spellings if (t := phrase(n))]
        elif (node := _party_node(party)) is not None:
            nodes.append(node)
            specific = True
    return any_of(nodes), specific


def _person_evidence(person: PersonName, words: Node) -> list[Node]:
    """The person in full, and the surname near the case's words (in the same sentence
    as the full name or later); or the surname near them in a headline, unless the text
    names someone else by it ("Adrian Peterson arrested" is no news of Scott Peterson)."""
    full, surname, given = full_name(person), surname_term(person), given_names(person)
    headline, in_text = surname_term(person, "title"), surname_term(person, "text")
    if full is None or surname is None or given is None or headline is None or in_text is None:
        return []
    given_parts = given.parts if isinstance(given, Or) else (given,)
    # Near requires one field, so a title-scoped surname meets the words in the title
    return [And((full, Near(surname, words, PARTY_NEAR))),
            And((Near(headline, words, PARTY_NEAR), Or((*given_parts, Not(in_text)))))]


def _side_evidence(side: Side, other: Side) -> list[Node]:
    law, (opponent, specific) = other.government, _opponent(other)
    found: list[Node] = []
    for person in side.people:
        if law is not None:
            found += _person_evidence(person, _prosecution_words(law))
        elif opponent is not None and (evidence := _person_evidence(person, case_words(False))):
            # the other side first: its names, not a common surname, find the candidates
            found.append(And((opponent, Or(tuple(evidence)))))
    if opponent is None:
        return found
    named = [p for p in side.parties if p.named and (p.person is None or p.person.pseudonym)]
    for pseudonyms in (False, True):  # people were above
        node = any_of([n for p in named if (p.person is not None) == pseudonyms
                       and (n := organisation(p.name)) is not None])
        if node is None:
            continue
        near = Near(node, opponent, SIDE_NEAR)
        # a pseudonym on either side, also near a litigation word: "John Doe posted on
        # Twitter" is no news of Doe v. Twitter
        found.append(near if specific and not pseudonyms
                     else Near(near, case_words(False), SIDE_NEAR))
    return found


def _one_sided(side: Side) -> list[Node]:
    """Parties without a caption to oppose them: people as people, the rest all together
    with one of them near a litigation word."""
    found: list[Node] = []
    for person in side.people:
        found += _person_evidence(person, case_words(False))
    nodes = [n for p in side.parties if (p.person is None or p.person.pseudonym)
             and (n := organisation(p.name)) is not None]
    if len(nodes) == 1:
        found.append(Near(nodes[0], case_words(False), PARTY_NEAR))
    elif nodes:
        near = Or(tuple(Near(n, case_words(False), PARTY_NEAR) for n in nodes))
        found.append(And((*nodes, near)))
    return found


def derive_query(case: CaseConfig) -> Node:
    """A query for a case described only by caption, aliases, parties and docket number."""
    names = [*caption_short_forms(case.caption), *short_form_variants(case.caption),
             *case.aliases]
    if case.caption:
        names.append(LEGAL_FORM.sub("", case.caption))
    alternatives: list[Node] = [t for n in names if (t := phrase(n)) is not None]
    if case.docket_number:
        alternatives.append(make_term(case.docket_number))
    sides = caption_sides(case.caption, case.parties)
    if len(sides) == 2:
        alternatives += _side_evidence(sides[0], sides[1])
        alternatives += _side_evidence(sides[1], sides[0])
    else:
        alternatives += _one_sided(sides[0])
    # only names can repeat (an alias that is the short form); a tree is hashed whole
    terms = [n for n in alternatives if isinstance(n, Term)]
    unique = [*dict.fromkeys(terms), *(n for n in alternatives if not isinstance(n, Term))]
    if not unique:
        raise ValueError(f"case {case.id!r}: nothing to search for")
    return unique[0] if len(unique) == 1 else Or(tuple(unique))


def case_query(case: CaseConfig) -> Node:
    """The case's own query, else the derived one."""
    return parse_query(case.query) if case.query else derive_query(case)
