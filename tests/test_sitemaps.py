"""Crawlers find every resource page: `/robots.txt` names the sitemap index, `/sitemap.xml`
names one sitemap per 50,000 resources of each kind, and together those list the page of
every resource the list pages list, each once; the URLs are absolute, under the dataset's
base (never the request's `Host`), and lead to pages that answer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from citydip_ld.iris import KINDS
from citydip_ld.web import create_app, sitemaps
from citydip_ld.web.context import get_listing
from conftest import BASE

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ROOT = Path(__file__).resolve().parent.parent


def _locations(body: bytes, element: str) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == f"{SM}{element}"
    return [item.findtext(f"{SM}loc") or "" for item in root]


def _lastmods(body: bytes) -> set[str | None]:
    return {item.findtext(f"{SM}lastmod") for item in ET.fromstring(body)}


def _path(url: str, root: str = BASE) -> str:
    assert url.startswith(root), url
    return "/" + url[len(root) :]


def _listed(app: Flask, kind: str) -> list[str]:
    with app.app_context():
        listing = get_listing(BASE, kind)
        return listing.page(0, len(listing))


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_queries(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /sparql", "Disallow: /search", "Disallow: /reconcile"} <= set(lines)
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert not any(line in {"Disallow: /", "Disallow: /doc"} for line in lines)


def test_the_sitemaps_list_every_resource_page_once(app: Flask, client: FlaskClient) -> None:
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index.mimetype == "application/xml"
    listed = _locations(index.data, "sitemapindex")
    kinds_with_resources = [kind for kind in KINDS if _listed(app, kind)]
    assert [_path(url) for url in listed] == [f"/sitemaps/{k}-1.xml" for k in kinds_with_resources]
    assert len(kinds_with_resources) > 5
    for kind, url in zip(kinds_with_resources, listed, strict=True):
        response = client.get(_path(url))
        assert response.status_code == 200 and response.mimetype == "application/xml"
        pages = [_path(page) for page in _locations(response.data, "urlset")]
        slugs = [iri.removeprefix(f"{BASE}id/{kind}/") for iri in _listed(app, kind)]
        assert pages == [f"/doc/{kind}/{slug}" for slug in slugs], kind
    city_page = client.get("/doc/city/tabriz", headers={"Accept": "*/*"})
    assert city_page.status_code == 200 and city_page.mimetype == "text/html"
    assert f"{BASE}doc/city/tabriz" in client.get("/sitemaps/city-1.xml").text


def test_lastmod_is_the_release_date(dataset_dir: Path, client: FlaskClient) -> None:
    import datetime as dt

    written = (dataset_dir / "dataset.nq").stat().st_mtime  # what `Last-Modified` gives
    expected = dt.datetime.fromtimestamp(int(written), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _lastmods(client.get("/sitemap.xml").data) == {expected}
    assert _lastmods(client.get("/sitemaps/city-1.xml").data) == {expected}


def test_a_kind_beyond_one_sitemap_is_split(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitemaps, "SITEMAP_SIZE", 2)
    cities = _listed(app, "city")
    count = -(-len(cities) // 2)
    assert count >= 2
    named = [_path(url) for url in _locations(client.get("/sitemap.xml").data, "sitemapindex")]
    assert [u for u in named if "/city-" in u] == [
        f"/sitemaps/city-{n}.xml" for n in range(1, count + 1)
    ]
    pages = []
    for number in range(1, count + 1):
        pages += _locations(client.get(f"/sitemaps/city-{number}.xml").data, "urlset")
    assert [_path(page) for page in pages] == [
        f"/doc/city/{iri.removeprefix(f'{BASE}id/city/')}" for iri in cities
    ]
    assert client.get(f"/sitemaps/city-{count + 1}.xml").status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "city-0.xml",
        "city-01.xml",
        "nope-1.xml",
        "city-1.txt",
        "city.xml",
        "..%2Fcity-1.xml",
        "city-99999999999.xml",
        "x" * 500,
    ],
)
def test_a_sitemap_that_is_not_there_is_404(client: FlaskClient, name: str) -> None:
    response = client.get(f"/sitemaps/{name}")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_under_a_base_with_a_path_the_urls_keep_it(tmp_path: Path) -> None:
    from citydip_ld.rdf.output import build_directory

    base = "https://example.org/ld/"
    build_directory(ROOT / "data", tmp_path, base=base)
    app = create_app({"TESTING": True, "DATASET_DIR": str(tmp_path), "BASE": base})
    client = app.test_client()
    environ = {"SCRIPT_NAME": "/ld"}
    robots = client.get("/robots.txt", environ_overrides=environ).get_data(as_text=True)
    assert "Disallow: /ld/sparql" in robots and f"Sitemap: {base}sitemap.xml" in robots
    index = client.get("/sitemap.xml", environ_overrides=environ).data
    first = _locations(index, "sitemapindex")[0]
    assert first.startswith(f"{base}sitemaps/")
    sitemap = client.get(_path(first, base), environ_overrides=environ).data
    pages = _locations(sitemap, "urlset")
    assert pages and all(page.startswith(f"{base}doc/") for page in pages)


@pytest.mark.parametrize("path", ["/robots.txt", "/sitemap.xml", "/sitemaps/city-1.xml"])
def test_a_forged_host_changes_nothing_a_crawler_reads(client: FlaskClient, path: str) -> None:
    """The answers are cached per release and path, not per `Host`: a request naming another
    host must not leave URLs on that host for the crawlers after it."""
    forged = client.get(path, headers={"Host": "evil.example"})
    plain = client.get(path)
    assert forged.status_code == plain.status_code == 200
    assert forged.data == plain.data and b"evil.example" not in forged.data
    assert BASE.encode() in plain.data


def test_a_store_folder_has_the_same_sitemaps(published: Path, client: FlaskClient) -> None:
    store = create_app({"TESTING": True, "BASE": BASE, "STORE": str(published), "QUERY_WORKERS": 0})
    from_store = store.test_client()
    index = from_store.get("/sitemap.xml")
    named = _locations(index.data, "sitemapindex")
    assert [_path(u) for u in named] == [
        _path(u) for u in _locations(client.get("/sitemap.xml").data, "sitemapindex")
    ]
    for url in named:
        ours = _locations(from_store.get(_path(url)).data, "urlset")
        assert ours == _locations(client.get(_path(url)).data, "urlset"), url
