"""Regression: while 16 clients ran slow queries, a city page (which needs no query worker)
took 10-20 s: every web thread waited on the query pool. Now at most QUERY_CONCURRENCY SPARQL
requests are in progress at once; the others get 503 with Retry-After at once, and pages keep
the remaining threads. A real waitress server on 127.0.0.1; every loop is bounded."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from citydip_ld.serving import query_concurrency
from sparql_support import make_app, write_dataset_dir
from web_support import live_server

NUMBERS = " ".join(str(i) for i in range(300))
#: 300^4 rows to count: far longer than the time limit.
SLOW = f"SELECT (COUNT(*) AS ?n) {{ VALUES ?a {{ {NUMBERS} }} VALUES ?b {{ {NUMBERS} }} " + (
    f"VALUES ?c {{ {NUMBERS} }} VALUES ?d {{ {NUMBERS} }} }}"
)
CLIENTS = 12


def fetch(url: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_pages_stay_up_while_slow_queries_fill_the_query_slots(tmp_path: Path) -> None:
    app = make_app(
        write_dataset_dir(tmp_path / "build"),
        QUERY_WORKERS=1,
        QUERY_CONCURRENCY=2,
        QUERY_TIMEOUT=4,
    )
    answers: list[tuple[int, dict[str, str], bytes]] = []
    with live_server(app, threads=8) as server:
        sparql = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": SLOW})
        fetch(f"{server.url}/sparql?query=ASK%7B%7D")  # the worker is up

        def client() -> None:
            answers.append(fetch(sparql))

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        page = fetch(f"{server.url}/doc/city/tabriz.html")
        home = fetch(f"{server.url}/")
        elapsed = time.monotonic() - started
        for thread in threads:
            thread.join(30)
    assert page[0] == 200 and b"Tabriz" in page[2]
    assert home[0] == 200
    assert elapsed < 3, f"pages waited {elapsed:.1f} s behind the queries"
    assert len(answers) == CLIENTS
    busy = [a for a in answers if a[0] == 503 and "Retry-After" in a[1]]
    assert len(busy) >= CLIENTS - 2
    assert all(json.loads(a[2])["error"]["title"] == "SPARQL endpoint busy" for a in busy)
    assert {a[0] for a in answers} == {503}  # the two admitted ones hit the time limit


@pytest.mark.parametrize(
    ("threads", "wanted", "expected"), [(16, 8, 8), (8, 8, 6), (2, 8, 1), (40, 8, 8)]
)
def test_serve_keeps_a_quarter_of_its_threads_for_pages(
    threads: int, wanted: int, expected: int
) -> None:
    assert query_concurrency(threads, wanted) == expected
