"""The reconciliation service (`/reconcile`, Reconciliation Service API 0.2): the spec's
examples against its schemas, then every kind of answer of ours against the same validators;
OpenRefine-style batches of Persian and English names; property constraints, `match`, data
extension, suggest, preview; CORS and the 400s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

import reconcile_schemas as schemas
import shared_material
from citydip_ld.web import create_app

BASE = "http://localhost:5000/"
CITY = f"{BASE}id/city/"
ALL_PROPERTIES = ["country", "wikidata", "geonames", "coordinates", "population", "partners"]
needs_schemas = shared_material.needs_shared(schemas.SCHEMAS)


def _example_id(example: tuple[str, str, Path]) -> str:
    return f"{example[0]}/{example[1]}/{example[2].name}"


EXAMPLES = shared_material.parameters(schemas.EXAMPLES, schemas.examples, _example_id)
#: A valid example the schemas refuse: the spec's text takes security schemes from OpenAPI 3
#: (`"type": "http"`), while the manifest schema refers to Swagger 2.0's, which has no `http`.
SPEC_INCONSISTENT = {"security-scheme/valid/http_basic_auth.json"}


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_specs_examples_against_its_schemas(example: tuple[str, str, Path]) -> None:
    folder, verdict, path = example
    validator = schemas.validator_for_folder(folder)
    if validator is None:
        pytest.skip(f"the spec has no schema for {folder}")
    if _example_id(example) in SPEC_INCONSISTENT:
        pytest.xfail("OpenAPI 3 security scheme; the manifest schema refers to Swagger 2.0")
    found = list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    if verdict == "valid":
        assert found == [], [e.message for e in found]
    else:
        assert found, f"{path.name} should be refused"


@needs_schemas
def test_every_schema_of_the_spec_is_covered_by_examples() -> None:
    covered = {folder for folder, _v, _p in schemas.examples()}
    assert set(schemas.schema_ids()) - covered <= {"openapi", "type"}


# ---------------------------------------------------------------- helpers


def post_queries(client: FlaskClient, queries: dict[str, Any], **params: str) -> TestResponse:
    """A batch as OpenRefine sends it: a POST form with the JSON in `queries`."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        "/reconcile" + (f"?{query}" if query else ""),
        data={"queries": json.dumps(queries, ensure_ascii=False)},
    )


