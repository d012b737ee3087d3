"""Turtle and TriG written from N-Triples texts (`rdf/turtle_text.py`) are the bytes Oxigraph's
own writers give for the same statements in the same order and the same prefixes: every kind
of term (numbers and booleans written bare or not, language tags, escapes, datatypes with and
without a prefix, blank nodes), local names that need a backslash or cannot be one, nested
and shared namespaces, several graphs; then many random statements (hypothesis). The served
documents themselves are compared in `tests/test_document_bytes.py`."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydip_ld.rdf.turtle_text import TurtleText, escape_local, oxigraph_prelude
from citydip_ld.web.documents import prefixes

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
PREFIXES = {
    **prefixes("http://localhost:5000/"),
    "ex": EX,
    "exa": f"{EX}a/",  # nested in ex:
    "exb": f"{EX}a/b#",
    "same": f"{EX}a/",  # the same namespace under a second name
    "odd": f"{EX}odd-",  # a namespace not ending in / or #
}


def oxigraph(statements: list[Any], trig: bool) -> bytes:
    fmt = ox.RdfFormat.TRIG if trig else ox.RdfFormat.TURTLE
    return bytes(ox.serialize(statements, format=fmt, prefixes=PREFIXES))


def ours(statements: list[Any], trig: bool) -> bytes:
    writer = TurtleText(PREFIXES)
    if not trig:
        return writer.turtle([str(t) for t in statements])
    return writer.trig([_texts(q) for q in statements])


def _texts(quad: Any) -> tuple[str, str]:
    graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
    return graph, str(ox.Triple(quad.subject, quad.predicate, quad.object))


def lit(value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


OBJECTS = [
    lit("plain"),
    lit('quote " back \\ line\nbreak\ttab \u0007 bell'),
    lit("شهر", language="fa"),
    lit("City", language="en-GB"),
    lit("x", f"{XSD}string"),
    *(lit(v, f"{XSD}boolean") for v in ("true", "false", "1", "TRUE")),
    *(lit(v, f"{XSD}integer") for v in ("42", "-7", "+3", "007", "4.0", "", "١٢")),
    *(lit(v, f"{XSD}decimal") for v in ("1.5", "-.5", "+0.25", "3.", "12", "1e3")),
    *(lit(v, f"{XSD}double") for v in ("1e3", "1.5E-2", ".5e+1", "2.e0", "NaN", "INF", "1.5")),
    lit("2021-02-13", f"{XSD}date"),
    lit("x", f"{EX}type/custom"),
    lit("x", "urn:no-prefix"),
    ox.BlankNode("b0"),
    ox.NamedNode(f"{EX}a/b#"),
    ox.NamedNode(f"{EX}a/"),
    ox.NamedNode(f"{EX}a/b#c"),
    ox.NamedNode(f"{EX}a/b/c"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ox.NamedNode("http://localhost:5000/id/city/tabriz"),
    ox.NamedNode("http://localhost:5000/id/city/tabriz#date"),
    ox.NamedNode("http://localhost:5000/graph/article-1"),
    *(
        ox.NamedNode(f"{EX}{local}")
        for local in (
            "-dash",
            "end.",
            ".start",
            "mid.dle",
            "0digit",
            ":colon",
            ":café",
            "9é",
            "0é",
            "_under",
            "tilde~x",
            "per%20cent",
            "q?x=1&y=(2)",
            "at@x",
            "excl!$*+,;='",
            "ترجمه",
            "café·x",
            "\u0300start",
            "·start",
            "a\u2040b",
            "\U00010000",
        )
    ),
    ox.NamedNode(f"{EX}odd-name"),
    ox.NamedNode("urn:isbn:123"),
]


def statements_of(trig: bool) -> list[Any]:
    subjects = [ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}a/b#s"), ox.BlankNode("s1")]
    predicates = [ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")]
    predicates += [ox.NamedNode(f"{EX}p"), ox.NamedNode(f"{EX}a/q")]
    graphs: list[Any] = [ox.DefaultGraph()]
    if trig:
        graphs += [ox.NamedNode(f"{EX}g1"), ox.NamedNode("http://localhost:5000/graph/x")]
    out = []
    for graph in graphs:
        for subject in subjects:
            for predicate in predicates:
                for obj in OBJECTS:
                    triple = ox.Triple(subject, predicate, obj)
                    out.append(ox.Quad(subject, predicate, obj, graph) if trig else triple)
    return out


@pytest.mark.parametrize("trig", [False, True], ids=["turtle", "trig"])
def test_every_kind_of_term_is_written_as_oxigraph_writes_it(trig: bool) -> None:
    statements = statements_of(trig)
    assert ours(statements, trig) == oxigraph(statements, trig)
    sorted_ = sorted(statements, key=lambda s: _texts(s) if trig else str(s))
    assert ours(sorted_, trig) == oxigraph(sorted_, trig)


@pytest.mark.parametrize("trig", [False, True], ids=["turtle", "trig"])
def test_each_statement_alone(trig: bool) -> None:
    for statement in statements_of(trig)[:: 7 if trig else 1]:
        assert ours([statement], trig) == oxigraph([statement], trig), statement


def test_nothing_to_write_is_empty() -> None:
    assert TurtleText(PREFIXES).turtle([]) == b"" == oxigraph([], False)


def test_prefixes_in_oxigraphs_order() -> None:
    order = oxigraph_prelude(PREFIXES)
    assert sorted(order) == sorted(PREFIXES.items())
    lengths = [len(ns) for _name, ns in order]
    assert lengths == sorted(lengths, reverse=True)


def test_local_names() -> None:
    assert escape_local("tabriz") == "tabriz"
    assert escape_local("-x.") == "\\-x\\."
    assert escape_local("a b") is None
    assert escape_local("") is None


_IRIS = st.sampled_from([t for t in OBJECTS if isinstance(t, ox.NamedNode)])
_TERMS = st.sampled_from(OBJECTS) | st.builds(
    lit,
    st.text(max_size=8),
    st.sampled_from([None, f"{XSD}integer", f"{XSD}decimal", f"{XSD}double", f"{EX}dt"]),
)
#: IRIs of every ASCII character an IRI may hold (`%` only before two hex digits).
_IRI_CHARS = "abcXYZ019-._~:/?#@!$&'()*+,;="


def _iri(text: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(text)
    except ValueError:  # e.g. a second `#`
        return None


_LOCALS = st.lists(st.sampled_from([*_IRI_CHARS, "%20", "é", "·", "\u0301"]), max_size=6)
_NAMESPACES = st.sampled_from([EX, f"{EX}a/", f"{EX}a/b#", f"{EX}odd-"])
_IRIS = _IRIS | st.builds(lambda ns, local: _iri(ns + "".join(local)), _NAMESPACES, _LOCALS).filter(
    lambda node: node is not None
)
_SUBJECTS = _IRIS | st.builds(ox.BlankNode, st.sampled_from(["a", "b1"]))
_GRAPHS = st.sampled_from(
    [ox.DefaultGraph(), ox.NamedNode(f"{EX}g"), ox.NamedNode(f"{EX}a/b#g"), ox.BlankNode("g")]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_SUBJECTS, _IRIS, _TERMS, _GRAPHS), max_size=12))
def test_random_statements(rows: list[tuple[Any, Any, Any, Any]]) -> None:
    quads = [ox.Quad(s, p, o, g) for s, p, o, g in rows]
    ordered = sorted(quads, key=_texts)
    assert ours(ordered, True) == oxigraph(ordered, True)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ordered]
    assert ours(triples, False) == oxigraph(triples, False)
