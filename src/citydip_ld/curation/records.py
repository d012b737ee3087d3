"""The typed records curated facts become: each remembers the file and line it was written
at (and the line of each of its keys), so every later stage can point a maintainer there."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from citydip_ld.curation.dates import CalendarDate


@dataclass(frozen=True)
class Location:
    """Where a record or value was written: a path relative to the data folder's parent."""

    file: str
    line: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Labels:
    en: str
    fa: str


@dataclass(frozen=True)
class DateFact:
    date: CalendarDate
    printed: str | None
    location: Location


@dataclass(frozen=True)
class Record:
    """Common to all records: the id, where it was written, and the line of each key."""

    id: str
    location: Location
    key_lines: Mapping[str, Location]

    def where(self, key: str | None = None) -> Location:
        """The location of `key` in this record, or of the record itself."""
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return self.location


@dataclass(frozen=True)
class Country(Record):
    label: Labels
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class City(Record):
    label: Labels
    country: str
    wikidata: str | None
    geonames: int | None = None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation(Record):
    label: Labels
    type: str
    city: str | None
    parent: str | None
    homepage: str | None
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person(Record):
    label: Labels
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Concept(Record):
    label: Labels
    broader: str | None


@dataclass(frozen=True)
class Scheme(Record):
    label: Labels


@dataclass(frozen=True)
class Fact(Record):
    """A record drawn from one article, with the verbatim quote that supports it."""

    article: str
    quote: str


@dataclass(frozen=True)
class Article(Record):
    title: Labels
    outlet: str
    publisher: str | None
    author: str | None
    published: DateFact | None  # None when the capture prints no date
    news_code: str | None
    url: str | None
    quote: str


@dataclass(frozen=True)
class Twinning(Fact):
    partners: tuple[str, str]
    kind: str
    document: str | None
    date: DateFact | None
    approved_by: str | None


@dataclass(frozen=True)
class Membership(Fact):
    member: str
    network: str
    field: str | None
    date: DateFact | None


@dataclass(frozen=True)
class Statistic(Fact):
    label: Labels
    value: int
    qualifier: str
    attributed_to: str | None
    context: str | None
    date: DateFact | None


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


@dataclass(frozen=True)
class Position(Fact):
    person: str
    organisation: str | None
    role: Labels


@dataclass(frozen=True)
class Definition(Fact):
    concept: str
    definition: Labels


@dataclass
class Facts:
    """Everything curated in one data folder."""

    countries: dict[str, Country] = field(default_factory=dict)
    cities: dict[str, City] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    concepts: dict[str, Concept] = field(default_factory=dict)
    scheme: Scheme | None = None
    articles: dict[str, Article] = field(default_factory=dict)
    twinnings: list[Twinning] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    #: `data/wikidata-cache.yaml` as written by `citydip-ld link`, when present.
    links: Mapping[str, Any] | None = None

    def article_facts(self) -> Iterator[Fact]:
        yield from self.twinnings
        yield from self.memberships
        yield from self.statistics
        yield from self.meetings
        yield from self.positions
        yield from self.definitions


# --------------------------------------------------------------------------- reading
