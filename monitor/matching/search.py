"""Case queries translated for news search services.

A search service only finds candidates; casewatch's matcher still decides on every
result. So a translation is a widening: whatever the case's query matches, the
provider's query should return too. Anything a provider cannot say is widened, never
narrowed: NEAR/n and `title:`/`text:` become a plain AND of both sides, a `source:` term
or a `litigat*` prefix is dropped from its AND (search services match whole words), an
exclusion that is not a plain unscoped term directly under an AND is dropped, and an
AND too long for the provider loses operands. A query that would match everything (a
dropped term under an OR, only exclusions) gives no search at all.

- Google News and Bing News: implicit AND, `OR`, parentheses, `"phrase"`, `-term`.
  Exclusions are kept only in a query of a single AND (in a parenthesised group a
  minus may apply to the whole query).
- GDELT DOC 2.0: implicit AND, `"phrase"`, `-term`; OR'ed terms must stand in
  parentheses, one level deep, so a query is `a b (c OR d) -e` at most; single words
  shorter than 3 letters are rejected and therefore dropped.

A top-level OR too long for one request is split into several queries whose union
covers it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.config import CaseConfig
from monitor.matching.derive import case_query
from monitor.matching.query import And, Near, Node, Not, Or, Term

Provider = Literal["google_news", "bing_news", "gdelt"]

# Google News search ignores words past the 32nd and its RSS URLs get unreliable
# beyond a few hundred characters
GOOGLE_MAX_CHARS = 400
GOOGLE_MAX_WORDS = 32
# Bing News accepts longer queries, but long ones are truncated without notice
BING_MAX_CHARS = 400
# GDELT DOC 2.0 rejects long queries ("query too long") and long OR groups
GDELT_MAX_CHARS = 250
GDELT_MAX_OR_TERMS = 10
# GDELT rejects keywords shorter than this (unless quoted; dropping is safer)
GDELT_MIN_WORD = 3
# a phrase is cut to its first words (every text with the phrase has them) so that
# one caption cannot exceed a limit on its own
MAX_PHRASE_WORDS = 12
_OPERATORS = {"and", "or", "not", "near"}


@dataclass(frozen=True, slots=True)
class _Atom:
    words: tuple[str, ...]
    docket: bool = False

    def text(self) -> str:
        if self.docket or len(self.words) > 1 or self.words[0] in _OPERATORS:
            return '"' + " ".join(self.words) + '"'
        return self.words[0]


@dataclass(frozen=True, slots=True)
class _All:
    parts: tuple[_W, ...]
    exclude: tuple[_Atom, ...] = ()


@dataclass(frozen=True, slots=True)
class _Any:
    parts: tuple[_W, ...]


_W = _Atom | _All | _Any


def _all(parts: Sequence[_W | None], exclude: Sequence[_Atom]) -> _W | None:
    flat: list[_W] = []
    excluded = list(exclude)
    for part in parts:
        if isinstance(part, _All):
            flat += part.parts
            excluded += part.exclude
        elif part is not None:
            flat.append(part)
    flat = list(dict.fromkeys(flat))
    if not flat:
        return None  # nothing positive left: it would match everything
    if len(flat) == 1 and not excluded:
        return flat[0]
    return _All(tuple(flat), tuple(dict.fromkeys(excluded)))


def _any(parts: Sequence[_W]) -> _W:
    flat: list[_W] = []
    for part in parts:
        flat += part.parts if isinstance(part, _Any) else (part,)
    flat = list(dict.fromkeys(flat))
    return flat[0] if len(flat) == 1 else _Any(tuple(flat))


def _atom(term: Term, gdelt: bool) -> _Atom | None:
    if term.prefix or term.field == "source":
        return None
    if term.docket is not None:
        return _Atom((term.raw.replace('"', ""),), docket=True)
    if gdelt and len(term.words) == 1 and len(term.words[0]) < GDELT_MIN_WORD:
        return None
    return _Atom(term.words[:MAX_PHRASE_WORDS])


def _widen(node: Node, gdelt: bool) -> _W | None:
    """The tree in what every provider can say, at least as wide; None: everything."""
    match node:
        case Term():
            return _atom(node, gdelt)
        case Or(parts):
            found = [_widen(p, gdelt) for p in parts]
            sure = [w for w in found if w is not None]
            return _any(sure) if len(sure) == len(found) else None
        case Near(left, right, _):
            return _all([_widen(left, gdelt), _widen(right, gdelt)], ())
        case And(parts):
            excluded = [a for p in parts if isinstance(p, Not) and isinstance(p.part, Term)
                        and p.part.field is None and not p.part.prefix
                        and (a := _atom(p.part, gdelt)) is not None]
            return _all([_widen(p, gdelt) for p in parts if not isinstance(p, Not)], excluded)
        case Not():
            return None


def _atoms_of(w: _W) -> list[_Atom]:
    """Atoms whose OR is at least as wide as `w` (an AND keeps one operand)."""
    if isinstance(w, _Atom):
        return [w]
    if isinstance(w, _Any):
        return [a for p in w.parts for a in _atoms_of(p)]
    atoms = [p for p in w.parts if isinstance(p, _Atom)]
    if atoms:
        return [max(atoms, key=lambda a: len(a.words))]
    return min((_atoms_of(p) for p in w.parts), key=len)


def _gdelt_shape(w: _W) -> _W:
    """One level of OR: an AND keeps its words and its smallest OR group of words."""
    if not isinstance(w, _All):
        return _any(_atoms_of(w))
    atoms = [p for p in w.parts if isinstance(p, _Atom)]
    groups = [_atoms_of(p) for p in w.parts if not isinstance(p, _Atom)]
    group = [_any(min(groups, key=len))] if groups else []
    return _all([*atoms, *group], w.exclude) or w


def _render(w: _W, top: bool = True) -> str:
    if isinstance(w, _Atom):
        return w.text()
    if isinstance(w, _All) and len(w.parts) == 1 and not top:
        return _render(w.parts[0], False)  # its exclusions go: a minus may not stay inside
    if isinstance(w, _Any):
        body = " OR ".join(_render(p, False) for p in w.parts)
    else:
        body = " ".join([*(_render(p, False) for p in w.parts),
                         *(f"-{a.text()}" for a in w.exclude if top)])
    return body if top else f"({body})"


def _fits(provider: Provider, w: _W) -> bool:
    text = _render(w)
    if provider == "google_news":
        return len(text) <= GOOGLE_MAX_CHARS and len(re.findall(r"\w+", text)) <= GOOGLE_MAX_WORDS
    if provider == "bing_news":
        return len(text) <= BING_MAX_CHARS
    if isinstance(w, _Any) or (isinstance(w, _All) and any(
            isinstance(p, _Any) and len(p.parts) > GDELT_MAX_OR_TERMS for p in w.parts)):
        return False  # an OR is packed into groups; an AND carries one small group
    return len(text) <= GDELT_MAX_CHARS


def _fit(w: _W, ok: Callable[[_W], bool]) -> list[_W]:
    """Pieces that each fit and together cover `w`."""
    if ok(w) or (isinstance(w, _Atom) and (len(w.words) == 1 or w.docket)):
        return [w]  # a single word too long is left to the provider
    if isinstance(w, _Any):
        return [piece for part in w.parts for piece in _fit(part, ok)]
    if isinstance(w, _All):
        if w.exclude:
            return _fit(_all(w.parts, ()) or w, ok)
        drop = max(w.parts, key=lambda p: len(_render(p)))
        rest = _all([p for p in w.parts if p != drop], ())
        return _fit(rest, ok) if rest is not None else []
    return _fit(_Atom(w.words[:-1]), ok)


def _positives(w: _W) -> list[_Atom]:
    return [w] if isinstance(w, _Atom) else [p for p in w.parts if isinstance(p, _Atom)]


def _covers(wide: _W, narrow: _W) -> bool:
    """Whether every text `narrow` finds has all of `wide`'s words (a plain AND)."""
    if isinstance(wide, _Any) or isinstance(narrow, _Any) or (
            isinstance(wide, _All) and (wide.exclude or len(_positives(wide)) < len(wide.parts))):
        return False
    have = [a.words for a in _positives(narrow)]
    return all(any(h[i:i + len(a.words)] == a.words for h in have for i in range(len(h)))
               for a in _positives(wide))


