"""Benchmark: `citydip-ld build` (every format) and `citydip-ld check`, against their peer,
pyshacl-turbo validating the same triples alone, in the same run.

Every measurement is one child process; its wall time, CPU time (user + system) and peak RSS
come from `os.wait4` (read CPU seconds on a shared machine, not wall; a process the command
forks and reaps is counted in it). The peer is
pyshacl-turbo validating the triples `check` validates (the facts' union, written once before
the rounds as an N-Triples file) against the shapes (a Turtle file), from a pyoxigraph store
loaded in Rust from the N-Triples text: parse + validate, what validation alone costs. (A file
path handed to pyshacl-turbo goes through an rdflib graph, several times the cost.)
`--before SRC` also runs the same commands on another source tree (for example
`git archive main | tar -x -C SRC`), so a change is measured against what it replaced within
each round. A tree whose `check` takes `--build DIR` is handed the folder its `build` just
wrote (`check` then validates that folder's N-Quads, see rdf/build_stamp.py), and its `check`
is also measured without one ("check, facts built"). Record results in benchmarks/README.md;
never assert timings in tests.

    python benchmarks/world.py --size S --out /tmp/world-s
    python benchmarks/build_check.py --data /tmp/world-s --scratch /tmp/bc [--before SRC]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_engines import measure  # the same wait4 measurement

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"


def command(src: Path, data: Path, *args: str) -> list[str]:
    """`citydip-ld ARGS` run from the source tree `src` (ahead of the installed package)."""
    path = str(src / "src")
    start = f"import sys; sys.path.insert(0, {path!r}); from citydip_ld.cli import main; main()"
    layout = ["--ontology", str(ROOT / "ontology"), "--shapes", str(ROOT / "shapes")]
    return [sys.executable, "-c", start, "--data", str(data), *layout, *args]


def reads_builds(src: Path) -> bool:
    """Whether the tree's `check` takes `--build DIR` (a build folder to validate)."""
    cli = src / "src" / "citydip_ld" / "cli.py"
    return '"--build"' in cli.read_text(encoding="utf-8")


def write_peer_input(data: Path, scratch: Path) -> tuple[Path, Path, int]:
    """The triples `check` validates as N-Triples, and the shapes as Turtle."""
    from citydip_ld.rdf.output import Layout, build_check_text

    built = build_check_text(Layout(data, ROOT / "ontology", ROOT / "shapes"), BASE)
    triples, shapes = scratch / "check-data.nt", scratch / "shapes.ttl"
    triples.write_text(built.ntriples, encoding="utf-8")
    built.shapes.serialize(shapes, format="turtle")
    return triples, shapes, built.triples


def peer_child(triples: Path, shapes: Path) -> None:
    """The peer: a pyoxigraph store loaded from the N-Triples file (in Rust), validated by
    pyshacl-turbo against the shapes file."""
    import pyoxigraph as ox
    from pyshacl_turbo import validate as turbo_validate

    store = ox.Store()
    store.bulk_load(path=str(triples), format=ox.RdfFormat.N_TRIPLES)
    conforms, results, _ = turbo_validate(
        store,
        shacl_graph=str(shapes),
        shacl_graph_format="turtle",
        inference="none",
        allow_warnings=True,
    )
    print(f"conforms: {conforms}, {len(results)} report triples")
    sys.exit(0 if conforms else 1)


def run(data: Path, scratch: Path, before: Path | None, after: Path, repeat: int) -> dict[str, Any]:
    triples, shapes, count = write_peer_input(data, scratch)
    trees = {"before": before, "after": after} if before else {"after": after}
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(repeat):
        for name, src in trees.items():
            out = scratch / f"build-{name}"
            build = command(src, data, "build", "--out", str(out))
            runs.setdefault(f"{name}: build", []).append(measure(build))
            folder = ["--build", str(out)] if reads_builds(src) else []
            check = command(src, data, "check", "--format", "json", *folder)
            runs.setdefault(f"{name}: check", []).append(measure(check))
            if folder:
                fresh = ["--build", str(scratch / "no-build-here")]
                check = command(src, data, "check", "--format", "json", *fresh)
                runs.setdefault(f"{name}: check, facts built", []).append(measure(check))
        peer = [sys.executable, __file__, "--peer-child", str(triples), str(shapes)]
        runs.setdefault("peer: pyshacl-turbo alone", []).append(measure(peer))
    rows = {}
    for name, results in runs.items():
        rows[name] = {
            figure: statistics.median(r[figure] for r in results)
            for figure in ("wall_s", "cpu_s", "peak_rss_mib")
        }
        rows[name]["exits"] = [r["exit"] for r in results]
        print(json.dumps({"run": name, **rows[name]}), flush=True)
    return {"data": str(data), "triples": count, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--scratch", type=Path, required=False)
    parser.add_argument("--before", type=Path, help="another source tree to measure too")
    parser.add_argument("--after", type=Path, default=ROOT, help="the tree measured [this one]")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--peer-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_child:
        peer_child(*args.peer_child)
        return
    if args.scratch is None:
        parser.error("--scratch DIR is required (outside the repository)")
    args.scratch.mkdir(parents=True, exist_ok=True)
    result = run(args.data, args.scratch, args.before, args.after, args.repeat)
    rows = result["rows"]
    peer = rows["peer: pyshacl-turbo alone"]["cpu_s"]
    for name in [n for n in rows if "check" in n]:
        tree, what = name.split(": ")
        both = rows[f"{tree}: build"]["cpu_s"] + rows[name]["cpu_s"]
        print(f"{tree}: build + {what} {both:.2f} s CPU = x{both / peer:.2f} the peer ({peer} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
