"""Every kind's list order from one pass over a pyoxigraph store's labels, for `publish --to
DIR`.

`describe.ordered_resources` asks one SPARQL query per kind, each of which scans every
`rdfs:label` quad, groups by subject and sorts: at world L (5.8 M label quads, 1.3 M cities,
1.6 M twinnings) the six queries took 39 minutes of a publication. Here the label quads are
read once from the store's index (`quads_for_pattern`) and each kind's resources sorted in
Python by the same key: English label (any `en-…` tag) first, then any label, lower-cased,
then IRI, the smallest key of a resource's labels kept.

The order is the queries': Python and Oxigraph both compare strings by code point and lower
them with Unicode's full mappings (`str.lower`, Rust's `to_lowercase`); they could part only
on a character whose lower case a newer Unicode version changed (Python 3.11 carries Unicode
14). A label that is not a literal (the query's key would be an error there) makes this
decline (None), and the queries answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from citydip_ld.iris import normalise_base

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def sort_key(label: ox.Literal) -> str:
    """The list-order key of one label: "0" and the lower-cased text for English, else "1"."""
    language = (label.language or "").lower()
    english = language == "en" or language.startswith("en-")
    return ("0" if english else "1") + label.value.lower()


def list_orders(store: Any, base: str, kinds: Sequence[str]) -> dict[str, list[str]] | None:
    """The labelled resources of each of `kinds` (`{base}id/{kind}/…`, hash IRIs excluded,
    labels in named graphs) in list order, from one pass over `store`'s label quads; None if
    one of them has a label that is not a literal (see the module docstring)."""
    root = f"{normalise_base(base)}id/"
    wanted = set(kinds)
    keys: dict[str, dict[str, str]] = {kind: {} for kind in kinds}
    for quad in store.quads_for_pattern(None, RDFS_LABEL, None, None):
        subject = quad.subject
        if type(subject) is not ox.NamedNode or type(quad.graph_name) is ox.DefaultGraph:
            continue
        iri = subject.value
        if not iri.startswith(root) or "#" in iri:
            continue
        kind, slash, _slug = iri[len(root) :].partition("/")
        if not slash or kind not in wanted:
            continue
        label = quad.object
        if type(label) is not ox.Literal:
            return None
        key = sort_key(label)
        known = keys[kind]
        if iri not in known or key < known[iri]:
            known[iri] = key
    return {
        kind: [iri for iri, _key in sorted(found.items(), key=lambda item: (item[1], item[0]))]
        for kind, found in keys.items()
    }
