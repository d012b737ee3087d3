"""Progress of long commands (`build`, `check`, `link`, `publish`) on one status line.

On a terminal, each step rewrites the line on stderr in place and the line is cleared at the
end, so the command's own output stays as it was. When stderr is not a terminal (a pipe, a
file, CI, a cron job) nothing is written there; each step is a log record at `info`
(`citydip-ld --log-level info` shows them as JSON lines instead of the status line).
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)


class Progress:
    """A callable taking one step's message (see the module docstring); a context manager
    that clears its line on exit."""

    def __init__(self, stream: IO[str] | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = _is_terminal(self.stream) and not log.isEnabledFor(logging.INFO)
        self.enabled = enabled
        self._width = 0
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        log.info(message)
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._started
        columns = shutil.get_terminal_size((80, 24)).columns - 1
        line = f"[{elapsed:5.1f} s] {message}"[:columns]
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))
        self.stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.clear()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
