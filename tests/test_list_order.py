"""A store folder's list orders from one pass over the labels (`stores/list_order.py`) are the
order of `describe.ordered_resources`' SPARQL query for every kind: on the shipped data, and on
labels chosen to part them (language tags, case, ties, several labels, graphs, hash IRIs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citydip_ld.iris import KINDS
from citydip_ld.stores import disk_publish
from citydip_ld.stores.describe import ordered_resources
from citydip_ld.stores.list_order import list_orders
from citydip_ld.stores.listing import FileListing
from citydip_ld.stores.store import OxigraphStore

BASE = "http://localhost:5000/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
G = "<http://localhost:5000/graph/g>"
AWKWARD = [
    ("city/b", '"Zeta"@en'),
    ("city/a", '"zeta"@en'),  # ties with city/b once lowered: then by IRI
    ("city/c", '"alpha"@fa'),  # any label after every English one
    ("city/d", '"Beta"@EN-gb'),  # English by its tag's first part, whatever its case
    ("city/e", '"beta"@enx'),  # not English
    ("city/f", '"ÉCOLE"@en'),
    ("city/g", '"ecole"@en'),
    ("city/h", '"İstanbul"@en'),  # lower case of dotted I is two code points
    ("city/i", '"ΟΔΟΣ"@en'),  # final sigma
    ("city/j", '"تبریز"@fa'),
    ("city/j", '"Tabriz"@en'),  # the smallest key of several labels
    ("city/k", '"x\\u2028y"'),  # no language: "1"
    ("city/l", '"a"^^<http://www.w3.org/2001/XMLSchema#string>'),
    ("city/m#here", '"hash IRIs are not listed"@en'),
    ("city/", '"an empty slug still counts"@en'),
    ("cityscape/x", '"another kind\'s prefix"@en'),
    ("twinning/t1", '"A twinning"@en'),
]


def nquads(extra: str = "") -> bytes:
    lines = [f"<{BASE}id/{path}> {LABEL} {label} {G} ." for path, label in AWKWARD]
    lines.append(f'<{BASE}id/city/n> {LABEL} "default graph only"@en .')
    lines.append(f'<http://example.org/id/city/o> {LABEL} "another base"@en {G} .')
    lines.append(f'_:b {LABEL} "a blank node"@en {G} .')
    return ("\n".join(lines) + "\n" + extra).encode("utf-8")


def by_sparql(store: OxigraphStore) -> dict[str, list[str]]:
    return {kind: ordered_resources(store, f"{BASE}id/{kind}/") for kind in KINDS}


def test_the_shipped_data_is_listed_in_the_querys_order(dataset_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    orders = list_orders(store, BASE, KINDS)
    assert orders == by_sparql(store)
    assert len(orders["city"]) > 10 and len(orders["article"]) == 5  # type: ignore[index]


def test_awkward_labels_are_listed_in_the_querys_order() -> None:
    store = OxigraphStore.from_nquads(nquads())
    orders = list_orders(store, BASE, KINDS)
    assert orders is not None
    assert orders == by_sparql(store)
    assert orders["city"][:3] == [f"{BASE}id/city/", f"{BASE}id/city/d", f"{BASE}id/city/g"]
    assert f"{BASE}id/city/n" not in orders["city"] and orders["twinning"] == [
        f"{BASE}id/twinning/t1"
    ]


def test_a_label_that_is_no_literal_leaves_the_order_to_the_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = OxigraphStore.from_nquads(nquads(f"<{BASE}id/city/z> {LABEL} <urn:x> {G} .\n"))
    assert list_orders(store, BASE, KINDS) is None
    asked: list[str] = []
    monkeypatch.setattr(
        disk_publish, "ordered_resources", lambda s, prefix: asked.append(prefix) or []
    )
    disk_publish.write_lists(store, BASE, tmp_path)
    assert asked == [f"{BASE}id/{kind}/" for kind in KINDS]


def test_publish_writes_the_one_pass_order(dataset_dir: Path, tmp_path: Path) -> None:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    counts = disk_publish.write_lists(store, BASE, tmp_path)
    expected = by_sparql(store)
    for kind in KINDS:
        listing = FileListing(tmp_path / f"{kind}.txt")
        assert counts[kind] == len(expected[kind])
        assert list(listing.page(0, len(expected[kind]) + 1)) == expected[kind], kind
