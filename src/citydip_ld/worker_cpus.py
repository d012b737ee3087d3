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
(k + workers)-th, ...); each worker, once granian has started it, claims the next share
(`CpuShares.claim`). A worker started again after one died claims the share after the last
one given, which may be a live worker's: the two then share those CPUs. Fewer CPUs than
workers: no worker is kept to any (a share would be part of a CPU). Linux only (elsewhere
nothing is pinned). Processes a worker forked before its claim (its SPARQL workers) keep
every CPU.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable


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
    may run on), handed out in turn to the worker processes that `claim` one. Made before the
    workers are started: its counter is shared with them."""

    def __init__(self, workers: int, cpus: Iterable[int] | None = None) -> None:
        found = available_cpus() if cpus is None else set(cpus)
        self.shares = None if found is None else cpu_shares(found, workers)
        self._claimed = multiprocessing.Value("i", 0)

    def claim(self) -> frozenset[int] | None:
        """Keep the calling thread, and every thread it starts from now on, to the next
        share; that share, or None when nothing is pinned (no shares, or the system
        refused)."""
        if self.shares is None:
            return None
        with self._claimed.get_lock():
            turn = self._claimed.value
            self._claimed.value = turn + 1
        share: frozenset[int] = self.shares[turn % len(self.shares)]
        try:
            os.sched_setaffinity(0, share)
        except (AttributeError, OSError):  # not Linux, or CPUs gone meanwhile
            return None
        return share
