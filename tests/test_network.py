"""The twinning network: one definition (`citydip_ld.rdf.network`) read at build time and from a
store, and its files for graph tools (GraphML, CSV nodes and edges), checksummed and described
like the dumps."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from citydip_ld.rdf.dumps import NETWORK_FILES, list_dumps, read_checksums
from citydip_ld.rdf.network import Network, read_network
from citydip_ld.rdf.network_files import EDGE_COLUMNS, NODE_COLUMNS, graphml
from citydip_ld.stores.store import open_store

nx = pytest.importorskip("networkx")

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"
PARTNERS = {
    "baku", "erzurum", "ganja", "gaza", "istanbul", "karbala",
    "kazan", "khujand", "konya", "mogilev", "trabzon", "wuhan",
}  # fmt: skip


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_build_writes_the_network_files_checksummed(dataset_dir: Path) -> None:
    sums = read_checksums(dataset_dir)
    for name in NETWORK_FILES:
        content = (dataset_dir / name).read_bytes()
        assert sums[name] == hashlib.sha256(content).hexdigest()
    listed = {d.name: d for d in list_dumps(dataset_dir)}
    assert listed["network.graphml"].media_type == "application/graphml+xml"
    assert listed["network-edges.csv"].media_type == "text/csv"
    assert not listed["network-nodes.csv"].is_rdf and listed["dataset.ttl"].is_rdf


def test_the_graphml_loads_in_networkx_with_tabriz_and_its_12_partners(dataset_dir: Path) -> None:
    graph = nx.read_graphml(dataset_dir / "network.graphml")
    assert not graph.is_directed()
    assert graph.number_of_nodes() == 18  # every city of data/places.yaml
    assert graph.number_of_edges() == 12  # every twinning
    assert graph.degree(TABRIZ) == 12
    assert {iri.rsplit("/", 1)[1] for iri in graph.neighbors(TABRIZ)} == PARTNERS
    tabriz = graph.nodes[TABRIZ]
    assert (tabriz["label_en"], tabriz["label_fa"]) == ("Tabriz", "تبریز")
    assert tabriz["country"] == f"{BASE}id/country/iran"
    assert (tabriz["country_en"], tabriz["country_fa"]) == ("Iran", "ایران")
    assert (tabriz["lat"], tabriz["long"], tabriz["partners"]) == (38.08, 46.2919, 12)
    wuhan = graph.edges[TABRIZ, f"{BASE}id/city/wuhan"]
    assert wuhan["id"] == f"{BASE}id/twinning/tabriz-wuhan"
    assert (wuhan["date_written"], wuhan["date_calendar"]) == ("1395-03", "jalali")
    assert wuhan["date_printed"] == "خرداد ۱۳۹۵"
    assert (wuhan["date_first_day"], wuhan["date_last_day"]) == ("2016-05-21", "2016-06-20")
    assert wuhan["date_on_or_before"] is False
    assert wuhan["articles"] == f"{BASE}id/article/004_aa1ce6595c509616"
    assert wuhan["kind"] == f"{BASE}id/concept/friendship-and-cooperation"
    assert "date_written" not in graph.edges[TABRIZ, f"{BASE}id/city/baku"]  # no date: no data


def test_the_csv_files_round_trip_to_the_same_graph(dataset_dir: Path) -> None:
    nodes = rows(dataset_dir / "network-nodes.csv")
    edges = rows(dataset_dir / "network-edges.csv")
    assert list(nodes[0]) == ["id", *(name for name, _, _ in NODE_COLUMNS)]
    assert list(edges[0]) == ["id", "source", "target", *(name for name, _, _ in EDGE_COLUMNS)]
    graph = nx.Graph()
    graph.add_nodes_from((row["id"], row) for row in nodes)
    graph.add_edges_from((row["source"], row["target"], row) for row in edges)
    from_graphml = nx.read_graphml(dataset_dir / "network.graphml")
    assert set(graph.nodes) == set(from_graphml.nodes)
    assert {frozenset(e) for e in graph.edges} == {frozenset(e) for e in from_graphml.edges}
    for row in nodes:
        graphml_node = from_graphml.nodes[row["id"]]
        assert row["label_fa"] == graphml_node["label_fa"]
        assert int(row["partners"]) == graphml_node["partners"] == graph.degree(row["id"])
        assert float(row["lat"]) == graphml_node["lat"]
    assert graph.degree(TABRIZ) == 12
    assert (dataset_dir / "network-nodes.csv").read_bytes().startswith(b"id,label,")
    # Persian text is UTF-8, no byte-order mark.
    assert "تبریز".encode() in (dataset_dir / "network-nodes.csv").read_bytes()


def test_the_build_and_the_store_read_one_network(dataset_dir: Path) -> None:
    store = open_store(dataset_dir, workers=0)
    served = read_network(store, BASE)
    written = nx.read_graphml(io.BytesIO(graphml(served)))
    from_build = nx.read_graphml(dataset_dir / "network.graphml")
    assert nx.utils.graphs_equal(written, from_build)
    assert graphml(served) == (dataset_dir / "network.graphml").read_bytes()


def test_ego_and_country_subnetworks(dataset_dir: Path) -> None:
    network = read_network(open_store(dataset_dir, workers=0), BASE)
    ego = network.ego(TABRIZ)
    assert (len(ego.nodes), len(ego.edges), ego.focus) == (13, 12, TABRIZ)
    alone = network.ego(f"{BASE}id/city/tehran")
    assert (len(alone.nodes), len(alone.edges)) == (1, 0)
    for node in network.nodes:  # the index gives what the scan over every twinning gave
        around = {node.iri} | {
            end
            for e in network.edges
            if node.iri in (e.source, e.target)
            for end in (e.source, e.target)
        }
        assert network.ego(node.iri) == network._subnetwork(around, both_ends=True, focus=node.iri)
    turkey = network.for_country(f"{BASE}id/country/turkey")
    names = sorted(n.label_en for n in turkey.nodes)
    assert names == ["Erzurum", "Istanbul", "Konya", "Tabriz", "Trabzon"]  # and their partner
    assert len(turkey.edges) == 4
    assert [(c.label_en, n) for c, n in network.countries()][:2] == [
        ("Azerbaijan", 2),
        ("Belarus", 1),
    ]


def test_files_are_deterministic_and_escape_markup() -> None:
    from citydip_ld.rdf.network import Country, NetworkEdge, NetworkNode

    country = Country("http://x/c", "A & B", "")
    nodes = (
        NetworkNode("http://x/a", 'a "<1>"', "ا", country, 1.5, None, 1, 1),
        NetworkNode("http://x/b", "b,c", "ب", None, None, None, 1, 1),
    )
    edge = NetworkEdge("http://x/t?a&b", "http://x/a", "http://x/b", date_on_or_before=True)
    network = Network(nodes, (edge,))
    loaded = nx.read_graphml(io.BytesIO(graphml(network)))
    assert loaded.nodes["http://x/a"]["label_en"] == 'a "<1>"'
    assert loaded.nodes["http://x/a"]["country_en"] == "A & B"
    assert "long" not in loaded.nodes["http://x/a"]
    assert loaded.edges["http://x/a", "http://x/b"]["date_on_or_before"] is True
    assert graphml(network) == graphml(Network(nodes, (edge,)))


def test_build_format_network_writes_the_same_bytes_again(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """`build --format network` writes only the network files (and the context, checksums and
    the source map every build writes), byte for byte what a full build wrote."""
    from citydip_ld.rdf.output import FORMAT_NAMES, build_directory

    data = Path(__file__).resolve().parent.parent / "data"
    build_directory(data, tmp_path, base=BASE, names=[FORMAT_NAMES["network"]])
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(["SHA256SUMS", "context.jsonld", "sources.tsv", *NETWORK_FILES])
    for name in NETWORK_FILES:
        assert (tmp_path / name).read_bytes() == (dataset_dir / name).read_bytes(), name
