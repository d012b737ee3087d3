"""Blueprint: `/search?q=…`, an HTML page or JSON by content negotiation.

The work is `citydip_ld.stores.search_index` (built once per store, `context.get_search_index`);
this route checks the parameters, pages the hits and renders them. Parameters: `q` (the text,
normalised as readers type it: `citydip_ld.normalise`), `kind` (one kind's IRI segment),
`page` (from 1), `limit` (results a page, 1 to 100), `format` (`html` or `json`, else
`Accept`), `lang`. Results are counted up to COUNTED (or as far as the page asked for; beyond,
the total is a lower bound) and at most the first MAX_RESULTS are paged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request

from citydip_ld.conneg import HTML, Format, negotiate
from citydip_ld.iris import KINDS
from citydip_ld.stores.search_index import Hit
from citydip_ld.web.context import get_search_index
from citydip_ld.web.i18n import LANGUAGES, translate
from citydip_ld.web.pages import dataset_base, lang_from_query, local_href, ui_lang

bp = Blueprint("search", __name__)

JSON = Format("json", "application/json", None)
OFFERED = (HTML, JSON)
#: Results a page unless `limit=` says otherwise, and the most it may ask for.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: Results counted for a query's first pages ("more than 100" beyond): a query costs the
#: results it gathers, so the count stops here unless a later page needs more.
COUNTED = 100
#: Results paged for one query (a search engine's "about 1,000+").
MAX_RESULTS = 1000
#: Longest query in characters (400 beyond).
MAX_QUERY = 200


def _number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"`{name}` must be a whole number from {low} to {high}.")
    return int(raw)


def _format() -> Format:
    asked = request.args.get("format")
    if asked:
        chosen = next((f for f in OFFERED if f.name == asked.strip().lower()), None)
        if chosen is None:
            abort(400, description="`format` must be html or json.")
        return chosen
    fmt = negotiate(request.headers.get("Accept"), OFFERED)
    if fmt is None:
        abort(406, description="Offered here: text/html, application/json.")
    return fmt


def _page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return f"{request.script_root}{request.path}?{urlencode(args)}"


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "iri": hit.resource.iri,
        "kind": hit.resource.kind,
        "kindLabels": {lang: translate(f"kind.{hit.resource.kind}", lang) for lang in LANGUAGES},
        "labels": hit.resource.labels,
        "match": hit.match,
        "matched": {"value": hit.text, "lang": hit.lang or None},
        "href": local_href(hit.resource.iri),
    }


def _parameters() -> tuple[str, str | None, int, int]:
    """(q, kind, page, limit) from the query string; 400 for anything out of range."""
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY:
        abort(400, description=f"`q` is longer than {MAX_QUERY} characters.")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, description=f"Unknown kind {kind[:40]!r}; use one of: {', '.join(KINDS)}.")
    size = _number("limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _number("page", 1, 1, MAX_RESULTS)
    if (page - 1) * size >= MAX_RESULTS:
        abort(400, description=f"Only the first {MAX_RESULTS} results are paged.")
    return query, kind, page, size


def _body(
    fmt: Format, query: str, kind: str | None, page: int, size: int
) -> tuple[str, dict[str, str]]:
    """The answer's body in `fmt` and its neighbouring pages (`prev`, `next`)."""
    wanted = min(max(page * size, COUNTED), MAX_RESULTS)
    hits, more = (
        get_search_index(dataset_base()).search(query, kind, wanted) if query else ([], False)
    )
    shown = hits[(page - 1) * size : page * size]
    neighbours = {}
    if page > 1:
        neighbours["prev"] = _page_url(page - 1)
    if page * size < len(hits) or (more and page * size < MAX_RESULTS):
        neighbours["next"] = _page_url(page + 1)
    if fmt is JSON:
        data = {
            "query": query,
            "kind": kind,
            "page": page,
            "limit": size,
            "total": len(hits),
            "totalIsLowerBound": more,
            "results": [_hit_json(hit) for hit in shown],
            "next": neighbours.get("next"),
            "prev": neighbours.get("prev"),
        }
        return json.dumps(data, ensure_ascii=False), neighbours
    html = render_template(
        "search.html",
        query=query,
        kind=kind,
        hits=shown,
        first=(page - 1) * size + 1,
        total=len(hits),
        more=more,
        neighbours=neighbours,
        lang=ui_lang(),
    )
    return html, neighbours


@bp.route("/search")
def search() -> Response:
    fmt = _format()
    body, neighbours = _body(fmt, *_parameters())
    content_type = "application/json" if fmt is JSON else "text/html"
    response = Response(body, content_type=f"{content_type}; charset=utf-8")
    vary = ["Accept"] if not request.args.get("format") else []
    if fmt is HTML and not lang_from_query():
        vary.append("Accept-Language")
    if vary:
        response.headers["Vary"] = ", ".join(vary)
    if neighbours:
        response.headers["Link"] = ", ".join(
            f'<{url}>; rel="{rel}"' for rel, url in sorted(neighbours.items())
        )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
