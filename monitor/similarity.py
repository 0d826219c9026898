"""TF-IDF vectors for telling rewrites of one event from a new event of the same case.

Words are the shared normaliser's, without English stop words; weights are sublinear
term frequency times a smoothed IDF from document frequencies over every article
stored so far (the rolling background corpus, kept in the database). Vectors are
plain dicts: a case's developments are few, and a dict cosine over a few hundred
terms costs microseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from monitor.normalise import clean, tokens

Vector = dict[str, float]
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"v", "s", "said", "says", "inc", "com", "www", "https"}


def terms(title: str, text: str) -> Counter[str]:
    """Content words of an article; the title's words count twice."""
    words = [w for w in tokens(clean(text)) if w not in _STOP and len(w) > 1]
    head = [w for w in tokens(clean(title)) if w not in _STOP and len(w) > 1]
    return Counter(words + head * 2)


class DocumentFrequencies:
    """How many stored articles contain each term (the IDF background)."""

    def __init__(self, counts: Mapping[str, int] | None = None, documents: int = 0) -> None:
        self.counts: dict[str, int] = dict(counts or {})
        self.documents = documents

    def add(self, words: Iterable[str]) -> None:
        for word in set(words):
            self.counts[word] = self.counts.get(word, 0) + 1
        self.documents += 1

    def idf(self, word: str) -> float:
        return math.log((1 + self.documents) / (1 + self.counts.get(word, 0))) + 1.0


def vector(counts: Counter[str], df: DocumentFrequencies) -> Vector:
    """Unit-length sublinear TF-IDF vector."""
    weights = {w: (1.0 + math.log(n)) * df.idf(w) for w, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {w: v / norm for w, v in weights.items()} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def centroid(vectors: Iterable[Vector]) -> Vector:
    """The unit-length mean of member vectors (average linkage, never single-link)."""
    total: dict[str, float] = {}
    for vec in vectors:
        for w, v in vec.items():
            total[w] = total.get(w, 0.0) + v
    norm = math.sqrt(sum(v * v for v in total.values()))
    return {w: v / norm for w, v in total.items()} if norm else {}
