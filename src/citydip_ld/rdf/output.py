"""Write a built dataset to disk in every format, atomically.

Every output is serialised in memory first; only when all succeeded is each written to a
temporary file beside its target and renamed over it, so a failed or interrupted build never
leaves a half-written file and never loses the previous output.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from citydip_ld.atomic import write_atomically
from citydip_ld.curation.facts import load_facts
from citydip_ld.iris import graph_iri, normalise_base, ontology_namespace
from citydip_ld.rdf.build import (
    PREFIXES,
    BuildResult,
    SourceMap,
    add_turtle_graph,
    bind_prefixes,
    build_dataset,
    build_lines,
    build_rows,
    parse_turtle_files,
    prefixed_dataset,
)
from citydip_ld.rdf.build_stamp import (
    Inputs,
    inputs_digest,
    read_if_current,
    remove_stamp,
    write_stamp,
)
from citydip_ld.rdf.dumps import write_checksums
from citydip_ld.rdf.jsonld import Row, dump_indented, jsonld_document, sort_in_place
from citydip_ld.rdf.network import RDF_TYPE, DatasetQueries, queried_terms, read_network
from citydip_ld.rdf.network_files import GRAPHML_FILE, network_files
from citydip_ld.rdf.network_rows import network_of_rows
from citydip_ld.rdf.source_map import (
    SOURCES_FILE,
    SourceFiles,
    source_map_bytes,
    write_source_map,
)

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
    # The twinning network's GraphML and CSV files (`citydip_ld.rdf.network_files`).
    "network": GRAPHML_FILE,
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

    def inputs(self, base: str) -> Inputs:
        """What a build of this layout under `base` reads (`build_stamp`)."""
        return Inputs(self.data_dir, self.ontology_dir, self.shapes_dir, normalise_base(base))


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
class BuiltText:
    """The whole dataset as N-Quads text (the facts' graphs, `ontology` and `shapes`): the
    quads `build_all` builds, as rdflib would write them, without rdflib's store; `graphs`:
    how many named graphs `build_all`'s dataset has."""

    nquads: str
    sources: SourceMap
    graphs: int


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (as it was before, after).

    A build creates millions of objects that live until it ends (records, rdflib terms,
    Oxigraph quads, rows of strings) and almost no reference cycles: every collection of
    the oldest generation walks all of them again for nothing (at world S, `build` spends
    about 4 of its 30 s of CPU there). Reference counting still frees everything else."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_text(layout: Layout, base: str) -> BuiltText:
    """Facts, ontology and shapes -> N-Quads text (`build_lines`; the ontology and shapes
    graphs, small, parsed and written by rdflib as `build_all` does)."""
    built = build_lines(load_facts(layout.data_dir), base)
    add_turtle_graph(built.dataset, layout.ontology_dir, "ontology", base)
    add_turtle_graph(built.dataset, layout.shapes_dir, "shapes", base)
    turtle_graphs = built.dataset.serialize(format="nquads")
    text = "".join(built.lines) + turtle_graphs
    return BuiltText(text, built.sources, len(built.graphs) + 2)


@dataclass(frozen=True)
class BuiltQuads:
    """The whole dataset (the facts' graphs, `ontology` and `shapes`) sorted (`SortedQuads`),
    the facts' sources, and how many named graphs `build_all`'s dataset has."""

    data: SortedQuads
    sources: SourceMap
    graphs: int


def build_quads(layout: Layout, base: str) -> BuiltQuads:
    """The quads `build_text` writes, sorted, without writing the facts' quads as rdflib's
    N-Quads for Oxigraph to parse and write again: the kinds write Oxigraph's texts of their
    terms (`build_rows`); only the ontology and shapes graphs (small, parsed and written by
    rdflib as `build_all` does) go through Oxigraph."""
    built = build_rows(load_facts(layout.data_dir), base)
    add_turtle_graph(built.dataset, layout.ontology_dir, "ontology", base)
    add_turtle_graph(built.dataset, layout.shapes_dir, "shapes", base)
    rows = built.rows
    rows.update(dict.fromkeys(oxigraph_rows(built.dataset.serialize(format="nquads"))))
    return BuiltQuads(SortedQuads.of_rows(rows), built.sources, len(built.graphs) + 2)


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


@dataclass(frozen=True)
class CheckText:
    """What `check` validates, as text: the facts' union as N-Triples lines (each triple
    once), the shapes, the sources (in memory, or a build folder's `sources.tsv`), and the
    prefixes `build_for_check` binds on its graph (or, `quads`, the facts' graphs' N-Quads)."""

    ntriples: str
    shapes: Graph
    sources: SourceMap | SourceFiles
    namespaces: list[tuple[str, URIRef]]
    triples: int
    #: `ntriples` is N-Quads (the facts' graphs of a build's `dataset.nq`), their union the
    #: data; `triples` then counts a triple once in each graph that holds it
    quads: bool = False


def build_check_text(layout: Layout, base: str) -> CheckText:
    """`build_for_check` without an rdflib graph of the data: the same triples as N-Triples
    text, each once, the same shapes graph and prefixes. The triples are the rows `build`
    writes (`build_rows`: each term as Oxigraph writes it), so the text is what `check`
    reads from a build folder's N-Quads (`check_text_from_build`), the graphs dropped."""
    with cycle_collection_paused():
        built = build_rows(load_facts(layout.data_dir), base)
        shapes, namespaces = _shapes_and_prefixes(built.dataset, layout, base)
        union = dict.fromkeys([f"{s} {p} {o} .\n" for _graph, s, p, o in built.rows])
    return CheckText("".join(union), shapes, built.sources, namespaces, len(union))


def _shapes_and_prefixes(
    dataset: Dataset, layout: Layout, base: str
) -> tuple[Graph, list[tuple[str, URIRef]]]:
    """The shapes graph (no prefixes) and the prefixes of `dataset` once the ontology and
    shapes graphs are added to it, as `build_for_check` binds them on its data graph."""
    add_turtle_graph(dataset, layout.ontology_dir, "ontology", base)
    shapes = copy_graph(add_turtle_graph(dataset, layout.shapes_dir, "shapes", base))
    return shapes, [(prefix, URIRef(ns)) for prefix, ns in dataset.namespaces()]


def check_text_from_build(build_dir: Path, layout: Layout, base: str) -> CheckText | None:
    """What `build_check_text` gives, read from the build folder `build_dir` instead of built:
    the facts' graphs of its `dataset.nq` as N-Triples (each triple once), its `sources.tsv`
    (the bytes checked against the stamp) read for the nodes a report names. None, and the
    caller builds, unless its stamp says it was built from exactly the inputs of `layout` and
    `base` as they are now (`build_stamp`)."""
    found = read_if_current(build_dir, layout.inputs(base))
    if found is None:
        return None
    shape_lines: list[str] = []
    facts = facts_quads(found.pop("dataset.nq"), base, shape_lines)
    if facts is None:
        return None
    # The shapes graph as the build wrote it (its blank nodes canonical already: the
    # canonicalisation is most of the cost of reading the shapes), and the prefixes the
    # files declare, bound as `_shapes_and_prefixes` binds them.
    shapes = Graph()
    shapes.parse(data="".join(shape_lines), format="nt", bnode_context=_SameLabels())
    dataset = prefixed_dataset(base)
    for name, directory in (("ontology", layout.ontology_dir), ("shapes", layout.shapes_dir)):
        bind_prefixes(dataset, parse_turtle_files(directory, name, base))
    namespaces = [(prefix, URIRef(ns)) for prefix, ns in dataset.namespaces()]
    sources = SourceFiles([found[SOURCES_FILE]])  # the bytes checked against the stamp
    return CheckText(facts, shapes, sources, namespaces, facts.count("\n"), quads=True)


class _SameLabels(dict[str, str]):
    """For rdflib's N-Triples parser (`bnode_context`): every blank node keeps the label it
    has in the text (the build's canonical labels) instead of a fresh one."""

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return key


def facts_quads(nquads: bytes, base: str, shapes: list[str]) -> str | None:
    """The lines of a build's N-Quads (UTF-8) but those of the `ontology` and `shapes` graphs,
    as they are (N-Quads: pyshacl-turbo validates the union of their graphs, what
    `facts_union` gives, without 600k lines split, joined and hashed in Python: 1 s of CPU at
    world S), decoded once; the `shapes` graph's triples are added to `shapes` as N-Triples
    lines. `build` sorts its quads by graph, so each graph's lines are one run, cut out by
    position; None when they are not (not what `build` writes) or a line is not in a graph of
    the build (counted: the caller reads this only from a build folder whose stamp vouches
    for the bytes)."""
    if nquads and not nquads.endswith(b"\n"):
        return None
    runs = []
    for name in ("ontology", "shapes"):
        end = f" <{graph_iri(base, name)}> .\n".encode()
        first = nquads.find(end)
        if first < 0:
            continue
        start, stop = nquads.rfind(b"\n", 0, first) + 1, nquads.rfind(end) + len(end)
        run = nquads[start:stop]
        if run.count(b"\n") != run.count(end):  # another graph's lines among this one's
            return None
        if name == "shapes":
            lines = run.decode("utf-8").split("\n")
            shapes += [line[: 1 - len(end)] + " .\n" for line in lines if line]
        runs.append((start, stop))
    # The facts' lines: what lies around the runs, counted and decoded where it lies (no
    # 100 MB copy made first: the runs sort last, so the facts are usually one part). A part
    # ends with a line's end, so no match of either pattern spans two parts.
    parts, position = [], 0
    for start, stop in [*sorted(runs), (len(nquads), len(nquads))]:
        if start > position:
            parts.append((position, start))
        position = stop
    in_graphs = f" <{graph_iri(base, '')}".encode()
    newlines = sum(nquads.count(b"\n", start, stop) for start, stop in parts)
    if newlines != sum(nquads.count(in_graphs, start, stop) for start, stop in parts):
        return None
    whole = memoryview(nquads)
    return "".join([str(whole[start:stop], "utf-8") for start, stop in parts])


def facts_union(nquads: str, base: str, shapes: list[str] | None = None) -> list[str] | None:
    """The triples of every graph of a build's N-Quads but `ontology` and `shapes`, as
    N-Triples lines, each once, in the order first met; None when a line is not in a graph
    of the build (`{base}graph/...`: not what `build` writes). `shapes`: the `shapes` graph's
    triples are added to it as N-Triples lines."""
    graphs = f"<{graph_iri(base, '')}"
    shapes_graph = f"<{graph_iri(base, 'shapes')}>"
    skipped = {f"<{graph_iri(base, 'ontology')}>", shapes_graph}
    union: dict[str, None] = {}
    lines = nquads.split("\n")  # not `splitlines`: a literal may hold U+2028 or U+0085
    if lines[-1] == "":
        lines.pop()
    for line in lines:
        head, _, graph = line[:-2].rpartition(" ")
        if not line.endswith(" .") or not graph.startswith(graphs) or not graph.endswith(">"):
            return None
        if graph not in skipped:
            union[head + " .\n"] = None
        elif graph == shapes_graph and shapes is not None:
            shapes.append(head + " .\n")
    return list(union)


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


def serialise(
    dataset: Dataset | Callable[[], Dataset],
    base: str,
    names: Iterable[str] | None = None,
    *,
    sorted_data: SortedQuads | None = None,
) -> dict[str, bytes]:
    """Serialise `dataset` into each requested output file's bytes, deterministically: the
    same facts always give the same bytes (stable dumps, checksums and diffs).

    The quads are sorted by graph, subject, predicate, object, each term compared as Oxigraph
    writes it (`SortedQuads`). N-Quads and N-Triples are those sorted lines (the N-Triples,
    each distinct triple once, written by Oxigraph as are TriG and Turtle, from the sorted
    quads and triples). JSON-LD is rdflib's compacted document
    (with our context), built from the same rows by `jsonld.jsonld_document` (rdflib itself
    where that declines), its node and value arrays then sorted (JSON-LD arrays are unordered
    sets), but for `@list`s (the shapes' RDF lists: `sh:in`, `sh:or`), which keep their order.
    `sorted_data`: the dataset's `SortedQuads`, when the caller has them already; then
    `dataset` may be a function giving the dataset, called only if rdflib must write JSON-LD."""
    wanted = list(names) if names is not None else list(FORMATS)
    context = jsonld_context(base)
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
    data = sorted_data
    if data is None and wanted:
        data = SortedQuads(dataset if isinstance(dataset, Dataset) else dataset())
    out: dict[str, bytes] = {}
    for name in wanted:
        assert data is not None
        fmt = FORMATS[name][0]
        if fmt == "json-ld":
            out[name] = _jsonld_bytes(dataset, data.rows, context)
        elif fmt == "nquads":
            out[name] = data.nquads
        elif fmt == "nt":  # Oxigraph's lines: `triple_keys`, written
            out[name] = bytes(ox.serialize(data.triples(), format=ox.RdfFormat.N_TRIPLES) or b"")
        else:
            statements = data.quads if fmt == "trig" else data.triples()
            out[name] = bytes(
                ox.serialize(statements, format=OXIGRAPH_FORMATS[fmt], prefixes=prefixes) or b""
            )
    out["context.jsonld"] = (json.dumps({"@context": context}, indent=2) + "\n").encode("utf-8")
    return out


def nquads_bytes(rows: list[Row], chunk: int = 4096) -> bytes:
    """The N-Quads lines of `rows` as UTF-8, encoded `chunk` rows at a time: the same bytes
    as the text of all of them encoded at once, without that text (at world S, 240 MB of
    UCS-2 made, touched page by page and freed: 130k page faults against 56k)."""
    return b"".join(
        "".join(map(_nquads_line, rows[start : start + chunk])).encode("utf-8")
        for start in range(0, len(rows), chunk)
    )


def _nquads_line(row: Row) -> str:
    graph, subject, predicate, obj = row
    if graph == "DEFAULT":
        return f"{subject} {predicate} {obj} .\n"
    return f"{subject} {predicate} {obj} {graph} .\n"


def _jsonld_bytes(
    dataset: Dataset | Callable[[], Dataset], rows: list[Row], context: dict[str, Any]
) -> bytes:
    document = jsonld_document(rows, context)
    if document is None:
        if not isinstance(dataset, Dataset):
            dataset = dataset()
        text = dataset.serialize(format="json-ld", context=context, auto_compact=True)
        document = json.loads(text)
    return dump_indented(sort_in_place(document)) + b"\n"


OXIGRAPH_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
}


