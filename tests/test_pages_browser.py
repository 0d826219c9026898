"""The case pages in a real browser: headless Chromium driven by Selenium against the
daemon's own HTTP server, in process on 127.0.0.1, over a SQLite file that the demo's
seed articles and court feed filled through the real pipeline.

Each page loads with its heading, logs no console error (a Content-Security-Policy
violation is one) and has no script; the case's timeline lists the filings with the
press reports under them, its step filter works by submitting the form, and its chart
has bars. With `[service] http_token` set, a browser without the token gets 401, and one
that sends it (basic auth in the URL, or a bearer header) sees the cases.

Skipped when chromium (or chromium-browser, google-chrome) or chromedriver is not on
PATH. scripts/screenshots.py uses `demo_site` and `start_browser` for the README's images.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import shutil
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from monitor.config import parse_settings
from monitor.demo import load_seed_articles, serve_seeds
from monitor.runtime.app import App, build_app
from monitor.runtime.http import READ_TIMEOUT, HttpServer, Metrics
from monitor.runtime.site import Site
from tests.conftest import FakeClock
from tests.test_court_and_press import JANUARY_SITES
from tests.test_grouping import SEED_CONFIG

pytestmark = pytest.mark.slow

T = TypeVar("T")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CASE = "doe-v-twitter"
CAPTION = "John Doe #1 and John Doe #2 v. Twitter, Inc."
WAIT = 60.0  # seconds the setup on the server's loop may take
PAGES = {  # path: (title, heading)
    "/": ("Cases · casewatch", "Cases"),
    f"/cases/{CASE}": (f"{CAPTION} · casewatch", CAPTION),
    "/sources": ("Sources · casewatch", "Sources"),
    "/outbox": ("Outbox · casewatch", "Outbox"),
}


# -- the site and the browser (scripts/screenshots.py uses these too) --------------------


class Ready:
    """/healthz and /readyz: always fine (the pages are what is looked at here)."""

    def health(self) -> str | None:
        return None

    def readiness(self) -> str | None:
        return None


def browser_binaries() -> tuple[str, str] | None:
    """(Chromium, chromedriver) when both are on PATH."""
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def start_browser(browser: str, driver: str, *, width: int = 1200,
                  height: int = 900) -> WebDriver:
    """Headless Chromium through the given chromedriver (nothing is downloaded), its
    console kept for `get_log("browser")`."""
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update",
                     "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--force-color-profile=srgb", f"--window-size={width},{height}"):
        options.add_argument(argument)
    # the console, and the DevTools events that carry each response's status
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    chrome.set_page_load_timeout(30)
    return chrome


def seed_settings_text(token: str | None) -> str:
    """The demo's config, with the pages' token when given."""
    if token is None:
        return SEED_CONFIG
    return SEED_CONFIG.replace("[service]\n", f'[service]\nhttp_token = "{token}"\n', 1)


@contextmanager
def demo_site(directory: Path, *, token: str | None = None) -> Iterator[str]:
    """The demo's seeds served on 127.0.0.1 and polled, the court's docket first, into
    directory/demo.db; then the daemon's HTTP server with the pages over it, on its own
    event loop in a thread. Yields the pages' base URL, http://127.0.0.1:<port>."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pages-loop", daemon=True)
    thread.start()

    def run(work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, loop).result(WAIT)

    clock = FakeClock()

    async def build(base: str) -> tuple[App, HttpServer]:
        # on the loop's thread: the store's connection is used where it was opened
        env = {"CASEWATCH_DEMO_DB": str(directory / "demo.db"),
               "CASEWATCH_DEMO_FEED": f"{base}/feed.xml",
               "CASEWATCH_DEMO_COURT": f"{base}/court/cand.xml"}
        app = build_app(parse_settings(seed_settings_text(token), env), clock=clock,
                        stream=io.StringIO(), extract_workers=0)
        try:
            # the filings first: each begins its development, the articles join it
            for source in ("seed-court", "seed-news"):
                report = await app.poll(source)
                if not report.ok:
                    raise RuntimeError(f"polling {source} failed: {report.error}")
                clock.advance(minutes=10)
            server = await HttpServer.start("127.0.0.1:0", Ready(), Metrics(lambda: app),
                                            Site(lambda: app))
        except BaseException:
            await app.aclose()
            raise
        return app, server

    async def settle() -> None:
        # the connections a browser opened ahead and closed unused as it quit; one it
        # still holds is given up by the server after its read timeout
        waiting = asyncio.all_tasks() - {asyncio.current_task()}
        if waiting:
            await asyncio.wait(waiting, timeout=READ_TIMEOUT + 1)

    try:
        with serve_seeds(load_seed_articles()) as base:
            app, server = run(build(base))
        try:
            yield f"http://127.0.0.1:{server.port}"
        finally:
            try:
                run(server.aclose())
                run(settle())
            finally:
                run(app.aclose())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# -- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def binaries() -> tuple[str, str]:
    found = browser_binaries()
    if found is None:
        pytest.skip("needs headless Chromium: chromium (or chromium-browser, google-chrome) "
                    "and chromedriver on PATH")
    return found


