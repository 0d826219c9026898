"""Which cases an item is about, with the terms that decided it.

One Aho-Corasick pass over an item's normalised words finds the candidate cases for
every case at once: each case is indexed by *anchors*, words at least one of which
must occur for its query to match. Only candidates have their query and exclusions
evaluated, so the cost per item stays nearly flat from ten cases to ten thousand.

A case without `query` gets one derived from its caption, aliases, parties and
docket number (`derive_query`), so describing a case is enough to find coverage.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from feeds.base import Item
from feeds.docket_numbers import find_docket_numbers, parse_docket_number
from monitor.config import CaseConfig
from monitor.matching.derive import case_query
from monitor.matching.query import And, Near, Node, Not, Or, Term, parse_query
from monitor.text.normalise import Words, clean, tokens, word_spans

SNIPPET_CHARS = 240
_WEIGHT = {"title": 2.0, "text": 1.0, "source": 0.5}
_FIELDS = ("title", "text", "source")
@dataclass(frozen=True, slots=True)
class Match:
    case_id: str
    score: float
    terms: tuple[str, ...]
    snippet: str


# ---- documents ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    field: str
    start: int  # word index, inclusive
    end: int  # word index, exclusive


class Field:
    """One field of a document: cleaned text, its normalised words, spans on demand."""

    __slots__ = ("_dockets", "_index", "_spans", "text", "words")

    def __init__(self, raw: str, read: tuple[str, Sequence[str]] | None = None) -> None:
        """`read`: the field's text already cleaned and its words (`Words`), if known."""
        self.text, words = read if read is not None else (clean(raw) if raw else "", None)
        self.words = tokens(self.text) if words is None else list(words)
        self._index: dict[str, list[int]] | None = None
        self._spans: list[tuple[int, int]] | None = None
        self._dockets: list[tuple[tuple[str, str, int], str | None, int, int]] | None = None

    @property
    def index(self) -> dict[str, list[int]]:
        if self._index is None:
            self._index = {}
            for position, word in enumerate(self.words):
                self._index.setdefault(word, []).append(position)
        return self._index

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = word_spans(self.text)
        return self._spans

    def dockets(self) -> list[tuple[tuple[str, str, int], str | None, int, int]]:
        """(key, office, first word, end word) of each docket number in the field."""
        if self._dockets is None:
            self._dockets = []
            starts = [s for s, _ in self.spans]
            for number, start, end in find_docket_numbers(self.text):
                first = bisect.bisect_left(starts, start)
                last = max(first + 1, bisect.bisect_left(starts, end))
                self._dockets.append((number.key, number.office, first, last))
        return self._dockets


class Document:
    """An item as the matcher reads it."""

    __slots__ = ("_scan", "fields")

    def __init__(self, title: str, text: str, source: str = "", docket_number: str = "",
                 words: Words | None = None) -> None:
        """`words`: the title's and text's words, when the caller has read them already."""
        self.fields = {
            "title": Field(title, (words.title_text, words.title) if words else None),
            "text": Field(text, (words.body_text, words.body) if words else None),
            "source": Field(source),
        }
        if docket_number and (number := parse_docket_number(docket_number)):
            self.fields["title"].dockets().append((number.key, number.office, 0, 0))
        self._scan: str | None = None

    @classmethod
    def of(cls, item: Item, words: Words | None = None) -> Document:
        return cls(
            item.title, item.body, " ".join(filter(None, (item.source_id, item.site_name))),
            item.docket.docket_number if item.docket is not None else "", words,
        )

    @property
    def scan_text(self) -> str:
        """Every field's words, space-delimited, for the candidate scan."""
        if self._scan is None:
            self._scan = " " + " \n ".join(" ".join(f.words) for f in self.fields.values()) + " "
        return self._scan


