"""Every page tells search engines where it is in each language: `<link rel="alternate"
hreflang>` for English (`?lang=en`), Persian (`?lang=fa`) and `x-default` (the URL without
`lang`, which answers in the language `Accept-Language` asks for); absolute URLs under the
dataset's base, the page's other query parameters kept, never the request's `Host`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from citydip_ld.web import create_app
from conftest import BASE

ROOT = Path(__file__).resolve().parent.parent
_ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def _alternates(page: str) -> dict[str, str]:
    return {lang: html.unescape(url) for lang, url in _ALTERNATE.findall(page)}


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/doc/city/tabriz", "doc/city/tabriz"),
        ("/doc/city/tabriz?lang=fa", "doc/city/tabriz"),
        ("/", ""),
        ("/doc/twinning/?page=1", "doc/twinning/?page=1"),
        ("/network?lang=fa&city=tabriz", "network?city=tabriz"),
        ("/search?q=tab", "search?q=tab"),
        ("/ontology", "ontology"),
    ],
)
def test_every_page_names_itself_in_each_language(
    client: FlaskClient, path: str, page: str
) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    joiner = "&" if "?" in page else "?"
    assert _alternates(response.text) == {
        "en": f"{BASE}{page}{joiner}lang=en",
        "fa": f"{BASE}{page}{joiner}lang=fa",
        "x-default": f"{BASE}{page}",
    }


def test_each_alternate_answers_in_its_language(client: FlaskClient) -> None:
    alternates = _alternates(client.get("/doc/city/tabriz").text)
    for lang in ("en", "fa"):
        answer = client.get(alternates[lang].removeprefix(BASE.rstrip("/")))
        assert answer.status_code == 200
        assert f'<html lang="{lang}"' in answer.text


def test_a_forged_host_is_not_written(client: FlaskClient) -> None:
    forged = client.get("/doc/city/tabriz", headers={"Host": "evil.example"})
    assert forged.status_code == 200 and "evil.example" not in forged.text
    assert _alternates(forged.text)["x-default"] == f"{BASE}doc/city/tabriz"


def test_under_a_base_with_a_path(tmp_path: Path) -> None:
    from citydip_ld.rdf.output import build_directory

    base = "https://example.org/ld/"
    build_directory(ROOT / "data", tmp_path, base=base)
    app = create_app({"TESTING": True, "DATASET_DIR": str(tmp_path), "BASE": base})
    page = app.test_client().get("/doc/city/tabriz", environ_overrides={"SCRIPT_NAME": "/ld"})
    assert _alternates(page.text)["fa"] == f"{base}doc/city/tabriz?lang=fa"
