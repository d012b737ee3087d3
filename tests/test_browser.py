"""The pages in real headless Debian Chromium against a live waitress server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture()
def tab(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


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


def test_query_page_round_trip(tab: object, mini_server: str) -> None:
    page = tab
    page.goto(f"{mini_server}/query")  # type: ignore[attr-defined]
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
