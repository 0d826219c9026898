"""Sums of money named by the news: read from raw text, compared at two roundings."""

from __future__ import annotations

import pytest

from monitor.grouping.money import amounts, news_amounts, other_amounts


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jury awards Apple $1.05 billion", {1.05e9}),
        ("orders Samsung to pay $539 million", {539e6}),
        ("a US$290M award", {290e6}),
        ("a $25,000 fine and a $5 fee", {25_000.0}),  # a fee is not news
        ("a $3.5bn deal; $44 billion takeover", {3.5e9, 44e9}),
        ("$1.2 trillion market", {1.2e12}),
        ("half a billion dollars", set()),  # words are not read
        ("$ 125 million judgment", {125e6}),
        ("the $10million payout", {10e6}),
    ],
)
def test_amounts(text: str, found: set[float]) -> None:
    assert sorted(amounts(text)) == pytest.approx(sorted(found))


def test_only_the_headline_and_lede_name_the_news() -> None:
    lede = "A jury ordered Samsung to pay $290 million on Thursday. " + "word " * 80
    assert news_amounts("New jury verdict", lede + "The first jury awarded $1.05 billion.") \
        == {290e6}
    assert news_amounts("Apple wins $539 million", "") == {539e6}


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ({1e9}, {1.05e9}, False),  # one sum told rounder
        ({539e6}, {290e6}, True),
        ({539e6}, {290e6, 540e6}, False),
        (set(), {290e6}, False),  # nothing named is no evidence
        ({290e6}, set(), False),
    ],
)
def test_other_amounts(mine: set[float], theirs: set[float], other: bool) -> None:
    assert other_amounts(mine, theirs) is other
