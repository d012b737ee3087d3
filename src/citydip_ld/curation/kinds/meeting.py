"""Meetings (`meetings:` in article files) and the speeches given at them: where and when,
who organised it, who spoke, in what role and on whose behalf."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from rdflib.namespace import SDO, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.person import Person
from citydip_ld.curation.kinds.place import City
from citydip_ld.curation.records import DateFact, Fact, Labels, Tables
from citydip_ld.curation.triples import Emitter, Triples


@dataclass(frozen=True)
class Speaker(Fact):
    person: str
    role: Labels | None
    organisation: str | None


@dataclass(frozen=True)
class Meeting(Fact):
    label: Labels
    date: DateFact | None
    location_city: str | None
    organiser: str | None
    speakers: tuple[Speaker, ...]


class MeetingKind(Kind):
    name = "meeting"
    section = "meetings"
    list_labels = (
        ("meeting", Labels(en="Meetings", fa="نشست‌ها")),
        ("speech", Labels(en="Speeches", fa="سخنرانی‌ها")),
    )

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.fact_reader(
            node, "a meeting", ("id", "label"), ("date", "location", "organiser", "speakers")
        )
        meeting_id = f.slug("id")
        speakers = []
        for sub in f.seq("speakers"):
            s = context.fact_reader(sub, "a speaker", ("person",), ("role", "organisation"))
            person = s.slug("person")
            speakers.append(
                Speaker(
                    f"{meeting_id}-{person}",
                    s.loc(),
                    s.key_lines(),
                    context.article,
                    s.text("quote"),
                    person,
                    s.optional_labels("role"),
                    s.optional_slug("organisation"),
                )
            )
        meeting = Meeting(
            meeting_id,
            f.loc(),
            f.key_lines(),
            context.article,
            f.text("quote"),
            f.labels("label"),
            f.date("date"),
            f.optional_slug("location"),
            f.optional_slug("organiser"),
            tuple(speakers),
        )
        context.claim("meeting", meeting)
        for speaker in speakers:
            context.claim("speech", speaker)
        context.tables.listed(Meeting).append(meeting)

    def resolve(self, tables: Tables) -> None:
        organisations = tables.by_id(Organisation)
        for meeting in tables.listed(Meeting):
            need(tables.by_id(City), "city", meeting.location_city, meeting, "location")
            need(organisations, "organisation", meeting.organiser, meeting, "organiser")
            for speaker in meeting.speakers:
                need(tables.by_id(Person), "person", speaker.person, speaker, "person")
                need(organisations, "organisation", speaker.organisation, speaker, "organisation")

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for meeting in tables.listed(Meeting):
            e = triples.emitter(meeting.article)
            s = triples.iri("meeting", meeting.id)
            triples.fact(e, s, meeting, (cd.Meeting, SDO.Event))
            e.labels(s, meeting.label, where=meeting.where("label"))
            if meeting.date:
                triples.date(e, s, meeting.date, TIME.hasTime)
                if meeting.date.date.precision == "day" and meeting.date.bound is None:
                    e.day(s, SDO.startDate, meeting.date.date.first_day)
            if meeting.location_city:
                place = triples.iri("city", meeting.location_city)
                e.add(s, SDO.location, place, meeting.where("location"))
                triples.mention(e, meeting, place)
            if meeting.organiser:
                organiser = triples.iri("organisation", meeting.organiser)
                e.add(s, SDO.organizer, organiser, meeting.where("organiser"))
                triples.mention(e, meeting, organiser)
            for speaker in meeting.speakers:
                _emit_speech(tables, triples, e, meeting, s, speaker)


def _emit_speech(
    tables: Tables, triples: Triples, e: Emitter, meeting: Meeting, s: URIRef, speaker: Speaker
) -> None:
    """One speech at `meeting` (IRI `s`): who spoke, in what role, on whose behalf."""
    cd = triples.cd
    sp = triples.iri("speech", speaker.id)
    triples.fact(e, sp, speaker, (cd.Speech,))
    person = triples.iri("person", speaker.person)
    person_label = tables.by_id(Person)[speaker.person].label
    en = f"{person_label.en} at {meeting.label.en}"
    fa = f"{person_label.fa} در {meeting.label.fa}"
    e.labels(sp, Labels(en=en, fa=fa))
    e.add(sp, cd.speaker, person, speaker.where("person"))
    e.add(sp, cd.atMeeting, s, speaker.where("person"))
    e.add(s, cd.hasSpeech, sp)
    triples.mention(e, speaker, person)
    if speaker.role:
        e.labels(sp, speaker.role, cd.speakerRole, where=speaker.where("role"))
    if speaker.organisation:
        org = triples.iri("organisation", speaker.organisation)
        e.add(sp, cd.onBehalfOf, org, speaker.where("organisation"))
        triples.mention(e, speaker, org)
