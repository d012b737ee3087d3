"""The compact search index answers as the plain definition of search does: on the shipped
data, for many queries (words, prefixes, pieces of labels, Persian and Latin, every kind), the
hits, their order, their labels and `more` equal a brute-force search over every label
(`expected` below: exact > prefix > word > substring, within a tier by key then IRI then
text), which is what the former index of dicts, tuples and Python strings answered."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from citydip_ld.normalise import normalise
from citydip_ld.stores.search_index import (
    SEARCH_PROPERTIES,
    SearchIndexes,
    build_search_index,
    label_rows,
)
from citydip_ld.stores.store import open_store

BASE = "http://localhost:5000/"
Row = tuple[str, str, str, str]
Found = tuple[list[tuple[str, str, str, str, dict[str, str]]], bool]


@pytest.fixture(scope="module")
def shipped(dataset_dir: Path) -> tuple[SearchIndexes, list[Row]]:
    store = open_store(dataset_dir, workers=0)
    rows = sorted(set(label_rows(store, BASE)))
    return build_search_index(store, BASE), rows


def _labels(rows: list[Row]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for iri, prop, text, lang in rows:
        shown = labels.setdefault(iri, {})
        if prop in SEARCH_PROPERTIES[:4]:
            shown.setdefault(lang, text)
    return labels


def _keys_in_rank(key: str, keys: list[str]) -> Iterator[tuple[str, str]]:
    """(tier, key) in the order the definition of search visits them."""
    if key in keys:
        yield "exact", key
    yield from (("prefix", k) for k in keys if k.startswith(key))
    suffixes = sorted((k[i + 1 :], k) for k in keys for i, ch in enumerate(k) if ch == " ")
    yield from (("word", k) for suffix, k in suffixes if suffix.startswith(key))
    if len(key) >= 2:
        yield from (("substring", k) for k in keys if key in k)


def expected(rows: list[Row], query: str, kind: str | None, limit: int) -> Found:
    labels = _labels(rows)
    entries: dict[str, set[tuple[str, str, str]]] = {}
    for iri, _prop, text, lang in rows:
        of_kind = kind is None or iri[len(BASE) + 3 :].split("/", 1)[0] == kind
        if of_kind and normalise(text):
            entries.setdefault(normalise(text), set()).add((iri, text, lang))
    key = normalise(query)
    hits: list[tuple[str, str, str, str, dict[str, str]]] = []
    seen: set[str] = set()
    if not key or limit <= 0:
        return hits, False
    for tier, k in _keys_in_rank(key, sorted(entries)):
        for iri, text, lang in sorted(entries[k]):
            if iri in seen:
                continue
            if len(hits) == limit:
                return hits, True
            seen.add(iri)
            hits.append((iri, tier, text, lang, labels[iri]))
    return hits, False


def found(index: SearchIndexes, query: str, kind: str | None, limit: int) -> Found:
    hits, more = index.search(query, kind, limit)
    return [(h.resource.iri, h.match, h.text, h.lang, h.resource.labels) for h in hits], more


def queries(rows: list[Row]) -> list[str]:
    """Whole labels, words, their starts and pieces from inside, Persian spellings with Arabic
    letters, and a few that match nothing."""
    chosen = random.Random(11).sample(rows, min(60, len(rows)))
    made = {"", " ", "a", "ta", "tab", "zzq", "تبر", "يونسكو", "sister", "-", "x" * 40}
    for _iri, _prop, text, _lang in chosen:
        made.update({text, text.upper(), text[:1], text[:2], text[:3], text[1:4], text[2:4]})
        made.update(text.split()[-1:])
    return sorted(made)


def test_the_index_answers_as_the_definition(shipped: tuple[SearchIndexes, list[Row]]) -> None:
    index, rows = shipped
    kinds = [None, *sorted({iri[len(BASE) + 3 :].split("/", 1)[0] for iri, *_ in rows}), "nope"]
    compared = 0
    for query in queries(rows):
        for kind in kinds:
            for limit in (1, 7, 1000):
                assert found(index, query, kind, limit) == expected(rows, query, kind, limit), (
                    query,
                    kind,
                    limit,
                )
                compared += 1
    assert compared > 1000


def test_every_resource_and_its_labels(shipped: tuple[SearchIndexes, list[Row]]) -> None:
    index, rows = shipped
    labels = _labels(rows)
    assert [r.iri for r in index.resources] == sorted(labels)
    for resource in index.resources:
        assert resource.labels == labels[resource.iri]
        assert resource.kind == resource.iri[len(BASE) + 3 :].split("/", 1)[0]
        assert index.by_iri[resource.iri] == resource
    assert index.by_iri.get(f"{BASE}id/city/nowhere") is None
    assert index.resources[-1] == index.resources[len(index.resources) - 1]
    with pytest.raises(IndexError):
        index.resources[len(index.resources)]
