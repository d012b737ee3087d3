"""`rdf.forked.Forked`: a piece of the build computed in a forked child, the same bytes as
computed in the process, and an error in it surfaces in the parent as it would without one."""

from __future__ import annotations

import os

import pytest

from citydip_ld.errors import LoadError
from citydip_ld.rdf import forked
from citydip_ld.rdf.forked import Forked


def test_the_bytes_are_the_child_s_and_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "_cores", lambda: 2)
    parent = os.getpid()
    computed_here: list[int] = []

    def compute() -> bytes:
        if os.getpid() == parent:
            computed_here.append(1)
        return b"".join(bytes([n % 256]) for n in range(300_000))

    assert Forked(compute).result() == compute()
    assert computed_here == [1]  # only the call above ran here: the job's ran in the child


def test_a_failing_child_is_computed_again_here_and_raises_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked, "_cores", lambda: 2)
    parent = os.getpid()

    def compute() -> bytes:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)  # the child dies: the parent computes the bytes itself
        return b"here"

    assert Forked(compute).result() == b"here"

    def broken() -> bytes:
        raise LoadError("data/x.yaml:1: broken")

    with pytest.raises(LoadError, match="broken"):
        Forked(broken).result()


def test_one_core_computes_here_and_cancel_reaps_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked, "_cores", lambda: 1)
    assert Forked(lambda: b"x").result() == b"x"
    monkeypatch.setattr(forked, "_cores", lambda: 2)
    job = Forked(lambda: b"y" * 10)
    pid = job._pid
    assert pid is not None
    job.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped already
