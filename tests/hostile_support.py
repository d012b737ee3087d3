"""Support for the hostile-input tests: the one error shape, sane-response checks, raw HTTP."""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ERROR_KEYS = {"status", "title", "detail"}


def assert_sane(status: int, headers: Any, body: bytes, allowed: tuple[int, ...] = ()) -> None:
    """No 5xx (but those in `allowed`: a case's 503 "Query timeout" on a loaded machine), no
    traceback; an error body has the one shape (JSON, or text/plain)."""
    text = body.decode("utf-8", "replace")
    assert status < 500 or status in allowed, f"{status}: {text[:500]}"
    assert "Traceback" not in text
    assert 'File "' not in text  # a Python stack frame
    content_type = (headers.get("Content-Type") or "").split(";")[0]
    if status >= 400 and content_type == "application/json":
        error = json.loads(text)["error"]
        assert set(error) == ERROR_KEYS
        assert error["status"] == status
        assert error["title"] and error["detail"]


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The JSON error of a Flask test response, checked against its one shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert set(error) == ERROR_KEYS
    assert error["status"] == status
    return error


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class _Headers(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:
        for name, value in self.items():
            if name.lower() == key.lower():
                return value
        return default


def raw_request(base_url: str, request: bytes, timeout: float = 30) -> RawResponse:
    """Send `request` (the bytes of a whole HTTP/1.1 request) and read the whole response."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        # The server may answer (e.g. 413) and close before it has read the whole body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = _Headers()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return RawResponse(status, headers, body)


def _dechunk(body: bytes) -> bytes:
    out = []
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        body = rest[size + 2 :]
    return b"".join(out)


def http_request(
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """The bytes of one request that closes its connection; `target` is sent as given."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
