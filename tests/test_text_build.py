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

import datetime as dt
import gc
import random
from pathlib import Path

import pytest
from rdflib import XSD, Dataset, Graph, Literal, Namespace, URIRef

from citydip_ld.curation.facts import load_facts
from citydip_ld.curation.triples import (
    DATE,
    DECIMAL,
    INTEGER,
    WKT,
    Emitter,
    QuadLines,
    QuadRow,
    QuadRows,
    SourceMap,
    TermCache,
    part,
    xsd_date,
)
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


@pytest.mark.parametrize("position", ["graph", "subject", "predicate", "object"])
@pytest.mark.parametrize("iri", ["http://[bad/", "http://x/a%zz", "no-scheme"])
def test_rows_refuse_an_iri_oxigraph_would_not_read(position: str, iri: str) -> None:
    """`SortedQuads` reads the rows' N-Quads back without checking each IRI again: `QuadRows`
    checks every distinct IRI, where it is first written, wherever in the quad it stands."""
    terms = {p: URIRef(f"http://x/{p}") for p in ("graph", "subject", "predicate", "object")}
    terms[position] = URIRef(iri)  # rdflib takes each of these
    with pytest.raises(ValueError, match="not an IRI as RDF reads it"):
        QuadRows({}, terms["graph"]).add_terms(
            terms["subject"], terms["predicate"], terms["object"]
        )


def test_an_iri_is_checked_once_however_often_it_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import citydip_ld.curation.triples as triples_module

    checked: list[str] = []
    real = triples_module.ox.NamedNode

    def counting(iri: str) -> object:
        checked.append(str(iri))
        return real(iri)

    monkeypatch.setattr(triples_module.ox, "NamedNode", counting)
    rows: dict[QuadRow, None] = {}
    written: dict[URIRef, str] = {}
    s, p = URIRef("http://x/s"), URIRef("http://x/p")
    for graph in ("http://x/g1", "http://x/g2"):
        sink = QuadRows(rows, URIRef(graph), written)
        for n in range(3):
            sink.add_terms(s, p, URIRef(f"http://x/o{n % 2}"))
            sink.add_text(s, p, f"text {n}", "en")
    assert sorted(checked) == sorted(
        ["http://x/g1", "http://x/g2", "http://x/s", "http://x/p", "http://x/o0", "http://x/o1"]
    )
    assert len(rows) == 10


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
    assert set(Graph().parse(data=text.ntriples, format="nt")) == set(graph.data)
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


#: Lexical forms rdflib may rewrite (or not) on making a typed `Literal`, per datatype.
AWKWARD_LEXICAL = {
    "decimal": [
        *("12.50", "-0.0", "-0", "0", "0.0", "-0.000", "0.0000001", "1e3", "1E+2", "1e-05"),
        *("007.5", "+1.5", ".5", "5.", " 1.5", "1.5\n", "1_000.5", "nan", "-Infinity", "abc"),
        *("", "\u0661\u0662.5", "123456789012345678901234567890.1234567890123456789012345"),
    ],
    "integer": [
        *("0", "-0", "+5", "007", "1_000", " 7", "7\n", "-12", "1.0", "1e3", "\u0661\u0662"),
        *("", "x", "123456789012345678901234567890123456789012345678901234567890"),
    ],
    "date": [
        *("2020-01-05", "0999-01-01", "0000-01-01", "2020-02-30", "2020-13-01", "2020-1-5"),
        *("20200105", "2020-01-05Z", "2020-01-05+03:30", " 2020-01-05", "9999-12-31"),
        *("10000-01-01", "-2020-01-05", "\u0662\u0660\u0662\u0660-01-05", "2020-01-05\n"),
    ],
    "wkt": ["POINT(121.45806 31.22222)", "POINT(1e-05 -0.0)", 'a "q"\n\t\\ \x01', ""],
}


def _sweep() -> dict[str, list[str]]:
    """Lexical forms as the build makes them (`str` of YAML's floats, ints and dates), many."""
    draw = random.Random(1403)
    floats = [draw.uniform(-180, 180) for _ in range(3000)]
    floats += [round(x, draw.randrange(0, 8)) for x in floats[:1000]]
    floats += [x * 10.0 ** draw.randrange(-12, 20) for x in floats[:1000]]
    ints = [draw.randrange(-(10**12), 10**12) for _ in range(1000)] + [0, 10**40, -(10**40)]
    first = dt.date(1, 1, 1).toordinal()
    dates = [dt.date.fromordinal(draw.randrange(first, first + 3_652_058)) for _ in range(1000)]
    return {
        "decimal": [str(x) for x in floats + ints],
        "integer": [str(x) for x in ints],
        "date": [str(d) for d in dates],
        "wkt": [f"POINT({x} {y})" for x, y in zip(floats, reversed(floats), strict=True)],
    }


