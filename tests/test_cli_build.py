"""`citydip-ld build`: facts to RDF in every format, atomically, with clear errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from helpers import edit, run_cli

BASE = "http://localhost:5000/"
ARTICLE = "data/articles/004_aa1ce6595c509616.yaml"


run = run_cli


def test_build_writes_every_format_and_they_hold_the_same_graph(project: Path) -> None:
    code, output = run("build", "--out", "out")
    assert code == 0, output
    assert "named graphs" in output
    trig = Dataset()
    trig.parse(project / "out/dataset.trig", format="trig")
    nquads = Dataset()
    nquads.parse(project / "out/dataset.nq", format="nquads")
    jsonld = Dataset()
    jsonld.parse(project / "out/dataset.jsonld", format="json-ld")
    turtle = Graph().parse(project / "out/dataset.ttl", format="turtle")
    ntriples = Graph().parse(project / "out/dataset.nt", format="nt")
    union = Graph()
    for s, p, o, _ in trig.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(turtle, ntriples)
    assert isomorphic(union, turtle)
    for other in (nquads, jsonld):
        for name in (URIRef(f"{BASE}graph/004_aa1ce6595c509616"), URIRef(f"{BASE}graph/curated")):
            assert isomorphic(trig.graph(name), other.graph(name)), name
    context = json.loads((project / "out/context.jsonld").read_text())
    assert context["@context"]["cd"] == f"{BASE}ontology#"


def test_one_named_graph_per_article_plus_curated_links_ontology_and_shapes(
    project: Path,
) -> None:
    assert run("build", "--out", "out")[0] == 0
    trig = Dataset()
    trig.parse(project / "out/dataset.trig", format="trig")
    names = {str(g.identifier) for g in trig.graphs() if len(g)}
    articles = sorted(p.stem for p in (project / "data/articles").glob("*.yaml"))
    expected = {f"{BASE}graph/{a}" for a in articles}
    expected |= {f"{BASE}graph/curated", f"{BASE}graph/ontology", f"{BASE}graph/shapes"}
    expected.add(f"{BASE}graph/links")  # the link cache: GeoNames' coordinates and populations
    assert names == expected


def test_base_is_configurable(project: Path) -> None:
    code, _ = run("--base", "https://data.example.org/citydip", "build", "--out", "out")
    assert code == 0
    g = Graph().parse(project / "out/dataset.nt", format="nt")
    tabriz = URIRef("https://data.example.org/citydip/id/city/tabriz")
    assert (tabriz, None, None) in g
    assert not any(str(s).startswith(BASE) for s in g.subjects())


@pytest.mark.parametrize(
    ("base", "reason"),
    [
        ("http://data example.org/", "is not an IRI: Invalid IRI code point ' '"),
        ("http://[data.example.org/", "is not an IRI: Invalid character '[' in host"),
        ("ftp://data.example.org/", "is not an http(s) IRI"),
        ("data.example.org", "is not an http(s) IRI"),
        ("https://data.example.org/#x", "holds a query or a fragment"),
    ],
)
def test_a_base_that_cannot_prefix_the_datasets_iris_is_refused(
    project: Path, base: str, reason: str
) -> None:
    """Before, a space ended `build` in a stack trace and a bracket was blamed on the
    ontology's Turtle; now the option is refused, saying why, and nothing is written."""
    code, output = run("--base", base, "build", "--out", "out")
    assert code == 2, output
    assert "Invalid value for '--base'" in output and reason in output, output
    assert "Traceback" not in output
    assert not (project / "out").exists()