class SortedQuads:
    """The dataset's quads as rows of the strings Oxigraph writes for each term (`str(term)`,
    "DEFAULT" for the default graph), sorted by graph, subject, predicate, object as strings;
    their N-Quads (the lines Oxigraph writes for them, in that order), and the same quads as
    Oxigraph terms, parsed from those lines (in Rust) in the same order.

    Sorting tuples of strings, instead of calling `str()` on four term objects per quad and
    hashing them; from rows the kinds wrote (`of_rows`), not even parsing them first."""

    def __init__(self, dataset: Dataset | str) -> None:
        """`dataset`, or its N-Quads text (any order; each quad once)."""
        text = dataset if isinstance(dataset, str) else dataset.serialize(format="nquads")
        self._sort(dict.fromkeys(oxigraph_rows(text)))

    @classmethod
    def of_rows(cls, rows: dict[Row, None] | set[Row]) -> SortedQuads:
        """The quads of `rows` (each once, in any order), each the texts Oxigraph writes for
        its terms (`curation.triples.QuadRows`, `oxigraph_rows`): IRIs that Oxigraph read or
        checked (`curation.triples.iri_text`), which are not checked again here."""
        data = cls.__new__(cls)
        data._sort(rows)
        return data

    def _sort(self, rows: dict[Row, None] | set[Row]) -> None:
        self.rows: list[Row] = sorted(rows)
        #: the rows' N-Quads, as Oxigraph writes them: the `dataset.nq` dump
        self.nquads = nquads_bytes(self.rows)
        # Read back without checking each IRI at each of its uses (half of the parse): every
        # row is Oxigraph's text of its terms, each IRI checked where it was written, once
        # (Oxigraph's own N-Quads; `QuadRows` checks each distinct IRI of the facts).
        lines = ox.parse(self.nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
        self.quads: list[ox.Quad] = list(lines)
        if len(self.quads) != len(self.rows):  # a row holding more than one quad
            raise ValueError("the rows are not one N-Quads statement each")
        triples = list(map(itemgetter(1, 2, 3), self.rows))
        # the positions in triple order; the sort is stable, so each triple's first position
        # comes first among its own, and is the one kept
        order = sorted(range(len(triples)), key=triples.__getitem__)
        first = [i for k, i in enumerate(order) if k == 0 or triples[i] != triples[order[k - 1]]]
        #: the distinct triples (graphs dropped), sorted, and where each is first in `quads`
        self.triple_keys = [triples[i] for i in first]
        self._first = first
        self._triples: list[ox.Triple] | None = None

    def triples(self) -> list[ox.Triple]:
        """The distinct triples of every graph, sorted by subject, predicate, object (made
        once: the Turtle and N-Triples dumps both write them)."""
        if self._triples is None:
            quads = self.quads
            self._triples = [quads[position].triple for position in self._first]
        return self._triples


def oxigraph_rows(nquads: str) -> list[Row]:
    """The quads of N-Quads text (rdflib's, say) as rows of the texts Oxigraph writes for
    their terms: the text parsed and written by Oxigraph, each line split into its terms
    (at "\n" only: Oxigraph leaves U+2028 and U+0085 in a literal, `str.splitlines` ends a
    line there)."""
    parsed = ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    text = bytes(ox.serialize(parsed, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    return [_split_nquads_line(line) for line in text.split("\n") if line]


def _split_nquads_line(line: str) -> Row:
    """(graph, subject, predicate, object) of one line of Oxigraph's N-Quads. Subject and
    predicate hold no space; a graph name is the last token, an IRI or blank node (neither
    holds a space or a quote); without one the graph is "DEFAULT"."""
    subject, predicate, rest = line.split(" ", 2)
    rest = rest[:-2]  # " ."
    head, space, last = rest.rpartition(" ")
    if space and '"' not in last and last.startswith(("<", "_:")):
        return last, subject, predicate, head
    return "DEFAULT", subject, predicate, rest


def network_quads(data: SortedQuads, base: str) -> list[ox.Quad]:
    """The quads the twinning network's queries can match (`network.queried_terms`): the
    network read from these is the network read from all of `data`, for a third of the
    store's loading and the queries' scanning at world S."""
    predicates, classes = queried_terms(base)
    wanted = {f"<{iri}>" for iri in predicates}
    rdf_type, types = f"<{RDF_TYPE}>", {f"<{iri}>" for iri in classes}
    return [
        quad
        for quad, (_, _, predicate, obj) in zip(data.quads, data.rows, strict=True)
        if predicate in wanted and (predicate != rdf_type or obj in types)
    ]


def sorted_quads(dataset: Dataset) -> list[ox.Quad]:
    """The dataset's quads as Oxigraph terms, sorted by graph, subject, predicate, object."""
    return SortedQuads(dataset).quads


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
) -> BuildSummary:
    """The whole `citydip-ld build`: read, build, serialise (`names`: the files of
    `FORMAT_NAMES`, default all, the network files included), then write atomically.
    `progress` is told each step. The dataset is built as rows of text (`build_quads`), never
    as an rdflib `Dataset` unless rdflib must write the JSON-LD (`jsonld.jsonld_document`
    declines)."""
    with cycle_collection_paused():  # see there: 4 of 30 s CPU at S
        # The build's objects die when `_build_directory` returns, before the collector is
        # on again: its first collection would otherwise walk every one of them (all still
        # in the youngest generation), 0.7 s at world S.
        return _build_directory(
            Path(data_dir), Path(out_dir), base, names, layout or Layout.beside(data_dir), progress
        )


def _build_directory(
    data_dir: Path,
    out: Path,
    base: str,
    names: Iterable[str] | None,
    layout: Layout,
    progress: Callable[[str], None] | None,
) -> BuildSummary:
    say = progress or (lambda _message: None)
    inputs = inputs_digest(layout.inputs(base))
    say(f"reading the facts in {data_dir} and building the dataset")
    built = build_quads(layout, base)
    data, sources, graphs = built.data, built.sources, built.graphs
    del built
    say(f"serialising {len(data.rows)} quads")
    wanted = list(names) if names is not None else [*FORMATS, GRAPHML_FILE]
    files = _serialise_all(layout, base, wanted, data, say)
    say(f"writing {len(files)} file(s) into {out}")
    remove_stamp(out)  # the files change from here on: the stamp is written again at the end
    write_outputs(files, out)
    files[SOURCES_FILE] = source_map_bytes(sources)
    write_source_map(files[SOURCES_FILE], out)
    # each file's SHA-256 once, from the bytes written (SHA256SUMS and the stamp)
    digests = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    write_checksums(out, digests)
    if inputs_digest(layout.inputs(base)) == inputs:  # no input changed while building
        write_stamp(out, inputs, digests)
    return BuildSummary(len(data.triple_keys), graphs, sources)


JSONLD_FILE = "dataset.jsonld"


def _serialise_all(
    layout: Layout, base: str, wanted: list[str], data: SortedQuads, say: Callable[[str], None]
) -> dict[str, bytes]:
    """The dumps of `wanted` and the network's files (if wanted), in this process, the JSON-LD
    document (the largest, of many small objects) first and dropped once written, before the
    other dumps' bytes exist. (It used to be computed in a forked child beside the rest: the
    copy-on-write faults of the pages both processes touched cost more CPU than the child
    ran in parallel; benchmarks/README.md, "build and check of S", fourth round.)"""

    def rdflib_dataset() -> Dataset:
        return build_all(layout, base).dataset

    dumps = [name for name in wanted if name in FORMATS]
    dumps.sort(key=lambda name: name != JSONLD_FILE)
    files = serialise(rdflib_dataset, base, dumps, sorted_data=data)
    if GRAPHML_FILE in wanted:
        say("reading the twinning network")
        network = network_of_rows(data.rows, base) or read_network(
            DatasetQueries(network_quads(data, base)), base
        )
        files.update(network_files(network))
    return {name: files[name] for name in [*FORMATS, *files] if name in files}  # write order


@dataclass(frozen=True)
class BuildSummary:
    """What `build_directory` built: distinct triples of every graph, named graphs, sources."""

    triples: int
    graphs: int
    sources: SourceMap
