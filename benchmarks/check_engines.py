"""Benchmark: `citydip-ld check` with each SHACL engine, in the same run, on the shipped data and
on generated worlds (benchmarks/world.py).

Every measurement is one child process (the whole command: facts, build, validation, report);
its wall time, CPU time (user + system) and peak RSS come from `os.wait4`. The engines run in
turn within each round (`--repeat` rounds, medians reported), so they share the machine's
noise. A peer in the same run: pyshacl-turbo handed a pyoxigraph store holding the same
triples (`--peers store`; the store is the copy pyshacl-turbo's pyoxigraph mode validates),
the alternative `check` measured against before choosing the graph. Record results in
benchmarks/README.md; never assert timings in tests.

    python benchmarks/check_engines.py                    # the shipped data
    python benchmarks/check_engines.py --data worlds/s     # world.py --size S --out worlds/s
    python benchmarks/check_engines.py --data data --data worlds/s --repeat 3 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
ENGINES = ("turbo", "pyshacl")


def measure(command: list[str]) -> dict[str, Any]:
    """Run `command`; its exit code, wall and CPU seconds and peak RSS (MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    out = child.stdout.read().decode() if child.stdout else ""
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "last_line": out.strip().splitlines()[-1] if out.strip() else "",
    }


def check_command(data: Path, engine: str) -> list[str]:
    cli = [sys.executable, "-m", "citydip_ld", "--data", str(data)]
    layout = ["--ontology", str(ROOT / "ontology"), "--shapes", str(ROOT / "shapes")]
    return [*cli, *layout, "check", "--engine", engine]


def store_child(data: Path) -> None:
    """The peer: build as `check` does, copy the triples into a pyoxigraph store, validate."""
    import pyoxigraph as ox
    from pyshacl_turbo import validate as turbo_validate
    from rdflib import BNode, Literal, URIRef

    from citydip_ld.rdf.output import Layout, build_for_check

    built = build_for_check(Layout(data, ROOT / "ontology", ROOT / "shapes"), BASE)
    seen: dict[Any, Any] = {}

    def convert(term: Any) -> Any:
        found = seen.get(term)
        if found is None:
            if isinstance(term, URIRef):
                found = ox.NamedNode(str(term))
            elif isinstance(term, BNode):
                found = ox.BlankNode(str(term))
            elif isinstance(term, Literal) and term.language:
                found = ox.Literal(str(term), language=term.language)
            elif isinstance(term, Literal) and term.datatype is not None:
                found = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            else:
                found = ox.Literal(str(term))
            seen[term] = found
        return found

    store = ox.Store()
    store.bulk_extend(
        ox.Quad(convert(s), convert(p), convert(o), ox.DefaultGraph()) for s, p, o in built.data
    )
    conforms, results, _ = turbo_validate(
        store, shacl_graph=built.shapes, inference="none", allow_warnings=True
    )
    print(f"conforms: {conforms}, {len(results)} report triples")
    sys.exit(0 if conforms else 1)


def quads(data: Path) -> int:
    from citydip_ld.rdf.output import Layout, build_for_check

    return len(build_for_check(Layout(data, ROOT / "ontology", ROOT / "shapes"), BASE).data)


def run(datas: list[Path], repeat: int, peers: list[str]) -> list[dict[str, Any]]:
    rows = []
    for data in datas:
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in [*ENGINES, *peers]}
        for _ in range(repeat):
            for engine in ENGINES:
                runs[engine].append(measure(check_command(data, engine)))
            if "store" in peers:
                command = [sys.executable, __file__, "--store-child", str(data)]
                runs["store"].append(measure(command))
        triples = quads(data)
        for name, results in runs.items():
            row = {"data": str(data), "triples": triples, "engine": name, "runs": results}
            for figure in ("wall_s", "cpu_s", "peak_rss_mib"):
                row[figure] = statistics.median(r[figure] for r in results)
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "runs"}), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append", help="data folder(s) [data]")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--peers", default="store", help="store, or none")
    parser.add_argument("--json", type=Path, help="write every run here")
    parser.add_argument("--store-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.store_child:
        store_child(args.store_child)
        return
    peers = [] if args.peers == "none" else args.peers.split(",")
    rows = run(args.data or [ROOT / "data"], args.repeat, peers)
    for data in dict.fromkeys(r["data"] for r in rows):
        mine = {r["engine"]: r for r in rows if r["data"] == data}
        reference = mine["pyshacl"]
        for name, row in mine.items():
            print(
                f"{data} ({row['triples']:,} triples) {name}: wall {row['wall_s']} s, "
                f"CPU {row['cpu_s']} s, peak RSS {row['peak_rss_mib']} MiB; "
                f"pySHACL / this: wall x{reference['wall_s'] / row['wall_s']:.2f}, "
                f"CPU x{reference['cpu_s'] / row['cpu_s']:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
