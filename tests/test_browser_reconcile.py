"""The reconciliation service from a browser client on another origin, as OpenRefine's web
interface uses it, in real headless Debian Chromium: the manifest and a batch of Persian and
English names read by `fetch` through CORS, and the preview card framed at the manifest's size
in both languages. Fails on a console error, a policy violation or a request to any origin but
the client's and the service's; screenshots of each view are kept in CITYDIP_SCREENSHOTS (a
folder) when set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import TabWatch, client_page, origin_of, save_screenshot
from web_support import BASE

pytestmark = pytest.mark.browser

#: The client page: reads the manifest, posts a batch as a form (what OpenRefine sends), lists
#: each query's matched IRI, and frames the preview of the first match at the manifest's size.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>a reconciliation client</title></head>
<body>
<ol id="matches"></ol><p id="error"></p><p id="done"></p>
<div id="preview"></div>
<script>
const params = new URLSearchParams(location.search);
const service = params.get("service");
const lang = params.get("lang");
const names = ["تبريز", "Kazan", "كربلا", "ووهان", "Tabriz"];
async function run() {
  const manifest = await (await fetch(service)).json();
  const queries = {};
  names.forEach((name, n) => { queries["q" + n] = { query: name, type: "city" }; });
  const answer = await fetch(service, {
    method: "POST", body: new URLSearchParams({ queries: JSON.stringify(queries) }),
  });
  const batch = await answer.json();
  names.forEach((name, n) => {
    const li = document.createElement("li");
    const hit = batch["q" + n].result.find((c) => c.match);
    li.textContent = hit ? hit.id : "none";
    document.getElementById("matches").append(li);
  });
  const first = batch.q0.result[0].id;
  const frame = document.createElement("iframe");
  frame.width = manifest.preview.width;
  frame.height = manifest.preview.height;
  let url = manifest.preview.url.replace("{{id}}", encodeURIComponent(first));
  url = url.replace("http://localhost:5000", new URL(service).origin);
  frame.src = url + (lang ? "&lang=" + lang : "");
  frame.addEventListener("load", () => { document.getElementById("done").textContent = "done"; });
  document.getElementById("preview").append(frame);
}
run().catch((e) => {
  document.getElementById("error").textContent = "failed: " + e;
  document.getElementById("done").textContent = "done";
});
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def client_origin() -> Iterator[str]:
    """A second server on 127.0.0.1 (another port, so another origin) serving the client."""
    with client_page(PAGE) as url:
        yield url


#: Entities whose cards are shown: a city, and the organisation with the longest names.
CARDS = {
    "city/tabriz": {"en": "Tabriz", "fa": "تبریز"},
    "organisation/rasht-municipality-information-office": {
        "en": "Information Office",
        "fa": "اداره اطلاع‌رسانی",
    },
}


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("entity", list(CARDS))
def test_the_preview_card_alone(
    tab: Any, tab_watch: TabWatch, full_server: str, screenshots: Path, lang: str, entity: str
) -> None:
    page = tab
    page.set_viewport_size({"width": 400, "height": 160})
    page.goto(f"{full_server}/reconcile/preview?lang={lang}&id={BASE}id/{entity}")
    title = page.locator("h1")
    assert title.inner_text().startswith(CARDS[entity][lang])
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == ("rtl" if lang == "fa" else "ltr")
    # Everything fits the manifest's 400 x 160: nothing scrolls.
    size = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
    assert size[0] <= 400 and size[1] <= 160, size
    name = entity.split("/")[0]
    save_screenshot(page, screenshots, f"reconcile-preview-{name}-{lang}", min_bytes=0)
    page.wait_for_timeout(100)
    assert {origin_of(url) for url in tab_watch.requests} == {full_server}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_client_on_another_origin_reconciles_and_frames_the_preview(
    tab: Any,
    tab_watch: TabWatch,
    full_server: str,
    client_origin: str,
    screenshots: Path,
    lang: str,
) -> None:
    assert origin_of(full_server) != client_origin
    tab_watch.allow(full_server)
    page = tab
    page.set_viewport_size({"width": 700, "height": 420})
    page.goto(f"{client_origin}/?service={full_server}/reconcile&lang={lang}")
    page.wait_for_selector("#done:has-text('done')", timeout=30_000)
    assert page.inner_text("#error") == ""
    matches = page.locator("#matches li").all_inner_texts()
    city = f"{BASE}id/city/"
    assert matches == [city + s for s in ("tabriz", "kazan", "karbala", "wuhan", "tabriz")]
    card = page.frame_locator("#preview iframe")
    heading = card.locator("h1").inner_text()
    assert heading.startswith("تبریز" if lang == "fa" else "Tabriz")
    assert ("ایران" if lang == "fa" else "Iran") in card.locator("dl").inner_text()
    save_screenshot(page, screenshots, f"reconcile-client-{lang}", min_bytes=0)
    page.wait_for_timeout(100)
    # The client asked only its own origin and the service; the card loaded nothing else.
    assert {origin_of(url) for url in tab_watch.requests} == {client_origin, full_server}
