"""The SKOS scheme of city-diplomacy concepts (`data/concepts.yaml`): the scheme itself and
its concepts with their labels and broader concepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import SKOS

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.records import Labels, Record, Tables
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Scheme(Record):
    label: Labels


@dataclass(frozen=True)
class Concept(Record):
    label: Labels
    broader: str | None


def the_scheme(tables: Tables) -> Scheme | None:
    """The concept scheme, when `concepts.yaml` defines one."""
    return next(iter(tables.by_id(Scheme).values()), None)


class SchemeKind(Kind):
    name = "scheme"
    file = "concepts.yaml"
    section = "scheme"
    list_labels = (("scheme", Labels(en="Concept schemes", fa="طرح‌های مفهومی")),)

    def read_section(self, context: ReadContext) -> None:
        """The scheme is one mapping, not a list."""
        if context.top.node.get("scheme") is not None:
            self.read(context.top.node["scheme"], context)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "the scheme")
        r.allow(("id", "label"), ())
        scheme = Scheme(r.slug("id"), r.loc(), r.key_lines(), r.labels("label"))
        context.tables.by_id(Scheme)[scheme.id] = scheme

    def emit(self, tables: Tables, triples: Triples) -> None:
        scheme = the_scheme(tables)
        if scheme is not None:
            s = triples.iri("scheme", scheme.id)
            e = triples.emitter("curated")
            triples.entity(e, s, scheme, (SKOS.ConceptScheme,), scheme.label)


class ConceptKind(Kind):
    name = "concept"
    file = "concepts.yaml"
    section = "concepts"
    list_labels = (("concept", Labels(en="Concepts", fa="مفاهیم")),)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "a concept")
        r.allow(("id", "label"), ("broader",))
        concept = Concept(
            r.slug("id"), r.loc(), r.key_lines(), r.labels("label"), r.optional_slug("broader")
        )
        context.claim("concept", concept)
        context.tables.by_id(Concept)[concept.id] = concept

    def resolve(self, tables: Tables) -> None:
        concepts = tables.by_id(Concept)
        for concept in concepts.values():
            need(concepts, "concept", concept.broader, concept, "broader")

    def emit(self, tables: Tables, triples: Triples) -> None:
        e = triples.emitter("curated")
        scheme = the_scheme(tables)
        scheme_iri = triples.iri("scheme", scheme.id) if scheme is not None else None
        for concept in tables.by_id(Concept).values():
            s = triples.iri("concept", concept.id)
            triples.entity(e, s, concept, (SKOS.Concept,), concept.label)
            e.labels(s, concept.label, SKOS.prefLabel, where=concept.where("label"))
            if scheme_iri is not None:
                e.add(s, SKOS.inScheme, scheme_iri)
                if concept.broader is None:
                    e.add(s, SKOS.topConceptOf, scheme_iri)
                    e.add(scheme_iri, SKOS.hasTopConcept, s)
            if concept.broader:
                broader = triples.iri("concept", concept.broader)
                e.add(s, SKOS.broader, broader, concept.where("broader"))
                e.add(broader, SKOS.narrower, s)
