"""Blueprint: the HTML pages: home, query page, resource, list and ontology pages.

Routes here are thin: the data comes from `citydip_ld.stores.describe` (through the store) and is
shaped for templates by `citydip_ld.web.view`. Every page is bilingual: `?lang=fa|en` or
`Accept-Language` picks the interface language; labels show in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    has_request_context,
    make_response,
    render_template,
    request,
)
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SDO
from rdflib.term import Node

from citydip_ld.conneg import negotiate_language
from citydip_ld.iris import KINDS, normalise_base, ontology_namespace
from citydip_ld.rdf.dumps import Dump, list_dumps
from citydip_ld.stores import describe, index_description
from citydip_ld.stores import record_page as record_page_module
from citydip_ld.stores.describe import Item, Quad
from citydip_ld.stores.record_page import IndexedStore, RecordPage, has_index
from citydip_ld.validation.competency import competency_questions
from citydip_ld.web import query_editor, templating
from citydip_ld.web.context import get_statistics, get_store
from citydip_ld.web.i18n import LANGUAGES, translate
from citydip_ld.web.shapes_view import ShapesView
from citydip_ld.web.templating import library_url, page_template, static_url
from citydip_ld.web.view import Builder, Link, ResourceView, link_html, value_html

bp = Blueprint("pages", __name__)

#: At most this many linking records get their facts (date, source, quote) on a page.
MAX_FACTS = 200


@dataclass(frozen=True)
class Alternate:
    """Another format of the same document."""

    name: str
    media_type: str
    url: str


def dataset_base() -> str:
    return normalise_base(str(current_app.config["BASE"]))


def query_arg(name: str) -> str:
    """The request's query parameter `name` ("" when it has none; werkzeug's `args.get`
    raises and catches an exception for a missing name, which a page asks about a dozen
    times)."""
    args = request.args
    return str(args[name]) if name in args else ""


def ui_lang() -> str:
    """The interface language: `?lang=`, else `Accept-Language`, else English."""
    cached: str | None = g.get("ui_lang")
    if cached is not None:
        return cached
    asked = query_arg("lang")
    lang = asked if asked in LANGUAGES else None
    if lang is None:
        lang = negotiate_language(request.headers.get("Accept-Language"), LANGUAGES)
    g.ui_lang = lang
    return lang


def lang_from_query() -> bool:
    return query_arg("lang") in LANGUAGES


def local_href(iri: str) -> str:
    """A link to an IRI of the dataset on this server (any host or port), keeping `?lang=`
    (`request_href`, for one link)."""
    return request_href()(iri)


def switch_lang_url() -> str:
    other = "en" if ui_lang() == "fa" else "fa"
    args = request.args.to_dict()
    args["lang"] = other
    return f"{request.path}?{urlencode(args)}"


def language_alternates() -> list[tuple[str, str]]:
    """(hreflang, URL) of this page in each language (`?lang=`) and as `Accept-Language`
    picks it (`x-default`, the URL without `lang`): what `<link rel="alternate" hreflang>`
    tells search engines of a page one URL serves in either language. Absolute, as they
    must be, and under the dataset's base: never the request's `Host`, which a client
    chooses and the response cache does not key on."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    page = dataset_base() + request.path.lstrip("/")

    def url(extra: list[tuple[str, str]]) -> str:
        query = urlencode(args + extra)
        return f"{page}?{query}" if query else page

    return [(lang, url([("lang", lang)])) for lang in LANGUAGES] + [("x-default", url([]))]


@bp.app_template_filter("num")
def localised_number(value: object) -> str:
    """A number (or a date like 1395-03) written with Persian digits on Persian pages."""
    return templating.localised_number(value, ui_lang())


bp.add_app_template_global(static_url)
bp.add_app_template_global(language_alternates)
bp.add_app_template_global(library_url)


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    lang: list[str] = []  # the request's, read on the first use (a page asks dozens of times)

    def t(key: str) -> str:
        if not lang:
            lang.append(ui_lang())
        return translate(key, lang[0])

    return {
        "t": t,
        # `?lang=` as given: the site's links keep the language when it is set.
        "lang_arg": query_arg("lang") if has_request_context() else "",
        "ui_lang": ui_lang,
        "switch_lang_url": switch_lang_url,
        "local_href": local_href,
        "kinds": KINDS,
        "link_html": link_html,
        "value_html": value_html,
    }


