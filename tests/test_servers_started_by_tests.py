"""The servers the tests start are stopped with everything they started: a server that
ignores SIGTERM is killed after the grace, and so are its children (granian's workers, a
query worker), which would otherwise outlive the test run holding its ports and memory."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from servers import OWN_GROUP, led_group, stop

#: A "server" that ignores SIGTERM, as a hung one does, with a child that ignores it too,
#: and prints the child's pid once both ignore it.
IGNORE = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN)"
HUNG = f"""
{IGNORE}
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "{IGNORE}; print(flush=True); time.sleep(600)"],
    stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _hung_server(**options: bool) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-c", HUNG], stdout=subprocess.PIPE, text=True, **options
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def test_a_hung_server_and_its_children_are_killed_at_stop() -> None:
    process, child = _hung_server(**OWN_GROUP)
    assert led_group(process) == process.pid
    started = time.monotonic()
    stop(process, grace=0.5)
    assert process.returncode is not None
    deadline = time.monotonic() + 5
    while _alive(child):
        assert time.monotonic() < deadline, "the server's child outlived stop()"
        time.sleep(0.05)
    assert time.monotonic() - started < 10


def test_a_server_in_the_tests_own_group_is_stopped_alone() -> None:
    process, child = _hung_server()
    try:
        assert led_group(process) is None  # the test run's group: never killed as a whole
        stop(process, grace=0.5)
        assert process.returncode is not None
        assert _alive(child)  # only what the server leads is killed with it
    finally:
        subprocess.run(["kill", "-9", str(child)], check=False)
