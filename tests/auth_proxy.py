"""A loopback HTTP/1.1 proxy that requires digest authentication (RFC 7616, MD5, qop=auth) in
front of a real store, and counts what its clients do: TCP connections, requests, the body
bytes they carry and the 401 challenges it had to send."""

from __future__ import annotations

import hashlib
import http.client
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

REALM = "citydip-test"
_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


@dataclass
class Traffic:
    """What the proxy saw, in order."""

    connections: int = 0
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    body_bytes: int = 0
    challenges: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> str:
        return (
            f"{len(self.requests)} requests ({self.challenges} answered 401) on "
            f"{self.connections} connections, {self.body_bytes} body bytes"
        )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@contextmanager
def digest_proxy(upstream: str, user: str, password: str, traffic: Traffic) -> Iterator[str]:
    """Serve on 127.0.0.1 (a free port) until the block ends; yields the proxy's root URL.
    Authorised requests are passed to `upstream` (a root URL) with their path and body."""
    target = urlsplit(upstream)
    nonces: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real stores do

        def setup(self) -> None:
            super().setup()
            with traffic.lock:
                traffic.connections += 1

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Digest "):
                return False
            fields = {m[0]: m[1] or m[2] for m in _FIELD.findall(header[len("Digest ") :])}
            if fields.get("nonce") not in nonces or fields.get("username") != user:
                return False
            ha1 = _md5(f"{user}:{REALM}:{password}")
            ha2 = _md5(f"{self.command}:{fields.get('uri', '')}")
            expected = _md5(
                f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:"
                f"{fields.get('qop', '')}:{ha2}"
            )
            return fields.get("response") == expected and fields.get("uri") == self.path

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with traffic.lock:
                traffic.body_bytes += len(body)
            if not self._authorised():
                nonce = secrets.token_hex(16)
                nonces.add(nonce)
                with traffic.lock:
                    traffic.challenges += 1
                    traffic.requests.append((self.command, self.path, 401))
                self.send_response(401)
                self.send_header(
                    "WWW-Authenticate",
                    f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5',
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in ("content-type", "accept")
                }
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
            finally:
                connection.close()
            with traffic.lock:
                traffic.requests.append((self.command, self.path, answer.status))
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
