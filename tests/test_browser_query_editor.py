"""The SPARQL editor on /query (YASGUI, served from node_modules/ by /vendor/) in real headless
Debian Chromium against a live waitress server, under the page's Content-Security-Policy:
every test fails on a console error, an uncaught script error or a policy violation, and on a
request to any origin but the site's. Screenshots of each view in both languages go to the
folder in CITYDIP_SCREENSHOTS (else the test's tmp_path)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from browser_support import TabWatch, save_screenshot
from citydip_ld.web import create_app
from citydip_ld.web.vendor import default_vendor_dir
from web_support import BASE, live_server

pytestmark = pytest.mark.browser

if not (default_vendor_dir() / "@zazuko" / "yasgui" / "package.json").is_file():
    pytest.skip("node_modules/@zazuko/yasgui is not installed (npm ci)", allow_module_level=True)

ROWS = ".query-editor .yasr table.dataTable tbody tr"


def only_same_origin(requests: list[str], server: str) -> None:
    origin = server.rstrip("/") + "/"
    assert requests, "the page made no request at all"
    assert [url for url in requests if not url.startswith(origin)] == []


def open_editor(page: Any, url: str) -> None:
    page.goto(url)
    page.locator(".query-editor .CodeMirror >> visible=true").wait_for(timeout=15_000)


def run_question(page: Any, key: str) -> Any:
    """Pick competency question `key` from the list above the editor and run it with YASQE's
    button; the YASR table once its rows are there."""
    page.select_option("#example", key)
    page.click(".query-editor .yasqe_queryButton")
    page.locator(ROWS).first.wait_for(timeout=15_000)
    return page.locator(".query-editor .yasr table.dataTable")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_yasgui_query_returns_rows(
    tab: Any, tab_watch: TabWatch, mini_server: str, screenshots: Path, lang: str
) -> None:
    """YASGUI replaces the form's textarea and button; the question "Tabriz's sister cities"
    picked from the list and run gives its two rows in YASR's table, IRIs shortened with our
    prefixes; the editor stays left-to-right on the Persian page; nothing leaves the site."""
    page = tab
    response = page.goto(f"{mini_server}/query?lang={lang}")
    policy = response.headers["content-security-policy"]
    assert "connect-src 'self';" in policy  # no remote lookups by default
    page.locator(".query-editor .CodeMirror >> visible=true").wait_for(timeout=15_000)
    assert page.locator("#query").is_hidden()
    assert page.locator("#run").is_hidden()
    assert page.locator("#form-results").is_hidden()
    assert page.locator("#example").is_visible()
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "fa" else "ltr")
    editor = page.locator("#query-editor")
    assert editor.get_attribute("dir") == "ltr"
    assert editor.evaluate("e => getComputedStyle(e.querySelector('.CodeMirror')).direction") == (
        "ltr"
    )
    # The first question is in the editor, drawn (not in a container CodeMirror cannot
    # measure), and named in the list.
    first = page.locator(".query-editor .CodeMirror-line >> visible=true").first
    assert first.inner_text().startswith("PREFIX cd:")
    assert page.input_value("#example") == "tabriz-sister-cities"
    tab_name = page.locator(".query-editor .tabPanel.active, .query-editor .tab.active").first
    assert tab_name.inner_text().strip().startswith("Query" if lang == "en" else "پرس‌وجو")
    save_screenshot(page, screenshots, f"query-editor-{lang}", full_page=True)

    table = run_question(page, "tabriz-sister-cities")
    assert page.locator(ROWS).count() == 2
    text = table.inner_text()
    for expected in ("city:istanbul", "city:wuhan", "wd:Q406", "wd:Q11746", "1395-03"):
        assert expected in text
    header = table.locator("thead th").nth(1)
    assert header.evaluate("e => getComputedStyle(e).textAlign") == "left"
    save_screenshot(page, screenshots, f"query-editor-results-{lang}", full_page=True)
    assert any(url.endswith("/sparql") for url in tab_watch.requests)
    only_same_origin(tab_watch.requests, mini_server)


def test_every_competency_question_runs_in_the_editor(
    tab: Any, tab_watch: TabWatch, mini_server: str
) -> None:
    """Each question of the list loads into the editor and runs without an error."""
    page = tab
    open_editor(page, f"{mini_server}/query")
    keys = page.locator("#example option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )
    assert len(keys) >= 5
    for key in keys:
        page.select_option("#example", key)
        value = page.evaluate("window.citydipYasgui.getTab().getQuery()")
        assert value == page.locator(f"#example-{key}").text_content()
        with page.expect_response(lambda r: r.url.endswith("/sparql")) as answer:
            page.click(".query-editor .yasqe_queryButton")
        assert answer.value.status == 200, key
        # A function, not an expression: Playwright polls an expression with eval(), which
        # the page's policy (no 'unsafe-eval') refuses whenever the first poll is not true.
        page.wait_for_function(
            "() => window.citydipYasgui.getTab().getYasr().results !== undefined"
            " && !document.querySelector('.query-editor .tabPanel.active .yasr.loading')"
        )
        assert page.locator(".query-editor .yasr .errorResult").count() == 0, key
        assert page.locator(".query-editor .yasr table.dataTable >> visible=true").count(), key
    only_same_origin(tab_watch.requests, mini_server)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_bad_query_shows_our_error_title_and_detail(
    tab: Any, tab_watch: TabWatch, mini_server: str, screenshots: Path, lang: str
) -> None:
    """Our endpoint's error body is shown as its title and detail (not raw JSON), wrapped
    inside the page."""
    page = tab
    open_editor(page, f"{mini_server}/query?lang={lang}")
    page.evaluate("() => { window.citydipYasgui.getTab().setQuery('SELECT * WHERE { ?s ?p }'); }")
    page.click(".query-editor .yasqe_queryButton")
    error = page.locator(".query-editor .query-error")
    error.wait_for(timeout=15_000)
    assert error.locator(".query-error-title").inner_text() == "400 Bad SPARQL request"
    assert "SPARQL syntax error" in error.locator(".query-error-detail").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    save_screenshot(page, screenshots, f"query-editor-error-{lang}", full_page=True)
    # The browser logs the 400 itself; nothing else may be reported.
    tab_watch.problems[:] = [p for p in tab_watch.problems if "status of 400" not in p]


def test_a_column_drag_stays_within_the_policy(tab: Any, mini_server: str) -> None:
    """YASR's table writes two fixed `<style>` elements (drawing, and dragging a column
    border); the page's policy allows exactly those by hash, so neither is a violation."""
    page = tab
    open_editor(page, f"{mini_server}/query")
    run_question(page, "tabriz-sister-cities")
    grip = page.locator(".query-editor .grip-handle:not(.grip-lastgrip)").first
    box = grip.bounding_box()
    assert box is not None
    header = page.locator(".query-editor .yasr thead th").nth(1)
    before = header.bounding_box()["width"]
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 5, steps=5)
    page.mouse.up()
    assert header.bounding_box()["width"] != before


