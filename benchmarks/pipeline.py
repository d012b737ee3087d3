"""Benchmark: the citydip-ld pipeline on a generated world (benchmarks/world.py), stage by stage.

Stages, each timed in one process: facts (YAML -> records, `load_facts`), build (records ->
rdflib dataset, plus the ontology and shapes graphs), serialise (N-Quads), check (`validate_graph`
with `check`'s default engine, pyshacl-turbo; benchmarks/check_engines.py compares the
engines), load (pyoxigraph `bulk_load` of the .nq) and three SPARQL queries. Peers in
the same run give the ratios: PyYAML's pure-Python safe loader (plain parse) for facts (the
peer was ruamel's `typ="safe"` until ruamel.yaml left the dependencies), pyoxigraph's N-Quads
dump for serialise, rdflib parsing the same .nq for load, rdflib's in-memory Graph (the union of
the data graphs) for the queries. Medians over `--repeat` runs; peak RSS from getrusage.

Every size runs in a child process bounded by `--timeout` seconds and `--memory-gib` of address
space, so a size that does not fit is reported, not waited for. Record results in
benchmarks/README.md; never assert timings in tests.

    python benchmarks/pipeline.py --size S
    python benchmarks/pipeline.py --size S --size M --repeat 1 --timeout 1500
    python benchmarks/pipeline.py --data some/world --stages facts,build --profile out.prof
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
PREFIXES = """PREFIX cd: <http://localhost:5000/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES = {
    "sister cities": PREFIXES
    + """SELECT ?city ?label WHERE {
  <CITY> cd:twinnedWith ?city .
  ?city rdfs:label ?label FILTER(lang(?label) = "en")
} ORDER BY ?label""",
    "twinnings per country": PREFIXES
    + """SELECT ?country (COUNT(DISTINCT ?t) AS ?n) WHERE {
  ?t a cd:Twinning ; cd:partner ?city .
  ?city schema:containedInPlace ?country
} GROUP BY ?country ORDER BY DESC(?n) ?country""",
    "two-hop partners": PREFIXES
    + """SELECT DISTINCT ?far WHERE {
  <CITY> cd:twinnedWith ?near .
  ?near cd:twinnedWith ?far
  FILTER(?far != <CITY>)
}""",
}
STAGES = ("facts", "build", "serialise", "check", "load", "query")


def rss_mib() -> float:
    """Current resident set size of this process."""
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


