"""Talking to Wikidata's SPARQL endpoint (or any endpoint shaped like it) with SPARQLWrapper:
a descriptive User-Agent, a timeout, and backoff on 429 / 5xx with a clear message when the
endpoint keeps refusing."""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Callable, Iterable
from typing import Protocol

from SPARQLWrapper import JSON, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from citydip_ld import __version__
from citydip_ld.errors import CitydipError

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = (
    f"citydip-ld/{__version__} (city-diplomacy linked data; reconciliation of curated cities; "
    "https://pypi.org/project/SPARQLWrapper/)"
)
ENTITY = "http://www.wikidata.org/entity/"

Row = dict[str, str]


class EndpointError(CitydipError):
    """The SPARQL endpoint could not be reached or kept refusing."""


class SparqlClient(Protocol):
    endpoint: str

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; each row maps variable names to plain string values."""
        ...


class WikidataClient:
    """SPARQLWrapper with retries: 429 and 5xx are retried with exponential backoff (honouring
    Retry-After), other errors fail at once with the endpoint's words."""

    def __init__(
        self,
        endpoint: str = WIKIDATA_ENDPOINT,
        *,
        user_agent: str = USER_AGENT,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0

    def select(self, query: str) -> list[Row]:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        wrapper.setQuery(query)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(self.timeout))
        delay = self.backoff
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                result = wrapper.queryAndConvert()
            except urllib.error.HTTPError as exc:
                if exc.code == 429 or exc.code >= 500:
                    if attempt == self.retries:
                        raise EndpointError(
                            f"{self.endpoint} answered HTTP {exc.code} {self.retries + 1} times; "
                            "try again later or point --endpoint at a mirror"
                        ) from None
                    retry_after = _retry_after(exc)
                    self.sleep(delay if retry_after is None else retry_after)
                    delay *= 2
                    continue
                raise EndpointError(
                    f"{self.endpoint} answered HTTP {exc.code}: {exc.reason}"
                ) from None
            except EndPointInternalError as exc:
                if attempt == self.retries:
                    raise EndpointError(
                        f"{self.endpoint} keeps failing (HTTP 500): {exc}"
                    ) from None
                self.sleep(delay)
                delay *= 2
                continue
            except SPARQLWrapperException as exc:
                raise EndpointError(f"{self.endpoint} refused the query: {exc}") from None
            except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                raise EndpointError(f"cannot reach {self.endpoint}: {reason}") from None
            except json.JSONDecodeError:
                raise EndpointError(f"{self.endpoint} did not answer SPARQL JSON results") from None
            return _rows(result)
        raise AssertionError("unreachable")


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _rows(result: object) -> list[Row]:
    if not isinstance(result, dict) or "results" not in result:
        raise EndpointError("the endpoint did not answer SPARQL JSON results")
    rows = []
    for binding in result["results"]["bindings"]:
        rows.append({name: value["value"] for name, value in binding.items()})
    return rows


def qid(iri: str) -> str | None:
    """`Q80053` from `http://www.wikidata.org/entity/Q80053`."""
    return iri[len(ENTITY) :] if iri.startswith(ENTITY) and iri[len(ENTITY) :][:1] == "Q" else None


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# ------------------------------------------------------------------ the queries we send

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def query_by_geonames(geonameid: int) -> str:
    return PREFIXES + f"SELECT ?item WHERE {{ ?item wdt:P1566 {_literal(str(geonameid))} }}"


def query_by_label(labels: Iterable[tuple[str, str]], country: str | None) -> str:
    """Items labelled so (in en or fa) that are cities (P31/P279* Q515), in the country if known."""
    values = " ".join(f"{_literal(text)}@{lang}" for text, lang in labels)
    country_check = f"?item wdt:P17 wd:{country} ." if country else ""
    return PREFIXES + (
        f"SELECT DISTINCT ?item WHERE {{ VALUES ?label {{ {values} }} ?item rdfs:label ?label . "
        f"?item wdt:P31/wdt:P279* wd:Q515 . {country_check} }}"
    )


def query_organisation(label_en: str, label_fa: str) -> str:
    """Organisations (P31/P279* Q43229) labelled so in English or Persian."""
    values = f"{_literal(label_en)}@en {_literal(label_fa)}@fa"
    return PREFIXES + (
        f"SELECT DISTINCT ?item WHERE {{ VALUES ?label {{ {values} }} ?item rdfs:label ?label . "
        "?item wdt:P31/wdt:P279* wd:Q43229 . }"
    )


def query_details(qids: Iterable[str]) -> str:
    values = " ".join(f"wd:{q}" for q in qids)
    return PREFIXES + (
        "SELECT ?item ?coord ?country ?population ?popdate ?geonames ?fa WHERE { "
        f"VALUES ?item {{ {values} }} "
        "OPTIONAL { ?item wdt:P625 ?coord } OPTIONAL { ?item wdt:P17 ?country } "
        "OPTIONAL { ?item wdt:P1566 ?geonames } "
        "OPTIONAL { ?item p:P1082 ?statement . ?statement ps:P1082 ?population . "
        "OPTIONAL { ?statement pq:P585 ?popdate } } "
        'OPTIONAL { ?item rdfs:label ?fa FILTER(LANG(?fa) = "fa") } }'
    )


def query_twins(qids: Iterable[str]) -> str:
    values = " ".join(f"wd:{q}" for q in qids)
    return (
        PREFIXES
        + f"SELECT ?item ?twin WHERE {{ VALUES ?item {{ {values} }} ?item wdt:P190 ?twin }}"
    )
