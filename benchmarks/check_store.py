"""Benchmark: `citydip-ld check --store DIR` (the shapes compiled into SPARQL, run in a store
folder opened read-only) against the in-memory peer, pyshacl-turbo on an in-memory pyoxigraph
store holding the same data graphs (loaded from the N-Quads files the store was published
from), in the same run.

Every measurement is one child process; wall time, CPU time (user + system) and peak RSS come
from `os.wait4`. Record results in benchmarks/README.md; never assert timings in tests.

    python benchmarks/check_store.py --store WORK/store --nquads WORK/shards/*/dataset.nq
    python benchmarks/check_store.py --store WORK/store --no-peer      # L: the peer needs ~10x M
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"


def measure(name: str, command: list[str]) -> dict[str, Any]:
    """Run `command`; its exit code, wall and CPU seconds, peak RSS (MiB) and last line."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode(errors="replace").strip()
    result = {
        "name": name,
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "last_line": text.splitlines()[-1] if text else "",
    }
    print(json.dumps(result), flush=True)
    return result


def peer_child(nquads: list[Path]) -> None:
    """pyshacl-turbo on an in-memory pyoxigraph store of the data graphs (not shapes, not
    ontology), against the project's shapes."""
    import pyoxigraph as ox
    from pyshacl_turbo import validate as turbo_validate
    from rdflib import Dataset

    from citydip_ld.iris import graph_iri
    from citydip_ld.rdf.build import add_turtle_graph

    skip = {ox.NamedNode(str(graph_iri(BASE, name))) for name in ("shapes", "ontology")}
    store = ox.Store()
    for path in nquads:
        batch = []
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if quad.graph_name not in skip:
                batch.append(ox.Quad(quad.subject, quad.predicate, quad.object))
            if len(batch) >= 200_000:
                store.extend(batch)
                batch = []
        store.extend(batch)
    shapes = add_turtle_graph(Dataset(), ROOT / "shapes", "shapes", BASE)
    conforms, _results, _text = turbo_validate(
        store, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True
    )
    print(f"{len(store)} triples; conforms: {conforms}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="store folder (publish --to)")
    parser.add_argument("--nquads", type=Path, nargs="*", default=[], help="the peer's input")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--peer-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_child:
        peer_child(args.nquads)
        return
    cli = [sys.executable, "-m", "citydip_ld", "--shapes", str(ROOT / "shapes")]
    runs = []
    for _ in range(args.repeat):
        runs.append(measure("check --store", [*cli, "check", "--store", str(args.store)]))
        if not args.no_peer and args.nquads:
            nquads = [str(path) for path in args.nquads]
            command = [sys.executable, __file__, "--store", str(args.store), "--peer-child"]
            runs.append(measure("peer: pyshacl-turbo in memory", [*command, "--nquads", *nquads]))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
