"""People named in the articles (`data/people.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import FOAF, PROV, SDO

from citydip_ld.curation.kinds.base import NamedKind
from citydip_ld.curation.records import Labels, Named
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Person(Named):
    pass


class PersonKind(NamedKind):
    name = "person"
    file = "people.yaml"
    section = "people"
    list_labels = (("person", Labels(en="People", fa="افراد")),)
    record = Person
    what = "a person"

    def types(self, triples: Triples) -> tuple[URIRef, ...]:
        return (SDO.Person, FOAF.Person, PROV.Agent)
