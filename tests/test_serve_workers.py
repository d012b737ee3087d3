"""`serve --workers`: granian's worker processes forked from one loaded, warmed-up app.

The live tests start the real command with two workers and tell which worker holds each
connection (its socket's inode, from /proc), so that they can ask both: the two answer the
same ETags, a release change reaches both, each logs its access lines, the dataset is
loaded and warmed up once (in the process that forks them), and SIGTERM or SIGINT leaves no
process behind.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from citydip_ld.cli import _granian_workers, main
from citydip_ld.granian_front import default_workers
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.stores.store import default_workers as default_query_workers
from citydip_ld.web import STORE_KEY, create_app, get_listing, get_store, render_first_pages
from citydip_ld.web.i18n import LANGUAGES
from citydip_ld.web.response_cache import ResponseCacheMiddleware
from citydip_ld.web.templating import ENVIRONMENTS_KEY
from sparql_support import free_port
from test_serve import ROOT, descendants, wait_for
from test_worker_memory import heap_kib, kernel_copies_on_advice

BASE = "http://localhost:5000/"
DOCUMENT = "/doc/city/wuhan.ttl"


def granian_workers(pid: int) -> list[int]:
    """The children of the serving process that granian forked: they have its command line
    (the gate check's resource tracker, a child too, has its own)."""
    own = Path(f"/proc/{pid}/cmdline").read_bytes()
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if Path(f"/proc/{child}/cmdline").read_bytes() == own:
                found.append(int(child))
        except OSError:  # gone meanwhile
            continue
    return found


def allowed_cpus(pid: int) -> set[frozenset[int]]:
    """The CPU sets the threads of process `pid` may run on (one set each)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.add(frozenset(os.sched_getaffinity(int(task.name))))
        except OSError:  # ended meanwhile
            continue
    return found


def open_files(pid: int) -> set[str]:
    """What the process's file descriptors point at (an fd closed while reading is skipped)."""
    targets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            targets.add(str(fd.readlink()))
        except OSError:
            continue
    return targets


def socket_owners(pids: list[int]) -> dict[str, int]:
    """Socket inode -> the process (of `pids`) holding it."""
    owners = {}
    for pid in pids:
        for target in open_files(pid):
            if target.startswith("socket:["):
                owners[target[8:-1]] = pid
    return owners


def server_side_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the connection from `client_port` (/proc/net/tcp)."""
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and (
            int(remote.split(":")[1], 16) == client_port
        ):
            return fields[9]
    return None


def get(conn: http.client.HTTPConnection, path: str, **headers: str) -> http.client.HTTPResponse:
    conn.request("GET", path, headers={"Accept": "text/turtle", **headers})
    response = conn.getresponse()
    response.read()
    return response


def connections_by_worker(port: int, workers: list[int]) -> dict[int, http.client.HTTPConnection]:
    """One kept-alive connection held by each worker (opening more until both have one)."""
    found: dict[int, http.client.HTTPConnection] = {}
    spare = []
    for _ in range(60):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert get(conn, DOCUMENT).status == 200
        inode = server_side_inode(port, conn.sock.getsockname()[1])
        owner = socket_owners(workers).get(inode or "")
        if owner is not None and owner not in found:
            found[owner] = conn
        else:
            spare.append(conn)
        if len(found) == len(workers):
            break
    for conn in spare:
        conn.close()
    assert len(found) == len(workers), "the kernel gave every connection to one worker"
    return found


def wait_for_replacement(server: int, known: set[int], timeout: float = 30) -> int:
    """A worker granian forked besides the `known` ones, once it has its SPARQL workers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in set(granian_workers(server)) - known:
            if len(descendants(pid)) == 2:
                return pid
        time.sleep(0.2)
    raise AssertionError(f"no new worker within {timeout} s")


def outliving(pids: set[int], grace: float = 10) -> set[int]:
    """Those of `pids` still there after `grace` seconds, killed (so a failing test leaves
    no orphan behind)."""
    deadline = time.monotonic() + grace
    while left := {pid for pid in pids if Path(f"/proc/{pid}").exists()}:
        if time.monotonic() > deadline:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            return left
        time.sleep(0.1)
    return set()


def republish_checksums(data: Path) -> None:
    """A new release of the dumps, as `build` writes it: SHA256SUMS replaced by rename."""
    sums = data / "SHA256SUMS"
    fresh = data / "SHA256SUMS.new"
    fresh.write_bytes(sums.read_bytes() + b"\n")
    fresh.replace(sums)


def start_logged(
    arguments: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[str], list[str], threading.Thread]:
    """`citydip-ld serve ARGUMENTS` started, the list its log lines are read into, and the
    thread reading them."""
    command = [sys.executable, "-m", "citydip_ld.cli", "serve", *arguments]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    reader = threading.Thread(
        target=lambda: log.extend(iter(process.stderr.readline, "")),  # type: ignore[union-attr]
        daemon=True,  # an orphan holding the pipe must not hold pytest too
    )
    reader.start()
    return process, log, reader


def stop_logged(
    process: subprocess.Popen[str], reader: threading.Thread, children: set[int], how: int
) -> set[int]:
    """Stop `process` by the signal `how` (killed after 30 s), and the server processes
    (`children`) still alive a moment later, killed."""
    process.send_signal(how)
    try:
        process.wait(30)
    finally:  # the leftovers are killed even when the wait failed
        if process.poll() is None:
            process.kill()
        reader.join(5)
        left = outliving(children)
    return left


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_two_workers_share_one_warm_up_agree_and_stop_cleanly(
    dataset_dir: Path, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    pytest.importorskip("granian")
    data = tmp_path / "build"
    shutil.copytree(dataset_dir, data)
    port = free_port()
    env = {
        **os.environ,
        "CITYDIP_DATASET_DIR": str(data),
        "CITYDIP_BASE": BASE,
        "CITYDIP_QUERY_WORKERS": "4",  # 2 for each HTTP worker
        "CITYDIP_LOG_LEVEL": "info",
    }
    process, log, reader = start_logged(
        ["--threads", "2", "--workers", "2", "--port", str(port)], env
    )
    children: set[int] = set()
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, timeout=120)
        workers = granian_workers(process.pid)
        children = set(workers)
        own = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert len(workers) == 2
        conns = connections_by_worker(port, workers)
        first, second = (conns[pid] for pid in workers)
        # One release, one ETag: a validator from one worker is good at the other.
        etag = get(first, DOCUMENT).getheader("ETag")
        assert etag and get(second, DOCUMENT).getheader("ETag") == etag
        assert get(second, DOCUMENT, **{"If-None-Match": etag}).status == 304
        # A new release reaches both workers' caches: new ETags, again the same.
        republish_checksums(data)
        renewed = get(first, DOCUMENT).getheader("ETag")
        assert renewed and renewed != etag
        assert get(second, DOCUMENT).getheader("ETag") == renewed
        assert get(first, DOCUMENT, **{"If-None-Match": etag}).status == 200
        # SPARQL through each worker's own query workers.
        query = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s { ?s a ?t } LIMIT 2"})
        for conn in (first, second):
            answered = get(conn, query, Accept="text/csv")
            assert answered.status == 200
            assert answered.getheader("X-Result-Count") == "2"
        children = descendants(process.pid)
        for worker in workers:  # its 2 SPARQL workers, forked from it at its start
            forked = Path(f"/proc/{worker}/task/{worker}/children").read_text().split()
            assert len(forked) == 2
            assert all(Path(f"/proc/{pid}/cmdline").read_bytes() == own for pid in forked)
        # Each worker's threads keep to its own share of the CPUs (with a CPU for each);
        # its SPARQL workers, forked before, keep every CPU.
        every = frozenset(os.sched_getaffinity(0))
        kept = [allowed_cpus(worker) for worker in workers]
        if len(every) >= 2:
            assert all(len(sets) == 1 for sets in kept), kept  # all threads of a worker alike
            first_share, second_share = (next(iter(sets)) for sets in kept)
            assert not first_share & second_share and first_share | second_share <= every
            for worker in workers:
                for pid in Path(f"/proc/{worker}/task/{worker}/children").read_text().split():
                    assert allowed_cpus(int(pid)) == {every}
        else:
            assert all(sets == {every} for sets in kept)
        # Each worker made its own copy of the heap it shared with the loaded app (the
        # in-memory store's pages are written by its lookups) when it started.
        for worker in workers if kernel_copies_on_advice() else ():
            heap = heap_kib(worker)
            assert heap["Private_Dirty"] >= 0.95 * heap["Rss"], heap
        for conn in (first, second):
            conn.close()
        # A worker that dies: its SPARQL workers go with it, granian forks another in its
        # place from the loaded app, with SPARQL workers of its own.
        dead = workers[0]
        orphans = {
            int(pid) for pid in Path(f"/proc/{dead}/task/{dead}/children").read_text().split()
        }
        os.kill(dead, signal.SIGKILL)
        replacement = wait_for_replacement(process.pid, set(workers))
        children |= {replacement} | descendants(replacement)
        assert len(descendants(replacement)) == 2
        deadline = time.monotonic() + 10
        while {pid for pid in orphans if Path(f"/proc/{pid}").exists()}:
            assert time.monotonic() < deadline, "the dead worker's SPARQL workers stayed"
            time.sleep(0.1)
    finally:
        left = stop_logged(process, reader, children, stop_signal)
    assert not left, f"server processes outlived the server: {sorted(left)}"
    records = [json.loads(line) for line in log if line.startswith("{")]
    warm_ups = [r for r in records if r["message"].startswith("warm-up done")]
    assert len(warm_ups) == 1, "loaded and warmed up once, before the workers were forked"
    served = [r for r in records if r.get("path") == "/doc/city/wuhan.ttl"]
    assert {r["status"] for r in served} == {200, 304}
    assert len(served) >= 8  # every answer of both workers is an access-log line
    assert any(line.startswith("loading and warming up the dataset for 2") for line in log)


def test_the_workers_stop_when_the_supervising_process_is_killed(dataset_dir: Path) -> None:
    """A supervisor killed outright (SIGKILL, the OOM killer) cannot stop its workers: the
    kernel's parent-death signal does, so none serves on, orphaned, beside the next `serve`
    on the same port."""
    pytest.importorskip("granian")
    port = free_port()
    env = {**os.environ, "CITYDIP_DATASET_DIR": str(dataset_dir), "CITYDIP_BASE": BASE}
    env["CITYDIP_QUERY_WORKERS"] = "2"
    process, _log, reader = start_logged(
        ["--threads", "2", "--workers", "2", "--port", str(port)], env
    )
    children: set[int] = set()
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, timeout=120)
        assert len(granian_workers(process.pid)) == 2
        children = descendants(process.pid)
    finally:
        left = stop_logged(process, reader, children, signal.SIGKILL)
    assert children and not left, f"workers outlived their killed supervisor: {sorted(left)}"
    with pytest.raises(OSError):  # nothing answers on the port any more
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/")


