"""Check: the documents of two store folders of the same data are the same bytes, e.g. one
published with a label table (`stores/label_table.py`) and one without (older code, or the
table's record removed), or the documents of a store folder and of the built dataset it was
published from. Not a timing: it fails on the first difference.

Each resource of every kind (the store folder's `lists/`; `--count` of each kind drawn at
random, 0 for all) is asked of both apps, through their WSGI callables (the document route
in front of Flask, as `serve` has it), in Turtle, N-Triples, N-Quads, TriG and RDF/XML
(`--formats`), and the status, `Content-Type` and body compared.

    python benchmarks/compare_documents.py --store <with table> --other <without> --count 300
    python benchmarks/compare_documents.py --store <S folder> --other-dataset <S build> --count 0
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import harness as h
from werkzeug.test import EnvironBuilder

from citydip_ld.iris import KINDS
from citydip_ld.web import create_app


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store folder")
    other = parser.add_mutually_exclusive_group(required=True)
    other.add_argument("--other", type=Path, help="another store folder of the same data")
    other.add_argument("--other-dataset", type=Path, help="the built dataset of the same data")
    parser.add_argument("--count", type=int, default=300, help="resources of each kind; 0: all")
    parser.add_argument("--formats", default="ttl,nt,nq,trig,rdf")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the counts here as JSON")
    return parser.parse_args()


def resources(store: Path, count: int, seed: int) -> list[str]:
    """`count` IRIs of each kind (all with 0) from the live generation's list orders."""
    lists = (store / "current").resolve() / "lists"
    chosen: list[str] = []
    for kind in KINDS:
        path = lists / f"{kind}.txt"
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        iris = text.split("\n")[:-1]  # not splitlines: an IRI may hold U+2028
        if count and len(iris) > count:
            iris = random.Random(seed).sample(iris, count)
        chosen += iris
    return chosen


def answer(app: Any, path: str) -> tuple[str, str, bytes]:
    """Status, Content-Type and body of GET `path`."""
    got: dict[str, Any] = {}

    def start_response(status: str, headers: Any, _exc: Any = None) -> None:
        got["status"], got["type"] = status, dict(headers).get("Content-Type", "")

    body = b"".join(app(EnvironBuilder(path=path).get_environ(), start_response))
    return got["status"], got["type"], body


def main() -> None:
    args = parse_args()
    settings: dict[str, Any] = {"QUERY_WORKERS": 0, "BASE": h.BASE}
    first = create_app({**settings, "STORE": str(args.store)})
    if args.other is not None:
        second = create_app({**settings, "STORE": str(args.other)})
    else:
        second = create_app({**settings, "DATASET_DIR": str(args.other_dataset)})
    iris = resources(args.store, args.count, args.seed)
    formats = args.formats.split(",")
    started = time.monotonic()
    compared = 0
    for iri in iris:
        path = "/doc/" + iri.removeprefix(h.BASE + "id/")
        for ext in formats:
            mine, theirs = answer(first, f"{path}.{ext}"), answer(second, f"{path}.{ext}")
            if mine != theirs:
                raise SystemExit(f"{path}.{ext}: {mine[:2]} {len(mine[2])} bytes != "
                                 f"{theirs[:2]} {len(theirs[2])} bytes")  # fmt: skip
            if not mine[0].startswith("200"):
                raise SystemExit(f"{path}.{ext}: {mine[0]}")
            compared += 1
    figures = {
        "resources": len(iris),
        "documents_compared": compared,
        "formats": formats,
        "seconds": round(time.monotonic() - started, 1),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
