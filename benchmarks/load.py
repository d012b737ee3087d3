"""Load test: citydip-ld under mixed traffic on 127.0.0.1, memory, and a runaway query.

For each dataset (default: the shipped data/, built into a temp folder) and each worker
setting (`--workers default,0`), on a fresh `citydip-ld serve --no-check` (for the mixed phase
once per `--servers` entry, e.g. `waitress,granian:2,granian:16:2`: the server, its thread
count and its `--workers`):

1. mixed: at most `--requests` requests AND at most `--duration` seconds over
   `--concurrency` keep-alive connections, a seeded mix over random cities: dereference
   (/id/ -> 303 -> Turtle document) 20%, HTML page 20%, Turtle document 15%, SPARQL partners
   of a city 40%, aggregates (twinnings per country, twinnings, cities per country) 5%. Any
   wrong status (5xx included), malformed answer or connection error is an error. The
   server's RSS (its own, and with its worker processes) is sampled every second (and
   the PSS of all of them, shared pages counted once, before and after):
   first, last, max, the RSS at the end of each minute, and least-squares slopes in MiB per
   minute over the whole run, its second half, the part after the response cache reached
   its bound, and the part after that and the server's warm-up ("steady"; the server runs
   at log level info: its cache logs each eighth of its bound it fills and when it is full,
   its warm-up when it is done; those moments are reported too).
2. runaway (`--runaway-timeout`, default 2 s, as QUERY_TIMEOUT): light traffic (no
   aggregates) for `--runaway-window` seconds alone, then again while one pathological query
   (`COUNT(*)` over a three-way cross product) runs. Reports the runaway's status and wall
   time (the client gives up after timeout + `--runaway-wait` s) and the light traffic's
   latency before and during.

Prints JSON-ish tables; `--json FILE` writes everything. Exit 1 if any error. Record results
in benchmarks/README.md; never assert timings in tests.

    python benchmarks/load.py                                  # shipped data
    python benchmarks/load.py --dataset build --world S --json out.json
    python benchmarks/load.py --requests 20 --duration 5       # smoke
    python benchmarks/load.py --dataset <S build> --duration 600 --requests 150000 \
        --workers default --no-runaway                         # the 10-minute soak
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date, datetime
from pathlib import Path
from typing import Any

import harness as h

from citydip_ld.server_settings import DEFAULT_THREADS

AGGREGATES = {
    "twinnings per country": h.PER_COUNTRY,
    "twinnings": f"{h.PREFIXES}SELECT (COUNT(?t) AS ?n) WHERE {{ ?t a cd:Twinning }}",
    "cities per country": f"{h.PREFIXES}SELECT ?country (COUNT(?c) AS ?n) WHERE "
    "{ ?c a cd:City ; schema:containedInPlace ?country } GROUP BY ?country",
}
#: kind -> share of the mixed traffic
MIX = {
    "dereference": 0.20,
    "html": 0.20,
    "turtle document": 0.15,
    "sparql partners": 0.40,
    "sparql aggregate": 0.05,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", default=[], help="a built dataset folder")
    parser.add_argument("--world", action="append", default=[], choices=["S", "M"], help="size")
    parser.add_argument("--requests", type=int, default=20000, help="mixed requests at most")
    parser.add_argument("--duration", type=float, default=60.0, help="mixed seconds at most")
    parser.add_argument("--concurrency", type=int, default=8, help="connections")
    parser.add_argument("--workers", default="default,0", help="citydip QUERY_WORKERS settings")
    parser.add_argument(
        "--servers",
        default="waitress",
        help="citydip serve --server values, comma-separated, each optionally :THREADS and "
        ":WORKERS, its --workers (e.g. waitress,granian:2,granian:16:2)",
    )
    parser.add_argument(
        "--cache-bytes", type=int, help="the server's RESPONSE_CACHE_BYTES (default: its own)"
    )
    parser.add_argument(
        "--cache-min-uses",
        type=int,
        help="the server's RESPONSE_CACHE_MIN_USES (default: its own, 2)",
    )
    parser.add_argument("--runaway-timeout", type=float, default=2.0, help="QUERY_TIMEOUT, s")
    parser.add_argument("--runaway-window", type=float, default=6.0, help="light traffic, s")
    parser.add_argument("--runaway-wait", type=float, default=10.0, help="extra s to wait")
    parser.add_argument("--no-runaway", action="store_true", help="skip the runaway phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write all figures here as JSON")
    return parser.parse_args()


def make_step(kind: str, city: str, sparql: str, rng: random.Random) -> h.Step:
    doc = h.local_path(city).replace("/id/", "/doc/")
    if kind == "dereference":
        return h.dereference(city)
    if kind == "html":
        return h.document(doc, "text/html", b"</html>")
    if kind == "turtle document":
        return h.document(doc, "text/turtle", city.rsplit("/", 1)[1].encode())
    if kind == "sparql partners":
        return h.select(sparql, h.sister_cities(city), lambda n: None)
    query = AGGREGATES[rng.choice(sorted(AGGREGATES))]
    return h.select(sparql, query, lambda n: None if n > 0 else "no rows")


def plan(dataset: h.Dataset, count: int, seed: int, kinds: dict[str, float]) -> list[Any]:
    """`count` seeded (kind, step) pairs over random cities of the dataset."""
    rng = random.Random(seed)
    names, weights = list(kinds), list(kinds.values())
    out = []
    for _ in range(count):
        kind = rng.choices(names, weights)[0]
        out.append((kind, make_step(kind, rng.choice(dataset.cities), "/sparql", rng)))
    return out


#: The response cache's fill lines in the server's log (`citydip_ld.web.response_cache`).
CACHE_LINE = re.compile(
    r"response cache (filling|reached its bound): (\d+) of (\d+) bytes in (\d+) entries"
)
#: The server's line when its warm-up (search index, map data, ...) is done.
WARM_UP_LINE = "warm-up done in"
#: Slopes over fewer seconds than this are not reported (too short to mean anything).
MIN_SLOPE_SECONDS = 60.0


def slope_per_minute(samples: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of (seconds, MiB) samples, in MiB per minute."""
    if len(samples) < 2 or samples[-1][0] - samples[0][0] < MIN_SLOPE_SECONDS:
        return None
    times, values = zip(*samples, strict=True)
    return round(statistics.linear_regression(times, values).slope * 60, 2)


