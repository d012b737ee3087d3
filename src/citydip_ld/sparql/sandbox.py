"""Where SPARQL protocol queries run: a thread in which no query, however spelled, can hurt us.

We never decide what a query contains with a parser of our own (Oxigraph would read some
spelling differently); the engine parses it, and the thread it runs in is set up so that what
the engine does with it stays harmless:

- **No network but the allow-list.** A seccomp filter on the query thread hands every
  `connect()` to a supervisor thread (seccomp user notification), which lets a connection
  through only to an address and port the `OutboundPolicy` permits (`citydip_ld.sparql.federation`)
  and fails every other one with EPERM before a packet is sent. A `SERVICE` to an internal
  address, in any spelling or nesting, never reaches it. Attempts are recorded, so a refused
  call is answered with 403 and a failing allowed endpoint with 502, never with what a remote
  service said. `io_uring` (a way around the filter) is switched off in the thread.
- **A stack for the deepest query the length limit allows.** Oxigraph's parser and
  evaluator recurse once per nesting level; a thread with `STACK_PER_CHARACTER` bytes of
  stack per character of the longest accepted query survives any nesting (measured: the worst
  shapes, nested groups and parentheses, need about 2 KiB per character).
- **A memory cap** (worker processes only, `limit_memory`): RLIMIT_DATA set to what the
  loaded worker uses plus the operator's budget, so a query that builds huge values fails
  (and its worker is replaced) instead of taking the machine's memory.

The thread runs one call at a time (`QueryThread.call`). Linux only: without seccomp user
notification (kernel 5.5+, libseccomp) the sandbox refuses to start, so queries never run
unguarded.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import ipaddress
import logging
import os
import queue
import resource
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import pyoxigraph

from citydip_ld.errors import LoadError
from citydip_ld.sparql.federation import OutboundPolicy, ServiceRefusedError, refusal_message
from citydip_ld.sparql.protocol import (
    FederatedEndpointError,
    QueryEvaluationError,
    QueryJob,
    QueryMemoryError,
    QueryOutcome,
    run_job,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Longest query (characters) the endpoint accepts; longer ones get 400 before any work.
DEFAULT_MAX_QUERY_LENGTH = 128 * 1024
#: Stack bytes per character of the longest accepted query (twice the worst shape measured).
STACK_PER_CHARACTER = 4096
MIN_STACK = 64 << 20
#: Memory a query worker may take beyond what it uses with its dataset loaded.
DEFAULT_MEMORY_LIMIT = 1 << 30
#: seccomp: let the notified syscall run as the caller made it.
_CONTINUE = 1
_SOCKADDR_READ = 128


class SandboxError(LoadError):
    """The query sandbox cannot be set up here (no seccomp user notification)."""


@dataclass(frozen=True)
class SandboxSettings:
    """What the query thread allows: its outbound endpoints, query length and memory."""

    allowed_endpoints: tuple[str, ...] = ()
    max_query_length: int = DEFAULT_MAX_QUERY_LENGTH
    #: Bytes a worker process may take beyond its loaded dataset (None: no cap).
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT

    @property
    def stack_size(self) -> int:
        return max(MIN_STACK, self.max_query_length * STACK_PER_CHARACTER)


#: The settings a store gets when it is given none.
DEFAULT_SANDBOX = SandboxSettings()


def _sockaddr(raw: bytes) -> tuple[int, ipaddress.IPv4Address | ipaddress.IPv6Address | None, int]:
    """(family, address, port) of a `struct sockaddr` as the kernel will read it."""
    if len(raw) < 2:
        return -1, None, 0
    family = int.from_bytes(raw[:2], sys.byteorder)
    if family == socket.AF_INET and len(raw) >= 8:
        return family, ipaddress.IPv4Address(raw[4:8]), int.from_bytes(raw[2:4], "big")
    if family == socket.AF_INET6 and len(raw) >= 24:
        return family, ipaddress.IPv6Address(raw[8:24]), int.from_bytes(raw[2:4], "big")
    return family, None, 0


class OutboundGuard:
    """Checks every `connect()` of the thread that calls `install` against a policy."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        self._attempts: list[bool] = []
        self._filter: Any = None

    def install(self) -> None:
        """Filter the calling thread (and threads it starts later); raise `SandboxError` if
        that is impossible here."""
        try:
            import pyseccomp
        except (ImportError, RuntimeError, OSError) as exc:
            raise SandboxError(
                f"SPARQL queries need Linux seccomp and libseccomp to run sandboxed ({exc})"
            ) from None
        rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        rules.add_rule(pyseccomp.NOTIFY, "connect")
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "io_uring_setup")
        loaded = threading.Event()
        # The supervisor starts before the filter is loaded, so it is not filtered itself.
        threading.Thread(
            target=self._supervise, args=(loaded,), name="citydip-outbound-guard", daemon=True
        ).start()
        try:
            rules.load()
            self._filter = rules
        except OSError as exc:
            raise SandboxError(
                f"could not switch off outbound connections for SPARQL queries: {exc}"
            ) from None
        finally:
            loaded.set()

    def take_attempts(self) -> list[bool]:
        """The connections tried since the last call (True: allowed), oldest first."""
        with self._lock:
            attempts, self._attempts = self._attempts, []
        return attempts

    def _supervise(self, loaded: threading.Event) -> None:
        import pyseccomp

        loaded.wait()
        rules = self._filter
        if rules is None:
            return
        memory = os.open("/proc/self/mem", os.O_RDONLY | os.O_CLOEXEC)
        while True:
            try:
                note = rules.receive_notify()
            except OSError as exc:
                if exc.errno in (errno.EINTR, errno.ENOENT, errno.EAGAIN):
                    continue
                log.error("outbound guard stopped: %s", exc)
                return
            allowed = self._decide(memory, note.syscall_args)
            response = pyseccomp.NotificationResponse(
                error=0 if allowed else -errno.EPERM,
                flags=_CONTINUE if allowed else 0,
                id=note.id,
                val=0,
            )
            # OSError: the caller is gone (its worker was killed at the deadline).
            with contextlib.suppress(OSError):
                rules.respond_notify(response)

    def _decide(self, memory: int, args: list[int]) -> bool:
        _fd, pointer, length = args[0], args[1], args[2]
        try:
            raw = os.pread(memory, min(length, _SOCKADDR_READ), pointer)
        except OSError:
            return False
        family, address, port = _sockaddr(raw)
        if family == socket.AF_UNIX:
            return True  # local IPC (e.g. the name service cache); never an HTTP endpoint
        allowed = address is not None and self.policy.permits(address, port)
        with self._lock:
            self._attempts.append(allowed)
        if not allowed:
            log.warning(
                "refused an outbound connection of a SPARQL query (%s port %s)", address, port
            )
        return allowed


