"""Regression (issue 13.5, 12.2): slow clients cannot hold the server's connection limit.

Each test runs against waitress (in this process) and granian (the real `citydip-ld serve
--server granian`) on 127.0.0.1, with room for 3 connections at a time (waitress's limit of 5
counts its listening socket and its trigger too; granian's counts connections) and
deadlines of about a second: more trickling and idle connections than the limit are all
closed by the server, and a normal request made while they trickle is answered well before
they would have finished. Every loop is bounded in count and time; the tricklers stop by
themselves after `TRICKLE_BUDGET` seconds, so without the deadlines the normal request would
time out.

Granian's WSGI interface calls the app once the headers are in and hands it the body as a
stream whose `read()` has no deadline, so a slow body held an app thread for as long as the
client liked. Under granian the app now sits behind an RSGI front (`granian_front`) that
reads the body on its event loop within the body deadline (408 and closed beyond) before a
thread runs the app: the last test below holds as many trickled bodies as app threads.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from web_support import LiveServer, live_granian, live_on

DEADLINES = {"header_timeout": 1.0, "body_timeout": 1.5, "keepalive_timeout": 1.0}
ROOM = 3  # client connections at a time
#: The connection limit that leaves `ROOM` client connections, per server.
CONNECTION_LIMIT = {"waitress": ROOM + 2, "granian": ROOM}
TRICKLE_INTERVAL = 0.25  # seconds between two bytes
TRICKLE_BUDGET = 40.0  # a trickler gives up after this long (the server should close first)
NORMAL_REQUEST_BOUND = 20.0  # generous: waves of 3 connections, ~2 s each, then the request


@dataclass
class Outcome:
    kind: str
    closed_by_server: bool = False
    seconds: float = 0.0
    sent: int = 0


def _closed(sock: socket.socket) -> bool:
    """True once the server has closed `sock` (end of input, or a reset)."""
    try:
        return sock.recv(65536) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


Serve = Callable[..., AbstractContextManager[LiveServer]]


@pytest.fixture(params=["waitress", "granian"])
def serve(request: pytest.FixtureRequest, mini_app: Flask, mini_dataset_dir: Path) -> Serve:
    """Start the mini dataset's server of the parameter with `LIMITS`-like options."""
    server: str = request.param

    @contextmanager
    def start(**options: Any) -> Iterator[LiveServer]:
        options = {"connection_limit": CONNECTION_LIMIT[server], "threads": 2, **options}
        with live_on(server, mini_app, mini_dataset_dir, **options) as live:
            yield live

    start.server = server  # type: ignore[attr-defined]
    return start


def trickle(port: int, kind: str, outcome: Outcome, budget: float = TRICKLE_BUDGET) -> None:
    """Connect and behave as `kind` until the server closes the connection (or the budget)."""
    started = time.monotonic()
    preamble = {
        "silent": b"",
        "headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        "body": (
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\n"
        ),
    }
    if kind == "keep-alive":
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=budget)
        conn.request("GET", "/query")
        response = conn.getresponse()
        assert response.status == 200 and b"<form" in response.read()
        assert conn.sock is not None  # HTTP/1.1: kept alive for the next request
        sock = conn.sock
    else:
        sock = socket.create_connection(("127.0.0.1", port), timeout=budget)
        sock.sendall(preamble[kind])
    sock.settimeout(TRICKLE_INTERVAL)
    try:
        for _ in range(int(budget / TRICKLE_INTERVAL)):
            if time.monotonic() - started > budget:
                break
            if kind in ("headers", "body"):
                try:
                    sock.send(b"a")
                    outcome.sent += 1
                except OSError:
                    outcome.closed_by_server = True
                    break
            if _closed(sock):
                outcome.closed_by_server = True
                break
    finally:
        outcome.seconds = time.monotonic() - started
        sock.close()