def test_a_typed_literal_is_written_as_its_literal() -> None:
    """`QuadRows.add_typed` (no rdflib `Literal` made for a lexical form rdflib keeps as it is)
    writes what `add` writes of `Literal(lexical, datatype=...)`, awkward forms included; such
    a form is the `Literal`'s; into an rdflib graph `Emitter.typed` adds that `Literal`."""
    subject, predicate, name = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/g")
    datatypes = {"decimal": DECIMAL, "integer": INTEGER, "date": DATE, "wkt": WKT}
    sweep = _sweep()
    kept = 0
    for key, datatype in datatypes.items():
        for lexical in [*AWKWARD_LEXICAL[key], *sweep[key]]:
            literal = Literal(lexical, datatype=datatype.iri)
            by_text: dict[QuadRow, None] = {}
            by_literal: dict[QuadRow, None] = {}
            QuadRows(by_text, name).add_typed(subject, predicate, lexical, datatype)
            QuadRows(by_literal, name).add((subject, predicate, literal))
            assert list(by_text) == list(by_literal), (key, lexical)
            if datatype.as_given.fullmatch(lexical):
                assert str(literal) == lexical, (key, lexical)
                kept += 1
            graph = Graph()
            Emitter(graph, SourceMap()).typed(subject, predicate, lexical, datatype)
            assert list(graph.objects()) == [literal], (key, lexical)
    assert kept > 10_000  # the sweep takes the route without the `Literal`


def test_an_integer_is_written_as_its_literal() -> None:
    """`Emitter.integer` writes into `QuadRows` what `add` writes of `Literal(value,
    datatype=XSD.integer)`, and adds that `Literal` to an rdflib graph."""
    subject, predicate, name = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/g")
    for value in [0, -1, 7, 24874500, 10**40, -(10**40), True, False]:
        literal = Literal(value, datatype=XSD.integer)
        by_value: dict[QuadRow, None] = {}
        by_literal: dict[QuadRow, None] = {}
        Emitter(QuadRows(by_value, name), SourceMap()).integer(subject, predicate, value)
        QuadRows(by_literal, name).add((subject, predicate, literal))
        assert list(by_value) == list(by_literal), value
        graph = Graph()
        Emitter(graph, SourceMap()).integer(subject, predicate, value)
        assert list(graph.objects()) == [literal], value


def test_a_day_is_written_as_its_literal() -> None:
    """`Emitter.day` writes into `QuadRows` what `add` writes of `xsd_date(day)`, and adds that
    `Literal` to an rdflib graph."""
    subject, predicate, name = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/g")
    first = dt.date(1, 1, 1).toordinal()
    draw = random.Random(1404)
    days = [dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(2024, 2, 29), dt.date(9999, 12, 31)]
    days += [dt.date.fromordinal(draw.randrange(first, first + 3_652_058)) for _ in range(500)]
    for day in days:
        by_day: dict[QuadRow, None] = {}
        by_literal: dict[QuadRow, None] = {}
        Emitter(QuadRows(by_day, name), SourceMap()).day(subject, predicate, day)
        QuadRows(by_literal, name).add((subject, predicate, xsd_date(day)))
        assert list(by_day) == list(by_literal), day
        graph = Graph()
        Emitter(graph, SourceMap()).day(subject, predicate, day)
        assert list(graph.objects()) == [xsd_date(day)], day


def test_a_part_and_a_namespace_term_are_the_iris_rdflib_makes() -> None:
    """`part` skips rdflib's check of the characters of an IRI only where the name has none
    it warns about; `TermCache[key]` is rdflib's term, made once."""
    node, fragment = URIRef("http://x/id/city/a"), URIRef("http://x/id/city/a#date")
    for base in (node, fragment):
        for name in ("geometry", "source-an-article", "a b", "x<y>", 'q"', "{}|^`\\"):
            made = part(base, name)
            assert type(made) is URIRef
            assert made == URIRef(f"{base}-{name}" if "#" in base else f"{base}#{name}")
    ns = TermCache("https://sws.geonames.org/")
    assert ns["1796236/"] is ns["1796236/"]
    assert ns["1796236/"] == Namespace("https://sws.geonames.org/")["1796236/"]
    assert type(ns["1796236/"]) is URIRef and ns.x == URIRef("https://sws.geonames.org/x")


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
