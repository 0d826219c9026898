"""Centroids: sparse rows for a case's few developments, a dense matrix for many."""

from __future__ import annotations

import math
import random
import zlib

import pytest

from monitor.grouping.similarity import EMPTY, Centroids, pack


def _unit(words: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in words.values()))
    return {w: v / norm for w, v in words.items()}


def _expected(groups: list[list[dict[str, float]]], vec: dict[str, float]) -> list[float]:
    """Cosines by the definition, on the same hashed columns."""
    def hashed(v: dict[str, float]) -> dict[int, float]:
        out: dict[int, float] = {}
        for w, x in v.items():
            col = zlib.crc32(w.encode()) & (Centroids.WIDTH - 1)
            out[col] = out.get(col, 0.0) + x
        return out

    mine = hashed(vec)
    found = []
    for members in groups:
        total: dict[int, float] = {}
        for member in members:
            for col, x in hashed(member).items():
                total[col] = total.get(col, 0.0) + x
        norm = math.sqrt(sum(x * x for x in total.values()))
        found.append(sum(total.get(c, 0.0) * x for c, x in mine.items()) / norm
                     if norm else 0.0)
    return found


@pytest.mark.parametrize("groups", [1, 5, Centroids.DENSE_FROM, Centroids.DENSE_FROM + 1, 70])
def test_cosines_are_the_same_sparse_or_dense(groups: int) -> None:
    rng = random.Random(groups)
    vocabulary = [f"w{n}" for n in range(3000)]
    centroids = Centroids()
    members: list[list[dict[str, float]]] = []
    for _ in range(groups):
        row = centroids.new_row()
        members.append([])
        for _ in range(rng.randint(0, 3)):  # an empty group has cosine 0
            vec = _unit({w: rng.random() for w in rng.sample(vocabulary, 200)})
            centroids.add(row, vec)
            members[row].append(vec)
    probe = _unit({w: rng.random() for w in rng.sample(vocabulary, 300)})
    assert centroids.rows == groups
    assert list(centroids.cosines(probe)) == pytest.approx(_expected(members, probe), abs=1e-5)
    # a row added to after the switch keeps its earlier members
    centroids.add(0, probe)
    members[0].append(probe)
    assert centroids.cosines(probe)[0] == pytest.approx(_expected(members, probe)[0], abs=1e-5)


@pytest.mark.parametrize("groups", [5, Centroids.DENSE_FROM + 1, 70])
def test_a_subset_keeps_its_rows_exactly_and_grows_again(groups: int) -> None:
    """Grouping lets go of old developments' rows: the rows kept give the same cosines
    as before, bit for bit, and rows added afterwards work as in a new set."""
    rng = random.Random(groups)
    vocabulary = [f"w{n}" for n in range(3000)]
    centroids = Centroids()
    for _ in range(groups):
        row = centroids.new_row()
        centroids.add(row, _unit({w: rng.random() for w in rng.sample(vocabulary, 200)}))
    probe = _unit({w: rng.random() for w in rng.sample(vocabulary, 300)})
    kept = sorted(rng.sample(range(groups), groups // 2))
    subset = centroids.subset(kept)
    assert subset.rows == len(kept)
    assert list(subset.cosines(probe)) == list(centroids.cosines(probe)[kept])
    alone = Centroids()
    alone.add(alone.new_row(), probe)
    for _ in range(groups):  # and past the dense matrix's room
        row = subset.new_row()
        subset.add(row, probe)
        assert subset.cosines(probe)[row] == pytest.approx(alone.cosines(probe)[0], abs=1e-5)
    assert centroids.subset([]).rows == 0


def test_few_groups_stay_small() -> None:
    centroids = Centroids()
    centroids.add(centroids.new_row(), _unit({f"w{n}": 1.0 for n in range(300)}))
    assert centroids._dense is None  # a dense row would be 64 KB
    assert sum(c.nbytes + s.nbytes for c, s in centroids._rows) < 8_000


def test_a_packed_vector_has_the_dicts_dot_product_in_a_tenth_of_the_room() -> None:
    import sys

    rng = random.Random(7)
    vocabulary = [f"word{n}" for n in range(5000)]
    a = _unit({w: rng.random() for w in rng.sample(vocabulary, 250)})
    b = _unit({w: rng.random() for w in rng.sample(vocabulary, 400)})
    expected = sum(x * b.get(w, 0.0) for w, x in a.items())
    assert expected > 0.01  # they share words
    assert pack(a).dot(pack(b)) == pytest.approx(expected, rel=1e-12)
    assert pack(a).dot(pack(a)) == pytest.approx(1.0)
    assert pack({}).dot(pack(b)) == 0.0 and pack({}) is EMPTY
    as_dict = sys.getsizeof(a) + sum(sys.getsizeof(w) + sys.getsizeof(x) for w, x in a.items())
    packed = pack(a)
    assert packed.hashes.nbytes + packed.weights.nbytes < as_dict / 5


def test_the_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as theirs

    from monitor.text.stopwords import ENGLISH_STOP_WORDS

    assert theirs == ENGLISH_STOP_WORDS
