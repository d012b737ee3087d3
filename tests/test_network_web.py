"""The network on the web: `/network.json` (whole, a city's ego network, a country's part; clear
4xx for a bad request), the `/network` page with its no-JavaScript table and files, the ego
network on city pages, the files listed on the home page and described in VoID/DCAT, and the
same network read from every kind of store (embedded, store folder, remote)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from citydip_ld.rdf.network import read_network
from citydip_ld.rdf.network_files import graphml
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.store import open_store
from citydip_ld.web import create_app

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"


def get_json(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data: dict[str, Any] = response.get_json()
    return data


def test_the_json_has_every_city_and_twinning(client: FlaskClient) -> None:
    data = get_json(client, "/network.json")
    assert (len(data["nodes"]), len(data["edges"])) == (18, 12)
    tabriz = next(n for n in data["nodes"] if n["id"] == TABRIZ)
    assert tabriz == {
        "id": TABRIZ,
        "label": {"en": "Tabriz", "fa": "تبریز"},
        "country": f"{BASE}id/country/iran",
        "lat": 38.08,
        "long": 46.2919,
        "partners": 12,
        "twinnings": 12,
    }
    wuhan = next(e for e in data["edges"] if e["id"].endswith("/tabriz-wuhan"))
    assert wuhan["date"]["written"] == "1395-03"
    assert wuhan["date"]["firstDay"] == "2016-05-21"
    assert wuhan["articles"] == [f"{BASE}id/article/004_aa1ce6595c509616"]
    countries = {c["slug"]: c for c in data["countries"]}
    assert countries["turkey"]["cities"] == 4
    assert countries["turkey"]["label"] == {"en": "Turkey", "fa": "ترکیه"}
    assert len({c["colour"] for c in data["countries"]}) == 10  # ten countries, ten colours
    assert data["focus"] is None


def test_a_city_gives_its_ego_network_and_a_country_its_part(client: FlaskClient) -> None:
    ego = get_json(client, "/network.json?city=tabriz")
    assert (len(ego["nodes"]), len(ego["edges"]), ego["focus"]) == (13, 12, TABRIZ)
    wuhan = get_json(client, "/network.json?city=wuhan")
    assert sorted(n["label"]["en"] for n in wuhan["nodes"]) == ["Tabriz", "Wuhan"]
    turkey = get_json(client, "/network.json?country=turkey")
    assert len(turkey["nodes"]) == 5 and len(turkey["edges"]) == 4
    assert turkey["country"] == f"{BASE}id/country/turkey"
    # The legend's countries and colours do not change with the filter.
    assert turkey["countries"] == get_json(client, "/network.json")["countries"]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("city=nowhere", 404, "No city 'nowhere'"),
        ("country=atlantis", 404, "No country 'atlantis'"),
        ("city=tabriz&country=iran", 400, "not both"),
        ("city=..%2Fetc", 400, "must be a slug"),
        ("city=" + "x" * 300, 400, "must be a slug"),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    client: FlaskClient, query: str, status: int, words: str
) -> None:
    for path in (f"/network.json?{query}", f"/network?{query}"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == status, path
        assert words in response.get_json()["error"]["detail"]


def test_the_page_works_without_javascript(client: FlaskClient) -> None:
    html = client.get("/network?lang=fa").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert 'id="network-view" class="network-view" dir="ltr"' in html
    assert '<label for="network-country">کشور</label>' in html
    assert html.count("<tr data-iri=") == 18
    assert f'<tr data-iri="{TABRIZ}"><td><a href="/id/city/tabriz?lang=fa">' in html
    assert '<td class="num">۱۲</td>' in html  # Tabriz's partners, in Persian digits
    for name in ("network.graphml", "network-nodes.csv", "network-edges.csv"):
        assert f'href="/dumps/{name}"' in html
    assert "/vendor/cytoscape/dist/cytoscape.min.js" in html
    turkey = client.get("/network?country=turkey").get_data(as_text=True)
    assert turkey.count("<tr data-iri=") == 5
    assert '<option value="turkey" selected>' in turkey


def test_without_cytoscape_the_page_keeps_its_table_and_asks_for_no_script(
    dataset_dir: Path, tmp_path: Path
) -> None:
    app = create_app({"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE})
    app.config["VENDOR_DIR"] = str(tmp_path / "no-node-modules")
    client = app.test_client()
    for path in ("/network", "/doc/city/tabriz.html"):
        html = client.get(path).get_data(as_text=True)
        assert "/vendor/cytoscape" not in html and "network.js" not in html, path
    assert client.get("/network").get_data(as_text=True).count("<tr data-iri=") == 18


def test_city_pages_show_their_ego_network(client: FlaskClient) -> None:
    html = client.get("/doc/city/tabriz.html").get_data(as_text=True)
    assert '<section class="network-ego">' in html
    assert 'data-city="tabriz"' in html
    assert 'href="/network?city=tabriz">Open in the network view (12 partner cities)' in html
    assert "network-ego" not in client.get("/doc/city/tehran.html").get_data(as_text=True)
    assert "network-ego" not in client.get("/doc/country/iran.html").get_data(as_text=True)


def test_the_files_are_served_listed_and_described(client: FlaskClient, dataset_dir: Path) -> None:
    nodes = client.get("/dumps/network-nodes.csv")
    assert nodes.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert nodes.data == (dataset_dir / "network-nodes.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(nodes.get_data(as_text=True))))
    assert len(rows) == 18
    graph_file = client.get("/dumps/network.graphml")
    assert graph_file.headers["Content-Type"].startswith("application/graphml+xml")
    sums = client.get("/dumps/SHA256SUMS").get_data(as_text=True)
    assert "  network.graphml\n" in sums and "  network-edges.csv\n" in sums
    home = client.get("/").get_data(as_text=True)
    assert 'href="/dumps/network.graphml" type="application/graphml+xml"' in home
    void = Graph().parse(data=client.get("/.well-known/void.ttl").data, format="turtle")
    dataset = URIRef(f"{BASE}.well-known/void#dataset")
    for name, media_type in (
        ("network.graphml", "application/graphml+xml"),
        ("network-nodes.csv", "text/csv"),
        ("network-edges.csv", "text/csv"),
    ):
        url = URIRef(f"{BASE}dumps/{name}")
        dist = URIRef(f"{url}#distribution")
        assert (dataset, DCAT.distribution, dist) in void
        assert (dataset, VOID.dataDump, url) not in void  # not RDF
        assert (dist, DCAT.downloadURL, url) in void
        media = URIRef(f"https://www.iana.org/assignments/media-types/{media_type}")
        assert (dist, DCAT.mediaType, media) in void
        assert (dist, DCTERMS.conformsTo, None) in void
        descriptions = {d.language for d in void.objects(dist, DCTERMS.description)}
        assert descriptions == {"en", "fa"}
    assert (dataset, VOID.dataDump, URIRef(f"{BASE}dumps/dataset.nq")) in void
    assert (
        URIRef(f"{BASE}dumps/dataset.nq#distribution"),
        DCTERMS.title,
        Literal("dataset.nq"),
    ) in void


def test_a_store_folder_gives_the_same_network(dataset_dir: Path, tmp_path: Path) -> None:
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", base=BASE)
    from_folder = read_network(open_store(tmp_path / "store", workers=0), BASE)
    assert graphml(from_folder) == (dataset_dir / "network.graphml").read_bytes()


def test_a_remote_store_gives_the_same_network(dataset_dir: Path, tmp_path: Path) -> None:
    from remote_support import oxigraph_store
    from servers import oxigraph_binary

    try:
        oxigraph_binary()
    except RuntimeError as exc:  # the `oxigraph` server is a test extra
        pytest.skip(str(exc))
    from citydip_ld.stores.publish import publish_dataset

    with oxigraph_store(tmp_path / "oxigraph") as url:
        publish_dataset(dataset_dir, url)
        remote = read_network(open_store(f"{url}/query"), BASE)
    assert graphml(remote) == (dataset_dir / "network.graphml").read_bytes()


def test_the_network_is_read_once_per_store(app: Flask) -> None:
    from citydip_ld.web.context import get_network

    with app.app_context():
        assert get_network(BASE) is get_network(BASE)
