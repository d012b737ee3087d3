"""benchmarks/http_bench.py, benchmarks/load.py and benchmarks/check_engines.py keep working: each
runs in a tiny bounded mode on the shipped data and reports 0 errors and well-formed figures
(check_engines.py: both engines and its store peer, each exiting 0). No timing is
asserted (see benchmarks/README.md for the measured results)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest

ROOT = Path(__file__).resolve().parent.parent
CD = "http://localhost:5000/ontology#"
TABRIZ = "http://localhost:5000/id/city/tabriz"
TINY = ("--requests", "20", "--duration", "5", "--workers", "default")


def run_benchmark(script: str, dataset_dir: Path, out: Path, *args: str) -> dict[str, Any]:
    return run_script(script, out, "--dataset", str(dataset_dir), *args)


def run_script(script: str, out: Path, *args: str) -> dict[str, Any]:
    """Run benchmarks/`script` with `args` and `--json out`; it must succeed; its report."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args]
    done = subprocess.run(
        [*command, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def well_formed(figures: dict[str, Any], at_most: int) -> None:
    assert figures["errors"] == figures["server_errors"] == figures["connection_errors"] == 0
    assert figures["first_errors"] == []
    assert 0 < figures["requests"] <= at_most
    assert 0 < figures["median_ms"] <= figures["p99_ms"]
    assert figures["rps"] > 0


def partners_of_tabriz(dataset_dir: Path) -> int:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    query = f"SELECT ?p WHERE {{ <{TABRIZ}> <{CD}twinnedWith> ?p }}"
    return len(list(store.query(query, use_default_graph_as_union=True)))  # type: ignore[arg-type]


def test_http_benchmark_measures_every_kind_with_no_errors(
    dataset_dir: Path, tmp_path: Path
) -> None:
    report = run_benchmark(
        "http_bench.py", dataset_dir, tmp_path / "http.json", *TINY,
        "--warmup", "2", "--concurrency", "1,2", "--peers", "none",
    )  # fmt: skip
    figures = report["figures"]
    kinds = ("dereference", "html", "sister cities", "twinnings per country", "two-hop partners")
    assert {(row["kind"], row["concurrency"]) for row in figures} == {
        (kind, n) for kind in kinds for n in (1, 2)
    }
    assert {row["server"] for row in figures} == {"citydip workers=default"}
    for row in figures:
        well_formed(row, at_most=20)
        assert row["dataset_quads"] > 2000
    sister = next(row for row in figures if row["kind"] == "sister cities")
    assert sister["rows"] == partners_of_tabriz(dataset_dir) > 0
    assert any("p99" in verdict for verdict in report["targets"])


def test_load_benchmark_reports_traffic_memory_and_the_cut_runaway(
    dataset_dir: Path, tmp_path: Path
) -> None:
    report = run_benchmark(
        "load.py", dataset_dir, tmp_path / "load.json", *TINY,
        "--concurrency", "2", "--runaway-window", "1", "--runaway-wait", "5",
        "--cache-bytes", "16384", "--cache-min-uses", "1",
    )  # fmt: skip
    (mixed,) = report["mixed"]
    well_formed(mixed["traffic"]["all"], at_most=20)
    assert set(mixed["traffic"]) - {"all"} <= {
        "dereference", "html", "turtle document", "sparql partners", "sparql aggregate"
    }  # fmt: skip
    for which in ("rss_server", "rss_with_workers"):
        memory = mixed[which]
        assert memory["samples"] >= 1
        assert 0 < memory["first_mib"] <= memory["max_mib"]
    assert mixed["rss_with_workers"]["max_mib"] > mixed["rss_server"]["max_mib"]  # the pool
    memory = mixed["memory"]
    assert memory["per_minute"][0]["minute"] == 1
    assert len(memory["samples"]) == memory["server"]["samples"]
    assert memory["per_minute"][-1]["server_mib"] > 0
    # 20 distinct answers, each kept at once, fill a 16 KiB response cache: its log lines
    # give the moments
    events = memory["events"]
    fill = events["cache_fill"]
    assert fill and fill[-1]["full"] and fill[-1]["max_bytes"] == 16384
    assert all(0 < event["bytes"] <= 16384 for event in fill)
    assert events["cache_full_s"] == fill[-1]["at_s"] >= 0
    assert memory["slope_after_cache_full"]["from_s"] == fill[-1]["at_s"]
    assert events["warm_up_done_s"] is not None  # before the traffic: negative or near 0
    assert memory["slope_steady"]["from_s"] == max(fill[-1]["at_s"], events["warm_up_done_s"])
    assert memory["slope_whole"]["server_mib_per_min"] is None  # 5 s: too short for a slope
    (runaway,) = report["runaway"]
    assert runaway["query_timeout_s"] == 2.0
    assert runaway["runaway"]["status"] == 503  # stopped by the time limit, not answered
    assert runaway["runaway"]["wall_s"] > 0
    for phase in ("before", "during"):
        well_formed(runaway[phase]["all"], at_most=4000)
    assert runaway["after"]["errors"] == 0


def test_scale_benchmark_builds_shards_loads_a_store_folder_and_serves_it(
    tmp_path: Path,
) -> None:
    work, out = tmp_path / "work", tmp_path / "scale.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--work", str(work)]
    command += ["--size", "S", "--cities", "40", "--twinnings", "250", "--shards", "3"]
    command += ["--list-page", "1", "--requests", "5", "--duration", "3", "--warmup", "1"]
    done = subprocess.run(
        [*command, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())

    assert report["world"]["shards"] == 3 and report["build"]["shards_built"] == 3
    store = report["store"]
    assert store["graphs"] == 3 + 4  # three articles, curated, links, ontology, shapes
    assert 1000 < store["quads"] < store["quads_written_by_shards"]  # shared cities once
    kinds = {(row["kind"], row["server"]) for row in report["figures"]}
    assert ("sister cities", "oxigraph") in kinds and ("home", "citydip (store folder)") in kinds
    for row in report["figures"]:
        well_formed(row, at_most=5)
    memory = report["memory"]
    assert memory["citydip_after_start_mib"]["with_workers"] > 0


def test_scale_benchmark_stops_after_the_store_and_names_it_only_when_complete(
    tmp_path: Path,
) -> None:
    """`--until store`: steps 1-3, no server; the store is loaded as `store.partial` and renamed
    `store` once whole, and a rerun that finds a finished `store.partial` only renames it."""
    from citydip_ld.stores.disk_store import is_store_dir, read_info

    work, out = tmp_path / "work", tmp_path / "scale.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--work", str(work)]
    command += ["--size", "S", "--cities", "30", "--twinnings", "120", "--shards", "2"]
    command += ["--jobs", "1", "--until", "store", "--json", str(out)]

    def run() -> str:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    assert "store: loading 2 dump(s)" in run()
    report = json.loads(out.read_text())
    assert report["build"]["shards_built"] == 2 and "memory" not in report
    assert is_store_dir(work / "store") and not (work / "store.partial").exists()
    assert report["store"]["quads"] == read_info(work / "store").quads > 1000
    assert (work / "store" / "current" / "lists" / "city.txt").is_file()

    (work / "store").rename(work / "store.partial")  # as if stopped between load and rename
    assert "store: loading" not in run()
    assert is_store_dir(work / "store") and not (work / "store.partial").exists()
    assert json.loads(out.read_text())["store"] == report["store"]


def test_wrk_benchmark_serves_a_store_folder_against_oxigraph_read_only(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """`--store DIR`: citydip `serve --store` and `oxigraph serve-read-only` on the folder."""
    import shutil

    from citydip_ld.stores.disk_publish import write_store_dir
    from citydip_ld.stores.disk_store import read_info

    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk)")
    store = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], store, "http://localhost:5000/")
    out = tmp_path / "wrk.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "wrk_bench.py"), "--store", str(store),
         "--duration", "1", "--concurrency", "1", "--kinds", "cold document",
         "--cold-slice", "5", "--warm-up-wait", "120", "--json", str(out)],
        capture_output=True, text=True, timeout=180, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    [warm_up] = [row for row in figures if row["kind"] == "warm-up"]  # logged by citydip only
    assert warm_up["server"] == "citydip workers=default" and warm_up["seconds"] > 0
    rows = {row["server"]: row for row in figures if row["kind"] == "cold document"}
    assert set(rows) == {"citydip workers=default", "oxigraph"}
    for row in rows.values():
        assert row["errors"] == 0 and row["requests"] > 0 and row["distinct"] == 5
        assert row["dataset_quads"] == read_info(store).quads


