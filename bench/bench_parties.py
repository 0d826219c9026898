"""Party matching cost per docket entry as the watches grow (1 → 1,000 → 10,000).

Entries: every docket entry the fixtures hold (the CM/ECF feeds of tests/fixtures/pacer,
the CourtListener docket's entries and Atom feed, the Texas Court of Appeals page; read
as bench/eval_parties.py reads them), repeated to 20,000 finds. Watches: each of one or
two parties, named as a user would: first the parties of the fixtures' own case names
(so some watches are named by the entries), then generated companies, banks, agencies
and people (a common given name, sometimes a middle initial, a surname). In the plain
rows the companies' first words and the surnames come from short lists of common ones
(100 surnames, many of which the fixtures' case names hold), so many parties share each
word; in the "rare names" rows they are made-up words. Parties a watch refuses
(`common_party`: a government, only common words) are left out. One watch alone is
"Twitter", named by the CourtListener entries (a tenth); 100 watches hold only the
fixtures' parties, so that most entries name some of them, as at 1,000 and 10,000.

Prints, per set of watches: the `PartyIndex` build time (median of 5), µs per entry of
`find` (median of 5 rounds of 20,000 finds, the name caches warm as a daemon's are), µs
per entry of one pass over the distinct case names with the name caches emptied, the
parties weighed per entry (those filed under one of its words) and the parties named
per entry; then each set's cost per entry against one watch's. Then, at 1,000 watches,
the naive loop (`names_party` for each party of each watch) over one pass of the
entries, for comparison. A case name is weighed only against the parties filed under
its words, so the cost per entry follows how many watched parties share a word with it,
not how many are watched.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_matching import FIRST, LAST, SYLLABLES, company
from bench.eval_parties import sources
from bench.record import add_record_flag, recording
from monitor.matching import names, parties
from monitor.matching.parties import PartyIndex, common_party, names_party, sides
from monitor.text.normalise import normalise

FINDS = 20_000
ROUNDS = 5
PLACES = ("Hudson", "Pacific", "Lakeshore", "Granite", "Summit", "Riverside", "Atlantic",
          "Midwest", "Northern", "Bayview", "Cedar", "Harbor", "Prairie", "Keystone",
          "Liberty", "Pioneer", "Evergreen", "Frontier", "Sterling", "Meridian")
TRADES = ("Health Partners", "Logistics", "Capital", "Energy", "Media", "Software",
          "Foods", "Insurance Company", "Construction", "Pharmaceuticals", "Realty",
          "Airlines", "Motors", "Steel", "Retail Group", "Staffing", "Telecom",
          "Restaurant Group", "Security Services", "Management")
FORMS = ("Inc.", ", Inc.", "LLC", ", LLC", "Corp.", "Corporation", "Ltd.", "L.P.", "Co.", "")
AGENCIES = ("Department of Labor", "Department of Corrections", "Department of Revenue",
            "Board of Education", "Department of Transportation", "Housing Authority",
            "Police Department", "Department of Health")
STATES = ("New York", "Florida", "Texas", "Ohio", "Virginia", "Maryland", "Georgia",
          "California", "Illinois", "Michigan")


def entry_names() -> list[str]:
    """The case name of every fixture entry (juriscraper's rows are the feeds' again)."""
    return [name for source in sources() if not source.label.endswith("juriscraper.json")
            for name in source.names]


def fixture_parties(case_names: list[str]) -> list[str]:
    """The parties of the fixtures' case names a user might watch: people and
    organisations, not a surname alone, a placeholder or a party a watch refuses (a
    government, only common words: `common_party`)."""
    found = []
    for case in dict.fromkeys(case_names):
        if case == "Unknown Case Title":
            continue
        for _, entities in sides(case):
            found += [e for e in entities if len(e.split()) >= 2 or e.isupper()]
    return [name for name in dict.fromkeys(found) if common_party(name) is None]


def made_up(rng: random.Random) -> str:
    """A word no dictionary holds: "Verlumtor"."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def generated(rng: random.Random, common: bool = True) -> str:
    """A made-up party: a company, a bank, an agency or a person. `common`: the
    companies' first words and the people's surnames from short lists of common ones
    (many parties share each), else words made up (each party nearly its own)."""
    place = (lambda: rng.choice(PLACES)) if common else (lambda: made_up(rng))
    roll = rng.random()
    if roll < 0.2:
        return company(rng)
    if roll < 0.4:
        form = rng.choice(FORMS)
        name = f"{place()} {rng.choice(TRADES)}"
        return f"{name}{form}" if form.startswith(",") else f"{name} {form}".strip()
    if roll < 0.45:
        return f"{place()} {rng.choice(('Bank', 'Savings Bank', 'Trust'))}, N.A."
    if roll < 0.5:
        return f"{rng.choice(STATES)} {rng.choice(AGENCIES)}"
    middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.3 else ""
    surname = rng.choice(LAST) if common else made_up(rng)
    return f"{rng.choice(FIRST)}{middle} {surname}"


