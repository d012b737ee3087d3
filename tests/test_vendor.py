"""Browser libraries are npm packages served by the site itself, with their licences."""

from __future__ import annotations

from pathlib import Path

import pytest

from citydip_ld.web import create_app
from citydip_ld.web.vendor import LIBRARIES, default_vendor_dir

NODE_MODULES = default_vendor_dir()
needs_npm = pytest.mark.skipif(
    not (NODE_MODULES / "leaflet" / "package.json").exists(),
    reason="node_modules/ has no browser libraries: run `npm ci` (make install)",
)


@pytest.fixture
def client(tmp_path: Path):
    app = create_app({"TESTING": True, "DATASET_DIR": str(tmp_path)})
    return app.test_client()


@needs_npm
@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_every_listed_file_of_every_library_is_served(client, name: str) -> None:
    library = LIBRARIES[name]
    root = NODE_MODULES / library.package
    for pattern in library.files:
        files = sorted(root.glob(pattern))
        assert files, f"{library.package} has no {pattern}"
        for path in files:
            relative = path.relative_to(root).as_posix()
            response = client.get(f"/vendor/{name}/{relative}")
            assert response.status_code == 200, relative
            assert response.data == path.read_bytes()
            assert "max-age=31536000" in response.headers["Cache-Control"]
            assert "Expires" not in response.headers


@needs_npm
def test_the_library_page_names_versions_and_licences(client) -> None:
    page = client.get("/vendor/").get_data(as_text=True)
    assert "leaflet" in page and "1.9.4" in page and "BSD-2-Clause" in page
    response = client.get("/vendor/leaflet/LICENSE")
    assert response.status_code == 200 and b"BSD 2-Clause License" in response.data


@needs_npm
@pytest.mark.parametrize(
    "path",
    [
        "/vendor/leaflet/package.json",  # not a listed file
        "/vendor/leaflet/src/Leaflet.js",
        "/vendor/leaflet/../cytoscape/dist/cytoscape.min.js",
        "/vendor/leaflet/dist/..%2f..%2fworld-atlas/countries-110m.json",
        "/vendor/nothing/dist/leaflet.js",
        "/vendor/@comunica/query-sparql/package.json",  # a test client, never served
    ],
)
def test_nothing_but_listed_files_is_served(client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_without_node_modules_no_page_asks_for_a_library(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(tmp_path), "VENDOR_DIR": str(tmp_path / "none")}
    )
    with app.test_request_context("/"):
        from citydip_ld.web.vendor import vendor_url

        assert vendor_url("leaflet", "dist/leaflet.js") is None
    assert app.test_client().get("/vendor/leaflet/dist/leaflet.js").status_code == 404
    page = app.test_client().get("/vendor/").get_data(as_text=True)
    assert "not installed" in page
