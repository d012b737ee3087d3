"""What `citydip-ld serve` listens on and the limits its server enforces: the defaults (also
the command line's option defaults) and `ServerSettings`. Apart from `serving`, which imports
waitress and the SPARQL protocol, so that every other command starts without them."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

from citydip_ld.sparql import DEFAULT_MAX_REQUEST_BODY

#: The WSGI servers `citydip-ld serve --server` can run.
SERVERS = ("granian", "waitress")

#: Defaults for `serve`, also the CLI's.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_THREADS = 16
DEFAULT_CONNECTION_LIMIT = 100
DEFAULT_CHANNEL_TIMEOUT = 120
DEFAULT_MAX_HEADER = 64 * 1024
#: Deadlines for reading a request (`citydip_ld.slow_clients`): request line and headers,
#: body, and the wait for the next request on a kept-alive connection; seconds.
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_KEEPALIVE_TIMEOUT = 15.0
#: Bytes of a refused body read and dropped so the client can read the 413 (then closed).
DEFAULT_DISCARD_LIMIT = 16 << 20


@dataclass(frozen=True)
class ServerSettings:
    """Where to listen and the limits the server enforces (under waitress the read deadlines
    and the discard limit by `citydip_ld.slow_clients`; under granian its nearest, and the
    body deadline and limit of its front, in `granian_front`), and the trusted proxy
    (`trust_proxy`)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    threads: int = DEFAULT_THREADS
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT
    max_request_body_size: int = DEFAULT_MAX_REQUEST_BODY
    max_request_header_size: int = DEFAULT_MAX_HEADER
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT
    discard_limit: int = DEFAULT_DISCARD_LIMIT
    url_prefix: str = ""
    #: The address of a reverse proxy whose X-Forwarded-For/-Proto/-Host/-Port headers are
    #: believed (None: such headers are dropped from every request).
    trusted_proxy: str | None = None
    #: Whether each granian worker keeps to its own share of the CPUs (`worker_cpus`; with
    #: one worker, or fewer CPUs than workers, none is pinned).
    pin_workers: bool = True


def bind_address(host: str) -> str:
    """The IP address to listen on for `host`: itself when it is one, else the first address
    this machine resolves it to, IPv4 first (`localhost` -> 127.0.0.1: granian binds IP
    addresses only); a ValueError saying why when it is neither."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValueError(
            f"{host!r} is neither an IP address nor a host name this machine resolves ({exc})"
        ) from None
    ipv4 = [address for address in found if address[0] == socket.AF_INET]
    return str((ipv4 or found)[0][4][0])


#: One path segment of a URL prefix (RFC 3986's pchar, no `%`-escape needed).
_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")


def checked_url_prefix(prefix: str) -> str:
    """The mount point `prefix` as the app takes it (`/citydip`: a leading slash, none
    trailing; "" for the root); a ValueError unless each of its segments is a plain path
    segment other than `.` and `..`."""
    segments = prefix.strip("/").split("/") if prefix.strip("/") else []
    for segment in segments:
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise ValueError(
                f"{prefix!r} is not a path prefix such as /citydip (segment {segment!r})"
            )
    return "".join(f"/{segment}" for segment in segments)


def checked_trusted_proxy(proxy: str | None) -> str | None:
    """`proxy` as the peer address the forwarding headers are believed from (`*`: any), an
    IP address written as a request's peer is (`::1`, not `0::1`); a ValueError otherwise."""
    if proxy is None or proxy == "*":
        return proxy
    try:
        return str(ipaddress.ip_address(proxy))
    except ValueError:
        raise ValueError(
            f"{proxy!r} is not an IP address (the proxy's, as requests come from it) nor *"
        ) from None
