"""Blueprint: resources (stub, filled in by the server work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("resources", __name__)
