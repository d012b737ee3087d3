"""The search index: labels and alternate names of every resource, normalised, built once.

`build_search_index(store, base)` reads every label-like literal (rdfs:label, skos:prefLabel,
skos:altLabel, skos:hiddenLabel, dcterms:title, schema:name, schema:alternateName) of the
resources under `{base}id/{kind}/` with one SPARQL query, keys each by
`citydip_ld.normalise.normalise`, and keeps, per kind and for all kinds together:

- the distinct keys, sorted, as one UTF-8 blob with their offsets (exact and prefix matches:
  one `bisect` gives the range; UTF-8 sorts, starts and contains as the text does);
- every suffix of a key that starts a later word, as (key number, offset) pairs in suffix
  order (word matches: one `bisect`);
- per key, the numbers of its entries (label text, language, resource) in one array;
- every 3-character piece of a key -> the numbers of the keys holding it, in an array
  (substring matches: a query of 3 characters or more checks only the keys holding its
  rarest piece, intersected with the next rarest when that list is long; a two-character
  one scans the blob of keys with `bytes.find`, which stops once `limit` resources are
  found).

Everything is kept in arrays and byte strings rather than Python strings, tuples and dicts
(world scale M: 1.4 GiB before, about a quarter now); `Resource`s are made when a hit needs
one.

`SearchIndex.search` walks the tiers in rank order, exact > prefix > word > substring, keeps
each resource once (its best match) and stops after `limit` resources. The web layer builds
one per store (per generation of a store folder) and reuses it.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

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
#: Sorts after every UTF-8 byte string that starts with a given one (0xff is never in UTF-8).
_END = b"\xff"
#: A candidate list longer than this is intersected with the next shortest before checking.
_INTERSECT_ABOVE = 2048
_NONE = array("I")


def _numbers(values: Iterable[int] = (), largest: int = 0) -> array[int]:
    """An array of unsigned numbers up to `largest`, 4 bytes each when they fit."""
    return array("I" if largest < 2**32 else "Q", values)


class _Blob(Sequence[bytes]):
    """Byte strings kept as one blob, each followed by a newline, with their start offsets
    (the newline lets `find` on the blob never match across two of them)."""

    def __init__(self, items: Iterable[bytes]) -> None:
        parts: list[bytes] = []
        starts = [0]
        for item in items:
            parts.append(item)
            starts.append(starts[-1] + len(item) + 1)
        parts.append(b"")
        self.blob = b"\n".join(parts)
        self.starts = _numbers(starts, starts[-1])

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, number: int) -> bytes: ...
    @overload
    def __getitem__(self, number: slice) -> Sequence[bytes]: ...
    def __getitem__(self, number: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        starts = self.starts
        return self.blob[starts[number] : starts[number + 1] - 1]

    def text(self, number: int) -> str:
        return self[number].decode("utf-8")

    def holding(self, part: bytes) -> Iterator[int]:
        """The numbers of the items that contain `part` (no newline in it), in order."""
        blob, starts = self.blob, self.starts
        position = blob.find(part)
        while position >= 0:
            number = bisect.bisect_right(starts, position) - 1
            yield number
            position = blob.find(part, starts[number + 1])


def _pieces(keys: _Blob) -> dict[str, array[int]]:
    """Every 3-character piece of the keys -> the numbers of the keys holding it, in order
    (characters, not bytes: Persian letters share their first byte, so byte pieces would
    tell Persian keys apart far less)."""
    pieces: dict[str, array[int]] = {}
    get = pieces.get
    code = "I" if len(keys) < 2**32 else "Q"
    for number, raw in enumerate(keys):
        key = raw.decode("utf-8")
        for piece in {key[i : i + 3] for i in range(len(key) - 2)}:
            postings = get(piece)
            if postings is None:
                pieces[piece] = postings = array(code)
            postings.append(number)
    return pieces


class _Suffixes(Sequence[bytes]):
    """The word suffixes of the keys, in order: suffix i is key `owner[i]` from `offset[i]`."""

    def __init__(self, keys: _Blob) -> None:
        pairs: list[tuple[bytes, int, int]] = []
        for number, key in enumerate(keys):
            start = key.find(b" ")
            while start >= 0:
                pairs.append((key[start + 1 :], number, start + 1))
                start = key.find(b" ", start + 1)
        pairs.sort()
        self.keys = keys
        self.owner = _numbers((p[1] for p in pairs), len(keys))
        self.offset = _numbers((p[2] for p in pairs), max((p[2] for p in pairs), default=0))

    def __len__(self) -> int:
        return len(self.owner)

    @overload
    def __getitem__(self, position: int) -> bytes: ...
    @overload
    def __getitem__(self, position: slice) -> Sequence[bytes]: ...
    def __getitem__(self, position: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        return self.keys[self.owner[position]][self.offset[position] :]


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


class _Table:
    """The resources and their entries (one per distinct label text and language of a
    resource), numbered in (IRI, text, language) order, in arrays and blobs."""

    def __init__(self, kinds: list[str], langs: list[str]) -> None:
        self.kinds = kinds
        self.langs = langs
        self.iris: _Blob = _Blob(())
        self.kind_of = array("H")  # resource -> kinds[...]
        self.display_starts = array("I", [0])  # resource -> its range in `display`
        self.display: array[int] = _numbers()  # entry numbers of display labels
        self.owner: array[int] = _numbers()  # entry -> resource
        self.lang_of = array("H")  # entry -> langs[...]
        self.texts: _Blob = _Blob(())

    def resource(self, number: int) -> Resource:
        display = self.display
        labels = {
            self.langs[self.lang_of[entry]]: self.texts.text(entry)
            for entry in display[self.display_starts[number] : self.display_starts[number + 1]]
        }
        return Resource(self.iris.text(number), self.kinds[self.kind_of[number]], labels)


class _Resources(Sequence[Resource]):
    """The index's resources in IRI order, each made when asked for."""

    def __init__(self, table: _Table) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.iris)

    @overload
    def __getitem__(self, number: int) -> Resource: ...
    @overload
    def __getitem__(self, number: slice) -> Sequence[Resource]: ...
    def __getitem__(self, number: int | slice) -> Resource | Sequence[Resource]:
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        if not -len(self) <= number < len(self):
            raise IndexError(number)
        return self._table.resource(number % len(self))


