"""The maps: `stores/geography.py` on the shipped data and on hand-made quads, `/map.geojson`,
the map partial on the home and city pages (and its absence without the browser libraries),
and the `MAP_TILES` setting's narrow widening of the page policy."""

from __future__ import annotations

import gzip
import json
import pickle
import random
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from citydip_ld.stores.geography import (
    Geography,
    Place,
    Twinning,
    compute_geography,
    parse_wkt_point,
    prepare_geography,
)
from citydip_ld.stores.store import OxigraphStore, open_store
from citydip_ld.web import create_app
from citydip_ld.web.i18n import STRINGS
from citydip_ld.web.security_headers import HTML_POLICY, NON_HTML_POLICY, tiles_origin

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"
GEOJSON = "application/geo+json"
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
needs_node_modules = pytest.mark.skipif(
    not (NODE_MODULES / "leaflet" / "dist" / "leaflet.js").is_file(),
    reason="node_modules/ is missing (run `npm ci`)",
)


def _features(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in body["features"] if f["geometry"]["type"] == kind]


# ---------------------------------------------------------------- the core, no Flask


def test_the_shipped_data_puts_18_cities_and_tabriz_s_12_twinnings_on_the_map(
    dataset_dir: Path,
) -> None:
    geography = compute_geography(open_store(str(dataset_dir), workers=0), BASE)
    assert len(geography.located) == 18 == len(geography.places)
    assert len(geography.twinnings) == 12 == geography.lines
    tabriz = geography.places[TABRIZ]
    assert (tabriz.lat, tabriz.long) == (38.08, 46.2919)
    assert tabriz.labels == {"en": "Tabriz", "fa": "تبریز"}
    assert tabriz.country == f"{BASE}id/country/iran"
    assert tabriz.country_labels == {"en": "Iran", "fa": "ایران"}
    assert len(tabriz.partners) == 12
    assert geography.city_iri("tabriz") == geography.city_iri(TABRIZ) == TABRIZ
    assert geography.city_iri("iran") is None


def test_a_twinning_line_carries_its_date_as_written_and_its_gregorian_days(
    dataset_dir: Path,
) -> None:
    geography = compute_geography(open_store(str(dataset_dir), workers=0), BASE)
    around = geography.around(TABRIZ, lambda iri: "/" + iri[len(BASE) :])
    assert around["city"] == TABRIZ
    points, lines = _features(around, "Point"), _features(around, "LineString")
    assert (len(points), len(lines)) == (13, 12)
    assert points[0]["properties"]["iri"] == TABRIZ  # the city first
    assert points[0]["geometry"]["coordinates"] == [46.2919, 38.08]  # [long, lat]
    wuhan = next(f for f in lines if f["id"] == f"{BASE}id/twinning/tabriz-wuhan")
    assert wuhan["properties"]["date"] == {
        "value": "1395-03",
        "calendar": "jalali",
        "firstDay": "2016-05-21",
        "lastDay": "2016-06-20",
    }
    assert wuhan["properties"]["cities"] == [TABRIZ, f"{BASE}id/city/wuhan"]
    assert wuhan["properties"]["href"] == "/id/twinning/tabriz-wuhan"
    assert wuhan["geometry"]["coordinates"][0] == [46.2919, 38.08]


