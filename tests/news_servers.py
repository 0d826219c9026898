"""Google News, Bing News and GDELT DOC 2.0 search on 127.0.0.1, answering real samples.

`news_search_server(server, mode=...)` installs, on a `LoopbackServer`:

* `/rss/search` - Google News RSS search (tests/fixtures/news_search/google_news_search.xml);
* `/rss/articles/<id>` and `/articles/<id>` - the article page that carries the
  `data-n-a-sg` / `data-n-a-ts` attributes public decoders read;
* `/_/DotsSplashUi/data/batchexecute` - POST, answers `garturlres` rows mapping each
  article id to a publisher page on the same loopback host;
* `/news/search` - Bing News RSS (needs `format=RSS`), and `/news/apiclick.aspx`, which
  redirects to its `url=` parameter as Bing's click tracker does;
* `/api/v2/doc/doc` - GDELT DOC 2.0 (needs `mode=ArtList` and `format=json`);
* `/publisher/<n>` - a plain article page for every item of the three samples.

Every publisher link in the served samples is rewritten to `/publisher/<n>` on the
loopback host (Google's article links to `/rss/articles/<id>` on it), so nothing a
client follows leaves 127.0.0.1. `NewsStandIn.publishers` maps each `/publisher/<n>`
URL to the original publisher URL and title.

Modes, per service or for all (`stand_in.mode = ...`, `stand_in.modes["bing"] = ...`):
"ok"; "empty" (a valid answer without items); "429" (Retry-After: 60; GDELT's body is
its real plain-text notice); "blocked" (Google: 200 with its "unusual traffic" HTML
page; Bing and GDELT: 403 HTML); "malformed" (the body cut in half).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.servers import LoopbackServer, Request, Response

FIXTURES = Path(__file__).parent / "fixtures" / "news_search"
MODES = ("ok", "empty", "429", "blocked", "malformed")
SERVICES = ("google", "bing", "gdelt")

GOOGLE_SEARCH = "/rss/search"
BATCHEXECUTE = "/_/DotsSplashUi/data/batchexecute"
BING_SEARCH = "/news/search"
BING_CLICK = "/news/apiclick.aspx"
GDELT_DOC = "/api/v2/doc/doc"

# the signature and timestamp the article page carries; batchexecute checks them
SIGNATURE = "AZ5r3eTESTSIGNATUREloopbackstandin000000000"
TIMESTAMP = "1784000000"
_FIXTURE_ARTICLE_ID = re.compile(r'data-n-a-id="[^"]*"')

GOOGLE_BLOCK_PAGE = """<!DOCTYPE html><html lang="en"><head><meta http-equiv="content-type"
content="text/html; charset=utf-8"><title>https://news.google.com/rss/search</title></head>
<body><div id="infoDiv0" style="display:none">This page checks to see if it's really you
sending the requests, and not a robot.</div><div style="max-width:400px;">
<form id="captcha-form" action="index" method="post"><div id="recaptcha" class="g-recaptcha"
data-sitekey="6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4kjq62Y1b"></div>
<input type='hidden' name='q' value='EhAgAQ'><input type="hidden" name="continue"
value="https://news.google.com/rss/search"></form><hr noshade size="1"
style="color:#ccc; background-color:#ccc;"><br><div style="font-size:13px;">
<b>About this page</b><br><br>Our systems have detected unusual traffic from your computer
network. This page checks to see if it's really you sending the requests, and not a robot.
</div></div></body></html>"""

BING_BLOCK_PAGE = """<!DOCTYPE html><html><head><title>Access Denied</title></head><body>
<h1>Access Denied</h1><p>You don't have permission to access this resource.</p>
<p>Reference #18.7c3e1102.1784000000.1a2b3c4d</p></body></html>"""

GDELT_BLOCK_PAGE = """<html><head><title>403 Forbidden</title></head><body>
<h1>Forbidden</h1><p>You don't have permission to access /api/v2/doc/doc on this server.</p>
</body></html>"""


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _items(xml: str) -> list[str]:
    return re.findall(r"<item>.*?</item>", xml, flags=re.S)


def _tag(item: str, name: str) -> str:
    found = re.search(rf"<{name}[^>]*>(.*?)</{name}>", item, flags=re.S)
    return html.unescape(found.group(1)) if found else ""


def _without_items(xml: str) -> str:
    return re.sub(r"<item>.*?</item>", "", xml, flags=re.S)


@dataclass
class Publisher:
    url: str  # the loopback page
    original: str  # the publisher URL in the real sample (Google: the news.google.com link)
    title: str
    service: str


def _rss(status: int, body: str | bytes) -> Response:
    return Response(status, body, {"Content-Type": "application/rss+xml; charset=utf-8"})


