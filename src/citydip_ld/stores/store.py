"""Where the triples live: the store protocol and its embedded Oxigraph implementation.

The web layer only talks to `Store`; a remote SPARQL store (`citydip_ld.stores.remote`) can take its
place: `open_store` opens one for an http(s) URL.

pyoxigraph has no query timeout and cannot cancel a running query: a thread stuck in one long
evaluation step (a big ORDER BY, GROUP BY or COUNT) keeps a core busy until it finishes. So
`OxigraphStore.run` sends each protocol query to a pool of worker processes, each holding its
own copy of the dataset. The worker stops at the deadline between solutions by itself; if it
is stuck inside one step, the pool kills it at the deadline (plus a short grace), answers
`QueryTimeoutError` and starts a replacement in the background. Other requests keep being served by
the remaining workers meanwhile. With `workers=0` queries run in the calling thread and only
the cooperative deadline applies.
"""

from __future__ import annotations

import atexit
import functools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph

from citydip_ld.errors import CitydipError, LoadError
from citydip_ld.sparql.federation import OutboundPolicy
from citydip_ld.sparql.protocol import (
    QueryJob,
    QueryMemoryError,
    QueryOutcome,
    QueryOverloadError,
    QueryTimeoutError,
    QueryWorkerDiedError,
)
from citydip_ld.sparql.sandbox import (
    DEFAULT_SANDBOX,
    SandboxSettings,
    answer,
    limit_memory,
    memory_message,
    query_thread,
)
from citydip_ld.stores.disk_store import (
    StoreInfo,
    is_store_dir,
    live_generation,
    open_generation,
    read_generation_info,
)
from citydip_ld.stores.folder_store import FolderStore
from citydip_ld.stores.index_description import TABLE_INCOMING
from citydip_ld.stores.label_table import LabelTable, open_label_table
from citydip_ld.stores.remote import RemoteSparqlStore, check_store_target, is_remote
from citydip_ld.stores.resource_table import ResourceTable, open_resource_table

DATASET_FILE = "dataset.nq"
log = logging.getLogger(__name__)
#: How long past the deadline the pool waits for a worker to stop by itself before killing it.
KILL_GRACE = 0.5


class Store(Protocol):
    """A read-only quad store that answers SPARQL."""

    def query(self, sparql: str, **options: Any) -> Any:
        """Run a SPARQL query in-process; options follow pyoxigraph's `Store.query`."""
        ...

    def run(self, job: QueryJob) -> QueryOutcome:
        """Answer one protocol query within its limits (`citydip_ld.sparql.protocol.run_job`)."""
        ...


