"""casewatch.toml → validated Settings. Every error names its TOML path.

`${NAME}` (or `${NAME:-default}`) in any string is replaced from the environment
before validation; a missing variable is an error at the path that used it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from alerts.base import ChannelConfigBase
from alerts.registry import CHANNEL_KINDS, ChannelConfig
from feeds.base import Duration
from feeds.courts import resolve_court
from feeds.docket_numbers import parse_docket_number
from feeds.newssearch import NewsSearchConfig, Provider
from feeds.registry import SOURCE_KINDS, SourceConfig
from monitor.delivery.cron import check_timezone, digest_trigger
from monitor.grouping.events import EVENTS
from monitor.matching.parties import common_party
from monitor.matching.query import QuerySyntaxError, parse_query

DEFAULT_CONFIG = "casewatch.toml"
HTTP_ENV = "CASEWATCH_HTTP"  # overrides [service] http (the container image sets it)
HTTP_TOKEN_ENV = "CASEWATCH_HTTP_TOKEN"  # [service] http_token when the file sets none
MIN_TOKEN = 16
# what a channel's `events` filter may name: a kind of alert or a procedural event
CHANNEL_EVENTS = ("development", "update", "docket_entry", "new_suit", "source_health",
                  *EVENTS)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class ConfigError(Exception):
    """The configuration cannot be used. `errors` holds one 'path: message' line each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


DISCOVERY: tuple[Provider, ...] = ("google_news", "gdelt")  # the embedded default


