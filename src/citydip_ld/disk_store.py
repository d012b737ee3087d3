"""An on-disk Oxigraph store folder: written by `publish --to DIR`, opened read-only by `serve`.

The embedded default store loads `dataset.nq` into memory, once per process (the web process
and each SPARQL worker). That is quick for small and medium datasets but multiplies memory on
big ones. A store folder holds the dataset in Oxigraph's on-disk (RocksDB) format instead:
every process opens it read-only and the operating system's page cache, shared by all of them,
holds the hot part.

Layout (the folder is replaced as a whole, never edited in place)::

    DIR/current          -> a symbolic link to the live generation
    DIR/data-<token>/    a generation: the RocksDB files and `citydip-store.json`

`write_store_dir` bulk-loads the dataset into a hidden temporary generation, writes its
`citydip-store.json` (what it holds), renames it to `data-<token>` and then switches `current`
with one atomic rename of a new link. Readers see the old generation or the new one, never a
half-loaded store; a failed load leaves the live one untouched. The previous generation is
kept (a running server may still be answering a request from it; `serve` follows the switch,
see `citydip_ld.folder_store`) and older ones are removed.

One publication at a time: `write_store_dir` holds an exclusive lock (`flock`) on
`DIR/.publish.lock` while it writes; a second one refuses at once with an error that names
the lock. The kernel releases the lock when its holder exits, however it exits, so a
publication killed midway never leaves the folder locked; the next one removes the hidden
`.data-<token>.tmp` folder it left. A load that runs out of disk space (or past a file-size
limit) is removed and reported; the live generation is untouched either way.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph

from citydip_ld.describe import ordered_resources
from citydip_ld.errors import LoadError
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.listing import FileListing, write_listing
from citydip_ld.statistics import DatasetStatistics, compute_statistics

if TYPE_CHECKING:
    from citydip_ld.store import Store

CURRENT = "current"
MARKER = "citydip-store.json"
GENERATION_PREFIX = "data-"
LISTS = "lists"
LOCK = ".publish.lock"


@dataclass(frozen=True)
class StoreInfo:
    """What a store folder's generation holds (its `citydip-store.json`)."""

    quads: int
    graphs: int
    sources: list[str]
    sha256: list[str]
    created: str
    seconds: float
    pyoxigraph: str
    statistics: dict[str, Any] | None = None
    #: Resources per kind whose list order is in `lists/{kind}.txt` (for the statistics' base).
    lists: dict[str, int] | None = None

    def summary(self, directory: str | Path) -> str:
        return (
            f"loaded {self.quads} quads in {self.graphs} named graph(s) into the store folder "
            f"{directory} in {self.seconds:.2f} s"
        )

    def listing_for(self, generation: str | Path, base: str, kind: str) -> FileListing | None:
        """The list order of `kind` written at load time, if written for `base`."""
        known = self.statistics_for(base)
        if known is None or self.lists is None or kind not in self.lists:
            return None
        return FileListing(Path(generation) / LISTS / f"{kind}.txt")

    def statistics_for(self, base: str) -> DatasetStatistics | None:
        """The statistics counted at load time, if they were counted for `base`."""
        if self.statistics is None:
            return None
        known = DatasetStatistics.from_json(self.statistics)
        return known if known.base == normalise_base(base) else None


def is_store_dir(target: object) -> bool:
    """Whether `target` is a store folder written by `write_store_dir`."""
    if not isinstance(target, str | os.PathLike):
        return False
    return (Path(target) / CURRENT / MARKER).is_file()


def read_info(directory: str | Path) -> StoreInfo:
    """The `citydip-store.json` of the live generation of `directory`."""
    return read_generation_info(Path(directory) / CURRENT)


