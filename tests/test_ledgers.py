"""The coverage ledgers (`data/ledgers/<article>.yaml`): every article has one, every entry
points at records that exist, every record of an article appears in its ledger, and every
statement is quoted verbatim from the article."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, Dataset, URIRef
from rdflib.namespace import PROV, SDO

from citydip_ld.curation.facts import load_facts
from citydip_ld.iris import entity_iri, graph_iri, ontology_namespace
from citydip_ld.rdf.build import build_dataset
from shared_material import needs_shared, shared

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
CD = ontology_namespace(BASE)
FACTS = load_facts(ROOT / "data")
DATASET: Dataset = build_dataset(FACTS, BASE).dataset


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _article_graph(stem: str) -> tuple[URIRef, set[URIRef], set[URIRef]]:
    """The article's IRI, the records derived from it and the records its ledger names."""
    graph = DATASET.graph(graph_iri(BASE, stem))
    article = entity_iri(BASE, "article", stem)
    records = {s for s in graph.subjects(PROV.wasDerivedFrom, article) if isinstance(s, URIRef)}
    named = {o for o in graph.objects(None, CD.curatedAs) if isinstance(o, URIRef)}
    return article, records, named


def test_every_article_has_a_ledger() -> None:
    ledgers = {entry.article for entry in FACTS.ledger}
    assert ledgers == set(FACTS.articles)


def test_every_ledger_entry_names_a_record_that_exists() -> None:
    typed = {s for s, _, _, _ in DATASET.quads((None, RDF.type, None, None))}
    dangling = [
        (entry.id, ref)
        for entry in FACTS.ledger
        for ref in entry.curated
        if entity_iri(BASE, *ref.split("/", 1)) not in typed
    ]
    assert dangling == []


def test_every_record_of_an_article_appears_in_its_ledger() -> None:
    for stem in FACTS.articles:
        article, records, named = _article_graph(stem)
        assert records, stem
        assert sorted(records - named) == [], stem
        assert article in named, f"{stem}: the article's own lines (title, date) are in its ledger"


def test_every_entry_is_curated_or_left_out_with_a_reason() -> None:
    for entry in FACTS.ledger:
        assert bool(entry.curated) != bool(entry.left_out), entry.id


@needs_shared("seeds")
def test_every_statement_is_quoted_verbatim_from_its_article() -> None:
    seeds = shared("seeds")
    texts = {p.stem: _collapse(p.read_text(encoding="utf-8")) for p in seeds.glob("*.txt")}
    missing = [str(e.location) for e in FACTS.ledger if _collapse(e.said) not in texts[e.article]]
    assert missing == []


def test_the_ledgers_account_for_each_article_in_full() -> None:
    counts = {stem: 0 for stem in FACTS.articles}
    for entry in FACTS.ledger:
        counts[entry.article] += 1
    assert all(count >= 15 for count in counts.values()), counts


def test_every_organisation_is_referred_to_by_a_fact_or_an_article() -> None:
    """Each organisation is named by a fact or an article's own lines (outlet, publisher), or
    is the parent of one that is (UNESCO, through its networks and its regional office)."""
    referred: set[URIRef] = set()
    for stem in FACTS.articles:
        graph = DATASET.graph(graph_iri(BASE, stem))
        for _, predicate, target in graph:
            if isinstance(target, URIRef) and predicate != SDO.mentions:
                referred.add(target)
    organisations = {entity_iri(BASE, "organisation", o) for o in FACTS.organisations}
    parents = {
        entity_iri(BASE, "organisation", org.parent)
        for org in FACTS.organisations.values()
        if org.parent and entity_iri(BASE, "organisation", org.id) in referred
    }
    assert sorted(organisations - referred - parents) == []
    assert sorted(organisations & parents - referred) == [URIRef(f"{BASE}id/organisation/unesco")]
