"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics of the dataset.

Pure: the figures come from `citydip_ld.stores.statistics` (counted once, not per request).
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, VOID, XSD

from citydip_ld.sparql.protocol import GRAPH_FORMATS, RESULT_FORMATS
from citydip_ld.stores.statistics import DatasetStatistics

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")

#: W3C format IRIs (https://www.w3.org/ns/formats/) of the formats `sparql.py` offers.
FORMAT_IRIS: dict[str, URIRef] = {
    "json": FORMATS.SPARQL_Results_JSON,
    "xml": FORMATS.SPARQL_Results_XML,
    "csv": FORMATS.SPARQL_Results_CSV,
    "tsv": FORMATS.SPARQL_Results_TSV,
    "turtle": FORMATS.Turtle,
    "ntriples": FORMATS["N-Triples"],
    "rdfxml": FORMATS.RDF_XML,
    "jsonld": FORMATS["JSON-LD"],
    "nquads": FORMATS["N-Quads"],
    "trig": FORMATS.TriG,
    "n3": FORMATS.N3,
}


def _int(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def describe_service(endpoint: str, stats: DatasetStatistics, dataset_iri: str) -> Graph:
    """The service description graph; `endpoint` is the URL under the configured base."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.bind("ent", ENT)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.EmptyGraphs))
    graph.add((service, SD.defaultEntailmentRegime, ENT.Simple))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        graph.add((service, SD.resultFormat, FORMAT_IRIS[fmt.key]))

    dataset = URIRef(dataset_iri)
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, service))
    # Blank nodes labelled by place, not at random: the description has the same bytes in
    # every process, as its ETag (from the release) promises.
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    for node in (dataset, default_graph):
        graph.add((node, VOID.triples, _int(stats.triples)))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((dataset, VOID.entities, _int(stats.entities)))
    graph.add((dataset, VOID.classes, _int(len(stats.classes))))
    graph.add((dataset, VOID.properties, _int(stats.properties)))
    graph.add((dataset, VOID.distinctSubjects, _int(stats.distinct_subjects)))
    graph.add((dataset, VOID.distinctObjects, _int(stats.distinct_objects)))
    for index, (name, triples) in enumerate(sorted(stats.graphs.items()), start=1):
        named = BNode(f"namedGraph{index}")
        described = BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, _int(triples)))
        graph.add((dataset, VOID.subset, described))
    return graph
