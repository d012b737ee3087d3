"""Blueprint: `/reconcile`, a reconciliation service (W3C Entity Reconciliation Community
Group, Reconciliation Service API 0.2) for OpenRefine and other clients.

Thin: the matching, scoring, data extension and suggest answers are
`citydip_ld.stores.reconciliation` and `citydip_ld.stores.data_extension`; this module reads
the parameters and writes JSON (or the preview's HTML).

- `GET /reconcile`: the service manifest. `queries=` (GET, or a POST form field, as OpenRefine
  sends it): a reconciliation batch of at most RECONCILE_MAX_BATCH queries (setting, default
  100); `extend=` (GET or POST form): data extension for as many ids.
- `/reconcile/suggest/entity|type|property?prefix=&cursor=`: suggest;
  `/reconcile/properties?type=&limit=`: the properties proposed for data extension;
  `/reconcile/preview?id=`: an HTML card of an entity for the client's iframe.
- `lang=fa|en` on any of them: names in that language (reconciliation: default, each
  candidate in the language its name matched; the preview: `Accept-Language`; others:
  English).
- CORS: every answer, errors and preflights included, carries
  `Access-Control-Allow-Origin: *` (the spec requires CORS on every endpoint). JSONP, which
  the spec leaves optional, is not offered: a `callback` parameter is ignored and the answer
  stays JSON (a script from another origin never runs our answer; CORS serves every client
  since OpenRefine 3.3).
- A client mistake (malformed JSON, too many queries or ids, too long a query, an unknown type
  or property) is a 400 in the app's one error shape, never a 500.
- The preview may be framed by any page (`frame-ancestors *`, so OpenRefine can show it in its
  iframe); otherwise it has the pages' policy: no script, only our own stylesheet.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from citydip_ld import __version__
from citydip_ld.stores.data_extension import (
    extend,
    parse_extension,
    propose_properties,
    suggest_entities,
    suggest_properties,
    suggest_types,
)
from citydip_ld.stores.entity_facts import TYPES, read_facts
from citydip_ld.stores.reconciliation import (
    ReconciliationError,
    parse_batch,
    parse_types,
    reconcile_batch,
    resources_by_iri,
)
from citydip_ld.web.context import get_search_index, get_store
from citydip_ld.web.errors import error_response
from citydip_ld.web.i18n import LANGUAGES
from citydip_ld.web.pages import dataset_base, lang_from_query, ui_lang
from citydip_ld.web.security_headers import HTML_POLICY

bp = Blueprint("reconcile", __name__)

#: Queries a batch (and ids a data extension request) may hold unless RECONCILE_MAX_BATCH says.
DEFAULT_MAX_BATCH = 100
#: The preview card's size in pixels (the manifest tells clients).
PREVIEW_WIDTH = 400
PREVIEW_HEIGHT = 160
#: The preview's policy: the pages' one, but any page may frame it.
PREVIEW_POLICY = HTML_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
CORS_ALLOW_HEADERS = "Accept, Accept-Language, Content-Type"
CORS_MAX_AGE = 86400


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


@bp.errorhandler(ReconciliationError)
def _client_error(error: ReconciliationError) -> Response:
    return error_response(400, "Bad reconciliation request", str(error))


def _json(data: Any) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )


def _lang() -> str | None:
    """`lang=` if it names one of our languages, else None (a bad value is not an error)."""
    asked = request.values.get("lang", "")
    return asked if asked in LANGUAGES else None


def _max_batch() -> int:
    return max(int(current_app.config.get("RECONCILE_MAX_BATCH") or DEFAULT_MAX_BATCH), 1)


def _parameter(name: str) -> str | None:
    """A parameter from the query string or a POST form (too long ones are cut by the
    request size limit before they get here)."""
    value = request.values.get(name)
    return value if value is None else str(value)


def manifest() -> dict[str, Any]:
    """The service manifest: identifiers are our entity IRIs, so `view` is the IRI itself."""
    base = dataset_base()
    service = f"{base}reconcile"
    lang = _lang() or "en"
    query = f"lang={lang}&" if _lang() else ""

    def suggest(path: str) -> dict[str, str]:
        return {"service_url": service, "service_path": path}

    return {
        "versions": ["0.2"],
        "name": "citydip-ld: Iranian city diplomacy" + (" (fa)" if lang == "fa" else ""),
        "identifierSpace": f"{base}id/",
        "schemaSpace": f"{base}ontology#",
        "documentation": base,
        "serviceVersion": __version__,
        "defaultTypes": [{"id": kind, "name": names[lang]} for kind, names in TYPES.items()],
        "view": {"url": "{{id}}"},
        "preview": {
            "url": f"{service}/preview?{query}id={{{{id}}}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            "entity": suggest("/suggest/entity"),
            "type": suggest("/suggest/type"),
            "property": suggest("/suggest/property"),
        },
        "extend": {"propose_properties": suggest("/properties"), "property_settings": []},
        "batchSize": _max_batch(),
    }


@bp.route("/reconcile", methods=["GET", "POST"])
def endpoint() -> Response:
    queries, extension = _parameter("queries"), _parameter("extend")
    base = dataset_base()
    if queries is not None and extension is not None:
        raise ReconciliationError("Send `queries` or `extend`, not both in one request.")
    if queries is not None:
        batch = parse_batch(queries, _max_batch())
        index = get_search_index(base)
        return _json(reconcile_batch(index, get_store(), base, batch, _lang()))
    if extension is not None:
        ids, pids = parse_extension(extension, _max_batch())
        return _json(extend(get_store(), base, ids, pids, _lang() or "en"))
    return _json(manifest())


def _cursor() -> int:
    raw = request.args.get("cursor", "") or "0"
    if not raw.isascii() or not raw.isdigit():
        raise ReconciliationError("`cursor` must be a whole number (suggestions to skip).")
    return int(raw)


def _prefix() -> str:
    prefix = request.args.get("prefix", "")
    if len(prefix) > 200:
        raise ReconciliationError("`prefix` is longer than 200 characters.")
    return prefix


@bp.route("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    kinds = parse_types(request.args.getlist("type") or None, "suggest")
    index = get_search_index(dataset_base())
    prefix = _prefix()
    known = resources_by_iri(index).get(prefix.strip())
    if known is not None and (not kinds or known.kind in kinds):
        prefix = known.labels.get(_lang() or "en") or prefix
    return _json(suggest_entities(index, prefix, kinds, _cursor()))


@bp.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    return _json(suggest_types(_prefix(), _lang() or "en"))


@bp.route("/reconcile/suggest/property")
def suggest_property() -> Response:
    return _json(suggest_properties(_prefix(), _lang() or "en"))


@bp.route("/reconcile/properties")
def properties() -> Response:
    kind = request.args.get("type") or None
    raw = request.args.get("limit", "")
    if raw and (not raw.isascii() or not raw.isdigit() or int(raw) < 1):
        raise ReconciliationError("`limit` must be a positive whole number.")
    return _json(propose_properties(kind, int(raw) if raw else None, _lang() or "en"))


@bp.route("/reconcile/preview")
def preview() -> Response:
    iri = request.args.get("id", "")
    base = dataset_base()
    resource = resources_by_iri(get_search_index(base)).get(iri)
    if resource is None or resource.kind not in TYPES:
        abort(404, description=f"No entity {iri[:200]!r} here; ids are our entity IRIs.")
    store = get_store()
    facts = read_facts(store, base, [iri]).get(iri)
    countries = read_facts(store, base, facts.country) if facts else {}
    lang = ui_lang()
    html = render_template(
        "reconcile_preview.html",
        lang=lang,
        resource=resource,
        type_name=TYPES[resource.kind][lang],
        facts=facts,
        countries=[c.labels.get(lang) or c.labels.get("en", "") for c in countries.values()],
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    if not lang_from_query():
        response.vary.add("Accept-Language")
    return response
