"""People named in the articles (`data/people.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib.namespace import FOAF, PROV, SDO

from citydip_ld.curation.kinds.base import Kind, ReadContext
from citydip_ld.curation.records import Labels, Record, Tables
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Person(Record):
    label: Labels
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


class PersonKind(Kind):
    name = "person"
    file = "people.yaml"
    section = "people"
    list_labels = (("person", Labels(en="People", fa="افراد")),)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "a person")
        r.allow(("id", "label"), ("wikidata", "former_ids"))
        person = Person(
            r.slug("id"),
            r.loc(),
            r.key_lines(),
            r.labels("label"),
            r.wikidata(),
            r.slug_list("former_ids"),
        )
        context.claim("person", person)
        context.tables.by_id(Person)[person.id] = person

    def emit(self, tables: Tables, triples: Triples) -> None:
        e = triples.emitter("curated")
        for person in tables.by_id(Person).values():
            s = triples.iri("person", person.id)
            triples.entity(e, s, person, (SDO.Person, FOAF.Person, PROV.Agent), person.label)
            triples.same_as(e, s, person.wikidata, person)
            triples.former(e, s, "person", person.former_ids, person)
