"""Blueprint: the twinning network view (`/network`) and its data (`/network.json`), and the
ego network on city pages (`templates/_network.html`, through `network_ego`).

The network is `citydip_ld.rdf.network`, read once per store (`context.get_network`): the
same definition as the `network.*` files `build` writes. Both routes take `city=` (a city's
slug: its ego network, the city, its partners and the twinnings among them) or `country=` (a
country's slug: its cities, their twinnings and the partners at the other end); neither gives
the whole network. A slug that is not one of the network's is 404, both at once 400.

Nodes are coloured by country: the `len(PALETTE)` countries with most cities in the whole
network get a colour each (the same whatever the filter), the others share `OTHER`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from citydip_ld.rdf.dumps import NETWORK_FILES, Dump, list_dumps
from citydip_ld.rdf.network import Country, Network, NetworkEdge, NetworkNode
from citydip_ld.web.context import get_network, get_network_json
from citydip_ld.web.pages import dataset_base, dataset_dir, ui_lang
from citydip_ld.web.templating import page_template

bp = Blueprint("network", __name__)

#: Node colours (Tableau 10 without its grey, and two more); nodes also get a dark border.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#17becf",
    "#8c6d31",
)
OTHER = "#c7c7c7"
#: Rows of the page's table of cities (the files have every city).
TABLE_ROWS = 1000
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_~.-]{0,199}$")


@dataclass(frozen=True)
class Selection:
    """What a request asks for: the whole network, one city's ego network or one country's."""

    network: Network
    city: str | None = None  # the slug asked for
    country: str | None = None

    @property
    def args(self) -> dict[str, str]:
        if self.city:
            return {"city": self.city}
        return {"country": self.country} if self.country else {}


def _slug(name: str) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not _SLUG.fullmatch(raw):
        abort(400, description=f"`{name}` must be a slug such as `tabriz` or `iran`.")
    return raw


def select() -> Selection:
    """The network the request's `city=` or `country=` asks for (400, 404 as above)."""
    base = dataset_base()
    whole = get_network(base)
    city, country = _slug("city"), _slug("country")
    if city and country:
        abort(400, description="Give `city` or `country`, not both.")
    if city:
        iri = f"{base}id/city/{city}"
        if whole.node(iri) is None:
            abort(404, description=f"No city {city!r} in the twinning network.")
        return Selection(whole.ego(iri), city=city)
    if country:
        iri = f"{base}id/country/{country}"
        if not any(c.iri == iri for c, _ in whole.countries()):
            abort(404, description=f"No country {country!r} in the twinning network.")
        return Selection(whole.for_country(iri), country=country)
    return Selection(whole)


def colours(network: Network) -> dict[str, str]:
    """Country IRI -> colour: the countries with most cities first (then by IRI)."""
    ranked = sorted(network.countries(), key=lambda item: (-item[1], item[0].iri))
    return {
        country.iri: PALETTE[index] if index < len(PALETTE) else OTHER
        for index, (country, _) in enumerate(ranked)
    }


def _labels(en: str, fa: str) -> dict[str, str]:
    return {"en": en, "fa": fa or en}


def _node_json(node: NetworkNode) -> dict[str, Any]:
    return {
        "id": node.iri,
        "label": _labels(node.label_en, node.label_fa),
        "country": node.country.iri if node.country else None,
        "lat": node.lat,
        "long": node.long,
        "partners": node.partners,
        "twinnings": node.twinnings,
    }


def _edge_json(edge: NetworkEdge) -> dict[str, Any]:
    return {
        "id": edge.iri,
        "source": edge.source,
        "target": edge.target,
        "label": _labels(edge.label_en, edge.label_fa),
        "kind": edge.kind,
        "date": {
            "written": edge.date_written,
            "calendar": edge.date_calendar,
            "printed": edge.date_printed,
            "firstDay": edge.date_first_day,
            "lastDay": edge.date_last_day,
            "onOrBefore": edge.date_on_or_before,
        },
        "articles": list(edge.articles),
    }


def _country_json(country: Country, cities: int, colour: str) -> dict[str, Any]:
    slug = country.iri.rsplit("/", 1)[-1]
    return {
        "id": country.iri,
        "slug": slug,
        "label": _labels(country.label_en, country.label_fa),
        "cities": cities,
        "colour": colour,
    }


def network_json(selection: Selection, whole: Network) -> dict[str, Any]:
    """The JSON of `/network.json`: nodes, edges, and every country of the whole network
    (for the filter and the legend) with its colour."""
    palette = colours(whole)
    network = selection.network
    return {
        "base": dataset_base(),
        "focus": network.focus,
        "country": f"{dataset_base()}id/country/{selection.country}" if selection.country else None,
        "nodes": [_node_json(node) for node in network.nodes],
        "edges": [_edge_json(edge) for edge in network.edges],
        "countries": [
            _country_json(country, cities, palette[country.iri])
            for country, cities in whole.countries()
        ],
        "other": OTHER,
    }


@bp.get("/network.json")
def network_data() -> Response:
    """The network (or a city's or country's part of it) as JSON, for the view and scripts."""
    selection = select()
    base = dataset_base()
    whole = get_network(base)

    def render(network: Network) -> bytes:
        data = network_json(Selection(network, selection.city, selection.country), whole)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    if selection.network is whole:
        body = get_network_json(base, render)  # the same for every visitor: kept
    else:
        body = render(selection.network)
    response = Response(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _files() -> list[Dump]:
    return [dump for dump in list_dumps(dataset_dir()) if dump.name in NETWORK_FILES]


@bp.get("/network")
def network_page() -> str:
    """The network view: a Cytoscape drawing, a country filter, a legend, and (with or
    without JavaScript) the table of cities with their partner counts and the files."""
    selection = select()
    whole = get_network(dataset_base())
    lang = ui_lang()
    rows = sorted(
        selection.network.nodes,
        key=lambda n: (-n.partners, n.label_fa if lang == "fa" else n.label_en, n.iri),
    )
    countries = sorted(
        whole.countries(), key=lambda item: item[0].label_fa if lang == "fa" else item[0].label_en
    )
    focus = whole.node(selection.network.focus) if selection.network.focus else None
    return render_template(
        page_template("network.html", ui_lang()),
        selection=selection,
        rows=rows[:TABLE_ROWS],
        more_rows=max(len(rows) - TABLE_ROWS, 0),
        countries=countries,
        focus=focus,
        files=_files(),
        lang=lang,
    )


@bp.app_context_processor
def _inject_network() -> dict[str, Any]:
    def network_ego(iri: str) -> Network | None:
        """The ego network of a city page's city (None: not a city of the network)."""
        whole = get_network(dataset_base())
        return whole.ego(iri) if whole.node(iri) is not None else None

    return {"network_ego": network_ego}
