"""Benchmark: `/search` against a plain SPARQL `CONTAINS` scan of the labels, same store, same run.

    python benchmarks/search.py --dataset DIR [--queries 2000] [--peer-queries 300] [--json FILE]
    python benchmarks/search.py --store STORE_DIR ...      # a store folder (publish --to DIR)

In one process, on the embedded store with no query workers (so both sides are the engine or
the index, not the worker hop):

1. opens the store and builds the search index (`build_search_index`, what the server's
   warm-up does once per store, `context.get_search_index`, then frozen for the cyclic
   garbage collector): wall time and the process's RSS before and after;
2. draws a seeded mix of queries from the index's own labels, as visitors type them: a whole
   label (exact), its first 3-5 characters (prefix), a later word of a label (word), 3-4
   characters from inside a word (substring), and Persian labels with Arabic ي/ك typed for
   ی/ک; about half Persian, half English;
3. times, per query and interleaved so machine noise falls on all of them alike: the index
   call the route makes for a first page (`SearchIndexes.search`, COUNTED results), the whole
   route through Flask's test client (`GET /search?q=…`, JSON; parameters, paging,
   serialisation), and, for the first `--peer-queries` queries, the SPARQL peer:

       SELECT DISTINCT ?s ?l WHERE { GRAPH ?g { ?s rdfs:label ?l }
         FILTER(CONTAINS(LCASE(STR(?l)), LCASE("…"))) } LIMIT 100

   (no ranking and no normalisation: the peer is what a site without an index would run).

Prints median, p99 and mean per method and the ratios; `--json` writes them. Never assert
timings in tests; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from citydip_ld.iris import DEFAULT_BASE, normalise_base
from citydip_ld.stores.describe import sparql_string
from citydip_ld.stores.search_index import SearchIndexes, label_rows
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.context import STORE_KEY, get_search_index
from citydip_ld.web.search import COUNTED

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def rss_mib() -> float:
    """The process's resident set now (Linux /proc), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def typed_like_a_visitor(text: str, rng: random.Random) -> tuple[str, str]:
    """(form, query) drawn from one label."""
    words = [w for w in text.replace("–", " ").split() if len(w) >= 3]
    form = rng.choice(["exact", "prefix", "prefix", "word", "substring"])
    if form == "prefix":
        query = text[: rng.randint(3, 5)]
    elif form == "word" and len(words) > 1:
        query = rng.choice(words[1:])
    elif form == "substring" and words:
        word = rng.choice(words)
        start = rng.randint(1, max(1, len(word) - 3))
        query = word[start : start + rng.randint(3, 4)]
    else:
        form, query = "exact", text
    if any("\u0600" <= ch <= "\u06ff" for ch in query) and rng.random() < 0.5:
        query = query.replace("ی", "ي").replace("ک", "ك")
        form += " (Arabic ي/ك)"
    return form, query.strip() or text


def draw_queries(store: OxigraphStore, base: str, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (form, query) pairs from the store's rdfs:labels, half fa, half en."""
    by_lang: dict[str, list[str]] = {"fa": [], "en": []}
    for _iri, prop, text, lang in label_rows(store, base):
        if prop == LABEL and lang in by_lang:
            by_lang[lang].append(text)
    rng = random.Random(seed)
    pools = [sorted(set(by_lang["fa"])), sorted(set(by_lang["en"]))]
    return [typed_like_a_visitor(rng.choice(pools[i % 2]), rng) for i in range(count)]


def peer_query(query: str) -> str:
    return f"""
SELECT DISTINCT ?s ?l WHERE {{
  GRAPH ?g {{ ?s <{LABEL}> ?l }}
  FILTER(CONTAINS(LCASE(STR(?l)), LCASE({sparql_string(query)})))
}} LIMIT {COUNTED}"""


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    return (time.perf_counter() - started) * 1000, value


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "samples": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(p99, 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "max_ms": round(ordered[-1], 3),
    }


def measure(
    store: OxigraphStore, index: SearchIndexes, app: Any, queries: list[tuple[str, str]], peers: int
) -> dict[str, Any]:
    """Each query through the index, the route and (the first `peers`) the SPARQL peer."""
    client = app.test_client()
    times: dict[str, list[float]] = {"index": [], "route": [], "sparql": [], "index (peer's)": []}
    hits = {"index": 0, "sparql": 0}
    for number, (_form, query) in enumerate(queries):
        spent, (found, _more) = timed(lambda q=query: index.search(q, None, COUNTED))
        times["index"].append(spent)
        spent, response = timed(
            lambda q=query: client.get(
                "/search", query_string={"q": q}, headers={"Accept": "application/json"}
            )
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        times["route"].append(spent)
        if number < peers:
            times["index (peer's)"].append(times["index"][-1])
            hits["index"] += bool(found)
            spent, rows = timed(
                lambda q=query: list(store.query(peer_query(q), use_default_graph_as_union=True))
            )
            times["sparql"].append(spent)
            hits["sparql"] += bool(rows)
    figures: dict[str, Any] = {name: summary(values) for name, values in times.items() if values}
    figures["queries_with_a_hit_of_the_peers"] = hits
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--dataset", type=Path, help="a built dataset folder (dataset.nq)")
    where.add_argument("--store", type=Path, help="a store folder written by publish --to DIR")
    parser.add_argument("--base", default=DEFAULT_BASE)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--peer-queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    before = rss_mib()
    spent, store = timed(
        lambda: (
            OxigraphStore.from_dataset_dir(args.dataset)
            if args.dataset
            else OxigraphStore.from_store_dir(args.store)
        )
    )
    report: dict[str, Any] = {"load_s": round(spent / 1000, 2), "rss_store_mib": round(rss_mib())}
    loaded = rss_mib()
    app = create_app({"TESTING": True, "BASE": args.base, "QUERY_WORKERS": 0})
    app.extensions[STORE_KEY] = store  # the route reads this store
    with app.app_context():  # built as the server builds it (once, then frozen for the gc)
        spent, index = timed(lambda: get_search_index(normalise_base(args.base)))
    report["index"] = {
        "build_s": round(spent / 1000, 2),
        "resources": len(index.resources),
        "keys": len(index.all),
        "rss_added_mib": round(rss_mib() - loaded),
    }
    report["rss_before_mib"] = round(before)
    print(json.dumps(report), flush=True)
    queries = draw_queries(store, args.base, args.queries, args.seed)
    report["forms"] = {
        f: sum(1 for g, _ in queries if g == f) for f in sorted({f for f, _ in queries})
    }
    report["figures"] = measure(store, index, app, queries, min(args.peer_queries, len(queries)))
    figures = report["figures"]
    report["sparql_over_index"] = {
        key: round(figures["sparql"][key] / max(figures["index (peer's)"][key], 1e-6), 1)
        for key in ("median_ms", "p99_ms")
    }
    report["sparql_over_route"] = {
        key: round(figures["sparql"][key] / max(figures["route"][key], 1e-6), 1)
        for key in ("median_ms", "p99_ms")
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
