"""`build` and `check` from text give what the rdflib route gives, byte for byte.

The kinds' triples are written as N-Quads lines (`curation.triples.QuadLines`, `build_lines`)
instead of being added to an rdflib `Dataset` (`build_dataset`, kept as the reference). Every
dump `build_directory` writes from the lines is compared with what `serialise` writes from
the rdflib dataset, on the shipped data and on the minimal facts; `check`'s report from the
text (pyshacl-turbo reading the N-Triples in Rust, `validate_ntriples`) with the report from the
rdflib graph (`validate_graph`), on the shipped data, the minimal facts (violations at their
fact lines) and the broken corpus (every constraint of every shape broken).
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from citydip_ld.curation.facts import load_facts
from citydip_ld.curation.triples import QuadLines, QuadRow, QuadRows
from citydip_ld.rdf.build import build_dataset, build_lines, build_rows
from citydip_ld.rdf.network import DatasetQueries, read_network
from citydip_ld.rdf.output import (
    FORMATS,
    Layout,
    SortedQuads,
    _nquads_line,
    build_all,
    build_check_text,
    build_directory,
    build_for_check,
    build_quads,
    build_text,
    check_text_from_build,
    facts_union,
    network_quads,
    nquads_bytes,
    oxigraph_rows,
    serialise,
)
from citydip_ld.rdf.source_map import source_map_bytes
from citydip_ld.validation.engines import ENGINES
from citydip_ld.validation.validate import (
    Report,
    triples_of_quads,
    validate_graph,
    validate_ntriples,
)
from test_engines import OR_DATATYPES_SHAPES

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
MINIMAL = ROOT / "tests/data/facts-minimal"
LAYOUTS = {
    "shipped": Layout.beside(ROOT / "data"),
    "minimal": Layout(MINIMAL, ROOT / "ontology", ROOT / "shapes"),
}


def _nquads_lines(graph: Graph) -> set[str]:
    """The lines rdflib writes (N-Quads of a dataset, N-Triples of a graph), blank ones left."""
    fmt = "nquads" if isinstance(graph, Dataset) else "nt"
    lines = graph.serialize(format=fmt).splitlines(keepends=True)
    return {line for line in lines if line.strip()}


@pytest.mark.parametrize("data", [ROOT / "data", MINIMAL])
def test_the_lines_are_what_rdflib_writes_of_the_dataset(data: Path) -> None:
    facts = load_facts(data)
    lines = build_lines(facts, BASE)
    reference = build_dataset(facts, BASE)
    assert len(lines.lines) == len(_nquads_lines(reference.dataset)) > 50
    assert set(lines.lines) == _nquads_lines(reference.dataset)
    assert source_map_bytes(lines.sources) == source_map_bytes(reference.sources)
    union = build_lines(facts, BASE, union=True)
    graph = Graph()
    build_dataset(facts, BASE, into=graph)
    assert set(union.lines) == _nquads_lines(graph)


def test_awkward_terms_are_written_as_rdflib_writes_them() -> None:
    """Escapes, tags, datatypes, a blank node; a triple added twice is one line."""
    subject, predicate = URIRef("http://x/s"), URIRef("http://x/p")
    objects = [
        Literal('a "quoted"\nline\\ <x> \t tab'),
        Literal("fa", lang="fa"),
        Literal("1.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        Literal(True),
        URIRef("http://x/o"),
    ]
    dataset = Dataset()
    graph = dataset.graph(URIRef("http://x/g"))
    lines: dict[str, None] = {}
    sink = QuadLines(lines, URIRef("http://x/g"))
    for obj in [*objects, objects[0]]:
        graph.add((subject, predicate, obj))
        sink.add((subject, predicate, obj))
    assert list(lines) == [line for line in lines if line in _nquads_lines(dataset)]
    assert set(lines) == _nquads_lines(dataset) and len(lines) == len(objects)


def test_awkward_terms_are_written_as_oxigraph_writes_them() -> None:
    """`QuadRows` writes each term as Oxigraph writes it after parsing rdflib's N-Quads:
    control characters escaped (rdflib leaves a tab as it is), a language tag in lower case,
    no `xsd:string`; a quad added twice is one row."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    subject, predicate, name = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/g")
    objects = [
        Literal('a "quoted"\nline\\ <x> \t tab \r\x08\x0c\x01\x1f\x7f \u2028 é ش'),
        Literal("fa", lang="fa"),
        Literal("Upper", lang="EN-GB"),
        Literal("plain", datatype=URIRef(f"{xsd}string")),
        Literal("1.50", datatype=URIRef(f"{xsd}decimal")),
        Literal(True),
        URIRef("http://x/o"),
    ]
    dataset = Dataset()
    graph = dataset.graph(name)
    rows: dict[QuadRow, None] = {}
    sink = QuadRows(rows, name)
    for obj in [*objects, objects[0]]:
        graph.add((subject, predicate, obj))
        sink.add((subject, predicate, obj))
    assert sorted(rows) == sorted(oxigraph_rows(dataset.serialize(format="nquads")))
    assert len(rows) == len(objects)


