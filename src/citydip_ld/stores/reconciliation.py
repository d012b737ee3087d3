"""Reconciliation (the W3C Entity Reconciliation Community Group's Reconciliation Service API
0.2): names in Persian or English -> our entities, scored; suggest; data extension.

Pure: the search index (`search_index.SearchIndexes`) and a store (`Queryable`) in, JSON-ready
dicts out; no Flask (the blueprint `citydip_ld.web.reconcile` is the HTTP side). Each query of
a batch is answered on its own:

- **Candidates** come from the search index (labels and alternate names, normalised as readers
  type them: Arabic yeh/kaf, zero-width non-joiner, case and accents do not matter), per type
  asked for (our kinds city, country, organisation, person; none: all four). A query that is
  one of our entity IRIs finds that entity.
- **Score** 0-100: 100 for an exact (normalised) name, else the similarity of the query to
  the matched name (`difflib`) below 100. **Property constraints** (`country` as a name, our
  IRI or a Wikidata id; `wikidata`; `geonames`; `population`) narrow: a candidate whose value
  differs is dropped; one that has the value gets the full score, one that lacks it loses a
  fifth.
- **`match: true`** only for the one candidate of a query whose name matches exactly when no
  other candidate does, and whose every given property is confirmed (not merely absent).
- A query **without a name** finds the entities its `wikidata` or `geonames` values identify
  (the spec allows `properties` alone); other properties alone find nothing.

Client mistakes (malformed JSON, too many queries, too long a query, an unknown type or
property) raise `ReconciliationError` with a message saying what to change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from citydip_ld.errors import CitydipError
from citydip_ld.normalise import normalise
from citydip_ld.stores.describe import Queryable
from citydip_ld.stores.entity_facts import (
    TYPES,
    EntityFacts,
    find_by_identifier,
    geonames_id,
    read_facts,
    wikidata_id,
)
from citydip_ld.stores.search_index import Hit, Resource, SearchIndexes

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_QUERY_LENGTH",
    "Query",
    "ReconciliationError",
    "parse_batch",
    "parse_json",
    "reconcile_batch",
]

#: Candidates per query unless `limit` asks otherwise, and the most it may ask for.
DEFAULT_LIMIT = 5
MAX_LIMIT = 25
#: Longest query string in characters (as `/search`).
MAX_QUERY_LENGTH = 200
#: Properties that can narrow a query (the others are for data extension only).
CONSTRAINT_PROPERTIES = ("country", "wikidata", "geonames", "population")
_TIERS = {"exact": 0, "prefix": 1, "word": 2, "substring": 3}


class ReconciliationError(CitydipError):
    """A reconciliation request the client must fix (the web layer answers 400)."""


@dataclass(frozen=True)
class Query:
    """One query of a batch, checked."""

    text: str
    types: tuple[str, ...]
    limit: int
    properties: tuple[tuple[str, tuple[Any, ...]], ...]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str, what: str) -> Any:
    """`text` parsed as JSON; a `ReconciliationError` naming the parameter `what` if not."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ReconciliationError(f"`{what}` is not valid JSON: {error}") from None


def parse_types(value: Any, where: str) -> tuple[str, ...]:
    """A query's `type` (a string or a list of them), each one of our types."""
    if value is None:
        return ()
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
        raise ReconciliationError(f"{where}: `type` must be a type id or a list of them.")
    for name in listed:
        if name not in TYPES:
            known = ", ".join(TYPES)
            raise ReconciliationError(f"{where}: unknown type {name[:40]!r}; use one of: {known}.")
    return tuple(dict.fromkeys(listed))


