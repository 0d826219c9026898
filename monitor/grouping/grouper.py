"""Identity of items and grouping into developments, in three levels.

1. Exact: the canonical URL (`monitor.identity`: case, ports, fragments, tracking
   parameters, AMP variants, the page's own rel=canonical on the same site), the GUID
   per source (known GUIDs are dropped before they get here), and a hash of the
   normalised text. A repeat is stored as another source of the same item.
2. Near-duplicate: MinHash LSH over word shingles (`monitor.grouping.neardup`),
   confirmed by Jaccard or containment, over the last 30 days. A copy is attached to
   the original, unless it names a new party or another step (`_adds_news`).
3. Same development (`Grouper.assign`): within one case, the article is weighed
   against each development held (`monitor.grouping.developments`) by the named rules
   of `monitor.grouping.rules`: the vetoes, the time window, then the join rules over
   the TF-IDF cosine with the development's centroid. Joined, it is an update;
   otherwise a new development, labelled possibly related to the nearest in the grey
   zone. An article without a date that a poll found soon after the source's last one
   is dated by its arrival (`dated_by_arrival`).

All of it is derived from rows in SQLite, each article's vector stored as it was
weighed when it arrived, so a restart rebuilds the same state. docs/grouping.md tells
how it decides.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from feeds.base import Item
from monitor.config import CaseConfig
from monitor.grouping.developments import (
    LOOKBACK,
    CaseDevelopments,
    Development,
    Member,
    read_member,
)
from monitor.grouping.events import numbered_parties, sides, tag_event
from monitor.grouping.filings import (
    Filing,
    Link,
    article_steps,
    filed_at,
    link_article,
    link_filing,
)
from monitor.grouping.neardup import NearDuplicates, is_copy, shingles, signature, text_hash
from monitor.grouping.rules import (
    VETOES,
    Article,
    dated_unlike_first,
    joins,
    late,
    new_parties,
    outside_window,
    possibly_related,
    read_article,
    weighed,
)
from monitor.grouping.similarity import DocumentFrequencies, Packed, pack, terms, vector
from monitor.grouping.steps import event_of
from monitor.identity import item_url, stable_id
from monitor.store.rows import NewDevelopment, docket_from_json, parse_iso
from monitor.store.store import Store
from monitor.text.normalise import Words, clean, tokens

PRUNE_EVERY = timedelta(days=1)  # how often what is held is cut back to LOOKBACK


@dataclass(frozen=True, slots=True)
class Decision:
    role: Literal["development", "update", "duplicate"]
    development_id: str
    new_development: NewDevelopment | None = None
    possibly_related_to: str | None = None
    vector: bytes | None = None  # the article's vector as it was weighed, to store


@dataclass(frozen=True, slots=True)
class Identity:
    """What makes an item the same as one already stored (levels 1 and 2)."""

    canonical_url: str | None
    text_hash: str | None
    words: Words
    signature: np.ndarray | None = None
    original: int | None = None
    reason: Literal["url", "text", "copy"] | None = None


def case_words(case: CaseConfig) -> frozenset[str]:
    """Words every article of a case shares by construction: no evidence of one event."""
    names = [case.caption, *case.aliases, *case.parties, case.id.replace("-", " ")]
    return frozenset(tokens(clean(" ".join(names))))


def content_terms(words: Words, skip: frozenset[str]) -> Counter[str]:
    """An article's terms without `skip` (the case's words): what its vector weighs."""
    counts = terms(words)
    for word in skip & counts.keys():
        del counts[word]
    return counts


def _adds_news(words: Words, original: Words) -> bool:
    """A near-copy that names a new party or another procedural step is not a copy: an
    updated wire story ("UPDATE 1") carries the news in the paragraphs it adds."""
    if new_parties(numbered_parties(words), set(numbered_parties(original))):
        return True
    mine, theirs = tag_event(words), tag_event(original)
    return mine is not None and theirs is not None and mine != theirs


class Grouper:
    """Decides, for each stored item, whether it is new, a copy, or part of a development."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._near: NearDuplicates | None = None
        self._df: DocumentFrequencies | None = None
        self._cases: dict[str, CaseDevelopments] = {}
        self._skip: dict[str, frozenset[str]] = {}
        self._names: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._pruned_at: datetime | None = None

    def _case_words(self, case: CaseConfig) -> frozenset[str]:
        if case.id not in self._skip:
            self._skip[case.id] = case_words(case)
        return self._skip[case.id]

    def _sides(self, case: CaseConfig) -> tuple[frozenset[str], frozenset[str]]:
        if case.id not in self._names:
            self._names[case.id] = sides([case.caption, *case.aliases])
        return self._names[case.id]

    def forget(self) -> None:
        """Drop what is cached; it is rebuilt from the database when next needed."""
        self._near, self._df, self._cases = None, None, {}

    def _window(self, now: datetime) -> None:
        """What grouping holds in memory is what a restart reads: the last 30 days of
        signatures and developments. Articles and developments older than that are
        never compared again, but a daemon running for months would hold them all (and
        compare each article with every development's centroid); so once a day they
        are let go. What stays is kept as it is, not read again (a development read
        again would weigh its words with today's document frequencies), so decisions
        are those of a daemon that held everything."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        if self._near is not None:
            self._near.drop_before(now - LOOKBACK)
        for state in self._cases.values():
            state.keep_recent(now)

    def held(self) -> tuple[int, int]:
        """(articles indexed for copies, developments) held in memory now."""
        return (len(self._near) if self._near is not None else 0,
                sum(len(case.developments) for case in self._cases.values()))

    # levels 1 and 2 ---------------------------------------------------------------------

    def _index(self, now: datetime) -> NearDuplicates:
        if self._near is None:
            self._near = NearDuplicates()
            for item_id, blob, stored in self._store.signatures_since(now - LOOKBACK):
                self._near.add(item_id, np.frombuffer(blob, dtype=np.uint32), stored)
        return self._near

    def _frequencies(self) -> DocumentFrequencies:
        if self._df is None:
            counts, documents = self._store.document_frequencies()
            self._df = DocumentFrequencies(counts, documents)
        return self._df

    def identify(self, item: Item, now: datetime) -> Identity:
        self._window(now)
        canon = item_url(item) or None
        words = Words.of(item.title, item.body)
        # only full article text identifies a copy; summaries are too short
        digest = text_hash(words.body) if item.text else None
        shingle_set = shingles(words.body) if item.text else frozenset()
        found = Identity(canon, digest, words)
        if canon and (original := self._store.item_by_canonical_url(canon)) is not None:
            return replace(found, original=original, reason="url")
        if digest and (original := self._store.item_by_text_hash(digest)) is not None:
            return replace(found, original=original, reason="text")
        if not shingle_set:
            return found
        sig = signature(shingle_set)
        found = replace(found, signature=sig)
        for candidate in self._index(now).candidates(sig):
            # the index loaded at start holds the last 30 days; one running longer holds
            # more, and must decide as a restarted one would
            stored = self._store.item_title_text(candidate, since=now - LOOKBACK)
            if stored is None:
                continue
            theirs = Words.of(*stored)
            if is_copy(shingle_set, shingles(theirs.body)) and not _adds_news(words, theirs):
                return replace(found, original=candidate, reason="copy")
        return found

    def remember(self, item_id: int, identity: Identity, now: datetime, *,
                 matched: bool) -> None:
        """Count a new original item in the IDF background and, when it matched a case,
        index it for later copies (a copy of an article no case wants needs no memory)."""
        if matched and identity.signature is not None:
            self._store.set_signature(item_id, identity.signature.tobytes())
            self._index(now).add(item_id, identity.signature, now)
        words = terms(identity.words)
        self._frequencies().add(words)
        self._store.add_document_frequencies(words)

    # level 3 ------------------------------------------------------------------------------

    def _member(self, case: CaseConfig, title: str, body: str, words: Words,
                published: datetime | None, stored: bytes | None = None) -> Member:
        """What the development keeps of an article. Its vector is `stored` when the
        database has it: weighed with today's document frequencies, an article read
        again would not weigh its words as it did when it joined, and a restart could
        then decide otherwise than the daemon that ran on."""
        vec = Packed.from_bytes(stored) if stored is not None else pack(
            vector(content_terms(words, self._case_words(case)), self._frequencies()))
        return read_member(words, title, body, vec, self._sides(case), published)

    def _case(self, case: CaseConfig, now: datetime) -> CaseDevelopments:
        """The case's developments seen in the last 30 days, with their centroids."""
        if case.id not in self._cases:
            state = CaseDevelopments()
            devs: dict[str, Development] = {}
            for row in self._store.case_members(case.id, since=now - LOOKBACK):
                fetched = parse_iso(row["fetched_at"]) or now
                dev = devs.get(row["development_id"])
                first = dev is None  # its first article (a filing may have begun it)
                if dev is None:
                    dev = devs[row["development_id"]] = state.open(
                        row["development_id"], row["event"], set(json.loads(row["parties"])),
                        fetched)
                published = parse_iso(row["published"]) or (
                    fetched if row["dated_by_arrival"] else None)
                title, body = row["title"] or "", row["text"] or row["summary"] or ""
                member = self._member(case, title, body, Words.of(title, body), published,
                                      row["vector"])
                state.add(dev, member, published or fetched, fetched, first=first)
            for row in self._store.case_filings(case.id, since=now - LOOKBACK):
                entry = docket_from_json(row["docket"])
                seen = parse_iso(row["fetched_at"]) or now
                filed = filed_at(entry.filed_at if entry is not None else None,
                                 parse_iso(row["published"]), seen)
                state.filings.append(Filing(row["development_id"], row["step"], filed, seen))
                if (dev := devs.get(row["development_id"])) is not None:
                    dev.filed = True
            self._cases[case.id] = state
        return self._cases[case.id]

    def assign(self, case: CaseConfig, item: Item, identity: Identity, now: datetime, *,
               dated_by_arrival: bool = False) -> Decision:
        """The development of `case` a new original item belongs to, or a new one: the
        rules of `monitor.grouping.rules`, in their order, against each development.

        `dated_by_arrival`: the item has no date, but `now`, when it was first seen, is
        known to be close to it (a poll soon after the source's last one found it), so
        it is grouped as an item of that date."""
        self._window(now)
        published = item.published or (now if dated_by_arrival else None)
        member = self._member(case, item.title, item.body, identity.words, published)
        article = read_article(member, identity.words, published=published, seen=now,
                               docket=item.docket is not None)
        state = self._case(case, now)
        similarities = state.centroids.cosines(member.vector)
        best: Development | None = None  # the most similar within the time window
        best_similarity = 0.0
        nearest: Development | None = None  # the most similar at any time
        nearest_similarity = 0.0
        for dev in state.developments:
            if any(veto(article, dev) for veto in VETOES):
                continue
            similarity = float(similarities[dev.row])
            if similarity > nearest_similarity:
                nearest, nearest_similarity = dev, similarity
            if outside_window(article, dev, similarity) or late(article, dev, similarity):
                continue
            similarity = weighed(article, dev, similarity)
            if similarity <= best_similarity:
                continue
            # only a development it would join needs the first article's check
            if joins(similarity) and dated_unlike_first(article, dev):
                continue
            best, best_similarity = dev, similarity
        if best is not None and joins(best_similarity):
            return self._join(state, best, article)
        link = self._filing_link(state, article, now)
        if link.development_id is not None:
            return self._report(state, link.development_id, article)
        related = nearest.id if nearest is not None and possibly_related(
            nearest_similarity) else link.related
        dev_id = "dev-" + stable_id(case.id, item.source_id, item.guid, length=12)
        state.add(state.open(dev_id, article.event, set(article.parties), now), member,
                  article.when, now, first=True)
        return Decision(
            role="development",
            development_id=dev_id,
            new_development=NewDevelopment(
                id=dev_id, case_id=case.id, event=article.event, headline=item.title,
                possibly_related_to=related, parties=tuple(sorted(article.parties)),
            ),
            possibly_related_to=related, vector=member.vector.to_bytes(),
        )

    def _filing_link(self, state: CaseDevelopments, article: Article, now: datetime) -> Link:
        """The filing of the case this article reports, if the evidence is strong
        (`monitor.grouping.filings`); a development that holds it and already has
        articles must not be vetoed for it."""
        stated = (article.news_date,) if article.stated and article.news_date else ()
        link = link_article(article_steps(article.member.head.step, article.event),
                            article.when if article.dated else None, stated,
                            article.member.named, state.recent_filings(now))
        dev = state.find(link.development_id) if link.development_id else None
        if dev is not None and any(veto(article, dev) for veto in VETOES):
            return Link(related=dev.id)
        return link

    def _report(self, state: CaseDevelopments, dev_id: str, article: Article) -> Decision:
        """The article joins the development of the filing it reports: one it already
        holds with other articles, or one the filing alone began (now held)."""
        dev = state.find(dev_id)
        if dev is not None:
            return self._join(state, dev, article)
        filing = next(f for f in state.filings if f.development_id == dev_id)
        dev = state.open(dev_id, event_of(filing.step), set(article.parties), article.seen)
        dev.filed = True
        state.add(dev, article.member, article.when, article.seen, first=True)
        if article.parties:
            self._store.set_development_parties(dev.id, dev.parties)
        return Decision(role="update", development_id=dev.id,
                        vector=article.member.vector.to_bytes())

    def file(self, case: CaseConfig, step: str | None, filed: datetime, dev_id: str,
             now: datetime) -> Link:
        """A new docket entry of `case`, of `step` (None for routine paperwork or no
        clear step), filed at `filed`: the development told by the press it joins, or
        the one it may relate to; held as a filing of `dev_id` (its own development)
        or of the one it joins, for the articles that come after it."""
        self._window(now)
        state = self._case(case, now)
        link = link_filing(step, filed, (dev.coverage() for dev in state.developments))
        if step is not None:
            state.filings.append(Filing(link.development_id or dev_id, step, filed, now))
        if link.development_id is not None:
            joined = state.find(link.development_id)
            assert joined is not None
            joined.filed = True
            joined.last_seen = max(joined.last_seen, now)
        return link

    def _join(self, state: CaseDevelopments, dev: Development, article: Article) -> Decision:
        """The article joins `dev`: held, and the parties it names added to the stored ones."""
        state.add(dev, article.member, article.when, article.seen)
        if article.parties - dev.parties:
            dev.parties |= article.parties
            self._store.set_development_parties(dev.id, dev.parties)
        return Decision(role="update", development_id=dev.id,
                        vector=article.member.vector.to_bytes())
