"""What the blueprints share, kept per app in `app.extensions` (as `flaskr/db.py` keeps the
database connection): the store, opened on first use, and the figures, list orders, search
index, map data (geography, the whole network's GeoJSON), timeline and twinning network
derived from it, computed once (`citydip_ld.stores.statistics.Memo`)."""

from __future__ import annotations

import gc
import gzip
import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from flask import Flask, current_app

from citydip_ld.errors import CitydipError
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.rdf.dumps import CHECKSUMS_FILE
from citydip_ld.rdf.network import Network
from citydip_ld.sparql.federation import allowed_services
from citydip_ld.sparql.protocol import QueryGate
from citydip_ld.sparql.sandbox import SandboxSettings
from citydip_ld.stores.disk_store import StoreInfo, read_generation_info
from citydip_ld.stores.geography import Geography, to_geojson_bytes
from citydip_ld.stores.listing import Listing, MemoryListing
from citydip_ld.stores.prepared_views import VIEWS, read_prepared_view
from citydip_ld.stores.remote import check_store_target, is_remote
from citydip_ld.stores.search_index import SearchIndexes
from citydip_ld.stores.statistics import DatasetStatistics, Memo, compute_statistics
from citydip_ld.stores.store import Store, open_store, open_store_folder
from citydip_ld.stores.timeline import Timeline

V = TypeVar("V")

STORE_KEY = "citydip.store"
GATE_KEY = "citydip.query_gate"
STATISTICS_KEY = "citydip.statistics"
LISTING_KEY = "citydip.listing"
SEARCH_KEY = "citydip.search"
SUMS_KEY = "citydip.checksums_path"
GEOGRAPHY_KEY = "citydip.geography"
GEOJSON_KEY = "citydip.network_geojson"
NETWORK_KEY = "citydip.network"
TIMELINE_KEY = "citydip.timeline"


class NetworkGeoJSON(NamedTuple):
    """The whole network's GeoJSON as served: plain, gzipped, and its ETag."""

    body: bytes
    gzipped: bytes
    etag: str


#: How long counts and list orders of a remote store are reused (it may be republished).
REMOTE_STATISTICS_TTL = 300.0
#: Values each memo keeps: those of one store (a store folder's live generation; the keys
#: hold it), so a republished folder's replace the former generation's. GeoJSON: the whole
#: network and the home map's, per site root (one per server; room for a second).
MEMO_ENTRIES = {
    STATISTICS_KEY: 1,
    LISTING_KEY: len(KINDS),
    SEARCH_KEY: 1,
    GEOGRAPHY_KEY: 1,
    GEOJSON_KEY: 4,
    TIMELINE_KEY: 1,
    NETWORK_KEY: 2,  # the network and its `/network.json` body
}


def sparql_endpoint() -> str:
    """The SPARQL endpoint's public URL: under the configured BASE, never the request's Host
    (the service description names it; relative IRIs in queries resolve against it)."""
    return f"{normalise_base(str(current_app.config['BASE']))}sparql"


def get_store() -> Store:
    """The app's store, opened on first use (so importing `app.py` needs no dataset)."""
    store: Store | None = current_app.extensions.get(STORE_KEY)
    if store is None:
        target = current_app.config.get("STORE")
        workers = current_app.config.get("QUERY_WORKERS")
        settings = sandbox_settings(current_app.config)
        if target and not is_remote(target):  # a store folder, followed even while missing
            check_store_target(target)  # not a URL of another scheme (`open_store` checks its own)
            store = open_store_folder(target, workers=workers, settings=settings)
        else:
            store = open_store(
                target or current_app.config["DATASET_DIR"], workers=workers, settings=settings
            )
        current_app.extensions[STORE_KEY] = store
    return store


def sandbox_settings(config: Mapping[str, Any]) -> SandboxSettings:
    """What the app's query thread allows (`citydip_ld.sparql.sandbox`), from its settings."""
    memory = config.get("QUERY_MEMORY_LIMIT")
    return SandboxSettings(
        allowed_endpoints=tuple(allowed_services(config.get("SERVICE_ALLOWLIST"))),
        max_query_length=int(config["MAX_QUERY_LENGTH"]),
        memory_limit=int(memory) << 20 if memory else None,
    )


