"""Benchmark: cold HTML city pages over HTTP, this tree against another (main's), in rounds.

Starts `citydip-ld serve` twice on the same built dataset, this tree's code on `--server` and
`--before`'s `src/` on `--before-server` (both waitress unless told; `--before .` run from the
repository with two servers compares the servers on this tree), waits `--settle` seconds (the
servers' warm-up: search index, counts), asks each for one page (the first builds the
geography, network and timeline), then runs `wrk` in `--rounds` rounds of `--duration` seconds
per server, alternating which goes first, each round on its own slice of `--slice` cities (a
different city every request, nothing repeated: cold pages; the response cache is on, as
served). One cell per server, as `wrk_bench.py` runs, swings with a busy machine's load; rounds
side by side do not. Prints each round and, per server, the median of the rounds' medians,
their p99s and req/s. Timings are never asserted in tests.

    python benchmarks/page_http.py --dataset <S build> --before <main's tree> --rounds 6
    python benchmarks/page_http.py --dataset <S build> --before . --server granian \
        --before-server waitress --slice 3000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import harness as h
import wrk_bench as wb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a built dataset folder")
    parser.add_argument("--before", type=Path, required=True, help="another source tree")
    parser.add_argument("--server", choices=("waitress", "granian"), default="waitress")
    parser.add_argument("--before-server", choices=("waitress", "granian"), default=None)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=4, help="seconds per server and round")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--slice", type=int, default=600, help="cities per round")
    parser.add_argument("--settle", type=int, default=90, help="seconds for the warm-up")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citydip-page-http-") as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        dataset = h.read_dataset(args.dataset)
        city = dataset.city("tabriz")
        after = stack.enter_context(h.citydip(dataset, scratch, server=args.server))
        before_server = args.before_server or args.server
        same_tree = before_server != args.server and args.before.resolve() == Path.cwd().resolve()
        source = None if same_tree else str(args.before / "src")
        before = stack.enter_context(
            h.citydip(dataset, scratch, server=before_server, source=source)
        )
        time.sleep(args.settle)
        for server in (after, before):
            wb.warm_pages(server, city)
        others = [c for c in dataset.cities if c != city]
        rows: dict[str, list[dict[str, Any]]] = {after.name: [], before.name: []}
        loads = []
        for number in range(args.rounds):
            chunk = others[number * args.slice : (number + 1) * args.slice] or others
            lines = [f"/doc/city/{c.rsplit('/', 1)[1]}\ttext/html" for c in chunk]
            loads.append(round(os.getloadavg()[0], 1))
            for server in (after, before) if number % 2 == 0 else (before, after):
                run = wb.wrk(server.port, lines, args.connections, args.duration, scratch)
                rows[server.name].append(run)
                print(number, server.name, run["median_ms"], run["p99_ms"], run["rps"], flush=True)
    result = {
        "rounds": args.rounds,
        "connections": args.connections,
        "load_average": loads,
        "servers": {
            name: {
                "median_of_medians_ms": statistics.median(r["median_ms"] for r in runs),
                "medians_ms": [r["median_ms"] for r in runs],
                "p99_ms": [r["p99_ms"] for r in runs],
                "rps": statistics.median(r["rps"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
            }
            for name, runs in rows.items()
        },
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
