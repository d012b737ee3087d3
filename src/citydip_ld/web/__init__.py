"""The Flask application factory: thin web layer over the core and the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from citydip_ld.iris import DEFAULT_BASE

DEFAULTS: dict[str, Any] = {
    # The dataset base IRI; documents are served under it.
    "BASE": DEFAULT_BASE,
    # The built dataset directory (output of `citydip-ld build`).
    "DATASET_DIR": str(Path("build")),
    # SPARQL limits.
    "QUERY_TIMEOUT": 10.0,
    "RESULT_LIMIT": 10000,
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then `instance/config.py`, then `CITYDIP_*` env, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CITYDIP")
    if test_config is not None:
        app.config.from_mapping(test_config)
    return app
