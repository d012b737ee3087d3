"""The search index: labels and alternate names of every resource, normalised, built once.

`build_search_index(store, base)` reads every label-like literal (rdfs:label, skos:prefLabel,
skos:altLabel, skos:hiddenLabel, dcterms:title, schema:name, schema:alternateName) of the
resources under `{base}id/{kind}/` with one SPARQL query, keys each by
`citydip_ld.normalise.normalise`, and keeps, per kind and for all kinds together:

- a dict key -> entries (exact matches, one lookup);
- the keys sorted (prefix matches: one `bisect` gives the range);
- every suffix of a key that starts a later word, sorted (word matches: one `bisect`);
- every 2- and 3-character piece of a key -> the keys holding it (substring matches: a
  two-character query is one lookup; a longer one checks only the keys holding its rarest
  three-character piece, intersected with the next rarest when that list is long).

`SearchIndex.search` walks the tiers in rank order, exact > prefix > word > substring, keeps
each resource once (its best match) and stops after `limit` resources, so a query costs a few
lookups plus the results it returns, never a pass over every label in Python. The web layer
builds one per store (per generation of a store folder) and reuses it.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from citydip_ld.normalise import normalise
from citydip_ld.stores.describe import Queryable, sparql_string

__all__ = [
    "SEARCH_PROPERTIES",
    "Hit",
    "Resource",
    "SearchIndex",
    "SearchIndexes",
    "build_search_index",
    "label_rows",
]

_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SDO = "https://schema.org/"
#: Properties whose literals are searched; the first two name the resource in results.
SEARCH_PROPERTIES = (
    f"{_RDFS}label",
    f"{_SKOS}prefLabel",
    "http://purl.org/dc/terms/title",
    f"{_SDO}name",
    f"{_SKOS}altLabel",
    f"{_SDO}alternateName",
    f"{_SKOS}hiddenLabel",
)
_DISPLAY = frozenset(SEARCH_PROPERTIES[:4])
#: The match tiers, best first.
TIERS = ("exact", "prefix", "word", "substring")
#: The shortest key searched for inside words (one letter would match nearly every label).
MIN_SUBSTRING = 2
_END = "\U0010ffff"
_NONE = array("l")
#: A candidate list longer than this is intersected with the next shortest before checking.
_INTERSECT_ABOVE = 2048


def _grams(keys: list[str]) -> dict[str, array[int]]:
    """Every 2- and 3-character piece of `keys` -> the numbers of the keys holding it, in
    order (so a substring query checks only the keys holding its rarest piece)."""
    grams: dict[str, list[int]] = {}
    get = grams.get
    for number, key in enumerate(keys):
        size = len(key)
        pieces = {key[i : i + 2] for i in range(size - 1)} | {
            key[i : i + 3] for i in range(size - 2)
        }
        for piece in pieces:
            postings = get(piece)
            if postings is None:
                grams[piece] = [number]
            else:
                postings.append(number)
    return {piece: array("l", postings) for piece, postings in grams.items()}


@dataclass(frozen=True)
class Resource:
    """A resource the index knows: IRI, kind (its IRI segment), display labels by language."""

    iri: str
    kind: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Hit:
    """One result: the resource, how it matched, and the label (with its language) that did."""

    resource: Resource
    match: str
    text: str
    lang: str


# An entry: (resource number, label text, language).
_Entry = tuple[int, str, str]


class SearchIndex:
    """The index over one set of entries (one kind, or all); see the module docstring."""

    def __init__(self, resources: list[Resource], keyed: Iterable[tuple[str, _Entry]]) -> None:
        """`keyed`: (normalised key, entry) pairs; empty keys are left out."""
        self._resources = resources
        by_key: dict[str, list[_Entry]] = {}
        for key, entry in keyed:
            if key:
                by_key.setdefault(key, []).append(entry)
        self._exact = by_key
        self._keys = sorted(by_key)
        suffixes: list[tuple[str, int]] = []
        for number, key in enumerate(self._keys):
            start = key.find(" ")
            while start >= 0:
                suffixes.append((key[start + 1 :], number))
                start = key.find(" ", start + 1)
        suffixes.sort()
        self._word_keys = [s for s, _ in suffixes]
        self._word_owner = array("l", (n for _, n in suffixes))
        self._grams = _grams(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def _candidates(self, key: str) -> Iterator[tuple[str, list[_Entry]]]:
        """(tier, entries) in rank order; the same entry may come again in a lower tier."""
        exact = self._exact.get(key)
        if exact:
            yield "exact", exact
        keys = self._keys
        lo = bisect.bisect_left(keys, key)
        hi = bisect.bisect_left(keys, key + _END, lo)
        for number in range(lo, hi):
            yield "prefix", self._exact[keys[number]]
        words = self._word_keys
        lo = bisect.bisect_left(words, key)
        hi = bisect.bisect_left(words, key + _END, lo)
        for position in range(lo, hi):
            yield "word", self._exact[keys[self._word_owner[position]]]
        for number in self._containing(key):
            yield "substring", self._exact[keys[number]]

    def _containing(self, key: str) -> Iterable[int]:
        """The numbers of the keys that contain `key` (two characters or more), in order."""
        if len(key) < MIN_SUBSTRING:
            return ()
        if len(key) == 2:
            return self._grams.get(key, _NONE)
        lists = sorted(
            (self._grams.get(key[i : i + 3], _NONE) for i in range(len(key) - 2)), key=len
        )
        candidates: Iterable[int] = lists[0]
        if len(lists[0]) > _INTERSECT_ABOVE and len(lists) > 1:
            candidates = sorted(set(lists[0]).intersection(lists[1]))
        keys = self._keys
        return (number for number in candidates if key in keys[number])

    def search(self, query: str, limit: int) -> tuple[list[Hit], bool]:
        """The first `limit` resources matching `query`, best first, and whether there are
        more. Within a tier: by normalised label, then by IRI."""
        key = normalise(query)
        hits: list[Hit] = []
        if not key or limit <= 0:
            return hits, False
        seen: set[int] = set()
        for tier, entries in self._candidates(key):
            for number, text, lang in sorted(entries):
                if number in seen:
                    continue
                if len(hits) == limit:
                    return hits, True
                seen.add(number)
                hits.append(Hit(self._resources[number], tier, text, lang))
        return hits, False


class SearchIndexes:
    """A `SearchIndex` over every kind together and one per kind."""

    def __init__(self, resources: list[Resource], entries: list[_Entry]) -> None:
        self.resources = resources
        keyed = [(normalise(entry[1]), entry) for entry in entries]
        self.all = SearchIndex(resources, keyed)
        by_kind: dict[str, list[tuple[str, _Entry]]] = {}
        for pair in keyed:
            by_kind.setdefault(resources[pair[1][0]].kind, []).append(pair)
        self.kinds = {kind: SearchIndex(resources, found) for kind, found in by_kind.items()}

    def search(self, query: str, kind: str | None, limit: int) -> tuple[list[Hit], bool]:
        """`SearchIndex.search` over `kind` (None: every kind; an unknown kind: nothing)."""
        index = self.all if kind is None else self.kinds.get(kind)
        return index.search(query, limit) if index is not None else ([], False)


def label_rows(store: Queryable, base: str) -> Iterator[tuple[str, str, str, str]]:
    """(IRI, property, text, language) of every searched literal of `{base}id/…` resources."""
    prefix = f"{base}id/"
    properties = " ".join(f"<{p}>" for p in SEARCH_PROPERTIES)
    query = f"""
