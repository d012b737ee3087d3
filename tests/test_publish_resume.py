"""A publication to a store folder killed after its load (at world L the load is 75 minutes;
what follows it most of an hour) is finished by the next publication of the same dumps
instead of loading again; anything else a killed publication left is removed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from citydip_ld.errors import LoadError
from citydip_ld.stores import disk_publish
from citydip_ld.stores.disk_publish import LOADED, write_store_dir
from citydip_ld.stores.disk_store import CURRENT, LISTS, read_info
from citydip_ld.web import create_app

BASE = "http://localhost:5000/"
KILLED_AFTER_THE_LOAD = """
import os, sys
from citydip_ld.stores import disk_publish
def killed(*_args):  # as `kill -9` would: no clean-up, no exception
    os._exit(9)
disk_publish.{step} = killed
disk_publish.write_store_dir([sys.argv[1]], sys.argv[2], {base!r})
"""


def killed_publication(dump: Path, folder: Path, step: str) -> None:
    """Publish `dump` into `folder` in a child process killed when it reaches `step`."""
    script = KILLED_AFTER_THE_LOAD.format(step=step, base=BASE)
    done = subprocess.run([sys.executable, "-c", script, str(dump), str(folder)], check=False)
    assert done.returncode == 9


def killed_with_a_load_record_lacking(dump: Path, folder: Path, key: str) -> Path:
    """The staging folder of a publication of `dump` into `folder` killed after its load,
    its load record without `key` (written by older code, or damaged)."""
    killed_publication(dump, folder, "write_lists")
    (staging,) = leftovers(folder)
    record = json.loads((staging / LOADED).read_text(encoding="utf-8"))
    del record[key]
    (staging / LOADED).write_text(json.dumps(record), encoding="utf-8")
    return staging


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.glob(".data-*.tmp"))


def documents(folder: Path) -> list[bytes]:
    client = create_app(
        {"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0}
    ).test_client()
    return [client.get(path).data for path in ("/doc/city/tabriz.ttl", "/doc/city/tabriz.nq")]


@pytest.fixture(scope="module")
def fresh(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fresh") / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    return folder


def test_a_publication_killed_after_its_load_is_finished_without_loading_again(
    dataset_dir: Path, fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    killed_publication(dataset_dir / "dataset.nq", folder, "write_lists")
    (staging,) = leftovers(folder)
    assert (staging / LOADED).is_file() and not (folder / CURRENT).exists()
    loads: list[object] = []
    load = disk_publish._load
    monkeypatch.setattr(disk_publish, "_load", lambda *a: loads.append(a) or load(*a))
    said: list[str] = []

    info = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE, said.append)

    assert loads == [] and any("resuming" in line for line in said)
    assert "writing the resource table" not in said  # written before the load, kept
    live = (folder / CURRENT).resolve()
    assert live.name == staging.name.removeprefix(".").removesuffix(".tmp")
    assert not (live / LOADED).exists() and leftovers(folder) == []
    expected = read_info(fresh)
    for field in ("quads", "graphs", "sources", "sha256", "statistics", "lists"):
        assert getattr(info, field) == getattr(expected, field), field
    assert info.labels is not None and info.labels["quads"] == expected.labels["quads"]  # type: ignore[index]
    assert info.resources == expected.resources
    assert (live / LISTS / "city.txt").read_bytes() == (
        (fresh / CURRENT).resolve() / LISTS / "city.txt"
    ).read_bytes()
    assert documents(folder) == documents(fresh)


def test_a_leftover_of_older_code_gets_its_resource_table_from_the_dumps(
    dataset_dir: Path, fresh: Path, tmp_path: Path
) -> None:
    """A load record written by older code names no resource table: the dumps (the same
    sums) are read for it, and the load is not done again."""
    folder = tmp_path / "store"
    killed_with_a_load_record_lacking(dataset_dir / "dataset.nq", folder, "resources")
    said: list[str] = []

    info = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE, said.append)

    assert any("resuming" in line for line in said) and "writing the resource table" in said
    assert info.resources is not None
    assert read_info(folder).resources == read_info(fresh).resources
    assert documents(folder) == documents(fresh)


def test_a_dump_changed_while_it_is_published_is_refused(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sums recorded are those the dumps had when the publication began; a dump
    rewritten before its resource table is read is refused, and nothing is switched."""
    dump = tmp_path / "dataset.nq"
    dump.write_bytes((dataset_dir / "dataset.nq").read_bytes())
    resumable = disk_publish._resumable

    def then_rewrite(target: Path, sums: list[str]) -> object:
        found = resumable(target, sums)
        dump.write_bytes(dump.read_bytes().replace(b"Tabriz", b"Tabrix"))
        return found

    monkeypatch.setattr(disk_publish, "_resumable", then_rewrite)
    with pytest.raises(LoadError, match="changed while it was being published"):
        write_store_dir([dump], tmp_path / "store", BASE)
    assert leftovers(tmp_path / "store") == [] and not (tmp_path / "store" / CURRENT).exists()


def test_other_dumps_are_loaded_afresh_and_the_leftover_removed(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    killed_publication(dataset_dir / "dataset.nq", folder, "write_label_table")
    (staging,) = leftovers(folder)
    changed = tmp_path / "changed" / "dataset.nq"
    changed.parent.mkdir()
    changed.write_bytes(
        (dataset_dir / "dataset.nq").read_bytes() + b"<urn:x> <urn:p> <urn:o> <urn:g> .\n"
    )
    loads: list[object] = []
    load = disk_publish._load
    monkeypatch.setattr(disk_publish, "_load", lambda *a: loads.append(a) or load(*a))

    info = write_store_dir([changed], folder, BASE)

    assert len(loads) == 1 and not staging.exists() and leftovers(folder) == []
    assert info.quads == read_info(folder).quads and info.graphs == 10


def test_a_publication_killed_during_its_load_is_removed_next_time(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    killed_publication(dataset_dir / "dataset.nq", folder, "_carry_source_maps")
    (staging,) = leftovers(folder)
    assert not (staging / LOADED).exists()

    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)

    assert not staging.exists() and leftovers(folder) == []
    assert (folder / CURRENT).resolve().name != staging.name.removeprefix(".").removesuffix(".tmp")


def test_an_interrupted_publication_keeps_a_whole_load_and_drops_a_partial_one(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    folder = tmp_path / "store"
    monkeypatch.setattr(disk_publish, "write_lists", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
    (staging,) = leftovers(folder)
    assert (staging / LOADED).is_file()

    monkeypatch.undo()
    monkeypatch.setattr(disk_publish, "_carry_source_maps", interrupt)
    other = tmp_path / "store2"
    with pytest.raises(KeyboardInterrupt):
        write_store_dir([dataset_dir / "dataset.nq"], other, BASE)
    assert leftovers(other) == []


def test_a_leftover_with_a_damaged_load_record_is_removed_not_kept_beside(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """A record naming the same dumps but without its load's seconds is no whole load to go
    on from: the leftover goes, as any other (it used to stay beside the new generation)."""
    folder = tmp_path / "store"
    staging = killed_with_a_load_record_lacking(dataset_dir / "dataset.nq", folder, "seconds")

    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)

    assert not staging.exists() and leftovers(folder) == []
