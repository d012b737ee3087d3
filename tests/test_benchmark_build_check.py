"""benchmarks/build_check.py keeps working: build, check and the pyshacl-turbo peer on the
shipped data, each exiting 0 (figures in benchmarks/README.md; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_build_check_benchmark_runs_build_check_and_the_peer(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    script = str(ROOT / "benchmarks/build_check.py")
    command = [sys.executable, script, "--scratch", str(tmp_path / "scratch"), "--json", str(out)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert list(rows) == [
        "after: build",
        "after: check",
        "after: check, facts built",
        "peer: pyshacl-turbo alone",
    ]
    for row in rows.values():
        assert row["exits"] == [0] and row["cpu_s"] > 0 and row["peak_rss_mib"] > 0
    assert result["triples"] > 1000
    assert (tmp_path / "scratch/build-after/dataset.jsonld").is_file()
    assert "x" in done.stdout.splitlines()[-1]  # build + check against the peer
