"""pyoxigraph terms as rdflib's. Pure."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node


def rdflib_term(node: Any) -> Node:
    """A pyoxigraph IRI, blank node or literal as rdflib's (a plain literal stays plain)."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    datatype = node.datatype.value
    return Literal(node.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))
