"""All wording of alerts lives here: plain text for the console and mails, Slack Block Kit,
the mail subject and HTML. Pure functions; outside text is escaped for each target.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from alerts.base import EVENT_LABELS, Alert, AlertItem, AlsoCovered, DocketRef

if TYPE_CHECKING:
    from jinja2 import Template


def headline(alert: Alert) -> str:
    """One line: what happened, in which case."""
    item = alert.item
    if alert.kind == "new_suit" and alert.suit is not None:
        suit = alert.suit
        filed = item.docket.filed_at if item and item.docket else None
        as_whom = f" (as {suit.side})" if suit.side != "party" else ""
        return (f"New suit naming {suit.party}{as_whom}: {suit.caption}, "
                f"{suit.court.upper()} {suit.docket_number}"
                + (f", filed {filed[:10]}" if filed else ""))
    if alert.kind == "docket_entry" and item and item.docket:
        d = item.docket
        number = f"#{d.entry_number} " if d.entry_number is not None else ""
        return f"New filing in {alert.case_caption}: {number}{d.short_description}".strip()
    if alert.kind == "digest":
        return f"Digest: {len(alert.entries)} alerts"
    if alert.kind == "source_health":
        return item.title if item else "Source health"
    if alert.kind == "update" and item and item.docket:
        return (f"Update in {alert.case_caption}: filed in court: "
                f"{entry_label(item.docket)}").strip()
    if alert.kind == "update":
        return f"Update in {alert.case_caption}: {item.title if item else ''}"
    return f"{alert.case_caption}: {item.title if item else ''}"


def render_text(alert: Alert) -> str:
    """A plain-text rendering of one alert (no markup, outside text shown as is)."""
    if alert.kind == "digest":
        parts = [headline(alert), ""]
        for entry in alert.entries:
            parts.append("- " + render_text(entry).replace("\n", "\n  "))
        return "\n".join(parts)
    lines = [headline(alert)]
    item = alert.item
    if alert.event:
        lines.append(f"Event: {EVENT_LABELS.get(alert.event, alert.event)}")
    if alert.possibly_related_to:
        lines.append(f"Possibly related to development {alert.possibly_related_to}")
    if item:
        meta = _meta(item)
        if meta:
            lines.append(meta)
        if item.docket and item.docket.description:
            lines.append(item.docket.description)
        if item.snippet:
            lines.append(f"“{item.snippet}”")
        if item.terms:
            lines.append("Matched: " + ", ".join(item.terms))
        if item.url:
            lines.append(item.url)
        if item.docket and item.docket.document_url:
            lines.append(f"Document: {item.docket.document_url}")
    if alert.filings:
        lines.append(f"{FILINGS_LABEL} ({len(alert.filings)}):")
        for filing in alert.filings:
            lines.append(f"  - {filing_line(filing)}")
            if filing.document_url:
                lines.append(f"    Document: {one_line(filing.document_url)}")
    if alert.also:
        lines.append(f"{also_label(alert)} ({len(alert.also)}):")
        lines.extend(f"  - {a.source}: {a.title} {a.url}".rstrip() for a in alert.also)
    return inert("\n".join(lines))


def sample_alert(alert_id: str, published: str) -> Alert:
    """The alert `casewatch send-test` sends: clearly a test, with every part filled in.

    Its development is its own (no earlier mail to thread under, nothing to confuse).
    """
    return Alert(
        id=alert_id,
        kind="test",
        case_id="casewatch-test",
        case_caption="Casewatch test",
        development_id=f"dev-{alert_id}",
        articles=2,
        item=AlertItem(
            title="This is a test alert from casewatch",
            url="https://example.org/casewatch-test",
            source="casewatch",
            published=published,
            snippet="If you can read this, the channel works: a test lawsuit alert.",
            terms=("test", "lawsuit"),
        ),
        also=(AlsoCovered("Another article about the test", "https://example.org/other",
                          "example"),),
        filings=(DocketRef(court="test", docket_number="1:00-cv-00000", entry_number=1,
                           short_description="TEST FILING from casewatch",
                           document_url="https://example.org/casewatch-test/filing.pdf",
                           description="A test docket entry: not a real filing.",
                           filed_at=published),),
    )


# --- shared helpers -------------------------------------------------------------------


def one_line(text: str, limit: int | None = None) -> str:
    """Outside text as one line: control characters (CR, LF, tabs, ...) become spaces."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def inert(text: str) -> str:
    """Outside text over several lines: control characters (escape sequences, NUL, CR),
    right-to-left overrides and other invisible format characters become U+FFFD, so
    they can neither drive a terminal nor reorder what a reader sees."""
    return "".join(c if c in "\n\t" or c.isprintable() else "\ufffd" for c in text)