@pytest.mark.parametrize("data", [ROOT / "data", MINIMAL])
def test_the_rows_are_the_lines_as_oxigraph_writes_them(data: Path) -> None:
    facts = load_facts(data)
    rows = build_rows(facts, BASE)
    lines = build_lines(facts, BASE)
    assert len(rows.rows) == len(lines.lines) > 50
    assert set(rows.rows) == set(oxigraph_rows("".join(lines.lines)))
    assert source_map_bytes(rows.sources) == source_map_bytes(lines.sources)
    assert rows.graphs == lines.graphs


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_quads_from_rows_are_the_quads_from_text(name: str) -> None:
    """`build` sorts the kinds' rows (`build_quads`) without Oxigraph parsing and writing
    rdflib's N-Quads first: the same rows, N-Quads, Oxigraph terms and triples."""
    layout = LAYOUTS[name]
    built = build_quads(layout, BASE)
    text = build_text(layout, BASE)
    reference = SortedQuads(text.nquads)
    assert built.data.rows == reference.rows and len(reference.rows) > 50
    assert (
        built.data.nquads
        == "".join(f"{s} {p} {o} {g} .\n" for g, s, p, o in reference.rows).encode()
    )
    assert built.data.quads == reference.quads
    assert built.data.triples() == reference.triples()
    assert built.graphs == text.graphs
    assert source_map_bytes(built.sources) == source_map_bytes(text.sources)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_dump_is_the_bytes_the_rdflib_route_writes(name: str, tmp_path: Path) -> None:
    layout = LAYOUTS[name]
    summary = build_directory(layout.data_dir, tmp_path, base=BASE, layout=layout)
    dataset = build_all(layout, BASE).dataset
    reference = serialise(dataset, BASE)
    for file, content in reference.items():
        assert (tmp_path / file).read_bytes() == content, file
    assert set(FORMATS) <= set(reference)
    assert summary.triples == len(dataset)
    assert summary.graphs == sum(1 for _ in dataset.graphs()) - 1


