"""Benchmark: a cold RDF document of a city, in one process, through the app's WSGI callable.

Loads a built dataset into the app (embedded store, queries in the request thread, the
response cache on as `serve` has it), then asks for `--count` different cities' documents
(seeded order, each once: every answer is a cache miss) in `--format` and reports the median
wall time and the median CPU time of this thread per document (CPU time is the steadier
figure on a busy machine). No HTTP server, no client: what the app itself costs. Run it with
another checkout's `src/` first on PYTHONPATH to measure that code on the same data.

    python benchmarks/cold_documents.py --dataset <S build> --count 600 --json out.json
    PYTHONPATH=<main checkout>/src python benchmarks/cold_documents.py --dataset <S build>
    python benchmarks/cold_documents.py --store <M store folder> --count 600

`--store DIR` reads a store folder (`publish --to DIR`) instead, its cities asked of the
store; with it, the same number of other cities are also described by pyoxigraph itself
(`DESCRIBE` and its Turtle writer, in this process on the same store): a peer in the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import harness as h
import pyoxigraph as ox
from werkzeug.test import EnvironBuilder

import citydip_ld
from citydip_ld.web import create_app, get_store


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--dataset", type=Path, help="a built dataset folder")
    where.add_argument("--store", type=Path, help="a store folder (publish --to DIR)")
    parser.add_argument("--count", type=int, default=600, help="documents (different cities)")
    parser.add_argument("--accept", default="text/turtle", help="the Accept header")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    settings: dict[str, Any] = {"QUERY_WORKERS": 0, "BASE": h.BASE}
    if args.store:
        app = create_app({**settings, "STORE": str(args.store)})
        cities, quads = store_cities(app)
    else:
        dataset = h.read_dataset(args.dataset)
        app = create_app({**settings, "DATASET_DIR": str(args.dataset)})
        cities, quads = list(dataset.cities), dataset.quads
    random.Random(args.seed).shuffle(cities)
    chosen = cities[: args.count + 1]
    statuses: dict[int, int] = {}

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        code = int(status.split()[0])
        statuses[code] = statuses.get(code, 0) + 1

    walls, cpus, sizes = [], [], []
    for number, city in enumerate(chosen):
        path = "/doc/city/" + city.rsplit("/", 1)[1]
        environ = EnvironBuilder(path=path, headers={"Accept": args.accept}).get_environ()
        wall, cpu = time.perf_counter(), time.thread_time()
        body = b"".join(app(environ, start_response))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if number:  # the first opens the store
            walls.append(wall)
            cpus.append(cpu)
            sizes.append(len(body))
    figures = {
        "code": str(Path(citydip_ld.__file__).parent),
        "dataset_quads": quads,
        "documents": len(walls),
        "accept": args.accept,
        "statuses": statuses,
        "median_ms": round(statistics.median(walls) * 1000, 3),
        "cpu_median_ms": round(statistics.median(cpus) * 1000, 3),
        "mean_bytes": round(statistics.mean(sizes)),
        "machine": h.machine(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    if args.store:
        peer = cities[args.count + 1 : 2 * args.count + 1]
        figures["describe_peer_cpu_median_ms"] = round(describe_peer(app, peer) * 1000, 3)
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if set(statuses) != {200}:
        raise SystemExit(f"not every answer was 200: {statuses}")


def store_cities(app: Any) -> tuple[list[str], int]:
    """The city IRIs of the app's store folder, and its quads."""
    with app.app_context():
        store = get_store()
        found = store.query(f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?c a <{h.CD}City> }} }}")
        cities = sorted(solution["c"].value for solution in found)
        count = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return cities, int(next(iter(count))["n"].value)


def describe_peer(app: Any, cities: list[str]) -> float:
    """Median CPU seconds of pyoxigraph's own DESCRIBE + Turtle of each city, on the store
    generation the app reads, in this thread."""
    with app.app_context():
        store = get_store()
    cpus = []
    for city in cities:
        cpu = time.thread_time()
        found = store.query(f"DESCRIBE <{city}>", use_default_graph_as_union=True)
        ox.serialize(found, format=ox.RdfFormat.TURTLE)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(cpus)


if __name__ == "__main__":
    main()
