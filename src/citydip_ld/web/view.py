"""View models for the HTML pages, built from description quads. Pure (no Flask).

A `ResourceView` is what a resource page shows: labels and descriptions in en and fa,
types, the Wikidata link, outgoing and incoming links with labels, and the facts (the
resource itself, or the records that link to it) with date, source article and quotation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import jdatetime
from markupsafe import Markup, escape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, TIME
from rdflib.term import Node

from citydip_ld.stores.describe import LABEL_PROPERTIES, Quad
from citydip_ld.web.documents import prefixes

WIKIDATA = "http://www.wikidata.org/entity/"
LANGS = ("en", "fa")

#: Labels of common properties outside our ontology (ours carry their own).
KNOWN_LABELS: dict[URIRef, dict[str, str]] = {
    RDF.type: {"en": "type", "fa": "نوع"},
    RDFS.label: {"en": "label", "fa": "برچسب"},
    RDFS.comment: {"en": "description", "fa": "توضیح"},
    RDFS.subClassOf: {"en": "subclass of", "fa": "زیرردهٔ"},
    OWL.sameAs: {"en": "same as", "fa": "همان"},
    SDO.containedInPlace: {"en": "located in", "fa": "واقع در"},
    SDO.datePublished: {"en": "date published", "fa": "تاریخ انتشار"},
    SDO.additionalType: {"en": "kind", "fa": "گونه"},
    SDO.publisher: {"en": "publisher", "fa": "ناشر"},
    SDO.author: {"en": "author", "fa": "نویسنده"},
    SKOS.prefLabel: {"en": "preferred label", "fa": "برچسب ترجیحی"},
    SKOS.definition: {"en": "definition", "fa": "تعریف"},
    SKOS.broader: {"en": "broader", "fa": "گسترده‌تر"},
    SKOS.inScheme: {"en": "in scheme", "fa": "در طرح"},
    DCTERMS.title: {"en": "title", "fa": "عنوان"},
    DCTERMS.replaces: {"en": "replaces", "fa": "جایگزین"},
    PROV.wasDerivedFrom: {"en": "derived from", "fa": "برگرفته از"},
    PROV.qualifiedDerivation: {"en": "source", "fa": "منبع"},
    TIME.hasTime: {"en": "date", "fa": "تاریخ"},
    SKOS.editorialNote: {"en": "curator's note", "fa": "یادداشت ویراستار"},
    PROV.wasAssociatedWith: {"en": "participant", "fa": "شرکت‌کننده"},
    SDO.location: {"en": "place", "fa": "مکان"},
    SDO.creator: {"en": "owner", "fa": "صاحب"},
    SDO.spatialCoverage: {"en": "place concerned", "fa": "مکان مربوط"},
    SDO.startDate: {"en": "start date", "fa": "تاریخ آغاز"},
}
#: Shown in their own sections, not in the table of outgoing links.
SECTION_PROPERTIES = {RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.definition, DCTERMS.title}
FACT_PROPERTIES = {TIME.hasTime, PROV.qualifiedDerivation, PROV.wasDerivedFrom}
DESCRIPTION_PROPERTIES = (RDFS.comment, SKOS.definition, SDO.description, DCTERMS.description)

#: Terms read for every page, made once (an rdflib namespace makes and checks a new IRI at
#: each attribute access).
_IN_XSD_DATE = TIME.inXSDDate
_HAS_BEGINNING = TIME.hasBeginning
_HAS_END = TIME.hasEnd
_QUALIFIED_DERIVATION = PROV.qualifiedDerivation
_ENTITY = PROV.entity
_DATE_PUBLISHED = SDO.datePublished
_WAS_DERIVED_FROM = PROV.wasDerivedFrom
_HAS_TIME = TIME.hasTime
_TYPE = RDF.type
_SAME_AS = OWL.sameAs

Href = Callable[[str], str]
#: An external IRI becomes a clickable link only with one of these schemes: a `javascript:` or
#: `data:` IRI in the data (e.g. a broken `homepage:`) must not run script when clicked.
LINK_SCHEMES = ("http://", "https://")
#: Links kept per IRI as written (hrefs with and without `?lang=`, two languages: four).
MAX_WRITTEN = 8


def safe_href(iri: str) -> str:
    """`iri` when it is safe as an `href`, else "" (the page shows it as text)."""
    return iri if iri.lower().startswith(LINK_SCHEMES) else ""


@dataclass(frozen=True)
class Text:
    """A literal to display: its text, language (may be empty) and writing direction."""

    value: str
    lang: str = ""

    @property
    def dir(self) -> str:
        return "rtl" if self.lang == "fa" else ("ltr" if self.lang else "auto")


def pick_label(labels: dict[str, str], lang: str, fallback: str) -> Text:
    """The label in `lang`, else in the other interface language, else `fallback`."""
    if lang in labels:
        return Text(labels[lang], lang)
    for other in LANGS:
        if other in labels:
            return Text(labels[other], other)
    return Text(fallback, "")


@dataclass(frozen=True)
class Link:
    """A resource to link to: where, and its labels by language."""

    iri: str
    href: str
    labels: dict[str, str]
    curie: str
    external: bool = False
    #: Where `link_html` keeps what it wrote for this IRI, by href and page language (shared
    #: by the pages of a store: see `Named`); None: not kept.
    written: dict[tuple[str, str], Markup] | None = field(default=None, compare=False, repr=False)

    def label(self, lang: str) -> Text:
        return pick_label(self.labels, lang, self.curie)

    def other_label(self, lang: str) -> Text | None:
        """The label in the other language, when there is one."""
        for other in LANGS:
            if other != lang and other in self.labels:
                return Text(self.labels[other], other)
        return None


def text_html(text: Text) -> str:
    """What the `text` macro of `templates/_macros.html` writes for `text`."""
    lang = f' lang="{escape(text.lang)}"' if text.lang else ""
    return f'<bdi{lang} dir="{escape(text.dir)}">{escape(text.value)}</bdi>'


def link_html(link: Link, lang: str) -> Markup:
    """What the `link` macro of `templates/_macros.html` writes for `link` on a page in `lang`
    (written here for the resource page, where it runs dozens of times: a macro call costs
    Jinja more than the string; `tests/test_record_page.py` compares the two)."""
    written = link.written
    if written is not None:
        found = written.get((link.href, lang))
        if found is not None:
            return found
    label = text_html(link.label(lang))
    if link.href:
        rel = ' rel="external"' if link.external else ""
        out = f'<a href="{escape(link.href)}"{rel} title="{escape(link.iri)}">{label}</a>'
    else:
        out = f'<span class="iri" title="{escape(link.iri)}">{label}</span>'
    other = link.other_label(lang)
    if other:
        out += f' <span class="other">{text_html(other)}</span>'
    if written is None:
        return Markup(out)
    if len(written) >= MAX_WRITTEN:
        written.clear()
    found = written[(link.href, lang)] = Markup(out)
    return found


def value_html(value: Link | Text, lang: str) -> Markup:
    """What the `value` macro of `templates/_macros.html` writes for `value`."""
    return link_html(value, lang) if isinstance(value, Link) else Markup(text_html(value))


@dataclass(frozen=True)
class DateView:
    jalali: str | None
    printed: Text | None
    gregorian: str | None
    #: The text supports only a latest day (`cd:dateBound cd:OnOrBefore`).
    on_or_before: bool = False


@dataclass(frozen=True)
class SourceView:
    article: Link
    quotation: Text | None
    published: str | None


@dataclass
class FactView:
    fact: Link
    types: list[Link]
    date: DateView | None
    sources: list[SourceView]


def _fact_order(view: FactView) -> tuple[int, str, str, str]:
    """Dated facts first, the most recent first; then the rest by English label; then IRI."""
    gregorian = view.date.gregorian if view.date is not None else None
    label = view.fact.labels.get("en", view.fact.iri)
    if gregorian:
        # ISO dates: inverting each digit turns the newest into the smallest key.
        inverted = gregorian[:10].translate(str.maketrans("0123456789", "9876543210"))
        return (0, inverted, label, view.fact.iri)
    return (1, "", label, view.fact.iri)


@dataclass
class ResourceView:
    iri: str
    labels: dict[str, str]
    descriptions: list[Text]
    types: list[Link]
    wikidata: list[str]
    outgoing: list[tuple[Link, list[Link | Text]]]
    incoming: list[tuple[Link, Link]]
    facts: list[FactView] = field(default_factory=list)

    def label(self, lang: str) -> Text:
        return pick_label(self.labels, lang, self.iri)


class Triples(Protocol):
    """What `Builder` asks of its triples: rdflib's `Graph`, or the index lookups of
    `citydip_ld.stores.record_page.PageTriples`."""

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]: ...

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]: ...

    def subject_predicates(self, object: Node) -> Iterator[tuple[Node, Node]]: ...

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool: ...


def _graph(quads: Iterable[Quad]) -> Graph:
    graph = Graph()
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    return graph


@dataclass(frozen=True)
class Named:
    """What a store's pages keep about an IRI from one page to the next: its labels and CURIE
    (functions of the store alone) and its links as `link_html` wrote them (also functions
    of the href and the page's language). Not to be changed but through `link_html`."""

    labels: dict[str, str]
    curie: str
    written: dict[tuple[str, str], Markup] = field(default_factory=dict)


class Shared(Protocol):
    """Where a store's pages keep `Named`s (`citydip_ld.stores.record_page.PagesMemo.labels`)."""

    def get(self, key: str) -> Named | None: ...

    def put(self, key: str, value: Named) -> None: ...


@functools.lru_cache(maxsize=64)
def _ontology_term(namespace: str, term: str) -> URIRef:
    """`namespace` + `term` as an IRI (made once: rdflib checks every IRI it makes)."""
    return URIRef(namespace + term)


@functools.lru_cache(maxsize=16)
def _sorted_prefixes(base: str) -> tuple[tuple[str, str], ...]:
    """The documents' prefixes at `base`, the longest namespace first (for `curie`)."""
    return tuple(sorted(prefixes(base).items(), key=lambda kv: -len(kv[1])))


class Builder:
    """Builds views from the quads of one or more descriptions (or from `triples`). With
    `shared`, the labels and CURIE of each IRI are read from it, or put there once made: give
    it only with `triples` that hold every label of the IRIs they name (the index lookups
    of `PageTriples`), never with a partial description."""

    def __init__(
        self,
        quads: Iterable[Quad],
        base: str,
        href: Href,
        triples: Triples | None = None,
        shared: Shared | None = None,
    ) -> None:
        self.graph: Triples = triples if triples is not None else _graph(quads)
        self.base = base
        self.href = href
        self._ontology = prefixes(base)["cd"]
        self._links: dict[Node, Link] = {}
        self._prefixes = _sorted_prefixes(base)
        self._shared = shared

    def curie(self, iri: str) -> str:
        for prefix, ns in self._prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def labels(self, node: Node) -> dict[str, str]:
        if self._shared is not None and type(node) is URIRef:
            return self._named(node).labels
        return self._labels(node)

    def _labels(self, node: Node) -> dict[str, str]:
        found: dict[str, str] = {}
        for prop in LABEL_PROPERTIES:
            for lit in self.graph.objects(node, prop):
                if isinstance(lit, Literal):
                    found.setdefault(lit.language or "", str(lit))
        if isinstance(node, URIRef) and node in KNOWN_LABELS:
            for lang, text in KNOWN_LABELS[node].items():
                found.setdefault(lang, text)
        if len(found) > 1:
            found.pop("", None)
        return found

    def _named(self, node: URIRef) -> Named:
        """The labels and CURIE of `node`, from `shared` when it has them (then its links as
        written are kept there too)."""
        iri = str(node)
        if self._shared is None:
            return Named(self._labels(node), self.curie(iri))
        found = self._shared.get(iri)
        if found is None:
            found = Named(self._labels(node), self.curie(iri))
            self._shared.put(iri, found)
        return found

    def link(self, node: URIRef) -> Link:
        """The link to `node` (made once per node: a predicate or type recurs on a page)."""
        found = self._links.get(node)
        if found is not None:
            return found
        iri = str(node)
        local = iri.startswith(self.base)
        named = self._named(node)
        found = self._links[node] = Link(
            iri=iri,
            href=self.href(iri) if local else safe_href(iri),
            labels=named.labels,
            curie=named.curie,
            external=not local,
            written=named.written if self._shared is not None else None,
        )
        return found

    def value(self, node: Node) -> Link | Text:
        if isinstance(node, URIRef):
            return self.link(node)
        if isinstance(node, Literal):
            return Text(str(node), node.language or "")
        return Text("[…]", "")

    def date(self, node: Node) -> DateView:
        g = self.graph
        jalali = next((str(o) for o in g.objects(node, self._cd("jalaliDate"))), None)
        printed_lit = next(iter(g.objects(node, self._cd("printedDate"))), None)
        printed = (
            Text(str(printed_lit), printed_lit.language or "")
            if isinstance(printed_lit, Literal)
            else None
        )
        day = next((str(o) for o in g.objects(node, _IN_XSD_DATE)), None)
        begin = next(
            (str(o) for b in g.objects(node, _HAS_BEGINNING) for o in g.objects(b, _IN_XSD_DATE)),
            None,
        )
        end = next(
            (str(o) for e in g.objects(node, _HAS_END) for o in g.objects(e, _IN_XSD_DATE)),
            None,
        )
        gregorian = day or (f"{begin} – {end}" if begin and end and begin != end else begin or end)
        if jalali is None and gregorian:
            jalali = to_jalali(day or begin, None if day else end)
        bound = (node, self._cd("dateBound"), self._cd("OnOrBefore")) in g
        return DateView(jalali, printed, gregorian, bound)

    def _cd(self, term: str) -> URIRef:
        return _ontology_term(self._ontology, term)

    def fact(self, node: URIRef) -> FactView | None:
        g = self.graph
        sources = []
        for deriv in sorted(g.objects(node, _QUALIFIED_DERIVATION), key=str):
            article = next((a for a in g.objects(deriv, _ENTITY) if isinstance(a, URIRef)), None)
            if article is None:
                continue
            quote = next(iter(g.objects(deriv, self._cd("quotation"))), None)
            published = next((str(d) for d in g.objects(article, _DATE_PUBLISHED)), None)
            sources.append(
                SourceView(
                    self.link(article),
                    Text(str(quote), quote.language or "") if isinstance(quote, Literal) else None,
                    published,
                )
            )
        if not sources:
            for origin in sorted(g.objects(node, _WAS_DERIVED_FROM), key=str):
                if isinstance(origin, URIRef):
                    sources.append(SourceView(self.link(origin), None, None))
        if not sources:
            return None
        when = next(iter(g.objects(node, _HAS_TIME)), None)
        types = [
            self.link(t) for t in sorted(g.objects(node, _TYPE), key=str) if isinstance(t, URIRef)
        ]
        return FactView(
            self.link(node), types, self.date(when) if when is not None else None, sources
        )

    def resource(self, iri: str) -> ResourceView:
        g = self.graph
        node = URIRef(iri)
        descriptions = [
            Text(str(o), o.language or "")
            for prop in DESCRIPTION_PROPERTIES
            for o in sorted(g.objects(node, prop), key=str)
            if isinstance(o, Literal)
        ]
        wikidata = sorted(str(o) for o in g.objects(node, _SAME_AS) if str(o).startswith(WIKIDATA))
        types = [
            self.link(t) for t in sorted(g.objects(node, _TYPE), key=str) if isinstance(t, URIRef)
        ]
        outgoing: dict[URIRef, list[Link | Text]] = {}
        for p, o in sorted(g.predicate_objects(node), key=str):
            if not isinstance(p, URIRef) or p in SECTION_PROPERTIES or p in FACT_PROPERTIES:
                continue
            if p == _TYPE or (p == _SAME_AS and str(o).startswith(WIKIDATA)):
                continue
            outgoing.setdefault(p, []).append(self.value(o))
        incoming = [
            (self.link(s), self.link(p))
            for s, p in sorted(g.subject_predicates(node), key=str)
            if isinstance(s, URIRef)
            and isinstance(p, URIRef)
            and s != node
            and not str(s).startswith(iri + "#")
        ]
        facts: list[FactView] = []
        own = self.fact(node)
        if own is not None:
            facts.append(own)
        linked: list[FactView] = []
        for s in dict.fromkeys(s for s, _p in g.subject_predicates(node)):
            if isinstance(s, URIRef) and s != node and not str(s).startswith(iri + "#"):
                view = self.fact(s)
                if view is not None:
                    linked.append(view)
        facts.extend(sorted(linked, key=_fact_order))
        return ResourceView(
            iri=iri,
            labels=self.labels(node),
            descriptions=descriptions,
            types=types,
            wikidata=wikidata,
            outgoing=[(self.link(p), values) for p, values in outgoing.items()],
            incoming=incoming,
            facts=facts,
        )


def to_jalali(day: str | None, end: str | None = None) -> str | None:
    """A Gregorian `YYYY-MM-DD` (or a range) written in the Jalali calendar."""

    def one(value: str) -> str:
        y, m, d = (int(part) for part in value[:10].split("-"))
        return str(jdatetime.date.fromgregorian(year=y, month=m, day=d).strftime("%Y-%m-%d"))

    try:
        if day is None:
            return None
        return f"{one(day)} – {one(end)}" if end and end != day else one(day)
    except (ValueError, TypeError):
        return None
