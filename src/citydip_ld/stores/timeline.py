"""The dated facts of the dataset, for a timeline: read once from the store, filtered in memory.

A dated fact is a resource under `{base}id/{kind}/` (articles excepted: they are the sources,
not facts) with a date node (`time:hasTime`) and an article it was derived from
(`prov:wasDerivedFrom`). Its date node keeps the date as written (`cd:jalaliDate` or
`cd:gregorianDate`, `cd:printedDate`) and the Gregorian days it covers (`cd:firstDay`,
`cd:lastDay`; a date known only from above, `cd:dateBound cd:OnOrBefore`, has a last day and no
first). A year or a month is an interval from its first to its last day; a day is a point.

`read_timeline(store, base)` asks the store with four SELECT queries over its named graphs
(`GRAPH ?g`), so the embedded store, a store folder and a remote SPARQL store all answer it
alike; the web layer keeps the result per store (`citydip_ld.web.context`) and filters it by
city and kind (`Timeline.select`) for each page and `/timeline.json`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from citydip_ld.iris import normalise_base, ontology_namespace
from citydip_ld.pickled_records import pickled_by_fields
from citydip_ld.stores.describe import Queryable, sparql_string

__all__ = ["Timeline", "TimelineFact", "read_timeline"]

_TIME = "http://www.w3.org/2006/time#"
_PROV = "http://www.w3.org/ns/prov#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: Kinds that are never facts on a timeline (an article's date is when it was published).
NOT_FACTS = frozenset({"article"})


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TimelineFact:
    """One dated fact: what it is, its date as written, the Gregorian days it covers (ISO
    `YYYY-MM-DD`, inclusive; `start` None when only the latest day is known), the cities it
    names, and the article it comes from."""

    iri: str
    kind: str
    labels: dict[str, str]
    calendar: str  # "jalali" or "gregorian": the calendar the article wrote the date in
    written: str  # YYYY, YYYY-MM or YYYY-MM-DD as written (Latin digits)
    printed: str | None  # the words of the article (Persian), if recorded
    precision: str  # "year", "month" or "day"
    start: str | None
    end: str
    on_or_before: bool
    cities: tuple[str, ...]
    article: str

    @property
    def is_range(self) -> bool:
        """Drawn as an interval: a year or a month with both ends known."""
        return self.start is not None and self.start != self.end

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "kind": self.kind,
            "labels": dict(self.labels),
            "calendar": self.calendar,
            "written": self.written,
            "jalali": self.written if self.calendar == "jalali" else None,
            "gregorian": self.written if self.calendar == "gregorian" else None,
            "printed": self.printed,
            "precision": self.precision,
            "start": self.start,
            "end": self.end,
            "onOrBefore": self.on_or_before,
            "range": self.is_range,
            "cities": list(self.cities),
            "article": self.article,
        }


@dataclass(frozen=True)
class Timeline:
    """Every dated fact in date order (earliest first), and the labels of every city of the
    dataset (dated facts or not)."""

    facts: tuple[TimelineFact, ...]
    city_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @cached_property
    def by_city(self) -> dict[str, list[TimelineFact]]:
        """Each city's dated facts, in date order (built on first use, then kept)."""
        index: dict[str, list[TimelineFact]] = {}
        for fact in self.facts:
            for city in fact.cities:
                index.setdefault(city, []).append(fact)
        return index

    @cached_property
    def kinds(self) -> frozenset[str]:
        """The kinds of the dated facts."""
        return frozenset(fact.kind for fact in self.facts)

    @cached_property
    def busiest_cities(self) -> list[str]:
        """The cities with dated facts, those with the most first (then by IRI)."""
        return sorted(self.by_city, key=lambda city: (-len(self.by_city[city]), city))

    def select(self, city: str | None = None, kind: str | None = None) -> list[TimelineFact]:
        """The facts naming `city` (an IRI) and of `kind` (an IRI segment); None: any."""
        facts = self.facts if city is None else self.by_city.get(city, [])
        return [fact for fact in facts if kind is None or fact.kind == kind]


def _value(row: Any, name: str) -> str | None:
    """A value as a string, interned: IRIs, dates and labels repeat, here and in the other
    views of the same store (geography, network)."""
    term = row[name]
    return None if term is None else sys.intern(str(term.value))


def _not_an_article(variable: str, base: str) -> str:
    """A SPARQL condition: `?variable` is a resource under `{base}id/` other than an article."""
    ids = sparql_string(f"{base}id/")
    articles = sparql_string(f"{base}id/article/")
    return (
        f"isIRI(?{variable}) && STRSTARTS(STR(?{variable}), {ids})"
        f" && !STRSTARTS(STR(?{variable}), {articles})"
    )


