"""The views `serve` computes from a whole generation (the search index, the timeline, the
map's geography and the twinning network), prepared by `publish --to DIR` and kept in the
generation's `prepared/` folder, so that a server starting on a store folder reads them in a
few seconds instead of querying the store for minutes (at world M the four took 250 s of CPU
before the first request was answered; read back, a few seconds: benchmarks/README.md).

Each view is one file, `prepared/<name>.pickle`: a line of JSON saying which code wrote it and
for which base IRI, then the view as a pickle. A view is read back only when both match the
server's (`code_key`: a digest of the source of the modules the views are computed and read
with, so code that may compute them otherwise, whose classes or search keys may differ,
computes the view again as before), and only with
the classes of the views themselves: the unpickler refuses any other global
(`_ViewUnpickler`), so a file in the folder can hold data, never code to run. A view that is
missing, stale, or unreadable is `None`, and the server computes it as it did before."""

from __future__ import annotations

import ast
import gc
import hashlib
import json
import logging
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from citydip_ld.iris import normalise_base
from citydip_ld.rdf import network
from citydip_ld.stores import geography, search_index, timeline
from citydip_ld.stores.describe import Queryable

#: The folder of a generation the prepared views are written into.
PREPARED = "prepared"

#: Each view's name and how it is computed from a store for a base IRI (what `serve` would
#: otherwise compute at its start: `citydip_ld.web.context`).
VIEWS: dict[str, Callable[[Queryable, str], object]] = {
    "search": search_index.build_search_index,
    "timeline": timeline.read_timeline,
    "geography": geography.prepare_geography,
    "network": network.read_network,
}

#: The modules whose classes a view is made of: the only globals a view file may name,
#: besides `array.array` (the search index's columns).
_VIEW_MODULES = (search_index, timeline, geography, network)
_ARRAY_GLOBALS = frozenset({("array", "array"), ("array", "_array_reconstructor")})

_PROTOCOL = 5
#: The longest header line read (a damaged file without a line break is not read whole).
_HEADER_LIMIT = 4096
_THIS = sys.modules[__name__]
_log = logging.getLogger(__name__)


@cache
def code_key() -> str:
    """The `source_digest` of the code views are computed and read with: a view is read back
    only by code that would compute it as the code that prepared it did."""
    package = Path(__file__).resolve().parent.parent
    return source_digest(package, [module.__name__ for module in (*_VIEW_MODULES, _THIS)])


def source_digest(package: Path, modules: Iterable[str]) -> str:
    """A digest of Python's version (a pickle's classes and arrays are read by it) and of the
    path and text of the modules `modules` (dotted names) of `package` and of every module of
    it they import, directly or not: their imports are read from their source, those inside
    functions included, with the `__init__.py` of each package on the way. A change to any
    other module (the commands, the web pages) leaves the views as they are."""
    digest = hashlib.sha256(f"python {sys.version_info[0]}.{sys.version_info[1]}".encode())
    for path in sorted(_imported(package, modules)):
        digest.update(path.relative_to(package.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _imported(package: Path, modules: Iterable[str]) -> set[Path]:
    """The source files of `modules` and of the modules of `package` they import."""
    found: set[Path] = set()
    waiting = [path for name in modules for path in _files_of(package, name)]
    while waiting:
        path = waiting.pop()
        if path in found:
            continue
        found.add(path)
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            waiting += [found_path for name in names for found_path in _files_of(package, name)]
    return found


def _files_of(package: Path, dotted: str) -> list[Path]:
    """The files of module `dotted` in `package` (none outside it): the module's own and the
    `__init__.py` of every package down to it."""
    parts = dotted.split(".")
    if parts[0] != package.name:
        return []
    folder = package.parent
    files = []
    for part in parts[:-1]:
        folder = folder / part
        files.append(folder / "__init__.py")
    last = folder / parts[-1]
    files += [last.with_suffix(".py"), last / "__init__.py"]
    return [path for path in files if path.is_file()]


def view_path(generation: str | Path, name: str) -> Path:
    """The file of the prepared view `name` in `generation`."""
    return Path(generation) / PREPARED / f"{name}.pickle"


def write_prepared_views(
    store: Queryable, base: str, generation: Path, say: Callable[[str], None]
) -> dict[str, int]:
    """Compute every view of `store` for `base` and write it into `generation`, a generation
    being written (renamed into place once whole, as the rest of it), pickled straight into
    its file; each is dropped before the next is computed, so only the largest is held. The
    bytes written per view, for the generation's record."""
    written = {}
    (generation / PREPARED).mkdir(parents=True, exist_ok=True)
    for name, compute in VIEWS.items():
        say(f"preparing the {name} view")
        view = compute(store, base)
        with view_path(generation, name).open("wb") as handle:
            handle.write(json.dumps(_header(base, name)).encode() + b"\n")
            pickle.dump(view, handle, protocol=_PROTOCOL)
            written[name] = handle.tell()
        del view
    return written


def read_prepared_view(generation: str | Path, base: str, name: str) -> object | None:
    """The view `name` prepared in `generation` for `base` by this code, or None when it is
    missing, was prepared for another base or by other code, or cannot be read (logged)."""
    path = view_path(generation, name)
    try:
        with path.open("rb") as handle:
            if json.loads(handle.readline(_HEADER_LIMIT)) != _header(base, name):
                return None
            return _unpickle(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001  whatever a damaged file raises: computed
        _log.warning("%s: the prepared view could not be read (%r); computing it", path, exc)
        return None


def has_prepared_views(generation: str | Path, base: str) -> bool:
    """Whether every view is prepared in `generation` for `base` by this code (headers only)."""
    for name in VIEWS:
        try:
            with view_path(generation, name).open("rb") as handle:
                header = json.loads(handle.readline(_HEADER_LIMIT))
        except (OSError, ValueError):
            return False
        if header != _header(base, name):
            return False
    return True


def _header(base: str, name: str) -> dict[str, str]:
    """The header line of the view `name` prepared for `base` by this code."""
    return {"format": code_key(), "base": normalise_base(base), "view": name}


def _unpickle(handle: BinaryIO) -> object:
    """Unpickle a view from `handle`, read as it goes (the file is not held in memory beside
    the view), with the cyclic collector paused (a view is millions of objects, and each
    collection on the way would walk all made so far)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _ViewUnpickler(handle).load()
    finally:
        if paused:
            gc.enable()


class _ViewUnpickler(pickle.Unpickler):
    """An unpickler that finds only the classes views are made of (Python's "restricting
    globals"): any other global, a function to call above all, is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ARRAY_GLOBALS:
            return super().find_class(module, name)
        for allowed in _VIEW_MODULES:
            if module == allowed.__name__:
                found = getattr(allowed, name, None)
                if isinstance(found, type) and found.__module__ == module:
                    return found
        raise pickle.UnpicklingError(f"a prepared view may not name {module}.{name}")
