"""A browser application on another origin queries /sparql (issue 12.7), in real Chromium.

Two servers on 127.0.0.1: the app (waitress) on one port, and a tiny page server on another,
so the page and the endpoint are different origins. The page's own script fetch()es
`/sparql` with `POST application/sparql-query` (which the browser preflights), with GET and
with a form, and writes the rows into the page; the test reads them from the DOM.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from browser_support import TabWatch, client_page
from web_support import BASE, live_server

pytestmark = pytest.mark.browser

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
    with client_page(
        PAGE.replace("%QUERY%", QUERY.replace("<", "&lt;").replace(">", "&gt;"))
    ) as url:
        yield url


def test_a_page_on_another_origin_reads_the_rows(
    tab: Any, tab_watch: TabWatch, endpoint: tuple[str, list[str]], other_origin: str
) -> None:
    url, log = endpoint
    assert url.split("/sparql")[0] != other_origin  # two origins: same host, other port
    tab_watch.allow(url)
    page = tab
    page.goto(f"{other_origin}/?endpoint={url}")
    page.wait_for_selector("#done:has-text('done')", timeout=30_000)
    assert page.inner_text("#error") == "400 Bad SPARQL request"
    for way in ("post", "get", "form"):
        rows = page.locator(f"#{way} li").all_inner_texts()
        assert rows == ["Istanbul", "Wuhan"], way
    assert page.inner_text("#count") == "2"  # an exposed header
    # The browser logs the bad query's 400 itself; nothing else may be reported.
    tab_watch.problems[:] = [p for p in tab_watch.problems if "status of 400" not in p]
    # The browser asked first (preflight) for the sparql-query POST, and got its answer.
    assert any('"OPTIONS"' in line and "/sparql" in line for line in log), log[-5:]
