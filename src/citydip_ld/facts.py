"""Read the curated fact files in `data/` into typed records that remember their file and line.

The YAML is parsed by PyYAML's libyaml loader (`yamlread`), which keeps the line of every
mapping and key; each record is checked for required and unknown keys, its references resolved
and its dates converted, and every problem is raised as a `FactError` naming the file, the
line and what to do.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from citydip_ld import yamlread
from citydip_ld.dates import DateValueError, parse_calendar_date
from citydip_ld.errors import FactError
from citydip_ld.records import (
    Article,
    City,
    Concept,
    Country,
    DateFact,
    Definition,
    Facts,
    Labels,
    Location,
    Meeting,
    Membership,
    Organisation,
    Person,
    Position,
    Record,
    Scheme,
    Speaker,
    Statistic,
    Twinning,
)
from citydip_ld.yamlread import LineMap, LineSeq

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARTICLE_STEM = re.compile(r"^[0-9]{3}_[0-9a-f]+$")
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")

ORGANISATION_TYPES = (
    "municipality",
    "council",
    "ministry",
    "news-outlet",
    "international-organisation",
    "city-network",
    "agency",
    "ngo",
)
QUALIFIERS = ("exactly", "more-than", "about", "less-than")


class _Reader:
    """Checks one YAML mapping against the keys a record allows, with file:line in errors."""

    def __init__(self, node: Any, file: str, what: str, parent_line: int) -> None:
        self.file = file
        self.what = what
        if not isinstance(node, LineMap):
            raise FactError(
                f"{what} must be a mapping of keys to values, got {_kind(node)}",
                file=file,
                line=_line_of(node, parent_line),
            )
        self.node = node
        self.line = node.line + 1

    def loc(self, key: str | None = None) -> Location:
        if key is not None and key in self.node:
            return Location(self.file, self.node.key_line(key) + 1)
        return Location(self.file, self.line)

    def key_lines(self) -> dict[str, Location]:
        return {str(k): self.loc(str(k)) for k in self.node}

    def error(self, message: str, key: str | None = None) -> FactError:
        location = self.loc(key)
        return FactError(message, file=location.file, line=location.line)

    def allow(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        allowed = set(required) | set(optional)
        for key in self.node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"did you mean `{close[0]}:`? " if close else ""
                known = ", ".join(sorted(allowed))
                raise self.error(
                    f"{self.what} has an unknown key `{key}:`; {hint}allowed: {known}", str(key)
                )
        for key in required:
            if key not in self.node or self.node[key] in (None, ""):
                needed = ", ".join(required)
                raise self.error(f"{self.what} lacks `{key}:` (required keys: {needed})")

    def text(self, key: str) -> str:
        value = self.node[key]
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise self.error(f"`{key}:` must be text, got {_kind(value)}", key)
        text = str(value).strip()
        if not text:
            raise self.error(f"`{key}:` is empty", key)
        return text

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.node.get(key) not in (None, "") else None

    def slug(self, key: str) -> str:
        value = self.text(key)
        if not SLUG.match(value):
            raise self.error(
                f"`{key}: {value}` is not a valid id; use lowercase ASCII letters, digits and '-'",
                key,
            )
        return value

    def web_address(self, key: str) -> str | None:
        """An optional http(s) URL (nothing else may become a link on a page)."""
        value = self.optional_text(key)
        if value is not None and not re.match(r"^https?://[^\s<>\"]+$", value):
            raise self.error(f"`{key}: {value}` is not an http(s) web address", key)
        return value

    def optional_slug(self, key: str) -> str | None:
        return self.slug(key) if self.node.get(key) not in (None, "") else None

    def labels(self, key: str) -> Labels:
        sub = _Reader(self.node[key], self.file, f"`{key}:` of {self.what}", self.loc(key).line)
        sub.allow(("en", "fa"), ())
        return Labels(en=sub.text("en"), fa=sub.text("fa"))

    def optional_labels(self, key: str) -> Labels | None:
        return self.labels(key) if self.node.get(key) is not None else None

    def wikidata(self) -> str | None:
        value = self.optional_text("wikidata")
        if value is not None and not WIKIDATA_ID.match(value):
            raise self.error(
                f"`wikidata: {value}` is not a Wikidata item id such as Q80053", "wikidata"
            )
        return value

    def slug_list(self, key: str) -> tuple[str, ...]:
        value = self.node.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineSeq):
            raise self.error(f"`{key}:` must be a list of ids", key)
        for item in value:
            if not isinstance(item, str) or not SLUG.match(item):
                raise self.error(f"`{key}:` holds {item!r}, which is not a valid id", key)
        return tuple(value)

    def date(self, key: str) -> DateFact | None:
        if self.node.get(key) is None:
            return None
        where = f"`{key}:` of {self.what}"
        sub = _Reader(self.node[key], self.file, where, self.loc(key).line)
        calendars = [c for c in ("jalali", "gregorian") if c in sub.node]
        if len(calendars) != 1:
            raise sub.error(f"{where} needs exactly one of `jalali:` or `gregorian:`")
        calendar = calendars[0]
        sub.allow((calendar,), ("printed",))
        try:
            parsed = parse_calendar_date(sub.text(calendar), calendar)  # type: ignore[arg-type]
        except DateValueError as exc:
            raise sub.error(f"impossible {calendar} date {exc}", calendar) from None
        return DateFact(parsed, sub.optional_text("printed"), sub.loc())

    def integer(self, key: str) -> int:
        value = self.node[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"`{key}:` must be a whole number, got {_kind(value)}", key)
        return int(value)

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        if self.node.get(key) is None and default is not None:
            return default
        value = self.text(key)
        if value not in allowed:
            raise self.error(f"`{key}: {value}` is not one of: {', '.join(allowed)}", key)
        return value

    def seq(self, key: str) -> list[Any]:
        value = self.node.get(key)
        if value is None:
            return []
        if not isinstance(value, LineSeq):
            raise self.error(f"`{key}:` must be a list of records", key)
        return list(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, LineMap):
        return "a mapping"
    if isinstance(value, LineSeq):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _line_of(node: Any, fallback: int) -> int:
    line = getattr(node, "line", None)
    return int(line) + 1 if isinstance(line, int) else fallback


def _load_yaml(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FactError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=shown) from None
    except OSError as exc:
        raise FactError(f"cannot read: {exc.strerror}", file=shown) from None
    try:
        return yamlread.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise FactError(
            f"malformed YAML: {problem}; check indentation and quote text containing ': '",
            file=shown,
            line=line,
        ) from None
    except (yamlread.DuplicateKeyError, yamlread.CollectionAliasError) as exc:
        raise FactError(f"malformed YAML: {exc}", file=shown, line=exc.line) from None
    except yaml.reader.ReaderError as exc:  # e.g. a NUL or other control character
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        )
        raise FactError(
            f"not allowed in YAML: character U+{code:04X} ({exc.reason}); remove it",
            file=shown,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise FactError(f"malformed YAML: {exc}", file=shown) from None


def _sections(
    path: Path, shown: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
) -> _Reader:
    document = _load_yaml(path, shown)
    if document is None:
        document = LineMap(0)
    top = _Reader(document, shown, "the file", 1)
    top.allow(required, allowed)
    return top


def load_facts(data_dir: str | Path) -> Facts:
    """Read every fact file under `data_dir`, check it, and resolve its references."""
    root = Path(data_dir)
    if not root.is_dir():
        raise FactError(f"no data folder at {root}; pass --data pointing at the curated facts")
    facts = Facts()
    display = _Display(root)
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

    places = root / "places.yaml"
    if places.exists():
        top = _sections(places, display(places), ("countries", "cities"))
        for node in top.seq("countries"):
            r = _Reader(node, top.file, "a country", top.line)
            r.allow(("id", "label"), ("wikidata", "former_ids"))
            country = Country(
                r.slug("id"),
                r.loc(),
                r.key_lines(),
                r.labels("label"),
                r.wikidata(),
                r.slug_list("former_ids"),
            )
            claim("country", country)
            facts.countries[country.id] = country
        for node in top.seq("cities"):
            r = _Reader(node, top.file, "a city", top.line)
            r.allow(("id", "label", "country"), ("wikidata", "geonames", "former_ids"))
            geonames = r.integer("geonames") if r.node.get("geonames") is not None else None
            city = City(
                r.slug("id"),
                r.loc(),
                r.key_lines(),
                r.labels("label"),
                r.slug("country"),
                r.wikidata(),
                geonames,
                r.slug_list("former_ids"),
            )
            claim("city", city)
            facts.cities[city.id] = city

    organisations = root / "organisations.yaml"
    if organisations.exists():
        top = _sections(organisations, display(organisations), ("organisations",))
        for node in top.seq("organisations"):
            r = _Reader(node, top.file, "an organisation", top.line)
            r.allow(
                ("id", "label", "type"),
                ("city", "parent", "homepage", "wikidata", "former_ids"),
            )
            org = Organisation(
                r.slug("id"),
                r.loc(),
                r.key_lines(),
                r.labels("label"),
                r.choice("type", ORGANISATION_TYPES),
                r.optional_slug("city"),
                r.optional_slug("parent"),
                r.web_address("homepage"),
                r.wikidata(),
                r.slug_list("former_ids"),
            )
            claim("organisation", org)
            facts.organisations[org.id] = org

    people = root / "people.yaml"
    if people.exists():
        top = _sections(people, display(people), ("people",))
        for node in top.seq("people"):
            r = _Reader(node, top.file, "a person", top.line)
            r.allow(("id", "label"), ("wikidata", "former_ids"))
            person = Person(
                r.slug("id"),
                r.loc(),
                r.key_lines(),
                r.labels("label"),
                r.wikidata(),
                r.slug_list("former_ids"),
            )
            claim("person", person)
            facts.people[person.id] = person

    concepts = root / "concepts.yaml"
    if concepts.exists():
        top = _sections(concepts, display(concepts), ("scheme", "concepts"))
        if top.node.get("scheme") is not None:
            r = _Reader(top.node["scheme"], top.file, "the scheme", top.line)
            r.allow(("id", "label"), ())
            facts.scheme = Scheme(r.slug("id"), r.loc(), r.key_lines(), r.labels("label"))
        for node in top.seq("concepts"):
            r = _Reader(node, top.file, "a concept", top.line)
            r.allow(("id", "label"), ("broader",))
            concept = Concept(
                r.slug("id"), r.loc(), r.key_lines(), r.labels("label"), r.optional_slug("broader")
            )
            claim("concept", concept)
            facts.concepts[concept.id] = concept

    articles_dir = root / "articles"
    for path in sorted(articles_dir.glob("*.yaml")) if articles_dir.is_dir() else []:
        _read_article(path, display(path), facts, claim)

    cache = root / LINK_CACHE
    if cache.exists():
        facts.links = _read_link_cache(cache, display(cache))

    resolve_references(facts)
    return facts


LINK_CACHE = "wikidata-cache.yaml"


def _read_link_cache(path: Path, shown: str) -> Mapping[str, Any]:
    """The link cache as plain data (it is generated, so only its shape is checked)."""
    document = _load_yaml(path, shown)
    if not isinstance(document, LineMap) or not isinstance(document.get("cities"), dict):
        raise FactError(
            "the link cache has no `cities:` mapping; run `citydip-ld link` again", file=shown
        )
    return document


class _Display:
    """Shows paths relative to the data folder's parent (e.g. `data/places.yaml`)."""

    def __init__(self, root: Path) -> None:
        self.anchor = root.resolve().parent

    def __call__(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.anchor).as_posix()
        except ValueError:
            return path.as_posix()


