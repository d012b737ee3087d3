"""`serve`: waitress with a JSON-lines access log; one live test starts the real process."""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from citydip_ld.server_settings import bind_address, checked_trusted_proxy, checked_url_prefix
from citydip_ld.serving import AccessLog, trust_proxy
from helpers import run_cli
from web_support import LiveServer, live_on, live_server

ROOT = Path(__file__).resolve().parent.parent


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def fetch(url: str, accept: str = "*/*") -> tuple[int, dict[str, str], bytes]:
    """GET `url` without following redirects: status, headers (names in lower case), body."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "test-serve"})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


def test_live_server_dereferences_and_logs_json_lines(mini_app: Flask) -> None:
    with live_server(mini_app) as server:
        status, headers, _ = fetch(f"{server.url}/id/city/tabriz", "text/turtle")
        assert status == 303
        assert headers["location"].endswith("/doc/city/tabriz.ttl")
        status, headers, body = fetch(f"{server.url}/doc/city/tabriz.ttl")
        assert status == 200
        assert headers["content-type"] == "text/turtle; charset=utf-8"
        assert "تبریز".encode() in body
        deadline = time.monotonic() + 5
        while len(server.log) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    # a line is written once its answer is sent, so two threads may write theirs either way
    records = {r["path"]: r for r in map(json.loads, server.log)}
    first, second = records["/id/city/tabriz"], records["/doc/city/tabriz.ttl"]
    assert (first["status"], second["status"]) == (303, 200)
    assert first["method"] == "GET" and first["path"] == "/id/city/tabriz"
    assert first["client"] == "127.0.0.1"
    assert first["user_agent"] == "test-serve"
    assert first["accept"] == "text/turtle"
    assert second["bytes"] == len(body)
    assert second["duration_ms"] >= 0
    assert second["time"].endswith("+00:00")


def service_endpoint(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(f"{url}/sparql", headers={"Accept": "text/turtle", **headers})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
    endpoints = [line for line in body.splitlines() if "sd:endpoint" in line]
    assert endpoints, body[:500]
    return endpoints[0].split("<", 1)[1].split(">", 1)[0]


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "citydip.example.org",
    "X-Forwarded-For": "203.0.113.7",
}


@contextmanager
def running(
    server: str, mini_app: Flask, dataset_dir: Path, **options: Any
) -> Iterator[LiveServer]:
    """`mini_app` served by waitress in this process, or the same data by the real
    `citydip-ld serve --server granian`."""
    with live_on(server, mini_app, dataset_dir, **options) as live:
        yield live


@pytest.mark.parametrize("server", ["waitress", "granian"])
def test_forwarded_headers_are_dropped_unless_the_proxy_is_trusted(
    mini_app: Flask, mini_dataset_dir: Path, server: str
) -> None:
    def logged_client(log: list[str]) -> str:
        deadline = time.monotonic() + 5
        while not log and time.monotonic() < deadline:
            time.sleep(0.05)
        client: str = json.loads(log[-1])["client"]
        return client

    with running(server, mini_app, mini_dataset_dir) as live:
        endpoint = service_endpoint(live.url, FORWARDED)
        assert logged_client(live.log) == "127.0.0.1"  # a client cannot pose as the proxy

    with running(server, mini_app, mini_dataset_dir, trusted_proxy="10.9.8.7") as other:
        service_endpoint(other.url, FORWARDED)
        assert logged_client(other.log) == "127.0.0.1"  # trusted: another address only

    with running(server, mini_app, mini_dataset_dir, trusted_proxy="127.0.0.1") as proxied:
        proxied_endpoint = service_endpoint(proxied.url, FORWARDED)
        assert logged_client(proxied.log) == "203.0.113.7"
        chained = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.8"}
        service_endpoint(proxied.url, chained)
        deadline = time.monotonic() + 5
        while len(proxied.log) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert logged_client(proxied.log) == "203.0.113.8"  # one hop: the proxy's own entry
    # The endpoint is named from the configured BASE either way, never from the request.
    assert endpoint == proxied_endpoint == "http://localhost:5000/sparql"


def _seen_by_the_app(trusted: str | None, peer: str, headers: dict[str, str]) -> dict[str, str]:
    seen: dict[str, str] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(
            {k: str(v) for k, v in environ.items() if k.isupper() or k == "wsgi.url_scheme"}
        )
        start_response("204 No Content", [])
        return []

    environ = {
        "REMOTE_ADDR": peer,
        "HTTP_HOST": "127.0.0.1:5000",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "wsgi.url_scheme": "http",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    trust_proxy(app, trusted)(environ, lambda *a: None)  # type: ignore[arg-type]
    return seen


PROXIED = {
    **FORWARDED,
    "X-Forwarded-Port": "443",
    "X-Forwarded-By": "198.51.100.9",
    "Forwarded": "for=192.0.2.1;proto=http",
}


def test_the_trusted_proxy_sets_client_scheme_host_and_port() -> None:
    seen = _seen_by_the_app("127.0.0.1", "127.0.0.1", PROXIED)
    assert seen["REMOTE_ADDR"] == "203.0.113.7"
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_HOST"] == "citydip.example.org"  # 443 is https's own port
    assert seen["SERVER_PORT"] == "443"
    assert "HTTP_FORWARDED" not in seen and "HTTP_X_FORWARDED_BY" not in seen


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_anyone_else_loses_every_forwarding_header(trusted: str | None) -> None:
    seen = _seen_by_the_app(trusted, "192.0.2.50", PROXIED)
    assert seen["REMOTE_ADDR"] == "192.0.2.50"
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["HTTP_HOST"] == "127.0.0.1:5000"
    assert [key for key in seen if "FORWARDED" in key] == []


def test_access_log_records_status_and_size() -> None:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"short", b" and stout"]

    stream = io.StringIO()
    logged = AccessLog(app, stream)  # type: ignore[arg-type]
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/x", "QUERY_STRING": "a=1"}
    body = b"".join(logged(environ, lambda *a: None))  # type: ignore[arg-type]
    assert body == b"short and stout"
    record = json.loads(stream.getvalue())
    assert (record["method"], record["path"], record["query"]) == ("POST", "/x", "a=1")
    assert (record["status"], record["bytes"]) == (418, 15)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child, *descendants(child)}
    return found


def status_of_oversized_post(port: int, size: int) -> int:
    """POST a form announcing `size` bytes, send none of them, and read the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("server", ["waitress", "granian"])
