"""The twinning network view in real headless Debian Chromium against a live server on the FULL
shipped data (data/, built once): it draws as many cities as /network.json has, the Tabriz
ego network (page and city page) has 13 cities and 12 twinnings, the country filter reduces
the cities, clicking or choosing a city with the keyboard opens its page; no console error,
no policy violation, no request to another origin. Screenshots of each view in English and
Persian go to CITYDIP_SCREENSHOTS (a folder) when set."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from browser_support import save_screenshot

pytestmark = pytest.mark.browser


def fetch_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: dict[str, Any] = json.load(response)
        return data


def drawn(page: Any) -> tuple[int, int]:
    """Cities and twinnings drawn, once the view says it is done."""
    view = page.locator("#network-view[data-nodes]")
    view.wait_for(timeout=20_000)
    nodes = int(view.get_attribute("data-nodes"))
    edges = int(view.get_attribute("data-edges"))
    assert page.evaluate("window.citydipNetwork.nodes().length") == nodes
    return nodes, edges


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_whole_network_draws_every_city(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    data = fetch_json(f"{full_server}/network.json")
    response = page.goto(f"{full_server}/network?lang={lang}")
    assert response.ok
    assert drawn(page) == (len(data["nodes"]), len(data["edges"])) == (18, 12)
    view = page.locator("#network-view")
    assert view.get_attribute("dir") == "ltr"
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "fa" else "ltr")
    labels = page.evaluate("window.citydipNetwork.nodes().map(n => n.data('label'))")
    assert ("تبریز" if lang == "fa" else "Tabriz") in labels
    legend = page.locator("#network-legend li")
    assert legend.count() == 10  # the ten countries, each its colour
    assert page.locator(".network-table tbody tr").count() == 18
    assert page.locator("label[for=network-country]").count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than the window"
    save_screenshot(page, screenshots, f"network-{lang}", full_page=True)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_tabriz_ego_network_has_13_cities_and_12_twinnings(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    page.goto(f"{full_server}/network?city=tabriz&lang={lang}")
    assert drawn(page) == (13, 12)
    assert page.locator("#network-view").get_attribute("data-layout") == "concentric"
    save_screenshot(page, screenshots, f"network-tabriz-{lang}", full_page=True)
    # The city page shows the same ego network.
    page.goto(f"{full_server}/doc/city/tabriz.html?lang={lang}")
    assert drawn(page) == (13, 12)
    assert page.locator("section.network-ego h2").inner_text() == (
        "شبکه خواهرخواندگی" if lang == "fa" else "Twinning network"
    )
    page.locator("section.network-ego").scroll_into_view_if_needed()
    save_screenshot(page, screenshots, f"city-tabriz-network-{lang}")  # a long page


def test_a_city_without_twinnings_has_no_network_section(tab: Any, full_server: str) -> None:
    page = tab
    page.goto(f"{full_server}/doc/city/tehran.html")
    assert page.locator("h1").count() == 1
    assert page.locator("section.network-ego").count() == 0


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_country_filter_reduces_the_cities(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    page.goto(f"{full_server}/network?lang={lang}")
    whole = drawn(page)
    select = page.get_by_label("کشور" if lang == "fa" else "Country", exact=True)
    select.focus()
    select.select_option("turkey")
    page.keyboard.press("Tab")  # to the Show button, from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url("**country=turkey**")
    nodes, edges = drawn(page)
    assert (nodes, edges) == (5, 4)  # Turkey's four cities and their partner Tabriz
    assert nodes < whole[0]
    assert page.locator(".network-table tbody tr").count() == 5
    save_screenshot(page, screenshots, f"network-turkey-{lang}", full_page=True)


def test_clicking_a_city_opens_its_page(tab: Any, full_server: str) -> None:
    page = tab
    page.goto(f"{full_server}/network?city=tabriz")
    drawn(page)
    point = page.evaluate(
        """() => {
        const node = window.citydipNetwork.getElementById("http://localhost:5000/id/city/wuhan");
        const box = document.getElementById("network-view").getBoundingClientRect();
        const p = node.renderedPosition();
        return {x: box.left + p.x, y: box.top + p.y};
    }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/doc/city/wuhan.html")
    assert page.locator("h1 .label-en").inner_text() == "Wuhan"


def test_the_keyboard_chooses_and_opens_a_city(tab: Any, full_server: str) -> None:
    page = tab
    page.goto(f"{full_server}/network?lang=fa")
    drawn(page)
    page.locator("#network-view").focus()
    page.keyboard.press("ArrowDown")  # the city with most partners first
    status = page.locator("#network-status").inner_text()
    assert "تبریز" in status and "۱۲" in status
    page.keyboard.press("Enter")
    page.wait_for_url("**/doc/city/tabriz.html?lang=fa")
