"""Benchmark: warm and cold answers over HTTP with `wrk`, citydip-ld against `oxigraph serve`.

For each dataset (default: the shipped data/, built into a temp folder) it starts, on
127.0.0.1, `citydip-ld serve --no-check` once per `--servers` entry (waitress by default;
`granian`, `granian:THREADS` or `granian:THREADS:WORKERS`, its `--workers`) and `oxigraph
serve --union-default-graph` on the same dataset.nq (for a `--store` folder, as M and L
have: `serve --store DIR` and `oxigraph serve-read-only` on its live generation), then runs
`wrk` (C, so the client costs the shared cores little) cell by cell, the servers
interleaved:

- warm document: the same `GET /doc/city/<city>` (Accept text/turtle) again and again;
  oxigraph: the same `DESCRIBE <city>` as Turtle (the nearest equivalent);
- warm SPARQL lookup: the same "sister cities" SELECT, JSON results, on both;
- cold document: a different city each request (Accept text/turtle; each cell its own slice
  of the cities, so no request repeats within a run); oxigraph: `DESCRIBE` of each city. A
  citydip cell that outruns its slice (`--cold-slice`) repeats cities, which its response
  cache answers: its row says how many repeated (shorten `--duration` or widen the slice);
- cold HTML page: a different city's page each request (Accept text/html); no peer.

`--no-response-cache` runs the citydip servers without their response cache
(`RESPONSE_CACHE_BYTES=0`), so that every request is answered cold however long the cell:
at S a cell of a few seconds outruns the 12,596 cities otherwise.

At each `--concurrency` (connections; wrk threads = min(connections, 2)) for `--duration`
seconds. wrk's median, p99 and req/s, non-2xx answers and socket errors are reported, and
the ratios citydip/oxigraph. RSS of each server after the run, and the PSS of it and its
children (shared pages counted once: what forked workers really take). Timings are never asserted in
tests; record results in benchmarks/README.md.

    python benchmarks/wrk_bench.py --dataset <S build> --duration 5 --json out.json
    python benchmarks/wrk_bench.py --servers waitress,granian --peers none
    python benchmarks/wrk_bench.py --baseline-src <main checkout>/src --settle 60
    python benchmarks/wrk_bench.py --store <M store folder> --kinds "cold document"
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import harness as h

from citydip_ld.server_settings import DEFAULT_THREADS

#: wrk's Lua: one request per line of PATHS (a path, a tab, the Accept header), each wrk
#: thread taking every THREADS-th line from its own offset, so no request repeats.
LUA = """
local lines = {}
for line in io.lines(os.getenv("WRK_PATHS")) do lines[#lines + 1] = line end
local count = 0
function setup(thread)
  thread:set("offset", count)
  count = count + 1
end
local step = tonumber(os.getenv("WRK_THREADS"))
local i = nil
function request()
  if i == nil then i = offset + 1 else i = i + step end
  if i > #lines then i = (i - 1) % #lines + 1 end
  local path, accept = lines[i]:match("([^\\t]*)\\t(.*)")
  return wrk.format("GET", path, {["Accept"] = accept})
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", default=[], help="a built dataset folder")
    parser.add_argument(
        "--store", action="append", default=[], help="a store folder (publish --to DIR)"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per cell")
    parser.add_argument("--concurrency", default="1,8", help="connections, comma-separated")
    parser.add_argument(
        "--servers",
        default="waitress",
        help="e.g. waitress,granian:16,granian:16:2 (SERVER:THREADS:--workers)",
    )
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--peers", default="oxigraph", help="oxigraph or none")
    parser.add_argument("--city", default="tabriz", help="the warm city (world: its slug)")
    parser.add_argument("--cold-slice", type=int, default=3000, help="cities per cold cell")
    parser.add_argument("--kinds", default="warm document,warm sparql,cold document,cold html")
    parser.add_argument("--json", type=Path, help="write all figures here as JSON")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run every cell this many times, interleaved"
    )
    parser.add_argument(
        "--baseline-src",
        help="another checkout's src/ folder: each server also runs that code (a baseline)",
    )
    parser.add_argument(
        "--settle", type=int, default=0, help="seconds to wait once the servers answer"
    )
    parser.add_argument(
        "--no-response-cache",
        action="store_true",
        help="citydip servers without their response cache: every document answered cold",
    )
    parser.add_argument(
        "--warm-up-wait",
        type=int,
        default=0,
        help="at most this many seconds to wait for each citydip server's warm-up to be done "
        "(its log line; at M, minutes): the cells then measure no warm-up work",
    )
    return parser.parse_args()


def wrk(
    port: int, lines: list[str], connections: int, duration: int, scratch: Path
) -> dict[str, Any]:
    """Run wrk on `lines` (path TAB accept) and parse its report."""
    threads = min(connections, 2)
    paths = scratch / "wrk-paths.txt"
    paths.write_text("\n".join(lines) + "\n")
    script = scratch / "wrk.lua"
    script.write_text(LUA)
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=duration + 60, check=False,
        env={"WRK_PATHS": str(paths), "WRK_THREADS": str(threads), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return parse_wrk(done.stdout + done.stderr)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(report: str) -> dict[str, Any]:
    requests = re.search(r"(\d+) requests in", report)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", report)
    p50 = re.search(r"^\s+50%\s+(\S+)", report, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", report, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    if not (requests and rps and p50 and p99):
        raise SystemExit(f"could not read wrk's report:\n{report}")
    return {
        "requests": int(requests.group(1)),
        "rps": float(rps.group(1)),
        "median_ms": round(_ms(p50.group(1)), 3),
        "p99_ms": round(_ms(p99.group(1)), 3),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(int(g) for g in sockets.groups()) if sockets else 0),
    }


def query_path(server: h.Server, query: str) -> str:
    return f"{server.sparql}?{urllib.parse.urlencode({'query': query})}"


def lines_for(server: h.Server, kind: str, cities: list[str], city: str) -> list[str] | None:
    """The requests of `kind` on `server` (None: it has no such request)."""
    is_ours = server.name.startswith("citydip")
    turtle = "text/turtle"
    if kind == "warm sparql":
        return [f"{query_path(server, h.sister_cities(city))}\t{h.JSON_RESULTS}"]
    chosen = [city] if kind.startswith("warm") else cities
    if kind == "cold html":
        return [f"/doc/city/{c.rsplit('/', 1)[1]}\ttext/html" for c in chosen] if is_ours else None
    if is_ours:
        return [f"/doc/city/{c.rsplit('/', 1)[1]}\t{turtle}" for c in chosen]
    return [f"{query_path(server, f'DESCRIBE <{c}>')}\t{turtle}" for c in chosen]


def warm_pages(server: h.Server, city: str) -> None:
    """One page of `city` before any HTML cell: the first page builds what every city page
    draws from (the geography, the network, the timeline; 10-20 s at S on a busy machine),
    which would otherwise fall into the first cell, beyond wrk's 2 s timeout."""
    if not server.name.startswith("citydip"):
        return
    client = h.Client(server.port, timeout=600)
    try:
        status, _headers, _body = client.get(
            f"/doc/city/{city.rsplit('/', 1)[1]}", {"Accept": "text/html"}
        )
    finally:
        client.close()
    if status != 200:
        raise SystemExit(f"{server.name}: the warm-up page answered {status}")


WARM_UP_DONE = re.compile(r"warm-up done in ([\d.]+) s")


def wait_for_warm_up(server: h.Server, limit: int) -> float | None:
    """The warm-up seconds `server` logged, waiting at most `limit` s (None: not done)."""
    deadline = time.monotonic() + limit
    while server.log_path is not None:
        found = WARM_UP_DONE.search(server.log_path.read_text(errors="replace"))
        if found is not None:
            return float(found.group(1))
        if time.monotonic() > deadline:
            return None
        time.sleep(1)
    return None


def measure_dataset(
    args: argparse.Namespace, dataset: h.Dataset, scratch: Path
) -> list[dict[str, Any]]:
    """Long because it starts the servers and walks kinds x connections x servers in one loop."""
    city = dataset.city(args.city)
    kinds = [k for k in args.kinds.split(",") if k]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    figures: list[dict[str, Any]] = []
    print(f"dataset {dataset.quads} quads, {len(dataset.cities)} cities, city {city}", flush=True)
    info = {"CITYDIP_LOG_LEVEL": "info"} if args.warm_up_wait else {}  # its warm-up line
    if args.no_response_cache:
        info["CITYDIP_RESPONSE_CACHE_BYTES"] = "0"
    with ExitStack() as stack:
        servers = []
        for item in args.servers.split(","):
            name, _, rest = item.partition(":")
            threads, _, http_workers = rest.partition(":")
            for source in (None, args.baseline_src) if args.baseline_src else (None,):
                started = h.citydip(
                    dataset, scratch, threads=int(threads or args.threads), server=name,
                    source=source, env=info,
                    http_workers=int(http_workers) if http_workers else None,
                    ready_timeout=max(600, args.warm_up_wait),
                )  # fmt: skip
                servers.append(stack.enter_context(started))
        if "oxigraph" in args.peers:
            servers.append(stack.enter_context(h.oxigraph(dataset, scratch)))
        time.sleep(args.settle)  # the servers' warm-up (search index, counts) runs meanwhile
        for server in servers:
            if args.warm_up_wait and server.name.startswith("citydip"):
                seconds = wait_for_warm_up(server, args.warm_up_wait)
                figures.append({"dataset_quads": dataset.quads, "server": server.name,
                                "kind": "warm-up", "seconds": seconds})  # fmt: skip
                print(f"{server.name}: warm-up done in {seconds} s", flush=True)
        others = [c for c in dataset.cities if c != city]
        if any(kind.endswith("html") for kind in kinds):
            for server in servers:
                warm_pages(server, city)
        cell = turn = 0
        for round_, kind in ((r, k) for r in range(args.repeat) for k in kinds):
            for connections in concurrencies:
                cold = others[cell * args.cold_slice : (cell + 1) * args.cold_slice] or others
                if kind.startswith("cold"):
                    cell += 1
                # Each server in turn goes first: the first to read a cold slice finds less of
                # it in the page cache than the servers after it on the same files.
                turn += 1
                for server in servers[turn % len(servers) :] + servers[: turn % len(servers)]:
                    row = measure_cell(args, server, kind, connections, (cold, city), scratch)
                    if row is not None:
                        row |= {"dataset_quads": dataset.quads, "round": round_,
                                "dataset": str(dataset.store or dataset.directory)}  # fmt: skip
                        figures.append(row)
                        print(line(row), flush=True)
        for server in servers:
            own, total = server.rss_mib()
            pss = server.pss_mib()
            figures.append(
                {"dataset_quads": dataset.quads, "server": server.name, "kind": "rss",
                 "rss_mib": round(own, 1), "rss_total_mib": round(total, 1),
                 "pss_total_mib": round(pss, 1)}
            )  # fmt: skip
            print(
                f"{server.name}: RSS {own:.1f} MiB (with children {total:.1f}; "
                f"PSS with children {pss:.1f})",
                flush=True,
            )
    return figures


def measure_cell(
    args: argparse.Namespace,
    server: h.Server,
    kind: str,
    connections: int,
    cities: tuple[list[str], str],
    scratch: Path,
) -> dict[str, Any] | None:
    """One wrk run of `kind` on `server`, with the server's CPU per request (None: `server`
    has no such request)."""
    lines = lines_for(server, kind, *cities)
    if lines is None:
        return None
    before = server.cpu_seconds()
    run = wrk(server.port, lines, connections, args.duration, scratch)
    used = server.cpu_seconds() - before
    load = Path("/proc/loadavg").read_text().split()[0]
    row = {"server": server.name, "kind": kind, "concurrency": connections,
           "distinct": len(lines), **run, "load": float(load),
           "cpu_us": round(used / max(run["requests"], 1) * 1e6, 1)}  # fmt: skip
    if kind.startswith("cold") and server.name.startswith("citydip") and not args.no_response_cache:
        # a repeat is a response-cache hit (oxigraph keeps no answers)
        row["repeated"] = max(0, run["requests"] - len(lines))
    return row


def line(row: dict[str, Any]) -> str:
    repeats = f", {row['repeated']:,} repeated" if row.get("repeated") else ""
    where = Path(row.get("dataset", "")).name
    return (
        f"| {row['dataset_quads']:,} {where} | {row['kind']} | {row['server']} "
        f"| {row['concurrency']} "
        f"| {row['requests']:,} ({row['distinct']} distinct{repeats}) | {row['errors']} "
        f"| {row['median_ms']} | {row['p99_ms']} | {row['rps']:,.0f} | {row['cpu_us']} "
        f"| {row['load']} |"
    )


def ratios(figures: list[dict[str, Any]]) -> list[str]:
    """citydip/oxigraph per cell: req/s ratio (higher is better), p99 ratio and CPU per
    request ratio (lower)."""
    out = []

    def cell(row: dict[str, Any]) -> tuple[Any, ...]:
        # two store folders of the same data (e.g. with and without a label table): each
        # against the oxigraph of its own dataset
        where = row.get("dataset")
        return where, row["dataset_quads"], row["kind"], row.get("concurrency"), row.get("round")

    peers = {cell(r): r for r in figures if r["server"] == "oxigraph" and "rps" in r}
    for row in figures:
        peer = peers.get(cell(row))
        if peer is None or row["server"] == "oxigraph":
            continue
        cpu = row["cpu_us"] / peer["cpu_us"] if peer["cpu_us"] else float("nan")
        where = Path(row.get("dataset", "")).name
        out.append(
            f"| {row['dataset_quads']:,} {where} | {row['kind']} | {row['server']} "
            f"| {row['concurrency']} "
            f"| {row['round']} | x{row['rps'] / peer['rps']:.2f} "
            f"| x{row['p99_ms'] / peer['p99_ms']:.2f} | x{cpu:.2f} |"
        )
    return out


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="citydip-wrk-") as tmp:
        scratch = Path(tmp)
        datasets = [h.read_dataset(Path(d)) for d in args.dataset]
        datasets += [h.read_store(Path(d)) for d in args.store]
        if not datasets:
            datasets = [h.read_dataset(h.build_shipped(scratch))]
        print(
            "| quads | kind | server | conn. | requests | errors | median ms | p99 ms | req/s "
            "| server CPU µs/request | load |"
        )
        print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for dataset in datasets:
            figures += measure_dataset(args, dataset, scratch)
    found = ratios(figures)
    print(
        "\n| quads | kind | server | conn. | round | req/s vs oxigraph | p99 vs oxigraph "
        "| CPU/request vs oxigraph |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(found))
    if args.json:
        report = {"date": date.today().isoformat(), "machine": h.machine(),
                  "settings": {k: str(v) for k, v in vars(args).items() if k != "json"},
                  "figures": figures, "ratios": found}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    errors = sum(row.get("errors", 0) for row in figures)
    if errors:
        print(f"{errors} errors", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