def server_events(log: str, started: float) -> dict[str, Any]:
    """From a server's log, at seconds since `started` (Unix time): the response cache's fill
    lines, when it was full, and when the server's warm-up was done."""
    fill, warm_up = [], None
    for line in log.splitlines():
        if not line.startswith("{"):
            continue
        match = CACHE_LINE.search(line)
        if match is None and WARM_UP_LINE not in line:
            continue
        at = round(datetime.fromisoformat(json.loads(line)["time"]).timestamp() - started, 1)
        if match is None:
            warm_up = at
            continue
        fill.append(
            {
                "at_s": at,
                "full": match.group(1) != "filling",
                "bytes": int(match.group(2)),
                "max_bytes": int(match.group(3)),
                "entries": int(match.group(4)),
            }
        )
    full = next((e["at_s"] for e in fill if e["full"]), None)
    return {"warm_up_done_s": warm_up, "cache_full_s": full, "cache_fill": fill}


def memory_report(
    memory: h.MemorySampler, events: dict[str, Any], cache_off: bool = False
) -> dict[str, Any]:
    """RSS per minute and the slopes: over the whole run, its second half, after the response
    cache was full, and after both the cache was full (`cache_off`: at once) and the warm-up
    done (steady). `samples`: every (seconds, server MiB, with workers MiB)."""
    samples = memory.samples
    out: dict[str, Any] = {"server": memory.summary(1), "with_workers": memory.summary(2)}
    per_minute: dict[int, tuple[float, float, float]] = {}
    for sample in samples:  # the last sample of each minute
        per_minute[int(sample[0] // 60)] = sample
    out["per_minute"] = [
        {"minute": m + 1, "server_mib": round(s[1], 1), "with_workers_mib": round(s[2], 1)}
        for m, s in sorted(per_minute.items())
    ]
    end = samples[-1][0] if samples else 0.0
    full, warm = events["cache_full_s"], events["warm_up_done_s"]
    full = 0.0 if cache_off else full
    parts = {
        "whole": 0.0,
        "second_half": end / 2,
        "after_cache_full": full,
        "steady": None if full is None else max(full, warm or 0.0),
    }
    for name, start in parts.items():
        chosen = [s for s in samples if start is not None and s[0] >= start]
        out[f"slope_{name}"] = {
            "from_s": None if start is None else round(start, 1),
            "server_mib_per_min": slope_per_minute([(s[0], s[1]) for s in chosen]),
            "with_workers_mib_per_min": slope_per_minute([(s[0], s[2]) for s in chosen]),
        }
    out["events"] = events
    out["samples"] = [[round(t, 1), round(own, 1), round(total, 1)] for t, own, total in samples]
    return out


def summarise(run: h.Run) -> dict[str, Any]:
    out = {"all": run.figures()}
    for kind in sorted(set(run.kinds)):
        part = run.only(kind).figures()
        out[kind] = {k: part[k] for k in ("requests", "median_ms", "p99_ms")}
    return out


def mixed(
    args: argparse.Namespace,
    dataset: h.Dataset,
    workers: str,
    scratch: Path,
    server_spec: str = "waitress",
) -> Any:
    steps = plan(dataset, args.requests, args.seed, MIX)
    name, _, rest = server_spec.partition(":")
    threads, _, http_workers = rest.partition(":")
    info = {"CITYDIP_LOG_LEVEL": "info"}  # the response cache's fill lines
    if args.cache_bytes is not None:
        info["CITYDIP_RESPONSE_CACHE_BYTES"] = str(args.cache_bytes)
    if args.cache_min_uses is not None:
        info["CITYDIP_RESPONSE_CACHE_MIN_USES"] = str(args.cache_min_uses)
    with h.citydip(
        dataset,
        scratch,
        workers=workers,
        server=name,
        threads=int(threads or DEFAULT_THREADS),
        env=info,
        http_workers=int(http_workers) if http_workers else None,
    ) as server:
        # warm every kind once (the worker pool is up already), then sample memory
        for kind in MIX:
            step = next(s for k, s in steps if k == kind)
            h.drive(
                server.port,
                lambda _i, k=kind, s=step: (k, s),
                concurrency=1,
                requests=1,
                duration=60,
            )
        started = time.time()
        pss_first = server.pss_mib()
        with h.MemorySampler(server) as memory:
            run = h.drive(
                server.port,
                lambda i: steps[i],
                concurrency=args.concurrency,
                requests=args.requests,
                duration=args.duration,
            )
        pss_last = server.pss_mib()
        assert server.log_path is not None
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
    return {
        "dataset_quads": dataset.quads,
        "server": server_spec,
        "workers": workers,
        "concurrency": args.concurrency,
        "traffic": summarise(run),
        "rss_server": memory.summary(1),
        "rss_with_workers": memory.summary(2),
        "pss_with_workers": {"first_mib": round(pss_first, 1), "last_mib": round(pss_last, 1)},
        "memory": memory_report(memory, server_events(log, started), args.cache_bytes == 0),
    }


def runaway(args: argparse.Namespace, dataset: h.Dataset, workers: str, scratch: Path) -> Any:
    light = {k: v for k, v in MIX.items() if k != "sparql aggregate"}
    steps = plan(dataset, 100_000, args.seed + 1, light)
    limit = int(args.runaway_window * 2000)
    outcome: dict[str, Any] = {}
    with h.citydip(dataset, scratch, workers=workers, query_timeout=args.runaway_timeout) as srv:
        for kind in light:  # warm-up
            step = next(s for k, s in steps if k == kind)
            h.drive(
                srv.port, lambda _i, k=kind, s=step: (k, s), concurrency=1, requests=1, duration=60
            )
        before = h.drive(
            srv.port,
            lambda i: steps[i],
            concurrency=args.concurrency,
            requests=limit,
            duration=args.runaway_window,
        )

        def send_runaway() -> None:
            client = h.Client(srv.port, timeout=args.runaway_timeout + args.runaway_wait)
            target = f"/sparql?{urllib.parse.urlencode({'query': h.RUNAWAY})}"
            started = time.perf_counter()
            try:
                status, _, body = client.get(target, {"Accept": h.JSON_RESULTS})
                outcome.update(status=status, body=body[:200].decode("utf-8", "replace"))
            except OSError as exc:
                outcome.update(status=None, body=f"no answer: {exc}")
            outcome["wall_s"] = round(time.perf_counter() - started, 3)
            client.close()

        thread = threading.Thread(target=send_runaway, daemon=True)
        thread.start()
        time.sleep(0.2)  # the runaway is running
        during = h.drive(
            srv.port,
            lambda i: steps[limit + i],
            concurrency=args.concurrency,
            requests=limit,
            duration=args.runaway_window,
        )
        thread.join(args.runaway_timeout + args.runaway_wait + 5)
        after = h.drive(
            srv.port, lambda i: steps[2 * limit + i], concurrency=1, requests=20, duration=10
        )
    cut = outcome.get("status") == 503 and outcome["wall_s"] < args.runaway_timeout + 1.5
    return {
        "dataset_quads": dataset.quads,
        "workers": workers,
        "query_timeout_s": args.runaway_timeout,
        "runaway": {**outcome, "cut_at_limit": cut},
        "before": summarise(before),
        "during": summarise(during),
        "after": after.figures(),
    }


def main() -> None:
    args = parse_args()
    report: dict[str, Any] = {"date": date.today().isoformat(), "machine": h.machine()}
    report["settings"] = {k: v for k, v in vars(args).items() if k not in ("dataset", "json")}
    report["mixed"], report["runaway"] = [], []
    with tempfile.TemporaryDirectory(prefix="citydip-load-") as tmp:
        scratch = Path(tmp)
        directories = [Path(d) for d in args.dataset]
        directories += [h.build_world(scratch, size) for size in args.world]
        if not directories:
            directories = [h.build_shipped(scratch)]
        for directory in directories:
            dataset = h.read_dataset(directory)
            for workers in args.workers.split(","):
                for spec in args.servers.split(","):
                    result = mixed(args, dataset, workers, scratch, spec)
                    print(json.dumps(result), flush=True)
                    report["mixed"].append(result)
                if not args.no_runaway:
                    result = runaway(args, dataset, workers, scratch)
                    print(json.dumps(result), flush=True)
                    report["runaway"].append(result)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    errors = sum(m["traffic"]["all"]["errors"] for m in report["mixed"])
    errors += sum(
        r[phase]["all"]["errors"] for r in report["runaway"] for phase in ("before", "during")
    )
    if errors:
        print(f"{errors} errors", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
