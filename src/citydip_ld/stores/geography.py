"""The twinning network on a map: cities with coordinates and the twinnings between them.

Read from any store with SPARQL over the named graphs (embedded, store folder or remote), once
per store: the web layer keeps the `Geography` in a `Memo` (`web/context.py`) and serves it as
GeoJSON (RFC 7946) from `web/maps.py`, the whole network or one city with its partners.

What is read: every `cd:City` with its labels, country (`schema:containedInPlace`, and that
country's labels) and coordinates, WGS84 `geo:lat`/`geo:long` or else the GeoSPARQL point
(`geo:hasGeometry/geo:asWKT "POINT(long lat)"`); every `cd:Twinning` with its two
`cd:partner`s and its date as written (`cd:jalaliDate` or `cd:gregorianDate`) and the
Gregorian days it covers (`cd:firstDay`, `cd:lastDay`). A city without coordinates is known
(it counts as a partner) but drawn nowhere; a twinning is a line only when both its cities
have coordinates. Pure: no Flask, no files.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from citydip_ld.iris import normalise_base
from citydip_ld.pickled_records import pickled_by_fields
from citydip_ld.stores.describe import Queryable, sparql_string

CD = "ontology#"  # relative to the base
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOSPARQL = "http://www.opengis.net/ont/geosparql#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CONTAINED_IN = "https://schema.org/containedInPlace"
LANGUAGES = ("en", "fa")
#: Decimal places kept in GeoJSON coordinates: 5 is about a metre, far below what a city is.
PRECISION = 5
_WKT_POINT = re.compile(
    r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$",
    re.IGNORECASE,
)


@pickled_by_fields
@dataclass(slots=True)
class Place:
    """A city: its labels by language, its country and the country's labels, its
    coordinates (None when the store has none) and its partners' IRIs."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    country: str | None = None
    country_labels: dict[str, str] = field(default_factory=dict)
    lat: float | None = None
    long: float | None = None
    partners: set[str] = field(default_factory=set)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.long is not None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Twinning:
    """A twinning between cities `a` and `b` (IRIs in order), with its date if any."""

    iri: str
    a: str
    b: str
    date: str | None = None
    calendar: str | None = None
    first_day: str | None = None
    last_day: str | None = None