def _read_article(path: Path, shown: str, facts: Facts, claim: Any) -> None:
    stem = path.stem
    if not ARTICLE_STEM.match(stem):
        raise FactError(
            "an article file must be named after its seed file, e.g. 004_aa1ce6595c509616.yaml",
            file=shown,
        )
    top = _sections(
        path,
        shown,
        (
            "article",
            "twinnings",
            "memberships",
            "statistics",
            "meetings",
            "positions",
            "definitions",
        ),
        ("article",),
    )
    r = _Reader(top.node["article"], shown, "the `article:` block", top.line)
    r.allow(
        ("title", "outlet", "quote"),
        ("published", "publisher", "author", "news_code", "url"),
    )
    published = r.date("published")
    article = Article(
        stem,
        r.loc(),
        r.key_lines(),
        r.labels("title"),
        r.slug("outlet"),
        r.optional_slug("publisher"),
        r.optional_slug("author"),
        published,
        r.optional_text("news_code"),
        r.web_address("url"),
        r.text("quote"),
    )
    facts.articles[stem] = article

    def fact_reader(
        node: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> _Reader:
        fr = _Reader(node, shown, what, top.line)
        fr.allow((*required, "quote"), optional)
        return fr

    for node in top.seq("twinnings"):
        f = fact_reader(
            node, "a twinning", ("id", "partners", "kind"), ("document", "date", "approved_by")
        )
        partners = f.slug_list("partners")
        if len(partners) != 2 or partners[0] == partners[1]:
            raise f.error(
                "a twinning needs exactly two different partner cities, e.g. "
                "`partners: [tabriz, wuhan]`",
                "partners",
            )
        facts.twinnings.append(
            Twinning(
                f.slug("id"),
                f.loc(),
                f.key_lines(),
                stem,
                f.text("quote"),
                (partners[0], partners[1]),
                f.slug("kind"),
                f.optional_slug("document"),
                f.date("date"),
                f.optional_slug("approved_by"),
            )
        )
    for node in top.seq("memberships"):
        f = fact_reader(node, "a membership", ("id", "member", "network"), ("field", "date"))
        membership = Membership(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            stem,
            f.text("quote"),
            f.slug("member"),
            f.slug("network"),
            f.optional_slug("field"),
            f.date("date"),
        )
        claim("membership", membership)
        facts.memberships.append(membership)
    for node in top.seq("statistics"):
        f = fact_reader(
            node,
            "a statistic",
            ("id", "label", "value"),
            ("qualifier", "attributed_to", "context", "date"),
        )
        statistic = Statistic(
            f.slug("id"),
            f.loc(),
            f.key_lines(),
            stem,
            f.text("quote"),
            f.labels("label"),
            f.integer("value"),
            f.choice("qualifier", QUALIFIERS, "exactly"),
            f.optional_slug("attributed_to"),
            f.optional_slug("context"),
            f.date("date"),
        )
        claim("statistic", statistic)
        facts.statistics.append(statistic)
    for node in top.seq("meetings"):
        f = fact_reader(
            node, "a meeting", ("id", "label"), ("date", "location", "organiser", "speakers")
        )
        meeting_id = f.slug("id")
        speakers = []
        for sub in f.seq("speakers"):
            s = fact_reader(sub, "a speaker", ("person",), ("role", "organisation"))
            person = s.slug("person")
            speakers.append(
                Speaker(
                    f"{meeting_id}-{person}",
                    s.loc(),
                    s.key_lines(),
                    stem,
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
            stem,
            f.text("quote"),
            f.labels("label"),
            f.date("date"),
            f.optional_slug("location"),
            f.optional_slug("organiser"),
            tuple(speakers),
        )
        claim("meeting", meeting)
        for speaker in speakers:
            claim("speech", speaker)
        facts.meetings.append(meeting)
    generated: dict[str, int] = {}

    def unique(candidate: str) -> str:
        """Generated ids: the second record of the same person/concept in a file gets `-2`."""
        generated[candidate] = generated.get(candidate, 0) + 1
        count = generated[candidate]
        return candidate if count == 1 else f"{candidate}-{count}"

    for node in top.seq("positions"):
        f = fact_reader(node, "a position", ("person", "role"), ("organisation",))
        person, organisation = f.slug("person"), f.optional_slug("organisation")
        position = Position(
            unique(f"{person}-{organisation or stem.split('_')[0]}"),
            f.loc(),
            f.key_lines(),
            stem,
            f.text("quote"),
            person,
            organisation,
            f.labels("role"),
        )
        facts.positions.append(position)
    for node in top.seq("definitions"):
        f = fact_reader(node, "a definition", ("concept", "definition"), ())
        concept = f.slug("concept")
        facts.definitions.append(
            Definition(
                unique(f"{concept}#definition-{stem}"),
                f.loc(),
                f.key_lines(),
                stem,
                f.text("quote"),
                concept,
                f.labels("definition"),
            )
        )


def resolve_references(facts: Facts) -> None:
    """Raise a `FactError` at the first reference to a record that does not exist."""

    def need(
        table: Mapping[str, Any],
        kind: str,
        value: str | None,
        record: Record,
        key: str,
    ) -> None:
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

    organisations = facts.organisations
    cities = facts.cities
    places: dict[str, Any] = {**cities, **facts.countries}
    for city in cities.values():
        need(facts.countries, "country", city.country, city, "country")
    for org in organisations.values():
        need(cities, "city", org.city, org, "city")
        need(organisations, "organisation", org.parent, org, "parent")
    for concept in facts.concepts.values():
        need(facts.concepts, "concept", concept.broader, concept, "broader")
    for article in facts.articles.values():
        need(organisations, "organisation", article.outlet, article, "outlet")
        need(organisations, "organisation", article.publisher, article, "publisher")
        need(facts.people, "person", article.author, article, "author")
    for t in facts.twinnings:
        for partner in t.partners:
            need(cities, "city", partner, t, "partners")
        need(facts.concepts, "concept", t.kind, t, "kind")
        need(facts.concepts, "concept", t.document, t, "document")
        need(organisations, "organisation", t.approved_by, t, "approved_by")
    members: dict[str, Any] = {**cities, **organisations}
    for m in facts.memberships:
        need(members, "city or organisation", m.member, m, "member")
        need(organisations, "organisation", m.network, m, "network")
        need(facts.concepts, "concept", m.field, m, "field")
    for s in facts.statistics:
        need(organisations, "organisation", s.attributed_to, s, "attributed_to")
        need({**organisations, **places}, "organisation or place", s.context, s, "context")
    for meeting in facts.meetings:
        need(cities, "city", meeting.location_city, meeting, "location")
        need(organisations, "organisation", meeting.organiser, meeting, "organiser")
        for speaker in meeting.speakers:
            need(facts.people, "person", speaker.person, speaker, "person")
            need(organisations, "organisation", speaker.organisation, speaker, "organisation")
    for p in facts.positions:
        need(facts.people, "person", p.person, p, "person")
        need(organisations, "organisation", p.organisation, p, "organisation")
    for d in facts.definitions:
        need(facts.concepts, "concept", d.concept, d, "concept")
