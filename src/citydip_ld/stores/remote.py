"""A remote SPARQL 1.1 store over HTTP, in place of the embedded Oxigraph store.

`RemoteSparqlStore` implements the `Store` protocol of `citydip_ld.stores.store`: `query`
returns the same pyoxigraph result objects as an in-process query, `run` the same
`QueryOutcome` as `citydip_ld.sparql.protocol.run_job`, so `/sparql` and the pages work
unchanged. The store asks the remote for SPARQL JSON/XML results or N-Triples/Turtle and
reads them with pyoxigraph's parsers, then writes the answer in the format the client
negotiated.

The store holds configuration only (URLs, credentials, time limit): every request goes to the
remote, so several web processes can share one store behind a load balancer.

Errors: a 400 (or 413/414) from the remote is the client's query: `RemoteQueryError` (a
`QueryError`, 400). The time limit is an HTTP timeout: `QueryTimeoutError` (503); the remote
may keep running the query, so give it its own limit too (docs/remote-stores.md). A store that
cannot be reached or says it is busy (429, 503, 504): `StoreUnavailableError` (503); anything
else that goes wrong on the remote (5xx, wrong URL, refused credentials, unreadable answer):
`RemoteStoreError` (502).

`endpoints_for` derives the query, update and Graph Store Protocol URLs of the common stores
from one URL. Requests go through `citydip_ld.httpclient.HttpClient` (one `requests` session
per store: kept-alive connections, basic or digest authentication with the nonce reused, a
deadline for the whole answer), as `citydip_ld.stores.publish` and `linking.link` do.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from citydip_ld.errors import LoadError, QueryError, RemoteStoreError, StoreUnavailableError
from citydip_ld.httpclient import HttpClient, HttpResponse
from citydip_ld.sparql.protocol import (
    COMMON_PREFIXES,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Format,
    Kind,
    NotAcceptableError,
    QueryJob,
    QueryOutcome,
    QueryTimeoutError,
    ResultLimitError,
    offered_media_types,
)

#: What we ask the remote for: standard formats pyoxigraph parses (results or a graph).
ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "application/n-triples;q=0.8, text/turtle;q=0.7, application/rdf+xml;q=0.5"
)


class RemoteQueryError(QueryError):
    """The remote store refused the query as malformed (HTTP 400): a client mistake."""


# --- endpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """Where a store answers queries, takes SPARQL Update, and takes Graph Store Protocol
    requests (`None`: not known, or not offered)."""

    query: str
    update: str | None = None
    gsp: str | None = None


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def endpoints_for(
    url: str,
    *,
    gsp: str | None = None,
    update: str | None = None,
    authenticated: bool = False,
) -> Endpoints:
    """The endpoints of the store at `url`, derived from the shape of its path.

    - server root (`http://host:7878/`): Oxigraph, `/query`, `/update`, `/store`;
    - `.../query` at the root: Oxigraph; `/ds/query`: Fuseki, `/ds/update`, `/ds/data`;
    - `.../sparql`: Virtuoso, update on the same URL, GSP `/sparql-graph-crud`; with
      credentials (`authenticated`) `/sparql-auth` and `/sparql-graph-crud-auth`;
    - `.../repositories/X`: GraphDB or RDF4J, `.../statements`, `.../rdf-graphs/service`;
    - anything else: the URL is the query endpoint and nothing else is derived.

    Explicit `gsp` and `update` URLs win over derived ones.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteStoreError(
            f"{url!r} is not an http(s) URL; give the store's SPARQL query endpoint, "
            "e.g. http://127.0.0.1:7878/query",
            url=url,
        )
    path = parts.path.rstrip("/")
    derived = Endpoints(url)
    if path == "":
        derived = Endpoints(
            _with_path(url, "/query"), _with_path(url, "/update"), _with_path(url, "/store")
        )
    elif path == "/query":
        derived = Endpoints(url, _with_path(url, "/update"), _with_path(url, "/store"))
    elif path.endswith("/query"):
        dataset = path[: -len("/query")]
        derived = Endpoints(
            url, _with_path(url, f"{dataset}/update"), _with_path(url, f"{dataset}/data")
        )
    elif path.endswith(("/sparql", "/sparql-auth")):
        root = path.rsplit("/", 1)[0]
        suffix = "-auth" if authenticated else ""
        derived = Endpoints(
            url,
            _with_path(url, f"{root}/sparql{suffix}"),
            _with_path(url, f"{root}/sparql-graph-crud{suffix}"),
        )
    elif "/repositories/" in path and path.rsplit("/", 2)[-2] == "repositories":
        derived = Endpoints(
            url,
            _with_path(url, f"{path}/statements"),
            _with_path(url, f"{path}/rdf-graphs/service"),
        )
    return Endpoints(derived.query, update or derived.update, gsp or derived.gsp)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """`http://user:pw@host/sparql` -> (`http://host/sparql`, "user", "pw"); a `LoadError`
    for a URL that cannot be read (`http://[host/`, a port beyond 65535)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise LoadError(f"{url} is not a valid URL: {exc}") from None
    if not parts.hostname:
        raise LoadError(f"{url} is not a valid URL: it names no host")
    if parts.username is None:
        return url, None, None
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, parts.username, parts.password


# --- errors ---------------------------------------------------------------------------------


def status_error(
    response: HttpResponse,
    url: str,
    what: str,
    *,
    hint: str = "check the URL (docs/remote-stores.md lists the paths of the common stores)",
    refused: type[RemoteStoreError] = RemoteStoreError,
) -> RemoteStoreError:
    """The error for a non-2xx answer to anything but a query's own mistakes: `refused` (a
    `RemoteStoreError` class) for a 4xx, with `hint` when the endpoint does not exist."""
    status = response.status
    detail = response.detail()
    if status in (401, 403):
        return refused(
            f"{url} refused {what} (HTTP {status}): check the user and password "
            f"(Virtuoso: the -auth endpoints with digest authentication); {detail}",
            url=url,
            status=status,
        )
    if status in (404, 405):
        return refused(
            f"{url} has no endpoint for {what} (HTTP {status}); {hint}", url=url, status=status
        )
    if status in (429, 503, 504):
        return StoreUnavailableError(
            f"the store at {url} is unavailable or busy (HTTP {status}); try again later",
            url=url,
            status=status,
        )
    cls = refused if 400 <= status < 500 else RemoteStoreError
    return cls(f"{url} answered {what} with HTTP {status}: {detail}", url=url, status=status)


# --- parsing the remote's answer ------------------------------------------------------------


def _results_format(media_type: str) -> ox.QueryResultsFormat | None:
    if media_type in ("application/sparql-results+json", "application/json"):
        return ox.QueryResultsFormat.JSON
    if media_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
        return ox.QueryResultsFormat.XML
    if media_type == "text/tab-separated-values":
        return ox.QueryResultsFormat.TSV
    return None


def _graph_format(media_type: str) -> ox.RdfFormat | None:
    if media_type == "text/plain":  # older servers label N-Triples so
        return ox.RdfFormat.N_TRIPLES
    try:
        return ox.RdfFormat.from_media_type(media_type)
    except ValueError:
        return None


def _normalise_json_results(body: bytes) -> bytes:
    """Virtuoso's SPARQL JSON names blank nodes `nodeID://b1000`, which is not a blank node
    label; give each a valid label (stable per answer) and let pyoxigraph parse again."""
    try:
        document = json.loads(body)
        bindings = document["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        return body
    for row in bindings:
        for term in row.values():
            if isinstance(term, dict) and term.get("type") == "bnode":
                value = str(term.get("value", ""))
                try:
                    ox.BlankNode(value)
                except ValueError:
                    term["value"] = "b" + hashlib.sha1(value.encode()).hexdigest()[:16]
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


_TRUE = ox.parse_query_results('{"head":{},"boolean":true}', ox.QueryResultsFormat.JSON)
_FALSE = ox.parse_query_results('{"head":{},"boolean":false}', ox.QueryResultsFormat.JSON)
#: Virtuoso 7 answers ASK with a one-row table of this variable (1 or 0) instead of a boolean.
_VIRTUOSO_ASK = "__ASK_RETVAL"


def _read_results(body: bytes, results_format: ox.QueryResultsFormat) -> Any:
    """A `QueryBoolean`, or the solutions re-read from TSV: pyoxigraph parses rows lazily,
    so writing them out once finds every syntax error here rather than mid-iteration."""
    parsed = ox.parse_query_results(body, results_format)
    if isinstance(parsed, ox.QueryBoolean):
        return parsed
    tsv = parsed.serialize(format=ox.QueryResultsFormat.TSV) or b""
    return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)


def parse_results(response: HttpResponse, url: str) -> Any:
    """The remote's answer as pyoxigraph objects: `QuerySolutions`, `QueryBoolean` or a list
    of `Triple`s, as `pyoxigraph.Store.query` would return them."""
    results_format = _results_format(response.media_type)
    if results_format is not None:
        try:
            parsed = _read_results(response.body, results_format)
        except SyntaxError:
            if results_format != ox.QueryResultsFormat.JSON:
                raise _unreadable(response, url) from None
            try:
                parsed = _read_results(_normalise_json_results(response.body), results_format)
            except SyntaxError:
                raise _unreadable(response, url) from None
        if isinstance(parsed, ox.QuerySolutions) and [v.value for v in parsed.variables] == [
            _VIRTUOSO_ASK
        ]:
            rows = list(parsed)
            truth = bool(rows) and str(getattr(rows[0][_VIRTUOSO_ASK], "value", "0")) != "0"
            return _TRUE if truth else _FALSE
        return parsed
    graph_format = _graph_format(response.media_type)
    if graph_format is None:
        raise RemoteStoreError(
            f"{url} answered with Content-Type {response.content_type or '(none)'}, "
            "which is neither SPARQL results nor RDF",
            url=url,
        )
    try:
        return [quad.triple for quad in ox.parse(response.body, graph_format)]
    except SyntaxError:
        raise _unreadable(response, url) from None


def _unreadable(response: HttpResponse, url: str) -> RemoteStoreError:
    return RemoteStoreError(
        f"{url} sent an answer that is not valid {response.media_type}: {response.detail()}",
        url=url,
    )


# --- the store ------------------------------------------------------------------------------


def _iris(value: Any) -> list[str]:
    """IRIs from pyoxigraph's `default_graph` / `named_graphs` option values."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple | set) else [value]
    out = []
    for item in items:
        if isinstance(item, ox.DefaultGraph):
            raise ValueError("a remote store cannot name its default graph as a graph")
        out.append(item.value if hasattr(item, "value") else str(item))
    return out