def results(response: TestResponse) -> dict[str, list[dict[str, Any]]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    if not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("reconciliation-result-batch", body) == []
    return {key: value["result"] for key, value in body.items()}


def matched(candidates: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in candidates if c["match"]]


def check_request(schema: str, document: Any) -> None:
    """Our test requests are valid requests per the spec."""
    if not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors(schema, document) == []


# ---------------------------------------------------------------- manifest


@needs_schemas
@pytest.mark.parametrize("path", ["/reconcile", "/reconcile?lang=fa"])
def test_the_manifest_validates_and_names_our_services(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json()
    assert schemas.errors("manifest", manifest) == []
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == f"{BASE}id/"
    assert [t["id"] for t in manifest["defaultTypes"]] == [
        "city",
        "country",
        "organisation",
        "person",
    ]
    assert manifest["view"] == {"url": "{{id}}"}
    assert manifest["preview"]["url"].startswith(f"{BASE}reconcile/preview?")
    assert manifest["preview"]["url"].endswith("id={{id}}")
    assert manifest["suggest"]["entity"] == {
        "service_url": f"{BASE}reconcile",
        "service_path": "/suggest/entity",
    }
    assert manifest["extend"]["propose_properties"]["service_path"] == "/properties"
    assert manifest["batchSize"] == 100
    if "lang=fa" in path:
        assert manifest["defaultTypes"][0]["name"] == "شهر"


def test_the_dataset_description_lists_the_service(client: FlaskClient) -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT, DCTERMS, RDF

    graph = Graph().parse(data=client.get("/.well-known/void.ttl").data, format="turtle")
    service = URIRef(f"{BASE}reconcile")
    assert (service, RDF.type, DCAT.DataService) in graph
    assert (service, DCAT.endpointURL, service) in graph
    assert (service, DCAT.servesDataset, None) in graph
    conforms = str(graph.value(service, DCTERMS.conformsTo))
    assert "reconciliation" in conforms and "0.2" in conforms


# ---------------------------------------------------------------- reconciliation

#: Column values as a spreadsheet holds them -> the city they name. Persian as typed on
#: Arabic keyboards too (Arabic yeh ي and kaf ك), with zero-width non-joiners and tatweel.
OPENREFINE_COLUMN = {
    "Tabriz": "tabriz",
    "تبریز": "tabriz",
    "تبريز": "tabriz",  # Arabic yeh
    "تبر\u200cیز": "tabriz",  # a stray zero-width non-joiner
    "Kazan": "kazan",
    "قازان": "kazan",
    "كربلا": "karbala",  # Arabic kaf
    "Karbala": "karbala",
    "مشهـد": "mashhad",  # tatweel
    "ISTANBUL": "istanbul",
    "استانبول": "istanbul",
    "Wuhan": "wuhan",
    "ووهان": "wuhan",
    "Gaza City": "gaza",
    "غزه": "gaza",
    "قونيه": "konya",  # Arabic yeh
    "Mogilev": "mogilev",
    "موگیلیف": "mogilev",  # an alternate name
}


def test_an_openrefine_batch_of_persian_and_english_city_names_returns_our_iris(
    client: FlaskClient,
) -> None:
    queries = {f"q{n}": {"query": name, "type": "city"} for n, name in enumerate(OPENREFINE_COLUMN)}
    check_request("reconciliation-query-batch", queries)
    found = results(post_queries(client, queries))
    for n, (name, slug) in enumerate(OPENREFINE_COLUMN.items()):
        candidates = found[f"q{n}"]
        assert matched(candidates) == [CITY + slug], name
        assert candidates[0]["id"] == CITY + slug
        assert candidates[0]["score"] == 100
        assert candidates[0]["type"][0]["id"] == "city"


def test_get_and_post_give_the_same_answer(client: FlaskClient) -> None:
    queries = {"a": {"query": "تبریز"}, "b": {"query": "Tehran", "limit": 2}}
    posted = results(post_queries(client, queries))
    got = results(client.get("/reconcile", query_string={"queries": json.dumps(queries)}))
    assert posted == got


def test_names_come_in_the_language_they_matched_unless_lang_says(client: FlaskClient) -> None:
    queries = {"fa": {"query": "تبریز"}, "en": {"query": "Tabriz"}}
    found = results(post_queries(client, queries))
    assert found["fa"][0]["name"] == "تبریز"
    assert found["fa"][0]["description"] == "Tabriz"
    assert found["en"][0]["name"] == "Tabriz"
    in_english = results(post_queries(client, queries, lang="en"))
    assert in_english["fa"][0]["name"] == "Tabriz"


def test_without_a_type_all_four_kinds_are_searched_and_ranked(client: FlaskClient) -> None:
    found = results(post_queries(client, {"a": {"query": "Tabriz", "limit": 10}}))["a"]
    ids = [c["id"] for c in found]
    assert ids[0] == CITY + "tabriz"
    assert f"{BASE}id/organisation/tabriz-municipality" in ids
    assert matched(found) == [CITY + "tabriz"]
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True)
    assert all(c["score"] < 100 and not c["match"] for c in found[1:])


def test_a_type_restricts_the_candidates(client: FlaskClient) -> None:
    found = results(post_queries(client, {"a": {"query": "Tabriz", "type": "organisation"}}))
    assert found["a"]
    assert all(c["type"][0]["id"] == "organisation" for c in found["a"])
    assert matched(found["a"]) == []  # nothing is named exactly "Tabriz" among them


def test_a_near_name_is_a_candidate_but_never_a_match(client: FlaskClient) -> None:
    found = results(post_queries(client, {"a": {"query": "Tabri", "type": "city"}}))["a"]
    assert found[0]["id"] == CITY + "tabriz"
    assert 0 < found[0]["score"] < 100
    assert matched(found) == []


def test_an_iri_as_query_finds_its_entity(client: FlaskClient) -> None:
    found = results(post_queries(client, {"a": {"query": CITY + "wuhan"}}))["a"]
    assert [(c["id"], c["match"]) for c in found] == [(CITY + "wuhan", True)]


@pytest.mark.parametrize(
    "country",
    ["Iran", "ایران", "ايران", f"{BASE}id/country/iran", "Q794", {"id": "Q794", "name": "Iran"}],
)
def test_a_country_given_as_name_iri_or_wikidata_id_confirms(
    client: FlaskClient, country: Any
) -> None:
    queries = {"a": {"query": "Tabriz", "properties": [{"pid": "country", "v": country}]}}
    check_request("reconciliation-query-batch", queries)
    found = results(post_queries(client, queries))["a"]
    assert matched(found) == [CITY + "tabriz"]
    features = {f["id"]: f["value"] for f in found[0]["features"]}
    assert features["properties_confirmed"] == 1


@pytest.mark.parametrize(
    ("pid", "value"),
    [
        ("population", "1,424,641"),
        ("population", "۱۴۲۴۶۴۱"),
        ("population", 1424641),
        ("geonames", "113646"),
        ("geonames", "https://www.geonames.org/113646/tabriz.html"),
        ("wikidata", "https://www.wikidata.org/wiki/Q80053"),
    ],
)
def test_identifiers_and_figures_confirm_as_spreadsheets_write_them(
    client: FlaskClient, pid: str, value: Any
) -> None:
    queries = {"a": {"query": "تبریز", "properties": [{"pid": pid, "v": value}]}}
    found = results(post_queries(client, queries))["a"]
    assert matched(found) == [CITY + "tabriz"]


def test_a_contradicting_property_drops_the_candidate(client: FlaskClient) -> None:
    queries = {
        "turkey": {"query": "Tabriz", "properties": [{"pid": "country", "v": "Turkey"}]},
        "qid": {"query": "Tabriz", "type": "city", "properties": [{"pid": "wikidata", "v": "Q1"}]},
        "several": {
            "query": "Tabriz",
            "properties": [{"pid": "country", "v": ["Turkey", "Iran"]}],
        },
    }
    found = results(post_queries(client, queries))
    assert CITY + "tabriz" not in [c["id"] for c in found["turkey"]]
    assert found["qid"] == []
    assert matched(found["several"]) == [CITY + "tabriz"]


def test_an_unverifiable_property_lowers_the_score_and_withholds_match(
    client: FlaskClient,
) -> None:
    # People have no country in the data: the constraint can be neither confirmed nor refuted.
    queries = {
        "a": {
            "query": "Yaser Pulaei",
            "type": "person",
            "properties": [{"pid": "country", "v": "Iran"}],
        }
    }
    found = results(post_queries(client, queries))["a"]
    assert found[0]["id"] == f"{BASE}id/person/yaser-pulaei"
    assert found[0]["score"] == 80
    assert matched(found) == []


def test_a_query_without_a_name_finds_entities_by_their_identifiers(client: FlaskClient) -> None:
    queries = {
        "qid": {"properties": [{"pid": "wikidata", "v": "Q80053"}]},
        "url": {"properties": [{"pid": "wikidata", "v": "http://www.wikidata.org/entity/Q900"}]},
        "geonames": {"properties": [{"pid": "geonames", "v": "https://sws.geonames.org/113646/"}]},
        "typed": {"type": "country", "properties": [{"pid": "wikidata", "v": "Q80053"}]},
        "country": {"properties": [{"pid": "country", "v": "Iran"}]},
        "nobody": {"properties": [{"pid": "wikidata", "v": "Q1"}]},
    }
    check_request("reconciliation-query-batch", queries)
    found = results(post_queries(client, queries))
    assert matched(found["qid"]) == [CITY + "tabriz"]
    assert matched(found["url"]) == [CITY + "kazan"]
    assert matched(found["geonames"]) == [CITY + "tabriz"]
    assert found["typed"] == found["country"] == found["nobody"] == []


def test_limit_caps_the_candidates(client: FlaskClient) -> None:
    found = results(post_queries(client, {"a": {"query": "شهرداری", "limit": 2}}))["a"]
    assert len(found) == 2


# ---------------------------------------------------------------- namesakes

NAMESAKES = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{BASE}graph/t> {{
  <{BASE}id/country/a> a schema:Country ; rdfs:label "Aland"@en, "آلند"@fa ;
    owl:sameAs <http://www.wikidata.org/entity/Q1001> .
  <{BASE}id/country/b> a schema:Country ; rdfs:label "Bland"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q1002> .
  <{BASE}id/city/springfield-a> rdfs:label "Springfield"@en, "اسپرینگفیلد"@fa ;
    schema:containedInPlace <{BASE}id/country/a> .
  <{BASE}id/city/springfield-b> rdfs:label "Springfield"@en ;
    schema:containedInPlace <{BASE}id/country/b> .
}}
"""


class UnionStore:
    """A pyoxigraph store whose default graph is the union of its graphs (as ours are)."""

    def __init__(self, trig: str) -> None:
        import pyoxigraph

        self.store = pyoxigraph.Store()
        self.store.load(trig.encode(), format=pyoxigraph.RdfFormat.TRIG)

    def query(self, sparql: str, **options: Any) -> Any:
        return self.store.query(sparql, use_default_graph_as_union=True, **options)


def test_namesakes_are_candidates_but_not_matches_until_a_property_decides() -> None:
    from citydip_ld.stores.reconciliation import parse_batch, reconcile_batch
    from citydip_ld.stores.search_index import build_search_index

    store = UnionStore(NAMESAKES)
    index = build_search_index(store, BASE)
    batch = {
        "plain": {"query": "springfield"},
        "in_b": {"query": "Springfield", "properties": [{"pid": "country", "v": "Bland"}]},
        "in_a_fa": {"query": "اسپرینگفیلد", "properties": [{"pid": "country", "v": "Q1001"}]},
        "in_a_by_name": {
            "query": "Springfield",
            "properties": [{"pid": "country", "v": "آلند"}],
        },
    }
    answer = reconcile_batch(index, store, BASE, parse_batch(json.dumps(batch), 10))
    plain = answer["plain"]["result"]
    assert sorted(c["id"] for c in plain) == [CITY + "springfield-a", CITY + "springfield-b"]
    assert all(c["score"] == 100 and not c["match"] for c in plain)
    assert matched(answer["in_b"]["result"]) == [CITY + "springfield-b"]
    assert matched(answer["in_a_fa"]["result"]) == [CITY + "springfield-a"]
    assert matched(answer["in_a_by_name"]["result"]) == [CITY + "springfield-a"]
    if not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("reconciliation-result-batch", answer) == []


def test_a_property_picks_one_of_many_namesakes_beyond_the_limit() -> None:
    from citydip_ld.stores.reconciliation import parse_batch, reconcile_batch
    from citydip_ld.stores.search_index import build_search_index

    many = "".join(
        f'<{BASE}id/city/lakewood-{n}> rdfs:label "Lakewood"@en ;'
        f" schema:containedInPlace <{BASE}id/country/b> .\n"
        for n in range(10)
    )
    trig = NAMESAKES.replace(
        "}\n",
        many + f'<{BASE}id/city/lakewood-z> rdfs:label "Lakewood"@en ;'
        f" schema:containedInPlace <{BASE}id/country/a> .\n}}\n",
    )
    store = UnionStore(trig)
    index = build_search_index(store, BASE)
    batch = {
        "plain": {"query": "Lakewood", "limit": 3},
        "in_a": {"query": "Lakewood", "limit": 3, "properties": [{"pid": "country", "v": "Aland"}]},
    }
    answer = reconcile_batch(index, store, BASE, parse_batch(json.dumps(batch), 10))
    assert len(answer["plain"]["result"]) == 3
    assert matched(answer["plain"]["result"]) == []
    assert [c["id"] for c in answer["in_a"]["result"]] == [CITY + "lakewood-z"]
    assert matched(answer["in_a"]["result"]) == [CITY + "lakewood-z"]


# ---------------------------------------------------------------- data extension


def test_data_extension_gives_every_property_in_the_specs_shapes(client: FlaskClient) -> None:
    tabriz, municipality = CITY + "tabriz", f"{BASE}id/organisation/tabriz-municipality"
    query = {
        "ids": [tabriz, municipality, "http://elsewhere.example/x"],
        "properties": [{"id": p} for p in ALL_PROPERTIES],
    }
    check_request("data-extension-query", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    if not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("data-extension-response", body) == []
    meta = {m["id"]: m for m in body["meta"]}
    assert list(meta) == ALL_PROPERTIES
    assert meta["country"]["type"]["id"] == "country"
    assert meta["partners"]["type"]["id"] == "city"
    row = body["rows"][tabriz]
    assert row["country"] == [{"id": f"{BASE}id/country/iran", "name": "Iran"}]
    assert row["wikidata"] == [{"str": "Q80053"}]
    assert row["geonames"] == [{"str": "113646"}]
    assert row["coordinates"] == [{"str": "38.08,46.2919"}]
    assert row["population"] == [{"int": 1424641}]
    assert {"id": CITY + "wuhan", "name": "Wuhan"} in row["partners"]
    assert len(row["partners"]) == 12
    assert body["rows"][municipality]["country"][0]["id"] == f"{BASE}id/country/iran"
    assert body["rows"][municipality]["population"] == []
    assert all(v == [] for v in body["rows"]["http://elsewhere.example/x"].values())


def test_data_extension_by_get_in_persian(client: FlaskClient) -> None:
    query = {"ids": [CITY + "kazan"], "properties": [{"id": "country"}, {"id": "partners"}]}
    response = client.get("/reconcile", query_string={"extend": json.dumps(query), "lang": "fa"})
    body = response.get_json()
    assert body["meta"][0]["name"] == "کشور"
    assert body["rows"][CITY + "kazan"]["country"][0]["name"] == "روسیه"
    assert body["rows"][CITY + "kazan"]["partners"] == [{"id": CITY + "tabriz", "name": "تبریز"}]


@needs_schemas
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=city", ALL_PROPERTIES),
        ("type=country", ["wikidata", "geonames"]),
        ("type=person", ["wikidata"]),
        ("type=city&limit=2", ["country", "wikidata"]),
        ("", ALL_PROPERTIES),
    ],
)
def test_properties_are_proposed_per_type(
    client: FlaskClient, query: str, expected: list[str]
) -> None:
    response = client.get(f"/reconcile/properties?{query}")
    body = response.get_json()
    assert schemas.errors("data-extension-property-proposal", body) == []
    assert [p["id"] for p in body["properties"]] == expected
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------- suggest


@needs_schemas
def test_suggest_entities_by_prefix_in_either_script_with_paging(client: FlaskClient) -> None:
    body = client.get("/reconcile/suggest/entity?prefix=tab").get_json()
    assert schemas.errors("suggest-entities-response", body) == []
    assert body["result"][0]["id"] == CITY + "tabriz"
    assert body["result"][0]["notable"] == [{"id": "city", "name": "City"}]
    persian = client.get("/reconcile/suggest/entity?prefix=تبري").get_json()
    assert persian["result"][0] == {
        "id": CITY + "tabriz",
        "name": "تبریز",
        "description": "Tabriz",
        "notable": [{"id": "city", "name": "شهر"}],
    }
    first = client.get("/reconcile/suggest/entity?prefix=شهرداری").get_json()["result"]
    second = client.get("/reconcile/suggest/entity?prefix=شهرداری&cursor=2").get_json()["result"]
    assert [r["id"] for r in second[:2]] == [r["id"] for r in first[2:4]]
    by_iri = client.get("/reconcile/suggest/entity", query_string={"prefix": CITY + "baku"})
    assert by_iri.get_json()["result"][0]["id"] == CITY + "baku"
    typed = client.get("/reconcile/suggest/entity?prefix=tab&type=organisation").get_json()
    assert {r["notable"][0]["id"] for r in typed["result"]} == {"organisation"}


@needs_schemas
def test_suggest_types_and_properties(client: FlaskClient) -> None:
    types = client.get("/reconcile/suggest/type?prefix=شه").get_json()
    assert schemas.errors("suggest-types-response", types) == []
    assert types["result"] == [{"id": "city", "name": "City"}]
    every = client.get("/reconcile/suggest/type?prefix=").get_json()["result"]
    assert [t["id"] for t in every] == ["city", "country", "organisation", "person"]
    props = client.get("/reconcile/suggest/property?prefix=pop&lang=fa").get_json()
    assert schemas.errors("suggest-properties-response", props) == []
    assert [(p["id"], p["name"]) for p in props["result"]] == [("population", "جمعیت")]


# ---------------------------------------------------------------- preview


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_preview_is_a_small_card_any_page_may_frame(client: FlaskClient, lang: str) -> None:
    response = client.get("/reconcile/preview", query_string={"id": CITY + "tabriz", "lang": lang})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    html = response.get_data(as_text=True)
    assert CITY + "tabriz" in html
    assert "<script" not in html and "style=" not in html and "<style" not in html
    if lang == "fa":
        assert 'dir="rtl"' in html and "ایران" in html and "۱۲" in html
    else:
        assert "Iran" in html and "Sister cities" in html and ">12<" in html


def test_the_preview_of_an_unknown_id_is_a_404(client: FlaskClient) -> None:
    response = client.get("/reconcile/preview?id=nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------- CORS and errors


@pytest.mark.parametrize(
    "path",
    [
        "/reconcile",
        "/reconcile/suggest/entity",
        "/reconcile/suggest/type",
        "/reconcile/suggest/property",
        "/reconcile/properties",
        "/reconcile/preview",
    ],
)
def test_every_endpoint_answers_a_cors_preflight(client: FlaskClient, path: str) -> None:
    response = client.options(
        path,
        headers={
            "Origin": "http://127.0.0.1:3333",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


@pytest.fixture()
def small_batch_app(dataset_dir: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(dataset_dir),
            "BASE": BASE,
            "RECONCILE_MAX_BATCH": 3,
        }
    )


BAD_REQUESTS = [
    ("queries", "{not json", "not valid JSON"),
    ("queries", "[1, 2]", "JSON object of queries"),
    ("queries", json.dumps({"a": "Tabriz"}), "must be an object"),
    ("queries", json.dumps({"a": {"limit": 3}}), "needs a non-empty `query`"),
    ("queries", json.dumps({"a": {"query": 5}}), "`query` must be a string"),
    ("queries", json.dumps({"a": {"query": "x" * 201}}), "longer than 200"),
    ("queries", json.dumps({"a": {"query": "x", "type": "planet"}}), "unknown type 'planet'"),
    ("queries", json.dumps({"a": {"query": "x", "type": [1]}}), "`type` must be"),
    ("queries", json.dumps({"a": {"query": "x", "limit": 0}}), "`limit` must be"),
    ("queries", json.dumps({"a": {"query": "x", "limit": "5"}}), "`limit` must be"),
    (
        "queries",
        json.dumps({"a": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}),
        "unknown property 'colour'",
    ),
    ("queries", json.dumps({"a": {"query": "x", "properties": [{"v": 1}]}}), "{pid, v}"),
    ("queries", json.dumps({k: {"query": k} for k in "abcd"}), "at most 3 a batch"),
    ("queries", "[" * 100000 + "]" * 100000, "not valid JSON"),
    ("queries", '{"a": {"query": "x", "limit": Infinity}}', "not valid JSON"),
    ("queries", '{"a": {"query": "x", "limit": 1e400}}', "`limit` must be"),
    ("queries", '{"a": {"query": "x", "limit": 2.5}}', "`limit` must be"),
    ("extend", "{}", "`ids` must be"),
    ("extend", json.dumps({"ids": ["a"], "properties": [{"id": "colour"}]}), "unknown property"),
    ("extend", json.dumps({"ids": list("abcd"), "properties": []}), "at most 3 at once"),
    ("extend", json.dumps({"ids": ["a"], "properties": "country"}), "`properties` must be"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD_REQUESTS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_client_mistakes_are_clear_400s(
    small_batch_app: Flask, name: str, value: str, says: str, method: str
) -> None:
    client = small_batch_app.test_client()
    if method == "GET":
        response = client.get("/reconcile", query_string={name: value})
    else:
        response = client.post("/reconcile", data={name: value})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert says in error["detail"]
    assert "Traceback" not in error["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/reconcile/suggest/entity?prefix=a&cursor=x",
        "/reconcile/suggest/entity?prefix=a&cursor=5000",
        "/reconcile/suggest/entity?prefix=a&type=planet",
        "/reconcile/suggest/type?prefix=" + "x" * 201,
        "/reconcile/properties?type=planet",
        "/reconcile/properties?type=city&limit=0",
        "/reconcile?queries=%7B%7D&extend=%7B%7D",
    ],
)
def test_bad_suggest_and_proposal_parameters_are_400s(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json()["error"]["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_jsonp_callback_is_ignored_the_answer_stays_json(client: FlaskClient) -> None:
    response = client.get("/reconcile?callback=alert")
    assert response.mimetype == "application/json"
    assert response.get_json()["versions"] == ["0.2"]
    suggest = client.get("/reconcile/suggest/entity?prefix=tab&callback=jQuery123_456")
    assert suggest.get_data(as_text=True).startswith("{")


# ---------------------------------------------------------------- over real HTTP


@pytest.fixture(scope="module")
def shipped_server(dataset_dir: Path) -> Iterator[str]:
    from web_support import live_server

    app = create_app({"DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as server:
        yield server.url


def test_an_openrefine_batch_over_http(shipped_server: str) -> None:
    import requests

    names = ["تبريز", "Kazan", "كربلا", "Tabriz", "ووهان"]
    queries = {f"q{n}": {"query": name, "type": "city", "limit": 3} for n, name in enumerate(names)}
    response = requests.post(
        f"{shipped_server}/reconcile",
        data={"queries": json.dumps(queries, ensure_ascii=False)},
        headers={"Origin": "http://127.0.0.1:3333"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    if not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("reconciliation-result-batch", body) == []
    slugs = ["tabriz", "kazan", "karbala", "tabriz", "wuhan"]
    assert [matched(body[f"q{n}"]["result"]) for n in range(5)] == [[CITY + s] for s in slugs]
    manifest = requests.get(f"{shipped_server}/reconcile", timeout=30).json()
    assert manifest["identifierSpace"] == f"{BASE}id/"


# ---------------------------------------------------------------- any JSON at all

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
QUERY_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "query": st.text(max_size=40) | JSON_VALUES,
        "type": st.sampled_from(["city", "country", "person", "planet"]) | JSON_VALUES,
        "limit": st.integers(-3, 50) | JSON_VALUES,
        "properties": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "pid": st.sampled_from(["country", "wikidata", "geonames", "population"])
                    | JSON_VALUES,
                    "v": JSON_VALUES,
                },
            ),
            max_size=3,
        ),
        "type_strict": JSON_VALUES,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.dictionaries(st.text(max_size=6), QUERY_LIKE, max_size=4) | JSON_VALUES)
def test_any_batch_is_answered_by_a_valid_result_or_a_400(client: FlaskClient, batch: Any) -> None:
    response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if response.status_code == 200 and not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("reconciliation-result-batch", response.get_json()) == []


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "ids": st.lists(st.sampled_from([CITY + "tabriz", "x", BASE + "id/"]) | JSON_VALUES),
            "properties": st.lists(
                st.fixed_dictionaries({"id": st.sampled_from(ALL_PROPERTIES) | JSON_VALUES})
                | JSON_VALUES,
                max_size=3,
            ),
        },
    )
    | JSON_VALUES
)
def test_any_extension_is_answered_by_a_valid_response_or_a_400(
    client: FlaskClient, query: Any
) -> None:
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200 and not shared_material.missing(schemas.SCHEMAS):
        assert schemas.errors("data-extension-response", response.get_json()) == []


def test_the_reconciliation_benchmark_runs_on_the_shipped_data(
    dataset_dir: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "reconcile.json"
    script = str(root / "benchmarks" / "reconcile.py")
    command = [sys.executable, script, "--dataset", str(dataset_dir), "--batches", "2"]
    done = subprocess.run(
        [*command, "--batch-size", "10", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["matched"] == "20 of 20"  # the shipped cities have no namesakes
    for kind in ("queries", "queries_with_country", "extend_all_properties"):
        assert report[kind]["median_ms"] > 0
