"""Functions of the C library the interpreter runs on, through ctypes: glibc's `malloc_trim`
(free heap pages handed back to the system), `madvise` (`worker_memory`) and Linux's `prctl`
(a signal when the parent process dies: `granian_front`'s workers).

The library is the one already loaded (`ctypes.CDLL(None)`): no search for it, and no
`ldconfig` run in a subprocess, which `ctypes.util.find_library` starts on Linux. A function
the library lacks (musl and macOS have no `malloc_trim`) is None, and its callers do nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable
from typing import Any

#: `prctl`'s option setting the signal the process gets when its parent dies (Linux).
PR_SET_PDEATHSIG = 1


@functools.cache
def c_function(name: str, argtypes: tuple[Any, ...], restype: Any) -> Callable[..., int] | None:
    """The C library's function `name`, typed (`argtypes`, `restype`: ctypes types); None
    where the library has none, or no library is loaded (not a C-based interpreter)."""
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = list(argtypes)
    function.restype = restype
    found: Callable[..., int] = function
    return found


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim(pad)`: hand the heaps' free pages back to the system, keeping
    `pad` bytes at the top of the main heap (1: some memory was released); None elsewhere."""
    return c_function("malloc_trim", (ctypes.c_size_t,), ctypes.c_int)


def set_parent_death_signal(signum: int) -> bool:
    """Linux's `prctl(PR_SET_PDEATHSIG, signum)`: the kernel sends this process `signum`
    when the thread that forked it ends (its parent dies, even by SIGKILL). False where
    there is no such call (not Linux) or it failed."""
    if not sys.platform.startswith("linux"):
        return False
    prctl = c_function("prctl", (ctypes.c_int, *[ctypes.c_ulong] * 4), ctypes.c_int)
    return prctl is not None and prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