def _html(status: int, body: str | bytes) -> Response:
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8"})


def _too_many(body: str = "Too Many Requests") -> Response:
    return Response(429, body, {"Content-Type": "text/plain; charset=utf-8",
                                "Retry-After": "60"})


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


class NewsStandIn:
    def __init__(self, server: LoopbackServer, *, mode: str = "ok") -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {MODES}")
        self.server = server
        self.base = server.base
        self.mode = mode
        self.modes: dict[str, str] = {}  # a service's own mode, over `mode`
        self.publishers: list[Publisher] = []
        self.google_ids: dict[str, str] = {}  # article id -> loopback publisher URL
        self.google_xml = self._google()
        self.bing_xml = self._bing()
        self.gdelt_json = self._gdelt()
        self._install()

    # --- what the samples become on the loopback host --------------------------------

    def publisher_url(self, n: int) -> str:
        return f"{self.base}/publisher/{n}"

    def _add(self, service: str, original: str, title: str) -> str:
        url = self.publisher_url(len(self.publishers))
        self.publishers.append(Publisher(url, original, title, service))
        return url

    def _google(self) -> str:
        xml = fixture("google_news_search.xml").decode()
        for item in _items(xml):
            link = _tag(item, "link")
            article = urlsplit(link).path.rsplit("/", 1)[-1]
            title = _tag(item, "title")
            source = _tag(item, "source")
            if source and title.endswith(" - " + source):
                title = title[: -len(" - " + source)]
            self.google_ids[article] = self._add("google", link, title)
        # the cluster links in descriptions name other stories: they resolve too
        for article in re.findall(r"news\.google\.com/rss/articles/([\w-]+)", xml):
            if article not in self.google_ids:
                self.google_ids[article] = self._add("google", article, "Related story")
        return xml.replace("https://news.google.com/rss/articles/", f"{self.base}/rss/articles/")

    def _bing(self) -> str:
        xml = fixture("bing_news_search.xml").decode()
        out = []
        for item in _items(xml):
            link = _tag(item, "link")
            target = parse_qs(urlsplit(link).query)["url"][0]
            url = self._add("bing", target, _tag(item, "title"))
            encoded = re.search(r"url=([^&]*)&amp;", item)
            assert encoded is not None
            lowered = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(url, safe=""))
            out.append(item.replace(encoded.group(1), lowered)
                       .replace("http://www.bing.com/news/apiclick.aspx", self.base + BING_CLICK))
        head, _, _ = xml.partition("<item>")
        return head + "".join(out) + "</channel></rss>"

    def _gdelt(self) -> str:
        data = json.loads(fixture("gdelt_artlist.json"))
        for article in data["articles"]:
            url = self._add("gdelt", article["url"], article["title"])
            article["url"] = url
            if article["url_mobile"]:
                article["url_mobile"] = url + "?amp=1"
        return json.dumps(data, ensure_ascii=False)

    # --- helpers for tests ------------------------------------------------------------

    def google_search_url(self, q: str, **params: str) -> str:
        extra = "".join(f"&{k}={quote(v)}" for k, v in params.items())
        return f"{self.base}{GOOGLE_SEARCH}?q={quote(q)}&hl=en-US&gl=US&ceid=US:en{extra}"

    def bing_search_url(self, q: str) -> str:
        return f"{self.base}{BING_SEARCH}?q={quote(q)}&format=RSS&mkt=en-US"

    def gdelt_url(self, q: str) -> str:
        return (f"{self.base}{GDELT_DOC}?query={quote(q)}&mode=ArtList&format=json"
                "&maxrecords=75&sort=DateDesc")

    def queries(self, path: str, param: str = "q") -> list[str]:
        """The `param` value of every request made to `path`, in order."""
        return [parse_qs(urlsplit(r.path).query).get(param, [""])[0]
                for r in self.server.hits(path)]

    def mode_for(self, service: str) -> str:
        return self.modes.get(service, self.mode)

    # --- routes -----------------------------------------------------------------------

    def _install(self) -> None:
        s = self.server
        s.route(GOOGLE_SEARCH, self._google_search)
        for article in self.google_ids:
            s.route(f"/rss/articles/{article}", self._article)
            s.route(f"/articles/{article}", self._article)
        s.route(BATCHEXECUTE, self._batchexecute)
        s.route(BING_SEARCH, self._bing_search)
        s.route(BING_CLICK, self._bing_click)
        s.route(GDELT_DOC, self._gdelt_doc)
        for n, publisher in enumerate(self.publishers):
            s.route(f"/publisher/{n}", self._publisher_page(publisher))

    def _refusal(self, service: str) -> Response | None:
        mode = self.mode_for(service)
        if mode == "429":
            return _too_many(fixture("gdelt_rate_limited.txt").decode()
                             if service == "gdelt" else "Too Many Requests")
        if mode == "blocked":
            if service == "google":
                return _html(200, GOOGLE_BLOCK_PAGE)
            return _html(403, BING_BLOCK_PAGE if service == "bing" else GDELT_BLOCK_PAGE)
        return None

    def _google_search(self, request: Request) -> Response:
        refused = self._refusal("google")
        if refused:
            return refused
        mode = self.mode_for("google")
        body = self.google_xml.encode()
        if mode == "empty":
            body = _without_items(self.google_xml).encode()
        elif mode == "malformed":
            body = _half(body)
        return _rss(200, body)

    def _article(self, request: Request) -> Response:
        refused = self._refusal("google")
        if refused:
            return refused
        article = urlsplit(request.path).path.rsplit("/", 1)[-1]
        page = fixture("google_news_article.html").decode()
        page = _FIXTURE_ARTICLE_ID.sub(f'data-n-a-id="{article}"', page)
        body = page.encode()
        if self.mode_for("google") == "malformed":
            body = _half(body)
        return _html(200, body)

    def _batchexecute(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, "POST only")
        refused = self._refusal("google")
        if refused:
            return refused
        form = parse_qs(request.body.decode())
        try:
            envelopes = json.loads(form["f.req"][0])[0]
        except (KeyError, IndexError, ValueError):
            return Response(400, ")]}'\n\n[[\"er\",null,null,null,null,400]]")
        rows: list[list[object]] = []
        for envelope in envelopes:
            rpc, inner, req_id = envelope[0], json.loads(envelope[1]), envelope[-1]
            article, ts, sig = inner[2], str(inner[3]), inner[4]
            url = self.google_ids.get(article)
            if rpc != "Fbv4je" or url is None or sig != SIGNATURE or ts != TIMESTAMP:
                rows.append(["wrb.fr", rpc, None, None, None, [3], req_id])
                continue
            if self.mode_for("google") == "empty":
                continue
            rows.append(["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]),
                         None, None, None, req_id])
        rows += [["di", 38], ["af.httprm", 37, "-6379426315596591372", 9]]
        body = (")]}'\n\n" + json.dumps(rows, separators=(",", ":"))).encode()
        if self.mode_for("google") == "malformed":
            body = _half(body)
        return Response(200, body, {"Content-Type": "application/json; charset=utf-8"})

    def _bing_search(self, request: Request) -> Response:
        query = parse_qs(urlsplit(request.path).query)
        if query.get("format", [""])[0].lower() != "rss":
            return _html(400, "<html><body>format=RSS is required here</body></html>")
        refused = self._refusal("bing")
        if refused:
            return refused
        mode = self.mode_for("bing")
        body = self.bing_xml.encode()
        if mode == "empty":
            body = _without_items(self.bing_xml).encode()
        elif mode == "malformed":
            body = _half(body)
        return _rss(200, body)

    def _bing_click(self, request: Request) -> Response:
        target = parse_qs(urlsplit(request.path).query).get("url")
        if not target:
            return Response(400, "no url")
        return Response(302, b"", {"Location": unquote(target[0])})

    def _gdelt_doc(self, request: Request) -> Response:
        query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        if query.get("mode", "").lower() != "artlist" or query.get("format", "").lower() != "json":
            return Response(200, "Invalid query: mode=ArtList and format=json are required.",
                            {"Content-Type": "text/plain; charset=utf-8"})
        refused = self._refusal("gdelt")
        if refused:
            return refused
        mode = self.mode_for("gdelt")
        body = self.gdelt_json.encode()
        if mode == "empty":
            body = b"{}"  # what DOC 2.0 answers for a query with no articles
        elif mode == "malformed":
            body = _half(body)
        return Response(200, body, {"Content-Type": "application/json; charset=utf-8"})

    def _publisher_page(self, publisher: Publisher) -> Response:
        title = html.escape(publisher.title)
        page = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>"
                f"<meta property=\"og:title\" content=\"{title}\">"
                f"<link rel=\"canonical\" href=\"{publisher.url}\"></head><body><article>"
                f"<h1>{title}</h1><time datetime=\"2026-07-14T03:33:16Z\">14 July 2026</time>"
                f"<p>{title}. This page stands in for the publisher's article at "
                f"{html.escape(publisher.original)}; the story's text is not reproduced.</p>"
                "</article></body></html>")
        return _html(200, page)


def news_search_server(server: LoopbackServer, *, mode: str = "ok") -> NewsStandIn:
    """Install the three search services on `server`; see the module docstring."""
    return NewsStandIn(server, mode=mode)
