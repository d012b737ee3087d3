"""dataset.jsonld from the sorted quads is the document rdflib's serializer gives, byte for byte.

`rdf/jsonld.py` follows rdflib's JSON-LD algorithm over Oxigraph quads; where rdflib's result
would depend on its triple order, or on what the converter does not follow, it declines and
rdflib writes the document as before. Both routes are compared with rdflib's own bytes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Dataset

from citydip_ld.rdf.jsonld import (
    _SORT_KEY,
    _compact,
    dump_indented,
    jsonld_document,
    sort_in_place,
)
from citydip_ld.rdf.jsonld import sorted_json as _sorted_json
from citydip_ld.rdf.output import (
    Layout,
    SortedQuads,
    build_all,
    jsonld_context,
    serialise,
)

BASE = "http://localhost:5000/"
ROOT = Path(__file__).resolve().parent.parent

PREFIXES = """
@prefix cd: <http://localhost:5000/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix g: <http://localhost:5000/graph/> .
@prefix id: <http://localhost:5000/id/> .
"""

#: Lists (of IRIs, blank nodes, strings, nested, empty), blank nodes referenced and not,
#: typed and language literals, native numbers and booleans, several values of one key.
VARIED = """
g:one {
  id:city\\/a a schema:City, [ a cd:Thing ] ;
      schema:name "A"@en, "آ"@fa, "plain", "typed"^^xsd:string ;
      cd:population 12 ; cd:ratio 1.5e0 ; cd:share 0.25 ; cd:open true ;
      cd:founded "1999-01-02"^^xsd:date ;
      cd:partner id:city\\/b, [ cd:note "inner" ] ;
      cd:steps ( id:city\\/b [ cd:x "y" ] ( "nested" "list" ) ) ;
      cd:none () ;
      cd:words ( "b" "a" ) .
  [] cd:orphan "no one points here" ; cd:other <urn:x:1> .
  <http://example.org/thing#x> cd:label "elsewhere" .
}
g:two {
  id:city\\/b schema:name "B" ; sh:in ( "x" "y" ) .
}
"""

#: A single named graph: rdflib writes it as the top-level object, not inside `@graph`.
SINGLE = """
g:only { id:city\\/a schema:name "A" ; cd:population 3 . }
"""


def _dataset(trig: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=PREFIXES + trig, format="trig")
    return dataset


def _rdflib_bytes(dataset: Dataset) -> bytes:
    """What `build` wrote before: rdflib's serializer, parsed back and sorted."""
    context = jsonld_context(BASE)
    text = dataset.serialize(format="json-ld", context=context, auto_compact=True)
    document = _sorted_json(json.loads(text))
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _fast_bytes(dataset: Dataset) -> bytes:
    return serialise(dataset, BASE, ["dataset.jsonld"])["dataset.jsonld"]


@pytest.mark.parametrize("trig", [VARIED, SINGLE], ids=["varied", "single-graph"])
def test_the_converter_writes_rdflibs_bytes(trig: str) -> None:
    dataset = _dataset(trig)
    assert jsonld_document(SortedQuads(dataset).rows, jsonld_context(BASE)) is not None
    assert _fast_bytes(dataset) == _rdflib_bytes(dataset)


def test_the_shipped_data_gives_rdflibs_bytes() -> None:
    dataset = build_all(Layout.beside(ROOT / "data"), BASE).dataset
    assert jsonld_document(SortedQuads(dataset).rows, jsonld_context(BASE)) is not None
    assert _fast_bytes(dataset) == _rdflib_bytes(dataset)


DECLINED = {
    # rdflib keeps one of the two values, which one depends on the order it reads them in
    "falsy-value-among-several": 'g:one { id:a cd:note "", "x" . }',
    "zero-among-several": "g:one { id:a cd:count 0, 5 . }",
    "zero-after-another": "g:one { id:a cd:count -1, 0 . }",
    # rdflib decides whether this is a list by the truth value of its first item
    "list-of-numbers": "g:one { id:a cd:steps ( 0 1 ) . }",
    "default-graph": "id:a cd:note 'in the default graph' .",
    "not-a-number": 'g:one { id:a cd:count "many"^^xsd:integer . }',
}


