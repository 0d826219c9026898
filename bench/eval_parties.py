"""How well party matching tells which watched parties a docket entry's case name names,
and on which side, over every case name in the test fixtures.

The case names are those the project's own parsers read from the fixtures: the CM/ECF
RSS feeds of tests/fixtures/pacer (district, bankruptcy and appellate courts),
juriscraper's parse of the same items (tests/fixtures/pacer/juriscraper.json), the
CourtListener docket, its entries and its Atom feed (tests/fixtures/courtlistener), and
the Texas Court of Appeals page (tests/fixtures/docket_page, its "Style" and "v."
fields). Each distinct case name is weighed once.

Ten parties were chosen from them and labelled by hand (`LABELS`: every case name that
names the party, with the side it is on; `NOT_NAMED`: case names that look as if they
might and do not, with the reason). One `PartyIndex` of the ten is asked about every
case name, as the pipeline asks it about an entry. Per party and in total: true and
false positives, false negatives, precision, recall, and the share of true positives
given the labelled side; every false positive and false negative is listed with its
label's reason. A naive baseline (the party as written, lower-cased, as a substring of
the lower-cased case name; its side the side of the "v." it falls on) shows what the
rule buys. Last, which of the ten a watch would refuse (`common_party`): the rule is
measured for every party, as a case's parties are matched too.

    python bench/eval_parties.py [--record]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import add_record_flag, recording
from feeds.courtlistener import parse_atom_feed, parse_docket, parse_entries_page
from feeds.docket_page import Selectors, parse_docket_page
from feeds.pacer import parse_pacer_feed
from monitor.matching.captions import VERSUS
from monitor.matching.parties import PartyIndex, SideName, common_party, names_party

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
PACER = FIXTURES / "pacer"
COURTS = {"sdny": "nysd"}  # fixture names begin with the court, but for juriscraper's sdny
# the Texas Court of Appeals page: its events grid, as tests/test_docket_page.py reads it
TAMES = Selectors(entry="#ctl00_ContentPlaceHolder1_grdEvents_ctl00 > tbody > tr",
                  date=":scope > td:nth-child(1)",
                  text=":scope > td:nth-child(2), :scope > td:nth-child(3)",
                  link="td.docLink a")
TAMES_URL = "https://search.txcourts.gov/Case.aspx?cn=01-25-00456-CV&coa=coa01"

P: Final = "plaintiff"
D: Final = "defendant"
X: Final = "party"  # the one side of "In re" or of a debtor's name

# party -> every distinct case name that names it: (case name, side, reason if not obvious)
LABELS: dict[str, list[tuple[str, SideName, str]]] = {
    # a government on both sides; a prefix of "United States Sugar Corporation"
    "United States": [
        *((f"United States v. {d}", P, "") for d in (
            "Kahn", "Pacheco", "Noseep", "Craig German", "Andrae Crook", "Jeffrey Spivack",
            "Marvas Aurelien", "James Squire", "Marvin Minor", "Robert Barnes",
            "James Noyes", "Ricky Abner", "Jamaile Huey", "Tildren Hunter",
            "Shantel Caldwell", "Jeffrey Kaiser", "Calvin Starks", "Juan Arroyo",
            "Calvin Caver", "Adarius Ferguson", "Cory McNeal", "William Reid",
            "Randy Koontz", "Dynamic Visions Inc", "Shargorodskaya", "Nejad", "Kaplun",
            "Lopez De La Cruz")),
        ("Rodriguez v. United States", D, ""),
        ("Jeffrey Cohen v. United States", D, ""),
        ("Kaplun v. United States", D, ""),
        ("Rigas v. United States", D, ""),
    ],
    # an agency, as the courts write it
    "EPA": [
        ("United States Sugar Corporation v. EPA", D, ""),
        ("American Forest & Paper Association v. EPA", D, ""),
        ("California Communities Against Toxics v. EPA", D, ""),
    ],
    # an agency's head, once with the agency's own name after it
    "Commissioner of Social Security": [
        ("Santos v. Commissioner of Social Security", D, ""),
        ("Elizabeth Langston v. Commissioner of Social Security Administration", D,
         "the same office: the clerk's longer form of the Commissioner of Social Security"),
    ],
    # a city with and without "The"
    "City of New York": [
        ("Mosca v. The City of New York", D, ""),
        ("Greater New York Taxi Association v. The City of New York", D, ""),
        ("Pettiford v. City of New York", D, ""),
        ("Crosby v. City of New York", D, ""),
    ],
    # a bank watched without its legal form, named with it
    "TD Bank": [
        ("TD Bank, N.A. v. Flom", P, ""),
    ],
    # a company watched with its legal form, named without it
    "A&E Television Networks, LLC": [
        ("Dozier v. A&E Television Networks", D, "the company's full name without its LLC"),
    ],
    # an organisation with " & " in its name
    "Food & Water Watch": [
        ("Food & Water Watch v. FERC", P, ""),
    ],
    # a bankruptcy debtor named bare, with its legal form
    "Breitburn Energy Partners": [
        ("Breitburn Energy Partners LP", X, "a bankruptcy case named by its debtor alone"),
    ],
    # a person with a middle initial, a bankruptcy debtor; a surname alone elsewhere
    "Edward Miller": [
        ("Edward F Miller", X, "a bankruptcy case named by its debtor, middle initial "
                               "without a full stop"),
    ],
    # a person named in full in one caption and by surname alone in another
    "Merrick Garland": [
        ("Ana Martinez Hernandez v. Merrick Garland", D, ""),
        ("Singh v. Garland", D, "a 2023 Tenth Circuit immigration petition: the respondent "
                                "is the Attorney General, by surname alone (the rule gives "
                                "this up by design)"),
    ],
}
# case names that might be taken to name a party and do not, with the reason
NOT_NAMED: dict[str, dict[str, str]] = {
    "United States": {
        "United States Sugar Corporation v. EPA": "a company whose name begins with it",
        "Francisco Fajardo-Rebollar v. U.S. Attorney General": "an officer of it, not it",
        "Yves Santais v. U.S. Attorney General": "an officer of it, not it",
        "Haller v. U.S. Department of Health and Human Services": "an agency of it, not it",
    },
    "City of New York": {
        "Shirlaw v. New York State Unified Court System Office of Court Administration":
            "the State's courts",
    },
    "EPA": {
        "Haller v. U.S. Department of Health and Human Services": "\"epa\" inside Department",
        "Joseph Nichols, Jr. v. Secretary, Florida Department of Corrections":
            "\"epa\" inside Department",
    },
    "Edward Miller": {"Dong v. Miller": "a surname alone, in another court: no one in "
                                        "particular"},
    "Merrick Garland": {
        "Francisco Fajardo-Rebollar v. U.S. Attorney General": "his office, not his name",
        "Yves Santais v. U.S. Attorney General": "his office, not his name",
    },
    "TD Bank": {"CIT Bank, N.A. v. Artis": "another bank"},
}


@dataclass(frozen=True, slots=True)
class Source:
    label: str  # the fixture file, and which of its parts
    kind: str  # district, bankruptcy, appellate, ...
    names: list[str]  # the case name of each entry (or row), in order


def court_of(stem: str) -> str:
    prefix = stem.split("_")[0]
    return COURTS.get(prefix, prefix)


def court_kind(court: str) -> str:
    if court.startswith("ca"):
        return "appellate"
    return "bankruptcy" if court.endswith("b") else "district"


def _tames_style(page: bytes) -> str:
    """The page's case name: its "Style" field and its "v." field."""
    import lxml.html

    document = lxml.html.document_fromstring(page)
    fields = {}
    for label in document.iterfind(".//label"):
        row = label.getparent().getparent()
        values = [div.text_content().strip() for div in row if div is not label.getparent()]
        fields[label.text_content().strip().rstrip(":")] = " ".join(values).strip("\xa0 ")
    return f"{fields['Style']} v. {fields['v.']}"


