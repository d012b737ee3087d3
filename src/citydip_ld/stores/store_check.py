"""`check --store DIR|URL`: validate the dataset where it lives, a store folder written by
`publish --to DIR` (opened read-only: memory is RocksDB's caches and the query in hand, not the
data) or a remote SPARQL 1.1 store, with the shapes compiled into SPARQL
(`citydip_ld.validation.compiled`).

The data is the store's default graph as it serves it: the union of its named graphs (a
remote store must be configured so, docs/remote-stores.md; an empty default graph is refused).
That union holds the ontology and shapes graphs too, which `check` leaves out of the facts it
validates; they describe only the vocabulary's own terms and type no data node, and the build
states every class of a node explicitly, so the reports agree (tests/test_store_check.py).
Naming the data graphs as the query's default graph instead (pyoxigraph's `default_graph`)
was measured at S and is about 190 times slower: Oxigraph then looks each pattern up in every
graph of the list. The shapes are the store's shapes graph, as published with the data; a
store without one is checked against `fallback_shapes` (the project's `shapes/`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import SH, Dataset, Graph, Namespace, URIRef

from citydip_ld.errors import LoadError
from citydip_ld.iris import graph_iri, normalise_base, ontology_namespace
from citydip_ld.rdf.build import PREFIXES
from citydip_ld.rdf.source_map import SOURCES_FILE, read_source_map
from citydip_ld.rdf.terms import rdflib_term
from citydip_ld.stores.disk_store import is_store_dir, live_generation, open_generation
from citydip_ld.stores.remote import RemoteSparqlStore, check_store_target, is_remote
from citydip_ld.validation.compiled import compile_shapes, run_checks
from citydip_ld.validation.validate import Report, report_from_results

#: What `Report.engine` says for a check run in the store.
ENGINE = "sparql"


@dataclass
class StoreView:
    """A store to validate: a SELECT/CONSTRUCT function, the store's named graphs and, for a
    store folder, the source map its generation carries."""

    query: Callable[..., Any]
    graphs: list[str]
    where: str
    source_map: Path | None = None


def open_view(target: str | Path, *, timeout: float = 600.0) -> StoreView:
    """The store folder or remote SPARQL endpoint `target`, read-only."""
    check_store_target(target)
    if is_remote(target):
        remote = RemoteSparqlStore.from_url(str(target), timeout=timeout)
        rows = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        graphs = [row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)]
        return StoreView(remote.query, graphs, remote.endpoint)  # its default graph: the union
    if not is_store_dir(target):
        raise LoadError(
            f"{target}: neither a store folder written by `citydip-ld publish --to DIR` nor an "
            "http(s) SPARQL endpoint"
        )
    generation = live_generation(target)
    store = open_generation(generation)
    graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]

    def query(sparql: str) -> Any:
        return store.query(sparql, use_default_graph_as_union=True)

    return StoreView(query, graphs, str(target), generation / SOURCES_FILE)


def store_shapes(view: StoreView, base: str) -> Graph:
    """The store's shapes graph (empty if it has none)."""
    name = str(graph_iri(base, "shapes"))
    shapes = Graph()
    if name not in view.graphs:
        return shapes
    triples = view.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
    for triple in triples:
        shapes.add(
            (rdflib_term(triple.subject), rdflib_term(triple.predicate), rdflib_term(triple.object))
        )
    return shapes


def build_prefixes(base: str) -> dict[str, str]:
    """The prefixes `build` binds (rdflib's defaults, ours, `cd:` and `id:`), which the report
    writes paths with, as when `check` validates the built graph."""
    base = normalise_base(base)
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, replace=True)
    dataset.bind("cd", ontology_namespace(base))
    dataset.bind("id", Namespace(f"{base}id/"))
    return {prefix: str(namespace) for prefix, namespace in dataset.namespaces() if prefix}


def check_store(
    target: str | Path,
    base: str,
    *,
    fallback_shapes: Graph | None = None,
    source_maps: Iterable[Path] = (),
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
    timeout: float = 600.0,
) -> Report:
    """Validate the data graphs of the store `target` against its shapes (see the module
    docstring). Focus nodes are placed at fact files and lines by the source maps
    (`sources.tsv`) in `source_maps` and the one a store folder carries."""
    say = progress or (lambda _message: None)
    say(f"opening {target}")
    view = open_view(target, timeout=timeout)
    shapes = store_shapes(view, base)
    note = None
    if len(shapes) == 0:
        if fallback_shapes is None:
            name = graph_iri(base, "shapes")
            raise LoadError(f"{view.where}: the store holds no shapes graph <{name}>")
        shapes, note = fallback_shapes, "the store holds no shapes graph: checked against shapes/"
    if not view.graphs or not any(view.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")):
        raise LoadError(
            f"{view.where}: the store's default graph is empty; configure it as the union of "
            "its named graphs (docs/remote-stores.md)"
        )

    def select(sparql: str) -> Iterable[Any]:
        return view.query(sparql)  # type: ignore[no-any-return]

    checks = compile_shapes(shapes)
    conforms, results = run_checks(select, shapes, checks, progress=say)
    maps = [*source_maps, *([view.source_map] if view.source_map is not None else [])]
    focus = {str(node) for node in results.objects(None, SH.focusNode) if isinstance(node, URIRef)}
    sources = read_source_map(maps, focus) if maps and focus else None
    prefixes = build_prefixes(base)
    report = report_from_results(conforms, results, sources=sources, lang=lang, prefixes=prefixes)
    report.engine, report.note = ENGINE, note
    return report
