"""The README's screenshots of the case pages, 1200 px wide, cut to each page's height:
docs/images/cases.png (`/`) and docs/images/case.png (the demo case's timeline, the
complaint's updates opened).

The demo's seed articles and court feed are polled into a SQLite file and the daemon's
HTTP server serves the pages over it, in process (`demo_site` of
tests/test_pages_browser.py); headless Chromium and chromedriver take the pictures.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]   # from the repository root
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 1200
MAX_HEIGHT = 4000


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))  # the tests' helpers, from a checkout
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.common.by import By

    from tests.test_pages_browser import CASE, browser_binaries, demo_site, start_browser

    out = Path(argv[0]) if argv else ROOT / "docs" / "images"
    found = browser_binaries()
    if found is None:
        print("screenshots: needs chromium (or chromium-browser, google-chrome) and "
              "chromedriver on PATH", file=sys.stderr)
        return 1

    def shoot(driver: WebDriver, name: str) -> None:
        """The page as it is now, WIDTH wide and as tall as its content."""
        height = int(driver.execute_script("return document.body.scrollHeight"))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": min(height, MAX_HEIGHT), "deviceScaleFactor": 1,
            "mobile": False})
        try:
            path = out / name
            path.write_bytes(driver.get_screenshot_as_png())
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{WIDTH}x{min(height, MAX_HEIGHT)}, {path.stat().st_size // 1024} KB")

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, demo_site(Path(directory)) as url:
        driver = start_browser(*found, width=WIDTH)
        try:
            driver.get(url + "/")
            shoot(driver, "cases.png")
            driver.get(f"{url}/cases/{CASE}")
            for entry in driver.find_elements(By.CSS_SELECTOR, "#timeline > li"):
                if entry.find_element(By.CSS_SELECTOR, "ul.first > li").text.startswith("#1 "):
                    entry.find_element(By.CSS_SELECTOR, "details > summary").click()
            shoot(driver, "case.png")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
