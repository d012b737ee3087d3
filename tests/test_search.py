"""Search: `/search?q=…` over the labels and alternate names of every resource, HTML or JSON,
ranked exact > prefix > word > substring, with a kind filter and paging; the index behind it
(`citydip_ld.stores.search_index`), built once per store."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from citydip_ld.stores.search_index import MIN_SUBSTRING, build_search_index
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web.context import SEARCH_KEY

BASE = "http://localhost:5000/"
JSON = {"Accept": "application/json"}
TABRIZ = f"{BASE}id/city/tabriz"


def search(client: FlaskClient, **params: str) -> dict[str, Any]:
    response = client.get("/search", query_string=params, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"
    data: dict[str, Any] = response.get_json()
    return data


# ---------------------------------------------------------------- the Done-when case


@pytest.mark.parametrize("typed", ["تبريز", "تبریز", "tabr", "TABRIZ", "Tabriz", "تبر"])
def test_a_visitor_reaches_tabriz(client: FlaskClient, typed: str) -> None:
    """«تبريز» with Arabic yeh, the Persian spelling, "tabr" and other case: Tabriz first."""
    first = search(client, q=typed)["results"][0]
    assert first["iri"] == TABRIZ
    assert first["href"] == "/id/city/tabriz"
    assert first["labels"] == {"en": "Tabriz", "fa": "تبریز"}


def test_tabriz_from_the_search_page_without_javascript(client: FlaskClient) -> None:
    """The plain form submits to /search; the page links to the city."""
    html = client.get("/search?q=تبريز&lang=fa").get_data(as_text=True)
    assert '<a href="/id/city/tabriz?lang=fa"' in html
    assert 'value="تبريز"' in html  # the box keeps what was typed
    assert 'dir="rtl"' in html


# ---------------------------------------------------------------- JSON shape and ranking


def test_json_shape(client: FlaskClient) -> None:
    data = search(client, q="تبريز")
    assert set(data) == {
        "query", "kind", "page", "limit", "total", "totalIsLowerBound", "results", "next", "prev"
    }  # fmt: skip
    assert (data["query"], data["kind"], data["page"], data["limit"]) == ("تبريز", None, 1, 20)
    assert data["totalIsLowerBound"] is False
    assert data["total"] == len(data["results"]) > 1
    assert data["results"][0] == {
        "iri": TABRIZ,
        "kind": "city",
        "kindLabels": {"en": "Cities", "fa": "شهرها"},
        "labels": {"en": "Tabriz", "fa": "تبریز"},
        "match": "exact",
        "matched": {"value": "تبریز", "lang": "fa"},
        "href": "/id/city/tabriz",
    }
    assert len({r["iri"] for r in data["results"]}) == len(data["results"])  # each once


def test_ranked_exact_then_prefix_then_word_then_substring(client: FlaskClient) -> None:
    results = search(client, q="tabriz", limit="100")["results"]
    tiers = [r["match"] for r in results]
    order = ["exact", "prefix", "word", "substring"]
    assert tiers == sorted(tiers, key=order.index)
    assert tiers[0] == "exact"
    assert "prefix" in tiers  # "Tabriz – Wuhan"
    words = {r["iri"] for r in results if r["match"] == "word"}
    assert f"{BASE}id/organisation/tabriz-city-council" in words  # "… of Tabriz"
    substring = search(client, q="briz")["results"]
    assert substring[0]["match"] == "substring"
    assert TABRIZ in {r["iri"] for r in substring}


def test_content_negotiation(client: FlaskClient) -> None:
    page = client.get("/search?q=tabr", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.content_type == "text/html; charset=utf-8"
    assert "Vary" in page.headers and "Accept" in page.headers["Vary"]
    assert client.get("/search?q=tabr&format=json").get_json()["results"][0]["iri"] == TABRIZ
    refused = client.get("/search?q=tabr", headers={"Accept": "text/turtle"})
    assert refused.status_code == 406
    assert refused.get_json()["error"]["status"] == 406


def test_empty_and_unmatched_queries(client: FlaskClient) -> None:
    assert search(client)["results"] == []
    assert search(client, q="   ")["results"] == []
    assert search(client, q="zzzqqq")["total"] == 0
    page = client.get("/search?q=zzzqqq&lang=en").get_data(as_text=True)
    assert "Nothing matches." in page


# ---------------------------------------------------------------- kind filter and paging


def test_kind_filter(client: FlaskClient) -> None:
    everything = search(client, q="tabriz", limit="100")["results"]
    assert {r["kind"] for r in everything} >= {"city", "twinning", "organisation"}
    twinnings = search(client, q="tabriz", kind="twinning", limit="100")
    assert twinnings["kind"] == "twinning"
    assert {r["kind"] for r in twinnings["results"]} == {"twinning"}
    expected = [r["iri"] for r in everything if r["kind"] == "twinning"]
    assert [r["iri"] for r in twinnings["results"]] == expected
    assert search(client, q="tabriz", kind="country")["results"] == []


def test_paging(client: FlaskClient) -> None:
    whole = search(client, q="tabriz", limit="100")
    assert whole["total"] > 5
    seen: list[str] = []
    page = 1
    while True:
        data = search(client, q="tabriz", limit="2", page=str(page))
        assert data["total"] == whole["total"]
        assert len(data["results"]) <= 2
        seen += [r["iri"] for r in data["results"]]
        if data["next"] is None:
            break
        assert data["next"] == f"/search?q=tabriz&limit=2&page={page + 1}"
        page += 1
    assert seen == [r["iri"] for r in whole["results"]]
    assert data["prev"] == f"/search?q=tabriz&limit=2&page={page - 1}"
    response = client.get("/search?q=tabriz&limit=2&page=2", headers=JSON)
    assert 'rel="next"' in response.headers["Link"] and 'rel="prev"' in response.headers["Link"]
    html = client.get("/search?q=tabriz&limit=2&page=2&lang=en").get_data(as_text=True)
    assert 'rel="next"' in html and '<ol class="search-results" start="3">' in html


@pytest.mark.parametrize(
    "query",
    ["q=tabriz&kind=planet", "q=tabriz&page=0", "q=tabriz&page=x", "q=tabriz&limit=101",
     "q=tabriz&limit=50&page=21", "q=" + "a" * 201, "q=tabriz&format=xml"],
)  # fmt: skip
def test_bad_parameters_get_400_in_the_one_error_shape(client: FlaskClient, query: str) -> None:
    response = client.get(f"/search?{query}", headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]["title"] == "Bad Request"


# ---------------------------------------------------------------- the box on every page


@pytest.mark.parametrize("path", ["/", "/doc/city/", "/doc/city/tabriz", "/query", "/ontology"])
def test_every_page_has_the_search_box(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<form class="site-search" role="search" method="get" action="/search">' in html
    assert '<label class="visually-hidden" for="site-search">' in html
    assert 'aria-controls="site-search-suggestions"' in html
    assert '<script src="/static/search.js" defer></script>' in html


def test_persian_pages_keep_the_language_through_the_form(client: FlaskClient) -> None:
    html = client.get("/?lang=fa").get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="fa">' in html
    assert "جستجو" in html


# ---------------------------------------------------------------- the index


NQUADS = f"""
<{BASE}id/city/karaj> <http://www.w3.org/2000/01/rdf-schema#label> "Karaj"@en <{BASE}graph/a> .
<{BASE}id/city/karaj> <http://www.w3.org/2000/01/rdf-schema#label> "کرج"@fa <{BASE}graph/a> .
<{BASE}id/city/karaj> <http://www.w3.org/2004/02/skos/core#altLabel> "Kerej"@en <{BASE}graph/a> .
<{BASE}id/city/kazan> <http://www.w3.org/2000/01/rdf-schema#label> "Kazan"@en <{BASE}graph/a> .
<{BASE}id/organisation/unesco> <http://www.w3.org/2000/01/rdf-schema#label> "UNESCO"@en <{BASE}graph/a> .
<{BASE}id/organisation/unesco> <https://schema.org/alternateName> "یونسکو"@fa <{BASE}graph/a> .
<{BASE}id/city/karaj#date> <http://www.w3.org/2000/01/rdf-schema#label> "Karaj date" <{BASE}graph/a> .
<http://elsewhere.example/karaj> <http://www.w3.org/2000/01/rdf-schema#label> "Karaj" <{BASE}graph/a> .
"""  # noqa: E501


@pytest.fixture(scope="module")
def index() -> Any:
    store = OxigraphStore.from_nquads(NQUADS.encode())
    return build_search_index(store, BASE)


def test_alternate_names_are_searched_and_labels_shown(index: Any) -> None:
    hits, more = index.search("kerej", None, 10)
    assert [(h.resource.iri, h.match, h.text) for h in hits] == [
        (f"{BASE}id/city/karaj", "exact", "Kerej")
    ]
    assert hits[0].resource.labels == {"en": "Karaj", "fa": "کرج"}
    assert more is False
    (unesco,) = index.search("يونسكو", None, 10)[0]  # Arabic yeh and kaf
    assert unesco.resource.kind == "organisation"


def test_only_the_datasets_own_resources_are_indexed(index: Any) -> None:
    assert [r.iri for r in index.resources] == [
        f"{BASE}id/city/karaj",
        f"{BASE}id/city/kazan",
        f"{BASE}id/organisation/unesco",
    ]
    assert [h.resource.iri for h in index.search("karaj", None, 10)[0]] == [index.resources[0].iri]


def test_limit_and_more(index: Any) -> None:
    hits, more = index.search("ka", None, 1)
    assert [h.resource.iri for h in hits] == [f"{BASE}id/city/karaj"] and more is True
    assert len(index.search("ka", None, 2)[0]) == 2
    assert index.search("a", "country", 10) == ([], False)
    assert index.search("", None, 10) == ([], False)


def test_substrings_need_two_characters(index: Any) -> None:
    assert MIN_SUBSTRING == 2
    assert index.search("j", None, 10)[0] == []  # no label starts a word with j
    assert [h.match for h in index.search("ra", None, 10)[0]] == ["substring"]
    assert [h.match for h in index.search("za", None, 10)[0]] == ["substring"]  # Kazan


def test_the_index_is_built_once_per_store(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydip_ld.stores.prepared_views import VIEWS
    from citydip_ld.web import context

    search(client, q="tabriz")
    with app.app_context():
        built = context.get_search_index(BASE)
    monkeypatch.setitem(VIEWS, "search", lambda *_: pytest.fail("built again"))
    search(client, q="baku")
    with app.app_context():
        assert context.get_search_index(BASE) is built
    assert len(app.extensions[SEARCH_KEY]) == 1


def test_counting_stops_at_counted_and_later_pages_still_page(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past COUNTED results the total is a lower bound; the next page is still offered and
    gathers as far as it needs."""
    from citydip_ld.web import search as route

    whole = [r["iri"] for r in search(client, q="tabriz", limit="100")["results"]]
    monkeypatch.setattr(route, "COUNTED", 3)
    first = search(client, q="tabriz", limit="2")
    assert (first["total"], first["totalIsLowerBound"]) == (3, True)
    assert first["next"] is not None
    third = search(client, q="tabriz", limit="2", page="3")
    assert [r["iri"] for r in third["results"]] == whole[4:6]
    assert third["total"] >= 6


