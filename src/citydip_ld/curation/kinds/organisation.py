"""Organisations (`data/organisations.yaml`): municipalities, councils, ministries, news
outlets, city networks and others, with their type, city, parent and homepage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from rdflib.namespace import FOAF, ORG, SDO

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.place import City
from citydip_ld.curation.records import Labels, Record, Tables
from citydip_ld.curation.triples import Triples

#: type -> (class in the ontology, schema.org class)
ORG_CLASSES = {
    "municipality": ("Municipality", SDO.GovernmentOrganization),
    "council": ("CityCouncil", SDO.GovernmentOrganization),
    "ministry": ("Ministry", SDO.GovernmentOrganization),
    "news-outlet": ("NewsOutlet", SDO.NewsMediaOrganization),
    "international-organisation": ("InternationalOrganisation", SDO.Organization),
    "city-network": ("CityNetwork", SDO.Organization),
    "agency": ("Agency", SDO.GovernmentOrganization),
    "ngo": ("NonGovernmentalOrganisation", SDO.NGO),
}
ORGANISATION_TYPES = tuple(ORG_CLASSES)


@dataclass(frozen=True)
class Organisation(Record):
    label: Labels
    type: str
    city: str | None
    parent: str | None
    homepage: str | None
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


class OrganisationKind(Kind):
    name = "organisation"
    file = "organisations.yaml"
    section = "organisations"
    list_labels = (("organisation", Labels(en="Organisations", fa="سازمان‌ها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "an organisation")
        r.allow(
            ("id", "label", "type"),
            ("city", "parent", "homepage", "wikidata", "former_ids"),
        )
        org = Organisation(
            r.slug("id"),
            r.loc(),
            r.key_lines(),
            r.labels("label"),
            r.choice("type", ORGANISATION_TYPES),
            r.optional_slug("city"),
            r.optional_slug("parent"),
            r.web_address("homepage"),
            r.wikidata(),
            r.slug_list("former_ids"),
        )
        context.claim("organisation", org)
        context.tables.by_id(Organisation)[org.id] = org

    def resolve(self, tables: Tables) -> None:
        organisations = tables.by_id(Organisation)
        for org in organisations.values():
            need(tables.by_id(City), "city", org.city, org, "city")
            need(organisations, "organisation", org.parent, org, "parent")

    def emit(self, tables: Tables, triples: Triples) -> None:
        e = triples.emitter("curated")
        for org in tables.by_id(Organisation).values():
            s = triples.iri("organisation", org.id)
            local, schema_class = ORG_CLASSES[org.type]
            classes = (ORG.Organization, triples.cd[local], schema_class)
            triples.entity(e, s, org, classes, org.label)
            if org.city:
                e.add(s, SDO.location, triples.iri("city", org.city), org.where("city"))
            if org.parent:
                parent = triples.iri("organisation", org.parent)
                e.add(s, ORG.subOrganizationOf, parent, org.where("parent"))
            if org.homepage:
                e.add(s, FOAF.homepage, URIRef(org.homepage), org.where("homepage"))
            triples.same_as(e, s, org.wikidata, org)
            triples.former(e, s, "organisation", org.former_ids, org)
