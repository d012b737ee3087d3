"""The link cache -> RDF: Wikidata and GeoNames values from `data/wikidata-cache.yaml` (written
by `citydip-ld link`, reviewed by a maintainer), in the named graph `links`.

Curated values win: a city with a curated Wikidata id keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.place import City
from citydip_ld.curation.kinds.twinning import Twinning
from citydip_ld.curation.records import Tables
from citydip_ld.curation.triples import GEO, GEONAMES, GEOSPARQL, WD, Emitter, Triples, part
from citydip_ld.iris import graph_iri


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
        e.add(name, DCTERMS.source, Literal(str(links["geonames"])))
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


def _city(triples: Triples, e: Emitter, city: City, entry: Mapping[str, Any]) -> None:
    """A city's Wikidata id and GeoNames id (unless curated), coordinates and population."""
    s = triples.iri("city", city.id)
    if not city.wikidata and entry.get("wikidata"):
        e.add(s, OWL.sameAs, WD[str(entry["wikidata"])])
    if entry.get("geonames") and city.geonames is None:
        e.add(s, RDFS.seeAlso, GEONAMES[f"{int(entry['geonames'])}/"])
    lat, long = entry.get("latitude"), entry.get("longitude")
    if lat is not None and long is not None:
        e.add(s, GEO.lat, Literal(str(lat), datatype=XSD.decimal))
        e.add(s, GEO.long, Literal(str(long), datatype=XSD.decimal))
        geometry = part(s, "geometry")
        e.add(s, GEOSPARQL.hasGeometry, geometry)
        e.add(geometry, RDF.type, GEOSPARQL.Geometry)
        wkt = f"POINT({long} {lat})"
        e.add(geometry, GEOSPARQL.asWKT, Literal(wkt, datatype=GEOSPARQL.wktLiteral))
    if entry.get("population") is not None:
        population = Literal(int(entry["population"]), datatype=XSD.integer)
        e.add(s, triples.cd.population, population)


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
