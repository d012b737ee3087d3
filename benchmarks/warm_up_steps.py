"""The warm-up of `serve`, step by step, in one process: wall time, CPU time and RSS after
each of `web.warm_up`'s steps (each after the previous; "trim" is its end: the collector's
freeze and the C heap's free pages handed back), on a store folder or a built dataset.

    python benchmarks/warm_up_steps.py --store DIR        # a store folder (`publish --to DIR`)
    python benchmarks/warm_up_steps.py --dataset DIR      # a built dataset, embedded store
    python benchmarks/warm_up_steps.py --store DIR --steps search,geography --json OUT
    python benchmarks/warm_up_steps.py --store DIR --compute   # the views `publish` prepared
                                                               # left unread: computed

Queries run in this thread (QUERY_WORKERS 0), so the CPU time is the whole step's. RSS is read
from /proc after a full collection; "peak" is the process's high-water mark so far (VmHWM).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from citydip_ld.iris import KINDS, normalise_base
from citydip_ld.web import create_app, maps, return_free_memory
from citydip_ld.web.context import (
    get_geography,
    get_listing,
    get_network,
    get_search_index,
    get_statistics,
    get_timeline,
    hide_from_collector,
)

STEPS = ("lists", "search", "timeline", "geography", "network", "geojson", "trim")


def _status(field: str) -> float:
    """A `VmRSS`/`VmHWM` line of /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def step_actions(app: Flask) -> dict[str, Callable[[], object]]:
    """What each step of `web.warm_up` computes, by name."""
    base = normalise_base(str(app.config["BASE"]))

    def lists() -> object:
        get_statistics(base)
        return [get_listing(base, kind) for kind in KINDS]

    def geojson() -> object:
        with app.test_request_context("/"):
            return maps.network_geojson()

    return {
        "lists": lists,
        "search": lambda: get_search_index(base),
        "timeline": lambda: get_timeline(base),
        "geography": lambda: get_geography(base),
        "network": lambda: get_network(base),
        "geojson": geojson,
        "trim": lambda: (hide_from_collector(), return_free_memory()),
    }


def leave_unread(_generation: object, _base: str, _name: str) -> None:
    """`prepared_views.read_prepared_view` for `--compute`: no view is found prepared, so
    the warm-up computes each from the store (the A/B against reading them)."""
    return None


def run(app: Flask, steps: list[str]) -> list[dict[str, Any]]:
    """Each step's figures, in order."""
    actions = step_actions(app)
    rows = []
    with app.app_context():
        for name in steps:
            wall, cpu = time.perf_counter(), _cpu()
            actions[name]()
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            gc.collect()
            rows.append(
                {
                    "step": name,
                    "wall_s": round(wall, 2),
                    "cpu_s": round(cpu, 2),
                    "rss_mib": round(_status("VmRSS")),
                    "peak_mib": round(_status("VmHWM")),
                }
            )
            print(
                f"{name:10} wall {wall:8.1f} s  cpu {cpu:8.1f} s  "
                f"RSS {rows[-1]['rss_mib']:6} MiB  peak {rows[-1]['peak_mib']:6} MiB",
                flush=True,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", help="a store folder")
    where.add_argument("--dataset", help="a built dataset folder (embedded store)")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated, in order")
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument(
        "--compute",
        action="store_true",
        help="compute the views from the store even where the folder holds them prepared",
    )
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown steps {unknown}; known: {', '.join(STEPS)}")
    config: dict[str, Any] = {"QUERY_WORKERS": 0, "TESTING": True}
    if args.store:
        config["STORE"] = args.store
    else:
        config["DATASET_DIR"] = args.dataset
    app = create_app(config)
    if args.compute:
        from citydip_ld.web import context

        context.read_prepared_view = leave_unread
    with app.app_context():
        from citydip_ld.web.context import get_store

        get_store()
    gc.collect()
    print(f"opened: RSS {_status('VmRSS'):.0f} MiB", flush=True)
    rows = run(app, steps)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
