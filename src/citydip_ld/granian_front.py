"""Granian with an RSGI front: request bodies read with deadlines, the WSGI app on threads.

Granian's WSGI interface calls the app as soon as a request's headers are in and hands it the
body as a stream whose `read()` has no deadline, so a client trickling a body holds an app
thread for as long as it likes; and after the app refuses a body, granian closes under a
client still sending it. So `serve_granian` runs granian's RSGI interface (asyncio, one
event loop in the worker process) with `RSGIFront` in front of the Flask app:

1. **The body first, on the event loop.** A request's body is read whole before the app
   sees the request, within `body_timeout` seconds of its headers (else 408 and the
   connection closed) and within `max_request_body_size` bytes (else 413 and closed;
   `Expect: 100-continue` gets the 413 without `100 Continue`; from a client already sending
   it, the rest of the body is read and dropped after the answer, at most `discard_limit`
   bytes and `body_timeout` seconds, so that it can read the answer, as waitress's lingering
   close does).
   A waiting body costs a coroutine, not a thread.
2. **Then the WSGI app, on a pool of `threads` threads**, with the body in memory
   (`wsgi.input` a `BytesIO`) and an environ built as granian's WSGI interface builds it.
   The pool thread answers through granian itself: a list body in one piece, a file (a dump,
   a vendored script) by granian from disk (`wsgi.file_wrapper`; ranges too), anything else
   streamed chunk by chunk. An answer the response cache already holds (a bodiless GET or
   HEAD; `ResponseCacheMiddleware.cached`, a lookup in memory) is sent from the event loop
   without the thread hop, which would otherwise cost most of granian's speed on them. So
   is an RDF document the document route answers from the built dataset in memory (a
   lookup in its index and a writing of its triples, about half a millisecond at world
   scale S; a path that takes over `QUICK_LIMIT` goes to a thread from then on), or from a
   store folder's resource and label tables once they are open (text from the tables'
   blocks, read from the disk only while it answers quickly, else the request goes to a
   thread: `quad_table.quick_reads`): the hop would cost as much again. All else (HTML pages,
   SPARQL, dumps, a store folder's lookups in RocksDB, remote stores) stays on threads.

Refusals have the one error shape of waitress's (`slow_clients.refusal`), and every answer,
refusals included, is one access-log line (`serving.AccessLog`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any

from werkzeug.wsgi import FileWrapper

from citydip_ld.c_library import set_parent_death_signal
from citydip_ld.errors import CitydipError
from citydip_ld.logs import configure_logging
from citydip_ld.serving import (
    AccessLog,
    ServerSettings,
    from_trusted_proxy,
    granian_header_timeout,
    trust_proxy,
)
from citydip_ld.slow_clients import refusal
from citydip_ld.web.context import STORE_KEY
from citydip_ld.web.document_route import DocumentRoute
from citydip_ld.web.response_cache import ResponseCacheMiddleware
from citydip_ld.worker_cpus import CpuShares, available_cpus
from citydip_ld.worker_memory import own_heap

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOGGER = logging.getLogger(__name__)
#: Seconds granian waits for a worker to stop after its SIGTERM before killing it (as
#: gunicorn's `graceful_timeout`): a worker that never heard the signal cannot hold the
#: stop for ever.
WORKER_STOP_WAIT = 30
#: Seconds a document may take on the event loop (`RSGIFront.answer_quick`); a path that
#: took longer is answered on a thread from then on.
QUICK_LIMIT = 0.02
#: Such paths remembered at most (then forgotten all at once).
SLOW_PATHS_KEPT = 4096
#: `SERVER_PROTOCOL` for granian's HTTP versions.
HTTP_VERSIONS = {"1": "HTTP/1.0", "1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2"}


class FileBody(FileWrapper):
    """`wsgi.file_wrapper`: a file the app answers with (werkzeug's `send_file`), which the
    front hands to granian to send from disk instead of reading it through Python."""


class RefusedError(Exception):
    """A request the front answers itself (408, 413), closing the connection after."""

    def __init__(
        self, status: int, title: str, detail: str, drain: bool = False, started: bool = False
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        #: Read and drop the rest of the body after the answer (the client is sending it);
        #: `started`: its reading has begun (granian's body iterator is taken, not taken again).
        self.drain, self.started = drain, started


def client_address(client: str) -> tuple[str, str]:
    """`("203.0.113.7", "51234")` from granian's "203.0.113.7:51234" (or "[::1]:51234")."""
    host, _, port = client.rpartition(":")
    return host.strip("[]"), port


def base_environ(settings: ServerSettings) -> dict[str, Any]:
    """The parts of every environ that do not depend on the request."""
    return {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "citydip-ld (granian)",
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,  # werkzeug: read `wsgi.input` to its end
        "wsgi.file_wrapper": FileBody,
    }


def make_environ(
    scope: Any, body: bytes, base: dict[str, Any], url_prefix: str = ""
) -> dict[str, Any]:
    """The WSGI environ of an RSGI `scope` whose body has been read: PEP 3333's strings
    (the path percent-decoded, as UTF-8 bytes read as Latin-1), headers as `HTTP_*` (repeated
    ones joined by commas, cookies by semicolons), `CONTENT_LENGTH` the body's length."""
    script, path = split_prefix(wsgi_string(scope.path), url_prefix)
    server, _, server_port = scope.server.rpartition(":")
    remote, remote_port = client_address(scope.client)
    environ = {
        **base,
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": script,
        "PATH_INFO": path,
        "QUERY_STRING": wsgi_string(scope.query_string),
        "SERVER_NAME": server.strip("[]"),
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": HTTP_VERSIONS.get(scope.http_version, "HTTP/1.1"),
        "REMOTE_ADDR": remote,
        "REMOTE_PORT": remote_port,
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
    }
    headers = scope.headers
    seen: dict[str, list[str]] = {}
    for name, value in headers.items():  # one call into granian; values in arrival order
        seen.setdefault(name, []).append(value)
    for name, values in seen.items():
        key = _ENVIRON_KEYS.get(name) or _environ_key(name)
        if key:
            environ[key] = ("; " if name == "cookie" else ",").join(values)
    if body or "content-length" in headers or "transfer-encoding" in headers:
        environ["CONTENT_LENGTH"] = str(len(body))
    if "HTTP_HOST" not in environ and scope.authority:
        environ["HTTP_HOST"] = scope.authority
    return environ


def wsgi_string(text: str) -> str:
    """PEP 3333's string of a path or query: its UTF-8 bytes read as Latin-1."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def split_prefix(path: str, url_prefix: str) -> tuple[str, str]:
    """SCRIPT_NAME and PATH_INFO of `path` (a WSGI string) under the mount point."""
    if url_prefix and (path == url_prefix or path.startswith(url_prefix + "/")):
        return url_prefix, path[len(url_prefix) :] or "/"
    return "", path


#: Request headers that take a GET or HEAD off the fast path (`RSGIFront.answer_hit`): a
#: body to read, a part or a conditional answer, a cookie (which the cache passes on).
SLOW_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "range", "cookie", "if-none-match", "if-modified-since"}
)
#: The headers the fast path reads, and their places in `hit_headers`'s answer.
_HIT_HEADERS = {"accept": 0, "accept-language": 1, "user-agent": 2, "referer": 3}


def hit_headers(headers: Any) -> tuple[str, str, str, str] | None:
    """`Accept`, `Accept-Language`, `User-Agent` and `Referer` of an RSGI request ("" when
    absent), or None when it has one of `SLOW_HEADERS` or one of these four twice (the
    environ would join them: `make_environ` does that)."""
    values = ["", "", "", ""]
    seen = 0
    for name, value in headers.items():  # one call into granian
        slot = _HIT_HEADERS.get(name)
        if slot is not None:
            if seen & (1 << slot):
                return None
            seen |= 1 << slot
            values[slot] = value
        elif name in SLOW_HEADERS:
            return None
    return values[0], values[1], values[2], values[3]


@functools.lru_cache(maxsize=512)
def _environ_key(name: str) -> str:
    """The environ key of a header (a lower-case name): `HTTP_ACCEPT_LANGUAGE`; "" for the
    two whose body is already read (the length is the body's, chunks are undone)."""
    if name in ("content-length", "transfer-encoding"):
        return ""
    return "HTTP_" + name.upper().replace("-", "_")


_ENVIRON_KEYS = {"content-type": "CONTENT_TYPE", "host": "HTTP_HOST", "accept": "HTTP_ACCEPT"}


class BodyReader:
    """Reads a request's body on the event loop within the deadline and the size limit."""

    def __init__(self, settings: ServerSettings) -> None:
        self.limit = settings.max_request_body_size
        self.timeout = settings.body_timeout
        self.discard_limit = settings.discard_limit

    async def read(self, headers: Any, protocol: Any) -> bytes:
        """The whole body (b"" when the request has none); `RefusedError` when it is too slow
        (408) or too big (413)."""
        length_header = headers.get("content-length")
        if length_header is None and "transfer-encoding" not in headers:
            return b""
        length = int(length_header) if length_header is not None else None  # hyper checked it
        if length == 0:
            return b""
        if length is not None and length > self.limit:
            continuing = "100-continue" in headers.get("expect", "").lower()
            raise self.too_big(drain=not continuing)  # a client sending it: let it finish
        try:
            if length is not None:
                body: bytes = await asyncio.wait_for(protocol(), self.timeout)
                return body
            return await asyncio.wait_for(self.read_chunks(protocol), self.timeout)
        except TimeoutError:
            raise RefusedError(
                408,
                "Request Timeout",
                f"the request body did not arrive within {self.timeout:g} seconds",
            ) from None

    async def read_chunks(self, protocol: Any) -> bytes:
        """A body of unknown length (chunked), refused once it passes the limit."""
        parts, size = [], 0
        async for chunk in protocol:
            size += len(chunk)
            if size > self.limit:
                raise self.too_big(drain=True, started=True)
            parts.append(chunk)
        return b"".join(parts)

    async def drain(self, protocol: Any, started: bool = False) -> None:
        """Read and drop the rest of a refused body: to its end, `discard_limit` bytes or
        `body_timeout` seconds, whichever comes first. `started`: the body's iterator was
        taken already (granian's protocol is its own iterator, and is taken once)."""

        async def drop() -> None:
            chunks = protocol if started else protocol.__aiter__()
            dropped = 0
            while dropped <= self.discard_limit:
                chunk = await chunks.__anext__()
                if not chunk:  # granian's end of the body (then StopAsyncIteration)
                    return
                dropped += len(chunk)

        # RuntimeError: granian's ProtocolError or ProtocolClosed (the client went away)
        with contextlib.suppress(TimeoutError, StopAsyncIteration, RuntimeError):
            await asyncio.wait_for(drop(), self.timeout)

    def too_big(self, drain: bool, started: bool = False) -> RefusedError:
        return RefusedError(
            413,
            "Request Entity Too Large",
            f"the request body is over this server's limit of {self.limit} bytes",
            drain=drain,
            started=started,
        )


class RSGIFront:
    """The RSGI application granian runs: see the module. `app` is the WSGI app (behind the
    trusted-proxy middleware); `access_log` the stream of the access log, or None."""

    def __init__(
        self,
        app: WSGIApplication,
        settings: ServerSettings,
        access_log: IO[str] | None,
        cached: WSGIApplication | None = None,
        hits: ResponseCacheMiddleware | None = None,
        quick: WSGIApplication | None = None,
    ) -> None:
        self.app = app
        #: Answers what the response cache holds without the app, else None (`CachedOnly`).
        self.cached = cached
        #: Answers documents on the event loop, else None (`QuickOnly`).
        self.quick = quick
        #: Paths whose quick answer took over `QUICK_LIMIT` seconds: on a thread from then on.
        self.slow: set[str] = set()
        #: The response cache itself, for plain GETs and HEADs without an environ.
        self.hits = hits
        self.settings = settings
        self.reader = BodyReader(settings)
        self.base = base_environ(settings)
        self.log = AccessLog(app, access_log) if access_log is not None else None
        self.pool = ThreadPoolExecutor(settings.threads, thread_name_prefix="citydip-app")

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        started = time.perf_counter()
        if scope.proto != "http":  # websockets are off; nothing else is served
            return
        looked = None
        if self.hits is not None and scope.method in ("GET", "HEAD"):
            looked = self.answer_hit(scope, protocol, started)
            if looked:
                return
        try:
            body = await self.reader.read(scope.headers, protocol)
        except RefusedError as refused:
            environ = make_environ(scope, b"", self.base, self.settings.url_prefix)
            size = send_refusal(protocol, environ, refused)
            self.write_log(environ, refused.status, size, started)
            if refused.drain:
                await self.reader.drain(protocol, refused.started)
            return
        environ = make_environ(scope, body, self.base, self.settings.url_prefix)
        cached = self.cached is not None and not body and looked is None  # False: a miss already
        if cached and self.answer_cached(environ, protocol, started):
            return
        if self.quick is not None and not body and self.answer_quick(environ, protocol, started):
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.pool, self.answer, environ, protocol, started)

    __call__ = __rsgi__  # granian calls `__rsgi__`; a plain RSGI callable too

    def answer_hit(self, scope: Any, protocol: Any, started: float) -> bool | None:
        """Send a plain GET's or HEAD's answer from the response cache, built once per entry,
        without an environ, the trusted-proxy middleware or the WSGI calls: the same answer
        and log line as `answer_cached`, for about half its CPU. Not for a request with a
        body, `Range`, `Cookie` or a conditional header (`hit_headers`), nor one from the
        trusted proxy (its headers change the client and the URL): those take the environ.
        True: answered; False: the cache has no answer to this request (`answer_cached`, which
        would look up the same key, is not asked); None: not looked up here."""
        found = hit_headers(scope.headers)
        if found is None or self.hits is None:
            return None
        client = client_address(scope.client)[0]
        if from_trusted_proxy(client, self.settings.trusted_proxy):
            return None
        script, path = split_prefix(wsgi_string(scope.path), self.settings.url_prefix)
        query = wsgi_string(scope.query_string)
        try:
            entry = self.hits.hit(script + path, query, found[0], found[1])
        except Exception:  # never fatal: the app answers instead
            LOGGER.exception("the response cache failed: %s", path)
            return None
        if entry is None:
            return False
        head = scope.method == "HEAD"
        protocol.response_bytes(entry.code, entry.header_list, b"" if head else entry.body)
        if self.log is not None:
            size = 0 if head else len(entry.body)
            headers = (found[2], found[3], found[0])
            self.log.write_request(
                client, scope.method, path, query, entry.code, size, started, headers
            )
        return True

    def answer_cached(self, environ: WSGIEnvironment, protocol: Any, started: float) -> bool:
        """Answer on the event loop from the response cache, if it holds the answer: a
        lookup in memory, no thread hop (the trusted-proxy middleware runs on a copy of the
        environ, so the app sees the original on a miss)."""
        return self._on_loop(self.cached, environ, protocol, started, "the response cache")

    def answer_quick(self, environ: WSGIEnvironment, protocol: Any, started: float) -> bool:
        """Answer a GET or HEAD of an RDF document (or an IRI's 303) on the event loop, if the
        document route gives it (`QuickOnly`; on a copy of the environ, as `answer_cached`).
        A cold document costs about half a millisecond of work in the app, and the hop to a
        pool thread and back as much again (the hand-overs of the GIL between the loop, the
        pool and granian's threads); here it blocks the loop that long, as a thread would
        hold the GIL. A path whose answer took longer than `QUICK_LIMIT` (a country linked
        from 100,000 cities, say) goes to a thread from then on."""
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or path in self.slow:
            return False
        begun = time.perf_counter()
        answered = self._on_loop(self.quick, environ, protocol, started, "the document route")
        if time.perf_counter() - begun > QUICK_LIMIT:
            if len(self.slow) >= SLOW_PATHS_KEPT:
                self.slow.clear()
            self.slow.add(path)
        return answered

    def _on_loop(
        self, app: Any, environ: WSGIEnvironment, protocol: Any, started: float, what: str
    ) -> bool:
        """Run `app`, which may decline (None, nothing sent: `CachedOnly`, `QuickOnly`), on the
        event loop, on a copy of the environ (the trusted-proxy middleware changes it; on a
        decline the app sees the original); log its answer. False: declined or failed (never
        fatal: the app answers on a thread instead)."""
        trial = dict(environ)
        try:
            answered = run_app(app, trial, protocol)
        except Exception:
            LOGGER.exception("%s failed on the event loop: %s", what, environ["PATH_INFO"])
            return False
        if answered is None:
            return False
        self.write_log(trial, *answered, started)
        return True

    def answer(self, environ: WSGIEnvironment, protocol: Any, started: float) -> None:
        """Run the app on a pool thread and send its answer through granian."""
        try:
            answered = run_app(self.app, environ, protocol)
            status, size = answered if answered is not None else (500, 0)
        except Exception:  # the app failed outside Flask's own 500 handler
            method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
            LOGGER.exception("the app failed: %s %s", method, path)
            failure = RefusedError(500, "Internal Server Error", "the server failed to answer")
            status, size = 500, send_refusal(protocol, environ, failure)
        self.write_log(environ, status, size, started)

    def write_log(self, environ: WSGIEnvironment, status: int, size: int, started: float) -> None:
        if self.log is not None:
            self.log.write(environ, status, size, started)


def send_refusal(protocol: Any, environ: WSGIEnvironment, refused: RefusedError) -> int:
    """Answer `refused` in the one error shape and close the connection; its body's size."""
    headers, body = refusal(
        refused.status, refused.title, refused.detail, environ.get("HTTP_ACCEPT")
    )
    headers = [*headers, ("Connection", "close")]
    protocol.response_bytes(refused.status, headers, b"" if _is_head(environ) else body)
    return 0 if _is_head(environ) else len(body)


def _is_head(environ: WSGIEnvironment) -> bool:
    return bool(environ.get("REQUEST_METHOD") == "HEAD")


def run_app(
    app: WSGIApplication, environ: WSGIEnvironment, protocol: Any
) -> tuple[int, int] | None:
    """Call the WSGI `app` and send its answer; its status and the bytes of its body (None:
    `CachedOnly` did not have it, nothing was sent)."""
    started: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started.update(status=int(status.split(" ", 1)[0]), headers=headers)
        return _no_write

    body = app(environ, start_response)
    if body is None:
        return None
    try:
        if isinstance(body, list | tuple):
            data = b"".join(body)
            protocol.response_bytes(started["status"], started["headers"], data)
            return started["status"], len(data)
        return started["status"], send_iterable(protocol, body, started)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def send_iterable(protocol: Any, body: Iterable[bytes], started: dict[str, Any]) -> int:
    """Send a body that is not a list: a file from disk by granian, else chunk by chunk."""
    sent = send_file(protocol, body, started["status"], started["headers"])
    if sent is not None:
        return sent
    chunks = iter(body)
    first = next(chunks, b"")  # start_response may come with the first chunk
    transport = protocol.response_stream(started["status"], started["headers"])
    size = 0
    for chunk in _prepend(first, chunks):
        if chunk and not _sent(transport.send_bytes(chunk)):
            break  # the client went away
        size += len(chunk)
    return size


def _prepend(first: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    yield first
    yield from rest


def _sent(awaitable: Any) -> bool:
    """Granian's `send_bytes` has already queued the chunk when it returns; its awaitable
    only tells whether it could (run here, outside the loop: it never waits)."""
    steps = awaitable.__await__()
    try:
        next(steps)
    except StopIteration:
        return True
    except RuntimeError:  # granian's ProtocolClosed / ProtocolError
        return False
    return True


def send_file(
    protocol: Any, body: Iterable[bytes], status: int, headers: list[tuple[str, str]]
) -> int | None:
    """Hand a file answer (`FileBody`, or werkzeug's range of one) to granian, which sends
    it from disk; the bytes it sends, or None when `body` is no file on disk."""
    span: tuple[int, int] | None = None
    wrapper = body
    if not isinstance(body, FileBody):  # werkzeug's _RangeWrapper: a 206 of part of a file
        inner, start, end = (getattr(body, n, None) for n in ("iterable", "start_byte", "end_byte"))
        if not (isinstance(inner, FileBody) and isinstance(start, int) and isinstance(end, int)):
            return None
        wrapper, span = inner, (start, end)
    path = getattr(wrapper.file, "name", None)  # type: ignore[attr-defined]
    if not isinstance(path, str) or not os.path.isfile(path):  # noqa: PTH113
        return None
    if span is None:
        protocol.response_file(status, headers, path)
        return next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
    if span[1] <= span[0]:
        return None
    protocol.response_file_range(status, headers, path, span[0], span[1])
    return span[1] - span[0]


class QuickOnly:
    """A WSGI app that answers what the document route answers (`DocumentRoute.quick`: RDF
    documents and the 303s of IRIs, from the built dataset in memory or a store folder's
    tables, never waiting long on the disk), through the response cache if the app has one
    (its hit, or the route's answer, kept); else None, nothing sent (which no WSGI server
    would take; only `RSGIFront` calls it)."""

    def __init__(self, middleware: ResponseCacheMiddleware | None, route: DocumentRoute) -> None:
        self.middleware = middleware
        self.route = route

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        if not self.route.answers_here():  # before the release check, which would open it
            return None
        if self.middleware is None:  # RESPONSE_CACHE_BYTES is 0: the route alone
            return self.route.quick(environ, start_response)
        return self.middleware.quick(self.route.quick, environ, start_response)


class CachedOnly:
    """A WSGI app that answers from the response cache only: the cached answer, or None
    (which no WSGI server would take; only `RSGIFront` calls it)."""

    def __init__(self, middleware: ResponseCacheMiddleware) -> None:
        self.middleware = middleware

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> list[bytes] | None:
        return self.middleware.cached(environ, start_response)


def _no_write(_data: bytes) -> object:
    raise RuntimeError("the RSGI front does not support WSGI's write()")


def serve_granian(
    app_factory: Callable[[], WSGIApplication],
    settings: ServerSettings,
    *,
    access_log: bool = True,
    ready: Callable[[str], None] | None = None,
    workers: int = 1,
    preloaded: WSGIApplication | None = None,
) -> None:
    """Serve the app with granian until interrupted (SIGINT or SIGTERM).

    Granian parses HTTP in Rust and runs `RSGIFront` in `workers` worker processes, each with
    its pool of `settings.threads` threads running the app. Each worker's app is either
    `preloaded`, an app the calling process has already loaded and warmed up, which the
    workers inherit when granian forks them (`fork_workers`: the dataset's pages are shared
    copy-on-write, not loaded again per worker), or else made in each worker by
    `app_factory`, which must pickle (e.g. `functools.partial(create_app, config)`).
    Waitress's limits map to granian's nearest: the connection limit bounds connections open
    at once per worker (granian's backpressure), the header and keep-alive timeouts are one
    timer (`granian_header_timeout`), the header limit bounds the read buffer (at least 8
    KiB); the body deadline and limit are the front's. Port 0 is not supported: granian does
    not say which port it chose.
    """
    from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    if settings.port == 0:
        raise ValueError("granian needs an explicit port")
    server = Server(
        "citydip_ld.web:create_app",  # not imported: the app comes from the target loader
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=workers,
        # the Rust runtime on its own threads (granian picks one thread in-line for RSGI):
        # at world M, cold documents at eight connections 1.12x the requests a second
        runtime_mode=RuntimeModes.mt,
        # named: granian's "auto" takes rloop or uvloop whenever either is importable (an
        # A/B on cold documents at S: req/s +6-7% median, CPU within the noise; README)
        loop=Loops.asyncio,
        # a worker that has not stopped this long after the SIGTERM is killed
        workers_kill_timeout=WORKER_STOP_WAIT,
        backpressure=settings.connection_limit,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(
            header_read_timeout=granian_header_timeout(settings),
            max_buffer_size=max(settings.max_request_header_size, 8192),
        ),
        websockets=False,
        log_level=LogLevels.warning,
        respawn_failed_workers=True,
    )
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower()
    cpus = CpuShares(workers) if settings.pin_workers else None
    loader = _worker_loader(app_factory, preloaded, access_log, level, settings, cpus)
    if ready is not None:
        ready(f"http://{settings.host}:{settings.port}{settings.url_prefix}/")
    server.serve(target_loader=loader, wrap_loader=False)


def _worker_loader(
    app_factory: Callable[[], WSGIApplication],
    preloaded: WSGIApplication | None,
    access_log: bool,
    level: str,
    settings: ServerSettings,
    cpus: CpuShares | None,
) -> Callable[[], RSGIFront]:
    """What granian calls in each worker it forks from this process (the supervisor, whose
    pid the worker is given): `forked_front` of `preloaded` (granian then forks, see
    `fork_workers`), else `front_app` of `app_factory`; the other arguments are theirs."""
    supervisor = os.getpid()
    if preloaded is not None:
        fork_workers()
        return functools.partial(
            forked_front, preloaded, access_log, level, settings, cpus, supervisor
        )
    return functools.partial(front_app, app_factory, access_log, level, settings, cpus, supervisor)


def fork_workers() -> None:
    """Make granian fork its workers from this process (its choice is multiprocessing's
    default start method, `fork` on Linux before Python 3.14, else `spawn`), and put every
    object alive now out of the cyclic collector's sight (`gc.freeze`), so that a worker's
    collections do not write to the pages it shares with this process and its siblings."""
    import gc
    import multiprocessing

    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    gc.collect()
    gc.freeze()


def default_workers(cap: int = 4) -> int:
    """Granian workers by default: one per CPU this process may run on, at most `cap`."""
    cpus = available_cpus()
    available = len(cpus) if cpus else os.cpu_count() or 1  # not on Linux: every CPU
    return max(1, min(cap, available))


def front_app(
    app_factory: Callable[[], WSGIApplication],
    access_log: bool,
    log_level: str,
    settings: ServerSettings,
    cpus: CpuShares | None = None,
    supervisor: int | None = None,
) -> RSGIFront:
    """Run in granian's worker process: the app `app_factory` makes, behind the front
    (`wrap_front`); the worker then keeps to its share of `cpus` (`worker_cpus`) and stops
    with `supervisor` (`stop_with_supervisor`)."""
    stop_with_supervisor(supervisor)
    configure_logging(log_level)
    front = wrap_front(app_factory(), access_log, log_level, settings)
    claim_cpus(cpus)
    return front


def stop_with_supervisor(supervisor: int | None) -> None:
    """Make this granian worker stop when it is told to while starting, and when its
    supervising process (`supervisor`, its pid) dies.

    SIGTERM and SIGINT stop it outright until granian sets its own handlers on the worker's
    event loop (once the loader calling this has returned): the worker inherits the
    supervisor's handlers, which only set an event the supervisor watches, so a worker told
    to stop while still starting (forking its SPARQL workers, copying its heap) lost the
    signal, served on, and the supervisor waited for it for ever (under load, 2 stops in 18).

    And the kernel sends it SIGTERM when the supervisor dies (Linux's parent-death signal):
    a supervisor killed by SIGKILL or the OOM killer left its workers serving the old
    release on the port, beside the workers of the next `serve` on the same port. A
    supervisor dead before this call: the worker stops at once."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if set_parent_death_signal(signal.SIGTERM) and supervisor not in (None, os.getppid()):
        os.kill(os.getpid(), signal.SIGTERM)


def forked_front(
    app: WSGIApplication,
    access_log: bool,
    log_level: str,
    settings: ServerSettings,
    cpus: CpuShares | None = None,
    supervisor: int | None = None,
) -> RSGIFront:
    """Run in a granian worker just forked from the process that loaded `app` (it stops
    with `supervisor`: `stop_with_supervisor`): start the
    app's SPARQL workers now, forked from this worker while it has one thread, so that they
    share the loaded store too (`OxigraphStore.fork_query_workers`), then the front; the
    worker then keeps to its share of `cpus` (its SPARQL workers keep every CPU) and, for a
    dataset loaded into memory, makes its own copy of the heap (`copy_heap`)."""
    stop_with_supervisor(supervisor)
    configure_logging(log_level)
    store = getattr(app, "extensions", {}).get(STORE_KEY)
    fork_query_workers = getattr(store, "fork_query_workers", None)
    if fork_query_workers is not None and _threads_here() == 1:
        try:
            fork_query_workers()
        except CitydipError as exc:  # the pool starts on first use instead
            LOGGER.warning("could not fork the SPARQL workers: %s", exc)
    front = wrap_front(app, access_log, log_level, settings)
    claim_cpus(cpus)
    if getattr(store, "in_memory", False) is True:
        copy_heap()
    return front


def copy_heap() -> None:
    """This worker's own copy of the heap it shares with the process that loaded the
    dataset into memory, made now rather than a page at a time while it answers
    (`worker_memory`); logged at debug."""
    started = time.perf_counter()
    copied = own_heap()
    LOGGER.debug(
        "worker %d copied %d MiB of heap in %.2f s",
        os.getpid(),
        copied >> 20,
        time.perf_counter() - started,
    )


def claim_cpus(cpus: CpuShares | None) -> None:
    """Keep this worker (the thread granian starts its runtime and event loop from, and so
    every thread they start) to its share of `cpus`, if any; logged at debug."""
    share = None if cpus is None else cpus.claim()
    if share is not None:
        LOGGER.debug("worker %d keeps to CPUs %s", os.getpid(), sorted(share))


def wrap_front(
    app: WSGIApplication, access_log: bool, log_level: str, settings: ServerSettings
) -> RSGIFront:
    """Run in granian's worker process: `app` behind the trusted-proxy middleware and the
    front, with its log and the access log on its stderr, in the one format."""
    configure_logging(log_level)
    proxied = trust_proxy(app, settings.trusted_proxy)
    # a Flask app's: the response cache (unless RESPONSE_CACHE_BYTES is 0), the document route
    route = getattr(app, "wsgi_app", None)
    cached = hits = quick = None
    if isinstance(route, ResponseCacheMiddleware):
        hits = route
        cached = trust_proxy(CachedOnly(hits), settings.trusted_proxy)  # type: ignore[arg-type]
        route = hits.app
    if isinstance(route, DocumentRoute):
        quick = trust_proxy(QuickOnly(hits, route), settings.trusted_proxy)  # type: ignore[arg-type]
    log = sys.stderr if access_log else None
    return RSGIFront(proxied, settings, log, cached, hits, quick)


def _threads_here() -> int:
    """The threads of this process, the native ones included (Linux; elsewhere Python's)."""
    from pathlib import Path

    try:
        return sum(1 for _ in Path("/proc/self/task").iterdir())
    except OSError:
        import threading

        return threading.active_count()
