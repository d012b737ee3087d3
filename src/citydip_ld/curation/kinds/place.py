"""Countries and cities (`data/places.yaml`): labels, Wikidata and GeoNames ids, the country
a city lies in, former ids that redirect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from citydip_ld.curation.kinds.base import Kind, NamedKind, ReadContext, need
from citydip_ld.curation.records import Labels, Named, Record, Tables
from citydip_ld.curation.triples import GEONAMES, RDFS, SDO, Triples


@dataclass(frozen=True)
class Country(Named):
    pass


@dataclass(frozen=True)
class City(Record):
    label: Labels
    country: str
    wikidata: str | None
    geonames: int | None = None
    former_ids: tuple[str, ...] = ()


class CountryKind(NamedKind):
    name = "country"
    file = "places.yaml"
    section = "countries"
    list_labels = (("country", Labels(en="Countries", fa="کشورها")),)
    record = Country
    what = "a country"

    def types(self, triples: Triples) -> tuple[URIRef, ...]:
        return (triples.cd.Country, SDO.Country)


class CityKind(Kind):
    name = "city"
    file = "places.yaml"
    section = "cities"
    list_labels = (("city", Labels(en="Cities", fa="شهرها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "a city")
        r.allow(("id", "label", "country"), ("wikidata", "geonames", "former_ids"))
        geonames = r.integer("geonames") if r.node.get("geonames") is not None else None
        city = City(
            r.slug("id"),
            r.loc(),
            r.key_lines(),
            r.labels("label"),
            r.slug("country"),
            r.wikidata(),
            geonames,
            r.slug_list("former_ids"),
        )
        context.claim("city", city)
        context.tables.by_id(City)[city.id] = city

    def resolve(self, tables: Tables) -> None:
        countries = tables.by_id(Country)
        for city in tables.by_id(City).values():
            need(countries, "country", city.country, city, "country")

    def emit(self, tables: Tables, triples: Triples) -> None:
        e = triples.emitter("curated")
        for city in tables.by_id(City).values():
            s = triples.iri("city", city.id)
            triples.entity(e, s, city, (triples.cd.City, SDO.City), city.label)
            country = triples.iri("country", city.country)
            e.add(s, SDO.containedInPlace, country, city.where("country"))
            triples.same_as(e, s, city.wikidata, city)
            if city.geonames is not None:
                e.add(s, RDFS.seeAlso, GEONAMES[f"{city.geonames}/"], city.where("geonames"))
            triples.former(e, s, "city", city.former_ids, city)