def _term_hits(term: Term, doc: Document) -> list[Hit]:
    hits: list[Hit] = []
    for name in (term.field,) if term.field else ("title", "text"):
        field = doc.fields[name]
        if term.docket is not None:
            hits += [
                Hit(name, first, last) for key, office, first, last in field.dockets()
                if key == term.docket.key
                and (office is None or term.docket.office is None or office == term.docket.office)
            ]
        elif term.prefix:
            stem = term.words[0]
            for word, positions in field.index.items():
                if word.startswith(stem):
                    hits += [Hit(name, p, p + 1) for p in positions]
        else:
            first, rest, words = term.words[0], term.words[1:], field.words
            size = len(term.words)
            for p in field.index.get(first, ()):
                if not rest or tuple(words[p + 1 : p + size]) == rest:
                    hits.append(Hit(name, p, p + size))
    return hits


def _near(left: list[Hit], right: list[Hit], distance: int) -> list[Hit]:
    found: set[Hit] = set()
    for a in left:
        for b in right:
            if a.field == b.field and max(b.start - a.end, a.start - b.end) < distance:
                found.add(a)
                found.add(b)
    return sorted(found, key=lambda h: (h.field, h.start))


def evaluate(node: Node, doc: Document) -> list[Hit] | None:
    """The hits that make `node` true in `doc`, or None when it is false."""
    match node:
        case Term():
            return _term_hits(node, doc) or None
        case And(parts):
            collected: list[Hit] = []
            for part in parts:
                hits = evaluate(part, doc)
                if hits is None:
                    return None
                collected += hits
            return collected
        case Or(parts):
            results = [hits for part in parts if (hits := evaluate(part, doc)) is not None]
            return [h for hits in results for h in hits] if results else None
        case Not(part):
            return None if evaluate(part, doc) is not None else []
        case Near(left_node, right_node, distance):
            left = evaluate(left_node, doc)
            right = evaluate(right_node, doc) if left else None
            if not left or not right:
                return None
            return _near(left, right, distance) or None


# ---- the candidate index ------------------------------------------------------------


Known = dict[int, tuple[Node, frozenset[str] | None]]


def anchors(node: Node, known: Known | None = None) -> frozenset[str] | None:
    """Scan keys at least one of which occurs whenever `node` matches; None: no such set.
    `known`: the answers for the alternatives (`Or`) seen already, by identity, for
    trees that share parts (derived queries share their word lists)."""
    if known is None or not isinstance(node, Or):
        return _anchors(node, known)
    seen = known.get(id(node))
    if seen is None or seen[0] is not node:
        seen = known[id(node)] = (node, _anchors(node, known))  # held: its id stays its own
    return seen[1]


def _anchors(node: Node, known: Known | None) -> frozenset[str] | None:
    match node:
        case Term():
            if node.docket is not None:
                return frozenset({f"\x00{node.docket.year}-{node.docket.case_type}-"
                                  f"{node.docket.number}"})
            if node.prefix:
                return frozenset({" " + node.words[0]})
            return frozenset({f" {' '.join(node.words)} "})  # a phrase is its own anchor
        case Or(parts):
            keys: set[str] = set()
            for part in parts:
                sub = anchors(part, known)
                if sub is None:
                    return None
                keys |= sub
            return frozenset(keys)
        case And(parts):
            return _narrowest(anchors(p, known) for p in parts)
        case Near(left, right):
            return _narrowest((anchors(left, known), anchors(right, known)))
        case Not():
            return None


