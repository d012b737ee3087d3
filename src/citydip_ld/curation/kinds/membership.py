"""Network memberships (`memberships:` in article files): a city or organisation in a city
network, in a field, since a date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDFS, Literal
from rdflib.namespace import ORG, SDO, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.concept import Concept
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City
from citydip_ld.curation.records import DateFact, Fact, Labels, Record, Tables
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Membership(Fact):
    member: str
    network: str
    field: str | None
    date: DateFact | None


class MembershipKind(Kind):
    name = "membership"
    section = "memberships"
    list_labels = (("membership", Labels(en="Network memberships", fa="عضویت‌ها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node, "a membership", ("id", "member", "network"), ("field", "date")
        )
        membership = Membership(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.slug("member"),
            f.slug("network"),
            f.optional_slug("field"),
            f.date("date"),
        )
        context.claim("membership", membership)
        context.tables.listed(Membership).append(membership)

    def resolve(self, tables: Tables) -> None:
        organisations = tables.by_id(Organisation)
        members: dict[str, Record] = {**tables.by_id(City), **organisations}
        for m in tables.listed(Membership):
            need(members, "city or organisation", m.member, m, "member")
            need(organisations, "organisation", m.network, m, "network")
            need(tables.by_id(Concept), "concept", m.field, m, "field")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        cities, organisations = tables.by_id(City), tables.by_id(Organisation)
        for m in tables.listed(Membership):
            e = triples.emitter(m.article)
            s = triples.iri("membership", m.id)
            triples.fact(e, s, m, (ORG.Membership, cd.NetworkMembership))
            kind = "city" if m.member in cities else "organisation"
            member = triples.iri(kind, m.member)
            network = triples.iri("organisation", m.network)
            member_record = cities.get(m.member) or organisations[m.member]
            member_label = member_record.label
            network_label = organisations[m.network].label
            e.add(s, RDFS.label, Literal(f"{member_label.en} in {network_label.en}", lang="en"))
            e.add(s, RDFS.label, Literal(f"{member_label.fa} در {network_label.fa}", lang="fa"))
            e.add(s, ORG.member, member, m.where("member"))
            e.add(s, ORG.organization, network, m.where("network"))
            e.add(member, SDO.memberOf, network, m.where("member"))
            triples.mention(e, m, member)
            triples.mention(e, m, network)
            if m.field:
                e.add(s, cd.field, triples.iri("concept", m.field), m.where("field"))
            if m.date:
                triples.date(e, s, m.date, TIME.hasTime)
