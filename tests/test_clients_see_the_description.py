"""Every real client sees the city's description in its default graph (issue 12.1).

Comunica, with its own Accept header, prefers N-Quads; the document used to hold the city's
triples only in the article graphs, so a client reading the default graph saw nothing about
the city. Quad documents now carry the description in the default graph and, again, each
triple in its named graph (the provenance). Each client below is the real one, started by
the test against a live waitress server; each sees the same triples about Tabriz as the
curated data holds, whatever format it negotiated.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.term import Node
from SPARQLWrapper import JSON, SPARQLWrapper

from web_support import MINI_TRIG

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
TABRIZ = URIRef(f"{BASE}id/city/tabriz")
WUHAN = URIRef(f"{BASE}id/city/wuhan")
CD = Namespace(f"{BASE}ontology#")
ARTICLE_GRAPH = URIRef(f"{BASE}graph/004_aa1ce6595c509616")
ABOUT_TABRIZ = f"SELECT ?p ?o WHERE {{ <{TABRIZ}> ?p ?o }}"

Pairs = set[tuple[Node, Node]]


def expected() -> Pairs:
    """(predicate, object) of every triple about Tabriz in the curated data (all graphs)."""
    ds = Dataset()
    ds.parse(MINI_TRIG, format="trig")
    pairs = {(p, o) for _s, p, o, _g in ds.quads((TABRIZ, None, None, None))}
    assert len(pairs) >= 10  # labels and comments in en and fa, types, country, twinnings
    return pairs


def about_tabriz(graph: Graph) -> Pairs:
    return set(graph.predicate_objects(TABRIZ))


def rows(result: Result) -> Pairs:
    out: Pairs = set()
    for row in result:
        p, o = row  # type: ignore[misc]
        out.add((p, o))
    return out


# ---------------------------------------------------------------- rdflib


@pytest.mark.parametrize("fmt", [None, "turtle", "xml", "json-ld"])
def test_rdflib_graph_parse_of_the_iri(mini_server: str, fmt: str | None) -> None:
    graph = Graph()
    graph.parse(f"{mini_server}/id/city/tabriz", format=fmt)
    assert about_tabriz(graph) == expected()


@pytest.mark.parametrize("fmt", [None, "trig", "json-ld"])
def test_rdflib_dataset_parse_of_the_iri_reads_the_default_graph(
    mini_server: str, fmt: str | None
) -> None:
    ds = Dataset()
    ds.parse(f"{mini_server}/id/city/tabriz", format=fmt)
    assert about_tabriz(ds.graph(DATASET_DEFAULT_GRAPH_ID)) == expected()


@pytest.mark.parametrize(("ext", "fmt"), [("nq", "nquads"), ("trig", "trig")])
def test_quad_documents_keep_the_article_graphs(mini_server: str, ext: str, fmt: str) -> None:
    ds = Dataset()
    ds.parse(f"{mini_server}/doc/city/tabriz.{ext}", format=fmt)
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    assert about_tabriz(default) == expected()
    # The same triple again in the graph of the article it was curated from.
    graphs = {g for _s, _p, _o, g in ds.quads((TABRIZ, CD.twinnedWith, WUHAN, None))}
    assert graphs == {DATASET_DEFAULT_GRAPH_ID, ARTICLE_GRAPH}
    # Every named-graph triple is also in the default graph: nothing only in a named graph.
    named = {(s, p, o) for s, p, o, g in ds.quads() if g != DATASET_DEFAULT_GRAPH_ID}
    assert named <= set(default)
    # And the document's own description (foaf:primaryTopic) is in the default graph only.
    topic = URIRef("http://xmlns.com/foaf/0.1/primaryTopic")
    assert {g for _s, _p, _o, g in ds.quads((None, topic, TABRIZ, None))} == {
        DATASET_DEFAULT_GRAPH_ID
    }


# ---------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_select_on_the_endpoint(mini_server: str) -> None:
    client = SPARQLWrapper(f"{mini_server}/sparql")
    client.setQuery(ABOUT_TABRIZ)
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    assert isinstance(answer, dict)
    assert rows(Result.parse(io.StringIO(json.dumps(answer)), format="json")) == expected()


# ---------------------------------------------------------------- Comunica (node)

COMUNICA = ROOT / "node_modules" / ".bin" / "comunica-sparql"


def comunica(source: str, query: str) -> Result:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs npm)")
    if not COMUNICA.is_file():
        pytest.skip("node_modules/ has no @comunica/query-sparql: run `npm ci` (make install)")
    done = subprocess.run(
        [node, str(COMUNICA), source, query, "-t", "application/sparql-results+json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Result.parse(io.StringIO(done.stdout), format="json")


def test_comunica_dereferencing_the_iri_sees_the_city_in_the_default_graph(
    mini_server: str,
) -> None:
    # Comunica's own Accept header prefers N-Quads; it reads the default graph only.
    assert rows(comunica(f"{mini_server}/id/city/tabriz", ABOUT_TABRIZ)) == expected()


def test_comunica_dereferencing_the_iri_sees_the_provenance_graph(mini_server: str) -> None:
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{TABRIZ}> <{CD.twinnedWith}> <{WUHAN}> }} }}"
    result = comunica(f"{mini_server}/id/city/tabriz", query)
    assert {row[0] for row in result} == {ARTICLE_GRAPH}  # type: ignore[index]


def test_comunica_querying_the_endpoint(mini_server: str) -> None:
    assert rows(comunica(f"sparql@{mini_server}/sparql", ABOUT_TABRIZ)) == expected()


# ---------------------------------------------------------------- raptor and rasqal (Debian)

ROQET = shutil.which("roqet")
RAPPER = shutil.which("rapper")


def roqet(*args: str) -> Pairs:
    if ROQET is None:
        pytest.skip("roqet (rasqal-utils) is not installed")
    done = subprocess.run(
        [ROQET, "-q", "-r", "xml", "-e", ABOUT_TABRIZ, *args],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return rows(Result.parse(io.BytesIO(done.stdout), format="xml"))


@pytest.mark.external
@pytest.mark.parametrize("path", ["/id/city/tabriz", "/doc/city/tabriz.nq"])
def test_roqet_with_the_document_as_its_data(mini_server: str, path: str) -> None:
    # roqet -D merges every graph of a quad document into one (as a bag: a triple of the
    # default graph and of its article graph comes twice), so compare as sets.
    assert roqet("-D", f"{mini_server}{path}") == expected()


@pytest.mark.external
def test_roqet_on_the_endpoint(mini_server: str) -> None:
    assert roqet("-p", f"{mini_server}/sparql") == expected()


@pytest.mark.external
def test_rapper_reads_the_nquads_document_with_its_default_graph(mini_server: str) -> None:
    if RAPPER is None:
        pytest.skip("rapper (raptor2-utils) is not installed")
    done = subprocess.run(
        [RAPPER, "-q", "-i", "nquads", "-o", "nquads", f"{mini_server}/doc/city/tabriz.nq"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    ds = Dataset()
    ds.parse(data=done.stdout.decode("utf-8"), format="nquads")
    assert about_tabriz(ds.graph(DATASET_DEFAULT_GRAPH_ID)) == expected()
    assert (TABRIZ, CD.twinnedWith, WUHAN, ARTICLE_GRAPH) in set(ds.quads())
