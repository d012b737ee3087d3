"""Cache hits on granian's event loop without an environ (`RSGIFront.answer_hit`).

A plain GET or HEAD whose answer the response cache holds is looked up from the RSGI scope
and sent from the entry's prebuilt status and header list. It must send what the environ
route (`RSGIFront.answer_cached`: the environ, the trusted-proxy middleware, the cache's
WSGI answer) sends, byte for byte and header for header, in every SPARQL results format (by
`Accept` and by `format=`), for documents and HEAD; write the same access-log line; and stand
aside for what only the environ route handles (conditional requests, ranges, cookies, a body,
repeated headers, the trusted proxy, a release change), which then answers as before.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

from citydip_ld import logs
from citydip_ld.granian_front import (
    RSGIFront,
    front_app,
    hit_headers,
    make_environ,
    split_prefix,
)
from citydip_ld.serving import AccessLog, ServerSettings
from citydip_ld.web.response_cache import ResponseCacheMiddleware, request_key

SPARQL = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ORDER BY ?s ?o"
QUERY = urlencode({"query": SPARQL})


class Headers:
    """Granian's RSGIHeaders: lower-case names, repeats kept, `items()` in arrival order."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items_ = items

    def items(self) -> list[tuple[str, str]]:
        return list(self.items_)

    def get(self, key: str, default: Any = None) -> Any:
        return next((value for name, value in self.items_ if name == key), default)

    def __contains__(self, key: str) -> bool:
        return any(name == key for name, _ in self.items_)


class Scope:
    proto = "http"
    http_version = "1.1"
    server = "127.0.0.1:5000"
    client = "127.0.0.1:51234"
    scheme = "http"
    authority = None

    def __init__(self, method: str, path: str, query: str, headers: list[tuple[str, str]]) -> None:
        self.method, self.path, self.query_string = method, path, query
        self.headers = Headers([("host", "127.0.0.1:5000"), *headers])


