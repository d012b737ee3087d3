"""Support for the web tests: the mini dataset as a built directory, a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rdflib import Dataset, Graph

from citydip_ld.rdf.dumps import write_checksums
from citydip_ld.serving import ServerSettings, make_server
from servers import stop_waitress

DATA = Path(__file__).resolve().parent / "data"
MINI_TRIG = DATA / "mini.trig"
BASE = "http://localhost:5000/"
#: Settings under which the response cache keeps an answer at its first request, so that a
#: test sees from one request what is kept (the default keeps an answer from its second:
#: `tests/test_response_cache.py` tests that). The `app` and `mini_app` fixtures have them.
KEEP_AT_ONCE = {"RESPONSE_CACHE_MIN_USES": 1}


def write_mini_dataset(out: Path) -> Path:
    """`tests/data/mini.trig` written as `citydip-ld build` would: every dump and SHA256SUMS."""
    ds = Dataset()
    ds.parse(MINI_TRIG, format="trig")
    union = Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    out.mkdir(parents=True, exist_ok=True)
    (out / "dataset.nq").write_text(ds.serialize(format="nquads"), encoding="utf-8")
    (out / "dataset.trig").write_text(ds.serialize(format="trig"), encoding="utf-8")
    (out / "dataset.jsonld").write_text(ds.serialize(format="json-ld"), encoding="utf-8")
    (out / "dataset.ttl").write_text(union.serialize(format="turtle"), encoding="utf-8")
    (out / "dataset.nt").write_text(union.serialize(format="nt"), encoding="utf-8")
    write_checksums(out)
    return out


@dataclass(frozen=True)
class LiveServer:
    """A waitress server running the app in a thread."""

    url: str
    log: list[str]


class _ListStream:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass


@contextmanager
def live_server(app: Flask, **options: Any) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1 on a free port for the duration of the block."""
    log: list[str] = []
    settings = ServerSettings(**{"host": "127.0.0.1", "port": 0, "threads": 4, **options})
    server = make_server(app, settings, access_log=_ListStream(log))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", log)
    finally:
        stop_waitress(server, thread)  # type: ignore[arg-type]


#: `live_granian`'s options and the `citydip-ld serve` flags they become.
GRANIAN_FLAGS = {
    "threads": "--threads",
    "connection_limit": "--connection-limit",
    "header_timeout": "--header-timeout",
    "body_timeout": "--body-timeout",
    "keepalive_timeout": "--keepalive-timeout",
    "trusted_proxy": "--trusted-proxy",
    "max_request_body_size": "--max-request-body",
    "max_request_header_size": "--max-request-header",
    "query_timeout": "--query-timeout",
}


@contextmanager
def live_granian(dataset_dir: Path, **options: Any) -> Iterator[LiveServer]:
    """The real `citydip-ld serve --server granian` on `dataset_dir` (no query workers), on
    127.0.0.1 and a free port, for the duration of the block; `log` holds its access-log
    lines from the first request of the block on."""
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from servers import OWN_GROUP, stop
    from sparql_support import free_port

    port = free_port()
    command = [sys.executable, "-m", "citydip_ld.cli", "serve"]
    command += ["--server", "granian", "--dataset", str(dataset_dir), "--no-check"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--query-workers", "0"]
    for name, value in {"threads": 4, **options}.items():
        command += [GRANIAN_FLAGS[name], str(value)]
    process = subprocess.Popen(
        command,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CITYDIP_BASE": BASE},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **OWN_GROUP,
    )
    log: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("{") and json.loads(line).get("logger") == "citydip_ld.access":
                log.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    probe = f"{url}/static/probe-{port}"
    try:
        deadline = time.monotonic() + 60
        while not any(f"probe-{port}" in line for line in log):
            assert process.poll() is None, f"granian exited with {process.returncode}"
            assert time.monotonic() < deadline, "granian did not answer within 60 s"
            try:
                urllib.request.urlopen(probe, timeout=5).close()
            except urllib.error.HTTPError:
                time.sleep(0.2)  # the 404 is logged after it is sent
            except OSError:
                time.sleep(0.2)
        log.clear()
        yield LiveServer(url, log)
    finally:
        stop(process)
        reader.join(5)


@contextmanager
def live_on(server: str, app: Flask, dataset_dir: Path, **options: Any) -> Iterator[LiveServer]:
    """`app` served by waitress in this process (`live_server`), or the same data (in
    `dataset_dir`) by the real `citydip-ld serve --server granian` (`live_granian`): the tests
    that run against both servers."""
    if server == "granian":
        pytest.importorskip("granian")
        with live_granian(dataset_dir, **options) as live:
            yield live
    else:
        with live_server(app, **options) as live:
            yield live
