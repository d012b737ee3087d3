"""Serve the app with a production WSGI server and a JSON-lines access log.

`serve(app, settings)` runs waitress (pure Python, threads) and
`granian_front.serve_granian(app_factory, settings)` granian (HTTP in Rust, an RSGI front
that reads bodies before a thread runs the app); `citydip-ld serve --server` picks one.
Under either, `trust_proxy` handles X-Forwarded-* headers (README, "Which HTTP server").
Each request is logged as one JSON object per line in the application's
one log format (`citydip_ld.logs`): time, level, logger, message, then client, method, path,
query, status, bytes, duration in milliseconds, user agent, referrer, Accept.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from typing import IO, TYPE_CHECKING, Any

import orjson
from waitress.proxy_headers import proxy_headers_middleware
from waitress.server import create_server

from citydip_ld.logs import ACCESS_LOGGER, log_record, record_text
from citydip_ld.server_settings import ServerSettings as ServerSettings  # its home was here
from citydip_ld.slow_clients import ReadDeadlines, install_deadlines

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: What a trusted proxy may tell us: the client, and the scheme, host and port it was asked on.
TRUSTED_PROXY_HEADERS = {
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-port",
}


def trust_proxy(app: WSGIApplication, trusted_proxy: str | None) -> WSGIApplication:
    """`app` behind waitress's proxy-header middleware, under either server: from the peer
    `trusted_proxy` (REMOTE_ADDR), X-Forwarded-For/-Proto/-Host/-Port are believed (one hop:
    the client's address, the scheme, host and port it asked for) and `Forwarded` and
    `X-Forwarded-By` dropped; from anyone else (or with None) every such header is dropped,
    so a client cannot pose as the proxy. A malformed trusted header answers 400."""
    return proxy_headers_middleware(
        app,
        trusted_proxy=trusted_proxy,
        trusted_proxy_count=1,
        trusted_proxy_headers=set(TRUSTED_PROXY_HEADERS),
        clear_untrusted=True,
    )


def from_trusted_proxy(peer: str, trusted_proxy: str | None) -> bool:
    """Whether `trust_proxy`'s middleware believes the forwarding headers of a request from
    `peer` (waitress's rule: the one trusted address, or anyone with `*`)."""
    return trusted_proxy is not None and (trusted_proxy == "*" or peer == trusted_proxy)


def query_concurrency(threads: int, wanted: int) -> int:
    """SPARQL requests in progress at once under `threads` server threads: at most `wanted`,
    leaving a quarter of the threads (at least 2) to pages, documents and dumps."""
    return max(1, min(wanted, threads - max(2, threads // 4)))


class AccessLog:
    """WSGI middleware writing one JSON line per request to `stream`."""

    def __init__(self, app: WSGIApplication, stream: IO[str]) -> None:
        self.app = app
        self.stream = stream
        self._lock = threading.Lock()
        #: The stream's bytes below its text layer, when it writes UTF-8 (stderr does):
        #: the lines are UTF-8 JSON already, so they skip the text layer's encoding.
        self._binary = binary_layer(stream)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0}

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            state["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start_response)
        return self._wrap(body, environ, state, started)

    def _wrap(
        self,
        body: Iterable[bytes],
        environ: WSGIEnvironment,
        state: dict[str, Any],
        started: float,
    ) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self.write(environ, state["status"], size, started)

    def write(self, environ: WSGIEnvironment, status: int, size: int, started: float) -> None:
        self.write_request(
            environ.get("REMOTE_ADDR", ""),
            environ.get("REQUEST_METHOD", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            status,
            size,
            started,
            (
                environ.get("HTTP_USER_AGENT", ""),
                environ.get("HTTP_REFERER", ""),
                environ.get("HTTP_ACCEPT", ""),
            ),
        )

    def write_request(
        self,
        client: str,
        method: str,
        path: str,
        query: str,
        status: int,
        size: int,
        started: float,
        headers: tuple[str, str, str],
    ) -> None:
        """The line of one request, from its parts (a front with no environ); `headers` the
        User-Agent, Referer and Accept headers ("" when absent)."""
        user_agent, referer, accept = headers
        record = log_record(
            "info",
            ACCESS_LOGGER,
            f"{method} {path} {status}",
            client=client,
            method=method,
            path=path,
            query=query,
            status=status,
            bytes=size,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user_agent=user_agent,
            referer=referer,
            accept=accept,
        )
        try:  # `log_line`'s bytes, without the text layer when the stream is UTF-8
            data = orjson.dumps(record, default=str, option=orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:  # what orjson refuses: `record_text` has the fallback
            data = None
        with self._lock:
            if data is not None and self._binary is not None:
                self.stream.flush()  # what the text layer holds goes first (none, as a rule)
                self._binary.write(data)
                self._binary.flush()
            else:
                self.stream.write(record_text(record) + "\n" if data is None else data.decode())
                self.stream.flush()


def binary_layer(stream: IO[str]) -> IO[bytes] | None:
    """The binary buffer under a UTF-8 text stream (`sys.stderr`'s), or None (a StringIO,
    another encoding): written to directly after a flush of the text layer, so that lines
    written through either layer stay in order (`AccessLog` flushes the text layer first)."""
    buffer = getattr(stream, "buffer", None)
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if buffer is None or encoding not in ("utf-8", "utf8"):
        return None
    return buffer  # type: ignore[no-any-return]


_DEFAULT_SETTINGS = ServerSettings()


def make_server(
    app: WSGIApplication,
    settings: ServerSettings = _DEFAULT_SETTINGS,
    access_log: IO[str] | None = None,
) -> Any:
    """A waitress server for `app` (not yet running); `.run()` serves, `.close()` stops."""
    proxied = trust_proxy(app, settings.trusted_proxy)
    wrapped = AccessLog(proxied, access_log) if access_log is not None else proxied
    options = asdict(settings)
    deadlines = ReadDeadlines(
        header_timeout=options.pop("header_timeout"),
        body_timeout=options.pop("body_timeout"),
        keepalive_timeout=options.pop("keepalive_timeout"),
        discard_limit=options.pop("discard_limit"),
    )
    del options["trusted_proxy"]  # handled by `trust_proxy`, the same under granian
    del options["pin_workers"]  # granian's: waitress serves from one process
    server = create_server(
        wrapped,
        **options,
        ident="citydip-ld",
        clear_untrusted_proxy_headers=False,
    )
    install_deadlines(server, deadlines)
    return server


def serve(
    app: WSGIApplication,
    settings: ServerSettings,
    *,
    access_log: bool = True,
    log_stream: IO[str] | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve `app` until interrupted; the access log goes to `log_stream` (stderr)."""
    server = make_server(app, settings, (log_stream or sys.stderr) if access_log else None)
    address = f"http://{server.effective_host}:{server.effective_port}{settings.url_prefix}/"
    if ready is not None:
        ready(address)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def granian_header_timeout(settings: ServerSettings) -> int:
    """Granian's `header_read_timeout` in milliseconds. Granian (hyper) runs one timer from
    the end of a response, or the connection, to the end of the next request's headers: it
    is both the header and the keep-alive deadline, so it gets the smaller of the two (at
    most 60 s, granian's bound)."""
    seconds = min(settings.header_timeout, settings.keepalive_timeout, 60.0)
    return max(1, int(seconds * 1000))
