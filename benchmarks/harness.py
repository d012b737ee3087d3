"""Shared by benchmarks/http_bench.py and benchmarks/load.py: servers, an HTTP client, statistics.

- servers on 127.0.0.1 and free ports, each a child process stopped on exit: `citydip-ld
  serve` (waitress or granian), `oxigraph serve --union-default-graph` (PyPI `oxigraph`) and
  rdflib-endpoint (PyPI `rdflib-endpoint` + `uvicorn`), all loaded with one `dataset.nq`;
- a small keep-alive HTTP/1.1 client on raw sockets (Content-Length and chunked bodies), so
  the client, which shares the cores with the servers, spends as little time as possible;
- `drive`: a bounded run (at most N requests AND at most D seconds, whichever comes first) of
  one request kind over C concurrent connections, counting errors instead of stopping;
- statistics (median, nearest-rank p99) and process memory (RSS from /proc, children too).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citydip_ld.server_settings import DEFAULT_THREADS

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
CD = f"{BASE}ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
PREFIXES = f"PREFIX cd: <{CD}>\nPREFIX schema: <https://schema.org/>\n"
JSON_RESULTS = "application/sparql-results+json"


# --- queries --------------------------------------------------------------------------------


def sister_cities(city: str) -> str:
    return f"{PREFIXES}SELECT ?partner WHERE {{ <{city}> cd:twinnedWith ?partner }}"


def two_hop(city: str) -> str:
    return (
        f"{PREFIXES}SELECT DISTINCT ?far WHERE {{ <{city}> cd:twinnedWith ?near . "
        f"?near cd:twinnedWith ?far FILTER(?far != <{city}>) }}"
    )


PER_COUNTRY = f"""{PREFIXES}SELECT ?country (COUNT(DISTINCT ?t) AS ?n) WHERE {{
  ?t a cd:Twinning ; cd:partner ?c . ?c schema:containedInPlace ?country
}} GROUP BY ?country ORDER BY DESC(?n) ?country"""

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# --- the dataset ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A built dataset folder: its quads file, size, and the city IRIs it holds."""

    directory: Path
    quads: int
    cities: tuple[str, ...]
    #: a store folder (`publish --to DIR`) instead of a build: served with `serve --store`
    #: and, by oxigraph, read-only in place (M and L have no single `dataset.nq`)
    store: Path | None = None

    @property
    def nquads(self) -> Path:
        return self.directory / "dataset.nq"

    def city(self, slug: str) -> str:
        """The IRI of the city `slug` (`tabriz`), or at world scale `slug-<geonames id>`."""
        exact = f"{BASE}id/city/{slug}"
        pattern = re.compile(re.escape(exact) + r"(-\d+)?$")
        found = sorted(c for c in self.cities if pattern.match(c))
        if not found:
            raise SystemExit(f"{self.directory}: no city {slug!r} in the dataset")
        return exact if exact in found else found[0]


def read_dataset(directory: Path) -> Dataset:
    """Count the quads of `directory/dataset.nq` and collect the IRIs typed cd:City."""
    city_type = f"{RDF_TYPE} <{CD}City>"
    quads, cities = 0, set()
    with (directory / "dataset.nq").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            quads += 1
            if city_type in line and line.startswith(f"<{BASE}id/city/"):
                cities.add(line[1 : line.index(">")])
    if not cities:
        raise SystemExit(f"{directory}: no cd:City in dataset.nq; is it a citydip-ld build?")
    return Dataset(directory, quads, tuple(sorted(cities)))


def read_store(directory: Path) -> Dataset:
    """A store folder written by `publish --to DIR`: its quad count and its cities (the list
    order `publish` wrote, sorted by IRI as `read_dataset` gives them)."""
    from citydip_ld.stores.disk_store import CURRENT, LISTS, read_info

    listing = directory / CURRENT / LISTS / "city.txt"
    if not listing.is_file():
        raise SystemExit(f"{directory}: no list of cities; is it a store folder of `publish`?")
    with listing.open(encoding="utf-8") as lines:
        cities = tuple(sorted(line.rstrip("\n") for line in lines if line.strip()))
    return Dataset(directory, read_info(directory).quads, cities, store=directory)


