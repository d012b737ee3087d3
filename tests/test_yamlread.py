"""YAML with line numbers (libyaml-backed): the lines the error messages rely on, and YAML 1.2
scalars (no `yes`/`no` booleans, no dates)."""

from __future__ import annotations

import pytest
import yaml

from citydip_ld.curation.yamlread import CollectionAliasError, DuplicateKeyError, load

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
