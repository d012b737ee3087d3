"""The SPARQL 1.1 Protocol without a web framework: request -> job -> serialized answer.

`parse_request` turns an HTTP request's method, content type, URL parameters and body into a
`QueryRequest` (or `None` for a service-description request); `plan_job` negotiates result
formats on the Accept header; `run_job` executes a job on a pyoxigraph store within its time
and row limits and serializes the answer with pyoxigraph's own writers.

Nothing here does I/O except reading the store it is handed; the web layer maps the errors
below to HTTP statuses (see `citydip_ld.web.errors`).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_options_header

from citydip_ld.conneg import best_format, parse_accept
from citydip_ld.errors import QueryError, QueryLimitError
from citydip_ld.sparql import DEFAULT_MAX_REQUEST_BODY as DEFAULT_MAX_REQUEST_BODY

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


# --- errors ---------------------------------------------------------------------------------


class QuerySyntaxError(QueryError):
    """The query does not parse; the message is the parser's."""


class ProtocolError(QueryError):
    """The request breaks the SPARQL protocol (duplicate query, bad encoding, ...)."""


class UnsupportedMediaTypeError(QueryError):
    """A POST body in a media type or charset the protocol does not allow."""


class UpdateRefusedError(QueryError):
    """A SPARQL Update request: this endpoint is read-only."""


class NotAcceptableError(QueryError):
    """No result format the endpoint offers matches the Accept header."""


class QueryEvaluationError(QueryError):
    """The query parsed but failed while running; `detail` is for the server log only."""

    detail: str = ""


class QueryTooLongError(QueryError):
    """The query is longer than the endpoint accepts (MAX_QUERY_LENGTH)."""


class QueryWorkerDiedError(QueryEvaluationError):
    """The process answering the query died (a crash: our fault, web layer: 500)."""


class FederatedEndpointError(QueryEvaluationError):
    """An allowed SERVICE endpoint failed; what it said is not passed on (web layer: 502)."""


class QueryTimeoutError(QueryLimitError):
    """The query ran longer than the configured time limit."""


class ResultLimitError(QueryLimitError):
    """The query returned more rows or triples than the configured result limit."""


class ResultSizeError(ResultLimitError):
    """The answer grew past the configured size in bytes (RESULT_MAX_BYTES)."""


class QueryMemoryError(QueryLimitError):
    """The query needed more memory than a query worker may take (QUERY_MEMORY_LIMIT)."""


class QueryOverloadError(QueryLimitError):
    """Every query worker is busy and the queue is full: try again shortly (503)."""

    retry_after = 2


# --- admission ----------------------------------------------------------------------------


class QueryGate:
    """At most `capacity` protocol queries in progress at once (running or waiting for a
    worker); one more is refused at once with `QueryOverloadError` (503, Retry-After), so
    SPARQL traffic never holds every web thread and pages stay up under query load."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._slots = threading.BoundedSemaphore(capacity)

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise QueryOverloadError(
                f"all {self.capacity} SPARQL query slots are busy; "
                f"try again in {QueryOverloadError.retry_after} seconds"
            )
        try:
            yield
        finally:
            self._slots.release()


# --- formats --------------------------------------------------------------------------------

Kind = Literal["results", "graph"]


@dataclass(frozen=True)
class Format:
    """A result format: a short key (for `?format=`), the Content-Type sent, accepted aliases."""

    key: str
    content_type: str
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0]

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


#: SELECT and ASK answers, in server preference order (the first is the default).
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv; charset=utf-8"),
    Format("tsv", "text/tab-separated-values; charset=utf-8"),
)

#: CONSTRUCT and DESCRIBE answers, in server preference order (the first is the default).
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle; charset=utf-8", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", ("text/plain",)),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
    Format("jsonld", "application/ld+json", ("application/json",)),
    Format("nquads", "application/n-quads"),
    Format("trig", "application/trig"),
    Format("n3", "text/n3; charset=utf-8"),
)

_OX_RESULTS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_OX_RDF = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
}


def negotiate(accept: MIMEAccept, formats: Sequence[Format]) -> Format | None:
    """The format the client prefers: the one rule of `citydip_ld.conneg.best_format`
    (werkzeug's, canonical types first). An absent Accept header means the first (default)
    format; `None` means nothing fits."""
    return best_format(accept, formats)


def accept_for(accept_header: str | None, format_param: str | None) -> MIMEAccept:
    """The Accept preferences: an explicit `format=` parameter (key or media type) wins."""
    if format_param:
        keys = {fmt.key: fmt.media_type for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)}
        # A key names one result format and one graph format at most ("json" is results only).
        wanted = [keys.get(part.strip(), part.strip()) for part in format_param.split(",")]
        return MIMEAccept([(media_type, 1) for media_type in wanted if media_type])
    return parse_accept(accept_header)


def offered_media_types(kind: Kind) -> list[str]:
    return [fmt.media_type for fmt in (RESULT_FORMATS if kind == "results" else GRAPH_FORMATS)]


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    """A SPARQL query and the RDF dataset the protocol asked for (empty tuples: not given)."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _utf8_charset(content_type: str, params: Mapping[str, str]) -> None:
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError(
            f"{content_type}: charset {charset!r} is not supported; send the body as UTF-8"
        )


def _decode_utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"{what} is not valid UTF-8: {exc.reason} at byte {exc.start}"
        ) from None


