"""How far the words alone can tell events apart: the best grouping any cosine threshold
reaches when every article of a case is known at once.

For each case of a corpus, the articles are weighed as the grouper weighs them (TF-IDF
over content words without the case's names, `monitor.grouping.similarity`; the
background is the whole corpus) and clustered offline by agglomerative clustering on
cosine distance, cut at each threshold. The daemon decides online, one article at a
time and for good, so it can only do worse than this; a target this table does not
reach for any threshold is out of reach for any rule over these vectors, and needs
other evidence (dates, steps, names, sums) or a better text representation.

Printed per corpus, linkage and threshold: B-cubed precision and recall and the share
of different-event pairs put in one cluster (as `eval_grouping.py` scores them), then
the best recall reached with at most `MERGED` of such pairs merged.

    python bench/eval_frontier.py [CORPUS ...] [--record]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval_grouping import Scores, each_corpus, read, score
from bench.record import add_record_flag
from monitor.grouping.grouper import case_words, content_terms
from monitor.grouping.similarity import DocumentFrequencies, terms, vector
from monitor.text.normalise import Words

THRESHOLDS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.50)
LINKAGES = ("average", "complete")
MERGED = 0.01  # the bound on different-event pairs merged


def similarities(texts: list[tuple[str, str]], skip: frozenset[str],
                 df: DocumentFrequencies) -> np.ndarray:
    """Cosines between every two articles (title, text), weighed as the grouper does."""
    keys: dict[str, int] = {}
    rows = []
    for title, text in texts:
        counts = content_terms(Words.of(title, text), skip)
        rows.append({keys.setdefault(w, len(keys)): v for w, v in vector(counts, df).items()})
    matrix = np.zeros((len(rows), max(1, len(keys))))
    for i, row in enumerate(rows):
        matrix[i, list(row)] = list(row.values())
    return matrix @ matrix.T


def frontier(corpus: Path, method: str) -> list[tuple[float, Scores]]:
    """Scores of the offline clustering of `corpus` cut at each threshold."""
    cases, articles = read(corpus)
    df = DocumentFrequencies()
    for article in articles:
        df.add(terms(Words.of(article.title, article.text)))
    by_case = defaultdict(list)
    for article in articles:
        by_case[article.case].append(article)
    cosines = {key: similarities([(a.title, a.text) for a in mine], case_words(cases[key]),
                                 df) for key, mine in by_case.items()}
    out = []
    for threshold in THRESHOLDS:
        labels: list[str] = []
        clusters: list[str] = []
        owners: list[str] = []
        for key, mine in by_case.items():
            if len(mine) == 1:
                found = [1]
            else:
                distance = np.clip(1.0 - cosines[key], 0.0, None)
                np.fill_diagonal(distance, 0.0)
                tree = linkage(squareform(distance, checks=False), method)
                found = list(fcluster(tree, 1.0 - threshold, "distance"))
            labels += [a.event for a in mine]
            clusters += [str(c) for c in found]
            owners += [key] * len(mine)
        out.append((threshold, score(labels, clusters, owners)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    add_record_flag(parser)
    args = parser.parse_args()
    for corpus in each_corpus(args.corpus, "eval_frontier", args.record):
        run(corpus)


def run(corpus: Path) -> None:
    print(f"corpus: {corpus}; every article known at once, clustered by cosine")
    print(f"{'linkage':<9} {'cosine ≥':>8} {'B3 P':>6} {'B3 R':>6} {'diff→one':>9}")
    for method in LINKAGES:
        rows = frontier(corpus, method)
        for threshold, scores in rows:
            print(f"{method:<9} {threshold:>8.2f} {scores.precision:>6.3f} "
                  f"{scores.recall:>6.3f} {scores.different_merged:>9.2%}")
        within = [s.recall for _, s in rows if s.different_merged <= MERGED]
        best = f"{max(within):.3f}" if within else "none"
        print(f"{method:<9} best B3 recall with ≤{MERGED:.0%} of different-event pairs "
              f"merged: {best}")
    print()


if __name__ == "__main__":
    main()
