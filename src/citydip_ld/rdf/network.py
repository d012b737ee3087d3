"""The twinning network: cities as nodes, twinnings as edges, read with one set of SPARQL
queries from anything that answers SPARQL the way a `citydip_ld.stores` store does (the
default graph the union of the named graphs; rows of pyoxigraph terms).

The same queries run at build time (`network_of_dataset`: the built dataset loaded into an
in-memory Oxigraph store, for the `network.*` files) and at serve time (on the app's store:
embedded, a store folder or a remote SPARQL store; `/network.json`), so the files and the
view show one network.

- A **node** is every `cd:City` under `{base}id/city/`: its labels (en, fa), country
  (`schema:containedInPlace` a `cd:Country`) with the country's labels, WGS84 coordinates, its
  number of distinct partner cities (`partners`) and of twinnings (`twinnings`, the degree;
  more than `partners` when two cities made two agreements). Cities without a twinning are
  nodes too, with 0 partners.
- An **edge** is every `cd:Twinning` with its two `cd:partner`s (source < target as strings:
  the network is undirected), labels, agreement kind, date as written (`cd:jalaliDate` or
  `cd:gregorianDate`, `cd:printedDate`) and the Gregorian days it spans (`cd:firstDay`,
  `cd:lastDay`; an "on or before" date has only its last day), and the article(s) it was
  derived from (`prov:wasDerivedFrom`).

Everything is sorted by IRI, so the same data always gives the same network (and the same
bytes in `citydip_ld.rdf.network_files`).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import Dataset

from citydip_ld.iris import normalise_base, ontology_namespace
from citydip_ld.pickled_records import pickled_by_fields

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


class Queryable(Protocol):
    """SPARQL answered with pyoxigraph rows, the default graph the union of the named graphs
    (`citydip_ld.stores.store.Store`, or `DatasetQueries` at build time)."""

    def query(self, sparql: str, **options: Any) -> Any: ...


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Country:
    iri: str
    label_en: str
    label_fa: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NetworkNode:
    """A city of the network."""

    iri: str
    label_en: str
    label_fa: str
    country: Country | None
    lat: float | None
    long: float | None
    partners: int = 0
    twinnings: int = 0


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NetworkEdge:
    """A twinning between two cities."""

    iri: str
    source: str
    target: str
    label_en: str = ""
    label_fa: str = ""
    kind: str | None = None
    date_written: str | None = None
    date_calendar: str | None = None  # "jalali" or "gregorian"
    date_printed: str | None = None
    date_first_day: str | None = None
    date_last_day: str | None = None
    date_on_or_before: bool = False
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Network:
    """Nodes and edges sorted by IRI; `focus` is the city of an ego network."""

    nodes: tuple[NetworkNode, ...]
    edges: tuple[NetworkEdge, ...]
    focus: str | None = None
    _index: dict[str, NetworkNode] = field(default_factory=dict, compare=False, repr=False)
    #: Each city's twinnings (positions in `edges`) and each node's position in `nodes`, made
    #: on the first `ego`: a city page asks for one at every request (S: 12,596 nodes).
    _ends: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)
    _order: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def node(self, iri: str) -> NetworkNode | None:
        if not self._index and self.nodes:
            self._index.update((n.iri, n) for n in self.nodes)
        return self._index.get(iri)

    def countries(self) -> list[tuple[Country, int]]:
        """The countries of the nodes with how many cities each has, by English label."""
        counts: dict[Country, int] = defaultdict(int)
        for node in self.nodes:
            if node.country is not None:
                counts[node.country] += 1
        return sorted(counts.items(), key=lambda item: (item[0].label_en, item[0].iri))

    def ego(self, city: str) -> Network:
        """The city, its partners and every twinning among them (networkx's `ego_graph`)."""
        if not self._order and self.nodes:
            ends: dict[str, list[int]] = defaultdict(list)
            for position, edge in enumerate(self.edges):
                ends[edge.source].append(position)
                if edge.target != edge.source:
                    ends[edge.target].append(position)
            self._ends.update(ends)
            self._order.update((n.iri, position) for position, n in enumerate(self.nodes))
        around = {city}
        for position in self._ends.get(city, ()):
            around.update((self.edges[position].source, self.edges[position].target))
        # The same as `_subnetwork(around, both_ends=True)`, from the index: the twinnings of
        # the cities around with both ends around, in the network's order.
        positions = sorted(
            {
                position
                for iri in around
                for position in self._ends.get(iri, ())
                if self.edges[position].source in around and self.edges[position].target in around
            }
        )
        nodes = sorted((iri for iri in around if iri in self._order), key=self._order.__getitem__)
        return Network(
            tuple(self.nodes[self._order[iri]] for iri in nodes),
            tuple(self.edges[position] for position in positions),
            city,
        )

    def for_country(self, country: str) -> Network:
        """The cities of `country`, the twinnings of any of them, and their partners abroad."""
        inside = {n.iri for n in self.nodes if n.country is not None and n.country.iri == country}
        return self._subnetwork(inside, both_ends=False)

    def _subnetwork(
        self, cities: set[str], *, both_ends: bool, focus: str | None = None
    ) -> Network:
        def keep(edge: NetworkEdge) -> bool:
            ends = (edge.source in cities, edge.target in cities)
            return all(ends) if both_ends else any(ends)

        edges = tuple(edge for edge in self.edges if keep(edge))
        wanted = cities | {end for edge in edges for end in (edge.source, edge.target)}
        nodes = tuple(node for node in self.nodes if node.iri in wanted)
        return Network(nodes, edges, focus)


def _text(row: Any, name: str) -> str | None:
    """A value as a string, interned: IRIs, dates and labels repeat, here and in the other
    views of the same store (geography, timeline)."""
    term = row[name]
    return None if term is None else sys.intern(str(term.value))


def _number(row: Any, name: str) -> float | None:
    text = _text(row, name)
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def _label_pattern(subject: str, lang: str) -> str:
    return (
        f"OPTIONAL {{ {subject} rdfs:label ?{subject[1:]}_{lang} "
        f'FILTER(LANGMATCHES(LANG(?{subject[1:]}_{lang}), "{lang}")) }}'
    )


def node_query(base: str) -> str:
    """The cities with labels, country and coordinates (one row each: MIN picks one value
    where the data has several)."""
    prefix = f"{normalise_base(base)}id/city/"
    cd = ontology_namespace(base)
    return f"""{PREFIXES}
SELECT ?city (MIN(?city_en) AS ?en) (MIN(?city_fa) AS ?fa) (MIN(?country0) AS ?country)
       (MIN(?lat0) AS ?lat) (MIN(?long0) AS ?long)
WHERE {{
  ?city rdf:type <{cd}City> .
  FILTER(STRSTARTS(STR(?city), "{prefix}") && !CONTAINS(STR(?city), "#"))
  {_label_pattern("?city", "en")}
  {_label_pattern("?city", "fa")}
  OPTIONAL {{ ?city schema:containedInPlace ?country0 . ?country0 rdf:type <{cd}Country> }}
  OPTIONAL {{ ?city geo:lat ?lat0 }}
  OPTIONAL {{ ?city geo:long ?long0 }}
}} GROUP BY ?city ORDER BY ?city"""


def country_query(base: str) -> str:
    """The countries with their labels."""
    cd = ontology_namespace(base)
    return f"""{PREFIXES}
SELECT ?country (MIN(?country_en) AS ?en) (MIN(?country_fa) AS ?fa)
WHERE {{
  ?country rdf:type <{cd}Country> .
  {_label_pattern("?country", "en")}
  {_label_pattern("?country", "fa")}
}} GROUP BY ?country"""


def edge_query(base: str) -> str:
    """The twinnings with their partners, labels, kind, date and articles (one row per
    article a twinning is derived from)."""
    cd = ontology_namespace(base)
    return f"""{PREFIXES}
SELECT ?twinning ?source ?target ?en ?fa ?kind ?jalali ?gregorian ?printed ?first ?last
       ?bound ?article
WHERE {{
  {{ SELECT ?twinning ?source ?target WHERE {{
    ?twinning rdf:type <{cd}Twinning> ; <{cd}partner> ?source, ?target .
    FILTER(STR(?source) < STR(?target))
  }} }}
  OPTIONAL {{ SELECT ?twinning (MIN(?twinning_en) AS ?en) (MIN(?twinning_fa) AS ?fa)
    (MIN(?kind0) AS ?kind) WHERE {{
    ?twinning rdf:type <{cd}Twinning> .
    {_label_pattern("?twinning", "en")}
    {_label_pattern("?twinning", "fa")}
    OPTIONAL {{ ?twinning <{cd}agreementKind> ?kind0 }}
  }} GROUP BY ?twinning }}
  OPTIONAL {{ ?twinning time:hasTime ?date .
    OPTIONAL {{ ?date <{cd}jalaliDate> ?jalali }}
    OPTIONAL {{ ?date <{cd}gregorianDate> ?gregorian }}
    OPTIONAL {{ ?date <{cd}printedDate> ?printed }}
    OPTIONAL {{ ?date <{cd}firstDay> ?first }}
    OPTIONAL {{ ?date <{cd}lastDay> ?last }}
    OPTIONAL {{ ?date <{cd}dateBound> ?bound }}
  }}
  OPTIONAL {{ ?twinning prov:wasDerivedFrom ?article }}
}}"""


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def queried_terms(base: str) -> tuple[frozenset[str], frozenset[str]]:
    """What the three queries match: the predicates of their triple patterns, and the classes
    an `rdf:type` pattern names (IRIs). The answers from only the triples with one of those
    predicates (an `rdf:type` only with one of those classes) are the answers from all of them:
    `build` loads just those into its store (a third of the quads at world S)."""
    cd = ontology_namespace(base)
    geo, time, prov = (
        "http://www.w3.org/2003/01/geo/wgs84_pos#",
        "http://www.w3.org/2006/time#",
        "http://www.w3.org/ns/prov#",
    )
    predicates = {
        RDF_TYPE,
        "http://www.w3.org/2000/01/rdf-schema#label",
        "https://schema.org/containedInPlace",
        f"{geo}lat",
        f"{geo}long",
        f"{time}hasTime",
        f"{prov}wasDerivedFrom",
        *(
            f"{cd}{name}"
            for name in (
                "partner",
                "agreementKind",
                "jalaliDate",
                "gregorianDate",
                "printedDate",
                "firstDay",
                "lastDay",
                "dateBound",
            )
        ),
    }
    return frozenset(predicates), frozenset(
        f"{cd}{name}" for name in ("City", "Country", "Twinning")
    )


def _read_countries(store: Queryable, base: str) -> dict[str, Country]:
    countries = {}
    for row in store.query(country_query(base)):
        iri = str(row["country"].value)
        countries[iri] = Country(iri, _text(row, "en") or iri, _text(row, "fa") or "")
    return countries


def _ends(row: Any) -> tuple[str, str]:
    return sys.intern(str(row["source"].value)), sys.intern(str(row["target"].value))


def _read_edges(store: Queryable, base: str) -> list[NetworkEdge]:
    """The edges, several rows of one twinning (several articles, dates) merged."""
    found: dict[tuple[str, str, str], NetworkEdge] = {}
    articles: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    on_or_before = f"{ontology_namespace(base)}OnOrBefore"
    for row in store.query(edge_query(base)):
        key = (sys.intern(str(row["twinning"].value)), *_ends(row))
        if (article := _text(row, "article")) is not None:
            articles[key].add(article)
        if key in found:
            continue
        jalali, gregorian = _text(row, "jalali"), _text(row, "gregorian")
        found[key] = NetworkEdge(
            *key,
            label_en=_text(row, "en") or "",
            label_fa=_text(row, "fa") or "",
            kind=_text(row, "kind"),
            date_written=jalali or gregorian,
            date_calendar="jalali" if jalali else "gregorian" if gregorian else None,
            date_printed=_text(row, "printed"),
            date_first_day=_text(row, "first"),
            date_last_day=_text(row, "last"),
            date_on_or_before=_text(row, "bound") == on_or_before,
        )
    return [replace(edge, articles=tuple(sorted(articles[key]))) for key, edge in found.items()]


def read_network(store: Queryable, base: str) -> Network:
    """The whole twinning network of the dataset at `base` in `store` (three queries)."""
    countries = _read_countries(store, base)
    edges = _read_edges(store, base)
    cities = []
    for row in store.query(node_query(base)):
        iri = sys.intern(str(row["city"].value))
        country = _text(row, "country")
        cities.append(
            NetworkNode(
                iri,
                _text(row, "en") or iri,
                _text(row, "fa") or "",
                countries.get(country) if country else None,
                _number(row, "lat"),
                _number(row, "long"),
            )
        )
    return assemble_network(edges, cities)


def assemble_network(edges: list[NetworkEdge], cities: list[NetworkNode]) -> Network:
    """The network of the node query's cities (their `partners` and `twinnings` not counted
    yet) and the edge query's twinnings (merged, in any order): each city's partners and
    degree counted over every twinning, nodes and edges sorted by IRI, the twinnings of a
    partner that is not a node left out. One assembly for the store's answers
    (`read_network`) and the build's rows (`network_rows.network_of_rows`)."""
    edges = sorted(edges, key=lambda e: (e.iri, e.source, e.target))
    partners: dict[str, set[str]] = defaultdict(set)
    degree: dict[str, int] = defaultdict(int)
    for edge in edges:
        partners[edge.source].add(edge.target)
        partners[edge.target].add(edge.source)
        degree[edge.source] += 1
        degree[edge.target] += 1
    nodes = [
        NetworkNode(
            c.iri,
            c.label_en,
            c.label_fa,
            c.country,
            c.lat,
            c.long,
            len(partners[c.iri]),
            degree[c.iri],
        )
        for c in cities
    ]
    nodes.sort(key=lambda n: n.iri)
    known = {n.iri for n in nodes}
    kept = tuple(e for e in edges if e.source in known and e.target in known)
    return Network(tuple(nodes), kept)


class DatasetQueries:
    """A built rdflib dataset loaded into an in-memory Oxigraph store, queried like a
    `citydip_ld.stores` store (the default graph the union of the named graphs)."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self._store = ox.Store()
        self._store.bulk_extend(quads)

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetQueries:
        nquads = dataset.serialize(format="nquads").encode("utf-8")
        return cls(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))

    def query(self, sparql: str, **options: Any) -> Any:
        options.setdefault("use_default_graph_as_union", True)
        return self._store.query(sparql, **options)


def network_of_dataset(dataset: Dataset, base: str) -> Network:
    """The network of a dataset being built (the same queries as on a store)."""
    return read_network(DatasetQueries.of(dataset), base)
