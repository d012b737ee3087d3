"""What a kind of fact writes its triples with: an emitter per named graph that remembers where
each subject (and subject-predicate pair) was written in `data/`, and the shapes every kind
shares (a described entity, a fact's provenance, a date node).

The source map lets a SHACL violation on a node be reported at the file and line a maintainer
fixes. The dataset itself (named graphs, prefixes) is assembled by `citydip_ld.rdf.build`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, cast

import pyoxigraph as ox
import rdflib.namespace as rdflib_namespace
from rdflib import XSD, Literal, Namespace, URIRef
from rdflib.namespace import DefinedNamespace
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import Node

from citydip_ld.curation.records import DateFact, Fact, Labels, Location, Record
from citydip_ld.iris import entity_iri, normalise_base, ontology_namespace


class TermCache(Namespace):
    """A namespace whose terms are made once: `ns.name` is an attribute after its first use,
    `ns[key]` kept in a dict. (rdflib makes and checks a new `URIRef` on every `Namespace.name`
    or `Namespace[key]`; a build asks for the same few dozen terms about a million times at
    world S, and for each city's GeoNames IRI twice.)"""

    _items: dict[str, URIRef]

    def __new__(cls, value: str) -> TermCache:
        namespace = cast(TermCache, super().__new__(cls, value))
        namespace._items = {}
        return namespace

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term

    def __getitem__(self, key: str) -> URIRef:  # type: ignore[override]  # as rdflib's
        term = self._items.get(key)
        if term is None:
            term = self._items[key] = super().__getitem__(key)
        return term


WD = TermCache("http://www.wikidata.org/entity/")
WDT = TermCache("http://www.wikidata.org/prop/direct/")
GEONAMES = TermCache("https://sws.geonames.org/")
GEO = TermCache("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEOSPARQL = TermCache("http://www.opengis.net/ont/geosparql#")
# GeoNames' terms: its data is under CC BY 4.0 and must be credited wherever it is shown.
GEONAMES_SITE = "https://www.geonames.org/"
GEONAMES_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
GEONAMES_ATTRIBUTION = {
    "en": "Coordinates, populations and alternate names from GeoNames (www.geonames.org), "
    "CC BY 4.0",
    "fa": "مختصات، جمعیت و نام‌های دیگر از ژئونیمز (www.geonames.org)، با مجوز CC BY 4.0",
}


class Terms:
    """One of rdflib's defined namespaces (`RDF`, `DCTERMS`, ...) whose terms are made once:
    `ns.name` is rdflib's term (checked by rdflib), kept as an attribute after its first use."""

    def __init__(self, namespace: type[DefinedNamespace]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = getattr(self._namespace, name)
        self.__dict__[name] = term
        return term

    def __str__(self) -> str:
        return str(self._namespace)


# The namespaces the kinds emit with, each term made once (`Terms`).
RDF, RDFS, OWL = (
    Terms(rdflib_namespace.RDF),
    Terms(rdflib_namespace.RDFS),
    Terms(rdflib_namespace.OWL),
)
DCTERMS, PROV = Terms(rdflib_namespace.DCTERMS), Terms(rdflib_namespace.PROV)
SDO, TIME, SKOS = (
    Terms(rdflib_namespace.SDO),
    Terms(rdflib_namespace.TIME),
    Terms(rdflib_namespace.SKOS),
)


@dataclass
class SourceMap:
    """Where each emitted subject (and subject-predicate pair) was written in `data/`."""

    subjects: dict[URIRef, Location] = field(default_factory=dict)
    properties: dict[tuple[URIRef, URIRef], Location] = field(default_factory=dict)

    def locate(self, node: URIRef, path: URIRef | None = None) -> Location | None:
        """The best location for a node (falling back from `IRI#part` to `IRI`)."""
        candidates = [node]
        if "#" in node:
            candidates.append(URIRef(node.split("#", 1)[0]))
        for candidate in candidates:
            if path is not None and (candidate, path) in self.properties:
                return self.properties[(candidate, path)]
            if candidate in self.subjects:
                return self.subjects[candidate]
        return None


class TripleSink(Protocol):
    """Where an emitter's triples go: an rdflib `Graph`, `QuadLines` or `QuadRows`."""

    def add(self, triple: tuple[Node, Node, Node], /) -> object: ...


class QuadLines:
    """A sink writing each triple as one line of N-Quads (into graph `graph`) or, without a
    graph, of N-Triples, into `lines`, a dict used as an ordered set shared by every graph's
    sink: each line once, in the order first added. Every term is written as rdflib's N-Quads
    writer writes it, so the lines hold what `Dataset.serialize(format="nquads")` would write
    for the same triples added to a `Dataset` (a triple added twice to a graph is one line),
    without rdflib's store and its bookkeeping for each triple."""

    def __init__(
        self,
        lines: dict[str, None],
        graph: URIRef | None = None,
        written: dict[URIRef, str] | None = None,
    ) -> None:
        self.lines = lines
        self._end = f" {graph.n3()} .\n" if graph is not None else " .\n"
        #: each IRI's text, written once (rdflib checks every character of an IRI it writes);
        #: share one between the sinks of a build
        self._written = written if written is not None else {}

    def add(self, triple: tuple[Node, Node, Node], /) -> QuadLines:
        subject, predicate, obj = _written_terms(triple, self._written, _quoteLiteral)
        self.lines[f"{subject} {predicate} {obj}{self._end}"] = None
        return self


def _written_terms(
    triple: tuple[Node, Node, Node], written: dict[URIRef, str], literal: Callable[[Literal], str]
) -> tuple[str, str, str]:
    """The texts of `triple`'s terms: IRIs from (and into) `written`, literals by `literal`."""
    s, p, o = triple
    if type(o) is Literal:
        obj = literal(o)
    elif type(o) is URIRef:
        obj = written.get(o) or written.setdefault(o, o.n3())
    else:
        obj = o.n3()
    subject = written.get(s) or written.setdefault(s, s.n3()) if type(s) is URIRef else s.n3()
    predicate = written.get(p) or written.setdefault(p, p.n3()) if type(p) is URIRef else p.n3()
    return subject, predicate, obj


#: A quad as the texts Oxigraph writes for its terms in N-Quads: (graph, subject, predicate,
#: object), "DEFAULT" for the default graph.
QuadRow = tuple[str, str, str, str]

_XSD_STRING = XSD.string
#: The characters Oxigraph's N-Triples writer escapes in a literal, and how.
_ESCAPES = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_ESCAPED = re.compile(r'[\x00-\x1f\x7f"\\]')


def oxigraph_literal(literal: Literal) -> str:
    """`literal` as Oxigraph writes it in N-Triples: its lexical form (rdflib's) quoted with
    Oxigraph's escapes (rdflib leaves a tab or a control character as it is), a language tag
    in lower case, no datatype for `xsd:string`."""
    text = str(literal)
    if _ESCAPED.search(text):
        text = text.translate(_ESCAPES)
    if literal.language:
        return f'"{text}"@{literal.language.lower()}'
    datatype = literal.datatype
    if datatype is None or datatype == _XSD_STRING:
        return f'"{text}"'
    return f'"{text}"^^<{datatype}>'


@dataclass(frozen=True)
class Datatype:
    """A datatype `Emitter.typed` writes literals of: its IRI and the lexical forms rdflib keeps
    as they are given (rdflib rewrites others on making the `Literal`: an `xsd:decimal`
    "007.50" becomes "7.50", "1e-05" becomes "0.00001"; an `xsd:integer` "+1" becomes "1")."""

    iri: URIRef
    as_given: re.Pattern[str]
    #: what follows a literal's quoted text in N-Triples (nothing for `xsd:string`)
    suffix: str = field(init=False)

    def __post_init__(self) -> None:
        suffix = "" if self.iri == _XSD_STRING else f"^^<{self.iri}>"
        object.__setattr__(self, "suffix", suffix)


DECIMAL = Datatype(XSD.decimal, re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"))
INTEGER = Datatype(XSD.integer, re.compile(r"0|-?[1-9][0-9]*"))
DATE = Datatype(XSD.date, re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"))
#: GeoSPARQL's `wktLiteral`, a datatype rdflib does not know: any lexical form is kept.
WKT = Datatype(GEOSPARQL.wktLiteral, re.compile(r".*", re.DOTALL))


def iri_text(iri: URIRef) -> str:
    """`<iri>`, as Oxigraph writes the IRI, once Oxigraph has read it as an IRI (RFC 3987):
    a `ValueError` naming it otherwise. What `QuadRows` writes each distinct IRI of a build
    with, once, so that the rows' N-Quads can be read back without checking every IRI again
    at each of its uses (`rdf.output.SortedQuads`)."""
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise ValueError(f"not an IRI as RDF reads it: <{iri}> ({exc})") from None
    return f"<{iri}>"


class QuadRows:
    """A sink writing each triple of graph `graph` as a `QuadRow` into `rows`, a dict used as
    an ordered set shared by every graph's sink: each quad once, its terms written as Oxigraph
    writes them in N-Quads (what `rdf.output.SortedQuads` sorts and writes), so that rdflib's
    N-Quads need not be parsed and written again by Oxigraph to get there. Each distinct IRI
    is checked by Oxigraph once, where it is first written (`iri_text`)."""

    def __init__(
        self, rows: dict[QuadRow, None], graph: URIRef, written: dict[URIRef, str] | None = None
    ) -> None:
        self.rows = rows
        self._graph = iri_text(graph)
        #: each IRI's text, written (and checked) once; share one between the sinks of a build
        self._written = written if written is not None else {}

    def add(self, triple: tuple[Node, Node, Node], /) -> QuadRows:
        self.add_terms(*triple)
        return self

    def add_terms(self, s: Node, p: Node, o: Node) -> None:
        """`add((s, p, o))` without the tuple (what `Emitter.add` calls), the terms' texts as
        `_written_terms` writes them."""
        written = self._written
        if type(o) is URIRef:
            obj = written.get(o) or written.setdefault(o, iri_text(o))
        elif type(o) is Literal:
            obj = oxigraph_literal(o)
        else:
            obj = o.n3()
        subject = (
            written.get(s) or written.setdefault(s, iri_text(s)) if type(s) is URIRef else s.n3()
        )
        predicate = (
            written.get(p) or written.setdefault(p, iri_text(p)) if type(p) is URIRef else p.n3()
        )
        self.rows[(self._graph, subject, predicate, obj)] = None

    def add_text(self, s: URIRef, p: URIRef, text: str, lang: str | None = None) -> None:
        """`add((s, p, Literal(text, lang=lang)))` (`lang` in lower case), without making the
        `Literal`: its text is written straight from `text`."""
        if _ESCAPED.search(text):
            text = text.translate(_ESCAPES)
        written = self._written
        subject = written.get(s) or written.setdefault(s, iri_text(s))
        predicate = written.get(p) or written.setdefault(p, iri_text(p))
        obj = f'"{text}"@{lang}' if lang else f'"{text}"'
        self.rows[(self._graph, subject, predicate, obj)] = None

    def add_typed(self, s: URIRef, p: URIRef, lexical: str, datatype: Datatype) -> None:
        """`add((s, p, Literal(lexical, datatype=datatype.iri)))`, without making the `Literal`
        when rdflib would keep `lexical` as it is (`Datatype.as_given`)."""
        if datatype.as_given.fullmatch(lexical) is None:
            obj = oxigraph_literal(Literal(lexical, datatype=datatype.iri))
        else:
            if _ESCAPED.search(lexical):
                lexical = lexical.translate(_ESCAPES)
            obj = f'"{lexical}"{datatype.suffix}'
        written = self._written
        subject = written.get(s) or written.setdefault(s, iri_text(s))
        predicate = written.get(p) or written.setdefault(p, iri_text(p))
        self.rows[(self._graph, subject, predicate, obj)] = None


class Emitter:
    """Adds triples to one named graph and records where they came from."""

    def __init__(self, graph: TripleSink, sources: SourceMap) -> None:
        self.graph = graph
        self.sources = sources
        self._rows = graph if type(graph) is QuadRows else None

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal, where: Location | None = None) -> None:
        rows = self._rows
        if rows is not None:
            rows.add_terms(s, p, o)
        else:
            self.graph.add((s, p, o))
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def text(
        self,
        s: URIRef,
        p: URIRef,
        text: str,
        lang: str | None = None,
        where: Location | None = None,
    ) -> None:
        """`add(s, p, Literal(text, lang=lang), where)` for a plain or language-tagged literal
        (`lang` in lower case): into `QuadRows` without an rdflib `Literal` (about 3 µs each,
        a few hundred thousand at world S)."""
        rows = self._rows
        if rows is not None:
            rows.add_text(s, p, text, lang)
        else:
            self.graph.add((s, p, Literal(text, lang=lang)))
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def typed(
        self, s: URIRef, p: URIRef, lexical: str, datatype: Datatype, where: Location | None = None
    ) -> None:
        """`add(s, p, Literal(lexical, datatype=datatype.iri), where)`: into `QuadRows` without
        an rdflib `Literal` when rdflib would keep `lexical` as it is."""
        rows = self._rows
        if rows is not None:
            rows.add_typed(s, p, lexical, datatype)
        else:
            self.graph.add((s, p, Literal(lexical, datatype=datatype.iri)))
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def integer(self, s: URIRef, p: URIRef, value: int, where: Location | None = None) -> None:
        """`add(s, p, Literal(value, datatype=XSD.integer), where)`: into `QuadRows` without an
        rdflib `Literal` (whose lexical form of an `int` is `str(value)`)."""
        rows = self._rows
        if rows is not None and type(value) is int:
            rows.add_typed(s, p, str(value), INTEGER)
        else:
            self.add(s, p, Literal(value, datatype=XSD.integer), where)
            return
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def day(self, s: URIRef, p: URIRef, day: dt.date, where: Location | None = None) -> None:
        """`add(s, p, xsd_date(day), where)`: into `QuadRows` without the `Literal` (its lexical
        form is `day.isoformat()`, a form rdflib keeps as it is)."""
        rows = self._rows
        if rows is not None:
            rows.add_typed(s, p, day.isoformat(), DATE)
        else:
            self.graph.add((s, p, xsd_date(day)))
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def subject(self, s: URIRef, where: Location) -> None:
        self.sources.subjects.setdefault(s, where)

    def labels(
        self, s: URIRef, labels: Labels, *predicates: URIRef, where: Location | None = None
    ) -> None:
        for predicate in predicates or (RDFS.label,):
            self.text(s, predicate, labels.en, "en", where)
            self.text(s, predicate, labels.fa, "fa", where)


class Triples:
    """The build as a kind of fact sees it: IRIs under the base, an `Emitter` for each named
    graph (`graph_for` gives the graph of a name) and the shapes the kinds share."""

    def __init__(
        self, base: str, graph_for: Callable[[str], TripleSink], sources: SourceMap
    ) -> None:
        self.base = normalise_base(base)
        self.cd = TermCache(ontology_namespace(self.base))
        self.sources = sources
        self._graph_for = graph_for
        self._iris: dict[tuple[str, str], URIRef] = {}

    def iri(self, kind: str, slug: str) -> URIRef:
        """`entity_iri(base, kind, slug)`, each made once: the same object each time, so that
        the sinks' dicts of written terms find it by identity (rdflib's `__eq__` is Python)."""
        found = self._iris.get((kind, slug))
        if found is None:
            found = self._iris[kind, slug] = entity_iri(self.base, kind, slug)
        return found

    def emitter(self, name: str) -> Emitter:
        """An emitter into graph `name` (`curated`, `links` or an article's stem)."""
        return Emitter(self._graph_for(name), self.sources)

    def entity(
        self, e: Emitter, s: URIRef, record: Record, classes: Iterable[URIRef], labels: Labels
    ) -> None:
        """A shared record: its classes, labels in en and fa, and its id."""
        e.subject(s, record.location)
        for cls in classes:
            e.add(s, RDF.type, cls)
        e.labels(s, labels, where=record.where("label"))
        e.text(s, DCTERMS.identifier, record.id)

    def same_as(self, e: Emitter, s: URIRef, qid: str | None, record: Record) -> None:
        if qid:
            e.add(s, OWL.sameAs, WD[qid], record.where("wikidata"))

    def former(
        self, e: Emitter, s: URIRef, kind: str, former: tuple[str, ...], record: Record
    ) -> None:
        """`dcterms:replaces` each former slug, so the old IRI can redirect."""
        for slug in former:
            e.add(s, DCTERMS.replaces, self.iri(kind, slug), record.where("former_ids"))

    def fact(self, e: Emitter, s: URIRef, fact: Fact, classes: Iterable[URIRef]) -> None:
        """Type a fact node and attach its provenance: the article and the quoted sentence."""
        e.subject(s, fact.location)
        for cls in classes:
            e.add(s, RDF.type, cls)
        e.text(s, DCTERMS.identifier, fact.id)
        article = self.iri("article", fact.article)
        e.add(s, PROV.wasDerivedFrom, article, fact.location)
        derivation = part(s, f"source-{fact.article}")
        e.add(s, PROV.qualifiedDerivation, derivation, fact.where("quote"))
        e.add(derivation, RDF.type, PROV.Derivation)
        e.add(derivation, PROV.entity, article)
        e.text(derivation, self.cd.quotation, fact.quote, "fa", fact.where("quote"))
        e.subject(derivation, fact.where("quote"))

    def mention(self, e: Emitter, fact: Fact, target: URIRef) -> None:
        """The fact's article `schema:mentions` `target`."""
        e.add(self.iri("article", fact.article), SDO.mentions, target)

    def date(self, e: Emitter, s: URIRef, date: DateFact, predicate: URIRef) -> None:
        """Attach a date node `<s#date>`: the text as written and the Gregorian days it spans."""
        cd = self.cd
        node = part(s, "date")
        value = date.date
        e.add(s, predicate, node, date.location)
        e.subject(node, date.location)
        if value.calendar == "jalali":
            e.text(node, cd.jalaliDate, value.text, where=date.location)
        else:
            e.text(node, cd.gregorianDate, value.text, where=date.location)
        if date.printed:
            e.text(node, cd.printedDate, date.printed, "fa", date.location)
        unit = {"year": TIME.unitYear, "month": TIME.unitMonth, "day": TIME.unitDay}
        e.add(node, cd.precision, unit[value.precision])
        if date.bound == "on-or-before":
            # Only the latest day is supported: an interval with an end and no beginning.
            e.add(node, cd.dateBound, cd.OnOrBefore, date.location)
            e.day(node, cd.lastDay, value.last_day, date.location)
            e.add(node, RDF.type, TIME.ProperInterval)
            instant = part(s, "date-end")
            e.add(node, TIME.hasEnd, instant, date.location)
            e.add(instant, RDF.type, TIME.Instant)
            e.day(instant, TIME.inXSDDate, value.last_day, date.location)
            return
        # Shortcuts for filtering: the first and last Gregorian day the date covers.
        e.day(node, cd.firstDay, value.first_day, date.location)
        e.day(node, cd.lastDay, value.last_day, date.location)
        if value.precision == "day":
            e.add(node, RDF.type, TIME.Instant)
            e.day(node, TIME.inXSDDate, value.first_day, date.location)
            return
        e.add(node, RDF.type, TIME.ProperInterval)
        for suffix, predicate_end, day in (
            ("begin", TIME.hasBeginning, value.first_day),
            ("end", TIME.hasEnd, value.last_day),
        ):
            instant = part(s, f"date-{suffix}")
            e.add(node, predicate_end, instant, date.location)
            e.add(instant, RDF.type, TIME.Instant)
            e.day(instant, TIME.inXSDDate, day, date.location)


def part(node: URIRef, name: str) -> URIRef:
    """The IRI of a part of `node`: `node#name`, or `node-name` when `node` already has a
    fragment (an IRI holds at most one `#`)."""
    text = f"{node}-{name}" if "#" in node else f"{node}#{name}"
    if _NOT_IN_IRI.search(name) is None:
        # rdflib would check `text` for the characters in `_NOT_IN_IRI` (and only warn): `name`
        # has none, and `node` was checked when it was made.
        return str.__new__(URIRef, text)
    return URIRef(text)


#: The characters rdflib's `URIRef` warns about (and its N-Triples writer refuses) in an IRI.
_NOT_IN_IRI = re.compile(r'[<>" {}|\\^`]')


@functools.lru_cache(maxsize=4096)
def xsd_date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)