@dataclass
class Geography:
    """Every city and twinning of one store for `base`; `twinnings_of` indexes the twinnings
    by city. Read-only once made (`located` and `lines` are computed once)."""

    base: str
    places: dict[str, Place]
    twinnings: list[Twinning]
    twinnings_of: dict[str, list[Twinning]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.twinnings_of:
            for t in self.twinnings:
                self.twinnings_of.setdefault(t.a, []).append(t)
                self.twinnings_of.setdefault(t.b, []).append(t)

    @cached_property
    def located(self) -> list[Place]:
        """The cities with coordinates, in IRI order."""
        return [p for iri, p in sorted(self.places.items()) if p.located]

    @cached_property
    def most_twinned(self) -> list[Place]:
        """The located cities, those with the most partners first (then in IRI order)."""
        return sorted(self.located, key=lambda p: (-len(p.partners), p.iri))

    @cached_property
    def lines(self) -> int:
        """How many twinnings join two located cities (the whole network's lines)."""
        return sum(1 for t in self.twinnings if self._located(t.a) and self._located(t.b))

    def _located(self, iri: str) -> bool:
        place = self.places.get(iri)
        return place is not None and place.located

    def city_iri(self, name: str) -> str | None:
        """The IRI of the city named by `name` (a slug or a full IRI), or None."""
        iri = name if "/" in name else f"{self.base}id/city/{name}"
        return iri if iri in self.places else None

    def network(self, href: Callable[[str], str], top: int | None = None) -> dict[str, Any]:
        """The whole network as a GeoJSON FeatureCollection: every located city, every
        twinning between two located cities (`href` makes a city's page link). With `top`,
        only the `top` most twinned cities and the twinnings among them, and the member
        `limited`: how many cities are shown of how many."""
        if top is None or top >= len(self.located):
            points = [self._point(p, href) for p in self.located]
            lines = [line for t in self.twinnings if (line := self._line(t, href)) is not None]
            return {"type": "FeatureCollection", "features": [*points, *lines]}
        chosen = self.most_twinned[:top]
        kept = {p.iri for p in chosen}
        points = [self._point(p, href) for p in sorted(chosen, key=lambda p: p.iri)]
        among = {t for p in chosen for t in self.twinnings_of.get(p.iri, ()) if t.a in kept}
        among = {t for t in among if t.b in kept}
        lines = [
            line
            for t in sorted(among, key=lambda t: t.iri)  # `twinnings`' order
            if (line := self._line(t, href)) is not None
        ]
        return {
            "type": "FeatureCollection",
            "limited": {"cities": len(points), "of": len(self.located)},
            "features": [*points, *lines],
        }

    def around(self, iri: str, href: Callable[[str], str]) -> dict[str, Any]:
        """City `iri` and its partners: the located ones as points (the city first), and a
        line for each of its twinnings whose two cities are located."""
        place = self.places[iri]
        cities = [place, *(self.places[p] for p in sorted(place.partners) if p in self.places)]
        points = [self._point(p, href) for p in cities if p.located]
        twinnings = self.twinnings_of.get(iri, [])
        lines = [line for t in twinnings if (line := self._line(t, href)) is not None]
        return {
            "type": "FeatureCollection",
            "city": iri,
            "features": [*points, *lines],
        }

    def _point(self, place: Place, href: Callable[[str], str]) -> dict[str, Any]:
        assert place.lat is not None and place.long is not None
        country = {"iri": place.country, "labels": place.country_labels} if place.country else None
        return {
            "type": "Feature",
            "id": place.iri,
            "geometry": {"type": "Point", "coordinates": _position(place)},
            "properties": {
                "kind": "city",
                "iri": place.iri,
                "href": href(place.iri),
                "labels": place.labels,
                "country": country,
                "partners": len(place.partners),
            },
        }

    def _line(self, twinning: Twinning, href: Callable[[str], str]) -> dict[str, Any] | None:
        a, b = self.places.get(twinning.a), self.places.get(twinning.b)
        if a is None or b is None or not a.located or not b.located:
            return None
        date = (
            {
                "value": twinning.date,
                "calendar": twinning.calendar,
                "firstDay": twinning.first_day,
                "lastDay": twinning.last_day,
            }
            if twinning.date or twinning.first_day or twinning.last_day
            else None
        )
        return {
            "type": "Feature",
            "id": twinning.iri,
            "geometry": {"type": "LineString", "coordinates": [_position(a), _position(b)]},
            "properties": {
                "kind": "twinning",
                "iri": twinning.iri,
                "href": href(twinning.iri),
                "cities": [twinning.a, twinning.b],
                "date": date,
            },
        }


def _position(place: Place) -> list[float]:
    assert place.lat is not None and place.long is not None
    return [round(place.long, PRECISION), round(place.lat, PRECISION)]


def to_geojson_bytes(collection: dict[str, Any]) -> bytes:
    """A FeatureCollection as compact UTF-8 JSON (Persian labels unescaped)."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_wkt_point(text: str) -> tuple[float, float] | None:
    """(lat, long) of a WKT `POINT(long lat)` (optionally after a CRS IRI), else None."""
    match = _WKT_POINT.match(text)
    if match is None:
        return None
    try:
        long, lat = float(match.group(1)), float(match.group(2))
    except ValueError:
        return None
    return (lat, long) if _valid(lat, long) else None


def _valid(lat: float, long: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= long <= 180.0


def _number(value: Any) -> float | None:
    try:
        return float(str(value.value))
    except (AttributeError, ValueError):
        return None


def _rows(store: Queryable, sparql: str) -> Iterable[Any]:
    rows: Iterable[Any] = store.query(sparql)
    return rows


def _read_cities(store: Queryable, base: str) -> dict[str, Place]:
    city_type = f"<{base}{CD}City>"
    prefix = sparql_string(f"{base}id/city/")
    places: dict[str, Place] = {}
    query = f"""
SELECT DISTINCT ?city WHERE {{
  GRAPH ?g {{ ?city a {city_type} }} FILTER(STRSTARTS(STR(?city), {prefix}))
}}"""
    for row in _rows(store, query):
        iri = sys.intern(str(row["city"].value))
        places[iri] = Place(iri)
    _read_labels(store, base, places)
    _read_coordinates(store, city_type, places)
    return places


def _read_labels(store: Queryable, base: str, places: dict[str, Place]) -> None:
    """Each city's label per language, its country and the country's labels."""
    city_type = f"<{base}{CD}City>"
    labels = f"""
SELECT ?city ?label WHERE {{
  GRAPH ?g {{ ?city a {city_type} }} GRAPH ?h {{ ?city <{RDFS_LABEL}> ?label }}
}}"""
    for row in _rows(store, labels):
        _add_label(places.get(str(row["city"].value)), row["label"])
    countries = f"""
SELECT ?city ?country ?label WHERE {{
  GRAPH ?g {{ ?city a {city_type} }} GRAPH ?h {{ ?city <{CONTAINED_IN}> ?country }}
  OPTIONAL {{ GRAPH ?k {{ ?country <{RDFS_LABEL}> ?label }} }}
}}"""
    for row in _rows(store, countries):
        place = places.get(str(row["city"].value))
        if place is None:
            continue
        country = sys.intern(str(row["country"].value))
        if place.country is None or country < place.country:
            place.country, place.country_labels = country, {}
        if country == place.country and row["label"] is not None:
            lang = getattr(row["label"], "language", None) or ""
            if lang in LANGUAGES:
                place.country_labels.setdefault(lang, str(row["label"].value))
    _share_country_labels(places)


def _share_country_labels(places: dict[str, Place]) -> None:
    """One dict of labels per country and labelling, shared by its cities (read-only once
    the geography is made), rather than one per city."""
    shared: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
    for place in places.values():
        if place.country is not None:
            key = (place.country, tuple(place.country_labels.items()))
            place.country_labels = shared.setdefault(key, place.country_labels)


def _add_label(place: Place | None, label: Any) -> None:
    lang = getattr(label, "language", None) or ""
    if place is not None and lang in LANGUAGES:
        text = sys.intern(str(label.value))
        if lang not in place.labels or text < place.labels[lang]:
            place.labels[lang] = text


def _read_coordinates(store: Queryable, city_type: str, places: dict[str, Place]) -> None:
    """WGS84 lat/long where given, else the GeoSPARQL WKT point."""
    query = f"""
SELECT ?city ?lat ?long ?wkt WHERE {{
  GRAPH ?g {{ ?city a {city_type} }}
  {{ GRAPH ?h {{ ?city <{GEO}lat> ?lat ; <{GEO}long> ?long }} }}
  UNION
  {{ GRAPH ?h {{ ?city <{GEOSPARQL}hasGeometry> ?geometry }}
     GRAPH ?k {{ ?geometry <{GEOSPARQL}asWKT> ?wkt }} }}
}}"""
    fallback: dict[str, tuple[float, float]] = {}
    for row in _rows(store, query):
        place = places.get(str(row["city"].value))
        if place is None:
            continue
        if row["wkt"] is not None:
            point = parse_wkt_point(str(row["wkt"].value))
            if point is not None:
                fallback.setdefault(place.iri, point)
            continue
        lat, long = _number(row["lat"]), _number(row["long"])
        if lat is not None and long is not None and _valid(lat, long) and not place.located:
            place.lat, place.long = lat, long
    for iri, (lat, long) in fallback.items():
        place = places[iri]
        if not place.located:
            place.lat, place.long = lat, long


def _text(row: Any, name: str) -> str | None:
    """A value as a string, interned: dates and IRIs repeat, in this and the other views."""
    value = row[name]
    return None if value is None else sys.intern(str(value.value))


def _read_twinnings(store: Queryable, base: str) -> list[Twinning]:
    cd = f"{base}{CD}"
    query = f"""
SELECT ?t ?a ?b ?jalali ?gregorian ?first ?last WHERE {{
  GRAPH ?g {{ ?t a <{cd}Twinning> ; <{cd}partner> ?a , ?b }}
  FILTER(STR(?a) < STR(?b))
  OPTIONAL {{ GRAPH ?h {{ ?t <http://www.w3.org/2006/time#hasTime> ?d }}
    OPTIONAL {{ GRAPH ?k1 {{ ?d <{cd}jalaliDate> ?jalali }} }}
    OPTIONAL {{ GRAPH ?k2 {{ ?d <{cd}gregorianDate> ?gregorian }} }}
    OPTIONAL {{ GRAPH ?k3 {{ ?d <{cd}firstDay> ?first }} }}
    OPTIONAL {{ GRAPH ?k4 {{ ?d <{cd}lastDay> ?last }} }} }}
}}"""
    found: dict[str, Twinning] = {}
    for row in _rows(store, query):
        iri = sys.intern(str(row["t"].value))
        if iri in found:
            continue
        jalali, gregorian = _text(row, "jalali"), _text(row, "gregorian")
        found[iri] = Twinning(
            iri,
            sys.intern(str(row["a"].value)),
            sys.intern(str(row["b"].value)),
            date=jalali or gregorian,
            calendar="jalali" if jalali else ("gregorian" if gregorian else None),
            first_day=_text(row, "first"),
            last_day=_text(row, "last"),
        )
    return [found[iri] for iri in sorted(found)]


def compute_geography(store: Queryable, base: str) -> Geography:
    """Read the cities and twinnings of `store` for `base` (a few SPARQL queries, each a pass
    over the cities or the twinnings)."""
    base = normalise_base(base)
    places = _read_cities(store, base)
    twinnings = _read_twinnings(store, base)
    for t in twinnings:
        for one, other in ((t.a, t.b), (t.b, t.a)):
            if one in places:
                places[one].partners.add(other)
    return Geography(base, places, twinnings)


def prepare_geography(store: Queryable, base: str) -> Geography:
    """`compute_geography`, with what the home map needs computed too (`located`,
    `most_twinned`, `lines`): a pickled `Geography` keeps them, so a server reading the view
    prepared at publish does not sort the located cities again (0.8 s at world M)."""
    prepared = compute_geography(store, base)
    for derived in ("located", "most_twinned", "lines"):
        getattr(prepared, derived)
    return prepared
