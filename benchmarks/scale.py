"""Benchmark: a world too big for one in-memory build (M, L), served from an on-disk store.

    python benchmarks/scale.py --size L --work DIR [--shards 100] [--jobs 2] [--json FILE]
    python benchmarks/scale.py --size M --work DIR --jobs 1 --until store   # steps 1-3 only

Steps; each one is skipped when its output is already in `--work`, so a stopped run resumes;
`--until` stops after the named step:

1. world: `benchmarks/world.py --size SIZE --shards N --out WORK/world` (fact files in N
   shard folders whose builds together make the world; see world.py).
2. build: the real `citydip-ld build --format nquads` of every shard, `--jobs` at a time, into
   `WORK/shards/shard-NNN/`; wall time and peak RSS of each (os.wait4).
3. store: `write_store_dir` (what `citydip-ld publish --to DIR` runs) of every shard's
   `dataset.nq` into the store folder `WORK/store`, with the statistics counted for the home
   page and VoID; wall time, peak RSS, size on disk. Quads that several shards wrote (a city
   named in two shards) are stored once. The folder is written as `WORK/store.partial` and
   renamed `WORK/store` once complete, so another process that finds `WORK/store` finds a
   whole store.
4. serve: `citydip-ld serve --store WORK/store --no-check` (waitress, default worker pool)
   and, as the peer in the same run, `oxigraph serve-read-only --union-default-graph` on the
   same store generation. Memory: RSS of the server with its worker processes, and the
   machine's used memory (MemTotal - MemAvailable; the page cache the store's files occupy is
   reclaimable and not counted there), before the servers start, once they answer, after the
   warm-up and after the requests. The first list page waits for `serve`'s warm-up
   (statistics and list orders computed at start): its time is reported. Then, at 1 and 8
   keep-alive connections, bounded by `--requests` and `--duration`: sister cities and
   two-hop partners of `--city` (SPARQL JSON; oxigraph must return the same rows),
   dereference (303 + Turtle; oxigraph: DESCRIBE), the city's HTML page, the home page and a
   late page of the city list.

Never assert timings in tests; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import harness as h

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("world", "build", "store", "serve")


@dataclass(frozen=True)
class Job:
    """A finished child process: wall seconds and peak RSS (MiB) from os.wait4."""

    name: str
    seconds: float
    max_rss_mib: float
    returncode: int


def run_jobs(commands: list[tuple[str, list[str], Path]], jobs: int) -> list[Job]:
    """Run (name, command, log file) `jobs` at a time; wait4 gives each one's own peak RSS."""
    pending, done = list(commands), []
    # The Popen objects stay referenced until reaped here: a dropped one would be reaped by
    # subprocess itself and its rusage lost.
    running: dict[int, tuple[str, float, subprocess.Popen[bytes]]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            name, command, log = pending.pop(0)
            with log.open("wb") as out:
                process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
            running[process.pid] = (name, time.monotonic(), process)
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        name, started, process = running.pop(pid)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        code = os.waitstatus_to_exitcode(status)
        done.append(Job(name, time.monotonic() - started, usage.ru_maxrss / 1024, code))
        print(f"  {name}: {done[-1].seconds:.1f} s, {done[-1].max_rss_mib:.0f} MiB, exit {code}")
        if code != 0:
            raise SystemExit(f"{name} failed; see {dict((c[0], c[2]) for c in commands)[name]}")
    return done


def make_world(args: argparse.Namespace, world: Path) -> dict[str, Any]:
    summary = world / "world.json"
    if not summary.is_file():
        command = [sys.executable, str(ROOT / "benchmarks" / "world.py"), "--size", args.size]
        if args.cities and args.twinnings:
            command += ["--cities", str(args.cities), "--twinnings", str(args.twinnings)]
        subprocess.run(
            [*command, "--shards", str(args.shards), "--out", str(world)], check=True, timeout=3600
        )
    data: dict[str, Any] = json.loads(summary.read_text())
    return data


def build_shards(args: argparse.Namespace, world: Path, shards: Path) -> list[Job]:
    shards.mkdir(parents=True, exist_ok=True)
    commands = []
    for folder in sorted(world.glob("shard-*")) or [world]:  # a small world is one folder
        name = folder.name if folder.name.startswith("shard-") else "shard-000"
        out = shards / name
        if (out / "dataset.nq").is_file():
            continue
        command = [*h.CITYDIP, "--data", str(folder), "--ontology", str(ROOT / "ontology")]
        command += ["--shapes", str(ROOT / "shapes"), "build", "--format", "nquads"]
        commands.append((name, [*command, "--out", str(out)], shards / f"{name}.log"))
    print(f"build: {len(commands)} shard(s) to build, {args.jobs} at a time", flush=True)
    return run_jobs(commands, args.jobs)


def load_store(shards: Path, store: Path, work: Path) -> dict[str, Any]:
    from citydip_ld.stores.disk_store import is_store_dir, read_info

    partial = store.with_name(f"{store.name}.partial")
    if not is_store_dir(store):
        sources = sorted(str(p) for p in shards.glob("shard-*/dataset.nq"))
        script = (
            "import sys; from citydip_ld.stores.disk_publish import write_store_dir; "
            f"write_store_dir(sys.argv[1:], {str(partial)!r}, {h.BASE!r})"
        )
        if not is_store_dir(partial):  # else a load that finished before the rename
            print(f"store: loading {len(sources)} dump(s) into {partial}", flush=True)
            run_jobs([("store", [sys.executable, "-c", script, *sources], work / "store.log")], 1)
        partial.rename(store)  # `current` is a relative link: it survives the rename
    info = read_info(store)
    generation = (store / "current").resolve()
    size = sum(p.stat().st_size for p in generation.iterdir() if p.is_file())
    written = 0
    for dump in shards.glob("shard-*/dataset.nq"):
        with dump.open("rb") as lines:
            written += sum(1 for line in lines if line.strip())
    return {
        "quads_written_by_shards": written,
        "quads": info.quads,
        "graphs": info.graphs,
        "load_seconds": info.seconds,
        "disk_gib": round(size / 2**30, 2),
        "triples": (info.statistics or {}).get("triples"),
    }


def used_memory_mib() -> float:
    fields = dict(
        line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line
    )
    total = int(fields["MemTotal"].split()[0])
    available = int(fields["MemAvailable"].split()[0])
    return (total - available) / 1024


def pick_city(server: h.Server, wanted: str) -> str:
    """`wanted` if the store has it, else its first city (small smoke worlds)."""
    has = f"SELECT ?c WHERE {{ BIND(<{wanted}> AS ?c) ?c a <{h.CD}City> }}"
    if h.count_rows(server, has):
        return wanted
    client = h.Client(server.port, timeout=600)
    first = f"SELECT ?c WHERE {{ ?c a <{h.CD}City> }} ORDER BY ?c LIMIT 1"
    target = f"{server.sparql}?{urllib.parse.urlencode({'query': first})}"
    _, _, body = client.get(target, {"Accept": h.JSON_RESULTS})
    client.close()
    found: str = json.loads(body)["results"]["bindings"][0]["c"]["value"]
    return found


def serve_and_measure(
    args: argparse.Namespace,
    store: Path,
    work: Path,
    figures: list[dict[str, Any]],
    report_world: dict[str, Any],
) -> dict[str, Any]:
    memory: dict[str, Any] = {"machine_used_before_mib": round(used_memory_mib())}
    command = [*h.CITYDIP, "serve", "--store", str(store.resolve()), "--no-check"]
    command += ["--dataset", str(work / "no-dumps"), "--host", "127.0.0.1", "--port", "{port}"]
    ours_cm = h.running("citydip (store folder)", command, "/sparql", work)
    binary = h.oxigraph_binary()
    peer_command = [
        str(binary),
        "serve-read-only",
        "--location",
        str((store / "current").resolve()),
        "--bind",
        "127.0.0.1:{port}",
        "--union-default-graph",
    ]
    started = time.monotonic()
    with ours_cm as ours, h.running("oxigraph", peer_command, "/query", work) as peer:
        memory["start_seconds"] = round(time.monotonic() - started, 1)
        own, total = ours.rss_mib()
        memory["citydip_after_start_mib"] = {"server": round(own), "with_workers": round(total)}
        # `serve` computes the list orders in a background thread at start; the first list
        # page waits for it. Time that once, then measure the rest without it running.
        client = h.Client(ours.port, timeout=3600)
        began = time.monotonic()
        status, _, _ = client.get("/doc/city/?page=1", {"Accept": "text/html"})
        client.close()
        memory["warm_up_seconds"] = round(time.monotonic() - began, 1)
        if status != 200:
            raise SystemExit(f"the first list page answered {status}")
        own, total = ours.rss_mib()
        memory["citydip_after_warm_up_mib"] = {"server": round(own), "with_workers": round(total)}
        memory["oxigraph_after_start_mib"] = round(peer.rss_mib()[1])
        city = pick_city(ours, f"{h.BASE}id/city/{args.city}")
        queries = {"sister cities": h.sister_cities(city), "two-hop partners": h.two_hop(city)}
        rows = {kind: h.count_rows(ours, q) for kind, q in queries.items()}
        for kind, query in queries.items():
            if h.count_rows(peer, query) != rows[kind]:
                raise SystemExit(f"oxigraph disagrees on {kind}")
        label = city.rsplit("/", 1)[1].split("-")[0].capitalize().encode()
        pages = -(-int(report_world["cities"]) // 1000)  # LIST_PAGE_SIZE
        late_page = max(1, min(args.list_page, pages))
        cells: list[tuple[str, h.Server, Any]] = []
        for kind, query in queries.items():
            cells += [
                (kind, s, h.select(s.sparql, query, h.exactly(rows[kind]))) for s in (ours, peer)
            ]
        cells += [
            ("dereference", ours, h.dereference(city)),
            ("dereference", peer, h.describe_peer(peer.sparql, city)),
            (
                "html",
                ours,
                h.document(h.local_path(city).replace("/id/", "/doc/"), "text/html", label),
            ),
            ("home", ours, h.document("/", "text/html", b'data-kind="city"')),
            (
                f"city list page {late_page}",
                ours,
                h.document(f"/doc/city/?page={late_page}", "text/html", b'href="/id/city/'),
            ),
        ]
        for concurrency in (1, 8):
            for kind, server, step in cells:
                run = h.drive(
                    server.port,
                    lambda _i, kind=kind, step=step: (kind, step),
                    concurrency=concurrency,
                    requests=args.requests,
                    duration=args.duration,
                    warmup=args.warmup,
                    timeout=120,
                )
                row = {"server": server.name, "kind": kind, "concurrency": concurrency}
                row |= run.figures()
                figures.append(row)
                print(
                    f"| {kind} | {server.name} | {concurrency} | {row['requests']} "
                    f"| {row['errors']} | {row['median_ms']} | {row['p99_ms']} | {row['rps']} |",
                    flush=True,
                )
        own, total = ours.rss_mib()
        memory["citydip_after_requests_mib"] = {"server": round(own), "with_workers": round(total)}
        memory["oxigraph_after_requests_mib"] = round(peer.rss_mib()[1])
        memory["machine_used_during_mib"] = round(used_memory_mib())
    return memory


def write_report(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["S", "M", "L"], default="L")
    parser.add_argument("--work", type=Path, required=True, help="work folder (big disk)")
    parser.add_argument("--shards", type=int, default=100)
    parser.add_argument("--cities", type=int, help="override the size's city count (smoke runs)")
    parser.add_argument("--twinnings", type=int, help="override the size's twinning count")
    parser.add_argument("--jobs", type=int, default=2, help="shard builds at a time")
    parser.add_argument("--city", default="tabriz-113646", help="city slug at world scale")
    parser.add_argument(
        "--list-page", type=int, default=1000, help="which page of the city list (at most the last)"
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--until", choices=STEPS, default="serve", help="the last step to run")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    (work / "no-dumps").mkdir(exist_ok=True)
    report: dict[str, Any] = {"date": date.today().isoformat(), "machine": h.machine()}
    report["world"] = make_world(args, work / "world")
    if args.until != "world":
        builds = build_shards(args, work / "world", work / "shards")
        if builds:
            report["build"] = {
                "shards_built": len(builds),
                "jobs": args.jobs,
                "median_seconds": sorted(b.seconds for b in builds)[len(builds) // 2],
                "max_rss_mib": round(max(b.max_rss_mib for b in builds)),
            }
    if args.until in ("store", "serve"):
        report["store"] = load_store(work / "shards", work / "store", work)
        print(json.dumps(report["store"]), flush=True)
    if args.until != "serve":
        write_report(args.json, report)
        return
    figures: list[dict[str, Any]] = []
    print("| kind | server | conn. | samples | errors | median ms | p99 ms | req/s |")
    report["memory"] = serve_and_measure(args, work / "store", work, figures, report["world"])
    report["figures"] = figures
    print(json.dumps(report["memory"], indent=2))
    write_report(args.json, report)
    if any(row["errors"] for row in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
