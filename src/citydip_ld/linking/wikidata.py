"""Talking to Wikidata's SPARQL endpoint (or any endpoint shaped like it) over HTTP with the
project's one client (`citydip_ld.httpclient`: a `requests` session that keeps its connection,
urllib3's `Retry` for backoff on 429 / 5xx honouring Retry-After): a descriptive User-Agent, a
timeout, and a clear message when the endpoint keeps refusing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urlencode

from citydip_ld import __version__
from citydip_ld.errors import CitydipError, StoreUnavailableError
from citydip_ld.httpclient import HttpClient

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = (
    f"citydip-ld/{__version__} (city-diplomacy linked data; reconciliation of curated cities; "
    "https://pypi.org/project/citydip-ld/)"
)
ENTITY = "http://www.wikidata.org/entity/"
#: Statuses retried with backoff: too many requests, and the server's own failures.
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Longest URL sent as a GET (Wikidata caches GETs); longer queries are POSTed.
MAX_GET_URL = 4000

Row = dict[str, str]


class EndpointError(CitydipError):
    """The SPARQL endpoint could not be reached or kept refusing."""


class SparqlClient(Protocol):
    endpoint: str

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; each row maps variable names to plain string values."""
        ...


class WikidataClient:
    """SELECT queries over one HTTP session: 429 and 5xx are retried `retries` times with
    exponential backoff from `backoff` seconds (Retry-After wins); other errors fail at once
    with the endpoint's words. `requests` counts what was sent, retries included."""

    def __init__(
        self,
        endpoint: str = WIKIDATA_ENDPOINT,
        *,
        user_agent: str = USER_AGENT,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 2.0,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        self._http = HttpClient(
            user_agent=user_agent,
            retries=retries,
            backoff=backoff,
            retry_statuses=RETRY_STATUSES,
            pool_size=1,
        )

    @property
    def requests(self) -> int:
        return self._http.requests

    def close(self) -> None:
        self._http.close()

    def select(self, query: str) -> list[Row]:
        form = urlencode({"query": query})
        url = f"{self.endpoint}{'&' if '?' in self.endpoint else '?'}{form}"
        accept = {"Accept": "application/sparql-results+json"}
        try:
            if len(url) <= MAX_GET_URL:
                response = self._http.send("GET", url, timeout=self.timeout, headers=accept)
            else:
                form_type = {"Content-Type": "application/x-www-form-urlencoded"}
                response = self._http.send(
                    "POST",
                    self.endpoint,
                    timeout=self.timeout,
                    body=form.encode("ascii"),
                    headers={**accept, **form_type},
                )
        except TimeoutError:
            raise EndpointError(
                f"cannot reach {self.endpoint}: no answer within {self.timeout:g} s"
            ) from None
        except StoreUnavailableError as exc:
            raise EndpointError(f"cannot reach {self.endpoint} ({exc})") from None
        if response.status in RETRY_STATUSES:
            raise EndpointError(
                f"{self.endpoint} answered HTTP {response.status} {self.retries + 1} times; "
                "try again later or point --endpoint at a mirror"
            )
        if not 200 <= response.status < 300:
            raise EndpointError(
                f"{self.endpoint} answered HTTP {response.status}: {response.detail()}"
            )
        try:
            result = json.loads(response.body)
        except ValueError:
            raise EndpointError(f"{self.endpoint} did not answer SPARQL JSON results") from None
        return _rows(result)


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
