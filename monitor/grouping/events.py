"""Procedural events and parties named in a text: what makes a development new.

`tag_event` reads the words of a title and text and names the procedural step the
article reports (complaint filed, amended complaint, motion, ruling, hearing,
settlement, verdict, sentencing, appeal), or None. `headline` reads only the headline,
which names the news first: the first step it names and, for a step a party takes
(filing, motion, appeal, withdrawal), which side of the caption (`sides`) takes it.
`numbered_parties` finds pseudonymous parties such as `John Doe #2`, whose arrival is
itself a development.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from alerts.base import EVENT_LABELS
from monitor.text.normalise import Words, clean, tokens

# (event, [(phrase, weight)]); a strong phrase names the event, a weak one only hints.
_LEXICON: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("sentencing", (("sentenced", 1), ("sentencing", 1), ("prison term", 1))),
    ("verdict", (("verdict", 1), ("jury found", 1), ("found guilty", 1), ("convicted", 1),
                 ("acquitted", 1), ("found liable", 1))),
    ("settlement", (("settlement", 1), ("settled", 1), ("agreed to pay", 1), ("settle", 0.5))),
    ("appeal", (("appeal", 1), ("appeals court", 1), ("appellate", 1), ("circuit", 0.5),
                ("appealed", 1), ("supreme court", 0.5))),
    ("ruling", (("ruled", 1), ("ruling", 1), ("dismissed", 1), ("judge denied", 1),
                ("judge granted", 1), ("granted", 0.5), ("denied", 0.5), ("injunction", 1),
                ("order", 0.3), ("must face", 1), ("tossed", 1), ("threw out", 1))),
    ("hearing", (("hearing", 1), ("oral argument", 1), ("oral arguments", 1),
                 ("heard arguments", 1))),
    ("motion", (("motion", 1), ("moved to dismiss", 1), ("asks court", 1), ("asked the court", 1),
                ("asks judge", 1), ("motion to dismiss", 1))),
    ("amended_complaint", (("amended complaint", 2), ("joins the lawsuit", 2),
                           ("joined the lawsuit", 2), ("second plaintiff", 2),
                           ("new plaintiff", 2), ("additional plaintiff", 2),
                           ("added a plaintiff", 2), ("adds plaintiff", 2),
                           ("joins the suit", 2), ("joined the suit", 2))),
    ("complaint_filed", (("filed a lawsuit", 1), ("lawsuit filed", 1), ("filed suit", 1),
                         ("sued", 1), ("sues", 1), ("suing", 0.5), ("complaint", 0.5),
                         ("lawsuit", 0.3), ("suit", 0.3), ("filed", 0.3), ("faces lawsuit", 1))),
)
EVENTS = tuple(name for name, _ in _LEXICON)  # in the order a tie is settled
if sorted(EVENTS) != sorted(EVENT_LABELS):  # one list of steps, not two
    raise RuntimeError("the step lexicon and alerts.base.EVENT_LABELS name different steps")
TITLE_WEIGHT = 3.0
MIN_SCORE = 1.0
RECAP_SHARE = 0.5
# pseudonymous parties: "John Doe #2" and "Jane Doe No. 3" normalise to "john doe 2"
_FIRST_NAMES = frozenset({"john", "jane", "richard", "mary"})
_DOE = frozenset({"doe", "does"})


def _count(words: str, phrase: str) -> int:
    return f" {words} ".count(f" {phrase} ")


def _by_first_word(lexicon: Iterable[tuple[str, tuple[str, ...]]]
                   ) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Phrases as word tuples keyed by their first word, the longest first."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for step, phrases in lexicon:
        for phrase in phrases:
            words = tuple(phrase.split())
            index.setdefault(words[0], []).append((words, step))
    for candidates in index.values():
        candidates.sort(key=lambda candidate: -len(candidate[0]))
    return index


# the lexicon's phrases as word tuples, by their first word
_LEXICON_WORDS = tuple((event, tuple((tuple(p.split()), w) for p, w in phrases))
                       for event, phrases in _LEXICON)
_LEXICON_FIRST = {
    first: list(dict.fromkeys(words for words, _ in found))  # a phrase once, whatever event
    for first, found in _by_first_word(
        (event, tuple(p for p, _ in phrases)) for event, phrases in _LEXICON).items()}


def phrase_counts(words: Sequence[str]) -> dict[tuple[str, ...], int]:
    """How often each phrase of the lexicon occurs in `words`, in one pass, counted as
    `_count` counts it in the words joined by spaces: a repeat that would share the
    space between them with the one before ("sued sued") is not counted again."""
    counts: dict[tuple[str, ...], int] = {}
    free_from: dict[tuple[str, ...], int] = {}
    for i, word in enumerate(words):
        for phrase in _LEXICON_FIRST.get(word, ()):
            end = i + len(phrase)
            if i >= free_from.get(phrase, 0) and tuple(words[i:end]) == phrase:
                counts[phrase] = counts.get(phrase, 0) + 1
                free_from[phrase] = end + 1
    return counts


def event_scores(words: Words) -> dict[str, float]:
    """Weighted evidence for each event; the title counts three times."""
    head, body = phrase_counts(words.title), phrase_counts(words.body)
    scores: dict[str, float] = {}
    for event, phrases in _LEXICON_WORDS:
        score = sum(weight * (TITLE_WEIGHT * head.get(p, 0) + body.get(p, 0))
                    for p, weight in phrases)
        if score:
            scores[event] = score
    return scores


def tag_event(words: Words) -> str | None:
    """The procedural event an article reports, or None when it names none clearly."""
    scores = event_scores(words)
    if not scores:
        return None
    # An article recaps what came before; the news is the latest stage with real weight.
    floor = max(MIN_SCORE, RECAP_SHARE * max(scores.values()))
    return next((event for event in EVENTS if scores.get(event, 0) >= floor), None)


def numbered_parties(words: Words) -> frozenset[str]:
    """`John Doe #2`, `Jane Doe No. 3` → {"john doe 2", "jane doe 3"}."""
    found = set()
    for seq in (words.title, words.body):
        for i in range(len(seq) - 2):
            if seq[i + 1] in _DOE and seq[i] in _FIRST_NAMES and seq[i + 2].isdigit() \
                    and len(seq[i + 2]) <= 3:
                found.add(f"{seq[i]} doe {int(seq[i + 2])}")
    return frozenset(found)


# A step taken again ("again denies", "for a second time", "renewed motion") is news
# that its first taking was not; read in the headline and the lede.
_AGAIN = ("again", "second time", "renewed", "revised", "once more")
AGAIN_LEDE = 40


def taken_again(words: Words) -> bool:
    """The headline or lede tells of a step taken again."""
    return any(_count(" ".join(seq), cue) for seq in (words.title, words.body[:AGAIN_LEDE])
               for cue in _AGAIN)


# The headline names the news: the first procedural phrase in it is the event reported;
# later ones are what it led to or came after ("Heard moves to appeal Depp verdict").
_HEADLINE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sentencing", ("sentenced", "sentencing", "sentences", "prison term")),
    ("verdict", ("verdict", "jury finds", "jury found", "jury awards", "jury sides",
                 "jury clears", "jurors find", "found liable", "found guilty", "convicted",
                 "acquitted")),
    ("settlement", ("settles", "settle", "settled", "settlement", "settling", "payout",
                    "agrees to pay", "agreed to pay")),
    ("appeal", ("appeal", "appeals", "appealed", "appealing", "cross appeal")),
    ("withdrawal", ("drops", "dropped", "drop its", "drop the", "drop his", "drop her",
                    "drop their", "withdraws", "withdrew", "withdrawn", "abandons",
                    "voluntarily dismisses", "end appeal", "ends appeal", "end its appeal")),
    ("transfer", ("consolidates", "consolidated", "consolidation", "transfer order",
                  "transfers", "transferred", "multidistrict", "mdl")),
    ("ruling", ("ruling", "rules", "ruled", "order", "orders", "ordered", "opinion",
                "decision", "dismisses", "dismissed", "tosses", "tossed", "throws out",
                "threw out", "must face", "survives", "survive", "loses bid", "lost bid",
                "wins bid", "loses", "injunction", "restraining order", "contempt", "court win",
                "court gives", "court extends", "court rules", "court says", "court said",
                "court blocks", "court sides", "judge", "judges", "stay", "turns down")),
    ("scheduling", ("delayed", "delays", "postponed", "postpones", "postponement",
                    "pushed back", "rescheduled")),
    ("hearing", ("hearing", "oral argument", "oral arguments", "hears arguments",
                 "heard arguments")),
    ("amended_complaint", ("amended complaint", "refiles", "refiled", "revised complaint",
                           "joins lawsuit", "joins suit", "amended lawsuit", "amends lawsuit",
                           "amended suit", "amends suit", "expands lawsuit",
                           "expanded lawsuit")),
    ("motion", ("motion", "moves to dismiss", "asks judge", "asks court", "asks the court",
                "asks a court", "seeks dismissal", "seeks to dismiss", "seeks to block",
                "bid to", "proposes", "proposed", "proposal", "request")),
    ("complaint_filed", ("sue", "sues", "sued", "suing", "files suit", "filed suit",
                         "files lawsuit", "filed a lawsuit", "files a lawsuit",
                         "new lawsuit", "countersues", "countersued")),
)


_HEADLINE_PHRASES = _by_first_word(_HEADLINE)


# Steps a party takes (a court's decision is the court's, whoever the headline names):
# the same step by the other side is another event ("Heard appeals", "Depp appeals").
PARTY_STEPS = frozenset({"complaint_filed", "amended_complaint", "motion", "appeal",
                         "withdrawal"})
# words of a caption that name no side: "Twitter, Inc. v. Elon R. Musk et al."
_NOT_NAMES = frozenset({"inc", "llc", "ltd", "corp", "corporation", "company", "co", "plc",
                        "et", "al", "the", "of", "and", "in", "re", "ii", "iii", "jr"})


@dataclass(frozen=True, slots=True)
class Headline:
    """The step a headline names first, and which side of the caption takes it."""

    step: str | None
    side: int | None = None  # 0 the side before "v.", 1 the side after
    # for a party's step, the caption names before it ("OpenAI, Microsoft move to...")
    actors: frozenset[str] = frozenset()

    def same_step(self, other: Headline) -> bool:
        """The same step, by the same side and not by other parties of it, as far as
        the two headlines say ("Microsoft moves to dismiss" is not "OpenAI moves to
        dismiss", though both are defendants)."""
        return (self.step == other.step
                and (self.side == other.side or None in (self.side, other.side))
                and not (self.actors and other.actors and self.actors.isdisjoint(other.actors)))


def sides(captions: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The names of each side of captions such as `Depp v. Heard` (normalised words
    longer than one letter; a word on both sides names neither)."""
    found: tuple[set[str], set[str]] = (set(), set())
    for caption in captions:
        words = tokens(clean(caption))
        if words.count("v") != 1:
            continue
        split = words.index("v")
        for side, part in enumerate((words[:split], words[split + 1:])):
            found[side].update(w for w in part if len(w) > 1 and w not in _NOT_NAMES)
    both = found[0] & found[1]
    return frozenset(found[0] - both), frozenset(found[1] - both)


def headline(words: Words, names: tuple[frozenset[str], frozenset[str]] = (frozenset(),
                                                                           frozenset())
             ) -> Headline:
    """The procedural step the headline names first and, for a step a party takes, the
    side named nearest before it ("Amber Heard files notice of appeal" → appeal, Heard)."""
    title = words.title
    for i, word in enumerate(title):
        for phrase, step in _HEADLINE_PHRASES.get(word, ()):
            if title[i:i + len(phrase)] == phrase:
                side = None
                actors: frozenset[str] = frozenset()
                if step in PARTY_STEPS:
                    side = next((n for w in reversed(title[:i])
                                 for n, known in enumerate(names) if w in known), None)
                    if side is not None:
                        actors = frozenset(w for w in title[:i] if w in names[side])
                return Headline(step, side, actors)
    return Headline(None)