def _parse_limit(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_LIMIT
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 1:
        raise ReconciliationError(f"{where}: `limit` must be a positive whole number.")
    return min(int(value), MAX_LIMIT)


def _parse_properties(value: Any, where: str) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ReconciliationError(f"{where}: `properties` must be a list of {{pid, v}}.")
    parsed = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            raise ReconciliationError(f"{where}: each property must be {{pid, v}}.")
        pid = item["pid"]
        if pid not in CONSTRAINT_PROPERTIES:
            known = ", ".join(CONSTRAINT_PROPERTIES)
            raise ReconciliationError(
                f"{where}: unknown property {pid[:40]!r}; a query may use: {known}."
            )
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        parsed.append((pid, tuple(values)))
    return tuple(parsed)


def parse_query(key: str, raw: Any) -> Query:
    """One query of a batch (`key` names it in messages)."""
    where = f"query {key[:40]!r}"
    if not isinstance(raw, dict):
        raise ReconciliationError(f"{where} must be an object with a `query` string.")
    text = raw.get("query")
    if text is not None and not isinstance(text, str):
        raise ReconciliationError(f"{where}: `query` must be a string.")
    if text is not None and len(text) > MAX_QUERY_LENGTH:
        raise ReconciliationError(f"{where}: `query` is longer than {MAX_QUERY_LENGTH} characters.")
    properties = _parse_properties(raw.get("properties"), where)
    if not (text or "").strip() and not properties:
        raise ReconciliationError(f"{where} needs a non-empty `query` or `properties`.")
    return Query(
        text or "",
        parse_types(raw.get("type"), where),
        _parse_limit(raw.get("limit"), where),
        properties,
    )


def parse_batch(text: str, max_batch: int) -> dict[str, Query]:
    """The `queries` parameter: a JSON object of at most `max_batch` queries by key."""
    batch = parse_json(text, "queries")
    if not isinstance(batch, dict):
        raise ReconciliationError("`queries` must be a JSON object of queries by key.")
    if len(batch) > max_batch:
        raise ReconciliationError(
            f"`queries` holds {len(batch)} queries; at most {max_batch} a batch."
        )
    return {key: parse_query(key, raw) for key, raw in batch.items()}


# ---------------------------------------------------------------- candidates


def resources_by_iri(index: SearchIndexes) -> Mapping[str, Resource]:
    """Every resource of the index by IRI (a lookup in the index, no copy)."""
    return index.by_iri


def find(index: SearchIndexes, text: str, types: Iterable[str], limit: int) -> list[Hit]:
    """The best `limit` hits for `text` among the entities of `types` (all four if none),
    best tier first, then by name."""
    hits: list[Hit] = []
    for kind in tuple(types) or tuple(TYPES):
        hits.extend(index.search(text, kind, limit)[0])
    hits.sort(key=lambda hit: (_TIERS[hit.match], normalise(hit.text), hit.resource.iri))
    return hits[:limit]


def display_name(resource: Resource, lang: str) -> str:
    """The resource's label in `lang`, else English, else any, else its IRI."""
    labels = resource.labels
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), resource.iri)


def _similarity(query_key: str, hit: Hit) -> float:
    if hit.match == "exact":
        return 100.0
    ratio = SequenceMatcher(None, query_key, normalise(hit.text)).ratio()
    return min(round(100 * ratio, 2), 99.0)


# ---------------------------------------------------------------- properties


