"""Matching cost per article as the number of watched cases grows (10 → 10,000).

Articles: main text extracted from the real pages of the bench data (about 5 KB each).
Cases: generated people-v-company captions with parties, a tenth with docket numbers
and a fifth with their own boolean query, the rest with derived queries. Prints µs per
article (median of 5 rounds), candidate cases evaluated per article and matcher build
time, next to a bare Aho-Corasick scan of the same keys as the floor.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import articles
from bench.record import record_only, recording
from monitor.config import CaseConfig
from monitor.matching.matcher import Document, Matcher

_FIRST_WORDS = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy "
    "Anthony Betty Mark Sandra Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua "
    "Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie"
)
FIRST = tuple(_FIRST_WORDS.split())
_LAST_WORDS = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly "
    "Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza "
    "Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez"
)
LAST = tuple(_LAST_WORDS.split())
_SYLLABLES_WORDS = (
    "ac ver lum tor nex gen sol dyn cor vis max tri qua zen bel mar pro tek ori lux "
    "cal fin sys med bio nov ter aer omn pax vel rho syn kai del mon"
)
SYLLABLES = tuple(_SYLLABLES_WORDS.split())


def company(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{name} {rng.choice(['Inc.', 'LLC', 'Corp.', 'Holdings, Inc.', 'Labs, Inc.'])}"


def cases(count: int, seed: int = 7) -> list[CaseConfig]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        firm = company(rng)
        short = firm.split()[0]
        extra: dict[str, str] = {}
        if n % 10 == 0:
            office, year, number = rng.randint(1, 5), rng.randint(15, 25), rng.randint(1, 9999)
            extra["docket_number"] = f"{office}:{year}-cv-{number:05d}"
        if n % 5 == 0:
            extra["query"] = f'"{short}" AND (lawsuit OR settlement OR "class action")'
        out.append(CaseConfig(id=f"case-{n}", caption=f"{person} v. {firm}",
                              parties=[person, short], **extra))
    return out


def per_article(func, docs: list[tuple[str, str]], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for title, text in docs:
            func(title, text)
        times.append((time.perf_counter() - start) / len(docs))
    return statistics.median(times) * 1e6


def main() -> None:
    docs = articles()
    kb = statistics.mean(len(t.encode()) for _, t in docs) / 1024
    print(f"{len(docs)} articles, mean {kb:.1f} KB of text")
    print(f"{'cases':>7} {'build s':>8} {'µs/article':>11} {'candidates':>11} {'matches':>8} "
          f"{'bare AC µs':>11}")
    for count in (10, 1_000, 10_000):
        configured = cases(count)
        start = time.perf_counter()
        matcher = Matcher(configured)
        build = time.perf_counter() - start
        candidates = matches = 0
        for title, text in docs:
            doc = Document(title, text)
            candidates += len(matcher.candidates(doc))
            matches += len(matcher.match_document(doc))
        cost = per_article(lambda t, x, m=matcher: m.match_document(Document(t, x)), docs)
        bare = ahocorasick.Automaton()
        for case in configured:
            for key in (case.caption, *case.parties):
                bare.add_word(key.lower(), 1)
        bare.make_automaton()
        floor = per_article(lambda t, x, a=bare: sum(1 for _ in a.iter(x.lower())), docs)
        print(f"{count:>7,} {build:>8.2f} {cost:>11.0f} {candidates / len(docs):>11.1f} "
              f"{matches / len(docs):>8.2f} {floor:>11.0f}")


if __name__ == "__main__":
    with recording("bench_matching", record_only(__doc__.splitlines()[0]).record):
        main()
