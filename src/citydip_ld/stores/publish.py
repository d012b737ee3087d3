"""Publish a built dataset into a remote SPARQL store with the Graph Store Protocol.

`publish_dataset` reads `dataset.nq` from the build directory and replaces, in the remote
store, each of its named graphs (one per article, `curated`, `ontology`, `shapes`). With a
SPARQL Update endpoint (the default when one is known, see
`citydip_ld.stores.remote.endpoints_for`):

1. every graph is PUT to a fresh staging graph (`urn:x-citydip:staging:{token}:{n}`);
2. one SPARQL Update request `MOVE`s each staging graph onto its real name and drops the
   stale graphs (graphs under the dataset's graph prefix, e.g. `{base}graph/`, that are no
   longer in the dataset);
3. the triple count of every graph is checked with a query.

Readers see the old graphs until step 2 and the new ones after it. A failure in step 1 leaves
the live graphs untouched (the staged copies are deleted, best effort). Step 2 is one request:
stores that apply an update request in one transaction (Oxigraph, Fuseki/TDB2, GraphDB, RDF4J,
Virtuoso commits it as one) switch all graphs or none.

Without an update endpoint (`use_update=False`) every graph is PUT in place, one after the
other, and stale graphs are deleted with DELETE: a failure midway leaves some graphs new and
the others old; running the publication again completes it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from citydip_ld.errors import LoadError, PublishError, RemoteStoreError
from citydip_ld.httpclient import HttpClient, HttpResponse
from citydip_ld.stores.remote import (
    Endpoints,
    RemoteSparqlStore,
    endpoints_for,
    split_credentials,
    status_error,
)
from citydip_ld.stores.store import DATASET_FILE

STAGING_PREFIX = "urn:x-citydip:staging:"
#: The Graph Store Protocol body: Turtle (which every store's GSP accepts), UTF-8.
BODY_TYPE = "text/turtle; charset=utf-8"

#: A graph name in the dataset; `None` is the default graph.
GraphName = str | None
#: What to do when an endpoint does not exist (HTTP 404/405), by request method.
_HINTS = {
    "PUT": "pass --gsp with the store's Graph Store Protocol URL (docs/remote-stores.md)",
    "DELETE": "pass --gsp with the store's Graph Store Protocol URL (docs/remote-stores.md)",
    "POST": "pass --update with the store's SPARQL Update URL, or --no-update",
}


@dataclass(frozen=True)
class PublishReport:
    """What was published where: triples per graph (`""` is the default graph)."""

    endpoints: Endpoints
    graphs: dict[str, int]
    dropped: list[str] = field(default_factory=list)
    staged: bool = True
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def summary(self) -> str:
        how = "staged, then switched with MOVE" if self.staged else "graph by graph"
        dropped = f"; dropped {len(self.dropped)} stale graph(s)" if self.dropped else ""
        return (
            f"published {self.triples} triples in {len(self.graphs)} graph(s) to "
            f"{self.endpoints.gsp} ({how}){dropped} in {self.seconds:.2f} s"
        )


def read_graphs(dataset_dir: str | Path) -> dict[GraphName, list[ox.Triple]]:
    """The triples of each graph of `dataset_dir/dataset.nq`, graphs in file order."""
    path = Path(dataset_dir) / DATASET_FILE
    if not path.is_file():
        raise LoadError(f"{path}: no built dataset here; run `citydip-ld build` first")
    graphs: dict[GraphName, list[ox.Triple]] = {}
    blank_graphs: dict[str, GraphName] = {}
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graphs.setdefault(name, []).append(quad.triple)
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.BlankNode):
                    seen = blank_graphs.setdefault(term.value, name)
                    if seen != name:
                        raise LoadError(
                            f"{path}: blank node _:{term.value} is in two graphs ({seen}, "
                            f"{name}); the Graph Store Protocol loads graphs one by one and "
                            "would split it: give it an IRI"
                        )
    except SyntaxError as exc:
        raise LoadError(f"{path}: not valid N-Quads ({exc}); rebuild the dataset") from None
    if not graphs:
        raise LoadError(f"{path}: the dataset is empty; nothing to publish")
    return graphs


def graph_prefix(names: list[str]) -> str | None:
    """The namespace the dataset's graphs share, up to a `/` (e.g. `{base}graph/`)."""
    if not names:
        return None
    first, last = min(names), max(names)
    common = first[
        : next(
            (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
            min(len(first), len(last)),
        )
    ]
    cut = common.rfind("/")
    if cut < len("http://x"):
        return None
    return common[: cut + 1]


def _gsp_url(gsp: str, graph: GraphName) -> str:
    joiner = "&" if "?" in gsp else "?"
    return (
        f"{gsp}{joiner}default" if graph is None else f"{gsp}{joiner}graph={quote(graph, safe='')}"
    )


def _sparql_graph(graph: GraphName) -> str:
    return "DEFAULT" if graph is None else f"GRAPH <{graph}>"


class _Publisher:
    def __init__(self, endpoints: Endpoints, client: HttpClient, timeout: float) -> None:
        self.endpoints = endpoints
        self.client = client
        self.timeout = timeout
        self.reader = RemoteSparqlStore(endpoints.query, timeout=timeout, client=client)

    def _send(
        self,
        method: str,
        endpoint: str,
        what: str,
        *,
        graph: GraphName | str = "",
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> HttpResponse:
        """One request to `endpoint` (with `?graph=` when `graph` is not empty)."""
        url = endpoint if graph == "" else _gsp_url(endpoint, graph)
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = self.client.send(
                method, url, timeout=self.timeout, body=body, headers=headers
            )
        except TimeoutError:
            raise PublishError(
                f"{endpoint}: no answer to {what} within {self.timeout:g} s; raise --timeout",
                url=endpoint,
            ) from None
        if 200 <= response.status < 300:
            return response
        raise status_error(response, endpoint, what, hint=_HINTS[method], refused=PublishError)

    def put(self, graph: GraphName, triples: list[ox.Triple]) -> None:
        assert self.endpoints.gsp is not None
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b""
        self._send(
            "PUT", self.endpoints.gsp, "the upload", graph=graph, body=body, content_type=BODY_TYPE
        )

    def delete(self, graph: str) -> None:
        assert self.endpoints.gsp is not None
        try:
            self._send("DELETE", self.endpoints.gsp, "the deletion", graph=graph)
        except PublishError as exc:
            if exc.status != 404:  # already gone
                raise

    def update(self, request: str) -> None:
        assert self.endpoints.update is not None
        self._send(
            "POST",
            self.endpoints.update,
            "the update",
            body=request.encode("utf-8"),
            content_type="application/sparql-update",
        )

    def existing(self, prefix: str | None) -> list[str]:
        if prefix is None:
            return []
        query = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        return sorted(str(row["g"].value) for row in self.reader.query(query))

    def counts(self, graphs: list[str]) -> dict[str, int]:
        values = " ".join(f"<{g}>" for g in graphs)
        query = (
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return {str(row["g"].value): int(row["n"].value) for row in self.reader.query(query)}


def publish_dataset(
    dataset_dir: str | Path,
    url: str,
    *,
    gsp: str | None = None,
    update: str | None = None,
    use_update: bool = True,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 120.0,
    retries: int = 3,
    backoff: float = 1.0,
    prune: bool = True,
    verify: bool = True,
    progress: Callable[[str], None] | None = None,
) -> PublishReport:
    """Replace the dataset's graphs in the store at `url` (see the module docstring).

    `url` is the store's query endpoint or its root; `gsp` and `update` override the derived
    Graph Store Protocol and SPARQL Update URLs. Every request goes through one
    `HttpClient` session; a store that refuses connections or answers 429/503 is retried
    `retries` times with exponential `backoff` (seconds; `Retry-After` wins). `prune` drops
    graphs under the dataset's graph prefix that are no longer in it; `verify` checks each
    graph's triple count afterwards.
    Raises `LoadError` (dataset), `StoreUnavailableError` (cannot reach the store),
    `PublishError` (the store refused a request), `RemoteStoreError` (it failed).
    """
    started = time.monotonic()
    say = progress or (lambda _message: None)
    url, url_user, url_password = split_credentials(url)
    if user is None and url_user is not None:
        user, password = url_user, url_password
    endpoints = endpoints_for(url, gsp=gsp, update=update, authenticated=user is not None)
    if not use_update:
        endpoints = Endpoints(endpoints.query, None, endpoints.gsp)
    if endpoints.gsp is None:
        raise PublishError(
            f"no Graph Store Protocol endpoint is known for {url}; pass --gsp URL "
            "(docs/remote-stores.md lists it for Oxigraph, Virtuoso, Fuseki, GraphDB)",
            url=url,
        )
    graphs = read_graphs(dataset_dir)
    client = HttpClient(user, password, retries=retries, backoff=backoff)
    try:
        return _publish(
            endpoints, graphs, _Publisher(endpoints, client, timeout), prune, verify, say, started
        )
    finally:
        client.close()


def _publish(
    endpoints: Endpoints,
    graphs: dict[GraphName, list[ox.Triple]],
    publisher: _Publisher,
    prune: bool,
    verify: bool,
    say: Callable[[str], None],
    started: float,
) -> PublishReport:
    named = [g for g in graphs if g is not None]
    stale = [
        g for g in publisher.existing(graph_prefix(named) if prune else None) if g not in graphs
    ]

    if endpoints.update is not None:
        _publish_staged(publisher, graphs, stale, say)
    else:
        _publish_in_place(publisher, graphs, stale, say)

    if verify and named:
        _verify(publisher, graphs, named)
    return PublishReport(
        endpoints,
        {("" if g is None else g): len(t) for g, t in graphs.items()},
        stale,
        endpoints.update is not None,
        time.monotonic() - started,
    )


def _verify(
    publisher: _Publisher, graphs: dict[GraphName, list[ox.Triple]], named: list[str]
) -> None:
    """Raise `PublishError` unless the store now holds each named graph's triple count."""
    found = publisher.counts(named)
    wrong = [
        f"{g}: {found.get(g, 0)} triples, expected {len(graphs[g])}"
        for g in named
        if found.get(g, 0) != len(graphs[g])
    ]
    if wrong:
        raise PublishError(
            "the store does not hold what was published: "
            + "; ".join(wrong[:5])
            + " (is the query endpoint the same store as the GSP endpoint?)",
            url=publisher.endpoints.query,
        )


def _publish_staged(
    publisher: _Publisher,
    graphs: dict[GraphName, list[ox.Triple]],
    stale: list[str],
    say: Callable[[str], None],
) -> None:
    token = uuid.uuid4().hex
    staged: list[tuple[str, GraphName]] = []
    try:
        for index, (graph, triples) in enumerate(graphs.items()):
            stage = f"{STAGING_PREFIX}{token}:{index}"
            staged.append((stage, graph))
            publisher.put(stage, triples)
            say(f"staged {graph or 'default graph'} ({len(triples)} triples)")
    except RemoteStoreError as exc:
        _discard(publisher, [stage for stage, _ in staged])
        raise type(exc)(
            f"{exc}; nothing was changed: the live graphs are as before",
            url=exc.url,
            status=exc.status,
        ) from None
    operations = [
        f"MOVE SILENT GRAPH <{stage}> TO {_sparql_graph(graph)}" for stage, graph in staged
    ]
    operations += [f"DROP SILENT GRAPH <{graph}>" for graph in stale]
    try:
        publisher.update(" ;\n".join(operations))
    except RemoteStoreError as exc:
        _discard(publisher, [stage for stage, _ in staged])
        raise type(exc)(
            f"{exc}; the switch failed: a store that applies an update request atomically "
            "still holds the previous graphs; run publish again",
            url=exc.url,
            status=exc.status,
        ) from None
    say(f"switched {len(staged)} graph(s), dropped {len(stale)} stale graph(s)")


def _discard(publisher: _Publisher, stages: list[str]) -> None:
    """Delete staging graphs, best effort (the publication has already failed)."""
    for stage in stages:
        try:
            publisher.delete(stage)
        except RemoteStoreError:
            continue


def _publish_in_place(
    publisher: _Publisher,
    graphs: dict[GraphName, list[ox.Triple]],
    stale: list[str],
    say: Callable[[str], None],
) -> None:
    done: list[str] = []
    try:
        for graph, triples in graphs.items():
            publisher.put(graph, triples)
            done.append(graph or "default graph")
            say(f"replaced {graph or 'default graph'} ({len(triples)} triples)")
        for graph in stale:
            publisher.delete(graph)
            say(f"deleted stale graph {graph}")
    except RemoteStoreError as exc:
        raise type(exc)(
            f"{exc}; stopped after {len(done)} of {len(graphs)} graph(s): those are new, the "
            "others still hold the previous version; run publish again",
            url=exc.url,
            status=exc.status,
        ) from None
