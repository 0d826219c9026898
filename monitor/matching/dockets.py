"""Docket entries to cases: structured keys first, the case name only to confirm.

An entry belongs to a case when the court agrees and the docket number names the same
case (year, type and number; the office digit only when both carry one; judge initials
never; a criminal defendant number only when the case names one), and its case name
does not contradict the case's caption, aliases or parties. Routine entries (notices
of appearance, pro hac vice, disclosures, summonses...) are stored but not alerted
unless the case asks for them with `docket_alert = "all"`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from feeds.base import DocketEntry, Item
from feeds.docket_numbers import DocketNumber, parse_docket_number
from monitor.config import CaseConfig
from monitor.matching.matcher import Match, Matcher

# Entries a docket watcher files away rather than reads: appearances, admissions,
# disclosures and service paperwork.
ROUTINE = (
    r"notice of (?:attorney )?appearance",
    r"\battorney appearance\b",
    r"pro hac vice",
    r"corporate disclosure",
    r"rule 7\.1 disclosure",
    r"disclosure of (?:corporate|financial) (?:affiliations|interest)",
    r"certificate of (?:interested (?:entities|parties)|service|disclosure)",
    r"\bsummons(?:es)? (?:issued|returned|executed|reissued)",
    r"add and terminate attorneys",
    r"(?:notice|motion) (?:of|for|to) withdraw(?:al)? (?:of|as) (?:attorney|counsel)",
    r"notice of change of (?:address|attorney information)",
    r"consent to (?:proceed before|jurisdiction by) (?:a |the )?(?:u\.?s\.? |united states )?"
    r"magistrate",
    r"declin(?:ation|e) to proceed before",
    r"\bclerk'?s notice\b",
    r"\becf notice\b",
    r"\bnotice of filing of official transcript\b",
)
_NAME_NOISE = frozenset({
    "v", "vs", "versus", "et", "al", "inc", "llc", "ltd", "corp", "corporation", "co",
    "company", "the", "of", "and", "a", "an", "in", "re", "matter", "plaintiff", "plaintiffs",
    "defendant", "defendants", "individually", "behalf", "others",
})
_UNKNOWN_NAMES = frozenset({"", "unknown case title"})


@cache
def _patterns(extra: tuple[str, ...] | None) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in (ROUTINE if extra is None else extra)),
                      re.IGNORECASE)


def is_routine(entry: DocketEntry, patterns: Sequence[str] | None = None) -> bool:
    """Whether the entry is paperwork no one needs alerting about.

    `patterns` (regular expressions) replace the default list `ROUTINE`.
    """
    text = entry.short_description or entry.description
    if not text.strip():
        return False
    return _patterns(None if patterns is None else tuple(patterns)).search(text) is not None


def alerts_entry(case: CaseConfig, entry: DocketEntry) -> bool:
    """Whether a case's docket entry is alerted: by its `docket_alert`, routine
    paperwork left out unless "all"."""
    if case.docket_alert == "none":
        return False
    return case.docket_alert == "all" or not is_routine(entry, case.docket_routine)


def _name_words(name: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", name.lower().replace("&", " and "))
    return frozenset(w for w in words if w not in _NAME_NOISE and not w.isdigit())


def names_agree(entry_name: str, case_names: Iterable[str]) -> bool:
    """True unless the entry's case name plainly names other people.

    Half the words of the shorter name (once `v.`, `Inc.`, `et al`... are dropped)
    must appear in the other: "Doe v. Twitter, Inc." agrees with "John Doe #1 and
    John Doe #2 v. Twitter, Inc."; "Smith v. Jones" does not. A missing name agrees.
    """
    theirs = _name_words(entry_name)
    if entry_name.strip().lower() in _UNKNOWN_NAMES or not theirs:
        return True
    known = [words for words in map(_name_words, case_names) if words]
    if not known:
        return True
    return any(len(theirs & ours) * 2 >= min(len(theirs), len(ours)) for ours in known)


@dataclass(frozen=True, slots=True)
class _DocketCase:
    config: CaseConfig
    number: DocketNumber

    @property
    def names(self) -> list[str]:
        return [self.config.caption, *self.config.aliases, " ".join(self.config.parties)]


class DocketMatcher:
    """`DocketMatcher(cases).match(item_source, entry) -> list[Match]` by court and number."""

    def __init__(self, cases: Sequence[CaseConfig]) -> None:
        self._by_key: dict[tuple[str, str, int], list[_DocketCase]] = {}
        for case in cases:
            number = parse_docket_number(case.docket_number or "")
            if number is not None:
                self._by_key.setdefault(number.key, []).append(_DocketCase(case, number))
        self._watched = frozenset(c.config.id for cs in self._by_key.values() for c in cs)

    def watches_id(self, case_id: str) -> bool:
        """Whether docket entries reach the case through its docket number (and only so)."""
        return case_id in self._watched

    def match(self, entry: DocketEntry, source_id: str = "") -> list[Match]:
        number = parse_docket_number(entry.docket_number)
        if number is None:
            return []
        found = []
        for case in self._by_key.get(number.key, ()):
            config = case.config
            if config.sources and source_id and source_id not in config.sources:
                continue
            if config.court and entry.court and config.court != entry.court.lower():
                continue
            if not number.same_case(case.number):
                continue
            if case.number.defendant is not None and not number.same_defendant(case.number):
                continue
            if not names_agree(entry.case_name, case.names):
                continue
            found.append(Match(case_id=config.id, score=1.0, terms=(entry.docket_number,),
                               snippet=entry.short_description or entry.description[:300]))
        return found


def is_fuller(new: DocketEntry, old: DocketEntry) -> bool:
    """Whether `new` says more about the same entry than `old` did (longer text, a document)."""
    return (
        len(new.description) > len(old.description)
        or (not old.short_description and bool(new.short_description))
        or (not old.document_url and bool(new.document_url))
    )


def match_entry(item: Item, entry: DocketEntry, matcher: Matcher,
                dockets: DocketMatcher) -> list[Match]:
    """The cases a docket entry belongs to: by court and docket number, or, for a case
    without a docket number, by its query over the entry's case name and text."""
    found = dockets.match(entry, item.source_id)
    found += [m for m in matcher.match(item) if not dockets.watches_id(m.case_id)]
    return found