def _timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than the {timeout:g} s limit and was stopped; "
        "narrow it (more specific patterns, LIMIT) or ask the operator to raise QUERY_TIMEOUT"
    )


def _pick(key: str | None, formats: Sequence[Format], kind: Kind, accept: str) -> Format:
    if key is None:
        what = "SELECT/ASK results" if kind == "results" else "CONSTRUCT/DESCRIBE graphs"
        offered = ", ".join(offered_media_types(kind))
        raise NotAcceptableError(
            f"no format for {what} fits Accept: {accept or '(empty)'}; offered: {offered}"
        )
    return next(fmt for fmt in formats if fmt.key == key)


class RemoteSparqlStore:
    """A SPARQL 1.1 query endpoint over HTTP as a `Store` (read-only: queries only).

    `endpoint` is used as given (Oxigraph `/query`, Virtuoso `/sparql`, Fuseki `/ds/query`,
    GraphDB `/repositories/X`, QLever its root).

    The remote's default graph is what queries without `GRAPH` see; configure the store so it
    is the union of the named graphs, as the embedded store does (docs/remote-stores.md).
    """

    def __init__(
        self,
        endpoint: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        client: HttpClient | None = None,
    ) -> None:
        if urlsplit(endpoint).scheme not in ("http", "https"):
            raise RemoteStoreError(
                f"{endpoint!r} is not an http(s) URL; give the store's SPARQL query endpoint, "
                "e.g. http://127.0.0.1:7878/query",
                url=endpoint,
            )
        self.endpoint = endpoint
        self.timeout = timeout
        self._client = client or HttpClient(user, password)

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> RemoteSparqlStore:
        """A store for `url`; credentials may ride in it (`http://user:pw@host/sparql-auth`)."""
        bare, user, password = split_credentials(url)
        return cls(bare, user=user, password=password, timeout=timeout)

    def __repr__(self) -> str:
        return f"RemoteSparqlStore({self.endpoint!r})"

    def _post(
        self,
        sparql: str,
        base_iri: str | None,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        timeout: float,
    ) -> HttpResponse:
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        form = [("query", text)]
        form += [("default-graph-uri", iri) for iri in default_graphs]
        form += [("named-graph-uri", iri) for iri in named_graphs]
        try:
            response = self._client.send(
                "POST",
                self.endpoint,
                timeout=timeout,
                body=urlencode(form).encode("ascii"),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                    "Accept": ACCEPT,
                },
            )
        except TimeoutError:
            raise QueryTimeoutError(_timeout_message(timeout)) from None
        if 200 <= response.status < 300:
            return response
        if response.status in (400, 413, 414):
            raise RemoteQueryError(
                f"the store refused the query (HTTP {response.status}): {response.detail()}"
            )
        raise status_error(response, self.endpoint, "the query")

    def query(self, sparql: str, **options: Any) -> Any:
        """Like `pyoxigraph.Store.query`: `QuerySolutions`, `QueryBoolean` or a list of
        `Triple`s. `base_iri`, `default_graph` and `named_graphs` are honoured;
        `use_default_graph_as_union` is up to the remote's configuration."""
        base_iri = options.pop("base_iri", None)
        defaults = _iris(options.pop("default_graph", None))
        named = _iris(options.pop("named_graphs", None))
        options.pop("use_default_graph_as_union", None)
        if options:
            raise TypeError(f"unsupported query options for a remote store: {sorted(options)}")
        response = self._post(sparql, base_iri, defaults, named, self.timeout)
        return parse_results(response, self.endpoint)

    def run(self, job: QueryJob) -> QueryOutcome:
        """Answer one protocol query within its time and row limits, like `run_job`."""
        deadline = time.monotonic() + job.timeout
        response = self._post(
            job.query, job.base_iri, job.default_graphs, job.named_graphs, job.timeout
        )
        result = parse_results(response, self.endpoint)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(_timeout_message(job.timeout))
        if isinstance(result, ox.QueryBoolean):
            fmt = _pick(job.results_format, RESULT_FORMATS, "results", job.accept)
            body = result.serialize(format=ox.QueryResultsFormat.from_media_type(fmt.media_type))
            return QueryOutcome(body or b"", fmt.content_type, "boolean", 1)
        if isinstance(result, ox.QuerySolutions):
            fmt = _pick(job.results_format, RESULT_FORMATS, "results", job.accept)
            # TSV keeps every term exactly and has one line per row: count, then transcode.
            tsv = result.serialize(format=ox.QueryResultsFormat.TSV) or b""
            rows = max(tsv.count(b"\n") - 1, 0)
            if rows > job.result_limit:
                raise ResultLimitError(_limit_message(job.result_limit, "rows"))
            if fmt.key == "tsv":
                return QueryOutcome(tsv, fmt.content_type, "solutions", rows)
            parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
            body = parsed.serialize(format=ox.QueryResultsFormat.from_media_type(fmt.media_type))
            return QueryOutcome(body or b"", fmt.content_type, "solutions", rows)
        fmt = _pick(job.graph_format, GRAPH_FORMATS, "graph", job.accept)
        triples: list[ox.Triple] = result
        if len(triples) > job.result_limit:
            raise ResultLimitError(_limit_message(job.result_limit, "triples"))
        body = ox.serialize(
            triples, format=ox.RdfFormat.from_media_type(fmt.media_type), prefixes=COMMON_PREFIXES
        )
        return QueryOutcome(body or b"", fmt.content_type, "graph", len(triples))


def _limit_message(limit: int, what: str) -> str:
    return (
        f"the query returned more than {limit} {what} (RESULT_LIMIT); "
        "page through the results with LIMIT and OFFSET"
    )


def is_remote(target: object) -> bool:
    """Whether `target` (a dataset directory or a URL) names a remote store."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))


def check_endpoint_url(url: str) -> None:
    """Raise a `LoadError` unless `url` is an http(s) URL with a host that can be read."""
    if not is_remote(url):
        raise LoadError(f"{url} is not an http(s) URL")
    split_credentials(url)


#: A URL's scheme and `//` at the start of a store target.
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def check_store_target(target: object) -> None:
    """Raise a `LoadError` for a store target that is a URL but not an http(s) one
    (`ftp://host/sparql`: it would otherwise be taken for a folder's path, and one made), or an
    http(s) URL that cannot be read (`split_credentials`)."""
    if is_remote(target):
        check_endpoint_url(str(target))
    elif isinstance(target, str) and _URL_START.match(target):
        raise LoadError(
            f"{target}: a store is an http(s) SPARQL endpoint or a folder, not a URL of "
            "another scheme"
        )
