"""Test helpers: a disposable copy of the project's data, ontology and shapes."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from citydip_ld.cli import main

ROOT = Path(__file__).resolve().parent.parent


def copy_project(target: Path) -> Path:
    """Copy data/, ontology/ and shapes/ into `target`; return the copied data folder."""
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(ROOT / name, target / name)
    return target / "data"


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in `path` by `new`; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, index) + 1


def run_cli(*args: str) -> tuple[int, str]:
    """Run `citydip-ld ARGS` in-process; its exit code and output. Fails on a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output