class QueryThread:
    """One long-lived thread with a large stack and an `OutboundGuard`, running calls in turn.

    libseccomp keeps one notification descriptor per process, so a process has at most one
    guarded thread: get it with `query_thread`. Each call says which policy applies to it.
    """

    def __init__(self, stack_size: int) -> None:
        self.stack_size = stack_size
        self.guard = OutboundGuard(OutboundPolicy())
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        started: Future[None] = Future()
        previous = threading.stack_size(stack_size)
        try:
            self._thread = threading.Thread(
                target=self._main, args=(started,), name="citydip-sparql-query", daemon=True
            )
            self._thread.start()
        finally:
            threading.stack_size(previous)
        started.result()  # SandboxError if the guard cannot be installed

    def _main(self, started: Future[None]) -> None:
        try:
            self.guard.install()
        except SandboxError as exc:
            started.set_exception(exc)
            return
        started.set_result(None)
        while (item := self._calls.get()) is not None:
            call, future = item
            try:
                future.set_result(call())
            except BaseException as exc:  # noqa: BLE001  handed to the caller as it is
                future.set_exception(_detached(exc))
                del exc
                gc.collect(0)  # frames caught in a cycle with the error: free them here

    def call(self, function: Callable[[], T], policy: OutboundPolicy) -> T:
        """Run `function` in the thread under `policy`; return or raise what it does.

        Called from the thread itself it runs at once: a worker process runs its whole job
        loop in the guarded thread, so its queries pay no hand-over.
        """

        def guarded() -> T:
            self.guard.policy = policy
            self.guard.take_attempts()
            return function()

        if threading.current_thread() is self._thread:
            return guarded()  # already here (a worker's job loop runs in this thread)
        future: Future[T] = Future()
        self._calls.put((guarded, future))
        return future.result()


