"""Functions of the C library the interpreter runs on, through ctypes: glibc's `malloc_trim`
(free heap pages handed back to the system) and `madvise` (`worker_memory`).

The library is the one already loaded (`ctypes.CDLL(None)`): no search for it, and no
`ldconfig` run in a subprocess, which `ctypes.util.find_library` starts on Linux. A function
the library lacks (musl and macOS have no `malloc_trim`) is None, and its callers do nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any


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
