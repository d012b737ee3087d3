"""Benchmark: the maps' data at world scale, and the whole network drawn in a real browser.

    python benchmarks/maps.py --dataset DIR [--repeat 20] [--browser] [--json FILE]

In one process, on the embedded store with no query workers:

1. opens the store, then reads the geography (`compute_geography`: the SPARQL queries over
   cities, labels, countries, coordinates and twinnings; what the server's warm-up does once
   per store): wall time and the process's RSS before and after;
2. serialises the whole network (`Geography.network` + `to_geojson_bytes`, done once per
   store by `context.get_network_geojson`): time, bytes, and bytes gzipped (what a
   compressing proxy would send);
3. through Flask's test client, `--repeat` times each: `GET /map.geojson` (served from the
   kept bytes), `GET /map.geojson?city=<the most twinned city>`, and the home page (its map
   partial ranks the cities for the list beside the map); median and max ms;
4. with `--browser` (Debian chromium and Playwright): serves the app with waitress on a free
   port, opens the home page once to warm the server (and the browser's cache), then again,
   timing from navigation to the map's `data-state=ready` (outlines and network fetched,
   every point and line drawn on the canvas), with the page's timeline (when the map's
   files arrived, `citydip-map-data`: network parsed, `citydip-map-drawn`: layers made), and
   counts the points and lines drawn (`--screenshot FILE`: the map, as a PNG).

Never assert timings in tests; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from citydip_ld.stores.geography import Geography, compute_geography, to_geojson_bytes
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.context import STORE_KEY

BASE = "http://localhost:5000/"


def rss_mib() -> float:
    """The process's resident set now, in MiB (from /proc; 0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = call()
    return (time.perf_counter() - start) * 1000, value


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def core(store: OxigraphStore) -> tuple[Geography, dict[str, Any]]:
    before = rss_mib()
    read_ms, geography = timed(lambda: compute_geography(store, BASE))
    after = rss_mib()
    serialise_ms, body = timed(lambda: to_geojson_bytes(geography.network(lambda iri: iri)))
    return geography, {
        "cities": len(geography.places),
        "located": len(geography.located),
        "twinnings": len(geography.twinnings),
        "lines": geography.lines,
        "read_ms": round(read_ms, 1),
        "read_rss_mib": round(after - before, 1),
        "serialise_ms": round(serialise_ms, 1),
        "network_bytes": len(body),
        "network_gzip_bytes": len(gzip.compress(body, 6)),
    }


def routes(store: OxigraphStore, dataset: Path, repeat: int, city: str) -> dict[str, Any]:
    app = create_app({"DATASET_DIR": str(dataset), "BASE": BASE, "QUERY_WORKERS": 0})
    app.extensions[STORE_KEY] = store
    client = app.test_client()
    first_ms, response = timed(lambda: client.get("/map.geojson"))
    assert response.status_code == 200, response.status
    paths = {
        "network": "/map.geojson",
        "city": f"/map.geojson?city={city.rsplit('/', 1)[-1]}",
        "home": "/",
    }
    figures: dict[str, Any] = {"network_first_ms": round(first_ms, 1)}
    for name, path in paths.items():
        samples = []
        for _ in range(repeat):
            ms, response = timed(lambda path=path: client.get(path))
            assert response.status_code == 200, (path, response.status)
            samples.append(ms)
        figures[name] = summary(samples)
    return figures


def browser(store: OxigraphStore, dataset: Path, shot: Path | None) -> dict[str, Any]:
    """The home page's map in headless Chromium: ms to drawn, points and lines drawn."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from playwright.sync_api import sync_playwright

    from web_support import live_server

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    app = create_app({"DATASET_DIR": str(dataset), "BASE": BASE, "QUERY_WORKERS": 0})
    app.extensions[STORE_KEY] = store
    with live_server(app) as server, sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = instance.new_context(viewport={"width": 1100, "height": 900}).new_page()
        page.goto(f"{server.url}/")  # warm the server: statistics, geography, kept bytes
        page.locator(".map-canvas[data-state=ready]").wait_for(timeout=300_000)
        start = time.perf_counter()
        page.goto(f"{server.url}/")
        page.locator(".map-canvas[data-state=ready]").wait_for(timeout=120_000)
        drawn_ms = (time.perf_counter() - start) * 1000
        page.wait_for_timeout(2000)  # the canvas's next frames
        box = page.locator(".map-canvas")
        marks = page.evaluate(
            """() => Object.fromEntries(
                [...performance.getEntriesByType("mark"),
                 ...performance.getEntriesByType("resource")
                    .filter(e => /map.geojson|world-atlas|leaflet.js/.test(e.name))]
                .map(e => [e.name.replace(/^.*\\//, ""), [Math.round(e.startTime),
                           Math.round(e.startTime + e.duration), e.transferSize || 0]]))"""
        )
        figures = {
            "home_ready_ms": round(drawn_ms, 1),
            "timeline_ms": marks,
            "points": int(box.get_attribute("data-points") or 0),
            "lines": int(box.get_attribute("data-lines") or 0),
        }
        if shot is not None:
            page.locator(".map-section").screenshot(path=str(shot))
        instance.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, type=Path, help="a built dataset folder")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="time the home map in chromium")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--screenshot", type=Path, help="with --browser: the home map, a PNG")
    args = parser.parse_args(argv)
    load_ms, store = timed(lambda: OxigraphStore.from_dataset_dir(args.dataset))
    geography, figures = core(store)
    figures["load_store_ms"] = round(load_ms, 1)
    busiest = max(geography.located, key=lambda p: (len(p.partners), p.iri))
    figures["busiest_city"] = {"iri": busiest.iri, "partners": len(busiest.partners)}
    figures["routes"] = routes(store, args.dataset, args.repeat, busiest.iri)
    if args.browser:
        figures["browser"] = browser(store, args.dataset, args.screenshot)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