@pytest.fixture(scope="module")
def site(binaries: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_site(tmp_path_factory.mktemp("pages")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(binaries: tuple[str, str], site: str) -> Iterator[WebDriver]:
    """One browser for the module's pages; it quits before their server stops."""
    driver = start_browser(*binaries)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: WebDriver) -> list[str]:
    """The console's SEVERE entries since the last call."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def documents(driver: WebDriver) -> list[tuple[int, dict[str, str]]]:
    """(status, headers with lower-case names) of each page loaded over HTTP since the
    last call."""
    out = []
    for entry in driver.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        if event["method"] != "Network.responseReceived" \
                or event["params"]["type"] != "Document":
            continue
        response = event["params"]["response"]
        if response["url"].startswith("http"):  # not the new window's data:,
            out.append((response["status"],
                        {k.lower(): v for k, v in response["headers"].items()}))
    return out


def statuses(driver: WebDriver) -> list[int]:
    return [status for status, _ in documents(driver)]


def heading(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def visit(driver: WebDriver, url: str) -> None:
    """Load a page that must come whole: 200, no console error, no script."""
    documents(driver)  # what earlier clicks loaded
    driver.get(url)
    assert statuses(driver) == [200], url
    assert console_errors(driver) == [], url
    assert driver.find_elements(By.TAG_NAME, "script") == [], url


def timeline(driver: WebDriver) -> dict[str, WebElement]:
    """The timeline's entries by the docket entry that began each ("#1")."""
    entries = driver.find_elements(By.CSS_SELECTOR, "#timeline > li")
    return {entry.find_element(By.CSS_SELECTOR, "ul.first > li").text.split()[0]: entry
            for entry in entries}


def open_updates(driver: WebDriver, entry: WebElement) -> list[str]:
    """Click the entry's summary; the outlets of its updates, once they are shown."""
    outlets = entry.find_elements(By.CSS_SELECTOR, "details .outlet")
    assert outlets and not any(o.is_displayed() for o in outlets), "updates shown while closed"
    entry.find_element(By.CSS_SELECTOR, "details > summary").click()
    WebDriverWait(driver, 5).until(lambda _: all(o.is_displayed() for o in outlets))
    assert entry.find_element(By.TAG_NAME, "details").get_attribute("open") is not None
    return [o.text for o in outlets]


# -- the pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_loads_with_its_heading_no_console_error_and_no_script(
        browser: WebDriver, site: str, path: str) -> None:
    visit(browser, site + path)
    title, expected = PAGES[path]
    assert browser.title == title
    assert heading(browser) == expected


def test_the_cases_page_lists_the_case_with_its_last_development(
        browser: WebDriver, site: str) -> None:
    visit(browser, site + "/")
    (row,) = browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
    link = row.find_element(By.TAG_NAME, "a")
    assert link.text == CAPTION
    assert "Amended Complaint" in row.text
    link.click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == f"{site}/cases/{CASE}")
    assert heading(browser) == CAPTION
    assert console_errors(browser) == []