def test_sandbox_benchmark_compares_the_guarded_thread_with_a_direct_run(
    dataset_dir: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sandbox.py"), "--dataset", str(dataset_dir),
         "--rounds", "1", "--queries", "50"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert report["direct_us_median"] > 0 and report["sandboxed_us_median"] > 0
    ratio = report["sandboxed_us_median"] / report["direct_us_median"]
    assert abs(report["ratio"] - ratio) < 0.02


def test_search_benchmark_measures_the_index_the_route_and_the_sparql_peer(
    dataset_dir: Path, tmp_path: Path
) -> None:
    report = run_benchmark(
        "search.py", dataset_dir, tmp_path / "search.json", "--queries", "30", "--peer-queries", "5"
    )
    figures = report["figures"]
    assert figures["index"]["samples"] == figures["route"]["samples"] == 30
    assert figures["sparql"]["samples"] == figures["index (peer's)"]["samples"] == 5
    for name in ("index", "route", "sparql"):
        assert 0 < figures[name]["median_ms"] <= figures[name]["p99_ms"]
    assert figures["queries_with_a_hit_of_the_peers"]["index"] == 5  # drawn from its labels
    assert report["index"]["resources"] > 100
    assert sum(report["forms"].values()) == 30


def test_check_benchmark_runs_each_engine_on_the_shipped_data(tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    script = str(ROOT / "benchmarks/check_engines.py")
    done = subprocess.run(
        [sys.executable, script, "--peers", "store", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert [row["engine"] for row in rows] == ["turbo", "pyshacl", "store"]
    for row in rows:
        [run] = row["runs"]
        assert run["exit"] == 0 and row["triples"] > 1000
        assert run["peak_rss_mib"] > 0 and run["wall_s"] > 0
    assert rows[0]["runs"][0]["last_line"] == "conforms: the dataset satisfies every shape"


def test_wrk_benchmark_measures_warm_and_cold_answers(dataset_dir: Path, tmp_path: Path) -> None:
    import shutil

    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk)")
    report = run_benchmark(
        "wrk_bench.py", dataset_dir, tmp_path / "wrk.json", "--duration", "1",
        "--concurrency", "1", "--peers", "none", "--cold-slice", "5",
    )  # fmt: skip
    rows = {row["kind"]: row for row in report["figures"] if row["kind"] != "rss"}
    assert set(rows) == {"warm document", "warm sparql", "cold document", "cold html"}
    for row in rows.values():
        assert row["errors"] == 0 and row["requests"] > 0 and row["rps"] > 0
        assert 0 < row["median_ms"] <= row["p99_ms"]
        assert row["cpu_us"] > 0 and row["load"] >= 0  # the server's CPU per request
    assert rows["cold document"]["distinct"] == 5


def test_cold_documents_benchmark_reads_every_document_once(
    dataset_dir: Path, tmp_path: Path
) -> None:
    report = run_benchmark("cold_documents.py", dataset_dir, tmp_path / "cold.json", "--count", "8")
    assert report["statuses"] == {"200": 9}  # the first opens the store, then 8 are timed
    assert report["documents"] == 8
    assert report["cpu_median_ms"] > 0
    assert report["median_ms"] > 0
    assert report["mean_bytes"] > 1000


def test_cold_documents_benchmark_reads_a_store_folder_like_the_build(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """`--store DIR` (M and L have no build folder): the same cities, the same documents."""
    from citydip_ld.stores.disk_publish import write_store_dir

    store = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], store, "http://localhost:5000/")
    built = run_benchmark("cold_documents.py", dataset_dir, tmp_path / "a.json", "--count", "8")
    stored = run_script(
        "cold_documents.py", tmp_path / "b.json", "--store", str(store), "--count", "8"
    )
    assert stored["statuses"] == {"200": 9} and stored["documents"] == 8
    assert stored["dataset_quads"] == built["dataset_quads"]
    assert stored["mean_bytes"] == built["mean_bytes"] > 1000  # the same eight documents


def test_cold_documents_benchmark_alternates_two_store_folders(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """`--against DIR`: every other document from a second store folder, in the same run."""
    from citydip_ld.stores.disk_publish import write_store_dir

    for name in ("a", "b"):
        write_store_dir([dataset_dir / "dataset.nq"], tmp_path / name, "http://localhost:5000/")
    both = ("--store", str(tmp_path / "a"), "--against", str(tmp_path / "b"))
    report = run_script("cold_documents.py", tmp_path / "both.json", *both, "--count", "6")
    assert report["statuses"] == {"200": 14}  # each folder: one to open it, then 6 timed
    assert report["documents"] == report["against_documents"] == 6
    assert report["against_cpu_median_ms"] > 0 and report["against_mean_bytes"] > 1000


def test_compare_documents_finds_two_stores_alike_and_a_different_one_apart(
    dataset_dir: Path, mini_dataset_dir: Path, tmp_path: Path
) -> None:
    """A store folder (with its label table) and the build it was published from give the
    same documents; the build of other data does not."""
    from citydip_ld.stores.disk_publish import write_store_dir

    store = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], store, "http://localhost:5000/")
    out = tmp_path / "same.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "compare_documents.py")]
    command += ["--store", str(store), "--formats", "ttl,nq"]
    done = subprocess.run(
        [*command, "--other-dataset", str(dataset_dir), "--count", "0", "--json", str(out)],
        capture_output=True, text=True, timeout=180, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["resources"] > 100 and report["documents_compared"] == 2 * report["resources"]
    other = subprocess.run(
        [*command, "--other-dataset", str(mini_dataset_dir), "--count", "3"],
        capture_output=True, text=True, timeout=180, check=False, cwd=ROOT,
    )  # fmt: skip
    assert other.returncode != 0 and "/doc/" in other.stderr


def test_page_benchmark_compares_two_trees_on_the_same_cities(
    dataset_dir: Path, tmp_path: Path
) -> None:
    report = run_benchmark(
        "page_bench.py", dataset_dir, tmp_path / "pages.json", "--before", str(ROOT),
        "--cities", "4", "--warm", "1", "--langs", "en,fa",
    )  # fmt: skip
    assert report["cities"] == 4
    assert report["pages"] == 10  # the warm city too, in each language
    assert report["differing_pages"] == 0  # the same tree twice: the same bytes
    assert set(report["trees"]) == {"before", "after"}
    for figures in report["trees"].values():
        assert 0 < figures["median_ms"] <= figures["p90_ms"]
        assert 0 <= figures["cpu_median_ms"] <= figures["cpu_p90_ms"]


@pytest.mark.parametrize(
    ("servers", "names"),
    [
        ((), {"citydip workers=default", "citydip workers=default baseline"}),
        (
            ("--server", "granian", "--before-server", "waitress"),
            {"citydip granian workers=default", "citydip workers=default"},
        ),
    ],
    ids=["two trees", "two servers on this tree"],
)
def test_page_http_benchmark_alternates_two_trees_in_rounds(
    dataset_dir: Path, tmp_path: Path, servers: tuple[str, ...], names: set[str]
) -> None:
    import shutil

    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk)")
    report = run_benchmark(
        "page_http.py", dataset_dir, tmp_path / "page_http.json", "--before", str(ROOT),
        "--rounds", "2", "--duration", "1", "--settle", "0", "--slice", "3", *servers,
    )  # fmt: skip
    assert report["rounds"] == 2 and len(report["load_average"]) == 2
    assert set(report["servers"]) == names
    for figures in report["servers"].values():
        assert figures["errors"] == 0 and figures["rps"] > 0
        assert len(figures["medians_ms"]) == len(figures["p99_ms"]) == 2
        assert figures["median_of_medians_ms"] > 0
        # 3 cities a round, asked hundreds of times: the repeats (cache hits) are counted
        assert figures["repeated"] > 0
        assert figures["per_request"]["cpu_ms"] > 0  # the server's CPU, from /proc
        assert set(figures["per_request"]) == {"cpu_ms", "minflt", "voluntary", "involuntary"}


def test_warm_up_steps_reports_every_step(dataset_dir: Path, tmp_path: Path) -> None:
    """benchmarks/warm_up_steps.py: one row per step of the warm-up, in order, with figures."""
    out = tmp_path / "steps.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "warm_up_steps.py")]
    done = subprocess.run(
        [*command, "--dataset", str(dataset_dir), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = json.loads(out.read_text())
    steps = ["lists", "search", "timeline", "geography", "network", "geojson", "trim"]
    assert [row["step"] for row in rows] == steps
    for row in rows:
        assert row["wall_s"] >= 0 and row["cpu_s"] >= 0
        assert 0 < row["rss_mib"] <= row["peak_mib"]
    assert "search " in done.stdout and "trim " in done.stdout


def test_warm_up_steps_compute_leaves_the_prepared_views_unread(
    published: Path, tmp_path: Path
) -> None:
    """`--compute`, the A/B against reading the views `publish` prepared: on a folder whose
    search view is damaged, a warm-up that reads it says so in its log; one that computes
    every view never opens it."""
    import os
    import shutil

    from citydip_ld.stores.disk_store import CURRENT
    from citydip_ld.stores.prepared_views import view_path

    folder = tmp_path / "store"
    shutil.copytree(published, folder, symlinks=True, copy_function=os.link)
    damaged = view_path((folder / CURRENT).resolve(), "search")
    header = damaged.read_bytes().split(b"\n", 1)[0]
    damaged.unlink()  # a hard link to the shared folder's file: replaced, not written through
    damaged.write_bytes(header + b"\nnot a pickle")
    command = [sys.executable, str(ROOT / "benchmarks" / "warm_up_steps.py"), "--store"]
    command += [str(folder), "--steps", "lists,search"]
    logs = {}
    for extra in ([], ["--compute"]):
        done = subprocess.run(
            [*command, *extra], capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        logs[" ".join(extra)] = done.stdout + done.stderr
    assert "the prepared view could not be read" in logs[""]
    assert "the prepared view could not be read" not in logs["--compute"]
