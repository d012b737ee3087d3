"""The pages in real headless Debian Chromium against a live waitress server, under the
site's Content-Security-Policy: every test fails on a console error, an uncaught script error,
a policy violation or a request to another origin (tests/browser_support.py). Screenshots go
to CITYDIP_SCREENSHOTS (a folder) when set, else the test's tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser_support import TabWatch, save_screenshot

pytestmark = pytest.mark.browser


def test_tabriz_page_renders_rtl_persian_and_facts(
    tab: Any, mini_server: str, screenshots: Path
) -> None:
    page = tab
    response = page.goto(f"{mini_server}/id/city/tabriz")
    assert response.ok
    assert page.url.endswith("/doc/city/tabriz.html")
    label = page.locator("h1 .label-fa")
    assert label.inner_text() == "تبریز"
    assert label.evaluate("e => getComputedStyle(e).direction") == "rtl"
    english = page.locator("h1 .label-en")
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    quote = page.locator("li.fact blockquote.quotation").first
    assert quote.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("li.fact").count() == 2
    save_screenshot(page, screenshots, "city-tabriz-facts", full_page=True)


def test_persian_interface_is_right_to_left(tab: Any, mini_server: str, screenshots: Path) -> None:
    page = tab
    page.goto(f"{mini_server}/doc/city/tabriz.html?lang=fa")
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl"
    assert page.locator("section.facts h2").inner_text() == "واقعیت‌ها و منابع آن‌ها"
    save_screenshot(page, screenshots, "city-tabriz-interface-fa", full_page=True)


def test_links_work(tab: Any, mini_server: str) -> None:
    page = tab
    page.goto(f"{mini_server}/")
    page.click("a[href='/doc/city/']")
    page.click("a[href='/id/city/wuhan']")
    page.wait_for_load_state()
    assert page.url.endswith("/doc/city/wuhan.html")
    assert page.locator("h1 .label-en").inner_text() == "Wuhan"
    page.click("a[href='/id/twinning/tabriz-wuhan']")
    page.wait_for_load_state()
    assert "Tabriz – Wuhan" in page.locator("h1").inner_text()
    page.click("text=Sister-cityhood: the transition to city diplomacy")
    page.wait_for_load_state()
    assert page.url.endswith("/doc/article/004_aa1ce6595c509616.html")


def test_query_page_round_trip(tab: Any, mini_server_without_vendor: str) -> None:
    """The plain query form, as without node_modules/ (with it, YASGUI replaces the textarea
    and button: tests/test_browser_query_editor.py)."""
    page = tab
    page.goto(f"{mini_server_without_vendor}/query")
    page.select_option("#example", "tabriz-wuhan-source")
    assert "tabriz-wuhan" in page.input_value("#query")
    page.select_option("#example", "tabriz-sister-cities")
    page.click("#run")
    table = page.locator("#results table.results")
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
    tab: Any, mini_server: str, screenshots: Path, name: str, path: str, lang: str
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
    save_screenshot(page, screenshots, f"{name}-{lang}", full_page=True)


def test_the_policy_is_enforced_and_violations_are_caught(
    tab: Any, tab_watch: TabWatch, mini_server: str
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
    seen = list(tab_watch.problems)
    tab_watch.problems.clear()  # expected here; the fixture would fail on them
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
    tab: Any, tab_watch: TabWatch, mini_server: str, path: str
) -> None:
    """RDF, text, JSON and errors carry a policy allowing nothing; the browser still shows them
    (its own viewers are not blocked)."""
    response = tab.goto(f"{mini_server}{path}")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    if path == "/doc/city/nowhere":
        assert response.status == 404
        # the status itself is logged
        tab_watch.problems[:] = [p for p in tab_watch.problems if "404" not in p]
    else:
        assert response.ok
    assert tab.locator("body").inner_text() != ""


# ---------------------------------------------------------------- search box


@pytest.mark.parametrize(
    ("lang", "typed", "shown"), [("en", "tabr", "Tabriz"), ("fa", "تبريز", "تبریز")]
)
def test_search_box_suggests_as_you_type_and_the_keyboard_reaches_tabriz(
    tab: Any,
    tab_watch: TabWatch,
    mini_server: str,
    screenshots: Path,
    lang: str,
    typed: str,
    shown: str,
) -> None:
    """Typing "tabr" (or «تبريز» with Arabic yeh) in the box on the home page shows Tabriz
    first; arrow down and Enter open its page. Every request stays on the site's origin; a
    screenshot with the suggestions open is kept in CITYDIP_SCREENSHOTS when set."""
    page = tab
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
    save_screenshot(page, screenshots, f"search-{lang}")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-option-0"
    assert first.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state()
    assert "/doc/city/tabriz" in page.url
    origin = mini_server.rstrip("/")
    assert [url for url in tab_watch.requests if not url.startswith(origin + "/")] == []
    assert any("/search?" in url for url in tab_watch.requests)


def test_search_form_works_without_javascript(tab_without_scripts: Any, mini_server: str) -> None:
    """With scripts off the box is a plain form: Enter opens the results page."""
    page = tab_without_scripts
    page.goto(f"{mini_server}/?lang=fa")
    page.fill("#site-search", "تبريز")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert "/search?q=" in page.url and "lang=fa" in page.url
    first = page.locator("ol.search-results li a").first
    assert first.get_attribute("href") == "/id/city/tabriz?lang=fa"
