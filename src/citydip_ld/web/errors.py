"""One error body shape for the whole web layer.

JSON `{"error": {"status": N, "title": "...", "detail": "..."}}`, or the same three fields as
text/plain when the client prefers text, with `Cache-Control: no-store`. Never a traceback.
Waitress's own refusals (413, 431, 400 before the app runs) have the same shape
(`citydip_ld.slow_clients.RefusalTask`).

Statuses for the core's SPARQL errors (see `citydip_ld.sparql.protocol`):

- syntax error, bad protocol request, result-row limit exceeded: 400
- SPARQL Update on this read-only endpoint: 403
- no acceptable result format: 406
- POST body in an unsupported media type or charset: 415
- query longer than MAX_QUERY_LENGTH, answer over RESULT_LIMIT rows or RESULT_MAX_BYTES: 400
- SERVICE to an endpoint not on the allow-list (whatever the spelling): 403
- an allowed SERVICE endpoint failed: 502 (what it said is never quoted)
- the engine could not evaluate the query (no connection made): 400; a worker crashed: 500
- query time limit hit: 503; query over its memory budget: 503
- every SPARQL slot busy (QUERY_CONCURRENCY) or every worker busy: 503 with Retry-After
- remote store unreachable or busy: 503; remote store failed (5xx, bad answer, wrong URL): 502
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from citydip_ld.errors import (
    LoadError,
    QueryError,
    QueryLimitError,
    RemoteStoreError,
    StoreUnavailableError,
)
from citydip_ld.sparql.federation import ServiceRefusedError
from citydip_ld.sparql.protocol import (
    FederatedEndpointError,
    NotAcceptableError,
    QueryEvaluationError,
    QueryMemoryError,
    QueryOverloadError,
    QueryTimeoutError,
    QueryWorkerDiedError,
    ResultLimitError,
    UnsupportedMediaTypeError,
    UpdateRefusedError,
)

#: The core's SPARQL errors as (status, title); the most specific class wins.
QUERY_ERROR_STATUSES: tuple[tuple[type[Exception], int, str], ...] = (
    (UpdateRefusedError, 403, "Read-only endpoint"),
    (ServiceRefusedError, 403, "Federated query refused"),
    (NotAcceptableError, 406, "Not Acceptable"),
    (UnsupportedMediaTypeError, 415, "Unsupported Media Type"),
    (FederatedEndpointError, 502, "Federated endpoint failed"),
    (QueryWorkerDiedError, 500, "Query worker failed"),
    (QueryEvaluationError, 400, "Query evaluation failed"),
    (QueryTimeoutError, 503, "Query timeout"),
    (QueryMemoryError, 503, "Query memory limit"),
    (QueryOverloadError, 503, "SPARQL endpoint busy"),
    (ResultLimitError, 400, "Result limit exceeded"),
    (QueryLimitError, 503, "Query limit reached"),
    (QueryError, 400, "Bad SPARQL request"),
    (StoreUnavailableError, 503, "Store unavailable"),
    (RemoteStoreError, 502, "Bad Gateway"),
)


def wants_text() -> bool:
    """True when the client prefers text/plain over JSON for an error body."""
    accept = request.accept_mimetypes
    if not accept:
        return False
    best = accept.best_match(["application/json", "text/plain"])
    return best == "text/plain"


def error_response(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """The error body in its one shape, as JSON or text/plain per the Accept header."""
    if wants_text():
        body = f"{status} {title}\n\n{detail}\n"
        response = Response(body, status=status, content_type="text/plain; charset=utf-8")
    else:
        payload = {"error": {"status": status, "title": title, "detail": detail}}
        response = Response(
            json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
        )
    for name, value in headers:
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


def query_error_status(error: Exception) -> tuple[int, str]:
    for cls, status, title in QUERY_ERROR_STATUSES:
        if isinstance(error, cls):
            return status, title
    return 500, "Internal Server Error"


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if isinstance(error, InternalServerError):
        # The original exception is logged by Flask; the client never sees its text.
        return error_response(
            500,
            "Internal Server Error",
            "the server hit an unexpected error; it has been logged",
        )
    kept = [(name, value) for name, value in error.get_headers() if name.lower() == "allow"]
    return error_response(status, error.name, error.description or error.name, headers=kept)


def _query_error(error: QueryError | QueryLimitError | RemoteStoreError) -> Response:
    status, title = query_error_status(error)
    if status == 500:
        current_app.logger.warning(
            "SPARQL evaluation error: %s", getattr(error, "detail", "") or error
        )
    elif status in (502, 503) and isinstance(error, RemoteStoreError):
        current_app.logger.error("remote store: %s", error)
    retry_after = getattr(error, "retry_after", None)
    headers = [("Retry-After", str(retry_after))] if retry_after else []
    return error_response(status, title, str(error), headers=headers)


def _load_error(error: LoadError) -> Response:
    # An operator's mistake (no build, unreadable dump): say so without the server's paths.
    current_app.logger.error("dataset not available: %s", error)
    return error_response(
        503,
        "Dataset unavailable",
        "the dataset is not loaded on this server; its operator must run `citydip-ld build` "
        "(see the server log)",
    )


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors and the core's SPARQL errors in the one body shape."""
    app.register_error_handler(HTTPException, _http_error)  # 4xx and 5xx alike
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(QueryLimitError, _query_error)
    app.register_error_handler(RemoteStoreError, _query_error)
    app.register_error_handler(LoadError, _load_error)
