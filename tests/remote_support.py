"""Remote stores for the remote-store and publish tests, each on 127.0.0.1 and free ports:
`oxigraph serve` with a union default graph, Virtuoso (`virtuoso-t`, Debian
virtuoso-opensource) with a throw-away database, and small fake stores that misbehave."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph

from servers import OWN_GROUP, oxigraph_server, stop, wait_until_up
from sparql_support import free_port

VIRTUOSO = shutil.which("virtuoso-t")


@contextmanager
def oxigraph_store(location: Path) -> Iterator[str]:
    """An empty `oxigraph serve` whose default graph is the union of the named graphs, as the
    embedded store's; yields its root URL (`/query`, `/update`, `/store` below it)."""
    with oxigraph_server(location, union_default_graph=True) as url:
        yield url


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
ServerThreads = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 30
"""


@contextmanager
def virtuoso_store(directory: Path) -> Iterator[str]:
    """`virtuoso-t` in the foreground on a new database in `directory`; yields its root URL
    (`/sparql`, `/sparql-auth`, `/sparql-graph-crud-auth`; user dba, password dba)."""
    assert VIRTUOSO is not None
    (directory / "vsp").mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=directory, sql_port=free_port(), http_port=http_port))
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **OWN_GROUP,
    )
    url = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(f"{url}/sparql?query=ASK%7B%7D", process, timeout=60)
        yield url
    finally:
        stop(process)


@contextmanager
def fake_store(status: int, body: bytes, content_type: str = "text/plain") -> Iterator[str]:
    """An HTTP server answering every request with `status` and `body`; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    for method in ("GET", "POST", "PUT", "DELETE"):
        setattr(Handler, f"do_{method}", Handler._answer)  # http.server's handler names
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def silent_store() -> Iterator[str]:
    """A port that accepts connections and never answers (a store stuck in a query)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        listener.close()


def closed_port_url() -> str:
    """The URL of a port where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/query"


def dataset_counts(dataset_dir: Path) -> dict[str, int]:
    """Triples per named graph of `dataset_dir/dataset.nq`."""
    counts: dict[str, int] = {}
    path = str(dataset_dir / "dataset.nq")
    for quad in pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.N_QUADS):
        name = quad.graph_name.value  # every quad of a build is in a named graph
        counts[name] = counts.get(name, 0) + 1
    return counts


def write_dataset(directory: Path, quads: list[pyoxigraph.Quad]) -> Path:
    """`quads` as a built dataset folder (`dataset.nq`)."""
    directory.mkdir(parents=True, exist_ok=True)
    pyoxigraph.serialize(quads, str(directory / "dataset.nq"), pyoxigraph.RdfFormat.N_QUADS)
    return directory