class Recorder:
    """Granian's protocol: what the front sends, the header list as it was handed over."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, list[tuple[str, str]], bytes]] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.sent.append((status, list(headers), body))


def make_front(app: Flask, settings: ServerSettings | None = None) -> tuple[RSGIFront, io.StringIO]:
    front = front_app(lambda: app, False, "warning", settings or ServerSettings(threads=1))
    log = io.StringIO()
    front.log = AccessLog(front.app, log)
    return front, log


def through_app(front: RSGIFront, scope: Scope) -> Recorder:
    """The whole front (the first time: the app on a pool thread, which fills the cache)."""
    sent = Recorder()
    asyncio.run(front(scope, sent))
    return sent


def environ_route(front: RSGIFront, scope: Scope) -> Recorder:
    """What the environ route sends for `scope` (`answer_cached`, as before the fast path)."""
    sent = Recorder()
    environ = make_environ(scope, b"", front.base, front.settings.url_prefix)
    assert front.answer_cached(environ, sent, 0.0)
    return sent


def fast_route(front: RSGIFront, scope: Scope) -> Recorder:
    sent = Recorder()
    assert front.answer_hit(scope, sent, 0.0), "not answered on the fast path"
    return sent


HITS = [
    ("json", "/sparql", QUERY, [("accept", "application/sparql-results+json")]),
    ("xml", "/sparql", QUERY, [("accept", "application/sparql-results+xml")]),
    ("csv", "/sparql", QUERY, [("accept", "text/csv")]),
    ("tsv", "/sparql", QUERY, [("accept", "text/tab-separated-values")]),
    ("format-param", "/sparql", QUERY + "&format=csv", []),
    ("browser", "/sparql", QUERY, [("accept", "text/html,application/xhtml+xml,*/*;q=0.8")]),
    ("turtle-doc", "/doc/city/tabriz", "", [("accept", "text/turtle")]),
    ("jsonld-doc", "/doc/city/tabriz.jsonld", "", []),
    ("page-fa", "/doc/city/tabriz.html", "", [("accept-language", "fa")]),
    ("with-log-headers", "/sparql", QUERY, [("user-agent", "ua/1"), ("referer", "http://x/")]),
]


@pytest.mark.parametrize("case", HITS, ids=[c[0] for c in HITS])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_hit_sends_the_environ_routes_answer_byte_for_byte(
    mini_app: Flask, case: tuple[str, str, str, list[tuple[str, str]]], method: str
) -> None:
    _name, path, query, headers = case
    front, log = make_front(mini_app)
    try:
        cold = through_app(front, Scope("GET", path, query, headers))  # the app; kept
        old = environ_route(front, Scope(method, path, query, headers))
        new = fast_route(front, Scope(method, path, query, headers))
    finally:
        front.pool.shutdown()
    assert new.sent == old.sent  # status, every header in order, body
    status, sent_headers, body = new.sent[0]
    assert status == 200 and cold.sent[0][0] == 200
    assert sent_headers == cold.sent[0][1]  # the cold answer's headers, ETag included
    assert body == (b"" if method == "HEAD" else cold.sent[0][2])
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert len(lines) == 3
    for line in lines:
        line.pop("time"), line.pop("duration_ms")
    assert lines[2] == lines[1]  # the environ route's line, field for field
    assert lines[2]["method"] == method and lines[2]["query"] == query
    assert lines[2]["bytes"] == len(body)


def test_the_sparql_formats_are_kept_apart(mini_app: Flask) -> None:
    """One query, four result formats: four entries, each answered in its own format."""
    front, _log = make_front(mini_app)
    kinds = {}
    try:
        for accept in (
            "application/sparql-results+json",
            "text/csv",
            "application/sparql-results+xml",
        ):
            scope = Scope("GET", "/sparql", QUERY, [("accept", accept)])
            through_app(front, scope)
            [(_s, headers, _b)] = fast_route(front, scope).sent
            kinds[accept] = dict(headers)["Content-Type"]
    finally:
        front.pool.shutdown()
    assert [kind.split(";")[0] for kind in kinds.values()] == list(kinds)


def test_the_key_is_the_environ_routes(mini_app: Flask) -> None:
    """The fast path asks the cache for `request_key` of the environ the front would build:
    under a mount point, with percent-encoded and non-ASCII paths, and without the headers."""
    middleware = mini_app.wsgi_app
    assert isinstance(middleware, ResponseCacheMiddleware)
    settings = ServerSettings(threads=1, url_prefix="/ld")
    front, _log = make_front(mini_app, settings)
    asked: list[Any] = []
    middleware.cache.get = lambda key, count_miss=True: asked.append(key)  # type: ignore[method-assign]
    middleware.cache.bytes = 1
    middleware.cache._release = middleware.release()
    scopes = [
        Scope("GET", "/ld/doc/city/تبریز", "q=%D8%AA&x=é", [("accept", "text/turtle;q=0.9")]),
        Scope("HEAD", "/ld", "", [("accept-language", "fa, en;q=0.5")]),
        Scope("GET", "/ldx/sparql", QUERY, []),
        Scope("GET", "/sparql", "", [("accept", "*/*")]),
    ]
    try:
        for scope in scopes:
            assert front.answer_hit(scope, Recorder(), 0.0) is False  # a miss: None from `get`
            environ = make_environ(scope, b"", front.base, "/ld")
            assert asked.pop() == request_key(environ)
    finally:
        front.pool.shutdown()
    assert split_prefix("/ld", "/ld") == ("/ld", "/")
    assert split_prefix("/ldx", "/ld") == ("", "/ldx")


STAND_ASIDE = [
    ("if-none-match", [("if-none-match", "*")]),
    ("if-modified-since", [("if-modified-since", "Thu, 01 Jan 2099 00:00:00 GMT")]),
    ("range", [("range", "bytes=0-10")]),
    ("cookie", [("cookie", "a=1")]),
    ("a body", [("content-length", "0")]),
    ("chunked", [("transfer-encoding", "chunked")]),
    ("repeated accept", [("accept", "text/csv"), ("accept", "application/json")]),
    ("repeated user agent", [("user-agent", "a"), ("user-agent", "b")]),
]


@pytest.mark.parametrize("case", STAND_ASIDE, ids=[c[0] for c in STAND_ASIDE])
def test_the_fast_path_stands_aside_for_what_the_environ_route_handles(
    mini_app: Flask, case: tuple[str, list[tuple[str, str]]]
) -> None:
    _name, extra = case
    front, _log = make_front(mini_app)
    accept = [("accept", "text/csv")]
    try:
        through_app(front, Scope("GET", "/sparql", QUERY, accept))
        assert front.answer_hit(Scope("GET", "/sparql", QUERY, accept), Recorder(), 0.0)
        assert hit_headers(Scope("GET", "/sparql", QUERY, extra).headers) is None
        assert front.answer_hit(Scope("GET", "/sparql", QUERY, extra), Recorder(), 0.0) is None
    finally:
        front.pool.shutdown()


def test_a_miss_on_the_fast_path_is_not_looked_up_again(mini_app: Flask) -> None:
    """A request the fast path looked up and missed goes to the app without the environ
    route's lookup of the same key (`answer_cached`); one it stood aside for (a repeated
    header) is still looked up there, and answered from the cache on the loop."""
    front, _log = make_front(mini_app)
    asked: list[str] = []
    looked_up = front.answer_cached

    def answer_cached(environ: Any, protocol: Any, started: float) -> bool:
        asked.append(environ["PATH_INFO"])
        return looked_up(environ, protocol, started)

    front.answer_cached = answer_cached  # type: ignore[method-assign]
    accept = [("accept", "text/csv")]
    try:
        first = through_app(front, Scope("GET", "/sparql", QUERY, accept))  # fills the cache
        asked.clear()
        miss = through_app(front, Scope("GET", "/doc/city/tabriz.nt", "", []))
        assert asked == []  # looked up once, on the fast path
        twice = [*accept, ("user-agent", "a"), ("user-agent", "b")]
        hit = through_app(front, Scope("GET", "/sparql", QUERY, twice))
        assert asked == ["/sparql"]
    finally:
        front.pool.shutdown()
    assert miss.sent[0][0] == 200 and b"Tabriz" in miss.sent[0][2]
    assert hit.sent == first.sent


def test_a_conditional_hit_is_still_a_304(mini_app: Flask) -> None:
    front, _log = make_front(mini_app)
    accept = [("accept", "text/csv")]
    try:
        first = through_app(front, Scope("GET", "/sparql", QUERY, accept))
        etag = dict(first.sent[0][1])["ETag"]
        again = through_app(
            front, Scope("GET", "/sparql", QUERY, [*accept, ("if-none-match", etag)])
        )
    finally:
        front.pool.shutdown()
    [(status, headers, body)] = again.sent
    assert status == 304 and body == b"" and dict(headers)["ETag"] == etag


@pytest.mark.parametrize("trusted", ["127.0.0.1", "*"])
def test_the_trusted_proxy_takes_the_environ_route(mini_app: Flask, trusted: str) -> None:
    """From the trusted proxy (its address, or anyone with `*`) the client in the log is the
    forwarded one, as before."""
    settings = ServerSettings(threads=1, trusted_proxy=trusted)
    front, log = make_front(mini_app, settings)
    headers = [("accept", "text/csv"), ("x-forwarded-for", "203.0.113.7")]
    try:
        through_app(front, Scope("GET", "/sparql", QUERY, headers))
        scope = Scope("GET", "/sparql", QUERY, headers)
        assert not front.answer_hit(scope, Recorder(), 0.0)
        hit = through_app(front, scope)  # the environ route, on the loop
    finally:
        front.pool.shutdown()
    assert hit.sent[0][0] == 200
    assert [json.loads(line)["client"] for line in log.getvalue().splitlines()] == [
        "203.0.113.7",
        "203.0.113.7",
    ]


def test_an_untrusted_proxy_header_changes_nothing(mini_app: Flask) -> None:
    """From anyone else the forwarded headers are dropped (the environ route's middleware):
    the fast path answers, and logs the peer."""
    front, log = make_front(mini_app, ServerSettings(threads=1, trusted_proxy="10.0.0.1"))
    headers = [("accept", "text/csv"), ("x-forwarded-for", "203.0.113.7")]
    try:
        through_app(front, Scope("GET", "/sparql", QUERY, headers))
        old = environ_route(front, Scope("GET", "/sparql", QUERY, headers))
        new = fast_route(front, Scope("GET", "/sparql", QUERY, headers))
    finally:
        front.pool.shutdown()
    assert new.sent == old.sent
    clients = [json.loads(line)["client"] for line in log.getvalue().splitlines()]
    assert clients == ["127.0.0.1"] * 3


def test_a_release_change_is_a_miss(mini_app: Flask) -> None:
    front, _log = make_front(mini_app)
    middleware = mini_app.wsgi_app
    assert isinstance(middleware, ResponseCacheMiddleware)
    scope = Scope("GET", "/sparql", QUERY, [("accept", "text/csv")])
    try:
        through_app(front, scope)
        assert front.answer_hit(scope, Recorder(), 0.0)
        middleware.release = lambda: "the next release"  # type: ignore[method-assign]
        assert not front.answer_hit(scope, Recorder(), 0.0)
        middleware.release = lambda: None  # type: ignore[method-assign]
        assert not front.answer_hit(scope, Recorder(), 0.0)
    finally:
        front.pool.shutdown()


def test_the_access_log_writes_utf8_bytes_in_order_with_text_lines() -> None:
    """Under a UTF-8 text stream (stderr) the lines go to its binary layer, after whatever
    its text layer holds; elsewhere (StringIO) through the text layer. Same bytes."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    log = AccessLog(lambda e, s: [], stream)  # type: ignore[arg-type, return-value]
    assert log._binary is raw
    stream.write("before\n")
    parts = ("::1", "GET", "/doc/city/تبریز", "q=é", 200, 5, 0.0, ("ua", "", "text/turtle"))
    log.write_request(*parts)
    text = io.StringIO()
    AccessLog(lambda e, s: [], text).write_request(*parts)  # type: ignore[arg-type, return-value]
    first, second = raw.getvalue().decode("utf-8").splitlines()
    assert first == "before"
    mine, theirs = json.loads(second), json.loads(text.getvalue())
    for record in (mine, theirs):
        record.pop("time"), record.pop("duration_ms")
    assert mine == theirs and mine["path"] == "/doc/city/تبریز"
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    assert AccessLog(lambda e, s: [], latin)._binary is None  # type: ignore[arg-type, return-value]


def test_now_text_is_isoformat_in_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    for ns in (1_764_727_675_802_999_999, 1_764_727_675_000_000_000, 1_764_727_676_999_000_000):
        monkeypatch.setattr(logs.time, "time_ns", lambda ns=ns: ns)
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
        expected = moment.isoformat(timespec="milliseconds")
        assert logs.now_text() == expected
