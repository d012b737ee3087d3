"""`publish --to DIR`: load a built dataset into a new generation of a store folder and switch
to it atomically (the folder's layout is described in `citydip_ld.stores.disk_store`).

The dataset statistics, every kind's list order and the views a server computes from the
whole dataset (`citydip_ld.stores.prepared_views`) are computed while loading and kept in the
generation, so a server on a big store never computes them; so are the label table and the
resource table of the documents (`citydip_ld.stores.label_table`, `resource_table`), which
they read instead of RocksDB. One
publication at a time (`publish_lock`); a publication killed midway, or out of disk space,
leaves the published generation unchanged (see `citydip_ld.stores.disk_store`). One killed
after its load (marked by `LOADED` in its staging folder, once the store is whole and
compacted) is finished by the next publication of the same dumps (same SHA-256 sums, same
pyoxigraph): at world L that saves a 75-minute load when a later step is killed.
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
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph

from citydip_ld.errors import LoadError
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.rdf.source_map import SOURCES_FILE
from citydip_ld.stores.describe import ordered_resources
from citydip_ld.stores.disk_store import (
    CURRENT,
    GENERATION_PREFIX,
    LISTS,
    LOCK,
    MARKER,
    StoreInfo,
    is_store_dir,
)
from citydip_ld.stores.index_description import LABEL_TERMS, TABLE_INCOMING
from citydip_ld.stores.label_table import LABELS, write_label_table
from citydip_ld.stores.lean_statistics import lean_statistics
from citydip_ld.stores.list_order import list_orders
from citydip_ld.stores.listing import write_listing
from citydip_ld.stores.prepared_views import PREPARED, write_prepared_views
from citydip_ld.stores.resource_table import RESOURCES, write_resource_table_from_dumps
from citydip_ld.stores.store import OxigraphStore

#: Written into a staging generation once its load is whole and compacted: a publication
#: killed after that point is finished by the next one of the same dumps, not loaded again.
LOADED = ".loaded.json"


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
    """Whether `target` holds nothing but what a publication writes before its first switch
    (the lock, and a killed one's staging generation)."""
    return all(
        child.name == LOCK
        or (child.name.startswith(f".{GENERATION_PREFIX}") and child.name.endswith(".tmp"))
        for child in target.iterdir()
    )


def write_store_dir(
    sources: Sequence[str | Path],
    directory: str | Path,
    base: str | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    prepare_views: bool = True,
) -> StoreInfo:
    """Load the N-Quads files `sources` into a new generation of the store folder
    `directory` and switch `current` to it (see the module docstring). With `base`, the
    dataset statistics (`citydip_ld.stores.statistics`) are counted now and kept with the
    store, and so are the prepared views unless `prepare_views` is false.
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
        try:
            return _write_generation(paths, target, base, say, prepare_views)
        except OSError as exc:
            raise failed_write(target, exc) from None


def failed_write(target: Path, exc: OSError) -> LoadError:
    """The error for a new generation of `target` that could not be written (`exc`): what
    failed, and that the published generation is unchanged."""
    why = exc.strerror or str(exc)
    if exc.filename:
        why += f" ({exc.filename})"
    full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    if full or any(os.strerror(code) in why for code in (errno.ENOSPC, errno.EFBIG)):
        why += " (free disk space, or raise the file-size limit)"
    return LoadError(
        f"{target}: writing the new generation failed: {why}; nothing was switched: "
        "the published generation is unchanged; publish again"
    )


def _write_generation(
    paths: list[Path],
    target: Path,
    base: str | None,
    say: Callable[[str], None],
    prepare_views: bool = True,
) -> StoreInfo:
    started = time.monotonic()
    # Hashed before the load: the sums recorded are of what was loaded, an unreadable dump
    # fails before hours of loading, the dumps are not read again after it, and a killed
    # publication's load of the same dumps is found by them.
    sums = [_sha256(path) for path in paths]
    names = source_names(paths)
    resumed = _resumable(target, sums)
    loaded: float | None = None
    if resumed is None:
        staging, final = new_generation_paths(target)
    else:
        staging, loaded = resumed
        final = _published(staging)
        say(f"resuming the publication killed after its load ({staging.name})")
    try:
        if loaded is None:
            resources = _write_resources(paths, sums, staging, say)
            store = _load(paths, staging, say)
            loaded = round(time.monotonic() - started, 2)
            _write_loaded(staging, sums, loaded, resources)
        else:
            recorded = (_read_loaded(staging) or {}).get("resources")
            resources = recorded or _write_resources(paths, sums, staging, say)
            store = pyoxigraph.Store(str(staging))
            started -= loaded
        info = _finish(
            store,
            staging,
            base,
            say,
            names=names,
            sums=sums,
            started=started,
            resources=resources,
            prepare_views=prepare_views,
        )
        staging.rename(final)
    except KeyboardInterrupt:
        if _read_loaded(staging) is None:
            shutil.rmtree(staging, ignore_errors=True)
        raise  # an interrupted load is removed; a loaded store is kept to resume from
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"switching {CURRENT} to {final.name}")
    switch_generation(target, final)
    return info


def _write_resources(
    paths: list[Path], sums: list[str], staging: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Write the resource table (`resource_table`) of the dumps `paths` into `staging`,
    before the load: a world-sized publication may delete each dump once it is loaded."""
    shutil.rmtree(staging / RESOURCES, ignore_errors=True)  # a killed run's, when resuming
    staging.mkdir(parents=True, exist_ok=True)
    say("writing the resource table")
    table = write_resource_table_from_dumps(paths, sums, staging / RESOURCES, TABLE_INCOMING)
    return asdict(table)


def _load(paths: list[Path], staging: Path, say: Callable[[str], None]) -> pyoxigraph.Store:
    """Bulk-load the dumps `paths` into a new RocksDB store in `staging` and compact it."""
    store = pyoxigraph.Store(str(staging))
    for path in paths:
        say(f"loading {path.name}")
        try:
            store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            raise LoadError(f"{path}: not valid N-Quads ({exc}); rebuild the dataset") from None
    _carry_source_maps(paths, staging)
    say("compacting the store")
    store.optimize()
    store.flush()
    return store


def _finish(
    store: pyoxigraph.Store,
    staging: Path,
    base: str | None,
    say: Callable[[str], None],
    *,
    names: list[str],
    sums: list[str],
    started: float,
    resources: dict[str, Any],
    prepare_views: bool,
) -> StoreInfo:
    """What a loaded store's generation carries besides RocksDB's files (statistics, list
    orders, prepared views unless not `prepare_views`, label table), written into `staging`
    from the store, and its record (with the resource table written before the load,
    `resources`)."""
    for partial in (staging / LISTS, staging / LABELS, staging / PREPARED):  # a killed run's
        shutil.rmtree(partial, ignore_errors=True)
    quads = len(store)
    graphs = sum(1 for _ in store.named_graphs())
    counted = lists = prepared = None
    if base is not None:
        counted, lists = count_and_list(store, quads, base, staging / LISTS, say)
        if prepare_views:
            prepared = write_prepared_views(OxigraphStore(store), base, staging, say)
    say("writing the label table")
    labels = asdict(write_label_table(store, LABEL_TERMS, staging / LABELS))
    store.flush()
    del store  # closes RocksDB before the folder is renamed
    if quads == 0:
        raise LoadError("the dataset is empty; nothing to publish")
    info = StoreInfo(
        quads=quads,
        graphs=graphs,
        sources=names,
        sha256=sums,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - started, 2),
        pyoxigraph=pyoxigraph.__version__,
        statistics=counted,
        lists=lists,
        labels=labels,
        resources=resources,
        prepared=prepared,
    )
    (staging / MARKER).write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
    (staging / LOADED).unlink()
    return info


