"""Prepared views (`stores/prepared_views.py`): `publish --to DIR` computes what a server would
compute from the whole dataset at its start (the search index, the timeline, the map's
geography, the twinning network) and keeps it in the generation; a server on the folder reads
it instead of querying the store, and answers byte for byte as when it computed it. A view
prepared by other code or for another base is computed again; a file that names anything but
the views' own classes is refused, and nothing in it runs; `upgrade-store` prepares the
views of a folder that has none this code reads."""

from __future__ import annotations

import logging
import os
import pickle
import pickletools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from citydip_ld.pickled_records import pickled_by_fields
from citydip_ld.rdf import network
from citydip_ld.stores import geography, prepared_views, search_index, timeline
from citydip_ld.stores.disk_store import CURRENT, read_info
from citydip_ld.stores.prepared_views import (
    PREPARED,
    VIEWS,
    has_prepared_views,
    read_prepared_view,
    source_digest,
    view_path,
)
from citydip_ld.stores.store_upgrade import PREPARED_VIEWS, upgrade_advice, upgrade_store_dir
from citydip_ld.stores.timeline import Timeline
from citydip_ld.web import context, create_app, warm_up
from helpers import as_older_code_wrote_it, folder_answers, run_cli

BASE = "http://localhost:5000/"
#: The answers made from the views: search, the timeline, the map and the network.
ANSWERS = (
    "/search?q=ta",
    "/search?q=%D8%AA%D8%A8%D8%B1%DB%8C%D8%B2",
    "/search?q=s&format=json&kind=city",
    "/network",
    "/doc/city/tabriz.html",
    "/doc/twinning/",
    "/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22tabriz%22%7D%7D",
    "/timeline.json",
    "/map.geojson",
    "/network.json",
    "/network.json?city=tabriz",
    "/",
)


def answers(folder: Path) -> dict[str, tuple[int, bytes, str | None]]:
    return folder_answers(folder, ANSWERS, BASE)


def without_views(published: Path, target: Path) -> Path:
    return as_older_code_wrote_it(published, target, PREPARED)


def test_a_publication_prepares_every_view_for_its_base(published: Path) -> None:
    generation = (published / CURRENT).resolve()
    info = read_info(published)
    assert info.prepared is not None and set(info.prepared) == set(VIEWS)
    for name, size in info.prepared.items():
        assert view_path(generation, name).stat().st_size == size > 0
    assert has_prepared_views(generation, BASE)
    assert not has_prepared_views(generation, "https://elsewhere.example/")


def test_a_server_reads_the_views_and_answers_as_when_it_computes_them(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = answers(without_views(published, tmp_path / "old"))
    for name in VIEWS:  # a server on the prepared folder must not compute any view

        def refuse(*_args: object, name: str = name) -> None:
            raise AssertionError(f"the {name} view was computed: the prepared one was not read")

        monkeypatch.setitem(VIEWS, name, refuse)

    read = answers(published)

    assert read == computed
    assert all(status == 200 for status, *_ in read.values()), read
    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(published), "QUERY_WORKERS": 0})
    warm_up(app)  # what `serve` runs before it listens


def test_each_view_read_back_equals_the_one_computed(published: Path) -> None:
    generation = (published / CURRENT).resolve()
    store = create_app({"TESTING": True, "BASE": BASE, "STORE": str(published)})
    with store.app_context():
        opened = context.get_store()
        for name in ("timeline", "geography", "network"):
            assert read_prepared_view(generation, BASE, name) == VIEWS[name](opened, BASE)
        index = read_prepared_view(generation, BASE, "search")
        fresh = VIEWS["search"](opened, BASE)
    assert isinstance(index, type(fresh))
    for query in ("t", "ta", "tab", "تبر", "unesco", "sister", "zzq"):
        for kind in (None, "city", "organisation"):
            assert repr(index.search(query, kind, 20)) == repr(fresh.search(query, kind, 20))


def test_the_views_records_are_unpickled_by_one_call_of_their_class(published: Path) -> None:
    generation = (published / CURRENT).resolve()
    read = {name: read_prepared_view(generation, BASE, name) for name in VIEWS}
    net, line, places = read["network"], read["timeline"], read["geography"]
    assert isinstance(net, network.Network) and isinstance(line, Timeline)
    assert isinstance(places, geography.Geography)
    country = next(n.country for n in net.nodes if n.country is not None)
    records = [net.nodes[0], net.edges[0], country, line.facts[0], places.twinnings[0]]
    records.append(next(iter(places.places.values())))
    assert {type(r) for r in records} == {
        network.NetworkNode,
        network.NetworkEdge,
        network.Country,
        timeline.TimelineFact,
        geography.Twinning,
        geography.Place,
    }
    for record in records:
        written = pickle.dumps(record, protocol=5)
        opcodes = {op.name for op, _arg, _pos in pickletools.genops(written)}
        assert "BUILD" not in opcodes  # no field set one by one after the object is made
        assert pickle.loads(written) == record


def test_a_record_whose_constructor_misses_a_field_cannot_be_pickled_by_fields() -> None:
    @dataclass
    class Counted:
        name: str
        seen: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="Counted has a field its constructor does not take"):
        pickled_by_fields(Counted)