def _reports(layout: Layout, engine: str) -> tuple[Report, Report]:
    text = build_check_text(layout, BASE)
    graph = build_for_check(layout, BASE)
    assert text.triples == len(graph.data)
    from_text = validate_ntriples(
        text.ntriples, text.shapes, namespaces=text.namespaces, sources=text.sources, engine=engine
    )
    return from_text, validate_graph(graph.data, graph.shapes, sources=graph.sources, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_check_from_text_gives_the_same_report(name: str, engine: str) -> None:
    from_text, from_graph = _reports(LAYOUTS[name], engine)
    assert from_text.to_json() == from_graph.to_json()
    assert from_text.to_text() == from_graph.to_text()
    assert from_text.engine == from_graph.engine == engine
    if name == "minimal":
        assert not from_text.conforms and all(p.location for p in from_text.problems)


@pytest.fixture(scope="module")
def broken() -> tuple[Graph, Graph]:
    layout = LAYOUTS["shipped"]
    shapes = build_for_check(layout, BASE).shapes
    return Graph().parse(ROOT / "tests/data/broken.ttl", format="turtle"), shapes


def test_the_broken_corpus_reads_the_same_from_text(broken: tuple[Graph, Graph]) -> None:
    """pyshacl-turbo on the corpus as N-Triples text: the report pySHACL (the
    reference) and pyshacl-turbo on the rdflib graph write, values and all."""
    data, shapes = broken
    namespaces = list(data.namespaces())
    text = data.serialize(format="nt")
    from_text = validate_ntriples(text, shapes, namespaces=namespaces)
    assert from_text.engine == "turbo" and len(from_text.problems) > 100
    for engine in ENGINES:
        copy = Graph()
        for prefix, namespace in namespaces:
            copy.bind(prefix, namespace, override=True, replace=True)
        for triple in data:
            copy.add(triple)
        reference = validate_graph(copy, shapes, engine=engine)
        assert from_text.to_json() == reference.to_json(), engine


def test_shapes_pyshacl_turbo_gets_wrong_are_validated_by_pyshacl_from_text() -> None:
    """W3C core/property/or-datatypes-001 (tests/test_engines.py): the text route falls back to
    pySHACL on an rdflib graph parsed from the text, and says so."""
    shapes = Graph().parse(data=OR_DATATYPES_SHAPES, format="turtle")
    text = (
        '<http://example.org/a> <http://example.org/p> "none"^^'
        "<http://www.w3.org/2001/XMLSchema#boolean> .\n"
    )
    report = validate_ntriples(text, shapes)
    assert report.engine == "pyshacl" and report.note and "or-datatypes-001" in report.note
    assert [(p.focus, p.component) for p in report.problems] == [
        ("http://example.org/a", "sh:OrConstraintComponent")
    ]


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_network_from_the_quads_it_queries_is_the_network_from_all(name: str) -> None:
    """`build` loads only the quads the network's queries can match into its store."""
    layout = LAYOUTS[name]
    data = SortedQuads(build_text(layout, BASE).nquads)
    kept = network_quads(data, BASE)
    assert 0 < len(kept) < len(data.quads)
    whole = read_network(DatasetQueries(data.quads), BASE)
    assert read_network(DatasetQueries(kept), BASE) == whole
    assert whole.edges and whole.nodes


def test_the_build_runs_without_the_cycle_collector_and_gives_it_back(tmp_path: Path) -> None:
    layout = LAYOUTS["minimal"]
    seen: list[bool] = []
    assert gc.isenabled()
    build_directory(
        layout.data_dir,
        tmp_path,
        base=BASE,
        layout=layout,
        progress=lambda _m: seen.append(gc.isenabled()),
    )
    assert seen and not any(seen)
    assert gc.isenabled()
    gc.disable()
    try:
        build_directory(layout.data_dir, tmp_path, base=BASE, layout=layout)
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_check_reads_the_shapes_the_build_wrote(name: str, tmp_path: Path) -> None:
    """`check --build` takes the shapes graph from the build's N-Quads (its blank nodes
    canonical already) instead of canonicalising the files again: the same triples, labels
    and prefixes as the shapes `check` builds."""
    layout = LAYOUTS[name]
    build_directory(layout.data_dir, tmp_path, base=BASE, layout=layout)
    from_build = check_text_from_build(tmp_path, layout, BASE)
    built = build_check_text(layout, BASE)
    assert from_build is not None
    assert set(from_build.shapes) == set(built.shapes) and len(built.shapes) > 100
    assert from_build.namespaces == built.namespaces
    union = set(triples_of_quads(from_build.ntriples).splitlines())
    assert from_build.quads and sorted(union) == sorted(built.ntriples.splitlines())


def test_a_line_break_oxigraph_leaves_in_a_literal_ends_no_line() -> None:
    """Oxigraph writes U+2028 and U+0085 in a literal as they are: the build's rows and the
    union `check --build` reads from its N-Quads split lines at "\\n" only."""
    graph = f"<{BASE}graph/a>"
    text = f'<http://x/s> <http://x/p> "one\u2028two\x85three" {graph} .\n'
    assert oxigraph_rows(text) == [
        (graph, "<http://x/s>", "<http://x/p>", '"one\u2028two\x85three"')
    ]
    assert facts_union(text, BASE) == ['<http://x/s> <http://x/p> "one\u2028two\x85three" .\n']


def test_a_text_is_written_as_its_literal() -> None:
    """`QuadRows.add_text` (plain and language-tagged literals, no rdflib `Literal` made)
    writes what `add` writes of the `Literal`."""
    subject, predicate, name = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/g")
    texts = ['a "q"\nb\\ \t\r\x01\x7f \u2028 ش', "plain", ""]
    by_text: dict[QuadRow, None] = {}
    by_literal: dict[QuadRow, None] = {}
    for text in texts:
        for lang in (None, "en", "fa"):
            QuadRows(by_text, name).add_text(subject, predicate, text, lang)
            QuadRows(by_literal, name).add((subject, predicate, Literal(text, lang=lang)))
    assert list(by_text) == list(by_literal) and len(by_text) == 9


def test_the_n_quads_are_encoded_in_chunks_as_at_once() -> None:
    """`nquads_bytes` encodes rows a chunk at a time: the bytes of the whole text encoded,
    Persian and characters beyond the BMP across chunk boundaries, a row in the default graph."""
    rows = [
        (f"<http://x/g{i % 3}>", f"<http://x/s{i}>", "<http://x/p>", f'"تبریز {i} \U0001f600"@fa')
        for i in range(23)
    ]
    rows.append(("DEFAULT", "<http://x/s>", "<http://x/p>", "<http://x/o>"))
    text = "".join(map(_nquads_line, rows))
    for chunk in (1, 2, 5, 24, 100):
        assert nquads_bytes(rows, chunk) == text.encode("utf-8")
    assert nquads_bytes([]) == b""
