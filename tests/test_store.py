"""The store: loading a built dataset, the union default graph, the worker pool's limits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from citydip_ld.errors import LoadError
from citydip_ld.sparql.protocol import QueryJob, QuerySyntaxError, QueryTimeoutError, run_job
from citydip_ld.stores.statistics import compute_statistics
from citydip_ld.stores.store import OxigraphStore, open_store
from sparql_support import SISTER_CITIES, write_dataset_dir

BASE = "http://localhost:5000/"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset_dir(tmp_path_factory.mktemp("store") / "build")


def job(query: str, **changes: object) -> QueryJob:
    fields: dict[str, object] = {
        "query": query,
        "base_iri": "http://localhost/sparql",
        "default_graphs": (),
        "named_graphs": (),
        "results_format": "json",
        "graph_format": "turtle",
        "timeout": 5.0,
        "result_limit": 1000,
    }
    fields.update(changes)
    return QueryJob(**fields)  # type: ignore[arg-type]


def test_missing_dataset_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="run `citydip-ld build` first"):
        OxigraphStore.from_dataset_dir(tmp_path)


def test_broken_dataset_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "dataset.nq").write_text("<a#b#c> <p> <o> .\n")
    with pytest.raises(LoadError, match="not valid N-Quads"):
        OxigraphStore.from_dataset_dir(tmp_path)


def test_query_uses_the_union_of_named_graphs_as_default(store_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(store_dir)
    labels = [str(row["label"].value) for row in store.query(SISTER_CITIES)]
    assert labels == ["Istanbul", "Wuhan"]


def test_open_store_shares_one_store_per_dataset(store_dir: Path) -> None:
    assert open_store(store_dir, workers=0) is open_store(store_dir, workers=0)


def test_statistics_count_the_dataset(store_dir: Path) -> None:
    stats = compute_statistics(OxigraphStore.from_dataset_dir(store_dir), BASE)
    assert set(stats.graphs) == {
        "http://localhost:5000/graph/004_aa1ce6595c509616",
        "http://localhost:5000/graph/curated",
        "http://localhost:5000/graph/ontology",
        "http://localhost:5000/graph/shapes",
    }
    assert stats.triples == sum(stats.graphs.values())
    assert len(stats.classes) >= 8
    assert stats.kinds["city"] == 3 and stats.kinds["twinning"] == 2
    assert stats.entities >= stats.kinds["city"] + stats.kinds["twinning"]


def test_run_job_in_thread_and_in_pool_give_the_same_bytes(store_dir: Path) -> None:
    in_thread = OxigraphStore.from_dataset_dir(store_dir, workers=0).run(job(SISTER_CITIES))
    pooled_store = OxigraphStore.from_dataset_dir(store_dir, workers=1)
    try:
        pooled = pooled_store.run(job(SISTER_CITIES))
    finally:
        pooled_store.close()
    assert pooled == in_thread
    assert pooled.count == 2
    assert b'"Istanbul"' in pooled.body


def test_syntax_errors_cross_the_process_boundary(store_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(store_dir, workers=1)
    try:
        with pytest.raises(QuerySyntaxError, match="error at 1:"):
            store.run(job("SELECT * WHERE {"))
    finally:
        store.close()


def test_pool_kills_a_stuck_worker_at_the_deadline(store_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(store_dir, workers=1)
    count = (
        "SELECT (COUNT(*) AS ?n) "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
    )
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match=r"0\.5 s limit"):
            store.run(job(count, timeout=0.5))
        assert time.monotonic() - started < 3
        # The replacement worker answers (its start-up counts against this query's wait).
        assert store.run(job(SISTER_CITIES, timeout=30)).count == 2
    finally:
        store.close()


def test_cooperative_deadline_between_solutions(store_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(store_dir, workers=0)
    stream = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        store.run(job(stream, timeout=0.3, result_limit=10**12, result_max_bytes=10**12))
    assert time.monotonic() - started < 3


def test_run_job_reports_boolean_and_graph(store_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(store_dir)
    ask = run_job(store._store, job("ASK { ?s ?p ?o }"))
    assert (ask.kind, ask.body) == ("boolean", b'{"head":{},"boolean":true}')
    graph = run_job(
        store._store, job("CONSTRUCT WHERE { ?s a <http://localhost:5000/ontology#City> }")
    )
    assert graph.kind == "graph"
    assert graph.count == 3


def test_a_worker_killed_mid_query_is_logged_replaced_and_reported(
    store_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import os
    import signal
    import threading

    from citydip_ld.sparql.protocol import QueryEvaluationError

    store = OxigraphStore.from_dataset_dir(store_dir, workers=1)
    count = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    store.run(job(SISTER_CITIES))  # starts the pool
    pids = [w.process.pid for w in store._pool._workers]  # type: ignore[union-attr]
    killer = threading.Timer(0.5, lambda: os.kill(pids[0], signal.SIGKILL))
    try:
        killer.start()
        with (
            caplog.at_level("ERROR", logger="citydip_ld.stores.store"),
            pytest.raises(QueryEvaluationError, match="the query worker stopped unexpectedly"),
        ):
            store.run(job(count, timeout=30))
        assert any("exit code -9" in r.getMessage() for r in caplog.records)
        assert store.run(job(SISTER_CITIES, timeout=30)).count == 2  # replaced
    finally:
        killer.cancel()
        store.close()


def test_memo_computes_each_key_once_and_a_slow_key_blocks_no_other() -> None:
    import threading

    from citydip_ld.stores.statistics import Memo

    memo: Memo[str] = Memo()
    calls: list[str] = []
    assert memo.get("cached", lambda: calls.append("cached") or "c") == "c"
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        calls.append("slow")
        started.set()
        assert release.wait(10)
        return "s"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(memo.get("slow", slow)))
    second = threading.Thread(target=lambda: results.append(memo.get("slow", slow)))
    first.start()
    assert started.wait(10)
    second.start()
    # While "slow" is being computed, other keys answer at once.
    assert memo.get("cached", lambda: "never") == "c"
    assert memo.get("other", lambda: "o") == "o"
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["s", "s"] and calls == ["cached", "slow"]  # computed once


def test_memo_with_a_ttl_computes_again_after_it() -> None:
    from citydip_ld.stores.statistics import Memo

    memo: Memo[int] = Memo(ttl=0.05)
    values = iter(range(10))
    assert memo.get("k", lambda: next(values)) == 0
    assert memo.get("k", lambda: next(values)) == 0
    time.sleep(0.06)
    assert memo.get("k", lambda: next(values)) == 1


def test_a_bounded_memo_keeps_the_most_recently_computed_values_only() -> None:
    from citydip_ld.stores.statistics import Memo

    memo: Memo[str] = Memo(max_entries=3)
    calls: list[str] = []

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    for i in range(50):  # far past the bound
        assert memo.get(f"k{i}", lambda i=i: compute(f"k{i}")) == f"K{i}"
        assert len(memo) <= 3
    assert len(memo) == 3 and len(memo._locks) <= 3
    for i in (47, 48, 49):  # the last three are kept: not computed again
        assert memo.get(f"k{i}", lambda: "never") == f"K{i}"
    assert memo.get("k0", lambda: compute("k0")) == "K0"  # the first was dropped
    assert calls == [*(f"k{i}" for i in range(50)), "k0"]
    assert len(memo) == 3
