"""The README documents every command and every setting (a docs test fails when one is added
without its documentation)."""

from __future__ import annotations

from pathlib import Path

from citydip_ld.cli import main
from citydip_ld.web import DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"citydip-ld {name}" in README, name


def test_every_app_setting_is_in_the_readme() -> None:
    for key in DEFAULTS:
        assert f"| `{key}` |" in README, key


def test_the_two_set_up_commands_are_there() -> None:
    assert "make serve" in README
    assert "bash .ci/run" in README