def parse_request(
    method: str,
    content_type: str | None,
    args: Mapping[str, Sequence[str]],
    body: bytes,
    max_query_length: int | None = None,
) -> QueryRequest | None:
    """Read a protocol request; `None` means "no query": answer with the service description.

    `args` are the URL parameters (each name to all its values). Raises `UpdateRefusedError` for
    any update, `UnsupportedMediaTypeError` for a POST body the protocol does not allow,
    `ProtocolError` for duplicate or missing parameters, `QueryTooLongError` for a query over
    `max_query_length` characters (the longest the query thread's stack is sized for).

    Long because it walks the protocol's cases in one order (update refused, the POST body by
    media type, the method, then the parameters), so the whole decision reads in one place.
    """
    mimetype, params = parse_options_header(content_type or "")
    mimetype = mimetype.lower()
    params_all: dict[str, list[str]] = {name: list(values) for name, values in args.items()}
    query_in_body: str | None = None

    if "update" in params_all or mimetype == SPARQL_UPDATE:
        raise UpdateRefusedError("this endpoint is read-only: SPARQL Update is not accepted")
    method = method.upper()
    if method == "POST" and (body or mimetype):
        if mimetype == FORM:
            _utf8_charset(mimetype, params)
            try:
                form = parse_qs(
                    _decode_utf8(body, "form body"), keep_blank_values=True, errors="strict"
                )
            except UnicodeDecodeError as exc:
                raise ProtocolError(
                    f"form body: a percent-encoded value is not valid UTF-8 ({exc.reason}); "
                    "encode the query as UTF-8 before percent-encoding it"
                ) from None
            if "update" in form:
                raise UpdateRefusedError(
                    "this endpoint is read-only: SPARQL Update is not accepted"
                )
            for name, values in form.items():
                params_all.setdefault(name, []).extend(values)
        elif mimetype == SPARQL_QUERY:
            _utf8_charset(mimetype, params)
            query_in_body = _decode_utf8(body, "query body")
        else:
            shown = mimetype or "no Content-Type"
            raise UnsupportedMediaTypeError(
                f"POST with {shown}: send the query as {FORM} (query=...) or as {SPARQL_QUERY}"
            )
    elif method not in ("GET", "POST"):
        raise ProtocolError(f"method {method} is not allowed; use GET or POST")

    queries = params_all.get("query", [])
    if query_in_body is not None:
        queries = [*queries, query_in_body]
    if len(queries) > 1:
        raise ProtocolError(f"{len(queries)} queries given; send exactly one `query`")
    defaults = tuple(params_all.get("default-graph-uri", []))
    named = tuple(params_all.get("named-graph-uri", []))
    if not queries:
        if method == "GET" and not defaults and not named:
            return None
        raise ProtocolError("no `query` parameter; send one SPARQL query")
    if max_query_length is not None and len(queries[0]) > max_query_length:
        raise QueryTooLongError(
            f"the query has {len(queries[0])} characters; this endpoint accepts at most "
            f"{max_query_length} (MAX_QUERY_LENGTH): split it or use a shorter VALUES block"
        )
    return QueryRequest(queries[0], defaults, named)


