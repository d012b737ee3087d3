"""The IRI scheme of the dataset: `{base}id/{kind}/{slug}`, documents under `{base}doc/`.

Published IRIs never change: a renamed slug is kept as a former id and redirects.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Namespace, URIRef

DEFAULT_BASE = "http://localhost:5000/"

#: Record kinds, each a path segment under `/id/`.
KINDS = (
    "city",
    "country",
    "organisation",
    "person",
    "article",
    "twinning",
    "membership",
    "meeting",
    "speech",
    "position",
    "statistic",
    "event",
    "proposal",
    "programme",
    "concept",
    "scheme",
    "role",
)


def normalise_base(base: str) -> str:
    """Return `base` with exactly one trailing slash."""
    return base.rstrip("/") + "/"


def checked_base(base: str) -> str:
    """`normalise_base(base)` when it can be a dataset's base: an absolute http(s) IRI as RDF
    reads IRIs (RFC 3987, checked by Oxigraph), without a query or a fragment (every IRI of
    the dataset extends it by a path); else a ValueError saying why."""
    normal = normalise_base(base)
    if not normal.lower().startswith(("http://", "https://")):
        raise ValueError(f"{base!r} is not an http(s) IRI")
    try:
        ox.NamedNode(normal)
    except ValueError as exc:
        raise ValueError(f"{base!r} is not an IRI: {exc}") from None
    if "?" in normal or "#" in normal:
        raise ValueError(f"{base!r} holds a query or a fragment: every IRI extends its path")
    return normal


def entity_iri(base: str, kind: str, slug: str) -> URIRef:
    """The IRI of record `slug` of `kind`, e.g. `{base}id/city/tabriz`."""
    return URIRef(f"{normalise_base(base)}id/{kind}/{slug}")


def graph_iri(base: str, name: str) -> URIRef:
    """The named graph of one source article (or `curated` for records shared by all)."""
    return URIRef(f"{normalise_base(base)}graph/{name}")


def ontology_namespace(base: str) -> Namespace:
    """The ontology's hash namespace; its document is `{base}ontology`."""
    return Namespace(f"{normalise_base(base)}ontology#")


def shapes_namespace(base: str) -> Namespace:
    """The shapes' hash namespace; its document is `{base}shapes`."""
    return Namespace(f"{normalise_base(base)}shapes#")
