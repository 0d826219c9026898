"""The quality gate: precision and recall of case matching on a labelled corpus.

Run `python -m tests.test_match_quality` to print the figures per case.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from monitor.config import CaseConfig
from monitor.matching.matcher import Document, Matcher

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "matching.toml"
SEED_CASES = ("doe-v-twitter", "doe-v-twitter-derived")
# Pinned floors: lower them only with a reason in the commit message.
PRECISION_FLOOR = 0.93
RECALL_FLOOR = 0.95


@dataclass(frozen=True)
class Scores:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def load_corpus() -> tuple[list[CaseConfig], list[tuple[str, str, frozenset[str]]]]:
    data = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    cases = [CaseConfig.model_validate(c) for c in data["cases"]]
    docs = [(d["title"], d["text"], frozenset(d["cases"])) for d in data["documents"]]
    seeds = tomllib.loads((ROOT / "seeds" / "articles.toml").read_text(encoding="utf-8"))
    for seed in seeds["articles"]:
        text = (ROOT / "seeds" / "articles" / seed["file"]).read_text(encoding="utf-8")
        docs.append((seed["title"], text, frozenset(SEED_CASES)))
    return cases, docs


def score() -> dict[str, Scores]:
    """Scores per case and under "all" (micro-averaged over document-case pairs)."""
    cases, docs = load_corpus()
    matcher = Matcher(cases)
    counts = {case.id: [0, 0, 0] for case in cases}
    for title, text, wanted in docs:
        found = {m.case_id for m in matcher.match_document(Document(title, text))}
        for case in cases:
            hit, label = case.id in found, case.id in wanted
            counts[case.id][0] += hit and label
            counts[case.id][1] += hit and not label
            counts[case.id][2] += label and not hit
    result = {k: Scores(*v) for k, v in counts.items()}
    result["all"] = Scores(*(sum(v[i] for v in counts.values()) for i in range(3)))
    return result


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


if __name__ == "__main__":
    for name, s in score().items():
        print(f"{name:<24} precision {s.precision:.3f}  recall {s.recall:.3f}  "
              f"(tp {s.true_positives}, fp {s.false_positives}, fn {s.false_negatives})")