def test_a_store_folder_is_warmed_up_once_and_reopened_by_each_worker(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """`serve --store DIR` with two workers: the folder is opened and warmed up once, closed,
    and each forked worker opens it again itself (its own read-only RocksDB handle, with the
    warm-up's products inherited): both answer the same document and SPARQL."""
    pytest.importorskip("granian")
    from citydip_ld.stores.disk_publish import write_store_dir

    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    port = free_port()
    env = {**os.environ, "CITYDIP_BASE": BASE, "CITYDIP_LOG_LEVEL": "info"}
    env["CITYDIP_QUERY_WORKERS"] = "2"
    arguments = ["--store", str(folder), "--threads", "2", "--no-check", "--port", str(port)]
    process, log, reader = start_logged(arguments, env)
    children: set[int] = set()
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, timeout=120)
        workers = granian_workers(process.pid)
        children = set(workers)
        assert len(workers) == min(4, len(os.sched_getaffinity(0)))  # the default
        conns = connections_by_worker(port, workers)
        answers = [get(conn, DOCUMENT) for conn in conns.values()]
        assert len({a.getheader("ETag") for a in answers}) == 1
        assert all(a.status == 200 for a in answers)
        assert answers[0].getheader("Content-Type", "").startswith("text/turtle")
        query = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s { ?s a ?t } LIMIT 2"})
        for conn in conns.values():
            assert get(conn, query, Accept="text/csv").getheader("X-Result-Count") == "2"
            conn.close()
        for worker in workers:  # each opened the folder itself: RocksDB's files in its fds
            assert any(name.endswith(".sst") for name in open_files(worker))
        children = descendants(process.pid)
    finally:
        left = stop_logged(process, reader, children, signal.SIGTERM)
    assert not left, f"server processes outlived the server: {sorted(left)}"
    records = [json.loads(line) for line in log if line.startswith("{")]
    assert len([r for r in records if r["message"].startswith("warm-up done")]) == 1
    assert any(line.startswith("loading and warming up the store folder for") for line in log)


