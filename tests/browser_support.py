"""Support for the browser tests (tests/test_browser*.py): Debian Chromium driven by Playwright,
a tab that fails its test on a console error or warning, an uncaught script error, a
Content-Security-Policy violation or a request to another origin, screenshots kept in one
folder, and a small server on another origin (a client page, map tiles).

The fixtures built on these (`browser`, `tab`, `tab_without_scripts`, `tab_watch`,
`screenshots`) are in conftest.py. Screenshots go to the folder named by CITYDIP_SCREENSHOTS
when it is set (to look at them after the run), else to the test's own tmp_path."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

#: Chromium's switches: no sandbox (containers), no GPU, and no traffic of its own (updates,
#: sync, QUIC probes), so that every request a tab sees comes from the page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: A tab's window unless the test sets its own (`page.set_viewport_size`).
VIEWPORT = {"width": 1100, "height": 900}
#: The folder screenshots are kept in when set.
SCREENSHOTS_ENV = "CITYDIP_SCREENSHOTS"

#: Reports every `securitypolicyviolation` event of every document (frames too) to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.citydipViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


# ---------------------------------------------------------------- Chromium and Playwright


def chromium_path() -> Path:
    """Debian's chromium; the test is skipped, saying so, when it is not installed."""
    found = Path(shutil.which("chromium") or "/usr/bin/chromium")
    if not found.is_file():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return found


def playwright_api() -> ModuleType:
    """`playwright.sync_api`; the test is skipped, saying so, when Playwright is missing."""
    api: ModuleType = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    return api


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright for the duration of the block."""
    executable = chromium_path()
    with playwright_api().sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def expect(target: Any) -> Any:
    """Playwright's retrying assertions on `target` (a locator or a page). They poll from
    Playwright's own script: a string predicate would need eval, which the pages refuse."""
    return playwright_api().expect(target)


# ---------------------------------------------------------------- a tab that watches


def origin_of(url: str) -> str:
    """`scheme://host:port` of `url` (`data://` for a data: URL, never a site's)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class TabWatch:
    """What a tab saw: problems (console errors and warnings, uncaught script errors, policy
    violations) and every URL it requested. The site is the origin of the tab's first request
    (the first page it opened); a test adds any other origin it means the page to ask."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)

    def allow(self, *urls: str) -> None:
        """Requests to the origins of `urls` are expected too."""
        self.allowed.update(origin_of(url) for url in urls)

    def foreign_requests(self) -> list[str]:
        """The requests to an origin that is neither the site's nor allowed."""
        if not self.requests:
            return []
        expected = {origin_of(self.requests[0]), *self.allowed}
        return [url for url in self.requests if origin_of(url) not in expected]

    def check(self) -> None:
        """Fails unless the tab asked something, saw no problem and asked no other origin."""
        # (explicit messages: pytest rewrites the asserts of test modules, not this one)
        assert self.problems == [], f"the tab saw problems: {self.problems}"
        assert self.requests, "the tab made no request at all"
        foreign = self.foreign_requests()
        assert foreign == [], f"requests to another origin: {foreign}"


def _watch_page(page: Any, watch: TabWatch) -> None:
    def console(message: Any) -> None:
        # Every request counts, the site's icon included (static/favicon.svg, linked by every
        # page, so the browser does not ask for a missing /favicon.ico).
        if message.type in ("error", "warning"):
            watch.problems.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
    page.on("request", lambda request: watch.requests.append(request.url))


@contextmanager
def open_tab(browser: Any, watch: TabWatch, **context_options: Any) -> Iterator[Any]:
    """A page in a new browser context (`VIEWPORT` unless `context_options` say otherwise)
    that reports to `watch`; at the end of the block `watch.check()` must pass."""
    context = browser.new_context(**{"viewport": VIEWPORT, **context_options})
    context.expose_function("citydipViolation", lambda text: watch.problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    _watch_page(page, watch)
    try:
        yield page
        page.wait_for_timeout(100)  # let late violation reports arrive
    finally:
        context.close()
    watch.check()


# ---------------------------------------------------------------- screenshots


def screenshot_folder(tmp_path: Path) -> Path:
    """The folder in CITYDIP_SCREENSHOTS when set, else `tmp_path`; made if missing."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(
    target: Any, folder: Path, name: str, *, min_bytes: int = 10_000, **options: Any
) -> Path:
    """A screenshot of `target` (a page or a locator) as `folder/name.png`, with Playwright's
    screenshot `options` (`full_page=True`, ...); more than `min_bytes` bytes, so that a blank
    or unstyled view fails."""
    shot = folder / f"{name}.png"
    target.screenshot(path=str(shot), **options)
    size = shot.stat().st_size
    assert size > min_bytes, f"{shot.name} is {size} bytes, not more than {min_bytes}"
    return shot


# ---------------------------------------------------------------- another origin


@contextmanager
def serve_constant(body: bytes, content_type: str, asked: list[str] | None = None) -> Iterator[str]:
    """A server on 127.0.0.1 on a free port (so another origin than the app's) answering every
    GET with `body`, for the duration of the block; its URL. Paths asked go to `asked`."""

    class Constant(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if asked is not None:
                asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Constant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def client_page(html: str) -> Iterator[str]:
    """A browser application's page (`html`, its script inline) served from another origin
    than the app's: the cross-origin client of the CORS and reconciliation tests; its URL."""
    with serve_constant(html.encode(), "text/html; charset=utf-8") as url:
        yield url
