"""Each granian worker keeps to its own share of the CPUs (`worker_cpus`): the CPUs dealt out
in turn, each worker process claiming the next share; no pinning where a share would be part
of a CPU. The live server's workers are checked in `test_serve_workers.py`."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from citydip_ld.cli import main
from citydip_ld.server_settings import ServerSettings
from citydip_ld.worker_cpus import CpuShares, available_cpus, cpu_shares

needs_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="CPU affinity is set on Linux only"
)


def test_the_cpus_are_dealt_out_to_the_workers_in_turn() -> None:
    assert cpu_shares([0, 1], 2) == [frozenset({0}), frozenset({1})]
    assert cpu_shares([7, 3, 5, 1], 2) == [frozenset({1, 5}), frozenset({3, 7})]
    assert cpu_shares(range(8), 3) == [
        frozenset({0, 3, 6}),
        frozenset({1, 4, 7}),
        frozenset({2, 5}),
    ]


def test_one_worker_or_fewer_cpus_than_workers_pins_nothing() -> None:
    assert cpu_shares([0, 1, 2, 3], 1) is None
    assert cpu_shares([0, 1], 4) is None
    assert CpuShares(1, [0, 1]).claim() is None
    assert CpuShares(3, [0, 1]).claim() is None


@pytest.mark.parametrize(
    ("arguments", "environment", "pinned"),
    [
        ([], {}, True),
        (["--no-pin-workers"], {}, False),
        ([], {"CITYDIP_PIN_WORKERS": "false"}, False),
    ],
)
def test_serve_pins_its_workers_unless_told_not_to(
    mini_dataset_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    environment: dict[str, str],
    pinned: bool,
) -> None:
    from citydip_ld import granian_front

    assert ServerSettings().pin_workers is True
    seen: list[ServerSettings] = []
    monkeypatch.setattr(
        granian_front, "serve_granian", lambda _factory, settings, **_kw: seen.append(settings)
    )
    command = ["serve", "--dataset", str(mini_dataset_dir), "--no-check", "--port", "5999"]
    env: dict[str, str | None] = {"CITYDIP_PIN_WORKERS": None, **environment}
    result = CliRunner().invoke(main, [*command, *arguments], env=env)
    assert result.exit_code == 0, result.output
    assert [settings.pin_workers for settings in seen] == [pinned]


def _claim_and_report(shares: CpuShares, out: multiprocessing.Queue[object]) -> None:
    claimed = shares.claim()
    out.put((claimed, frozenset(os.sched_getaffinity(0))))


@needs_linux
def test_each_worker_process_claims_the_next_share_and_keeps_to_it() -> None:
    cpus = available_cpus()
    if cpus is None or len(cpus) < 2:
        pytest.skip(f"one CPU available here ({cpus}): there is no second share to give")
    context = multiprocessing.get_context("fork")
    shares = CpuShares(2)
    assert shares.shares is not None
    out: multiprocessing.Queue[object] = context.Queue()
    workers = [context.Process(target=_claim_and_report, args=(shares, out)) for _ in range(3)]
    for worker in workers:  # one after another: the claims' order is the start order
        worker.start()
        worker.join(30)
        assert worker.exitcode == 0
    reports = [out.get(timeout=10) for _ in workers]
    assert [claimed for claimed, _kept in reports] == [*shares.shares, shares.shares[0]]
    assert all(claimed == kept for claimed, kept in reports)  # the process keeps to it
    assert frozenset(os.sched_getaffinity(0)) == frozenset(cpus)  # this one: untouched
