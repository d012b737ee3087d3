"""Blueprint: pages (stub, filled in by the server work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
