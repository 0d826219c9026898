"""Case queries translated for news search services: widened, never narrowed."""

from __future__ import annotations

import re

import pytest

from monitor.config import CaseConfig
from monitor.matching.query import And, Not, Or, make_term, parse_query
from monitor.matching.search import (
    BING_MAX_CHARS,
    GDELT_MAX_CHARS,
    GDELT_MAX_OR_TERMS,
    GOOGLE_MAX_CHARS,
    GOOGLE_MAX_WORDS,
    Provider,
    provider_query_text,
    search_queries,
)

PROVIDERS: list[Provider] = ["google_news", "bing_news", "gdelt"]
EXAMPLE = '"Doe v. Twitter" OR (Twitter AND (lawsuit OR sued) AND NOT "Twitter Spaces")'


def queries(text: str, provider: Provider) -> list[str]:
    return search_queries(parse_query(text), provider)


def within_limits(query: str, provider: Provider) -> bool:
    if provider == "google_news":
        return (len(query) <= GOOGLE_MAX_CHARS
                and len(re.findall(r"\w+", query)) <= GOOGLE_MAX_WORDS)
    if provider == "bing_news":
        return len(query) <= BING_MAX_CHARS
    # one level of parentheses, each an OR group of at most GDELT_MAX_OR_TERMS terms
    groups = re.findall(r"\(([^()]*)\)", query)
    return (len(query) <= GDELT_MAX_CHARS and "((" not in query
            and not re.search(r"\([^()]*\(", query)
            and all(" OR " in g and g.count(" OR ") < GDELT_MAX_OR_TERMS for g in groups)
            and " OR " not in re.sub(r"\([^()]*\)", "", query))


@pytest.mark.parametrize(("provider", "expected"), [
    ("google_news", ['"doe v twitter" OR (twitter (lawsuit OR sued))']),
    ("bing_news", ['"doe v twitter" OR (twitter (lawsuit OR sued))']),
    # no nested OR: the AND clause is a query of its own, and keeps its exclusion
    ("gdelt", ['"doe v twitter"', 'twitter (lawsuit OR sued) -"twitter spaces"']),
])
def test_the_example_query(provider: Provider, expected: list[str]) -> None:
    assert queries(EXAMPLE, provider) == expected


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_exclusion_stays_in_a_query_of_one_and(provider: Provider) -> None:
    assert queries('Twitter AND (lawsuit OR sued) AND NOT "Twitter Spaces"', provider) == [
        'twitter (lawsuit OR sued) -"twitter spaces"']
    # under an OR it cannot be said (dropping it widens); GDELT asks for such an AND alone
    expected = (["twitter", "lawsuit -spaces"] if provider == "gdelt"
                else ["twitter OR lawsuit"])
    assert queries("Twitter OR (lawsuit AND NOT Spaces)", provider) == expected


