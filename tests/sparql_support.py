"""Helpers shared by the SPARQL test modules: the test dataset, apps on it, a live server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Flask

from citydip_ld.web import create_app

DATA = Path(__file__).resolve().parent / "data"
BASE = "http://localhost:5000/"
ID = BASE + "id/"
CD = BASE + "ontology#"

SISTER_CITIES = f"""
PREFIX cd: <{CD}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?city ?label WHERE {{
  <{ID}city/tabriz> cd:twinnedWith ?city .
  ?city rdfs:label ?label FILTER(lang(?label) = "en")
}} ORDER BY ?label
"""


def write_dataset_dir(target: Path, trig: Path = DATA / "sparql.trig") -> Path:
    """A directory shaped like `citydip-ld build` output (`dataset.nq`) from a TriG file."""
    target.mkdir(parents=True, exist_ok=True)
    quads = pyoxigraph.parse(path=str(trig), format=pyoxigraph.RdfFormat.TRIG)
    pyoxigraph.serialize(quads, str(target / "dataset.nq"), pyoxigraph.RdfFormat.N_QUADS)
    return target


def make_app(dataset_dir: Path, **config: Any) -> Flask:
    settings: dict[str, Any] = {
        "TESTING": True,
        "DATASET_DIR": str(dataset_dir),
        "BASE": BASE,
        "QUERY_WORKERS": 0,
    }
    settings.update(config)
    return create_app(settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(app: Flask, threads: int = 4) -> Iterator[str]:
    """Serve `app` with waitress on 127.0.0.1 in a thread; yield the `/sparql` URL."""
    from web_support import live_server as serve_app

    with serve_app(app, threads=threads) as server:
        yield f"{server.url}/sparql"
