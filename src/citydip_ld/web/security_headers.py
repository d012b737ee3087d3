"""Security headers on every answer (SECURITY.md, "Security headers").

HTML pages may load only this site's own scripts, styles and images, post forms and send
`fetch` requests only to it, and be framed by no one: no inline script or style attribute is
allowed, so the templates keep theirs in `static/`. Every other answer (RDF, SPARQL results,
errors, dumps) gets a policy that allows nothing, in case a browser renders it. Every answer
gets `nosniff`, a referrer policy and `X-Frame-Options`. These are defaults: a route that sets
one of them itself keeps its own; one whose own policy lets any page frame it
(`frame-ancestors *`: the reconciliation preview, shown in OpenRefine's iframe) gets no
`X-Frame-Options`. CORS headers are not touched (documents keep `*`).

One page sets its own, narrowly wider policy: `/query` (web/query_editor.py). YASR, the
results view of the YASGUI editor, draws its table with a bundled column resizer that writes
two `<style>` elements into the page's head, with fixed text, whatever the configuration (no
option turns the resizer off). Without them the table loses its layout and every drawing is a
policy violation, so `/query`'s `style-src` names those two texts' sha256 hashes: exactly those
two stylesheets, not 'unsafe-inline' (style attributes in markup and any other `<style>` stay
blocked), and on that route only. When the operator turns the editor's remote lookups on,
that page's `connect-src` also names prefix.cc and Linked Open Vocabularies; by default it
connects to the site alone, like every page.

One setting widens the page policy, narrowly: with `MAP_TILES` (a tile server's URL template
for the maps, `web/maps.py`), `img-src` also allows that server's origin and `data:` images
(Leaflet's cancelled tiles), and nothing else (`https://{s}.tile.example.org/{z}/{x}/{y}.png`
allows `https://*.tile.example.org`).
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app


@cache
def html_policy(
    connect_src: tuple[str, ...] = (),
    style_src: tuple[str, ...] = (),
    img_src: tuple[str, ...] = (),
) -> str:
    """The policy of an HTML page: the site's own resources, plus the sources given (the
    `/query` page's editor, web/query_editor.py; a tile server, `page_policy`)."""

    def sources(extra: tuple[str, ...]) -> str:
        return " ".join(("'self'", *extra))

    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {sources(style_src)}",
            f"img-src {sources(img_src)}",
            f"connect-src {sources(connect_src)}",  # the query page sends its query to /sparql
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


#: The policy of every HTML page.
HTML_POLICY = html_policy()
#: The policy of every other answer: no content of its own, never framed.
NON_HTML_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: Sent with every answer.
COMMON_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    # Links to other sites (Wikidata, a homepage) send no referrer at all: a query page URL
    # carries the query text.
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),  # older browsers; others read frame-ancestors
)


#: A host as a tile URL template may write it: `{s}.` (Leaflet's subdomains) first, at most.
_TILE_HOST = re.compile(
    r"^(\{s\}\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$"
)


@cache
def tiles_origin(template: str) -> str:
    """The CSP source of a tile URL template's server: its scheme and host (and port), with
    Leaflet's `{s}` subdomain as `*`. Raises ValueError for anything but an http(s) URL
    whose host is spelled out (placeholders other than a leading `{s}.` are refused)."""
    try:
        parts = urlsplit(template)
    except ValueError as error:
        raise ValueError(f"MAP_TILES: {template!r} is not a URL ({error})") from None
    host = parts.netloc
    if parts.scheme not in ("http", "https") or "@" in host or not _TILE_HOST.match(host):
        raise ValueError(
            f"MAP_TILES: {template!r} is not an http(s) URL template with a plain host "
            "(e.g. https://tile.example.org/{z}/{x}/{y}.png)"
        )
    if not all(f"{{{name}}}" in parts.path + parts.query for name in "zxy"):
        raise ValueError(f"MAP_TILES: {template!r} needs {{z}}, {{x}} and {{y}}")
    return f"{parts.scheme}://{host.replace('{s}', '*')}".lower()


def page_policy(tiles: str | None) -> str:
    """The page policy, its `img-src` also allowing the tile server of `tiles` if set."""
    if not tiles:
        return HTML_POLICY
    # `data:` too: Leaflet cancels a tile's download by pointing the image at an empty
    # `data:` GIF (`Util.emptyImageUrl`, fixed in its source), which the policy would refuse
    # with an error on every zoom. An image cannot run script.
    return html_policy(img_src=(tiles_origin(tiles), "data:"))


def add_security_headers(response: Response) -> Response:
    """Set the security headers `response` does not already carry."""
    headers = response.headers
    framable = "frame-ancestors *" in headers.get("Content-Security-Policy", "")
    for name, value in COMMON_HEADERS:
        if not (framable and name == "X-Frame-Options"):
            headers.setdefault(name, value)
    if response.mimetype in HTML_TYPES:
        policy = page_policy(current_app.config.get("MAP_TILES") or None)
    else:
        policy = NON_HTML_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response of `app` (a bad `MAP_TILES` is refused
    here, when the app is made, with a ValueError saying what is wrong)."""
    page_policy(app.config.get("MAP_TILES") or None)
    app.after_request(add_security_headers)