def sources() -> Iterator[Source]:
    """Every fixture that carries case names, read with the project's parsers."""
    for path in sorted(PACER.glob("*.xml")):
        court = court_of(path.stem)
        feed = parse_pacer_feed(path.read_bytes(), court)
        yield Source(f"pacer/{path.name}", f"{court} {court_kind(court)}",
                     [p.entry.case_name for p in feed.entries])
    oracle = json.loads((PACER / "juriscraper.json").read_text(encoding="utf-8"))
    yield Source("pacer/juriscraper.json", "juriscraper's parse of the same feeds",
                 [row[1] for key, rows in oracle.items() if key != "about" for row in rows])
    listener = FIXTURES / "courtlistener"
    body = (listener / "docket.json").read_bytes()
    docket = parse_docket(body, base_url="https://www.courtlistener.com")
    raw = json.loads(body)
    yield Source("courtlistener/docket.json", "case_name, case_name_full",
                 [docket.case_name, raw["case_name_full"]])
    entries = json.dumps({"next": None, "results": json.loads(
        (listener / "docket_entries.json").read_bytes())}).encode()
    page = parse_entries_page(entries, source_id="cl", docket=docket)
    yield Source("courtlistener/docket_entries.json", "API entries (the docket's name)",
                 [i.docket.case_name for i in page.items if i.docket])
    items = parse_atom_feed((listener / "docket_feed.xml").read_bytes(), source_id="cl")
    yield Source("courtlistener/docket_feed.xml", "Atom feed",
                 [i.docket.case_name for i in items if i.docket])
    html = (FIXTURES / "docket_page" / "texas_coa_case.html").read_bytes()
    rows = parse_docket_page(html, TAMES_URL, TAMES, source_id="tx", court="texapp",
                             docket_number="01-25-00456-CV", case_name=_tames_style(html))
    yield Source("docket_page/texas_coa_case.html", "texapp appellate",
                 [i.docket.case_name for i in rows if i.docket])


