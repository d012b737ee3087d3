"""Proposals (`proposals:` in article files): who proposed what, to whom, when, at which
meeting, and what became of it (reviewed, opposed, approved, rejected) and by whom.

A proposal names its proposer (`proposer:`) or says that the article names none
(`proposer_unstated: true`); `check` reports one that does neither."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import XSD, Literal
from rdflib.namespace import PROV, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need, need_any, segment_of
from citydip_ld.curation.kinds.event import agents, emit_note
from citydip_ld.curation.kinds.meeting import Meeting
from citydip_ld.curation.records import DateFact, Fact, Labels, Tables
from citydip_ld.curation.triples import Triples

#: outcome -> its term in the ontology
OUTCOME_TERMS = {
    "reviewed": "Reviewed",
    "opposed": "Opposed",
    "approved": "Approved",
    "rejected": "Rejected",
}
OUTCOMES = tuple(OUTCOME_TERMS)


@dataclass(frozen=True)
class Proposal(Fact):
    label: Labels
    proposer: str | None
    proposer_unstated: bool
    addressed_to: tuple[str, ...]
    date: DateFact | None
    meeting: str | None
    outcome: str | None
    outcome_by: tuple[str, ...]
    note: Labels | None


class ProposalKind(Kind):
    name = "proposal"
    section = "proposals"
    list_labels = (("proposal", Labels(en="Proposals", fa="پیشنهادها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node,
            "a proposal",
            ("id", "label"),
            (
                "proposer",
                "proposer_unstated",
                "addressed_to",
                "date",
                "meeting",
                "outcome",
                "outcome_by",
                "note",
            ),
        )
        unstated = f.node.get("proposer_unstated")
        if unstated not in (None, True):
            raise f.error("`proposer_unstated:` is `true` or left out", "proposer_unstated")
        if unstated is True and f.node.get("proposer") not in (None, ""):
            raise f.error(
                "a proposal names its `proposer:` or says the article names none "
                "(`proposer_unstated: true`), not both",
                "proposer_unstated",
            )
        outcome = f.choice("outcome", OUTCOMES) if f.node.get("outcome") is not None else None
        proposal = Proposal(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.labels("label"),
            f.optional_slug("proposer"),
            unstated is True,
            f.slug_list("addressed_to"),
            f.date("date"),
            f.optional_slug("meeting"),
            outcome,
            f.slug_list("outcome_by"),
            f.optional_labels("note"),
        )
        context.claim("proposal", proposal)
        context.tables.listed(Proposal).append(proposal)

    def resolve(self, tables: Tables) -> None:
        meetings = {meeting.id: meeting for meeting in tables.listed(Meeting)}
        who = agents(tables)
        for p in tables.listed(Proposal):
            if p.proposer is not None:
                need_any(who, "organisation, person or place", p.proposer, p, "proposer")
            for key, slugs in (("addressed_to", p.addressed_to), ("outcome_by", p.outcome_by)):
                for slug in slugs:
                    need_any(who, "organisation, person or place", slug, p, key)
            need(meetings, "meeting", p.meeting, p, "meeting")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        who = agents(tables)
        for p in tables.listed(Proposal):
            e = triples.emitter(p.article)
            s = triples.iri("proposal", p.id)
            triples.fact(e, s, p, (cd.Proposal, PROV.Activity))
            e.labels(s, p.label, where=p.where("label"))
            if p.proposer is not None:
                proposer = triples.iri(segment_of(who, p.proposer), p.proposer)
                e.add(s, cd.proposer, proposer, p.where("proposer"))
                triples.mention(e, p, proposer)
            if p.proposer_unstated:
                e.add(s, cd.proposerUnstated, Literal(True, datatype=XSD.boolean), p.where())
            for key, predicate, slugs in (
                ("addressed_to", cd.addressedTo, p.addressed_to),
                ("outcome_by", cd.outcomeBy, p.outcome_by),
            ):
                for slug in slugs:
                    target = triples.iri(segment_of(who, slug), slug)
                    e.add(s, predicate, target, p.where(key))
                    triples.mention(e, p, target)
            if p.date:
                triples.date(e, s, p.date, TIME.hasTime)
            if p.meeting:
                e.add(s, cd.madeAt, triples.iri("meeting", p.meeting), p.where("meeting"))
            if p.outcome:
                e.add(s, cd.outcome, cd[OUTCOME_TERMS[p.outcome]], p.where("outcome"))
            emit_note(e, s, p, p.note)