def _detached(error: BaseException) -> BaseException:
    """`error` without its traceback and chained errors: their frames hold pyoxigraph results,
    which must be freed in the thread that made them, not in the caller's."""
    error.__traceback__ = None
    error.__context__ = error.__cause__ = None
    return error


_THREAD: QueryThread | None = None
_THREAD_LOCK = threading.Lock()


def _forget_thread() -> None:
    """In a forked child: the parent's query thread is not there; start another on use."""
    global _THREAD, _THREAD_LOCK
    _THREAD, _THREAD_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_thread)


def query_thread(settings: SandboxSettings) -> QueryThread:
    """This process's guarded query thread, started on first use with the stack `settings`
    ask for (a later, larger request cannot grow it: see `QueryThread.stack_size`)."""
    global _THREAD
    with _THREAD_LOCK:
        if _THREAD is None:
            _THREAD = QueryThread(settings.stack_size)
        return _THREAD


def memory_message(limit: int | None) -> str:
    """What a client is told when its query ran out of the worker's memory budget."""
    budget = f"the {limit >> 20} MiB" if limit else "the"
    return (
        f"the query needed more than {budget} memory a query may use (QUERY_MEMORY_LIMIT) and "
        "was stopped; ask for less (LIMIT, fewer or shorter computed values)"
    )


def answer(
    store: pyoxigraph.Store,
    job: QueryJob,
    policy: OutboundPolicy,
    settings: SandboxSettings,
) -> QueryOutcome:
    """Run `job` (`citydip_ld.sparql.protocol.run_job`) in this process's guarded query thread.

    A connection the policy refused makes the answer a `ServiceRefusedError` (also under
    `SERVICE SILENT`, so a client learns its query was not run as written); an evaluation
    error after an allowed connection is a `FederatedEndpointError`, without the remote's text.
    """
    thread = query_thread(settings)

    def run() -> QueryOutcome:
        try:
            outcome = run_job(store, job)
        except QueryEvaluationError as exc:
            attempts = thread.guard.take_attempts()
            if not all(attempts):
                raise ServiceRefusedError(refusal_message(policy.endpoints)) from None
            log.warning("SPARQL evaluation failed: %s", exc.detail or exc)
            if attempts:
                raise FederatedEndpointError(
                    "an allowed SERVICE endpoint failed or sent an answer that could not be "
                    "read; what it sent is not passed on (the server log has the details)"
                ) from None
            # No connection was made: the message is the engine's own, about the query.
            raise QueryEvaluationError(
                f"the query could not be evaluated: {exc.detail or exc}"
            ) from None
        except MemoryError:
            raise QueryMemoryError(memory_message(settings.memory_limit)) from None
        if not all(thread.guard.take_attempts()):
            raise ServiceRefusedError(refusal_message(policy.endpoints))
        return outcome

    return thread.call(run, policy)


def data_size() -> int:
    """This process's data segment in bytes (VmData: what RLIMIT_DATA counts)."""
    with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(budget: int) -> int:
    """Cap this process's data segment at what it uses now plus `budget` bytes; the cap."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = data_size() + budget
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    return cap
