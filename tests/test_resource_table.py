"""The resource table of a store folder's generation (`stores/resource_table.py`): `publish --to
DIR` writes the quads of every resource and its hash IRIs with the generation; documents read
a resource's own quads and those of its hash IRIs from it, and only its incoming links from
the store's index; a generation without it (published by older code) keeps being read by
index lookups; the documents are the same bytes either way."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from citydip_ld.conneg import FORMATS
from citydip_ld.stores import disk_publish, index_description, quad_table, store
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.disk_store import read_info
from citydip_ld.stores.index_description import TABLE_INCOMING
from citydip_ld.stores.resource_table import open_resource_table
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.documents import OXIGRAPH_FORMATS
from helpers import as_older_code_wrote_it, evict_from_page_cache, index_lookups

BASE = "http://localhost:5000/"


@pytest.fixture(scope="module")
def folder(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("resources") / "store"
    write_store_dir([dataset_dir / "dataset.nq"], target, BASE)
    return target


def resources(store: OxigraphStore) -> dict[str, list[str]]:
    """Every resource's block, by the store's index: the texts of the quads in named graphs
    whose subject is the resource (the IRI before `#`) or one of its hash IRIs, or whose
    object is the resource (an IRI without `#`) and whose subject is another resource's IRI
    (sorted; fewer than TABLE_INCOMING links to any resource in this dataset)."""
    found: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        subject = quad.subject
        if type(subject) is ox.NamedNode and type(quad.graph_name) is ox.NamedNode:
            mine = subject.value.partition("#")[0]
            found.setdefault(mine, set()).add(str(quad))
            target = quad.object
            if type(target) is ox.NamedNode and target.value != mine and "#" not in target.value:
                found.setdefault(quad.object.value, set()).add(str(quad))
    return {iri: sorted(texts) for iri, texts in found.items()}


def test_publish_writes_each_resource_with_its_hash_iris(folder: Path) -> None:
    store = OxigraphStore.from_store_dir(folder)
    table = store.resource_table()
    assert table is not None
    expected = resources(store)
    assert any(len({t.split(">")[0] for t in texts}) > 2 for texts in expected.values())
    blank = 0
    for iri, texts in expected.items():
        own = table.document(iri)
        if any(text.split("> ", 2)[2].startswith("_:") for text in texts):  # links to a blank node
            assert own is None, iri  # looked up: the store's blank node ids are not the dumps'
            blank += 1
            continue
        assert own is not None
        assert table.has(iri) is (iri in own.subjects)  # read in the text, not parsed
        found = [q for quads in own.subjects.values() for q in quads] + own.incoming
        assert sorted(str(q) for q in found) == texts, iri
    assert 0 < blank < len(expected) / 10
    tabriz = f"{BASE}id/city/tabriz"
    assert any(f"<{tabriz}#" in text for text in expected[tabriz])  # its hash IRIs
    assert any(not text.startswith(f"<{tabriz}") for text in expected[tabriz])  # links to it
    info = read_info(folder).resources
    assert info is not None and info["subjects"] == len(expected)
    assert info["quads"] == sum(len(texts) for texts in expected.values())
    assert table.quads(f"{BASE}id/city/nowhere") == []  # unknown: nothing, from the table
    assert table.has(f"{BASE}id/city/nowhere") is False
    assert table.quads(f"{BASE}id/city/tabriz#geometry") is None  # its resource holds it
    assert max(len(texts) for texts in expected.values()) < TABLE_INCOMING
    table.close()


def test_colliding_keys_keep_each_resource_apart(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many resources with one key (a 64-bit hash collides rarely; here on purpose): each
    block is taken only for the resource its first line names."""
    monkeypatch.setattr(quad_table, "table_key", lambda iri: len(iri) % 3 + (1 << 63))
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store")
    store = OxigraphStore.from_store_dir(tmp_path / "store")
    table = store.resource_table()
    assert table is not None
    for iri, texts in list(resources(store).items())[:300]:
        if "_:" not in "".join(texts):
            assert sorted(str(q) for q in table.quads(iri) or []) == texts, iri
    assert table.quads(f"{BASE}id/city") == []  # shares keys with many; none is its block