def test_waitress_refuses_more_than_one_worker(dataset_dir: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--dataset", str(dataset_dir), "--server", "waitress", "--workers", "2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert "--workers is granian's" in result.output


def test_the_parent_loads_and_warms_once_and_divides_the_query_workers(
    dataset_dir: Path,
) -> None:
    config: dict[str, object] = {"DATASET_DIR": str(dataset_dir), "BASE": BASE}
    app = create_app(config)
    count, preloaded = _granian_workers(app, config, 2)
    assert (count, preloaded) == (2, app)
    assert STORE_KEY in app.extensions  # the store is in this process, before any fork
    assert app.config["QUERY_WORKERS"] == config["QUERY_WORKERS"]
    total = default_query_workers()  # at least 2: divided, but at least 2 each
    assert config["QUERY_WORKERS"] == max(2, -(-total // 2))
    # and rendered the first pages here, once, for the workers to inherit
    assert {"home.html", "list.html", "resource.html", "base.html"} <= compiled_templates(app)


def compiled_templates(app: Flask, lang: str = "en") -> set[str]:
    """The names of the templates compiled and kept for `app`'s pages in `lang`."""
    environment = app.extensions.get(ENVIRONMENTS_KEY, {}).get(lang)
    cache = environment.cache if environment is not None else None
    return {name for _loader, name in cache} if cache is not None else set()


def test_the_first_pages_are_rendered_before_the_fork_and_not_cached(dataset_dir: Path) -> None:
    app = create_app({"DATASET_DIR": str(dataset_dir), "BASE": BASE})
    assert compiled_templates(app) == set()
    with app.app_context():
        get_store()
    statuses = render_first_pages(app)
    # the home page, each kind's list and its first resource's page, in English and Persian
    # (a kind with no list page answers 404); one city's Turtle and JSON-LD
    city = f"/doc/city/{first_slug(app, 'city')}"
    for lang in LANGUAGES:
        assert statuses["/", "text/html", lang] == 200
        assert statuses[city, "text/html", lang] == 200
        assert statuses["/doc/city/", "text/html", lang] == 200
    assert statuses[city, "text/turtle", "en"] == statuses[city, "application/ld+json", "en"] == 200
    pages = [kind for kind in KINDS if first_slug(app, kind)]
    assert len(statuses) == len(LANGUAGES) * (1 + len(KINDS) + len(pages)) + 2
    assert set(statuses.values()) == {200, 404}
    for lang in LANGUAGES:
        assert {"home.html", "list.html", "resource.html"} <= compiled_templates(app, lang)
    middleware = app.wsgi_app
    assert isinstance(middleware, ResponseCacheMiddleware)
    assert middleware.cache.bytes == 0  # rendered behind the response cache: nothing kept


def first_slug(app: Flask, kind: str) -> str | None:
    """The slug of the first resource of `kind` in list order (None: there is none)."""
    with app.app_context():
        first = get_listing(normalise_base(BASE), kind).page(0, 1)
    return first[0].rsplit("/", 1)[1] if first else None


@pytest.mark.parametrize(
    ("store", "workers", "asked", "expected", "each"),
    [
        ("http://sparql.example.org/query", None, 6, 1, 6),
        ("/srv/citydip-store", 3, 6, 3, 2),
        ("/srv/citydip-store", 3, 7, 3, 3),
        ("/srv/citydip-store", 2, 1, 2, 1),
        ("/srv/citydip-store", 2, 0, 2, 0),
    ],
)
def test_other_stores_are_opened_by_each_worker(
    store: str, workers: int | None, asked: int, expected: int, each: int
) -> None:
    config: dict[str, object] = {"STORE": store, "BASE": BASE, "QUERY_WORKERS": asked}
    app = create_app(config)
    assert _granian_workers(app, config, workers) == (expected, None)
    assert STORE_KEY not in app.extensions
    assert config["QUERY_WORKERS"] == app.config["QUERY_WORKERS"] == each


def test_the_default_is_one_worker_per_cpu_at_most_four() -> None:
    assert default_workers() == min(4, len(os.sched_getaffinity(0)))
    assert default_workers(cap=1) == 1
