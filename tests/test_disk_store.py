"""An on-disk store folder: `publish --to DIR` loads the built dataset into a new generation
and switches to it atomically; `serve --store DIR` answers from it read-only, in the web
process and in every SPARQL worker, without loading a copy into memory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph
import pytest

from citydip_ld.errors import LoadError
from citydip_ld.stores import describe, disk_publish
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.disk_store import (
    CURRENT,
    LOCK,
    is_store_dir,
    live_generation,
    open_generation,
    read_info,
)
from citydip_ld.stores.folder_store import FolderStore
from citydip_ld.stores.listing import FileListing, MemoryListing, write_listing
from citydip_ld.stores.store import OxigraphStore, open_store
from citydip_ld.validation.competency import competency_questions
from citydip_ld.web import context, create_app, resources
from helpers import run_cli
from remote_support import dataset_counts, write_dataset

BASE = "http://localhost:5000/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def quad_count(store: OxigraphStore) -> int:
    return int(next(iter(store.query(COUNT)))["n"].value)


def generations(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("data-"))


def test_publish_to_a_folder_writes_a_store_that_serve_answers_from(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    code, output = run_cli(
        "--base", BASE, "publish", "--dataset", str(dataset_dir), "--to", str(folder)
    )

    assert code == 0, output
    total = sum(dataset_counts(dataset_dir).values())
    # five articles, curated, links, ontology, shapes
    assert f"loaded {total} quads in 9 named graph(s)" in output
    assert is_store_dir(folder)
    info = read_info(folder)
    assert (info.quads, info.graphs, info.sources) == (total, 9, ["dataset.nq"])

    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 1})
    client = app.test_client()
    tabriz = next(q for q in competency_questions(BASE) if q.key == "tabriz-sister-cities")
    answer = client.get(
        "/sparql", query_string={"query": tabriz.query}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    partners = {row["partnerLabel"]["value"] for row in answer.json["results"]["bindings"]}
    assert len(partners) == 12 and {"Wuhan", "Kazan", "Baku"} <= partners
    document = client.get("/doc/city/tabriz.ttl")
    assert document.status_code == 200
    assert f"<{BASE}id/city/wuhan>" in document.text or "city:wuhan" in document.text


def test_the_store_is_opened_read_only_and_shared_per_generation(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)

    store = open_store(folder, workers=0)
    assert open_store(folder, workers=0) is store
    assert isinstance(store, FolderStore)
    assert store.current() is store.current()
    assert store.generation == str(live_generation(folder))
    assert quad_count(store.current()) == read_info(folder).quads
    with pytest.raises(RuntimeError, match="read-write"):  # pyoxigraph's read-only mode
        open_generation(live_generation(folder)).update("INSERT DATA { <s:a> <s:b> <s:c> }")


def test_republishing_switches_generations_and_keeps_the_previous_one(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    first = live_generation(folder)
    old = OxigraphStore.from_store_dir(folder)
    before = quad_count(old)

    quads = list(
        pyoxigraph.parse(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    )
    smaller = write_dataset(tmp_path / "smaller", quads[: len(quads) // 2])
    write_store_dir([smaller / "dataset.nq"], folder)
    second = live_generation(folder)

    assert second != first
    assert quad_count(OxigraphStore.from_store_dir(folder)) == len(quads) // 2
    assert quad_count(old) == before  # an open store keeps reading its own generation
    assert (folder / CURRENT).readlink() == Path(second.name)  # relative: the folder can move

    write_store_dir([dataset_dir / "dataset.nq"], folder)
    assert generations(folder) == sorted([second.name, live_generation(folder).name])


def test_a_failed_load_leaves_the_live_generation_and_no_staging(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    live = live_generation(folder)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "dataset.nq").write_text("<http://example.org/s> <p> .\n", encoding="utf-8")

    code, output = run_cli("publish", "--no-check", "--dataset", str(broken), "--to", str(folder))

    assert code == 2
    assert "not valid N-Quads" in output and "Traceback" not in output
    assert live_generation(folder) == live
    assert sorted(p.name for p in folder.iterdir()) == sorted([CURRENT, LOCK, live.name])
    assert quad_count(OxigraphStore.from_store_dir(folder)) == read_info(folder).quads


def test_the_dumps_are_not_needed_once_loaded(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A world-sized load may delete its dumps once read to make room for the compaction:
    the sums are taken before the load, so the publication still completes."""
    dump = tmp_path / "build" / "dataset.nq"
    dump.parent.mkdir()
    dump.write_bytes((dataset_dir / "dataset.nq").read_bytes())
    expected = hashlib.sha256(dump.read_bytes()).hexdigest()
    carry = disk_publish._carry_source_maps

    def carry_then_delete(paths: list[Path], generation: Path) -> None:
        carry(paths, generation)
        dump.unlink()

    monkeypatch.setattr(disk_publish, "_carry_source_maps", carry_then_delete)
    folder = tmp_path / "store"
    info = write_store_dir([dump], folder)

    assert not dump.exists() and is_store_dir(folder)
    assert info.sha256 == [expected] == read_info(folder).sha256


