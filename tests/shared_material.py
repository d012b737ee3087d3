"""The team's shared material, kept beside the repository in `../shared/` and not in it: the
W3C conformance suites (`conformance/`), the seed articles the facts quote (`seeds/`) and the
confirmed Wikidata ids (`reference/`).

A clone without `../shared/` still passes its tests: a test that needs a piece of it skips
with a reason naming the missing path (`needs ../shared/...`). Where the material is expected
(the folder exists, or `CITYDIP_REQUIRE_SHARED=1`, which `.ci/run` sets when it sees the
folder), such a skip is turned into a failure by `tests/conftest.py`, so nothing is silently
left out on the team's machines and CI. `CITYDIP_SHARED_DIR` points elsewhere than
`../shared/`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CITYDIP_SHARED_DIR") or ROOT.parent / "shared")
#: Every skip for missing shared material says this, and only such skips do.
SKIP_MARK = "needs ../shared/"

T = TypeVar("T")


def shared(relative: str) -> Path:
    """A path inside the shared material (which may not exist)."""
    return SHARED / relative


def missing(*relatives: str) -> list[str]:
    """Which of `relatives` are not in the shared material."""
    return [r for r in relatives if not shared(r).exists()]


def skip_reason(relatives: Sequence[str]) -> str:
    where = ", ".join(f"../shared/{r}" for r in relatives)
    return f"needs {where} (the team's shared material, kept beside the repository): not found"


def needs_shared(*relatives: str) -> pytest.MarkDecorator:
    """Skip unless every one of `relatives` is in the shared material."""
    absent = missing(*relatives)
    return pytest.mark.skipif(bool(absent), reason=skip_reason(absent or relatives))


def parameters(
    relative: str, load: Callable[[], Sequence[T]], ids: Callable[[T], str]
) -> list[Any]:
    """`pytest.mark.parametrize` values read from the shared material (`load` runs at
    collection only when `relative` is there); without it, one value that skips, so the
    module still collects and the skip names what is missing."""
    if missing(relative):
        return [pytest.param(None, marks=needs_shared(relative), id="shared-material-missing")]
    return [pytest.param(value, id=ids(value)) for value in load()]


def required() -> bool:
    """Must the tests find the shared material here (skipping for it is then a failure)?"""
    return SHARED.is_dir() or os.environ.get("CITYDIP_REQUIRE_SHARED") == "1"


def is_shared_skip(report: pytest.TestReport | pytest.CollectReport) -> bool:
    return report.skipped and SKIP_MARK in str(report.longrepr)
