"""Dataset statistics for the home page and the VoID description, computed once, not per visit.

Counting distinct triples, typed resources and labelled resources per kind scans the whole
store: about 3 s at world scale S (440k quads), minutes at L. The figures only change when the
dataset does, so the web layer keeps them in a `Memo`: computed once per store by one thread
while the others wait (for a remote store, which can be republished under us, at most once per
`ttl` seconds). `publish --to DIR` computes them while loading a store folder and keeps them in
its `citydip-store.json`, so a server on a big store never counts at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.stores.describe import Queryable, count_by_class, sparql_string

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
T = TypeVar("T")


@dataclass(frozen=True)
class DatasetStatistics:
    """The VoID figures of the dataset (the union of its named graphs) for `base`: distinct
    triples, entities (distinct IRI subjects), properties, distinct subjects and objects;
    resources per class; labelled resources per kind (`{base}id/{kind}/`); triples per named
    graph."""

    base: str
    triples: int
    entities: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int]
    kinds: dict[str, int]
    graphs: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["classes"] = dict(sorted(self.classes.items()))
        data["graphs"] = dict(sorted(self.graphs.items()))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetStatistics:
        counts = ("triples", "entities", "properties", "distinct_subjects", "distinct_objects")
        return cls(
            base=str(data["base"]),
            **{name: int(data[name]) for name in counts},
            classes={str(k): int(v) for k, v in data["classes"].items()},
            kinds={str(k): int(v) for k, v in data["kinds"].items()},
            graphs={str(k): int(v) for k, v in data["graphs"].items()},
        )


def count(store: Queryable, sparql: str) -> int:
    """The `?n` of the first row `sparql` gives (0 if none)."""
    rows = list(store.query(sparql))
    return int(rows[0]["n"].value) if rows else 0


def count_kinds(store: Queryable, base: str) -> dict[str, int]:
    """How many labelled resources each kind has (`{base}id/{kind}/…`, hash IRIs excluded)."""
    prefix = f"{normalise_base(base)}id/"
    query = f"""
SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s <{RDFS_LABEL}> ?l }}
  FILTER(STRSTARTS(STR(?s), {sparql_string(prefix)}) && !CONTAINS(STR(?s), "#"))
  BIND(STRBEFORE(STRAFTER(STR(?s), {sparql_string(prefix)}), "/") AS ?kind)
}} GROUP BY ?kind"""
    found = {str(row["kind"].value): int(row["n"].value) for row in store.query(query)}
    return {kind: found.get(kind, 0) for kind in KINDS}


def compute_statistics(store: Queryable, base: str) -> DatasetStatistics:
    """Count with SPARQL over the named graphs, so any `Store` (embedded, store folder or
    remote) can be described; scans the store (see the module docstring)."""
    distinct_triples = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o {{ {UNION} }} }}"
    return statistics_counting_triples(store, base, lambda _graphs: count(store, distinct_triples))


#: Every quad of the named graphs, as the statistics' queries match them.
UNION = "GRAPH ?g { ?s ?p ?o }"


def statistics_counting_triples(
    store: Queryable, base: str, triples: Callable[[dict[str, int]], int]
) -> DatasetStatistics:
    """The statistics of `store`, the distinct triples counted by `triples` (given the quads
    of each named graph): `compute_statistics` asks SPARQL for them, `lean_statistics`
    subtracts the extra copies of triples in several graphs."""
    graphs = {
        str(row["g"].value): int(row["n"].value)
        for row in store.query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {UNION} }} GROUP BY ?g")
    }

    def distinct(variable: str, condition: str = "") -> int:
        sparql = f"SELECT (COUNT(DISTINCT ?{variable}) AS ?n) WHERE {{ {UNION} {condition} }}"
        return count(store, sparql)

    return DatasetStatistics(
        base=normalise_base(base),
        triples=triples(graphs),
        entities=distinct("s", "FILTER isIRI(?s)"),
        properties=distinct("p"),
        distinct_subjects=distinct("s"),
        distinct_objects=distinct("o"),
        classes={str(c): n for c, n in count_by_class(store).items()},
        kinds=count_kinds(store, base),
        graphs=graphs,
    )


class Memo(Generic[T]):
    """Values computed once per key by the first caller, then reused (`ttl` None: forever;
    else for `ttl` seconds). One computation per key at a time: callers of that key wait and
    reuse it; callers of other keys, or of a key already computed, do not wait.

    `max_entries` bounds the values kept: beyond it, the least recently computed ones are
    dropped (the web layer keys by the store folder's generation, so a republished folder's
    values replace the former generation's instead of adding to them)."""

    def __init__(self, ttl: float | None = None, max_entries: int | None = None) -> None:
        self._ttl = ttl
        self.max_entries = max_entries
        self._locks_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, tuple[float, T]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, key: str) -> tuple[float, T] | None:
        entry = self._entries.get(key)
        if entry is not None and (self._ttl is None or time.monotonic() - entry[0] < self._ttl):
            return entry
        return None

    def get(self, key: str, compute: Callable[[], T]) -> T:
        entry = self._fresh(key)
        if entry is not None:
            return entry[1]
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._fresh(key)
            if entry is not None:
                return entry[1]
            value = compute()
            self._keep(key, value)
            return value

    def _keep(self, key: str, value: T) -> None:
        """Keep `value` as the most recently computed; drop the oldest beyond the bound."""
        with self._locks_lock:
            self._entries.pop(key, None)
            self._entries[key] = (time.monotonic(), value)
            while self.max_entries is not None and len(self._entries) > self.max_entries:
                oldest = next(iter(self._entries))
                del self._entries[oldest]
                self._locks.pop(oldest, None)
