"""Blueprint: sparql_routes (stub, filled in by the server work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sparql_routes", __name__)
