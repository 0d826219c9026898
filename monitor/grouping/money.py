"""Sums of money an article's news names: "$1.05 billion", "$539 million", "$25,000".

A verdict, an award, a fine or a settlement is told by its amount in the headline and
the lede, and two different ones of a case rarely share it: "jury orders Samsung to pay
$290 million" and "...$539 million" are two retrials, whatever words they share. Amounts
are read from the raw text (normalised words have lost the "$" and the decimal point);
two amounts within 10% of each other are the same amount told rounder ("$1 billion" and
"$1.05 billion").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LEDE = 60  # words of the text read after the headline
CLOSE = 0.10  # two amounts this near are one amount told at two roundings
SMALLEST = 1_000  # below this, a dollar figure is a price or a fee, not the news
_AMOUNT = re.compile(
    r"(?:US)?\$\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(trillion|billion|million|thousand|bn|mn|m|b|k)?(?![\w])",
    re.IGNORECASE,
)
_SCALE = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9, "million": 1e6, "mn": 1e6,
          "m": 1e6, "thousand": 1e3, "k": 1e3}


def amounts(text: str) -> frozenset[float]:
    """The dollar amounts of at least `SMALLEST` named in a text."""
    found = set()
    for number, scale in _AMOUNT.findall(text):
        value = float(number.replace(",", "")) * _SCALE.get(scale.lower(), 1.0)
        if value >= SMALLEST:
            found.add(value)
    return frozenset(found)


def news_amounts(title: str, text: str) -> frozenset[float]:
    """The amounts the headline and the lede name: those of the news, not the recap."""
    return amounts(title) | amounts(" ".join(text[:LEDE * 20].split()[:LEDE]))


def same_amount(a: float, b: float) -> bool:
    return abs(a - b) <= CLOSE * max(a, b)


def other_amounts(mine: Iterable[float], theirs: Iterable[float]) -> bool:
    """Both name amounts and none of them is the same: news of another sum."""
    mine, theirs = list(mine), list(theirs)
    return bool(mine and theirs) and not any(same_amount(a, b) for a in mine for b in theirs)
