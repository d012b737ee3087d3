"""The pages in real headless Debian Chromium against a live waitress server, under the
site's Content-Security-Policy: every test fails on a console error, an uncaught script error
or a policy violation."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = Path("/tmp/citydip-tabriz.png")

if not Path(CHROMIUM).is_file():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


#: Reports every `securitypolicyviolation` event of every document to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.citydipViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture()
def problems() -> list[str]:
    """Console errors, page errors and policy violations seen by `tab` (empty at the end)."""
    return []


@pytest.fixture()
def tab(browser: Any, problems: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.expose_function("citydipViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()

    def console(message: Any) -> None:
        # Every request counts, the site's icon included (static/favicon.svg, linked by
        # every page, so the browser does not ask for a missing /favicon.ico).
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    page.wait_for_timeout(100)  # let late violation reports arrive
    context.close()
    assert problems == []


def test_tabriz_page_renders_rtl_persian_and_facts(tab: object, mini_server: str) -> None:
    page = tab
    response = page.goto(f"{mini_server}/id/city/tabriz")  # type: ignore[attr-defined]
    assert response.ok
    assert page.url.endswith("/doc/city/tabriz.html")  # type: ignore[attr-defined]
    label = page.locator("h1 .label-fa")  # type: ignore[attr-defined]
    assert label.inner_text() == "تبریز"
    assert label.evaluate("e => getComputedStyle(e).direction") == "rtl"
    english = page.locator("h1 .label-en")  # type: ignore[attr-defined]
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    quote = page.locator("li.fact blockquote.quotation").first  # type: ignore[attr-defined]
    assert quote.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("li.fact").count() == 2  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOT), full_page=True)  # type: ignore[attr-defined]
    assert SCREENSHOT.stat().st_size > 10_000


def test_persian_interface_is_right_to_left(tab: object, mini_server: str) -> None:
    page = tab
    page.goto(f"{mini_server}/doc/city/tabriz.html?lang=fa")  # type: ignore[attr-defined]
    direction = page.evaluate("getComputedStyle(document.body).direction")  # type: ignore[attr-defined]
    assert direction == "rtl"
    assert page.locator("section.facts h2").inner_text() == "واقعیت‌ها و منابع آن‌ها"  # type: ignore[attr-defined]
    page.screenshot(path="/tmp/citydip-tabriz-fa.png", full_page=True)  # type: ignore[attr-defined]


def test_links_work(tab: object, mini_server: str) -> None:
    page = tab
    page.goto(f"{mini_server}/")  # type: ignore[attr-defined]
    page.click("a[href='/doc/city/']")  # type: ignore[attr-defined]
    page.click("a[href='/id/city/wuhan']")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.url.endswith("/doc/city/wuhan.html")  # type: ignore[attr-defined]
    assert page.locator("h1 .label-en").inner_text() == "Wuhan"  # type: ignore[attr-defined]
    page.click("a[href='/id/twinning/tabriz-wuhan']")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "Tabriz – Wuhan" in page.locator("h1").inner_text()  # type: ignore[attr-defined]
    page.click("text=Sister-cityhood: the transition to city diplomacy")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.url.endswith("/doc/article/004_aa1ce6595c509616.html")  # type: ignore[attr-defined]


def test_query_page_round_trip(tab: object, mini_server_without_vendor: str) -> None:
    """The plain query form, as without node_modules/ (with it, YASGUI replaces the textarea
    and button: tests/test_browser_query_editor.py)."""
    page = tab
    page.goto(f"{mini_server_without_vendor}/query")  # type: ignore[attr-defined]
    page.select_option("#example", "tabriz-wuhan-source")  # type: ignore[attr-defined]
    assert "tabriz-wuhan" in page.input_value("#query")  # type: ignore[attr-defined]
    page.select_option("#example", "tabriz-sister-cities")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    table = page.locator("#results table.results")  # type: ignore[attr-defined]
    table.wait_for(timeout=10_000)
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:3] == ["partner", "partnerLabel", "wikidata"]
    labels = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert labels == ["Istanbul", "Wuhan"]
    wikidata = table.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert wikidata == [
        "http://www.wikidata.org/entity/Q406",
        "http://www.wikidata.org/entity/Q11746",
    ]
    assert "1395-03" in table.inner_text()


# ---------------------------------------------------------------- under the security policy

SHOTS = [("home", "/"), ("tabriz", "/doc/city/tabriz.html"), ("query", "/query")]


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize(("name", "path"), SHOTS, ids=[n for n, _ in SHOTS])
def test_pages_work_under_the_policy(
    tab: Any, mini_server: str, tmp_path: Path, name: str, path: str, lang: str
) -> None:
    """Home, a city and the query form in both languages: served with the policy, styled by
    the site's stylesheet, the query page's script running; a screenshot of each is kept in
    CITYDIP_SCREENSHOTS (a folder) when set."""
    page = tab
    response = page.goto(f"{mini_server}{path}?lang={lang}")
    assert response.ok
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "fa" else "ltr")
    header = page.locator("header.site")
    assert header.evaluate("e => getComputedStyle(e).display") == "flex"  # style.css applied
    if name == "query":
        page.select_option("#example", "tabriz-sister-cities")
        if page.locator("#query-editor").count():  # YASGUI (tests/test_browser_query_editor.py)
            page.click(".query-editor .yasqe_queryButton")
            rows = page.locator(".query-editor .yasr table.dataTable tbody tr")
        else:  # without node_modules/: the plain form
            page.click("#run")
            rows = page.locator("#results table.results tbody tr")
        rows.first.wait_for(timeout=10_000)
        assert rows.count() == 2
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than the window"
    folder = Path(os.environ.get("CITYDIP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{name}-{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_policy_is_enforced_and_violations_are_caught(
    tab: Any, mini_server: str, problems: list[str]
) -> None:
    """The control for the tests above: inline script and style injected into a page are
    blocked by the browser, and the fixture sees the violations."""
    page = tab
    page.goto(f"{mini_server}/query")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true;";
        document.body.appendChild(script);
        const style = document.createElement("style");
        style.textContent = "body { color: rgb(255, 0, 0); }";
        document.head.appendChild(style);
    }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan === undefined")
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    seen = list(problems)
    problems.clear()  # expected here; the fixture would fail on them
    assert any(p.startswith("CSP: script-src") for p in seen), seen
    assert any(p.startswith("CSP: style-src") for p in seen), seen


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/SHA256SUMS",
        "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D&format=json",
        "/doc/city/nowhere",
    ],
)
def test_other_answers_open_in_the_browser_without_errors(
    tab: Any, mini_server: str, problems: list[str], path: str
) -> None:
    """RDF, text, JSON and errors carry a policy allowing nothing; the browser still shows them
    (its own viewers are not blocked)."""
    response = tab.goto(f"{mini_server}{path}")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    if path == "/doc/city/nowhere":
        assert response.status == 404
        problems[:] = [p for p in problems if "404" not in p]  # the status itself is logged
    else:
        assert response.ok
    assert tab.locator("body").inner_text() != ""


# ---------------------------------------------------------------- search box


@pytest.mark.parametrize(
    ("lang", "typed", "shown"), [("en", "tabr", "Tabriz"), ("fa", "تبريز", "تبریز")]
)
def test_search_box_suggests_as_you_type_and_the_keyboard_reaches_tabriz(
    tab: Any, mini_server: str, tmp_path: Path, lang: str, typed: str, shown: str
) -> None:
    """Typing "tabr" (or «تبريز» with Arabic yeh) in the box on the home page shows Tabriz
    first; arrow down and Enter open its page. Every request stays on the site's origin; a
    screenshot with the suggestions open is kept in CITYDIP_SCREENSHOTS when set."""
    page = tab
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{mini_server}/?lang={lang}")
    box = page.get_by_role("combobox", name="Search names" if lang == "en" else "جستجوی نام‌ها")
    box.press_sequentially(typed, delay=30)
    first = page.locator("#site-search-suggestions li[role=option]").first
    first.wait_for(timeout=10_000)
    assert first.locator("bdi").inner_text() == shown
    assert box.get_attribute("aria-expanded") == "true"
    listbox = page.locator("#site-search-suggestions")
    assert listbox.evaluate("e => getComputedStyle(e).direction") == (
        "rtl" if lang == "fa" else "ltr"
    )
    folder = Path(os.environ.get("CITYDIP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"search-{lang}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-option-0"
    assert first.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state()
    assert "/doc/city/tabriz" in page.url
    origin = mini_server.rstrip("/")
    assert [url for url in requests if not url.startswith(origin + "/")] == []
    assert any("/search?" in url for url in requests)


def test_search_form_works_without_javascript(browser: Any, mini_server: str) -> None:
    """With scripts off the box is a plain form: Enter opens the results page."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{mini_server}/?lang=fa")
    page.fill("#site-search", "تبريز")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert "/search?q=" in page.url and "lang=fa" in page.url
    first = page.locator("ol.search-results li a").first
    assert first.get_attribute("href") == "/id/city/tabriz?lang=fa"
    context.close()