CD = f"{BASE}ontology#"
A, RDFS_LABEL = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
GEO, GEOSPARQL = "http://www.w3.org/2003/01/geo/wgs84_pos#", "http://www.opengis.net/ont/geosparql#"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
#: Three cities: a with a WKT point only, b with WGS84 lat/long, c with no coordinates;
#: twinnings a-b and a-c.
TRIPLES = [
    ("city/a", A, f"<{CD}City>"),
    ("city/a", RDFS_LABEL, '"A"@en'),
    ("city/a", f"{GEOSPARQL}hasGeometry", f"<{BASE}id/city/a#geometry>"),
    ("city/a#geometry", f"{GEOSPARQL}asWKT", f'"POINT(10.5 -20.25)"^^<{GEOSPARQL}wktLiteral>'),
    ("city/b", A, f"<{CD}City>"),
    ("city/b", f"{GEO}lat", f'"1.5"^^<{DECIMAL}>'),
    ("city/b", f"{GEO}long", f'"2.5"^^<{DECIMAL}>'),
    ("city/c", A, f"<{CD}City>"),
    ("twinning/a-b", A, f"<{CD}Twinning>"),
    ("twinning/a-b", f"{CD}partner", f"<{BASE}id/city/a>"),
    ("twinning/a-b", f"{CD}partner", f"<{BASE}id/city/b>"),
    ("twinning/a-c", A, f"<{CD}Twinning>"),
    ("twinning/a-c", f"{CD}partner", f"<{BASE}id/city/a>"),
    ("twinning/a-c", f"{CD}partner", f"<{BASE}id/city/c>"),
]
QUADS = "".join(f"<{BASE}id/{s}> <{p}> {o} <{BASE}graph/x> .\n" for s, p, o in TRIPLES)


def test_wkt_points_count_and_a_city_without_coordinates_is_a_partner_but_no_point() -> None:
    store = OxigraphStore.from_nquads(QUADS.encode())
    geography = compute_geography(store, BASE)
    a, b, c = (geography.places[f"{BASE}id/city/{n}"] for n in "abc")
    assert (a.lat, a.long) == (-20.25, 10.5)  # from the WKT point
    assert (b.lat, b.long) == (1.5, 2.5)
    assert not c.located and c.partners == {a.iri}
    assert len(a.partners) == 2
    network = geography.network(lambda iri: iri)
    assert [f["id"] for f in _features(network, "Point")] == [a.iri, b.iri]
    assert [f["id"] for f in _features(network, "LineString")] == [f"{BASE}id/twinning/a-b"]
    point_a = _features(network, "Point")[0]["properties"]
    assert point_a["partners"] == 2 and point_a["country"] is None
    assert point_a["labels"] == {"en": "A"}
    # C has no coordinates: its own map draws its located partner, no line.
    around = geography.around(c.iri, lambda iri: iri)
    assert [f["id"] for f in around["features"]] == [a.iri]


def _random_geography(cities: int, twinnings: int, seed: int) -> Geography:
    """A made-up network: `cities` cities, a tenth without coordinates, and `twinnings`
    twinnings between random pairs (some cities twinned often, most rarely)."""
    rng = random.Random(seed)
    places = {
        f"{BASE}id/city/c{i}": Place(f"{BASE}id/city/c{i}", {"en": f"C{i}"}) for i in range(cities)
    }
    for i, place in enumerate(places.values()):
        if i % 10:
            place.lat, place.long = rng.uniform(-80, 80), rng.uniform(-170, 170)
    iris = list(places)
    pairs = {
        tuple(sorted(rng.sample(iris[: rng.choice((20, cities))], 2))) for _ in range(twinnings)
    }
    # named at random, so that IRI order is not the order the pairs were drawn in
    lines = [Twinning(f"{BASE}id/twinning/t{rng.random()}", a, b) for a, b in pairs]
    for t in lines:
        places[t.a].partners.add(t.b)
        places[t.b].partners.add(t.a)
    return Geography(BASE, places, sorted(lines, key=lambda t: t.iri))


@pytest.mark.parametrize("top", [1, 5, 37, 150, 290])
def test_the_top_cities_map_draws_exactly_the_twinnings_among_them_in_iri_order(top: int) -> None:
    geography = _random_geography(330, 900, seed=top)
    drawn = geography.network(lambda iri: iri, top)
    kept = {p.iri for p in geography.most_twinned[:top]}
    assert [f["id"] for f in _features(drawn, "Point")] == sorted(kept)
    among = [t.iri for t in geography.twinnings if t.a in kept and t.b in kept]
    assert [f["id"] for f in _features(drawn, "LineString")] == among
    assert drawn["limited"] == {"cities": top, "of": len(geography.located)}