def _builder(quads: Sequence[Quad]) -> Builder:
    return Builder(quads, dataset_base(), local_href)


def request_href() -> Callable[[str], str]:
    """`local_href` with this request's base, root and language read once (a page makes
    dozens of links)."""
    base = dataset_base()
    root = request.script_root
    query = "?" + urlencode({"lang": ui_lang()}) if lang_from_query() else ""

    def href(iri: str) -> str:
        if not iri.startswith(base):
            return iri
        path = f"{root}/{iri[len(base) :]}"
        if query:
            path, _, fragment = path.partition("#")
            path += query + (f"#{fragment}" if fragment else "")
        return path

    return href


def record_page(iri: str) -> RecordPage | None:
    """The page's triples of `iri` by index lookups (`stores/record_page.py`), or None when
    the store answers SPARQL only (a remote store: `render_resource` queries it)."""
    store = get_store()
    if not has_index(store):
        return None
    return record_page_module.gather(cast(IndexedStore, store), iri, MAX_FACTS)


def render_resource(
    iri: str,
    quads: Sequence[Quad] | RecordPage,
    alternates: Sequence[Alternate],
    *,
    more_incoming: bool = False,
) -> str:
    """The HTML page of a resource, with the facts of the records linking to it; with
    `more_incoming`, a link to the SPARQL query listing every incoming link. `quads` is the
    resource's description (the generic route: more SPARQL queries here) or its `RecordPage`."""
    if isinstance(quads, RecordPage):
        builder = Builder([], dataset_base(), request_href(), quads.triples, quads.labels)
        view = builder.resource(iri)
        return _resource_page(iri, view, alternates, quads.more_incoming)
    store = get_store()
    node = URIRef(iri)
    linking = list(
        dict.fromkeys(
            str(s)
            for s, _p, o, _g in quads
            if o == node and isinstance(s, URIRef) and s != node and "#" not in str(s)
        )
    )
    # Only records with provenance become facts on the page (see view.Builder.fact); an
    # article that merely mentions the resource is listed under "Linked from" and not
    # described (at world scale one article mentions hundreds of cities).
    records = describe.with_values(store, linking, (PROV.qualifiedDerivation, PROV.wasDerivedFrom))
    linking = [iri for iri in linking if URIRef(iri) in records][:MAX_FACTS]
    extra = describe.describe_many(store, linking) if linking else []
    articles = {
        o for _s, p, o, _g in [*quads, *extra] if p == PROV.entity and isinstance(o, URIRef)
    }
    dates = describe.value_quads(store, articles, (SDO.datePublished,)) if articles else []
    predicates = {p for _s, p, _o, _g in [*quads, *extra] if isinstance(p, URIRef)}
    labels = describe.label_quads(store, predicates)
    view = _builder([*quads, *extra, *dates, *labels]).resource(iri)
    return _resource_page(iri, view, alternates, more_incoming)


def _resource_page(
    iri: str, view: ResourceView, alternates: Sequence[Alternate], more_incoming: bool
) -> str:
    all_incoming = (
        f"SELECT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} ORDER BY ?s ?p"
        if more_incoming
        else None
    )
    return render_template(
        page_template("resource.html", ui_lang()),
        view=view,
        alternates=alternates,
        lang=ui_lang(),
        kind=_kind(iri),
        all_incoming=all_incoming,
        max_incoming=index_description.MAX_INCOMING,
    )


def _kind(iri: str) -> str | None:
    rest = iri[len(dataset_base()) :]
    parts = rest.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "id" else None


def render_not_found(iri: str) -> str:
    return render_template(page_template("not_found.html", ui_lang()), iri=iri, lang=ui_lang())


