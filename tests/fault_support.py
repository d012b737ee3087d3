"""Real processes for the fault tests: `citydip-ld serve` and `citydip-ld publish` as
subprocesses, `oxigraph serve` on a port of the test's choosing (to stop and start it again
where the web server expects it), and a synthetic dataset big enough to stop midway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from servers import OWN_GROUP, oxigraph_binary, stop, wait_until_up
from sparql_support import free_port

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.body)
        return document


def get(url: str, accept: str = "application/json") -> Answer:
    """GET `url`; any status is an answer, not an exception."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, _lower(exc.headers.items()), exc.read())


def _lower(items: object) -> dict[str, str]:
    return {name.lower(): value for name, value in items}  # type: ignore[attr-defined]


def count_quads(server: str) -> Answer | int:
    """The quads the server's `/sparql` counts, or its answer when it is not a 200."""
    answer = get(f"{server}/sparql?{urllib.parse.urlencode({'query': COUNT})}")
    if answer.status != 200:
        return answer
    bindings = answer.json()["results"]["bindings"]  # type: ignore[index]
    return int(bindings[0]["n"]["value"])


def wait_until(check: Callable[[], bool], timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`citydip-ld serve ARGS` on 127.0.0.1 and a free port, one query worker; its stderr
    is collected line by line."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "citydip_ld.cli", "--base", BASE, "serve"),
            *("--host", "127.0.0.1", "--port", str(port), "--threads", "4"),
            *("--query-workers", "1", *args),
        ],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **OWN_GROUP,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    reader = threading.Thread(
        target=lambda: served.log.extend(iter(process.stderr.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        wait_until_up(f"{served.url}/sparql", process)  # type: ignore[arg-type]
        yield served
    finally:
        stop(process)  # type: ignore[arg-type]
        reader.join(5)


def publish_command(dataset: Path, target: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "citydip_ld.cli",
        "--base",
        BASE,
        "publish",
        "--no-check",
        "--dataset",
        str(dataset),
        "--to",
        target,
        *extra,
    ]


def start_publish(
    dataset: Path, target: str, preexec_fn: Callable[[], None] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        publish_command(dataset, target),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,  # a resource limit for the child only
    )


def write_big_dataset(directory: Path, quads: int) -> Path:
    """A synthetic built dataset of `quads` labels in 7 article graphs (about 170 bytes a
    quad): big enough that loading it takes a few seconds."""
    directory.mkdir(parents=True, exist_ok=True)
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    with (directory / "dataset.nq").open("w", encoding="utf-8") as out:
        for i in range(quads):
            out.write(
                f'<{BASE}id/thing/t{i}> {label} "thing number {i}, padded to look real"@en '
                f"<{BASE}graph/g{i % 7}> .\n"
            )
    return directory


@contextmanager
def oxigraph_on(location: Path, port: int) -> Iterator[str]:
    """`oxigraph serve` on `location` at 127.0.0.1:`port` with a union default graph; yields
    its root URL. Stopped at the end (or earlier by the test, with `stop`)."""
    process = subprocess.Popen(
        [
            *(oxigraph_binary(), "serve", "--location", str(location)),
            *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **OWN_GROUP,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/query?query=ASK%7B%7D", process)
        yield url
    finally:
        if process.poll() is None:
            stop(process)