def test_the_record_names_each_dump_so_shards_of_one_name_stay_apart(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """Shards are built into folders of their own, each with its `dataset.nq`: the store's
    record names them by their path below the folder they share, in load order."""
    dumps = []
    for shard in ("shard-b", "shard-a"):
        dump = tmp_path / "shards" / shard / "build" / "dataset.nq"
        dump.parent.mkdir(parents=True)
        dump.write_bytes((dataset_dir / "dataset.nq").read_bytes())
        dumps.append(dump)
    info = write_store_dir(dumps, tmp_path / "store")

    expected = ["shard-b/build/dataset.nq", "shard-a/build/dataset.nq"]
    assert info.sources == expected == read_info(tmp_path / "store").sources
    assert disk_publish.source_names([dumps[0], tmp_path / "other.nq"]) == [
        "dataset.nq",
        "other.nq",
    ]


def test_a_folder_that_is_not_a_store_is_refused(dataset_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")

    with pytest.raises(LoadError, match="not empty and not a citydip-ld store folder"):
        write_store_dir([dataset_dir / "dataset.nq"], folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    with pytest.raises(LoadError, match="not a citydip-ld store folder"):
        live_generation(folder)


def test_serving_a_store_folder_needs_no_build_and_reuses_its_statistics(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    info = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    assert info.statistics is not None
    counted = info.statistics_for(BASE)
    assert counted is not None and counted.kinds["city"] == 18
    assert info.statistics_for("http://example.org/other/") is None
    monkeypatch.chdir(tmp_path)  # no build/ here

    def no_counting(*_args: object) -> None:
        raise AssertionError("the statistics kept with the store should have been used")

    monkeypatch.setattr(context, "compute_statistics", no_counting)
    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0})
    client = app.test_client()
    home = client.get("/")
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})

    assert home.status_code == 200
    assert '<span class="count" data-kind="city">18</span>' in home.text
    assert f"<strong>{counted.triples}</strong>" in home.text
    assert void.status_code == 200
    assert f'"{counted.triples}"^^<http://www.w3.org/2001/XMLSchema#integer>' in void.text


def test_list_orders_are_written_at_publish_and_paged_from_the_files(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    info = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    assert info.lists is not None and info.lists["city"] == 18
    monkeypatch.setattr(resources, "LIST_PAGE_SIZE", 5)
    in_memory = create_app(
        {"TESTING": True, "BASE": BASE, "DATASET_DIR": str(dataset_dir), "QUERY_WORKERS": 0}
    ).test_client()
    expected = {n: in_memory.get(f"/doc/city/?page={n}").data for n in range(1, 6)}

    def never(*_args: object) -> None:
        raise AssertionError("the list order kept with the store should have been used")

    monkeypatch.setattr(describe, "ordered_resources", never)
    from_folder = create_app(
        {"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0}
    ).test_client()
    for n, body in expected.items():
        assert from_folder.get(f"/doc/city/?page={n}").data == body, n
    assert b"Page 4 of 4" in expected[4] and b"tabriz" in b"".join(expected.values())


def test_a_file_listing_reads_any_page_like_a_list(tmp_path: Path) -> None:
    iris = [f"http://example.org/id/city/{i:05d}-تبریز" for i in range(2500)]
    path = tmp_path / "lists" / "city.txt"
    assert write_listing(path, iris) == 2500
    listing, memory = FileListing(path), MemoryListing(iris)
    assert len(listing) == len(memory) == 2500
    for start, stop in ((0, 1000), (1000, 2000), (2000, 3000), (2499, 2600), (3000, 4000)):
        assert listing.page(start, stop) == memory.page(start, stop) == iris[start:stop]
    with pytest.raises(ValueError, match="line break"):
        write_listing(tmp_path / "bad.txt", ["http://example.org/a\nb"])
    assert len(FileListing(_empty(tmp_path))) == 0


def test_a_file_listing_keeps_an_iri_with_a_line_separator_whole(tmp_path: Path) -> None:
    """U+2028 may appear in an IRI (and U+0085 in its text here): `str.splitlines` would end
    a line there."""
    iris = ["http://example.org/id/city/a\u2028b", "http://example.org/id/city/c\x85d", "x"]
    path = tmp_path / "city.txt"
    write_listing(path, iris)
    assert FileListing(path).page(0, 3) == iris
    assert FileListing(path).page(1, 2) == iris[1:2]


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.txt"
    write_listing(path, [])
    return path