@pytest.mark.parametrize("trig", DECLINED.values(), ids=DECLINED.keys())
def test_rdflib_writes_what_the_converter_declines(trig: str) -> None:
    dataset = _dataset(trig)
    assert jsonld_document(SortedQuads(dataset).rows, jsonld_context(BASE)) is None
    assert _fast_bytes(dataset) == _rdflib_bytes(dataset)


AWKWARD_JSON = [
    {"@value": 'tab\t, quote ", backslash \\, control \u0001\u001f\u007f, line\u2028, فارسی'},
    {"z": 1, "a": [True, False, None, 0, -7, 2**63 - 1], "": {}, "é": [], "E": "upper first"},
    [1e-05, 1e16, 0.1, -0.0, 12.5, 1.7976931348623157e308, 5e-324, float("nan"), float("inf")],
    {"beyond 64 bits": 2**64, "and": [1.5]},  # orjson refuses: Python's encoder writes it
    {"nested": [{"@list": [3.0, {"@id": "_:b"}]}, {"@language": "fa", "@value": "x"}]},
]


@pytest.mark.parametrize("document", AWKWARD_JSON)
def test_the_indented_writer_writes_what_pythons_json_writes(document: object) -> None:
    """`dump_indented` (orjson) against `json.dumps(..., indent=2, sort_keys=True)` on what
    `sorted_json` gives: escapes, key order by code point, floats in Python's form, numbers
    beyond 64 bits."""
    prepared = _sorted_json(document)
    expected = json.dumps(prepared, ensure_ascii=False, indent=2, sort_keys=True)
    assert dump_indented(prepared) == expected.encode("utf-8")


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.sampled_from(' "\\\t\n\x01\x7f,:[]{}aAz0é\u2028س@'), max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="@a:, ", max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON_VALUES, max_size=6))
def test_arrays_sort_by_orjson_as_by_pythons_json(values: list[object]) -> None:
    """`sorted_json` orders an array's items by orjson's compact JSON: the order Python's
    encoder (`", "` and `": "` separators) gives, for any JSON values."""
    items = [_sorted_json(value) for value in values]
    assert sorted(items, key=_compact) == sorted(items, key=_SORT_KEY)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON_VALUES, max_size=6))
def test_sorting_in_place_gives_what_sorted_json_gives(values: list[object]) -> None:
    """The dump sorts its fresh document in place (`sort_in_place`): the same structure and
    bytes as the copy `sorted_json` makes, `@list`s included."""
    document = {"@graph": values, "@list": copy.deepcopy(values), "x": {"@list": [values]}}
    expected = _sorted_json(document)
    assert sort_in_place(copy.deepcopy(document)) == expected
    assert dump_indented(sort_in_place(copy.deepcopy(document))) == dump_indented(expected)


_NODES = st.fixed_dictionaries(
    {"@id": st.sampled_from(["_:b1", "id:x", "id:x!", 'id:"x', "id:x y", ""])},
    optional={key: _JSON_VALUES for key in ("@type", "@value", "a", "!", "@")},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NODES | _JSON_VALUES, max_size=6))
def test_sorting_nodes_in_place_gives_what_sorted_json_gives(values: list[object]) -> None:
    """Arrays of objects with an `@id` (sorted by their ids alone when those are unique and
    `@id` is the first key), a repeated id, keys before `@id`, in two-item arrays and longer:
    `sort_in_place` orders them as `sorted_json` does."""
    document = {"@graph": values, "pair": values[:2], "x": [values, values[::-1]]}
    expected = _sorted_json(document)
    assert dump_indented(sort_in_place(copy.deepcopy(document))) == dump_indented(expected)


@pytest.mark.parametrize("document", AWKWARD_JSON)
def test_sorting_awkward_json_in_place(document: object) -> None:
    expected = dump_indented(_sorted_json(document))
    assert dump_indented(sort_in_place(copy.deepcopy(document))) == expected
