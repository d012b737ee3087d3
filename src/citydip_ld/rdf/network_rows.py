"""The twinning network read straight from a build's sorted rows, without a store or SPARQL.

`build` used to load the quads the network's queries can match into an in-memory Oxigraph
store and run `network.read_network`'s three SPARQL queries on it (2.5 s of CPU at world S,
most of it the queries and turning their rows of Oxigraph terms into Python strings).
`network_of_rows` answers the same three queries over the rows `output.SortedQuads` already
holds (each term the text Oxigraph writes), with the same joins and filters, and hands their
answers to the same assembly (`network.assemble_network`), so the network and its files are
the same, byte for byte.

Where a query's answer would depend on a choice this does not follow (several values where
the queries pick one with MIN, or take whichever row comes first: two English labels of a
city, two countries, two dates of a twinning; a blank node or literal where the data has
IRIs), it returns None and the caller asks the store (`network.read_network`).
"""

from __future__ import annotations

from collections.abc import Iterable

from citydip_ld.iris import normalise_base, ontology_namespace
from citydip_ld.rdf.jsonld import Row, split_literal
from citydip_ld.rdf.network import (
    RDF_TYPE,
    Country,
    Network,
    NetworkEdge,
    NetworkNode,
    assemble_network,
    queried_terms,
)

_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_CONTAINED_IN = "<https://schema.org/containedInPlace>"
_LAT = "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>"
_LONG = "<http://www.w3.org/2003/01/geo/wgs84_pos#long>"
_HAS_TIME = "<http://www.w3.org/2006/time#hasTime>"
_DERIVED_FROM = "<http://www.w3.org/ns/prov#wasDerivedFrom>"

#: subject -> predicate -> its distinct objects (texts as Oxigraph writes them), in row order
Index = dict[str, dict[str, list[str]]]


class _DeclinedError(Exception):
    """The queries' answer here depends on a choice not followed: ask the store."""


def network_of_rows(rows: Iterable[Row], base: str) -> Network | None:
    """`network.read_network` of a store holding the quads `rows` (every graph: the queries
    read the union), or None when the store must be asked (see the module docstring)."""
    index, types = _index(rows, base)
    cd = f"<{ontology_namespace(base)}"
    try:
        countries = {
            iri: Country(
                iri, _label(index, subject, "en") or iri, _label(index, subject, "fa") or ""
            )
            for subject in types[f"{cd}Country>"]
            if (iri := _iri(subject)) is not None
        }
        edges = _edges(index, types[f"{cd}Twinning>"], cd)
        cities = _cities(index, types, base, countries)
    except _DeclinedError:
        return None
    return assemble_network(edges, cities)


def _index(rows: Iterable[Row], base: str) -> tuple[Index, dict[str, list[str]]]:
    """The triples the queries can match (`network.queried_terms`), each once, by subject;
    and the subjects of each class the queries name (`rdf:type`), each once."""
    predicates, classes = queried_terms(base)
    wanted = {f"<{iri}>" for iri in predicates}
    rdf_type, named = f"<{RDF_TYPE}>", {f"<{iri}>" for iri in classes}
    index: Index = {}
    typed: dict[str, dict[str, None]] = {name: {} for name in named}
    for _graph, subject, predicate, obj in [row for row in rows if row[2] in wanted]:
        if predicate == rdf_type:
            if obj in named:
                typed[obj][subject] = None
            continue
        objects = index.setdefault(subject, {}).setdefault(predicate, [])
        if obj not in objects:
            objects.append(obj)
    return index, {name: list(subjects) for name, subjects in typed.items()}


def _iri(term: str) -> str | None:
    """An IRI's text, or None for a blank node; a literal is declined."""
    if term.startswith("<"):
        return term[1:-1]
    if term.startswith("_:"):
        return None
    raise _DeclinedError(term)


def _value(term: str) -> str:
    """What `str(term.value)` gives of the Oxigraph term written `term`: an IRI's text, a blank
    node's label, a literal's lexical form."""
    if term.startswith("<"):
        return term[1:-1]
    if term.startswith("_:"):
        return term[2:]
    if "\\U" in term:  # an escape Oxigraph does not write, `split_literal` does not read
        raise _DeclinedError(term)
    return split_literal(term)[0]


def _one(index: Index, subject: str, predicate: str) -> str | None:
    """The only object of `predicate` (None without one); declined with several."""
    objects = index.get(subject, {}).get(predicate, ())
    if len(objects) > 1:
        raise _DeclinedError(f"{subject} {predicate}: several values")
    return objects[0] if objects else None


