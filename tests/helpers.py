"""Test helpers: a disposable copy of the project's data, ontology and shapes; the CLI run
in-process; store folders as older code left them; the index lookups a test makes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from citydip_ld.cli import main
from citydip_ld.stores.disk_store import CURRENT, MARKER
from citydip_ld.stores.store import OxigraphStore

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


def as_older_code_wrote_it(folder: Path, target: Path, *drop: str) -> Path:
    """A copy of the store folder `folder` whose live generation lacks the record keys `drop`
    (and the folders of the same names: `labels`, `lists`, `resources`), as a publication by
    older code left it."""
    shutil.copytree(folder, target, symlinks=True)
    generation = (target / CURRENT).resolve()
    marker = json.loads((generation / MARKER).read_text(encoding="utf-8"))
    for key in drop:
        del marker[key]
        shutil.rmtree(generation / key, ignore_errors=True)
    (generation / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return target


def index_lookups(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Patterns asked of every `OxigraphStore`'s index from now on."""
    asked: list[Any] = []
    lookup = OxigraphStore.quads_for_pattern

    def counted(self: OxigraphStore, *pattern: Any) -> Any:
        asked.append(pattern)
        return lookup(self, *pattern)

    monkeypatch.setattr(OxigraphStore, "quads_for_pattern", counted)
    return asked