def test_a_prepared_geography_keeps_the_home_map_s_orders(tmp_path: Path) -> None:
    store = OxigraphStore.from_nquads(QUADS.encode())
    prepared = pickle.loads(pickle.dumps(prepare_geography(store, BASE)))
    assert {"located", "most_twinned", "lines"} <= vars(prepared).keys()  # not sorted again
    computed = compute_geography(store, BASE)
    assert prepared.most_twinned == computed.most_twinned
    assert prepared.lines == computed.lines == 1


def test_a_remote_store_gives_the_same_map(dataset_dir: Path, tmp_path: Path) -> None:
    """The geography is read with SPARQL alone: `oxigraph serve` holding the published build
    answers the same GeoJSON as the embedded store, and so does the web app on it."""
    from citydip_ld.stores.publish import publish_dataset
    from citydip_ld.stores.remote import RemoteSparqlStore
    from remote_support import oxigraph_store

    embedded = compute_geography(open_store(str(dataset_dir), workers=0), BASE)
    try:
        server = oxigraph_store(tmp_path / "oxigraph")
        url = server.__enter__()
    except RuntimeError as error:
        pytest.skip(str(error))
    try:
        publish_dataset(dataset_dir, url)
        remote = compute_geography(RemoteSparqlStore(f"{url}/query"), BASE)
        assert remote.network(str) == embedded.network(str)
        assert remote.around(TABRIZ, str) == embedded.around(TABRIZ, str)
        client = create_app({"TESTING": True, "STORE": f"{url}/query", "BASE": BASE}).test_client()
        body = client.get("/map.geojson?city=tabriz").get_json(force=True)
        assert (len(_features(body, "Point")), len(_features(body, "LineString"))) == (13, 12)
    finally:
        server.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POINT(46.2919 38.08)", (38.08, 46.2919)),
        (" point ( -1e1 +2.5 ) ", (2.5, -10.0)),
        ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(1 2)", (2.0, 1.0)),
        ("POINT(200 10)", None),
        ("POINT(1)", None),
        ("LINESTRING(1 2, 3 4)", None),
        ("POINT(1..2 3)", None),
    ],
)
def test_wkt_points_are_read_and_anything_else_refused(
    text: str, expected: tuple[float, float] | None
) -> None:
    assert parse_wkt_point(text) == expected


# ---------------------------------------------------------------- /map.geojson


