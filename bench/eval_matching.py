"""How well cases described only by caption and parties find their coverage, and what
else they match. Three parts, printed in one run:

(a) Event articles: the ECB+ development half (`../shared/corpora/ecbplus-dev/`, 378
    real articles in 17 topics). Each row of ENTITIES is a person or organisation the
    articles of one topic are about, configured as a case by caption and parties only,
    as a user would. Relevance rule: an article is relevant to a case when it belongs to
    the case's topic and names the party at all: for every group of the row's `named`,
    at least one of its names occurs as a whole word, spelt and capitalised as written,
    in the title, lead or text (a person: the surname; an organisation: its name or
    initials; for a company against a company, both sides). A match outside the topic,
    or on an article that does not name the party, is a false match. Precision and
    recall per case and overall (micro-averaged), with every miss and false match.
    The `named` column is the share of those articles in which the name rules alone
    (a person in full, each organisation of the caption) find the party: what matching
    would find if a name were evidence enough, which it is not (part b).
(b) Everyday feeds: the twenty well-known cases of `../shared/corpora/famous-cases/`
    over the 100 real feeds of `../shared/bench-data/feeds/` (read with the project's
    own feed parser). Nearly none of those items is news of these cases, so every match
    is listed (case, feed, title, matched terms) for a reader to judge.
(c) The project's own labelled corpus, tests/corpus/matching.toml (with the seeds).

    python bench/eval_matching.py [--part ecb|feeds|corpus ...] [--quiet]

`--quiet` leaves out the lists of misses and false matches of part (a). The data lives
outside the repository (`$CASEWATCH_CORPORA`, `$CASEWATCH_BENCH_DATA`, by default
`../shared/corpora` and `../shared/bench-data`); a part without its data says so.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import bench_data_path, corpora
from bench.record import add_record_flag, recording
from feeds.base import FeedError, Item, Page
from feeds.rss import parse_feed
from monitor.config import CaseConfig
from monitor.matching.captions import caption_sides
from monitor.matching.matcher import Document, Match, Matcher, evaluate
from monitor.matching.names import full_name, organisation
from monitor.matching.query import And, Node, Or

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "matching.toml"  # the own corpus, with the seeds
SEED_CASES = ("doe-v-twitter", "doe-v-twitter-derived")


# ---- (a) the event corpus -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    caption: str
    parties: tuple[str, ...]
    topic: int
    named: tuple[tuple[str, ...], ...]  # every group must be named for an article to count


# Who the articles of each topic are about, as a user would describe a case of theirs.
ENTITIES: tuple[Entity, ...] = (
    Entity("gomes", "Commonwealth v. Gary Gomes", ("Gary Gomes",), 32, (("Gomes",),)),
    Entity("jenkin", "R v. John Jenkin", ("John Jenkin",), 32, (("Jenkin",),)),
    Entity("felt", "United States v. W. Mark Felt", ("Mark Felt",), 28, (("Felt",),)),
    Entity("larue", "United States v. Frederick LaRue", ("Fred LaRue",), 28, (("LaRue",),)),
    Entity("teixeira", "People v. Mark Teixeira", ("Mark Teixeira",), 10, (("Teixeira",),)),
    Entity("gupta", "State v. Sanjay Gupta", ("Sanjay Gupta",), 34, (("Gupta",),)),
    Entity("benjamin", "People v. Regina Benjamin", ("Regina Benjamin",), 34,
           (("Benjamin",),)),
    Entity("jackman", "People v. Hugh Jackman", ("Hugh Jackman",), 2, (("Jackman",),)),
    Entity("degeneres", "State of California v. Ellen DeGeneres", ("Ellen DeGeneres",), 2,
           (("DeGeneres",),)),
    Entity("weitz", "People v. Chris Weitz", ("Chris Weitz",), 6, (("Weitz",),)),
    Entity("ross", "State v. Gary Ross", ("Gary Ross",), 6, (("Ross",),)),
    Entity("page", "People v. Bettie Page", ("Bettie Page",), 4, (("Page",),)),
    Entity("williams", "State v. Esther Williams", ("Esther Williams",), 4, (("Williams",),)),
    Entity("hp-eds", "Hewlett-Packard Company v. Electronic Data Systems Corporation",
           ("Hewlett-Packard", "HP", "Electronic Data Systems", "EDS"), 44,
           (("Hewlett-Packard", "HP"), ("Electronic Data Systems", "EDS"))),
    Entity("hp-eyp", "Hewlett-Packard Company v. EYP Mission Critical Facilities, Inc.",
           ("Hewlett-Packard", "HP", "EYP"), 44, (("Hewlett-Packard", "HP"), ("EYP",))),
    Entity("tmobile-rim", "T-Mobile USA, Inc. v. Research In Motion Limited",
           ("T-Mobile", "Research In Motion", "RIM", "BlackBerry"), 42,
           (("T-Mobile",), ("Research In Motion", "RIM", "BlackBerry"))),
)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    topic: int
    title: str
    text: str

    @property
    def everything(self) -> str:
        return f"{self.title}\n{self.text}"


def load_articles(path: Path | None = None) -> list[Article] | None:
    """The ECB+ articles (the lead is the text's first sentences), or None if absent."""
    path = path or corpora() / "ecbplus-dev" / "docs.jsonl"
    if not path.is_file():
        return None
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        text = doc["text"] or ""
        lead = doc["lead"] or ""
        if lead and " ".join(text.split())[:60] != " ".join(lead.split())[:60]:
            text = f"{lead}\n{text}"
        articles.append(Article(doc["doc_id"], int(doc["topic"]), doc["title"] or "", text))
    return articles


def names_party(entity: Entity, article: Article) -> bool:
    """The relevance rule of part (a); see the module's docstring."""
    if article.topic != entity.topic:
        return False
    return all(
        any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article.everything)
            for name in group)
        for group in entity.named
    )


