"""The shipped facts are honest: every quote is verbatim from its article, every Wikidata id is
one confirmed in the shared reference, every article file is named after a seed."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from citydip_ld.curation.facts import load_facts
from shared_material import needs_shared, shared

ROOT = Path(__file__).resolve().parent.parent
SEEDS = shared("seeds")
REFERENCE = shared("reference/wikidata-ids.tsv")
FACTS = load_facts(ROOT / "data")


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@needs_shared("seeds")
def test_every_article_file_names_a_seed() -> None:
    seeds = {p.stem for p in SEEDS.glob("*.txt")}
    assert set(FACTS.articles) == seeds


@needs_shared("seeds")
def test_every_quote_is_verbatim_from_its_article() -> None:
    texts = {p.stem: _collapse(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    quotes = [(a.id, a.quote, a.location) for a in FACTS.articles.values()]
    quotes += [(f.article, f.quote, f.location) for f in FACTS.article_facts()]
    quotes += [(s.article, s.quote, s.location) for m in FACTS.meetings for s in m.speakers]
    assert len(quotes) > 50
    missing = [
        str(where) for article, quote, where in quotes if _collapse(quote) not in texts[article]
    ]
    assert missing == []


@needs_shared("reference/wikidata-ids.tsv")
def test_wikidata_ids_are_only_those_confirmed_in_the_reference() -> None:
    with REFERENCE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    confirmed = {r["wikidata_id"] for r in rows if r["wikidata_id"].startswith("Q")}
    records = [*FACTS.countries.values(), *FACTS.cities.values(), *FACTS.organisations.values()]
    used = {(r.id, r.wikidata) for r in records if getattr(r, "wikidata", None)}
    assert used, "no Wikidata links at all"
    invented = sorted((rid, qid) for rid, qid in used if qid not in confirmed)
    assert invented == []


def test_persian_labels_have_their_zero_width_non_joiners_restored() -> None:
    lost = re.compile(r"(بینالملل|میشود|کلانشهر|همکاریها)")
    labels = [
        r.label.fa
        for table in (FACTS.cities, FACTS.organisations, FACTS.people, FACTS.concepts)
        for r in table.values()
    ]
    assert [label for label in labels if lost.search(label)] == []


def test_the_tabriz_article_lists_twelve_partners() -> None:
    partners = {
        p for t in FACTS.twinnings if "tabriz" in t.partners for p in t.partners if p != "tabriz"
    }
    assert partners == {
        "istanbul",
        "baku",
        "trabzon",
        "kazan",
        "khujand",
        "erzurum",
        "mogilev",
        "gaza",
        "ganja",
        "konya",
        "karbala",
        "wuhan",
    }
