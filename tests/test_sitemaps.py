"""Crawlers find every resource page: `/robots.txt` names the sitemap index, `/sitemap.xml`
names one sitemap per 50,000 resources of each kind, and together those list the page of
every resource the list pages list, each once; the URLs are absolute, on the host and mount
point the request came to, and lead to pages that answer."""

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


def _locations(body: bytes, element: str) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == f"{SM}{element}"
    return [item.findtext(f"{SM}loc") or "" for item in root]


def _lastmods(body: bytes) -> set[str | None]:
    return {item.findtext(f"{SM}lastmod") for item in ET.fromstring(body)}


def _path(url: str, root: str = "http://localhost/") -> str:
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
    assert "Sitemap: http://localhost/sitemap.xml" in lines
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
    assert "http://localhost/doc/city/tabriz" in client.get("/sitemaps/city-1.xml").text


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


def test_under_a_mount_point_the_urls_keep_it(client: FlaskClient) -> None:
    environ = {"SCRIPT_NAME": "/ld"}
    robots = client.get("/robots.txt", environ_overrides=environ).get_data(as_text=True)
    assert "Disallow: /ld/sparql" in robots and "Sitemap: http://localhost/ld/sitemap.xml" in robots
    index = client.get("/sitemap.xml", environ_overrides=environ).data
    first = _locations(index, "sitemapindex")[0]
    assert first.startswith("http://localhost/ld/sitemaps/")
    pages = _locations(
        client.get(_path(first, "http://localhost/ld/"), environ_overrides=environ).data, "urlset"
    )
    assert pages and all(page.startswith("http://localhost/ld/doc/") for page in pages)


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