def watches(count: int, real: list[str], *, common: bool = True,
            seed: int = 7) -> list[tuple[str, str]]:
    """`count` watches of one or two parties each, as (watch id, party) pairs: the
    fixtures' parties first, then generated ones."""
    rng = random.Random(seed)
    pool = iter(real)
    pairs = []
    for n in range(count):
        for _ in range(1 if rng.random() < 0.6 else 2):
            party = next(pool, None) or generated(rng, common)
            while common_party(party) is not None:
                party = generated(rng, common)
            pairs.append((f"watch-{n:05d}", party))
    return pairs


def weighed(index: PartyIndex, case_names: list[str]) -> float:
    """Parties weighed per case name: those filed under one of its words (read from the
    index's own table; no public call tells it)."""
    table = index._by_anchor
    return sum(len(table.get(word, ())) for case in case_names
               for word in set(normalise(case).split())) / len(case_names)


def cold() -> None:
    """Empty the name caches `find` fills (a person's name read from a party)."""
    parties._person.cache_clear()
    names.person_name.cache_clear()


def median_s(work: Callable[[], object], rounds: int = ROUNDS,
             before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--finds", type=int, default=FINDS, help="finds per round")
    add_record_flag(parser)
    args = parser.parse_args()
    with recording("bench_parties", args.record):
        entries = entry_names()
        distinct = list(dict.fromkeys(entries))
        stream = (entries * (args.finds // len(entries) + 1))[:args.finds]
        real = fixture_parties(entries)
        print(f"{len(entries)} fixture entries ({len(distinct)} distinct case names), "
              f"repeated to {len(stream):,} finds a round; {len(real)} parties from their "
              "case names")
        print(f"{'watches':>16} {'parties':>7} {'build ms':>9} {'µs/entry':>9} "
              f"{'cold µs/entry':>13} {'weighed/entry':>13} {'named/entry':>11}")
        sizes: list[tuple[str, list[tuple[str, str]]]] = [
            ("1", [("watch-00000", "Twitter")])]
        sizes += [(f"{n:,}", watches(n, real)) for n in (100, 1_000, 10_000)]
        sizes += [(f"{n:,}, rare names", watches(n, real, common=False))
                  for n in (1_000, 10_000)]
        per_entry: dict[str, float] = {}
        for label, pairs in sizes:
            build = median_s(lambda pairs=pairs: PartyIndex(pairs))
            index = PartyIndex(pairs)
            find = index.find
            warm = median_s(lambda find=find: [find(case) for case in stream])
            first = median_s(lambda find=find: [find(case) for case in distinct],
                             before=cold)
            named = sum(len(find(case)) for case in entries) / len(entries)
            per_entry[label] = warm / len(stream) * 1e6
            print(f"{label:>16} {len(pairs):>7,} {build * 1e3:>9.2f} {per_entry[label]:>9.1f} "
                  f"{first / len(distinct) * 1e6:>13.1f} {weighed(index, entries):>13.1f} "
                  f"{named:>11.2f}")
        for base in ("1", "100"):
            print(f"per entry against {base} watch{'es' if base != '1' else ''}: " + ", ".join(
                f"{label} {cost / per_entry[base]:.1f}x" for label, cost in per_entry.items()
                if label not in ("1", base)))
        thousand = dict(sizes)["1,000"]
        loop = median_s(lambda: [[names_party(case, party) for _, party in thousand]
                                 for case in entries], rounds=3)
        naive = loop / len(entries) * 1e6
        print(f"naive loop at 1,000 watches (names_party for each of {len(thousand):,} "
              f"parties, median of 3 passes over the {len(entries)} entries): "
              f"{naive:,.0f} µs/entry, {naive / per_entry['1,000']:,.0f}x the index")


if __name__ == "__main__":
    main()
