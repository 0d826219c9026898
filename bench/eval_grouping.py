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
"aliases", "parties". The ECB+ development half (`docs.jsonl` of
`$CASEWATCH_CORPORA/ecbplus-dev`, by default ../shared/corpora) is read as it is: each
topic one case, `cluster_id` the event, an article with no title headed by its lead's
first sentence.

Each corpus is run in every regime (`REGIMES`), in several seeded orders, averaged:

- "no dates": undated, arriving in a shuffled order, as a first poll's backlog;
- "1 day", "3 days", "7 days": a case's events placed that far apart in order (the
  first event at START), each event's articles spread at random over `SPREAD` (36 h),
  arriving in time order: two developments of a case in the same week;
- "one stamp": every item of a case in one poll of one source stamped within `STAMP`
  (5 minutes) of one time, as feeds that give the time of the fetch do.

The own corpora, whose articles carry real dates, are also run with those dates, and
undated but seen by polls within a day of publication.

    python bench/eval_grouping.py [CORPUS ...] [--orders N] [--case ID ...] [--record]

With no CORPUS: tests/corpus/events.toml, tests/corpus/heldout.toml and the ECB+
development half (skipped with a message when absent). `--case` keeps only the named
cases (repeatable; `--case=-ID` leaves one out instead).
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import corpora
from bench.record import add_record_flag, recording
from feeds.base import Item
from monitor.config import CaseConfig, Settings
from monitor.grouping.grouper import Grouper
from monitor.grouping.stamps import ARRIVAL_BOUND, undated
from monitor.matching.matcher import Match
from monitor.pipeline import Pipeline
from monitor.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "events.toml"
HELD_OUT = CORPUS.with_name("heldout.toml")
SPREAD = timedelta(hours=36)  # how long one event's articles keep coming, in the day regimes
STAMP = timedelta(minutes=5)  # the spread of the one stamp a feed gives all its items
REGIMES: dict[str, int | str | None] = {
    "no dates": None, "1 day": 1, "3 days": 3, "7 days": 7, "one stamp": "stamp"}
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


def ecbplus() -> Path:
    """The ECB+ development half, read where the shared corpora are."""
    return corpora() / "ecbplus-dev" / "docs.jsonl"


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def load_ecbplus(path: Path) -> tuple[dict[str, CaseConfig], list[Article]]:
    """Each topic a case (its query matches all its articles), `cluster_id` the event."""
    cases: dict[str, CaseConfig] = {}
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        case = f"topic-{row['topic']}"
        cases.setdefault(case, CaseConfig(id=case, query=f'"{case}"'))
        articles.append(Article(
            case=case, event=str(row["cluster_id"]),
            title=row.get("title") or first_sentence(row.get("lead") or row["text"]),
            text=row["text"], published=None))
    return cases, articles


def read(corpus: Path) -> tuple[dict[str, CaseConfig], list[Article]]:
    return load_ecbplus(corpus) if corpus.name == "docs.jsonl" else load(corpus)


def placed(articles: list[Article], regime: int | str | None,
           rng: random.Random) -> list[Article]:
    """A case's articles dated and ordered as the regime has them (see the module's help)."""
    if regime is None:
        mine = [replace(a, published=None) for a in articles]
        rng.shuffle(mine)
        return mine
    if regime == "stamp":
        mine = [replace(a, published=START + rng.random() * STAMP) for a in articles]
        rng.shuffle(mine)
        return mine
    assert isinstance(regime, int)
    order = sorted(articles, key=lambda a: a.published or START)  # stable: file order
    events = list(dict.fromkeys(a.event for a in order))
    mine = [replace(a, published=START + timedelta(days=regime * events.index(a.event))
                    + rng.random() * SPREAD) for a in order]
    return sorted(mine, key=lambda a: a.published or START)


