"""Definitions (`definitions:` in article files): an article defines or characterises a
concept. The id is generated: `{concept}#definition-{article}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, SKOS

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.concept import Concept
from citydip_ld.curation.records import Fact, Labels, Tables
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Definition(Fact):
    concept: str
    definition: Labels


class DefinitionKind(Kind):
    name = "definition"
    section = "definitions"
    list_labels = ()  # a definition is a part of its concept's IRI

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(node, "a definition", ("concept", "definition"), ())
        concept = f.slug("concept")
        context.tables.listed(Definition).append(
            Definition(
                context.unique(f"{concept}#definition-{context.article}"),
                f.loc(),
                f.key_lines(),
                context.article,
                f.text("quote"),
                concept,
                f.labels("definition"),
            )
        )

    def resolve(self, tables: Tables) -> None:
        for d in tables.listed(Definition):
            need(tables.by_id(Concept), "concept", d.concept, d, "concept")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for d in tables.listed(Definition):
            e = triples.emitter(d.article)
            concept = triples.iri("concept", d.concept)
            e.labels(concept, d.definition, SKOS.definition, where=d.where("definition"))
            s = triples.iri("concept", d.id)  # `{concept}#definition-{article}`
            triples.fact(e, s, d, (cd.Definition,))
            e.add(s, cd.defines, concept, d.where("concept"))
            e.labels(s, d.definition, RDF.value, where=d.where("definition"))
            triples.mention(e, d, concept)
