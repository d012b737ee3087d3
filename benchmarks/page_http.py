"""Benchmark: cold HTML city pages over HTTP, this tree against another (main's), in rounds.

Starts `citydip-ld serve` twice on the same built dataset, this tree's code on `--server` and
`--before`'s `src/` on `--before-server` (both waitress unless told; `--before .` run from the
repository with two servers compares the servers on this tree), waits `--settle` seconds (the
servers' warm-up: search index, counts), asks each for one page (the first builds the
geography, network and timeline), then runs `wrk` in `--rounds` rounds of `--duration` seconds
per server, alternating which goes first, each round on its own slice of `--slice` cities
(by default all the cities divided among the rounds; a different city every request: cold
pages, the response cache on, as served; a round that asks more than its slice repeats
cities, counted as `repeated`: cache hits, not cold pages). One cell per server, as
`wrk_bench.py` runs, swings with a busy machine's load; rounds side by side do not. Prints
each round and, per server, the median of the rounds' medians, their p99s and req/s, and
what the load does not change as much: per request, the CPU time, minor page faults
(copy-on-write in forked workers among them) and context switches of the server and all its
processes (from `/proc`, its idle SPARQL workers included). Timings are never asserted in
tests.

    python benchmarks/page_http.py --dataset <S build> --before <main's tree> --rounds 6
    python benchmarks/page_http.py --dataset <S build> --before . --server granian \
        --before-server waitress
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

#: Clock ticks a second, for `/proc/PID/stat`'s CPU times.
TICKS = os.sysconf("SC_CLK_TCK")


def counters(server: h.Server) -> dict[str, float]:
    """CPU ms, minor faults and voluntary / involuntary context switches (every thread) of
    `server`'s process and its descendants so far (those gone meanwhile are skipped)."""
    totals = {"cpu_ms": 0.0, "minflt": 0.0, "voluntary": 0.0, "involuntary": 0.0}
    for pid in [server.process.pid, *h.descendants(server.process.pid)]:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            statuses = [t.read_text() for t in Path(f"/proc/{pid}/task").glob("*/status")]
        except OSError:
            continue
        totals["minflt"] += int(stat[7])
        totals["cpu_ms"] += (int(stat[11]) + int(stat[12])) * 1000 / TICKS
        for status in statuses:
            for line in status.splitlines():
                name, _, value = line.partition(":")
                if name in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                    totals["voluntary" if name[0] == "v" else "involuntary"] += int(value)
    return totals


def per_request(
    before: dict[str, float], after: dict[str, float], requests: int
) -> dict[str, float]:
    return {k: round((after[k] - before[k]) / max(requests, 1), 2) for k in before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a built dataset folder")
    parser.add_argument("--before", type=Path, required=True, help="another source tree")
    parser.add_argument("--server", choices=("waitress", "granian"), default="waitress")
    parser.add_argument("--before-server", choices=("waitress", "granian"), default=None)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=4, help="seconds per server and round")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument(
        "--slice",
        type=int,
        default=None,
        help="cities per round (default: all the cities divided among the rounds)",
    )
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
        size = args.slice or len(others) // args.rounds
        rows: dict[str, list[dict[str, Any]]] = {after.name: [], before.name: []}
        loads = []
        for number in range(args.rounds):
            chunk = others[number * size : (number + 1) * size]
            if not chunk:
                raise SystemExit(f"no cities left for round {number}: lower --slice")
            lines = [f"/doc/city/{c.rsplit('/', 1)[1]}\ttext/html" for c in chunk]
            loads.append(round(os.getloadavg()[0], 1))
            for server in (after, before) if number % 2 == 0 else (before, after):
                start = counters(server)
                run = wb.wrk(server.port, lines, args.connections, args.duration, scratch)
                run["per_request"] = per_request(start, counters(server), run["requests"])
                run["repeated"] = max(0, run["requests"] - len(lines))  # cache hits: not cold
                rows[server.name].append(run)
                print(number, server.name, run["median_ms"], run["p99_ms"], run["rps"],
                      run["repeated"], run["per_request"], flush=True)  # fmt: skip
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
                "repeated": sum(r["repeated"] for r in runs),
                "per_request": {
                    k: statistics.median(r["per_request"][k] for r in runs)
                    for k in runs[0]["per_request"]
                },
            }
            for name, runs in rows.items()
        },
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
