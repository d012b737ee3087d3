"""Real servers for tests, on 127.0.0.1 and free ports: `oxigraph serve` (PyPI `oxigraph`)
loaded with a fixture, and a throttling proxy that answers 429 before passing requests on."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from sparql_support import free_port


def oxigraph_binary() -> str:
    """The `oxigraph` CLI installed beside this Python (the PyPI package), or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the `oxigraph` server is not installed (pip install oxigraph)")
    return found


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


#: `subprocess.Popen`'s keyword for a server started by a test: its own session, so that
#: `stop` can kill whatever it started (granian's workers, a query worker) with it.
OWN_GROUP = {"start_new_session": True}


def stop(process: subprocess.Popen[Any], grace: float = 15) -> None:
    """Terminate a server process, killing it if it does not stop within `grace` seconds;
    then, when it leads its own process group (started with `OWN_GROUP`), kill what is left
    of that group: children that outlived it or hung with it."""
    group = led_group(process)
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    finally:
        if group is not None:
            with suppress(ProcessLookupError):  # none left
                os.killpg(group, signal.SIGKILL)


def led_group(process: subprocess.Popen[Any]) -> int | None:
    """The process group `process` leads (it was started with `OWN_GROUP`), else None; asked
    before it is reaped (a process that has been waited for has no group to ask for)."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        return None
    return group if group == process.pid else None


@contextmanager
def oxigraph_server(
    location: Path, *files: Path, union_default_graph: bool = False
) -> Iterator[str]:
    """`oxigraph serve` on a store at `location` pre-loaded with `files`; yields its base URL
    (`/query`, `/update`, `/store` below it). With `union_default_graph`, its default graph
    is the union of the named graphs, as the embedded store's."""
    binary = oxigraph_binary()
    for path in files:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(path)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = free_port()
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **OWN_GROUP
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/query?query=ASK%7B%7D", process)
        yield url
    finally:
        stop(process)


@dataclass
class Throttle:
    """What the throttling proxy saw."""

    refusals: int
    status: int = 429
    seen: list[str] = field(default_factory=list)  # User-Agent of each request


def stop_waitress(server: BaseWSGIServer, thread: threading.Thread) -> None:
    """Stop a waitress server running `server.run()` on `thread`: the requests being answered
    first (its task threads end, and their channels no longer pull its trigger), then its
    sockets are closed on its own loop's thread (a thunk through that trigger), so the loop
    ends with nothing left to watch, instead of `close()` pulling them from under its
    `select()` ("Bad file descriptor" in the server's thread)."""
    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(5)
    if thread.is_alive():  # the loop did not take the thunk: close from here after all
        server.close()
        thread.join(5)


@contextmanager
def throttling_proxy(upstream: str, throttle: Throttle) -> Iterator[str]:
    """A real HTTP server that answers `throttle.status` (with Retry-After: 0) to the first
    `throttle.refusals` requests, then forwards GETs to `upstream`; yields its URL."""

    def app(environ: dict[str, object], start_response: object) -> object:
        request = Request(environ)  # type: ignore[arg-type]
        throttle.seen.append(request.headers.get("User-Agent", ""))
        if throttle.refusals > 0:
            throttle.refusals -= 1
            response = Response("slow down", status=throttle.status, headers={"Retry-After": "0"})
        else:
            target = f"{upstream}{request.path}?{request.query_string.decode()}"
            forwarded = urllib.request.Request(
                target, headers={"Accept": request.headers.get("Accept", "*/*")}
            )
            with urllib.request.urlopen(forwarded, timeout=10) as answer:
                response = Response(
                    answer.read(), status=answer.status, content_type=answer.headers["Content-Type"]
                )
        return response(environ, start_response)  # type: ignore[arg-type]

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_waitress(server, thread)
