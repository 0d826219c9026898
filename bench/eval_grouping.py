"""How well grouping folds rewrites together and keeps different events apart.

Feeds a labelled corpus, case by case, through the real ingest path (identity, near-
duplicates, developments, on a real SQLite file; every article counts as matched to its
case) and compares the developments with the event labels:

- B-cubed precision, recall and F1 over articles (Bagga and Baldwin 1998);
- the share of different-event pairs (same case) put in one development: a suppressed
  development when it happens;
- events with no development of their own: every article folded into another event's
  development, so nobody was told;
- alerts per event: developments started per labelled event (1 is ideal).

Input: the TOML corpus in tests/corpus/events.toml by default, or a JSON-lines file with
one article per line: {"case" (or "topic"), "event", "title", "text", "published"
(optional ISO 8601), "outlet" (optional)} and optional per-line case fields "caption",
"aliases", "parties". With dates, articles arrive in publication order; with
`--no-dates` the dates are dropped and articles arrive in shuffled orders (seeded).

    python bench/eval_grouping.py [CORPUS] [--no-dates] [--orders N] [--case ID ...]

`--case` keeps only the named cases (repeatable; `--case=-ID` leaves one out instead).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import recording
from feeds.base import Item
from monitor.config import CaseConfig, Settings
from monitor.grouping.grouper import Grouper
from monitor.matching.matcher import Match
from monitor.pipeline import ARRIVAL_BOUND, Pipeline
from monitor.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "events.toml"
START = datetime(2030, 1, 1, tzinfo=UTC)
LAG = ARRIVAL_BOUND  # the longest an article waits to be seen, in the `arrival` runs


@dataclass(frozen=True, slots=True)
class Article:
    case: str
    event: str
    title: str
    text: str
    published: datetime | None
    outlet: str = ""


@dataclass(frozen=True, slots=True)
class Scores:
    articles: int
    events: int
    precision: float
    recall: float
    f1: float
    different_pairs: int
    different_merged: float  # share of different-event pairs in one development
    same_pairs: int
    same_split: float  # share of same-event pairs in different developments
    suppressed: int  # events with no development of their own
    alerts_per_event: float


def load(path: Path) -> tuple[dict[str, CaseConfig], list[Article]]:
    """Cases and articles of a TOML corpus or a JSON-lines file."""
    if path.suffix == ".toml":
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        cases = {c["id"]: CaseConfig(**c) for c in data.get("cases", [])}
        rows: Iterable[dict] = data["articles"]
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        cases = {}
    articles = []
    for row in rows:
        case = str(row.get("case") or row.get("topic"))
        if case not in cases:
            case_id = re.sub(r"[^a-z0-9-]+", "-", case.lower()).strip("-") or "case"
            cases[case] = CaseConfig(id=case_id, caption=row.get("caption", ""),
                                     aliases=row.get("aliases", []),
                                     parties=row.get("parties", []), query=f'"{case}"')
        published = row.get("published")
        articles.append(Article(
            case=case, event=str(row["event"]), title=row.get("title", ""), text=row["text"],
            published=datetime.fromisoformat(published) if published else None,
            outlet=row.get("outlet", ""),
        ))
    return cases, articles


class _EveryArticle:
    """Stands in for the matcher: every article of the corpus is about its case."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id

    def match(self, item: Item, words: object = None) -> list[Match]:
        return [Match(self.case_id, 1.0, (), "")]


def group(case: CaseConfig, articles: list[Article], workdir: Path,
          seen: list[datetime] | None = None, *, restarts: bool = False) -> list[str]:
    """The development each article ends in (copies count in their original's).

    `seen`: undated articles first seen by a daemon's polls at these times, soon after
    they were published (the pipeline then dates them by their arrival). `restarts`: the
    database is opened afresh, as by a restarted daemon, before each article."""
    settings = Settings(cases=[case])
    now = [START]

    def start() -> tuple[Store, Pipeline]:
        store = Store.open(workdir / f"{case.id}.db")
        return store, Pipeline(
            settings=settings, store=store, fetch=None, sources={},  # type: ignore[arg-type]
            matcher=_EveryArticle(case.id), grouper=Grouper(store),  # type: ignore[arg-type]
            extractor=None, clock=lambda: now[0])  # type: ignore[arg-type]

    store, pipeline = start()
    for n, article in enumerate(articles):
        if restarts and n:
            store.close()
            store, pipeline = start()
        outlet = re.sub(r"[^a-z0-9]+", "-", article.outlet.lower()) or f"outlet{n}"
        now[0] = seen[n] if seen else article.published or START + timedelta(minutes=n)
        item = Item(source_id=outlet, guid=str(n), url=f"https://{outlet}.example/{n}",
                    title=article.title, text=article.text, published=article.published,
                    extracted=True)
        pipeline.ingest(item, now[0], arrived_new=seen is not None)
    rows = store.db.query(
        "SELECT CAST(items.guid AS INTEGER) AS n, matches.development_id FROM matches "
        "JOIN items ON items.id = matches.item_id ORDER BY n")
    found = {row["n"]: row["development_id"] for row in rows}
    store.close()
    return [found[n] for n in range(len(articles))]


