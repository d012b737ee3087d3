"""Twinnings (`twinnings:` in article files): sister-city and friendship relations between
exactly two cities, with their kind, instrument, date and approving body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.concept import Concept
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City
from citydip_ld.curation.records import DateFact, Fact, Labels, Tables
from citydip_ld.curation.triples import RDFS, TIME, Triples


@dataclass(frozen=True)
class Twinning(Fact):
    partners: tuple[str, str]
    kind: str
    document: str | None
    date: DateFact | None
    approved_by: str | None


class TwinningKind(Kind):
    name = "twinning"
    section = "twinnings"
    list_labels = (("twinning", Labels(en="Twinnings", fa="خواهرخواندگی‌ها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node, "a twinning", ("id", "partners", "kind"), ("document", "date", "approved_by")
        )
        partners = f.slug_list("partners")
        if len(partners) != 2 or partners[0] == partners[1]:
            raise f.error(
                "a twinning needs exactly two different partner cities, e.g. "
                "`partners: [tabriz, wuhan]`",
                "partners",
            )
        context.tables.listed(Twinning).append(
            Twinning(
                f.slug("id"),
                f.loc(),
                f.key_lines(),
                context.article,
                f.text("quote"),
                (partners[0], partners[1]),
                f.slug("kind"),
                f.optional_slug("document"),
                f.date("date"),
                f.optional_slug("approved_by"),
            )
        )

    def resolve(self, tables: Tables) -> None:
        cities, concepts = tables.by_id(City), tables.by_id(Concept)
        for t in tables.listed(Twinning):
            for partner in t.partners:
                need(cities, "city", partner, t, "partners")
            need(concepts, "concept", t.kind, t, "kind")
            need(concepts, "concept", t.document, t, "document")
            need(tables.by_id(Organisation), "organisation", t.approved_by, t, "approved_by")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        cities = tables.by_id(City)
        for t in tables.listed(Twinning):
            e = triples.emitter(t.article)
            s = triples.iri("twinning", t.id)
            a, b = (triples.iri("city", p) for p in t.partners)
            triples.fact(e, s, t, (cd.Twinning,))
            names = [cities[p].label for p in t.partners]
            e.text(s, RDFS.label, f"{names[0].en} – {names[1].en}", "en")
            e.text(s, RDFS.label, f"{names[0].fa} – {names[1].fa}", "fa")
            for partner in (a, b):
                e.add(s, cd.partner, partner, t.where("partners"))
                triples.mention(e, t, partner)
            e.add(a, cd.twinnedWith, b, t.where("partners"))
            e.add(b, cd.twinnedWith, a, t.where("partners"))
            e.add(s, cd.agreementKind, triples.iri("concept", t.kind), t.where("kind"))
            if t.document:
                document = triples.iri("concept", t.document)
                e.add(s, cd.agreementDocument, document, t.where("document"))
            if t.approved_by:
                approver = triples.iri("organisation", t.approved_by)
                e.add(s, cd.approvedBy, approver, t.where("approved_by"))
                triples.mention(e, t, approver)
            if t.date:
                triples.date(e, s, t.date, TIME.hasTime)
