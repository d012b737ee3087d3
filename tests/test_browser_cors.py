"""A browser application on another origin queries /sparql (issue 12.7), in real Chromium.

Two servers on 127.0.0.1: the app (waitress) on one port, and a tiny page server on another,
so the page and the endpoint are different origins. The page's own script fetch()es
`/sparql` with `POST application/sparql-query` (which the browser preflights), with GET and
with a form, and writes the rows into the page; the test reads them from the DOM.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from web_support import live_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

if not Path(CHROMIUM).is_file():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")

BASE = "http://localhost:5000/"
QUERY = f"""PREFIX cd: <{BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE {{
  <{BASE}id/city/tabriz> cd:twinnedWith ?city .
  ?city rdfs:label ?label FILTER(lang(?label) = "en")
}} ORDER BY ?label"""

#: The other origin's page: its script queries the endpoint named in `?endpoint=` three ways
#: and lists each answer's rows (or the error) in the page.
PAGE = """<!doctype html>
<meta charset="utf-8"><title>another origin</title>
<pre id="query">%QUERY%</pre>
<ul id="post"></ul><ul id="get"></ul><ul id="form"></ul>
<p id="count"></p><p id="error"></p><p id="done"></p>
<script>
const endpoint = new URLSearchParams(location.search).get("endpoint");
const query = document.getElementById("query").textContent;
const accept = { Accept: "application/sparql-results+json" };
function show(id, answer) {
  for (const row of answer.results.bindings) {
    const li = document.createElement("li");
    li.textContent = row.label.value;
    document.getElementById(id).append(li);
  }
}
async function run() {
  const post = await fetch(endpoint, {
    method: "POST",
    headers: { ...accept, "Content-Type": "application/sparql-query" },
    body: query,
  });
  show("post", await post.json());
  document.getElementById("count").textContent = post.headers.get("X-Result-Count");
  const get = await fetch(endpoint + "?query=" + encodeURIComponent(query), { headers: accept });
  show("get", await get.json());
  const form = await fetch(endpoint, {
    method: "POST", headers: accept, body: new URLSearchParams({ query }),
  });
  show("form", await form.json());
  const bad = await fetch(endpoint, {
    method: "POST", headers: { "Content-Type": "application/sparql-query" }, body: "SELECT",
  });
  document.getElementById("error").textContent = bad.status + " " + (await bad.json()).error.title;
}
run().catch((e) => { document.getElementById("error").textContent = "failed: " + e; })
     .finally(() => { document.getElementById("done").textContent = "done"; });
</script>
"""


@pytest.fixture(scope="module")
def endpoint(mini_dataset_dir: Path) -> Iterator[tuple[str, list[str]]]:
    from citydip_ld.web import create_app

    app: Flask = create_app(
        {"DATASET_DIR": str(mini_dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0}
    )
    with live_server(app) as server:
        yield f"{server.url}/sparql", server.log


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A second server on 127.0.0.1 (another port, so another origin) serving the page."""
    body = PAGE.replace("%QUERY%", QUERY.replace("<", "&lt;").replace(">", "&gt;")).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def test_a_page_on_another_origin_reads_the_rows(
    browser: object, endpoint: tuple[str, list[str]], other_origin: str
) -> None:
    url, log = endpoint
    assert url.split("/sparql")[0] != other_origin  # two origins: same host, other port
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(f"{other_origin}/?endpoint={url}")
        page.wait_for_selector("#done:has-text('done')", timeout=30_000)
        assert page.inner_text("#error") == "400 Bad SPARQL request"
        for way in ("post", "get", "form"):
            rows = page.locator(f"#{way} li").all_inner_texts()
            assert rows == ["Istanbul", "Wuhan"], way
        assert page.inner_text("#count") == "2"  # an exposed header
    finally:
        context.close()
    # The browser asked first (preflight) for the sparql-query POST, and got its answer.
    assert any('"OPTIONS"' in line and "/sparql" in line for line in log), log[-5:]
