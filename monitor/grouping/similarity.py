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
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from monitor.text.normalise import Words
from monitor.text.stopwords import ENGLISH_STOP_WORDS

Vector = dict[str, float]
_STOP = ENGLISH_STOP_WORDS | {"v", "s", "said", "says", "inc", "com", "www", "https"}


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


class Packed(NamedTuple):
    """A vector kept for long, packed: its words' sorted CRC-32 hashes and their weights.

    A dict of 250 words costs about 34 KB (the table, a float and a string per word), the
    packed form 4 KB; two distinct words of one article share a hash about once in
    70,000 articles."""

    hashes: np.ndarray  # uint32, sorted, unique
    weights: np.ndarray  # float64

    def dot(self, other: Packed) -> float:
        _, mine, theirs = np.intersect1d(self.hashes, other.hashes, assume_unique=True,
                                         return_indices=True)
        return float(self.weights[mine] @ other.weights[theirs])

    def to_bytes(self) -> bytes:
        """Stored as it was computed: read back, it weighs its words as it did then."""
        return self.hashes.astype("<u4").tobytes() + self.weights.astype("<f8").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Packed:
        n = len(blob) // 12
        return cls(np.frombuffer(blob, dtype="<u4", count=n).astype(np.uint32),
                   np.frombuffer(blob, dtype="<f8", count=n, offset=4 * n).astype(np.float64))


EMPTY = Packed(np.empty(0, dtype=np.uint32), np.empty(0))


def hashed(vec: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """A vector's words as CRC-32 hashes, sorted, each once, with the summed weights of
    the words that share one."""
    hashes = np.fromiter((zlib.crc32(w.encode()) for w in vec), dtype=np.uint32,
                         count=len(vec))
    weights = np.fromiter(vec.values(), dtype=np.float64, count=len(vec))
    unique, inverse = np.unique(hashes, return_inverse=True)
    return unique, np.bincount(inverse, weights=weights)


def pack(vec: Mapping[str, float]) -> Packed:
    return Packed(*hashed(vec)) if vec else EMPTY


def folded(vec: Packed | Mapping[str, float], mask: int) -> tuple[np.ndarray, np.ndarray]:
    """A vector's hashes cut to `mask`, sorted, each once, with their summed weights;
    from its packed form, so a vector read back from the database folds the same."""
    packed = vec if isinstance(vec, Packed) else pack(vec)
    unique, inverse = np.unique(packed.hashes & np.uint32(mask), return_inverse=True)
    return unique, np.bincount(inverse, weights=packed.weights, minlength=len(unique))


class Centroids:
    """The mean directions of groups of vectors (average linkage, never single-link).

    Each group is a row of running sums with its squared norm, so adding a member costs
    O(its terms). Words are hashed into a fixed width (the hashing trick), so memory is
    bounded per group whatever the vocabulary; with a few hundred words per article,
    collisions move a cosine by well under 0.01.

    Most cases have a few developments a month, and a daemon watching thousands of cases
    holds a `Centroids` for each case it has seen news of, so rows start sparse (sorted
    hashed columns and their sums: a few KB each, where a dense row is 64 KB). A case
    with more than `DENSE_FROM` groups gets a dense matrix, so that the cosines of one
    vector with all of them stay one matrix product.
    """

    WIDTH = 1 << 14
    DENSE_FROM = 32

    def __init__(self) -> None:
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, sums), sparse
        self._squares: list[float] = []
        self._dense: np.ndarray | None = None  # rows × WIDTH, once there are many rows

    @property
    def rows(self) -> int:
        return len(self._squares)

    def new_row(self) -> int:
        self._squares.append(0.0)
        if self._dense is not None:
            if self.rows > self._dense.shape[0]:
                self._dense = np.vstack([self._dense, np.zeros_like(self._dense)])
        elif self.rows > self.DENSE_FROM:
            self._dense = np.zeros((2 * self.rows, self.WIDTH), dtype=np.float32)
            for row, (cols, sums) in enumerate(self._rows):
                self._dense[row, cols] = sums
            self._rows = []
        else:
            self._rows.append((np.empty(0, dtype=np.uint32), np.empty(0)))
        return self.rows - 1

    def add(self, row: int, vec: Packed | Mapping[str, float]) -> None:
        cols, weights = folded(vec, self.WIDTH - 1)
        if not len(cols):
            return
        if self._dense is not None:
            old = self._dense[row, cols].astype(np.float64)
            new = old + weights
            self._dense[row, cols] = new
            self._squares[row] += float(new @ new - old @ old)
            return
        have, sums = self._rows[row]
        merged = np.union1d(have, cols)
        total = np.zeros(len(merged))
        total[np.searchsorted(merged, have)] = sums
        total[np.searchsorted(merged, cols)] += weights
        self._rows[row] = (merged, total)
        self._squares[row] = float(total @ total)

    def subset(self, rows: Sequence[int]) -> Centroids:
        """These rows only, renumbered in this order, their sums as they are."""
        out = Centroids()
        out._squares = [self._squares[row] for row in rows]
        if self._dense is not None:
            out._dense = np.zeros((max(1, 2 * len(rows)), self.WIDTH), dtype=np.float32)
            out._dense[: len(rows)] = self._dense[list(rows)]
        else:
            out._rows = [self._rows[row] for row in rows]
        return out

    def cosines(self, vec: Packed | Mapping[str, float]) -> np.ndarray:
        """Cosine of `vec` (unit length) with every group's mean direction."""
        cols, weights = folded(vec, self.WIDTH - 1)
        if not len(cols) or not self.rows:
            return np.zeros(self.rows)
        if self._dense is not None:
            dots = self._dense[: self.rows, cols].astype(np.float64) @ weights
        else:
            dots = np.zeros(self.rows)
            for row, (have, sums) in enumerate(self._rows):
                _, mine, theirs = np.intersect1d(have, cols, assume_unique=True,
                                                 return_indices=True)
                dots[row] = sums[mine] @ weights[theirs]
        norms = np.sqrt(np.asarray(self._squares))
        return np.divide(dots, norms, out=np.zeros(self.rows), where=norms > 0)