@pytest.mark.parametrize("provider", PROVIDERS)
def test_near_and_field_scopes_become_a_plain_and(provider: Provider) -> None:
    assert queries("Twitter NEAR/10 title:lawsuit", provider) == ["twitter lawsuit"]
    assert queries('title:Twitter AND source:reuters AND text:"child abuse"', provider) == [
        'twitter "child abuse"']
    # a scoped exclusion is narrower than a global one: it is dropped
    assert queries("Twitter AND NOT title:Spaces", provider) == ["twitter"]
    near_or = queries("Twitter NEAR/5 (lawsuit OR sued)", provider)
    assert near_or == ["twitter (lawsuit OR sued)"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wildcard_is_dropped_from_its_and(provider: Provider) -> None:
    assert queries("litigat* AND Twitter", provider) == ["twitter"]
    assert queries('"Doe v. Facebook" OR (litigat* AND Twitter)', provider) in (
        ['"doe v facebook" OR twitter'], ['("doe v facebook" OR twitter)'])
    # an alternative that another one covers is left out
    assert queries('"Doe v. Twitter" OR (litigat* AND Twitter)', provider) == ["twitter"]
    assert not any("*" in q or "litigat" in q for q in queries("litigat* AND Twitter", provider))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_long_or_is_split_into_queries_that_cover_it(provider: Provider) -> None:
    names = [f"Alpha{i} v. Beta{i} Holdings" for i in range(40)]
    found = queries(" OR ".join(f'"{n}"' for n in names), provider)
    assert len(found) > 1
    assert all(within_limits(q, provider) for q in found), found
    union = " ".join(found)
    for i in range(40):
        assert f'"alpha{i} v beta{i} holdings"' in union


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_long_and_is_shortened_by_dropping_operands(provider: Provider) -> None:
    words = [f"word{i}" for i in range(60)]
    found = queries(" AND ".join(words), provider)
    assert len(found) == 1 and within_limits(found[0], provider)
    kept = found[0].split()
    assert kept and set(kept) <= set(words)


def test_gdelt_drops_an_or_group_too_big_for_one_level() -> None:
    text = ("(alpha OR beta OR gamma OR delta OR epsilon OR zeta OR theta OR iota OR kappa"
            " OR lambda OR omicron) AND smith")
    assert queries(text, "gdelt") == ["smith"]
    assert queries(text, "google_news") == [
        "(alpha OR beta OR gamma OR delta OR epsilon OR zeta OR theta OR iota OR kappa"
        " OR lambda OR omicron) smith"]
    # an AND inside an OR keeps one operand; of two OR groups, the smaller stays
    nested = 'smith AND ((alpha AND beta) OR gamma) AND (delta OR epsilon OR "eta theta")'
    assert queries(nested, "gdelt") == ["smith (alpha OR gamma)"]
    assert queries(nested, "bing_news") == [
        'smith ((alpha beta) OR gamma) (delta OR epsilon OR "eta theta")']


@pytest.mark.parametrize("provider", PROVIDERS)
def test_docket_numbers_are_quoted(provider: Provider) -> None:
    assert queries("3:21-cv-00485 OR Doe", provider) in (
        ['"3:21-cv-00485" OR doe'], ['("3:21-cv-00485" OR doe)'])


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("text", ["litigat*", "source:reuters", "litigat* OR Twitter",
                                  "Twitter OR NOT lawsuit"])
def test_queries_that_would_match_everything_give_none(text: str, provider: Provider) -> None:
    assert queries(text, provider) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_only_exclusions_give_none(provider: Provider) -> None:
    only_not = And((Not(make_term("Spaces")), Not(make_term("Twitter Spaces", phrase=True))))
    assert search_queries(only_not, provider) == []
    assert search_queries(Not(make_term("Twitter")), provider) == []
    assert search_queries(Or((make_term("Twitter"), Not(make_term("x")))), provider) == []


def test_gdelt_leaves_out_words_it_rejects() -> None:
    assert queries("ox AND NOT Twitter", "gdelt") == []
    assert queries("ox AND Twitter", "gdelt") == ["twitter"]
    assert queries('ox AND "ab cd"', "gdelt") == ['"ab cd"']
    assert queries("ox AND Twitter", "google_news") == ["ox twitter"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_derived_query_of_a_civil_case(provider: Provider) -> None:
    case = CaseConfig(id="doe-v-twitter", caption="John Doe #1 and #2 v. Twitter, Inc.",
                      parties=["Twitter"])
    found = provider_query_text(case, provider)
    assert found and all(within_limits(q, provider) for q in found), found
    # every way the derived query finds the case names Twitter
    assert all("twitter" in q for q in found)
    assert any(re.search(r'"(?:john )?doe[^"]* v twitter"', q) for q in found)
    assert not any("NEAR" in q or "*" in q or ":" in q for q in found)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_derived_query_of_a_criminal_case(provider: Provider) -> None:
    case = CaseConfig(id="texas-v-comeaux", caption="State of Texas v. Arcade Comeaux",
                      parties=["Arcade Comeaux"])
    found = provider_query_text(case, provider)
    assert found and all(within_limits(q, provider) for q in found), found
    # the long list of criminal-procedure words does not fit: dropped, leaving the name
    assert all("comeaux" in q for q in found)
    assert not any("NEAR" in q or "title:" in q or q.startswith("-") for q in found)
