"""The quality gate: precision and recall of case matching on a labelled corpus.

`python bench/eval_matching.py` prints the figures per case (its part (c)).
"""

from __future__ import annotations

from bench.eval_matching import load_corpus, score
from monitor.matching.matcher import Document, Matcher

# Pinned floors: lower them only with a reason in the commit message.
PRECISION_FLOOR = 0.93
RECALL_FLOOR = 0.95


def test_matching_meets_the_pinned_precision_and_recall() -> None:
    scores = score()
    overall = scores["all"]
    assert overall.precision >= PRECISION_FLOOR, scores
    assert overall.recall >= RECALL_FLOOR, scores


def test_every_seed_article_matches_the_configured_case() -> None:
    cases, docs = load_corpus()
    matcher = Matcher(cases)
    seeds = docs[-5:]  # load_corpus appends the seeds last
    for title, text, _ in seeds:
        assert "doe-v-twitter" in {m.case_id for m in matcher.match_document(Document(title, text))}
