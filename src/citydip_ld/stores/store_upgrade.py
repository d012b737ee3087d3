"""`upgrade-store DIR`: give a store folder published by older code what `publish --to DIR`
writes with each generation now, without loading the dumps again.

A generation is never edited in place (`citydip_ld.stores.disk_store`): the upgrade writes a
new one and switches to it, as a publication does. Its RocksDB files are a checkpoint of the
live generation (`Store.backup`: on the same file system RocksDB hard-links its immutable
files, so this takes seconds and no space at any size), its list orders and source map are
hard links to the live generation's, and only what is missing or unreadable by this code is
computed from the store: the label table (`citydip_ld.stores.label_table`), the resource
table (`citydip_ld.stores.resource_table`), and, for `base`,
the dataset statistics and the list orders if the generation has none, and the prepared
views (`citydip_ld.stores.prepared_views`) if it has none this code reads. The record keeps
what was loaded (quads, graphs, sources, their sums, when and how long) and says which
generation it was upgraded from.

At world M the label table takes about half a minute and the resource table four minutes
(read from RocksDB, about 16 µs a quad; a publication writes it from the dumps); at L the
statistics and list orders, if missing, take most of an hour (see benchmarks/README.md). A
running server follows the switch between requests (`citydip_ld.stores.folder_store`); the
old generation is kept as the previous one, as after a publication.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from citydip_ld.errors import LoadError
from citydip_ld.rdf.source_map import SOURCES_FILE
from citydip_ld.stores.disk_publish import (
    count_and_list,
    failed_write,
    new_generation_paths,
    publish_lock,
    switch_generation,
)
from citydip_ld.stores.disk_store import (
    LISTS,
    MARKER,
    StoreInfo,
    live_generation,
    open_generation,
    read_generation_info,
)
from citydip_ld.stores.index_description import LABEL_TERMS, TABLE_INCOMING
from citydip_ld.stores.label_table import LABELS, open_label_table, write_label_table
from citydip_ld.stores.prepared_views import PREPARED, has_prepared_views, write_prepared_views
from citydip_ld.stores.resource_table import (
    RESOURCES,
    open_resource_table,
    write_resource_table,
)
from citydip_ld.stores.store import OxigraphStore

#: What an upgrade can add to a generation, in the order it writes them.
LABEL_TABLE = "label table"
RESOURCE_TABLE = "resource table"
STATISTICS = "statistics and list orders"
PREPARED_VIEWS = "prepared views"


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade_store_dir` did: the parts written (none: the folder was up to date)."""

    directory: Path
    written: tuple[str, ...]
    generation: str | None
    seconds: float

    def summary(self) -> str:
        if not self.written:
            return f"the store folder {self.directory} is up to date; nothing was changed"
        return (
            f"upgraded the store folder {self.directory}: wrote the {', the '.join(self.written)} "
            f"into a new generation {self.generation} and switched to it in {self.seconds:.2f} s"
        )


def missing_parts(generation: Path, info: StoreInfo, base: str | None) -> tuple[str, ...]:
    """The parts the generation `generation` (recorded as `info`) lacks, or holds in a form
    this code does not read: a label or resource table of another pyoxigraph version, or
    whose files are gone, is read by lookups when served (`label_table.open_label_table`,
    `resource_table.open_resource_table`), so it is written again. Statistics and list
    orders are counted only where none were (for `base`): ones counted for another base are
    left alone, not recounted for a default base by mistake (at world L they take most of an
    hour). The views are prepared for `base` when none there were prepared for it by this
    code (a server would compute them at every start), unless the statistics were counted
    for another base: that generation serves another base."""
    parts = []
    table = open_label_table(generation, info.labels, LABEL_TERMS)
    if table is None:
        parts.append(LABEL_TABLE)
    else:
        table.close()
    resources = open_resource_table(generation, info.resources, TABLE_INCOMING)
    if resources is None:
        parts.append(RESOURCE_TABLE)
    else:
        resources.close()
    if base is not None and (info.statistics is None or info.lists is None):
        parts.append(STATISTICS)
    if base is not None and not has_prepared_views(generation, base):
        serves_base = STATISTICS in parts or info.statistics_for(base) is not None
        if serves_base:  # counted for another base: that generation serves another base
            parts.append(PREPARED_VIEWS)
    return tuple(parts)