@pytest.mark.parametrize("intersect_above", [2048, 0])
def test_substrings_are_found_inside_one_label_only(
    index: Any, monkeypatch: pytest.MonkeyPatch, intersect_above: int
) -> None:
    """By 3-character pieces (the rarest, intersected with the next when long) or, for two
    characters, a scan of the keys as one blob: a piece never matches across two labels."""
    from citydip_ld.stores import search_index

    monkeypatch.setattr(search_index, "_INTERSECT_ABOVE", intersect_above)
    assert [h.text for h in index.search("ara", None, 10)[0]] == ["Karaj"]
    assert [h.text for h in index.search("araj", None, 10)[0]] == ["Karaj"]
    assert [h.text for h in index.search("azan", None, 10)[0]] == ["Kazan"]
    assert index.search("araz", None, 10)[0] == []
    assert index.search("aj k", None, 10)[0] == []  # "kerej" then "kazan" in key order
    assert index.search("j ka", None, 10)[0] == []
    assert [h.text for h in index.search("ne", None, 10)[0]] == ["UNESCO"]  # scanned
    assert [h.text for h in index.search("نسک", None, 10)[0]] == ["یونسکو"]
    assert [h.text for h in index.search("سک", None, 10)[0]] == ["یونسکو"]  # scanned
