"""The dataset answers its competency questions: the same SPARQL the query page offers, run
over the build of the shipped data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from citydip_ld.validation.competency import Example, competency_questions

BASE = "http://localhost:5000/"
QUESTIONS = {q.key: q for q in competency_questions(BASE)}


@pytest.fixture(scope="module")
def store(dataset_dir: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def ask(store: pyoxigraph.Store, question: Example) -> list[dict[str, str]]:
    solutions = store.query(question.query, use_default_graph_as_union=True)
    variables = [v.value for v in solutions.variables]
    return [
        {name: row[name].value for name in variables if row[name] is not None} for row in solutions
    ]


def test_tabriz_sister_cities_with_wikidata_ids_and_agreement_dates(
    store: pyoxigraph.Store,
) -> None:
    rows = ask(store, QUESTIONS["tabriz-sister-cities"])
    partners = {r["partnerLabel"]: r for r in rows}
    assert sorted(partners) == [
        "Baku",
        "Erzurum",
        "Ganja",
        "Gaza City",
        "Istanbul",
        "Karbala",
        "Kazan",
        "Khujand",
        "Konya",
        "Mogilev",
        "Trabzon",
        "Wuhan",
    ]
    assert partners["Wuhan"]["wikidata"] == "http://www.wikidata.org/entity/Q11746"
    assert partners["Wuhan"]["jalali"] == "1395-03"  # Khordad 1395, a month: an interval
    assert partners["Wuhan"]["gregorian"] == "2016-05-21"
    assert partners["Gaza City"]["jalali"] == "1387"
    assert partners["Gaza City"]["gregorian"] == "2008-03-20"
    assert "jalali" not in partners["Istanbul"]  # the article gives no date
    assert partners["Istanbul"]["wikidata"] == "http://www.wikidata.org/entity/Q406"


def test_iranian_cities_in_unesco_creative_cities_and_since_when(store: pyoxigraph.Store) -> None:
    rows = ask(store, QUESTIONS["creative-cities"])
    assert sorted((r["cityLabel"], r["gregorian"]) for r in rows) == [
        ("Isfahan", "2015-01-01"),
        ("Rasht", "2015-01-01"),
    ]


def test_who_spoke_at_the_2018_mashhad_meeting_in_what_role(store: pyoxigraph.Store) -> None:
    rows = ask(store, QUESTIONS["mashhad-2018-speakers"])
    roles = {r["personLabel"]: r.get("role") for r in rows}
    assert roles["Dariush Solat"] == "Advisor to the Ministry of Foreign Affairs"
    assert roles["Fatemeh Ghadimi"] == "Director of Communications and International Affairs"
    assert len(roles) == 5


def test_which_article_and_sentence_support_tabriz_wuhan(store: pyoxigraph.Store) -> None:
    rows = ask(store, QUESTIONS["tabriz-wuhan-source"])
    assert rows == [
        {
            "article": f"{BASE}id/article/004_aa1ce6595c509616",
            "title": "Sister-cityhood: the transition to city diplomacy",
            "published": "2021-02-13",
            "quotation": "ووهان چین، آخرین شهری است که تفاهم نامه دوستی و همکاری با آن در خرداد"
            " ۱۳۹۵ منعقد شده است.",
        }
    ]


def test_every_question_is_offered_in_both_languages() -> None:
    for question in QUESTIONS.values():
        assert set(question.title) == {"en", "fa"}


def test_no_city_lacks_coordinates(store: pyoxigraph.Store) -> None:
    assert ask(store, QUESTIONS["cities-without-coordinates"]) == []
    # ... and the question is not empty by construction: every city has a point and a source
    rows = store.query(
        """PREFIX cd: <http://localhost:5000/ontology#>
        PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
        PREFIX geosparql: <http://www.opengis.net/ont/geosparql#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?city ?source WHERE { ?city a cd:City ; geo:lat ?lat ; geo:long ?long ;
          geosparql:hasGeometry/dcterms:source ?source }""",
        use_default_graph_as_union=True,
    )
    sources = {row["city"].value: row["source"].value for row in rows}
    assert len(sources) == 18
    assert sources["http://localhost:5000/id/city/tabriz"] == "https://sws.geonames.org/113646/"


def test_the_question_finds_a_city_without_coordinates() -> None:
    store = pyoxigraph.Store()
    store.load(
        b"<http://x/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://localhost:5000/ontology#City> .",
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    rows = ask(store, QUESTIONS["cities-without-coordinates"])
    assert rows == [{"city": "http://x/c"}]


def test_what_rasht_proposed_to_whom_and_when(store: pyoxigraph.Store) -> None:
    rows = ask(store, QUESTIONS["rasht-proposals"])
    network = [r for r in rows if r["proposal"].endswith("/rasht-iranian-creative-cities-network")]
    assert sorted(r["addressee"] for r in network) == [
        "Iranian National Commission for UNESCO",
        "Ministry of Interior of Iran",
        "UNESCO Regional Office",
    ]
    assert {(r["proposerLabel"], r["jalali"], r["gregorian"]) for r in network} == {
        ("Rasht", "1396-02", "2017-04-21")  # Ordibehesht 1396, a month: its first day
    }
    assert network[0]["quotation"].startswith("پیشنهادی اردیبهشت ماه سال گذشته از سوی رشت")
    # Her proposals at the Mashhad meeting count too: she speaks for Rasht's municipality.
    at_meeting = [r for r in rows if r.get("meeting", "").startswith("Meeting on the capacities")]
    assert {r["proposerLabel"] for r in at_meeting} == {"Fatemeh Ghadimi"}


def test_which_events_led_to_mayors_for_peace(store: pyoxigraph.Store) -> None:
    rows = ask(store, QUESTIONS["events-to-mayors-for-peace"])
    events = {r["event"].rsplit("/", 1)[1]: r for r in rows}
    assert sorted(events) == [
        "hiroshima-mayor-proposal-at-un-1982",
        "international-city-organisations-emerge",
        "mayors-welcome-hiroshima-programme",
    ]
    proposal = events["hiroshima-mayor-proposal-at-un-1982"]
    assert proposal["gregorian"] == "1982-01-01"  # the year 1982: an interval from its first day
    assert "chemical weapons" in proposal["note"] and "nuclear weapons" in proposal["note"]
