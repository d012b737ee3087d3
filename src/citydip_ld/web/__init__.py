"""The Flask application factory: thin web layer over the core and the store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from citydip_ld.disk_store import StoreInfo, read_generation_info
from citydip_ld.federation import allowed_services
from citydip_ld.iris import DEFAULT_BASE
from citydip_ld.listing import Listing, MemoryListing
from citydip_ld.remote import is_remote
from citydip_ld.sandbox import DEFAULT_MAX_QUERY_LENGTH, DEFAULT_MEMORY_LIMIT, SandboxSettings
from citydip_ld.sparql import DEFAULT_RESULT_MAX_BYTES, QueryGate
from citydip_ld.statistics import DatasetStatistics, Memo, compute_statistics
from citydip_ld.store import Store, open_store, open_store_folder

DEFAULTS: dict[str, Any] = {
    # The dataset base IRI; documents are served under it.
    "BASE": DEFAULT_BASE,
    # The built dataset directory (output of `citydip-ld build`).
    "DATASET_DIR": str(Path("build")),
    # Where queries go: None for the built dataset in DATASET_DIR (embedded store), or the URL
    # of a SPARQL 1.1 query endpoint (a remote store; docs/remote-stores.md).
    "STORE": None,
    # SPARQL limits.
    "QUERY_TIMEOUT": 10.0,
    "RESULT_LIMIT": 10000,
    # SPARQL worker processes (None: one per core, at least 2; 0: run queries in-thread).
    "QUERY_WORKERS": None,
    # Largest request body accepted (bytes); larger ones get 413.
    "MAX_CONTENT_LENGTH": 1 << 20,
    # SPARQL endpoints a federated query may call with SERVICE (env: comma-separated).
    "SERVICE_ALLOWLIST": [],
    # Longest SPARQL query in characters (400 beyond); sizes the query thread's stack.
    "MAX_QUERY_LENGTH": DEFAULT_MAX_QUERY_LENGTH,
    # Memory in MiB a query worker may take beyond its loaded dataset (503 beyond).
    "QUERY_MEMORY_LIMIT": DEFAULT_MEMORY_LIMIT >> 20,
    # Largest SPARQL answer body in bytes, any format (400 beyond).
    "RESULT_MAX_BYTES": DEFAULT_RESULT_MAX_BYTES,
    # SPARQL requests in progress at once, running or waiting for a worker; more get 503
    # with Retry-After at once, so queries never hold every web thread (`serve` keeps it a
    # quarter of its threads, at least 2, below the thread count).
    "QUERY_CONCURRENCY": 8,
}

STORE_KEY = "citydip.store"
GATE_KEY = "citydip.query_gate"
STATISTICS_KEY = "citydip.statistics"
LISTING_KEY = "citydip.listing"
#: How long counts and list orders of a remote store are reused (it may be republished).
REMOTE_STATISTICS_TTL = 300.0


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, `instance/config.py`, `CITYDIP_*` env, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CITYDIP")
    if test_config is not None:
        app.config.from_mapping(test_config)

    from citydip_ld.web import pages, resources, sparql_routes
    from citydip_ld.web.errors import register_error_handlers
    from citydip_ld.web.response_guards import register_response_guards

    app.register_blueprint(sparql_routes.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(pages.bp)
    register_error_handlers(app)
    register_response_guards(app)
    return app


def sparql_endpoint() -> str:
    """The SPARQL endpoint's public URL: under the configured BASE, never the request's Host
    (the service description names it; relative IRIs in queries resolve against it)."""
    from citydip_ld.iris import normalise_base

    return f"{normalise_base(str(current_app.config['BASE']))}sparql"


def get_store() -> Store:
    """The app's store, opened on first use (so importing `app.py` needs no dataset)."""
    store: Store | None = current_app.extensions.get(STORE_KEY)
    if store is None:
        target = current_app.config.get("STORE")
        workers = current_app.config.get("QUERY_WORKERS")
        settings = sandbox_settings(current_app.config)
        if target and not is_remote(target):  # a store folder, followed even while missing
            store = open_store_folder(target, workers=workers, settings=settings)
        else:
            store = open_store(
                target or current_app.config["DATASET_DIR"], workers=workers, settings=settings
            )
        current_app.extensions[STORE_KEY] = store
    return store


def sandbox_settings(config: Mapping[str, Any]) -> SandboxSettings:
    """What the app's query thread allows (`citydip_ld.sandbox`), from its settings."""
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
    """A per-app `Memo` for values derived from the store; remote stores' expire."""
    memo: Memo[Any] | None = current_app.extensions.get(key)
    if memo is None:
        target = current_app.config.get("STORE")
        ttl = REMOTE_STATISTICS_TTL if target and is_remote(target) else None
        memo = current_app.extensions.setdefault(key, Memo(ttl))
    return memo


def _generation_info() -> tuple[str, StoreInfo] | None:
    """The generation and `citydip-store.json` of the store folder the app reads, if any."""
    generation: str | None = getattr(get_store(), "generation", None)
    return (generation, read_generation_info(generation)) if generation else None


def _generation_key() -> str:
    """What the kept counts and list orders belong to: the store folder's live generation
    (a new publication, or a folder put back, is counted anew), else the one dataset."""
    generation: str | None = getattr(get_store(), "generation", None)
    return generation or ""


def get_statistics(base: str) -> DatasetStatistics:
    """The dataset's counts (`citydip_ld.statistics`): kept from `publish --to DIR` for a
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
    from citydip_ld.describe import ordered_resources

    def compute() -> Listing:
        folder = _generation_info()
        written = folder[1].listing_for(folder[0], base, kind) if folder else None
        if written is not None:
            return written
        return MemoryListing(ordered_resources(get_store(), f"{base}id/{kind}/"))

    listing: Listing = _memo(LISTING_KEY).get(f"{_generation_key()} {base} {kind}", compute)
    return listing


def warm_up(app: Flask) -> None:
    """Compute what the first visitors would otherwise wait for: the dataset statistics and
    the order of every kind's list (`serve` runs this in a background thread at start)."""
    from citydip_ld.iris import KINDS, normalise_base

    with app.app_context():
        base = normalise_base(str(app.config["BASE"]))
        get_statistics(base)
        for kind in KINDS:
            get_listing(base, kind)


def start_warm_up(app: Flask) -> None:
    """Run `warm_up` for `app` in a background (daemon) thread."""
    import threading

    threading.Thread(target=warm_up, args=(app,), name="citydip-warm-up", daemon=True).start()


def create_warm_app(test_config: dict[str, Any] | None = None) -> Flask:
    """`create_app`, with `warm_up` started in the background (what a server runs; picklable
    as `functools.partial(create_warm_app, config)` for granian's worker)."""
    app = create_app(test_config)
    start_warm_up(app)
    return app
