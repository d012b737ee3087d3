"""`check` validates a build folder's N-Quads when the folder records that it was built from
exactly the current inputs (`rdf/build_stamp.py`), and never validates stale output: any change
to a fact file, the ontology, the shapes, the base IRI, the data folder's place, or to the
files `check` reads sends it back to building the facts.

The report is the same either way, byte for byte (text and JSON, violations at their lines).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from citydip_ld.rdf.build_stamp import STAMP_FILE
from citydip_ld.rdf.output import (
    FORMAT_NAMES,
    Layout,
    build_check_text,
    build_directory,
    check_text_from_build,
    facts_quads,
    facts_union,
)
from citydip_ld.rdf.source_map import SOURCES_FILE, SourceFiles, read_source_map
from citydip_ld.validation.validate import triples_of_quads, validate_ntriples
from helpers import copy_project, edit, run_cli

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
MINIMAL = ROOT / "tests/data/facts-minimal"
ARTICLE = "data/articles/004_aa1ce6595c509616.yaml"


@pytest.fixture()
def minimal(tmp_path: Path) -> Layout:
    """The minimal facts (they violate shapes) with the ontology and shapes, copied."""
    shutil.copytree(MINIMAL, tmp_path / "data")
    for name in ("ontology", "shapes"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return Layout(tmp_path / "data", tmp_path / "ontology", tmp_path / "shapes")


def _reports(layout: Layout, build_dir: Path, engine: str = "turbo") -> tuple[str, str]:
    """(report from the build folder, report from the facts built again), as JSON."""
    read = check_text_from_build(build_dir, layout, BASE)
    assert read is not None, "the build folder was not used"
    built = build_check_text(layout, BASE)
    assert read.quads and not built.quads
    union = set(triples_of_quads(read.ntriples).split("\n"))
    assert union == set(built.ntriples.split("\n")) and len(union) == built.triples + 1
    nquads = (build_dir / "dataset.nq").read_text(encoding="utf-8")
    assert set("".join(facts_union(nquads, BASE) or ["x"]).split("\n")) == union
    reports = []
    for text in (read, built):
        report = validate_ntriples(
            text.ntriples,
            text.shapes,
            namespaces=text.namespaces,
            sources=text.sources,
            engine=engine,
            quads=text.quads,
        )
        reports.append(report.to_json() + "\n" + report.to_text())
    return reports[0], reports[1]


def test_a_build_folder_gives_the_report_of_the_facts(minimal: Layout, tmp_path: Path) -> None:
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    from_build, from_facts = _reports(minimal, out)
    assert from_build == from_facts
    report = json.loads(from_build.split("\n}\n")[0] + "\n}")
    assert not report["conforms"] and all(p["location"] for p in report["problems"])


def test_awkward_text_reads_the_same_from_a_build_folder(minimal: Layout, tmp_path: Path) -> None:
    """A tab and a control character in a quote: the facts built for `check` are written as
    the build folder's N-Quads write them (Oxigraph's escapes), so the same text is validated
    and the same report given either way."""
    article = minimal.data_dir / "articles/004_aa1ce6595c509616.yaml"
    text = article.read_text(encoding="utf-8")
    quote = 'quote: "تاریخ انتشار: ۲۵ بهمن ۱۳۹۹"'
    assert quote in text
    article.write_text(text.replace(quote, quote.replace(": ۲۵", ":\\t۲۵\\x01")), "utf-8")
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    assert "\\t۲۵\\u0001" in build_check_text(minimal, BASE).ntriples
    from_build, from_facts = _reports(minimal, out)
    assert from_build == from_facts


def test_pyshacl_gives_the_report_of_the_facts_from_a_build_folder(
    minimal: Layout, tmp_path: Path
) -> None:
    """pySHACL (asked for, or where pyshacl-turbo falls short) reads the build's N-Quads as
    the union of their graphs too."""
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    from_build, from_facts = _reports(minimal, out, "pyshacl")
    assert from_build == from_facts and '"conforms": false' in from_build


def test_the_shipped_data_reads_the_same_from_its_build(dataset_dir: Path) -> None:
    from_build, from_facts = _reports(Layout.beside(ROOT / "data"), dataset_dir)
    assert from_build == from_facts
    assert '"conforms": true' in from_build


def test_every_change_of_input_makes_the_build_stale(minimal: Layout, tmp_path: Path) -> None:
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    assert check_text_from_build(out, minimal, BASE) is not None
    assert check_text_from_build(out, minimal, "http://example.org/") is None
    files = [
        minimal.data_dir / "places.yaml",
        minimal.data_dir / "articles/004_aa1ce6595c509616.yaml",
        next(minimal.ontology_dir.glob("*.ttl")),
        next(minimal.shapes_dir.glob("*.ttl")),
    ]
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        assert check_text_from_build(out, minimal, BASE) is None, path
        path.write_bytes(original)
        assert check_text_from_build(out, minimal, BASE) is not None, path
    extra = minimal.data_dir / "articles/005_0123456789abcdef.yaml"
    extra.write_text("article: {}\n", encoding="utf-8")
    assert check_text_from_build(out, minimal, BASE) is None
    extra.unlink()
    moved = Layout(tmp_path / "elsewhere", minimal.ontology_dir, minimal.shapes_dir)
    shutil.copytree(minimal.data_dir, moved.data_dir)  # the source map names the folder
    assert check_text_from_build(out, moved, BASE) is None


def test_changed_or_missing_output_is_not_read(minimal: Layout, tmp_path: Path) -> None:
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    for name in ("dataset.nq", "sources.tsv"):
        original = (out / name).read_bytes()
        (out / name).write_bytes(original.replace(b"http:", b"hxxp:", 1))
        assert check_text_from_build(out, minimal, BASE) is None, name
        (out / name).unlink()
        assert check_text_from_build(out, minimal, BASE) is None, name
        (out / name).write_bytes(original)
    assert check_text_from_build(out, minimal, BASE) is not None
    (out / STAMP_FILE).write_text("{not json", encoding="ascii")
    assert check_text_from_build(out, minimal, BASE) is None
    assert check_text_from_build(tmp_path / "nowhere", minimal, BASE) is None


def test_a_build_without_the_n_quads_leaves_no_stamp(minimal: Layout, tmp_path: Path) -> None:
    """An earlier full build's stamp goes when a build writes only some formats: its
    `dataset.nq` is then left from before, and the facts may have changed since."""
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    assert (out / STAMP_FILE).is_file()
    build_directory(
        minimal.data_dir, out, base=BASE, layout=minimal, names=[FORMAT_NAMES["turtle"]]
    )
    assert not (out / STAMP_FILE).exists()
    assert check_text_from_build(out, minimal, BASE) is None


def test_n_quads_not_written_by_build_are_refused() -> None:
    graph = f"<{BASE}graph/curated>"
    line = f"<http://x/s> <http://x/p> <http://x/o> {graph} ."
    assert facts_union(f"{line}\n{line}\n", BASE) == ["<http://x/s> <http://x/p> <http://x/o> .\n"]
    assert facts_union("<http://x/s> <http://x/p> <http://x/o> .\n", BASE) is None
    assert facts_union("<http://x/s> <http://x/p> <http://x/o> <http://x/g> .\n", BASE) is None
    ontology = f"<http://x/s> <http://x/p> <http://x/o> <{BASE}graph/ontology> ."
    assert facts_union(ontology + "\n", BASE) == []


def test_n_quads_not_sorted_by_graph_are_refused() -> None:
    """`facts_quads` cuts the `ontology` and `shapes` graphs out as runs of lines: a run
    holding another graph's lines, or a line in no graph of the build, and it declines."""
    facts = f"<http://x/s> <http://x/p> <http://x/o> <{BASE}graph/curated> .\n"
    ontology = f"<http://x/s> <http://x/p> <http://x/o2> <{BASE}graph/ontology> .\n"
    shape = f'_:b0 <http://x/p> "a <{BASE}graph/ontology> .\\n" <{BASE}graph/shapes> .\n'
    shapes: list[str] = []
    assert facts_quads((ontology + facts + shape).encode(), BASE, shapes) == facts
    assert shapes == [f'_:b0 <http://x/p> "a <{BASE}graph/ontology> .\\n" .\n']
    assert facts_quads((facts + ontology + facts).encode(), BASE, []) == facts + facts
    assert facts_quads((ontology + facts + ontology).encode(), BASE, []) is None
    no_graph = "<http://x/s> <http://x/p> <http://x/o> .\n"
    assert facts_quads((facts + no_graph).encode(), BASE, []) is None
    assert facts_quads(facts.rstrip("\n").encode(), BASE, []) is None
    assert facts_quads(b"", BASE, []) == ""
    persian = f'<http://x/s> <http://x/p> "تبریز" <{BASE}graph/a> .\n'
    assert facts_quads((ontology + persian).encode(), BASE, []) == persian
    # the facts in up to three parts around the two runs, each counted and decoded in place
    both = ontology + shape
    assert facts_quads((persian + both + facts).encode(), BASE, []) == persian + facts
    assert facts_quads((persian + ontology + facts + shape + persian).encode(), BASE, []) == (
        persian + facts + persian
    )
    assert facts_quads((both + persian).encode(), BASE, []) == persian
    assert facts_quads(both.encode(), BASE, []) == ""
    assert facts_quads((facts + both + no_graph).encode(), BASE, []) is None
    assert facts_quads((no_graph + ontology + facts).encode(), BASE, []) is None


