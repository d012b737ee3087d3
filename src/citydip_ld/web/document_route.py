"""The document route in front of Flask (a WSGI middleware): the RDF documents of the
dataset's resources and the 303s of their IRIs, without Flask's request machinery.

A cold document spends as much time in Flask and werkzeug (request context, routing, the
`Response` object and its header structure, the after-request hooks) as in reading and
writing its triples. `DocumentRoute` answers the common case itself and hands every other
request, unchanged, to the app behind it:

- `GET` or `HEAD` of `/doc/{kind}/{slug}[.ext]` in a format Oxigraph writes (Turtle,
  RDF/XML, N-Triples, N-Quads, TriG; by extension or `Accept`), for a resource the store's
  index in this process knows: the document, with the headers `resources.document`
  sends (`Content-Type`, `Vary`, `Link`, `Content-Location`, `ETag`, `Last-Modified`,
  `Cache-Control`, `Date`, CORS and the security headers), in the same order;
- `GET` or `HEAD` of `/id/{kind}/{slug}` for a resource the index knows: the 303 See Other
  to its document in the negotiated format, with `resources.identify`'s body and headers.

Flask's route answers everything else: a query string (`?format=`, `?lang=`), conditional
or range requests, HTML and JSON-LD, unknown or renamed resources (404, 301), nothing
acceptable (406), a remote store, a store not opened yet, a site root with characters that
would need quoting, and any store error (so its 503 has the app's one error body). The
bytes and headers are the Flask route's: `tests/test_document_route.py` compares both on
every resource of the shipped data in many request variants. The response cache
(`response_cache`) stays in front of this route, so a warm answer never reaches it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.http import http_date
from werkzeug.utils import redirect

from citydip_ld.conneg import FORMATS, Format, negotiate, split_extension
from citydip_ld.errors import CitydipError
from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.stores import describe
from citydip_ld.stores.quad_table import quick_reads, reading_quickly
from citydip_ld.stores.table_description import table_description, tables_ready
from citydip_ld.web.context import STORE_KEY
from citydip_ld.web.documents import OXIGRAPH_FORMATS, serialize_document, serialize_lines
from citydip_ld.web.resources import (
    CORS_HEADERS,
    SLUG,
    alternate_links,
    dataset_modified,
    link_header,
)
from citydip_ld.web.security_headers import COMMON_HEADERS, NON_HTML_POLICY, page_policy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Request headers that make an answer conditional or partial: the Flask route answers them.
CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)
#: A site root (SCRIPT_NAME) werkzeug passes through unquoted into `Location` and
#: `Content-Location`; any other is left to the Flask route.
_PLAIN_ROOT = re.compile(r"[A-Za-z0-9_~./-]*")
#: Flask settings under which a request's host matters; with either set, Flask answers.
_HOST_SETTINGS = ("SERVER_NAME", "TRUSTED_HOSTS")

Answer = tuple[str, list[tuple[str, str]], bytes]


class DocumentRoute:
    """WSGI middleware answering documents and IRIs of resources before `app` (the Flask
    app's `wsgi_app`; `flask_app` gives its settings and store). See the module docstring."""

    def __init__(self, app: WSGIApplication, flask_app: Flask) -> None:
        self.app = app
        self.flask_app = flask_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answered = self._respond(self.answer(environ), environ, start_response)
        return self.app(environ, start_response) if answered is None else answered

    def quick(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes] | None:
        """`__call__` for a front that runs this route where waiting is costly (granian's
        event loop, `citydip_ld.granian_front`), which has made sure the store answers here
        (`answers_here`): the answer when this route gives it without a long wait on the disk
        (a store folder's table blocks are read as `quad_table.quick_reads` says; its store
        lookups are not made), else None, nothing sent (the app behind must answer, on a
        thread)."""
        with quick_reads():
            found = self.answer(environ)
        return self._respond(found, environ, start_response)

    @staticmethod
    def _respond(
        found: Answer | None, environ: WSGIEnvironment, start_response: StartResponse
    ) -> list[bytes] | None:
        if found is None:
            return None
        status, headers, body = found
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def answers_here(self) -> bool:
        """Whether the app's store answers in this process without waiting: the built
        dataset, loaded already, or a store folder whose live generation and its resource and
        label tables are open already (`table_description.tables_ready`: a document is then
        text from the tables, one block from the page cache). Not a store not opened yet
        (opening is a wait), a remote store (its lookups are HTTP requests) nor a store folder
        without its tables (its lookups read the disk, a wait a pool thread takes without
        stalling the loop: at world M, answered on the loop, cold documents were no faster
        and waited longer at eight connections)."""
        store = self.flask_app.extensions.get(STORE_KEY)
        if store is None:
            return False
        return getattr(store, "in_memory", False) is True or tables_ready(store)

    def answer(self, environ: WSGIEnvironment) -> Answer | None:
        """The answer to `environ`, or None when the Flask route must give it."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return None
        parts = str(environ.get("PATH_INFO", "")).split("/")
        if len(parts) != 4 or parts[0] or parts[1] not in ("doc", "id") or parts[2] not in KINDS:
            return None
        root = str(environ.get("SCRIPT_NAME", "")).rstrip("/")
        if any(name in environ for name in CONDITIONAL) or not _PLAIN_ROOT.fullmatch(root):
            return None
        config = self.flask_app.config
        store = self.flask_app.extensions.get(STORE_KEY)
        if store is None or any(config.get(name) for name in _HOST_SETTINGS):
            return None
        base = normalise_base(str(config["BASE"]))
        try:
            if parts[1] == "id":
                return self._see_other(environ, store, base, root, parts[2], parts[3])
            return self._document(environ, store, base, root, parts[2], parts[3])
        except (CitydipError, OSError):  # the Flask route answers with the app's error body
            return None

    def _document(
        self,
        environ: WSGIEnvironment,
        store: describe.Queryable,
        base: str,
        root: str,
        kind: str,
        name: str,
    ) -> Answer | None:
        """`resources.document` for a format Oxigraph writes, of a resource the index has."""
        slug, extension = split_extension(name)
        fmt = extension or negotiate(environ.get("HTTP_ACCEPT"), FORMATS)
        if fmt is None or fmt.rdflib_format not in OXIGRAPH_FORMATS or not SLUG.fullmatch(slug):
            return None
        iri = f"{base}id/{kind}/{slug}"
        path = f"/doc/{kind}/{slug}"
        lines = table_description(store, iri)  # a store folder's tables: text, no quads
        if lines is not None:
            if not lines[0]:
                return None
            body = serialize_lines(f"{base}{path[1:]}", iri, lines[0], fmt, base)
        else:
            if reading_quickly() and not getattr(store, "in_memory", False):
                return None  # a store folder's lookups may wait on the disk: for a thread
            described = describe.index_description(store, iri)
            if not described or not described[0]:
                return None
            body = serialize_document(f"{base}{path[1:]}", iri, described[0], fmt, base)
        return "200 OK", self._document_headers(fmt, body, root, path, extension is None), body

    def _document_headers(
        self, fmt: Format, body: bytes, root: str, path: str, negotiated: bool
    ) -> list[tuple[str, str]]:
        """`resources.document_response`'s headers, then the after-request hooks' (CORS,
        security), in the order Flask sends them."""
        headers = [("Content-Type", fmt.content_type), ("Content-Length", str(len(body)))]
        if negotiated:
            headers.append(("Vary", "Accept"))
        headers.append(("Link", path.join(_link_parts(root))))
        if negotiated:
            headers.append(("Content-Location", f"{root}{path}.{fmt.name}"))
        headers.append(("ETag", f'"{hashlib.sha256(body).hexdigest()[:32]}"'))
        modified = dataset_modified(self.flask_app)
        if modified is not None:
            headers.append(("Last-Modified", _http_date(modified)))
        headers += [("Cache-Control", "public, max-age=300"), ("Date", _date_now())]
        headers += _DOCUMENT_TAIL
        return headers

    def _see_other(
        self,
        environ: WSGIEnvironment,
        store: describe.Queryable,
        base: str,
        root: str,
        kind: str,
        slug: str,
    ) -> Answer | None:
        """`resources.identify`'s 303 to the document in the negotiated format."""
        fmt = negotiate(environ.get("HTTP_ACCEPT"), FORMATS)
        if fmt is None or not SLUG.fullmatch(slug):
            return None
        if not describe.exists(store, f"{base}id/{kind}/{slug}"):
            return None
        target = f"{root}/doc/{kind}/{slug}.{fmt.name}"
        body = redirect(target, 303).get_data()  # werkzeug's page, as Flask's route sends
        policy = page_policy(self.flask_app.config.get("MAP_TILES") or None)
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Location", target),
            ("Vary", "Accept"),
            *CORS_HEADERS,
            *COMMON_HEADERS,
            ("Content-Security-Policy", policy),
        ]
        return "303 SEE OTHER", headers, body