def test_a_table_this_process_cannot_read_is_not_used(folder: Path) -> None:
    generation = (folder / "current").resolve()
    recorded = read_info(folder).resources
    assert recorded is not None
    kept = TABLE_INCOMING
    assert open_resource_table(generation, recorded, kept) is not None
    for change in ({"pyoxigraph": "0.0.1"}, {"key": "other"}, {"byteorder": "middle"}):
        assert open_resource_table(generation, {**recorded, **change}, kept) is None
    assert open_resource_table(generation, {**recorded, "predicates": ["x"]}, kept) is None
    assert open_resource_table(generation, {**recorded, "subjects": 1}, kept) is None
    assert open_resource_table(generation, recorded, kept + 1) is None  # keeps other links
    assert open_resource_table(generation, {"unknown": 1}, kept) is None
    assert open_resource_table(generation, None, kept) is None


def test_a_table_whose_text_was_cut_short_is_not_used(folder: Path, tmp_path: Path) -> None:
    """A table whose text does not end where its offsets say (a copy cut short, a disk
    filled) is not read: its blocks would be cut or shifted."""
    generation = (folder / "current").resolve()
    recorded = read_info(folder).resources
    shutil.copytree(generation / "resources", tmp_path / "resources")
    assert open_resource_table(tmp_path, recorded, TABLE_INCOMING) is not None
    text = tmp_path / "resources" / "quads.nq"
    text.write_bytes(text.read_bytes()[:-1])
    assert open_resource_table(tmp_path, recorded, TABLE_INCOMING) is None


