"""An on-disk Oxigraph store folder: written by `publish --to DIR`, opened read-only by `serve`.

The embedded default store loads `dataset.nq` into memory, once per process (the web process
and each SPARQL worker). That is quick for small and medium datasets but multiplies memory on
big ones. A store folder holds the dataset in Oxigraph's on-disk (RocksDB) format instead:
every process opens it read-only and the operating system's page cache, shared by all of them,
holds the hot part.

Layout (the folder is replaced as a whole, never edited in place)::

    DIR/current          -> a symbolic link to the live generation
    DIR/data-<token>/    a generation: the RocksDB files and `citydip-store.json`, the
                         list order of each kind (`lists/`), the label table (`labels/`,
                         `citydip_ld.stores.label_table`) and the resource table
                         (`resources/`, `citydip_ld.stores.resource_table`) and the views
                         a server computes from the whole dataset (`prepared/`,
                         `citydip_ld.stores.prepared_views`)

`write_store_dir` bulk-loads the dataset into a hidden temporary generation, writes its
`citydip-store.json` (what it holds), renames it to `data-<token>` and then switches `current`
with one atomic rename of a new link. Readers see the old generation or the new one, never a
half-loaded store; a failed load leaves the live one untouched. The previous generation is
kept (a running server may still be answering a request from it; `serve` follows the switch,
see `citydip_ld.stores.folder_store`) and older ones are removed.

One publication at a time: `disk_publish.write_store_dir` holds an exclusive lock (`flock`)
on `DIR/.publish.lock` while it writes; a second one refuses at once with an error that names
the lock. The kernel releases the lock when its holder exits, however it exits, so a
publication killed midway never leaves the folder locked; the next one removes the hidden
`.data-<token>.tmp` folder it left, or, if its load was whole and the dumps are the same,
finishes it (`disk_publish`). A load that runs out of disk space (or past a file-size
limit) is removed and reported; the live generation is untouched either way.

This module knows the folder's format and opens it; `citydip_ld.stores.disk_publish` writes it
and `citydip_ld.stores.folder_store` follows it while a server runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyoxigraph

from citydip_ld.errors import LoadError
from citydip_ld.iris import normalise_base
from citydip_ld.stores.listing import FileListing
from citydip_ld.stores.statistics import DatasetStatistics

CURRENT = "current"
MARKER = "citydip-store.json"
GENERATION_PREFIX = "data-"
LISTS = "lists"
#: The lock file a publication holds (`disk_publish.publish_lock`).
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
    #: The label table written with the generation (`label_table.TableInfo`), if any.
    labels: dict[str, Any] | None = None
    #: The resource table written with the generation (`quad_table.TableInfo`), if any.
    resources: dict[str, Any] | None = None
    #: The views prepared with the generation (`prepared_views`): bytes per view, if any.
    prepared: dict[str, int] | None = None
    #: The generation this one was upgraded from (`store_upgrade`), if it was not loaded.
    upgraded_from: str | None = None

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
    """Whether `target` is a store folder written by `disk_publish.write_store_dir`."""
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
        known = {field.name for field in fields(StoreInfo)}
        # A record written by newer code may say more; what this code knows is enough.
        return StoreInfo(**{key: value for key, value in data.items() if key in known})
    except (OSError, ValueError, TypeError, AttributeError) as exc:
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
