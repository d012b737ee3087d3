"""Events (`events:` in article files): dated or roughly dated happenings the article reports,
with who took part, where, and what they led to (another event, or an organisation founded).

A curator's `note:` says where the article departs from what is known elsewhere; the article's
wording is recorded as printed, never silently corrected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import SKOS
from rdflib.namespace import PROV, SDO, TIME

from citydip_ld.curation.kinds.base import Candidates, Kind, ReadContext, need_any, segment_of
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.person import Person
from citydip_ld.curation.kinds.place import City, Country
from citydip_ld.curation.records import DateFact, Fact, Labels, Tables
from citydip_ld.curation.triples import Emitter, Triples


@dataclass(frozen=True)
class Event(Fact):
    label: Labels
    description: Labels | None
    date: DateFact | None
    places: tuple[str, ...]
    participants: tuple[str, ...]
    led_to: tuple[str, ...]
    note: Labels | None


AGENT = "organisation, person or place"


def agents(tables: Tables) -> Candidates:
    """Who may take part in an event or make a proposal: an organisation, a person, a city or
    a country (looked up in that order)."""
    return (
        ("organisation", tables.by_id(Organisation)),
        ("person", tables.by_id(Person)),
        ("city", tables.by_id(City)),
        ("country", tables.by_id(Country)),
    )


def places(tables: Tables) -> Candidates:
    return (("city", tables.by_id(City)), ("country", tables.by_id(Country)))


def emit_note(e: Emitter, s: Any, fact: Fact, note: Labels | None) -> None:
    """A curator's note (`note:`) as `skos:editorialNote` in English and Persian."""
    if note is not None:
        e.labels(s, note, SKOS.editorialNote, where=fact.where("note"))


class EventKind(Kind):
    name = "event"
    section = "events"
    list_labels = (("event", Labels(en="Events", fa="رویدادها")),)

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node,
            "an event",
            ("id", "label"),
            ("description", "date", "places", "participants", "led_to", "note"),
        )
        event = Event(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.labels("label"),
            f.optional_labels("description"),
            f.date("date"),
            f.slug_list("places"),
            f.slug_list("participants"),
            f.slug_list("led_to"),
            f.optional_labels("note"),
        )
        context.claim("event", event)
        context.tables.listed(Event).append(event)

    def resolve(self, tables: Tables) -> None:
        events = {event.id: event for event in tables.listed(Event)}
        outcomes: Candidates = (("event", events), ("organisation", tables.by_id(Organisation)))
        for event in tables.listed(Event):
            for place in event.places:
                need_any(places(tables), "city or country", place, event, "places")
            for agent in event.participants:
                need_any(agents(tables), AGENT, agent, event, "participants")
            for outcome in event.led_to:
                need_any(outcomes, "event or organisation", outcome, event, "led_to")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        events = {event.id: event for event in tables.listed(Event)}
        outcomes: Candidates = (("event", events), ("organisation", tables.by_id(Organisation)))
        for event in tables.listed(Event):
            e = triples.emitter(event.article)
            s = triples.iri("event", event.id)
            triples.fact(e, s, event, (cd.Event, SDO.Event, PROV.Activity))
            e.labels(s, event.label, where=event.where("label"))
            if event.description:
                e.labels(s, event.description, SDO.description, where=event.where("description"))
            if event.date:
                triples.date(e, s, event.date, TIME.hasTime)
                if event.date.date.precision == "day" and event.date.bound is None:
                    e.day(s, SDO.startDate, event.date.date.first_day)
            for slug in event.places:
                place = triples.iri(segment_of(places(tables), slug), slug)
                e.add(s, SDO.location, place, event.where("places"))
                triples.mention(e, event, place)
            for slug in event.participants:
                agent = triples.iri(segment_of(agents(tables), slug), slug)
                e.add(s, PROV.wasAssociatedWith, agent, event.where("participants"))
                triples.mention(e, event, agent)
            for slug in event.led_to:
                outcome = triples.iri(segment_of(outcomes, slug), slug)
                e.add(s, cd.ledTo, outcome, event.where("led_to"))
                triples.mention(e, event, outcome)
            emit_note(e, s, event, event.note)