def distinct_case_names(found: list[Source]) -> list[str]:
    return list(dict.fromkeys(name for source in found for name in source.names))


def naive(case_name: str, party: str) -> SideName | None:
    """The baseline: the party's words, lower-cased, anywhere in the case name."""
    words = " ".join(party.lower().split())
    texts = VERSUS.split(case_name.strip().lower(), maxsplit=1)
    if len(texts) == 2:
        sides: tuple[SideName, SideName] = (P, D)
        for side, text in zip(sides, texts, strict=True):
            if words in text:
                return side
        return None
    return X if words in texts[0] else None


@dataclass(slots=True)
class Score:
    labelled: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    side_ok: int = 0

    def add(self, other: Score) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def cells(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / self.labelled if self.labelled else 1.0
        side = f"{self.side_ok / self.tp:.3f}" if self.tp else "  -  "
        return (f"{self.tp:>4} {self.fp:>3} {self.fn:>3} {precision:>6.3f} {recall:>6.3f} "
                f"{side:>5}")


def score(decide: Callable[[str, str], SideName | None], names: list[str], party: str,
          errors: list[str]) -> Score:
    """`decide(case_name, party)` → side or None, against the labels of `party`."""
    truth = {case: (side, why) for case, side, why in LABELS[party]}
    result = Score(labelled=len(truth))
    for case in names:
        side = decide(case, party)
        if case in truth:
            want, why = truth[case]
            if side is None:
                result.fn += 1
                errors.append(f"  FN {party!r:34} {case!r}" + (f"  ({why})" if why else ""))
            else:
                result.tp += 1
                result.side_ok += side == want
                if side != want:
                    errors.append(f"  side {party!r:32} {case!r}: {side}, labelled {want}")
        elif side is not None:
            result.fp += 1
            why = NOT_NAMED.get(party, {}).get(case, "")
            errors.append(f"  FP {party!r:34} {case!r} as {side}" + (f"  ({why})" if why
                                                                    else ""))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_record_flag(parser)
    args = parser.parse_args()
    with recording("eval_parties", args.record):
        found = list(sources())
        names = distinct_case_names(found)
        seen: set[str] = set()
        print(f"{'fixture':42} {'kind':38} {'entries':>7} {'distinct':>8} {'new':>4}")
        for source in found:
            distinct = set(source.names)
            print(f"{source.label:42} {source.kind:38} {len(source.names):>7} "
                  f"{len(distinct):>8} {len(distinct - seen):>4}")
            seen |= distinct
        print(f"{'all':42} {'':38} {sum(len(s.names) for s in found):>7} {len(names):>8}")
        for party, labels in LABELS.items():
            missing = [case for case, *_ in labels if case not in seen]
            assert not missing, f"{party}: labelled case names not in the fixtures: {missing}"

        index = PartyIndex((party, party) for party in LABELS)
        found_by = {case: {n.key: n for n in index.find(case)} for case in names}
        disagree = [(case, party) for case in names for party in LABELS
                    if (one := names_party(case, party)) != found_by[case].get(party)
                    and (one is None or found_by[case].get(party) is None
                         or one.side != found_by[case][party].side)]

        def rule(case: str, party: str) -> SideName | None:
            named = found_by[case].get(party)
            return named.side if named else None

        print()
        print(f"{len(LABELS)} parties over {len(names)} distinct case names; "
              f"PartyIndex.find and names_party disagree on {len(disagree)}")
        head = f"{'tp':>4} {'fp':>3} {'fn':>3} {'prec':>6} {'recall':>6} {'side':>5}"
        print(f"{'':34} {'':>5}  {'party rule':^33}  {'naive substring':^33}")
        print(f"{'party':34} {'named':>5}  {head}  {head}")
        totals, naive_totals = Score(), Score()
        errors: list[str] = []
        naive_errors: list[str] = []
        for party in LABELS:
            ours = score(rule, names, party, errors)
            theirs = score(naive, names, party, naive_errors)
            totals.add(ours)
            naive_totals.add(theirs)
            print(f"{party:34} {ours.labelled:>5}  {ours.cells()}  {theirs.cells()}")
        print(f"{'all (micro)':34} {totals.labelled:>5}  {totals.cells()}  "
              f"{naive_totals.cells()}")
        print()
        print(f"party rule: {len(errors)} errors (false positives, false negatives, wrong "
              "sides)")
        print("\n".join(errors) or "  none")
        print(f"naive substring: {len(naive_errors)} errors")
        print("\n".join(naive_errors) or "  none")
        for case, party in disagree:
            print(f"  disagree: {party!r} in {case!r}")
        refused = [f"{party} ({why})" for party in LABELS if (why := common_party(party))]
        print(f"as a watch, common_party refuses: {'; '.join(refused) or 'none'}")


if __name__ == "__main__":
    main()
