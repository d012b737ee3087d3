"""Debian's `rapper -g` (raptor2) parses every document of a live server.

`-g` guesses the syntax from the response, so this also checks the Content-Type and that
rapper's own Accept header is negotiated (it follows the 303 from /id/).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.external

RAPPER = shutil.which("rapper")
if RAPPER is None:
    pytest.skip("rapper (raptor2-utils) is not installed", allow_module_level=True)

DOCUMENTS = [
    "/doc/city/tabriz.ttl",
    "/doc/city/tabriz.rdf",
    "/doc/city/tabriz.nt",
    "/doc/city/tabriz.nq",
    "/doc/city/tabriz.trig",
    "/doc/city/tabriz.jsonld",
    "/doc/twinning/tabriz-wuhan.ttl",
    "/doc/twinning/tabriz-wuhan.rdf",
    "/doc/article/004_aa1ce6595c509616.ttl",
    "/ontology.ttl",
    "/ontology.rdf",
    "/shapes.ttl",
    "/graph/curated.nq",
    "/.well-known/void.ttl",
    "/.well-known/void.rdf",
    "/doc/city/?format=ttl",
]
#: rapper has no JSON-LD parser on Debian; counted only when it has one.
PARSERS = subprocess.run([str(RAPPER), "--help"], capture_output=True, text=True).stdout


def rapper(url: str, *args: str) -> tuple[int, str, str]:
    """`rapper -g -c URL` (guess the parser, count), or with `-i syntax` instead of `-g`."""
    guess = () if "-i" in args else ("-g",)
    result = subprocess.run(
        [str(RAPPER), *guess, "-c", *args, url], capture_output=True, text=True, timeout=60
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("path", DOCUMENTS)
def test_rapper_parses_each_document(mini_server: str, path: str) -> None:
    if path.endswith(".jsonld") and "json-ld" not in PARSERS.lower():
        pytest.skip("this rapper has no JSON-LD parser")
    if path.endswith(".trig") and "trig" not in PARSERS.lower():
        pytest.skip("this rapper has no TriG parser")
    # raptor guesses Turtle for TriG (same first bytes); name the parser for TriG.
    args = ("-i", "trig") if path.endswith(".trig") else ()
    code, _out, err = rapper(f"{mini_server}{path}", *args)
    assert code == 0, err
    assert "Parsing returned" in err
    count = int(err.split("Parsing returned ")[1].split(" ")[0])
    assert count > 0, err


@pytest.mark.parametrize("syntax", ["rdfxml", "turtle", "ntriples"])
def test_rapper_follows_the_303_from_the_id(mini_server: str, syntax: str) -> None:
    code, _out, err = rapper(f"{mini_server}/id/city/tabriz", "-i", syntax)
    assert code == 0, err
    assert int(err.split("Parsing returned ")[1].split(" ")[0]) > 10
