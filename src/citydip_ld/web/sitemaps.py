"""Blueprint: what crawlers read first, `/robots.txt` and the sitemaps of every resource page.

`/sitemap.xml` is a sitemap index (sitemaps.org protocol 0.9) naming one sitemap per
SITEMAP_SIZE resources of each kind that has any, `/sitemaps/<kind>-<n>.xml` (n from 1),
each listing the pages (`/doc/<kind>/<slug>`) of those resources in list order (the order
of the list pages, `context.get_listing`; a resource whose slug no page answers to is left
out), with the dataset's date as `lastmod`: so a search
engine or an archive finds every city and twinning without following links page by page, and
learns when the release changed. A sitemap beyond the last of its kind is 404.

`/robots.txt` names the sitemap index and keeps crawlers off what answers a query rather
than a resource (`/sparql`, `/search`, `/reconcile`): each of those URLs can be made in
endless variants, and a SPARQL query costs far more than a page.

URLs are absolute (the protocol asks it) and under the dataset's base (`--base`), where its
IRIs are dereferenced: never taken from the request's `Host`, which a client chooses and the
response cache does not key on (a `Host: evil.example` request must not leave a sitemap
pointing there for everyone after it). The XML is written by `urlset_xml` and
`sitemap_index_xml`, pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort

from citydip_ld.iris import KINDS
from citydip_ld.web.context import get_listing
from citydip_ld.web.pages import dataset_base
from citydip_ld.web.resources import SLUG, last_modified

bp = Blueprint("sitemaps", __name__)

#: URLs in one sitemap: the protocol's most (50,000 URLs and 50 MB; ours are far shorter).
SITEMAP_SIZE = 50_000
#: Paths whose URLs answer a query, kept from crawlers.
DISALLOWED = ("/sparql", "/search", "/reconcile")
_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_SITEMAP_NAME = re.compile(r"^([a-z]+)-([1-9][0-9]{0,8})\.xml$")


def urlset_xml(urls: Iterable[str], lastmod: str | None = None) -> bytes:
    """A sitemap (`<urlset>`) of `urls`, each with `lastmod` (W3C datetime) if given."""
    when = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = [f"<url><loc>{escape(url)}</loc>{when}</url>\n" for url in urls]
    return f'{_XML}<urlset xmlns="{_NAMESPACE}">\n{"".join(lines)}</urlset>\n'.encode()


def sitemap_index_xml(sitemaps: Iterable[str], lastmod: str | None = None) -> bytes:
    """A sitemap index (`<sitemapindex>`) of the sitemaps at `sitemaps`."""
    when = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    lines = [f"<sitemap><loc>{escape(url)}</loc>{when}</sitemap>\n" for url in sitemaps]
    return f'{_XML}<sitemapindex xmlns="{_NAMESPACE}">\n{"".join(lines)}</sitemapindex>\n'.encode()


def robots_txt(base: str) -> str:
    """`/robots.txt` of the site at `base` (its URL, ending in `/`; its path the mount point)."""
    mount = urlsplit(base).path.rstrip("/")
    disallowed = "".join(f"Disallow: {mount}{item}\n" for item in DISALLOWED)
    return f"User-agent: *\n{disallowed}\nSitemap: {base}sitemap.xml\n"


def _lastmod() -> str | None:
    modified: datetime | None = last_modified()
    return None if modified is None else modified.strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml(body: bytes) -> Response:
    return Response(body, mimetype="application/xml")


@bp.route("/robots.txt")
def robots() -> Response:
    return Response(robots_txt(dataset_base()), mimetype="text/plain")


@bp.route("/sitemap.xml")
def sitemap_index() -> Response:
    """The sitemap index: one sitemap per SITEMAP_SIZE resources of each kind."""
    base = dataset_base()
    sitemaps = [
        f"{base}sitemaps/{kind}-{number}.xml"
        for kind in KINDS
        for number in range(1, -(-len(get_listing(base, kind)) // SITEMAP_SIZE) + 1)
    ]
    return _xml(sitemap_index_xml(sitemaps, _lastmod()))


@bp.route("/sitemaps/<name>")
def sitemap(name: str) -> Response:
    """The pages of the `n`th SITEMAP_SIZE resources of `kind` (`<kind>-<n>.xml`)."""
    found = _SITEMAP_NAME.match(name)
    if found is None or found[1] not in KINDS:
        abort(404, description=f"no sitemap {name[:80]!r}: see /sitemap.xml")
    kind, number = found[1], int(found[2])
    base = dataset_base()
    listing = get_listing(base, kind)
    start = (number - 1) * SITEMAP_SIZE
    if start >= len(listing):
        abort(404, description=f"no sitemap {name!r}: the {kind} sitemaps end before it")
    prefix = f"{base}id/{kind}/"
    slugs = [iri[len(prefix) :] for iri in listing.page(start, start + SITEMAP_SIZE)]
    pages = [f"{base}doc/{kind}/{slug}" for slug in slugs if SLUG.match(slug)]
    return _xml(urlset_xml(pages, _lastmod()))
