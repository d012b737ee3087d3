"""Benchmark: the reconciliation service, batch by batch, as OpenRefine sends it.

    python benchmarks/reconcile.py --dataset DIR [--batches 20] [--batch-size 100] [--json FILE]

In one process, on the embedded store with no query workers, through Flask's test client:

1. builds the search index (what `serve`'s warm-up does once per store);
2. draws (seed 10) city names from the index's own labels, as a spreadsheet column holds them:
   half Persian (a third of those typed with Arabic ي/ك), half English, some in capitals;
3. times, per batch of `--batch-size` queries: `POST /reconcile` with `queries=` (type city,
   no properties), the same with a `country` property on each query (a few store queries per
   batch read the candidates' countries), and `POST /reconcile` with `extend=` for the matched
   IRIs (every property: the entities' triples, then their countries' and partners' labels).

Prints median, p90 and max ms per batch and per query, and how many queries matched. Never
assert timings in tests; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from citydip_ld.iris import DEFAULT_BASE, normalise_base
from citydip_ld.web import create_app
from citydip_ld.web.context import get_search_index

ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
PROPERTIES = ["country", "wikidata", "geonames", "coordinates", "population", "partners"]


def column(app: Any, base: str, size: int, rng: random.Random) -> list[str]:
    """`size` city names from the index, as a spreadsheet column holds them."""
    with app.app_context():
        cities = [r for r in get_search_index(base).resources if r.kind == "city"]
    names = []
    for _ in range(size):
        labels = rng.choice(cities).labels
        if rng.random() < 0.5 and "fa" in labels:
            name = labels["fa"]
            names.append(name.translate(ARABIC) if rng.random() < 0.33 else name)
        else:
            name = labels.get("en") or next(iter(labels.values()))
            names.append(name.upper() if rng.random() < 0.2 else name)
    return names


def timed(client: Any, form: dict[str, str]) -> tuple[float, Any]:
    start = time.perf_counter()
    response = client.post("/reconcile", data=form)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed, response.get_json()


def summary(times: list[float], per: int) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
        "median_ms_per_query": round(statistics.median(ordered) / per, 3),
    }


def run(dataset: Path, batches: int, size: int) -> dict[str, Any]:
    """Long because it is the whole benchmark in order: index, column, three timed loops."""
    base = normalise_base(DEFAULT_BASE)
    app = create_app({"DATASET_DIR": str(dataset), "BASE": base, "QUERY_WORKERS": 0})
    client = app.test_client()
    start = time.perf_counter()
    with app.app_context():
        get_search_index(base)
    index_s = time.perf_counter() - start
    rng = random.Random(10)
    plain: list[float] = []
    constrained: list[float] = []
    extended: list[float] = []
    matched = total = 0
    for _ in range(batches):
        names = column(app, base, size, rng)
        queries = {f"q{n}": {"query": name, "type": "city"} for n, name in enumerate(names)}
        elapsed, answer = timed(client, {"queries": json.dumps(queries, ensure_ascii=False)})
        plain.append(elapsed)
        hits = [c["id"] for a in answer.values() for c in a["result"] if c["match"]]
        matched += len(hits)
        total += len(names)
        for query in queries.values():
            query["properties"] = [{"pid": "country", "v": "Iran"}]
        elapsed, _ = timed(client, {"queries": json.dumps(queries, ensure_ascii=False)})
        constrained.append(elapsed)
        extend = {"ids": hits, "properties": [{"id": p} for p in PROPERTIES]}
        elapsed, _ = timed(client, {"extend": json.dumps(extend)})
        extended.append(elapsed)
    return {
        "dataset": str(dataset),
        "index_build_s": round(index_s, 2),
        "batch_size": size,
        "batches": batches,
        "matched": f"{matched} of {total}",
        "queries": summary(plain, size),
        "queries_with_country": summary(constrained, size),
        "extend_all_properties": summary(extended, size),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a built dataset folder")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = run(args.dataset, args.batches, args.batch_size)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
