"""Content negotiation: an `Accept` header (or an extension, or `?format=`) to a format.

Pure: no Flask import. Parsing is werkzeug's (`parse_accept_header`); the choice follows
RFC 9110 §12.5.1: each offered type takes the quality of the *most specific* media range
that matches it (so `*/*, text/turtle;q=0` refuses Turtle), the highest quality wins, and
ties go to the server's order of preference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def _specificity(client_range: str, offered: str) -> int | None:
    """How specifically `client_range` matches the `offered` media type; None: no match."""
    ctype, _, csub = client_range.partition(";")[0].strip().lower().partition("/")
    otype, _, osub = offered.lower().partition("/")
    if not csub:
        return None
    if ctype == "*" and csub == "*":
        return 0
    if ctype != otype:
        return None
    if csub == "*":
        return 1
    return 2 if csub == osub else None


def _match(accept: MIMEAccept, media_type: str) -> tuple[int, float] | None:
    """(specificity, quality) of the most specific client range matching `media_type`."""
    best: tuple[int, float] | None = None
    for client_range, q in accept:
        spec = _specificity(client_range, media_type)
        if spec is not None and (best is None or spec > best[0]):
            best = (spec, q)
    return best


def quality(accept: MIMEAccept, fmt: Format) -> float:
    """The quality the client gives `fmt`.

    Each media type of the format takes the quality of its most specific matching range; the
    format takes that of its most specific match overall, so `*/*, text/html;q=0` refuses HTML
    even though `application/xhtml+xml` (an alias) only matches `*/*`.
    """
    matches = [m for m in (_match(accept, t) for t in fmt.media_types) if m is not None]
    return max(matches)[1] if matches else 0.0


def negotiate(accept_header: str | None, offered: Sequence[Format] = FORMATS) -> Format | None:
    """The best of `offered` for `accept_header`; None when nothing is acceptable (406).

    No header (or an empty one) accepts anything: the first offered format.
    """
    if not offered:
        return None
    if accept_header is None or not accept_header.strip():
        return offered[0]
    accept = parse_accept_header(accept_header, MIMEAccept)
    if not any("/" in client_range for client_range, _q in accept):
        # No media range at all (e.g. `Accept: garbage`): an invalid header, ignored.
        return offered[0]
    best: Format | None = None
    best_q = 0.0
    for fmt in offered:
        q = quality(accept, fmt)
        if q > best_q:
            best, best_q = fmt, q
    return best


def negotiate_language(
    accept_language: str | None, offered: Sequence[str] = ("en", "fa"), default: str = "en"
) -> str:
    """The interface language for an `Accept-Language` header."""
    if not accept_language:
        return default
    accept = parse_accept_header(accept_language, LanguageAccept)
    return accept.best_match(offered, default=default)
