"""Regression (issue 12.8): `publish` with digest authentication sent every body twice, each
time on a new connection (3 uploads = 6 requests on 6 connections). Now one session keeps its
connection and reuses the digest nonce: one challenge for the whole publication, then each
request once. Counted by a loopback proxy that requires digest authentication in front of a
real `oxigraph serve`."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from auth_proxy import Traffic, digest_proxy
from citydip_ld.stores.publish import publish_dataset
from remote_support import oxigraph_store, write_dataset

GRAPHS = 3


def three_graphs(directory: Path) -> Path:
    """A dataset of 3 named graphs (3 uploads), 200 triples each."""
    quads = [
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(f"http://localhost:5000/id/thing/t{g}-{i}"),
            pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            pyoxigraph.Literal(f"thing {i} of graph {g}", language="en"),
            pyoxigraph.NamedNode(f"http://localhost:5000/graph/g{g}"),
        )
        for g in range(GRAPHS)
        for i in range(200)
    ]
    return write_dataset(directory, quads)


def test_a_digest_publication_sends_each_request_once_on_one_connection(
    tmp_path: Path,
) -> None:
    dataset = three_graphs(tmp_path / "build")
    traffic = Traffic()
    with (
        oxigraph_store(tmp_path / "oxigraph") as store,
        digest_proxy(store, "publisher", "s3cret", traffic) as proxy,
    ):
        report = publish_dataset(dataset, proxy, user="publisher", password="s3cret")

    assert report.graphs == {f"http://localhost:5000/graph/g{g}": 200 for g in range(GRAPHS)}
    methods = [method for method, _, status in traffic.requests if status != 401]
    # The stale-graph query, 3 staged uploads, the switch (MOVE), the count check.
    assert methods == ["POST", "PUT", "PUT", "PUT", "POST", "POST"], traffic.summary()
    assert traffic.challenges == 1, traffic.summary()  # the first request only
    assert len(traffic.requests) == len(methods) + 1
    assert traffic.connections == 1, traffic.summary()
    uploads = sum(1 for method, _, _ in traffic.requests if method == "PUT")
    assert uploads == GRAPHS  # no body sent twice
