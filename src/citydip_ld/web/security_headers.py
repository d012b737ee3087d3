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
"""

from __future__ import annotations

from flask import Flask, Response


def html_policy(connect_src: tuple[str, ...] = (), style_src: tuple[str, ...] = ()) -> str:
    """The policy of an HTML page: the site's own resources, plus the sources given (the
    `/query` page's editor, web/query_editor.py)."""

    def sources(extra: tuple[str, ...]) -> str:
        return " ".join(("'self'", *extra))

    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {sources(style_src)}",
            "img-src 'self'",
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


def add_security_headers(response: Response) -> Response:
    """Set the security headers `response` does not already carry."""
    headers = response.headers
    framable = "frame-ancestors *" in headers.get("Content-Security-Policy", "")
    for name, value in COMMON_HEADERS:
        if not (framable and name == "X-Frame-Options"):
            headers.setdefault(name, value)
    policy = HTML_POLICY if response.mimetype in HTML_TYPES else NON_HTML_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response of `app`."""
    app.after_request(add_security_headers)
