"""Procedural events and parties named in a text: what makes a development new.

`tag_event` reads the words of a title and text and names the procedural step the
article reports (complaint filed, amended complaint, motion, ruling, hearing,
settlement, verdict, sentencing, appeal), or None. `numbered_parties` finds pseudonymous
parties such as `John Doe #2`, whose arrival is itself a development.
"""

from __future__ import annotations

from monitor.normalise import Words

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
EVENTS = tuple(name for name, _ in _LEXICON)
TITLE_WEIGHT = 3.0
MIN_SCORE = 1.0
RECAP_SHARE = 0.5
# pseudonymous parties: "John Doe #2" and "Jane Doe No. 3" normalise to "john doe 2"
_FIRST_NAMES = frozenset({"john", "jane", "richard", "mary"})
_DOE = frozenset({"doe", "does"})


def _count(words: str, phrase: str) -> int:
    return f" {words} ".count(f" {phrase} ")


def event_scores(words: Words) -> dict[str, float]:
    """Weighted evidence for each event; the title counts three times."""
    head = " ".join(words.title)
    body = " ".join(words.body)
    scores: dict[str, float] = {}
    for event, phrases in _LEXICON:
        score = sum(weight * (TITLE_WEIGHT * _count(head, p) + _count(body, p))
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
