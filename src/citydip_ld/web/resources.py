"""Blueprint: dereferencing. `/id/…` answers 303 to its document; documents negotiate.

- `/id/{kind}/{slug}` -> 303 See Other to `/doc/{kind}/{slug}.{ext}` (the negotiated format);
  a former slug -> 301 to the new IRI; unknown -> 404 in the negotiated format.
- `/doc/{kind}/{slug}[.ext]`, `/ontology[.ext]`, `/shapes[.ext]`, `/graph/{name}[.ext]`,
  `/doc/{kind}/` (list), `/.well-known/void[.ext]`: HTML or RDF by `Accept` (q-values,
  wildcards), `?format=` or extension; `Vary: Accept`, `Link` to alternates, ETag and
  Last-Modified with 304, CORS. Nothing acceptable -> 406.
- `/dumps/{file}`: the dataset dumps and `SHA256SUMS`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    request,
    send_from_directory,
)
from rdflib import URIRef
from werkzeug.wrappers import Response as BaseResponse

from citydip_ld.conneg import FORMATS, HTML, RDF_FORMATS, Format, format_by_name, negotiate
from citydip_ld.conneg import split_extension as split_ext
from citydip_ld.iris import KINDS, ontology_namespace
from citydip_ld.rdf.dumps import CHECKSUMS_FILE, DOWNLOAD_FILES
from citydip_ld.stores import describe
from citydip_ld.stores.describe import Quad, TermQuad
from citydip_ld.stores.store import DATASET_FILE
from citydip_ld.web import pages
from citydip_ld.web.context import get_listing, get_statistics, get_store
from citydip_ld.web.documents import OXIGRAPH_FORMATS, document_triples, serialize
from citydip_ld.web.errors import error_response
from citydip_ld.web.pages import Alternate, dataset_base
from citydip_ld.web.void import void_graph

bp = Blueprint("resources", __name__)

#: A slug or graph name: what `data/` allows, with some slack, and never `..` or `/`.
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_~.-]{0,199}$")
MAX_PATH = 2048
CONTEXT_FILE = "context.jsonld"
SERVED_FILES = {**DOWNLOAD_FILES, CHECKSUMS_FILE: "text/plain", CONTEXT_FILE: "application/ld+json"}


@bp.before_request
def _limit_path() -> Response | None:
    if len(request.full_path) > MAX_PATH:
        # Rendered here: the app's error handlers do not cover 414.
        return error_response(
            414,
            "URI Too Long",
            f"The request target is longer than {MAX_PATH} characters.",
        )
    return None


#: CORS headers of every answer of this blueprint (any origin may read documents).
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Expose-Headers",
        "Link, ETag, Last-Modified, Content-Location, Location, Vary",
    ),
)


@bp.after_request
def _cors(response: Response) -> Response:
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    return response


# ---------------------------------------------------------------- negotiation helpers


def requested_format(offered: Sequence[Format], extension: Format | None = None) -> Format | None:
    """The format: extension, else `?format=`, else `Accept`. None: nothing acceptable."""
    if extension is not None:
        return extension
    asked = request.args.get("format")
    if asked:
        fmt = format_by_name(asked)
        if fmt is None or fmt not in offered:
            names = ", ".join(f.name for f in offered)
            abort(400, description=f"Unknown format {asked[:40]!r}; use one of: {names}.")
        return fmt
    return negotiate(request.headers.get("Accept"), offered)


def _written_by_oxigraph(extension: Format | None) -> bool:
    """Whether a document request asks (by extension, `?format=` or `Accept`) for a format
    that Oxigraph writes from the store's own terms (`requested_format`'s rule, without its
    400: a bad `?format=` is answered by the generic route)."""
    fmt = extension
    if fmt is None:
        asked = request.args.get("format")
        fmt = format_by_name(asked) if asked else negotiate(request.headers.get("Accept"))
    return fmt is not None and fmt.rdflib_format in OXIGRAPH_FORMATS


def not_acceptable(offered: Sequence[Format]) -> None:
    types = ", ".join(f.media_type for f in offered)
    abort(406, description=f"None of the requested types is available here; offered: {types}.")


#: Where the app keeps the path of its dataset file (`last_modified`).
DATASET_PATH_KEY = "citydip.dataset_path"


def last_modified() -> datetime | None:
    """When the dataset file was written (None: there is none); its path made once per app."""
    return dataset_modified(current_app)


def dataset_modified(app: Flask) -> datetime | None:
    """`last_modified` of `app`, outside a request (the document route in front of Flask)."""
    path: str | None = app.extensions.get(DATASET_PATH_KEY)
    if path is None:  # a string: `os.stat` without pathlib's conversion, on every document
        path = app.extensions[DATASET_PATH_KEY] = str(
            Path(str(app.config["DATASET_DIR"])) / DATASET_FILE
        )
    try:
        return _from_timestamp(int(os.stat(path).st_mtime))  # noqa: PTH116
    except OSError:
        return None


@functools.lru_cache(maxsize=64)
def _from_timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def alternates(path: str, offered: Sequence[Format]) -> list[Alternate]:
    """The format-specific URLs of the document at `path` (without extension)."""
    return alternate_links(request.script_root, path, offered)


def alternate_links(root: str, path: str, offered: Sequence[Format]) -> list[Alternate]:
    """`alternates` under the site root `root` (the request's script root)."""
    if path.endswith("/"):
        return [Alternate(f.name, f.media_type, f"{root}{path}?format={f.name}") for f in offered]
    return [Alternate(f.name, f.media_type, f"{root}{path}.{f.name}") for f in offered]


def link_header(alts: Sequence[Alternate]) -> str:
    return ", ".join(f'<{a.url}>; rel="alternate"; type="{a.media_type}"' for a in alts)


def document_response(
    fmt: Format,
    body: bytes,
    *,
    alts: Sequence[Alternate],
    negotiated: bool,
    status: int = 200,
) -> Response:
    """A document with its caching, negotiation and alternate headers; 304 when unchanged."""
    response = Response(body, status=status, content_type=fmt.content_type)
    vary = ["Accept"] if negotiated else []
    if fmt is HTML and not pages.lang_from_query():
        vary.append("Accept-Language")
    if vary:
        response.headers["Vary"] = ", ".join(vary)
    if alts:
        response.headers["Link"] = link_header(alts)
        if negotiated:
            chosen = next((a.url for a in alts if a.name == fmt.name), None)
            if chosen:
                response.headers["Content-Location"] = chosen
    if status == 200:
        tag = hashlib.sha256(body).hexdigest()[:32]
        if fmt is HTML:
            tag += "-" + pages.ui_lang()
        response.set_etag(tag)
        modified = last_modified()
        if modified is not None:
            response.last_modified = modified
        response.cache_control.public = True
        response.cache_control.max_age = 300
        response.make_conditional(request)
    return response


def not_found(fmt: Format | None, iri: str, negotiated: bool = True) -> Response:
    """404 in the negotiated format: an HTML page, an empty RDF document, or the JSON error."""
    detail = f"<{iri}> is not a resource of this dataset."
    if fmt is None or fmt.name in {"jsonld"}:
        abort(404, description=detail)
    if fmt is HTML:
        body = pages.render_not_found(iri).encode("utf-8")
    elif fmt.name == "rdf":
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f"<!-- 404 Not Found: {_xml_comment(detail)} -->\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        ).encode()
    else:
        body = f"# 404 Not Found: {_line_comment(detail)}\n".encode()
    return document_response(fmt, body, alts=[], negotiated=negotiated, status=404)


def _xml_comment(text: str) -> str:
    return text.replace("--", "- -").replace("<", "&lt;").replace(">", "&gt;")


def _line_comment(text: str) -> str:
    return " ".join(text.split())


def _passthrough_query() -> str:
    """The query string to carry over a redirect (`lang`, never `format`)."""
    kept = {k: v for k, v in request.args.items() if k == "lang"}
    return f"?{urlencode(kept)}" if kept else ""


def serve_document(
    path: str,
    extension: Format | None,
    quads: Callable[[], list[Quad]],
    *,
    iri: str,
    topic: str | None,
    html: Callable[[list[Quad], list[Alternate]], str] | None,
    offered: Sequence[Format] = FORMATS,
    term_quads: Callable[[], list[TermQuad]] | None = None,
    html_data: Callable[[], Any] | None = None,
) -> Response:
    """Negotiate and serve the document at `path` (no extension) about `topic`; `term_quads`
    gives the same quads in the store's terms, for the formats Oxigraph writes; `html_data`
    (when it gives not None) what `html` needs instead of the quads."""
    if html is None:
        offered = [f for f in offered if f is not HTML]
    fmt = requested_format(offered, extension)
    if fmt is None:
        not_acceptable(offered)
        raise AssertionError  # abort() does not return
    written_by_oxigraph = fmt.rdflib_format in OXIGRAPH_FORMATS
    data: Any = html_data() if html_data is not None and fmt is HTML else None
    if data is None:
        data = term_quads() if term_quads and written_by_oxigraph else quads()
    if not data:
        return not_found(fmt, iri, negotiated=extension is None)
    alts = alternates(path, offered)
    if fmt is HTML:
        assert html is not None
        body = html(data, alts).encode("utf-8")
    else:
        doc_url = f"{dataset_base()}{path.lstrip('/')}"
        body = serialize([*document_triples(doc_url, topic), *data], fmt, dataset_base())
    negotiated = extension is None and not request.args.get("format")
    return document_response(fmt, body, alts=alts, negotiated=negotiated)


# ---------------------------------------------------------------- entity IRIs


def _entity_iri(kind: str, slug: str) -> str | None:
    if kind not in KINDS or not SLUG.fullmatch(slug):
        return None
    return f"{dataset_base()}id/{kind}/{slug}"


@bp.route("/id/<kind>/<slug>")
def identify(kind: str, slug: str) -> BaseResponse:
    """The entity IRI: 303 to its document in the negotiated format."""
    fmt = requested_format(FORMATS)
    iri = _entity_iri(kind, slug) or f"{dataset_base()}id/{kind}/{slug}"
    if fmt is None:
        not_acceptable(FORMATS)
        raise AssertionError  # abort() does not return
    if _entity_iri(kind, slug) is None:
        return not_found(fmt, iri)
    store = get_store()
    if describe.exists(store, iri):
        target = f"{request.script_root}/doc/{kind}/{slug}.{fmt.name}{_passthrough_query()}"
        response = redirect(target, code=303)
        response.headers["Vary"] = "Accept"
        return response
    new = describe.successor(store, iri, str(ontology_namespace(dataset_base())))
    if new is not None and str(new).startswith(dataset_base()):
        rest = str(new)[len(dataset_base()) :]
        return redirect(f"{request.script_root}/{rest}{_passthrough_query()}", code=301)
    return not_found(fmt, iri)


@bp.route("/doc/<kind>/<name>")
def document(kind: str, name: str) -> BaseResponse:
    """The document about one entity, negotiated or by extension."""
    slug, extension = split_ext(name)
    iri = _entity_iri(kind, slug)
    if iri is None:
        return not_found(requested_format(FORMATS, extension), f"{dataset_base()}id/{kind}/{slug}")
    store = get_store()
    described: list[describe.Description] = []

    def quads() -> list[Quad]:
        description = describe.describe(store, iri)
        described.append(description)
        return description.quads if description else []

    # A format Oxigraph writes: the description is read once, and says whether it exists.
    found = describe.describe_terms(store, iri)[0] if _written_by_oxigraph(extension) else []
    if not found and not describe.exists(store, iri):
        new = describe.successor(store, iri, str(ontology_namespace(dataset_base())))
        if new is not None and str(new).startswith(f"{dataset_base()}id/"):
            rest = str(new)[len(dataset_base()) + 3 :]
            suffix = f".{extension.name}" if extension else ""
            return redirect(
                f"{request.script_root}/doc/{rest}{suffix}{_passthrough_query()}", code=301
            )
    return serve_document(
        f"/doc/{kind}/{slug}",
        extension,
        quads,
        term_quads=(lambda: found) if found else lambda: describe.describe_terms(store, iri)[0],
        html_data=lambda: pages.record_page(iri),
        iri=iri,
        topic=iri,
        html=lambda data, alts: pages.render_resource(
            iri, data, alts, more_incoming=bool(described) and described[0].more_incoming
        ),
    )


@bp.route("/id/<kind>/")
def identify_kind(kind: str) -> BaseResponse:
    if kind not in KINDS:
        return not_found(requested_format(FORMATS), f"{dataset_base()}id/{kind}/")
    return redirect(f"{request.script_root}/doc/{kind}/{_passthrough_query()}", code=303)


#: Resources per page of a kind's list (`/doc/city/?page=2`).
LIST_PAGE_SIZE = 1000


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 10**9:
        abort(400, description=f"page must be a positive whole number, not {raw[:20]!r}.")
    return int(raw)


@bp.route("/doc/<kind>/")
def list_kind(kind: str) -> BaseResponse:
    """The resources of one kind, with their labels, a page of LIST_PAGE_SIZE at a time."""
    prefix = f"{dataset_base()}id/{kind}/"
    if kind not in KINDS:
        return not_found(requested_format(FORMATS), prefix)
    page = _page_number()
    listing = get_listing(dataset_base(), kind)
    total = len(listing)
    pages_total = max(1, -(-total // LIST_PAGE_SIZE))
    start = (page - 1) * LIST_PAGE_SIZE
    items = describe.items(get_store(), listing.page(start, start + LIST_PAGE_SIZE))

    def quads() -> list[Quad]:
        from rdflib import Literal
        from rdflib.namespace import RDFS

        out: list[Quad] = []
        for item in items:
            for lang, text in item.labels.items():
                out.append(
                    (URIRef(str(item.iri)), RDFS.label, Literal(text, lang=lang or None), None)
                )
        return out

    neighbours = {
        rel: f"{request.script_root}/doc/{kind}/?{urlencode({**request.args, 'page': n})}"
        for rel, n in (("prev", page - 1), ("next", page + 1))
        if 1 <= n <= pages_total
    }
    response = serve_document(
        f"/doc/{kind}/",
        None,
        quads,
        iri=prefix,
        topic=None,
        html=lambda _data, alts: pages.render_list(
            kind, items, alts, page=page, pages=pages_total, total=total, neighbours=neighbours
        ),
        offered=[f for f in FORMATS if not f.quads],
        html_data=lambda: items or None,  # the page is made from the items, not from quads
    )
    for rel, url in neighbours.items():
        response.headers.add("Link", f'<{url}>; rel="{rel}"')
    return response


@bp.route("/id/<path:rest>")
@bp.route("/doc/<path:rest>")
def unknown(rest: str) -> BaseResponse:
    """Anything else under `/id/` or `/doc/` (nested, traversal, odd characters): 404."""
    return not_found(requested_format(FORMATS), f"{dataset_base()}id/{rest[:200]}")


# ---------------------------------------------------------------- graphs: ontology, shapes


def _graph_document(name: str, path: str, extension: Format | None) -> BaseResponse:
    """A named graph as a document; the ontology and the shapes also have an HTML page."""
    graph = f"{dataset_base()}graph/{name}"
    topic = f"{dataset_base()}{path.lstrip('/')}" if name in {"ontology", "shapes"} else graph
    return serve_document(
        path,
        extension,
        lambda: describe.graph_quads(get_store(), graph),
        iri=topic,
        topic=topic,
        html={"ontology": pages.render_ontology, "shapes": pages.render_shapes}.get(name),
    )


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
def ontology(ext: str | None = None) -> BaseResponse:
    return _graph_document("ontology", "/ontology", _extension(ext))


@bp.route("/shapes")
@bp.route("/shapes.<ext>")
def shapes(ext: str | None = None) -> BaseResponse:
    return _graph_document("shapes", "/shapes", _extension(ext))


@bp.route("/graph/<name>")
def named_graph(name: str) -> BaseResponse:
    stem, extension = split_ext(name)
    if not SLUG.fullmatch(stem):
        return not_found(requested_format(FORMATS, extension), f"{dataset_base()}graph/{stem}")
    return _graph_document(stem, f"/graph/{stem}", extension)


def _extension(ext: str | None) -> Format | None:
    if ext is None:
        return None
    fmt = format_by_name(ext) if ext in {f.name for f in FORMATS} else None
    if fmt is None:
        abort(404, description=f"No document format with extension {ext[:20]!r}.")
    return fmt


# ---------------------------------------------------------------- dataset description, dumps


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<ext>")
def void(ext: str | None = None) -> BaseResponse:
    """VoID + DCAT description of the dataset and its dumps (RDF only)."""
    extension = _extension(ext)
    if extension is HTML:
        abort(404, description="The dataset description is RDF only; see the home page.")
    base = dataset_base()

    def quads() -> list[Quad]:
        statistics = get_statistics(base)
        graph = void_graph(
            base,
            pages.dumps(),
            triples=statistics.triples,
            entities=statistics.entities,
            class_counts={URIRef(c): n for c, n in statistics.classes.items()},
            graphs=[URIRef(g) for g in statistics.graphs],
        )
        return [(s, p, o, None) for s, p, o in graph]

    return serve_document(
        "/.well-known/void",
        extension,
        quads,
        iri=f"{base}.well-known/void",
        topic=None,
        html=None,
        offered=RDF_FORMATS,
    )


@bp.route("/dumps/<name>")
def dump(name: str) -> BaseResponse:
    """A dump file of the dataset (only the known names; nothing else is reachable)."""
    media_type = SERVED_FILES.get(name)
    directory = Path(str(current_app.config["DATASET_DIR"]))
    if media_type is None or not (directory / name).is_file():
        abort(404, description=f"No dump {name[:60]!r}; see /.well-known/void for the list.")
    response = send_from_directory(
        directory.resolve(), name, mimetype=media_type, conditional=True, max_age=300
    )
    if media_type.startswith("text/") or name.endswith((".nq", ".nt", ".trig")):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    # max-age says it (and wins over Expires); an Expires date would be replayed stale by
    # the response cache.
    del response.headers["Expires"]
    return response
