"""`app.py` is the WSGI entry point: importing it needs no built dataset, and the app it makes
reads its settings from CITYDIP_* environment variables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from flask import Flask

from citydip_ld.errors import CitydipError

APP_PY = Path(__file__).resolve().parent.parent / "app.py"


def load_app_module() -> object:
    spec = importlib.util.spec_from_file_location("citydip_app_entry", APP_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_py_makes_an_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, dataset_dir: Path
) -> None:
    monkeypatch.setenv("CITYDIP_DATASET_DIR", str(dataset_dir))
    monkeypatch.setenv("CITYDIP_QUERY_WORKERS", "0")
    monkeypatch.setenv("CITYDIP_QUERY_TIMEOUT", "3")
    app = load_app_module().app  # type: ignore[attr-defined]
    assert isinstance(app, Flask)
    assert app.config["DATASET_DIR"] == str(dataset_dir)
    assert app.config["QUERY_TIMEOUT"] == 3
    response = app.test_client().get("/id/city/tabriz", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/city/tabriz.ttl")


def test_without_a_build_it_answers_503_without_server_paths(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CITYDIP_DATASET_DIR", str(tmp_path / "nowhere"))
    app = load_app_module().app  # type: ignore[attr-defined]  (importing needed no dataset)
    client = app.test_client()
    for path in ("/doc/city/tabriz", "/sparql?query=ASK%7B%7D", "/"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 503, path
        error = response.get_json()["error"]
        assert error["title"] == "Dataset unavailable"
        assert "citydip-ld build" in error["detail"]
        assert str(tmp_path) not in response.get_data(as_text=True)


def test_a_base_setting_that_is_no_http_iri_stops_the_app_saying_why(
    monkeypatch: pytest.MonkeyPatch, dataset_dir: Path
) -> None:
    monkeypatch.setenv("CITYDIP_DATASET_DIR", str(dataset_dir))
    monkeypatch.setenv("CITYDIP_BASE", "http://data example.org/")
    with pytest.raises(CitydipError, match=r"the BASE setting: .* is not an IRI: Invalid IRI"):
        load_app_module()
