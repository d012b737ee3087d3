"""Regression: what the web layer derives from a store folder (search index, statistics, list
orders, map data, timeline, network) is kept per live generation, and only the live one's.

Before, the search index was keyed by the base alone: a republished folder kept answering
searches from the first generation's labels; and every memo kept each generation's values
for ever, so an app following a folder republished N times held N search indexes
(about 130 MiB each at world scale S)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.statistics import Memo
from citydip_ld.web import create_app, warm_up
from citydip_ld.web.context import MEMO_ENTRIES
from remote_support import write_dataset

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def renamed_tabriz(dataset_dir: Path, target: Path, name: str) -> Path:
    """The dataset with Tabriz's English label `name` instead of its own."""
    quads = [
        quad
        for quad in pyoxigraph.parse(
            path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS
        )
        if not (
            quad.subject == pyoxigraph.NamedNode(TABRIZ)
            and quad.predicate == pyoxigraph.NamedNode(LABEL)
            and getattr(quad.object, "language", None) == "en"
        )
    ]
    graph = next(q.graph_name for q in quads if q.subject == pyoxigraph.NamedNode(TABRIZ))
    label = pyoxigraph.Literal(name, language="en")
    quads.append(
        pyoxigraph.Quad(pyoxigraph.NamedNode(TABRIZ), pyoxigraph.NamedNode(LABEL), label, graph)
    )
    return write_dataset(target, quads)


def found(client: object, query: str) -> list[str]:
    answer = client.get(f"/search?q={query}&format=json")  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text
    return [hit["iri"] for hit in answer.json["results"]]


def test_a_republished_folder_is_searched_and_only_its_values_are_kept(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    app = create_app(
        {
            "TESTING": True,
            "BASE": BASE,
            "STORE": str(folder),
            "DATASET_DIR": str(dataset_dir),
            "QUERY_WORKERS": 0,
        }
    )
    client = app.test_client()
    assert TABRIZ in found(client, "tabriz")
    for round_ in range(3):  # each publication renames Tabriz; past every memo's bound
        name = f"Tebriz{round_}x"
        renamed = renamed_tabriz(dataset_dir, tmp_path / f"renamed{round_}", name)
        write_store_dir([renamed / "dataset.nq"], folder, BASE)
        warm_up(app)  # computes every memo for the new generation
        assert found(client, name.lower()) == [TABRIZ]
        assert found(client, "tebriz") == [TABRIZ]  # the former names are gone
        for key, bound in MEMO_ENTRIES.items():
            memo: Memo[object] = app.extensions[key]
            assert 0 < len(memo) <= bound, key


class Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_garbage_frozen_with_one_search_index_is_collected_after_the_next(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """The search index is frozen out of the cyclic collector's sight (gc.freeze). Before, each
    rebuild froze again without unfreezing: whatever was alive at a freeze (a former
    generation's objects, caught in a cycle) was never collected."""
    import gc
    import weakref

    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0})
    client = app.test_client()
    garbage = Cycle()
    alive = weakref.ref(garbage)
    assert TABRIZ in found(client, "tabriz")  # builds the index: freezes `garbage` too
    del garbage
    gc.collect()
    assert alive() is not None  # frozen: out of the collector's sight, as intended
    renamed = renamed_tabriz(dataset_dir, tmp_path / "renamed", "Tebrizfrozen")
    write_store_dir([renamed / "dataset.nq"], folder, BASE)
    assert found(client, "tebrizfrozen") == [TABRIZ]  # the next generation's index
    gc.collect()
    assert alive() is None
    gc.unfreeze()


def test_what_warm_up_builds_is_kept_out_of_the_cyclic_collectors_sight(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """Warm-up froze the search index but built the timeline, geography and network after
    it: full collections then walked them in some request (100-500 ms each at world scale
    S, the page p99). Everything warm-up builds is frozen at its end."""
    import gc

    from citydip_ld.web.context import get_network

    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0})
    try:
        warm_up(app)
        with app.app_context():
            network = get_network(BASE)
        assert gc.is_tracked(network)
        assert not any(held is network for held in gc.get_objects())  # frozen
    finally:
        gc.unfreeze()
