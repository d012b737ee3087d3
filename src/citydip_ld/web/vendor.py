"""Blueprint: the browser libraries the pages use, served by us from `node_modules/`.

The libraries are npm packages pinned in `package.json` and `package-lock.json` and installed
by the set-up step (`npm ci`, run by `make install`); nothing third-party is committed to the
repository and nothing is fetched from a CDN, so the site works offline and behind strict
firewalls, under its `script-src 'self'` policy.

Only the files listed in `LIBRARIES` are served (`/vendor/<name>/<file>`), with each package's
licence files; `/vendor/` lists the libraries, their versions and licences. Without
`node_modules/` (npm missing, or an installed wheel) `vendor_url` answers None and the pages
fall back to what works without those scripts (a plain form, a list) instead of asking for a
file that is not there.

The folder is the `VENDOR_DIR` setting, by default `node_modules/` of the source checkout.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue

bp = Blueprint("vendor", __name__)

#: A year: a vendored file's URL carries the package version, so a new version is a new URL.
MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Library:
    """One npm package, the files of it a page may load, and its licence files."""

    name: str  # our short name, the URL segment
    package: str  # the npm package name
    files: tuple[str, ...]  # glob patterns, relative to the package folder
    licences: tuple[str, ...] = ("LICENSE", "LICENSE.*", "LICENSE-*", "LICENCE*")
    purpose: str = ""


#: Every library a page may load. Add a package to `package.json` ("dependencies") and here.
LIBRARIES: dict[str, Library] = {
    library.name: library
    for library in (
        Library(
            "yasgui",
            "@zazuko/yasgui",
            ("build/yasgui.min.js", "build/yasgui.min.css"),
            purpose="the SPARQL editor on /query",
        ),
        Library(
            "leaflet",
            "leaflet",
            ("dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png"),
            purpose="maps",
        ),
        Library(
            "world-atlas",
            "world-atlas",
            ("countries-110m.json", "countries-50m.json", "land-110m.json", "land-50m.json"),
            purpose="the offline base layer of maps (Natural Earth country outlines)",
        ),
        Library(
            "topojson-client",
            "topojson-client",
            ("dist/topojson-client.min.js",),
            purpose="reads the world-atlas outlines",
        ),
        Library(
            "cytoscape",
            "cytoscape",
            ("dist/cytoscape.min.js",),
            purpose="the twinning network view",
        ),
    )
}


@dataclass(frozen=True)
class Installed:
    """What `/vendor/` says of one installed library."""

    library: Library
    version: str
    licence: str
    licence_files: tuple[str, ...]


def vendor_dir() -> Path:
    """The `node_modules` folder the libraries are served from (the `VENDOR_DIR` setting)."""
    configured = current_app.config.get("VENDOR_DIR")
    if configured:
        return Path(str(configured))
    return default_vendor_dir()


@cache
def default_vendor_dir() -> Path:
    """`node_modules/` beside `src/` in a source checkout (resolved once: a city page asks
    for five library URLs)."""
    return Path(__file__).resolve().parents[3] / "node_modules"


@cache
def _installed(folder: str, name: str) -> Installed | None:
    library = LIBRARIES[name]
    root = Path(folder) / library.package
    try:
        meta: dict[str, Any] = json.loads((root / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not all(any(root.glob(pattern)) for pattern in library.files):
        return None
    licence_files = tuple(
        sorted(
            path.name
            for pattern in library.licences
            for path in root.glob(pattern)
            if path.is_file()
        )
    )
    return Installed(
        library, str(meta.get("version", "")), str(meta.get("license", "")), licence_files
    )


def installed(name: str) -> Installed | None:
    """Library `name` as installed, or None when its package (or one of its files) is missing."""
    if name not in LIBRARIES:
        raise KeyError(f"unknown vendored library {name!r}")
    return _installed(str(vendor_dir()), name)


def vendor_url(name: str, file: str) -> str | None:
    """The URL of `file` of library `name`, or None when the library is not installed.

    The URL carries the package version (`?v=`), so browsers may keep it for a year."""
    found = installed(name)
    if found is None:
        return None
    if not _allowed(found.library, file):
        raise KeyError(f"{file!r} is not a served file of {name!r}")
    return url_for("vendor.library_file", name=name, file=file, v=found.version)


def _allowed(library: Library, file: str) -> bool:
    patterns = library.files + library.licences
    return any(fnmatch.fnmatchcase(file, pattern) for pattern in patterns)


@bp.app_context_processor
def inject_vendor() -> dict[str, Any]:
    return {"vendor_url": vendor_url}


@bp.get("/vendor/")
def libraries() -> ResponseReturnValue:
    """The libraries the pages load, their versions and licences."""
    rows = [(library, installed(library.name)) for library in LIBRARIES.values()]
    return render_template("vendor.html", rows=rows)


@bp.get("/vendor/<name>/<path:file>")
def library_file(name: str, file: str) -> ResponseReturnValue:
    """One served file of a library (404 for anything not listed)."""
    library = LIBRARIES.get(name)
    if library is None or not _allowed(library, file) or installed(name) is None:
        abort(404)
    root = vendor_dir() / library.package
    # send_from_directory refuses a path that leaves `root` (.., absolute, NUL).
    response = send_from_directory(root, file, max_age=MAX_AGE)
    del response.headers["Expires"]  # max-age says it; the response cache would replay a date
    return response
