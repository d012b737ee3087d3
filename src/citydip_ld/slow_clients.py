"""Waitress's channel with deadlines for reading requests, and refusals a client can read.

Waitress closes a connection only after `channel_timeout` seconds without *any* activity, so a
client trickling one byte every few seconds (slowloris) holds its connection for ever, and
`connection_limit` such clients keep everyone else out. `DeadlineChannel` gives each stage of
reading a request a total deadline, checked on every turn of waitress's loop (at least once a
second, waitress's `asyncore_loop_timeout`):

- **headers**: the request line and headers within `header_timeout` seconds of the
  connection being accepted, or of the first byte of a later request on a kept-alive one;
- **body**: the whole body within `body_timeout` seconds of the end of the headers;
- **keep-alive**: at most `keepalive_timeout` seconds idle between two requests.

No deadline runs while a request is being answered or its response written (waitress's
`channel_timeout` still closes a client that stops reading).

A refused request (a body over `max_request_body_size`: 413, bad headers: 400/431) is
answered in the app's one error shape with `Connection: close`. Closing at once would reset
the connection while the client is still sending its body, and Python's http.client, urllib
and requests would then report the reset instead of the 413. So the channel closes its
sending side after the answer and reads and drops what the client still sends ("lingering
close", as nginx does) until the client closes, `discard_limit` bytes or `body_timeout`
seconds, whichever comes first. A client sending `Expect: 100-continue` gets the 413 instead
of `100 Continue` and need not send the body at all.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class ReadDeadlines:
    """Seconds allowed for each stage of reading a request, and the bytes of a refused body
    read and dropped before the connection is closed."""

    header_timeout: float
    body_timeout: float
    keepalive_timeout: float
    discard_limit: int


class Stage(Enum):
    """What a connection is doing, as seen between two turns of waitress's loop."""

    HEADERS = "headers"
    BODY = "body"
    IDLE = "keep-alive"
    BUSY = "answering"


class RefusingParser(HTTPRequestParser):
    """Waitress's parser, except that a refused request consumes the rest of what was read
    (the body is never parsed as a next request) and is never sent `100 Continue`."""

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        if self.error is not None:
            self.expect_continue = False
            return len(data)
        return consumed


def refusal(
    status: int, title: str, detail: str, accept: str | None
) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body of a refusal by the server itself (not the app), in the app's one
    error shape: JSON, or plain text for a client that prefers it; never kept by caches."""
    parsed = parse_accept_header(accept, MIMEAccept)
    text = bool(parsed) and parsed.best_match(["application/json", "text/plain"]) == "text/plain"
    if text:
        body = f"{status} {title}\n\n{detail}\n".encode()
        content_type = "text/plain; charset=utf-8"
    else:
        payload = {"error": {"status": status, "title": title, "detail": detail}}
        body = json.dumps(payload, ensure_ascii=False).encode()
        content_type = "application/json"
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store"), ("Vary", "Accept")]
    return headers, body


class RefusalTask(ErrorTask):
    """Waitress's own error answers (413, 431, 400, and 500 when the app fails before its
    headers) in the app's one error shape, with `Cache-Control: no-store`; the channel then
    lingers instead of closing under the client."""

    def execute(self) -> None:
        request: Any = self.request  # waitress's parser (typed as its error in the stubs)
        error = request.error
        status, title, detail = int(error.code), str(error.reason), str(error.body)
        if status == 413:
            limit = self.channel.adj.max_request_body_size
            detail = f"the request body is over this server's limit of {limit} bytes"
        headers, body = refusal(status, title, detail, request.headers.get("ACCEPT"))
        self.status = f"{status} {title}"
        self.response_headers = [*self.response_headers, *headers]
        self.set_close_on_finish()
        self.content_length = len(body)
        if isinstance(self.channel, DeadlineChannel):
            self.channel.linger_after_close = True
        self.write(body)


class DeadlineChannel(HTTPChannel):
    """An HTTP channel that closes a connection whose request is read too slowly, and that
    lingers after a refusal (see the module)."""

    deadlines = ReadDeadlines(10.0, 30.0, 15.0, 16 << 20)
    parser_class = RefusingParser
    error_task_class = RefusalTask
    #: Set by `RefusalTask`: read and drop the client's data after the answer, then close.
    linger_after_close = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = Stage.HEADERS
        self.stage_since = time.monotonic()
        self.answered = False
        self.linger_until: float | None = None
        self.discarded = 0

    def current_stage(self) -> Stage:
        if self.requests or self.total_outbufs_len or self.will_close or self.close_when_flushed:
            return Stage.BUSY
        if self.request is None:
            return Stage.IDLE if self.answered else Stage.HEADERS
        return Stage.BODY if self.request.headers_finished else Stage.HEADERS

    def limit(self, stage: Stage) -> float | None:
        return {
            Stage.HEADERS: self.deadlines.header_timeout,
            Stage.BODY: self.deadlines.body_timeout,
            Stage.IDLE: self.deadlines.keepalive_timeout,
            Stage.BUSY: None,
        }[stage]

    def readable(self) -> bool:
        now = time.monotonic()
        if self.linger_until is not None:
            if now < self.linger_until:
                return True
            self.close_now()
            return False
        stage = self.current_stage()
        if stage is not self.stage:
            self.stage, self.stage_since = stage, now
            self.answered = self.answered or stage is Stage.BUSY
        limit = self.limit(stage)
        if limit is not None and now - self.stage_since >= limit:
            self.will_close = True  # writable() now; handle_write() closes
            return False
        readable: bool = super().readable()
        return readable

    def handle_read(self) -> None:
        if self.linger_until is None:
            super().handle_read()
            return
        try:
            data = self.recv(self.adj.recv_bytes)  # calls handle_close() at the end of input
        except OSError:
            self.close_now()
            return
        self.discarded += len(data)
        if self.discarded > self.deadlines.discard_limit:
            self.close_now()

    def handle_close(self) -> None:
        if (
            self.linger_after_close
            and self.linger_until is None
            and self.connected
            and not self.total_outbufs_len
        ):
            try:
                assert self.socket is not None
                self.socket.shutdown(socket.SHUT_WR)  # the client reads the answer, then EOF
            except OSError:
                self.close_now()
                return
            self.linger_until = time.monotonic() + self.deadlines.body_timeout
            self.will_close = self.close_when_flushed = False
            return
        self.close_now()

    def close_now(self) -> None:
        super().handle_close()


def install_deadlines(server: Any, deadlines: ReadDeadlines) -> None:
    """Make every listening socket of a waitress `server` (from `create_server`, not yet
    running) open `DeadlineChannel`s with `deadlines`."""
    channel_class = type("DeadlineChannel", (DeadlineChannel,), {"deadlines": deadlines})
    sockets = getattr(server, "map", None) or server._map
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel_class
