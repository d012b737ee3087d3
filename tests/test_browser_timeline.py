"""The timeline (web/timeline.py, static/timeline.js) in real headless Debian Chromium, on the
shipped data served live: every dated fact drawn, Tabriz's Gaza (1387) and Wuhan (Khordad
1395) agreements drawn as the intervals of their Jalali year and month, the kind filter, the
keyboard, no request to another origin and no policy violation, in English and Persian. A
screenshot of each view is kept in CITYDIP_SCREENSHOTS (a folder) when set."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from browser_support import expect, save_screenshot

pytestmark = pytest.mark.browser

ITEMS = ".timeline-chart a.tl-item"
#: The two dated agreements of Tabriz (data/articles/004_…yaml): Gaza, a memorandum of 1387
#: (a Jalali year), and Wuhan, one of Khordad 1395 (a Jalali month), with their Gregorian days.
AGREEMENTS = {
    "tabriz-gaza": ("2008-03-20", "2009-03-20", {"en": "1387", "fa": "۱۳۸۷"}),
    "tabriz-wuhan": ("2016-05-21", "2016-06-20", {"en": "1395-03", "fa": "۱۳۹۵-۰۳"}),
}


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def shoot(page: Any, folder: Path, name: str) -> None:
    save_screenshot(page.locator("section.timeline"), folder, name, min_bytes=5_000)


def pixels(svg: Any, day: str, *, end: bool = False) -> float:
    """Where the drawing puts the start of `day` (or its end), from its scale."""
    lo, hi = float(svg.get_attribute("data-lo")), float(svg.get_attribute("data-hi"))
    left, right = float(svg.get_attribute("data-left")), float(svg.get_attribute("data-right"))
    moment = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC) + dt.timedelta(days=int(end))
    share = (moment.timestamp() * 1000 - lo) / (hi - lo)
    if svg.get_attribute("data-rtl") == "1":
        return right - share * (right - left)
    return left + share * (right - left)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_home_timeline_draws_every_dated_fact(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    data = fetch_json(f"{full_server}/timeline.json")
    assert data["total"] == len(data["facts"]) >= 10
    response = page.goto(f"{full_server}/?lang={lang}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    assert page.locator(ITEMS).count() == len(data["facts"])
    drawn = page.locator(ITEMS).evaluate_all("items => items.map(a => a.dataset.iri)")
    assert sorted(drawn) == sorted(f["iri"] for f in data["facts"])
    # Ranges for years and months, points for days (the statistics, the on-or-before meeting).
    ranges = page.locator(f"{ITEMS}.tl-is-range").count()
    assert ranges == sum(1 for f in data["facts"] if f["range"]) > 0
    assert page.locator(f"{ITEMS} circle.tl-point").count() == len(data["facts"]) - ranges
    assert page.locator(".timeline-row:not([hidden])").count() == len(data["facts"])
    assert page.locator(".timeline-apply").is_hidden()  # the selects apply at once
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than the window"
    shoot(page, screenshots, f"timeline-home-{lang}")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_tabriz_timeline_draws_gaza_and_wuhan_over_their_jalali_periods(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    page.goto(f"{full_server}/doc/city/tabriz.html?lang={lang}")
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    svg = page.locator(".timeline-chart svg")
    assert page.locator(ITEMS).count() == 2
    lefts = {}
    for slug, (first, last, written) in AGREEMENTS.items():
        item = page.locator(f"{ITEMS}[data-iri$='/id/twinning/{slug}']")
        assert item.get_attribute("class").split()[-1] == "tl-is-range"
        assert (item.get_attribute("data-start"), item.get_attribute("data-end")) == (first, last)
        bar = item.locator("rect.tl-range")
        x, width = float(bar.get_attribute("x")), float(bar.get_attribute("width"))
        ends = sorted([pixels(svg, first), pixels(svg, last, end=True)])
        assert abs(x - ends[0]) < 0.5 and abs(x + width - ends[1]) < 0.5, (slug, x, width, ends)
        assert width > 5
        date = item.locator("text.tl-date")
        assert date.is_visible()
        assert written[lang] in date.text_content()
        assert written[lang] in item.get_attribute("aria-label")
        lefts[slug] = x
    # Time runs left to right in English, right to left in Persian.
    earlier_left = lefts["tabriz-gaza"] < lefts["tabriz-wuhan"]
    assert earlier_left == (lang == "en")
    shoot(page, screenshots, f"timeline-tabriz-{lang}")


def test_kind_and_city_filters_reduce_the_items(
    tab: Any, full_server: str, screenshots: Path
) -> None:
    page = tab
    page.goto(f"{full_server}/")
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    everything = page.locator(ITEMS).count()
    twinnings = fetch_json(f"{full_server}/timeline.json?kind=twinning")["total"]
    assert 0 < twinnings < everything
    page.select_option("#timeline-kind", "twinning")
    expect(page.locator(ITEMS)).to_have_count(twinnings)
    kinds = page.locator(ITEMS).evaluate_all("items => items.map(a => a.dataset.kind)")
    assert set(kinds) == {"twinning"}
    assert page.locator(".timeline-row:not([hidden])").count() == twinnings
    assert page.locator(".timeline-status").inner_text().startswith(f"{twinnings} of ")
    shoot(page, screenshots, "timeline-home-twinnings-en")
    page.select_option("#timeline-kind", "")
    page.select_option("#timeline-city", "rasht")
    rasht = fetch_json(f"{full_server}/timeline.json?city=rasht")["total"]
    expect(page.locator(ITEMS)).to_have_count(rasht)
    assert 0 < rasht < everything


def test_the_keyboard_reaches_the_filters_and_opens_a_fact(
    tab: Any, full_server: str, screenshots: Path
) -> None:
    page = tab
    page.goto(f"{full_server}/doc/city/tabriz.html")
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    assert page.locator("label[for='timeline-kind']").inner_text() == "Kind of fact"
    page.focus("#timeline-kind")
    page.keyboard.press("Tab")  # from the select to the first fact of the drawing
    focused = page.evaluate("document.activeElement.dataset.iri || ''")
    assert focused.endswith("/id/twinning/tabriz-gaza")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.iri").endswith("/tabriz-wuhan")
    # The focused fact is outlined (its hit area drawn with a stroke).
    stroke = page.evaluate(
        "getComputedStyle(document.activeElement.querySelector('.tl-hit')).strokeWidth"
    )
    assert stroke == "2px"
    shoot(page, screenshots, "timeline-tabriz-focus-en")
    page.keyboard.press("Enter")
    page.wait_for_url("**/doc/twinning/tabriz-wuhan.html")
    assert "Tabriz – Wuhan" in page.locator("h1").inner_text()


def test_clicking_an_item_opens_its_page(tab: Any, full_server: str) -> None:
    page = tab
    page.goto(f"{full_server}/doc/city/tabriz.html?lang=fa")
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    page.locator(f"{ITEMS}[data-iri$='/tabriz-gaza'] rect.tl-range").click()
    page.wait_for_url(lambda url: url.endswith("/doc/twinning/tabriz-gaza.html?lang=fa"))


def test_without_javascript_the_list_and_the_form_filter(
    tab_without_scripts: Any, full_server: str
) -> None:
    page = tab_without_scripts
    page.goto(f"{full_server}/?lang=fa")
    rows = page.locator(".timeline-row")
    assert rows.count() == fetch_json(f"{full_server}/timeline.json")["total"]
    assert page.locator(".timeline-chart").is_hidden()
    page.select_option("#timeline-kind", "twinning")
    page.click(".timeline-apply")
    page.wait_for_url("**timeline-kind=twinning**")
    assert page.locator(".timeline-row:visible").count() == 2
    assert "۱۳۸۷" in page.locator(".timeline-list").inner_text()


#: The WCAG contrast ratio of each fact's text and mark against the drawing's white.
CONTRASTS = """
items => {
  const luminance = colour => {
    const [r, g, b] = colour.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => v / 255)
      .map(v => (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = node => 1.05 / (luminance(getComputedStyle(node).fill) + 0.05);
  return items.map(a => [
    ratio(a.querySelector(".tl-label")), ratio(a.querySelector(".tl-date")),
    ratio(a.querySelector(".tl-mark")),
  ]);
}
"""


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_on_a_narrow_screen_every_fact_stays_inside_the_drawing_and_readable(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    """On a phone's width every fact's mark and (shortened) text stay inside the drawing;
    text is at least 4.5:1 against the background, marks at least 3:1 (WCAG AA)."""
    page = tab
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{full_server}/?lang={lang}")
    page.locator(ITEMS).first.wait_for(timeout=10_000)
    width = float(page.locator(".timeline-chart svg").get_attribute("width"))
    boxes = page.locator(ITEMS).evaluate_all(
        "items => items.map(a => { const b = a.getBBox(); return [b.x, b.x + b.width]; })"
    )
    assert all(left >= 0 and right <= width for left, right in boxes), (width, boxes)
    for label, date, mark in page.locator(ITEMS).evaluate_all(CONTRASTS):
        assert label >= 4.5 and date >= 4.5 and mark >= 3, (label, date, mark)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shoot(page, screenshots, f"timeline-home-narrow-{lang}")


def test_widening_a_choice_made_without_javascript_lists_every_fact_again(
    tab: Any, full_server: str
) -> None:
    """A page opened filtered by the form (a shared link) lists the other facts hidden; the
    script shows them again, drawn and listed, when the reader chooses every kind."""
    page = tab
    page.goto(f"{full_server}/?timeline-kind=twinning")
    expect(page.locator(ITEMS)).to_have_count(2)
    assert page.locator(".timeline-row:visible").count() == 2
    page.select_option("#timeline-kind", "")
    total = fetch_json(f"{full_server}/timeline.json")["total"]
    expect(page.locator(ITEMS)).to_have_count(total)
    assert page.locator(".timeline-row:visible").count() == total
