"""`citydip-ld check --store DIR|URL`: the shapes compiled into SPARQL and run where the data
lives (a store folder written by `publish --to DIR`, a remote SPARQL store), with the same
report as pySHACL's.

On the shipped data and on `tests/data/broken.ttl` (which breaks every constraint of every
shape, tests/test_engines.py), any difference from pySHACL in (focus node, path, constraint
component, severity), counted, fails; so does a different message. The remote store is a real
`oxigraph serve` on 127.0.0.1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import SH, Dataset, Graph

from citydip_ld.errors import LoadError
from citydip_ld.iris import graph_iri
from citydip_ld.rdf.build import add_turtle_graph
from citydip_ld.rdf.source_map import SOURCES_FILE
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.disk_store import live_generation
from citydip_ld.stores.store_check import build_prefixes, check_store
from citydip_ld.validation.compiled import compile_shapes
from citydip_ld.validation.validate import Problem, Report, validate_graph
from helpers import edit, run_cli
from servers import oxigraph_server
from sparql_support import free_port

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
BROKEN = ROOT / "tests/data/broken.ttl"
ARTICLE = "data/articles/004_aa1ce6595c509616.yaml"


def key(problem: Problem) -> tuple[str, str | None, str | None, str]:
    return (problem.focus, problem.path, problem.component, problem.severity)


def said(problem: Problem, ours: set[str]) -> tuple[str, str | None, str | None, str, str]:
    """The key and the message, where the shape has one of `ours` (a shape without
    sh:message gets each engine's own words)."""
    return (*key(problem), problem.message if problem.message in ours else "(engine's words)")


def shapes_graph() -> Graph:
    return add_turtle_graph(Dataset(), ROOT / "shapes", "shapes", BASE)


def broken_nquads(directory: Path) -> Path:
    """The broken corpus in a named graph, with the shapes and ontology graphs beside it, as
    `build` lays out a dataset."""
    dataset = Dataset()
    data = dataset.graph(graph_iri(BASE, "broken"))
    for triple in Graph().parse(BROKEN, format="turtle"):
        data.add(triple)
    add_turtle_graph(dataset, ROOT / "shapes", "shapes", BASE)
    add_turtle_graph(dataset, ROOT / "ontology", "ontology", BASE)
    path = directory / "dataset.nq"
    path.write_bytes(dataset.serialize(format="nquads", encoding="utf-8"))
    return path


@pytest.fixture(scope="module")
def broken_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("broken-store")
    write_store_dir([broken_nquads(work)], work / "store", BASE)
    return work / "store"


@pytest.fixture(scope="module")
def broken_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("broken-remote")
    with oxigraph_server(work / "oxigraph", broken_nquads(work), union_default_graph=True) as url:
        yield f"{url}/query"


@pytest.fixture(scope="module")
def reference() -> Report:
    """pySHACL on the broken corpus, its paths written with the build's prefixes (rdflib's
    own binds `geo:` to GeoSPARQL)."""
    data = Graph()
    for prefix, namespace in build_prefixes(BASE).items():
        data.bind(prefix, namespace, override=True, replace=True)
    data.parse(BROKEN, format="turtle")
    return validate_graph(data, shapes_graph(), engine="pyshacl")


@pytest.mark.parametrize("where", ["folder", "remote"])
def test_the_broken_corpus_gets_pyshacls_report(
    where: str, broken_store: Path, broken_remote: str, reference: Report
) -> None:
    target = str(broken_store) if where == "folder" else broken_remote
    report = check_store(target, BASE)
    assert not report.conforms and report.engine == "sparql"
    assert Counter(map(key, report.problems)) == Counter(map(key, reference.problems))
    ours = {str(message) for message in shapes_graph().objects(None, SH.message)}
    assert Counter(said(p, ours) for p in report.problems) == Counter(
        said(p, ours) for p in reference.problems
    )
    assert len(report.problems) > 200


def test_the_shipped_data_conforms_in_a_store_folder(dataset_dir: Path, tmp_path: Path) -> None:
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    report = check_store(tmp_path / "store", BASE)
    assert report.conforms and report.problems == []


def test_every_shape_of_shapes_is_compiled() -> None:
    checks = compile_shapes(shapes_graph())
    assert len(checks) >= 170
    assert {c.focus_shape.split("#")[-1] for c in checks} >= {
        "CityShape",
        "DateShape",
        "LedgerEntryShape",
        "ReportedNotLaterShape",
    }


def test_shapes_loaded_from_several_dumps_are_compiled_once() -> None:
    """A store loaded from shard builds holds the shapes graph once per shard, its anonymous
    property shapes as different blank nodes: each constraint is still checked once."""
    once = shapes_graph()
    many = Graph()
    for _ in range(3):
        for triple in Graph().parse(data=once.serialize(format="nt"), format="nt"):
            many.add(triple)
    assert len(many) > 2 * len(once)
    assert len(compile_shapes(many)) == len(compile_shapes(once))


def test_shacl_it_cannot_compile_is_refused_by_name() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> a sh:NodeShape ; sh:targetClass <http://example.org/C> ;
            sh:closed true .
        """,
        format="turtle",
    )
    with pytest.raises(LoadError, match="closed"):
        compile_shapes(shapes)


# ---------------------------------------------------------------- the command line


def test_a_store_is_checked_at_the_fact_line(project: Path) -> None:
    """`publish --to DIR` carries the build's source map: the violation is reported at the same
    file and line as `check` reports it on the facts; a remote store, given the map."""
    line = edit(project / ARTICLE, "value: 16484", "value: -16484")
    assert run_cli("build", "--out", "out", "--format", "nquads")[0] == 0
    assert (project / "out" / SOURCES_FILE).is_file()
    assert run_cli("publish", "--dataset", "out", "--to", "store", "--no-check")[0] == 0
    assert (live_generation(project / "store") / SOURCES_FILE).is_file()
    code, output = run_cli("check", "--store", "store")
    assert code == 1, output
    assert f"{ARTICLE}:{line}: violation: a statistic has one non-negative" in output
    assert output == run_cli("check")[1]
    with oxigraph_server(
        project / "oxigraph", project / "out/dataset.nq", union_default_graph=True
    ) as url:
        code, output = run_cli(
            "check", "--store", f"{url}/query", "--sources", "out/sources.tsv", "--lang", "fa"
        )
        plain_code, plain = run_cli("check", "--store", f"{url}/query")
    assert code == 1, output
    assert f"{ARTICLE}:{line}: violation: هر آمار یک مقدار عددی صحیح و نامنفی دارد" in output
    assert plain_code == 1
    assert "http://localhost:5000/id/statistic/world-sister-city-links: violation" in plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "nowhere"], "nowhere: neither a store folder"),
        (["--store", "store", "--input", "x.nq"], "--store and --input"),
        (["--store", "store", "--engine", "pyshacl"], "--engine does not apply"),
        (["--sources", "x.tsv"], "--sources goes with --store"),
        (["--store", "store", "--sources", "missing.tsv"], "no such file"),
    ],
)
def test_usage_errors_exit_2(project: Path, args: list[str], message: str) -> None:
    code, output = run_cli("check", *args)
    assert code == 2
    assert message in output and "Traceback" not in output


def test_an_unreachable_store_exits_2(project: Path) -> None:
    code, output = run_cli("check", "--store", f"http://127.0.0.1:{free_port()}/query")
    assert code == 2
    assert "Error:" in output and "Traceback" not in output


def test_the_benchmark_runs_on_the_shipped_data(dataset_dir: Path, tmp_path: Path) -> None:
    """benchmarks/check_store.py: `check --store` and the in-memory peer, each measured."""
    import json
    import subprocess
    import sys

    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    script = ROOT / "benchmarks/check_store.py"
    command = [sys.executable, str(script), "--store", str(tmp_path / "store")]
    command += ["--nquads", str(dataset_dir / "dataset.nq"), "--json", str(tmp_path / "out.json")]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    runs = json.loads((tmp_path / "out.json").read_text())
    assert [run["name"] for run in runs] == ["check --store", "peer: pyshacl-turbo in memory"]
    assert all(run["exit"] == 0 and run["peak_rss_mib"] > 0 for run in runs)
    assert runs[0]["last_line"] == "conforms: the dataset satisfies every shape"
    assert runs[1]["last_line"].endswith("conforms: True")
