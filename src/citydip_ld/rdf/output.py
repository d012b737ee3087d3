"""Write a built dataset to disk in every format, atomically.

Every output is serialised in memory first; only when all succeeded is each written to a
temporary file beside its target and renamed over it, so a failed or interrupted build never
leaves a half-written file and never loses the previous output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from citydip_ld.atomic import write_atomically
from citydip_ld.curation.facts import load_facts
from citydip_ld.iris import normalise_base, ontology_namespace
from citydip_ld.rdf.build import PREFIXES, BuildResult, SourceMap, add_turtle_graph, build_dataset
from citydip_ld.rdf.dumps import write_checksums
from citydip_ld.rdf.source_map import write_source_map

#: file name -> (rdflib format, whole dataset with named graphs?)
FORMATS: dict[str, tuple[str, bool]] = {
    "dataset.trig": ("trig", True),
    "dataset.nq": ("nquads", True),
    "dataset.jsonld": ("json-ld", True),
    "dataset.ttl": ("turtle", False),
    "dataset.nt": ("nt", False),
}
FORMAT_NAMES = {
    "trig": "dataset.trig",
    "nquads": "dataset.nq",
    "jsonld": "dataset.jsonld",
    "turtle": "dataset.ttl",
    "ntriples": "dataset.nt",
}


@dataclass(frozen=True)
class Layout:
    """Where the project's inputs live: facts, ontology and shapes."""

    data_dir: Path
    ontology_dir: Path
    shapes_dir: Path

    @classmethod
    def beside(cls, data_dir: str | Path) -> Layout:
        """The standard layout: `ontology/` and `shapes/` next to `data/`."""
        data = Path(data_dir)
        root = data.resolve().parent
        return cls(data, root / "ontology", root / "shapes")


def jsonld_context(base: str) -> dict[str, Any]:
    """The JSON-LD context of the dataset: the prefixes it uses."""
    context: dict[str, Any] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    context["cd"] = str(ontology_namespace(base))
    context["id"] = f"{normalise_base(base)}id/"
    context["rdfs"] = "http://www.w3.org/2000/01/rdf-schema#"
    context["xsd"] = "http://www.w3.org/2001/XMLSchema#"
    return context


def build_all(layout: Layout, base: str) -> BuildResult:
    """Facts, ontology and shapes -> one dataset (the facts' graphs plus `ontology`, `shapes`)."""
    facts = load_facts(layout.data_dir)
    result = build_dataset(facts, base)
    add_turtle_graph(result.dataset, layout.ontology_dir, "ontology", base)
    add_turtle_graph(result.dataset, layout.shapes_dir, "shapes", base)
    return result


@dataclass(frozen=True)
class CheckInput:
    """What `check` validates: the facts' triples as one graph, the shapes, and the sources."""

    data: Graph
    shapes: Graph
    sources: SourceMap


def build_for_check(layout: Layout, base: str) -> CheckInput:
    """The same data, shapes and prefixes as `split_dataset(build_all(layout, base).dataset)`,
    built straight into one graph instead of named graphs copied afterwards."""
    facts = load_facts(layout.data_dir)
    data = Graph()
    result = build_dataset(facts, base, into=data)
    add_turtle_graph(result.dataset, layout.ontology_dir, "ontology", base)
    shapes = copy_graph(add_turtle_graph(result.dataset, layout.shapes_dir, "shapes", base))
    for prefix, namespace in result.dataset.namespaces():
        data.bind(prefix, namespace, override=True, replace=True)
    return CheckInput(data, shapes, result.sources)


def copy_graph(graph: Graph) -> Graph:
    """A plain graph with the same triples (no prefixes)."""
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def union_graph(dataset: Dataset) -> Graph:
    """All triples of every graph of `dataset` in one graph (the published default graph)."""
    union = Graph()
    for prefix, namespace in dataset.namespaces():
        union.bind(prefix, namespace)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def serialise(dataset: Dataset, base: str, names: Iterable[str] | None = None) -> dict[str, bytes]:
    """Serialise `dataset` into each requested output file's bytes, deterministically: the
    same facts always give the same bytes (stable dumps, checksums and diffs).

    TriG, N-Quads, Turtle and N-Triples are written by Oxigraph from the quads in sorted order;
    JSON-LD by rdflib (compacted with our context), its node and value arrays then sorted
    (JSON-LD arrays are unordered sets unless they are `@list`s, which we do not use)."""
    wanted = list(names) if names is not None else list(FORMATS)
    context = jsonld_context(base)
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
    quads: list[ox.Quad] | None = None
    out: dict[str, bytes] = {}
    for name in wanted:
        fmt, with_graphs = FORMATS[name]
        if fmt == "json-ld":
            text = dataset.serialize(format=fmt, context=context, auto_compact=True)
            document = _sorted_json(json.loads(text))
            out[name] = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
            continue
        quads = quads if quads is not None else sorted_quads(dataset)
        statements: list[ox.Quad] | list[ox.Triple] = quads
        if not with_graphs:
            statements = sorted(dict.fromkeys(q.triple for q in quads), key=_triple_key)
        out[name] = bytes(
            ox.serialize(statements, format=OXIGRAPH_FORMATS[fmt], prefixes=prefixes) or b""
        )
    out["context.jsonld"] = (json.dumps({"@context": context}, indent=2) + "\n").encode("utf-8")
    return out


OXIGRAPH_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
}


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def sorted_quads(dataset: Dataset) -> list[ox.Quad]:
    """The dataset's quads as Oxigraph terms, sorted by graph, subject, predicate, object."""
    nquads = dataset.serialize(format="nquads").encode("utf-8")
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    quads.sort(key=lambda q: (str(q.graph_name), *_triple_key(q.triple)))
    return quads


def _sorted_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _sorted_json(value) for key, value in node.items()}
    if isinstance(node, list):
        items = [_sorted_json(item) for item in node]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return node


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporaries a killed earlier run left behind (`.dataset.ttl.<random>.tmp`)."""
    if out_dir.is_dir():
        for leftover in out_dir.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


def write_outputs(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write every serialised file into `out_dir`, each atomically."""
    remove_stale_temporaries(out_dir)
    written = []
    for name, content in files.items():
        target = out_dir / name
        write_atomically(target, content)
        written.append(target)
    return written


AfterWrite = Callable[[Path], None]


def build_directory(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    base: str,
    names: Iterable[str] | None = None,
    layout: Layout | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """The whole `citydip-ld build`: read, build, serialise, then write atomically.
    `progress` is told each step."""
    say = progress or (lambda _message: None)
    layout = layout or Layout.beside(data_dir)
    say(f"reading the facts in {data_dir} and building the dataset")
    result = build_all(layout, base)
    say(f"serialising {len(result.dataset)} quads")
    files = serialise(result.dataset, base, names)
    say(f"writing {len(files)} file(s) into {out_dir}")
    write_outputs(files, Path(out_dir))
    write_source_map(result.sources, out_dir)
    write_checksums(Path(out_dir))
    return result