def _narrowest(options: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    usable = [o for o in options if o is not None]
    if not usable:
        return None
    # fewest keys, then the longest shortest key: rarer words make fewer candidates
    return min(usable, key=lambda keys: (len(keys), -min(map(len, keys))))


@dataclass(frozen=True, slots=True)
class _Case:
    config: CaseConfig
    query: Node
    excludes: tuple[Node, ...]


class Matcher:
    """`Matcher(cases).match(item) -> list[Match]`, best first."""

    def __init__(self, cases: Sequence[CaseConfig]) -> None:
        self._cases = [
            _Case(case, case_query(case), tuple(parse_query(x) for x in case.exclude))
            for case in cases
        ]
        self._automaton = ahocorasick.Automaton()
        self._docket_keys: dict[str, list[int]] = {}
        self._always: list[int] = []
        by_key: dict[str, list[int]] = {}
        known: Known = {}
        for number, case in enumerate(self._cases):
            keys = anchors(case.query, known)
            if keys is None:
                self._always.append(number)
                continue
            for key in keys:
                target = self._docket_keys if key.startswith("\x00") else by_key
                target.setdefault(key, []).append(number)
        for key, numbers in by_key.items():
            self._automaton.add_word(key, tuple(numbers))
        if by_key:
            self._automaton.make_automaton()
        self._scannable = bool(by_key)

    def __len__(self) -> int:
        return len(self._cases)

    def candidates(self, doc: Document) -> set[int]:
        found = set(self._always)
        if self._scannable:
            for _, numbers in self._automaton.iter(doc.scan_text):
                found.update(numbers)
        if self._docket_keys:
            for field in doc.fields.values():
                for (year, case_type, number), *_ in field.dockets():
                    found.update(self._docket_keys.get(f"\x00{year}-{case_type}-{number}", ()))
        return found

    def match(self, item: Item, words: Words | None = None) -> list[Match]:
        """The cases an item is about; `words`, its `Words.of(item.title, item.body)`, if
        already read."""
        return self.match_document(Document.of(item, words), item.source_id)

    def match_document(self, doc: Document, source_id: str = "") -> list[Match]:
        found = []
        for number in sorted(self.candidates(doc)):
            case = self._cases[number]
            if source_id and case.config.sources and source_id not in case.config.sources:
                continue
            hits = evaluate(case.query, doc)
            if not hits:
                continue
            if any(evaluate(x, doc) is not None for x in case.excludes):
                continue
            found.append(_explain(case.config.id, hits, doc))
        return sorted(found, key=lambda m: -m.score)


# ---- explanations -------------------------------------------------------------------


def _surface(doc: Document, hit: Hit) -> str:
    field = doc.fields[hit.field]
    spans = field.spans
    if not spans or hit.start >= len(spans):
        return ""
    end = min(max(hit.end, hit.start + 1), len(spans)) - 1
    return field.text[spans[hit.start][0] : spans[end][1]]


def _explain(case_id: str, hits: list[Hit], doc: Document) -> Match:
    unique = sorted(set(hits), key=lambda h: (_FIELDS.index(h.field), h.start))
    terms: dict[str, str] = {}
    score: dict[str, float] = {}
    for hit in unique:
        surface = _surface(doc, hit)
        key = " ".join(doc.fields[hit.field].words[hit.start : hit.end]) or surface.casefold()
        if surface and key not in terms:
            terms[key] = surface
        score[key] = max(score.get(key, 0.0), _WEIGHT[hit.field])
    return Match(
        case_id=case_id,
        score=round(sum(score.values()), 2),
        terms=tuple(terms.values()),
        snippet=_snippet(doc, [h for h in unique if h.field == "text"]),
    )


def _snippet(doc: Document, hits: list[Hit], window: int = 30) -> str:
    """The passage where the most distinct hit words sit together."""
    field = doc.fields["text"]
    if not hits or not field.spans:
        return snippet_around(field.text or doc.fields["title"].text, 0, 0)
    best, best_count = hits[0], 0
    for hit in hits:
        near = {" ".join(field.words[h.start : h.end]) for h in hits
                if hit.start <= h.start <= hit.start + window}
        if len(near) > best_count:
            best, best_count = hit, len(near)
    start = field.spans[best.start][0]
    last = max(h.end for h in hits if best.start <= h.start <= best.start + window)
    end = field.spans[min(last, len(field.spans)) - 1][1]
    return snippet_around(field.text, start, min(end, start + SNIPPET_CHARS))


def snippet_around(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` around [start, end), on word boundaries."""
    half = max(0, (width - (end - start)) // 2)
    lo, hi = max(0, start - half), min(len(text), end + half)
    if lo == 0:
        hi = min(len(text), max(hi, width))
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    chunk = " ".join(text[lo:hi].split())
    return ("… " if lo > 0 else "") + chunk + (" …" if hi < len(text) else "")


def mark_terms(snippet: str, terms: Iterable[str], before: str = "**", after: str = "**") -> str:
    """The snippet with each occurrence of a matched term wrapped in markers."""
    alternatives = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not alternatives:
        return snippet
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t in alternatives) + r")(?!\w)", re.IGNORECASE
    )
    return pattern.sub(lambda m: f"{before}{m.group(1)}{after}", snippet)
