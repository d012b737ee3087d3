"""What every record has in common: each remembers the file and line it was written at (and
the line of each of its keys), so every later stage can point a maintainer there.

The record of each kind of fact lives in its kind's module (`citydip_ld.curation.kinds`);
`Tables` holds the records of every kind as they are read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

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
    #: "on-or-before" when the text supports only a latest day (an event reported as past
    #: in an article dated that day), None when the date is the event's own.
    bound: str | None = None


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
class Named(Record):
    """A shared record that is only a name: labels, a Wikidata id and former ids that redirect
    (people, countries; `kinds.base.NamedKind` reads and emits them)."""

    label: Labels
    wikidata: str | None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact(Record):
    """A record drawn from one article, with the verbatim quote that supports it."""

    article: str
    quote: str


R = TypeVar("R", bound=Record)


class Tables:
    """The records read so far, by record type: `by_id` for kinds whose ids are unique (the
    shared records and articles), `listed` for the facts drawn from articles, in file order."""

    def __init__(self) -> None:
        self._by_id: dict[type[Record], dict[str, Record]] = {}
        self._listed: dict[type[Record], list[Record]] = {}
        #: `data/wikidata-cache.yaml` as written by `citydip-ld link`, when present.
        self.links: Mapping[str, Any] | None = None

    def by_id(self, record_type: type[R]) -> dict[str, R]:
        """The records of `record_type` by id, in reading order."""
        return cast("dict[str, R]", self._by_id.setdefault(record_type, {}))

    def listed(self, record_type: type[R]) -> list[R]:
        """The records of `record_type` in reading order (ids may repeat across articles)."""
        return cast("list[R]", self._listed.setdefault(record_type, []))
