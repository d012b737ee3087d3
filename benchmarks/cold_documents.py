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
`--against DIR` asks every other document of a second store folder of the same data (one
with and one without the label table, say), so both see the same load.

    python benchmarks/cold_documents.py --store <M, new> --against <M, old> --count 600
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
    parser.add_argument(
        "--against",
        type=Path,
        help="with --store: another store folder of the same data (e.g. published without "
        "the label table), asked every other document in the same run (`against_*` figures)",
    )
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
    apps = [app]
    if args.against:
        if not args.store:
            raise SystemExit("--against needs --store")
        apps.append(create_app({**settings, "STORE": str(args.against)}))
    chosen = cities[: len(apps) * (args.count + 1)]
    statuses: dict[int, int] = {}
    walls, cpus, sizes = ask_documents(apps, chosen, args.accept, statuses)
    if args.against:  # every other document, in the same run
        against = {"against": str(args.against), "against_documents": len(walls[1])}
        against["against_median_ms"] = round(statistics.median(walls[1]) * 1000, 3)
        against["against_cpu_median_ms"] = round(statistics.median(cpus[1]) * 1000, 3)
        against["against_mean_bytes"] = round(statistics.mean(sizes[1]))
    walls, cpus, sizes = walls[0], cpus[0], sizes[0]
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
    if args.against:
        figures |= against
    if args.store:
        peer = cities[len(chosen) : len(chosen) + args.count]
        figures["describe_peer_cpu_median_ms"] = round(describe_peer(app, peer) * 1000, 3)
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if set(statuses) != {200}:
        raise SystemExit(f"not every answer was 200: {statuses}")


def ask_documents(
    apps: list[Any], chosen: list[str], accept: str, statuses: dict[int, int]
) -> tuple[list[list[float]], list[list[float]], list[list[int]]]:
    """Each city of `chosen` asked of the apps in turn (the first of each app not timed: it
    opens the store): wall and CPU seconds and body sizes, per app."""
    walls: list[list[float]] = [[] for _ in apps]
    cpus: list[list[float]] = [[] for _ in apps]
    sizes: list[list[int]] = [[] for _ in apps]

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        code = int(status.split()[0])
        statuses[code] = statuses.get(code, 0) + 1

    for number, city in enumerate(chosen):
        which = number % len(apps)
        path = "/doc/city/" + city.rsplit("/", 1)[1]
        environ = EnvironBuilder(path=path, headers={"Accept": accept}).get_environ()
        wall, cpu = time.perf_counter(), time.thread_time()
        body = b"".join(apps[which](environ, start_response))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if number >= len(apps):
            walls[which].append(wall)
            cpus[which].append(cpu)
            sizes[which].append(len(body))
    return walls, cpus, sizes


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
