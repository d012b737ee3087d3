"""A store folder (`citydip_ld.stores.disk_store`) followed while the server runs.

`serve --store DIR` reads the generation `DIR/current` points at. The folder can change under a
running server: an operator removes it, restores it from a backup, or `publish --to DIR`
switches `current` to a new generation. `FolderStore` looks before every request (two system
calls: a `readlink` of `current` and a `stat` of its `citydip-store.json`, about 8 µs):

- the generation it has open is still the live one: the request goes to it;
- `current` points at another generation (a new publication, or a folder put back): that one
  is opened (with its own worker pool) and answers from then on; the previous one is closed
  at the next switch, so requests already running on it finish;
- the folder, `current` or its marker is gone: `StoreUnavailableError` (503, `Retry-After`),
  and the server logs where it looked. It answers again as soon as the folder is back; no
  restart. (RocksDB would otherwise go on answering from the deleted files it holds open.)

`FolderStore` is given the function that opens a generation (`OxigraphStore.from_store_dir`,
passed by `citydip_ld.stores.store.open_store_folder`), so this module does not import
`store`, which imports it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from citydip_ld.errors import LoadError, StoreUnavailableError
from citydip_ld.sparql.protocol import QueryJob, QueryOutcome
from citydip_ld.sparql.sandbox import SandboxSettings
from citydip_ld.stores.disk_store import CURRENT, MARKER

log = logging.getLogger(__name__)
#: Seconds a client is told to wait before asking again while the folder is missing.
RETRY_AFTER = 5


class Generation(Protocol):
    """One open generation of a store folder (an `OxigraphStore` opened from it)."""

    @property
    def generation(self) -> str | None: ...

    def query(self, sparql: str, **options: Any) -> Any: ...

    def run(self, job: QueryJob) -> QueryOutcome: ...

    def quads_for_pattern(self, *pattern: Any) -> Any: ...

    def close(self) -> None: ...


#: Opens the live generation of a store folder: (folder, workers, sandbox settings) -> store.
Opener = Callable[[Path, int, SandboxSettings], Generation]


class StoreFolderMissingError(StoreUnavailableError):
    """The store folder, or its live generation, is not there (web layer: 503)."""

    retry_after = RETRY_AFTER


class _Identity:
    """The live generation of a store folder and its marker's inode and change time (None
    when there is none): a folder put back from a copy under the same name is another store.

    Asked before every request (several times), so in two system calls and no `pathlib`: a
    `readlink` of `current` and a `stat` of the marker through it (which follows the link as
    it points now), about 8 µs where pathlib's `readlink`, `resolve` (an `lstat` per part of
    the path) and `stat` took about 40. The generation's resolved path, which names it in the
    release, is resolved once for each target of `current` and marker file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._folder = str(directory)
        self._link = os.path.join(self._folder, CURRENT)  # noqa: PTH118
        self._resolved: dict[tuple[str, int, int], Path] = {}

    def __call__(self) -> tuple[Path, int, int] | None:
        try:
            target = os.readlink(self._link)  # noqa: PTH115
            marker = os.stat(os.path.join(self._folder, target, MARKER))  # noqa: PTH116, PTH118
        except OSError:
            return None
        key = (target, marker.st_dev, marker.st_ino)
        generation = self._resolved.get(key)
        if generation is None:
            try:
                generation = (self.directory / target).resolve()
            except OSError:
                return None
            if len(self._resolved) >= _RESOLVED_KEPT:
                self._resolved.clear()
            self._resolved[key] = generation
        return generation, marker.st_ino, marker.st_ctime_ns


#: Targets of `current` whose resolved path `_Identity` keeps (the generations one server
#: has seen: a few).
_RESOLVED_KEPT = 64


class FolderStore:
    """The live generation of a store folder as a `Store` (see the module docstring)."""

    def __init__(
        self, directory: str | Path, opener: Opener, workers: int, settings: SandboxSettings
    ) -> None:
        self.directory = Path(directory).absolute()
        self._identity = _Identity(self.directory)
        self._opener = opener
        self._workers = workers
        self._settings = settings
        self._lock = threading.Lock()
        self._open: tuple[tuple[Path, int, int], Generation] | None = None
        self._retired: Generation | None = None
        self._missing_logged = False

    def __repr__(self) -> str:
        return f"FolderStore({str(self.directory)!r})"

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def generation(self) -> str | None:
        """The generation answering now (None: the folder is missing)."""
        try:
            return self.current().generation
        except StoreUnavailableError:
            return None

    @property
    def release(self) -> str | None:
        """What identifies the data answering now: the live generation and its marker's inode
        and change time (None: the folder is missing). Two system calls, no store work."""
        identity = self._identity()
        return None if identity is None else f"folder:{identity[0]}:{identity[1]}:{identity[2]}"

    def _missing(self, why: str) -> StoreFolderMissingError:
        if not self._missing_logged:
            log.error("store folder %s: %s; answering 503 until it is back", self.directory, why)
            self._missing_logged = True
        return StoreFolderMissingError(
            "the store folder this server reads is missing or has no published generation; "
            "its operator must restore it or run `citydip-ld publish --to DIR` again; "
            "the server answers again as soon as it is back"
        )

    def current(self) -> Generation:
        """The store of the live generation, opened (or reopened after a switch) now."""
        identity = self._identity()
        if identity is None:
            raise self._missing("no `current` generation with its citydip-store.json")
        with self._lock:
            if self._open is not None and self._open[0] == identity:
                return self._open[1]
            try:
                store = self._opener(self.directory, self._workers, self._settings)
            except LoadError as exc:
                raise self._missing(str(exc)) from None
            if self._retired is not None:
                self._retired.close()
            self._retired = self._open[1] if self._open is not None else None
            if self._open is not None or self._missing_logged:
                log.warning("store folder %s: now answering from %s", self.directory, identity[0])
            self._open = (identity, store)
            self._missing_logged = False
            return store

    def opened(self) -> Generation | None:
        """The live generation if it is open already (None: not opened yet, or `current`
        has moved since and opening the new one is a wait): one release check, no store work."""
        identity = self._identity()
        found = self._open
        return found[1] if found is not None and found[0] == identity else None

    def query(self, sparql: str, **options: Any) -> Any:
        return self.current().query(sparql, **options)

    def run(self, job: QueryJob) -> QueryOutcome:
        return self.current().run(job)

    def quads_for_pattern(self, *pattern: Any) -> Any:
        """The live generation's index lookup (`OxigraphStore.quads_for_pattern`)."""
        return self.current().quads_for_pattern(*pattern)

    def close(self) -> None:
        with self._lock:
            for store in (self._retired, self._open[1] if self._open else None):
                if store is not None:
                    store.close()
            self._open = self._retired = None
