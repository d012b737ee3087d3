"""Benchmark: a cold HTML page of a city in one process, this tree against another (main's).

Each tree gets a child process that opens the built dataset (`create_app`, response cache off,
queries in-process), warms up (the first page builds the geography, network and timeline),
then answers one city at a time from its stdin with the milliseconds of a whole request
through Flask's test client (`GET /doc/city/<slug>`, `Accept: text/html`), wall and CPU
(`thread_time`: what the request itself cost, less disturbed by a busy machine's other
processes than wall time). The parent sends
each city to the trees in turn, alternating which goes first, so both see the same load;
every city is asked once per tree (cold: nothing repeats). It also checks that the trees
answer the same bytes (sha256) for each city, and prints medians and p90 per tree. Timings
are never asserted in tests.

    python benchmarks/page_bench.py --dataset <S build> --before <main's tree> --cities 300

`--cities 0` asks every city; `--langs en,fa` asks each page in English and (`?lang=fa`)
Persian: with `--before`, the byte-for-byte check of every city page of a world in both
languages (`differing_pages`, and `differing` lists the first ones).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"

CHILD = r"""
import hashlib, sys, time
sys.path.insert(0, sys.argv[1])
from citydip_ld.web import create_app
app = create_app({"DATASET_DIR": sys.argv[2], "BASE": sys.argv[3], "RESPONSE_CACHE_BYTES": 0,
                  "QUERY_WORKERS": 0, "TESTING": True})
client = app.test_client()
for line in sys.stdin:
    path = line.strip()
    start, cpu = time.perf_counter(), time.thread_time()
    response = client.get(path, headers={"Accept": "text/html"})
    body = response.get_data()
    cpu = (time.thread_time() - cpu) * 1000
    took = (time.perf_counter() - start) * 1000
    digest = hashlib.sha256(body).hexdigest()
    print(response.status_code, f"{took:.3f}", f"{cpu:.3f}", digest, flush=True)
"""


def cities(dataset: Path) -> list[str]:
    """The city slugs of a built dataset (from its N-Quads, no store needed)."""
    prefix = f"<{BASE}id/city/"
    found: dict[str, None] = {}
    with (dataset / "dataset.nq").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(prefix):
                slug = line[len(prefix) : line.index(">")]
                if "#" not in slug:
                    found[slug] = None
    return list(found)


class Tree:
    def __init__(self, name: str, src: Path, dataset: Path) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(src), str(dataset.resolve()), BASE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # nothing written in a tree
        )
        self.times: list[float] = []
        self.cpu: list[float] = []

    def ask(self, path: str) -> tuple[int, float, float, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        status, took, cpu, digest = self.process.stdout.readline().split()
        return int(status), float(took), float(cpu), digest

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def run(
    dataset: Path,
    trees: dict[str, Path],
    count: int,
    warm: int,
    seed: int,
    langs: tuple[str, ...] = ("en",),
) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    slugs = cities(dataset)
    random.Random(seed).shuffle(slugs)
    chosen = slugs[: warm + count] if count else slugs
    paths = [path for slug in chosen for path in _variants(slug, langs)]
    children = [Tree(name, src, dataset) for name, src in trees.items()]
    differ: list[str] = []
    try:
        for n, path in enumerate(paths):
            order = children if n % 2 == 0 else children[::-1]
            answers = {child.name: child.ask(path) for child in order}
            if any(answer[0] != 200 for answer in answers.values()):
                raise SystemExit(f"{path}: {answers}")
            if len({answer[3] for answer in answers.values()}) > 1:
                differ.append(path)
            if n >= warm * len(langs):
                for child in children:
                    child.times.append(answers[child.name][1])
                    child.cpu.append(answers[child.name][2])
    finally:
        for child in children:
            child.close()
    result: dict[str, Any] = {
        "cities": count or len(chosen),
        "pages": len(paths),
        "differing_pages": len(differ),
        "differing": differ[:20],
        "load_average": {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]},
        "trees": {},
    }
    for child in children:
        ordered, cpu = sorted(child.times), sorted(child.cpu)
        result["trees"][child.name] = {
            "median_ms": round(statistics.median(ordered), 3),
            "p90_ms": round(ordered[int(len(ordered) * 0.9)], 3),
            "cpu_median_ms": round(statistics.median(cpu), 3),
            "cpu_p90_ms": round(cpu[int(len(cpu) * 0.9)], 3),
        }
    return result


def _variants(slug: str, langs: tuple[str, ...]) -> list[str]:
    """The page of city `slug` in each language (English without `?lang=`)."""
    return [f"/doc/city/{slug}" + ("" if lang == "en" else f"?lang={lang}") for lang in langs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a built dataset folder")
    parser.add_argument("--before", type=Path, help="another source tree (its src/ is used)")
    parser.add_argument("--cities", type=int, default=300, help="cities timed (0: all), each once")
    parser.add_argument("--langs", default="en", help="languages asked per city: en, fa or en,fa")
    parser.add_argument("--warm", type=int, default=5, help="first cities not timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    trees = {"after": ROOT / "src"}
    if args.before is not None:
        trees = {"before": args.before / "src", **trees}
    langs = tuple(lang for lang in args.langs.split(",") if lang)
    result = run(args.dataset, trees, args.cities, args.warm, args.seed, langs)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
