"""The twinning network (`citydip_ld.rdf.network`) as files for Gephi, NetworkX, igraph or R:
GraphML (`network.graphml`) and CSV (`network-nodes.csv`, `network-edges.csv`; UTF-8, a header
row, RFC 4180 quoting and line ends).

Ids are our IRIs: a node's `id` is the city's IRI, an edge's `id` the twinning's IRI, and an
edge's `source` and `target` are node ids (source < target; the network is undirected). Both
formats carry the same columns, an empty cell or a missing GraphML `<data>` where the data
has no value. `label` repeats `label_en`: Gephi shows the column of that name. Several
articles are separated by a space. Pure and deterministic: the same network, the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from citydip_ld.rdf.network import Network, NetworkEdge, NetworkNode

GRAPHML_FILE = "network.graphml"
NODES_FILE = "network-nodes.csv"
EDGES_FILE = "network-edges.csv"

Value = str | int | float | bool | None

#: (column, GraphML type, value) for nodes and edges, in column order.
NODE_COLUMNS: tuple[tuple[str, str, Callable[[NetworkNode], Value]], ...] = (
    ("label", "string", lambda n: n.label_en),
    ("label_en", "string", lambda n: n.label_en),
    ("label_fa", "string", lambda n: n.label_fa),
    ("country", "string", lambda n: n.country.iri if n.country else None),
    ("country_en", "string", lambda n: n.country.label_en if n.country else None),
    ("country_fa", "string", lambda n: n.country.label_fa if n.country else None),
    ("lat", "double", lambda n: n.lat),
    ("long", "double", lambda n: n.long),
    ("partners", "int", lambda n: n.partners),
    ("twinnings", "int", lambda n: n.twinnings),
)
EDGE_COLUMNS: tuple[tuple[str, str, Callable[[NetworkEdge], Value]], ...] = (
    ("label", "string", lambda e: e.label_en),
    ("label_en", "string", lambda e: e.label_en),
    ("label_fa", "string", lambda e: e.label_fa),
    ("kind", "string", lambda e: e.kind),
    ("date_written", "string", lambda e: e.date_written),
    ("date_calendar", "string", lambda e: e.date_calendar),
    ("date_printed", "string", lambda e: e.date_printed),
    ("date_first_day", "string", lambda e: e.date_first_day),
    ("date_last_day", "string", lambda e: e.date_last_day),
    ("date_on_or_before", "boolean", lambda e: e.date_on_or_before),
    ("articles", "string", lambda e: " ".join(e.articles) or None),
)


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: An item's id(s) (a node's IRI; an edge's IRI, source and target), then each column's
#: text, None where the data has no value: computed once for the CSV and GraphML files.
Cells = tuple[list[str], list[str | None]]


def _node_cells(network: Network) -> list[Cells]:
    return [
        ([node.iri], [None if (v := get(node)) is None else _cell(v) for _, _, get in NODE_COLUMNS])
        for node in network.nodes
    ]


def _edge_cells(network: Network) -> list[Cells]:
    return [
        (
            [edge.iri, edge.source, edge.target],
            [None if (v := get(edge)) is None else _cell(v) for _, _, get in EDGE_COLUMNS],
        )
        for edge in network.edges
    ]


def _csv(header: list[str], rows: list[Cells]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([*ids, *(cell or "" for cell in cells)] for ids, cells in rows)
    return out.getvalue().encode("utf-8")


def nodes_csv(network: Network) -> bytes:
    """`network-nodes.csv`: `id` then `NODE_COLUMNS`, one row per city."""
    return _csv(["id", *(name for name, _, _ in NODE_COLUMNS)], _node_cells(network))


def edges_csv(network: Network) -> bytes:
    """`network-edges.csv`: `id`, `source`, `target` then `EDGE_COLUMNS`, one row per
    twinning."""
    header = ["id", "source", "target", *(name for name, _, _ in EDGE_COLUMNS)]
    return _csv(header, _edge_cells(network))


def _data(keys: list[str], cells: list[str | None]) -> list[str]:
    return [
        f'      <data key="{key}">{escape(cell)}</data>'
        for key, cell in zip(keys, cells, strict=True)
        if cell is not None
    ]


def graphml(network: Network) -> bytes:
    """`network.graphml`: an undirected graph, node and edge ids our IRIs, the same columns
    as the CSV files as typed GraphML keys."""
    return _graphml(_node_cells(network), _edge_cells(network))


def _graphml(nodes: list[Cells], edges: list[Cells]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    for prefix, target, columns in (("n", "node", NODE_COLUMNS), ("e", "edge", EDGE_COLUMNS)):
        for name, kind, _ in columns:
            lines.append(
                f'  <key id="{prefix}_{name}" for="{target}" attr.name="{name}"'
                f' attr.type="{kind}"/>'
            )
    lines.append('  <graph id="twinnings" edgedefault="undirected">')
    node_keys = [f"n_{name}" for name, _, _ in NODE_COLUMNS]
    for (iri,), cells in nodes:
        lines.append(f"    <node id={quoteattr(iri)}>")
        lines += _data(node_keys, cells)
        lines.append("    </node>")
    edge_keys = [f"e_{name}" for name, _, _ in EDGE_COLUMNS]
    for (iri, source, target), cells in edges:
        lines.append(
            f"    <edge id={quoteattr(iri)} source={quoteattr(source)} target={quoteattr(target)}>"
        )
        lines += _data(edge_keys, cells)
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>", ""]
    return "\n".join(lines).encode("utf-8")


def network_files(network: Network) -> dict[str, bytes]:
    """File name -> bytes of the three network files (each value computed once for both)."""
    nodes, edges = _node_cells(network), _edge_cells(network)
    return {
        GRAPHML_FILE: _graphml(nodes, edges),
        NODES_FILE: _csv(["id", *(name for name, _, _ in NODE_COLUMNS)], nodes),
        EDGES_FILE: _csv(["id", "source", "target", *(name for name, _, _ in EDGE_COLUMNS)], edges),
    }
