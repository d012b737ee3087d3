"""Property-based tests (hypothesis): URI routing, content negotiation and the fact parser
hold for any input, not only the examples. Bounded (`max_examples`, `deadline`) to stay quick;
`fuzz/` runs the fact parser for longer, coverage-guided."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from citydip_ld import conneg
from citydip_ld.curation.facts import load_facts
from citydip_ld.errors import FactError
from citydip_ld.iris import KINDS
from citydip_ld.sparql import protocol as sparql
from citydip_ld.web import create_app
from hostile_support import assert_sane
from web_support import BASE

FAST = settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------- URI routing


@pytest.fixture(scope="module")
def routing_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    from web_support import write_mini_dataset

    directory = write_mini_dataset(tmp_path_factory.mktemp("properties"))
    app: Flask = create_app(
        # TESTING: an unhandled exception fails the test with its traceback.
        {"TESTING": True, "DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 0}
    )
    return app.test_client()


segment = st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).map(
    lambda s: quote(s, safe="")
)
accept = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=80)


@FAST
@given(
    kind=st.one_of(st.sampled_from(KINDS), segment),
    slug=segment,
    root=st.sampled_from(["id", "doc"]),
)
def test_unknown_entities_are_404(
    routing_client: FlaskClient, root: str, kind: str, slug: str
) -> None:
    response = routing_client.get(f"/{root}/{kind}/zz{slug}")
    assert_sane(response.status_code, response.headers, response.get_data())
    assert response.status_code in (404, 414, 308)
    if response.status_code == 308:
        # werkzeug merges the slashes of an encoded `/` (`%2F`): a redirect on this site only.
        location = response.headers["Location"]
        assert location.startswith(("/", "http://localhost/")) and not location.startswith("//")


@FAST
@given(
    rest=st.lists(segment, min_size=1, max_size=5).map("/".join),
    root=st.sampled_from(["id", "doc", "graph", "dumps", "static", "ontology.", "shapes."]),
    header=accept,
)
def test_any_path_is_answered_without_a_server_error(
    routing_client: FlaskClient, root: str, rest: str, header: str
) -> None:
    target = f"/{root}{rest}" if root.endswith(".") else f"/{root}/{rest}"
    response = routing_client.get(target, headers={"Accept": header})
    assert_sane(response.status_code, response.headers, response.get_data())


# ---------------------------------------------------------------- content negotiation

MEDIA = [t for fmt in conneg.FORMATS for t in fmt.media_types]


@FAST
@given(header=accept)
def test_any_accept_header_gives_a_format_or_none(header: str) -> None:
    chosen = conneg.negotiate(header)
    assert chosen is None or chosen in conneg.FORMATS
    assert conneg.negotiate_language(header) in ("en", "fa")
    sparql_accept = sparql.accept_for(header, None)
    for formats in (sparql.RESULT_FORMATS, sparql.GRAPH_FORMATS):
        found = sparql.negotiate(sparql_accept, formats)
        assert found is None or found in formats


@FAST
@given(
    qs=st.lists(st.integers(min_value=1, max_value=999), min_size=2, max_size=7, unique=True),
    formats=st.permutations(list(conneg.FORMATS)),
)
def test_the_highest_q_value_wins(qs: list[int], formats: list[conneg.Format]) -> None:
    pairs = list(zip(qs, formats, strict=False))
    header = ", ".join(f"{fmt.media_type};q=0.{q:03d}" for q, fmt in pairs)
    best = max(pairs, key=lambda pair: pair[0])[1]
    assert conneg.negotiate(header) is best


@FAST
@given(fmt=st.sampled_from(conneg.FORMATS), others=st.sampled_from(conneg.FORMATS))
def test_q_zero_refuses_even_under_a_wildcard(fmt: conneg.Format, others: conneg.Format) -> None:
    header = f"*/*;q=0.5, {fmt.media_type};q=0"
    assert conneg.negotiate(header, [fmt]) is None
    if others is not fmt:
        assert conneg.negotiate(header, [fmt, others]) is others


# ---------------------------------------------------------------- the fact parser

KEYS = [
    "id", "label", "en", "fa", "country", "wikidata", "geonames", "former_ids", "type", "city",
    "homepage", "parent", "broader", "article", "title", "outlet", "quote", "published",
    "jalali", "gregorian", "printed", "partners", "kind", "date", "member", "network",
    "value", "qualifier", "speakers", "person", "role", "concept", "definition",
    "countries", "cities", "organisations", "people", "concepts", "scheme", "twinnings",
    "memberships", "statistics", "meetings", "positions", "definitions",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.sampled_from(["tabriz", "iran", "1399-11-25", "1399-12-30", "2020-02-30", "Q794", "x"]),
    st.text(max_size=20),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=30,
)
FILES = [
    "places.yaml",
    "organisations.yaml",
    "people.yaml",
    "concepts.yaml",
    "articles/004_aa1ce6595c509616.yaml",
    "wikidata-cache.yaml",
]


def _text_of(document: Any, mutation: tuple[int, str]) -> str:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    at, insert = mutation
    at %= len(text) + 1
    return text[:at] + insert + text[at:]


def assert_loads_or_fact_error(files: dict[str, str]) -> None:
    """`load_facts` reads the folder or raises FactError; with a line, the message leads with
    `file:line`."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "articles").mkdir(parents=True)
        for name, text in files.items():
            (data / name).write_text(text, encoding="utf-8")
        try:
            load_facts(data)
        except FactError as error:
            assert error.file, str(error)
            if error.line is not None:
                assert str(error).startswith(f"{error.file}:{error.line}: ")
                assert 1 <= error.line <= files_lines(files, error.file)


#: Line breaks as YAML (and editors) count them: a lone carriage return is one too.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def files_lines(files: dict[str, str], shown: str) -> int:
    """The last line an error in `shown` may point at: one past its last line break (YAML's
    end of stream)."""
    for name, text in files.items():
        if shown.endswith(name):
            return len(LINE_BREAK.findall(text)) + 2
    return 10**9


@FAST
@given(
    name=st.sampled_from(FILES),
    document=documents,
    mutation=st.tuples(
        st.integers(min_value=0),
        st.sampled_from(["", ":", "- ", "\n  ", "{", "'", "&a ", "*a", "\t"]),
    ),
)
def test_fact_parser_loads_or_says_where(
    name: str, document: Any, mutation: tuple[int, str]
) -> None:
    text = _text_of(document, mutation)
    assert_loads_or_fact_error({name: text})


@FAST
@given(text=st.text(st.characters(codec="utf-8"), max_size=200), name=st.sampled_from(FILES))
@example(text="'\r\r", name="places.yaml")  # found by hypothesis: YAML's line 3 of 3 lines
def test_fact_parser_survives_any_text(text: str, name: str) -> None:
    assert_loads_or_fact_error({name: text})


def test_a_recursive_alias_is_a_fact_error() -> None:
    assert_loads_or_fact_error({"places.yaml": "countries: &a [*a]\n"})


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "---\n"])
def test_an_empty_fact_file_loads(text: str) -> None:
    assert_loads_or_fact_error({"places.yaml": text})
