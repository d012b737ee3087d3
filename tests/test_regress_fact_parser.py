"""Regressions found by fuzzing the fact parser (fuzz/README.md): each is a FactError with its
place, never another exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citydip_ld.curation.facts import load_facts
from citydip_ld.errors import FactError


def write(tmp_path: Path, name: str, text: str) -> Path:
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    (data / name).write_text(text, encoding="utf-8")
    return data


@pytest.mark.parametrize("text", ["", "~\n", "# nothing yet\n", "---\n"])
def test_an_empty_fact_file_is_no_facts(tmp_path: Path, text: str) -> None:
    facts = load_facts(write(tmp_path, "places.yaml", text))
    assert facts.cities == {}


def test_a_nul_character_is_named_with_its_line(tmp_path: Path) -> None:
    data = write(tmp_path, "places.yaml", "countries:\n  - id: iran\x00\n")
    with pytest.raises(FactError, match=r"places.yaml:2: not allowed in YAML: character U\+0000"):
        load_facts(data)


def test_a_javascript_homepage_is_refused(tmp_path: Path) -> None:
    text = (
        "organisations:\n  - id: x\n    label: {en: X, fa: ایکس}\n    type: ngo\n"
        "    homepage: javascript:alert(1)\n"
    )
    with pytest.raises(
        FactError,
        match=r"organisations.yaml:5: `homepage: javascript:alert\(1\)` "
        r"is not an http\(s\) web address",
    ):
        load_facts(write(tmp_path, "organisations.yaml", text))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("http://[www.example.org", "Invalid character '\\[' in host"),
        ("https://example.org/%zz", "Invalid IRI percent encoding"),
    ],
)
def test_a_homepage_no_iri_parser_reads_is_refused_at_its_line(
    tmp_path: Path, address: str, reason: str
) -> None:
    """An http(s) address that RDF cannot hold as an IRI is the fact file's error at its line
    (before, `build` and `check` stopped with Oxigraph's parse error in a stack trace)."""
    text = (
        "organisations:\n  - id: x\n    label: {en: X, fa: ایکس}\n    type: ngo\n"
        f"    homepage: {address}\n"
    )
    with pytest.raises(
        FactError,
        match=rf"organisations.yaml:5: `homepage: {re.escape(address)}` is not a valid web "
        rf"address: .*{reason}",
    ):
        load_facts(write(tmp_path, "organisations.yaml", text))


def test_a_recursive_alias_is_named_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(FactError, match=r"places.yaml:1: malformed YAML: an alias"):
        load_facts(write(tmp_path, "places.yaml", "countries: &a [*a]\n"))