@dataclass(frozen=True)
class DatasetSource:
    """How a worker process gets its store: an N-Quads file or bytes (tests, small stores)
    loaded into memory, or a generation of a store folder opened read-only (shared on disk)."""

    path: str | None = None
    nquads: bytes | None = None
    generation: str | None = None

    def load(self) -> pyoxigraph.Store:
        if self.generation is not None:
            return open_generation(self.generation)
        store = pyoxigraph.Store()
        try:
            if self.path is not None:
                store.bulk_load(path=self.path, format=pyoxigraph.RdfFormat.N_QUADS)
            elif self.nquads:
                store.bulk_load(self.nquads, format=pyoxigraph.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            where = self.path or "N-Quads input"
            raise LoadError(f"{where}: not valid N-Quads ({exc}); rebuild the dataset") from None
        return store


def _fields(value: QueryJob | QueryOutcome) -> tuple[Any, ...]:
    """A job or outcome as the plain tuple of its fields: it pickles several times faster."""
    return tuple(vars(value).values())


def _worker_main(
    conn: Connection,
    source: DatasetSource,
    settings: SandboxSettings,
    loaded: pyoxigraph.Store | None = None,
    inherited: tuple[Connection, ...] = (),
) -> None:
    """A pool worker: load the dataset (or answer from `loaded`, the store of the process it
    was forked from), start the guarded query thread (`citydip_ld.sparql.sandbox`), cap the
    memory, say "ready", then answer jobs in that thread until the pipe closes. After a query
    that ran out of memory the worker exits, so the next query gets a fresh process.

    A forked worker first closes the pool's ends of the pipes it inherited (`inherited`: its
    own and its elder siblings'), so that each pipe closes when the pool's process dies and
    its worker exits then, and takes the default signal handlers back from the server's."""
    for end in inherited:
        end.close()
    if loaded is not None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        store = loaded if loaded is not None else source.load()
        policy = OutboundPolicy.for_endpoints(settings.allowed_endpoints)
        thread = query_thread(settings)  # its stack is reserved before the cap is measured
        if settings.memory_limit is not None:
            limit_memory(settings.memory_limit)
    except (CitydipError, ValueError) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", None))
    thread.call(functools.partial(_answer_jobs, conn, store, policy, settings), policy)


def _answer_jobs(
    conn: Connection, store: pyoxigraph.Store, policy: OutboundPolicy, settings: SandboxSettings
) -> None:
    while True:
        try:
            job = QueryJob(*conn.recv())
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", _fields(answer(store, job, policy, settings))))
        except CitydipError as exc:
            conn.send(("error", exc))
            if isinstance(exc, QueryMemoryError):
                return
        except MemoryError:
            conn.send(("error", QueryMemoryError(memory_message(settings.memory_limit))))
            return


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection


def _context() -> Any:
    # forkserver: workers fork from a clean single-threaded server, never from the (threaded)
    # web server process; spawn where forkserver does not exist.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


class QueryPool:
    """A fixed number of worker processes answering `QueryJob`s, each with a hard deadline.

    Idle workers are taken last in, first out: under light load one worker answers everything
    and stays scheduled and warm (handing jobs round-robin to sleeping workers cost 35 µs more
    per query at S).

    With `loaded` (the store `source` gives, already loaded in this process), the first
    workers are forked from this process, which must then have a single thread: they answer
    from its store, whose pages they share copy-on-write, instead of loading the dataset
    each. A worker replacing one (after a timeout or a crash) starts as usual and loads it.
    """

    def __init__(
        self,
        source: DatasetSource,
        size: int,
        settings: SandboxSettings = DEFAULT_SANDBOX,
        loaded: pyoxigraph.Store | None = None,
    ) -> None:
        self._source = source
        self._size = size
        self._settings = settings
        self._ctx = _context()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        starting = [self._spawn(loaded) for _ in range(size)]
        for worker in starting:
            self._await_ready(worker)

    def _spawn(self, loaded: pyoxigraph.Store | None = None) -> _Worker:
        ctx = self._ctx if loaded is None else multiprocessing.get_context("fork")
        parent, child = ctx.Pipe()
        inherited: tuple[Connection, ...] = ()
        if loaded is not None:
            with self._lock:
                inherited = (parent, *(worker.conn for worker in self._workers))
        process = ctx.Process(
            target=_worker_main,
            args=(child, self._source, self._settings, loaded, inherited),
            daemon=True,
            name="citydip-sparql",
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        status, message = worker.conn.recv() if worker.conn.poll(120) else ("failed", "no answer")
        if status != "ready":
            self._kill(worker)
            raise LoadError(f"a SPARQL worker could not start ({self._source}): {message}")
        self._idle.put(worker)

    def _kill(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        if self._closed:
            return

        def start() -> None:
            fresh = self._spawn()
            try:
                self._await_ready(fresh)
            except (LoadError, EOFError, OSError) as exc:
                log.error("could not replace a SPARQL worker: %s", exc)
                return
            if self._closed:
                self._kill(fresh)

        threading.Thread(target=start, name="citydip-sparql-respawn", daemon=True).start()

    def run(self, job: QueryJob) -> QueryOutcome:
        deadline = time.monotonic() + job.timeout
        try:
            worker = self._idle.get(timeout=max(job.timeout, 0.001))
        except queue.Empty:
            raise QueryOverloadError(
                f"all {self._size} query workers stayed busy for the {job.timeout:g} s limit; "
                f"try again in {QueryOverloadError.retry_after} seconds"
            ) from None
        try:
            worker.conn.send(_fields(job))
            if not worker.conn.poll(max(deadline - time.monotonic(), 0) + KILL_GRACE):
                self._replace(worker)
                raise QueryTimeoutError(
                    f"the query ran longer than the {job.timeout:g} s limit and was stopped; "
                    "narrow it (more specific patterns, LIMIT) or ask the operator to raise "
                    "QUERY_TIMEOUT"
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(0.5)
            # A negative exit code is the signal that ended it (e.g. -11: a native crash).
            log.error(
                "query worker %s died (exit code %s) on a %d-character query",
                worker.process.pid,
                worker.process.exitcode,
                len(job.query),
            )
            self._replace(worker)
            raise self._death(worker.process.exitcode) from None
        if status == "error" and isinstance(payload, QueryMemoryError):
            self._replace(worker)  # it exits after a query that ran out of memory
        else:
            self._idle.put(worker)
        if status == "error":
            raise payload
        return QueryOutcome(*payload)

    def _death(self, exitcode: int | None) -> CitydipError:
        """The error for a query whose worker died: out of memory (Rust aborts when an
        allocation fails) or anything else (killed, a crash)."""
        if exitcode == -signal.SIGABRT:
            return QueryMemoryError(memory_message(self._settings.memory_limit))
        return QueryWorkerDiedError(
            f"the query worker stopped unexpectedly (exit code {exitcode}) and was replaced; "
            "the query was not answered"
        )

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._kill(worker)


class OxigraphStore:
    """The embedded default: an in-memory pyoxigraph store loaded from a built dataset.

    `query` runs in-process (for dereferencing and statistics); `run` answers protocol
    queries through a `QueryPool` of `workers` processes, started on first use.
    """

    def __init__(
        self,
        store: pyoxigraph.Store,
        source: DatasetSource | None = None,
        workers: int = 0,
        settings: SandboxSettings = DEFAULT_SANDBOX,
    ) -> None:
        self._store = store
        self._source = source
        self._workers = workers if source is not None else 0
        self._settings = settings
        self._policy = OutboundPolicy.for_endpoints(settings.allowed_endpoints)
        self._pool: QueryPool | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def from_dataset_dir(
        cls, directory: str | Path, workers: int = 0, settings: SandboxSettings = DEFAULT_SANDBOX
    ) -> OxigraphStore:
        path = Path(directory) / DATASET_FILE
        if not path.is_file():
            raise LoadError(f"{path}: no built dataset here; run `citydip-ld build` first")
        source = DatasetSource(path=str(path.resolve()))
        return cls(source.load(), source, workers, settings)

    @classmethod
    def from_store_dir(
        cls, directory: str | Path, workers: int = 0, settings: SandboxSettings = DEFAULT_SANDBOX
    ) -> OxigraphStore:
        """The live generation of a store folder (`citydip_ld.stores.disk_store`), read-only."""
        source = DatasetSource(generation=str(live_generation(directory)))
        return cls(source.load(), source, workers, settings)

    @classmethod
    def from_nquads(
        cls, nquads: bytes, workers: int = 0, settings: SandboxSettings = DEFAULT_SANDBOX
    ) -> OxigraphStore:
        source = DatasetSource(nquads=nquads)
        return cls(source.load(), source, workers, settings)

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def generation(self) -> str | None:
        """The store-folder generation this store reads (None: loaded into memory)."""
        return self._source.generation if self._source is not None else None

    @property
    def in_memory(self) -> bool:
        """Whether the whole store is in this process's memory (loaded, not read from a
        store folder's generation on disk): its lookups never wait on the disk."""
        return self.generation is None

    @property
    def release(self) -> str:
        """What identifies the data this store answers: it never changes once opened (a store
        folder's generation, or a dataset loaded into memory by this object)."""
        generation = self.generation
        return f"generation:{generation}" if generation else f"memory:{id(self)}"

    def fork_query_workers(self) -> None:
        """Start the query pool now, its workers forked from this process (which must have a
        single thread) and answering from this store, shared with it copy-on-write: no
        second load of the dataset and no wait for one (`QueryPool`'s `loaded`). A store
        folder's generation is opened by each worker, as when the pool starts on first use."""
        with self._pool_lock:
            if self._pool is None and self._workers > 0 and self._source is not None:
                loaded = self._store if self.generation is None else None
                self._pool = QueryPool(self._source, self._workers, self._settings, loaded)

    def query(self, sparql: str, **options: Any) -> Any:
        if "default_graph" not in options:
            options.setdefault("use_default_graph_as_union", True)
        return self._store.query(sparql, **options)

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object_: Any, graph_name: Any
    ) -> Iterator[pyoxigraph.Quad]:
        """The quads matching a pattern (None: any), from the store's index in this process:
        the cheap lookups of `describe` need no SPARQL and no worker."""
        return self._store.quads_for_pattern(subject, predicate, object_, graph_name)

    def label_table(self, predicates: Sequence[Any]) -> LabelTable | None:
        """The label table of this store folder's generation (`stores.label_table`) holding
        the quads of `predicates`, opened now; None for a store loaded into memory or a
        generation published without one (its labels are looked up in the store)."""
        found = self._generation_info()
        return None if found is None else open_label_table(found[0], found[1].labels, predicates)

    def resource_table(self) -> ResourceTable | None:
        """The resource table of this store folder's generation (`stores.resource_table`),
        opened now; None for a store loaded into memory or a generation published without
        one (a resource's quads are looked up in the store)."""
        found = self._generation_info()
        if found is None:
            return None
        return open_resource_table(found[0], found[1].resources, TABLE_INCOMING)

    def _generation_info(self) -> tuple[Path, StoreInfo] | None:
        """The store folder generation this store reads and its record (None: loaded into
        memory, or the record is unreadable)."""
        generation = self.generation
        if generation is None:
            return None
        try:
            return Path(generation), read_generation_info(generation)
        except LoadError:
            return None

    def run(self, job: QueryJob) -> QueryOutcome:
        if self._workers <= 0 or self._source is None:
            # In this process's guarded thread: no memory cap, and only the cooperative
            # deadline (a step that never yields is not stopped).
            return answer(self._store, job, self._policy, self._settings)
        with self._pool_lock:
            if self._pool is None:
                self._pool = QueryPool(self._source, self._workers, self._settings)
            pool = self._pool
        return pool.run(job)

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def default_workers() -> int:
    """One worker per core, at least 2 (so one runaway query never blocks the endpoint)."""
    return max(2, os.cpu_count() or 2)


_OPEN: dict[tuple[str, float, int, SandboxSettings], OxigraphStore] = {}
_OPEN_LOCK = threading.Lock()


def open_store(
    dataset_dir: str | Path,
    workers: int | None = None,
    settings: SandboxSettings = DEFAULT_SANDBOX,
) -> Store:
    """Open the store the app and CLI answer from (shared per dataset file and worker count).

    Apps created for the same built dataset share one store and one worker pool. An http(s)
    URL instead of a directory opens a remote SPARQL store (`citydip_ld.stores.remote`; `workers`
    does not apply): it keeps no state, so it is not shared. A store folder written by
    `publish --to DIR` (`citydip_ld.stores.disk_store`) is followed as it changes
    (`open_store_folder`).
    """
    check_store_target(dataset_dir)
    if is_remote(dataset_dir):
        return RemoteSparqlStore.from_url(str(dataset_dir))
    if is_store_dir(dataset_dir):
        return open_store_folder(dataset_dir, workers, settings)
    path = Path(dataset_dir) / DATASET_FILE
    count = default_workers() if workers is None else workers
    try:
        key = (str(path.resolve()), path.stat().st_mtime, count, settings)
    except OSError:
        return OxigraphStore.from_dataset_dir(dataset_dir, count, settings)  # raises LoadError
    with _OPEN_LOCK:
        store = _OPEN.get(key)
        if store is None:
            store = _OPEN[key] = OxigraphStore.from_dataset_dir(dataset_dir, count, settings)
        return store


_FOLDERS: dict[tuple[str, int, SandboxSettings], FolderStore] = {}


def open_store_folder(
    directory: str | Path,
    workers: int | None = None,
    settings: SandboxSettings = DEFAULT_SANDBOX,
) -> FolderStore:
    """The store folder `directory` (`citydip_ld.stores.folder_store`), followed as it
    changes: it may be missing now (503 until it is published), or be switched to a new
    generation. Shared per folder and worker count."""
    count = default_workers() if workers is None else workers
    key = (str(Path(directory).absolute()), count, settings)
    with _OPEN_LOCK:
        store = _FOLDERS.get(key)
        if store is None:
            store = _FOLDERS[key] = FolderStore(
                directory, OxigraphStore.from_store_dir, count, settings
            )
        return store


@atexit.register
def _close_all() -> None:
    with _OPEN_LOCK:
        for store in _OPEN.values():
            store.close()
        for folder in _FOLDERS.values():
            folder.close()
        _OPEN.clear()
        _FOLDERS.clear()