def entity_case(entity: Entity) -> CaseConfig:
    return CaseConfig(id=entity.id, caption=entity.caption, parties=list(entity.parties))


def names_alone(caption: str, parties: list[str]) -> Node | None:
    """The parties' names without any evidence of a case: every named side of the
    caption, each by any of its parties (a person in full)."""
    sides = []
    for side in caption_sides(caption, parties):
        nodes = [n for p in side.parties if p.named and (n := (
            full_name(p.person) if p.person and not p.person.pseudonym
            else organisation(p.name))) is not None]
        if nodes:
            sides.append(nodes[0] if len(nodes) == 1 else Or(tuple(nodes)))
    if not sides:
        return None
    return sides[0] if len(sides) == 1 else And(tuple(sides))


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    relevant: int
    found: int
    misses: tuple[Article, ...]
    false: tuple[Article, ...]
    named: int = 0  # relevant articles in which `names_alone` finds the party

    @property
    def true_positives(self) -> int:
        return self.found - len(self.false)

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.relevant if self.relevant else 1.0

    @property
    def named_share(self) -> float:
        return self.named / self.relevant if self.relevant else 1.0


def evaluate_entities(articles: list[Article],
                      entities: tuple[Entity, ...] = ENTITIES) -> dict[str, Result]:
    """Per case id, and "all" micro-averaged over (article, case) pairs."""
    matcher = Matcher([entity_case(e) for e in entities])
    found: dict[str, list[Article]] = {e.id: [] for e in entities}
    for article in articles:
        for match in matcher.match_document(Document(article.title, article.text)):
            found[match.case_id].append(article)
    results = {}
    for entity in entities:
        relevant = [a for a in articles if names_party(entity, a)]
        hits = found[entity.id]
        names = names_alone(entity.caption, list(entity.parties))
        named = sum(1 for a in relevant if names is not None
                    and evaluate(names, Document(a.title, a.text)) is not None)
        results[entity.id] = Result(
            entity.id, len(relevant), len(hits),
            tuple(a for a in relevant if a not in hits),
            tuple(a for a in hits if not names_party(entity, a)), named,
        )
    results["all"] = Result(
        "all", sum(r.relevant for r in results.values()), sum(r.found for r in results.values()),
        tuple(a for r in results.values() for a in r.misses),
        tuple(a for r in results.values() for a in r.false),
        sum(r.named for r in results.values()),
    )
    return results


def _headline(article: Article) -> str:
    return (article.title or " ".join(article.text.split())[:100])[:100]


