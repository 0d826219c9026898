"""The matcher: docket spellings, derived queries, explanations, and the candidate index."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import CaseConfig
from monitor.matching.derive import caption_short_forms, case_query, short_name
from monitor.matching.matcher import Document, Matcher, evaluate, mark_terms

DOE = CaseConfig(id="doe", caption="John Doe #1 and John Doe #2 v. Twitter, Inc.",
                 docket_number="3:21-cv-00485")


@pytest.mark.parametrize(
    "spelling",
    ["3:21-cv-00485", "21-cv-485", "3:21cv485", "No. 21-cv-00485-JCS", "Case No. 3:21-CV-485",
     "21-cv-00485", "3:21\u2013cv\u201300485"],
)
def test_docket_numbers_match_in_every_common_spelling(spelling: str) -> None:
    [match] = Matcher([DOE]).match_document(Document("Filing", f"The docket, {spelling}, shows"))
    assert match.case_id == "doe"


@pytest.mark.parametrize(
    "other", ["4:21-cv-00485", "3:20-cv-00485", "3:21-cr-00485", "3:21-cv-00486", "21-485"]
)
def test_other_docket_numbers_do_not_match(other: str) -> None:
    assert Matcher([DOE]).match_document(Document("Filing", f"Case {other} was filed")) == []


@pytest.mark.parametrize(
    ("caption", "short"),
    [
        ("John Doe #1 and John Doe #2 v. Twitter, Inc.", "Doe v. Twitter"),
        ("Twitter, Inc. v. Elon R. Musk", "Twitter v. Musk"),
        ("United States v. Google LLC", "United States v. Google"),
        ("Epic Games, Inc. vs. Apple Inc.", "Epic Games v. Apple"),
        ("Dobbs versus Jackson Women's Health Organization",
         "Dobbs v. Jackson Women's Health Organization"),
        ("In re Twitter Data Breach Litigation", None),
    ],
)
def test_caption_short_forms(caption: str, short: str | None) -> None:
    assert caption_short_forms(caption) == ([short] if short else [])


def test_short_name_of_a_person_is_the_surname() -> None:
    assert short_name("Jane Roe") == "Roe"
    assert short_name("People of the State of California") == "People of the State of California"


def test_a_described_case_finds_coverage_without_a_query() -> None:
    case = CaseConfig(id="doe", caption="John Doe #1 and John Doe #2 v. Twitter, Inc.",
                      parties=["Twitter", "John Doe"])
    matcher = Matcher([case])
    assert matcher.match_document(Document("Doe v. Twitter heads to appeals court", ""))
    assert matcher.match_document(
        Document("Teen sues platform", "John Doe says Twitter ignored him; his lawsuit was filed")
    )
    # the parties without legal context are not enough
    assert not matcher.match_document(
        Document("Tips", "John Doe posted on Twitter about his holiday photos")
    )


def test_exclusions_veto_a_match() -> None:
    case = CaseConfig(id="t", query="Twitter AND lawsuit", exclude=['"Twitter Spaces"', "bird*"])
    matcher = Matcher([case])
    assert matcher.match_document(Document("Twitter lawsuit", ""))
    assert not matcher.match_document(Document("Twitter Spaces lawsuit", ""))
    assert not matcher.match_document(Document("Twitter lawsuit", "about birdsong"))


def test_a_case_limited_to_sources_ignores_the_others() -> None:
    case = CaseConfig(id="t", query="Twitter", sources=["court"])
    matcher = Matcher([case])
    assert matcher.match_document(Document("Twitter", ""), "court")
    assert not matcher.match_document(Document("Twitter", ""), "news")


def test_a_match_explains_itself() -> None:
    case = CaseConfig(id="t", query='Twitter AND (lawsuit OR sued) AND "child sexual abuse"')
    text = ("Filler words come first. " * 30 + "The lawsuit says Twitter kept child sexual "
            "abuse videos online. " + "More filler follows here. " * 30)
    [match] = Matcher([case]).match_document(Document("Teen sued Twitter", text))
    assert match.terms == ("sued", "Twitter", "lawsuit", "child sexual abuse")
    assert "The lawsuit says Twitter kept child sexual abuse videos online." in match.snippet
    assert match.snippet.startswith("… ") and match.snippet.endswith(" …")
    assert len(match.snippet) < 320
    assert match.score == 2 + 2 + 1 + 1  # title hits count double
    assert "**Twitter** kept **child sexual abuse**" in mark_terms(match.snippet, match.terms)


def test_results_are_ordered_by_score() -> None:
    weak = CaseConfig(id="weak", query="lawsuit")
    strong = CaseConfig(id="strong", query="Twitter OR lawsuit OR teen")
    found = Matcher([weak, strong]).match_document(Document("Teen lawsuit", "Twitter"))
    assert [m.case_id for m in found] == ["strong", "weak"]


_VOCAB = ["twitter", "lawsuit", "doe", "court", "filed", "appeal", "reddit", "judge", "sued",
          "abuse", "litigation", "settlement"]
_TERM = st.one_of(
    st.sampled_from(_VOCAB),
    st.sampled_from(_VOCAB).map(lambda w: w[:4] + "*"),
    st.lists(st.sampled_from(_VOCAB), min_size=2, max_size=2).map(lambda ws: f'"{" ".join(ws)}"'),
)
_QUERY = st.recursive(
    _TERM,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} AND {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} AND NOT {p[1]})"),
        st.tuples(inner, inner, st.integers(1, 6)).map(lambda p: f"({p[0]} NEAR/{p[2]} {p[1]})"),
        inner.map(lambda q: f"title:{q}"),
    ),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None)
@given(
    queries=st.lists(_QUERY, min_size=1, max_size=12),
    title=st.lists(st.sampled_from([*_VOCAB, "the", "a"]), max_size=6).map(" ".join),
    text=st.lists(st.sampled_from([*_VOCAB, "the", "a", "of"]), max_size=40).map(" ".join),
)
def test_the_candidate_index_never_loses_a_match(queries: list[str], title: str,
                                                 text: str) -> None:
    cases = [CaseConfig(id=f"c{n}", query=q) for n, q in enumerate(queries)]
    doc = Document(title, text)
    expected = {c.id for c in cases if evaluate(case_query(c), doc)}
    assert {m.case_id for m in Matcher(cases).match_document(doc)} == expected


def test_anchors_of_shared_parts_are_worked_out_once_and_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Derived queries share their word lists; the matcher's build reads each once."""
    from monitor.matching import matcher
    from monitor.matching.matcher import Known, anchors

    cases = [CaseConfig(id=f"c{n}", caption=f"People v. {first} {last}",
                        parties=[f"{first} {last}"])
             for n, (first, last) in enumerate([("Gary", "Gomes"), ("John", "Jenkin"),
                                                ("Scott", "Peterson")])]
    queries = [case_query(case) for case in cases]
    read: list[object] = []
    original = matcher._anchors

    def counted(node: object, known: Known | None) -> frozenset[str] | None:
        read.append(node)
        return original(node, known)  # type: ignore[arg-type]

    monkeypatch.setattr(matcher, "_anchors", counted)
    alone = [anchors(query) for query in queries]
    reads_alone = len(read)
    read.clear()
    known: Known = {}
    assert [anchors(query, known) for query in queries] == alone
    assert len(read) < reads_alone / 2  # the shared lists are read for the first case only
    shared = {id(node) for node in read if isinstance(node, matcher.Or)}
    assert len(shared) == len([node for node in read if isinstance(node, matcher.Or)])