class Recorder:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.memory: dict[str, tuple[float, float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)
        self.memory[name] = (rss_mib(), peak_mib())
        print(f"  {name}: {seconds:.3f} s (rss {rss_mib():.0f} MiB)", file=sys.stderr, flush=True)

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        seconds, value = timed(fn)
        self.add(name, seconds)
        return value


def parse_yaml_plain(data_dir: Path) -> int:
    """The peer of `load_facts`: PyYAML's pure-Python safe loader on the same files."""
    import yaml

    count = 0
    for path in [*sorted(data_dir.glob("*.yaml")), *sorted((data_dir / "articles").glob("*.yaml"))]:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        count += 1
    return count


def child(args: argparse.Namespace) -> dict[str, Any]:
    """Run the stages in this process; return the raw timings."""
    import pyoxigraph
    from rdflib import Dataset, Graph

    from citydip_ld.curation.facts import load_facts
    from citydip_ld.rdf.build import add_turtle_graph, build_dataset
    from citydip_ld.validation.validate import split_dataset, validate_graph

    data_dir = Path(args.data)
    work = Path(args.work)
    stages = set(args.stages.split(","))
    rec = Recorder()
    info: dict[str, Any] = {}
    nq = work / "dataset.nq"
    for run in range(args.repeat):
        print(f"run {run + 1}/{args.repeat}", file=sys.stderr, flush=True)
        facts = rec.run("facts", lambda: load_facts(data_dir))
        if "facts" in stages:
            rec.run("facts peer: PyYAML pure safe parse", lambda: parse_yaml_plain(data_dir))
        if not stages & {"build", "serialise", "check", "load", "query"}:
            continue

        def build(facts: Any = facts) -> Any:
            result = build_dataset(facts, BASE)
            add_turtle_graph(result.dataset, ROOT / "ontology", "ontology", BASE)
            add_turtle_graph(result.dataset, ROOT / "shapes", "shapes", BASE)
            return result

        built = rec.run("build", build)
        info["quads"] = len(built.dataset)
        del facts
        if "serialise" in stages or not nq.exists():
            text = rec.run("serialise", lambda b=built: b.dataset.serialize(format="nquads"))
            nq.write_text(text, encoding="utf-8")
            info["nq_mib"] = round(nq.stat().st_size / 2**20, 1)
            del text
        if "check" in stages:

            def check(b: Any = built) -> Any:
                data, shapes, _ = split_dataset(b.dataset, BASE)
                return validate_graph(data, shapes, sources=b.sources)

            report = rec.run("check", check)
            info["conforms"] = report.conforms
            info["problems"] = len(report.problems)
            del report
        del built
        if not stages & {"load", "query"}:
            continue
        store = rec.run(
            "load: pyoxigraph bulk_load",
            lambda: _bulk_load(pyoxigraph, nq),
        )
        if "serialise" in stages:
            rec.run(
                "serialise peer: pyoxigraph dump",
                lambda s=store: len(s.dump(format=pyoxigraph.RdfFormat.N_QUADS)),
            )
        dataset = rec.run("load peer: rdflib parse", lambda: Dataset().parse(nq, format="nquads"))

        def union(d: Any = dataset) -> Graph:
            graph = Graph()
            for s, p, o, _ in d.quads((None, None, None, None)):
                graph.add((s, p, o))
            return graph

        graph = rec.run("rdflib union graph", union)
        del dataset
        if "query" in stages:
            city = _busiest_city(store)
            info["query city"] = city
            for name, template in QUERIES.items():
                sparql = template.replace("CITY", city)
                for _ in range(args.query_repeat):
                    n_ox = rec.run(
                        f"query {name}: pyoxigraph",
                        lambda s=store, q=sparql: len(
                            list(s.query(q, use_default_graph_as_union=True))
                        ),
                    )
                    n_rdf = rec.run(
                        f"query {name}: rdflib", lambda g=graph, q=sparql: len(list(g.query(q)))
                    )
                    if n_ox != n_rdf:
                        raise SystemExit(f"{name}: pyoxigraph {n_ox} rows, rdflib {n_rdf} rows")
                info[f"rows {name}"] = n_ox
        del store, graph
    return {
        "times": rec.times,
        "memory": rec.memory,
        "peak_mib": round(peak_mib()),
        "info": info,
    }


def _bulk_load(pyoxigraph: Any, nq: Path) -> Any:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(nq), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def _busiest_city(store: Any) -> str:
    """The city with most partners: the heaviest "sister cities" query."""
    rows = store.query(
        PREFIXES
        + "SELECT ?c (COUNT(?o) AS ?n) WHERE { ?c cd:twinnedWith ?o } "
        + "GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 1",
        use_default_graph_as_union=True,
    )
    return str(next(iter(rows))["c"].value)


# --------------------------------------------------------------------------- parent


def run_size(size: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    data = Path(args.data) if args.data else scratch / f"world-{size}"
    if not args.data:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "world.py"),
                "--size",
                size,
                "--out",
                str(data),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=args.timeout,
        )
        print(f"{size}: generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    work = scratch / f"work-{size}"
    work.mkdir(exist_ok=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        "--data",
        str(data),
        "--work",
        str(work),
        "--repeat",
        str(args.repeat),
        "--query-repeat",
        str(args.query_repeat),
        "--stages",
        args.stages,
    ]
    if args.profile:
        command[1:1] = ["-m", "cProfile", "-o", args.profile]
    limit = int(args.memory_gib * 2**30)

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = work / "result.json"
    started = time.perf_counter()
    try:
        with out.open("w") as handle:
            done = subprocess.run(
                command, stdout=handle, preexec_fn=bound, timeout=args.timeout, check=False
            )
    except subprocess.TimeoutExpired:
        return {"size": size, "error": f"stopped after the {args.timeout} s time limit"}
    if done.returncode != 0:
        return {"size": size, "error": f"child exited {done.returncode} (memory limit?)"}
    result: dict[str, Any] = json.loads(out.read_text())
    result["size"] = size
    result["wall_s"] = round(time.perf_counter() - started, 1)
    world = data / "world.json"
    if world.exists():
        result["world"] = json.loads(world.read_text())
    return result


def table(results: list[dict[str, Any]]) -> str:
    """A Markdown table: median per stage per size, and the ratios to each peer."""
    lines = []
    for result in results:
        if "error" in result:
            lines.append(f"\n**{result['size']}**: {result['error']}\n")
            continue
        world = result.get("world", {})
        info = result["info"]
        lines.append(
            f"\n**{result['size']}**: {world.get('cities', '?')} cities, "
            f"{world.get('twinnings', '?')} twinnings, {world.get('articles', '?')} articles, "
            f"{info.get('quads', '?')} quads ({info.get('nq_mib', '?')} MiB N-Quads); "
            f"conforms: {info.get('conforms', 'not checked')}; peak RSS {result['peak_mib']} MiB; "
            f"wall {result['wall_s']} s\n"
        )
        lines.append("| stage | median s | runs | RSS after, MiB | peer | peer median s | ratio |")
        lines.append("|---|---:|---:|---:|---|---:|---:|")
        times = result["times"]
        medians = {name: statistics.median(values) for name, values in times.items()}
        peers = {
            "facts": "facts peer: PyYAML pure safe parse",
            "serialise": "serialise peer: pyoxigraph dump",
            "load: pyoxigraph bulk_load": "load peer: rdflib parse",
        }
        for name in QUERIES:
            peers[f"query {name}: pyoxigraph"] = f"query {name}: rdflib"
        shown_peers = set(peers.values())
        for name, median in medians.items():
            if name in shown_peers:
                continue
            peer = peers.get(name)
            rss = result["memory"][name][0]
            row = f"| {name} | {median:.4f} | {len(times[name])} | {rss:.0f} |"
            if peer and peer in medians:
                ratio = median / medians[peer] if medians[peer] else float("nan")
                row += f" {peer.split(': ', 1)[-1]} | {medians[peer]:.4f} | {ratio:.3f} |"
            else:
                row += " | | |"
            lines.append(row)
        if "build" in medians and "check" in medians:
            total = medians["facts"] + medians["build"] + medians["check"]
            lines.append(
                f"\nfacts + build + check: {total:.1f} s against the 5 s target ({total / 5:.1f}x)."
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append", choices=["S", "M", "L"])
    parser.add_argument("--data", help="an existing generated data folder instead of --size")
    parser.add_argument("--repeat", type=int, default=3, help="pipeline runs (median)")
    parser.add_argument("--query-repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per size")
    parser.add_argument("--memory-gib", type=float, default=16, help="address space per size")
    parser.add_argument("--profile", help="write a cProfile of the child to this file")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        json.dump(child(args), sys.stdout)
        return 0
    sizes = args.size or (["custom"] if args.data else ["S"])
    results = []
    with tempfile.TemporaryDirectory(prefix="citydip-pipeline-") as tmp:
        for size in sizes:
            results.append(run_size(size, args, Path(tmp)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores"
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
