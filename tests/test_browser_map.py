"""The maps in real headless Debian Chromium against a live waitress server on the FULL shipped
data (data/ built once): the home page draws every city with coordinates and every twinning,
Tabriz's page its 12 partners and 12 lines, a click on a partner's point opens that city's
page, the list beside the map reaches the same cities by keyboard; no console error, no
policy violation and no request to another origin. Screenshots of each view in both
languages go to the folder in CITYDIP_SCREENSHOTS (else the test's tmp_path)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citydip_ld.web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
if not Path(CHROMIUM).is_file():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)
if not (NODE_MODULES / "leaflet" / "dist" / "leaflet.js").is_file():
    pytest.skip("node_modules/ is missing (run `npm ci`)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"


#: Reports every `securitypolicyviolation` event of every document to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.citydipViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def tab(browser: Any) -> Iterator[Any]:
    """A page that fails the test on a console error or warning, a script error or a policy
    violation."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.expose_function("citydipViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    page.wait_for_timeout(100)  # let late violation reports arrive
    context.close()
    assert problems == []


@pytest.fixture(scope="module")
def full_server(dataset_dir: Path) -> Iterator[str]:
    """The app on the shipped data (the session's build of data/), served by waitress."""
    from web_support import live_server

    app = create_app({"DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as server:
        yield server.url


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


def _screenshot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("CITYDIP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    section = folder / f"{name}-section.png"  # the map and its list alone, to look at
    page.locator(".map-section").screenshot(path=str(section))
    assert section.stat().st_size > 10_000


def _drawn_markers(page: Any) -> int:
    return int(page.evaluate("Object.keys(window.citydipMaps[0].markers).length"))


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_home_map_draws_every_city_with_coordinates(
    tab: Any, full_server: str, tmp_path: Path, lang: str
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
    _screenshot(page, tmp_path, f"map-home-{lang}")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_tabriz_map_shows_its_12_partners_and_a_click_opens_one(
    tab: Any, full_server: str, tmp_path: Path, lang: str
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
    _screenshot(page, tmp_path, f"map-tabriz-{lang}")
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
    browser: Any, full_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{full_server}/doc/city/tabriz.html")
    assert not page.locator(".map-canvas").is_visible()
    assert page.locator(".map-list a").count() == 13
    with page.expect_navigation():
        page.locator(".map-list a[data-iri$='/city/kazan']").click()
    assert page.url.endswith("/doc/city/kazan.html")
    context.close()


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
    tile = _png(256, 256, (200, 225, 205))
    asked: list[str] = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_an_operator_s_tile_server_is_drawn_and_only_its_origin_is_added(
    tab: Any, dataset_dir: Path, tile_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    """With MAP_TILES the map loads tiles from that server (the page policy allows its
    origin: no violation), credits it, and asks nothing of any third origin; the outlines
    are not requested."""
    from web_support import live_server

    tiles, asked = tile_server
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
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
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
        _screenshot(page, tmp_path, "map-tiles-fa")
    assert asked and all(path.startswith("/tiles/") for path in asked)
    origins = {"/".join(url.split("/", 3)[:3]) for url in requests}
    assert origins == {server.url, tiles}
    assert not any("/world-atlas/" in url for url in requests)