_PIECES = [*"aAzZ sS'’-.ßẞİıKKǅﬁéÉñÑΣσς0 9vV", "vs", "versus", "\u0301", "Doe"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_every_word_of_a_text_is_read_as_each_word_alone_would_be(text: str) -> None:
    """A text with an accent somewhere is read word by word; each word must come out as
    `normal_token` makes it, ASCII or not."""
    from monitor.text.normalise import WORD, _all_tokens, normal_token

    expected = [normal_token(w) for w in WORD.findall(text.lower() if text.isascii() else text)]
    assert _all_tokens(text) == expected


_MARKED = [*_PIECES, "<b>", "</b>", "&amp;", " No. ", "#", "1", "-\n", "\u2019s", "\u00a0"]


@given(title=st.lists(st.sampled_from(_MARKED), max_size=12).map("".join),
       text=st.lists(st.sampled_from(_MARKED), max_size=30).map("".join))
def test_a_document_read_from_grouping_words_is_the_document_read_afresh(
        title: str, text: str) -> None:
    """Matching reads the words grouping has already read (`Words`): the same fields,
    hence the same snippets, word spans and docket numbers."""
    from monitor.text.normalise import Words

    shared = Document(title, text, words=Words.of(title, text))
    fresh = Document(title, text)
    for name in ("title", "text"):
        assert shared.fields[name].text == fresh.fields[name].text
        assert shared.fields[name].words == fresh.fields[name].words
    assert shared.scan_text == fresh.scan_text
