"""Programmes (`programmes:` in article files): the roadmaps, plans, vision documents and
programmes of a city, municipality or council, whose they are, which place they concern and
the aims they set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Literal
from rdflib.namespace import PROV, SDO, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need_any, segment_of
from citydip_ld.curation.kinds.event import agents, emit_note, places
from citydip_ld.curation.records import DateFact, Fact, Labels, Tables
from citydip_ld.curation.triples import Triples

#: kind -> its term in the ontology
PROGRAMME_TERMS = {
    "roadmap": "Roadmap",
    "master-plan": "MasterPlan",
    "vision-document": "VisionDocument",
    "strategic-operational-programme": "StrategicOperationalProgramme",
    "programme": "GeneralProgramme",
}
PROGRAMME_KINDS = tuple(PROGRAMME_TERMS)


@dataclass(frozen=True)
class Programme(Fact):
    label: Labels
    kind: str
    owner: str | None
    place: str | None
    aims: tuple[Labels, ...]
    date: DateFact | None
    note: Labels | None


class ProgrammeKind(Kind):
    name = "programme"
    section = "programmes"
    list_labels = (("programme", Labels(en="Programmes and plans", fa="برنامه‌ها و نقشه‌های راه")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node, "a programme", ("id", "label", "kind"), ("owner", "place", "aims", "date", "note")
        )
        aims = []
        for item in f.seq("aims"):
            aim = context.reader(item, "an aim of a programme")
            aim.allow(("en", "fa"), ())
            aims.append(Labels(en=aim.text("en"), fa=aim.text("fa")))
        programme = Programme(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.labels("label"),
            f.choice("kind", PROGRAMME_KINDS),
            f.optional_slug("owner"),
            f.optional_slug("place"),
            tuple(aims),
            f.date("date"),
            f.optional_labels("note"),
        )
        context.claim("programme", programme)
        context.tables.listed(Programme).append(programme)

    def resolve(self, tables: Tables) -> None:
        for p in tables.listed(Programme):
            if p.owner is not None:
                need_any(agents(tables), "organisation, person or place", p.owner, p, "owner")
            if p.place is not None:
                need_any(places(tables), "city or country", p.place, p, "place")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for p in tables.listed(Programme):
            e = triples.emitter(p.article)
            s = triples.iri("programme", p.id)
            triples.fact(e, s, p, (cd.Programme, PROV.Plan))
            e.labels(s, p.label, where=p.where("label"))
            e.add(s, SDO.additionalType, cd[PROGRAMME_TERMS[p.kind]], p.where("kind"))
            if p.owner is not None:
                owner = triples.iri(segment_of(agents(tables), p.owner), p.owner)
                e.add(s, SDO.creator, owner, p.where("owner"))
                triples.mention(e, p, owner)
            if p.place is not None:
                place = triples.iri(segment_of(places(tables), p.place), p.place)
                e.add(s, SDO.spatialCoverage, place, p.where("place"))
                triples.mention(e, p, place)
            for aim in p.aims:
                e.add(s, cd.aim, Literal(aim.en, lang="en"), p.where("aims"))
                e.add(s, cd.aim, Literal(aim.fa, lang="fa"), p.where("aims"))
            if p.date:
                triples.date(e, s, p.date, TIME.hasTime)
            emit_note(e, s, p, p.note)
