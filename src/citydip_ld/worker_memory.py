"""A forked granian worker's own copy of the heap it shares with its parent, made at once
(`own_heap`) instead of a page at a time while it answers.

`serve --workers N` loads the built dataset once and forks the workers from it: they share
its memory copy-on-write. Oxigraph's in-memory store lives in the C heap, and reading it
writes there (in a child forked from a process holding world S's store, 183 MB of heap, the
lookups of 2,000 cities' quads made 46 MB of it the child's own), as do Python's larger
objects; so every page of the heap a worker's first answers touch is copied then, one page
fault each.

Measured at world S (the built dataset; cold documents at eight connections, two workers):
about 60 page faults a request in a fresh worker's first thousand answers, 790 µs of system
time a request against 150-200 once the pages were copied, and the copying went on for
thousands of requests, by which time 172-180 of the heap's 219 MB were the worker's own
anyway. Copying the whole heap when the worker starts (`MADV_POPULATE_WRITE`: 219 MB in about
a second) takes that cost out of the answers, for the rest of the heap's memory.

Linux 5.14 or later; elsewhere, or when the kernel refuses, nothing is copied.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

from citydip_ld.c_library import c_function

#: `madvise`'s advice to fault in every page of a range writable (Linux 5.14, <sys/mman.h>):
#: a page shared copy-on-write is copied.
MADV_POPULATE_WRITE = 23


def heap_ranges(maps: str) -> list[tuple[int, int]]:
    """The (start, end) addresses of the C heap (`[heap]`) in `/proc/<pid>/maps` text."""
    ranges: list[tuple[int, int]] = []
    for line in maps.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5] == "[heap]" and fields[1].startswith("rw"):
            start, end = fields[0].split("-")
            ranges.append((int(start, 16), int(end, 16)))
    return ranges


def own_heap() -> int:
    """Make this process's copy of every page of its C heap now (those it shares with the
    process it was forked from are copied); the bytes of heap so handled (0: not Linux, no
    heap found, or the kernel does not know the advice)."""
    try:
        ranges = heap_ranges(Path("/proc/self/maps").read_text())
    except OSError:
        return 0
    if not ranges:
        return 0
    madvise = c_function("madvise", (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_int)
    if madvise is None:
        return 0
    done = 0
    for start, end in ranges:
        if madvise(start, end - start, MADV_POPULATE_WRITE) == 0:
            done += end - start
    return done
