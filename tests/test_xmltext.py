"""Repairs to feed bytes: forbidden character references and corrupt UTF-8."""

from __future__ import annotations

import pytest

from feeds.xmltext import as_strict_xml, mend_char_refs, mend_char_refs_bytes, mend_utf8

TITLE = "Café owner’s suit: Doe v. Acme “settles”"


def feed(title: str, decl: str = 'encoding="utf-8"') -> str:
    return f'<?xml version="1.0" {decl}?><rss><channel><item><title>{title}</title>' \
           "<description>Doe v. Acme lawsuit news.</description></item></channel></rss>"


def test_valid_utf8_is_returned_as_it_is() -> None:
    body = feed(TITLE).encode()
    assert mend_utf8(body) is body


def test_a_few_corrupt_bytes_in_utf8_become_replacement_characters_and_nothing_else() -> None:
    body = feed(TITLE).encode().replace(b"lawsuit news", b"lawsuit \xff\xfe\xc3 news")
    mended = mend_utf8(body).decode("utf-8")
    assert TITLE in mended and "lawsuit \ufffd\ufffd\ufffd news" in mended


@pytest.mark.parametrize("charset", ["cp1252", "latin-1"])
def test_a_single_byte_charset_is_left_to_the_parser(charset: str) -> None:
    body = feed("Café sued — Doe v. Acme, résumé, naïve", decl="").encode(charset, "replace")
    assert mend_utf8(body) is body


def test_a_declared_single_byte_charset_is_left_alone_even_when_it_looks_like_utf8() -> None:
    body = feed(TITLE, decl='encoding="iso-8859-1"').encode() + b"\xff"
    assert mend_utf8(body) is body


def test_utf16_is_left_alone() -> None:
    body = feed(TITLE, decl='encoding="utf-16"').encode("utf-16")
    assert mend_utf8(body) is body


@pytest.mark.parametrize(("ref", "kept"), [
    ("&#xD800;", False), ("&#55296;", False), ("&#0;", False), ("&#x1;", False),
    ("&#x110000;", False), ("&#xFFFE;", False),
    ("&#x9;", True), ("&#39;", True), ("&#x201C;", True), ("&#x1F600;", True),
])
def test_only_references_to_characters_xml_forbids_are_replaced(ref: str, kept: bool) -> None:
    text = f"<title>a{ref}b</title>"
    assert mend_char_refs(text) == (text if kept else "<title>a\ufffdb</title>")
    expected = text if kept else "<title>a&#xFFFD;b</title>"
    assert mend_char_refs_bytes(text.encode()) == expected.encode()


def test_as_strict_xml_turns_html_entities_into_references_and_cuts_after_the_root() -> None:
    body = (b'<?xml version="1.0"?>\n<!-- &copy; --><rss><title>Caf&eacute; &colon; &amp; '
            b"&lt;</title><d><![CDATA[&nbsp;]]></d></rss>\n<script>x</script>\n")
    assert as_strict_xml(body) == (
        b'<?xml version="1.0"?>\n<!-- &copy; --><rss><title>Caf&#233; &amp;colon; &amp; '
        b"&lt;</title><d><![CDATA[&nbsp;]]></d></rss>")
    well_formed = b"<feed><title>x</title></feed>\n"
    assert as_strict_xml(well_formed) == well_formed


@pytest.mark.parametrize("hostile", [
    b"<rss>" + b"<![CDATA[" * 100_000 + b"&nbsp;",
    b"<rss>" + b"<!--" * 250_000 + b"&nbsp;",
    b"<rss>" + b"&nbsp;&zz;" * 100_000,
    b"<?xml " * 150_000,
])
def test_as_strict_xml_is_linear_on_a_megabyte_of_hostile_bytes(hostile: bytes) -> None:
    import time

    started = time.perf_counter()
    as_strict_xml(hostile)
    assert time.perf_counter() - started < 2.0
