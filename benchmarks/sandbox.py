"""What the query sandbox costs: the same protocol query run directly (`run_job`) and in the
guarded query thread (`sandbox.answer`: a thread hop, the outbound guard reset), alternately
in one process, so the ratio holds on a noisy machine.

    python benchmarks/sandbox.py --dataset DIR [--rounds 5] [--queries 3000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph

from citydip_ld.sparql.federation import OutboundPolicy
from citydip_ld.sparql.protocol import QueryJob, run_job
from citydip_ld.sparql.sandbox import SandboxSettings, answer

SISTER_CITIES = (
    "PREFIX cd: <http://localhost:5000/ontology#> "
    "SELECT ?c { <http://localhost:5000/id/city/tabriz> cd:twinnedWith ?c }"
)


def per_query_us(run: Callable[[], object], queries: int) -> float:
    started = time.perf_counter()
    for _ in range(queries):
        run()
    return (time.perf_counter() - started) / queries * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a built dataset folder")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=3000, help="per round and way")
    args = parser.parse_args()

    store = pyoxigraph.Store()
    store.bulk_load(
        path=str(Path(args.dataset) / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS
    )
    job = QueryJob(
        query=SISTER_CITIES,
        base_iri=None,
        default_graphs=(),
        named_graphs=(),
        results_format="json",
        graph_format="turtle",
        timeout=10.0,
        result_limit=10_000,
    )
    policy, settings = OutboundPolicy(), SandboxSettings()
    answer(store, job, policy, settings)  # start the thread
    direct, sandboxed = [], []
    for _ in range(args.rounds):
        direct.append(per_query_us(lambda: run_job(store, job), args.queries))
        sandboxed.append(per_query_us(lambda: answer(store, job, policy, settings), args.queries))
    result = {
        "direct_us_median": round(statistics.median(direct), 1),
        "sandboxed_us_median": round(statistics.median(sandboxed), 1),
        "overhead_us": round(statistics.median(sandboxed) - statistics.median(direct), 1),
        "ratio": round(statistics.median(sandboxed) / statistics.median(direct), 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