def test_prefix_autocompletion_offers_our_prefixes_without_asking_anyone(
    tab: Any, tab_watch: TabWatch, mini_server: str
) -> None:
    """Typing `PREFIX cit` suggests our `city:` namespace (not the bundled list's namesake),
    with no request to prefix.cc or anywhere else."""
    page = tab
    open_editor(page, f"{mini_server}/query")
    page.evaluate("() => { window.citydipYasgui.getTab().setQuery(''); }")
    page.click(".query-editor .CodeMirror-code")
    page.keyboard.type("PREFIX cit", delay=40)
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    offered = hints.all_inner_texts()
    ours = f"city: <{BASE}id/city/>"
    assert ours in offered
    assert [hint for hint in offered if hint.startswith("city:")] == [ours]
    hints.filter(has_text=ours).click()
    assert page.evaluate("window.citydipYasgui.getTab().getQuery()").startswith(
        f"PREFIX city: <{BASE}id/city/>"
    )
    only_same_origin(tab_watch.requests, mini_server)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("?t a cd:Tw", "cd:Twinning"), ("?t cd:par", "cd:partner"), ("?c rdfs:la", "rdfs:label")],
)
def test_classes_and_properties_complete_from_our_vocabulary(
    tab: Any, tab_watch: TabWatch, mini_server: str, typed: str, expected: str
) -> None:
    """Ctrl+Space completes a class or a property from our ontology and shapes (asked of our
    /sparql), written with the query's prefix; no request leaves the site (no LOV)."""
    page = tab
    open_editor(page, f"{mini_server}/query")
    page.evaluate(
        """() => { window.citydipYasgui.getTab().setQuery(
        "PREFIX cd: <http://localhost:5000/ontology#>\\n"
        + "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\n"
        + "SELECT * WHERE {\\n  \\n}"); }"""
    )
    page.click(".query-editor .CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type(typed, delay=30)
    page.keyboard.press("Control+Space")
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    assert expected in hints.all_inner_texts()
    hints.filter(has_text=expected).first.click()
    query = page.evaluate("window.citydipYasgui.getTab().getQuery()")
    assert f"{typed.rsplit(' ', 1)[0]} {expected}" in query
    only_same_origin(tab_watch.requests, mini_server)


def test_a_linked_query_opens_in_the_editor(tab: Any, mini_server: str) -> None:
    """`/query?query=...` (the resource pages' link to all incoming links) opens that query
    and runs it; over the tabs YASGUI kept from an earlier visit, in a tab of its own."""
    page = tab
    query = "SELECT ?s WHERE { ?s ?p <http://localhost:5000/id/city/tabriz> }"
    open_editor(page, f"{mini_server}/query?query={quote(query, safe='')}")
    assert page.evaluate("window.citydipYasgui.getTab().getQuery()") == query
    page.locator(ROWS).first.wait_for(timeout=15_000)  # run at once
    assert page.locator(ROWS).count() == 2  # the two twinnings of the mini dataset
    other = "SELECT ?s WHERE { ?s ?p <http://localhost:5000/id/city/wuhan> }"
    open_editor(page, f"{mini_server}/query?query={quote(other, safe='')}")
    assert page.evaluate("window.citydipYasgui.getTab().getQuery()") == other
    assert page.evaluate("Object.keys(window.citydipYasgui._tabs).length") == 2


def test_a_shared_link_opens_its_query_against_our_endpoint_only(
    tab: Any, tab_watch: TabWatch, mini_server: str
) -> None:
    """YASGUI's share link (`/query#query=...&endpoint=...`) opens its query and settings in a
    tab, but a link naming another endpoint, extra arguments or headers is not followed."""
    page = tab
    query = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    fragment = urlencode(
        {
            "query": query,
            "endpoint": "https://elsewhere.example/sparql",
            "requestMethod": "GET",
            "tabTitle": "Shared",
            "headers": '{"X-Elsewhere": "1"}',
            "token": "secret",
        },
        quote_via=quote,
    )
    open_editor(page, f"{mini_server}/query#{fragment}")
    yasgui_tab = "window.citydipYasgui.getTab()"
    assert page.evaluate(f"{yasgui_tab}.getQuery()") == query
    assert page.evaluate(f"{yasgui_tab}.getName()") == "Shared"
    assert page.evaluate(f"{yasgui_tab}.getEndpoint()") == f"{mini_server}/sparql"
    with page.expect_request(lambda r: "/sparql" in r.url) as sent:
        page.click(".query-editor .yasqe_queryButton")
    request = sent.value
    assert request.method == "GET"  # the link's method is kept
    assert "X-Elsewhere" not in request.all_headers() and "x-elsewhere" not in request.all_headers()
    assert "token=" not in request.url
    page.locator(ROWS).first.wait_for(timeout=15_000)
    only_same_origin(tab_watch.requests, mini_server)


@pytest.fixture(scope="module")
def remote_lookups_server(mini_dataset_dir: Path) -> Iterator[str]:
    """The app on the mini dataset with QUERY_EDITOR_REMOTE_LOOKUPS on."""
    app = create_app(
        {
            "DATASET_DIR": str(mini_dataset_dir),
            "BASE": BASE,
            "QUERY_WORKERS": 0,
            "QUERY_EDITOR_REMOTE_LOOKUPS": True,
        }
    )
    with live_server(app) as server:
        yield server.url


def test_remote_lookups_when_the_operator_turns_them_on(
    tab: Any, tab_watch: TabWatch, remote_lookups_server: str
) -> None:
    """With QUERY_EDITOR_REMOTE_LOOKUPS on, the editor asks prefix.cc for prefixes and Linked
    Open Vocabularies for class names (answered here by the test, offline), the page's policy
    lets it, and LOV's suggestions follow ours."""
    tab_watch.allow("https://prefix.cc", "https://lov.linkeddata.es")
    page = tab
    cors = {"Access-Control-Allow-Origin": "*"}
    page.route(
        "https://prefix.cc/**",
        lambda route: route.fulfill(json={"zzexample": "http://zz.example.org/ns#"}, headers=cors),
    )
    lov_term = f"{BASE}ontology#TwinningFromLov"
    page.route(
        "https://lov.linkeddata.es/**",
        lambda route: route.fulfill(json={"results": [{"uri": [lov_term]}]}, headers=cors),
    )
    open_editor(page, f"{remote_lookups_server}/query")
    page.evaluate("() => { window.citydipYasgui.getTab().setQuery(''); }")
    page.click(".query-editor .CodeMirror-code")
    page.keyboard.type("PREFIX zzex", delay=40)
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    assert "zzexample: <http://zz.example.org/ns#>" in hints.all_inner_texts()
    page.keyboard.press("Escape")
    page.evaluate(
        """() => { window.citydipYasgui.getTab().setQuery(
        "PREFIX cd: <http://localhost:5000/ontology#>\\nSELECT * WHERE {\\n  \\n}"); }"""
    )
    page.click(".query-editor .CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type("?t a cd:Tw", delay=30)
    page.keyboard.press("Control+Space")
    hints.first.wait_for(timeout=10_000)
    assert hints.all_inner_texts() == ["cd:Twinning", "cd:TwinningFromLov"]
    asked = {
        url.split("/")[2] for url in tab_watch.requests if not url.startswith(remote_lookups_server)
    }
    assert asked == {"prefix.cc", "lov.linkeddata.es"}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_without_node_modules_the_form_works(
    tab: Any, tab_watch: TabWatch, mini_server_without_vendor: str, screenshots: Path, lang: str
) -> None:
    """With no YASGUI installed the page asks for no /vendor/ file and the plain form runs
    the question into its own table."""
    page = tab
    page.goto(f"{mini_server_without_vendor}/query?lang={lang}")
    assert page.locator("#query-editor").count() == 0
    page.select_option("#example", "tabriz-sister-cities")
    page.click("#run")
    table = page.locator("#results table.results")
    table.wait_for(timeout=10_000)
    assert table.locator("tbody tr td:nth-child(2)").all_inner_texts() == ["Istanbul", "Wuhan"]
    save_screenshot(page, screenshots, f"query-form-{lang}", full_page=True)
    assert not [url for url in tab_watch.requests if "/vendor/" in url]
    only_same_origin(tab_watch.requests, mini_server_without_vendor)


def test_without_javascript_the_form_is_the_page(
    tab_without_scripts: Any, mini_server: str
) -> None:
    """With scripts off the editor never shows; the form's textarea and button send the
    query to /sparql, whose answer (SPARQL JSON, as to any browser) is saved."""
    page = tab_without_scripts
    page.goto(f"{mini_server}/query?lang=fa")
    assert page.locator("#query-editor").is_hidden()
    assert page.locator("#query").is_visible()
    assert page.input_value("#query").startswith("PREFIX cd:")
    with page.expect_download() as download:  # SPARQL JSON: the browser saves it
        page.click("#run")
    assert "/sparql?" in download.value.url and "query=PREFIX" in download.value.url
    saved = download.value.path()
    assert "Istanbul" in Path(saved).read_text(encoding="utf-8")
