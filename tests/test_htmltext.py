"""A summary's markup as plain text."""

from __future__ import annotations

import pytest

from feeds.htmltext import markup_text, plain, text_of


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>Doe v. <b>Twit</b>ter</p><p>filed</p>", "Doe v. Twitter filed"),
    ("a<br>b<br/>c", "a b c"),
    ("<p>x<script>alert('<b>')</script>y</p>", "x y"),
    ("<style>p { color: red }</style>Order", "Order"),
    ("<!-- a comment -->Ruling<!-- and <b>another</b> -->", "Ruling"),
    ('<img alt="1 > 0" src="x.png">Granted', "Granted"),
    ("<a href='/a>b'>the order</a>", "the order"),
    ("AT&amp;T &lt;b&gt; &#8217;s &nbsp;x", "AT&T <b> \u2019s x"),
    ("if a > b then", "if a > b then"),
    ("<p>x</p><script>never closed <p>y</p>", "x"),
    ("  many\n\n  lines\t here ", "many lines here"),
])
def test_the_text_of_markup(markup: str, text: str) -> None:
    assert markup_text(markup) == text
    assert text_of(markup) == text


def test_a_stray_bracket_is_irregular_markup_and_kept_as_text() -> None:
    assert markup_text("if a < b then <b>c</b>") is None
    assert text_of("if a < b then <b>c</b>") == "if a < b then c"


def test_plain_text_is_left_as_text() -> None:
    assert plain("a <b>not a tag</b> &amp;", "text/plain") == "a <b>not a tag</b> &amp;"
    assert plain("a <b>tag</b> &amp;", "text/html") == "a tag &"


@pytest.mark.parametrize("hostile", [
    '<a "' * 250_000,
    "<a " + "x" * 1_000_000,
    '<a title="' + "<b " * 300_000,
    "<a x='" + "<i '" * 250_000,
    "<script>" * 120_000,
    "<!--" * 250_000,
    "<" * 1_000_000,
])
def test_a_megabyte_of_hostile_markup_is_read_in_linear_time(hostile: str) -> None:
    import time

    started = time.perf_counter()
    text_of(hostile)
    assert time.perf_counter() - started < 2.0  # about 0.1 s: no backtracking blow-up
