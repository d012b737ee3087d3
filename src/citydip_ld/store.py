"""Where the triples live: the store protocol and its embedded Oxigraph implementation.

Owner: SPARQL work. The web layer only talks to `Store`; a remote SPARQL store can take
its place (see the remote-store issue).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pyoxigraph

from citydip_ld.errors import LoadError

DATASET_FILE = "dataset.nq"


class Store(Protocol):
    """A read-only quad store that answers SPARQL."""

    def query(self, sparql: str, **options: Any) -> Any:
        """Run a SPARQL query; options follow pyoxigraph's `Store.query`."""
        ...


class OxigraphStore:
    """The embedded default: an in-memory pyoxigraph store loaded from a built dataset."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self._store = store

    @classmethod
    def from_dataset_dir(cls, directory: str | Path) -> OxigraphStore:
        path = Path(directory) / DATASET_FILE
        if not path.is_file():
            raise LoadError(f"{path}: no built dataset here; run `citydip-ld build` first")
        store = pyoxigraph.Store()
        store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
        return cls(store)

    def query(self, sparql: str, **options: Any) -> Any:
        options.setdefault("use_default_graph_as_union", True)
        return self._store.query(sparql, **options)


def open_store(dataset_dir: str | Path) -> Store:
    """Open the store the app and CLI answer from."""
    return OxigraphStore.from_dataset_dir(dataset_dir)
