"""Benchmark: citydip-ld over HTTP against `oxigraph serve` and rdflib-endpoint, same run.

For each dataset (default: the shipped data/, built into a temp folder) it starts, on
127.0.0.1, `citydip-ld serve` once per worker setting (`--workers default,0`: the default
query worker pool and QUERY_WORKERS=0, queries in the request thread) and per `--servers`
entry (waitress by default; `granian:2` is granian with 2 threads), `oxigraph serve
--union-default-graph` and rdflib-endpoint, all on the same dataset.nq, and measures, at each
`--concurrency` (keep-alive connections), interleaving the servers cell by cell:

- dereference: GET /id/city/tabriz (Accept text/turtle), follow the 303 to the document (one
  sample = both requests); oxigraph's peer is `DESCRIBE <tabriz>` as Turtle (nearest
  equivalent, not the same document); rdflib-endpoint is not asked;
- html: GET /doc/city/tabriz (Accept text/html); no peer;
- sister cities, twinnings per country (GROUP BY), two-hop partners: SPARQL SELECT, JSON
  results; every peer must return the row count citydip returns.

Every cell is bounded: at most `--requests` samples AND at most `--duration` seconds (after at
most `--warmup` uncounted ones). Reports median, p99 (nearest rank), req/s, errors, and the
ratios citydip/peer. Never assert timings in tests; record results in benchmarks/README.md.

    python benchmarks/http_bench.py                                   # shipped data, with peers
    python benchmarks/http_bench.py --dataset build --world S --json out.json
    python benchmarks/http_bench.py --requests 20 --duration 5 --peers none   # smoke
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import harness as h

from citydip_ld.server_settings import DEFAULT_THREADS

SPARQL_KINDS = ("sister cities", "twinnings per country", "two-hop partners")
KINDS = ("dereference", "html", *SPARQL_KINDS)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", default=[], help="a built dataset folder")
    parser.add_argument("--world", action="append", default=[], choices=["S", "M"], help="size")
    parser.add_argument("--requests", type=int, default=1000, help="samples per cell at most")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per cell at most")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted requests per cell")
    parser.add_argument("--concurrency", default="1,8", help="connections, comma-separated")
    parser.add_argument("--workers", default="default,0", help="citydip QUERY_WORKERS settings")
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="citydip threads per server"
    )
    parser.add_argument(
        "--servers",
        default="waitress",
        help="citydip `serve --server` values, each optionally :THREADS (e.g. waitress,granian:2)",
    )
    parser.add_argument("--peers", default="oxigraph,rdflib-endpoint", help="or 'none'")
    parser.add_argument("--kinds", default=",".join(KINDS), help="request kinds to measure")
    parser.add_argument("--city", default="tabriz", help="the city slug (world: slug-geonameid)")
    parser.add_argument("--json", type=Path, help="write all figures here as JSON")
    return parser.parse_args()


def citydip_servers(args: argparse.Namespace) -> list[tuple[str, int]]:
    """`--servers` as (server, threads) pairs; threads default to `--threads`."""
    pairs = []
    for item in args.servers.split(","):
        server, _, threads = item.partition(":")
        pairs.append((server, int(threads) if threads else args.threads))
    return pairs


def steps_for(server: h.Server, kind: str, city: str, label: bytes, rows: dict[str, int]) -> Any:
    """The step of `kind` on `server`, or None if that server has no such request."""
    citydip = server.name.startswith("citydip")
    if kind == "dereference":
        if citydip:
            return h.dereference(city)
        return h.describe_peer(server.sparql, city) if server.name == "oxigraph" else None
    if kind == "html":
        return (
            h.document(h.local_path(city).replace("/id/", "/doc/"), "text/html", label)
            if citydip
            else None
        )
    query = {
        "sister cities": h.sister_cities(city),
        "twinnings per country": h.PER_COUNTRY,
        "two-hop partners": h.two_hop(city),
    }[kind]
    return h.select(server.sparql, query, h.exactly(rows[kind]))


def measure_dataset(
    args: argparse.Namespace, directory: Path, scratch: Path, notes: list[str]
) -> list[dict[str, Any]]:
    dataset = h.read_dataset(directory)
    city = dataset.city(args.city)
    label = args.city.split("-")[0].capitalize().encode()
    peers = [p for p in args.peers.split(",") if p and p != "none"]
    kinds = [k for k in args.kinds.split(",") if k]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    print(f"dataset {dataset.quads} quads, city {city}", flush=True)
    figures: list[dict[str, Any]] = []
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                h.citydip(dataset, scratch, workers=w, threads=threads, server=server)
            )
            for server, threads in citydip_servers(args)
            for w in args.workers.split(",")
        ]
        queries = {
            "sister cities": h.sister_cities(city),
            "twinnings per country": h.PER_COUNTRY,
            "two-hop partners": h.two_hop(city),
        }
        rows = {kind: h.count_rows(servers[0], query) for kind, query in queries.items()}
        if "oxigraph" in peers:
            servers.append(stack.enter_context(h.oxigraph(dataset, scratch)))
        if "rdflib-endpoint" in peers:
            why = h.rdflib_endpoint_available()
            if why is None:
                started = time.monotonic()
                servers.append(stack.enter_context(h.rdflib_endpoint(dataset, scratch)))
                notes.append(
                    f"rdflib-endpoint loaded {dataset.quads} quads and answered in "
                    f"{time.monotonic() - started:.0f} s"
                )
            else:
                notes.append(f"rdflib-endpoint left out: {why}")
        for server in servers[1:]:
            for kind, query in queries.items():
                theirs = h.count_rows(server, query)
                if theirs != rows[kind]:
                    notes.append(f"{server.name}: {kind} gives {theirs} rows, citydip {rows[kind]}")
        for kind in kinds:
            for concurrency in concurrencies:
                for server in servers:
                    step = steps_for(server, kind, city, label, rows)
                    if step is None:
                        continue
                    run = h.drive(
                        server.port,
                        lambda _i, kind=kind, step=step: (kind, step),
                        concurrency=concurrency,
                        requests=args.requests,
                        duration=args.duration,
                        warmup=args.warmup,
                    )
                    row = {
                        "dataset_quads": dataset.quads,
                        "server": server.name,
                        "kind": kind,
                        "rows": rows.get(kind),
                        "concurrency": concurrency,
                        **run.figures(),
                    }
                    figures.append(row)
                    print(line(row), flush=True)
    return figures


def line(row: dict[str, Any]) -> str:
    def num(value: Any, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    return (
        f"| {row['dataset_quads']:,} | {row['kind']} | {row['server']} | {row['concurrency']} "
        f"| {row['requests']} | {row['errors']} | {num(row['median_ms'], '.2f')} "
        f"| {num(row['p99_ms'], '.2f')} | {num(row['rps'], ',.0f')} |"
    )


def ratios(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """citydip (each worker setting) / each peer, and workers=0 / default, per cell."""
    cells: dict[tuple[int, str, int], dict[str, dict[str, Any]]] = {}
    for row in figures:
        key = (row["dataset_quads"], row["kind"], row["concurrency"])
        cells.setdefault(key, {})[row["server"]] = row
    out = []
    for (quads, kind, concurrency), by_server in cells.items():
        ours = [name for name in by_server if name.startswith("citydip")]
        for mine in ours:
            for other in by_server:
                if other == mine or (other in ours and not other.endswith("=default")):
                    continue
                a, b = by_server[mine], by_server[other]
                if not (a["rps"] and b["rps"]):
                    continue
                out.append(
                    {
                        "dataset_quads": quads,
                        "kind": kind,
                        "concurrency": concurrency,
                        "ours": mine,
                        "peer": other,
                        "median_x": round(a["median_ms"] / b["median_ms"], 2),
                        "p99_x": round(a["p99_ms"] / b["p99_ms"], 2),
                        "rps_x": round(a["rps"] / b["rps"], 3),
                    }
                )
    return out


def targets(figures: list[dict[str, Any]]) -> list[str]:
    """The issue's targets on the largest dataset, sister cities, default workers."""
    if not figures:
        return []
    largest = max(row["dataset_quads"] for row in figures)
    cells = [r for r in figures if r["dataset_quads"] == largest and r["kind"] == "sister cities"]
    out = []
    for concurrency in sorted({r["concurrency"] for r in cells}):
        at = {r["server"]: r for r in cells if r["concurrency"] == concurrency}
        ours = at.get("citydip workers=default") or next(
            (r for n, r in at.items() if n.startswith("citydip")), None
        )
        if ours is None or not ours["rps"]:
            continue
        name = ours["server"]
        p99 = ours["p99_ms"]
        out.append(
            f"{name} at {concurrency} conn.: p99 {p99:.2f} ms (target < 5): "
            + ("met" if p99 < 5 else f"missed by {p99 - 5:.2f} ms (x{p99 / 5:.1f})")
        )
        if (ox := at.get("oxigraph")) and ox["rps"]:
            x = ours["rps"] / ox["rps"]
            out.append(
                f"{name} at {concurrency} conn.: req/s x{x:.2f} oxigraph (target >= 1): "
                + ("met" if x >= 1 else f"missed by {ox['rps'] - ours['rps']:,.0f} req/s")
            )
        if (rl := at.get("rdflib-endpoint")) and rl["rps"]:
            x = ours["rps"] / rl["rps"]
            out.append(
                f"{name} at {concurrency} conn.: req/s x{x:.0f} rdflib-endpoint "
                "(target >= 100): " + ("met" if x >= 100 else f"missed, {100 / x:.0f}x short")
            )
    return out


