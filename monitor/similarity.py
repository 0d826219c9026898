"""TF-IDF vectors for telling rewrites of one event from a new event of the same case.

Words are the shared normaliser's, without English stop words; weights are sublinear
term frequency times a smoothed IDF from document frequencies over every article
stored so far (the rolling background corpus, kept in the database). An article's
vector is a dict; a case's developments are rows of a `Centroids` matrix, so one
article is compared with all of them in one matrix product.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from monitor.normalise import Words

Vector = dict[str, float]
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"v", "s", "said", "says", "inc", "com", "www", "https"}


def terms(words: Words) -> Counter[str]:
    """Content words of an article; the title's words count twice."""
    body = [w for w in words.body if w not in _STOP and len(w) > 1]
    head = [w for w in words.title if w not in _STOP and len(w) > 1]
    return Counter(body + head * 2)


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


class Centroids:
    """The mean directions of groups of vectors (average linkage, never single-link).

    Each group is a row of running sums with its squared norm, so adding a member costs
    O(its terms) and the cosines of one vector with every group are one matrix product.
    Words are hashed into a fixed width (the hashing trick), so memory is bounded per
    group whatever the vocabulary; with a few hundred words per article, collisions move
    a cosine by well under 0.01.
    """

    WIDTH = 1 << 14

    def __init__(self) -> None:
        self._sums = np.zeros((4, self.WIDTH), dtype=np.float32)
        self._squares = np.zeros(4)
        self.rows = 0

    def new_row(self) -> int:
        if self.rows == self._sums.shape[0]:
            self._sums = np.vstack([self._sums, np.zeros_like(self._sums)])
            self._squares = np.concatenate([self._squares, np.zeros_like(self._squares)])
        self.rows += 1
        return self.rows - 1

    def _columns(self, vec: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Hashed columns (duplicates summed) and weights of a vector."""
        cols = np.fromiter((zlib.crc32(w.encode()) for w in vec), dtype=np.intp, count=len(vec))
        weights = np.fromiter(vec.values(), dtype=np.float64, count=len(vec))
        cols &= self.WIDTH - 1
        unique, inverse = np.unique(cols, return_inverse=True)
        return unique, np.bincount(inverse, weights=weights)

    def add(self, row: int, vec: Mapping[str, float]) -> None:
        if not vec:
            return
        cols, weights = self._columns(vec)
        old = self._sums[row, cols].astype(np.float64)
        new = old + weights
        self._sums[row, cols] = new
        self._squares[row] += float(new @ new - old @ old)

    def cosines(self, vec: Mapping[str, float]) -> np.ndarray:
        """Cosine of `vec` (unit length) with every group's mean direction."""
        if not vec or not self.rows:
            return np.zeros(self.rows)
        cols, weights = self._columns(vec)
        dots = self._sums[: self.rows, cols].astype(np.float64) @ weights
        norms = np.sqrt(self._squares[: self.rows])
        return np.divide(dots, norms, out=np.zeros(self.rows), where=norms > 0)