def _entity_value(value: Any) -> str | None:
    """A property value as text: a string, a number, or an entity's `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip() if isinstance(value, str | int | float) else None


def _country_matches(value: str, countries: list[str], linked: Mapping[str, EntityFacts]) -> bool:
    qid = wikidata_id(value)
    key = normalise(value)
    for country in countries:
        facts = linked.get(country)
        if value == country:
            return True
        if facts is None:
            continue
        if qid and qid in facts.wikidata:
            return True
        if key and any(normalise(label) == key for label in facts.labels.values()):
            return True
    return False


def _value_matches(
    pid: str, value: str, facts: EntityFacts, linked: Mapping[str, EntityFacts]
) -> bool:
    if pid == "country":
        return _country_matches(value, facts.country, linked)
    if pid == "wikidata":
        return wikidata_id(value) in facts.wikidata
    if pid == "geonames":
        return geonames_id(value) in facts.geonames
    number = normalise(value).replace(" ", "")
    return facts.population is not None and number == str(facts.population)


def check_property(
    pid: str, values: tuple[Any, ...], facts: EntityFacts, linked: Mapping[str, EntityFacts]
) -> bool | None:
    """True: the entity has one of `values`; False: it has others; None: it has none."""
    held = {
        "country": facts.country,
        "wikidata": facts.wikidata,
        "geonames": facts.geonames,
        "population": [facts.population] if facts.population is not None else [],
    }[pid]
    if not held:
        return None
    texts = [text for text in map(_entity_value, values) if text]
    return any(_value_matches(pid, text, facts, linked) for text in texts)


# ---------------------------------------------------------------- answering


@dataclass
class _Candidate:
    resource: Resource
    hit_lang: str
    exact: bool
    similarity: float
    confirmed: int = 0
    unknown: int = 0


def _by_identifier(
    index: SearchIndexes, store: Queryable, base: str, query: Query
) -> list[_Candidate]:
    """The candidates of a query without a name: the entities its `wikidata` or `geonames`
    values identify (other properties alone find none)."""
    kinds = query.types or tuple(TYPES)
    known = resources_by_iri(index)
    iris: set[str] = set()
    for pid, values in query.properties:
        texts = [text for text in map(_entity_value, values) if text]
        iris.update(find_by_identifier(store, base, pid, texts))
    found = [known[iri] for iri in sorted(iris) if iri in known]
    return [_Candidate(r, "", True, 100.0) for r in found if r.kind in kinds]


def _candidates(
    index: SearchIndexes, store: Queryable, query: Query, base: str
) -> list[_Candidate]:
    """The candidates of one query before property checks: by IRI, by name, or (no name) by
    the identifiers among its properties."""
    text = query.text.strip()
    if text.startswith(f"{base}id/"):
        resource = resources_by_iri(index).get(text)
        kinds = query.types or tuple(TYPES)
        if resource is None or resource.kind not in kinds:
            return []
        return [_Candidate(resource, "", True, 100.0)]
    key = normalise(text)
    if not key:
        return _by_identifier(index, store, base, query)
    # One more than asked, so an exact name shared beyond the limit still counts as ambiguous;
    # with properties, as many as a query may ask for, so they can pick among namesakes.
    pool = MAX_LIMIT if query.properties else max(query.limit, DEFAULT_LIMIT) + 1
    hits = find(index, text, query.types, pool)
    return [
        _Candidate(hit.resource, hit.lang, hit.match == "exact", _similarity(key, hit))
        for hit in hits
    ]


def _score(candidate: _Candidate, constraints: int) -> float:
    if not constraints:
        return candidate.similarity
    penalty = 0.8**candidate.unknown
    return round(candidate.similarity * penalty, 2)


def _result(candidate: _Candidate, query: Query, match: bool, lang: str | None) -> dict[str, Any]:
    resource = candidate.resource
    name_lang = lang or candidate.hit_lang or "en"
    type_names = TYPES[resource.kind]
    features: list[dict[str, Any]] = [
        {"id": "name_exact", "value": candidate.exact},
        {"id": "name_similarity", "value": candidate.similarity},
    ]
    if query.properties:
        features.append({"id": "properties_confirmed", "value": candidate.confirmed})
        features.append({"id": "properties_unknown", "value": candidate.unknown})
    other = "fa" if name_lang != "fa" else "en"
    description = resource.labels.get(other, "")
    return {
        "id": resource.iri,
        "name": display_name(resource, name_lang),
        **({"description": description} if description else {}),
        "type": [{"id": resource.kind, "name": type_names.get(name_lang, type_names["en"])}],
        "score": _score(candidate, len(query.properties)),
        "features": features,
        "match": match,
    }


def answer_query(
    query: Query,
    candidates: list[_Candidate],
    facts: Mapping[str, EntityFacts],
    lang: str | None,
) -> dict[str, Any]:
    """The result of one query: its candidates checked against its properties, scored, best
    first, `match` on the one unambiguous exact candidate."""
    kept: list[_Candidate] = []
    for candidate in candidates:
        own = facts.get(candidate.resource.iri, EntityFacts())
        verdicts = [check_property(pid, vs, own, facts) for pid, vs in query.properties]
        if False in verdicts:
            continue
        candidate.confirmed = verdicts.count(True)
        candidate.unknown = verdicts.count(None)
        kept.append(candidate)
    exact = [c for c in kept if c.exact]
    chosen = exact[0] if len(exact) == 1 and exact[0].unknown == 0 else None
    kept.sort(key=lambda c: (-_score(c, len(query.properties)), not c.exact, c.resource.iri))
    return {"result": [_result(c, query, c is chosen, lang) for c in kept[: query.limit]]}


def reconcile_batch(
    index: SearchIndexes,
    store: Queryable,
    base: str,
    queries: Mapping[str, Query],
    lang: str | None = None,
) -> dict[str, Any]:
    """The result batch of `queries` (names in `lang`; None: each in the language it matched).
    Properties are read for the whole batch at once (`read_facts`): the candidates', then
    the countries' they name."""
    found = {key: _candidates(index, store, query, base) for key, query in queries.items()}
    constrained = [
        c.resource.iri for key, cs in found.items() if queries[key].properties for c in cs
    ]
    facts = read_facts(store, base, constrained) if constrained else {}
    countries = {country for own in facts.values() for country in own.country}
    linked = {**facts, **read_facts(store, base, countries)} if countries else facts
    return {key: answer_query(query, found[key], linked, lang) for key, query in queries.items()}
