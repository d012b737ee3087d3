"""Blueprint: the timeline of dated facts, as `/timeline.json` and as a page section.

The facts come from `citydip_ld.stores.timeline` (read once per store,
`context.get_timeline`); this module filters them and writes their dates for readers: the date
as the article wrote it (Jalali or Gregorian, with the Jalali month named) and the Gregorian
days it covers. `timeline_view()` (a template global) gives `templates/_timeline.html` what it
lists: on the home page every dated fact, on a city's page that city's; `static/timeline.js`
draws them (a range for a year or a month, a point for a day) from `/timeline.json`.

`/timeline.json?city=SLUG&kind=KIND`: the dated facts naming that city and of that kind (both
optional), earliest first, with both languages' texts (Persian dates wrapped in Unicode
isolates, see `date_token`); an unknown kind is 400, a city the dataset does not have 404;
`limit=` (1 to MAX_DRAWN, default DRAWN) how many of the earliest to give, `total` saying
how many match; `lang=` only makes the facts' `href`s keep it, as the page's links do. A page
lists at most LISTED facts and its city filter offers the CITY_OPTIONS cities with the most.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jdatetime
from flask import Blueprint, Response, abort, request

from citydip_ld.curation.dates import JALALI_MONTHS_EN, JALALI_MONTHS_FA
from citydip_ld.iris import KINDS, entity_iri
from citydip_ld.stores.timeline import Timeline, TimelineFact
from citydip_ld.web.context import get_timeline
from citydip_ld.web.i18n import LANGUAGES, translate
from citydip_ld.web.pages import (
    dataset_base,
    lang_from_query,
    local_href,
    query_arg,
    request_href,
    ui_lang,
)
from citydip_ld.web.view import Href

bp = Blueprint("timeline", __name__)

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
#: What a city slug may hold in `?city=` (anything else cannot name a city of the dataset).
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")
#: The no-JavaScript filter form's parameters on the pages that include the timeline.
KIND_PARAMETER = "timeline-kind"
CITY_PARAMETER = "timeline-city"
#: Facts a page lists (the earliest; at world scale S the store holds some 6,600 dated facts).
LISTED = 200
#: Facts `/timeline.json` gives unless `limit=` says otherwise, and the most it may ask for.
DRAWN = 500
MAX_DRAWN = 5000
#: Cities the home page's city filter offers: those with the most dated facts.
CITY_OPTIONS = 100


def digits(text: str, lang: str) -> str:
    """`text` with Persian digits on Persian pages."""
    return text.translate(_PERSIAN_DIGITS) if lang == "fa" else text


def date_token(text: str, lang: str) -> str:
    """A date such as `1395-03` or `2016-05-21` for a page in `lang`: in Persian, its digits
    Persian and the whole kept left to right in a Unicode isolate (LRI ... PDI). Without it the
    bidirectional algorithm reads Persian digits after Persian words as Arabic numbers, and
    the hyphen between them splits `۱۳۹۵-۰۳` into `۰۳-۱۳۹۵`."""
    shown = digits(text, lang)
    return f"\u2066{shown}\u2069" if lang == "fa" and "-" in text else shown


def named_date(written: str, calendar: str, lang: str) -> str:
    """`1395-03` as `Khordad 1395` (en) or `خرداد ۱۳۹۵` (fa); a year stays a year; a
    Gregorian date is written `YYYY-MM-DD` as it is."""
    parts = [int(part) for part in written.split("-")]
    if calendar != "jalali" or len(parts) == 1:
        return digits(written, lang)
    months = JALALI_MONTHS_FA if lang == "fa" else JALALI_MONTHS_EN
    words = [str(parts[2])] if len(parts) == 3 else []
    words += [months[parts[1] - 1], str(parts[0])]
    return digits(" ".join(words), lang)


def gregorian_span(fact: TimelineFact, lang: str) -> str:
    """The Gregorian days the date covers: `2016-05-21 – 2016-06-20`, one day, or "on or
    before" its last day."""
    if fact.start is None:
        return f"{translate('timeline_on_or_before', lang)} {date_token(fact.end, lang)}"
    if fact.start == fact.end:
        return date_token(fact.end, lang)
    joiner = f" {translate('timeline_to', lang)} "
    return date_token(fact.start, lang) + joiner + date_token(fact.end, lang)