def upgrade_advice(directory: str | Path, base: str | None) -> str | None:
    """What `serve` tells the maintainer of a store folder whose live generation lacks a part
    (see `missing_parts`), or None when nothing is missing or `directory` is not a folder."""
    try:
        live = live_generation(directory)
        parts = missing_parts(live, read_generation_info(live), base)
    except LoadError:
        return None
    if not parts:
        return None
    return (
        f"note: the store folder {directory} lacks the {', the '.join(parts)} that "
        "`publish --to DIR` writes now (it was published by an older version), so it is "
        f"served more slowly; `citydip-ld upgrade-store {directory}` adds "
        f"{'it' if len(parts) == 1 else 'them'} without loading the dataset again"
    )


def upgrade_store_dir(
    directory: str | Path,
    base: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Upgrade:
    """Write what the live generation of the store folder `directory` lacks (see the module
    docstring) into a new generation and switch to it; do nothing if nothing is missing."""
    say = progress or (lambda _message: None)
    target = Path(directory)
    started = time.monotonic()
    live_generation(target)  # not a store folder: refused before its lock file is made
    with publish_lock(target):
        live = live_generation(target)  # a publication may have switched while we waited
        info = read_generation_info(live)
        parts = missing_parts(live, info, base)
        if not parts:
            return Upgrade(target, (), None, time.monotonic() - started)
        try:
            final = _upgraded_generation(live, info, parts, base, say)
        except OSError as exc:
            raise failed_write(target, exc) from None
        say(f"switching to {final.name}")
        switch_generation(target, final)
    return Upgrade(target, parts, final.name, time.monotonic() - started)


def _upgraded_generation(
    live: Path,
    info: StoreInfo,
    parts: tuple[str, ...],
    base: str | None,
    say: Callable[[str], None],
) -> Path:
    staging, final = new_generation_paths(live.parent)
    store = open_generation(live)
    try:
        say(f"checkpointing {live.name} (hard links to its files)")
        store.backup(str(staging))
        _link_tree(live / SOURCES_FILE, staging / SOURCES_FILE)
        upgraded = replace(info, upgraded_from=live.name)
        if STATISTICS in parts:
            assert base is not None  # missing_parts asks for statistics only with a base
            counted, lists = count_and_list(store, info.quads, base, staging / LISTS, say)
            upgraded = replace(upgraded, statistics=counted, lists=lists)
        else:
            _link_tree(live / LISTS, staging / LISTS)
        if PREPARED_VIEWS in parts:
            assert base is not None  # asked for only with a base
            prepared = write_prepared_views(OxigraphStore(store), base, staging, say)
            upgraded = replace(upgraded, prepared=prepared)
        else:
            _link_tree(live / PREPARED, staging / PREPARED)
        if LABEL_TABLE in parts:
            say("writing the label table")
            labels = asdict(write_label_table(store, LABEL_TERMS, staging / LABELS))
            upgraded = replace(upgraded, labels=labels)
        else:
            _link_tree(live / LABELS, staging / LABELS)
        if RESOURCE_TABLE in parts:
            say("writing the resource table")
            resources = asdict(write_resource_table(store, staging / RESOURCES, TABLE_INCOMING))
            upgraded = replace(upgraded, resources=resources)
        else:
            _link_tree(live / RESOURCES, staging / RESOURCES)
        text = json.dumps(asdict(upgraded), indent=2) + "\n"
        (staging / MARKER).write_text(text, encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        del store
    return final


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link the file or folder `source` to `target` (files of a generation are never
    written again once it is renamed, so sharing them is safe); nothing if it is absent."""
    if source.is_file():
        os.link(source, target)
    elif source.is_dir():
        shutil.copytree(source, target, copy_function=os.link)
