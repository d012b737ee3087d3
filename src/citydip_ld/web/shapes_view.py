"""The shapes graph as a page for people: each node shape, what it targets, and each
constraint with its path, parameters and bilingual message (what `citydip-ld check` reports)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

#: Parameters shown apart from the constraint list (or not at all).
_NOT_CONSTRAINTS = {
    SH.path,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.property,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_PATHS = {
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "{}*",
    SH.oneOrMorePath: "{}+",
    SH.zeroOrOnePath: "{}?",
}


@dataclass(frozen=True)
class ConstraintView:
    """One property shape (or a node shape's own constraints): path, parameters, messages."""

    name: str | None  # the curie of a named property shape, None for a blank one
    anchor: str | None  # its anchor on this page, if it is one of ours
    path: str | None
    parameters: list[tuple[str, str]]
    messages: dict[str, str]


@dataclass(frozen=True)
class ShapeView:
    anchor: str
    curie: str
    labels: dict[str, str]
    targets: list[tuple[str, str]]  # (target parameter, value)
    own: ConstraintView | None  # constraints on the focus node itself
    properties: list[ConstraintView] = field(default_factory=list)


def _texts(graph: Graph, node: Node, prop: URIRef) -> dict[str, str]:
    return {o.language or "": str(o) for o in graph.objects(node, prop) if isinstance(o, Literal)}


class ShapesView:
    """Reads a shapes graph; `curie` abbreviates IRIs, `namespace` is where our shapes live."""

    def __init__(self, graph: Graph, namespace: str, curie: Callable[[str], str]) -> None:
        self.graph = graph
        self.namespace = namespace
        self.curie = curie

    def anchor(self, node: Node) -> str | None:
        iri = str(node)
        if isinstance(node, URIRef) and iri.startswith(self.namespace):
            return iri[len(self.namespace) :]
        return None

    def term(self, node: Node, depth: int = 0) -> str:
        """A compact, Turtle-like text for a value: curie, literal, list or nested shape."""
        if isinstance(node, URIRef):
            return self.curie(str(node))
        if isinstance(node, Literal):
            if isinstance(node.value, bool | int | float) and node.datatype is not None:
                return str(node).lower() if isinstance(node.value, bool) else str(node)
            text = f'"{node}"'
            return f"{text}@{node.language}" if node.language else text
        if isinstance(node, BNode) and depth < 4:
            if (node, RDF.first, None) in self.graph or node == RDF.nil:
                items = Collection(self.graph, node)
                return "( " + " ".join(self.term(i, depth + 1) for i in items) + " )"
            parts = [
                f"{self.curie(str(p))} {self.term(o, depth + 1)}"
                for p, o in sorted(self.graph.predicate_objects(node))
                if p not in (SH.message,)
            ]
            return "[ " + " ; ".join(parts) + " ]"
        return str(node)

    def path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.curie(str(node))
        if (node, RDF.first, None) in self.graph:
            return " / ".join(self.path(step) for step in Collection(self.graph, node))
        for prop, form in _PATHS.items():
            inner = self.graph.value(node, prop)
            if inner is not None:
                return form.format(self.path(inner))
        alternatives = self.graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return (
                "( " + " | ".join(self.path(a) for a in Collection(self.graph, alternatives)) + " )"
            )
        return self.term(node)

    def constraint(self, node: Node) -> ConstraintView:
        path = self.graph.value(node, SH.path)
        parameters = [
            (self.curie(str(p)), self.term(o))
            for p, o in sorted(self.graph.predicate_objects(node))
            if str(p).startswith(str(SH)) and p not in _NOT_CONSTRAINTS
        ]
        named = isinstance(node, URIRef)
        return ConstraintView(
            self.curie(str(node)) if named else None,
            self.anchor(node),
            self.path(path) if path is not None else None,
            parameters,
            _texts(self.graph, node, SH.message),
        )

    def shape(self, node: URIRef) -> ShapeView:
        own = replace(self.constraint(node), name=None, anchor=None)
        return ShapeView(
            anchor=self.anchor(node) or self.curie(str(node)),
            curie=self.curie(str(node)),
            labels=_texts(self.graph, node, RDFS.label),
            targets=[
                (self.curie(str(t)), self.term(o))
                for t in _TARGETS
                for o in sorted(self.graph.objects(node, t), key=str)
            ],
            own=own if own.parameters else None,
            properties=sorted(
                (self.constraint(p) for p in self.graph.objects(node, SH.property)),
                key=lambda c: (c.path or "", c.name or ""),
            ),
        )

    def node_shapes(self) -> list[ShapeView]:
        nodes = {s for s in self.graph.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
        return sorted((self.shape(n) for n in nodes), key=lambda s: s.anchor)

    def property_shapes(self) -> list[ConstraintView]:
        """The named, reusable property shapes."""
        nodes = {
            s for s in self.graph.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)
        }
        return sorted((self.constraint(n) for n in nodes), key=lambda c: c.anchor or "")