def _date_rows(store: Queryable, base: str) -> list[dict[str, str | None]]:
    cd = str(ontology_namespace(base))
    names = ("fact", "article", "jalali", "gregorian", "printed", "precision", "first", "last")
    query = f"""
SELECT DISTINCT ?fact ?article ?jalali ?gregorian ?printed ?precision ?first ?last ?bound WHERE {{
  GRAPH ?g {{
    ?fact <{_TIME}hasTime> ?date ; <{_PROV}wasDerivedFrom> ?article .
    ?date <{cd}lastDay> ?last .
    OPTIONAL {{ ?date <{cd}jalaliDate> ?jalali }}
    OPTIONAL {{ ?date <{cd}gregorianDate> ?gregorian }}
    OPTIONAL {{ ?date <{cd}printedDate> ?printed }}
    OPTIONAL {{ ?date <{cd}precision> ?precision }}
    OPTIONAL {{ ?date <{cd}firstDay> ?first }}
    OPTIONAL {{ ?date <{cd}dateBound> ?bound }}
  }}
  FILTER({_not_an_article("fact", base)})
}}"""
    rows = []
    for row in store.query(query):
        values = {name: _value(row, name) for name in names}
        values["bound"] = _value(row, "bound")
        rows.append(values)
    # A fact two articles give keeps the first article's row, whatever order the store used.
    return sorted(rows, key=lambda row: tuple(str(value) for value in row.values()))


def _labels(store: Queryable, pattern: str, condition: str) -> dict[str, dict[str, str]]:
    """The labels, by language, of the resources `?s` that `pattern` finds in the graph of
    their label (a fact is written whole in its article's graph, a city in the curated one)
    and `condition` keeps."""
    query = f"""
SELECT DISTINCT ?s ?label WHERE {{
  GRAPH ?g {{ {pattern} ?s <{_RDFS_LABEL}> ?label }}
  FILTER(isLiteral(?label) && {condition})
}}"""
    rows = sorted(
        (_value(row, "s") or "", _value(row, "label") or "", row["label"].language or "")
        for row in store.query(query)
    )
    labels: dict[str, dict[str, str]] = {}
    for iri, text, lang in rows:
        labels.setdefault(iri, {}).setdefault(lang, text)
    return labels


def _cities(store: Queryable, base: str) -> dict[str, set[str]]:
    """The cities (`{base}id/city/…`) each dated fact names directly (as partner, member,
    place, proposer...)."""
    query = f"""
SELECT DISTINCT ?s ?city WHERE {{
  GRAPH ?g {{ ?s <{_TIME}hasTime> ?d ; ?p ?city }}
  FILTER({_not_an_article("s", base)} && isIRI(?city)
         && STRSTARTS(STR(?city), {sparql_string(f"{base}id/city/")}))
}}"""
    cities: dict[str, set[str]] = {}
    for row in store.query(query):
        cities.setdefault(_value(row, "s") or "", set()).add(_value(row, "city") or "")
    return cities


def _composed(
    cities: Iterable[str], labels: dict[str, dict[str, str]], fallback: str
) -> dict[str, str]:
    """A label made of the cities' labels (`A – B`), for a fact that has none of its own."""
    composed = {}
    for lang in ("en", "fa"):
        names = [labels.get(city, {}).get(lang) or city.rsplit("/", 1)[-1] for city in cities]
        composed[lang] = " – ".join(names) if names else fallback
    return composed


def read_timeline(store: Queryable, base: str) -> Timeline:
    """Every dated fact of the store under `base` (see the module docstring), in date order:
    by first day (or last, when only that is known), then last day, then IRI."""
    base = normalise_base(base)
    prefix = f"{base}id/"
    labels = _labels(store, f"?s <{_TIME}hasTime> ?d .", _not_an_article("s", base))
    city_prefix = sparql_string(f"{base}id/city/")
    city_labels = _labels(
        store, "", f'STRSTARTS(STR(?s), {city_prefix}) && !CONTAINS(STR(?s), "#")'
    )
    cities = _cities(store, base)
    facts: dict[str, TimelineFact] = {}
    for row in _date_rows(store, base):
        iri = str(row["fact"])
        kind = iri[len(prefix) :].split("/", 1)[0]
        if kind in NOT_FACTS or "#" in iri or iri in facts:
            continue
        named = tuple(sorted(cities.get(iri, ())))
        own = labels.get(iri) or _composed(named, city_labels, iri.rsplit("/", 1)[-1])
        precision = (row["precision"] or "day").rsplit("#", 1)[-1].removeprefix("unit").lower()
        written = row["jalali"] or row["gregorian"] or ""
        facts[iri] = TimelineFact(
            iri=iri,
            kind=sys.intern(kind),
            labels=own,
            calendar="jalali" if row["jalali"] else "gregorian",
            written=written,
            printed=row["printed"],
            precision=precision,
            start=row["first"],
            end=str(row["last"]),
            on_or_before=bool(row["bound"] and row["bound"].endswith("OnOrBefore")),
            cities=named,
            article=str(row["article"]),
        )
    ordered = sorted(facts.values(), key=lambda f: (f.start or f.end, f.end, f.iri))
    return Timeline(tuple(ordered), dict(sorted(city_labels.items())))