def test_views_of_other_code_or_another_base_are_not_read(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generation = (published / CURRENT).resolve()
    assert read_prepared_view(generation, BASE, "timeline") is not None
    assert read_prepared_view(generation, "https://elsewhere.example/", "timeline") is None
    monkeypatch.setattr(prepared_views, "code_key", lambda: "another version of the code")
    assert read_prepared_view(generation, BASE, "timeline") is None
    assert not has_prepared_views(generation, BASE)


def test_the_code_key_changes_with_the_views_code_and_only_with_it(tmp_path: Path) -> None:
    package = Path(prepared_views.__file__).resolve().parent.parent
    copy = tmp_path / "citydip_ld"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    modules = [m.__name__ for m in (search_index, timeline, geography, network, prepared_views)]
    assert source_digest(copy, modules) == prepared_views.code_key()

    def edited(relative: str) -> str:
        module = copy / relative
        was = module.read_text(encoding="utf-8")
        module.write_text(was + "\n# changed\n", encoding="utf-8")
        try:
            return source_digest(copy, modules)
        finally:
            module.write_text(was, encoding="utf-8")

    assert edited("cli.py") == prepared_views.code_key()  # the commands: not the views' code
    assert edited("web/pages.py") == prepared_views.code_key()
    for relative in (
        "normalise.py",  # the search keys: imported by the search index
        "stores/search_index.py",
        "stores/describe.py",  # imported by the timeline and the geography
        "rdf/network.py",
        "stores/prepared_views.py",  # the format itself
        "stores/__init__.py",
    ):
        assert edited(relative) != prepared_views.code_key(), relative


def _with_view(folder: Path, name: str, body: bytes) -> Path:
    generation = (folder / CURRENT).resolve()
    path = view_path(generation, name)
    header = path.read_bytes().split(b"\n", 1)[0]
    path.unlink()  # hard-linked to the fixture's file: replaced, not written through
    path.write_bytes(header + b"\n" + body)
    return generation


class _Runs:
    """Unpickled, would call `os.mkdir(path)`: a file that names a function to run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.path),)


class _Calls:
    """Unpickled, would call a view's own class with arguments it does not take."""

    def __reduce__(self) -> tuple[object, tuple[int, ...]]:
        return Timeline, (1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("runs", id="a function to run"),
        pytest.param("function", id="a function of the views' own module"),
        pytest.param("class", id="a view's class called with what it does not take"),
        pytest.param(b"\x80\x05\x95 truncated", id="a truncated pickle"),
        pytest.param(b"", id="an empty body"),
    ],
)
def test_a_view_file_that_is_not_a_view_is_refused_and_nothing_in_it_runs(
    published: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, body: object
) -> None:
    folder = tmp_path / "store"
    shutil.copytree(published, folder, symlinks=True, copy_function=os.link)
    marker = tmp_path / "ran"
    if body == "runs":
        body = pickle.dumps(_Runs(marker), protocol=5)
    elif body == "function":
        body = pickle.dumps(prepared_views.VIEWS["search"], protocol=5)
    elif body == "class":
        body = pickle.dumps(_Calls(), protocol=5)
    assert isinstance(body, bytes)
    generation = _with_view(folder, "search", body)
    computed = answers(without_views(published, tmp_path / "old"))["/search?q=ta"]

    with caplog.at_level(logging.WARNING, logger=prepared_views.__name__):
        assert read_prepared_view(generation, BASE, "search") is None
        assert answers(folder)["/search?q=ta"] == computed  # computed instead

    assert not marker.exists()
    assert "the prepared view could not be read" in caplog.text


def test_upgrade_store_prepares_the_views_a_folder_lacks(published: Path, tmp_path: Path) -> None:
    old = without_views(published, tmp_path / "old")
    expected = answers(published)
    advice = upgrade_advice(old, BASE)
    assert advice is not None and f"lacks the {PREPARED_VIEWS}" in advice

    upgrade = upgrade_store_dir(old, BASE)

    assert upgrade.written == (PREPARED_VIEWS,)
    assert has_prepared_views((old / CURRENT).resolve(), BASE)
    assert read_info(old).prepared == read_info(published).prepared
    assert upgrade_advice(old, BASE) is None
    assert answers(old) == expected
    assert upgrade_store_dir(old, BASE).written == ()  # now up to date


def test_upgrade_store_links_the_views_it_does_not_write(published: Path, tmp_path: Path) -> None:
    old = as_older_code_wrote_it(published, tmp_path / "old", "labels")
    before = (old / CURRENT).resolve()
    upgrade = upgrade_store_dir(old, BASE)
    assert PREPARED_VIEWS not in upgrade.written
    live = (old / CURRENT).resolve()
    assert live != before
    for name in VIEWS:
        assert view_path(live, name).samefile(view_path(before, name))


def test_a_publication_told_not_to_prepare_the_views_leaves_them_to_upgrade_store(
    dataset_dir: Path, tmp_path: Path, published: Path
) -> None:
    folder = tmp_path / "store"
    code, output = run_cli(
        "--base", BASE, "publish", "--dataset", str(dataset_dir), "--to", str(folder),
        "--no-check", "--no-prepare-views",
    )  # fmt: skip

    assert code == 0, output
    generation = (folder / CURRENT).resolve()
    assert read_info(folder).prepared is None and not (generation / PREPARED).exists()
    assert answers(folder) == answers(published)  # computed at the first request instead
    advice = upgrade_advice(folder, BASE)
    assert advice is not None and f"lacks the {PREPARED_VIEWS}" in advice
    assert upgrade_store_dir(folder, BASE).written == (PREPARED_VIEWS,)
