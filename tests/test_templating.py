"""The pages' templates compiled per language (`web/templating.py`) write the same bytes as the
app's own template environment, where `t("…")` and `ui_lang()` are called at run time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, current_app
from jinja2 import Environment, Template
from jinja2.lexer import TOKEN_STRING

from citydip_ld.web import create_app, templating
from citydip_ld.web.i18n import translate
from conftest import BASE


def _tokens(source: str, lang: str) -> list[tuple[str, str]]:
    environment = Environment()
    stream = environment.lexer.tokeniter(source, "test")
    wrapped = environment.lexer.wrap(stream, "test")
    return [(token.type, token.value) for token in templating.fold_tokens(wrapped, lang)]


def test_interface_strings_and_the_language_are_folded() -> None:
    folded = _tokens('{{ t("site") }} {{ ui_lang() }}', "fa")
    assert (TOKEN_STRING, translate("site", "fa")) in folded
    assert (TOKEN_STRING, "fa") in folded
    assert ("name", "t") not in folded and ("name", "ui_lang") not in folded


@pytest.mark.parametrize(
    "source",
    [
        "{{ t(rel) }}",  # a key known at run time only
        '{{ x.t("site") }}',  # an attribute named t, not the interface strings
        "{{ x.ui_lang() }}",
        '{{ t("site", 2) }}',
        "{{ t }}",
    ],
)
def test_anything_else_is_left_alone(source: str) -> None:
    plain = _tokens(source, "en")
    environment = Environment()
    expected = environment.lexer.wrap(environment.lexer.tokeniter(source, "test"), "test")
    assert plain == [(token.type, token.value) for token in expected]


def _app_templates(name: str, lang: str) -> Template:
    """What `page_template` gave before: the app's environment, nothing folded."""
    return current_app.jinja_env.get_template(name)


def _paths() -> Iterator[str]:
    yield from ("/", "/query", "/ontology", "/shapes", "/network", "/network?city=tabriz")
    yield from ("/doc/city/", "/doc/twinning/", "/doc/city/nowhere", "/doc/article/")
    yield from ("/doc/city/tabriz", "/doc/city/wuhan", "/doc/country/iran", "/doc/city/tehran")
    yield "/?timeline-kind=twinning&timeline-city=tabriz"


def _pages(app: Flask) -> dict[tuple[str, str], bytes]:
    client = app.test_client()
    pages = {}
    for path in _paths():
        for variant, headers in (("en", {}), ("?fa", {}), ("fa", {"Accept-Language": "fa"})):
            asked = path
            if variant == "?fa":
                asked += ("&" if "?" in path else "?") + "lang=fa"
            answer = client.get(asked, headers={"Accept": "text/html", **headers})
            assert answer.status_code in (200, 404), asked
            pages[(asked, variant)] = answer.get_data()
    return pages


def test_every_page_is_the_same_with_and_without_folding(
    dataset_dir: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0}
    folded = _pages(create_app({**config, "RESPONSE_CACHE_BYTES": 0}))
    for module in ("citydip_ld.web.pages", "citydip_ld.web.network"):
        monkeypatch.setattr(f"{module}.page_template", _app_templates)
    plain = _pages(create_app({**config, "RESPONSE_CACHE_BYTES": 0}))
    assert folded.keys() == plain.keys()
    for key, body in folded.items():
        assert body == plain[key], key
    assert any("تبریز".encode() in body for body in folded.values())


def test_served_urls_are_those_of_url_for(app: Flask) -> None:
    from flask import url_for

    from citydip_ld.web.vendor import vendor_url

    for root in ("", "/site"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for _ in range(2):  # made, then kept
                assert templating.static_url("style.css") == url_for("static", filename="style.css")
                assert templating.static_url("style.css").startswith(f"{root}/static/")
                assert templating.library_url("leaflet", "dist/leaflet.js") == vendor_url(
                    "leaflet", "dist/leaflet.js"
                )
