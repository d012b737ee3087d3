"""Memory under repeated requests, in one process (Flask test client, no server threads, so
allocator arenas of server threads do not blur the reading): RSS after each batch of requests
for the same city page, then for random cities. Flat means no per-request leak.

    python benchmarks/memory.py --dataset DIR [--requests 600] [--every 150]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
from pathlib import Path

from citydip_ld.web import create_app

BASE = "http://localhost:5000/"
CITY = f"{BASE}ontology#City"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def rss_mib() -> float:
    with Path("/proc/self/statm").open() as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a built dataset folder")
    parser.add_argument("--requests", type=int, default=600, help="per phase")
    parser.add_argument("--every", type=int, default=150, help="report RSS every N requests")
    parser.add_argument("--city", default="tabriz", help="the slug of the repeated city")
    args = parser.parse_args()

    app = create_app({"DATASET_DIR": args.dataset, "QUERY_WORKERS": 0, "TESTING": True})
    client = app.test_client()
    with (Path(args.dataset) / "dataset.nt").open(encoding="utf-8") as handle:
        cities = [line.split()[0][1:-1] for line in handle if f"<{TYPE}> <{CITY}>" in line]
    rng = random.Random(1)
    same = f"/doc/city/{args.city}"
    assert client.get(same).status_code == 200, f"no city {args.city}"
    print(f"{len(cities)} cities; RSS after warm-up {rss_mib():.0f} MiB")
    for phase in ("same", "random"):
        for i in range(1, args.requests + 1):
            path = same if phase == "same" else rng.choice(cities).replace(f"{BASE}id/", "/doc/")
            accept = "text/turtle" if i % 2 else "text/html"
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, response.status_code)
            if i % args.every == 0:
                gc.collect()
                print(f"{phase:6} {i:5d} requests: RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
