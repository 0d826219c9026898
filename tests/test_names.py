"""People's and organisations' names as news writes them (monitor/matching/names.py)."""

from __future__ import annotations

import pytest

from monitor.matching.matcher import Document, evaluate
from monitor.matching.names import (
    PersonName,
    full_name,
    organisation,
    person_name,
    without_legal_form,
)
from monitor.matching.query import Node


def found(node: Node | None, text: str) -> bool:
    assert node is not None
    return evaluate(node, Document("", text)) is not None


@pytest.mark.parametrize(
    ("name", "given", "surname"),
    [
        ("Arcade Comeaux", "Arcade", "Comeaux"),
        ("Arcade Joseph Comeaux Jr.", "Arcade", "Comeaux"),
        ("Elon R. Musk", "Elon", "Musk"),
        ("W. Mark Felt, Sr.", "Mark", "Felt"),
        ("Donald J. Trump", "Donald", "Trump"),
        ("Sam Bankman-Fried", "Sam", "Bankman-Fried"),
        ("Dr. Sanjay Gupta", "Sanjay", "Gupta"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ],
)
def test_a_persons_name_is_a_given_name_and_a_surname(name: str, given: str,
                                                       surname: str) -> None:
    assert person_name(name) == PersonName(given, surname)


@pytest.mark.parametrize(
    "name",
    ["Twitter", "Getty Images", "Stability AI", "Research In Motion", "Epic Games",
     "Media Matters for America", "The New York Times", "Internet Archive", "X Corp",
     "Anthropic PBC", "Electronic Data Systems"],
)
def test_an_organisations_name_is_not_a_persons(name: str) -> None:
    assert person_name(name) is None


def test_john_doe_is_a_pseudonym_not_a_person_in_particular() -> None:
    doe = person_name("John Doe")
    assert doe is not None and doe.pseudonym
    musk = person_name("Elon Musk")
    assert musk is not None and not musk.pseudonym


def full_name_found(party: str, text: str) -> bool:
    """The party, read as a person, is named in full in `text`."""
    person = person_name(party)
    assert person is not None
    return found(full_name(person), text)


@pytest.mark.parametrize(
    ("party", "text"),
    [
        ("Arcade Comeaux", "Texas inmate Arcade Joseph Comeaux Jr. escaped from two guards"),
        ("Vincent Gigante", "Vincent 'The Chin' Gigante, the Genovese family boss"),
        ("Vincent Gigante", 'Vincent "The Chin" Gigante walked the streets in a bathrobe'),
        ("Mark Felt", "W. Mark Felt, Sr., the number 2 man at the FBI"),
        ("Regina Benjamin", "Regina M. Benjamin, a family physician in Alabama"),
    ],
)
def test_a_full_name_allows_middle_names_initials_nicknames_and_suffixes(
        party: str, text: str) -> None:
    assert full_name_found(party, text)


@pytest.mark.parametrize(
    ("party", "text"),
    [
        ("Fred LaRue", "Frederick Cheney LaRue, a Nixon aide, died at 75"),
        ("Frederick LaRue", "Fred LaRue, Watergate figure, dies at 75"),
        ("Sam Bankman-Fried", "Samuel Bankman-Fried was convicted of fraud"),
        ("Bettie Page", "Famous 1950s pin up star Betty Page has died"),
    ],
)
def test_a_given_name_is_also_found_in_its_familiar_or_formal_form(party: str,
                                                                  text: str) -> None:
    assert full_name_found(party, text)


@pytest.mark.parametrize(
    ("party", "text"),
    [
        ("Arcade Comeaux", "Comeaux was seen near the video arcade on Main Street"),
        ("Arcade Comeaux", "The arcade opened in 1982 and closed last year after a long "
                           "decline; its owner, Mr. Comeaux, retired"),
        ("William Smith", "Critics say they will Smith-proof the plan"),  # "will": a word
        ("Susan Smith", "Residents plan to sue Smith over the fence"),
    ],
)
def test_a_given_name_far_from_the_surname_or_a_word_that_is_a_name_is_not_the_person(
        party: str, text: str) -> None:
    person = person_name(party)
    assert person is not None
    assert not found(full_name(person), text)


@pytest.mark.parametrize(
    ("party", "text"),
    [
        ("Twitter, Inc.", "Twitter Inc said on Monday"),
        ("Twitter, Inc.", "Twitter, Inc. said on Monday"),
        ("Twitter, Inc.", "Twitter said on Monday"),
        ("Amazon.com, Inc.", "Amazon said on Monday"),
        ("The New York Times Company", "New York Times reporters said"),
        ("Anthropic PBC", "Anthropic said"),
    ],
)
def test_an_organisation_is_found_with_and_without_its_legal_form(party: str,
                                                                  text: str) -> None:
    assert found(organisation(party), text)


def test_without_legal_form() -> None:
    assert without_legal_form("Twitter, Inc.") == "Twitter"
    assert without_legal_form("Google LLC") == "Google"
    assert without_legal_form("Research In Motion Limited") == "Research In Motion"
