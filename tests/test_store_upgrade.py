"""`citydip-ld upgrade-store DIR` (`stores/store_upgrade.py`): a store folder published by older
code gets what a publication writes now (the label and resource tables; statistics and list
orders) in a new
generation made of hard links to the live one's files, without loading the dumps again; the
documents are the same bytes, and a folder already up to date is left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citydip_ld.errors import LoadError
from citydip_ld.stores.disk_publish import publish_lock
from citydip_ld.stores.disk_store import CURRENT, LISTS, MARKER, read_info
from citydip_ld.stores.index_description import LABEL_TERMS
from citydip_ld.stores.label_table import LABELS
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.stores.store_upgrade import (
    LABEL_TABLE,
    RESOURCE_TABLE,
    STATISTICS,
    upgrade_advice,
    upgrade_store_dir,
)
from helpers import as_older_code_wrote_it, folder_answers, run_cli

BASE = "http://localhost:5000/"
DOCUMENTS = ("/doc/city/tabriz.ttl", "/doc/city/tabriz.nq", "/doc/city/tabriz.jsonld", "/")


def answers(folder: Path) -> dict[str, tuple[int, bytes, str | None]]:
    return folder_answers(folder, DOCUMENTS, BASE)


def sst_inodes(generation: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in generation.iterdir() if p.suffix == ".sst"}


def test_an_older_folder_gets_the_label_table_in_a_new_generation_of_hard_links(
    published: Path, tmp_path: Path
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    before = (old / CURRENT).resolve()
    expected = answers(old)

    code, output = run_cli("--base", BASE, "upgrade-store", str(old))

    assert code == 0, output
    after = (old / CURRENT).resolve()
    assert after != before and before.is_dir()  # switched; the old one kept as the previous
    assert f"wrote the {LABEL_TABLE} into a new generation {after.name}" in output
    info, was = read_info(old), json.loads((before / MARKER).read_text(encoding="utf-8"))
    assert (info.quads, info.graphs, info.sources, info.sha256, info.created) == (
        was["quads"],
        was["graphs"],
        was["sources"],
        was["sha256"],
        was["created"],
    )
    assert info.upgraded_from == before.name and info.labels is not None
    assert sst_inodes(after) == sst_inodes(before) != {}  # the same files, not copies
    assert (after / LISTS / "city.txt").samefile(before / LISTS / "city.txt")
    assert OxigraphStore.from_store_dir(old).label_table(LABEL_TERMS) is not None
    assert answers(old) == expected


def test_an_older_folder_gets_the_resource_table_and_the_same_answers(
    published: Path, tmp_path: Path
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels", "resources")
    before = (old / CURRENT).resolve()
    expected = answers(old)
    assert OxigraphStore.from_store_dir(old).resource_table() is None

    upgrade = upgrade_store_dir(old, BASE)

    assert upgrade.written == (LABEL_TABLE, RESOURCE_TABLE)
    info = read_info(old)
    assert info.upgraded_from == before.name and info.resources is not None
    published_info = read_info(published).resources
    assert published_info is not None  # the same blocks; blank node ids are the store's here
    assert (info.resources["subjects"], info.resources["quads"]) == (
        published_info["subjects"],
        published_info["quads"],
    )
    assert OxigraphStore.from_store_dir(old).resource_table() is not None
    assert answers(old) == expected
    again = as_older_code_wrote_it(old, tmp_path / "again", "resources")
    was = (again / CURRENT).resolve()
    assert upgrade_store_dir(again, BASE).written == (RESOURCE_TABLE,)
    labels = (again / CURRENT).resolve() / LABELS / "quads.nq"
    assert labels.samefile(was / LABELS / "quads.nq")  # linked, not written again


def test_an_upgraded_folder_is_up_to_date(published: Path, tmp_path: Path) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    upgrade_store_dir(old, BASE)
    live = (old / CURRENT).resolve()

    code, output = run_cli("--base", BASE, "upgrade-store", str(old))

    assert code == 0, output
    assert "is up to date; nothing was changed" in output
    assert (old / CURRENT).resolve() == live
    assert upgrade_store_dir(published, BASE).written == ()  # published by this code


def test_missing_statistics_and_lists_are_counted_from_the_store(
    published: Path, tmp_path: Path
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "statistics", "lists")
    expected = answers(old)

    upgrade = upgrade_store_dir(old, BASE)

    assert upgrade.written == (STATISTICS,)
    info, fresh = read_info(old), read_info(published)
    assert (info.statistics, info.lists) == (fresh.statistics, fresh.lists)
    live, original = (old / CURRENT).resolve(), (published / CURRENT).resolve()
    for kind in fresh.lists or {}:
        assert (live / LISTS / f"{kind}.txt").read_bytes() == (
            original / LISTS / f"{kind}.txt"
        ).read_bytes()
    assert answers(old) == expected


def test_a_folder_that_is_not_a_store_is_refused_plainly(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    code, output = run_cli("upgrade-store", str(tmp_path / "notes"))
    assert code == 2
    assert "not a citydip-ld store folder" in output and "Traceback" not in output


def test_an_upgrade_waits_for_no_publication(published: Path, tmp_path: Path) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    live = (old / CURRENT).resolve()
    with publish_lock(old), pytest.raises(LoadError, match="another `citydip-ld publish`"):
        upgrade_store_dir(old, BASE)
    assert (old / CURRENT).resolve() == live
    assert not [p for p in old.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_upgrade_leaves_the_live_generation_and_no_staging(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    live = (old / CURRENT).resolve()

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("citydip_ld.stores.store_upgrade.write_label_table", full)
    with pytest.raises(LoadError, match=r"free disk space.*unchanged"):
        upgrade_store_dir(old, BASE)
    assert (old / CURRENT).resolve() == live
    assert sorted(p.name for p in old.iterdir() if p.name.startswith((".data", "data"))) == [
        live.name
    ]


def test_a_record_written_by_newer_code_is_still_read(published: Path, tmp_path: Path) -> None:
    newer = as_older_code_wrote_it(published, tmp_path / "newer")
    marker = (newer / CURRENT).resolve() / MARKER
    data = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**data, "said_later": {"x": 1}}), encoding="utf-8")
    assert read_info(newer).quads == data["quads"]


def test_statistics_counted_for_another_base_are_not_counted_again(
    published: Path, tmp_path: Path
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    upgrade = upgrade_store_dir(old, "https://example.org/other/")
    assert upgrade.written == (LABEL_TABLE,)
    assert read_info(old).statistics == read_info(published).statistics


def test_serve_advises_upgrading_an_older_folder_and_nothing_else(
    published: Path, tmp_path: Path
) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    advice = upgrade_advice(old, BASE)
    assert advice is not None
    assert f"lacks the {LABEL_TABLE}" in advice and f"citydip-ld upgrade-store {old}" in advice
    upgrade_store_dir(old, BASE)
    assert upgrade_advice(old, BASE) is None
    assert upgrade_advice(published, BASE) is None
    assert upgrade_advice("http://127.0.0.1:7878/query", BASE) is None  # a remote store
