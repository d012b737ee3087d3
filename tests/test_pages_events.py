"""The pages of events, proposals and programmes: each shows its quote and its date in Jalali
and Gregorian, in English and in Persian; a date the text bounds says "on or before"."""

from __future__ import annotations

from flask.testing import FlaskClient


def page(client: FlaskClient, path: str, lang: str) -> str:
    response = client.get(f"{path}?lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def fact_of(html: str, iri: str) -> str:
    fact = html[html.index(f'data-iri="http://localhost:5000/id/{iri}"') :]
    return fact[: fact.index("</li>")]


def test_a_proposal_page_shows_its_quote_and_both_calendars(client: FlaskClient) -> None:
    html = page(client, "/doc/proposal/rasht-iranian-creative-cities-network", "en")
    fact = fact_of(html, "proposal/rasht-iranian-creative-cities-network")
    assert '<blockquote class="quotation" lang="fa" dir="rtl"><bdi>پیشنهادی اردیبهشت' in fact
    assert "1396-02" in fact and "اردیبهشت ماه سال گذشته" in fact
    assert "2017-04-21 – 2017-05-21" in fact
    assert "Found an Iranian creative cities network" in html
    assert 'href="/id/organisation/unesco-regional-office?lang=en"' in html
    fa = fact_of(
        page(client, "/doc/proposal/rasht-iranian-creative-cities-network", "fa"),
        "proposal/rasht-iranian-creative-cities-network",
    )
    assert "۱۳۹۶-۰۲" in fa and "شمسی" in fa and "میلادی" in fa


def test_an_event_page_shows_its_date_quote_and_curators_note(client: FlaskClient) -> None:
    html = page(client, "/doc/event/hiroshima-mayor-proposal-at-un-1982", "en")
    fact = fact_of(html, "event/hiroshima-mayor-proposal-at-un-1982")
    assert "1982-01-01 – 1982-12-31" in fact
    assert "1360-10-11" in fact  # the Jalali days of the Gregorian year 1982
    assert "رجایی در سال 1982" in fact
    assert "curator&#39;s note" in html or "curator's note" in html
    assert "nuclear weapons" in html
    fa = page(client, "/doc/event/hiroshima-mayor-proposal-at-un-1982", "fa")
    assert "یادداشت ویراستار" in fa and "سلاح‌های هسته‌ای" in fa


def test_a_programme_page_shows_its_aims_in_both_languages(client: FlaskClient) -> None:
    html = page(client, "/doc/programme/tehran-council-city-diplomacy-roadmap", "en")
    assert "Make Tehran&#39;s capacities and capabilities known" in html or (
        "Make Tehran's capacities and capabilities known" in html
    )
    assert "شناساندن ظرفیت‌ها و توانمندی‌های تهران" in html
    fact = fact_of(html, "programme/tehran-council-city-diplomacy-roadmap")
    assert "تدوین یک نقشه راه برای دیپلماسی شهری" in fact


def test_a_meeting_known_only_by_its_page_date_says_on_or_before(client: FlaskClient) -> None:
    iri = "meeting/mashhad-city-diplomacy-meeting-1397"
    fact = fact_of(page(client, f"/doc/{iri}", "en"), iri)
    assert '<dt class="bound">on or before</dt>' in fact
    assert "2018-05-25" in fact and "1397-03-04" in fact
    fa = fact_of(page(client, f"/doc/{iri}", "fa"), iri)
    assert '<dt class="bound">در همان روز یا پیش از آن</dt>' in fa
