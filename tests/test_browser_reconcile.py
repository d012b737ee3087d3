"""The reconciliation service from a browser client on another origin, as OpenRefine's web
interface uses it, in real headless Debian Chromium: the manifest and a batch of Persian and
English names read by `fetch` through CORS, and the preview card framed at the manifest's size
in both languages. Fails on a console error or a policy violation; screenshots of each view
are kept in CITYDIP_SCREENSHOTS (a folder) when set."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from web_support import live_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

if not Path(CHROMIUM).is_file():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")

BASE = "http://localhost:5000/"

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

#: Reports every `securitypolicyviolation` event of every document (frames too) to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.citydipViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def service(dataset_dir: Path) -> Iterator[str]:
    from citydip_ld.web import create_app

    app = create_app({"DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as server:
        yield server.url


@pytest.fixture(scope="module")
def client_origin() -> Iterator[str]:
    """A second server on 127.0.0.1 (another port, so another origin) serving the client."""
    body = PAGE.encode()

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
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CITYDIP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str], list[str]]:
    """A new tab that records problems (console errors, policy violations) and requests."""
    problems: list[str] = []
    requests: list[str] = []
    context = browser.new_context(viewport=viewport)
    context.expose_function("citydipViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: requests.append(request.url))
    return context, page, problems, requests


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
    browser: Any, service: str, screenshots: Path, lang: str, entity: str
) -> None:
    context, page, problems, requests = _open(browser, {"width": 400, "height": 160})
    try:
        page.goto(f"{service}/reconcile/preview?lang={lang}&id={BASE}id/{entity}")
        title = page.locator("h1")
        assert title.inner_text().startswith(CARDS[entity][lang])
        direction = page.evaluate("getComputedStyle(document.body).direction")
        assert direction == ("rtl" if lang == "fa" else "ltr")
        # Everything fits the manifest's 400 x 160: nothing scrolls.
        size = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
        assert size[0] <= 400 and size[1] <= 160, size
        name = entity.split("/")[0]
        page.screenshot(path=str(screenshots / f"reconcile-preview-{name}-{lang}.png"))
        page.wait_for_timeout(100)
    finally:
        context.close()
    assert problems == []
    assert {_origin(url) for url in requests} == {service}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_client_on_another_origin_reconciles_and_frames_the_preview(
    browser: Any, service: str, client_origin: str, screenshots: Path, lang: str
) -> None:
    assert _origin(service) != client_origin
    context, page, problems, requests = _open(browser, {"width": 700, "height": 420})
    try:
        page.goto(f"{client_origin}/?service={service}/reconcile&lang={lang}")
        page.wait_for_selector("#done:has-text('done')", timeout=30_000)
        assert page.inner_text("#error") == ""
        matches = page.locator("#matches li").all_inner_texts()
        city = f"{BASE}id/city/"
        assert matches == [city + s for s in ("tabriz", "kazan", "karbala", "wuhan", "tabriz")]
        card = page.frame_locator("#preview iframe")
        heading = card.locator("h1").inner_text()
        assert heading.startswith("تبریز" if lang == "fa" else "Tabriz")
        assert ("ایران" if lang == "fa" else "Iran") in card.locator("dl").inner_text()
        page.screenshot(path=str(screenshots / f"reconcile-client-{lang}.png"))
        page.wait_for_timeout(100)
    finally:
        context.close()
    assert problems == []
    # The client asked only its own origin and the service; the card loaded nothing else.
    assert {_origin(url) for url in requests} == {client_origin, service}
