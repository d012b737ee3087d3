"""Blueprint: the maps. `/map.geojson` (the whole twinning network, or `?city=` one city and
its partners) and what the pages' map partial (`templates/_map.html`, `static/map.js`) needs.

The data is `citydip_ld.stores.geography`, read once per store (`context.get_geography`); the
whole network's GeoJSON is serialised (and gzipped: sent so to clients that accept it) once
too (`context.get_network_geojson`). Answers are
`application/geo+json` (RFC 7946) with CORS `*` like the documents, an `ETag`, and one extra
member: `city`, the IRI of the city a `?city=` map is about (a city's point comes first).
`city` is a city's slug (`tabriz`) or IRI; one the dataset does not have is 404, a malformed
one 400. `top=N` (1 to HOME_CITIES) keeps the N most twinned cities and the twinnings among
them (member `limited`: `{"cities": N, "of": all}`): the home map draws the whole network up
to HOME_CITIES cities (world scale S), the most twinned beyond.

The pages draw the map with Leaflet over Natural Earth country outlines (world-atlas), all
served by us (`web/vendor.py`); `MAP_TILES` (a tile URL template) and
`MAP_TILES_ATTRIBUTION` draw an operator's tile server instead, and widen the page policy's
`img-src` by that server's origin alone (`web/security_headers.py`). Without the browser
libraries installed, pages carry no map at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from citydip_ld.stores.geography import Geography, Place, to_geojson_bytes
from citydip_ld.web.context import NetworkGeoJSON, get_geography, get_network_geojson
from citydip_ld.web.pages import dataset_base, lang_from_query, request_href, ui_lang
from citydip_ld.web.templating import library_url
from citydip_ld.web.view import Href

bp = Blueprint("maps", __name__)

MEDIA_TYPE = "application/geo+json"
#: Longest `city=` value (a slug or an IRI).
MAX_CITY = 2048
#: Cities listed beside the whole network's map (the most twinned first); the rest are on
#: the city list.
LISTED = 50
#: The most cities the home page's map draws (more: the most twinned, `?top=`); about 17 MB
#: of GeoJSON (2 MB gzipped). World scale S (12,596) is drawn whole, M (125,960) is not.
HOME_CITIES = 15_000
#: The outlines drawn under a city's map (world-atlas: Natural Earth 1:50m country outlines,
#: 0.75 MB) and under the whole network's (1:110m, 0.1 MB: the world at a glance).
CITY_OUTLINES = "countries-50m.json"
WORLD_OUTLINES = "countries-110m.json"


def site_href(iri: str) -> str:
    """A dataset IRI as a link on this site without `?lang=` (the map adds the page's)."""
    base = dataset_base()
    return f"{request.script_root}/{iri[len(base) :]}" if iri.startswith(base) else iri


def _etagged(body: bytes, etag: str | None = None, *, gzipped: bool = False) -> BaseResponse:
    response = Response(body, mimetype=MEDIA_TYPE)
    response.set_etag(etag or hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response.make_conditional(request)


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


def network_geojson() -> NetworkGeoJSON:
    """The home map's GeoJSON for this request's site root (made once, then kept): the whole
    network, or its HOME_CITIES most twinned cities when it has more."""
    base = dataset_base()
    located = len(get_geography(base).located)
    top = HOME_CITIES if located > HOME_CITIES else None
    return get_network_geojson(base, request.script_root, site_href, top)


def _top() -> int | None:
    raw = request.args.get("top")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= HOME_CITIES:
        abort(400, description=f"`top` must be a whole number from 1 to {HOME_CITIES}.")
    return int(raw)


@bp.get("/map.geojson")
def geojson() -> BaseResponse:
    """The twinning network as GeoJSON: every located city and the twinnings between them,
    or (`?city=`) one city, its partners and its twinnings."""
    base = dataset_base()
    name, top = request.args.get("city"), _top()
    if name is not None and top is not None:
        abort(400, description="`city` and `top` do not go together.")
    if top is not None and top < min(HOME_CITIES, len(get_geography(base).located)):
        return _etagged(to_geojson_bytes(get_geography(base).network(site_href, top)))
    if name is None:
        if top is None:  # the whole network, whatever its size
            network = get_network_geojson(base, request.script_root, site_href)
        else:  # the home map's
            network = network_geojson()
        if request.accept_encodings.quality("gzip") > 0:  # 14 MB are 1.7 MB gzipped at S
            response = _etagged(network.gzipped, f"{network.etag}-gzip", gzipped=True)
        else:
            response = _etagged(network.body, network.etag)
        response.vary.add("Accept-Encoding")
        return response
    name = name.strip()
    if not name or len(name) > MAX_CITY or any(c.isspace() or c in '<>"{}|\\^`' for c in name):
        abort(400, description="`city` must be a city's slug (e.g. tabriz) or its IRI.")
    geography = get_geography(base)
    iri = geography.city_iri(name)
    if iri is None:
        abort(404, description=f"This dataset has no city {name[:200]!r}.")
    return _etagged(to_geojson_bytes(geography.around(iri, site_href)))


@dataclass(frozen=True)
class ListedCity:
    """A city in the list beside a map: a keyboard's (and a screen reader's) way to the same
    places as the points."""

    iri: str
    href: str
    label: str
    lang: str
    partners: int
    focus: bool = False


@dataclass(frozen=True)
class MapView:
    """What `templates/_map.html` needs to show one map."""

    geojson: str
    leaflet_js: str
    leaflet_css: str
    topojson: str
    outlines: str
    tiles: str | None
    tiles_attribution: str
    city: Place | None
    cities: int
    twinnings: int
    listed: list[ListedCity]
    more: bool
    shown: int  # cities drawn: all located, or the HOME_CITIES most twinned
    link_suffix: str


def _label(place: Place, lang: str) -> tuple[str, str]:
    for choice in (lang, "en", "fa"):
        if choice in place.labels:
            return place.labels[choice], choice
    return place.iri.rsplit("/", 1)[-1], "en"


def _listed(place: Place, lang: str, href: Href, focus: bool = False) -> ListedCity:
    label, label_lang = _label(place, lang)
    return ListedCity(place.iri, href(place.iri), label, label_lang, len(place.partners), focus)


def _figures(geography: Geography, iri: str | None) -> tuple[list[Place], int] | None:
    """The located cities a map shows (its city first) and how many twinnings it draws; None
    when it would show nothing."""
    if iri is None:
        located = geography.located
        return (located, geography.lines) if located else None
    place = geography.places.get(iri)
    if place is None or not place.located:
        return None
    partners = [geography.places[p] for p in sorted(place.partners) if p in geography.places]
    located = [place, *(p for p in partners if p.located)]
    lines = sum(1 for p in partners if p.located)
    return located, lines


def map_view(iri: str | None = None) -> MapView | None:
    """The map of city `iri` and its partners, or of the whole network (None); None when
    there is nothing to draw or the browser libraries are not installed."""
    scripts = (
        library_url("leaflet", "dist/leaflet.js"),
        library_url("leaflet", "dist/leaflet.css"),
        library_url("topojson-client", "dist/topojson-client.min.js"),
        library_url("world-atlas", CITY_OUTLINES if iri else WORLD_OUTLINES),
    )
    if any(url is None for url in scripts):
        return None
    geography = get_geography(dataset_base())
    figures = _figures(geography, iri)
    if figures is None:
        return None
    located, lines = figures
    lang = ui_lang()
    city = geography.places[iri] if iri else None
    href = request_href()
    if city is None:
        listed = [_listed(p, lang, href) for p in geography.most_twinned[:LISTED]]
    else:
        listed = [_listed(p, lang, href, p is city) for p in located]
    limited = city is None and len(located) > HOME_CITIES
    if city is not None:
        query = f"?city={iri.rsplit('/', 1)[-1]}" if iri else ""
    else:
        query = f"?top={HOME_CITIES}" if limited else ""
    js, css, topojson, outlines = (str(url) for url in scripts)
    return MapView(
        geojson=f"{request.script_root}/map.geojson{query}",
        leaflet_js=js,
        leaflet_css=css,
        topojson=topojson,
        outlines=outlines,
        tiles=current_app.config.get("MAP_TILES") or None,
        tiles_attribution=str(current_app.config.get("MAP_TILES_ATTRIBUTION") or ""),
        city=city,
        cities=len(located),
        twinnings=lines,
        listed=listed,
        more=city is None and len(located) > LISTED,
        shown=HOME_CITIES if limited else len(located),
        link_suffix=f"?lang={lang}" if lang_from_query() else "",
    )


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"map_view": map_view}
