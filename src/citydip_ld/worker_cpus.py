"""Each granian worker kept to its own share of the CPUs (`serve --pin-workers`, the default
when there are at least as many CPUs as workers, and more than one worker).

A granian worker answers with two threads: Python's (the event loop, or a pool thread) hands
each response to granian's Rust runtime, which writes it to the socket, and the hand-over
wakes the runtime's thread with a write to its eventfd, made while holding the GIL. When that
thread sleeps on another CPU the wake is an interrupt between CPUs, which on a virtual machine
is slow: under load at world M the write took a median of 36 µs (90 µs at p90, under strace),
and 16-28% of the time a worker held the GIL was spent in it. With a worker's threads kept to
its own CPUs the wake stays on one CPU. Measured on this project's 2-CPU machine with two
workers, cold documents at world M, against the same server unpinned: 1.12-1.39x the
requests a second at eight connections and 1.27x at one, with a lower p99
(benchmarks/README.md).

The CPUs this process may run on are dealt out in turn (worker k gets the k-th, the
(k + workers)-th, ...); each worker, once granian has started it, claims the first share no
live worker holds (`CpuShares.claim`), so a worker granian starts again after one died takes
the dead one's share, not a live worker's. Fewer CPUs than workers: no worker is kept to any
(a share would be part of a CPU). Linux only (elsewhere nothing is pinned). Processes a
worker forked before its claim (its SPARQL workers) keep every CPU.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable

#: Seconds a worker waits for the other workers' claims before it claims all the same.
CLAIM_WAIT = 2.0


def cpu_shares(cpus: Iterable[int], workers: int) -> list[frozenset[int]] | None:
    """The CPUs each of `workers` workers keeps to: `cpus` dealt out in turn; None for one
    worker, or fewer CPUs than workers."""
    ordered = sorted(set(cpus))
    if workers < 2 or len(ordered) < workers:
        return None
    return [frozenset(ordered[worker::workers]) for worker in range(workers)]


def available_cpus() -> set[int] | None:
    """The CPUs this process may run on (None: the system does not say)."""
    getter = getattr(os, "sched_getaffinity", None)
    if getter is None:
        return None
    try:
        return set(getter(0))
    except OSError:
        return None


class CpuShares:
    """The shares of `workers` workers (`cpu_shares` of `cpus`, by default those this process
    may run on), handed out to the worker processes that `claim` one. Made before the workers
    are started: the process holding each share is recorded where they all see it."""

    def __init__(self, workers: int, cpus: Iterable[int] | None = None) -> None:
        found = available_cpus() if cpus is None else set(cpus)
        self.shares = None if found is None else cpu_shares(found, workers)
        #: The process id holding each share (0: none yet).
        self._holders = multiprocessing.Array("i", max(workers, 1))

    def claim(self) -> frozenset[int] | None:
        """Keep the calling thread, and every thread it starts from now on, to the first
        share no live process holds (a worker started again takes the dead one's; if every
        holder lives, one picked by the caller's process id); that share, or None when nothing
        is pinned (no shares, or the system refused)."""
        if self.shares is None:
            return None
        lock = self._holders.get_lock()
        # a worker killed while it held the lock would hold it for good: then claim without it
        # (two workers claiming at that moment might share a share, nothing worse)
        locked = lock.acquire(timeout=CLAIM_WAIT)
        try:
            holders: list[int] = self._holders[: len(self.shares)]
            free = [index for index, pid in enumerate(holders) if not process_alive(pid)]
            index = free[0] if free else os.getpid() % len(self.shares)
            self._holders[index] = os.getpid()
        finally:
            if locked:
                lock.release()
        share: frozenset[int] = self.shares[index]
        try:
            os.sched_setaffinity(0, share)
        except (AttributeError, OSError):  # not Linux, or CPUs gone meanwhile
            return None
        return share


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, does not; 0: none)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # noqa: PTH123
            state = stat.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):  # not Linux: os.kill said enough
        return True
    return state != b"Z"