def _widest(pieces: list[_W]) -> list[_W]:
    """The pieces no other piece covers (of equal ones, the first)."""
    return [p for i, p in enumerate(pieces) if not any(
        j != i and _covers(q, p) and (j < i or not _covers(p, q)) for j, q in enumerate(pieces))]


def _pack(pieces: list[_W], ok: Callable[[_W], bool]) -> list[list[_W]]:
    groups: list[list[_W]] = []  # greedy, in order: the case's own names come first
    for piece in pieces:
        if groups and ok(_any([*groups[-1], piece])):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def search_queries(node: Node, provider: Provider) -> list[str]:
    """The provider's queries whose results together cover what `node` matches; [] when
    the provider cannot search for it without asking for everything."""
    gdelt = provider == "gdelt"
    widened = _widen(node, gdelt)
    if widened is None:
        return []
    clauses = list(widened.parts) if isinstance(widened, _Any) else [widened]
    if gdelt:
        clauses = [_gdelt_shape(c) for c in clauses]
    ok: Callable[[_W], bool] = lambda w: _fits(provider, w)  # noqa: E731
    pieces = _widest([p for c in clauses for p in _fit(c, ok)])
    if not gdelt:
        return list(dict.fromkeys(_render(_any(g)) for g in _pack(pieces, ok)))
    words: list[_W] = [p for p in pieces if isinstance(p, _Atom)]
    queries = [_render(_any(g), top=False) if len(g) > 1 else _render(g[0])
               for g in _pack(words, lambda w: isinstance(w, _Any) and len(w.parts)
                              <= GDELT_MAX_OR_TERMS and len(_render(w)) + 2 <= GDELT_MAX_CHARS)]
    queries += [_render(p) for p in pieces if not isinstance(p, _Atom)]
    return list(dict.fromkeys(queries))


def provider_query_text(case: CaseConfig, provider: Provider) -> list[str]:
    """The provider's queries for a case (its own query, else the derived one)."""
    return search_queries(case_query(case), provider)
