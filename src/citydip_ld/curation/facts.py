"""Read the curated fact files in `data/` into typed records that remember their file and line.

The YAML is parsed with the line of every mapping and key kept (`yamlread`); each record is
checked for required and unknown keys by its kind (`citydip_ld.curation.kinds`), its
references resolved and its dates converted, and every problem is raised as a `FactError`
naming the file, the line and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from citydip_ld.curation.kinds import ARTICLE_KINDS, FOLDER_KINDS, KINDS, SHARED_KINDS
from citydip_ld.curation.kinds.article import Article
from citydip_ld.curation.kinds.base import Claim, Kind, ReadContext
from citydip_ld.curation.kinds.concept import Concept, Scheme, the_scheme
from citydip_ld.curation.kinds.definition import Definition
from citydip_ld.curation.kinds.event import Event
from citydip_ld.curation.kinds.ledger import LedgerEntry
from citydip_ld.curation.kinds.meeting import Meeting
from citydip_ld.curation.kinds.membership import Membership
from citydip_ld.curation.kinds.organisation import ORGANISATION_TYPES, Organisation
from citydip_ld.curation.kinds.person import Person
from citydip_ld.curation.kinds.place import City, Country
from citydip_ld.curation.kinds.position import Position
from citydip_ld.curation.kinds.programme import Programme
from citydip_ld.curation.kinds.proposal import Proposal
from citydip_ld.curation.kinds.statistic import QUALIFIERS, Statistic
from citydip_ld.curation.kinds.twinning import Twinning
from citydip_ld.curation.reader import Display, load_yaml, read_sections
from citydip_ld.curation.records import Fact, Location, Record, Tables
from citydip_ld.curation.yamlread import LineMap
from citydip_ld.errors import FactError

__all__ = ["LINK_CACHE", "ORGANISATION_TYPES", "QUALIFIERS", "Facts", "load_facts"]

ARTICLE_STEM = re.compile(r"^[0-9]{3}_[0-9a-f]+$")
LINK_CACHE = "wikidata-cache.yaml"


class Facts(Tables):
    """Everything curated in one data folder, with the tables of each kind by name for the
    callers that read one kind (linking, tests); a new kind needs no property here."""

    @property
    def countries(self) -> dict[str, Country]:
        return self.by_id(Country)

    @property
    def cities(self) -> dict[str, City]:
        return self.by_id(City)

    @property
    def organisations(self) -> dict[str, Organisation]:
        return self.by_id(Organisation)

    @property
    def people(self) -> dict[str, Person]:
        return self.by_id(Person)

    @property
    def concepts(self) -> dict[str, Concept]:
        return self.by_id(Concept)

    @property
    def scheme(self) -> Scheme | None:
        return the_scheme(self)

    @property
    def articles(self) -> dict[str, Article]:
        return self.by_id(Article)

    @property
    def twinnings(self) -> list[Twinning]:
        return self.listed(Twinning)

    @property
    def memberships(self) -> list[Membership]:
        return self.listed(Membership)

    @property
    def statistics(self) -> list[Statistic]:
        return self.listed(Statistic)

    @property
    def meetings(self) -> list[Meeting]:
        return self.listed(Meeting)

    @property
    def positions(self) -> list[Position]:
        return self.listed(Position)

    @property
    def definitions(self) -> list[Definition]:
        return self.listed(Definition)

    @property
    def events(self) -> list[Event]:
        return self.listed(Event)

    @property
    def proposals(self) -> list[Proposal]:
        return self.listed(Proposal)

    @property
    def programmes(self) -> list[Programme]:
        return self.listed(Programme)

    @property
    def ledger(self) -> list[LedgerEntry]:
        return self.listed(LedgerEntry)

    def article_facts(self) -> Iterator[Fact]:
        """Every fact drawn from an article (not the articles themselves), kind by kind."""
        yield from self.twinnings
        yield from self.memberships
        yield from self.statistics
        yield from self.meetings
        yield from self.positions
        yield from self.definitions
        yield from self.events
        yield from self.proposals
        yield from self.programmes


def load_facts(data_dir: str | Path) -> Facts:
    """Read every fact file under `data_dir`, check it, and resolve its references."""
    root = Path(data_dir)
    if not root.is_dir():
        raise FactError(f"no data folder at {root}; pass --data pointing at the curated facts")
    facts = Facts()
    display = Display(root)
    claim = _claims()
    shared_files = dict.fromkeys(kind.file for kind in SHARED_KINDS if kind.file is not None)
    for name in shared_files:
        path = root / name
        if path.exists():
            _read_shared(path, display(path), facts, claim)
    articles_dir = root / "articles"
    for path in sorted(articles_dir.glob("*.yaml")) if articles_dir.is_dir() else []:
        _read_article(path, display(path), facts, claim)
    for kind in FOLDER_KINDS:
        folder = root / str(kind.folder)
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            _read_per_article(kind, path, display(path), facts, claim)
    cache = root / LINK_CACHE
    if cache.exists():
        facts.links = _read_link_cache(cache, display(cache))
    resolve_references(facts)
    return facts


def _claims() -> Claim:
    """A `claim(kind, record)` that raises a `FactError` when an id is defined twice."""
    seen: dict[str, Location] = {}

    def claim(kind: str, record: Record) -> None:
        key = f"{kind}/{record.id}"
        if key in seen:
            raise FactError(
                f"{kind} id `{record.id}` is defined twice (first at {seen[key]}); "
                "ids must be unique",
                file=record.location.file,
                line=record.location.line,
            )
        seen[key] = record.location

    return claim


def _read_shared(path: Path, shown: str, facts: Facts, claim: Claim) -> None:
    """A shared file (`places.yaml`, ...): the sections of the kinds it holds, in order."""
    kinds = [kind for kind in SHARED_KINDS if kind.file == path.name]
    top = read_sections(path, shown, tuple(kind.section for kind in kinds))
    context = ReadContext(top, facts, claim)
    for kind in kinds:
        kind.read_section(context)


def _read_article(path: Path, shown: str, facts: Facts, claim: Claim) -> None:
    """An article file: its `article:` block, then each kind's facts, in order."""
    stem = path.stem
    if not ARTICLE_STEM.match(stem):
        raise FactError(
            "an article file must be named after its seed file, e.g. 004_aa1ce6595c509616.yaml",
            file=shown,
        )
    sections = tuple(kind.section for kind in ARTICLE_KINDS)
    top = read_sections(path, shown, sections, ("article",))
    context = ReadContext(top, facts, claim, stem)
    for kind in ARTICLE_KINDS:
        kind.read_section(context)


def _read_per_article(kind: Kind, path: Path, shown: str, facts: Facts, claim: Claim) -> None:
    """A file of a folder kind (`ledgers/<article>.yaml`): its one section, for its article."""
    if not ARTICLE_STEM.match(path.stem):
        raise FactError(
            f"a file in {kind.folder}/ must be named after its article, e.g. "
            "004_aa1ce6595c509616.yaml",
            file=shown,
        )
    top = read_sections(path, shown, (kind.section,))
    kind.read_section(ReadContext(top, facts, claim, path.stem))


def resolve_references(facts: Tables) -> None:
    """Raise a `FactError` at the first reference to a record that does not exist."""
    for kind in KINDS:
        kind.resolve(facts)


def _read_link_cache(path: Path, shown: str) -> Mapping[str, Any]:
    """The link cache as plain data (it is generated, so only its shape is checked)."""
    document = load_yaml(path, shown)
    if not isinstance(document, LineMap) or not isinstance(document.get("cities"), dict):
        raise FactError(
            "the link cache has no `cities:` mapping; run `citydip-ld link` again", file=shown
        )
    return document
