"""`python -m citydip_ld` is the same command line as `citydip-ld`: names itself the same way,
runs the same commands and returns the same exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from citydip_ld.cli import main


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citydip_ld", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_help_lists_every_command_under_the_tools_name() -> None:
    result = run_module("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: citydip-ld [OPTIONS] COMMAND")
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"  {name} " in result.stdout, name


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    result = run_module("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"citydip-ld, version {version('citydip-ld')}"


def test_a_usage_error_exits_2_with_a_message() -> None:
    result = run_module("no-such-command")
    assert result.returncode == 2
    assert "No such command 'no-such-command'" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_runs_a_real_command(project: Path) -> None:
    result = run_module("build", "--out", "out", "--format", "turtle", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "dataset.ttl").stat().st_size > 10_000
    assert (project / "out" / "SHA256SUMS").is_file()
