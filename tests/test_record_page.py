"""A resource's HTML page by index lookups (`stores/record_page.py`) is byte for byte the page of
the generic route (the SPARQL queries a remote store answers), for every resource of the
shipped data, of the minimal facts and of the mini dataset, in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from citydip_ld.rdf.output import Layout, build_directory
from citydip_ld.stores import describe, index_description
from citydip_ld.stores.record_page import RecordPage
from citydip_ld.web import create_app, pages
from citydip_ld.web.context import get_store
from citydip_ld.web.resources import FORMATS, alternates
from citydip_ld.web.view import Builder, Link, ResourceView, Text, link_html, value_html
from conftest import BASE, ROOT


@pytest.fixture(scope="module")
def minimal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("facts-minimal")
    data = ROOT / "tests" / "data" / "facts-minimal"
    build_directory(data, out, base=BASE, layout=Layout(data, ROOT / "ontology", ROOT / "shapes"))
    return out


def _resources(app: Flask) -> list[str]:
    with app.app_context():
        rows = get_store().query(
            f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}
            ORDER BY ?s"""
        )
        return [str(row["s"].value) for row in rows]


def _both_routes(app: Flask, iri: str, lang: str) -> tuple[str, str]:
    """The page of `iri` by both routes; `lang` "" asks in Persian by Accept-Language (links
    then carry no `?lang=`)."""
    path = "/doc/" + iri[len(f"{BASE}id/") :]
    query = f"?lang={lang}" if lang else ""
    with app.test_request_context(f"{path}{query}", headers={"Accept-Language": "fa"}):
        alts = alternates(path, FORMATS)
        description = describe.describe(get_store(), iri)
        old = pages.render_resource(
            iri, description.quads, alts, more_incoming=description.more_incoming
        )
        page = pages.record_page(iri)
        assert isinstance(page, RecordPage) and page
        return old, pages.render_resource(iri, page, alts)


def _apps(dataset_dir: Path, minimal_dir: Path, mini_dataset_dir: Path) -> Iterator[Flask]:
    for directory in (dataset_dir, minimal_dir, mini_dataset_dir):
        yield create_app(
            {"TESTING": True, "DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 0}
        )


def test_every_page_is_the_same_by_both_routes(
    dataset_dir: Path, minimal_dir: Path, mini_dataset_dir: Path
) -> None:
    compared = 0
    for app in _apps(dataset_dir, minimal_dir, mini_dataset_dir):
        resources = _resources(app)
        assert resources
        for iri in resources:
            for lang in ("en", "fa", ""):
                old, new = _both_routes(app, iri, lang)
                assert new == old, (iri, lang)
                compared += 1
    assert compared > 300


def _links(view: ResourceView) -> Iterator[Link | Text]:
    yield from view.types
    for prop, values in view.outgoing:
        yield prop
        yield from values
    for subject, prop in view.incoming:
        yield from (subject, prop)
    for fact in view.facts:
        yield fact.fact
        yield from fact.types
        yield from (source.article for source in fact.sources)


def test_links_written_in_python_are_the_macros(app: Flask) -> None:
    """`view.link_html` and `value_html` (used by resource.html) write what the `link` and
    `value` macros of _macros.html (used by the other pages) write."""
    macro = '{% from "_macros.html" import link, value with context %}{{ value(v) }}'
    seen = 0
    for iri in _resources(app):
        for lang in ("en", "fa"):
            with app.test_request_context(f"/?lang={lang}"):
                page = pages.record_page(iri)
                assert page is not None
                view = Builder([], BASE, pages.local_href, page.triples).resource(iri)
                for item in _links(view):
                    expected = render_template_string(macro, v=item)
                    assert value_html(item, lang) == expected
                    if isinstance(item, Link):
                        assert link_html(item, lang) == expected
                    seen += 1
    assert seen > 1000


def test_the_served_page_is_the_generic_routes(app: Flask) -> None:
    iri = f"{BASE}id/city/tabriz"
    old, _new = _both_routes(app, iri, "fa")
    served = app.test_client().get("/doc/city/tabriz?lang=fa", headers={"Accept": "text/html"})
    assert served.status_code == 200
    assert served.get_data(as_text=True) == old
    assert "twinning" in old  # a page with facts of records linking to it


def test_an_unknown_resource_has_no_page(app: Flask) -> None:
    with app.test_request_context("/doc/city/nowhere"):
        page = pages.record_page(f"{BASE}id/city/nowhere")
        assert isinstance(page, RecordPage) and not page
    missing = app.test_client().get("/doc/city/nowhere", headers={"Accept": "text/html"})
    assert missing.status_code == 404


def test_a_hub_page_with_its_first_incoming_links_is_the_same(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_description, "MAX_INCOMING", 3)
    for lang in ("en", "fa"):
        old, new = _both_routes(app, f"{BASE}id/country/iran", lang)
        assert new == old
        assert "The first 3 links are shown." in new or "۳" in new


def test_pages_of_a_republished_folder_name_its_labels(dataset_dir: Path, tmp_path: Path) -> None:
    """The labels pages keep from one to the next (`record_page.pages_memo`) are those of
    the live generation: Wuhan's page names Tabriz as the latest publication does."""
    from citydip_ld.stores.disk_publish import write_store_dir
    from test_regress_memo_per_generation import renamed_tabriz

    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    config = {"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0}
    app = create_app({**config, "DATASET_DIR": str(dataset_dir), "RESPONSE_CACHE_BYTES": 0})
    client = app.test_client()
    before = client.get("/doc/city/wuhan", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<bdi lang="en" dir="ltr">Tabriz</bdi>' in before
    renamed = renamed_tabriz(dataset_dir, tmp_path / "renamed", "Tebrizx")
    write_store_dir([renamed / "dataset.nq"], folder, BASE)
    after = client.get("/doc/city/wuhan", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<bdi lang="en" dir="ltr">Tebrizx</bdi>' in after
    assert '<bdi lang="en" dir="ltr">Tabriz</bdi>' not in after