def jalali_span(fact: TimelineFact, lang: str) -> str | None:
    """A Gregorian-written date's Jalali days (the article gave none)."""
    if fact.calendar == "jalali":
        return None

    def one(day: str) -> str:
        return str(jdatetime.date.fromgregorian(date=dt.date.fromisoformat(day)))

    first = one(fact.start) if fact.start else None
    last = one(fact.end)
    if first is None or first == last:
        return date_token(last, lang)
    joiner = f" {translate('timeline_to', lang)} "
    return date_token(first, lang) + joiner + date_token(last, lang)


def date_texts(fact: TimelineFact, lang: str) -> dict[str, str | None]:
    """The texts a reader sees for the fact's date in `lang`: `written` (the calendar and the
    date as written, its month named), `gregorian` (the days it covers), `jalali` (for a
    Gregorian-written date, the same days in the Jalali calendar), `printed` (the article's
    words)."""
    calendar = translate(f"timeline_calendar_{fact.calendar}", lang)
    named = named_date(fact.written, fact.calendar, lang)
    same = named == digits(fact.written, lang)
    written = date_token(fact.written, lang)
    shown = written if same else f"{written} ({named})"
    return {
        "written": f"{calendar} {shown}",
        "gregorian": gregorian_span(fact, lang),
        "jalali": jalali_span(fact, lang),
        "printed": fact.printed,
    }


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class Row:
    """One dated fact as the page lists it."""

    fact: TimelineFact
    href: str
    label: str
    other_label: str | None
    kind_label: str
    texts: dict[str, str | None]
    cities: list[str]
    hidden: bool  # not of the kind and city chosen (listed so the script can show it again)


@dataclass(frozen=True)
class TimelineView:
    """What `_timeline.html` shows: the rows, the filter options and the JSON's URL."""

    rows: list[Row]
    total: int  # the page's dated facts (every one, or the city's)
    matching: int  # those of the chosen kind and city
    kinds: list[Option]
    cities: list[Option]
    city: str | None  # the page's city (a city page), whose facts only are shown
    json_url: str
    kind_parameter: str = KIND_PARAMETER
    city_parameter: str = CITY_PARAMETER