def get_query_gate() -> QueryGate:
    """The app's admission gate for SPARQL requests (QUERY_CONCURRENCY at once)."""
    gate: QueryGate | None = current_app.extensions.get(GATE_KEY)
    if gate is None:
        capacity = max(int(current_app.config["QUERY_CONCURRENCY"]), 1)
        gate = current_app.extensions.setdefault(GATE_KEY, QueryGate(capacity))
    return gate


def _memo(key: str) -> Memo[Any]:
    """A per-app `Memo` for values derived from the store, bounded by `MEMO_ENTRIES`;
    remote stores' expire."""
    memo: Memo[Any] | None = current_app.extensions.get(key)
    if memo is None:
        target = current_app.config.get("STORE")
        ttl = REMOTE_STATISTICS_TTL if target and is_remote(target) else None
        memo = current_app.extensions.setdefault(key, Memo(ttl, MEMO_ENTRIES[key]))
    return memo


def _generation_info() -> tuple[str, StoreInfo] | None:
    """The generation and `citydip-store.json` of the store folder the app reads, if any."""
    generation: str | None = getattr(get_store(), "generation", None)
    return (generation, read_generation_info(generation)) if generation else None


def _view(key: str, base: str, name: str, kind: type[V], *, hidden: bool = False) -> V:
    """The view `name` (of type `kind`) of the app's store for `base`, kept in the memo `key`
    per store generation: read from the store folder's live generation, where `publish --to
    DIR` prepared it (`citydip_ld.stores.prepared_views`), else computed as `publish` does
    (`VIEWS`), by one thread while the others asking for it wait (`Memo`); `hidden`: then
    put out of the cyclic collector's sight (`hide_from_collector`)."""

    def made() -> V:
        store = get_store()
        generation: str | None = getattr(store, "generation", None)
        prepared = read_prepared_view(generation, base, name) if generation else None
        view = prepared if isinstance(prepared, kind) else VIEWS[name](store, base)
        assert isinstance(view, kind)
        if hidden:
            hide_from_collector()
        return view

    view: V = _memo(key).get(f"{_generation_key()} {base}", made)
    return view


def _generation_key() -> str:
    """What the kept counts and list orders belong to: the store folder's live generation
    (a new publication, or a folder put back, is counted anew), else the one dataset."""
    generation: str | None = getattr(get_store(), "generation", None)
    return generation or ""


def get_statistics(base: str) -> DatasetStatistics:
    """The dataset's counts (`citydip_ld.stores.statistics`): kept from `publish --to DIR` for a
    store folder, else counted on first use and reused (remote stores: for a while)."""

    def compute() -> DatasetStatistics:
        folder = _generation_info()
        known = folder[1].statistics_for(base) if folder else None
        return known if known is not None else compute_statistics(get_store(), base)

    key = f"{_generation_key()} {base}"
    statistics: DatasetStatistics = _memo(STATISTICS_KEY).get(key, compute)
    return statistics


def get_listing(base: str, kind: str) -> Listing:
    """The resources of `kind` in list order: written by `publish --to DIR` for a store
    folder, else computed once (`describe.ordered_resources`) and kept in memory."""
    from citydip_ld.stores.describe import ordered_resources

    def compute() -> Listing:
        folder = _generation_info()
        written = folder[1].listing_for(folder[0], base, kind) if folder else None
        if written is not None:
            return written
        return MemoryListing(ordered_resources(get_store(), f"{base}id/{kind}/"))

    listing: Listing = _memo(LISTING_KEY).get(f"{_generation_key()} {base} {kind}", compute)
    return listing


