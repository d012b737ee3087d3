"""Answers from the release (`citydip_ld.web.response_cache`): a GET answer is kept per release
and request, served again without store work, answered 304 before any work, bounded in bytes,
and emptied when a store folder is republished. Proved with counters of store calls and
stores that fail, never with timings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.web import create_app, get_store
from citydip_ld.web.response_cache import (
    MALLOC_TRIM,
    Entry,
    ResponseCache,
    accept_key,
    cacheable,
    get_response_cache,
    language_key,
)
from remote_support import write_dataset
from web_support import KEEP_AT_ONCE

BASE = "http://localhost:5000/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
TURTLE = {"Accept": "text/turtle"}


class StoreCalls:
    """Counts the store's `query`, `run` and index lookup (`quads_for_pattern`: documents)
    calls; `fail()` makes every later call raise."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        with app.app_context():
            store = get_store()
        self.count = 0
        self.failing = False
        for name in ("query", "run", "quads_for_pattern"):
            original = getattr(store, name)
            monkeypatch.setattr(store, name, self._wrap(original))

    def _wrap(self, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.failing:
                raise AssertionError("the store was asked although the answer is cached")
            self.count += 1
            return original(*args, **kwargs)

        return call

    def fail(self) -> None:
        self.failing = True


def cache_of(app: Flask) -> ResponseCache:
    cache = get_response_cache(app)
    assert cache is not None
    return cache


@pytest.fixture()
def calls(app: Flask, monkeypatch: pytest.MonkeyPatch) -> StoreCalls:
    return StoreCalls(app, monkeypatch)


def headers_of(response: TestResponse) -> list[tuple[str, str]]:
    return list(response.headers.items())


def test_a_second_identical_get_is_answered_from_the_cache(
    client: FlaskClient, app: Flask, calls: StoreCalls
) -> None:
    first = client.get("/doc/city/tabriz", headers=TURTLE)
    assert first.status_code == 200 and b'"Tabriz"@en' in first.data
    assert calls.count > 0
    calls.fail()  # from now on any store call fails the test
    second = client.get("/doc/city/tabriz", headers=TURTLE)
    assert second.data == first.data
    assert headers_of(second) == headers_of(first)
    stats = cache_of(app).stats()
    assert stats["hits"] == 1 and stats["entries"] == 1


def test_by_default_an_answer_is_kept_from_its_second_request(
    dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked once, an answer is served and not kept (`RESPONSE_CACHE_MIN_USES`, 2 by
    default); asked again, it is made again and kept; from then on the store is not asked.
    The three answers are the same, ETag included."""
    app = create_app({"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE})
    cache = cache_of(app)
    assert cache.min_uses == 2
    calls = StoreCalls(app, monkeypatch)
    client = app.test_client()
    first = client.get("/doc/city/tabriz", headers=TURTLE)
    assert first.status_code == 200 and calls.count > 0
    assert cache.stats() | {"entries": 0, "unkept": 1} == cache.stats()
    asked = calls.count
    second = client.get("/doc/city/tabriz", headers=TURTLE)
    assert calls.count > asked and cache.stats()["entries"] == 1
    calls.fail()
    third = client.get("/doc/city/tabriz", headers=TURTLE)
    assert first.data == second.data == third.data
    assert headers_of(first) == headers_of(second) == headers_of(third)
    assert cache.stats()["hits"] == 1


def bounded_app(dataset_dir: Path, bound: int, min_uses: int) -> Flask:
    """An app on the shipped data whose response cache holds `bound` bytes, each answer kept
    from its `min_uses`-th request on."""
    return create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(dataset_dir),
            "BASE": BASE,
            "QUERY_WORKERS": 0,
            "RESPONSE_CACHE_BYTES": bound,
            "RESPONSE_CACHE_MIN_USES": min_uses,
        }
    )


def crawl_then_ask_again(min_uses: int, dataset_dir: Path) -> bool:
    """Whether a document asked for twice is still kept after a crawl of answers asked for
    once each, four times the cache's bound in all (an entry may take 16 KiB)."""
    bound = 128 * 1024
    app = bounded_app(dataset_dir, bound, min_uses)
    client = app.test_client()
    cache = cache_of(app)
    for _ in range(2):
        assert client.get("/doc/city/tabriz.ttl").status_code == 200
    assert cache.stats()["entries"] == 1
    crawled = 0
    for n in range(1000):
        if crawled > 4 * bound:
            break
        query = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 1}"
        answer = client.get(f"/sparql?query={quote(query)}", headers={"Accept": "text/csv"})
        assert answer.status_code == 200
        crawled += len(answer.data)
    hits = cache.stats()["hits"]
    assert client.get("/doc/city/tabriz.ttl").status_code == 200
    return bool(cache.stats()["hits"] == hits + 1)


def test_a_crawl_of_answers_asked_once_does_not_push_out_an_answer_asked_again(
    dataset_dir: Path,
) -> None:
    """The point of keeping an answer from its second request: a crawler walking through
    every resource once leaves the answers asked for again in the cache (kept at the first
    request, the crawl pushes them out)."""
    assert crawl_then_ask_again(2, dataset_dir)
    assert not crawl_then_ask_again(1, dataset_dir)


def test_uses_are_counted_per_key_in_a_bounded_memo_emptied_with_the_release(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import citydip_ld.web.response_cache as response_cache

    monkeypatch.setattr(response_cache, "SEEN_KEPT", 4)
    cache = ResponseCache(8000, min_uses=3)
    cache.use_release("first")
    key = ("/doc/city/tabriz", "", "text/turtle;1", "en")
    assert [cache.admit(key) for _ in range(3)] == [False, False, True]
    assert ResponseCache(8000, min_uses=1).admit(key) and ResponseCache(8000, 0).admit(key)
    cache.admit(key)
    cache.admit(key)  # two uses counted
    cache.use_release("second")  # forgotten with the release
    assert [cache.admit(key) for _ in range(3)] == [False, False, True]
    others = [("/doc/city/", str(n), "", "en") for n in range(6)]
    cache.admit(key)
    cache.admit(key)
    for other in others:  # the memo holds four keys at most, then starts again
        assert not cache.admit(other)
    assert len(cache._seen) <= 4
    assert not cache.admit(key)  # its two uses were forgotten with the memo


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/doc/city/tabriz", {"Accept": "text/html", "Accept-Language": "fa"}),
        ("/doc/city/tabriz.jsonld", {}),
        ("/", {"Accept-Language": "en"}),
        ("/doc/city/", {"Accept": "text/turtle"}),
        ("/.well-known/void", {"Accept": "application/n-triples"}),
        ("/ontology", {"Accept": "text/html"}),
        (f"/sparql?query={quote(COUNT)}", {"Accept": "application/sparql-results+json"}),
        ("/sparql", {"Accept": "text/turtle"}),  # the service description
        ("/search?q=tabr", {"Accept": "application/json"}),
    ],
)
def test_cold_and_warm_answers_are_identical_headers_included(
    client: FlaskClient, calls: StoreCalls, path: str, headers: dict[str, str]
) -> None:
    cold = client.get(path, headers=headers)
    assert cold.status_code == 200, cold.text
    calls.fail()
    warm = client.get(path, headers=headers)
    assert warm.data == cold.data
    assert headers_of(warm) == headers_of(cold)
    # What every answer must carry is on the kept one too.
    assert warm.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in warm.headers["Content-Security-Policy"]
    assert warm.headers["ETag"].startswith('"')


