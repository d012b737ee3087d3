"""Statistics (`statistics:` in article files): a counted figure with its qualifier, who it is
attributed to, what it is about and when it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, URIRef
from rdflib.namespace import PROV, SDO, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City, Country
from citydip_ld.curation.records import DateFact, Fact, Labels, Record, Tables
from citydip_ld.curation.triples import Triples

#: qualifier -> its term in the ontology
QUALIFIER_TERMS = {
    "exactly": "Exactly",
    "more-than": "MoreThan",
    "about": "About",
    "less-than": "LessThan",
}
QUALIFIERS = tuple(QUALIFIER_TERMS)


@dataclass(frozen=True)
class Statistic(Fact):
    label: Labels
    value: int
    qualifier: str
    attributed_to: str | None
    context: str | None
    date: DateFact | None


class StatisticKind(Kind):
    name = "statistic"
    section = "statistics"
    list_labels = (("statistic", Labels(en="Statistics", fa="آمارها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node,
            "a statistic",
            ("id", "label", "value"),
            ("qualifier", "attributed_to", "context", "date"),
        )
        statistic = Statistic(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.labels("label"),
            f.integer("value"),
            f.choice("qualifier", QUALIFIERS, "exactly"),
            f.optional_slug("attributed_to"),
            f.optional_slug("context"),
            f.date("date"),
        )
        context.claim("statistic", statistic)
        context.tables.listed(Statistic).append(statistic)

    def resolve(self, tables: Tables) -> None:
        organisations = tables.by_id(Organisation)
        places: dict[str, Record] = {**tables.by_id(City), **tables.by_id(Country)}
        for s in tables.listed(Statistic):
            need(organisations, "organisation", s.attributed_to, s, "attributed_to")
            need({**organisations, **places}, "organisation or place", s.context, s, "context")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for st in tables.listed(Statistic):
            e = triples.emitter(st.article)
            s = triples.iri("statistic", st.id)
            triples.fact(e, s, st, (cd.Statistic,))
            e.labels(s, st.label, where=st.where("label"))
            e.integer(s, RDF.value, st.value, st.where("value"))
            e.add(s, cd.qualifier, cd[QUALIFIER_TERMS[st.qualifier]], st.where("qualifier"))
            if st.attributed_to:
                source = triples.iri("organisation", st.attributed_to)
                e.add(s, PROV.wasAttributedTo, source, st.where("attributed_to"))
                triples.mention(e, st, source)
            if st.context:
                target = _any_iri(tables, triples, st.context)
                e.add(s, SDO.about, target, st.where("context"))
                triples.mention(e, st, target)
            if st.date:
                triples.date(e, s, st.date, TIME.hasTime)


def _any_iri(tables: Tables, triples: Triples, slug: str) -> URIRef:
    """The IRI of the organisation, city or country `slug` (in that order)."""
    if slug in tables.by_id(Organisation):
        return triples.iri("organisation", slug)
    if slug in tables.by_id(City):
        return triples.iri("city", slug)
    return triples.iri("country", slug)
