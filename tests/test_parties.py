"""Which watched parties a docket entry's case name names: the rules on their own, then
over the real CM/ECF fixtures. Precision and recall over every fixture case name:
bench/eval_parties.py."""

from __future__ import annotations

import pytest

from monitor.matching.parties import PartyIndex, names_party, sides
from tests.test_pacer import NAMES, fixture

MOMA = "The Museum of Modern Art v. MoMaCha IP LLC et al"


@pytest.mark.parametrize(("case_name", "party", "side"), [
    (MOMA, "Museum of Modern Art", "plaintiff"),
    (MOMA, "The Museum of Modern Art", "plaintiff"),
    (MOMA, "MoMaCha IP", "defendant"),
    ("Chau v. Donovan et al", "Donovan", "defendant"),  # one word: a name as it stands
    (MOMA, "MoMaCha IP LLC", "defendant"),
    ("MoMaCha IP LLC v. Museum of Modern Art, Inc.", "Museum of Modern Art", "defendant"),
    ("Doe v. Twitter, Inc.", "Twitter", "defendant"),
    ("Doe v. Twitter, Inc.", "Twitter, Inc.", "defendant"),
    ("Smith et al v. Google LLC and Alphabet Inc.", "Alphabet", "defendant"),
    ("Smith et al v. Google LLC; Alphabet Inc.", "Alphabet Inc.", "defendant"),
    ("United States v. Arcade Joseph Comeaux Jr.", "Arcade Comeaux", "defendant"),
    ("Bankman-Fried v. Doe", "Sam Bankman-Fried", None),  # a surname alone: no one
    ("Samuel Bankman-Fried v. Doe", "Sam Bankman-Fried", "plaintiff"),
    ("In re Acme Corp.", "Acme", "party"),
    ("Acme Corp.", "Acme Corp", "party"),
    ("Anthem, Inc. v. Express Scripts, Inc.", "Express Scripts", "defendant"),
    ("Food & Water Watch v. FERC", "Food & Water Watch", "plaintiff"),  # "&" in a name
    ("Doe v. Johnson & Johnson et al", "Johnson & Johnson", "defendant"),
    ("Rodriguez v. United States", "United States", "defendant"),
])
def test_a_party_named_whole_and_its_side(case_name: str, party: str,
                                           side: str | None) -> None:
    found = names_party(case_name, party)
    assert (found.side if found else None) == side


@pytest.mark.parametrize(("case_name", "party"), [
    ("Modern Art Museum v. Doe", "Museum of Modern Art"),  # other words, other order
    (MOMA, "Modern Art"),  # not the start of the name
    ("Pineapple Co. v. Doe", "Apple"),  # inside a word
    ("Comeaux v. Smith", "Arcade Comeaux"),  # the surname alone
    ("United States v. Joseph Comeaux", "Arcade Comeaux"),  # another person
    ("Doe v. Scripts Holdings", "Express Scripts"),  # a company's, shaped as a person's
    ("Doe v. Express Inc.", "Express Scripts"),  # a part of the name
    ("United States Sugar Corporation v. EPA", "United States"),  # a government: itself
    ("United States v. Lopez De La Cruz", "Lopez"),  # a person's name: all of it
])
def test_nothing_looser(case_name: str, party: str) -> None:
    assert names_party(case_name, party) is None


def test_the_sides_of_a_case_name() -> None:
    assert sides(MOMA) == [("plaintiff", ["The Museum of Modern Art"]),
                           ("defendant", ["MoMaCha IP LLC"])]
    assert sides("In re: Acme Corp. and Acme Holdings LLC") == [
        ("party", ["Acme Corp", "Acme Holdings LLC", "Acme Corp. and Acme Holdings LLC"])]


def test_one_pass_finds_each_watch_once_among_many() -> None:
    watched = [(f"w{n}", f"Company Number{n} Holdings") for n in range(1_000)]
    watched += [("moma", "Museum of Modern Art"), ("moma", "MoMA"),
                ("twitter", "Twitter"), ("people", "Arcade Comeaux")]
    index = PartyIndex(watched)
    assert len(index) == 1_004
    found = index.find("Twitter, Inc. v. The Museum of Modern Art and Company Number7 "
                       "Holdings LLC")
    assert {(n.key, n.side) for n in found} == {("twitter", "plaintiff"),
                                                ("moma", "defendant"), ("w7", "defendant")}
    assert index.find("Chau v. Donovan et al") == []


def test_over_the_fixtures_a_watch_finds_every_entry_of_its_suits_and_nothing_else() -> None:
    """S.D.N.Y.'s feed holds four entries of The Museum of Modern Art v. MoMaCha IP LLC
    among 190 of other suits; every court's fixture is read."""
    index = PartyIndex([("moma", "Museum of Modern Art"), ("anthem", "Anthem"),
                        ("usa", "United States")])
    found: dict[str, set[str]] = {}
    for name in NAMES:
        for entry in (e.entry for e in fixture(name).entries):
            for named in index.find(entry.case_name):
                found.setdefault(named.key, set()).add(f"{entry.court} {entry.docket_number}"
                                                       f" #{entry.entry_number}")
    moma = found.get("moma", set())
    assert len(moma) == 4 and all(" 1:18-cv-03364 " in e for e in moma)
    assert found.get("anthem") and all("1:18-mc-00013" in e for e in found["anthem"])
    # a frequent litigant: on either side, in district and appellate courts
    courts = {e.split()[0] for e in found.get("usa", set())}
    assert {"ca10", "ca11", "ca2", "ca4"} <= courts, courts