# --- the query's own dataset ----------------------------------------------------------------

#: An unclosed string runs to the end of its line (or of the query): scanning it again from
#: every later quote would take quadratic time.
_STRINGS_IRIS_COMMENTS = (
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:""")?',  # long strings
    r"'''(?:[^'\\]|\\.|'(?!''))*(?:''')?",
    r'"(?:[^"\\\n\r]|\\.)*"?',  # short strings
    r"'(?:[^'\\\n\r]|\\.)*'?",
    r'<[^<>"{}|^`\\\x00-\x20]*>',  # IRIs
    r"\#[^\n\r]*",  # comments
)
_WORDS = re.compile(
    f"(?:{'|'.join(_STRINGS_IRIS_COMMENTS)})"
    # keywords, names, prefixed names, variables, numbers
    r"|(?P<word>[?$]?[\w\u00b7-\U000effff][\w\-.:%\u00b7-\U000effff]*)"
)


def declares_dataset(query: str) -> bool:
    """True when the query names its own dataset (`FROM` / `FROM NAMED`).

    This decides only which dataset a query without protocol graph parameters runs on (its
    own, or the union default graph): it guards nothing. Outside strings, IRIs and comments
    the word FROM can only be that clause in a query the engine accepts.
    """
    if "from" not in query.lower():
        return False
    return any(
        match.group("word") and match.group("word").upper() == "FROM"
        for match in _WORDS.finditer(query)
    )


#: Largest answer body in bytes (RESULT_MAX_BYTES), whatever the format.
DEFAULT_RESULT_MAX_BYTES = 32 << 20

# --- jobs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryJob:
    """Everything a worker needs to answer one query (plain data, so it can be pickled)."""

    query: str
    base_iri: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    results_format: str | None  # a RESULT_FORMATS key, None if the client accepts none
    graph_format: str | None  # a GRAPH_FORMATS key, None if the client accepts none
    timeout: float
    result_limit: int
    accept: str = "*/*"  # what the client sent, for the 406 message
    result_max_bytes: int = DEFAULT_RESULT_MAX_BYTES


@dataclass(frozen=True)
class QueryOutcome:
    body: bytes
    content_type: str
    kind: Literal["boolean", "solutions", "graph"]
    count: int  # rows, triples, or 1 for ASK


@dataclass(frozen=True)
class FormatChoice:
    """What an Accept header (or `format=`) picks for each answer kind; None: nothing fits."""

    results: Format | None
    graph: Format | None
    accept: str  # the preferences as a header, for a 406 message


#: Accept headers longer than this are negotiated every time instead of being remembered.
_CACHED_ACCEPT_LENGTH = 512


def choose_formats(accept_header: str | None, format_param: str | None) -> FormatChoice:
    """Negotiate both answer kinds; which one applies is known only after parsing the query.

    Raises `NotAcceptableError` when no format of either kind fits. The choice depends on the
    two strings alone, and clients send the same few Accept headers over and over, so short
    ones are remembered (`MIMEAccept.best_match` over the offers costs tens of microseconds).
    """
    if len(accept_header or "") + len(format_param or "") <= _CACHED_ACCEPT_LENGTH:
        return _choose_formats_cached(accept_header, format_param)
    return _choose_formats(accept_header, format_param)


def _choose_formats(accept_header: str | None, format_param: str | None) -> FormatChoice:
    accept = accept_for(accept_header, format_param)
    results = negotiate(accept, RESULT_FORMATS)
    graph = negotiate(accept, GRAPH_FORMATS)
    if results is None and graph is None:
        raise NotAcceptableError(
            f"no format fits Accept: {_shown(accept.to_header())}; "
            f"offered: {', '.join(offered_media_types('results') + offered_media_types('graph'))}"
        )
    return FormatChoice(results, graph, accept.to_header())


_choose_formats_cached = functools.lru_cache(maxsize=256)(_choose_formats)


def plan_job(
    request: QueryRequest,
    formats: FormatChoice,
    *,
    base_iri: str | None,
    timeout: float,
    result_limit: int,
    result_max_bytes: int = DEFAULT_RESULT_MAX_BYTES,
) -> QueryJob:
    """A job for `request`, answered in one of the `formats` (see `choose_formats`)."""
    return QueryJob(
        query=request.query,
        base_iri=base_iri,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
        results_format=formats.results.key if formats.results else None,
        graph_format=formats.graph.key if formats.graph else None,
        timeout=timeout,
        result_limit=result_limit,
        accept=formats.accept,
        result_max_bytes=result_max_bytes,
    )


def _format(key: str | None, kind: Kind, accept: str) -> Format:
    formats = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    if key is None:
        what = "SELECT/ASK results" if kind == "results" else "CONSTRUCT/DESCRIBE graphs"
        raise NotAcceptableError(
            f"no format for {what} fits Accept: {_shown(accept)}; "
            f"offered: {', '.join(offered_media_types(kind))}"
        )
    return next(fmt for fmt in formats if fmt.key == key)


def _shown(header: str, limit: int = 200) -> str:
    """A client's header as quoted back in an error message: never empty, never huge."""
    if not header:
        return "(empty)"
    return header if len(header) <= limit else f"{header[:limit]}… ({len(header)} characters)"


class _GuardedWriter(io.RawIOBase):
    """Collects a serialized answer, checking its size, its rows and the clock on every chunk.

    `rows` counts lines (TSV: one per row after the header); None leaves rows to the caller.
    """

    def __init__(self, job: QueryJob, deadline: float, *, rows: bool = False) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.newlines = 0
        self._job = job
        self._deadline = deadline
        self._rows = rows

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.size += len(chunk)
        if self.size > self._job.result_max_bytes:
            self.chunks.clear()
            raise ResultSizeError(_size_message(self._job.result_max_bytes))
        self.chunks.append(chunk)
        if self._rows:
            self.newlines += chunk.count(b"\n")
            if self.newlines - 1 > self._job.result_limit:  # the first line is the header
                raise ResultLimitError(_row_limit_message(self._job.result_limit, "rows"))
        if time.monotonic() > self._deadline:
            raise QueryTimeoutError(_timeout_message(self._job.timeout))
        return len(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _size_message(limit: int) -> str:
    return (
        f"the answer grew past {limit:,} bytes (RESULT_MAX_BYTES) and was stopped; "
        "page through it with LIMIT and OFFSET or select fewer or shorter values"
    )


def _timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than the {timeout:g} s limit and was stopped; "
        "narrow it (more specific patterns, LIMIT) or ask the operator to raise QUERY_TIMEOUT"
    )


def _row_limit_message(limit: int, what: str) -> str:
    return (
        f"the query returned more than {limit} {what} (RESULT_LIMIT); "
        "page through the results with LIMIT and OFFSET"
    )


def _dataset_options(job: QueryJob) -> dict[str, Any]:
    """The protocol's graphs override the query's own FROM / FROM NAMED (SPARQL 1.1 Protocol
    2.1.4); without either, the default graph is the union of the named graphs."""
    if not job.default_graphs and not job.named_graphs:
        return {} if declares_dataset(job.query) else {"use_default_graph_as_union": True}
    return {
        "default_graph": [ox.NamedNode(iri) for iri in job.default_graphs],
        "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs],
    }


def run_job(store: ox.Store, job: QueryJob) -> QueryOutcome:
    """Run `job` on `store`, stopping at the deadline, the row limit or the size limit.

    SELECT answers are written once as TSV through a guard that counts rows and bytes and
    watches the clock, then transcoded by pyoxigraph (TSV keeps every term exactly) into the
    chosen format through the same guard. A single step that never yields (a huge ORDER BY or
    COUNT) cannot be interrupted here; the worker pool in `citydip_ld.stores.store` kills such a
    worker at the deadline. Evaluation errors are not quoted to the client: they may carry
    what a SERVICE endpoint answered (`citydip_ld.sparql.sandbox` says which endpoint failed).
    """
    deadline = time.monotonic() + job.timeout
    try:
        dataset = _dataset_options(job)
    except ValueError as exc:
        raise ProtocolError(f"bad graph IRI in default-graph-uri/named-graph-uri: {exc}") from None
    try:
        result = store.query(job.query, base_iri=job.base_iri, **dataset)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(_timeout_message(job.timeout))
        if isinstance(result, ox.QueryBoolean):
            fmt = _format(job.results_format, "results", job.accept)
            body = result.serialize(format=_OX_RESULTS[fmt.key])
            return QueryOutcome(body or b"", fmt.content_type, "boolean", 1)
        if isinstance(result, ox.QuerySolutions):
            again = functools.partial(store.query, job.query, base_iri=job.base_iri, **dataset)
            return _solutions(result, job, deadline, again)
        return _graph(result, job, deadline)
    except SyntaxError as exc:
        raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
    except (OSError, RuntimeError) as exc:  # pyoxigraph's evaluation errors
        # Made in a helper: a local holding the error would tie this frame (and the
        # pyoxigraph results in it) into a reference cycle freed later, in another thread.
        raise _evaluation_error(exc) from None


def _evaluation_error(cause: BaseException) -> QueryEvaluationError:
    error = QueryEvaluationError(
        "the query failed while running (a store or SERVICE error); "
        "its details are in the server log"
    )
    error.detail = str(cause)
    return error


def _solutions(
    result: ox.QuerySolutions, job: QueryJob, deadline: float, again: Callable[[], Any]
) -> QueryOutcome:
    """SELECT answers: counted as TSV, then transcoded; `again` runs the query once more when
    a row is too long for pyoxigraph's TSV reader (16 MiB) to write the format directly."""
    fmt = _format(job.results_format, "results", job.accept)
    writer = _GuardedWriter(job, deadline, rows=True)
    result.serialize(writer, ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]
    tsv = writer.body()
    rows = max(tsv.count(b"\n") - 1, 0)
    if fmt.key == "tsv":
        return QueryOutcome(tsv, fmt.content_type, "solutions", rows)
    # The TSV is within RESULT_MAX_BYTES, so the other formats (at most a few times larger)
    # are written in one call and measured after: a Python writer costs ~20 us a query.
    source = again() if _longest_line(tsv) >= _TSV_LINE_LIMIT else None
    if source is None:
        source = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    del tsv
    body = source.serialize(format=_OX_RESULTS[fmt.key]) or b""
    if len(body) > job.result_max_bytes:
        raise ResultSizeError(_size_message(job.result_max_bytes))
    return QueryOutcome(body, fmt.content_type, "solutions", rows)


#: pyoxigraph's TSV reader refuses longer lines (and scans a long one for a while first).
_TSV_LINE_LIMIT = 16 << 20


def _longest_line(data: bytes) -> int:
    if len(data) < _TSV_LINE_LIMIT:
        return len(data)
    longest = start = 0
    while (end := data.find(b"\n", start)) != -1:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(data) - start)


def _graph(result: ox.QueryTriples, job: QueryJob, deadline: float) -> QueryOutcome:
    fmt = _format(job.graph_format, "graph", job.accept)
    triples: list[ox.Triple] = []
    for triple in result:
        triples.append(triple)
        if len(triples) > job.result_limit:
            raise ResultLimitError(_row_limit_message(job.result_limit, "triples"))
        if len(triples) % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeoutError(_timeout_message(job.timeout))
    writer = _GuardedWriter(job, deadline)
    ox.serialize(triples, writer, _OX_RDF[fmt.key], prefixes=COMMON_PREFIXES)  # type: ignore[arg-type]
    return QueryOutcome(writer.body(), fmt.content_type, "graph", len(triples))


COMMON_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