def _label(index: Index, subject: str, lang: str) -> str | None:
    """`network._label_pattern`'s MIN: the label whose language `LANGMATCHES` `lang` (tags are
    lower case in the rows); declined with several."""
    found = [
        label
        for label in index.get(subject, {}).get(_LABEL, ())
        if label.startswith('"') and _matches(label, lang)
    ]
    if len(found) > 1:
        raise _DeclinedError(f"{subject}: several {lang} labels")
    return _value(found[0]) if found else None


def _matches(literal: str, lang: str) -> bool:
    """Whether the literal's language tag (after its closing quote) is `lang` or `lang-...`."""
    tag = literal[literal.rindex('"') + 1 :]
    return tag == f"@{lang}" or tag.startswith(f"@{lang}-")


def _edges(index: Index, twinnings: list[str], cd: str) -> list[NetworkEdge]:
    """`network.edge_query`'s answer, merged as `network._read_edges` merges it."""
    on_or_before = f"{cd[1:]}OnOrBefore"
    edges = []
    for subject in twinnings:
        twinning = _iri(subject)
        partners = index.get(subject, {}).get(f"{cd}partner>", [])
        ends = sorted({_value(partner) for partner in partners if _iri(partner) is not None})
        if twinning is None or len(ends) != len(partners):
            raise _DeclinedError(f"{subject}: a blank node twinning or partner")
        pairs = [(a, b) for a in ends for b in ends if a < b]
        if not pairs:
            continue
        kind = _one(index, subject, f"{cd}agreementKind>")
        fields = _date_fields(index, subject, cd)
        jalali, gregorian = fields["jalali"], fields["gregorian"]
        articles = {_value(article) for article in index.get(subject, {}).get(_DERIVED_FROM, ())}
        values = (  # `NetworkEdge`'s fields after its ends, in order
            _label(index, subject, "en") or "",
            _label(index, subject, "fa") or "",
            None if kind is None else _value(kind),
            jalali or gregorian,
            "jalali" if jalali else "gregorian" if gregorian else None,
            fields["printed"],
            fields["first"],
            fields["last"],
            fields["bound"] == on_or_before,
            tuple(sorted(articles)),
        )
        edges += [NetworkEdge(twinning, source, target, *values) for source, target in pairs]
    return edges


_DATE_FIELDS = {
    "jalali": "jalaliDate",
    "gregorian": "gregorianDate",
    "printed": "printedDate",
    "first": "firstDay",
    "last": "lastDay",
    "bound": "dateBound",
}


def _date_fields(index: Index, twinning: str, cd: str) -> dict[str, str | None]:
    """The values of the twinning's date (`time:hasTime`); declined with several dates or
    several values of one field (the query's first row would decide)."""
    date = _one(index, twinning, _HAS_TIME)
    fields: dict[str, str | None] = dict.fromkeys(_DATE_FIELDS)
    if date is not None:
        for name, local in _DATE_FIELDS.items():
            value = _one(index, date, f"{cd}{local}>")
            fields[name] = None if value is None else _value(value)
    return fields


def _cities(
    index: Index, types: dict[str, list[str]], base: str, countries: dict[str, Country]
) -> list[NetworkNode]:
    """`network.node_query`'s answer as nodes without their counts (`assemble_network`)."""
    cd = f"<{ontology_namespace(base)}"
    prefix = f"{normalise_base(base)}id/city/"
    is_country = set(types[f"{cd}Country>"])
    cities = []
    for subject in types[f"{cd}City>"]:
        iri = _iri(subject)
        if iri is None or not iri.startswith(prefix) or "#" in iri:
            continue
        places = [p for p in index.get(subject, {}).get(_CONTAINED_IN, ()) if p in is_country]
        if len(places) > 1:
            raise _DeclinedError(f"{subject}: several countries")
        country = _iri(places[0]) if places else None
        if places and country is None:
            raise _DeclinedError(f"{subject}: a blank node country")
        cities.append(
            NetworkNode(
                iri,
                _label(index, subject, "en") or iri,
                _label(index, subject, "fa") or "",
                countries.get(country) if country else None,
                _number(_one(index, subject, _LAT)),
                _number(_one(index, subject, _LONG)),
            )
        )
    return cities


def _number(term: str | None) -> float | None:
    """`network._number` of the value written `term`."""
    if term is None:
        return None
    try:
        return float(_value(term))
    except ValueError:
        return None