def _write_loaded(
    staging: Path, sums: list[str], seconds: float, resources: dict[str, Any]
) -> None:
    """Mark `staging` as holding the whole, compacted load of the dumps summed as `sums`
    (and the resource table written before it, recorded as `resources`)."""
    record = {
        "sha256": sums,
        "pyoxigraph": pyoxigraph.__version__,
        "seconds": seconds,
        "resources": resources,
    }
    partial = staging / f"{LOADED}.part"
    partial.write_text(json.dumps(record), encoding="utf-8")
    partial.replace(staging / LOADED)


def _read_loaded(staging: Path) -> dict[str, Any] | None:
    """The record `_write_loaded` left in `staging` (None: no whole load there)."""
    try:
        record = json.loads((staging / LOADED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _resumable(target: Path, sums: list[str]) -> tuple[Path, float] | None:
    """A killed publication's staging folder that holds the whole load of the same dumps
    (same sums, same pyoxigraph), to finish instead of loading again, and its load's seconds;
    every other leftover is removed."""
    found = None
    for leftover in sorted(target.glob(f".{GENERATION_PREFIX}*.tmp"), reverse=True):
        record = _read_loaded(leftover) or {}
        seconds = record.get("seconds")
        same = record.get("sha256") == sums and record.get("pyoxigraph") == pyoxigraph.__version__
        if found is None and same and isinstance(seconds, int | float):
            found = (leftover, float(seconds))
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    return found


def new_generation_paths(target: Path) -> tuple[Path, Path]:
    """A new generation's staging folder in `target` (hidden, `.tmp`: removed or resumed by
    the next publication if this one is killed) and the name it is renamed to when whole."""
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staging = target / f".{GENERATION_PREFIX}{token}.tmp"
    return staging, _published(staging)


def _published(staging: Path) -> Path:
    """The name a staging generation is renamed to once whole."""
    return staging.with_name(staging.name.removeprefix(".").removesuffix(".tmp"))


def count_and_list(
    store: pyoxigraph.Store, quads: int, base: str, lists: Path, say: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, int]]:
    """A generation's statistics (as its record keeps them) and every kind's list order,
    written into the folder `lists`, from its loaded `store` of `quads` quads."""
    say(f"counting the statistics of {quads} quads")
    counted = lean_statistics(OxigraphStore(store), base)
    say("writing the list order of each kind")
    return counted.to_json(), write_lists(OxigraphStore(store), base, lists)


def source_names(paths: Sequence[Path]) -> list[str]:
    """How the store's record names the loaded dumps: by file name, or where two share a
    name (the shards' `dataset.nq`), by their path below the folder they all lie in."""
    names = [path.name for path in paths]
    if len(set(names)) == len(names):
        return names
    resolved = [path.resolve() for path in paths]
    common = Path(os.path.commonpath([path.parent for path in resolved]))
    return [path.relative_to(common).as_posix() for path in resolved]


def _carry_source_maps(paths: list[Path], generation: Path) -> None:
    """The build's source maps (`sources.tsv` beside each dataset file) into the generation,
    one after the other, so `check --store` can point at fact files and lines."""
    maps = [path.parent / SOURCES_FILE for path in paths if (path.parent / SOURCES_FILE).is_file()]
    if not maps:
        return
    with (generation / SOURCES_FILE).open("wb") as out:
        for source in maps:
            with source.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)


def write_lists(store: OxigraphStore, base: str, folder: Path) -> dict[str, int]:
    """Every kind's list order into `folder/{kind}.txt`: from one pass over the store's labels
    (`list_order.list_orders`), or where that declines, `describe.ordered_resources`' query
    per kind (the same order; at L 39 minutes against a few)."""
    orders = list_orders(store, base, KINDS)

    def order(kind: str) -> list[str]:
        if orders is not None:
            return orders[kind]
        return ordered_resources(store, f"{normalise_base(base)}id/{kind}/")

    return {kind: write_listing(folder / f"{kind}.txt", order(kind)) for kind in KINDS}


def switch_generation(target: Path, generation: Path) -> None:
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