def _label(labels: dict[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get("en") or labels.get("") or next(iter(labels.values()), "")


def _city_slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _row(
    fact: TimelineFact, timeline: Timeline, lang: str, href: Href, hidden: bool = False
) -> Row:
    label = _label(fact.labels, lang)
    other = next((fact.labels[o] for o in LANGUAGES if o != lang and o in fact.labels), None)
    return Row(
        fact=fact,
        href=href(fact.iri),
        label=label,
        other_label=other if other != label else None,
        kind_label=translate(f"kind.{fact.kind}", lang),
        texts=date_texts(fact, lang),
        cities=[_label(timeline.city_labels.get(c, {}), lang) or c for c in fact.cities],
        hidden=hidden,
    )


def _rows(shown: list[TimelineFact], scope: list[TimelineFact], timeline: Timeline) -> list[Row]:
    """The earliest LISTED facts shown, and, when the form chose a kind or a city, the others
    among the page's earliest LISTED, hidden: the script shows them again when the reader
    widens the choice (the list then matches the drawing)."""
    lang, href = ui_lang(), request_href()
    listed = shown[:LISTED]
    chosen = {fact.iri for fact in listed}
    if len(shown) == len(scope):
        return [_row(fact, timeline, lang, href) for fact in listed]
    others = [fact for fact in scope[:LISTED] if fact.iri not in chosen]
    merged = sorted([*listed, *others], key=lambda f: (f.start or f.end, f.end, f.iri))
    return [_row(fact, timeline, lang, href, hidden=fact.iri not in chosen) for fact in merged]


def timeline_view(city: str | None = None) -> TimelineView:
    """The timeline section of a page: every dated fact, or those naming `city` (an IRI), and
    the kind (and, without a city, city) chosen in the page's filter form (no JavaScript)."""
    lang = ui_lang()
    timeline = get_timeline(dataset_base())
    scope = timeline.select(city=city)
    scope_kinds = timeline.kinds if city is None else frozenset(f.kind for f in scope)
    asked_kind = query_arg(KIND_PARAMETER) or None
    kind = asked_kind if asked_kind in scope_kinds else None
    cities = _city_options(timeline) if city is None else []
    asked_city = query_arg(CITY_PARAMETER) or None
    chosen_city = None
    if city is None and asked_city in {_city_slug(c) for c in cities}:
        chosen_city = str(entity_iri(dataset_base(), "city", str(asked_city)))
    shown = timeline.select(city=city or chosen_city, kind=kind)
    query = {"city": _city_slug(city)} if city else {}
    if lang_from_query():  # the facts' links then keep `?lang=` too
        query["lang"] = lang
    kinds = sorted(scope_kinds, key=KINDS.index)
    options = [
        Option(_city_slug(c), _label(timeline.city_labels.get(c, {}), lang), c == chosen_city)
        for c in cities
    ]
    return TimelineView(
        rows=_rows(shown, scope, timeline),
        total=len(scope),
        matching=len(shown),
        kinds=[Option(k, translate(f"kind.{k}", lang), k == kind) for k in kinds],
        cities=sorted(options, key=lambda o: o.label),
        city=city,
        json_url=f"{request.script_root}/timeline.json" + (f"?{urlencode(query)}" if query else ""),
    )


def _city_options(timeline: Timeline) -> list[str]:
    """The cities the home page's filter offers: at most CITY_OPTIONS, those with the most
    dated facts (a city's own page has its timeline in any case)."""
    return timeline.busiest_cities[:CITY_OPTIONS]


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"timeline_view": timeline_view}


def _fact_json(fact: TimelineFact, timeline: Timeline) -> dict[str, Any]:
    data = fact.to_json()
    data["href"] = local_href(fact.iri)
    data["kindLabels"] = {lang: translate(f"kind.{fact.kind}", lang) for lang in LANGUAGES}
    data["cityLabels"] = {c: timeline.city_labels.get(c, {}) for c in fact.cities}
    data["texts"] = {lang: date_texts(fact, lang) for lang in LANGUAGES}
    return data


def jalali_years(facts: list[TimelineFact]) -> list[dict[str, Any]]:
    """The Jalali years the facts span (one before and after), each with its Gregorian first
    day (1 Farvardin), so a drawing can mark them exactly."""
    if not facts:
        return []
    first = min(f.start or f.end for f in facts)
    last = max(f.end for f in facts)
    low = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(first)).year - 1
    high = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(last)).year + 1
    return [
        {"year": year, "start": jdatetime.date(year, 1, 1).togregorian().isoformat()}
        for year in range(low, high + 1)
    ]


def _asked_city(timeline: Timeline) -> str | None:
    slug = request.args.get("city")
    if slug is None or slug == "":
        return None
    if not _SLUG.match(slug):
        abort(400, description="`city` must be a city's slug, as in /id/city/tabriz: city=tabriz.")
    iri = str(entity_iri(dataset_base(), "city", slug))
    if iri not in timeline.city_labels:
        abort(404, description=f"There is no city `{slug}` in this dataset (see /doc/city/).")
    return iri


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DRAWN
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DRAWN:
        abort(400, description=f"`limit` must be a whole number from 1 to {MAX_DRAWN}.")
    return int(raw)


@bp.get("/timeline.json")
def timeline_json() -> Response:
    """The dated facts, filtered by `city` (a slug) and `kind` (an IRI segment), as JSON: the
    earliest `limit` of them (DRAWN unless asked), `total` how many match."""
    timeline = get_timeline(dataset_base())
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, description=f"`kind` must be one of: {', '.join(KINDS)}.")
    city = _asked_city(timeline)
    limit = _limit()
    facts = timeline.select(city=city, kind=kind)
    scope_kinds = (
        timeline.kinds if city is None else frozenset(f.kind for f in timeline.select(city=city))
    )
    drawn = facts[:limit]
    body = {
        "city": city,
        "kind": kind,
        "total": len(facts),
        "truncated": len(drawn) < len(facts),
        "kinds": {
            k: {lang: translate(f"kind.{k}", lang) for lang in LANGUAGES}
            for k in sorted(scope_kinds, key=KINDS.index)
        },
        "jalaliYears": jalali_years(drawn),
        "facts": [_fact_json(f, timeline) for f in drawn],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
