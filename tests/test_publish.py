"""Publishing a built dataset into a remote store with the Graph Store Protocol: each named
graph replaced, stale graphs dropped, failures leaving the live graphs as they were; the
`publish` command; and the same against Virtuoso (external: needs Debian virtuoso-opensource)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from citydip_ld.cli import main
from citydip_ld.errors import LoadError, PublishError, StoreUnavailableError
from citydip_ld.stores.publish import STAGING_PREFIX, graph_prefix, publish_dataset
from citydip_ld.stores.remote import RemoteSparqlStore, endpoints_for
from citydip_ld.validation.competency import competency_questions
from citydip_ld.web import create_app
from remote_support import (
    VIRTUOSO,
    closed_port_url,
    dataset_counts,
    oxigraph_store,
    virtuoso_store,
    write_dataset,
)

BASE = "http://localhost:5000/"
CURATED = f"{BASE}graph/curated"
OTHER = "http://example.org/another-dataset"


@pytest.fixture()
def store_url(tmp_path: Path) -> Iterator[str]:
    with oxigraph_store(tmp_path / "oxigraph") as url:
        yield url


def store_counts(url: str) -> dict[str, int]:
    """Triples per named graph in the remote store (`url`: Oxigraph's root, or a query URL)."""
    rows = RemoteSparqlStore(endpoints_for(url).query).query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return {row["g"].value: int(row["n"].value) for row in rows}


def changed_dataset(dataset_dir: Path, target: Path) -> tuple[Path, str]:
    """The build without its first article graph and with one more curated triple."""
    quads = list(
        pyoxigraph.parse(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    )
    removed = min(q.graph_name.value for q in quads if "/graph/0" in q.graph_name.value)
    kept = [q for q in quads if q.graph_name.value != removed]
    kept.append(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode(f"{BASE}id/city/tabriz"),
            pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            pyoxigraph.Literal("republished"),
            pyoxigraph.NamedNode(CURATED),
        )
    )
    return write_dataset(target, kept), removed


def test_publish_puts_every_named_graph_with_all_its_triples(
    dataset_dir: Path, store_url: str
) -> None:
    report = publish_dataset(dataset_dir, store_url)

    expected = dataset_counts(dataset_dir)
    assert len(expected) == 9  # five articles, curated, links, ontology, shapes
    assert store_counts(store_url) == expected  # no staging graph is left behind
    assert report.graphs == expected
    assert report.triples == sum(expected.values())
    assert report.staged and report.dropped == []
    assert report.endpoints.gsp == f"{store_url}/store"
    assert f"published {report.triples} triples in 9 graph(s)" in report.summary()


def test_republishing_replaces_graphs_and_drops_stale_ones_only_under_the_prefix(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    # Another dataset's graph beside ours, outside our graph prefix.
    write_dataset(
        tmp_path / "other",
        [
            pyoxigraph.Quad(
                pyoxigraph.NamedNode("http://example.org/x"),
                pyoxigraph.NamedNode("http://example.org/p"),
                pyoxigraph.Literal("kept"),
                pyoxigraph.NamedNode(OTHER),
            )
        ],
    )
    publish_dataset(tmp_path / "other", store_url)
    publish_dataset(dataset_dir, store_url)
    changed, removed = changed_dataset(dataset_dir, tmp_path / "changed")

    report = publish_dataset(changed, store_url)

    assert report.dropped == [removed]
    assert store_counts(store_url) == {**dataset_counts(changed), OTHER: 1}
    comment = RemoteSparqlStore(f"{store_url}/query").query(
        f'ASK {{ GRAPH <{CURATED}> {{ <{BASE}id/city/tabriz> ?p "republished" }} }}'
    )
    assert bool(comment)


def test_keep_stale_leaves_graphs_that_left_the_dataset(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    publish_dataset(dataset_dir, store_url)
    changed, removed = changed_dataset(dataset_dir, tmp_path / "changed")

    report = publish_dataset(changed, store_url, prune=False)

    assert report.dropped == []
    assert store_counts(store_url)[removed] == dataset_counts(dataset_dir)[removed]


def test_without_update_each_graph_is_put_in_place(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    publish_dataset(dataset_dir, store_url, use_update=False)
    changed, removed = changed_dataset(dataset_dir, tmp_path / "changed")

    report = publish_dataset(changed, store_url, use_update=False)

    assert not report.staged
    assert report.dropped == [removed]
    assert store_counts(store_url) == dataset_counts(changed)


def test_a_failed_upload_leaves_the_live_graphs_as_they_were(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    publish_dataset(dataset_dir, store_url)
    changed, _ = changed_dataset(dataset_dir, tmp_path / "changed")

    with pytest.raises(PublishError) as caught:
        publish_dataset(changed, store_url, gsp=f"{store_url}/no-such-endpoint")

    message = str(caught.value)
    assert "HTTP 404" in message and "--gsp" in message
    assert "nothing was changed" in message
    assert store_counts(store_url) == dataset_counts(dataset_dir)


def test_a_failed_switch_leaves_the_live_graphs_and_no_staging_graphs(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    publish_dataset(dataset_dir, store_url)
    changed, _ = changed_dataset(dataset_dir, tmp_path / "changed")

    with pytest.raises(PublishError) as caught:
        publish_dataset(changed, store_url, update=f"{store_url}/no-such-endpoint")

    assert "--update" in str(caught.value)
    counts = store_counts(store_url)
    assert counts == dataset_counts(dataset_dir)
    assert not any(g.startswith(STAGING_PREFIX) for g in counts)


def test_an_unreachable_store_is_named_in_the_error(dataset_dir: Path) -> None:
    url = closed_port_url()
    with pytest.raises(StoreUnavailableError) as caught:
        publish_dataset(dataset_dir, url, timeout=5)
    assert url in str(caught.value)
    assert "is it running" in str(caught.value)


def test_a_missing_build_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="citydip-ld build"):
        publish_dataset(tmp_path, closed_port_url())


def test_the_graph_prefix_is_the_namespace_the_graphs_share() -> None:
    assert graph_prefix([f"{BASE}graph/a", f"{BASE}graph/b", CURATED]) == f"{BASE}graph/"
    assert graph_prefix([CURATED]) == f"{BASE}graph/"
    assert graph_prefix(["urn:a", "urn:b"]) is None


# ---------------------------------------------------------------- the command


def test_the_publish_command_checks_then_publishes(dataset_dir: Path, store_url: str) -> None:
    result = CliRunner().invoke(main, ["publish", "--dataset", str(dataset_dir), "--to", store_url])

    assert result.exit_code == 0, result.output
    counts = dataset_counts(dataset_dir)
    assert f"published {sum(counts.values())} triples in {len(counts)} graph(s)" in result.output
    assert store_counts(store_url) == counts


def test_the_publish_command_refuses_a_dataset_that_does_not_conform(
    dataset_dir: Path, store_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    nquads = (dataset_dir / "dataset.nq").read_text(encoding="utf-8")
    wuhan_en = next(line for line in nquads.splitlines() if '"Wuhan"@en' in line)
    (broken / "dataset.nq").write_text(nquads.replace(wuhan_en + "\n", ""), encoding="utf-8")
    args = ["publish", "--dataset", str(broken), "--to", store_url]

    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert "needs exactly one English and one Persian label" in refused.output
    assert "nothing was published" in refused.output and "--no-check" in refused.output
    assert store_counts(store_url) == {}

    forced = CliRunner().invoke(main, [*args, "--no-check"])
    assert forced.exit_code == 0, forced.output
    assert sum(store_counts(store_url).values()) == sum(dataset_counts(dataset_dir).values()) - 1


def test_the_publish_command_exits_2_when_the_store_is_unreachable(dataset_dir: Path) -> None:
    url = closed_port_url()
    result = CliRunner().invoke(
        main, ["publish", "--dataset", str(dataset_dir), "--to", url, "--no-check"]
    )
    assert result.exit_code == 2
    assert f"Error: cannot reach the store at {url}" in result.output


# ---------------------------------------------------------------- Virtuoso


@pytest.mark.external
@pytest.mark.skipif(VIRTUOSO is None, reason="virtuoso-t is not installed (virtuoso-opensource)")
def test_publish_to_virtuoso_then_serve_from_it(dataset_dir: Path, tmp_path: Path) -> None:
    with virtuoso_store(tmp_path / "virtuoso") as root:
        query_url = f"{root}/sparql"
        report = publish_dataset(dataset_dir, query_url, user="dba", password="dba", timeout=60)
        assert report.endpoints.gsp == f"{root}/sparql-graph-crud-auth"
        assert report.endpoints.update == f"{root}/sparql-auth"
        expected = dataset_counts(dataset_dir)
        counts = store_counts(query_url)
        assert {g: counts.get(g) for g in expected} == expected
        assert not any(g.startswith(STAGING_PREFIX) for g in counts)

        # Republishing replaces (Virtuoso's MOVE), and the store answers our pages' queries.
        publish_dataset(dataset_dir, query_url, user="dba", password="dba", timeout=60)
        store = RemoteSparqlStore(query_url)
        assert {g: store_counts(query_url).get(g) for g in expected} == expected
        assert bool(store.query(f"ASK {{ GRAPH ?g {{ <{BASE}id/city/tabriz> ?p ?o }} }}"))
        assert not bool(store.query(f"ASK {{ GRAPH ?g {{ <{BASE}id/city/nowhere> ?p ?o }} }}"))
        blank = store.query("SELECT ?b WHERE { GRAPH ?g { ?b ?p ?o } FILTER isBlank(?b) } LIMIT 1")
        assert isinstance(next(iter(blank))["b"], pyoxigraph.BlankNode)

        app = create_app({"TESTING": True, "STORE": query_url, "BASE": BASE})
        client = app.test_client()
        tabriz = next(q for q in competency_questions(BASE) if q.key == "tabriz-sister-cities")
        answer = client.post(
            "/sparql",
            data={"query": tabriz.query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200, answer.text
        partners = {row["partnerLabel"]["value"] for row in answer.json["results"]["bindings"]}
        assert {"Wuhan", "Kazan", "Baku"} <= partners
        page = client.get("/doc/city/tabriz.ttl")
        assert page.status_code == 200
        document = Graph().parse(data=page.text, format="turtle")
        tabriz, wuhan = URIRef(f"{BASE}id/city/tabriz"), URIRef(f"{BASE}id/city/wuhan")
        assert (tabriz, URIRef(f"{BASE}ontology#twinnedWith"), wuhan) in document
