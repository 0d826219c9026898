"""The `casewatch` command line (Contract 2). Thin: each command calls into the library.

Each command imports what it uses when it runs: `--help`, `check`, `status` and
`matches` only read the config or the database, and start without loading the daemon's
machinery (the HTTP client, grouping, the scheduler, templates, metrics);
tests/test_startup.py holds them to it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from alerts.base import Delivered
    from monitor.config import Settings
    from monitor.delivery.deliverer import DeliveryReport
    from monitor.pipeline import PollReport
    from monitor.runtime.app import App
    from monitor.store.store import Store

log = logging.getLogger("casewatch")

CONFIG_OPTION = click.option(
    "-c", "--config", "config_file", metavar="FILE",
    help="Config file (default: $CASEWATCH_CONFIG, then ./casewatch.toml).",
)


def fail(message: str) -> NoReturn:
    click.echo(f"casewatch: {message}", err=True)
    sys.exit(2)


def settings_from(config_file: str | None) -> Settings:
    from monitor.config import ConfigError, config_path, load_settings
    from monitor.runtime.logs import SECRETS, secret_values

    path = config_path(config_file)
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        click.echo(f"{path}: {len(exc.errors)} error(s)", err=True)
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    SECRETS.set(secret_values(settings))
    return settings


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_store(settings: Settings) -> Store:
    from monitor.store.store import Store, StoreError

    try:
        return Store.open(settings.service.database)
    except StoreError as exc:
        fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """casewatch: follows legal cases in the news and on court dockets."""


@cli.command()
@CONFIG_OPTION
@click.option("--once", is_flag=True, help="Poll every source once, deliver, and exit.")
def run(config_file: str | None, once: bool) -> None:
    """Run the daemon until SIGTERM or SIGINT (or once with --once)."""
    import asyncio

    from monitor.config import config_path, discovery_note, load_settings
    from monitor.runtime.app import build_app
    from monitor.runtime.http import HttpError, HttpServer
    from monitor.runtime.logs import setup_logging
    from monitor.runtime.scheduler import Daemon
    from monitor.runtime.site import Site
    from monitor.store.store import StoreError

    setup_logging()
    settings = settings_from(config_file)
    if (note := discovery_note(settings)):
        log.info(note)

    async def main() -> None:
        try:
            app = build_app(settings)
        except StoreError as exc:
            fail(str(exc))
        try:
            if once:
                reports, delivered = await run_once_with_progress(app)
                failed = [r for r in reports if not r.ok]
                click.echo(
                    f"polled {len(reports)} sources ({len(failed)} failed), "
                    f"{sum(r.new for r in reports)} new items, "
                    f"{delivered.sent} alerts sent, {delivered.retried} to retry, "
                    f"{delivered.dead} dead",
                    err=True,
                )
            else:
                daemon = Daemon(app, load=lambda: load_settings(config_path(config_file)),
                                build=build_app)
                server = None
                address = settings.service.http  # $CASEWATCH_HTTP applied by the config
                try:
                    if address:
                        server = await HttpServer.start(address, daemon, daemon.metrics,
                                                        Site(lambda: daemon.app))
                    await daemon.run()
                except HttpError as exc:
                    fail(str(exc))
                finally:
                    if server is not None:
                        await server.aclose()
                    app = daemon.app  # the one running last, after any reload
        finally:
            await app.aclose()

    asyncio.run(main())


async def run_once_with_progress(app: App) -> tuple[list[PollReport], DeliveryReport]:
    """`run --once`; on a terminal, a progress bar counts the sources polled."""
    if not sys.stderr.isatty():
        return await app.run_once()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TextColumn("sources"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("poll", total=len(app.settings.sources))
        return await app.run_once(on_poll=lambda _report: progress.advance(task))


@cli.command()
@CONFIG_OPTION
def check(config_file: str | None) -> None:
    """Validate the config; exit 2 with the TOML path of every error."""
    from feeds.newssearch import NewsSearchConfig, NewsSearchSource
    from monitor.config import config_path, discovery_note
    from monitor.matching.derive import case_query
    from monitor.matching.query import format_query
    from monitor.runtime.sources import round_warning, source_for

    settings = settings_from(config_file)
    click.echo(
        f"{config_path(config_file)}: OK: {len(settings.sources)} sources, "
        f"{len(settings.cases)} cases, "
        + (f"{len(settings.watches)} watches, " if settings.watches else "")
        + f"{len(settings.channels)} channels"
    )
    if (note := discovery_note(settings)):
        click.echo(f"  {note}")
    searches: list[tuple[str, dict[str, list[str]]]] = []  # per news search: case → queries
    for config in settings.sources:
        interval = config.interval or settings.service.default_interval
        click.echo(f"  source {config.id} ({config.kind}) every {_human(interval)}")
        if isinstance(config, NewsSearchConfig):
            source = source_for(settings, config)
            assert isinstance(source, NewsSearchSource)
            if (warning := round_warning(settings, source)):
                click.echo(f"    warning: {warning}")
            per_case: dict[str, list[str]] = {}
            for case_id, query in source.searches:
                per_case.setdefault(case_id, []).append(query)
            searches.append((config.provider, per_case))
    for case in settings.cases:
        click.echo(f"  case {case.id}: {case.title}")
        label = "query" if case.query else "query (derived)"
        click.echo(f"    {label}: {format_query(case_query(case))}")
        for provider, per_case in searches:
            for query in per_case.get(case.id, ()):
                click.echo(f"    {provider} search: {query}")
        click.echo(f"    notify: {', '.join(case.notify) or '(nobody)'}")
    for watch in settings.watches:
        courts = ", ".join(watch.courts) or "every court"
        click.echo(f"  watch {watch.id}: {'; '.join(watch.parties)} (in {courts})")
        click.echo(f"    notify: {', '.join(watch.notify) or '(nobody)'}")
    for channel in settings.channels:
        click.echo(f"  channel {channel.id} ({channel.kind})")


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@cli.command()
@click.option("--keep", type=click.Path(path_type=Path), default=None,
              help="Keep the demo database at this path (default: a temporary file).")
def demo(keep: Path | None) -> None:
    """Serve the seed articles on 127.0.0.1 and run the pipeline once to the console."""
    from monitor.demo import run_demo
    from monitor.runtime.logs import setup_logging

    setup_logging(logging.WARNING)
    sys.exit(run_demo(database=keep))


@cli.command()
@click.argument("source_id")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def preview(source_id: str, config_file: str | None, as_json: bool) -> None:
    """Fetch and parse one source; print each item and the cases it would match. Stores nothing."""
    import asyncio

    from feeds.base import FeedError, SourceState
    from feeds.fetch import Fetcher
    from monitor.matching.dockets import DocketMatcher, match_entry
    from monitor.matching.matcher import Matcher, mark_terms
    from monitor.runtime.sources import source_for

    settings = settings_from(config_file)
    try:
        config = settings.source(source_id)
    except KeyError:
        fail(f'unknown source "{source_id}" (known: '
             f'{", ".join(s.id for s in settings.sources) or "none"})')
    source = source_for(settings, config)
    matcher = Matcher(settings.cases)
    dockets = DocketMatcher(settings.cases)

    async def fetch_items() -> list[Any]:
        fetcher = Fetcher(user_agent=settings.service.user_agent,
                          max_bytes=settings.service.max_response_bytes,
                          allow_private=settings.service.allow_private_addresses,
                          deadline=settings.service.fetch_deadline.total_seconds())
        try:
            return (await source.poll(fetcher, SourceState())).items
        finally:
            await fetcher.aclose()

    try:
        items = asyncio.run(fetch_items())
    except FeedError as exc:
        fail(f"{source_id}: {exc.message} ({exc.kind})")
    for item in items:
        matches = (match_entry(item, item.docket, matcher, dockets) if item.docket is not None
                   else matcher.match(item))
        if as_json:
            click.echo(json.dumps(item.as_json(), ensure_ascii=False))
            continue
        click.echo(f"- {item.title or '(untitled)'}")
        click.echo(f"  {item.url}" + (f"  ({item.published:%Y-%m-%d %H:%M})"
                                      if item.published else ""))
        for match in matches:
            click.echo(f"  → {match.case_id} (score {match.score:.2f}; "
                       f"{', '.join(match.terms)}): {mark_terms(match.snippet, match.terms)}")
    if not as_json:
        click.echo(f"{len(items)} items")


@cli.command()
@CONFIG_OPTION
@click.option("--case", "case_id", help="Only this case.")
@click.option("--since", default=None, help="Only matches this recent, e.g. 7d, 12h.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def matches(config_file: str | None, case_id: str | None, since: str | None,
            as_json: bool) -> None:
    """Every matched item: case, development, score, terms, source, url, published."""
    from feeds.base import parse_duration
    from monitor.matching.matcher import mark_terms

    settings = settings_from(config_file)
    store = open_store(settings)
    try:
        after = utc_now() - parse_duration(since) if since else None
    except ValueError as exc:
        fail(f"--since: {exc}")
    told = store.told(case_id)
    for row in store.matches(case_id=case_id, since=after):
        articles, filings = told.get(row["development_id"], (0, []))
        record = {
            "case": row["case_id"], "development": row["development_id"], "role": row["role"],
            "score": row["score"], "terms": json.loads(row["terms"]), "title": row["title"],
            "source": row["source_id"], "url": row["url"], "published": row["published"],
            "snippet": row["snippet"],
            "told": {"articles": articles, "filings": filings},
        }
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"{row['case_id']}  {row['development_id']}  {row['role']:<12} "
                       f"{row['score']:.2f}  {row['source_id']}  {row['title']}")
            click.echo(f"    {row['url']}  terms: {', '.join(record['terms'])}")
            if row["snippet"]:
                click.echo(f"    {mark_terms(row['snippet'], record['terms'])}")
            if articles and filings:
                click.echo(f"    told by the court ({'; '.join(filings)}) and the press "
                           f"({articles} article{'s' if articles != 1 else ''})")
    store.close()


@cli.command()
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--toml", "toml_suit", metavar="SUIT",
              help="Print a suit a watch found as a [[cases]] table to paste into the config.")
def status(config_file: str | None, as_json: bool, toml_suit: str | None) -> None:
    """Sources (last poll, errors, next poll), cases and suits, outbox, last alerts."""
    from monitor.matching.suits import with_suits
    from monitor.runtime.status import case_toml, gather, render

    settings = settings_from(config_file)
    store = open_store(settings)
    if toml_suit is not None:
        suit = store.suit(toml_suit)
        store.close()
        if suit is None:
            fail(f'no suit "{toml_suit}" (casewatch status lists them)')
        click.echo(case_toml(settings, suit), nl=False)
        return
    settings = with_suits(settings, store.suits())
    store.ensure_sources(s.id for s in settings.sources)
    now = utc_now()
    rows = list(gather(settings, store, now))
    store.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    from rich.console import Console

    out = sys.stdout
    render(rows, now, Console(file=out, width=None if out.isatty() else 160))


@cli.command()
@click.argument("suit_id", metavar="SUIT")
@CONFIG_OPTION
def unwatch(suit_id: str, config_file: str | None) -> None:
    """Stop following a suit a watch found (a running daemon stops at once)."""
    settings = settings_from(config_file)
    store = open_store(settings)
    try:
        if not store.end_suit(suit_id, now=utc_now()):
            known = store.suit(suit_id)
            fail(f'suit "{suit_id}" is not followed' + (" any more" if known else
                                                          " (casewatch status lists them)"))
        click.echo(f"{suit_id}: no longer followed; its alerts and matches are kept")
    finally:
        store.close()


@cli.command("send-test")
@click.argument("channel_id")
@CONFIG_OPTION
def send_test(channel_id: str, config_file: str | None) -> None:
    """Send a sample alert through one channel now (not through the outbox).

    Prints what the receiver answered; exit 1 when the send fails.
    """
    import asyncio
    import uuid

    import httpx

    from alerts.base import ChannelContext, DeliveryError
    from alerts.registry import build_channel
    from alerts.render import sample_alert

    settings = settings_from(config_file)
    try:
        config = settings.channel(channel_id)
    except KeyError:
        fail(f'unknown channel "{channel_id}" (known: '
             f'{", ".join(c.id for c in settings.channels) or "none"})')
    alert = sample_alert(f"test-{uuid.uuid4().hex[:16]}", utc_now().isoformat(timespec="seconds"))

    async def send() -> Delivered:
        async with httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=10.0)) as http:
            channel = build_channel(config, ChannelContext(http=http, stream=sys.stdout))
            try:
                return await channel.send(alert)
            finally:
                await channel.aclose()

    try:
        delivered = asyncio.run(send())
    except DeliveryError as exc:
        kind = "temporary" if exc.retryable else "permanent"
        click.echo(f"casewatch: {channel_id}: {kind} failure: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"{channel_id}: sent test alert {alert.id}: {delivered.detail}")


def main() -> None:
    cli(prog_name="casewatch")
