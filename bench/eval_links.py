"""How well a filing and its news coverage become one development, and how rarely a
wrong link hides news.

The labelled corpora (tests/corpus/events.toml to tune, heldout.toml to measure) are
real cases' procedural events, each told by several articles with real dates. Each
event gets the docket entry a court would file for it (`ENTRIES`: the CM/ECF wording
of that kind of step; events that file nothing on the district docket, such as a
letter or an appellate ruling, get none), filed `--before` hours before the event's
first article. The entries and the articles go through the real ingest path on a
real SQLite file, in two orders:

- court first: each entry arrives when it is filed, the articles as published;
- press first: each entry arrives `--lag` hours after its event's first article.

Figures, over the events with an entry whose step `docket_step` reads:

- linked: the share of their articles in the development of their own filing;
- events told once: the share of them whose filing and articles are one development;
- wrong links: articles or filings put in a development of another event (each hides
  news: it must stay 0);
- alerts: developments started (filings with a step, and news), without linking and
  with it.

    python bench/eval_links.py [CORPUS ...] [--before H] [--lag H] [--record]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.eval_grouping import CORPUS, HELD_OUT, Article, _EveryArticle, load
from bench.record import add_record_flag, recording
from feeds.base import DocketEntry, Item
from monitor.config import CaseConfig, Settings
from monitor.grouping import grouper
from monitor.grouping.filings import Link
from monitor.grouping.grouper import Grouper
from monitor.grouping.steps import docket_step
from monitor.pipeline import Pipeline
from monitor.store.store import Store

# the docket entry each kind of event files (by the words of its label), first match
ENTRIES: tuple[tuple[str, str | None], ...] = (
    (r"supreme-court|federal-circuit|cert-denied|cross-appeal", None),  # appellate dockets
    (r"musk-offer", "LETTER addressed to the Court from Elon Musk"),
    (r"withdrawn", "NOTICE of Voluntary Dismissal"),
    (r"counterclaims", "ANSWER to Complaint with Counterclaim"),
    (r"amended-complaint", "AMENDED COMPLAINT"),
    (r"complaint-dismissed", "ORDER GRANTING MOTION TO DISMISS"),
    (r"complaint", "COMPLAINT"),
    (r"remedies-proposal", "NOTICE of Proposed Final Judgment"),
    (r"motion-to-dismiss-denied|renewed-motion-denied|indicative-ruling-denied",
     "Order on Motion to Dismiss"),
    (r"motion-to-dismiss-opinion", "OPINION AND ORDER re Motion to Dismiss"),
    (r"motion-to-dismiss", "MOTION to Dismiss"),
    (r"verdict", "JURY VERDICT"),
    (r"settlement", "NOTICE of Settlement"),
    (r"appeal", "NOTICE OF APPEAL"),
    (r"summary-judgment", "Order on Motion for Summary Judgment"),
    (r"penalty-judgment", "FINAL JUDGMENT"),
    (r"trial-delay", "ORDER continuing Jury Trial"),
    (r"special-master", "ORDER appointing Special Master"),
    (r"mdl-centralization", "TRANSFER ORDER"),
    (r"preliminary-injunction|injunction-denied",
     "Order on Motion for Preliminary Injunction"),
    (r"award-cut", "ORDER granting in part Motion for New Trial"),
    (r"ruling|not-copyrightable", "MEMORANDUM OPINION AND ORDER"),
)
DOCKET = "3:20-cv-{n:05d}"


@dataclass(frozen=True, slots=True)
class Figures:
    events: int  # events with an entry that has a step
    articles: int  # their articles
    linked: int  # of them, in their own filing's development
    told_once: int  # events whose filing and every article are one development
    wrong: int  # articles or filings in a development of another event
    alerts: int  # developments started: by filings with a step, and by news


def entry_for(event: str) -> str | None:
    slug = event.split("/", 1)[1]
    return next((text for pattern, text in ENTRIES if re.search(pattern, slug)), None)


def run_case(case: CaseConfig, articles: list[Article], number: int, workdir: Path, *,
             before: timedelta, lag: timedelta | None) -> Figures:
    """One case through the ingest path: `lag` None is court first."""
    docket = DOCKET.format(n=number)
    case = case.model_copy(update={"court": "cand", "docket_number": docket})
    store = Store.open(workdir / f"{case.id}.db")
    now = [datetime.min]
    pipeline = Pipeline(
        settings=Settings(cases=[case]), store=store, fetch=None, sources={},  # type: ignore[arg-type]
        matcher=_EveryArticle(case.id), grouper=Grouper(store),  # type: ignore[arg-type]
        extractor=None, clock=lambda: now[0])  # type: ignore[arg-type]
    first: dict[str, datetime] = {}
    for a in articles:
        assert a.published is not None
        first[a.event] = min(first.get(a.event, a.published), a.published)
    arrivals: list[tuple[datetime, int, Item, str]] = []
    for n, a in enumerate(articles):
        arrivals.append((a.published, 1, Item(  # type: ignore[arg-type]
            source_id=f"outlet{n}", guid=f"a{n}", url=f"https://outlet{n}.example/{n}",
            title=a.title, text=a.text, published=a.published, extracted=True), a.event))
    stepped: set[str] = set()
    for k, (event, start) in enumerate(sorted(first.items(), key=lambda e: e[1])):
        text = entry_for(event)
        if text is None:
            continue
        if docket_step(text):
            stepped.add(event)
        filed = start - before
        entry = DocketEntry("cand", docket, case.caption, 10 + k, text, "", filed, "", "", "")
        item = Item(source_id="court", guid=entry.guid, url="", title=f"{docket} {case.caption}",
                    published=filed, docket=entry)
        arrivals.append((filed if lag is None else start + lag, 0, item, event))
    arrivals.sort(key=lambda a: (a[0], a[1]))
    for when, _, item, _event in arrivals:
        now[0] = when
        pipeline.ingest(item, when)
    dev_of: dict[str, str] = {}
    for row in store.db.query("SELECT items.guid, matches.development_id FROM matches "
                              "JOIN items ON items.id = matches.item_id"):
        dev_of[row["guid"]] = row["development_id"]
    events_of: dict[str, set[str]] = defaultdict(set)  # development → events told in it
    filing_dev: dict[str, str] = {}
    for _, kind, item, event in arrivals:
        dev = dev_of[item.guid]
        events_of[dev].add(event)
        if kind == 0:
            filing_dev[event] = dev
    alerts = len({dev_of[i.guid] for _, k, i, e in arrivals if k == 1 or e in stepped})
    store.close()
    mine = [(item, event) for _, k, item, event in arrivals if k == 1 and event in stepped]
    linked = sum(dev_of[item.guid] == filing_dev[event] for item, event in mine)
    told_once = sum(all(dev_of[i.guid] == filing_dev[e] for i, e in mine if e == event)
                    for event in stepped)
    wrong = sum(len(events) - 1 for events in events_of.values() if len(events) > 1
                and any(dev == filing_dev.get(e) for e in events))
    return Figures(len(stepped), len(mine), linked, told_once, wrong, alerts)


def evaluate(corpus: Path, *, before: timedelta, lag: timedelta | None,
             linking: bool = True) -> Figures:
    """Every case of `corpus`; `linking` False keeps filings and news apart, as before
    they were linked, for the alerts that saves."""
    cases, articles = load(corpus)
    totals = dict.fromkeys(Figures.__dataclass_fields__, 0)
    with tempfile.TemporaryDirectory() as tmp, _linking(linking):
        for n, (key, case) in enumerate(cases.items()):
            mine = sorted((a for a in articles if a.case == key),
                          key=lambda a: a.published or datetime.min)
            figures = run_case(case, mine, n + 1, Path(tmp), before=before, lag=lag)
            for field in totals:
                totals[field] += getattr(figures, field)
    return Figures(**totals)


@contextlib.contextmanager
def _linking(enabled: bool) -> Iterator[None]:
    if enabled:
        yield
        return
    saved = grouper.link_article, grouper.link_filing
    grouper.link_article = grouper.link_filing = lambda *_args, **_kw: Link()  # type: ignore[assignment]
    try:
        yield
    finally:
        grouper.link_article, grouper.link_filing = saved


def row(name: str, f: Figures, apart: Figures) -> str:
    return (f"{name:<28} {f.events:>6} {f.articles:>8} {f.linked / max(f.articles, 1):>7.1%} "
            f"{f.told_once / max(f.events, 1):>9.1%} {f.wrong:>6} {apart.alerts:>12} "
            f"{f.alerts:>13}")


HEADER = (f"{'order':<28} {'events':>6} {'articles':>8} {'linked':>7} {'told once':>9} "
          f"{'wrong':>6} {'alerts apart':>12} {'alerts linked':>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--before", type=float, default=6.0,
                        help="hours a filing comes before its event's first article")
    parser.add_argument("--lag", type=float, default=48.0,
                        help="hours after the first article the entry arrives, press first")
    add_record_flag(parser)
    args = parser.parse_args()
    for corpus in args.corpus or [CORPUS, HELD_OUT]:
        with recording(f"eval_links-{corpus.stem}", args.record):
            print(f"corpus: {corpus}")
            print(HEADER)
            for before in sorted({args.before, 1.0, 20.0}):
                gap = timedelta(hours=before)
                for name, lag in (("court first", None),
                                  ("press first", timedelta(hours=args.lag))):
                    print(row(f"{name}, filed {before:g} h before",
                              evaluate(corpus, before=gap, lag=lag),
                              evaluate(corpus, before=gap, lag=lag, linking=False)))
            print()


if __name__ == "__main__":
    main()
