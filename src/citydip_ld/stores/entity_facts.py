"""What the reconciliation service says about an entity: its types and properties, and their
values read from the store for a few entities at a time.

Pure: a store (`Queryable`) in, plain values out; no Flask. The types are our kinds (`city`,
`country`, `organisation`, `person`); the properties (`country`, `wikidata`, `geonames`,
`coordinates`, `population`, `partners`) are read by one SPARQL query over the entities asked
for (`read_facts`), so a batch costs one query, not one per entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from citydip_ld.stores.describe import Queryable, UnsafeIRIError, sparql_iri

__all__ = [
    "PROPERTIES",
    "TYPES",
    "EntityFacts",
    "Property",
    "find_by_identifier",
    "geonames_id",
    "read_facts",
    "wikidata_id",
]

#: The types a query may name: our kinds, with their names in English and Persian.
TYPES: dict[str, dict[str, str]] = {
    "city": {"en": "City", "fa": "شهر"},
    "country": {"en": "Country", "fa": "کشور"},
    "organisation": {"en": "Organisation", "fa": "سازمان"},
    "person": {"en": "Person", "fa": "شخص"},
}


@dataclass(frozen=True)
class Property:
    """A property a query may constrain and data extension may fetch."""

    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    #: The types whose entities may have it (the property proposal per type).
    types: tuple[str, ...]
    #: The type of its values when they are entities (None: strings or numbers).
    value_type: str | None = None


PROPERTIES: tuple[Property, ...] = (
    Property(
        "country",
        {"en": "Country", "fa": "کشور"},
        {
            "en": "the country the city (or the organisation's city) is in",
            "fa": "کشوری که شهر (یا شهر سازمان) در آن است",
        },
        ("city", "organisation"),
        "country",
    ),
    Property(
        "wikidata",
        {"en": "Wikidata id", "fa": "شناسه ویکی‌داده"},
        {"en": "the Wikidata item (Q-id) it is the same as", "fa": "شناسه آیتم ویکی‌داده (Q)"},
        ("city", "country", "organisation", "person"),
    ),
    Property(
        "geonames",
        {"en": "GeoNames id", "fa": "شناسه ژئونیمز"},
        {"en": "its GeoNames feature id", "fa": "شناسه عارضه در ژئونیمز"},
        ("city", "country"),
    ),
    Property(
        "coordinates",
        {"en": "Coordinates", "fa": "مختصات"},
        {"en": "latitude,longitude (WGS84, from GeoNames)", "fa": "عرض،طول جغرافیایی (WGS84)"},
        ("city",),
    ),
    Property(
        "population",
        {"en": "Population", "fa": "جمعیت"},
        {"en": "population (from GeoNames)", "fa": "جمعیت (از ژئونیمز)"},
        ("city",),
    ),
    Property(
        "partners",
        {"en": "Sister cities", "fa": "شهرهای خواهرخوانده"},
        {"en": "the cities it is twinned with", "fa": "شهرهایی که با آن خواهرخوانده است"},
        ("city",),
        "city",
    ),
)
PROPERTY_IDS = {prop.id: prop for prop in PROPERTIES}

_WIKIDATA = "http://www.wikidata.org/entity/"
_QID = re.compile(r"^(?:https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/)?([Qq][1-9][0-9]*)$")
_GEONAMES = re.compile(r"^(?:https?://(?:sws\.|www\.)?geonames\.org/)?([1-9][0-9]*)(?:/.*)?$")


def wikidata_id(text: str) -> str | None:
    """`Q80053` from `Q80053`, `q80053` or a Wikidata entity or page URL; else None."""
    found = _QID.match(text.strip())
    return found.group(1).upper() if found else None


def geonames_id(text: str) -> str | None:
    """`113646` from `113646` or a GeoNames URI (`https://sws.geonames.org/113646/`)."""
    found = _GEONAMES.match(text.strip())
    return found.group(1) if found else None


@dataclass
class EntityFacts:
    """The properties of one entity, and its labels by language."""

    labels: dict[str, str] = field(default_factory=dict)
    country: list[str] = field(default_factory=list)
    wikidata: list[str] = field(default_factory=list)
    geonames: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    population: int | None = None
    partners: list[str] = field(default_factory=list)


_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SDO = "https://schema.org/"
_GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"


def _keys(base: str) -> dict[str, str]:
    """The predicates `read_facts` reads -> the fact each one gives."""
    cd = f"{base}ontology#"
    return {
        f"{_RDFS}label": "label",
        f"{_SDO}containedInPlace": "place",
        f"{_SDO}location": "place",
        "http://www.w3.org/2002/07/owl#sameAs": "wikidata",
        f"{_RDFS}seeAlso": "geonames",
        f"{_GEO}lat": "latitude",
        f"{_GEO}long": "longitude",
        f"{cd}population": "population",
        f"{cd}twinnedWith": "partners",
    }


def _outgoing(store: Queryable, iris: list[str], predicates: Iterable[str]) -> Any:
    """(?s ?p ?o) rows of `iris`' own triples with one of `predicates`: one index lookup per
    subject (a VALUES block over whole UNION branches made Oxigraph scan every label, 18 s
    for 500 cities at world size S)."""
    values = " ".join(iris)
    wanted = ", ".join(f"<{p}>" for p in predicates)
    query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o "
    return store.query(query + f"FILTER(?p IN ({wanted})) }}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _add(facts: EntityFacts, key: str, value: str, lang: str) -> None:
    """Record one (fact, value) of an entity in `facts` (places are sorted out later)."""
    if key == "label":
        facts.labels.setdefault(lang or "", value)
    elif key == "wikidata" and value.startswith(_WIKIDATA):
        facts.wikidata.append(value[len(_WIKIDATA) :])
    elif key == "geonames" and "geonames.org/" in value:
        found = geonames_id(value)
        if found:
            facts.geonames.append(found)
    elif key == "latitude":
        facts.latitude = _number(value)
    elif key == "longitude":
        facts.longitude = _number(value)
    elif key == "population":
        number = _number(value)
        facts.population = int(number) if number is not None else None
    elif key == "partners" and value not in facts.partners:
        facts.partners.append(value)


def _safe(iris: Iterable[str], base: str) -> list[str]:
    """`<iri>` for each distinct IRI under `{base}id/` that is safe in a query."""
    wanted: list[str] = []
    for iri in dict.fromkeys(iris):
        if iri.startswith(f"{base}id/"):
            try:
                wanted.append(sparql_iri(iri))
            except UnsafeIRIError:
                continue
    return wanted


def read_facts(store: Queryable, base: str, iris: Iterable[str]) -> dict[str, EntityFacts]:
    """The facts of each entity of `iris` under `{base}id/` (one query, and one more for the
    countries of the cities organisations are in); other IRIs, and those the store does not
    know, are left out. A place (`schema:containedInPlace`, `schema:location`) that is a
    country is the entity's country; one that is a city gives that city's country."""
    wanted = _safe(iris, base)
    if not wanted:
        return {}
    keys = _keys(base)
    country, city = f"{base}id/country/", f"{base}id/city/"
    found: dict[str, EntityFacts] = {}
    via_city: dict[str, list[str]] = {}
    for row in _outgoing(store, wanted, keys):
        subject, key, value = row["s"].value, keys[row["p"].value], row["o"]
        facts = found.setdefault(subject, EntityFacts())
        if key == "place" and value.value.startswith(country):
            facts.country.append(value.value)
        elif key == "place" and value.value.startswith(city):
            via_city.setdefault(value.value, []).append(subject)
        else:
            _add(facts, key, value.value, getattr(value, "language", None) or "")
    if via_city:
        predicate = f"{_SDO}containedInPlace"
        for row in _outgoing(store, _safe(via_city, base), [predicate]):
            if row["o"].value.startswith(country):
                for subject in via_city[row["s"].value]:
                    found[subject].country.append(row["o"].value)
    for facts in found.values():
        facts.country = sorted(set(facts.country))
        facts.wikidata.sort()
        facts.geonames.sort()
        facts.partners.sort()
    return found


def find_by_identifier(store: Queryable, base: str, pid: str, values: Iterable[str]) -> list[str]:
    """Our entities (IRIs under `{base}id/`) with one of `values` as their Wikidata id
    (`pid` "wikidata") or GeoNames id ("geonames"), sorted; other properties find none."""
    if pid == "wikidata":
        found = {wikidata_id(v) for v in values}
        targets = [f"<{_WIKIDATA}{qid}>" for qid in sorted(q for q in found if q)]
        predicate = "<http://www.w3.org/2002/07/owl#sameAs>"
    elif pid == "geonames":
        numbers = sorted({n for n in (geonames_id(v) for v in values) if n})
        targets = [f"<https://sws.geonames.org/{n}/>" for n in numbers]
        predicate = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
    else:
        return []
    if not targets:
        return []
    query = f"""SELECT DISTINCT ?s WHERE {{
  VALUES ?o {{ {" ".join(targets)} }}
  ?s {predicate} ?o .
}}"""
    prefix = f"{base}id/"
    return sorted(
        iri for iri in (row["s"].value for row in store.query(query)) if iri.startswith(prefix)
    )