def read_generation_info(generation: str | Path) -> StoreInfo:
    """The `citydip-store.json` of one generation (see `live_generation`)."""
    path = Path(generation) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoreInfo(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise LoadError(f"{path}: not a citydip-ld store folder ({exc})") from None


def live_generation(directory: str | Path) -> Path:
    """The generation `current` points at now (resolved once: a switch later does not move
    a store that is already open)."""
    if not is_store_dir(directory):
        raise LoadError(
            f"{directory}: not a citydip-ld store folder; create it with "
            "`citydip-ld publish --to DIR`"
        )
    return (Path(directory) / CURRENT).resolve()


def open_generation(generation: str | Path) -> pyoxigraph.Store:
    """Open one generation of a store folder (see `live_generation`) read-only."""
    try:
        return pyoxigraph.Store.read_only(str(generation))
    except OSError as exc:
        raise LoadError(f"{generation}: the store could not be opened ({exc})") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def publish_lock(target: Path) -> Iterator[None]:
    """Hold `target/.publish.lock` exclusively, or refuse at once (see the module docstring)."""
    path = target / LOCK
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip()
            raise LoadError(
                f"{path}: another `citydip-ld publish` is writing to this store folder "
                f"({holder or 'holder unknown'}); nothing was changed: wait for it to finish "
                "and publish again (the lock is released when that process exits)"
            ) from None
        os.ftruncate(descriptor, 0)
        stamp = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
        os.pwrite(descriptor, f"pid {os.getpid()} since {stamp}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock; the file stays (removing it would race)


def _is_empty_or_ours(target: Path) -> bool:
    return all(child.name == LOCK for child in target.iterdir())


def write_store_dir(
    sources: Sequence[str | Path],
    directory: str | Path,
    base: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> StoreInfo:
    """Load the N-Quads files `sources` into a new generation of the store folder
    `directory` and switch `current` to it (see the module docstring). With `base`, the
    dataset statistics (`citydip_ld.statistics`) are counted now and kept with the store.
    `progress` is told each step."""
    say = progress or (lambda _message: None)
    target = Path(directory)
    paths = [Path(source) for source in sources]
    for path in paths:
        if not path.is_file():
            raise LoadError(f"{path}: no built dataset here; run `citydip-ld build` first")
    if target.exists() and not target.is_dir():
        raise LoadError(f"{target}: exists and is not a folder")
    if target.is_dir() and not _is_empty_or_ours(target) and not is_store_dir(target):
        raise LoadError(
            f"{target}: the folder is not empty and not a citydip-ld store folder; "
            "choose an empty or new folder"
        )
    target.mkdir(parents=True, exist_ok=True)
    with publish_lock(target):
        for leftover in target.glob(f".{GENERATION_PREFIX}*.tmp"):  # a killed publication's
            shutil.rmtree(leftover, ignore_errors=True)
        try:
            return _write_generation(paths, target, base, say)
        except OSError as exc:
            why = exc.strerror or str(exc)
            full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
            if full or any(os.strerror(code) in why for code in (errno.ENOSPC, errno.EFBIG)):
                why += " (free disk space, or raise the file-size limit)"
            raise LoadError(
                f"{target}: writing the new generation failed: {why}; nothing was switched: "
                "the published generation is unchanged; publish again"
            ) from None


def _write_generation(
    paths: list[Path], target: Path, base: str | None, say: Callable[[str], None]
) -> StoreInfo:
    from citydip_ld.store import OxigraphStore  # store.py imports this module

    started = time.monotonic()
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staging = target / f".{GENERATION_PREFIX}{token}.tmp"
    final = target / f"{GENERATION_PREFIX}{token}"
    try:
        store = pyoxigraph.Store(str(staging))
        for path in paths:
            say(f"loading {path.name}")
            try:
                store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise LoadError(f"{path}: not valid N-Quads ({exc}); rebuild the dataset") from None
        say("compacting the store")
        store.optimize()
        quads = len(store)
        graphs = sum(1 for _ in store.named_graphs())
        counted = lists = None
        if base is not None:
            say(f"counting the statistics of {quads} quads")
            counted = compute_statistics(OxigraphStore(store), base)
            say("writing the list order of each kind")
            lists = _write_lists(OxigraphStore(store), base, staging / LISTS)
        store.flush()
        del store  # closes RocksDB before the folder is renamed
        if quads == 0:
            raise LoadError("the dataset is empty; nothing to publish")
        info = StoreInfo(
            quads=quads,
            graphs=graphs,
            sources=[path.name for path in paths],
            sha256=[_sha256(path) for path in paths],
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.monotonic() - started, 2),
            pyoxigraph=pyoxigraph.__version__,
            statistics=counted.to_json() if counted is not None else None,
            lists=lists,
        )
        (staging / MARKER).write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"switching {CURRENT} to {final.name}")
    _switch(target, final)
    return info


def _write_lists(store: Store, base: str, folder: Path) -> dict[str, int]:
    """Every kind's list order (`describe.ordered_resources`) into `folder/{kind}.txt`."""
    return {
        kind: write_listing(
            folder / f"{kind}.txt", ordered_resources(store, f"{normalise_base(base)}id/{kind}/")
        )
        for kind in KINDS
    }


def _switch(target: Path, generation: Path) -> None:
    """Point `current` at `generation` with one atomic rename; keep the previous generation."""
    link = target / CURRENT
    previous = link.resolve() if link.is_symlink() else None
    temporary = target / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    temporary.symlink_to(generation.name, target_is_directory=True)
    temporary.replace(link)
    keep = {generation.name} | ({previous.name} if previous is not None else set())
    for old in target.iterdir():
        if old.name.startswith(GENERATION_PREFIX) and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
