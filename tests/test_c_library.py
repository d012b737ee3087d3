"""The C library's functions through ctypes (`citydip_ld.c_library`): found in the library
the interpreter runs on, without a program run to find it; a missing one is None."""

from __future__ import annotations

import ctypes
import platform
import subprocess

import pytest

from citydip_ld.c_library import c_function, malloc_trim


def test_malloc_trim_is_found_without_running_a_program(monkeypatch: pytest.MonkeyPatch) -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("the C library is not glibc: it has no malloc_trim")

    def no_program(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a program was run: {args}")

    monkeypatch.setattr(subprocess.Popen, "__init__", no_program)
    c_function.cache_clear()
    trim = malloc_trim()
    assert trim is not None and trim(0) in (0, 1)
    assert malloc_trim() is trim  # looked up once


def test_a_function_the_library_lacks_is_none() -> None:
    assert c_function("citydip_no_such_function", (), ctypes.c_int) is None
    getpid = c_function("getpid", (), ctypes.c_int)
    assert getpid is not None and getpid() > 0
