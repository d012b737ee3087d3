"""Guards on every response of the app, whatever route or error handler made it.

- **No `Location` from the `Host` header.** The app's own redirects are paths
  (`/doc/city/tabriz.ttl`), but werkzeug's routing redirects (a missing trailing slash, `//`
  merged) are absolute URLs built from the request's `Host`, which the client chooses. An
  absolute `Location` outside the configured `BASE` is cut to its path and query, so
  `Host: evil.example` can never send a visitor (or a cache) to `http://evil.example/...`.
- **Errors are never cached**: every 4xx and 5xx answer carries `Cache-Control: no-store`
  (a shared cache must not keep a 503 or a 404 for everyone after the dataset is back).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response
from werkzeug.utils import redirect

from citydip_ld.web.pages import dataset_base


def same_site_location(location: str, base: str) -> str:
    """`location` if it is a path or under `base`, else its path and query (one leading `/`,
    so never a scheme-relative `//host/...`)."""
    parts = urlsplit(location)
    if not (parts.scheme or parts.netloc) or location.startswith(base):
        return location
    path = "/" + parts.path.lstrip("/")
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _guard(response: Response) -> Response:
    location = response.headers.get("Location")
    if location is not None:
        kept = same_site_location(location, dataset_base())
        if kept != location:
            response.headers["Location"] = kept
            if not response.direct_passthrough:  # werkzeug's body links to the old URL too
                response.set_data(redirect(kept, response.status_code).get_data())
    if response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_response_guards(app: Flask) -> None:
    """Run the guards after every request (after the blueprints' own hooks)."""
    app.after_request(_guard)