def hide_from_collector() -> None:
    """Put every object alive now out of the cyclic collector's sight (gc.freeze): what the
    memos hold lives as long as its store generation (search index, timeline, geography,
    network), and a full collection that walks it costs a request 100-500 ms at world scale
    S. Unfrozen and collected first, so that what an earlier call hid (a former generation's
    values, cycles dropped since) is collected now rather than never."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def get_search_index(base: str) -> SearchIndexes:
    """The search index of the app's store (`citydip_ld.stores.search_index`): prepared by
    `publish --to DIR` for a store folder, else built once per store (a remote store's: again
    after a while), then reused."""

    return _view(SEARCH_KEY, base, "search", SearchIndexes, hidden=True)


def release_of(app: Flask) -> str | None:
    """What the app's answers are a function of, besides the request (the response cache's
    release, `citydip_ld.web.response_cache`): the store's own release (a store folder's live
    generation, or the embedded store loaded once) and the dumps' `SHA256SUMS` in DATASET_DIR
    (the dumps and `Last-Modified` are read from there). None when the store cannot be
    opened (a dataset that cannot be loaded: the app answers why), a store folder is missing,
    or the store is remote (it can be republished behind our back, and says nothing of it):
    then nothing is cached. Opens the store on first use; then two or three system calls."""
    store = app.extensions.get(STORE_KEY)
    if store is None:
        with app.app_context():
            try:
                store = get_store()
            except CitydipError:
                return None
    own: str | None = getattr(store, "release", None)
    if own is None:
        return None
    path: str | None = app.extensions.get(SUMS_KEY)
    if path is None:  # a string: `os.stat` without pathlib's conversion, on every request
        path = app.extensions[SUMS_KEY] = str(Path(str(app.config["DATASET_DIR"])) / CHECKSUMS_FILE)
    try:
        sums = os.stat(path)  # noqa: PTH116
    except OSError:
        return f"{own} no-dumps"
    return f"{own} {sums.st_ino}:{sums.st_mtime_ns}:{sums.st_size}"


def get_geography(base: str) -> Geography:
    """The cities and twinnings on the map (`citydip_ld.stores.geography`): prepared by
    `publish --to DIR` for a store folder, else read once per store (a remote store's: again
    after a while)."""

    return _view(GEOGRAPHY_KEY, base, "geography", Geography)


def get_network_geojson(
    base: str, root: str, href: Callable[[str], str], top: int | None = None
) -> NetworkGeoJSON:
    """The whole network's GeoJSON (`Geography.network`, links made by `href` under the
    site's `root` path; with `top`, its `top` most twinned cities), also gzipped, and its
    ETag: made once per store, root and `top` (the callers pass one `top` at most: the
    home map's), then reused. At world scale S: 14 MB, 1.7 MB gzipped."""

    def compute() -> NetworkGeoJSON:
        body = to_geojson_bytes(get_geography(base).network(href, top))
        etag = hashlib.sha256(body).hexdigest()[:32]
        return NetworkGeoJSON(body, gzip.compress(body, 6, mtime=0), etag)

    key = f"{_generation_key()} {base} {root} {top}"
    network: NetworkGeoJSON = _memo(GEOJSON_KEY).get(key, compute)
    return network


def get_timeline(base: str) -> Timeline:
    """The dated facts of the app's store (`citydip_ld.stores.timeline`): prepared by
    `publish --to DIR` for a store folder, else read once per store (a remote store's: again
    after a while), then reused."""

    return _view(TIMELINE_KEY, base, "timeline", Timeline)


def get_network(base: str) -> Network:
    """The twinning network of the app's store (`citydip_ld.rdf.network`, the same queries
    `build` runs for the network files): prepared by `publish --to DIR` for a store folder,
    else read once per store (a remote store's: again after a while), then reused by
    `/network`, `/network.json` and the city pages."""
    return _view(NETWORK_KEY, base, "network", Network)


def get_network_json(base: str, render: Callable[[Network], bytes]) -> bytes:
    """The whole network's `/network.json` body, rendered by `render` once per store (12 MB
    and 1.5 s at world scale S), then reused."""
    body: bytes = _memo(NETWORK_KEY).get(
        f"{_generation_key()} {base} json", lambda: render(get_network(base))
    )
    return body
