"""`publish --to DIR`: load a built dataset into a new generation of a store folder and switch
to it atomically (the folder's layout is described in `citydip_ld.stores.disk_store`).

The dataset statistics and every kind's list order are computed while loading and kept in the
generation, so a server on a big store never computes them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from citydip_ld.errors import LoadError
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.stores.describe import Queryable, ordered_resources
from citydip_ld.stores.disk_store import (
    CURRENT,
    GENERATION_PREFIX,
    LISTS,
    MARKER,
    StoreInfo,
    is_store_dir,
)
from citydip_ld.stores.listing import write_listing
from citydip_ld.stores.statistics import compute_statistics
from citydip_ld.stores.store import OxigraphStore


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_store_dir(
    sources: Sequence[str | Path], directory: str | Path, base: str | None = None
) -> StoreInfo:
    """Load the N-Quads files `sources` into a new generation of the store folder
    `directory` and switch `current` to it (see the module docstring). With `base`, the
    dataset statistics (`citydip_ld.stores.statistics`) are counted now and kept with the store."""
    started = time.monotonic()
    target = Path(directory)
    paths = [Path(source) for source in sources]
    for path in paths:
        if not path.is_file():
            raise LoadError(f"{path}: no built dataset here; run `citydip-ld build` first")
    if target.exists() and not target.is_dir():
        raise LoadError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not is_store_dir(target):
        raise LoadError(
            f"{target}: the folder is not empty and not a citydip-ld store folder; "
            "choose an empty or new folder"
        )
    target.mkdir(parents=True, exist_ok=True)
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staging = target / f".{GENERATION_PREFIX}{token}.tmp"
    final = target / f"{GENERATION_PREFIX}{token}"
    try:
        store = pyoxigraph.Store(str(staging))
        for path in paths:
            try:
                store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise LoadError(f"{path}: not valid N-Quads ({exc}); rebuild the dataset") from None
        store.optimize()
        quads = len(store)
        graphs = sum(1 for _ in store.named_graphs())
        counted = lists = None
        if base is not None:
            counted = compute_statistics(OxigraphStore(store), base)
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
    _switch(target, final)
    return info


def _write_lists(store: Queryable, base: str, folder: Path) -> dict[str, int]:
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
