"""The twinning network read from a build's rows (`rdf.network_rows`) is the network the
store's three SPARQL queries read (`rdf.network.read_network`), on the shipped data, the
minimal facts and awkward data; where the queries' answer depends on a choice the rows'
reading does not follow, it declines (None) and `build` asks the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from citydip_ld.rdf.network import DatasetQueries, Network, read_network
from citydip_ld.rdf.network_files import network_files
from citydip_ld.rdf.network_rows import network_of_rows
from citydip_ld.rdf.output import Layout, SortedQuads, build_quads

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
CD = f"{BASE}ontology#"
ID = f"{BASE}id/"
LAYOUTS = {
    "shipped": Layout.beside(ROOT / "data"),
    "minimal": Layout(ROOT / "tests/data/facts-minimal", ROOT / "ontology", ROOT / "shapes"),
}
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
IN = "<https://schema.org/containedInPlace>"
LAT = "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>"
LONG = "<http://www.w3.org/2003/01/geo/wgs84_pos#long>"
TIME = "<http://www.w3.org/2006/time#hasTime>"
FROM = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
DECIMAL = "<http://www.w3.org/2001/XMLSchema#decimal>"
G1, G2 = f"<{BASE}graph/a>", f"<{BASE}graph/b>"


def cd(name: str) -> str:
    return f"<{CD}{name}>"


def node(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def from_store(data: SortedQuads) -> Network:
    return read_network(DatasetQueries(data.quads), BASE)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_rows_give_the_stores_network_and_files(name: str) -> None:
    data = build_quads(LAYOUTS[name], BASE).data
    network = network_of_rows(data.rows, BASE)
    assert network is not None and network.nodes and network.edges
    assert network == from_store(data)
    assert network_files(network) == network_files(from_store(data))


def awkward() -> list[str]:
    """Quads of awkward data the rows' reading follows: escapes and regional language tags,
    a triple in two graphs, a twinning of three cities, one of one city, one with a partner
    that is no city node (still counted), a blank node date, a city without a country or
    with one that is not a `cd:Country`, coordinates that are no number, a city outside
    `id/city/` or with `#`."""
    a, b, c, d = (node("city", x) for x in "abcd")
    iran, fr = node("country", "iran"), node("country", "fr")
    t1, t2, t3, t4 = (node("twinning", f"t{i}") for i in range(1, 5))
    quads = [
        (a, TYPE, cd("City")),
        (a, LABEL, '"A \\"quoted\\"\\n\\t\\u0001 \u2028 text"@en-gb'),
        (a, LABEL, '"آ"@fa'),
        (a, LABEL, '"plain"'),
        (a, IN, iran),
        (a, LAT, f'"38.08"^^{DECIMAL}'),
        (a, LONG, '"not a number"'),
        (b, TYPE, cd("City")),
        (b, IN, fr),
        (b, LAT, node("x", "lat")),
        (c, TYPE, cd("City")),
        (c, LABEL, '"C"@en'),
        (c, IN, node("x", "nowhere")),
        (iran, TYPE, cd("Country")),
        (iran, LABEL, '"Iran"@en'),
        (iran, LABEL, '"ایران"@fa'),
        (node("country", "empty"), TYPE, cd("Country")),
        (f"<{ID}place/e>", TYPE, cd("City")),
        (f"<{ID}city/e#x>", TYPE, cd("City")),
        (t1, TYPE, cd("Twinning")),
        *((t1, cd("partner"), x) for x in (a, b, c)),
        (t1, LABEL, '"T1"@en'),
        (t1, cd("agreementKind"), node("concept", "friendship")),
        (t1, TIME, "_:date1"),
        ("_:date1", cd("jalaliDate"), '"1395-03"'),
        ("_:date1", cd("lastDay"), '"2016-06-20"'),
        ("_:date1", cd("dateBound"), cd("OnOrBefore")),
        (t1, FROM, node("article", "x")),
        (t1, FROM, node("article", "a")),
        (t2, TYPE, cd("Twinning")),
        (t2, cd("partner"), a),
        (t3, TYPE, cd("Twinning")),
        *((t3, cd("partner"), x) for x in (a, d)),
        (t3, TIME, node("date", "t3")),
        (node("date", "t3"), cd("gregorianDate"), '"2001"'),
        (t4, TYPE, cd("Twinning")),
        *((t4, cd("partner"), x) for x in (b, a)),
        (t4, LABEL, '"T4"@fa'),
    ]
    lines = [f"{s} {p} {o} {G1} .\n" for s, p, o in quads]
    lines += [f'{a} {LABEL} "آ"@fa {G2} .\n', f"{t1} {FROM} {node('article', 'x')} {G2} .\n"]
    return lines


def test_awkward_data_reads_the_same() -> None:
    data = SortedQuads("".join(awkward()))
    network = network_of_rows(data.rows, BASE)
    assert network == from_store(data)
    assert network is not None and len(network.edges) == 4 and len(network.nodes) == 3
    a = network.node(f"{ID}city/a")
    assert a is not None and a.label_en.startswith('A "quoted"\n\t\x01 \u2028')
    assert (a.lat, a.long, a.partners, a.twinnings) == (38.08, None, 3, 4)
    assert network.edges[0].date_on_or_before and network.edges[0].articles == (
        f"{ID}article/a",
        f"{ID}article/x",
    )


CHOICES = {
    "two English labels": (node("city", "a"), LABEL, '"Other"@en'),
    "two countries": (node("city", "a"), IN, node("country", "empty")),
    "two latitudes": (node("city", "a"), LAT, '"1"'),
    "two kinds": (node("twinning", "t1"), cd("agreementKind"), node("concept", "other")),
    "two dates": (node("twinning", "t1"), TIME, "_:date2"),
    "two values of a date": ("_:date1", cd("lastDay"), '"2016-06-21"'),
    "a literal partner": (node("twinning", "t2"), cd("partner"), '"b"'),
    "a blank node partner": (node("twinning", "t2"), cd("partner"), "_:b"),
    "a blank node twinning": ("_:t", TYPE, cd("Twinning")),
    "a blank node country": (node("city", "c"), IN, "_:country"),
}


@pytest.mark.parametrize("choice", list(CHOICES))
def test_a_choice_the_queries_make_is_declined(choice: str) -> None:
    s, p, o = CHOICES[choice]
    extra = [f"{s} {p} {o} {G1} .\n"]
    if choice == "a blank node country":
        extra.append(f"_:country {TYPE} {cd('Country')} {G1} .\n")
    data = SortedQuads("".join(awkward() + extra))
    assert network_of_rows(data.rows, BASE) is None
    from_store(data)  # the store still answers


def test_the_build_asks_the_store_when_the_rows_decline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydip_ld.rdf import output
    from citydip_ld.rdf.network_files import GRAPHML_FILE

    layout = LAYOUTS["shipped"]
    output.build_directory(layout.data_dir, tmp_path / "rows", base=BASE, names=[GRAPHML_FILE])
    monkeypatch.setattr(output, "network_of_rows", lambda rows, base: None)
    output.build_directory(layout.data_dir, tmp_path / "store", base=BASE, names=[GRAPHML_FILE])
    for path in (tmp_path / "rows").iterdir():
        assert path.read_bytes() == (tmp_path / "store" / path.name).read_bytes(), path.name
