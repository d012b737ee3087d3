"""No data loss: a build killed while it writes leaves every output file either as it was or
complete and new, never half-written; the next build cleans up after it.

The build runs in a child process whose `os.fsync` sends it SIGKILL on its N-th call: a real
kill, at every point of the write sequence in turn (after a temporary file is written and
before it is renamed over its target)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import copy_project, edit

OUTPUTS = ("dataset.trig", "dataset.nq", "dataset.jsonld", "dataset.ttl", "dataset.nt")
NETWORK = ("network.graphml", "network-nodes.csv", "network-edges.csv")
FILES = (*OUTPUTS, "context.jsonld", *NETWORK, "SHA256SUMS")  # in the order the build writes

KILLED_BUILD = """
import os, signal, sys
allowed = int(sys.argv[1])
calls = 0
real_fsync = os.fsync
def fsync_then_die(fd):
    global calls
    calls += 1
    if calls > allowed:
        os.kill(os.getpid(), signal.SIGKILL)
    real_fsync(fd)
os.fsync = fsync_then_die
from citydip_ld.cli import main
main(["build", "--out", "out"])
"""


def build(project: Path, die_after_fsyncs: int | None = None) -> int:
    command = [sys.executable, "-m", "citydip_ld.cli", "build", "--out", "out"]
    if die_after_fsyncs is not None:
        command = [sys.executable, "-c", KILLED_BUILD, str(die_after_fsyncs)]
    return subprocess.run(command, cwd=project, capture_output=True, timeout=300).returncode


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def versions(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    project = tmp_path_factory.mktemp("project")
    data = copy_project(project)
    assert build(project) == 0
    old = snapshot(project / "out")
    edit(data / "places.yaml", "label: {en: Wuhan,", "label: {en: Wuhan City,")
    assert build(project) == 0
    new = snapshot(project / "out")
    assert all(new[name] != old[name] for name in (*OUTPUTS, *NETWORK, "SHA256SUMS"))
    return project, old, new


@pytest.mark.parametrize("die_after", range(len(FILES)))
def test_a_build_killed_while_writing_loses_nothing(
    versions: tuple[Path, dict[str, bytes], dict[str, bytes]], die_after: int
) -> None:
    project, old, new = versions
    out = project / "out"
    for name, content in old.items():
        (out / name).write_bytes(content)
    code = build(project, die_after_fsyncs=die_after)
    assert code == -9  # really killed
    now = snapshot(out)
    assert all(now[name] in (old[name], new[name]) for name in FILES), "a half-written file"
    changing = [name for name in FILES if old[name] != new[name]]
    renewed = [name for name in changing if now[name] == new[name]]
    assert renewed == [name for name in FILES[:die_after] if name in changing]
    assert len(list(out.glob(".*.tmp"))) == 1  # the one being written when killed

    assert build(project) == 0  # the next build completes and cleans up
    assert snapshot(out) == new
    assert list(out.glob(".*.tmp")) == []
