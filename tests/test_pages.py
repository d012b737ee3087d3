"""The bilingual HTML pages: resource, home, lists, ontology and query pages."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from citydip_ld import web
from citydip_ld.stores import describe, index_description, record_page
from citydip_ld.stores.describe import Quad
from citydip_ld.stores.record_page import IndexedStore
from citydip_ld.stores.statistics import DatasetStatistics
from citydip_ld.stores.store import Store
from citydip_ld.web import context, resources
from citydip_ld.web.response_cache import get_response_cache
from citydip_ld.web.view import to_jalali


def page(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_city_page_shows_both_labels_with_direction(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/city/tabriz.html")
    assert '<span class="label label-fa" lang="fa" dir="rtl"><bdi>تبریز</bdi></span>' in html
    assert '<span class="label label-en" lang="en" dir="ltr"><bdi>Tabriz</bdi></span>' in html
    assert (
        '<p class="description" lang="fa" dir="rtl"><bdi>شهری در شمال غرب ایران.</bdi></p>' in html
    )
    assert "http://localhost:5000/id/city/tabriz" in html


def test_city_page_links_wikidata_and_neighbours(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/city/tabriz.html")
    assert 'href="http://www.wikidata.org/entity/Q80053"' in html
    # Outgoing link with the linked resource's label; incoming link from the twinning.
    assert 'href="/id/country/iran"' in html and ">Iran</bdi>" in html
    assert 'href="/id/twinning/tabriz-wuhan"' in html
    assert ">Tabriz – Wuhan</bdi>" in html


def test_city_page_shows_each_fact_with_source_date_and_quote(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/city/tabriz.html")
    fact = html[html.index('data-iri="http://localhost:5000/id/twinning/tabriz-wuhan"') :]
    fact = fact[: fact.index("</li>")]
    assert 'href="/id/article/004_aa1ce6595c509616"' in fact
    assert "Sister-cityhood: the transition to city diplomacy" in fact
    assert '<blockquote class="quotation" lang="fa" dir="rtl"><bdi>ووهان چین،' in fact
    # Jalali as recorded, as printed, and the Gregorian interval.
    assert "1395-03" in fact
    assert "خرداد ۱۳۹۵" in fact
    assert "2016-05-21 – 2016-06-20" in fact
    assert "2021-02-13" in fact  # the article's publication date


def test_day_dates_show_jalali_and_gregorian(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/twinning/tabriz-istanbul.html")
    assert "1387-02-10" in html and "2008-04-29" in html


def test_jalali_is_computed_when_only_gregorian_is_recorded() -> None:
    assert to_jalali("2016-05-21") == "1395-03-01"
    assert to_jalali("2016-05-21", "2016-06-20") == "1395-03-01 – 1395-03-31"
    assert to_jalali("not a date") is None


def test_interface_language_from_query_or_accept_language(mini_client: FlaskClient) -> None:
    english = page(mini_client, "/doc/city/tabriz.html")
    assert '<html lang="en" dir="ltr">' in english
    assert "Facts and their sources" in english
    persian = page(mini_client, "/doc/city/tabriz.html?lang=fa")
    assert '<html lang="fa" dir="rtl">' in persian
    assert "واقعیت‌ها و منابع آن‌ها" in persian
    # Links keep the chosen language.
    assert 'href="/id/country/iran?lang=fa"' in persian
    negotiated = page(mini_client, "/doc/city/tabriz.html", **{"Accept-Language": "fa-IR,fa"})
    assert '<html lang="fa" dir="rtl">' in negotiated
    response = mini_client.get("/doc/city/tabriz.html", headers={"Accept-Language": "fa"})
    assert "Accept-Language" in response.headers["Vary"]


def test_language_specific_pages_have_different_etags(mini_client: FlaskClient) -> None:
    en = mini_client.get("/doc/city/tabriz.html?lang=en").headers["ETag"]
    fa = mini_client.get("/doc/city/tabriz.html?lang=fa").headers["ETag"]
    assert en != fa


def test_everything_is_escaped(mini_client: FlaskClient) -> None:
    response = mini_client.get(
        "/doc/city/tabriz.html?lang=<script>alert(1)</script>", headers={"Accept": "text/html"}
    )
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    missing = mini_client.get('/id/city/"><img src=x>', headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert "<img src=x>" not in missing.get_data(as_text=True)


def test_html_page_links_its_alternates(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/city/tabriz.html")
    assert '<link rel="alternate" type="text/turtle" href="/doc/city/tabriz.ttl">' in html
    assert 'href="/doc/city/tabriz.jsonld"' in html


def test_home_page_counts_entry_points_dumps_and_endpoint(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/")
    assert '<span class="count" data-kind="city">3</span>' in html
    assert '<span class="count" data-kind="twinning">2</span>' in html
    assert "<strong>130</strong>" in html
    assert 'href="/doc/city/"' in html
    assert 'href="/dumps/dataset.nq"' in html
    assert re.search(r'<code class="hash" dir="ltr">[0-9a-f]{64}</code>', html)
    assert 'href="/sparql"' in html and 'href="/query"' in html
    assert 'href="/.well-known/void"' in html


def test_list_page(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/doc/city/")
    for slug, label in [("tabriz", "Tabriz"), ("wuhan", "Wuhan"), ("istanbul", "Istanbul")]:
        assert f'href="/id/city/{slug}"' in html
        assert f">{label}</bdi>" in html
    assert "(3)" in html


def test_persian_pages_write_numbers_with_persian_digits(client: FlaskClient) -> None:
    english = page(client, "/")
    persian = page(client, "/?lang=fa")
    assert '<span class="count" data-kind="city">18</span>' in english
    assert '<span class="count" data-kind="city">۱۸</span>' in persian
    assert "(۱۸)" in page(client, "/doc/city/?lang=fa")
    tabriz = page(client, "/doc/city/tabriz?lang=fa", Accept="text/html")
    assert '<dd class="jalali"><bdi dir="ltr">۱۳۹۵-۰۳</bdi>' in tabriz  # Tabriz-Wuhan
    assert '<bdi dir="ltr">1395-03</bdi>' in page(client, "/doc/city/tabriz", Accept="text/html")
    assert 'href="/id/city/wuhan?lang=fa"' in tabriz  # IRIs and links keep their digits


def test_list_pages_through_a_long_list_in_label_order(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "LIST_PAGE_SIZE", 5)  # 18 cities: pages of 5, 5, 5, 3
    seen: list[str] = []
    for number, size in ((1, 5), (2, 5), (3, 5), (4, 3)):
        response = client.get(f"/doc/city/?page={number}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f"Page {number} of 4" in html and "(18)" in html
        hrefs = re.findall(r'<li><a href="/id/city/([^"#]+)"', html)
        assert len(hrefs) == size
        seen += hrefs
        links = response.headers.getlist("Link")
        assert (f'</doc/city/?page={number + 1}>; rel="next"' in links) == (number < 4)
        assert (f'</doc/city/?page={number - 1}>; rel="prev"' in links) == (number > 1)
    assert len(set(seen)) == 18
    assert seen.index("baku") < seen.index("tabriz") < seen.index("wuhan")  # English labels
    assert client.get("/doc/city/?page=5").status_code == 404
    for bad in ("0", "-1", "two", "9" * 40):
        answer = client.get(f"/doc/city/?page={bad}")
        assert answer.status_code == 400
        assert "page must be a positive whole number" in answer.get_data(as_text=True)


def test_home_page_counts_once_and_reuses_the_figures(
    mini_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = context.compute_statistics

    def counting(store: Store, base: str) -> DatasetStatistics:
        calls.append(base)
        return real(store, base)

    monkeypatch.setattr(context, "compute_statistics", counting)
    client = mini_app.test_client()
    for path in ("/", "/?lang=fa", "/.well-known/void", "/doc/city/", "/"):
        assert client.get(path).status_code == 200
    assert len(calls) == 1


def test_shapes_page_documents_each_shape_its_constraints_and_messages(
    client: FlaskClient,
) -> None:
    html = page(client, "/shapes", Accept="text/html")
    city = html[html.index('<section class="shape" id="CityShape">') :]
    city = city[: city.index("</section>")]
    assert '<code dir="ltr">sh:targetClass cd:City</code>' in city
    assert '<a href="#WikidataLink"><code dir="ltr">shape:WikidataLink</code></a>' in city
    assert '<code dir="ltr">sh:class cd:Country</code>' in city
    assert "a city lies in exactly one known country (`country:`)" in city
    assert '<div class="fa" lang="fa" dir="rtl"><bdi>هر شهر دقیقاً در یک کشور' in city
    date = html[html.index('id="DateShape"') :]
    assert "sh:or ( [ sh:minCount 1 ; sh:path time:inXSDDate ] [ sh:and (" in date
    assert "sh:lessThanOrEquals cd:lastDay" in date
    assert 'id="property-shapes"' in html and 'id="BilingualLabel"' in html
    assert 'href="/shapes.ttl"' in html  # the RDF stays one click away
    persian = page(client, "/shapes?lang=fa", Accept="text/html")
    assert '<html lang="fa" dir="rtl">' in persian and "پیام در صورت نقض" in persian


def test_ontology_page_documents_classes_and_properties(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/ontology", Accept="text/html")
    classes = html[html.index('id="classes"') : html.index('id="properties"')]
    assert '<tr id="City">' in classes and '<tr id="Twinning">' in classes
    assert '<div class="fa" lang="fa" dir="rtl"><bdi>شهر</bdi></div>' in classes
    properties = html[html.index('id="properties"') :]
    assert '<tr id="partner">' in properties
    assert "One of the two cities of a twinning." in properties
    assert '<tr id="City">' not in properties


def test_query_page_has_the_competency_questions(mini_client: FlaskClient) -> None:
    html = page(mini_client, "/query")
    for key in (
        "tabriz-sister-cities",
        "creative-cities",
        "mashhad-2018-speakers",
        "tabriz-wuhan-source",
    ):
        assert f'<option value="{key}">' in html
        assert f'id="example-{key}"' in html
    assert 'src="/static/query.js"' in html
    assert "PREFIX cd: &lt;http://localhost:5000/ontology#&gt;" in html
    assert "cdn" not in html.lower()


def test_static_assets_are_served(mini_client: FlaskClient) -> None:
    js = mini_client.get("/static/query.js")
    assert js.status_code == 200
    assert b"application/sparql-results+json" in js.data
    js.close()
    css = mini_client.get("/static/style.css")
    assert b"Noto Sans Arabic" in css.data
    css.close()


def test_facts_on_a_page_come_dated_and_newest_first(client: FlaskClient) -> None:
    page = client.get("/doc/city/tabriz", headers={"Accept": "text/html"}).get_data(as_text=True)
    wuhan = page.index("Tabriz – Wuhan")  # agreed Khordad 1395 (2016)
    gaza = page.index("Tabriz – Gaza City")  # 1387 (2008)
    baku = page.index("Tabriz – Baku")  # undated
    istanbul = page.index("Tabriz – Istanbul")  # undated
    assert wuhan < gaza < baku < istanbul


def test_a_page_describes_the_records_linking_to_it_not_the_articles_mentioning_it(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    described: list[str] = []
    real = record_page.closure

    def spy(store: IndexedStore, iri: str) -> list[Quad]:
        if not iri.endswith("/city/tabriz"):
            described.append(iri)
        return real(store, iri)

    # the page's own route reads each record's closure (tests/test_record_page.py: the same
    # page as the generic route's `describe_many`)
    monkeypatch.setattr(record_page, "closure", spy)
    html = client.get("/doc/city/tabriz", headers={"Accept": "text/html"}).get_data(as_text=True)

    assert described and all("/id/article/" not in iri for iri in described)
    # Tabriz's twelve sister cities and its four programmes (article 004), each a fact
    assert len([iri for iri in described if "/id/twinning/" in iri]) == 12
    assert len([iri for iri in described if "/id/programme/" in iri]) == 4
    assert len(described) == 16
    assert 'href="/id/article/' in html  # the articles are still linked, as sources
    assert "Tabriz – Wuhan" in html


def test_a_hub_keeps_its_first_incoming_links_and_links_to_a_query_for_all(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    iran = URIRef("http://localhost:5000/id/country/iran")
    full = Graph().parse(data=client.get("/doc/country/iran.ttl").text, format="turtle")

    def linking_to_iran(graph: Graph) -> list[str]:  # the document's own foaf:primaryTopic aside
        return sorted({str(s) for s, _p in graph.subject_predicates(iran) if "/id/" in str(s)})

    linking = linking_to_iran(full)
    assert len(linking) > 3
    assert (
        "more"
        not in page(client, "/doc/country/iran", Accept="text/html").split('class="incoming"')[1][
            :40
        ]
    )

    monkeypatch.setattr(index_description, "MAX_INCOMING", 3)
    cache = get_response_cache(client.application)
    assert cache is not None
    cache.clear()  # the answers kept above were made with the former limit
    capped = Graph().parse(data=client.get("/doc/country/iran.ttl").text, format="turtle")
    assert linking_to_iran(capped) == linking[:3]  # the first ones by IRI
    assert set(capped.predicate_objects(iran)) == set(full.predicate_objects(iran))
    html = page(client, "/doc/country/iran", Accept="text/html")
    assert "The first 3 links are shown." in html
    query = re.search(r'<a rel="nofollow" href="(/query\?query=[^"]+)"', html)
    assert query is not None
    form = page(client, query.group(1).replace("&amp;", "&"))
    assert f"SELECT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p &lt;{iran}&gt; }} }}" in form


def test_a_warm_up_whose_store_folder_is_gone_ends_with_one_line_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The server answers 503 until the folder is back; its warm-up thread said so in a
    traceback on the server's error stream before."""
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "current").symlink_to(tmp_path / "gone")
    app = web.create_app({"TESTING": True, "STORE": str(folder), "QUERY_WORKERS": 0})
    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))

    with caplog.at_level(logging.WARNING, logger="citydip_ld.web"):
        web.start_warm_up(app)
        for thread in threading.enumerate():
            if thread.name == "citydip-warm-up":
                thread.join(30)

    assert raised == []
    assert "warm-up stopped: the store folder this server reads is missing" in caplog.text
    assert app.test_client().get("/").status_code == 503


def test_warm_up_computes_the_counts_and_list_orders_before_the_first_visit(
    mini_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    web.warm_up(mini_app)

    def never(*_args: object) -> None:
        raise AssertionError("computed again after the warm-up")

    monkeypatch.setattr(context, "compute_statistics", never)
    monkeypatch.setattr(describe, "ordered_resources", never)
    client = mini_app.test_client()
    for path in ("/", "/doc/city/", "/doc/twinning/?lang=fa", "/.well-known/void", "/sparql"):
        assert client.get(path).status_code == 200, path