def is_web_url(url: str) -> bool:
    """Only http(s) URLs become links; anything else (javascript:, data:, a URL with
    control or invisible characters) stays text."""
    return bool(re.match(r"(?i)^https?://[^\s]+$", url or "")) and url.isprintable()


def split_terms(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_a_matched_term) pairs, matching terms case-insensitively."""
    wanted = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not wanted:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for found in pattern.finditer(text):
        if found.start() > position:
            pieces.append((text[position : found.start()], False))
        pieces.append((found.group(0), True))
        position = found.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def _meta(item: AlertItem) -> str:
    if item.docket is not None:
        return docket_meta(item)
    return " · ".join(x for x in (item.source, item.published or "") if x)


def filed_time(filed_at: str | None) -> str:
    """'2021-04-06T10:02:00-07:00' → '6 Apr 2021 17:02 UTC' (as given when unparsable)."""
    if not filed_at:
        return ""
    try:
        when = datetime.fromisoformat(filed_at).astimezone(UTC)
    except ValueError:
        return filed_at
    return f"{when.day} {when:%b %Y %H:%M} UTC"


FILINGS_LABEL = "Filed in court"


def also_label(alert: Alert) -> str:
    """What the other articles are: the press coverage of a filing, or more coverage."""
    return "In the press" if alert.item and alert.item.docket else "Also covered by"


def entry_label(d: DocketRef, limit: int | None = None) -> str:
    """'#12 ORDER granting …' on one line (no '#n' when the entry has no number); the
    description stands in for a missing short description."""
    text = one_line(d.short_description) or one_line(d.description)
    number = f"#{d.entry_number} " if d.entry_number is not None else ""
    return one_line(number + text, limit)


def filing_line(d: DocketRef) -> str:
    """One filing on one line: court · docket number · #entry description · filed time."""
    filed = filed_time(d.filed_at)
    parts = (one_line(d.court), one_line(d.docket_number), entry_label(d),
             one_line(f"filed {filed}") if filed else "")
    return " · ".join(x for x in parts if x)


def docket_meta(item: AlertItem) -> str:
    """Court, docket number, when it was filed and where it came from."""
    d = item.docket
    assert d is not None
    filed = filed_time(d.filed_at)
    parts = (d.court, d.docket_number, f"filed {filed}" if filed else "", item.source)
    return " · ".join(one_line(x) for x in parts if x)


# --- Slack ----------------------------------------------------------------------------

SLACK_SNIPPET_LIMIT = 1500
SLACK_TEXT_LIMIT = 3000  # Slack refuses a block text longer than this, and the message with it
SLACK_URL_LIMIT = 1000  # a longer link is shown as its label alone
SLACK_ALSO_LIMIT = 10
SLACK_FILINGS_LIMIT = 10
SLACK_DIGEST_FILINGS_LIMIT = 3  # a digest entry shows its first filings beneath its body
SLACK_DIGEST_LIMIT = 12  # 1 + 12 * (divider + 3 blocks) + 1 stays within 50 blocks


def slack_escape(text: str) -> str:
    """Slack mrkdwn control characters as entities: `<!channel>` is shown, never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    """`<url|label>` with both parts escaped; a non-web URL is shown as plain text."""
    label = slack_escape(one_line(label, 200) or one_line(url, 200))
    target = slack_escape(url).replace("|", "%7C")
    if not is_web_url(url) or len(target) > SLACK_URL_LIMIT:
        return label
    return f"<{target}|{label.replace('|', '¦')}>"


def slack_snippet(snippet: str, terms: tuple[str, ...]) -> str:
    """The snippet, escaped, with the matched terms in bold."""
    text = one_line(snippet, SLACK_SNIPPET_LIMIT)
    return "".join(f"*{slack_escape(piece)}*" if hit else slack_escape(piece)
                   for piece, hit in split_terms(text, terms))


def slack_fit(text: str, limit: int = SLACK_TEXT_LIMIT) -> str:
    """Escaped mrkdwn cut to Slack's limit, never inside an entity such as `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    entity = cut.rfind("&")
    if entity >= len(cut) - 5 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return cut + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": slack_fit(text)}}


