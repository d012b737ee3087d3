"""The maps in real headless Debian Chromium against a live waitress server on the FULL shipped
data (data/ built once): the home page draws every city with coordinates and every twinning,
Tabriz's page its 12 partners and 12 lines, a click on a partner's point opens that city's
page, the list beside the map reaches the same cities by keyboard; no console error, no
policy violation and no request to another origin. Screenshots of each view in both
languages go to the folder in CITYDIP_SCREENSHOTS (else the test's tmp_path)."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import TabWatch, save_screenshot, serve_constant
from citydip_ld.web import create_app
from web_support import BASE, live_server

pytestmark = pytest.mark.browser

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
if not (NODE_MODULES / "leaflet" / "dist" / "leaflet.js").is_file():
    pytest.skip("node_modules/ is missing (run `npm ci`)", allow_module_level=True)

TABRIZ = f"{BASE}id/city/tabriz"


def _geojson(page: Any, url: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(page.request.get(url).text())
    return body


def _count(collection: dict[str, Any], kind: str) -> int:
    return sum(1 for f in collection["features"] if f["geometry"]["type"] == kind)


def _open_map(page: Any, url: str) -> Any:
    """Open `url`, wait for its map to be drawn; the map container."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(url)
    assert response.ok
    box = page.locator(".map-canvas")
    page.locator(".map-canvas[data-state=ready]").wait_for(timeout=20_000)
    page.wait_for_timeout(300)  # let the fit-to-bounds settle before screenshots
    origin = url.split("/", 3)[:3]
    assert [r for r in requests if r.split("/", 3)[:3] != origin] == []
    assert any("/map.geojson" in r for r in requests)
    assert any("/vendor/world-atlas/countries-" in r for r in requests)
    return box


def _screenshot(page: Any, folder: Path, name: str) -> None:
    save_screenshot(page, folder, name, full_page=True)
    # The map and its list alone, to look at.
    save_screenshot(page.locator(".map-section"), folder, f"{name}-section")


def _drawn_markers(page: Any) -> int:
    return int(page.evaluate("Object.keys(window.citydipMaps[0].markers).length"))


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_home_map_draws_every_city_with_coordinates(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    collection = _geojson(page, f"{full_server}/map.geojson")
    points, lines = _count(collection, "Point"), _count(collection, "LineString")
    assert (points, lines) == (18, 12)  # every shipped city has coordinates
    box = _open_map(page, f"{full_server}/?lang={lang}")
    assert box.get_attribute("data-points") == str(points)
    assert box.get_attribute("data-lines") == str(lines)
    assert _drawn_markers(page) == points
    assert box.get_attribute("dir") == "ltr"
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "fa" else "ltr")
    # Leaflet's controls where Leaflet puts them, inside the map, in either direction.
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    frame = box.bounding_box()
    assert frame["x"] <= zoom["x"] < frame["x"] + 60
    assert page.locator(".map-list li").count() == points
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in attribution
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than the window"
    _screenshot(page, screenshots, f"map-home-{lang}")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_tabriz_map_shows_its_12_partners_and_a_click_opens_one(
    tab: Any, full_server: str, screenshots: Path, lang: str
) -> None:
    page = tab
    box = _open_map(page, f"{full_server}/id/city/tabriz?lang={lang}")
    assert page.url.endswith(f"/doc/city/tabriz.html?lang={lang}")
    assert box.get_attribute("data-points") == "13"  # Tabriz and its 12 partners
    assert box.get_attribute("data-lines") == "12"
    assert box.get_attribute("data-focus") == TABRIZ
    assert _drawn_markers(page) == 13
    assert page.locator(".map-list li").count() == 13
    assert page.locator(".map-list li.focus a").get_attribute("data-iri") == TABRIZ
    _screenshot(page, screenshots, f"map-tabriz-{lang}")
    # Hovering Kazan's point shows its name in the page's language; a click opens its page.
    x, y = page.evaluate(
        """() => {
        const map = window.citydipMaps[0];
        const marker = map.markers["http://localhost:5000/id/city/kazan"];
        const point = map.map.latLngToContainerPoint(marker.getLatLng());
        const frame = map.map.getContainer().getBoundingClientRect();
        return [frame.left + point.x, frame.top + point.y];
    }"""
    )
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip .map-name")
    tooltip.wait_for(timeout=5_000)
    assert tooltip.inner_text() == ("قازان" if lang == "fa" else "Kazan")
    with page.expect_navigation():
        page.mouse.click(x, y)
    page.wait_for_load_state()
    assert page.url.endswith(f"/doc/city/kazan.html?lang={lang}")


