"""Federated queries (SPARQL 1.1 `SERVICE`): which outbound connections a query may make.

We do not look for `SERVICE` in the query text: Oxigraph parses the query, and any parser of
ours would read some spelling differently. Instead the thread that runs protocol queries has
its `connect()` calls checked (`citydip_ld.sparql.sandbox`) against an `OutboundPolicy` made
from the operator's allow-list: only the addresses and ports of the allow-listed endpoints
(and, when an endpoint is named by host name, the system's DNS servers on port 53, to resolve
it) are reachable. Loopback and private addresses are reachable only when an allow-listed
endpoint resolves to them. Everything else fails before a packet leaves, whatever the query
says.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from citydip_ld.errors import QueryError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLV_CONF = Path("/etc/resolv.conf")
DNS_PORT = 53


class ServiceRefusedError(QueryError):
    """A query tried to call an endpoint that is not on the allow-list (web layer: 403)."""


def allowed_services(setting: object) -> list[str]:
    """SERVICE_ALLOWLIST as a list: a list in Python config, comma-separated in the env."""
    if not setting:
        return []
    if isinstance(setting, str):
        return [item.strip() for item in setting.split(",") if item.strip()]
    return [str(item) for item in setting]  # type: ignore[attr-defined]


def refusal_message(allowed: Iterable[str]) -> str:
    """What a client is told when its query tried to reach an endpoint not allowed."""
    listed = sorted(allowed)
    return "the query tried to call an endpoint (SERVICE) that this server does not allow; " + (
        "allowed endpoints: " + ", ".join(listed)
        if listed
        else "federated queries are off on this server (its operator can list endpoints "
        "in SERVICE_ALLOWLIST)"
    )


def normalise_address(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _endpoint_host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SERVICE_ALLOWLIST: {url!r} is not an http(s) URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return normalise_address(ipaddress.ip_address(host))
    except ValueError:
        return None


def _resolve(host: str, port: int) -> set[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return set()  # unresolvable now: nothing of it is reachable
    return {normalise_address(ipaddress.ip_address(info[4][0])) for info in infos}


def system_nameservers(path: Path = RESOLV_CONF) -> set[IPAddress]:
    """The DNS servers `/etc/resolv.conf` names (what getaddrinfo will connect to)."""
    found: set[IPAddress] = set()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            address = _literal_address(fields[1].split("%", 1)[0])
            if address is not None:
                found.add(address)
    return found


@dataclass(frozen=True)
class OutboundPolicy:
    """The (address, port) pairs the query thread may connect to; nothing else."""

    endpoints: tuple[str, ...] = ()
    reachable: frozenset[tuple[IPAddress, int]] = frozenset()

    @classmethod
    def for_endpoints(cls, endpoints: Iterable[str]) -> OutboundPolicy:
        """Resolve the allow-listed endpoints now (names resolve again in a new worker)."""
        listed = tuple(endpoints)
        reachable: set[tuple[IPAddress, int]] = set()
        needs_dns = False
        for url in listed:
            host, port = _endpoint_host_port(url)
            literal = _literal_address(host)
            if literal is not None:
                reachable.add((literal, port))
            else:
                needs_dns = True
                reachable.update((address, port) for address in _resolve(host, port))
        if needs_dns:
            reachable.update((server, DNS_PORT) for server in system_nameservers())
        return cls(listed, frozenset(reachable))

    def permits(self, address: IPAddress, port: int) -> bool:
        return (normalise_address(address), port) in self.reachable
