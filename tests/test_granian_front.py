"""Granian's RSGI front (`citydip_ld.granian_front`) answers as waitress does, byte for byte.

The same requests go to the mini dataset served by waitress (in this process, the WSGI route
the app was written for) and by the real `citydip-ld serve --server granian` (the body read
by the front, the app run on its thread pool): documents in every format, pages, the dumps
(sent by granian from disk, whole and in ranges), HEAD, SPARQL by GET, form, a chunked body
and `Expect: 100-continue`, errors, and paths with percent-encoded and malformed UTF-8. Status,
body and every header but the connection's own (Date, Server, Connection, Transfer-Encoding)
must be the same (of the ETag, the half that names the request: the release is per
process). The environ the front builds is checked on its own below.
"""

from __future__ import annotations

import http.client
import io
import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask

from citydip_ld.granian_front import WORKER_STOP_WAIT, RSGIFront, base_environ, make_environ
from citydip_ld.serving import ServerSettings
from helpers import as_older_code_wrote_it
from web_support import LiveServer, live_granian, live_server

CONNECTION_HEADERS = {"date", "server", "connection", "keep-alive", "transfer-encoding"}
SPARQL = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ORDER BY ?s ?o"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_RESULTS = {"Accept": "application/sparql-results+json"}

#: (name, method, target, headers, body): `body` a list is sent chunked.
REQUESTS: list[tuple[str, str, str, dict[str, str], Any]] = [
    ("home-en", "GET", "/", {"Accept": "text/html", "Accept-Language": "en"}, None),
    ("home-fa", "GET", "/?lang=fa", {}, None),
    ("dereference", "GET", "/id/city/tabriz", {"Accept": "text/turtle"}, None),
    ("turtle", "GET", "/doc/city/tabriz.ttl", {}, None),
    ("jsonld", "GET", "/doc/city/tabriz.jsonld", {}, None),
    ("nquads", "GET", "/doc/city/tabriz.nq", {}, None),
    ("html", "GET", "/doc/city/tabriz.html", {}, None),
    ("head", "HEAD", "/doc/city/tabriz.ttl", {}, None),
    ("head-page", "HEAD", "/doc/city/tabriz.html", {}, None),
    ("list", "GET", "/doc/city/", {}, None),
    ("dump", "GET", "/dumps/dataset.nq", {}, None),
    ("dump-range", "GET", "/dumps/dataset.nq", {"Range": "bytes=100-1099"}, None),
    ("dump-tail", "GET", "/dumps/dataset.trig", {"Range": "bytes=-300"}, None),
    ("dump-head", "HEAD", "/dumps/dataset.ttl", {}, None),
    ("static", "GET", "/static/search.js", {}, None),
    ("sparql-get", "GET", "/sparql?" + urlencode({"query": SPARQL}), JSON_RESULTS, None),
    ("sparql-form", "POST", "/sparql", {**FORM, **JSON_RESULTS}, urlencode({"query": SPARQL})),
    (
        "sparql-chunked",
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query", **JSON_RESULTS},
        [SPARQL[:20].encode(), SPARQL[20:].encode()],
    ),
    (
        "sparql-expect",
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query", "Expect": "100-continue", **JSON_RESULTS},
        SPARQL,
    ),
    ("sparql-bad", "GET", "/sparql?query=SELEC", {"Accept": "application/json"}, None),
    ("update", "POST", "/sparql", FORM, "update=DROP+ALL"),
    ("search", "GET", "/search?q=tab&format=json", {}, None),
    ("not-found", "GET", "/doc/city/nowhere.ttl", {}, None),
    ("persian-path", "GET", "/doc/city/" + quote("تبریز"), {}, None),
    ("bad-utf8", "GET", "/doc/city/%FF%FE", {}, None),
    ("traversal", "GET", "/dumps/..%2f..%2fpyproject.toml", {}, None),
    ("void", "GET", "/.well-known/void", {"Accept": "text/turtle"}, None),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Waitress and granian on the same mini dataset folder."""
    pytest.importorskip("granian")
    from citydip_ld.web import create_app
    from web_support import BASE, write_mini_dataset

    directory = write_mini_dataset(tmp_path_factory.mktemp("front"))
    app: Flask = create_app({"DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as waitress, live_granian(directory) as granian:
        yield waitress, granian


def exchange(server: LiveServer, method: str, target: str, headers: dict[str, str], body: Any):  # type: ignore[no-untyped-def]
    port = int(server.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = body.encode() if isinstance(body, str) else body
        chunked = isinstance(body, list)
        conn.request(method, target, body=data, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        kept = {
            name.lower(): value
            for name, value in response.getheaders()
            if name.lower() not in CONNECTION_HEADERS
        }
        return response.status, kept, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("request_", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_granian_answers_byte_for_byte_as_waitress(
    both: tuple[LiveServer, LiveServer], request_: tuple[str, str, str, dict[str, str], Any]
) -> None:
    _name, method, target, headers, body = request_
    waitress, granian = both
    expected = exchange(waitress, method, target, headers, body)
    answered = exchange(granian, method, target, headers, body)
    assert answered[0] == expected[0]
    # An embedded store's release is per process (`memory:<id>`), so the ETag's first half
    # differs between the two servers; its second half names the request.
    etags = [answer[1].pop("etag", "").rpartition("-")[2] for answer in (expected, answered)]
    assert etags[0] == etags[1]
    assert answered[1] == expected[1]
    assert answered[2] == expected[2]
    assert expected[0] < 500


REPEATED = [r for r in REQUESTS if r[1] in ("GET", "HEAD") and "Range" not in r[3]]


@pytest.mark.parametrize("request_", REPEATED, ids=[r[0] for r in REPEATED])
def test_granians_cache_hits_answer_byte_for_byte_as_waitress(
    both: tuple[LiveServer, LiveServer], request_: tuple[str, str, str, dict[str, str], Any]
) -> None:
    """Asked again, granian answers from its response cache on the event loop (the scope's
    fast path, `RSGIFront.answer_hit`, with granian's own header objects): still what
    waitress answers."""
    _name, method, target, headers, body = request_
    waitress, granian = both
    expected = exchange(waitress, method, target, headers, body)
    exchange(granian, method, target, headers, body)
    answered = exchange(granian, method, target, headers, body)
    etags = [answer[1].pop("etag", "").rpartition("-")[2] for answer in (expected, answered)]
    assert etags[0] == etags[1]
    assert answered[:2] == expected[:2]
    assert answered[2] == expected[2]


def test_the_comparison_sees_real_answers(both: tuple[LiveServer, LiveServer]) -> None:
    """The cases above are what they claim: a range is a 206 of the file's bytes, HEAD has no
    body but the GET's length, SPARQL by a chunked body answers rows."""
    _waitress, granian = both
    status, headers, body = exchange(granian, "GET", "/dumps/dataset.nq", {}, None)
    assert status == 200 and len(body) == int(headers["content-length"]) > 1000
    status, headers, part = exchange(
        granian, "GET", "/dumps/dataset.nq", {"Range": "bytes=100-1099"}, None
    )
    assert status == 206 and part == body[100:1100]
    assert headers["content-range"] == f"bytes 100-1099/{len(body)}"
    status, headers, empty = exchange(granian, "HEAD", "/doc/city/tabriz.ttl", {}, None)
    _, _, whole = exchange(granian, "GET", "/doc/city/tabriz.ttl", {}, None)
    assert (status, empty, int(headers["content-length"])) == (200, b"", len(whole))
    chunked = [SPARQL[:20].encode(), SPARQL[20:].encode()]
    headers = {"Content-Type": "application/sparql-query", **JSON_RESULTS}
    status, _, answer = exchange(granian, "POST", "/sparql", headers, chunked)
    assert status == 200 and json.loads(answer)["results"]["bindings"]


class Headers:
    """Granian's headers object: names in lower case, a value per line."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items_ = items

    def keys(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.items_))

    def items(self) -> list[tuple[str, str]]:
        return list(self.items_)

    def get(self, key: str, default: Any = None) -> Any:
        return next((value for name, value in self.items_ if name == key), default)

    def __contains__(self, key: str) -> bool:
        return key in self.keys()


class Scope:
    """What granian hands the front for one request (RSGI's scope)."""

    proto = "http"
    http_version = "1.1"
    server = "127.0.0.1:5000"
    client = "[::1]:51234"
    scheme = "http"
    method = "POST"
    path = "/doc/city/تبریز"
    query_string = "q=%D8%AA&x=1"
    authority = None
    headers = Headers(
        [
            ("host", "example.org"),
            ("content-type", "application/sparql-query"),
            ("content-length", "6"),
            ("accept", "text/csv"),
            ("accept", "application/json"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
            ("x-forwarded-for", "203.0.113.7"),
        ]
    )


def test_the_environ_is_pep_3333s() -> None:
    scope = Scope()
    environ = make_environ(scope, b"ASK {}", base_environ(ServerSettings()), "/ld")
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == ""  # the path is not under the prefix
    assert environ["PATH_INFO"] == "/doc/city/تبریز".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=%D8%AA&x=1"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "5000")
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"]) == ("::1", "51234")
    assert environ["CONTENT_TYPE"] == "application/sparql-query"
    assert environ["CONTENT_LENGTH"] == "6"
    assert environ["HTTP_ACCEPT"] == "text/csv,application/json"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_HOST"] == "example.org"
    assert environ["HTTP_X_FORWARDED_FOR"] == "203.0.113.7"  # `trust_proxy` decides, later
    assert "HTTP_CONTENT_LENGTH" not in environ and "HTTP_CONTENT_TYPE" not in environ
    assert environ["wsgi.input"].read() == b"ASK {}"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.errors"] is sys.stderr
    scope.path = "/ld/sparql"
    environ = make_environ(scope, b"", base_environ(ServerSettings()), "/ld")
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/ld", "/sparql")
    assert environ["CONTENT_LENGTH"] == "0"  # announced, empty


def test_an_app_failure_is_a_500_in_the_one_shape_without_a_trace() -> None:
    """The app raising outside Flask's own 500 handler: the front answers, logs the request."""
    sent: list[tuple[int, list[tuple[str, str]], bytes]] = []

    class Protocol:
        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            sent.append((status, headers, body))

    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("secret internals")

    log = io.StringIO()
    settings = ServerSettings(threads=1)
    front = RSGIFront(failing, settings, log)  # type: ignore[arg-type]
    try:
        environ = make_environ(Scope(), b"ASK {}", base_environ(settings))
        front.answer(environ, Protocol(), 0.0)
    finally:
        front.pool.shutdown()
    [(status, headers, body)] = sent
    assert status == 500
    assert json.loads(body)["error"]["title"] == "Internal Server Error"
    assert b"secret" not in body and b"Traceback" not in body
    assert ("Connection", "close") in headers
    assert json.loads(log.getvalue())["status"] == 500


class Recorder:
    """Granian's protocol, recording what the front sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, str], bytes]] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.sent.append((status, dict(headers), body))


def get_scope(path: str, accept: str, method: str = "GET") -> Scope:
    scope = Scope()
    scope.method, scope.path, scope.query_string = method, path, ""
    scope.headers = Headers([("host", "127.0.0.1:5000"), ("accept", accept)])
    return scope


def test_cache_hits_are_answered_on_the_loop_and_misses_by_a_thread(mini_app: Flask) -> None:
    """`front_app`'s wiring: a GET the response cache holds is answered without the pool
    (shut down here, so a thread hop would fail), byte for byte what the app answered; a
    miss, a HEAD-first request and a POST are not taken from it."""
    import asyncio

    from citydip_ld.granian_front import front_app

    front = front_app(lambda: mini_app, False, "warning", ServerSettings(threads=1))
    assert front.cached is not None
    first = Recorder()
    asyncio.run(front(get_scope("/doc/city/tabriz.ttl", "text/turtle"), first))  # a thread
    front.pool.shutdown()  # from now on a thread hop raises RuntimeError
    second = Recorder()
    asyncio.run(front(get_scope("/doc/city/tabriz.ttl", "text/turtle"), second))  # the loop
    assert second.sent == first.sent and first.sent[0][0] == 200
    assert b"Tabriz" in first.sent[0][2]
    head = Recorder()
    asyncio.run(front(get_scope("/doc/city/tabriz.ttl", "text/turtle", "HEAD"), head))
    assert head.sent[0][2] == b"" and head.sent[0][1] == first.sent[0][1]
    with pytest.raises(RuntimeError, match="shutdown"):  # a page's miss needs a thread
        asyncio.run(front(get_scope("/doc/city/wuhan.html", "text/html"), Recorder()))


def test_the_cache_is_not_asked_before_its_first_entry(mini_app: Flask) -> None:
    """Before the cache's first entry the release check may open the store: not on the
    event loop (`ResponseCacheMiddleware.cached` says None without looking)."""
    middleware = mini_app.wsgi_app
    environ = make_environ(
        get_scope("/doc/city/tabriz.ttl", "*/*"), b"", base_environ(ServerSettings())
    )
    released: list[int] = []
    original = middleware.release  # type: ignore[attr-defined]
    middleware.release = lambda: released.append(1) or original()  # type: ignore[attr-defined]
    assert middleware.cached(dict(environ), lambda *a: None) is None  # type: ignore[attr-defined]
    assert released == []


def loaded_front(app: Flask, threads: bool = True) -> Any:
    """`front_app`'s front for `app`, its store opened; without `threads`, its pool shut
    down, so that anything not answered on the event loop raises RuntimeError."""
    from citydip_ld.granian_front import front_app
    from citydip_ld.web.context import release_of

    assert release_of(app) is not None  # opens the store, as `serve` does before forking
    front = front_app(lambda: app, False, "warning", ServerSettings(threads=1))
    if not threads:
        front.pool.shutdown()
    return front


def ask(
    front: Any, path: str, accept: str, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    import asyncio

    recorder = Recorder()
    asyncio.run(front(get_scope(path, accept, method), recorder))
    [(status, headers, body)] = recorder.sent
    headers.pop("Date", None)  # a whole second: may differ between two answers
    return status, headers, body


@pytest.mark.parametrize(
    ("path", "accept", "method"),
    [
        ("/doc/city/wuhan.ttl", "*/*", "GET"),
        ("/doc/city/wuhan", "text/turtle", "GET"),
        ("/doc/city/wuhan", "application/n-triples", "GET"),
        ("/doc/city/wuhan.nq", "*/*", "GET"),
        ("/doc/city/wuhan.rdf", "*/*", "GET"),
        ("/doc/city/wuhan", "text/turtle", "HEAD"),
        ("/id/city/wuhan", "text/turtle", "GET"),
    ],
)
def test_a_cold_document_is_answered_on_the_loop_as_a_thread_answers_it(
    mini_dataset_dir: Any, path: str, accept: str, method: str
) -> None:
    """A document the response cache does not hold yet, or an IRI's 303, from the built
    dataset in memory: answered on the event loop (the pool shut down), the same answer as
    the app's on a thread (another app on the same data, its front's quick path off), then
    kept."""
    from citydip_ld.web import create_app
    from web_support import KEEP_AT_ONCE

    config = {
        "TESTING": True,
        "DATASET_DIR": str(mini_dataset_dir),
        "QUERY_WORKERS": 0,
        **KEEP_AT_ONCE,
    }
    threaded = loaded_front(create_app(config))
    threaded.quick = None  # everything the cache does not hold goes to a thread
    on_loop = loaded_front(create_app(config), threads=False)
    expected = ask(threaded, path, accept, method)
    assert expected[0] in (200, 303) and (method == "HEAD" or expected[2])
    assert ask(on_loop, path, accept, method) == expected
    assert len(on_loop.hits.cache) == (expected[0] == 200)  # a document is kept, a 303 not


@pytest.mark.parametrize(
    ("path", "accept"), [("/doc/city/wuhan", "text/turtle"), ("/id/city/wuhan", "*/*")]
)
def test_without_the_response_cache_a_document_is_still_answered_on_the_loop(
    mini_dataset_dir: Any, path: str, accept: str
) -> None:
    """RESPONSE_CACHE_BYTES 0 takes the cache away, not the document route: a document or an
    IRI's 303 is answered on the event loop (the pool shut down), as a thread answers it, and
    again the next time (nothing kept)."""
    from citydip_ld.web import create_app

    config = {
        "TESTING": True,
        "DATASET_DIR": str(mini_dataset_dir),
        "QUERY_WORKERS": 0,
        "RESPONSE_CACHE_BYTES": 0,
    }
    threaded = loaded_front(create_app(config))
    threaded.quick = None
    on_loop = loaded_front(create_app(config), threads=False)
    assert on_loop.hits is None and on_loop.cached is None
    expected = ask(threaded, path, accept)
    assert expected[0] in (200, 303)
    assert ask(on_loop, path, accept) == expected
    assert ask(on_loop, path, accept) == expected


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/doc/city/wuhan.html", "*/*"),  # a page
        ("/doc/city/wuhan", "text/html"),
        ("/doc/city/wuhan.jsonld", "*/*"),  # JSON-LD: the Flask route's
        ("/doc/city/nowhere.ttl", "*/*"),  # unknown: the Flask route's 404
        ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ],
)
def test_what_the_document_route_does_not_answer_goes_to_a_thread(
    mini_app: Flask, path: str, accept: str
) -> None:
    import asyncio

    front = loaded_front(mini_app, threads=False)
    scope = get_scope(path.split("?")[0], accept)
    scope.query_string = path.partition("?")[2]
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="shutdown"):
        asyncio.run(front(scope, recorder))
    assert recorder.sent == []


def store_folder_config(sources: list[Any], folder: Any) -> dict[str, Any]:
    """The N-Quads files `sources` published into the store folder `folder`; the settings of
    an app serving it (no query workers)."""
    from citydip_ld.stores.disk_publish import write_store_dir
    from web_support import BASE

    write_store_dir(sources, folder)
    return {"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0}


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/doc/city/wuhan.ttl", "*/*"),
        ("/doc/city/wuhan", "application/n-triples"),
        ("/doc/city/wuhan.rdf", "*/*"),
        ("/id/city/wuhan", "text/turtle"),
    ],
)
def test_a_store_folders_document_is_answered_on_the_loop_once_its_tables_are_open(
    mini_dataset_dir: Any, tmp_path: Any, path: str, accept: str
) -> None:
    """A store folder's first document goes to a thread (which opens the generation and its
    tables); from then on a cold document is answered on the event loop (the pool shut
    down), from the tables' text, as a thread answers it."""
    from citydip_ld.web import create_app

    folder = tmp_path / "store"
    config = store_folder_config([mini_dataset_dir / "dataset.nq"], folder)
    app = create_app(config)
    front = loaded_front(app)
    route = app.wsgi_app.app  # type: ignore[attr-defined]
    assert not route.answers_here()  # the generation open, its tables not yet
    assert ask(front, "/doc/city/tabriz.ttl", "*/*")[0] == 200  # on a thread, which opens them
    assert route.answers_here()
    front.pool.shutdown()
    threaded = loaded_front(create_app(config))  # the same store folder, another cache
    threaded.quick = None  # everything the cache does not hold goes to a thread
    expected = ask(threaded, path, accept)
    assert expected[0] in (200, 303) and expected[2]
    assert ask(front, path, accept) == expected


def test_a_store_folders_document_that_would_wait_on_a_slow_disk_goes_to_a_thread(
    mini_dataset_dir: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the disk is slow (`quad_table.quick_reads`), a store folder's document whose
    block the page cache does not hold goes to a thread (which reads it), nothing sent from
    the loop; once the page cache holds it, another format of it is answered on the loop.

    The page cache's answer is the test's (`_read_cached` says the block is not there): a
    block dropped from the page cache is not reliably missing when read, since a read that
    must not wait (`RWF_NOWAIT`) still starts the kernel's read-ahead, which on a fast disk
    can bring the block in before the read gives up (on CI: answered on the loop)."""
    import asyncio
    import time

    from citydip_ld.stores import quad_table
    from citydip_ld.web import create_app

    folder = tmp_path / "store"
    config = store_folder_config([mini_dataset_dir / "dataset.nq"], folder)
    front = loaded_front(create_app(config))
    assert ask(front, "/doc/city/tabriz.ttl", "*/*")[0] == 200  # a thread opens the tables
    monkeypatch.setattr(quad_table, "_slow_until", time.monotonic() + 60)  # a slow read just now
    with monkeypatch.context() as missing:
        missing.setattr(quad_table, "_read_cached", lambda _fd, _length, _start: None)
        pool = front.pool
        pool.shutdown()
        recorder = Recorder()
        with pytest.raises(RuntimeError, match="shutdown"):
            asyncio.run(front(get_scope("/doc/city/wuhan.ttl", "*/*"), recorder))
        assert recorder.sent == []
    front.pool = ThreadPoolExecutor(1)
    assert ask(front, "/doc/city/wuhan.ttl", "*/*")[0] == 200  # on a thread, from the disk
    front.pool.shutdown()
    assert ask(front, "/doc/city/wuhan.nt", "*/*")[0] == 200  # on the loop


def test_a_store_folders_lookups_are_left_to_a_thread(tmp_path: Any) -> None:
    """A resource its store folder's tables cannot describe (it links to a blank node, whose
    id in the table is not the store's) is looked up in RocksDB, which may wait on the disk:
    the route declines it on the loop and answers it on a thread."""
    from werkzeug.test import EnvironBuilder

    from citydip_ld.stores.table_description import table_lines
    from citydip_ld.web import create_app
    from citydip_ld.web.context import get_store
    from web_support import BASE

    graph = f"<{BASE}graph/facts>"
    source = tmp_path / "dataset.nq"
    source.write_text(
        f'<{BASE}id/city/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" {graph} .\n'
        f"<{BASE}id/city/x> <http://example.org/p> _:b {graph} .\n"
        f'_:b <http://example.org/q> "1" {graph} .\n',
        encoding="utf-8",
    )
    app = create_app(store_folder_config([source], tmp_path / "store"))
    with app.app_context():
        assert table_lines(get_store()) is not None  # its tables open
    route = app.wsgi_app.app  # type: ignore[attr-defined]
    assert route.answers_here()
    environ = EnvironBuilder(path="/doc/city/x.ttl").get_environ()
    sent: list[str] = []
    assert route.quick(dict(environ), lambda status, headers: sent.append(status)) is None
    assert sent == []
    body = b"".join(route(dict(environ), lambda status, headers: sent.append(status)))
    assert sent == ["200 OK"] and b'<http://example.org/q> "1"' in body


def test_a_store_not_opened_yet_is_not_opened_on_the_loop(mini_dataset_dir: Any) -> None:
    """Opening (here, loading the dataset) is work for a thread: the loop declines."""
    import asyncio

    from citydip_ld.granian_front import front_app
    from citydip_ld.web import create_app
    from citydip_ld.web.context import STORE_KEY

    app = create_app({"TESTING": True, "DATASET_DIR": str(mini_dataset_dir), "QUERY_WORKERS": 0})
    front = front_app(lambda: app, False, "warning", ServerSettings(threads=1))
    front.pool.shutdown()
    with pytest.raises(RuntimeError, match="shutdown"):
        asyncio.run(front(get_scope("/doc/city/tabriz.ttl", "*/*"), Recorder()))
    assert STORE_KEY not in app.extensions


def test_a_document_that_took_too_long_goes_to_a_thread_from_then_on(
    mini_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydip_ld import granian_front

    monkeypatch.setattr(granian_front, "QUICK_LIMIT", -1.0)  # every answer too long
    front = loaded_front(mini_app, threads=False)
    assert ask(front, "/doc/city/wuhan", "text/turtle")[0] == 200  # on the loop, then noted
    assert front.slow == {"/doc/city/wuhan"}
    with pytest.raises(RuntimeError, match="shutdown"):  # another format: not in the cache
        ask(front, "/doc/city/wuhan", "application/n-triples")
    assert ask(front, "/doc/city/wuhan", "text/turtle")[0] == 200  # a hit stays on the loop


def test_the_built_dataset_and_a_store_folder_with_open_tables_answer_on_the_loop(
    dataset_dir: Any, tmp_path: Any
) -> None:
    """A store not opened yet, a remote store (HTTP requests) and a store folder whose
    generation or tables are not open yet, or that has no tables, answer on a thread
    (`DocumentRoute.answers_here`); the built dataset, once loaded, on the loop, and a store
    folder once its live generation and both its tables are open (a document is then text
    from the tables), until `current` moves to a generation not opened yet."""
    from citydip_ld.stores.disk_publish import write_store_dir
    from citydip_ld.stores.remote import RemoteSparqlStore
    from citydip_ld.stores.store import OxigraphStore, open_store
    from citydip_ld.stores.table_description import table_lines
    from citydip_ld.web import create_app
    from citydip_ld.web.context import STORE_KEY, release_of
    from citydip_ld.web.document_route import DocumentRoute

    app = create_app({"TESTING": True, "DATASET_DIR": str(dataset_dir), "QUERY_WORKERS": 0})
    route = DocumentRoute(lambda *_: [], app)
    assert not route.answers_here()  # nothing opened
    assert release_of(app) is not None  # loads the built dataset
    assert isinstance(app.extensions[STORE_KEY], OxigraphStore) and route.answers_here()
    app.extensions[STORE_KEY] = RemoteSparqlStore("http://127.0.0.1:9/sparql")
    assert not route.answers_here()
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    older = as_older_code_wrote_it(folder, tmp_path / "older", "resources")
    store = app.extensions[STORE_KEY] = open_store(folder, workers=0)
    assert not route.answers_here()  # nothing opened
    store.current()  # its live generation open
    assert not route.answers_here()  # its tables not yet
    assert table_lines(store) is not None  # opened, as the first document read from them does
    assert route.answers_here()
    write_store_dir([dataset_dir / "dataset.nq"], folder)  # `current` moves
    assert not route.answers_here()  # opening the new generation is a wait
    assert table_lines(store) is not None
    assert route.answers_here()
    app.extensions[STORE_KEY] = OxigraphStore.from_store_dir(folder)  # a generation, directly
    assert not route.answers_here()
    store = app.extensions[STORE_KEY] = open_store(older, workers=0)
    assert table_lines(store) is None  # no resource table: documents read by lookups
    assert not route.answers_here()


def test_a_request_the_loop_declines_is_one_miss_not_two(mini_app: Flask) -> None:
    """The cache's counts stay true: a request the document route declines on the loop is
    counted once, by the app that answers it on a thread; one it answers, once too."""
    middleware = mini_app.wsgi_app
    route = middleware.app  # type: ignore[attr-defined]
    loaded_front(mini_app)  # the store loaded
    page = make_environ(
        get_scope("/doc/city/tabriz.html", "*/*"), b"", base_environ(ServerSettings())
    )
    assert middleware.quick(route.quick, dict(page), lambda *a: None) is None  # type: ignore[attr-defined]
    assert middleware.cache.stats()["misses"] == 0  # type: ignore[attr-defined]
    middleware(dict(page), lambda *a: None)
    assert middleware.cache.stats()["misses"] == 1  # type: ignore[attr-defined]
    document = make_environ(
        get_scope("/doc/city/tabriz.ttl", "*/*"), b"", base_environ(ServerSettings())
    )
    assert middleware.quick(route.quick, dict(document), lambda *a: None)  # type: ignore[attr-defined]
    assert middleware.quick(route.quick, dict(document), lambda *a: None)  # type: ignore[attr-defined]
    stats = middleware.cache.stats()  # type: ignore[attr-defined]
    assert (stats["misses"], stats["hits"]) == (2, 1)


def test_the_workers_run_asyncios_event_loop_whatever_else_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Granian's default loop ("auto") would take rloop or uvloop if either were importable:
    the server names asyncio's, so another installed package does not change it."""
    import granian.server
    from granian.constants import Loops

    from citydip_ld.granian_front import serve_granian

    built: list[dict[str, Any]] = []

    class Recorded:
        def __init__(self, target: str, **options: Any) -> None:
            built.append(options)

        def serve(self, **_options: Any) -> None:
            pass

    monkeypatch.setattr(granian.server, "Server", Recorded)
    settings = ServerSettings("127.0.0.1", 5999, 2, pin_workers=False)
    serve_granian(lambda: Flask(__name__).wsgi_app, settings)
    assert [options["loop"] for options in built] == [Loops.asyncio]
    # and a worker that does not stop after its SIGTERM is killed, not waited for for ever
    assert [options["workers_kill_timeout"] for options in built] == [WORKER_STOP_WAIT]


def _start_worker_told_to_stop(loader: str) -> None:
    """A granian worker's start (`loader`: front_app or forked_front) in a process that has
    the supervisor's kind of handler (it only sets an event), told to stop while starting:
    the signal comes while the loader sets up its logging, which then takes its time."""
    import os
    import signal
    import time

    from citydip_ld import granian_front

    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)  # inherited: swallows it
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)

    def told_to_stop(_level: str) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    granian_front.configure_logging = told_to_stop  # type: ignore[assignment]
    settings = ServerSettings("127.0.0.1", 5999, 2, pin_workers=False)
    app = Flask(__name__).wsgi_app
    if loader == "front_app":
        granian_front.front_app(lambda: app, False, "warning", settings)
    else:
        granian_front.forked_front(app, False, "warning", settings)


@pytest.mark.parametrize("loader", ["front_app", "forked_front"])
def test_a_worker_told_to_stop_while_starting_stops(loader: str) -> None:
    """Granian's worker inherits the supervisor's SIGTERM handler, which does not stop it:
    told to stop before granian sets its own handlers, it served on, and `serve` waited for
    it for ever. Its start lets the signal stop it."""
    import signal

    assert _how_a_forked_worker_ends(_start_worker_told_to_stop, loader) == -signal.SIGTERM


def _start_after_the_supervisor_died() -> None:
    """A worker whose supervisor (here: a pid that is not its parent) died before the
    worker set its parent-death signal: it must stop at once."""
    import os
    import time

    from citydip_ld.granian_front import stop_with_supervisor

    stop_with_supervisor(os.getppid() + 1)  # not its parent: that supervisor is gone
    time.sleep(5)


def test_a_worker_whose_supervisor_died_before_it_started_stops() -> None:
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    assert _how_a_forked_worker_ends(_start_after_the_supervisor_died) == -signal.SIGTERM


def _how_a_forked_worker_ends(target: Any, *args: Any) -> int | None:
    """The exit code of `target(*args)` run in a forked process (minus the signal that
    ended it), or None when it was still running after 10 s (then killed)."""
    import multiprocessing

    worker = multiprocessing.get_context("fork").Process(target=target, args=args)
    worker.start()
    worker.join(10)
    if worker.is_alive():
        worker.kill()
        worker.join()
        return None
    return worker.exitcode