class ServiceConfig(_Strict):
    database: str = "casewatch.db"
    http: str = "127.0.0.1:8080"
    user_agent: str = "casewatch/0.1 (+https://github.com/casewatch/casewatch)"
    default_interval: Duration = timedelta(minutes=15)
    allow_private_addresses: bool = False
    alert_on_first_poll: bool = False
    max_response_bytes: int = Field(default=10_000_000, ge=1024)
    fetch_deadline: Duration = timedelta(seconds=60)  # a whole response, slow or not
    per_host_concurrency: int = Field(default=2, ge=1, le=32)
    # processes that parse feeds and extract articles (0: threads of the daemon's own)
    workers: int = Field(default=2, ge=0, le=16)
    max_backoff: Duration = timedelta(hours=6)
    delivery_interval: Duration = timedelta(seconds=10)
    failure_alert_after: Duration = timedelta(hours=1)  # failing this long: a health alert
    # with cases and no [[sources]]: search the news for every case with these providers
    discovery: list[Provider] = Field(default_factory=lambda: list(DISCOVERY))
    discovery_base_url: HttpUrl | None = None  # scheme and host for them all (a proxy)
    pages: bool = True  # the case pages beside /healthz, /readyz and /metrics
    # what the case pages ask of a browser (a bearer token or a basic-auth password)
    http_token: SecretStr | None = None

    @field_validator("http_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN:
            raise ValueError(f"at least {MIN_TOKEN} characters (openssl rand -hex 16 "
                             "makes one)")
        return value

    @model_validator(mode="after")
    def _http_address(self) -> ServiceConfig:
        if self.http and not re.fullmatch(r"[^:\s]*:\d{1,5}", self.http):
            raise ValueError(f'http: expected "host:port" or "", got "{self.http}"')
        if self.http and self.pages and self.http_token is None \
                and not is_loopback(self.http.rpartition(":")[0]):
            raise ValueError(
                f'http: "{self.http}" is not a loopback address, so the case pages need a '
                f'token: set http_token = "${{{HTTP_TOKEN_ENV}}}" (or the {HTTP_TOKEN_ENV} '
                "environment variable), or pages = false to serve only /healthz, /readyz "
                "and /metrics there")
        return self

    @property
    def token(self) -> str | None:
        return self.http_token.get_secret_value() if self.http_token else None


def is_loopback(host: str) -> bool:
    """Whether a listening host is reached only from this machine ("" is every interface)."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name may resolve to a public interface


class CaseConfig(_Strict):
    id: str = Field(min_length=1, pattern=_ID)
    caption: str = ""
    aliases: list[str] = Field(default_factory=list)
    parties: list[str] = Field(default_factory=list)
    court: str | None = None
    docket_number: str | None = None
    query: str | None = None
    exclude: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)  # empty: every source
    notify: list[str] = Field(default_factory=list)
    # docket entries: "filtered" leaves routine paperwork out of alerts, "all" sends
    # every entry, "none" stores entries without alerting; `docket_routine` replaces
    # the default list of routine-entry patterns (regular expressions)
    docket_alert: Literal["filtered", "all", "none"] = "filtered"
    docket_routine: list[str] | None = None

    @field_validator("court")
    @classmethod
    def _known_court(cls, value: str | None) -> str | None:
        """An id, a name or a citation; kept as the court's id."""
        return None if value is None else resolve_court(value)

    @field_validator("docket_number")
    @classmethod
    def _parsable_docket(cls, value: str | None) -> str | None:
        if value is not None and parse_docket_number(value) is None:
            raise ValueError(
                f'not a docket number: "{value}" (expected e.g. "3:21-cv-00485" or "22-15961")')
        return value

    @field_validator("docket_routine")
    @classmethod
    def _patterns_compile(cls, value: list[str] | None) -> list[str] | None:
        for pattern in value or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> CaseConfig:
        if not (self.query or self.aliases or self.parties or self.docket_number):
            raise ValueError("a case needs at least one of query, aliases, parties, docket_number")
        return self

    @property
    def title(self) -> str:
        return self.caption or (self.aliases[0] if self.aliases else self.id)


class WatchConfig(_Strict):
    """A party watched in every court source: each new suit naming it becomes a tracked
    case of its own (`monitor.matching.suits`)."""

    id: str = Field(min_length=1, pattern=_ID)
    parties: list[str] = Field(min_length=1)
    courts: list[str] = Field(default_factory=list)  # empty: every court
    sources: list[str] = Field(default_factory=list)  # empty: every court source
    exclude: list[str] = Field(default_factory=list)  # a case name naming one is not a suit
    ignore: list[str] = Field(default_factory=list)  # docket numbers never followed
    notify: list[str] = Field(default_factory=list)
    docket_alert: Literal["filtered", "all", "none"] = "filtered"

    @field_validator("courts")
    @classmethod
    def _known_courts(cls, value: list[str]) -> list[str]:
        return [resolve_court(court) for court in value]

    @field_validator("ignore")
    @classmethod
    def _parsable_dockets(cls, value: list[str]) -> list[str]:
        for number in value:
            if parse_docket_number(number) is None:
                raise ValueError(f'not a docket number: "{number}"')
        return value


class Settings(_Strict):
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    cases: list[CaseConfig] = Field(default_factory=list)
    watches: list[WatchConfig] = Field(default_factory=list)
    channels: list[ChannelConfig] = Field(default_factory=list)

    @cached_property
    def sources_by_id(self) -> dict[str, SourceConfig]:
        return {source.id: source for source in self.sources}

    def source(self, source_id: str) -> SourceConfig:
        """A configured source by id (every poll asks: a dict, not a walk of the list);
        KeyError for an unknown one."""
        return self.sources_by_id[source_id]

    def channel(self, channel_id: str) -> ChannelConfig:
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        raise KeyError(channel_id)


def toml_path(loc: tuple[int | str, ...]) -> str:
    """('cases', 2, 'notify', 0) → 'cases[2].notify[0]'; union tags are dropped."""
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in (*SOURCE_KINDS, *CHANNEL_KINDS):
            pass  # pydantic's discriminator tag, not a TOML key
        elif "[" in part or "," in part or part.startswith("function-"):
            pass  # pydantic's internal location names
        else:
            out += f".{part}" if out else part
        previous = part
    return out or "(top level)"


def interpolate(data: Any, environ: Mapping[str, str], path: str = "") -> tuple[Any, list[str]]:
    """Replace ${NAME} in every string; return the new data and the errors."""
    errors: list[str] = []
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out[key], errs = interpolate(value, environ, f"{path}.{key}" if path else key)
            errors += errs
        return out, errors
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, errs = interpolate(value, environ, f"{path}[{index}]")
            items.append(item)
            errors += errs
        return items, errors
    if isinstance(data, str):

        def replace(found: re.Match[str]) -> str:
            name, default = found.group(1), found.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            errors.append(f"{path}: environment variable {name} is not set")
            return ""

        return _ENV_REF.sub(replace, data), errors
    return data, errors


def _cross_check(settings: Settings) -> list[str]:
    errors: list[str] = []
    for section in ("sources", "cases", "watches", "channels"):
        seen: set[str] = set()
        for index, entry in enumerate(getattr(settings, section)):
            if entry.id in seen:
                errors.append(f'{section}[{index}].id: duplicate id "{entry.id}"')
            seen.add(entry.id)
    sources = {s.id for s in settings.sources}
    channels = {c.id for c in settings.channels}
    cases = {c.id for c in settings.cases}
    for index, case in enumerate(settings.cases):
        for n, name in enumerate(case.notify):
            if name not in channels:
                errors.append(f'cases[{index}].notify[{n}]: unknown channel "{name}"')
        for n, name in enumerate(case.sources):
            if name not in sources:
                errors.append(f'cases[{index}].sources[{n}]: unknown source "{name}"')
    for index, source in enumerate(settings.sources):
        for n, name in enumerate(getattr(source, "cases", ())):
            if name not in cases:
                errors.append(f'sources[{index}].cases[{n}]: unknown case "{name}"')
    for index, case in enumerate(settings.cases):
        errors += _query_errors(index, case)
    for index, watch in enumerate(settings.watches):
        errors += _watch_errors(index, watch, sources, channels, cases)
    for index, channel in enumerate(settings.channels):
        for n, name in enumerate(channel.cases):
            if name not in cases:
                errors.append(f'channels[{index}].cases[{n}]: unknown case "{name}"')
        errors += _digest_errors(index, channel)
        for n, name in enumerate(channel.events):
            if name not in CHANNEL_EVENTS:
                errors.append(f'channels[{index}].events[{n}]: unknown event "{name}" '
                              f'(expected one of {", ".join(CHANNEL_EVENTS)})')
    return errors


def _watch_errors(index: int, watch: WatchConfig, sources: set[str], channels: set[str],
                  cases: set[str]) -> list[str]:
    where = f"watches[{index}]"
    errors = [f'{where}.id: "{watch.id}" is also a case\'s id'] if watch.id in cases else []
    errors += [f'{where}.notify[{n}]: unknown channel "{name}"'
               for n, name in enumerate(watch.notify) if name not in channels]
    errors += [f'{where}.sources[{n}]: unknown source "{name}"'
               for n, name in enumerate(watch.sources) if name not in sources]
    if not watch.courts:
        errors += [f'{where}.parties[{n}]: "{name}" is {why}: name the courts to watch it in '
                   "(courts = [...])"
                   for n, name in enumerate(watch.parties) if (why := common_party(name))]
    return errors


def _digest_errors(index: int, channel: ChannelConfigBase) -> list[str]:
    where = f"channels[{index}]"
    problem = check_timezone(channel.timezone)
    if problem:
        return [f"{where}.timezone: {problem}"]
    if channel.digest is not None:
        try:
            digest_trigger(channel.digest, channel.timezone)
        except ValueError as exc:
            return [f"{where}.digest: {exc}"]
    elif channel.updates == "digest":
        return [f'{where}.updates: "digest" needs a digest schedule (digest = "<cron>")']
    return []


def _query_errors(index: int, case: CaseConfig) -> list[str]:
    errors = []
    fields = [("query", case.query)] if case.query else []
    fields += [(f"exclude[{n}]", text) for n, text in enumerate(case.exclude)]
    for name, text in fields:
        try:
            parse_query(text)
        except QuerySyntaxError as exc:
            errors.append(f'cases[{index}].{name} (case "{case.id}"): {exc}')
    return errors


def deployment_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """What the environment of a deployment says over the file: the HTTP address
    ($CASEWATCH_HTTP), and the pages' token ($CASEWATCH_HTTP_TOKEN) when the file sets none."""
    service = data.setdefault("service", {})
    if not isinstance(service, dict):
        return  # validation says what is wrong with it
    if HTTP_ENV in environ:
        service["http"] = environ[HTTP_ENV].strip()
    if environ.get(HTTP_TOKEN_ENV) and "http_token" not in service:
        service["http_token"] = environ[HTTP_TOKEN_ENV]


def parse_settings(text: str, environ: Mapping[str, str] | None = None, *,
                   deployment: bool = False) -> Settings:
    """TOML text → Settings, or ConfigError listing every problem with its path.
    `deployment`: the environment's overrides apply too (the daemon's config file)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"(toml) {exc}"]) from exc
    env = os.environ if environ is None else environ
    data, errors = interpolate(raw, env)
    if errors:
        raise ConfigError(errors)
    if deployment:
        deployment_overrides(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None
    errors = _cross_check(settings)
    if errors:
        raise ConfigError(errors)
    return with_discovery(settings)


def discovery_id(provider: Provider) -> str:
    """The id of the embedded news search of a provider: `news-google-news`."""
    return f"news-{provider.replace('_', '-')}"


def discovery_sources(settings: Settings) -> list[NewsSearchConfig]:
    """The news searches a config with cases and no [[sources]] gets: one source per
    provider of `[service] discovery`, each searching for every case."""
    if settings.sources or not settings.cases:
        return []
    return [NewsSearchConfig.model_validate({
        "kind": "news_search", "id": discovery_id(provider),
        "provider": provider, "base_url": settings.service.discovery_base_url,
    }) for provider in settings.service.discovery]


def discovery_note(settings: Settings) -> str:
    """What `check` and the start say of the embedded news searches, or ""."""
    found = [s for s in settings.sources if isinstance(s, NewsSearchConfig)
             and s.id == discovery_id(s.provider) and not s.cases]
    if not found or len(found) != len(settings.sources):
        return ""
    return ("no [[sources]]: searching the news for every case with "
            + ", ".join(s.provider for s in found)
            + ' ([service] discovery = [] turns this off)')


def with_discovery(settings: Settings) -> Settings:
    found = discovery_sources(settings)
    return settings.model_copy(update={"sources": found}) if found else settings


def _describe(err: Any) -> str:
    message = str(err["msg"])
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx") or {}
        key = str(ctx.get("discriminator", "kind")).strip("'")
        path = f"{toml_path(tuple(err['loc']))}.{key}"
        if err["type"] == "union_tag_not_found":
            return f"{path}: missing"
        return (f'{path}: unknown kind "{ctx.get("tag")}" '
                f"(expected one of {ctx.get('expected_tags')})")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] in ("union_tag_invalid", "literal_error") and err["loc"][-1:] == ("kind",):
        message = f'unknown kind "{err.get("input")}" ({message})'
    message = message.removeprefix("Value error, ")
    return f"{toml_path(tuple(err['loc']))}: {message}"


def config_path(given: str | None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(given or env.get("CASEWATCH_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config file ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: the config file is not UTF-8"]) from None
    return parse_settings(text, environ, deployment=True)
