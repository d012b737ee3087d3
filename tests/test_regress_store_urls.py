"""A store named by a URL that cannot be read, or by a URL of another scheme than http(s), is
refused by `publish`, `check` and `serve` with an error saying why (exit 2). Before,
`http://[host/sparql` ended in a stack trace and `ftp://host/` became a folder named `ftp:`."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

TARGETS = [
    ("http://[store.example.org/sparql", "is not a valid URL: Invalid IPv6 URL"),
    ("http://store.example.org:99999/sparql", "is not a valid URL: Port out of range"),
    ("http:///sparql", "is not a valid URL: it names no host"),
    ("ftp://store.example.org/", "not a URL of another scheme"),
]
COMMANDS = {
    "publish": ["publish", "--no-check", "--to"],
    "check": ["check", "--store"],
    # port 0: were the URL taken, granian would refuse it rather than serve on and on
    "serve": ["serve", "--no-check", "--port", "0", "--store"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("target", "reason"), TARGETS)
def test_a_store_url_that_names_no_store_is_refused(
    project: Path, command: str, target: str, reason: str
) -> None:
    code, output = run_cli(*COMMANDS[command], target)
    assert code == 2, output
    assert f"Error: {target}" in output and reason in output, output
    assert sorted(p.name for p in project.iterdir()) == ["data", "ontology", "shapes"]


@pytest.mark.parametrize("option", ["--gsp", "--update"])
@pytest.mark.parametrize(("target", "reason"), TARGETS)
def test_publish_refuses_a_graph_store_or_update_url_that_is_no_http_url(
    project: Path, option: str, target: str, reason: str
) -> None:
    url = "http://store.example.org/sparql"
    code, output = run_cli("publish", "--no-check", "--to", url, option, target)
    assert code == 2, output
    expected = "is not an http(s) URL" if target.startswith("ftp:") else reason
    assert f"Invalid value for '{option}': {target} {expected}" in output, output