def test_head_is_answered_from_the_get_entry_without_a_body(
    client: FlaskClient, calls: StoreCalls
) -> None:
    get = client.get("/doc/city/tabriz.ttl")
    calls.fail()
    head = client.head("/doc/city/tabriz.ttl")
    assert head.status_code == 200 and head.data == b""
    assert headers_of(head) == headers_of(get)
    assert head.headers["Content-Length"] == str(len(get.data))


def test_a_head_first_fills_the_entry_for_the_get(client: FlaskClient, calls: StoreCalls) -> None:
    head = client.head("/doc/city/wuhan.nt")
    assert head.status_code == 200 and head.data == b""
    calls.fail()
    get = client.get("/doc/city/wuhan.nt")
    assert len(get.data) == int(head.headers["Content-Length"]) > 0


def test_if_none_match_is_answered_304_without_touching_the_store(
    client: FlaskClient, app: Flask, dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get("/doc/city/tabriz", headers=TURTLE)
    etag = first.headers["ETag"]
    calls = StoreCalls(app, monkeypatch)
    calls.fail()
    warm = client.get("/doc/city/tabriz", headers={**TURTLE, "If-None-Match": etag})
    assert warm.status_code == 304 and warm.data == b""
    assert warm.headers["ETag"] == etag and warm.headers["Vary"] == first.headers["Vary"]

    # Another app on the same release with an empty cache: the tag alone answers.
    other = create_app({"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE})
    cold = other.test_client().get(
        "/doc/city/tabriz", headers={**TURTLE, "If-None-Match": f'W/"x", {etag}'}
    )
    assert cold.status_code == 304 and cold.headers["ETag"] == etag
    assert cache_of(other).stats()["entries"] == 0
    head = other.test_client().head("/doc/city/tabriz", headers={**TURTLE, "If-None-Match": etag})
    assert head.status_code == 304


def test_a_stale_tag_or_another_variant_gets_the_answer(client: FlaskClient) -> None:
    turtle = client.get("/doc/city/tabriz", headers=TURTLE)
    stale = client.get("/doc/city/tabriz", headers={**TURTLE, "If-None-Match": '"old-tag"'})
    assert stale.status_code == 200 and stale.data == turtle.data
    jsonld = client.get(
        "/doc/city/tabriz",
        headers={"Accept": "application/ld+json", "If-None-Match": turtle.headers["ETag"]},
    )
    assert jsonld.status_code == 200 and jsonld.headers["ETag"] != turtle.headers["ETag"]


def test_if_modified_since_is_answered_from_the_entry(client: FlaskClient) -> None:
    first = client.get("/doc/city/tabriz.ttl")
    modified = first.headers["Last-Modified"]
    again = client.get("/doc/city/tabriz.ttl", headers={"If-Modified-Since": modified})
    assert again.status_code == 304
    old = client.get(
        "/doc/city/tabriz.ttl", headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"}
    )
    assert old.status_code == 200 and old.data == first.data


def test_the_negotiated_variant_not_the_raw_header_is_the_key(
    client: FlaskClient, app: Flask, calls: StoreCalls
) -> None:
    cache = cache_of(app)
    turtle = client.get("/doc/city/tabriz", headers=TURTLE)
    same = client.get("/doc/city/tabriz", headers={"Accept": "text/turtle;q=0.9"})
    assert same.data == turtle.data and cache.stats()["entries"] == 1

    jsonld = client.get("/doc/city/tabriz", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    persian = client.get(
        "/doc/city/tabriz", headers={"Accept": "text/html", "Accept-Language": "fa"}
    )
    english = client.get(
        "/doc/city/tabriz", headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    by_query = client.get("/doc/city/tabriz?lang=fa", headers={"Accept": "text/html"})
    assert 'lang="fa"' in persian.text and 'lang="en"' in english.text
    assert 'lang="fa"' in by_query.text
    assert cache.stats()["entries"] == 5
    assert len({r.headers["ETag"] for r in (turtle, jsonld, persian, english, by_query)}) == 5

    calls.fail()  # each variant is kept apart: asking again does no work, and gets its own
    assert client.get("/doc/city/tabriz", headers={"Accept": "application/ld+json"}).data == (
        jsonld.data
    )
    again = client.get("/doc/city/tabriz", headers={"Accept": "text/html", "Accept-Language": "fa"})
    assert again.data == persian.data


def test_the_accept_key_keeps_what_negotiation_reads() -> None:
    assert (
        accept_key("text/turtle;q=0.9")
        == accept_key("text/turtle")
        == accept_key(" text/turtle ; charset=utf-8")
    )
    assert accept_key("text/turtle, */*;q=0.1") == accept_key("text/turtle;q=1, */*;q=0.5")
    assert accept_key("*/*, text/html;q=0") != accept_key("*/*, text/html;q=0.1")
    assert accept_key("text/turtle, application/ld+json;q=0.9") != accept_key(
        "text/turtle;q=0.9, application/ld+json"
    )
    assert accept_key("") == "" and accept_key("garbage") == "garbage"
    assert language_key("fa-IR,fa;q=0.9") == "fa" and language_key("") == "en"


def test_errors_are_not_cached(client: FlaskClient, app: Flask, calls: StoreCalls) -> None:
    for _ in range(2):
        missing = client.get("/doc/city/atlantis", headers=TURTLE)
        assert missing.status_code == 404
        assert missing.headers["Cache-Control"] == "no-store"
    bad = client.get("/sparql?query=SELEKT")
    assert bad.status_code == 400
    assert cache_of(app).stats()["entries"] == 0
    before = calls.count
    client.get("/doc/city/atlantis", headers=TURTLE)
    assert calls.count > before  # asked again: nothing was kept


def test_sparql_queries_that_mention_service_are_not_cached(
    client: FlaskClient, app: Flask, calls: StoreCalls
) -> None:
    query = "SELECT ?s WHERE { ?s a <http://localhost:5000/ontology#City> } # Service, not called"
    url = f"/sparql?query={quote(query)}"
    first = client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    before = calls.count
    client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert calls.count == before + 1
    assert cache_of(app).stats()["entries"] == 0

    plain = f"/sparql?query={quote(COUNT)}"
    client.get(plain)
    client.get(plain)
    assert calls.count == before + 2  # the plain query once, then from the cache


def test_post_queries_are_never_cached(client: FlaskClient, app: Flask, calls: StoreCalls) -> None:
    for _ in range(2):
        answer = client.post("/sparql", data={"query": COUNT})
        assert answer.status_code == 200
    assert calls.count == 2 and cache_of(app).stats()["entries"] == 0


def test_the_byte_bound_holds_under_many_distinct_requests(dataset_dir: Path) -> None:
    bound = 128 * 1024  # an entry may take 16 KiB; the 150 answers take about 600 KiB
    app = bounded_app(dataset_dir, bound, min_uses=1)
    client = app.test_client()
    cache = cache_of(app)
    seen = set()
    for n in range(150):
        query = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 1}"
        answer = client.get(f"/sparql?query={quote(query)}", headers={"Accept": "text/csv"})
        assert answer.status_code == 200 and answer.text.count("\n") == min(n + 1, 10000) + 1
        seen.add(answer.headers["ETag"])
        assert cache.bytes <= bound
    stats = cache.stats()
    assert len(seen) == 150
    assert 0 < stats["entries"] < 150 and stats["bytes"] <= bound
    # The least recently used went first: the last answer is still kept, the first is not.
    last = client.get(
        f"/sparql?query={quote('SELECT ?s WHERE { ?s ?p ?o } LIMIT 150')}",
        headers={"Accept": "text/csv"},
    )
    assert cache.stats()["hits"] == stats["hits"] + 1 and last.status_code == 200
    client.get(
        f"/sparql?query={quote('SELECT ?s WHERE { ?s ?p ?o } LIMIT 1')}",
        headers={"Accept": "text/csv"},
    )
    assert cache.stats()["misses"] == stats["misses"] + 1


def test_the_header_keys_caches_stay_bounded_and_keep_no_long_header() -> None:
    from citydip_ld.web.response_cache import _accept_key, _language_key

    for n in range(3000):  # distinct short headers: past both caches' bounds
        assert accept_key(f"text/turtle;q=0.5, x/y{n}") == f"x/y{n};2,text/turtle;1"
        language_key(f"de-x{n}, fa;q=0.5")
    assert _accept_key.cache_info().currsize <= 1024
    assert _language_key.cache_info().currsize <= 256
    _accept_key.cache_clear()
    _language_key.cache_clear()
    long_accept = "text/turtle, " + ", ".join(f"a/b{n};q=0.1" for n in range(200))
    long_language = "fa, " + ", ".join(f"x-y{n};q=0.1" for n in range(200))
    assert len(long_accept) > 512 and len(long_language) > 512
    for n in range(50):  # distinct long headers: answered, never kept
        assert accept_key(f"{long_accept}, c/d{n}").startswith(f"text/turtle;2,c/d{n};2,a/b0;1")
        assert language_key(f"{long_language}, z-{n}") == "fa"
    assert _accept_key.cache_info().currsize == _language_key.cache_info().currsize == 0


def test_the_fill_and_the_bound_are_logged_once_per_release(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = ResponseCache(8000, min_uses=1)  # eighths of 1,000 bytes; no memo of keys
    entry = Entry("200 OK", (), b"x" * 400, '"t"', None, 1000)

    def fill(release: str) -> list[str]:
        caplog.clear()
        cache.use_release(release)
        with caplog.at_level(logging.INFO, logger="citydip_ld.web.response_cache"):
            for n in range(40):  # five times the bound
                cache.put(("/doc/city/", str(n), "", "en"), entry, release)
                assert cache.bytes <= 8000
        return [record.getMessage() for record in caplog.records]

    for release in ("first", "second"):  # a new release fills (and is logged) anew
        lines = fill(release)
        assert lines == [
            *(f"response cache filling: {n}000 of 8000 bytes in {n} entries" for n in range(1, 8)),
            "response cache reached its bound: 8000 of 8000 bytes in 8 entries",
        ]
    assert cache.stats()["evictions"] == 2 * 32 and cache.stats()["entries"] == 8


def test_the_memo_of_keys_asked_once_is_held_within_the_bound_with_the_answers() -> None:
    """The keys asked for fewer than `min_uses` times take at most 1/16 of the bound, as
    measured by tracemalloc at the memo's fullest; the answers kept have the rest, so
    together they stay within the bound (a stream of distinct keys, a crawl, included)."""
    import tracemalloc

    from citydip_ld.web.response_cache import SEEN_ENTRY_BYTES, SEEN_SHARE

    cache = ResponseCache(1 << 20)  # 1 MiB, kept from the second request
    share = (1 << 20) // SEEN_SHARE
    assert 0 < cache.seen_limit * SEEN_ENTRY_BYTES <= share
    assert cache.entry_bound == (1 << 20) - cache.seen_limit * SEEN_ENTRY_BYTES
    cache.use_release("first")
    keys = [("/doc/city/", f"city-{n}", "text/turtle;1", "en") for n in range(3 * cache.seen_limit)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for key in keys[: cache.seen_limit]:  # the memo at its fullest
            assert not cache.admit(key)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(cache._seen) == cache.seen_limit and held <= cache.seen_limit * SEEN_ENTRY_BYTES
    for key in keys[cache.seen_limit :]:  # then emptied and started again: never beyond
        cache.admit(key)
        assert len(cache._seen) <= cache.seen_limit
    entry = Entry("200 OK", (), b"x" * 4000, '"t"', None, 5000)
    for n in range(1000):  # answers of five times the bound
        cache.put(("/doc/city/", str(n), "", "en"), entry, "first")
        assert cache.bytes + cache.seen_limit * SEEN_ENTRY_BYTES <= cache.max_bytes
    assert cache.stats()["evictions"] > 0 and cache.stats()["entry_bound"] == cache.entry_bound
    assert ResponseCache(1 << 20, min_uses=1).entry_bound == 1 << 20  # no memo: all answers


def test_memory_is_handed_back_after_each_eighth_of_the_bound_is_evicted_or_cleared() -> None:
    cache = ResponseCache(8000, min_uses=1)  # eighths of 1,000 bytes: one entry's size
    trims: list[int] = []
    cache.trim = lambda pad: trims.append(pad) or 1
    entry = Entry("200 OK", (), b"x" * 400, '"t"', None, 1000)
    cache.use_release("first")
    for n in range(8):  # filling to the bound frees nothing
        cache.put(("/doc/city/", str(n), "", "en"), entry, "first")
    assert trims == [] and cache.stats()["trims"] == 0
    for n in range(8, 11):  # each eviction frees an eighth of the bound
        cache.put(("/doc/city/", str(n), "", "en"), entry, "first")
    assert trims == [0, 0, 0] and cache.stats() | {"evictions": 3, "trims": 3} == cache.stats()
    cache.use_release("second")  # a new release drops 8,000 bytes at once: one trim
    assert len(trims) == 4 and cache.bytes == 0


def test_malloc_trim_is_found_where_the_c_library_is_glibc() -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("the C library is not glibc: it has no malloc_trim, and nothing is trimmed")
    assert MALLOC_TRIM is not None and MALLOC_TRIM(0) in (0, 1)
    assert ResponseCache(8000).trim is MALLOC_TRIM


def test_an_answer_bigger_than_an_entry_may_be_is_served_but_not_kept(dataset_dir: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(dataset_dir),
            "BASE": BASE,
            "RESPONSE_CACHE_BYTES": 8000,
        }
    )
    client = app.test_client()
    page = client.get("/doc/city/tabriz", headers={"Accept": "text/html"})
    assert page.status_code == 200 and len(page.data) > 1000
    assert cache_of(app).stats()["entries"] == 0


def test_a_zero_bound_turns_the_cache_off(dataset_dir: Path) -> None:
    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, "RESPONSE_CACHE_BYTES": 0}
    )
    assert get_response_cache(app) is None
    answer = app.test_client().get("/doc/city/tabriz.ttl")
    assert answer.status_code == 200 and answer.headers["ETag"]


@pytest.fixture()
def folder_app(dataset_dir: Path, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    app = create_app(
        {
            "TESTING": True,
            "BASE": BASE,
            "STORE": str(folder),
            "DATASET_DIR": str(dataset_dir),
            "QUERY_WORKERS": 0,
            **KEEP_AT_ONCE,
        }
    )
    yield app, folder


def count_of(client: FlaskClient) -> tuple[int, str]:
    answer = client.get(f"/sparql?query={quote(COUNT)}", headers={"Accept": "text/csv"})
    assert answer.status_code == 200, answer.text
    return int(answer.text.split()[1]), answer.headers["ETag"]


def test_a_republished_store_folder_empties_the_cache(
    folder_app: tuple[Flask, Path], dataset_dir: Path, tmp_path: Path
) -> None:
    app, folder = folder_app
    client = app.test_client()
    cache = cache_of(app)
    full, tag = count_of(client)
    tabriz = client.get("/doc/city/tabriz.ttl")
    assert count_of(client) == (full, tag) and cache.stats()["entries"] == 2

    quads = list(
        pyoxigraph.parse(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    )
    smaller = write_dataset(tmp_path / "smaller", quads[: len(quads) // 2])
    write_store_dir([smaller / "dataset.nq"], folder, BASE)

    half, new_tag = count_of(client)
    assert half == len(quads) // 2 and new_tag != tag
    assert cache.stats()["clears"] == 1 and cache.stats()["entries"] == 1
    # The former tag is not answered 304: the client gets the new release's answer.
    stale = client.get(tabriz.request.path, headers={"If-None-Match": tabriz.headers["ETag"]})
    assert stale.status_code in (200, 404)
    assert stale.headers.get("ETag") != tabriz.headers["ETag"]


def test_a_missing_store_folder_is_not_answered_from_the_cache(
    folder_app: tuple[Flask, Path], tmp_path: Path
) -> None:
    app, folder = folder_app
    client = app.test_client()
    full, _tag = count_of(client)
    folder.rename(tmp_path / "away")
    gone = client.get(f"/sparql?query={quote(COUNT)}", headers={"Accept": "text/csv"})
    assert gone.status_code == 503
    (tmp_path / "away").rename(folder)
    assert count_of(client)[0] == full


@pytest.mark.parametrize(
    ("status", "headers", "kept"),
    [
        ("200 OK", [("Content-Length", "10")], True),
        ("200 OK", [("Content-Length", "10"), ("Vary", "Accept, Accept-Language")], True),
        ("200 OK", [], False),  # streamed: no Content-Length
        ("200 OK", [("Content-Length", "100000")], False),  # over the entry cap
        ("200 OK", [("Content-Length", "10"), ("Cache-Control", "no-store")], False),
        ("200 OK", [("Content-Length", "10"), ("Cache-Control", "private, max-age=9")], False),
        ("200 OK", [("Content-Length", "10"), ("Cache-Control", "no-cache")], False),
        ("200 OK", [("Content-Length", "10"), ("Set-Cookie", "a=b")], False),
        ("200 OK", [("Content-Length", "10"), ("Vary", "Accept, Cookie")], False),
        ("200 OK", [("Content-Length", "10"), ("Vary", "*")], False),
        ("206 Partial Content", [("Content-Length", "10")], False),
        ("304 Not Modified", [], False),
        ("404 Not Found", [("Content-Length", "10")], False),
    ],
)
def test_what_may_be_kept(status: str, headers: list[tuple[str, str]], kept: bool) -> None:
    assert cacheable(status, headers, max_entry=1000) is kept


def test_the_cache_is_shared_by_threads_and_stays_in_its_bound(dataset_dir: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bound = 1 << 20
    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE,
         "QUERY_WORKERS": 0, "RESPONSE_CACHE_BYTES": bound}
    )  # fmt: skip
    cache = cache_of(app)
    paths = [f"/doc/city/{slug}.nt" for slug in ("tabriz", "wuhan", "rasht", "tehran")] * 25

    def fetch(path: str) -> bytes:
        answer = app.test_client().get(path)
        assert answer.status_code == 200
        assert cache.bytes <= bound
        return answer.data

    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(fetch, paths))
    for path, body in zip(paths, bodies, strict=True):
        assert body == bodies[paths.index(path)]
    stats = cache.stats()
    assert stats["entries"] == 4 and stats["hits"] + stats["misses"] == 100
