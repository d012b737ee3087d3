"""Stage 6, web: the Flask application factory, a thin layer over the stores.

Owns the app (`create_app`, settings, warm-up, the first pages rendered before granian forks);
its blueprints (`resources`: dereferencing,
`pages`, `search`, `sparql_routes`, `vendor`: the browser libraries, `reconcile`: the
reconciliation service, `maps`: the map data and map views, `timeline`: the dated facts,
`network`: the twinning network view) and
what they share (`context`: the store, statistics, list orders, search index, map data,
timeline and query gate per app), so the factory imports the blueprints and
never the reverse; one error body shape (`errors`); what every answer gets
(`response_guards`, `security_headers`); the answers kept per release (`response_cache`,
a WSGI middleware in front of the app); the page views (`view`, `shapes_view`, `i18n`,
`query_editor`: what the SPARQL editor on /query is told); and
the pure pieces they serve (`conneg`: Accept -> format, `documents`, `void`,
`service_description`).
May import: every earlier stage (curation, rdf, validation, sparql, stores); never the
commands (`cli`, `serving`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask

from citydip_ld.errors import CitydipError
from citydip_ld.iris import DEFAULT_BASE, checked_base
from citydip_ld.sparql.protocol import DEFAULT_RESULT_MAX_BYTES
from citydip_ld.sparql.sandbox import DEFAULT_MAX_QUERY_LENGTH, DEFAULT_MEMORY_LIMIT
from citydip_ld.web import (
    document_route,
    errors,
    maps,
    network,
    pages,
    reconcile,
    resources,
    response_cache,
    response_guards,
    search,
    security_headers,
    sitemaps,
    sparql_routes,
    timeline,
    vendor,
)
from citydip_ld.web.context import (
    STORE_KEY,
    get_geography,
    get_listing,
    get_network,
    get_search_index,
    get_statistics,
    get_store,
    get_timeline,
    hide_from_collector,
    release_of,
)

__all__ = [
    "DEFAULTS",
    "STORE_KEY",
    "create_app",
    "create_warm_app",
    "get_listing",
    "get_statistics",
    "get_store",
    "render_first_pages",
    "start_warm_up",
    "warm_up",
]

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
    # Queries a reconciliation batch (and ids a data extension request) may hold (400 beyond).
    "RECONCILE_MAX_BATCH": 100,
    # The npm packages' folder the pages' browser libraries are served from (None: the source
    # checkout's node_modules/; web/vendor.py).
    "VENDOR_DIR": None,
    # Whether the SPARQL editor on /query may call prefix.cc (prefixes) and Linked Open
    # Vocabularies (class and property names); the /query page's policy then allows those two
    # origins (web/query_editor.py). Off: the editor contacts no other site.
    "QUERY_EDITOR_REMOTE_LOOKUPS": False,
    # The maps' base layer: Natural Earth country outlines served by us unless MAP_TILES, a
    # tile server's URL template (https://tile.example.org/{z}/{x}/{y}.png; the page policy's
    # img-src then allows its origin), is set; MAP_TILES_ATTRIBUTION is the credit it asks
    # for (HTML, shown on the map).
    "MAP_TILES": None,
    "MAP_TILES_ATTRIBUTION": "",
    # Bytes the response cache may hold: GET answers of the current release, emptied when it
    # changes (web/response_cache.py); 0 turns it off.
    "RESPONSE_CACHE_BYTES": response_cache.DEFAULT_BYTES,
    # Requests for an answer before the cache keeps it (nginx's proxy_cache_min_uses): with
    # 2, an answer asked for once (a crawler's walk) neither costs the keeping nor pushes
    # out answers asked for again; 1 keeps every answer at once.
    "RESPONSE_CACHE_MIN_USES": response_cache.DEFAULT_MIN_USES,
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, `instance/config.py`, `CITYDIP_*` env, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CITYDIP")
    if test_config is not None:
        app.config.from_mapping(test_config)
    try:
        checked_base(str(app.config["BASE"]))
    except ValueError as exc:
        raise CitydipError(f"the BASE setting: {exc}") from None

    app.register_blueprint(sparql_routes.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(reconcile.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(timeline.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(sitemaps.bp)
    errors.register_error_handlers(app)
    response_guards.register_response_guards(app)
    security_headers.register_security_headers(app)
    document_route.install_document_route(app)
    response_cache.install_response_cache(app, lambda: release_of(app))
    return app


def warm_up(app: Flask) -> None:
    """Compute what the first visitors would otherwise wait for: the dataset statistics, the
    order of every kind's list, the search index, the map data, the whole network's GeoJSON,
    the timeline and the twinning network (`serve` runs this in a background thread at start;
    logged at info when done, so a soak can tell warm-up from steady state)."""
    from citydip_ld.iris import KINDS, normalise_base

    started = time.monotonic()
    with app.app_context():
        base = normalise_base(str(app.config["BASE"]))
        get_statistics(base)
        for kind in KINDS:
            get_listing(base, kind)
        get_search_index(base)
        get_timeline(base)
        get_geography(base)
        get_network(base)
    with app.test_request_context("/"):
        maps.network_geojson()
    hide_from_collector()  # what warm-up built lives as long as the generation
    return_free_memory()
    logging.getLogger(__name__).info("warm-up done in %.1f s", time.monotonic() - started)


#: The `Accept` headers of what the first pages render: HTML and the two documents most asked.
FIRST_PAGE_FORMATS = ("text/html", "text/turtle", "application/ld+json")


def render_first_pages(app: Flask) -> dict[tuple[str, str, str], int]:
    """Render, before granian forks its workers, one page of each kind of resource, its list
    and the home page, in each interface language, and one document per format: what the
    first page of each kind costs once (Jinja's compiled templates, the message catalogues,
    imports and caches filled at first use; 90 ms of CPU for the first city page at S, 4 ms
    for the next) is then done here once and shared, instead of again in every worker after
    the fork. The app is called behind its response cache, so nothing is kept there; a page
    that fails is logged and skipped (the worker renders it when asked). The status of each
    (path, Accept, Accept-Language) asked."""
    from werkzeug.test import Client

    from citydip_ld.iris import KINDS, normalise_base
    from citydip_ld.web.i18n import LANGUAGES
    from citydip_ld.web.response_cache import ResponseCacheMiddleware

    inner = app.wsgi_app
    client = Client(inner.app if isinstance(inner, ResponseCacheMiddleware) else inner)
    base = normalise_base(str(app.config["BASE"]))
    paths = ["/"]
    with app.app_context():
        for kind in KINDS:
            first = get_listing(base, kind).page(0, 1)
            paths.append(f"/doc/{kind}/")
            paths += [f"/doc/{kind}/{iri.rsplit('/', 1)[1]}" for iri in first]
    asked = [(p, "text/html", lang) for p in paths for lang in LANGUAGES]
    asked += [(p, fmt, LANGUAGES[0]) for p in paths[2:3] for fmt in FIRST_PAGE_FORMATS[1:]]
    statuses = {}
    for path, accept, lang in asked:
        headers = {"Accept": accept, "Accept-Language": lang}
        try:
            statuses[path, accept, lang] = client.get(path, headers=headers).status_code
        except Exception:  # never fatal: the worker renders it when asked
            logging.getLogger(__name__).exception("could not render %s before the fork", path)
    return statuses


def return_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`; elsewhere
    nothing): the rows the warm-up read and dropped leave free memory between what it kept,
    which the process would otherwise hold for good."""
    from citydip_ld.c_library import malloc_trim

    trim = malloc_trim()
    if trim is not None:  # glibc
        trim(0)


def start_warm_up(app: Flask) -> None:
    """Run `warm_up` for `app` in a background (daemon) thread."""
    import threading

    threading.Thread(
        target=_warm_up_in_background, args=(app,), name="citydip-warm-up", daemon=True
    ).start()


def _warm_up_in_background(app: Flask) -> None:
    """`warm_up`, ended by a store that cannot be read now (a store folder missing, a remote
    store down) with one line in the log, not a traceback: the server answers 503 meanwhile,
    and what the warm-up computes is computed when first asked."""
    try:
        warm_up(app)
    except CitydipError as exc:
        logging.getLogger(__name__).warning(
            "warm-up stopped: %s; what it computes is computed when first asked", exc
        )


def create_warm_app(test_config: dict[str, Any] | None = None) -> Flask:
    """`create_app`, with `warm_up` started in the background (what a server runs; picklable
    as `functools.partial(create_warm_app, config)` for granian's worker)."""
    app = create_app(test_config)
    start_warm_up(app)
    return app
