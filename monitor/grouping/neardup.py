"""Near-duplicates: the same text at another URL (syndication, wire copy, a copy inside
a longer page), found with MinHash over word 5-shingles and confirmed exactly.

Candidates come from a MinHash LSH index at a low threshold; a candidate is a copy when
the exact Jaccard of the shingle sets is at least 0.5, or when at least 0.8 of the
shorter text's shingles are in the longer one (containment). Same-event rewrites by
other outlets stay far below both (median Jaccard 0.001), so they are left to grouping.
"""

from __future__ import annotations

import hashlib
import sys
import types
import zlib
from collections.abc import Sequence
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np


def _scipy_quad(*args: Any, **kwargs: Any) -> Any:
    return import_module("scipy.integrate").quad(*args, **kwargs)


def _import_datasketch() -> types.ModuleType:
    """datasketch, without loading scipy.integrate (53 MB of resident memory) at import.

    datasketch's LSH imports scipy's `quad` to derive its bands from a threshold, which
    `NearDuplicates` gives it directly (`BANDS`). For the length of the import,
    `scipy.integrate` is a module whose `quad` loads the real one when called; after
    it, an import of scipy.integrate anywhere gets the real module."""
    if "scipy.integrate" in sys.modules:
        return import_module("datasketch")
    standin = types.ModuleType("scipy.integrate")
    standin.quad = _scipy_quad  # type: ignore[attr-defined]
    sys.modules["scipy.integrate"] = standin
    try:
        return import_module("datasketch")
    finally:
        if sys.modules.get("scipy.integrate") is standin:
            del sys.modules["scipy.integrate"]


if TYPE_CHECKING:  # the classes as a type checker knows them
    from datasketch import LeanMinHash, MinHash, MinHashLSH
else:
    _datasketch = _import_datasketch()
    LeanMinHash, MinHash, MinHashLSH = (_datasketch.LeanMinHash, _datasketch.MinHash,
                                        _datasketch.MinHashLSH)

NUM_PERM = 128
SCHEME = "affine32"  # hash values below 2**32: stored as 4 bytes each
SEED = 1
SHINGLE = 5
LSH_THRESHOLD = 0.3
BANDS = (37, 3)  # datasketch's optimal (bands, rows) for LSH_THRESHOLD and NUM_PERM
JACCARD = 0.5
CONTAINMENT = 0.8
MIN_WORDS = 40  # shorter texts (summaries, teasers) are too small to call copies
_MULTIPLIER = np.uint64(0x100000001B3)  # the FNV-1 64-bit prime


def shingles(words: Sequence[str]) -> frozenset[int]:
    """Word 5-shingles as 64-bit hashes; empty for texts too short to call copies.

    Each word is hashed once (CRC-32) and the five hashes of a shingle are combined as a
    polynomial in 64-bit arithmetic: stable across processes, and vectorised.
    """
    if len(words) < MIN_WORDS:
        return frozenset()
    hashed = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64,
                         count=len(words))
    count = len(words) - SHINGLE + 1
    combined = np.zeros(count, dtype=np.uint64)
    for k in range(SHINGLE):
        combined = combined * _MULTIPLIER + hashed[k : k + count]
    return frozenset(combined.tolist())


def text_hash(words: Sequence[str]) -> str | None:
    """SHA-256 of the normalised words; None for texts too short to identify an article."""
    if len(words) < MIN_WORDS:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


# the permutations MinHash draws from SEED, drawn once (a third of a signature's cost)
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def signature(shingle_set: frozenset[int]) -> np.ndarray:
    """The MinHash signature (128 values below 2**32) of a non-empty shingle set."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda v: v, scheme=SCHEME,
                      permutations=_PERMUTATIONS)
    minhash.update_batch(np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set)))
    return minhash.hashvalues.astype(np.uint32)


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    return common / len(a | b) >= JACCARD or common / min(len(a), len(b)) >= CONTAINMENT


class NearDuplicates:
    """An in-memory LSH index of stored articles' signatures, with when each was stored."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=BANDS)
        self._stored: dict[int, datetime] = {}

    @staticmethod
    def _minhash(sig: np.ndarray) -> LeanMinHash:
        # the lean form carries only seed and hash values: 30x cheaper to build
        return LeanMinHash(seed=SEED, hashvalues=sig.astype(np.uint64), scheme=SCHEME)

    def __len__(self) -> int:
        return len(self._stored)

    def add(self, item_id: int, sig: np.ndarray, stored: datetime) -> None:
        self._lsh.insert(item_id, self._minhash(sig), check_duplication=False)
        self._stored[item_id] = stored

    def drop_before(self, since: datetime) -> None:
        """Let go of the articles stored before `since`."""
        for item_id in [i for i, stored in self._stored.items() if stored < since]:
            self._lsh.remove(item_id)
            del self._stored[item_id]

    def candidates(self, sig: np.ndarray) -> list[int]:
        if not self._stored:
            return []
        return sorted(self._lsh.query(self._minhash(sig)))
