"""Benchmark: "sister cities of Tabriz" over HTTP, citydip-ld (waitress) vs `oxigraph serve`.

Starts both servers on 127.0.0.1 with the same dataset.nq, warms them up, then sends a bounded
number of GET requests at 1 and at 8 concurrent keep-alive connections and reports median and
p99 latency, requests per second, and the ratios citydip/oxigraph. Record results in
benchmarks/README.md; never assert timings in tests.

    python benchmarks/sparql_http.py                       # builds data/ into a temp dir
    python benchmarks/sparql_http.py --dataset-dir build   # an existing build
    python benchmarks/sparql_http.py --trig tests/data/sparql.trig
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = """PREFIX cd: <http://localhost:5000/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?city ?label WHERE {
  <http://localhost:5000/id/city/tabriz> cd:twinnedWith ?city .
  ?city rdfs:label ?label FILTER(lang(?label) = "en")
} ORDER BY ?label"""
ACCEPT = "application/sparql-results+json"


@dataclass
class Result:
    name: str
    concurrency: int
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Accept": ACCEPT})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not answer {path} within {timeout} s")


@contextmanager
def citydip_server(dataset_dir: Path, threads: int) -> Iterator[int]:
    port = free_port()
    env = dict(os.environ, CITYDIP_DATASET_DIR=str(dataset_dir))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            f"--threads={threads}",
            "--call",
            "citydip_ld.web:create_app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, "/sparql?" + urllib.parse.urlencode({"query": QUERY}))
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def oxigraph_server(dataset_nq: Path) -> Iterator[int]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    with tempfile.TemporaryDirectory() as location:
        subprocess.run(
            [binary, "load", "--location", location, "--file", str(dataset_nq)],
            check=True,
            capture_output=True,
        )
        proc = subprocess.Popen(
            [
                binary,
                "serve-read-only",
                "--location",
                location,
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, "/query?" + urllib.parse.urlencode({"query": QUERY}))
            yield port
        finally:
            proc.terminate()
            proc.wait(10)


def measure(name: str, port: int, path: str, concurrency: int, total: int) -> Result:
    url = f"{path}?{urllib.parse.urlencode({'query': QUERY})}"
    latencies: list[float] = []
    lock = threading.Lock()
    per_worker = total // concurrency

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_worker):
            started = time.perf_counter()
            conn.request("GET", url, headers={"Accept": ACCEPT})
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or b"/id/city/" not in body:
                raise SystemExit(f"{name}: unexpected answer {response.status}: {body[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    for _ in range(min(50, per_worker)):  # warm-up on one connection
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", url, headers={"Accept": ACCEPT})
        conn.getresponse().read()
        conn.close()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(
        name, concurrency, per_worker * concurrency, time.perf_counter() - started, latencies
    )


def prepare_dataset(args: argparse.Namespace, scratch: Path) -> Path:
    if args.dataset_dir:
        return Path(args.dataset_dir)
    out = scratch / "build"
    if args.trig:
        import pyoxigraph

        out.mkdir()
        quads = pyoxigraph.parse(path=args.trig, format=pyoxigraph.RdfFormat.TRIG)
        pyoxigraph.serialize(quads, str(out / "dataset.nq"), pyoxigraph.RdfFormat.N_QUADS)
        return out
    from citydip_ld.output import build_directory

    build_directory(ROOT / "data", out, base="http://localhost:5000/")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset-dir", help="a `citydip-ld build` output directory")
    parser.add_argument("--trig", help="a TriG file to serve instead of building data/")
    parser.add_argument("--requests", type=int, default=800, help="requests per run")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        dataset_dir = prepare_dataset(args, Path(scratch))
        results: dict[tuple[str, int], Result] = {}
        with citydip_server(dataset_dir, args.threads) as port:
            for concurrency in (1, 8):
                results["citydip", concurrency] = measure(
                    "citydip", port, "/sparql", concurrency, args.requests
                )
        with oxigraph_server(dataset_dir / "dataset.nq") as port:
            for concurrency in (1, 8):
                results["oxigraph", concurrency] = measure(
                    "oxigraph", port, "/query", concurrency, args.requests
                )
    print(f"{'server':10} {'conc':>4} {'reqs':>5} {'median ms':>10} {'p99 ms':>8} {'req/s':>8}")
    for result in results.values():
        print(
            f"{result.name:10} {result.concurrency:>4} {result.requests:>5} "
            f"{result.median_ms:>10.2f} {result.p99_ms:>8.2f} {result.rps:>8.0f}"
        )
    for concurrency in (1, 8):
        ours, theirs = results["citydip", concurrency], results["oxigraph", concurrency]
        print(
            f"ratio citydip/oxigraph at {concurrency}: "
            f"median x{ours.median_ms / theirs.median_ms:.1f}, "
            f"p99 x{ours.p99_ms / theirs.p99_ms:.1f}, req/s x{ours.rps / theirs.rps:.2f}"
        )


if __name__ == "__main__":
    main()
