"""Dereferencing: every /id/ IRI 303s to a negotiated document with the right headers.

Runs on the mini dataset (tests/data/mini.trig), base http://localhost:5000/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, FOAF, OWL, RDF, RDFS, VOID, XSD

from citydip_ld.conneg import FORMATS
from citydip_ld.rdf.dumps import list_dumps, read_checksums, sha256_file
from citydip_ld.stores import describe, index_description
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web.documents import OXIGRAPH_FORMATS, document_triples, serialize

BASE = "http://localhost:5000/"
ID = Namespace(f"{BASE}id/")
CD = Namespace(f"{BASE}ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
TABRIZ = ID["city/tabriz"]
WUHAN = ID["city/wuhan"]
TABRIZ_WUHAN = ID["twinning/tabriz-wuhan"]
ARTICLE = ID["article/004_aa1ce6595c509616"]
ARTICLE_GRAPH = URIRef(f"{BASE}graph/004_aa1ce6595c509616")

RDF_TYPES = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
    "nq": ("application/n-quads", "nquads"),
    "trig": ("application/trig", "trig"),
}


def parse(body: bytes, rdflib_format: str) -> Dataset:
    """Parse a document; triple lookups see the union of its graphs."""
    ds = Dataset(default_union=True)
    ds.parse(data=body, format=rdflib_format, publicID=BASE)
    return ds


# ---------------------------------------------------------------- 303 from /id/


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/html", "/doc/city/tabriz.html"),
        ("text/turtle", "/doc/city/tabriz.ttl"),
        ("application/ld+json", "/doc/city/tabriz.jsonld"),
        ("application/rdf+xml", "/doc/city/tabriz.rdf"),
        ("application/n-triples", "/doc/city/tabriz.nt"),
        ("application/n-quads", "/doc/city/tabriz.nq"),
        ("application/trig", "/doc/city/tabriz.trig"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "/doc/city/tabriz.ttl"),
        ("*/*", "/doc/city/tabriz.html"),
    ],
)
def test_id_iri_303s_to_its_document_in_the_negotiated_format(
    mini_client: FlaskClient, accept: str, location: str
) -> None:
    response = mini_client.get("/id/city/tabriz", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_format_parameter_overrides_accept_on_the_id(mini_client: FlaskClient) -> None:
    response = mini_client.get("/id/city/tabriz?format=nt", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/city/tabriz.nt"


def test_the_interface_language_survives_the_redirect(mini_client: FlaskClient) -> None:
    response = mini_client.get("/id/city/tabriz?lang=fa", headers={"Accept": "text/html"})
    assert response.headers["Location"] == "/doc/city/tabriz.html?lang=fa"


@pytest.mark.parametrize("kind_slug", ["city/wuhan", "twinning/tabriz-wuhan", "country/iran"])
def test_every_entity_kind_dereferences(mini_client: FlaskClient, kind_slug: str) -> None:
    response = mini_client.get(f"/id/{kind_slug}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    doc = mini_client.get(response.headers["Location"])
    assert doc.status_code == 200
    graph = parse(doc.data, "turtle")
    assert (URIRef(f"{BASE}id/{kind_slug}"), RDFS.label, None) in graph


def test_every_subject_iri_of_the_mini_dataset_dereferences(
    mini_client: FlaskClient, mini_dataset_dir: Path
) -> None:
    ds = Dataset()
    ds.parse(mini_dataset_dir / "dataset.nq", format="nquads")
    subjects = {
        str(s).split("#")[0]
        for s, _p, _o, _g in ds.quads((None, None, None, None))
        if str(s).startswith(f"{BASE}id/")
    }
    assert len(subjects) >= 8
    for iri in sorted(subjects):
        path = iri[len(BASE) - 1 :]
        response = mini_client.get(path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 303, path
        assert mini_client.get(response.headers["Location"]).status_code == 200, path


# ---------------------------------------------------------------- documents


@pytest.mark.parametrize("ext", sorted(RDF_TYPES))
def test_document_by_extension_is_that_format_and_parses(
    mini_client: FlaskClient, ext: str
) -> None:
    media_type, rdflib_format = RDF_TYPES[ext]
    response = mini_client.get(f"/doc/city/tabriz.{ext}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = parse(response.data, rdflib_format)
    assert (TABRIZ, RDFS.label, Literal("تبریز", lang="fa")) in graph
    assert (TABRIZ, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q80053")) in graph
    # Incoming links and the labels of linked resources are part of the description.
    assert (TABRIZ_WUHAN, CD.partner, TABRIZ) in graph
    assert (WUHAN, RDFS.label, Literal("Wuhan", lang="en")) in graph
    # The document says what it is about.
    doc = URIRef(f"{BASE}doc/city/tabriz")
    assert (doc, FOAF.primaryTopic, TABRIZ) in graph


@pytest.mark.parametrize("ext", ["nq", "trig"])
def test_quad_formats_keep_the_provenance_graphs(mini_client: FlaskClient, ext: str) -> None:
    _media_type, rdflib_format = RDF_TYPES[ext]
    ds = parse(mini_client.get(f"/doc/twinning/tabriz-wuhan.{ext}").data, rdflib_format)
    source = URIRef(f"{TABRIZ_WUHAN}#source-004_aa1ce6595c509616")
    assert (TABRIZ_WUHAN, CD.partner, WUHAN, ARTICLE_GRAPH) in ds
    assert (TABRIZ_WUHAN, PROV.qualifiedDerivation, source, ARTICLE_GRAPH) in ds
    quotes = list(ds.objects(source, CD.quotation))
    assert [q.language for q in quotes] == ["fa"]
    assert "ووهان چین" in str(quotes[0])


def test_description_includes_hash_iris_down_to_the_date_instants(
    mini_client: FlaskClient,
) -> None:
    graph = parse(mini_client.get("/doc/twinning/tabriz-wuhan.ttl").data, "turtle")
    date = URIRef(f"{TABRIZ_WUHAN}#date")
    begin = URIRef(f"{TABRIZ_WUHAN}#date-begin")
    time = Namespace("http://www.w3.org/2006/time#")
    assert (date, CD.jalaliDate, Literal("1395-03")) in graph
    assert (date, time.hasBeginning, begin) in graph
    assert (begin, time.inXSDDate, Literal("2016-05-21", datatype=XSD.date)) in graph


def test_generic_document_negotiates_and_says_so(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/tabriz", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Content-Location"] == "/doc/city/tabriz.jsonld"
    assert (TABRIZ, RDF.type, CD.City) in parse(response.data, "json-ld")


def test_format_parameter_on_the_document(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/tabriz?format=nt", headers={"Accept": "text/html"})
    assert response.mimetype == "application/n-triples"
    assert b"<http://localhost:5000/id/city/tabriz>" in response.data


def test_unknown_format_parameter_is_a_400_in_the_error_shape(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/tabriz?format=pdf")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert "ttl" in error["detail"]


def test_link_header_lists_every_alternate_with_its_type(mini_client: FlaskClient) -> None:
    link = mini_client.get("/doc/city/tabriz.ttl").headers["Link"]
    for ext, (media_type, _f) in RDF_TYPES.items():
        assert f'</doc/city/tabriz.{ext}>; rel="alternate"; type="{media_type}"' in link
    assert '</doc/city/tabriz.html>; rel="alternate"; type="text/html"' in link


def test_cors_on_documents(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/tabriz.ttl", headers={"Origin": "http://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


def test_etag_and_if_none_match_give_304(mini_client: FlaskClient) -> None:
    first = mini_client.get("/doc/city/tabriz.ttl")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = mini_client.get("/doc/city/tabriz.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = mini_client.get("/doc/city/tabriz.ttl", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_last_modified_and_if_modified_since_give_304(mini_client: FlaskClient) -> None:
    first = mini_client.get("/doc/city/tabriz.nt")
    modified = first.headers["Last-Modified"]
    assert modified.endswith("GMT")
    again = mini_client.get("/doc/city/tabriz.nt", headers={"If-Modified-Since": modified})
    assert again.status_code == 304
    old = mini_client.get(
        "/doc/city/tabriz.nt", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert old.status_code == 200


def test_different_formats_have_different_etags(mini_client: FlaskClient) -> None:
    tags = {mini_client.get(f"/doc/city/tabriz.{ext}").headers["ETag"] for ext in RDF_TYPES}
    assert len(tags) == len(RDF_TYPES)


def test_head_has_the_headers_and_no_body(mini_client: FlaskClient) -> None:
    get = mini_client.get("/doc/city/tabriz.ttl")
    head = mini_client.head("/doc/city/tabriz.ttl")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert mini_client.head("/id/city/tabriz").status_code == 303


# ---------------------------------------------------------------- 406, 404, 301


def test_nothing_acceptable_is_406_in_the_one_error_shape(mini_client: FlaskClient) -> None:
    for path in ("/id/city/tabriz", "/doc/city/tabriz"):
        response = mini_client.get(path, headers={"Accept": "image/png"})
        assert response.status_code == 406
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["status"] == 406
        assert error["title"] == "Not Acceptable"
        assert "text/turtle" in error["detail"]


@pytest.mark.parametrize("ext", ["ttl", "nt", "rdf", "nq", "trig"])
def test_unknown_iri_is_404_in_the_negotiated_rdf_format(
    mini_client: FlaskClient, ext: str
) -> None:
    media_type, rdflib_format = RDF_TYPES[ext]
    response = mini_client.get("/id/city/atlantis", headers={"Accept": media_type})
    assert response.status_code == 404
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert b"404 Not Found" in response.data
    assert b"atlantis" in response.data
    # A valid, empty document: a client parsing it gets no triples, not an error.
    assert len(parse(response.data, rdflib_format)) == 0


def test_unknown_iri_is_a_404_page_for_browsers(mini_client: FlaskClient) -> None:
    response = mini_client.get("/id/city/atlantis", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "http://localhost:5000/id/city/atlantis" in text
    assert "This dataset has no resource with this IRI." in text


def test_unknown_iri_as_json_is_the_error_shape(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/atlantis", headers={"Accept": "application/ld+json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_renamed_slug_redirects_permanently(mini_client: FlaskClient) -> None:
    response = mini_client.get("/id/city/wu-han", headers={"Accept": "text/turtle"})
    assert response.status_code == 301
    assert response.headers["Location"] == "/id/city/wuhan"
    doc = mini_client.get("/doc/city/wu-han.ttl")
    assert doc.status_code == 301
    assert doc.headers["Location"] == "/doc/city/wuhan.ttl"


@pytest.mark.parametrize(
    "path",
    [
        "/id/..%2F..%2Fetc%2Fpasswd",
        "/id/city/..%2F..%2Fetc%2Fpasswd",
        "/doc/city/%2e%2e%2f%2e%2e%2fetc",
        "/id/city/" + "a" * 5000,
        "/id/city/tabriz%00",
        "/id/city/tab%3Eriz",
        '/id/city/x"y',
        "/id/city/%F0%9F%92%A9",
        "/id/unicorn/tabriz",
        "/doc/city/tabriz.exe",
        "/dumps/..%2Fdataset.nq",
        "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/graph/..%2Fx",
        "/ontology.exe",
    ],
)
def test_hostile_paths_are_4xx_never_5xx(mini_client: FlaskClient, path: str) -> None:
    response = mini_client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize(
    "accept", ["garbage", ";;;", "text/turtle;q=nan", "*/*;q=-1", "a/b/c", "x" * 4000]
)
def test_odd_accept_headers_are_never_5xx(mini_client: FlaskClient, accept: str) -> None:
    response = mini_client.get("/id/city/tabriz", headers={"Accept": accept})
    assert response.status_code in {303, 406}


def test_sparql_injection_through_the_path_is_impossible(mini_client: FlaskClient) -> None:
    response = mini_client.get("/id/city/x>%20%3Fp%20%3Fo%20%7D%20%23")
    assert response.status_code == 404


# ---------------------------------------------------------------- ontology, shapes, graphs


def test_ontology_document_negotiates(mini_client: FlaskClient) -> None:
    html = mini_client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    turtle = mini_client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    graph = parse(turtle.data, "turtle")
    assert (CD.City, RDFS.label, Literal("شهر", lang="fa")) in graph
    assert (URIRef(f"{BASE}ontology"), RDF.type, OWL.Ontology) in graph
    assert mini_client.get("/ontology.rdf").mimetype == "application/rdf+xml"


def test_shapes_document_is_rdf(mini_client: FlaskClient) -> None:
    response = mini_client.get("/shapes", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    sh = Namespace("http://www.w3.org/ns/shacl#")
    graph = parse(response.data, "turtle")
    assert (URIRef(f"{BASE}shapes#CityShape"), sh.targetClass, CD.City) in graph


def test_named_graph_dereferences(mini_client: FlaskClient) -> None:
    response = mini_client.get("/graph/004_aa1ce6595c509616.nq")
    ds = parse(response.data, "nquads")
    assert (TABRIZ_WUHAN, CD.partner, WUHAN, ARTICLE_GRAPH) in ds


def test_kind_list(mini_client: FlaskClient) -> None:
    assert mini_client.get("/id/city/").headers["Location"] == "/doc/city/"
    graph = parse(mini_client.get("/doc/city/?format=ttl").data, "turtle")
    assert set(graph.subjects(RDFS.label, None)) == {TABRIZ, WUHAN, ID["city/istanbul"]}


# ---------------------------------------------------------------- VoID, DCAT, dumps


def test_void_describes_dataset_and_dumps_with_checksums(
    mini_client: FlaskClient, mini_dataset_dir: Path
) -> None:
    response = mini_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = parse(response.data, "turtle")
    dataset = URIRef(f"{BASE}.well-known/void#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{BASE}sparql")) in graph
    assert (dataset, VOID.triples, Literal(130, datatype=XSD.integer)) in graph
    assert (dataset, VOID.subset, ARTICLE_GRAPH) in graph
    dumps = {d.name: d for d in list_dumps(mini_dataset_dir)}
    assert set(dumps) == {
        "dataset.nq",
        "dataset.trig",
        "dataset.ttl",
        "dataset.nt",
        "dataset.jsonld",
    }
    for name, dump in dumps.items():
        url = URIRef(f"{BASE}dumps/{name}")
        assert (dataset, VOID.dataDump, url) in graph
        dist = graph.value(predicate=DCAT.downloadURL, object=url)
        assert (dataset, DCAT.distribution, dist) in graph
        size = graph.value(dist, DCAT.byteSize)
        assert int(size) == (mini_dataset_dir / name).stat().st_size
        checksum = graph.value(dist, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == dump.sha256


def test_void_is_rdf_only_and_negotiates(mini_client: FlaskClient) -> None:
    browser = mini_client.get("/.well-known/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/turtle"
    assert mini_client.get("/.well-known/void", headers={"Accept": "text/html"}).status_code == 406
    jsonld = mini_client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert json.loads(jsonld.data)


def test_dumps_are_served_and_match_their_checksums(
    mini_client: FlaskClient, mini_dataset_dir: Path
) -> None:
    sums = read_checksums(mini_dataset_dir)
    assert set(sums) == {
        "dataset.nq",
        "dataset.trig",
        "dataset.ttl",
        "dataset.nt",
        "dataset.jsonld",
    }
    for name, digest in sums.items():
        response = mini_client.get(f"/dumps/{name}")
        assert response.status_code == 200
        assert response.data == (mini_dataset_dir / name).read_bytes()
        assert sha256_file(mini_dataset_dir / name) == digest
        # Freshness by max-age alone: a cached answer must not replay a stale Expires date.
        assert response.cache_control.max_age == 300 and "Expires" not in response.headers
        response.close()
    listing = mini_client.get("/dumps/SHA256SUMS")
    assert listing.mimetype == "text/plain"
    assert f"{sums['dataset.nq']}  dataset.nq" in listing.get_data(as_text=True)
    listing.close()
    nq = mini_client.get("/dumps/dataset.nq")
    assert nq.mimetype == "application/n-quads"
    nq.close()
    assert mini_client.get("/dumps/dataset.exe").status_code == 404


# ---------------------------------------------------------------- describe (pure, on the store)


@pytest.fixture()
def store(mini_dataset_dir: Path) -> OxigraphStore:
    return OxigraphStore.from_dataset_dir(mini_dataset_dir)


def test_describe_is_bounded_to_the_resource(store: OxigraphStore) -> None:
    description = describe.describe(store, str(WUHAN))
    subjects = {q[0] for q in description.quads}
    # Wuhan itself, the twinning linking to it (incoming), and labels of neighbours only.
    assert WUHAN in subjects
    assert ID["city/istanbul"] not in subjects
    graph = Graph()
    for s, p, o, _g in description.quads:
        graph.add((s, p, o))
    assert set(graph.predicates(ID["country/china"], None)) == {RDFS.label}


def test_describe_unknown_is_empty(store: OxigraphStore) -> None:
    assert not describe.describe(store, f"{BASE}id/city/atlantis")


@pytest.mark.parametrize("iri", ["", "x", "http://a/b> ?p ?o }", 'http://a/"', "http://a/ b"])
def test_unsafe_iris_are_refused(store: OxigraphStore, iri: str) -> None:
    with pytest.raises(describe.UnsafeIRIError):
        describe.describe(store, iri)


def test_successor_of_a_former_iri(store: OxigraphStore) -> None:
    assert describe.successor(store, f"{BASE}id/city/wu-han", str(CD)) == WUHAN
    assert describe.successor(store, f"{BASE}id/city/nowhere", str(CD)) is None


FAST_FORMATS = [f for f in FORMATS if f.rdflib_format in OXIGRAPH_FORMATS]


def test_documents_in_the_stores_terms_are_the_same_bytes(
    dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`describe_terms` (the RDF formats Oxigraph writes, no rdflib terms) gives every
    resource of the shipped data the bytes `describe` gives, in every such format, with and
    without incoming links left out: by index lookups on a store in this process, and by
    SPARQL on one without (as a remote store)."""
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    sparql_only = SparqlOnly(store)
    subjects = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}'
    )
    iris = sorted(solution["s"].value for solution in subjects)
    assert len(iris) > 100
    for limit in (index_description.MAX_INCOMING, 2):
        monkeypatch.setattr(index_description, "MAX_INCOMING", limit)
        for iri in [*iris, f"{BASE}id/city/atlantis"]:
            slow = describe.describe(store, iri)
            for fast, more in (
                describe.describe_terms(store, iri),
                describe.describe_terms(sparql_only, iri),
            ):
                assert bool(fast) == bool(slow) and more == slow.more_incoming, iri
                for fmt in FAST_FORMATS:
                    doc = [*document_triples(f"{iri}.doc", iri)]
                    assert serialize([*doc, *fast], fmt, BASE) == serialize(
                        [*doc, *slow.quads], fmt, BASE
                    ), (iri, fmt.name)


class SparqlOnly:
    """A store that answers SPARQL only, like a remote one (no index in this process)."""

    def __init__(self, store: OxigraphStore) -> None:
        self._store = store

    def query(self, sparql: str, **options: Any) -> Any:
        return self._store.query(sparql, **options)