def test_only_requested_formats_are_written(project: Path) -> None:
    assert run("build", "--out", "out", "--format", "turtle")[0] == 0
    written = sorted(p.name for p in (project / "out").iterdir())
    assert written == ["SHA256SUMS", "context.jsonld", "dataset.ttl", "sources.tsv"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('jalali: "1395-03"', 'jalali: "1395-13"', "month 13 does not exist (months are 1 to 12)"),
        (
            'jalali: "1395-03"',
            'jalali: "1395-01-32"',
            "Farvardin 1395 has 31 days, there is no day 32",
        ),
        (
            'jalali: "1395-03"',
            'jalali: "1398-12-30"',
            "Esfand 1398 has 29 days, there is no day 30",
        ),
        (
            "partners: [tabriz, wuhan]",
            "partners: [tabriz, atlantis]",
            "`partners: atlantis` names an unknown city; define it first",
        ),
        (
            "partners: [tabriz, wuhan]",
            "partners: [tabriz]",
            "a twinning needs exactly two different partner cities",
        ),
        (
            "kind: friendship-and-cooperation",
            "knd: sister-city",
            "unknown key `knd:`; did you mean `kind:`?",
        ),
        ("partners: [tabriz, wuhan]", "partners: [tabriz, wuhan", "malformed YAML"),
    ],
)
def test_bad_fact_stops_the_build_with_file_line_and_exit_2(
    project: Path, old: str, new: str, message: str
) -> None:
    line = edit(project / ARTICLE, old, new)
    code, output = run("build", "--out", "out")
    assert code == 2
    assert message in output
    assert f"{ARTICLE}:" in output
    if "malformed" not in message:
        assert f"{ARTICLE}:{line}:" in output
    assert "Traceback" not in output


def test_a_failed_build_leaves_the_previous_output_intact(project: Path) -> None:
    assert run("build", "--out", "out")[0] == 0
    before = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
    edit(project / ARTICLE, 'jalali: "1395-03"', 'jalali: "1395-13"')
    assert run("build", "--out", "out")[0] == 2
    after = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
    assert after == before  # same files, same bytes, no temporary leftovers


def test_outputs_are_readable_by_others(project: Path) -> None:
    assert run("build", "--out", "out")[0] == 0
    mode = (project / "out/dataset.ttl").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044


def test_missing_data_folder_is_a_usage_error(project: Path) -> None:
    code, output = run("--data", "nowhere", "build")
    assert code == 2
    assert "no data folder" in output


def test_every_iri_is_valid_for_a_strict_parser(project: Path) -> None:
    """Oxigraph rejects what rdflib lets through (e.g. two `#` in one IRI)."""
    import pyoxigraph

    assert run("build", "--out", "out")[0] == 0
    store = pyoxigraph.Store()
    store.bulk_load(path=str(project / "out/dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    lines = (project / "out/dataset.nq").read_text(encoding="utf-8").splitlines()
    assert len(store) == len([line for line in lines if line.strip()]) > 2000


ARTICLE_002 = "data/articles/002_449295ea63e1aaa3.yaml"
LEDGER_002 = "data/ledgers/002_449295ea63e1aaa3.yaml"


@pytest.mark.parametrize(
    ("path", "old", "new", "message"),
    [
        (
            ARTICLE_002,
            "    proposer_unstated: true\n",
            "    proposer_unstated: true\n    proposer: rasht\n",
            "names its `proposer:` or says the article names none",
        ),
        (ARTICLE_002, "    outcome: opposed", "    outcome: shelved", "is not one of: reviewed"),
        (ARTICLE_002, "bound: on-or-before}", "bound: roughly}", "is not one of: on-or-before"),
        (
            LEDGER_002,
            '    left_out: "the same page date in the lunar Hijri calendar (repetition)"\n',
            "",
            "either `curated:` (the records it became) or `left_out:`",
        ),
    ],
)
def test_a_bad_proposal_date_or_ledger_entry_stops_the_build_at_its_line(
    project: Path, path: str, old: str, new: str, message: str
) -> None:
    edit(project / path, old, new)
    code, output = run("build", "--out", "out")
    assert code == 2, output
    assert message in output
    assert f"{path}:" in output
    assert "Traceback" not in output
