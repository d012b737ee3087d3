"""The dumps from sorted N-Quads rows are the bytes Oxigraph writes from the sorted quads.

`output.SortedQuads` splits Oxigraph's N-Quads lines into their terms and sorts them as
strings; N-Quads and N-Triples are written from those lines. Each dump is compared with
what `build` wrote before: the quads parsed by Oxigraph, sorted by `str()` of their terms,
serialised by Oxigraph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from citydip_ld.rdf.output import (
    OXIGRAPH_FORMATS,
    Layout,
    _split_nquads_line,
    build_all,
    jsonld_context,
    serialise,
)

BASE = "http://localhost:5000/"
ROOT = Path(__file__).resolve().parent.parent

#: Literals with spaces, quotes, `<...>`, escapes and tags; blank nodes; the default graph.
AWKWARD = r"""
@prefix cd: <http://localhost:5000/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://localhost:5000/id/city/a> cd:note "in the default graph <http://x/> ." ;
    cd:other "a _:b c"@en, "x \"y\" <z>"^^xsd:token, _:n .
_:n cd:note "line\nbreak\ttab \\ back" .
<http://localhost:5000/graph/one> {
  <http://localhost:5000/id/city/a> cd:note "one two" , "one"@en , "one"@en-gb , 1 , 1.5 ;
      cd:link <http://localhost:5000/id/city/b> , _:m .
  _:m cd:note "" .
}
<http://localhost:5000/graph/two> {
  <http://localhost:5000/id/city/a> cd:note "one two" .
}
"""


def _before(dataset: Dataset, name: str) -> bytes:
    """What `build` wrote before the rows: Oxigraph's terms sorted by `str()`."""
    nquads = dataset.serialize(format="nquads").encode("utf-8")
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    fmt = {"dataset.trig": "trig", "dataset.nq": "nquads", "dataset.ttl": "turtle"}.get(name, "nt")
    statements: list[ox.Quad] | list[ox.Triple] = quads
    if fmt in ("turtle", "nt"):
        triples = dict.fromkeys(q.triple for q in quads)
        statements = sorted(
            triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
        )
    prefixes = {k: v for k, v in jsonld_context(BASE).items() if isinstance(v, str)}
    return bytes(ox.serialize(statements, format=OXIGRAPH_FORMATS[fmt], prefixes=prefixes) or b"")


def _awkward() -> Dataset:
    dataset = Dataset()
    dataset.parse(data=AWKWARD, format="trig")
    return dataset


NAMES = ["dataset.nq", "dataset.trig", "dataset.ttl", "dataset.nt"]


@pytest.mark.parametrize("name", NAMES)
def test_awkward_terms_give_the_same_bytes(name: str) -> None:
    dataset = _awkward()
    assert serialise(dataset, BASE, [name])[name] == _before(dataset, name)


def test_the_shipped_data_gives_the_same_bytes() -> None:
    dataset = build_all(Layout.beside(ROOT / "data"), BASE).dataset
    files = serialise(dataset, BASE, NAMES)
    for name in NAMES:
        assert files[name] == _before(dataset, name), name


def test_a_line_is_split_into_its_terms() -> None:
    g, s, p = "<http://g/>", "<http://s/>", "<http://p/>"
    assert _split_nquads_line(f'{s} {p} "a b <c>" {g} .') == (g, s, p, '"a b <c>"')
    assert _split_nquads_line(f'{s} {p} "a <b>" .') == ("DEFAULT", s, p, '"a <b>"')
    assert _split_nquads_line(f'{s} {p} "a _:b"@en .') == ("DEFAULT", s, p, '"a _:b"@en')
    assert _split_nquads_line(f"{s} {p} _:o _:g .") == ("_:g", s, p, "_:o")
    assert _split_nquads_line(f"{s} {p} <http://o/> .") == ("DEFAULT", s, p, "<http://o/>")
