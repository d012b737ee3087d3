"""Memory under repeated requests, in one process (Flask test client, no server threads, so
allocator arenas of server threads do not blur the reading): RSS after each batch of requests
for the same city page, then for random cities' pages, then for random cities' sister cities
over `/sparql` (through the query workers with `--workers`). Flat means no per-request leak.

Each line also gives the response cache's bytes (`RESPONSE_CACHE_BYTES`, `--cache-bytes`; 0
turns it off, so what is left is what the app keeps besides it). `--tracemalloc N` traces
Python's allocations from after the warm-up (the app's own `warm_up`: search index, map data,
...) and prints, at the end, the traced growth and the N source lines that grew most: what
a request leaves behind, attributed.

    python benchmarks/memory.py --dataset DIR [--requests 600] [--every 150]
    python benchmarks/memory.py --dataset DIR --cache-bytes 0 --tracemalloc 15
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from citydip_ld.web import create_app, warm_up
from citydip_ld.web.response_cache import get_response_cache

BASE = "http://localhost:5000/"
CITY = f"{BASE}ontology#City"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TWINNED = f"{BASE}ontology#twinnedWith"


def rss_mib() -> float:
    with Path("/proc/self/statm").open() as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a built dataset folder")
    parser.add_argument("--requests", type=int, default=600, help="per phase")
    parser.add_argument("--every", type=int, default=150, help="report RSS every N requests")
    parser.add_argument("--city", help="the slug of the repeated city (default: the first)")
    parser.add_argument("--cache-bytes", type=int, help="RESPONSE_CACHE_BYTES (default: its own)")
    parser.add_argument("--tracemalloc", type=int, default=0, help="top N lines of growth")
    parser.add_argument("--workers", type=int, default=0, help="QUERY_WORKERS (0: in-thread)")
    return parser.parse_args()


def report_growth(start: tracemalloc.Snapshot, top: int) -> None:
    """The traced growth since `start` and the `top` source lines that grew most."""
    gc.collect()
    end = tracemalloc.take_snapshot()
    stats = end.compare_to(start, "lineno")
    total = sum(stat.size_diff for stat in stats)
    print(f"traced growth since the warm-up: {total / 2**20:+.1f} MiB")
    for stat in stats[:top]:
        frame = stat.traceback[0]
        print(
            f"  {stat.size_diff / 2**20:+8.2f} MiB {stat.count_diff:+8d} blocks  "
            f"{frame.filename}:{frame.lineno}"
        )


def request_for(phase: str, i: int, city: str, same: str) -> tuple[str, str]:
    """The path and `Accept` of request `i` of `phase` (`city`: a random city's IRI)."""
    if phase == "sparql":
        query = f"SELECT ?p WHERE {{ <{city}> <{TWINNED}> ?p }}"
        return f"/sparql?{urlencode({'query': query})}", "application/sparql-results+json"
    path = same if phase == "same" else city.replace(f"{BASE}id/", "/doc/")
    return path, "text/turtle" if i % 2 else "text/html"


def main() -> None:
    args = parse_args()
    config: dict[str, Any] = {
        "DATASET_DIR": args.dataset,
        "QUERY_WORKERS": args.workers,
        "TESTING": True,
    }
    if args.cache_bytes is not None:
        config["RESPONSE_CACHE_BYTES"] = args.cache_bytes
    app = create_app(config)
    client = app.test_client()
    cache = get_response_cache(app)
    with (Path(args.dataset) / "dataset.nt").open(encoding="utf-8") as handle:
        cities = [line.split()[0][1:-1] for line in handle if f"<{TYPE}> <{CITY}>" in line]
    rng = random.Random(1)
    same = f"/doc/city/{args.city}" if args.city else cities[0].replace(f"{BASE}id/", "/doc/")
    warm_up(app)
    for accept in ("text/turtle", "text/html"):
        response = client.get(same, headers={"Accept": accept})
        assert response.status_code == 200, f"no city {same}"
    gc.collect()
    print(f"{len(cities)} cities; RSS after warm-up {rss_mib():.0f} MiB")
    start = None
    if args.tracemalloc:
        tracemalloc.start()
        start = tracemalloc.take_snapshot()
    for phase in ("same", "random", "sparql"):
        for i in range(1, args.requests + 1):
            path, accept = request_for(phase, i, rng.choice(cities), same)
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, response.status_code)
            if i % args.every == 0:
                gc.collect()
                kept = f"{cache.bytes / 2**20:.1f} MiB" if cache is not None else "off"
                print(f"{phase:6} {i:5d} requests: RSS {rss_mib():.0f} MiB, response cache {kept}")
    if start is not None:
        report_growth(start, args.tracemalloc)


if __name__ == "__main__":
    main()