SELECT DISTINCT ?s ?p ?l WHERE {{
  VALUES ?p {{ {properties} }}
  GRAPH ?g {{ ?s ?p ?l }}
  FILTER(isLiteral(?l) && isIRI(?s) && STRSTARTS(STR(?s), {sparql_string(prefix)})
         && !CONTAINS(STR(?s), "#"))
}}"""
    for row in store.query(query):
        literal = row["l"]
        yield row["s"].value, row["p"].value, literal.value, literal.language or ""


def build_search_index(store: Queryable, base: str) -> SearchIndexes:
    """The index of every `{base}id/{kind}/{slug}` resource's labels (one query)."""
    prefix = f"{base}id/"
    numbers: dict[str, int] = {}
    rows = sorted(label_rows(store, base))
    iris = sorted({iri for iri, _p, _t, _l in rows})
    labels: dict[str, dict[str, str]] = {iri: {} for iri in iris}
    for iri, prop, text, lang in rows:
        if prop in _DISPLAY:
            labels[iri].setdefault(lang, text)
    resources: list[Resource] = []
    for iri in iris:
        numbers[iri] = len(resources)
        kind = iri[len(prefix) :].split("/", 1)[0]
        resources.append(Resource(iri, kind, labels[iri]))
    entries = [(numbers[iri], text, lang) for iri, _p, text, lang in rows]
    return SearchIndexes(resources, entries)
