"""YAML with line numbers (libyaml-backed): the lines the error messages rely on, and YAML 1.2
scalars (no `yes`/`no` booleans, no dates)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from citydip_ld.curation.yamlread import (
    CollectionAliasError,
    DuplicateKeyError,
    LineMap,
    LineSeq,
    _from_nodes,
    load,
)

TEXT = """\
cities:
  - id: tabriz
    label: {en: Tabriz, fa: تبریز}
    geonames: 113646
  - id: "no"
    flag: no
    code: "0123"
    when: 2015-01-01
    empty:
    share: 0.5
"""


def test_lines_of_records_and_keys_are_kept() -> None:
    doc = load(TEXT)
    first, second = doc["cities"]
    assert first.line + 1 == 2
    assert first.key_line("geonames") + 1 == 4
    assert second.key_line("flag") + 1 == 6
    assert first["label"].line + 1 == 3
    assert doc["cities"].line + 1 == 2


def test_scalars_follow_yaml_1_2() -> None:
    second = load(TEXT)["cities"][1]
    assert second["id"] == "no"
    assert second["flag"] == "no"  # YAML 1.1 would say False
    assert second["code"] == "0123"
    assert second["when"] == "2015-01-01"  # not a date object
    assert second["empty"] is None
    assert second["share"] == 0.5
    assert load(TEXT)["cities"][0]["geonames"] == 113646


def test_a_repeated_key_is_an_error_not_a_silent_overwrite() -> None:
    with pytest.raises(DuplicateKeyError, match=r"duplicate key `id:` \(first at line 1\)") as info:
        load("id: a\nlabel: x\nid: b\n")
    assert info.value.line == 3


def test_bad_syntax_carries_its_line() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as info:
        load("a: [1, 2\nb: 3\n")
    assert info.value.problem_mark is not None


def test_aliases_of_plain_values_are_fine() -> None:
    doc = load("a: &q some quoted sentence\nb: *q\n")
    assert doc["b"] == "some quoted sentence"


@pytest.mark.parametrize(
    "text",
    [
        "countries: &a [*a]\n",  # a cycle
        "a: &x [1, 2]\nb: [*x, *x]\n",  # the first step of a "billion laughs"
    ],
)
def test_aliases_of_lists_or_mappings_are_refused(text: str) -> None:
    with pytest.raises(CollectionAliasError, match="may repeat a text or number"):
        load(text)


def _same(fast: object, reference: object, where: str = "") -> None:
    """The same values, types, mapping key order and lines, all the way down."""
    assert type(fast) is type(reference), where
    if isinstance(reference, LineMap):
        assert isinstance(fast, LineMap) and list(fast) == list(reference), where
        assert (fast.line, fast.key_lines) == (reference.line, reference.key_lines), where
        for key in reference:
            _same(fast[key], reference[key], f"{where}/{key}")
    elif isinstance(reference, LineSeq):
        assert isinstance(fast, LineSeq) and fast.line == reference.line, where
        assert len(fast) == len(reference), where
        for index, (item, expected) in enumerate(zip(fast, reference, strict=True)):
            _same(item, expected, f"{where}[{index}]")
    else:
        assert fast == reference or (fast != fast and reference != reference), where


ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = [
    TEXT,
    "",
    "# only a comment\n",
    "just text\n",
    "- 09\n- 1e5\n- 1.5e3\n- +12\n- -0\n- 0x1F\n- 1_000\n- .5\n- yes\n- Off\n- ~\n- NULL\n- TRUE\n",
    "a: 'quoted 5'\nb: \"7\"\nc: |\n  block\n  text\nd: >\n  folded\n",
    "flow: {a: 1, b: [x, 'y', {c: null}]}\nempty: []\nnone: {}\n",
    "? [complex, key]\n: value\n? {k: v}\n: other\n2: int key\ntrue: bool key\n",
    "nested:\n  - - deep\n    - {x: 1}\n  -\n    k: v\n",
    "base: &anchor 5\nalias: *anchor\n",
    "explicit: !!str 5\nnonspecific: ! 5\ncustom: !thing 7\nint: !!int '8'\n",
    "seq: &s [1, 2]\n",
    # plain scalars that may or may not be text, by their first character (`_NOT_ONLY_TEXT`)
    "n: nope\nt: Tabriz\nfa: فارسی\n-x: '-'\nminus: -a\n+: .\n.inf: .NaN\nkey: ~x\nNothing: none\n"
    "False: falsey\nnull: Null\n7: -0.5e3\nz: [1.0, +1, '', \"\", x y]\n",
    "- 35.5\n- -0.25\n- 007\n- 1_000.5\n- 10.\n- -12\n- +0\n- 0.0\n- 3.\n- 1.5E+3\n- 00.5\n",
    "? {a: [1, {b: c}]}\n: nested complex key\nafter: 1\n",
]
BROKEN = [
    "a: 1\na: 2\n",
    "a: &x [1]\nb: *x\n",
    "a: *undefined\n",
    "a: &x 1\nb: &x 2\n",
    "a: 1\n---\nb: 2\n",
    "a: [1\n",
    "a: 1\n  b: 2\n",
    "a: 1\na: 2\nb: [\n",  # a repeated key before a syntax error: the syntax error wins
    "a: \x00\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_events_and_nodes_read_the_same(text: str) -> None:
    """`load` builds plain documents from libyaml's events; the node tree it used to build
    them from (`_from_nodes`, still used for anything unusual) gives the same values and lines."""
    _same(load(text), _from_nodes(text))


def test_every_fact_file_reads_the_same_from_events() -> None:
    paths = sorted((ROOT / "data").rglob("*.yaml")) + sorted((ROOT / "tests").rglob("*.yaml"))
    assert len(paths) > 5
    for path in paths:
        text = path.read_text(encoding="utf-8")
        _same(load(text), _from_nodes(text), str(path))


@pytest.mark.parametrize("text", BROKEN)
def test_errors_are_the_ones_the_node_tree_gives(text: str) -> None:
    with pytest.raises(Exception) as expected:
        _from_nodes(text)
    with pytest.raises(type(expected.value)) as found:
        load(text)
    assert str(found.value) == str(expected.value)