def build_shipped(scratch: Path) -> Path:
    """`citydip-ld build` of the shipped data/ into `scratch/shipped`."""
    out = scratch / "shipped"
    citydip_command("build", "--out", str(out), cwd=ROOT, timeout=300)
    return out


def build_world(scratch: Path, size: str) -> Path:
    """Generate the world `size` (benchmarks/world.py) and build it; returns the build folder."""
    data, out = scratch / f"world-{size}" / "data", scratch / f"world-{size}" / "build"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "world.py"), "--size", size, "--out", str(data)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    citydip_command(
        "--data",
        str(data),
        "--ontology",
        str(ROOT / "ontology"),
        "--shapes",
        str(ROOT / "shapes"),
        "build",
        "--out",
        str(out),
        cwd=ROOT,
        timeout=900,
    )
    return out


CITYDIP = [sys.executable, "-c", "from citydip_ld.cli import main; main()"]


def citydip_command(*args: str, cwd: Path, timeout: float) -> None:
    done = subprocess.run(
        [*CITYDIP, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"citydip-ld {' '.join(args)} failed:\n{done.stderr[-2000:]}")


# --- servers --------------------------------------------------------------------------------


@dataclass
class Server:
    """A server child process listening on 127.0.0.1:`port`; `sparql` is its query path."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    sparql: str
    log_path: Path | None = None  # its stdout and stderr

    def rss_mib(self) -> tuple[float, float]:
        """(this process, this process + all its descendants) resident memory in MiB."""
        own = rss_of(self.process.pid)
        return own, own + sum(rss_of(pid) for pid in descendants(self.process.pid))

    def pss_mib(self) -> float:
        """This process and all its descendants' proportional set size in MiB: each shared
        page counted once in all (a page two processes share counts half in each), where the
        sum of RSS counts the pages forked workers share once per worker."""
        return sum(pss_of(pid) for pid in [self.process.pid, *descendants(self.process.pid)])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) this process and its descendants have used so far: read
        before and after a cell, the server's own CPU per request, which a busy machine
        slows less than it slows requests per second."""
        return sum(cpu_of(pid) for pid in [self.process.pid, *descendants(self.process.pid)])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_answers(server: Server, path: str, timeout: float) -> None:
    """Until `path` answers 200 (the query path also starts citydip's worker pool)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited with {server.process.returncode} at start")
        try:
            conn = Client(server.port, timeout=max(deadline - time.monotonic(), 1))
            status, _, _ = conn.get(path, {"Accept": JSON_RESULTS})
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not answer {path} within {timeout:g} s")


@contextmanager
def running(
    name: str,
    command: list[str],
    sparql: str,
    scratch: Path,
    env: dict[str, str] | None = None,
    ready_timeout: float = 600,
) -> Iterator[Server]:
    """Start `command` (with `{port}` filled in), wait for its query path (at most
    `ready_timeout` s), stop it on exit."""
    port = free_port()
    log_path = scratch / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in command],
        env=dict(os.environ, **(env or {})),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=scratch,
    )
    server = Server(name, port, process, sparql, log_path)
    try:
        ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        wait_until_answers(server, f"{sparql}?{ask}", timeout=ready_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def citydip(
    dataset: Dataset,
    scratch: Path,
    *,
    workers: str = "default",
    query_timeout: float | None = None,
    threads: int = DEFAULT_THREADS,
    server: str = "waitress",
    env: dict[str, str] | None = None,
    source: str | None = None,
    http_workers: int | None = None,
    ready_timeout: float = 600,
) -> Any:
    """`citydip-ld serve --no-check` on `dataset`; workers "default" or a number (0: in-thread).

    `server` is `--server` (waitress or granian); a granian server's name says so, and
    `http_workers` its `--workers` (None: serve's default; the name then says nothing). `env`:
    more environment variables for the server (e.g. `CITYDIP_LOG_LEVEL`). `source`: another
    checkout's `src/` folder to run instead of this one (e.g. the main branch's, as a baseline
    in the same run); its name ends in "baseline". `ready_timeout`: seconds to wait for it
    to answer (with more than one granian worker, `serve` warms up before it listens: at M,
    minutes).
    """
    name = (
        f"citydip workers={workers}"
        if server == "waitress"
        else f"citydip {server} workers={workers}"
    )
    if http_workers is not None:
        name += f" x{http_workers}"
    env = dict(env or {})
    if source is not None:
        name += " baseline"
        env |= {"PYTHONPATH": str(Path(source).resolve()), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [*CITYDIP, "serve", "--dataset", str(dataset.directory.resolve())]
    if dataset.store is not None:  # no dumps to offer: an empty dataset folder beside
        (scratch / "no-dumps").mkdir(exist_ok=True)
        command[-1] = str((scratch / "no-dumps").resolve())
        command += ["--store", str(dataset.store.resolve())]
    command += ["--host", "127.0.0.1", "--port", "{port}", "--threads", str(threads), "--no-check"]
    command += ["--server", server]
    if http_workers is not None:
        command += ["--workers", str(http_workers)]
    if workers != "default":
        command += ["--query-workers", workers]
    if query_timeout is not None:
        command += ["--query-timeout", str(query_timeout)]
    return running(name, command, "/sparql", scratch, env, ready_timeout)


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph(dataset: Dataset, scratch: Path) -> Iterator[Server]:
    """`oxigraph serve --union-default-graph` on an on-disk store loaded with the dataset
    (a store folder: `serve-read-only` on its live generation)."""
    binary = oxigraph_binary()
    if binary is None:
        raise SystemExit("the oxigraph server is not installed (pip install oxigraph)")
    if dataset.store is not None:  # the store's live generation, read-only, no copy
        live = (dataset.store / "current").resolve()
        command = [binary, "serve-read-only", "--location", str(live), "--bind", "127.0.0.1:{port}"]
        with running("oxigraph", [*command, "--union-default-graph"], "/query", scratch) as server:
            yield server
        return
    location = Path(tempfile.mkdtemp(prefix="oxigraph-", dir=scratch))
    subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(dataset.nquads.resolve())],
        check=True,
        capture_output=True,
        timeout=600,
    )
    command = [binary, "serve", "--location", str(location), "--bind", "127.0.0.1:{port}"]
    with running("oxigraph", [*command, "--union-default-graph"], "/query", scratch) as server:
        yield server


def rdflib_endpoint_available() -> str | None:
    """None if rdflib-endpoint can run, else why not."""
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"not installed ({exc.name}); pip install rdflib-endpoint uvicorn"
    return None


def rdflib_endpoint(dataset: Dataset, scratch: Path) -> Any:
    """rdflib-endpoint's own `serve` (an rdflib Dataset, default graph = union) on uvicorn."""
    command = [sys.executable, "-m", "rdflib_endpoint", "serve", str(dataset.nquads.resolve())]
    return running(
        "rdflib-endpoint", [*command, "--host", "127.0.0.1", "--port", "{port}"], "/", scratch
    )


# --- memory ---------------------------------------------------------------------------------


def rss_of(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def pss_of(pid: int) -> float:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def cpu_of(pid: int) -> float:
    """Seconds of CPU (user + system) process `pid` has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


@dataclass
class MemorySampler:
    """Samples a server's RSS every `interval` seconds in a thread while in a `with` block."""

    server: Server
    interval: float = 1.0
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (t, own, total)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemorySampler:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            own, total = self.server.rss_mib()
            self.samples.append((time.monotonic() - self._started, own, total))
            if self._stop.wait(self.interval):
                return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def summary(self, which: int) -> dict[str, float]:
        """first/last/max MiB and the least-squares slope in MiB per minute (1: own, 2: total)."""
        times = [s[0] for s in self.samples]
        values = [s[which] for s in self.samples]
        slope = statistics.linear_regression(times, values).slope * 60 if len(values) > 1 else 0.0
        return {
            "samples": len(values),
            "first_mib": round(values[0], 1),
            "last_mib": round(values[-1], 1),
            "max_mib": round(max(values), 1),
            "slope_mib_per_min": round(slope, 2),
        }


# --- client ---------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:`port` (GET only), reconnecting."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def _take_line(self, sock: socket.socket) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill(sock)
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _take(self, sock: socket.socket, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill(sock)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def get(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """GET `target`; (status, lower-cased headers, body). Raises OSError on failure."""
        fresh = self.sock is None
        sock = self.sock or self._connect()
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{lines}\r\n"
        try:
            sock.sendall(request.encode())
            status_line = self._take_line(sock)
        except OSError:
            self.close()
            if fresh:
                raise
            return self.get(target, headers)  # a kept-alive connection the server had closed
        try:
            status = int(status_line.split(b" ", 2)[1])
            found: dict[str, str] = {}
            while line := self._take_line(sock):
                name, _, value = line.decode("latin-1").partition(":")
                found[name.strip().lower()] = value.strip()
            if found.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while size := int(self._take_line(sock).split(b";")[0], 16):
                    parts.append(self._take(sock, size))
                    self._take_line(sock)
                while self._take_line(sock):  # trailers, then the blank line
                    pass
                body = b"".join(parts)
            elif "content-length" in found:
                body = self._take(sock, int(found["content-length"]))
            elif status in (204, 304) or 100 <= status < 200:
                body = b""
            else:  # no length: the body runs to the end of the connection
                while True:
                    try:
                        self._fill(sock)
                    except ConnectionError:
                        break
                body, self.buffer = self.buffer, b""
                found["connection"] = "close"
        except (OSError, ValueError, IndexError) as exc:
            self.close()
            raise OSError(f"bad HTTP answer: {exc}") from None
        if found.get("connection", "").lower() == "close":
            self.close()
        return status, found, body


# --- runs -----------------------------------------------------------------------------------

#: One request of a kind, on a connection: returns None if the answer is right, else why not.
Step = Callable[[Client], str | None]


@dataclass
class Run:
    """A bounded run's latencies (seconds), errors and wall time."""

    latencies: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # the kind of each sample
    errors: int = 0
    server_errors: int = 0  # 5xx
    connection_errors: int = 0
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Run) -> None:
        self.latencies += other.latencies
        self.kinds += other.kinds
        self.errors += other.errors
        self.server_errors += other.server_errors
        self.connection_errors += other.connection_errors
        self.messages = (self.messages + other.messages)[:5]

    def only(self, kind: str) -> Run:
        """The samples of one kind (errors are not split by kind)."""
        picked = [t for t, k in zip(self.latencies, self.kinds, strict=True) if k == kind]
        return Run(picked, [kind] * len(picked), seconds=self.seconds)

    def figures(self) -> dict[str, Any]:
        done = len(self.latencies)
        return {
            "requests": done,
            "errors": self.errors,
            "server_errors": self.server_errors,
            "connection_errors": self.connection_errors,
            "median_ms": round(statistics.median(self.latencies) * 1000, 3) if done else None,
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 3) if done else None,
            "rps": round(done / self.seconds, 1) if self.seconds and done else None,
            "seconds": round(self.seconds, 2),
            "first_errors": self.messages[:5],
        }


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def drive(
    port: int,
    pick: Callable[[int], tuple[str, Step]],
    *,
    concurrency: int,
    requests: int,
    duration: float,
    warmup: int = 0,
    timeout: float = 30,
) -> Run:
    """Send at most `requests` (after `warmup` uncounted ones) over `concurrency` keep-alive
    connections for at most `duration` seconds; `pick(i)` gives the i-th request's kind and step."""
    if warmup:
        warm = Client(port, timeout)
        stop_warm = time.monotonic() + min(duration, 10)
        for i in range(warmup):
            if time.monotonic() > stop_warm:
                break
            try:
                pick(i)[1](warm)
            except OSError:
                warm.close()
        warm.close()
    counter = iter(range(requests))
    lock = threading.Lock()
    total = Run()
    deadline = time.monotonic() + duration

    def worker() -> None:
        mine = Run()
        client = Client(port, timeout)
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            kind, step = pick(index)
            started = time.perf_counter()
            try:
                problem = step(client)
            except OSError as exc:
                problem = f"connection error: {exc}"
                mine.connection_errors += 1
            mine.latencies.append(time.perf_counter() - started)
            mine.kinds.append(kind)
            if problem is not None:
                mine.errors += 1
                if problem.startswith("status 5"):
                    mine.server_errors += 1
                if len(mine.messages) < 5:
                    mine.messages.append(f"{kind}: {problem}")
        client.close()
        with lock:
            total.add(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + timeout + 5)
    total.seconds = time.perf_counter() - started
    return total


# --- request kinds --------------------------------------------------------------------------


def local_path(iri: str) -> str:
    """The path of a dataset IRI on the server under test (the base is localhost:5000)."""
    return "/" + iri.removeprefix(BASE)


def dereference(iri: str, accept: str = "text/turtle") -> Step:
    """GET the IRI's /id/ path, expect 303, follow Location on the same connection."""
    path, media_type = local_path(iri), accept.split(";")[0]

    def step(client: Client) -> str | None:
        status, headers, _ = client.get(path, {"Accept": accept})
        if status != 303 or "location" not in headers:
            return f"status {status} for {path} (expected 303)"
        target = urllib.parse.urlsplit(headers["location"])
        status, headers, body = client.get(
            target.path + (f"?{target.query}" if target.query else ""), {"Accept": accept}
        )
        if status != 200:
            return f"status {status} for {target.path}"
        if not headers.get("content-type", "").startswith(media_type):
            return f"{target.path}: content type {headers.get('content-type')}"
        if iri.encode() not in body and path.rsplit("/", 1)[1].encode() not in body:
            return f"{target.path}: the document does not mention {iri}"
        return None

    return step


def document(path: str, accept: str, must_contain: bytes) -> Step:
    """GET `path` with `accept`, expect 200 and `must_contain` in the body."""

    def step(client: Client) -> str | None:
        status, _, body = client.get(path, {"Accept": accept})
        if status != 200:
            return f"status {status} for {path}"
        if must_contain not in body:
            return f"{path}: {must_contain!r} not in the answer"
        return None

    return step


def select(sparql_path: str, query: str, rows: Callable[[int], str | None]) -> Step:
    """GET a SELECT as JSON results; `rows(n)` judges the row count (None: right)."""
    target = f"{sparql_path}?{urllib.parse.urlencode({'query': query})}"

    def step(client: Client) -> str | None:
        status, _, body = client.get(target, {"Accept": JSON_RESULTS})
        if status != 200:
            return f"status {status}: {body[:120]!r}"
        try:
            count = len(json.loads(body)["results"]["bindings"])
        except (ValueError, KeyError, TypeError) as exc:
            return f"not SPARQL JSON results: {exc}"
        return rows(count)

    return step


def exactly(expected: int) -> Callable[[int], str | None]:
    return lambda n: None if n == expected else f"{n} rows, expected {expected}"


def count_rows(server: Server, query: str) -> int:
    """The row count of a SELECT on `server` (the reference every peer must match)."""
    client = Client(server.port, timeout=600)
    target = f"{server.sparql}?{urllib.parse.urlencode({'query': query})}"
    status, _, body = client.get(target, {"Accept": JSON_RESULTS})
    client.close()
    if status != 200:
        raise SystemExit(f"{server.name}: status {status} for a reference query: {body[:300]!r}")
    return len(json.loads(body)["results"]["bindings"])


def describe_peer(sparql_path: str, iri: str) -> Step:
    """`DESCRIBE <iri>` as Turtle: the nearest a SPARQL store comes to dereferencing."""
    target = f"{sparql_path}?{urllib.parse.urlencode({'query': f'DESCRIBE <{iri}>'})}"

    def step(client: Client) -> str | None:
        status, _, body = client.get(target, {"Accept": "text/turtle"})
        if status != 200:
            return f"status {status}: {body[:120]!r}"
        return None if body else "empty DESCRIBE"

    return step


def machine() -> str:
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
