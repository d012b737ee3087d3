"""Each granian worker keeps to its own share of the CPUs (`worker_cpus`): the CPUs dealt out
in turn, each worker process claiming the next share; no pinning where a share would be part
of a CPU. The live server's workers are checked in `test_serve_workers.py`."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from citydip_ld.cli import main
from citydip_ld.server_settings import ServerSettings
from citydip_ld.worker_cpus import CpuShares, available_cpus, cpu_shares, process_alive

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


def _claim_and_report(shares: CpuShares, pipe: Any) -> None:
    """A worker: claim a share, say which and the CPUs it keeps to, then live until told (on
    its own pipe: a queue's or an event's lock shared with a worker that is then killed could
    be left held)."""
    claimed = shares.claim()
    pipe.send((claimed, frozenset(os.sched_getaffinity(0))))
    with contextlib.suppress(EOFError):
        pipe.recv()


@needs_linux
def test_each_worker_process_claims_a_share_no_live_worker_holds_and_keeps_to_it() -> None:
    """Two live workers hold the two shares; when the second dies, the worker started in its
    place takes its share, not the first's; a claim beyond the shares of live workers still
    gets one."""
    cpus = available_cpus()
    if cpus is None or len(cpus) < 2:
        pytest.skip(f"one CPU available here ({cpus}): there is no second share to give")
    context = multiprocessing.get_context("fork")
    shares = CpuShares(2)
    assert shares.shares is not None
    pipes: list[Any] = []
    workers: list[Any] = []

    def start() -> Any:
        pipe, theirs = context.Pipe()
        pipes.append(pipe)
        worker = context.Process(target=_claim_and_report, args=(shares, theirs))
        worker.start()
        workers.append(worker)
        assert pipe.poll(30)
        return pipe.recv()

    try:
        one, two = start(), start()
        assert [one[0], two[0]] == shares.shares
        workers[1].terminate()  # it dies; granian would start another in its place
        workers[1].join(30)
        three = start()
        assert three[0] == shares.shares[1]  # the dead one's, not the live first's
        four = start()  # all three live: more workers than shares
        assert four[0] in shares.shares
        for claimed, kept in (one, two, three, four):
            assert claimed == kept  # the process keeps to it
    finally:
        for pipe in pipes:
            with contextlib.suppress(OSError):
                pipe.send("done")
        for worker in workers:
            worker.join(30)
    assert frozenset(os.sched_getaffinity(0)) == frozenset(cpus)  # this one: untouched


@needs_linux
def test_a_claim_does_not_wait_for_good_on_a_lock_a_dead_worker_left_held() -> None:
    shares = CpuShares(2, cpus=available_cpus() or {0})
    if shares.shares is None:
        pytest.skip("one CPU available here: there are no shares to claim")
    assert shares._holders.get_lock().acquire()  # as by a worker killed in its claim
    mine = os.sched_getaffinity(0)
    try:
        assert shares.claim() in (*shares.shares, None)
    finally:
        os.sched_setaffinity(0, mine)  # this process: as it was


def test_a_zombie_or_no_process_is_not_alive() -> None:
    context = multiprocessing.get_context("fork")
    child = context.Process(target=os._exit, args=(0,))
    child.start()
    assert child.pid is not None
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped: a zombie
    assert not process_alive(child.pid)
    child.join(10)
    assert process_alive(os.getpid()) and not process_alive(0)
