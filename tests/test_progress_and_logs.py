"""What a newcomer expects of a Python tool (issue 12.9): long commands show progress on a
terminal and stay quiet when stderr is not one; `--log-level` on the command group; the
application's messages and the access log in one format (JSON lines)."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

from citydip_ld.logs import configure_logging
from citydip_ld.progress import Progress
from citydip_ld.serving import AccessLog

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["time", "level", "logger", "message"]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "citydip_ld.cli", *args]


def test_build_is_quiet_on_stderr_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    done = subprocess.run(
        command("build", "--out", str(tmp_path / "out"), "--format", "nquads"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("built ") and "\r" not in done.stdout


def test_build_shows_its_steps_on_a_terminal_and_clears_the_line(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            command("build", "--out", str(tmp_path / "out"), "--format", "nquads"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=300,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = seen.decode()
    assert "reading the facts in data and building the dataset" in text
    assert "serialising" in text and "] writing " in text  # cut to the terminal width
    assert text.endswith("\r")  # the status line is cleared at the end
    assert done.stdout.startswith("built ")  # the result line itself is unchanged


def test_log_level_info_logs_the_steps_as_json_lines(tmp_path: Path) -> None:
    done = subprocess.run(
        command(
            "--log-level", "info", "build", "--out", str(tmp_path / "out"), "--format", "nquads"
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert records and all(list(record)[:4] == KEYS for record in records)
    assert {record["logger"] for record in records} == {"citydip_ld.progress"}
    assert records[0]["level"] == "info"
    assert records[0]["message"].startswith("reading the facts in data")


def test_the_log_level_is_checked_and_has_an_environment_variable() -> None:
    bad = subprocess.run(
        command("--log-level", "loud", "build", "--help"), capture_output=True, text=True
    )
    assert bad.returncode == 2 and "'loud' is not one of" in bad.stderr
    helped = subprocess.run(command("--help"), capture_output=True, text=True)
    assert "--log-level" in helped.stdout and "CITYDIP_LOG_LEVEL" in helped.stdout


def test_application_messages_and_the_access_log_share_one_format() -> None:
    stream = io.StringIO()
    configure_logging("warning", stream)
    try:
        logging.getLogger("citydip_ld.stores.store").error("query worker %s died", 42)
        logging.getLogger("citydip_ld.stores.store").info("not shown at warning")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("citydip_ld.web").exception("unexpected")

        def app(environ: dict[str, object], start_response: object) -> list[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
            return [b"ok"]

        body = AccessLog(app, stream)(  # type: ignore[arg-type]
            {"REQUEST_METHOD": "GET", "PATH_INFO": "/doc/city/tabriz", "REMOTE_ADDR": "127.0.0.1"},
            lambda status, headers, exc_info=None: None,  # type: ignore[arg-type,misc]
        )
        assert b"".join(body) == b"ok"
    finally:
        configure_logging("warning")
    first, second, access = (json.loads(line) for line in stream.getvalue().splitlines())
    for record in (first, second, access):
        assert list(record)[:4] == KEYS
        assert record["time"].endswith("+00:00")
    assert (first["level"], first["logger"], first["message"]) == (
        "error",
        "citydip_ld.stores.store",
        "query worker 42 died",
    )
    assert "RuntimeError: boom" in second["exception"]
    assert (access["level"], access["logger"], access["message"]) == (
        "info",
        "citydip_ld.access",
        "GET /doc/city/tabriz 200",
    )
    assert (access["path"], access["status"], access["bytes"]) == ("/doc/city/tabriz", 200, 2)


def test_progress_is_a_no_op_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress("step one")
    assert stream.getvalue() == ""
    with Progress(stream, enabled=True) as progress:
        progress("step one")
        progress("two")
    assert "step one" in stream.getvalue() and stream.getvalue().endswith("\r")