def print_entities(results: dict[str, Result], quiet: bool) -> None:
    print("(a) ECB+ dev: cases by caption and parties; relevant = the topic's articles "
          "that name the party")
    by_id = {e.id: e for e in ENTITIES}
    print(f"{'case':<12} {'topic':>5} {'caption':<58} {'rel':>4} {'found':>5} "
          f"{'prec':>6} {'recall':>6} {'named':>6}")
    for key, r in results.items():
        entity = by_id.get(key)
        caption = entity.caption[:58] if entity else ""
        topic = str(entity.topic) if entity else ""
        print(f"{key:<12} {topic:>5} {caption:<58} {r.relevant:>4} {r.found:>5} "
              f"{r.precision:>6.3f} {r.recall:>6.3f} {r.named_share:>6.3f}")
    met = [k for k, r in results.items() if k != "all" and r.precision >= 0.95
           and r.recall >= 0.95]
    topics = {by_id[k].topic for k in met}
    print(f"cases at precision and recall >= 0.95: {len(met)} of {len(results) - 1}, "
          f"across {len(topics)} topics")
    if quiet:
        return
    for key, r in results.items():
        if key == "all":
            continue
        for label, articles in (("miss", r.misses), ("false", r.false)):
            for article in articles:
                print(f"  {label:<5} {key:<12} {article.id:<14} {_headline(article)}")


# ---- (b) everyday feeds ---------------------------------------------------------------


def famous_cases(path: Path | None = None) -> list[CaseConfig] | None:
    path = path or corpora() / "famous-cases" / "cases.toml"
    if not path.is_file():
        return None
    return [CaseConfig.model_validate(c)
            for c in tomllib.loads(path.read_text(encoding="utf-8"))["cases"]]


def feed_items(folder: Path | None = None) -> list[Item] | None:
    """Every item of the bench feeds, read by feeds/rss.py; None when they are absent."""
    folder = folder or bench_data_path() / "feeds"
    if not folder.is_dir():
        return None
    items: list[Item] = []
    for path in sorted(folder.iterdir()):
        page = Page(url=f"http://127.0.0.1/{path.name}", status=200, body=path.read_bytes(),
                    headers={})
        try:
            items += parse_feed(page, path.stem)
        except FeedError:
            continue
    return items


def feed_matches(cases: list[CaseConfig], items: list[Item]) -> Iterator[tuple[Item, Match]]:
    matcher = Matcher(cases)
    for item in items:
        for match in matcher.match(item):
            yield item, match


def print_feeds(cases: list[CaseConfig], items: list[Item]) -> None:
    found = list(feed_matches(cases, items))
    print(f"\n(b) {len(cases)} famous cases over {len(items)} items of the bench feeds: "
          f"{len(found)} matches")
    for item, match in found:
        print(f"  {match.case_id:<18} {item.source_id:<17} {item.title[:80]!r}")
        print(f"  {'':<18} terms: {', '.join(match.terms)}")
    docs = [Document(i.title, i.body) for i in items]
    named = {}
    for case in cases:
        names = names_alone(case.caption, case.parties)
        if names is not None and (count := sum(evaluate(names, d) is not None for d in docs)):
            named[case.id] = count
    print(f"  by their names alone (every named side of the caption) they would match "
          f"{sum(named.values())}: " + ", ".join(f"{k} {v}" for k, v in named.items()))


# ---- (c) the own corpus ---------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Counts of one case's matches against the labels."""

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


def print_corpus() -> None:
    print("\n(c) tests/corpus/matching.toml with the seeds")
    for name, s in score().items():
        print(f"  {name:<24} precision {s.precision:.3f}  recall {s.recall:.3f}  "
              f"(tp {s.true_positives}, fp {s.false_positives}, fn {s.false_negatives})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", action="append", choices=["ecb", "feeds", "corpus"])
    parser.add_argument("--quiet", action="store_true")
    add_record_flag(parser)
    args = parser.parse_args()
    with recording("eval_matching", args.record):
        run(args)


def run(args: argparse.Namespace) -> None:
    parts = args.part or ["ecb", "feeds", "corpus"]
    if "ecb" in parts:
        articles = load_articles()
        if articles is None:
            print("(a) skipped: no ecbplus-dev/docs.jsonl under", corpora())
        else:
            print_entities(evaluate_entities(articles), args.quiet)
    if "feeds" in parts:
        cases, items = famous_cases(), feed_items()
        if cases is None or items is None:
            print("\n(b) skipped: no famous-cases/cases.toml or bench feeds")
        else:
            print_feeds(cases, items)
    if "corpus" in parts:
        print_corpus()


if __name__ == "__main__":
    main()