def test_on_the_loop_a_block_is_read_from_the_disk_only_while_the_disk_is_quick(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within `quick_reads` (granian's event loop), a block the page cache does not hold is
    read from the disk while reads are quick; one read slower than SLOW_READ makes such
    blocks raise BlockingIOError for SLOW_PAUSE seconds (their requests go to a thread),
    while blocks in the page cache are still read; outside, every block is read. What the
    page cache holds is said here (`_read_cached`): dropping a file's pages is not enough,
    as the kernel's read-ahead, started by the very read that finds a page missing, can
    bring them back before the next step (the fresh-clone CI failed so); the real question
    to the kernel is tested below."""
    import os
    import time

    table = OxigraphStore.from_store_dir(folder).resource_table()
    assert table is not None
    tabriz, wuhan = f"{BASE}id/city/tabriz", f"{BASE}id/city/wuhan"
    expected = {iri: table.text(iri) for iri in (tabriz, wuhan)}
    assert all(expected.values())
    cached: set[int] = set()  # the blocks (by offset) the page cache holds
    asked: list[int] = []

    def read_cached(descriptor: int, length: int, start: int) -> bytes | None:
        asked.append(start)
        return os.pread(descriptor, length, start) if start in cached else None

    monkeypatch.setattr(quad_table, "_RWF_NOWAIT", getattr(os, "RWF_NOWAIT", 8))
    monkeypatch.setattr(quad_table, "_read_cached", read_cached)
    monkeypatch.setattr(quad_table, "_slow_until", 0.0)
    monkeypatch.setattr(quad_table, "SLOW_READ", 60.0)  # every read from the disk is quick
    with quad_table.quick_reads():
        assert table.text(tabriz) == expected[tabriz]  # from the disk
    assert asked and quad_table._slow_until == 0.0
    monkeypatch.setattr(quad_table, "SLOW_READ", 0.0)  # every read from the disk is slow
    with quad_table.quick_reads():
        assert table.text(tabriz) == expected[tabriz]  # the slow read
        assert quad_table._slow_until > time.monotonic() + quad_table.SLOW_PAUSE - 5
        cached.update(asked)  # tabriz's block, just read, is in the page cache
        with pytest.raises(BlockingIOError):
            table.text(wuhan)  # not in the page cache: for a thread
        assert table.text(tabriz) == expected[tabriz]  # in the page cache: read
    assert not quad_table.reading_quickly()  # the block's end restores the usual reads
    assert table.text(wuhan) == expected[wuhan]  # a thread reads it from the disk
    cached.update(asked)
    with quad_table.quick_reads():
        assert table.text(wuhan) == expected[wuhan]  # now from the page cache


def test_the_page_cache_is_asked_whether_it_holds_a_block(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_read_cached` (`preadv` with `RWF_NOWAIT`): a block the page cache holds is read, one
    whose pages were dropped is not (None). The machine's memory monitor or the kernel's
    read-ahead may bring pages back at any moment, so the drop is tried a few times."""
    import os

    monkeypatch.setattr(quad_table, "_RWF_NOWAIT", quad_table._RWF_NOWAIT)  # restored after
    if quad_table._RWF_NOWAIT is None:
        pytest.skip("this system cannot ask the page cache (no preadv RWF_NOWAIT)")
    text = (folder / "current").resolve() / "resources" / "quads.nq"
    descriptor = os.open(text, os.O_RDONLY)
    try:
        whole = os.pread(descriptor, 4096, 0)
        found = quad_table._read_cached(descriptor, len(whole), 0)
        if quad_table._RWF_NOWAIT is None:
            pytest.skip("this file system refuses preadv RWF_NOWAIT")
        assert whole and found == whole
        for _ in range(10):
            evict_from_page_cache(text)
            if quad_table._read_cached(descriptor, len(whole), 0) is None:
                break
        else:
            pytest.fail("a block whose pages were dropped was read as if in the page cache")
    finally:
        os.close(descriptor)


def test_where_the_page_cache_cannot_be_asked_reads_are_timed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file system refuses `RWF_NOWAIT` (EOPNOTSUPP), it is not asked again; within
    `quick_reads` every block is read and timed, and after a slow one blocks raise
    BlockingIOError for a while; outside, they are read as usual."""
    import errno
    import os

    table = OxigraphStore.from_store_dir(folder).resource_table()
    assert table is not None
    iri = f"{BASE}id/city/tabriz"
    expected = table.text(iri)
    asked: list[int] = []

    def refusing(*args: Any) -> int:
        asked.append(args[-1])
        raise OSError(errno.EOPNOTSUPP, "not supported")

    monkeypatch.setattr(os, "preadv", refusing)
    monkeypatch.setattr(quad_table, "_RWF_NOWAIT", getattr(os, "RWF_NOWAIT", 8))
    monkeypatch.setattr(quad_table, "_slow_until", 0.0)
    with quad_table.quick_reads():
        assert table.text(iri) == expected
        assert table.text(iri) == expected
    assert len(asked) == 1 and quad_table._RWF_NOWAIT is None
    monkeypatch.setattr(quad_table, "SLOW_READ", 0.0)
    with quad_table.quick_reads():
        assert table.text(iri) == expected  # read, and found slow
        with pytest.raises(BlockingIOError):
            table.text(iri)
    assert table.text(iri) == expected


def test_documents_are_the_same_bytes_with_and_without_the_table(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = as_older_code_wrote_it(folder, tmp_path / "old", "resources")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0}
    with_table = create_app({**settings, "STORE": str(folder)}).test_client()
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    store = OxigraphStore.from_store_dir(folder)
    iris = sorted(iri for iri in resources(store) if iri.startswith(f"{BASE}id/"))
    assert len(iris) > 100
    asked = index_lookups(monkeypatch)
    looked_up: dict[str, list[Any]] = {"with": [], "without": []}
    for iri in iris:
        path = f"/doc/{iri.removeprefix(BASE + 'id/')}"
        for fmt in FORMATS:
            del asked[:]
            answer = with_table.get(f"{path}.{fmt.name}")
            assert answer.status_code == 200, (iri, fmt.name)
            rdf = fmt.rdflib_format in OXIGRAPH_FORMATS
            looked_up["with"] += [(fmt.name, p) for p in asked if whole(p, iri, incoming=rdf)]
            del asked[:]
            expected = looking_up.get(f"{path}.{fmt.name}")
            looked_up["without"] += [p for p in asked if whole(p, iri, incoming=True)]
            assert answer.data == expected.data, (iri, fmt.name)
            assert answer.headers["Content-Type"] == expected.headers["Content-Type"]
    # with the table, an RDF document looks up no quads of the resource, its hash IRIs or
    # the links to it; an HTML page looks up its incoming links (labels are asked by property)
    assert looked_up["with"] == []
    assert len(looked_up["without"]) > 2 * len(iris)


def whole(pattern: Any, iri: str, *, incoming: bool) -> bool:
    """Whether `pattern` asks for all the quads of `iri` or one of its hash IRIs, or (with
    `incoming`) all the links to `iri`."""
    subject, predicate, target, _graph = pattern
    if predicate is not None:
        return False
    if subject is not None and subject.value.startswith((iri, iri + "#")):
        return True
    return incoming and type(target) is ox.NamedNode and target.value == iri


def test_a_table_keeps_the_first_links_a_document_keeps(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where more resources link to one than a document keeps (at world L a country has
    100,000 cities), its block keeps one more than the document's first ones by subject,
    predicate and graph: the documents are the same bytes as from the store's index (here a
    document keeps 2 links)."""
    monkeypatch.setattr(index_description, "MAX_INCOMING", 2)
    monkeypatch.setattr(disk_publish, "TABLE_INCOMING", 3)
    monkeypatch.setattr(store, "TABLE_INCOMING", 3)
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0}
    with_table = create_app({**settings, "STORE": str(tmp_path / "store")}).test_client()
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    table = OxigraphStore.from_store_dir(tmp_path / "store").resource_table()
    assert table is not None
    everything = resources(OxigraphStore.from_store_dir(old))
    trimmed = 0
    for iri, texts in everything.items():
        if not iri.startswith(f"{BASE}id/"):
            continue
        own = table.document(iri)
        assert own is not None and len(own.incoming) <= 3
        trimmed += len(own.incoming) < sum(1 for t in texts if not t.startswith(f"<{iri}"))
        path = f"/doc/{iri.removeprefix(BASE + 'id/')}"
        for suffix in ("nq", "ttl"):
            answer = with_table.get(f"{path}.{suffix}")
            assert answer.data == looking_up.get(f"{path}.{suffix}").data, (iri, suffix)
    assert trimmed > 10


def test_blank_nodes_and_odd_iris_read_from_the_table(tmp_path: Path) -> None:
    """A resource linking to a blank node (looked up in the store: the table holds the dump's
    id), a hash IRI that links on to another, a literal with a line break: the document is
    the store's."""
    graph = ox.NamedNode(f"{BASE}graph/curated")
    city = f"{BASE}id/city/x-odd"
    p = ox.NamedNode("http://example.org/p")
    blank = ox.BlankNode()
    quads = [
        ox.Quad(ox.NamedNode(city), p, blank, graph),
        ox.Quad(blank, p, ox.Literal("in a blank node"), graph),
        ox.Quad(ox.NamedNode(city), p, ox.NamedNode(city + "#a"), graph),
        ox.Quad(ox.NamedNode(city + "#a"), p, ox.NamedNode(city + "#b"), graph),
        ox.Quad(ox.NamedNode(city + "#b"), p, ox.Literal("two hops\r\nand a break"), graph),
        ox.Quad(ox.NamedNode(city + "#unlinked"), p, ox.Literal("not in the document"), graph),
    ]
    dump = tmp_path / "dataset.nq"
    dump.write_bytes(bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""))
    write_store_dir([dump], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0}
    with_table = create_app({**settings, "STORE": str(tmp_path / "store")}).test_client()
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    for suffix in ("nq", "ttl", "jsonld"):
        answer = with_table.get(f"/doc/city/x-odd.{suffix}")
        assert answer.status_code == 200
        assert answer.data == looking_up.get(f"/doc/city/x-odd.{suffix}").data
    text = with_table.get("/doc/city/x-odd.nq").get_data(as_text=True)
    assert "in a blank node" in text and "two hops" in text
    assert "not in the document" not in text