class _EveryArticle:
    """Stands in for the matcher: every article of the corpus is about its case."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id

    def match(self, item: Item, words: object = None) -> list[Match]:
        return [Match(self.case_id, 1.0, (), "")]


def group(case: CaseConfig, articles: list[Article], workdir: Path,
          seen: list[datetime] | None = None, *, restarts: bool = False,
          one_poll: bool = False) -> list[str]:
    """The development each article ends in (copies count in their original's).

    `seen`: undated articles first seen by a daemon's polls at these times, soon after
    they were published (the pipeline then dates them by their arrival). `restarts`: the
    database is opened afresh, as by a restarted daemon, before each article. `one_poll`:
    all the articles are new items of one poll of one source."""
    settings = Settings(cases=[case])
    now = [START]

    def start() -> tuple[Store, Pipeline]:
        store = Store.open(workdir / f"{case.id}.db")
        return store, Pipeline(
            settings=settings, store=store, fetch=None, sources={},  # type: ignore[arg-type]
            matcher=_EveryArticle(case.id), grouper=Grouper(store),  # type: ignore[arg-type]
            extractor=None, clock=lambda: now[0])  # type: ignore[arg-type]

    items = []
    for n, article in enumerate(articles):
        outlet = "feed" if one_poll else (
            re.sub(r"[^a-z0-9]+", "-", article.outlet.lower()) or f"outlet{n}")
        items.append(Item(source_id=outlet, guid=str(n), url=f"https://{outlet}.example/{n}",
                          title=article.title, text=article.text,
                          published=article.published, extracted=True))
    if one_poll:  # what the pipeline makes of one poll's items
        items = undated(items)
    store, pipeline = start()
    for n, (article, item) in enumerate(zip(articles, items, strict=True)):
        if restarts and n:
            store.close()
            store, pipeline = start()
        now[0] = START + STAMP if one_poll else seen[n] if seen else \
            article.published or START + timedelta(minutes=n)
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
    first_label: dict[tuple[str, str], str] = {}
    for i in range(n):
        first_label.setdefault((cases[i], clusters[i]), labels[i])
    told: dict[tuple[str, str], int] = defaultdict(int)
    for (case, _), first in first_label.items():
        told[case, first] += 1
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
             only: Iterable[str] = (), regime: str | None = None) -> Scores:
    """Dated, in publication order; undated, shuffled (`dates=False`); or undated as a
    daemon polling the outlets meets them (`arrival`): each first seen up to `LAG` after
    it was published, in the order seen; or placed in time as `regime` (a key of
    REGIMES) says."""
    cases, articles = read(corpus)
    cases = {key: cases[key] for key in selected(cases, only)}
    rng = random.Random(seed)
    labels: list[str] = []
    clusters: list[str] = []
    owners: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, case in cases.items():
            mine = [a for a in articles if a.case == key]
            seen: list[datetime] | None = None
            if regime is not None:
                mine = placed(mine, REGIMES[regime], rng)
            elif arrival:
                lagged = sorted(((a.published or START) + rng.random() * LAG, n)
                                for n, a in enumerate(mine))
                seen = [when for when, _ in lagged]
                mine = [replace(mine[n], published=None) for _, n in lagged]
            elif dates:
                mine.sort(key=lambda a: a.published or START)
            else:
                mine = placed(mine, REGIMES["no dates"], rng)
            found = group(case, mine, Path(tmp), seen,
                          one_poll=regime is not None and REGIMES[regime] == "stamp")
            labels += [a.event for a in mine]
            clusters += found
            owners += [key] * len(mine)
    return score(labels, clusters, owners)


def report(name: str, runs: list[Scores]) -> str:
    """One row: the means over `runs`, with the lowest recall and the most merged."""
    def avg(field: str) -> float:
        return statistics.mean(getattr(r, field) for r in runs)
    return (f"{name:<20} {runs[0].articles:>8} {runs[0].events:>6} {avg('precision'):>6.3f} "
            f"{avg('recall'):>6.3f} {avg('f1'):>6.3f} {avg('different_merged'):>9.2%} "
            f"{avg('suppressed'):>10.2f} {avg('alerts_per_event'):>7.2f} "
            f"{min(r.recall for r in runs):>6.3f} {max(r.different_merged for r in runs):>8.2%}")


HEADER = (f"{'regime':<20} {'articles':>8} {'events':>6} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} "
          f"{'diff→one':>9} {'suppressed':>10} {'alerts/ev':>7} {'min R':>6} {'max→one':>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--orders", type=int, default=6, help="seeded orders per regime")
    parser.add_argument("--case", action="append", default=[], metavar="ID",
                        help="only this case (repeatable); -ID leaves it out")
    add_record_flag(parser)
    args = parser.parse_args()
    for corpus in each_corpus(args.corpus, "eval_grouping", args.record):
        run(corpus, args.orders, tuple(args.case))


def each_corpus(given: list[Path], script: str, record: bool) -> Iterator[Path]:
    """The corpora named (by default the own corpora and the ECB+ development half, each
    skipped with a message when absent), each inside the recording of `script`'s figures
    for it."""
    for corpus in given or [CORPUS, HELD_OUT, ecbplus()]:
        if not corpus.exists():
            print(f"corpus: {corpus} is not there: skipped\n")
            continue
        name = "ecbplus-dev" if corpus.name == "docs.jsonl" else corpus.stem
        with recording(f"{script}-{name}", record):
            yield corpus


def run(corpus: Path, orders: int, only: tuple[str, ...]) -> None:
    """Every regime on one corpus: means of `orders` seeded orders."""
    print(f"corpus: {corpus}" + (f" (cases: {', '.join(only)})" if only else "")
          + f"; means of {orders} orders")
    print(HEADER)
    if any(a.published for a in read(corpus)[1]):
        print(report("own dates", [evaluate(corpus, dates=True, only=only)]))
        print(report(f"seen within {LAG.total_seconds() / 3600:g} h",
                     [evaluate(corpus, arrival=True, seed=seed, only=only)
                      for seed in range(orders)]))
    for regime in REGIMES:
        print(report(regime, [evaluate(corpus, regime=regime, seed=seed, only=only)
                              for seed in range(orders)]))
    print()


if __name__ == "__main__":
    main()