def test_check_after_build_sees_an_edit_made_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole commands: `build`, then an edit, then `check` reports the edit at its line;
    rebuilt, `check` reads the build and prints the same report."""
    copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, output = run_cli("build")
    assert code == 0, output
    code, output = run_cli("check")
    assert code == 0 and "conforms" in output, output
    line = edit(tmp_path / ARTICLE, "value: 16484", "value: -16484")
    code, stale_build = run_cli("check")
    assert code == 1 and f"{ARTICLE}:{line}: violation" in stale_build, stale_build
    code, output = run_cli("build")
    assert code == 0, output
    layout = Layout.beside(tmp_path / "data")
    assert check_text_from_build(tmp_path / "build", layout, BASE) is not None
    code, fresh_build = run_cli("check")
    assert code == 1 and fresh_build == stale_build
    code, no_build = run_cli("check", "--build", str(tmp_path / "none"))
    assert code == 1 and no_build == stale_build


def test_the_verified_source_map_bytes_read_as_the_file(minimal: Layout, tmp_path: Path) -> None:
    """`check` reads the `sources.tsv` bytes it checked against the stamp (not the file again,
    which could have changed since): the same entries as the file gives."""
    out = tmp_path / "build"
    build_directory(minimal.data_dir, out, base=BASE, layout=minimal)
    read = check_text_from_build(out, minimal, BASE)
    assert read is not None and isinstance(read.sources, SourceFiles)
    path = out / SOURCES_FILE
    nodes = {line.split("\t", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()}
    assert len(nodes) > 10
    assert read.sources.about(nodes) == read_source_map([path], nodes)
    path.write_bytes(b"")  # changed after check read it: the report still has its lines
    assert read.sources.about(nodes) != read_source_map([path], nodes)
    assert read.sources.about(nodes).subjects
    nothing = read.sources.about([])
    assert not nothing.subjects and not nothing.properties