def _slack_list(heading: str, lines: list[str], cap: int,
                budget: int = SLACK_TEXT_LIMIT) -> str:
    """`heading` and at most `cap` of `lines`, whole lines only, within `budget`
    characters; the rest counted in '… and N more'."""
    text = heading
    shown = 0
    for line in lines[:cap]:
        rest = len(lines) - shown - 1
        tail = len(f"\n… and {rest} more") if rest else 0
        if len(text) + 1 + len(line) + tail > budget:
            break
        text += "\n" + line
        shown += 1
    if shown < len(lines):
        text += f"\n… and {len(lines) - shown} more"
    return text


def _slack_filings(alert: Alert, cap: int, budget: int = SLACK_TEXT_LIMIT) -> str:
    lines = []
    for d in alert.filings:
        filed = filed_time(d.filed_at)
        parts = (slack_escape(one_line(d.court, 100)), slack_escape(one_line(d.docket_number, 100)),
                 slack_link(d.document_url, entry_label(d, 200)),
                 slack_escape(one_line(f"filed {filed}", 100)) if filed else "")
        lines.append("• " + " · ".join(x for x in parts if x))
    return _slack_list(f"{FILINGS_LABEL} ({len(alert.filings)}):", lines, cap, budget)


def _slack_blocks(alert: Alert, *, digest: bool = False) -> list[dict[str, Any]]:
    """The blocks of one alert. In a digest an entry is its first three blocks (headline,
    context, the first part of its body); its filings go beneath that first part."""
    blocks: list[dict[str, Any]] = [_section(f"*{slack_escape(one_line(headline(alert), 300))}*")]
    item = alert.item
    context: list[str] = []
    if item and _meta(item):
        context.append(slack_escape(one_line(_meta(item), 300)))
    if alert.event:
        context.append(slack_escape(EVENT_LABELS.get(alert.event, alert.event)))
    if alert.development_id and alert.articles > 1:
        context.append(f"{alert.articles} articles")
    if context:
        blocks.append({"type": "context",
                       "elements": [{"type": "mrkdwn",
                                     "text": slack_fit(" · ".join(context))}]})
    body: list[str] = []
    if alert.possibly_related_to:
        body.append("Possibly related to development "
                    + slack_escape(one_line(alert.possibly_related_to)))
    if item:
        if item.docket and item.docket.description:
            body.append(slack_escape(one_line(item.docket.description, 1500)))
        if item.snippet:
            body.append(">" + slack_snippet(item.snippet, item.terms))
        links = []
        if item.url:
            links.append(slack_link(item.url, "Read: " + (item.title or item.url)))
        if item.docket and item.docket.document_url:
            links.append(slack_link(item.docket.document_url, "Document"))
        if links:
            body.append("\n".join(links))
    if digest and alert.filings:  # the filings go beneath the first part, never instead
        first = body[0] if body else ""
        budget = max(SLACK_TEXT_LIMIT - len(first) - 1, SLACK_TEXT_LIMIT // 4)
        filings = _slack_filings(alert, SLACK_DIGEST_FILINGS_LIMIT, budget)
        body = [slack_fit(first, SLACK_TEXT_LIMIT - len(filings) - 1) + "\n" + filings
                if first else filings]
    elif alert.filings:
        body.append(_slack_filings(alert, SLACK_FILINGS_LIMIT))
    if alert.also:
        shown = [f"• {slack_link(a.url, a.title or a.url)} ({slack_escape(one_line(a.source))})"
                 for a in alert.also]
        body.append(_slack_list(f"{also_label(alert)} ({len(alert.also)}):", shown,
                                SLACK_ALSO_LIMIT))
    blocks.extend(_section(text) for text in body)
    return blocks[:3] if digest else blocks


def slack_message(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook message: Block Kit blocks plus a `text` fallback.

    Every piece of outside text is escaped; only links built here use `<url|label>`.
    """
    fallback = slack_escape(one_line(headline(alert), 300))
    if alert.kind != "digest":
        return {"text": fallback, "blocks": _slack_blocks(alert),
                "unfurl_links": False, "unfurl_media": False}
    blocks: list[dict[str, Any]] = [_section(f"*{fallback}*")]
    for entry in alert.entries[:SLACK_DIGEST_LIMIT]:
        blocks.append({"type": "divider"})
        blocks.extend(_slack_blocks(entry, digest=True))
    more = len(alert.entries) - SLACK_DIGEST_LIMIT
    if more > 0:
        blocks.append(_section(f"… and {more} more"))
    return {"text": fallback, "blocks": blocks[:50], "unfurl_links": False,
            "unfurl_media": False}


# --- email ----------------------------------------------------------------------------

SUBJECT_LIMIT = 180

_HTML_SOURCE = """\
{% macro link(url, label) %}
{% if url is web_url %}<a href="{{ url }}">{{ label }}</a>{% else %}{{ label }}{% endif %}
{% endmacro %}
{% macro one(a) %}
<h2 style="margin:0 0 4px 0;font-size:17px">{{ a.headline }}</h2>
{% if a.meta %}<p style="margin:0;color:#666">{{ a.meta }}</p>{% endif %}
{% if a.related %}<p>Possibly related to development {{ a.related }}</p>{% endif %}
{% if a.description %}<p>{{ a.description }}</p>{% endif %}
{% if a.snippet %}
<blockquote style="margin:8px 0;padding-left:8px;border-left:3px solid #ccc">
{% for piece, hit in a.snippet %}{% if hit %}<strong>{{ piece }}</strong>{% else %}{{ piece }}\
{% endif %}{% endfor %}
</blockquote>
{% endif %}
{% if a.terms %}<p style="color:#666">Matched: {{ a.terms | join(", ") }}</p>{% endif %}
{% if a.url %}<p>{{ link(a.url, a.title or a.url) }}</p>{% endif %}
{% if a.document %}<p>{{ link(a.document, "Document") }}</p>{% endif %}
{% if a.filings %}
<p>Filed in court ({{ a.filings | length }}):</p>
<ul>
{% for f in a.filings %}
<li>{% if f.where %}{{ f.where }} · {% endif %}{{ link(f.document, f.entry or f.document) }}\
{% if f.filed %} · filed {{ f.filed }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
{% if a.also %}
<p>{{ a.also_label }} ({{ a.also | length }}):</p>
<ul>
{% for other in a.also %}
<li>{{ other.source }}: {{ link(other.url, other.title or other.url) }}</li>
{% endfor %}
</ul>
{% endif %}
{% endmacro %}
<!doctype html>
<html><head><meta charset="utf-8"><title>{{ alert.headline }}</title></head>
<body style="font-family:sans-serif;font-size:14px">
{% if entries %}
<h1 style="font-size:19px">{{ alert.headline }}</h1>
{% for entry in entries %}
<hr>
{{ one(entry) }}
{% endfor %}
{% else %}
{{ one(alert) }}
{% endif %}
</body></html>
"""


@cache
def _html_template() -> Template:
    """The email's HTML template, compiled when the first email is rendered."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    template = env.from_string(_HTML_SOURCE)
    env.tests["web_url"] = is_web_url
    return template


def email_subject(alert: Alert) -> str:
    """One line, no control characters: outside text cannot add a header."""
    return one_line("[casewatch] " + headline(alert), SUBJECT_LIMIT)


def _html_fields(alert: Alert) -> dict[str, Any]:
    item = alert.item
    meta = [_meta(item)] if item and _meta(item) else []
    if alert.event:
        meta.append(EVENT_LABELS.get(alert.event, alert.event))
    if alert.development_id and alert.articles > 1:
        meta.append(f"{alert.articles} articles")
    return {
        "headline": headline(alert),
        "meta": " · ".join(meta),
        "related": alert.possibly_related_to,
        "description": item.docket.description if item and item.docket else "",
        "snippet": split_terms(item.snippet, item.terms) if item else [],
        "terms": list(item.terms) if item else [],
        "title": item.title if item else "",
        "url": item.url if item else "",
        "document": item.docket.document_url if item and item.docket else "",
        "filings": [{"where": " · ".join(x for x in (one_line(d.court), one_line(d.docket_number))
                                         if x),
                     "entry": entry_label(d), "document": d.document_url,
                     "filed": one_line(filed_time(d.filed_at))} for d in alert.filings],
        "also_label": also_label(alert),
        "also": [{"title": a.title, "url": a.url, "source": a.source} for a in alert.also],
    }


def email_html(alert: Alert) -> str:
    """The HTML part: every outside string is HTML-escaped; only http(s) URLs are links."""
    return inert(_html_template().render(
        alert=_html_fields(alert),
        entries=[_html_fields(e) for e in alert.entries] if alert.kind == "digest" else [],
    ))


def email_text(alert: Alert) -> str:
    """The plain-text part."""
    return render_text(alert) + "\n\n-- \nSent by casewatch.\n"
