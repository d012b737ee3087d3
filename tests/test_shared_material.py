"""Without `../shared/` the tests that read it skip, naming what is missing; where it is
required (the folder exists, or CITYDIP_REQUIRE_SHARED=1 as `.ci/run` sets) those skips are
failures. Run on tests/test_curated_data.py, which reads the seeds and the reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_curated_data_tests(shared_dir: Path, *, require: bool = False) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYDIP_")}
    env["CITYDIP_SHARED_DIR"] = str(shared_dir)
    if require:
        env["CITYDIP_REQUIRE_SHARED"] = "1"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"]
    result = subprocess.run(
        [*command, "tests/test_curated_data.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_without_the_folder_they_skip_naming_what_is_missing(tmp_path: Path) -> None:
    code, output = run_curated_data_tests(tmp_path / "no-shared")
    assert code == 0, output
    assert "3 skipped" in output, output
    assert output.count("SKIPPED [1]") == 3
    assert "needs ../shared/seeds (" in output
    assert "needs ../shared/reference/wikidata-ids.tsv (" in output


def test_where_it_is_required_a_skip_for_it_fails(tmp_path: Path) -> None:
    code, output = run_curated_data_tests(tmp_path / "no-shared", require=True)
    assert code == 1, output
    assert "3 errors" in output, output
    assert "the shared material is required here (CITYDIP_REQUIRE_SHARED=1)" in output


def test_a_shared_folder_with_a_piece_missing_fails(tmp_path: Path) -> None:
    (tmp_path / "shared" / "seeds").mkdir(parents=True)  # empty: no reference/
    code, output = run_curated_data_tests(tmp_path / "shared")
    assert code == 1, output
    assert "needs ../shared/reference/wikidata-ids.tsv (" in output
    assert "the shared material is required here" in output
    assert "exists)" in output
