"""What every kind of fact provides (`Kind`) and what its reader is handed (`ReadContext`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from rdflib import URIRef

from citydip_ld.curation.reader import FieldReader
from citydip_ld.curation.records import Labels, Named, Record, Tables
from citydip_ld.curation.triples import Triples
from citydip_ld.errors import FactError

#: Registers a record's id under a kind (`claim("city", record)`); a second one is an error.
Claim = Callable[[str, Record], None]


class ReadContext:
    """One fact file being read: its top-level mapping, the tables records go into, the id
    claims of the whole data folder and, in an article file, the article's stem."""

    def __init__(
        self, top: FieldReader, tables: Tables, claim: Claim, stem: str | None = None
    ) -> None:
        self.top = top
        self.tables = tables
        self.claim = claim
        self.stem = stem
        self._generated: dict[str, int] = {}

    @property
    def article(self) -> str:
        """The stem of the article file being read (facts are only read from those)."""
        if self.stem is None:
            raise TypeError("facts are read from article files only")
        return self.stem

    def reader(self, node: Any, what: str) -> FieldReader:
        """A reader for one record of this file (`what` names it in errors: "a city")."""
        return FieldReader(node, self.top.file, what, self.top.line)

    def fact_reader(
        self, node: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> FieldReader:
        """A reader for one fact of an article: its keys checked, `quote:` always required."""
        reader = self.reader(node, what)
        reader.allow((*required, "quote"), optional)
        return reader

    def unique(self, candidate: str) -> str:
        """Generated ids: the second record of the same person/concept in a file gets `-2`."""
        self._generated[candidate] = self._generated.get(candidate, 0) + 1
        count = self._generated[candidate]
        return candidate if count == 1 else f"{candidate}-{count}"


class Kind(ABC):
    """One kind of fact: where its records are written, how each is read and checked, which
    references it resolves and which triples it becomes. Register it in
    `citydip_ld.curation.kinds.KINDS`; the reader and the builder loop over that list."""

    #: The IRI segment (`{base}id/{name}/{slug}`) and the word in "defined twice" errors.
    name: ClassVar[str]
    #: The shared file in `data/` holding the records, or None for facts in article files.
    file: ClassVar[str | None] = None
    #: A folder in `data/` holding one file per article (`ledgers/<article>.yaml`) instead.
    folder: ClassVar[str | None] = None
    #: The top-level key of that file (or of an article file) holding the records.
    section: ClassVar[str]
    #: The heading of the list page (`/doc/{segment}/`) of each IRI segment the kind mints
    #: (usually just `name`; a meeting also mints its speeches), in English and Persian.
    list_labels: ClassVar[tuple[tuple[str, Labels], ...]]

    def read_section(self, context: ReadContext) -> None:
        """Read every record listed under `section` (override for a section of another shape)."""
        for node in context.top.seq(self.section):
            self.read(node, context)

    @abstractmethod
    def read(self, node: Any, context: ReadContext) -> None:
        """Check one record of the YAML, build it and add it to `context.tables`."""

    def resolve(self, tables: Tables) -> None:  # noqa: B027  most kinds refer to nothing
        """Raise a `FactError` (see `need`) at a reference to a record that does not exist."""

    @abstractmethod
    def emit(self, tables: Tables, triples: Triples) -> None:
        """Add the triples of every record of this kind."""


class NamedKind(Kind):
    """A kind whose records are only names (`records.Named`): id, labels, Wikidata id, former
    ids; read and emitted alike, typed with `types`."""

    #: The record class (a subclass of `Named`) and how an error calls one ("a person").
    record: ClassVar[type[Named]]
    what: ClassVar[str]

    @abstractmethod
    def types(self, triples: Triples) -> tuple[URIRef, ...]:
        """The classes a record of this kind is an instance of."""

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, self.what)
        r.allow(("id", "label"), ("wikidata", "former_ids"))
        record = self.record(
            r.slug("id"),
            r.loc(),
            r.key_lines(),
            r.labels("label"),
            r.wikidata(),
            r.slug_list("former_ids"),
        )
        context.claim(self.name, record)
        context.tables.by_id(self.record)[record.id] = record

    def emit(self, tables: Tables, triples: Triples) -> None:
        e = triples.emitter("curated")
        types = self.types(triples)
        for record in tables.by_id(self.record).values():
            s = triples.iri(self.name, record.id)
            triples.entity(e, s, record, types, record.label)
            triples.same_as(e, s, record.wikidata, record)
            triples.former(e, s, self.name, record.former_ids, record)


def need(table: Mapping[str, Any], kind: str, value: str | None, record: Record, key: str) -> None:
    """Raise a `FactError` at `record`'s `key` when `value` is not an id in `table`."""
    if value is None or value in table:
        return
    hint = ", ".join(sorted(table)[:8]) or "none yet"
    where = record.where(key)
    raise FactError(
        f"`{key}: {value}` names an unknown {kind}; define it first (known: {hint}"
        f"{', ...' if len(table) > 8 else ''})",
        file=where.file,
        line=where.line,
    )


#: A reference that may name a record of several kinds: (IRI segment, its table), in the
#: order an id is looked up when two kinds share it.
Candidates = tuple[tuple[str, Mapping[str, Any]], ...]


def need_any(candidates: Candidates, what: str, value: str, record: Record, key: str) -> None:
    """Raise a `FactError` at `record`'s `key` when `value` is an id of none of `candidates`."""
    if any(value in table for _, table in candidates):
        return
    merged: dict[str, Any] = {}
    for _, table in candidates:
        merged.update(table)
    need(merged, what, value, record, key)


def segment_of(candidates: Candidates, value: str) -> str:
    """The IRI segment of the first kind in `candidates` that has the id `value`."""
    return next(segment for segment, table in candidates if value in table)
