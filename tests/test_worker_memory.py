"""A forked worker copies the heap it shares with its parent at once (`worker_memory`), so its
answers do not copy it a page at a time. The live server's workers are checked in
`test_serve_workers.py`."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from citydip_ld.worker_memory import heap_ranges, own_heap


def kernel_copies_on_advice() -> bool:
    """Whether this kernel knows `MADV_POPULATE_WRITE` (Linux 5.14 or later)."""
    if not sys.platform.startswith("linux"):
        return False
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return found is not None and (int(found[1]), int(found[2])) >= (5, 14)


needs_the_advice = pytest.mark.skipif(
    not kernel_copies_on_advice(),
    reason="copying the heap at once needs Linux 5.14 or later (MADV_POPULATE_WRITE)",
)

MAPS = """\
55d0c0a00000-55d0c0a2c000 r--p 00000000 fd:01 1234 /usr/bin/python3.11
55d0c2f4f000-55d0cfa89000 rw-p 00000000 00:00 0                          [heap]
7f2a40000000-7f2a40021000 rw-p 00000000 00:00 0
7ffd6b3e2000-7ffd6b403000 rw-p 00000000 00:00 0                          [stack]
"""


def heap_kib(pid: int | str = "self") -> dict[str, int]:
    """The `[heap]` mapping's resident and private dirty KiB (`/proc/<pid>/smaps`)."""
    found: dict[str, int] = {"Rss": 0, "Private_Dirty": 0}
    in_heap = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:
            in_heap = len(fields) >= 6 and fields[5] == "[heap]"
        elif in_heap and fields[0].rstrip(":") in found:
            found[fields[0].rstrip(":")] += int(fields[1])
    return found


def test_the_heap_is_found_in_the_memory_map() -> None:
    assert heap_ranges(MAPS) == [(0x55D0C2F4F000, 0x55D0CFA89000)]
    assert heap_ranges(MAPS.replace("[heap]", "")) == []


@needs_the_advice
def test_a_forked_child_owns_its_heap_at_once() -> None:
    # 40 MB of objects in the C heap (each too large for Python's own allocator, too small
    # for malloc to map apart), shared with the child until one of them writes a page.
    kept = [bytes([n % 256]) * 4000 for n in range(10_000)]
    if heap_kib()["Rss"] < 40_000:
        pytest.skip("this Python's allocator put the objects outside the [heap] mapping")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            before = heap_kib()
            copied = own_heap()
            after = heap_kib()
            os.write(write, json.dumps([before, copied, after]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        before, copied, after = json.loads(stream.read())
    os.waitpid(child, 0)
    assert len(kept) == 10_000
    assert before["Private_Dirty"] < before["Rss"] / 2  # shared with the parent
    assert copied >= after["Rss"] * 1024
    assert after["Private_Dirty"] >= 0.95 * after["Rss"]  # every page its own
    assert after["Private_Dirty"] - before["Private_Dirty"] >= 40_000 * 0.9
