"""The timeline of dated facts: every dated fact read from the store (embedded, store folder,
remote) with its date as written and the Gregorian days it covers, `/timeline.json` filtered
by city and kind with clear 4xx for a client's mistakes, and the list on the home page and a
city's page (without JavaScript, filterable by a plain form)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from citydip_ld.curation.dates import parse_calendar_date
from citydip_ld.stores.publish import publish_dataset
from citydip_ld.stores.remote import RemoteSparqlStore
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.stores.timeline import Timeline, TimelineFact, read_timeline
from citydip_ld.web import create_app
from citydip_ld.web.timeline import date_texts, named_date
from helpers import run_cli
from remote_support import oxigraph_store

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"
GAZA = f"{BASE}id/twinning/tabriz-gaza"
WUHAN = f"{BASE}id/twinning/tabriz-wuhan"
LRI, PDI = "\u2066", "\u2069"


@pytest.fixture(scope="module")
def timeline(dataset_dir: Path) -> Timeline:
    return read_timeline(OxigraphStore.from_dataset_dir(dataset_dir, workers=0), BASE)


def by_iri(timeline: Timeline) -> dict[str, TimelineFact]:
    return {fact.iri: fact for fact in timeline.facts}


def test_the_gaza_and_wuhan_agreements_span_their_jalali_year_and_month(
    timeline: Timeline,
) -> None:
    gaza, wuhan = (by_iri(timeline)[iri] for iri in (GAZA, WUHAN))
    assert (gaza.calendar, gaza.written, gaza.precision) == ("jalali", "1387", "year")
    assert (gaza.start, gaza.end, gaza.is_range) == ("2008-03-20", "2009-03-20", True)
    assert (wuhan.written, wuhan.precision, wuhan.printed) == ("1395-03", "month", "خرداد ۱۳۹۵")
    assert (wuhan.start, wuhan.end) == ("2016-05-21", "2016-06-20")
    # The same days as the curation's own calendar arithmetic gives.
    for fact in (gaza, wuhan):
        date = parse_calendar_date(fact.written, "jalali")
        assert (fact.start, fact.end) == (
            date.first_day.isoformat(),
            date.last_day.isoformat(),
        )
    assert gaza.cities == (f"{BASE}id/city/gaza", TABRIZ)
    assert gaza.article == wuhan.article == f"{BASE}id/article/004_aa1ce6595c509616"
    assert gaza.labels == {"en": "Tabriz – Gaza City", "fa": "تبریز – غزه"}


def test_every_dated_fact_and_no_article_is_on_the_timeline(timeline: Timeline) -> None:
    kinds = [fact.kind for fact in timeline.facts]
    assert set(kinds) == {"twinning", "membership", "meeting", "event", "proposal", "statistic"}
    assert "article" not in kinds
    assert len(timeline.facts) == 12
    starts = [fact.start or fact.end for fact in timeline.facts]
    assert starts == sorted(starts)
    # A day is a point; a date known only from above has a last day and no first.
    meeting = by_iri(timeline)[f"{BASE}id/meeting/mashhad-city-diplomacy-meeting-1397"]
    assert (meeting.start, meeting.end, meeting.on_or_before) == (None, "2018-05-25", True)
    assert not meeting.is_range
    statistic = by_iri(timeline)[f"{BASE}id/statistic/world-sister-cities"]
    assert (statistic.start, statistic.end, statistic.is_range) == (
        "2021-02-13",
        "2021-02-13",
        False,
    )
    # Gregorian-written dates keep their calendar.
    event = by_iri(timeline)[f"{BASE}id/event/hiroshima-mayor-proposal-at-un-1982"]
    assert (event.calendar, event.written, event.start, event.end) == (
        "gregorian",
        "1982",
        "1982-01-01",
        "1982-12-31",
    )


def test_filters_by_city_and_kind(timeline: Timeline) -> None:
    assert [f.iri for f in timeline.select(city=TABRIZ)] == [GAZA, WUHAN]
    assert [f.iri for f in timeline.select(kind="twinning")] == [GAZA, WUHAN]
    assert timeline.select(city=TABRIZ, kind="meeting") == []
    rasht = timeline.select(city=f"{BASE}id/city/rasht")
    assert {f.kind for f in rasht} == {"membership", "proposal"}
    assert f"{BASE}id/city/kazan" in timeline.city_labels  # a city without dated facts
    assert timeline.select(city=f"{BASE}id/city/kazan") == []


def test_a_store_folder_and_a_remote_store_give_the_same_timeline(
    timeline: Timeline, dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    code, output = run_cli(
        "--base", BASE, "publish", "--dataset", str(dataset_dir), "--to", str(folder)
    )
    assert code == 0, output
    app = create_app({"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0})
    answer = app.test_client().get("/timeline.json")
    assert [f["iri"] for f in answer.json["facts"]] == [f.iri for f in timeline.facts]
    with oxigraph_store(tmp_path / "oxigraph") as url:
        publish_dataset(dataset_dir, url)
        remote = read_timeline(RemoteSparqlStore(f"{url}/query"), BASE)
    assert remote == timeline


def test_dates_are_written_for_readers_in_both_languages(timeline: Timeline) -> None:
    wuhan = by_iri(timeline)[WUHAN]
    assert date_texts(wuhan, "en") == {
        "written": "Jalali 1395-03 (Khordad 1395)",
        "gregorian": "2016-05-21 to 2016-06-20",
        "jalali": None,
        "printed": "خرداد ۱۳۹۵",
    }
    persian = date_texts(wuhan, "fa")
    # Persian digits, each date kept left to right in an isolate (else `۰۳-۱۳۹۵`).
    assert persian["written"] == f"خورشیدی {LRI}۱۳۹۵-۰۳{PDI} (خرداد ۱۳۹۵)"
    assert persian["gregorian"] == f"{LRI}۲۰۱۶-۰۵-۲۱{PDI} تا {LRI}۲۰۱۶-۰۶-۲۰{PDI}"
    meeting = by_iri(timeline)[f"{BASE}id/meeting/mashhad-city-diplomacy-meeting-1397"]
    assert date_texts(meeting, "en")["gregorian"] == "on or before 2018-05-25"
    event = by_iri(timeline)[f"{BASE}id/event/hiroshima-mayor-proposal-at-un-1982"]
    assert date_texts(event, "en")["jalali"] == "1360-10-11 to 1361-10-10"
    assert named_date("1397-03-04", "jalali", "en") == "4 Khordad 1397"
    assert named_date("1396-02", "jalali", "fa") == "اردیبهشت ۱۳۹۶"


def test_the_json_filters_and_describes_each_fact(client: FlaskClient) -> None:
    answer = client.get("/timeline.json?city=tabriz")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    body = answer.json
    assert (body["city"], body["kind"], body["total"]) == (TABRIZ, None, 2)
    assert body["kinds"] == {"twinning": {"en": "Twinnings", "fa": "خواهرخواندگی‌ها"}}
    gaza, wuhan = body["facts"]
    assert (gaza["iri"], gaza["jalali"], gaza["gregorian"]) == (GAZA, "1387", None)
    assert (gaza["start"], gaza["end"], gaza["range"]) == ("2008-03-20", "2009-03-20", True)
    assert wuhan["href"] == "/id/twinning/tabriz-wuhan"
    assert wuhan["cityLabels"][TABRIZ] == {"en": "Tabriz", "fa": "تبریز"}
    years = {y["year"]: y["start"] for y in body["jalaliYears"]}
    assert years[1387] == "2008-03-20" and years[1395] == "2016-03-20"
    assert client.get("/timeline.json?kind=twinning&lang=fa").json["facts"][0]["href"] == (
        "/id/twinning/tabriz-gaza?lang=fa"
    )
    assert client.get("/timeline.json?kind=city").json["facts"] == []
    assert client.get("/timeline.json").json["total"] == 12


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("kind=planet", 400, "`kind` must be one of"),
        ("city=nowhere", 404, "no city `nowhere`"),
        ("city=../etc", 400, "`city` must be a city's slug"),
        ("city=%0Atabriz", 400, "`city` must be a city's slug"),
    ],
)
def test_a_client_mistake_is_a_clear_4xx(
    client: FlaskClient, query: str, status: int, detail: str
) -> None:
    answer = client.get(f"/timeline.json?{query}")
    assert answer.status_code == status
    assert detail in answer.json["error"]["detail"]


def visible_rows(page: str) -> int:
    """The list items of the timeline not marked `hidden`."""
    return len(re.findall(r'<li class="timeline-row[^>]* data-kind="[a-z]+">', page))


def test_the_home_page_lists_every_dated_fact_and_filters_without_javascript(
    client: FlaskClient,
) -> None:
    page = client.get("/").text
    assert page.count('<li class="timeline-row') == 12
    assert 'data-json="/timeline.json"' in page
    assert '<label for="timeline-kind">Kind of fact</label>' in page
    assert '<label for="timeline-city">City</label>' in page
    assert "Jalali 1395-03 (Khordad 1395)" in page
    filtered = client.get("/?timeline-kind=twinning").text
    # The others are listed hidden, for the script to show when the choice is widened.
    assert filtered.count('<li class="timeline-row') == 12
    assert visible_rows(filtered) == 2
    assert '<option value="twinning" selected>' in filtered
    assert visible_rows(client.get("/?timeline-city=rasht").text) == 2
    assert visible_rows(client.get("/?timeline-city=rasht&timeline-kind=proposal").text) == 1
    # Unknown choices show everything rather than an error on the home page.
    assert client.get("/?timeline-kind=planet").text.count('<li class="timeline-row') == 12


def test_a_city_page_lists_that_citys_dated_facts(client: FlaskClient) -> None:
    page = client.get("/doc/city/tabriz?lang=fa").text
    assert page.count('<li class="timeline-row') == 2
    assert 'data-json="/timeline.json?city=tabriz&amp;lang=fa"' in page
    assert f"خورشیدی {LRI}۱۳۹۵-۰۳{PDI} (خرداد ۱۳۹۵)" in page
    assert 'id="timeline-city"' not in page  # the page is the city
    # A city without dated facts has no timeline section.
    assert 'class="timeline"' not in client.get("/doc/city/kazan").text
    # Nor has any other kind of page.
    assert 'class="timeline"' not in client.get("/doc/twinning/tabriz-wuhan").text


def test_the_json_gives_the_earliest_facts_up_to_its_limit(client: FlaskClient) -> None:
    body = client.get("/timeline.json?limit=3").json
    assert (body["total"], len(body["facts"]), body["truncated"]) == (12, 3, True)
    assert body["facts"][0]["iri"] == f"{BASE}id/event/hiroshima-mayor-proposal-at-un-1982"
    assert client.get("/timeline.json").json["truncated"] is False
    for bad in ("0", "abc", "5001", "٣"):
        answer = client.get(f"/timeline.json?limit={bad}")
        assert answer.status_code == 400
        assert "`limit` must be a whole number from 1 to 5000" in answer.json["error"]["detail"]


def test_a_page_lists_a_bounded_number_of_facts_and_cities(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At world scale a page would otherwise list thousands of facts and cities: it lists the
    earliest LISTED and offers the CITY_OPTIONS cities with the most dated facts."""
    from citydip_ld.web import timeline as view

    monkeypatch.setattr(view, "LISTED", 3)
    monkeypatch.setattr(view, "CITY_OPTIONS", 3)
    page = client.get("/").text
    assert page.count('<li class="timeline-row') == 3
    assert "12 of 12 dated facts" in page
    assert "Listed here: the earliest 3. Choose a kind or a city to see the others." in page
    # Hiroshima, Rasht and Tabriz have two dated facts each, every other city one.
    offered = re.findall(r'<option value="([a-z]+)">', page.split('id="timeline-city"')[1])
    assert offered[:3] == ["hiroshima", "rasht", "tabriz"]
    assert "gaza" not in offered