def test_the_real_command_serves_the_built_dataset_on_a_free_port(
    dataset_dir: Path, server: str
) -> None:
    if server == "granian":
        pytest.importorskip("granian")
    port = free_port()
    env = {
        **os.environ,
        "CITYDIP_DATASET_DIR": str(dataset_dir),
        "CITYDIP_BASE": "http://localhost:5000/",
        "CITYDIP_QUERY_WORKERS": "1",
        "CITYDIP_PORT": str(port),
        "CITYDIP_HOST": "127.0.0.1",
        "CITYDIP_SERVER": server,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "citydip_ld.cli", "serve", "--threads", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(iter(process.stderr.readline, "")))  # type: ignore[union-attr]
    reader.start()

    def logged(path: str, status: int = 200) -> bool:
        """Wait (bounded) for the access-log line of `path`: it is written after the response."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            records = [json.loads(line) for line in list(log) if line.startswith("{")]
            # access records only: the log has other JSON records (warm-up done, ...)
            if any(r.get("path") == path and r.get("status") == status for r in records):
                return True
            time.sleep(0.05)
        return False

    base = f"http://127.0.0.1:{port}"
    children: set[int] = set()
    try:
        wait_for(f"{base}/", process)
        status, headers, _ = fetch(f"{base}/id/city/wuhan", "application/n-triples")
        assert status == 303
        assert headers["location"].endswith("/doc/city/wuhan.nt")
        status, _, body = fetch(f"{base}/doc/city/wuhan.nt")
        assert status == 200
        assert b'"Wuhan"@en' in body
        assert logged("/doc/city/wuhan.nt")
        # SPARQL through the query worker process, negotiated, with its result count.
        query = urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s a ?t } LIMIT 3"})
        status, headers, body = fetch(f"{base}/sparql?{query}", "text/csv")
        assert status == 200
        assert headers["content-type"] == "text/csv; charset=utf-8"
        assert headers["x-result-count"] == "3"
        assert len(body.decode().splitlines()) == 4
        status, headers, body = fetch(f"{base}/sparql?query=SELEC", "application/json")
        assert status == 400
        assert json.loads(body)["error"]["title"] == "Bad SPARQL request"
        # The body limit holds under either server (the app's MAX_CONTENT_LENGTH, 1 MiB).
        assert status_of_oversized_post(port, 2 << 20) == 413
        children = descendants(process.pid)
        assert children, "the query worker pool runs in child processes"
    finally:
        left = descendants(process.pid)
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # not stopped: fail, leaving no process behind
            for pid in [process.pid, *left]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait(10)
            raise
        reader.join(5)
    assert any(line.startswith(f"serving http://127.0.0.1:{port}/ with {server}") for line in log)
    deadline = time.monotonic() + 10
    while {pid for pid in children if Path(f"/proc/{pid}").exists()}:
        assert time.monotonic() < deadline, "server processes outlived the server"
        time.sleep(0.1)


@pytest.mark.parametrize("path", ["/id/city/" + "a" * 9000, "/%2e%2e/%2e%2e/etc/passwd"])
def test_hostile_requests_on_the_wire_are_4xx(mini_app: Flask, path: str) -> None:
    with live_server(mini_app) as server:
        status, _, _ = fetch(f"{server.url}{path}")
    assert 400 <= status < 500


def test_serve_refuses_a_dataset_that_does_not_conform(dataset_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from citydip_ld.cli import main

    broken = tmp_path / "broken"
    broken.mkdir()
    nquads = (dataset_dir / "dataset.nq").read_text(encoding="utf-8")
    wuhan_en = next(line for line in nquads.splitlines() if '"Wuhan"@en' in line)
    (broken / "dataset.nq").write_text(nquads.replace(wuhan_en + "\n", ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--dataset", str(broken), "--port", "1"])
    assert result.exit_code == 1
    assert "the dataset does not conform to its shapes" in result.output
    assert "needs exactly one English and one Persian label" in result.output
    assert "--no-check" in result.output


def test_a_host_name_is_served_on_the_address_it_resolves_to() -> None:
    """granian binds IP addresses only: `--host localhost` ended `serve` in a stack trace."""
    assert bind_address("127.0.0.1") == "127.0.0.1"
    assert bind_address("::1") == "::1"
    assert ipaddress.ip_address(bind_address("localhost")).is_loopback
    with pytest.raises(ValueError, match="'no such host' is neither an IP address nor a host"):
        bind_address("no such host")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--port", "99999", "Invalid value for '--port': 99999 is not in the range 0<=x<=65535"),
        ("--host", "no such host", "Invalid value for '--host': 'no such host' is neither"),
    ],
)
def test_a_port_or_host_no_server_can_listen_on_is_refused(
    project: Path, option: str, value: str, message: str
) -> None:
    code, output = run_cli("serve", "--no-check", option, value)
    assert code == 2, output
    assert message in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "0"], "'--threads': 0 is not in the range x>=1"),
        (["--connection-limit", "0"], "'--connection-limit': 0 is not in the range x>=1"),
        (["--max-request-body", "-1"], "'--max-request-body': -1 is not in the range x>=0"),
        (["--query-timeout", "-1"], "'--query-timeout': -1.0 is not in the range x>0"),
        (["--result-limit", "0"], "'--result-limit': 0 is not in the range x>=1"),
        (["--url-prefix", "/a/../b"], "'--url-prefix': '/a/../b' is not a path prefix"),
        (["--url-prefix", "/a b"], "'--url-prefix': '/a b' is not a path prefix"),
        (["--trusted-proxy", "proxy"], "'--trusted-proxy': 'proxy' is not an IP address"),
    ],
)
def test_a_setting_no_server_can_run_with_is_refused(
    project: Path, args: list[str], message: str
) -> None:
    """Before, `--threads 0` stopped in stack traces, and the others were taken: a prefix
    without its slash served `http://host:portprefix/`, a proxy's name matched no peer."""
    code, output = run_cli("serve", "--no-check", "--port", "0", *args)  # never served on
    assert code == 2, output
    assert f"Invalid value for {message}" in output, output


def test_url_prefixes_and_trusted_proxies_are_written_as_the_app_compares_them() -> None:
    assert checked_url_prefix("") == checked_url_prefix("/") == ""
    assert checked_url_prefix("citydip") == checked_url_prefix("/citydip/") == "/citydip"
    assert checked_url_prefix("/a/b") == "/a/b"
    assert checked_trusted_proxy(None) is None
    assert checked_trusted_proxy("*") == "*"
    assert checked_trusted_proxy("0::1") == "::1"
    assert checked_trusted_proxy("127.0.0.1") == "127.0.0.1"
