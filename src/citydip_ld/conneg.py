"""Content negotiation: an `Accept` header (or an extension, or `?format=`) to a format.

Pure: no Flask import. One rule for documents and the SPARQL endpoint (`best_format`):
werkzeug's `MIMEAccept.best_match` (RFC 9110 §12.5.1: each offered type takes the quality of
the *most specific* media range that matches it, so `*/*, text/turtle;q=0` refuses Turtle),
with our canonical types offered before any alias, ties going to the server's order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """A document format: its short name (also the file extension) and media types."""

    name: str
    media_type: str
    rdflib_format: str | None
    aliases: tuple[str, ...] = ()
    #: Keeps named graphs (provenance per source article).
    quads: bool = False

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.name in {"nt", "nq", "trig"}
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


HTML = Format("html", "text/html", None, ("application/xhtml+xml",))
TURTLE = Format("ttl", "text/turtle", "turtle", ("application/x-turtle",))
JSONLD = Format("jsonld", "application/ld+json", "json-ld", ("application/json",))
RDFXML = Format("rdf", "application/rdf+xml", "xml")
NTRIPLES = Format("nt", "application/n-triples", "nt")
NQUADS = Format("nq", "application/n-quads", "nquads", quads=True)
TRIG = Format("trig", "application/trig", "trig", quads=True)

#: Every format, in the server's order of preference (HTML first: browsers and `curl`).
FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, RDFXML, NTRIPLES, NQUADS, TRIG)
#: The RDF formats alone (documents without an HTML view).
RDF_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.rdflib_format)

_BY_NAME = {f.name: f for f in FORMATS}
#: Names accepted by `?format=` besides the extensions.
_FORMAT_ALIASES = {
    "turtle": "ttl",
    "json-ld": "jsonld",
    "json": "jsonld",
    "xml": "rdf",
    "rdfxml": "rdf",
    "ntriples": "nt",
    "n-triples": "nt",
    "nquads": "nq",
    "n-quads": "nq",
}


def format_by_name(name: str) -> Format | None:
    """The format an extension or `?format=` value names (`ttl`, `turtle`, `text/turtle`)."""
    key = name.strip().lower()
    key = _FORMAT_ALIASES.get(key, key)
    if key in _BY_NAME:
        return _BY_NAME[key]
    for fmt in FORMATS:
        if key in fmt.media_types:
            return fmt
    return None


def split_extension(path: str, offered: Sequence[Format] = FORMATS) -> tuple[str, Format | None]:
    """Split `city/tabriz.ttl` into (`city/tabriz`, TURTLE); no known extension: (path, None)."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = _BY_NAME.get(ext.lower())
        if fmt is not None and fmt in offered:
            return stem, fmt
    return path, None


class Offer(Protocol):
    """What negotiation needs of a format: its canonical media type and its aliases."""

    @property
    def media_type(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


OfferT = TypeVar("OfferT", bound=Offer)


def parse_accept(accept_header: str | None) -> MIMEAccept:
    """An `Accept` header as werkzeug's `MIMEAccept`, ready for `best_format`.

    Media-type parameters other than `q` are dropped (`application/ld+json;profile=...` asks
    for JSON-LD: none of our formats has variants by parameter). A header without a single
    media range (`Accept: garbage`) is invalid and ignored, like an absent one.
    """
    parsed = parse_accept_header(accept_header, MIMEAccept)
    ranges = [
        (client_range.partition(";")[0].strip().lower(), q)
        for client_range, q in parsed
        if "/" in client_range
    ]
    return MIMEAccept(ranges) if ranges else MIMEAccept(None)


def best_format(accept: MIMEAccept, offered: Sequence[OfferT]) -> OfferT | None:
    """The one negotiation rule of documents and SPARQL answers; None: nothing fits (406).

    werkzeug's `MIMEAccept.best_match` over the canonical types, in the server's order of
    preference: each type takes the quality of the most specific client range that matches
    it (so `*/*, text/html;q=0` refuses HTML), the highest quality wins, an equal quality
    goes to the more specific range, then to the server's order. An alias is the client's
    synonym for a canonical type (`application/json` asks for JSON-LD, `application/xhtml+xml`
    for HTML): a range naming one counts as naming its canonical type, unless the client also
    names that type itself. Wildcards match canonical types only, so `application/*` never
    finds HTML through its alias, and the Content-Type we send is always one the client
    accepted. No Accept header: the first offered format.
    """
    if not offered:
        return None
    if not accept:
        return offered[0]
    canonical = [fmt.media_type for fmt in offered]
    alias_of = {
        alias.lower(): fmt.media_type
        for fmt in reversed(offered)
        for alias in fmt.aliases
        if alias.lower() not in canonical
    }
    named = {client_range.lower() for client_range, _q in accept}
    ranges: list[tuple[str, float]] = []
    for client_range, q in accept:
        target = alias_of.get(client_range.lower())
        if target is None:
            ranges.append((client_range, q))
        elif target not in named:
            ranges.append((target, q))
    best = MIMEAccept(ranges).best_match(canonical)
    return next((fmt for fmt in offered if fmt.media_type == best), None)


def negotiate(accept_header: str | None, offered: Sequence[Format] = FORMATS) -> Format | None:
    """The best of `offered` for an `Accept` header (see `best_format`); None: 406. Worked
    out once per distinct header and offer (a few clients send most requests)."""
    return _negotiate(accept_header, tuple(offered))


@functools.lru_cache(maxsize=1024)
def _negotiate(accept_header: str | None, offered: tuple[Format, ...]) -> Format | None:
    return best_format(parse_accept(accept_header), offered)


def negotiate_language(
    accept_language: str | None, offered: Sequence[str] = ("en", "fa"), default: str = "en"
) -> str:
    """The interface language for an `Accept-Language` header."""
    if not accept_language:
        return default
    accept = parse_accept_header(accept_language, LanguageAccept)
    return accept.best_match(offered, default=default)