def test_the_timeline_lists_the_filings_with_the_press_reports_under_them(
        browser: WebDriver, site: str) -> None:
    visit(browser, f"{site}/cases/{CASE}")
    entries = timeline(browser)
    assert list(entries) == ["#39", "#38", "#1"]  # newest first
    complaint, amended = entries["#1"], entries["#39"]
    assert "complaint filed" in complaint.find_element(By.CSS_SELECTOR, ".badge").text
    assert sorted(open_updates(browser, complaint)) == JANUARY_SITES
    assert "amended complaint" in amended.find_element(By.CSS_SELECTOR, ".badge").text
    assert open_updates(browser, amended) == ["RedState"]
    assert entries["#38"].find_elements(By.TAG_NAME, "details") == []  # no update
    assert console_errors(browser) == []


def test_the_step_filter_shows_only_that_step(browser: WebDriver, site: str) -> None:
    visit(browser, f"{site}/cases/{CASE}")
    Select(browser.find_element(By.NAME, "step")).select_by_visible_text("amended complaint")
    browser.find_element(By.CSS_SELECTOR, "form.filter button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "step=amended_complaint" in d.current_url)
    assert console_errors(browser) == []
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert list(timeline(browser)) == ["#39"]
    chosen = Select(browser.find_element(By.NAME, "step")).first_selected_option
    assert chosen.text == "amended complaint"
    browser.find_element(By.LINK_TEXT, "clear").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == f"{site}/cases/{CASE}")
    assert len(timeline(browser)) == 3


def test_the_activity_chart_has_bars(browser: WebDriver, site: str) -> None:
    visit(browser, f"{site}/cases/{CASE}")
    chart = browser.find_element(By.CSS_SELECTOR, "#activity svg")
    assert chart.is_displayed()
    bars = browser.find_elements(By.CSS_SELECTOR, "#activity svg rect")
    assert bars
    assert {bar.get_attribute("class") for bar in bars} == {"developments", "articles"}
    assert all(bar.size["height"] > 0 and bar.size["width"] > 0 for bar in bars)


def test_the_sources_and_the_outbox_show_what_the_polls_left(
        browser: WebDriver, site: str) -> None:
    visit(browser, site + "/sources")
    for source in ("seed-news", "seed-court"):
        row = browser.find_element(By.ID, source)
        assert row.find_element(By.CSS_SELECTOR, "td:nth-child(3)").text.startswith("ok")
    visit(browser, site + "/outbox")
    section = browser.find_element(By.ID, "channel-stdout")
    rows = section.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 2  # the two developments' first alerts, not delivered
    assert all(r.find_element(By.CSS_SELECTOR, "td").text == "pending" for r in rows)


# -- the token ----------------------------------------------------------------------------


def test_with_a_token_the_browser_needs_it(
        binaries: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    token = secrets.token_hex(16)
    assert len(token) == 32
    with demo_site(tmp_path_factory.mktemp("token"), token=token) as url:
        host = url.removeprefix("http://")
        browser = start_browser(*binaries)
        try:
            # without it: 401 and the challenge of basic auth (headless Chromium has no
            # password prompt to show for it, so it shows a blank page, not the body)
            browser.get(url + "/")
            ((status, headers),) = documents(browser)
            assert status == 401
            assert headers["www-authenticate"].startswith('Basic realm="casewatch"')
            errors = console_errors(browser)
            assert errors and all("status of 401" in message for message in errors), errors
            assert browser.find_elements(By.ID, "cases") == []
            assert CAPTION not in browser.page_source

            # the token as a bearer header
            browser.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                                    {"headers": {"Authorization": f"Bearer {token}"}})
            visit(browser, url + "/")
            assert heading(browser) == "Cases"
            browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
            browser.get(url + "/sources")
            assert statuses(browser) == [401]
            console_errors(browser)

            # another password in the URL is refused
            browser.get(f"http://reader:{'0' * 32}@{host}/")
            assert statuses(browser) == [401]
            console_errors(browser)

            # the token as the password of basic auth in the URL, then kept for the site
            visit(browser, f"http://reader:{token}@{host}/")
            assert browser.title == "Cases · casewatch"
            assert browser.find_element(By.LINK_TEXT, CAPTION)
            visit(browser, f"{url}/cases/{CASE}")
            assert heading(browser) == CAPTION
        finally:
            browser.quit()
