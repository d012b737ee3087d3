"""Positions (`positions:` in article files): a person holds a post (a role) in an
organisation. The id is generated: `{person}-{organisation}` (or the article's number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, RDFS, Literal
from rdflib.namespace import ORG

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.person import Person
from citydip_ld.curation.records import Fact, Labels, Tables
from citydip_ld.curation.triples import Triples, part


@dataclass(frozen=True)
class Position(Fact):
    person: str
    organisation: str | None
    role: Labels


class PositionKind(Kind):
    name = "position"
    section = "positions"
    list_labels = (
        ("position", Labels(en="Positions", fa="سمت‌ها")),
        ("role", Labels(en="Roles", fa="نقش‌ها")),
    )

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(node, "a position", ("person", "role"), ("organisation",))
        person, organisation = f.slug("person"), f.optional_slug("organisation")
        stem = context.article
        position = Position(
            context.unique(f"{person}-{organisation or stem.split('_')[0]}"),
            f.loc(),
            f.key_lines(),
            stem,
            f.text("quote"),
            person,
            organisation,
            f.labels("role"),
        )
        context.tables.listed(Position).append(position)

    def resolve(self, tables: Tables) -> None:
        for p in tables.listed(Position):
            need(tables.by_id(Person), "person", p.person, p, "person")
            need(tables.by_id(Organisation), "organisation", p.organisation, p, "organisation")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for p in tables.listed(Position):
            e = triples.emitter(p.article)
            s = triples.iri("position", p.id)
            triples.fact(e, s, p, (ORG.Membership, cd.Position))
            person = triples.iri("person", p.person)
            e.add(s, ORG.member, person, p.where("person"))
            triples.mention(e, p, person)
            role = part(s, "role")
            e.add(s, ORG.role, role, p.where("role"))
            e.add(role, RDF.type, ORG.Role)
            e.labels(role, p.role, where=p.where("role"))
            person_label = tables.by_id(Person)[p.person].label
            e.add(s, RDFS.label, Literal(f"{person_label.en}, {p.role.en}", lang="en"))
            e.add(s, RDFS.label, Literal(f"{person_label.fa}، {p.role.fa}", lang="fa"))
            if p.organisation:
                org = triples.iri("organisation", p.organisation)
                e.add(s, ORG.organization, org, p.where("organisation"))
                e.add(person, ORG.memberOf, org, p.where("organisation"))
                triples.mention(e, p, org)