class _ByIri(Mapping[str, Resource]):
    """The index's resources by IRI (one `bisect` over the sorted IRIs)."""

    def __init__(self, table: _Table) -> None:
        self._table = table

    def __getitem__(self, iri: str) -> Resource:
        iris = self._table.iris
        wanted = iri.encode("utf-8")
        number = bisect.bisect_left(iris, wanted)
        if number == len(iris) or iris[number] != wanted:
            raise KeyError(iri)
        return self._table.resource(number)

    def __iter__(self) -> Iterator[str]:
        return (self._table.iris.text(n) for n in range(len(self._table.iris)))

    def __len__(self) -> int:
        return len(self._table.iris)


class SearchIndex:
    """The index over one set of entries (one kind, or all); see the module docstring."""

    def __init__(self, table: _Table, keyed: list[tuple[bytes, int]]) -> None:
        """`keyed`: (normalised key in UTF-8, entry number) pairs; empty keys are left out."""
        self._table = table
        keyed.sort()
        keys: list[bytes] = []
        starts = [0]
        postings = _numbers(largest=len(table.owner))
        for key, group in itertools.groupby(keyed, key=lambda pair: pair[0]):
            if key:
                keys.append(key)
                postings.extend(sorted({entry for _key, entry in group}))
                starts.append(len(postings))
        self._keys = _Blob(keys)
        del keys
        self._starts = _numbers(starts, len(postings))
        self._postings = postings
        self._words = _Suffixes(self._keys)
        self._pieces = _pieces(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def _entries(self, number: int) -> array[int]:
        return self._postings[self._starts[number] : self._starts[number + 1]]

    def _candidates(self, key: str) -> Iterator[tuple[str, array[int]]]:
        """(tier, entries) in rank order; the same entry may come again in a lower tier."""
        wanted = key.encode("utf-8")
        keys = self._keys
        lo = bisect.bisect_left(keys, wanted)
        if lo < len(keys) and keys[lo] == wanted:
            yield "exact", self._entries(lo)
        hi = bisect.bisect_left(keys, wanted + _END, lo)
        for number in range(lo, hi):
            yield "prefix", self._entries(number)
        words = self._words
        lo = bisect.bisect_left(words, wanted)
        hi = bisect.bisect_left(words, wanted + _END, lo)
        for position in range(lo, hi):
            yield "word", self._entries(words.owner[position])
        if len(key) >= MIN_SUBSTRING:
            for number in self._containing(key, wanted):
                yield "substring", self._entries(number)

    def _containing(self, key: str, wanted: bytes) -> Iterable[int]:
        """The numbers of the keys that contain `key` (`wanted` in UTF-8), in order."""
        if len(key) < 3:
            return self._keys.holding(wanted)
        lists = sorted(
            (self._pieces.get(key[i : i + 3], _NONE) for i in range(len(key) - 2)),
            key=len,
        )
        candidates: Iterable[int] = lists[0]
        if len(lists[0]) > _INTERSECT_ABOVE and len(lists) > 1:
            candidates = sorted(set(lists[0]).intersection(lists[1]))
        keys = self._keys
        return (number for number in candidates if wanted in keys[number])

    def search(self, query: str, limit: int) -> tuple[list[Hit], bool]:
        """The first `limit` resources matching `query`, best first, and whether there are
        more. Within a tier: by normalised label, then by IRI."""
        key = normalise(query)
        hits: list[Hit] = []
        if not key or limit <= 0:
            return hits, False
        table = self._table
        seen: set[int] = set()
        for tier, entries in self._candidates(key):
            for entry in entries:
                number = table.owner[entry]
                if number in seen:
                    continue
                if len(hits) == limit:
                    return hits, True
                seen.add(number)
                text = table.texts.text(entry)
                lang = table.langs[table.lang_of[entry]]
                hits.append(Hit(table.resource(number), tier, text, lang))
        return hits, False


class SearchIndexes:
    """A `SearchIndex` over every kind together and one per kind."""

    def __init__(self, table: _Table, keys: Sequence[bytes]) -> None:
        """`keys`: each entry's normalised key, in UTF-8."""
        self.resources: Sequence[Resource] = _Resources(table)
        self.by_iri: Mapping[str, Resource] = _ByIri(table)
        self.all = SearchIndex(table, [(key, n) for n, key in enumerate(keys)])
        by_kind: dict[int, list[tuple[bytes, int]]] = {}
        owner, kind_of = table.owner, table.kind_of
        for entry, key in enumerate(keys):
            by_kind.setdefault(kind_of[owner[entry]], []).append((key, entry))
        self.kinds = {
            table.kinds[kind]: SearchIndex(table, found) for kind, found in by_kind.items()
        }

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


def _code(codes: dict[str, int], value: str) -> int:
    """The number of `value` in `codes` (a new one if it has none)."""
    return codes.setdefault(value, len(codes))


def build_search_index(store: Queryable, base: str) -> SearchIndexes:
    """The index of every `{base}id/{kind}/{slug}` resource's labels (one query)."""
    prefix = f"{base}id/"
    kinds: dict[str, int] = {}
    langs: dict[str, int] = {}
    iris: list[bytes] = []
    texts: list[bytes] = []
    keys: list[bytes] = []
    owner: list[int] = []
    lang_of: list[int] = []
    kind_of: list[int] = []
    display: list[int] = []
    display_starts = [0]
    rows = sorted(label_rows(store, base))
    for iri, group in itertools.groupby(rows, key=lambda row: row[0]):
        number = len(iris)
        iris.append(iri.encode("utf-8"))
        kind_of.append(_code(kinds, iri[len(prefix) :].split("/", 1)[0]))
        found = [(prop, text, lang) for _iri, prop, text, lang in group]
        entries: dict[tuple[str, str], int] = {}
        for text, lang in sorted({(text, lang) for _prop, text, lang in found}):
            entries[text, lang] = len(owner)
            owner.append(number)
            lang_of.append(_code(langs, lang))
            texts.append(text.encode("utf-8"))
            keys.append(normalise(text).encode("utf-8"))
        shown: dict[str, int] = {}
        for prop, text, lang in found:
            if prop in _DISPLAY:
                shown.setdefault(lang, entries[text, lang])
        display.extend(shown.values())
        display_starts.append(len(display))
    del rows
    table = _Table(list(kinds), list(langs))
    table.iris = _Blob(iris)
    table.kind_of = array("H", kind_of)
    table.owner = _numbers(owner, len(iris))
    table.lang_of = array("H", lang_of)
    table.texts = _Blob(texts)
    table.display = _numbers(display, len(owner))
    table.display_starts = _numbers(display_starts, len(display))
    del iris, texts, owner, lang_of, kind_of, display
    return SearchIndexes(table, keys)