def test_the_keyboard_reaches_a_partner_from_the_list_beside_the_map(
    tab: Any, full_server: str
) -> None:
    page = tab
    _open_map(page, f"{full_server}/doc/city/tabriz.html")
    link = page.locator(".map-list a[data-iri$='/city/wuhan']")
    link.focus()
    assert page.locator(".leaflet-tooltip .map-name").inner_text() == "Wuhan"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/doc/city/wuhan.html")
    # Wuhan's own map: Wuhan and Tabriz, one line.
    box = page.locator(".map-canvas")
    page.locator(".map-canvas[data-state=ready]").wait_for(timeout=20_000)
    assert (box.get_attribute("data-points"), box.get_attribute("data-lines")) == ("2", "1")


def test_without_scripts_the_list_serves_and_no_empty_map_shows(
    tab_without_scripts: Any, full_server: str
) -> None:
    page = tab_without_scripts
    page.goto(f"{full_server}/doc/city/tabriz.html")
    assert not page.locator(".map-canvas").is_visible()
    assert page.locator(".map-list a").count() == 13
    with page.expect_navigation():
        page.locator(".map-list a[data-iri$='/city/kazan']").click()
    assert page.url.endswith("/doc/city/kazan.html")


def test_the_map_is_reached_by_keyboard_and_zooms(tab: Any, full_server: str) -> None:
    page = tab
    box = _open_map(page, f"{full_server}/doc/city/tabriz.html")
    before = page.evaluate("window.citydipMaps[0].map.getZoom()")
    box.focus()
    page.keyboard.press("+")
    page.wait_for_timeout(500)
    assert page.evaluate("window.citydipMaps[0].map.getZoom()") > before


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A tile server on another origin (127.0.0.1, another port): every path a pale tile."""
    asked: list[str] = []
    with serve_constant(_png(256, 256, (200, 225, 205)), "image/png", asked) as url:
        yield url, asked


def test_an_operator_s_tile_server_is_drawn_and_only_its_origin_is_added(
    tab: Any,
    tab_watch: TabWatch,
    dataset_dir: Path,
    tile_server: tuple[str, list[str]],
    screenshots: Path,
) -> None:
    """With MAP_TILES the map loads tiles from that server (the page policy allows its
    origin: no violation), credits it, and asks nothing of any third origin; the outlines
    are not requested."""
    tiles, asked = tile_server
    tab_watch.allow(tiles)
    app = create_app(
        {
            "DATASET_DIR": str(dataset_dir),
            "BASE": BASE,
            "QUERY_WORKERS": 0,
            "MAP_TILES": f"{tiles}/tiles/{{z}}/{{x}}/{{y}}.png",
            "MAP_TILES_ATTRIBUTION": "Test tiles",
        }
    )
    page = tab
    requests = tab_watch.requests
    with live_server(app) as server:
        response = page.goto(f"{server.url}/doc/city/tabriz.html?lang=fa")
        assert f"img-src 'self' {tiles} data:;" in response.headers["content-security-policy"]
        page.locator(".map-canvas[data-state=ready]").wait_for(timeout=20_000)
        page.locator(".leaflet-tile-loaded").first.wait_for(timeout=10_000)
        page.wait_for_timeout(300)
        box = page.locator(".map-canvas")
        box.focus()
        for key in ("+", "+", "-", "ArrowLeft"):  # zooming cancels tiles on the way
            page.keyboard.press(key)
        page.wait_for_timeout(800)
        assert page.locator(".map-canvas").get_attribute("data-points") == "13"
        assert "Test tiles" in page.locator(".leaflet-control-attribution").inner_text()
        _screenshot(page, screenshots, "map-tiles-fa")
    assert asked and all(path.startswith("/tiles/") for path in asked)
    origins = {"/".join(url.split("/", 3)[:3]) for url in requests}
    assert origins == {server.url, tiles}
    assert not any("/world-atlas/" in url for url in requests)
