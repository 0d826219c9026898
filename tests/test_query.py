"""The query language and the normaliser: every operator and rule, and parse safety."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching.matcher import Document, evaluate
from monitor.matching.query import QuerySyntaxError, format_query, parse_query
from monitor.text.normalise import clean, normalise

TEXT = (
    "John Doe #1 and John Doe #2 v. Twitter, Inc. is a lawsuit filed in federal court. "
    "The plaintiffs' lawyers say the company ignored reports; Twitter declined to comment."
)


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("Twitter", True),
        ("twitter lawsuit", True),  # implicit AND
        ("Twitter AND Reddit", False),
        ("Twitter OR Reddit", True),
        ("Reddit OR Facebook", False),
        ("Twitter AND NOT Reddit", True),
        ("Twitter NOT lawsuit", False),  # implicit AND before NOT
        ("(Reddit OR lawsuit) AND federal", True),
        ("Reddit OR (lawsuit AND NOT court)", False),
        ('"federal court"', True),
        ('"court federal"', False),
        ('"filed in federal court"', True),
        ("litigat*", False),
        ("plaintiff*", True),
        ("compan*", True),
        ("Twitter NEAR/3 lawsuit", False),  # "Twitter, Inc. is a lawsuit": 3 words between
        ("Twitter NEAR/4 lawsuit", True),
        ("lawsuit NEAR/4 Twitter", True),  # order-free
        ('"federal court" NEAR/2 filed', True),
        ("ignored NEAR/2 lawsuit", False),
        ("title:Twitter", True),
        ("title:lawsuit", False),
        ("text:lawsuit", True),
        ("source:reuters", True),
        ("source:apnews", False),
        ("title:(Reddit OR Doe)", True),
        ('text:"declined to comment"', True),
        ("ORACLE", False),  # an operator word inside a term is a term
        ("Twitter and Reddit", False),  # lower-case "and" is a word to find
    ],
)
def test_operators(query: str, matches: bool) -> None:
    doc = Document("Doe v. Twitter: teen sues", TEXT, "reuters")
    assert (evaluate(parse_query(query), doc) is not None) is matches


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Doe vs. Twitter", '"Doe v. Twitter"'),
        ("Doe versus Twitter", '"Doe v Twitter"'),
        ("DOE V. TWITTER", '"doe v. twitter"'),
        ("Twitter’s policies", '"Twitter policies"'),
        ("Twitter's policies", '"twitter policies"'),
        ("Twitter, Inc. said", '"Twitter Inc said"'),
        ("Twitter Inc. said", '"Twitter, Inc. said"'),
        ("John Doe No. 1 sued", '"John Doe #1"'),
        ("John Doe #1 sued", '"John Doe No. 1"'),
        ("Société Générale fined", '"Societe Generale"'),
        ("anti-trafficking law", '"anti trafficking"'),
        ("anti\u2011trafficking law", '"anti-trafficking"'),
        ("a traf-\n  ficking ring", "trafficking"),
        ("AT&amp;T sued", '"AT&T"'),
        ("the <b>Twitter</b> lawsuit", '"Twitter lawsuit"'),
        ("“Doe v. Twitter”", '"Doe v. Twitter"'),
        ("Doe v. Twitter", '“Doe v. Twitter”'),
        ("law\u00adsuit filed", "lawsuit"),
    ],
)
def test_normalisation_makes_spellings_meet(text: str, query: str) -> None:
    assert evaluate(parse_query(query), Document("", text)) is not None


def test_normalisation_does_not_merge_different_words() -> None:
    assert evaluate(parse_query('"Doe v. Twitter"'), Document("", "Doe vowed Twitter")) is None
    assert evaluate(parse_query("Twitter"), Document("", "Twitterverse")) is None
    assert normalise("Inc.") == "inc"


def test_snippet_text_keeps_the_original_spelling() -> None:
    assert clean("John Doe No. 1") == "John Doe No. 1"


@pytest.mark.parametrize(
    ("query", "column", "expected"),
    [
        ("Twitter AND", 12, "a term"),
        ("(Twitter OR lawsuit", 20, '")"'),
        ('Twitter "child abuse', 9, "unclosed quote"),
        ("Twitter) lawsuit", 8, "unexpected"),
        ("Twitter NEAR/0 lawsuit", None, "NEAR distance"),
        ("l*", None, "at least 3 letters"),
        ("lit*gation", None, "trailing wildcard"),
        ("NOT Twitter", None, "only NOT"),
        ("   ", None, "empty"),
        ("!!!", None, "no letters or digits"),
    ],
)
def test_syntax_errors_say_where_and_what(query: str, column: int | None, expected: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert expected in str(caught.value)


def test_nesting_and_length_are_bounded() -> None:
    with pytest.raises(QuerySyntaxError, match="nested deeper"):
        parse_query("(" * 100 + "x" + ")" * 100)
    with pytest.raises(QuerySyntaxError, match="longer than"):
        parse_query("word " * 2000)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_parsing_never_crashes(text: str) -> None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        assert str(exc)
    else:
        assert parse_query(format_query(node)) == node


_WORDS = st.sampled_from(["twitter", "lawsuit", "doe", "court", "filed", "x", "AND", "OR",
                          "NOT", "(", ")", '"', "NEAR/3", "title:", "litig*", " "])


@pytest.mark.parametrize("text", ["( NOT twitter ) NEAR/3 twitter",
                                  "doe NEAR/5 (NOT appeal)", "a AND NOT b NEAR/2 c"])
def test_a_negated_side_of_near_is_written_back_in_parentheses(text: str) -> None:
    node = parse_query(text)
    assert parse_query(format_query(node)) == node


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=14).map(" ".join))
def test_query_shaped_input_parses_or_explains(text: str) -> None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        assert str(exc)
    else:
        assert parse_query(format_query(node)) == node
        evaluate(node, Document("title", TEXT))
