"""The pages and the Atom feed, drawn from their views with jinja2 (autoescaped: every
text from outside is escaped; a link from outside is kept only if it is http or https)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.pages.models import CasePage, IndexPage, OutboxChannel, SourceLine
from monitor.pages.wording import ago, day, xml_text

TEMPLATES = Path(__file__).parent / "templates"


def atom_id(development_id: str) -> str:
    """A development's Atom entry id: the same for it on every request and restart."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, f'casewatch:development:{development_id}')}"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(("html", "xml")),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ago=ago, day=day, xml=xml_text)
    env.globals.update(atom_id=atom_id)
    return env


def render(template: str, now: datetime, **context: Any) -> str:
    return environment().get_template(template).render(now=now, **context)


def index_page(view: IndexPage, now: datetime) -> str:
    return render("index.html", now, view=view, nav="cases")


def case_page(view: CasePage, now: datetime) -> str:
    return render("case.html", now, view=view, nav="cases")


def sources_page(sources: list[SourceLine], now: datetime) -> str:
    return render("sources.html", now, sources=sources, nav="sources")


def outbox_page(channels: list[OutboxChannel], now: datetime) -> str:
    return render("outbox.html", now, channels=channels, nav="outbox")


def error_page(status: int, message: str, now: datetime) -> str:
    return render("error.html", now, status=status, phrase=HTTPStatus(status).phrase,
                  message=message, nav="")


def case_feed(view: CasePage, now: datetime, *, base_url: str) -> str:
    """The case's developments as an Atom feed; `base_url` is where the pages are served."""
    page_url = f"{base_url}/cases/{view.id}"
    updated = max((e.updated for e in view.entries), default=None) or \
        now.isoformat(timespec="seconds")
    return render("feed.xml", now, view=view, page_url=page_url,
                  self_url=f"{page_url}/feed.xml", updated=updated,
                  feed_id=f"urn:uuid:{uuid5(NAMESPACE_URL, f'casewatch:case:{view.id}')}")