def score(labels: list[str], clusters: list[str], cases: list[str]) -> Scores:
    """B-cubed and pair figures; labels and clusters are compared within each case."""
    n = len(labels)
    by_cluster: dict[tuple[str, str], set[int]] = defaultdict(set)
    by_label: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i in range(n):
        by_cluster[cases[i], clusters[i]].add(i)
        by_label[cases[i], labels[i]].add(i)
    precision = recall = 0.0
    for i in range(n):
        cluster, label = by_cluster[cases[i], clusters[i]], by_label[cases[i], labels[i]]
        both = len(cluster & label)
        precision += both / len(cluster)
        recall += both / len(label)
    precision, recall = precision / n, recall / n
    different = merged = same = split = 0
    for i, j in combinations(range(n), 2):
        if cases[i] != cases[j]:
            continue
        together = clusters[i] == clusters[j]
        if labels[i] == labels[j]:
            same += 1
            split += not together
        else:
            different += 1
            merged += together
    # an event is told when some development has it as the label of its first article
    first_label = {}
    for i in range(n):
        first_label.setdefault((cases[i], clusters[i]), labels[i])
    told = defaultdict(int)
    for (case, _), label in first_label.items():
        told[case, label] += 1
    suppressed = sum(1 for key in by_label if told[key] == 0)
    return Scores(
        articles=n, events=len(by_label), precision=precision, recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        different_pairs=different, different_merged=merged / different if different else 0.0,
        same_pairs=same, same_split=split / same if same else 0.0, suppressed=suppressed,
        alerts_per_event=sum(told.values()) / len(by_label),
    )


def selected(cases: Iterable[str], only: Iterable[str] = ()) -> list[str]:
    """The cases `only` names (`-ID` leaves ID out); every case when it names none."""
    keep = {c for c in only if not c.startswith("-")}
    drop = {c[1:] for c in only if c.startswith("-")}
    return [c for c in cases if (not keep or c in keep) and c not in drop]


def evaluate(corpus: Path, *, dates: bool = True, seed: int = 0, arrival: bool = False,
             only: Iterable[str] = ()) -> Scores:
    """Dated, in publication order; undated, shuffled (`dates=False`); or undated as a
    daemon polling the outlets meets them (`arrival`): each first seen up to `LAG` after
    it was published, in the order seen."""
    cases, articles = load(corpus)
    cases = {key: cases[key] for key in selected(cases, only)}
    rng = random.Random(seed)
    labels: list[str] = []
    clusters: list[str] = []
    owners: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, case in cases.items():
            mine = [a for a in articles if a.case == key]
            seen: list[datetime] | None = None
            if arrival:
                lagged = sorted(((a.published or START) + rng.random() * LAG, n)
                                for n, a in enumerate(mine))
                seen = [when for when, _ in lagged]
                mine = [replace(mine[n], published=None) for _, n in lagged]
            elif dates:
                mine.sort(key=lambda a: a.published or START)
            else:
                mine = [replace(a, published=None) for a in mine]
                rng.shuffle(mine)
            found = group(case, mine, Path(tmp), seen)
            labels += [a.event for a in mine]
            clusters += found
            owners += [key] * len(mine)
    return score(labels, clusters, owners)


def report(name: str, s: Scores) -> str:
    return (f"{name:<22} {s.articles:>8} {s.events:>6} {s.precision:>6.3f} {s.recall:>6.3f} "
            f"{s.f1:>6.3f} {s.different_merged:>9.2%} {s.same_split:>8.2%} {s.suppressed:>10} "
            f"{s.alerts_per_event:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--no-dates", action="store_true", help="only the undated runs")
    parser.add_argument("--orders", type=int, default=5, help="shuffled orders without dates")
    parser.add_argument("--case", action="append", default=[], metavar="ID",
                        help="only this case (repeatable); -ID leaves it out")
    parser.add_argument("--record", action="store_true",
                        help="also write the figures to bench/README.md (bench/record.py)")
    args = parser.parse_args()
    with recording(f"eval_grouping-{args.corpus.stem}", args.record):
        run(args)


def run(args: argparse.Namespace) -> None:
    only = tuple(args.case)
    print(f"corpus: {args.corpus}" + (f" (cases: {', '.join(only)})" if only else ""))
    print(f"{'run':<22} {'articles':>8} {'events':>6} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} "
          f"{'diff→one':>9} {'same→2+':>8} {'suppressed':>10} {'alerts/ev':>7}")
    if not args.no_dates:
        dated = evaluate(args.corpus, dates=True, only=only)
        print(report("with dates", dated))
        print(f"  different-event pairs: {dated.different_pairs}, same-event pairs: "
              f"{dated.same_pairs}")
        # undated, but seen by polls soon after publication: needs the corpus's dates
        timed = [evaluate(args.corpus, arrival=True, seed=seed, only=only)
                 for seed in range(args.orders)]
        for seed, run in enumerate(timed):
            print(report(f"seen, lag order {seed}", run))
        print(mean(f"no dates, seen within {LAG.total_seconds() / 3600:g} h", timed))
    runs = [evaluate(args.corpus, dates=False, seed=seed, only=only)
            for seed in range(args.orders)]
    for seed, run in enumerate(runs):
        print(report(f"no dates, order {seed}", run))
    print(mean("no dates", runs))


def mean(name: str, runs: list[Scores]) -> str:
    return (f"{name}, mean of {len(runs)}: B3 F1 {statistics.mean(r.f1 for r in runs):.3f}, "
            f"recall {statistics.mean(r.recall for r in runs):.3f}, different-event pairs "
            f"merged {statistics.mean(r.different_merged for r in runs):.2%}")


if __name__ == "__main__":
    main()