#: The headers that close every document, after `Date` (the same for all).
_DOCUMENT_TAIL = (
    *CORS_HEADERS,
    *COMMON_HEADERS,
    ("Content-Security-Policy", NON_HTML_POLICY),
)
#: Marks where a document's path goes in its `Link` header (never in a path: a NUL).
_PATH = "\0"


@functools.lru_cache(maxsize=64)
def _link_parts(root: str) -> list[str]:
    """`link_header(alternate_links(root, path, FORMATS))` cut where `path` goes: joined
    with the path, the same header (each alternate is the root, the path and an extension)."""
    return link_header(alternate_links(root, _PATH, FORMATS)).split(_PATH)


@functools.lru_cache(maxsize=16)
def _http_date(moment: datetime) -> str:
    """`http_date(moment)`, kept for the few moments asked for (the dataset's mtime)."""
    return http_date(moment)


_now: tuple[int, str] = (0, "")


def _date_now() -> str:
    """`http_date()` of now (a whole second), written once a second."""
    global _now
    second = int(time.time())
    known, text = _now
    if known != second:
        text = http_date(second)
        _now = (second, text)
    return text


def install_document_route(app: Flask) -> None:
    """Put the document route in front of `app.wsgi_app` (behind the response cache, which
    `install_response_cache` wraps around it afterwards)."""
    app.wsgi_app = DocumentRoute(app.wsgi_app, app)  # type: ignore[method-assign]
