"""The pages' templates compiled once per interface language, their interface strings folded in.

A page calls `t("key")` (its interface string) and `ui_lang()` dozens of times, and formats
numbers with `|num`: at run time each costs Jinja a context call and an escape (about 4 µs for
`t`, 6 µs for `ui_lang()`; a city page makes some 100 of them). In a language's template
environment (`language_environment`, an overlay of the app's: same loader, globals and
filters) the lexer's tokens `t("…")` (a literal key, not an attribute `x.t(...)`) and
`ui_lang()` are replaced by the string they give in that language before the template is
compiled, so Jinja writes them as template text (escaped then, as at run time), and `|num`
is the language's own filter. The output is the same bytes (`tests/test_templating.py`
renders every page both ways). `t` with a key that is not a literal (`t(rel)`) is still
called at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, request, url_for
from jinja2 import Environment, Template
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_DOT, TOKEN_LPAREN, TOKEN_NAME, TOKEN_RPAREN, TOKEN_STRING, Token

from citydip_ld.web.i18n import LANGUAGES, translate
from citydip_ld.web.vendor import vendor_url

ENVIRONMENTS_KEY = "citydip.language_environments"
URLS_KEY = "citydip.served_urls"
#: URLs of served files kept per app (the templates name a few dozen).
MAX_URLS = 512
#: Templates kept per language environment (every template of the app fits).
CACHE_SIZE = 100
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def localised_number(value: object, lang: str) -> str:
    """A number (or a date like 1395-03) written with Persian digits on Persian pages."""
    text = str(value)
    return text.translate(_PERSIAN_DIGITS) if lang == "fa" else text


def fold_tokens(tokens: Iterable[Token], lang: str) -> list[Token]:
    """`tokens` with `t("key")` and `ui_lang()` replaced by their strings in `lang`."""
    items = list(tokens)
    out: list[Token] = []
    i = 0
    while i < len(items):
        token = items[i]
        if token.type == TOKEN_NAME and (not out or out[-1].type != TOKEN_DOT):
            after = [item.type for item in items[i + 1 : i + 4]]
            if token.value == "ui_lang" and after[:2] == [TOKEN_LPAREN, TOKEN_RPAREN]:
                out.append(Token(token.lineno, TOKEN_STRING, lang))
                i += 3
                continue
            if token.value == "t" and after == [TOKEN_LPAREN, TOKEN_STRING, TOKEN_RPAREN]:
                out.append(Token(token.lineno, TOKEN_STRING, translate(items[i + 2].value, lang)))
                i += 4
                continue
        out.append(token)
        i += 1
    return out


class FoldInterfaceStrings(Extension):
    """Folds `t("key")` and `ui_lang()` into the environment's language (`citydip_lang`)."""

    def filter_stream(self, stream: Any) -> list[Token]:
        lang = str(getattr(self.environment, "citydip_lang", "en"))
        return fold_tokens(stream, lang)


def language_environment(app: Flask, lang: str) -> Environment:
    """The app's template environment for pages in `lang` (made once per app)."""
    environments: dict[str, Environment] | None = app.extensions.get(ENVIRONMENTS_KEY)
    if environments is None:
        environments = app.extensions.setdefault(ENVIRONMENTS_KEY, {})
    found = environments.get(lang)
    if found is None:
        if lang not in LANGUAGES:
            raise ValueError(f"no interface language {lang!r}")
        env = app.jinja_env.overlay(extensions=[FoldInterfaceStrings], cache_size=CACHE_SIZE)
        env.citydip_lang = lang  # type: ignore[attr-defined]
        env.filters = {**env.filters, "num": lambda value: localised_number(value, lang)}
        found = environments.setdefault(lang, env)
    return found


def page_template(name: str, lang: str) -> Template:
    """Template `name` compiled for pages in `lang` (give it to Flask's `render_template`)."""
    return language_environment(current_app, lang).get_template(name)


def _served_url(build: Callable[[], str | None], *key: str) -> str | None:
    """`build()`, kept per app, site root (`request.script_root`) and `key`: the URL of a
    file the site serves depends on nothing else (`url_for` costs about 10 µs, `vendor_url`
    25 µs, and a city page names ten such files)."""
    urls: dict[tuple[str, ...], str | None] = current_app.extensions.setdefault(URLS_KEY, {})
    full = (request.script_root, *key)
    if full in urls:
        return urls[full]
    found = build()
    if len(urls) < MAX_URLS:
        urls[full] = found
    return found


def static_url(filename: str) -> str:
    """`url_for("static", filename=filename)`, made once per app and site root."""
    return str(_served_url(lambda: url_for("static", filename=filename), "static", filename))


def library_url(name: str, file: str) -> str | None:
    """`vendor_url(name, file)` (None: the library is not installed), made once per app and
    site root."""
    folder = str(current_app.config.get("VENDOR_DIR") or "")
    return _served_url(lambda: vendor_url(name, file), "vendor", folder, name, file)
