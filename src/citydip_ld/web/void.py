"""The dataset description (VoID + DCAT), served at `/.well-known/void`. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from citydip_ld.curation.triples import GEONAMES_ATTRIBUTION, GEONAMES_LICENSE, GEONAMES_SITE
from citydip_ld.iris import graph_iri, normalise_base
from citydip_ld.rdf.dumps import Dump

SPDX = Namespace("http://spdx.org/rdf/terms#")

TITLE = {
    "en": "City diplomacy in Iranian news",
    "fa": "دیپلماسی شهری در اخبار ایران",
}
DESCRIPTION = {
    "en": (
        "Curated facts on sister cities, city networks, meetings, events, proposals, "
        "programmes and people of Iranian city diplomacy, each with the news article and the "
        "quoted sentence it comes from."
    ),
    "fa": (
        "واقعیت‌های گزینش‌شده درباره خواهرخواندگی، شبکه‌های شهری، نشست‌ها، رویدادها، "
        "پیشنهادها، برنامه‌ها و افراد دیپلماسی شهری ایران، هر یک با خبر و جمله‌ای که از آن "
        "برگرفته شده است."
    ),
}
VOCABULARIES = (
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2004/02/skos/core#",
    "https://schema.org/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2006/time#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2002/07/owl#",
)


def dataset_iri(base: str) -> URIRef:
    """The IRI of the dataset itself (a hash IRI of the VoID document)."""
    return URIRef(f"{normalise_base(base)}.well-known/void#dataset")


def void_graph(
    base: str,
    dumps: Sequence[Dump],
    *,
    triples: int,
    entities: int,
    class_counts: Mapping[URIRef, int],
    graphs: Iterable[URIRef] = (),
    example: URIRef | None = None,
) -> Graph:
    """VoID and DCAT for the dataset at `base` with its dumps, counts and named graphs."""
    base = normalise_base(base)
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("spdx", SPDX)):
        g.bind(prefix, ns)
    g.bind("foaf", FOAF)
    ds = dataset_iri(base)
    doc = URIRef(f"{base}.well-known/void")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, FOAF.primaryTopic, ds))
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    for lang, text in TITLE.items():
        g.add((ds, DCTERMS.title, Literal(text, lang=lang)))
        g.add((ds, RDFS.label, Literal(text, lang=lang)))
    for lang, text in DESCRIPTION.items():
        g.add((ds, DCTERMS.description, Literal(text, lang=lang)))
    g.add((ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/fa")))
    g.add((ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/en")))
    g.add((ds, FOAF.homepage, URIRef(base)))
    g.add((ds, DCAT.landingPage, URIRef(base)))
    g.add((ds, VOID.uriSpace, Literal(f"{base}id/")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    g.add((ds, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(entities, datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(class_counts), datatype=XSD.integer)))
    if example is not None:
        g.add((ds, VOID.exampleResource, example))
    for vocabulary in (f"{base}ontology#", *VOCABULARIES):
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    for index, (cls, count) in enumerate(sorted(class_counts.items()), 1):
        part = BNode(f"classPartition{index}")  # labelled by place: the same in every process
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    graphs = sorted(graphs)
    for graph in graphs:
        g.add((ds, VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
    if graph_iri(base, "links") in graphs:
        _credit_geonames(g, ds, graph_iri(base, "links"))
    service = URIRef(f"{base}sparql")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((ds, DCAT.distribution, service))
    _add_reconciliation_service(g, ds, base)
    _add_dumps(g, ds, base, dumps)
    return g


#: The specification `/reconcile` follows.
RECONCILIATION_API = (
    "https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/"
)


def _add_reconciliation_service(g: Graph, ds: URIRef, base: str) -> None:
    """`/reconcile` (web/reconcile.py) as a DCAT data service of the dataset; its manifest,
    at the same URL, describes it."""
    service = URIRef(f"{base}reconcile")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.endpointDescription, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef(RECONCILIATION_API)))
    g.add((service, DCTERMS.title, Literal("Reconciliation service (OpenRefine)", lang="en")))
    g.add((service, DCTERMS.title, Literal("سرویس تطبیق نام‌ها (OpenRefine)", lang="fa")))


def _credit_geonames(g: Graph, ds: URIRef, links: URIRef) -> None:
    """GeoNames' values (in the links graph and every dump) are CC BY 4.0: credit them."""
    site = URIRef(GEONAMES_SITE)
    for node in (ds, links):
        g.add((node, DCTERMS.source, site))
        for lang, text in GEONAMES_ATTRIBUTION.items():
            g.add((node, DCTERMS.rights, Literal(text, lang=lang)))
    g.add((site, RDFS.label, Literal("GeoNames")))
    g.add((site, DCTERMS.license, URIRef(GEONAMES_LICENSE)))


def _add_dumps(g: Graph, ds: URIRef, base: str, dumps: Sequence[Dump]) -> None:
    """Each dump as a VoID data dump and a DCAT distribution with its size and SHA-256; the
    network files (GraphML, CSV) as DCAT distributions only (they are not RDF)."""

    for dump in dumps:
        url = URIRef(f"{base}dumps/{dump.name}")
        if dump.is_rdf:
            g.add((ds, VOID.dataDump, url))
        else:
            _describe_network_file(g, URIRef(f"{base}dumps/{dump.name}#distribution"), dump)
        dist = URIRef(f"{base}dumps/{dump.name}#distribution")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(dump.name)))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add(
            (
                dist,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{dump.media_type}"),
            )
        )
        g.add((dist, DCAT.byteSize, Literal(dump.byte_size, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{base}dumps/{dump.name}#sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))


#: What each network file holds, for its DCAT distribution.
NETWORK_DESCRIPTIONS = {
    "network.graphml": (
        "The twinning network for graph tools (Gephi, NetworkX, igraph): cities as nodes, "
        "twinnings as edges, ids our IRIs.",
        "شبکه خواهرخواندگی برای ابزارهای گراف (Gephi، NetworkX، igraph): شهرها گره و "
        "خواهرخواندگی‌ها یال، با شناسه‌های همین داده.",
    ),
    "network-nodes.csv": (
        "The twinning network's cities (nodes): IRI, labels, country, coordinates, partners.",
        "شهرهای شبکه خواهرخواندگی (گره‌ها): شناسه، نام‌ها، کشور، مختصات، شمار شهرهای خواهرخوانده.",
    ),
    "network-edges.csv": (
        "The twinning network's twinnings (edges): IRI, the two cities, dates, article.",
        "خواهرخواندگی‌های شبکه (یال‌ها): شناسه، دو شهر، تاریخ‌ها، خبر منبع.",
    ),
}
#: The formats the network files follow.
NETWORK_CONFORMS_TO = {
    "application/graphml+xml": "http://graphml.graphdrawing.org/specification.html",
    "text/csv": "https://www.rfc-editor.org/rfc/rfc4180",
}


def _describe_network_file(g: Graph, dist: URIRef, dump: Dump) -> None:
    en, fa = NETWORK_DESCRIPTIONS.get(dump.name, ("", ""))
    if en:
        g.add((dist, DCTERMS.description, Literal(en, lang="en")))
        g.add((dist, DCTERMS.description, Literal(fa, lang="fa")))
    conforms = NETWORK_CONFORMS_TO.get(dump.media_type)
    if conforms:
        g.add((dist, DCTERMS.conformsTo, URIRef(conforms)))