def test_the_network_geojson(client: FlaskClient) -> None:
    response = client.get("/map.geojson")
    assert response.status_code == 200
    assert response.mimetype == GEOJSON
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Security-Policy"] == NON_HTML_POLICY
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert (len(_features(body, "Point")), len(_features(body, "LineString"))) == (18, 12)
    tabriz = next(f for f in body["features"] if f["id"] == TABRIZ)
    assert tabriz["properties"] == {
        "kind": "city",
        "iri": TABRIZ,
        "href": "/id/city/tabriz",
        "labels": {"en": "Tabriz", "fa": "تبریز"},
        "country": {"iri": f"{BASE}id/country/iran", "labels": {"en": "Iran", "fa": "ایران"}},
        "partners": 12,
    }
    assert "تبریز".encode() in response.data  # Persian kept as UTF-8, not escaped
    assert "Content-Encoding" not in response.headers  # the client did not ask for gzip
    assert "Accept-Encoding" in response.headers["Vary"]
    again = client.get("/map.geojson", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.head("/map.geojson").status_code == 200


def test_the_network_is_sent_gzipped_to_clients_that_accept_it(client: FlaskClient) -> None:
    plain = client.get("/map.geojson")
    response = client.get("/map.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain.data
    assert response.headers["ETag"] != plain.headers["ETag"]  # another representation
    again = client.get(
        "/map.geojson",
        headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    refused = client.get("/map.geojson", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


@pytest.mark.parametrize("city", ["tabriz", TABRIZ])
def test_one_city_and_its_partners(client: FlaskClient, city: str) -> None:
    response = client.get("/map.geojson", query_string={"city": city})
    assert response.status_code == 200 and response.mimetype == GEOJSON
    body = json.loads(response.data)
    assert body["city"] == TABRIZ
    points = _features(body, "Point")
    assert len(points) == 13 and points[0]["id"] == TABRIZ
    assert len(_features(body, "LineString")) == 12


def test_a_partner_s_map_has_one_line_back(client: FlaskClient) -> None:
    body = client.get("/map.geojson?city=wuhan").get_json(force=True)
    assert [f["id"] for f in _features(body, "Point")] == [f"{BASE}id/city/wuhan", TABRIZ]
    assert len(_features(body, "LineString")) == 1


def test_top_keeps_the_most_twinned_cities_and_the_twinnings_among_them(
    client: FlaskClient,
) -> None:
    body = client.get("/map.geojson?top=5").get_json(force=True)
    assert body["limited"] == {"cities": 5, "of": 18}
    cities = {f["id"].rsplit("/", 1)[1] for f in _features(body, "Point")}
    assert cities == {"tabriz", "baku", "erzurum", "ganja", "gaza"}  # 12, then 1 each by IRI
    assert len(_features(body, "LineString")) == 4  # Tabriz to each of the four
    whole = client.get("/map.geojson?top=18").get_json(force=True)
    assert "limited" not in whole and len(whole["features"]) == 30


@pytest.mark.parametrize(
    "query", ["top=0", "top=abc", "top=-1", "top=99999", "top=%D9%A1", "city=tabriz&top=3"]
)
def test_a_bad_top_is_a_client_error(client: FlaskClient, query: str) -> None:
    response = client.get(f"/map.geojson?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["detail"]


@needs_node_modules
def test_the_home_map_draws_the_most_twinned_cities_beyond_its_limit(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydip_ld.web import maps

    monkeypatch.setattr(maps, "HOME_CITIES", 5)
    html = client.get("/").get_data(as_text=True)
    assert 'data-geojson="/map.geojson?top=5"' in html
    assert "The 5 most twinned of the 18 cities with coordinates" in html
    body = client.get("/map.geojson?top=5").get_json(force=True)
    assert body["limited"] == {"cities": 5, "of": 18}
    assert "limited" not in client.get("/map.geojson").get_json(force=True)


@pytest.mark.parametrize(
    ("city", "status"),
    [
        ("nowhere", 404),
        (f"{BASE}id/country/iran", 404),
        ("http://elsewhere.example/id/city/tabriz", 404),
        ("", 400),
        ("a b", 400),
        ("<tabriz>", 400),
        ("x" * 3000, 400),
    ],
)
def test_a_bad_city_is_a_client_error_with_the_one_body_shape(
    client: FlaskClient, city: str, status: int
) -> None:
    response = client.get("/map.geojson", query_string={"city": city})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and error["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------- the pages


@needs_node_modules
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_home_page_maps_the_whole_network(client: FlaskClient, lang: str) -> None:
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert 'class="map-section" role="region"' in html
    assert 'data-geojson="/map.geojson"' in html
    assert 'class="map-canvas" dir="ltr"' in html
    assert "/vendor/leaflet/dist/leaflet.js?v=" in html
    assert "/vendor/world-atlas/countries-110m.json?v=" in html  # the world at a glance
    assert "/static/map.js" in html
    assert html.count('<li><a href="/id/city/') == 18
    assert STRINGS["map_network_label"][lang] in html
    assert 'data-tiles="' not in html


@needs_node_modules
def test_a_city_page_maps_the_city_and_its_partners(client: FlaskClient) -> None:
    html = client.get("/doc/city/tabriz.html?lang=fa").get_data(as_text=True)
    assert 'data-geojson="/map.geojson?city=tabriz"' in html
    assert f'data-focus="{TABRIZ}"' in html
    assert 'aria-label="نقشه تبریز و شهرهای خواهرخوانده آن"' in html
    assert 'data-link-suffix="?lang=fa"' in html
    assert "/vendor/world-atlas/countries-50m.json?v=" in html  # finer outlines up close
    assert html.count('<a href="/id/city/') >= 13
    assert "۱۲ خواهرخوانده" in html  # Tabriz's partners, Persian digits


def test_other_pages_and_cities_without_coordinates_have_no_map(
    client: FlaskClient, mini_client: FlaskClient
) -> None:
    assert "map-section" not in client.get("/doc/country/iran.html").get_data(as_text=True)
    assert "map-section" not in client.get("/doc/city/").get_data(as_text=True)
    # The mini dataset's cities have no coordinates: no map, nothing requested for one.
    for path in ("/", "/doc/city/tabriz.html"):
        html = mini_client.get(path).get_data(as_text=True)
        assert "map-section" not in html and "leaflet" not in html and "map.js" not in html


def test_without_the_browser_libraries_pages_show_no_map(dataset_dir: Path, tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, "VENDOR_DIR": tmp_path}
    )
    client = app.test_client()
    for path in ("/", "/doc/city/tabriz.html", "/?lang=fa"):
        html = client.get(path).get_data(as_text=True)
        assert "map-section" not in html and "/vendor/" not in html.replace('href="/vendor/">', "")
        assert "map.js" not in html
    assert "Wuhan" in client.get("/doc/city/tabriz.html").get_data(as_text=True)
    assert client.get("/map.geojson").status_code == 200  # the data is still served


# ---------------------------------------------------------------- MAP_TILES and the policy

TILES = "https://{s}.tile.example.org/{z}/{x}/{y}.png"


def test_the_default_policy_allows_images_from_the_site_alone(client: FlaskClient) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert policy == HTML_POLICY
    assert "img-src 'self';" in policy


@needs_node_modules
def test_map_tiles_allow_that_origin_alone_and_the_map_draws_them(dataset_dir: Path) -> None:
    attribution = '&copy; <a href="https://example.org/">Example</a>'
    app = create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(dataset_dir),
            "BASE": BASE,
            "MAP_TILES": TILES,
            "MAP_TILES_ATTRIBUTION": attribution,
        }
    )
    client = app.test_client()
    response = client.get("/doc/city/tabriz.html")
    directives = dict(
        d.split(" ", 1) for d in response.headers["Content-Security-Policy"].split("; ")
    )
    # The tile server's origin, and data: for the empty image Leaflet puts in a cancelled tile.
    assert directives["img-src"] == "'self' https://*.tile.example.org data:"
    for name in ("script-src", "style-src", "connect-src", "form-action"):
        assert directives[name] == "'self'", name
    html = response.get_data(as_text=True)
    assert f'data-tiles="{TILES}"' in html
    assert 'data-tiles-attribution="&amp;copy; &lt;a href=' in html  # escaped in the attribute
    other = client.get("/map.geojson").headers["Content-Security-Policy"]
    assert other == NON_HTML_POLICY


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        (TILES, "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png?key=1", "http://127.0.0.1:8080"),
        ("https://Tiles.Example.org/{z}/{y}/{x}", "https://tiles.example.org"),
    ],
)
def test_the_tile_origin(template: str, origin: str) -> None:
    assert tiles_origin(template) == origin


@pytest.mark.parametrize(
    "template",
    [
        "ftp://tile.example.org/{z}/{x}/{y}.png",
        "https://tile.example.org/tiles.png",
        "https://{z}.example.org/{z}/{x}/{y}",
        "https://user@tile.example.org/{z}/{x}/{y}",
        "https://tile.example.org; script-src *;/{z}/{x}/{y}",
        "//tile.example.org/{z}/{x}/{y}",
        "https://*/{z}/{x}/{y}",
    ],
)
def test_a_bad_tile_template_is_refused_when_the_app_is_made(
    dataset_dir: Path, template: str
) -> None:
    with pytest.raises(ValueError, match="MAP_TILES"):
        create_app({"DATASET_DIR": str(dataset_dir), "MAP_TILES": template})


def test_every_map_string_is_in_both_languages() -> None:
    keys = [key for key in STRINGS if key.startswith("map_")]
    assert len(keys) >= 15
    for key in keys:
        assert STRINGS[key]["en"] and STRINGS[key]["fa"], key