def run_all(targets: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    return threads


def test_more_slow_connections_than_the_limit_are_closed_and_others_get_in(
    serve: Serve,
) -> None:
    kinds = ["silent", "headers", "body", "keep-alive"] * 2  # 8 connections, room for 3
    outcomes = [Outcome(kind) for kind in kinds]
    with serve(**DEADLINES) as server:
        port = int(server.url.rsplit(":", 1)[1])
        threads = run_all(
            [lambda o=o: trickle(port, o.kind, o) for o in outcomes]  # type: ignore[misc]
        )
        time.sleep(0.5)  # the slow connections hold every slot, and more wait to be accepted
        started = time.monotonic()
        request = urllib.request.Request(f"{server.url}/id/city/tabriz", headers={"Accept": "*/*"})
        opener = urllib.request.build_opener(NoRedirect())
        try:
            with opener.open(request, timeout=NORMAL_REQUEST_BOUND) as answer:
                status, location = answer.status, answer.headers["Location"]
        except urllib.error.HTTPError as refused:  # a 303 is an "error" without redirects
            status, location = refused.code, refused.headers["Location"]
        waited = time.monotonic() - started
        for thread in threads:
            thread.join(TRICKLE_BUDGET + 5)
        time.sleep(0.5)  # granian's access log arrives through a pipe
        log = [json.loads(line) for line in server.log]

    assert (status, location) == (303, "/doc/city/tabriz.html")
    assert waited < NORMAL_REQUEST_BOUND
    for outcome in outcomes:
        assert outcome.closed_by_server, outcome
        assert outcome.seconds < TRICKLE_BUDGET, outcome
    # A trickled body never reached the app (waitress closes without a word; granian's front
    # answers 408 and logs it); the trickled headers never made a request.
    posts = [(r["path"], r["status"]) for r in log if r["method"] == "POST"]
    assert posts == ([("/sparql", 408)] * 2 if serve.server == "granian" else [])  # type: ignore[attr-defined]
    gets = sorted(r["path"] for r in log if r["method"] == "GET")
    assert gets == ["/id/city/tabriz", "/query", "/query"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_each_stage_has_its_own_deadline(serve: Serve) -> None:
    """Alone (no waiting for a slot), each kind of slow connection is closed about its own
    deadline after it starts: the header, body and keep-alive timers (bounds generous)."""
    stages = [
        ("silent", DEADLINES["header_timeout"]),
        ("headers", DEADLINES["header_timeout"]),
        ("body", DEADLINES["body_timeout"]),
        ("keep-alive", DEADLINES["keepalive_timeout"]),
    ]
    with serve(**DEADLINES) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for kind, deadline in stages:
            outcome = Outcome(kind)
            trickle(port, kind, outcome)
            assert outcome.closed_by_server, outcome
            # at least the deadline, and at most the deadline plus loop turns and slack
            assert deadline - 0.1 <= outcome.seconds < deadline + 5, outcome
            if kind in ("headers", "body"):
                assert outcome.sent >= 2  # it was trickling, not idle, when it was closed


def test_granian_frees_the_app_from_slow_bodies_at_the_body_deadline(
    mini_dataset_dir: Path,
) -> None:
    """What waitress does (the body is read by its loop, not an app thread; the tests above):
    as many trickled bodies as app threads, and a page is still served within the body
    deadline plus slack, the bodies' connections closed at their deadline."""
    pytest.importorskip("granian")
    outcomes = [Outcome("body") for _ in range(2)]
    budget = DEADLINES["body_timeout"] + 8  # the tricklers give up after this long
    with live_granian(mini_dataset_dir, connection_limit=20, threads=2, **DEADLINES) as server:
        port = int(server.url.rsplit(":", 1)[1])
        threads = run_all([lambda o=o: trickle(port, "body", o, budget) for o in outcomes])  # type: ignore[misc]
        time.sleep(0.5)
        try:
            with urllib.request.urlopen(
                f"{server.url}/query", timeout=DEADLINES["body_timeout"] + 5
            ) as page:
                served = page.status == 200
        except TimeoutError:
            served = False
        for thread in threads:
            thread.join(budget + 5)
    assert served
    assert all(outcome.closed_by_server for outcome in outcomes), outcomes


def test_serve_passes_the_deadlines_to_the_server(
    mini_dataset_dir: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from citydip_ld import serving
    from citydip_ld.cli import main
    from citydip_ld.server_settings import DEFAULT_BODY_TIMEOUT

    seen: list[serving.ServerSettings] = []
    monkeypatch.setattr(serving, "serve", lambda app, settings, **kw: seen.append(settings))
    monkeypatch.setenv("CITYDIP_KEEPALIVE_TIMEOUT", "3")
    result = CliRunner().invoke(
        main,
        [
            *("serve", "--server", "waitress", "--dataset", str(mini_dataset_dir)),
            *("--no-check", "--header-timeout", "2.5"),
        ],
    )
    assert result.exit_code == 0, result.output
    [settings] = seen
    assert (settings.header_timeout, settings.body_timeout, settings.keepalive_timeout) == (
        2.5,
        DEFAULT_BODY_TIMEOUT,
        3.0,
    )
    on_any_port = dataclasses.replace(settings, port=0)
    server = serving.make_server(lambda e, s: [], on_any_port)  # type: ignore[arg-type, return-value]
    try:
        assert server.channel_class.deadlines.header_timeout == 2.5
        assert server.channel_class.deadlines.keepalive_timeout == 3.0
    finally:
        server.close()


def test_granian_has_one_timer_for_headers_and_keep_alive() -> None:
    from citydip_ld.serving import ServerSettings, granian_header_timeout

    assert granian_header_timeout(ServerSettings()) == 10_000  # headers 10 s, keep-alive 15 s
    both = ServerSettings(header_timeout=10, keepalive_timeout=2.5)
    assert granian_header_timeout(both) == 2_500
    assert granian_header_timeout(ServerSettings(header_timeout=90, keepalive_timeout=90)) == 60_000