def main() -> None:
    args = parse_args()
    figures: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="citydip-http-") as tmp:
        scratch = Path(tmp)
        directories = [Path(d) for d in args.dataset]
        directories += [h.build_world(scratch, size) for size in args.world]
        if not directories:
            directories = [h.build_shipped(scratch)]
        print("| quads | kind | server | conn. | samples | errors | median ms | p99 ms | req/s |")
        print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
        for directory in directories:
            figures += measure_dataset(args, directory, scratch, notes)
    found = ratios(figures)
    print("\n| quads | kind | conn. | ours | peer | median x | p99 x | req/s x |")
    print("|---:|---|---:|---|---|---:|---:|---:|")
    for r in found:
        print(
            f"| {r['dataset_quads']:,} | {r['kind']} | {r['concurrency']} | {r['ours']} "
            f"| {r['peer']} | {r['median_x']} | {r['p99_x']} | {r['rps_x']} |"
        )
    verdicts = targets(figures)
    for text in [*notes, *verdicts]:
        print(text)
    if args.json:
        report = {
            "date": date.today().isoformat(),
            "machine": h.machine(),
            "settings": {k: v for k, v in vars(args).items() if k not in ("dataset", "json")},
            "figures": figures,
            "ratios": found,
            "notes": notes,
            "targets": verdicts,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    errors = sum(row["errors"] for row in figures)
    if errors:
        print(f"{errors} errors", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
