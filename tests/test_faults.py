"""Faults survived, nothing lost (issue 12.5). Each test runs real processes on 127.0.0.1:
`citydip-ld serve` and `citydip-ld publish` as subprocesses, `oxigraph serve` as the remote
store. A missing store answers 503 with a readable reason and the server recovers by itself
when it is back; a publication that is killed, runs out of disk space or meets another one
leaves the published generation serving unchanged."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyoxigraph
import pytest

from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.disk_store import CURRENT, LOCK, live_generation, read_info
from citydip_ld.stores.publish import publish_dataset
from fault_support import (
    BASE,
    Answer,
    count_quads,
    get,
    oxigraph_on,
    publish_command,
    serve,
    start_publish,
    wait_until,
    write_big_dataset,
)
from remote_support import write_dataset
from sparql_support import free_port

#: Quads of the synthetic dataset: loading it into a store folder takes a few seconds.
BIG = 60_000


def unavailable(answer: Answer | int) -> Answer:
    """`answer` must be the one-shape 503 of a store that is not there."""
    assert isinstance(answer, Answer), f"expected a 503, got a count of {answer}"
    assert answer.status == 503, answer.body
    error = answer.json()["error"]
    assert error["title"] == "Store unavailable"  # type: ignore[index]
    assert answer.headers["cache-control"] == "no-store"
    return answer


def half_of(dataset_dir: Path, target: Path) -> tuple[Path, int]:
    quads = list(
        pyoxigraph.parse(path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    )
    return write_dataset(target, quads[: len(quads) // 2]), len(quads) // 2


def test_a_store_folder_removed_or_replaced_under_a_running_server(
    dataset_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    full = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE).quads
    smaller, half = half_of(dataset_dir, tmp_path / "half")

    with serve("--store", str(folder), "--dataset", str(dataset_dir)) as server:
        assert count_quads(server.url) == full
        page = get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples")
        assert page.status == 200 and b'"Tabriz"@en' in page.body

        # Moved away (or deleted): 503 with the reason and a Retry-After, on every route;
        # RocksDB would otherwise go on answering from the deleted files it holds open.
        folder.rename(tmp_path / "moved-away")
        answer = unavailable(count_quads(server.url))
        detail = answer.json()["error"]["detail"]  # type: ignore[index]
        assert "store folder" in detail and "publish --to DIR" in detail
        assert str(tmp_path) not in detail  # the server's paths stay in its log
        assert answer.headers["retry-after"] == "5"
        assert get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples").status == 503
        assert get(f"{server.url}/", "text/html").status == 503
        assert server.process.poll() is None

        # Back: answers again, no restart.
        (tmp_path / "moved-away").rename(folder)
        assert count_quads(server.url) == full
        assert get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples").body == page.body

        # Replaced by another store folder under the same name: that one answers.
        shutil.rmtree(folder)
        unavailable(count_quads(server.url))
        write_store_dir([smaller / "dataset.nq"], folder, BASE)
        assert count_quads(server.url) == half
        home = get(f"{server.url}/", "text/html")
        assert home.status == 200

        # Republished in place: the running server follows the switch.
        write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)
        assert count_quads(server.url) == full
        assert server.process.poll() is None
    assert any("answering 503 until it is back" in line for line in server.log)
    assert not any("Traceback" in line for line in server.log)


def test_a_remote_store_that_goes_down_and_comes_back(dataset_dir: Path, tmp_path: Path) -> None:
    location, port = tmp_path / "oxigraph", free_port()
    with oxigraph_on(location, port) as store:
        expected = publish_dataset(dataset_dir, store).triples
    endpoint = f"http://127.0.0.1:{port}/query"

    with serve("--store", endpoint, "--dataset", str(dataset_dir)) as server:
        unavailable(count_quads(server.url))  # not up yet
        with oxigraph_on(location, port):
            assert count_quads(server.url) == expected
            page = get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples")
            assert page.status == 200 and b'"Tabriz"@en' in page.body
        answer = unavailable(count_quads(server.url))  # down
        assert "cannot reach the store" in answer.json()["error"]["detail"]  # type: ignore[index]
        assert get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples").status == 503
        with oxigraph_on(location, port):  # back, same place
            assert count_quads(server.url) == expected
            assert get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples").body == (
                page.body
            )
        assert server.process.poll() is None


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_big_dataset(tmp_path_factory.mktemp("big"), BIG)


def staging(folder: Path) -> list[Path]:
    return sorted(folder.glob(".data-*.tmp"))


def test_publish_killed_midway_leaves_the_published_generation_serving(
    dataset_dir: Path, big_dataset: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    full = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE).quads
    live = live_generation(folder)

    with serve("--store", str(folder), "--dataset", str(dataset_dir)) as server:
        assert count_quads(server.url) == full
        publication = start_publish(big_dataset, str(folder))
        wait_until(lambda: bool(staging(folder)), what="the publication started loading")
        time.sleep(0.5)
        publication.send_signal(signal.SIGKILL)  # no cleanup, no finally: a real kill
        publication.wait(10)
        assert publication.returncode == -signal.SIGKILL

        assert staging(folder), "the kill left its half-loaded generation behind"
        assert live_generation(folder) == live
        assert count_quads(server.url) == full
        assert get(f"{server.url}/doc/city/tabriz.nt", "application/n-triples").status == 200

        # The next publication is not blocked by the dead one (the kernel dropped its lock),
        # clears what it left, and the running server follows the switch.
        done = subprocess.run(
            publish_command(big_dataset, str(folder)), capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert not staging(folder)
        assert read_info(folder).quads == BIG
        assert count_quads(server.url) == BIG


def limit_file_size() -> None:
    """In the child: no file may grow past 1 MiB (as on a full disk, writes fail)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


def test_publish_out_of_disk_space_leaves_the_published_generation_serving(
    dataset_dir: Path, big_dataset: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    full = write_store_dir([dataset_dir / "dataset.nq"], folder, BASE).quads
    live = live_generation(folder)

    with serve("--store", str(folder), "--dataset", str(dataset_dir)) as server:
        publication = start_publish(big_dataset, str(folder), preexec_fn=limit_file_size)
        out, err = publication.communicate(timeout=300)

        assert publication.returncode == 2, out + err
        assert "File too large" in err and "free disk space" in err
        assert "the published generation is unchanged" in err
        assert "Traceback" not in err
        assert not staging(folder)
        assert live_generation(folder) == live
        assert count_quads(server.url) == full
        assert server.process.poll() is None


def test_two_publications_into_one_folder_at_once(
    dataset_dir: Path, big_dataset: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder, BASE)

    first = start_publish(big_dataset, str(folder))
    wait_until(lambda: bool(staging(folder)), what="the first publication holds the lock")
    second = subprocess.run(
        publish_command(dataset_dir, str(folder)), capture_output=True, text=True, timeout=120
    )
    _out, err = first.communicate(timeout=300)

    assert second.returncode == 2
    assert f"{LOCK}: another `citydip-ld publish` is writing to this store folder" in second.stderr
    assert f"pid {first.pid}" in second.stderr and "nothing was changed" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, err
    # Nothing corrupted: the first publication's generation is live and complete.
    assert read_info(folder).quads == BIG
    assert not staging(folder)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("data-")) == sorted(
        [CURRENT, LOCK]
    )
    with serve("--store", str(folder), "--dataset", str(dataset_dir)) as server:
        assert count_quads(server.url) == BIG
