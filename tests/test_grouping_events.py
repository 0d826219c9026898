"""What grouping reads of an article's step: the lexicon's scores over the whole text,
and the step a headline names first with the side and parties that take it
(monitor/grouping/events.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.grouping.events import (
    _LEXICON,
    TITLE_WEIGHT,
    event_scores,
    headline,
    phrase_counts,
    sides,
)
from monitor.text.normalise import Words


def _scores_by_text(words: Words) -> dict[str, float]:
    """The step scores read as they were first: each phrase counted in the joined text."""
    head, body = f" {' '.join(words.title)} ", f" {' '.join(words.body)} "
    scores = {}
    for event, phrases in _LEXICON:
        score = sum(weight * (TITLE_WEIGHT * head.count(f" {p} ") + body.count(f" {p} "))
                    for p, weight in phrases)
        if score:
            scores[event] = score
    return scores


_LEXICON_VOCABULARY = sorted({w for _, phrases in _LEXICON for p, _ in phrases for w in p.split()})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_LEXICON_VOCABULARY, "the", "judge", "x"]), max_size=12),
       st.lists(st.sampled_from([*_LEXICON_VOCABULARY, "the", "judge", "x"]), max_size=60))
def test_step_scores_read_in_one_pass_are_those_of_the_joined_text(
        title: list[str], body: list[str]) -> None:
    """The lexicon's phrases are counted in one pass over the words, as the joined text
    counts them: repeats, overlaps and phrases inside longer ones included."""
    words = Words(tuple(title), tuple(body))
    assert event_scores(words) == _scores_by_text(words)


def test_a_repeat_sharing_its_space_with_the_one_before_is_not_counted_again() -> None:
    words = "sued sued sued and sued motion to dismiss motion to dismiss"
    counts = phrase_counts(tuple(words.split(" ")))
    assert counts[("sued",)] == 3 and counts[("motion", "to", "dismiss")] == 1
    assert counts[("motion",)] == 2


@pytest.mark.parametrize(
    ("title", "step", "side"),
    [
        ("Amber Heard files notice of appeal in Depp defamation case", "appeal", 1),
        ("Depp appeals counterclaim verdict in Heard case", "appeal", 0),
        ("Heard moves to appeal Depp verdict, vows to fight on", "appeal", 1),
        ("Jury finds Heard defamed Depp, awards him $15 million", "verdict", None),
        ("Judge rules Heard must pay Depp", "ruling", None),  # the court's step, not a side's
        ("Heard settles defamation case with Johnny Depp", "settlement", None),
        ("What the trial taught Hollywood", None, None),
    ],
)
def test_a_headline_names_its_step_first_and_the_side_that_takes_it(
        title: str, step: str | None, side: int | None) -> None:
    names = sides(["John C. Depp, II v. Amber Laura Heard", "Depp v. Heard"])
    assert names == ({"john", "depp"}, {"amber", "laura", "heard"})
    found = headline(Words.of(title, ""), names)
    assert (found.step, found.side) == (step, side)


NYT = ["The New York Times Company v. Microsoft Corporation et al.", "NYT v. OpenAI"]


@pytest.mark.parametrize(
    ("title", "actors"),
    [
        ("Microsoft seeks dismissal of parts of Times lawsuit", {"microsoft"}),
        ("OpenAI asks court to dismiss parts of New York Times lawsuit", {"openai"}),
        ("Microsoft joins OpenAI bid to dismiss Times copyright suit", {"microsoft", "openai"}),
        ("Judge rules OpenAI must face Times lawsuit", set()),  # the court's step
    ],
)
def test_a_headline_names_the_parties_that_take_its_step(title: str, actors: set[str]) -> None:
    assert headline(Words.of(title, ""), sides(NYT)).actors == actors


def test_the_same_step_by_another_party_of_the_same_side_is_another_step() -> None:
    names = sides(NYT)
    microsoft, openai, both = (headline(Words.of(t, ""), names) for t in (
        "Microsoft seeks dismissal of parts of Times lawsuit",
        "OpenAI asks court to dismiss parts of New York Times lawsuit",
        "Microsoft joins OpenAI bid to dismiss Times copyright suit"))
    assert not microsoft.same_step(openai)
    assert both.same_step(microsoft) and both.same_step(openai)
    assert microsoft.same_step(headline(Words.of("Microsoft asks judge to toss Times claims", ""),
                                        names))
