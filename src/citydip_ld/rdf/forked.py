"""One piece of a build computed in a forked child process while the parent does the rest.

`build` writes independent dumps: the JSON-LD document is the largest (about 4 s of CPU at
world S) and needs nothing the other dumps make, only the sorted rows both already have. A
child forked after the rows are sorted shares them (copy on write) and computes the JSON-LD
while the parent writes the others and the network; the wall time drops by the shorter of
the two on a machine with a free core. The CPU time is the same work, counted in the
build's process (`wait4` includes the reaped child).

The child hands its bytes back through an unnamed temporary file and leaves with
`os._exit`, never running the parent's exit handlers. Whatever goes wrong in the child (an
error, a signal, no `fork` on this platform, one core only), the parent computes the same
bytes itself, so an error surfaces in the parent as it would without a child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Callable
from typing import IO


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


class Forked:
    """`compute()` started in a forked child (when there is a second core to run it); its
    bytes from `result()`, or computed in this process if the child did not give them."""

    def __init__(self, compute: Callable[[], bytes]) -> None:
        self._compute = compute
        self._pid: int | None = None
        self._file: IO[bytes] | None = None
        if not hasattr(os, "fork") or _cores() < 2:
            return
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  closed by result() or cancel()
        self._pid = os.fork()
        if self._pid == 0:  # the child
            code = 1
            try:
                self._file.write(compute())
                self._file.flush()
                code = 0
            finally:
                os._exit(code)

    def result(self) -> bytes:
        """The child's bytes once it has finished, or `compute()` here if it failed."""
        pid, handle = self._pid, self._file
        self._pid = self._file = None
        if pid is None or handle is None:
            return self._compute()
        with handle:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                handle.seek(0)
                return handle.read()
        return self._compute()

    def cancel(self) -> None:
        """Stop and reap the child (when the parent fails before it needs the result)."""
        pid, handle = self._pid, self._file
        self._pid = self._file = None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it has exited already
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if handle is not None:
            handle.close()
