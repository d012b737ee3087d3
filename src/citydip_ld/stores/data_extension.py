"""Data extension and suggest for the reconciliation service (Reconciliation Service API 0.2):
property values of reconciled entities, the properties proposed per type, and the suggest
answers for entities, types and properties.

Pure: the search index and a store in, JSON-ready dicts out; no Flask. Values follow the
spec's data extension response: `country` and `partners` as entities (our IRI and label),
`wikidata` and `geonames` as strings, `coordinates` as one `"lat,long"` string (what
OpenRefine's map and GREL `split(",")` read), `population` as an integer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from citydip_ld.normalise import normalise
from citydip_ld.stores.describe import Queryable
from citydip_ld.stores.entity_facts import PROPERTIES, PROPERTY_IDS, TYPES, EntityFacts, read_facts
from citydip_ld.stores.reconciliation import (
    ReconciliationError,
    display_name,
    find,
    parse_json,
    parse_types,
)
from citydip_ld.stores.search_index import SearchIndexes

__all__ = [
    "SUGGEST_PAGE",
    "extend",
    "parse_extension",
    "propose_properties",
    "suggest_entities",
    "suggest_properties",
    "suggest_types",
]

#: Suggestions an answer holds (`cursor` pages on).
SUGGEST_PAGE = 10
#: The furthest `cursor` a suggest request may ask for.
MAX_CURSOR = 1000


def _name(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or names["en"]


def parse_extension(text: str, max_ids: int) -> tuple[list[str], list[str]]:
    """The `extend` parameter: (entity ids, property ids), each property one of ours."""
    query = parse_json(text, "extend")
    if not isinstance(query, dict):
        raise ReconciliationError("`extend` must be a JSON object with `ids` and `properties`.")
    ids, properties = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ReconciliationError("`extend`: `ids` must be a list of entity ids (strings).")
    if len(ids) > max_ids:
        raise ReconciliationError(f"`extend` asks for {len(ids)} ids; at most {max_ids} at once.")
    if not isinstance(properties, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in properties
    ):
        raise ReconciliationError('`extend`: `properties` must be a list of {"id": ...}.')
    pids = [p["id"] for p in properties]
    for pid in pids:
        if pid not in PROPERTY_IDS:
            known = ", ".join(PROPERTY_IDS)
            raise ReconciliationError(f"`extend`: unknown property {pid[:40]!r}; use: {known}.")
    return ids, list(dict.fromkeys(pids))


def _entities(iris: Iterable[str], linked: dict[str, EntityFacts], lang: str) -> list[Any]:
    return [{"id": iri, "name": _label(linked.get(iri), lang) or iri} for iri in iris]


def _label(facts: EntityFacts | None, lang: str) -> str:
    if facts is None:
        return ""
    labels = facts.labels
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def _values(pid: str, facts: EntityFacts, linked: dict[str, EntityFacts], lang: str) -> list[Any]:
    """The values of property `pid` of one entity, in the spec's shapes."""
    if pid == "country":
        return _entities(facts.country, linked, lang)
    if pid == "partners":
        return _entities(facts.partners, linked, lang)
    if pid == "wikidata":
        return [{"str": qid} for qid in facts.wikidata]
    if pid == "geonames":
        return [{"str": number} for number in facts.geonames]
    if pid == "coordinates":
        if facts.latitude is None or facts.longitude is None:
            return []
        return [{"str": f"{facts.latitude:g},{facts.longitude:g}"}]
    if pid == "population":
        return [{"int": facts.population}] if facts.population is not None else []
    raise ReconciliationError(f"unknown property {pid[:40]!r}")


def extend(
    store: Queryable, base: str, ids: list[str], pids: list[str], lang: str
) -> dict[str, Any]:
    """The data extension response: `meta` (the properties, entity-valued ones with their
    type) and `rows` (each id -> each property -> values; an id we do not know gets none)."""
    facts = read_facts(store, base, ids)
    linked_iris = {
        iri for own in facts.values() for iri in (*own.country, *own.partners) if iri not in facts
    }
    linked = {**facts, **read_facts(store, base, linked_iris)} if linked_iris else facts
    meta = []
    for pid in pids:
        prop = PROPERTY_IDS[pid]
        item: dict[str, Any] = {"id": pid, "name": _name(prop.names, lang)}
        if prop.value_type:
            item["type"] = {"id": prop.value_type, "name": _name(TYPES[prop.value_type], lang)}
        meta.append(item)
    empty = EntityFacts()
    rows = {
        iri: {pid: _values(pid, facts.get(iri, empty), linked, lang) for pid in pids} for iri in ids
    }
    return {"meta": meta, "rows": rows}


def propose_properties(kind: str | None, limit: int | None, lang: str) -> dict[str, Any]:
    """The properties data extension offers for `kind` (every property if None)."""
    if kind is not None:
        parse_types(kind, "`type`")
    chosen = [p for p in PROPERTIES if kind is None or kind in p.types]
    if limit is not None:
        chosen = chosen[:limit]
    answer: dict[str, Any] = {
        "properties": [
            {"id": p.id, "name": _name(p.names, lang), "description": _name(p.descriptions, lang)}
            for p in chosen
        ]
    }
    if kind is not None:
        answer["type"] = kind
    if limit is not None:
        answer["limit"] = limit
    return answer


def suggest_entities(
    index: SearchIndexes, prefix: str, kinds: tuple[str, ...], cursor: int
) -> dict[str, Any]:
    """Entities whose names start with (or hold) `prefix`, best first, from `cursor` on."""
    if cursor > MAX_CURSOR:
        raise ReconciliationError(f"`cursor` may be at most {MAX_CURSOR}.")
    hits = find(index, prefix, kinds, cursor + SUGGEST_PAGE)[cursor:]
    result = []
    for hit in hits:
        resource = hit.resource
        lang = hit.lang or "en"
        other = resource.labels.get("en" if lang == "fa" else "fa", "")
        item: dict[str, Any] = {"id": resource.iri, "name": display_name(resource, lang)}
        if other:
            item["description"] = other
        item["notable"] = [{"id": resource.kind, "name": _name(TYPES[resource.kind], lang)}]
        result.append(item)
    return {"result": result}


def _matches(prefix: str, texts: Iterable[str]) -> bool:
    key = normalise(prefix)
    return not key or any(key in normalise(text) for text in texts)


def suggest_types(prefix: str, lang: str) -> dict[str, Any]:
    """Our types whose id or name (either language) holds `prefix`."""
    return {
        "result": [
            {"id": kind, "name": _name(names, lang)}
            for kind, names in TYPES.items()
            if _matches(prefix, (kind, *names.values()))
        ]
    }


def suggest_properties(prefix: str, lang: str) -> dict[str, Any]:
    """Our properties whose id or name (either language) holds `prefix`."""
    return {
        "result": [
            {"id": p.id, "name": _name(p.names, lang), "description": _name(p.descriptions, lang)}
            for p in PROPERTIES
            if _matches(prefix, (p.id, *p.names.values()))
        ]
    }
