"""citydip-ld: curated city-diplomacy facts published as linked data."""

from __future__ import annotations

__version__ = "0.1.0"