def render_list(
    kind: str,
    items: Sequence[Item],
    alternates: Sequence[Alternate],
    *,
    page: int = 1,
    pages: int = 1,
    total: int | None = None,
    neighbours: dict[str, str] | None = None,
) -> str:
    builder = _builder([])
    links = [
        Link(str(i.iri), local_href(str(i.iri)), i.labels, builder.curie(str(i.iri))) for i in items
    ]
    return render_template(
        page_template("list.html", ui_lang()),
        kind=kind,
        links=links,
        alternates=alternates,
        page=page,
        pages=pages,
        total=len(links) if total is None else total,
        neighbours=neighbours or {},
        lang=ui_lang(),
    )


@dataclass(frozen=True)
class TermView:
    anchor: str
    iri: str
    kind: str
    labels: dict[str, str]
    comments: dict[str, str]
    extra: list[tuple[str, str]]


def _texts(graph: Graph, node: Node, prop: URIRef) -> dict[str, str]:
    return {o.language or "": str(o) for o in graph.objects(node, prop) if isinstance(o, Literal)}


def _terms(graph: Graph, namespace: str, kinds: dict[URIRef, str]) -> list[TermView]:
    terms: dict[str, TermView] = {}
    builder = _builder([])
    for cls, kind in kinds.items():
        for s in graph.subjects(RDF.type, cls):
            iri = str(s)
            if not iri.startswith(namespace) or iri in terms:
                continue

            extra = [
                (builder.curie(str(p)), builder.curie(str(o)))
                for p, o in sorted(graph.predicate_objects(s))
                if isinstance(o, URIRef) and p != RDF.type
            ]
            terms[iri] = TermView(
                iri[len(namespace) :],
                iri,
                kind,
                _texts(graph, s, RDFS.label),
                _texts(graph, s, RDFS.comment),
                extra,
            )
    return sorted(terms.values(), key=lambda t: (t.kind, t.anchor))


def render_shapes(quads: Sequence[Quad], alternates: Sequence[Alternate]) -> str:
    """The documentation page of the SHACL shapes: each node shape and its constraints."""
    graph = Graph()
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    base = dataset_base()
    builder = _builder(quads)
    shapes = ShapesView(graph, f"{base}shapes#", builder.curie)
    return render_template(
        page_template("shapes.html", ui_lang()),
        view=builder.resource(f"{base}shapes"),
        node_shapes=shapes.node_shapes(),
        property_shapes=shapes.property_shapes(),
        alternates=alternates,
        lang=ui_lang(),
    )


def render_ontology(quads: Sequence[Quad], alternates: Sequence[Alternate]) -> str:
    """The documentation page of the ontology: classes and properties, labels in en and fa."""
    graph = Graph()
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    base = dataset_base()
    namespace = str(ontology_namespace(base))
    ontology = URIRef(f"{base}ontology")
    header = _builder(quads).resource(str(ontology))
    classes = _terms(graph, namespace, {OWL.Class: "class", RDFS.Class: "class"})
    properties = _terms(
        graph,
        namespace,
        {
            OWL.ObjectProperty: "object",
            OWL.DatatypeProperty: "datatype",
            OWL.AnnotationProperty: "annotation",
            RDF.Property: "property",
        },
    )
    individuals = [
        t
        for t in _terms(graph, namespace, {OWL.NamedIndividual: "individual"})
        if t.iri not in {c.iri for c in classes + properties}
    ]
    return render_template(
        page_template("ontology.html", ui_lang()),
        view=header,
        classes=classes,
        properties=properties,
        individuals=individuals,
        alternates=alternates,
        lang=ui_lang(),
    )


def dataset_dir() -> Path:
    return Path(str(current_app.config["DATASET_DIR"]))


def dumps() -> list[Dump]:
    return list_dumps(dataset_dir())


@bp.route("/")
def home() -> str:
    base = dataset_base()
    statistics = get_statistics(base)
    return render_template(
        page_template("home.html", ui_lang()),
        counts=statistics.kinds,
        triples=statistics.triples,
        dumps=dumps(),
        lang=ui_lang(),
    )


@bp.route("/query")
def query_page() -> Response:
    """The query form; with YASGUI installed, the editor mounted over it (query_editor.py)."""
    base = dataset_base()
    page = render_template(
        page_template("query.html", ui_lang()),
        examples=competency_questions(base),
        editor=query_editor.editor_settings(base),
        lang=ui_lang(),
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = query_editor.editor_policy()
    return response
