"""Blueprint: the SPARQL 1.1 Protocol endpoint at `/sparql` (thin: `citydip_ld.sparql.protocol`).

CORS: any origin may query (GET, POST) and read the answer, errors included; the preflight
(OPTIONS) allows the headers SPARQL clients send (`Content-Type: application/sparql-query`,
`Accept`). No credentials: the endpoint is public and read-only, nothing depends on cookies.

GET answers are kept by the response cache (`response_cache`) like any page, except those of
queries that mention SERVICE (`Cache-Control: no-store`): a federated answer is not a function
of the release.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MIMEAccept

from citydip_ld.conneg import FORMATS as DOCUMENT_FORMATS
from citydip_ld.sparql.protocol import (
    DEFAULT_MAX_REQUEST_BODY,
    GRAPH_FORMATS,
    NotAcceptableError,
    accept_for,
    choose_formats,
    negotiate,
    parse_request,
    plan_job,
)
from citydip_ld.web.context import get_query_gate, get_statistics, get_store, sparql_endpoint
from citydip_ld.web.documents import serialize
from citydip_ld.web.service_description import describe_service
from citydip_ld.web.void import dataset_iri

bp = Blueprint("sparql_routes", __name__)

#: The formats the service description is offered in (keys of `GRAPH_FORMATS`).
_SD_FORMATS = frozenset({"turtle", "ntriples", "rdfxml", "jsonld"})


@bp.before_request
def _limit_body() -> None:
    """Read at most MAX_CONTENT_LENGTH bytes of a body (1 MiB unless configured): 413 beyond.

    Waitress has the same limit on the wire; this one holds under any WSGI server.
    """
    if request.max_content_length is None:
        request.max_content_length = DEFAULT_MAX_REQUEST_BODY


#: Request headers a cross-origin client may send (beyond the CORS-safelisted ones).
CORS_ALLOW_HEADERS = "Accept, Accept-Language, Content-Language, Content-Type"
#: Headers a cross-origin script may read besides the safelisted ones.
CORS_EXPOSE_HEADERS = "X-Result-Count, Retry-After, Vary"
#: Seconds a browser may keep a preflight's answer (Chromium keeps it at most 7,200).
CORS_MAX_AGE = 86400


@bp.after_request
def _vary_accept_and_cors(response: Response) -> Response:
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    return response


def _preflight() -> Response:
    """The answer to a CORS preflight: GET and POST from any origin, the SPARQL headers."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
    response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    parsed = parse_request(
        request.method,
        request.headers.get("Content-Type"),
        request.args.to_dict(flat=False),
        request.get_data(cache=False) if request.method == "POST" else b"",
        max_query_length=int(current_app.config["MAX_QUERY_LENGTH"]),
    )
    accept_header, format_param = request.headers.get("Accept"), request.args.get("format")
    if parsed is None:
        return _service_description(accept_for(accept_header, format_param))
    config = current_app.config
    job = plan_job(
        parsed,
        choose_formats(accept_header, format_param),
        base_iri=sparql_endpoint(),
        timeout=float(config["QUERY_TIMEOUT"]),
        result_limit=int(config["RESULT_LIMIT"]),
        result_max_bytes=int(config["RESULT_MAX_BYTES"]),
    )
    with get_query_gate().admit():
        outcome = get_store().run(job)
    response = Response(outcome.body, content_type=outcome.content_type)
    response.headers["X-Result-Count"] = str(outcome.count)
    if _may_be_federated(parsed.query):
        # Another endpoint's answer is not a function of our release: never kept.
        response.headers["Cache-Control"] = "no-store"
    return response


def _may_be_federated(query: str) -> bool:
    """Whether the query may call another endpoint: any mention of SERVICE (case-insensitive;
    in a string or a comment too: a false "yes" only means the answer is not cached)."""
    return "service" in query.lower()


def _service_description(accept: MIMEAccept) -> Response:
    formats = [fmt for fmt in GRAPH_FORMATS if fmt.key in _SD_FORMATS]
    fmt = negotiate(accept, formats)
    if fmt is None:
        offered = ", ".join(f.media_type for f in formats)
        raise NotAcceptableError(f"the service description is RDF; offered: {offered}")
    base = current_app.config["BASE"]
    graph = describe_service(sparql_endpoint(), get_statistics(base), str(dataset_iri(base)))
    if fmt.key == "turtle":  # rdflib's Turtle sorts, and writes the sd: and void: prefixes
        body = graph.serialize(format="turtle", encoding="utf-8")
    else:  # the documents' sorted writer: rdflib's N-Triples, RDF/XML and JSON-LD follow
        # Python's string hashing, so their bytes changed between processes
        document_format = next(f for f in DOCUMENT_FORMATS if f.media_type == fmt.media_type)
        body = serialize([(s, p, o, None) for s, p, o in graph], document_format, base)
    return Response(body, content_type=fmt.content_type)
