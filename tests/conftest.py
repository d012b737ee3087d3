"""Shared fixtures: the shipped data built once per session, the app, its client and runner,
live servers, and the browser tests' Chromium, tab and screenshot folder."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import shared_material
from browser_support import TabWatch, launch_chromium, open_tab, screenshot_folder
from citydip_ld.web import create_app
from web_support import KEEP_AT_ONCE

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
BASE = "http://localhost:5000/"


# ---------------------------------------------------------------- the shared material


def _fail_if_shared_required(report: pytest.TestReport | pytest.CollectReport) -> None:
    """A skip for missing `../shared/` material (`shared_material`) where it is required (the
    folder exists, or CITYDIP_REQUIRE_SHARED=1) is a failure: on the team's CI every test that
    reads it must run."""
    if not (shared_material.is_shared_skip(report) and shared_material.required()):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    why = (
        f"{shared_material.SHARED} exists"
        if shared_material.SHARED.is_dir()
        else "CITYDIP_REQUIRE_SHARED=1"
    )
    report.outcome = "failed"
    report.longrepr = (
        f"{reason.removeprefix('Skipped: ')}, but the shared material is required here ({why})"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _fail_if_shared_required(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _fail_if_shared_required(report)
    return report


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A disposable copy of data/, ontology/ and shapes/, made the working directory."""
    from helpers import copy_project

    copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data built into a temporary directory (all formats), once per session."""
    from citydip_ld.rdf.output import build_directory

    out = tmp_path_factory.mktemp("build")
    build_directory(DATA_DIR, out, base=BASE)
    return out


@pytest.fixture(scope="session")
def published(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data published into a store folder (`publish --to DIR`), once per session;
    a test that changes a folder changes a copy."""
    from citydip_ld.stores.disk_publish import write_store_dir

    target = tmp_path_factory.mktemp("published") / "store"
    write_store_dir([dataset_dir / "dataset.nq"], target, BASE)
    return target


@pytest.fixture()
def app(dataset_dir: Path) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, **KEEP_AT_ONCE}
    )
    yield app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# ---------------------------------------------------------------- web: mini dataset, live server


@pytest.fixture(scope="session")
def mini_dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/mini.trig (see tests/data/README.md) as a built dataset directory."""
    from web_support import write_mini_dataset

    return write_mini_dataset(tmp_path_factory.mktemp("mini"))


@pytest.fixture()
def mini_app(mini_dataset_dir: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(mini_dataset_dir),
            "BASE": BASE,
            "QUERY_WORKERS": 0,
            **KEEP_AT_ONCE,
        }
    )


@pytest.fixture()
def mini_client(mini_app: Flask) -> FlaskClient:
    return mini_app.test_client()


@pytest.fixture(scope="session")
def mini_server(mini_dataset_dir: Path) -> Iterator[str]:
    """The app on the mini dataset served by waitress on 127.0.0.1, a free port; its URL."""
    from web_support import live_server

    app = create_app({"DATASET_DIR": str(mini_dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as server:
        yield server.url


@pytest.fixture(scope="session")
def mini_server_without_vendor(
    mini_dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`mini_server` with an empty VENDOR_DIR, as without node_modules/: the pages' fallbacks
    (the plain query form instead of YASGUI)."""
    from web_support import live_server

    empty = tmp_path_factory.mktemp("no-node-modules")
    app = create_app(
        {
            "DATASET_DIR": str(mini_dataset_dir),
            "BASE": BASE,
            "QUERY_WORKERS": 0,
            "VENDOR_DIR": str(empty),
        }
    )
    with live_server(app) as server:
        yield server.url


@pytest.fixture(scope="session")
def full_server(dataset_dir: Path) -> Iterator[str]:
    """The app on the shipped data (built once, `dataset_dir`) served by waitress on
    127.0.0.1, a free port; its URL."""
    from web_support import live_server

    app = create_app({"DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0})
    with live_server(app) as server:
        yield server.url


# ---------------------------------------------------------------- browser tests (browser_support)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, one per test module; skipped, saying why, without chromium or
    Playwright."""
    with launch_chromium() as instance:
        yield instance


@pytest.fixture()
def tab_watch() -> TabWatch:
    """What `tab` saw: its problems and requests; `tab_watch.allow(url)` for another origin."""
    return TabWatch()


@pytest.fixture()
def tab(browser: Any, tab_watch: TabWatch) -> Iterator[Any]:
    """A page (1100 x 900) that fails the test on a console error or warning, an uncaught script
    error, a policy violation, or a request to an origin other than the first page's (or one
    the test allowed)."""
    with open_tab(browser, tab_watch) as page:
        yield page


@pytest.fixture()
def tab_without_scripts(browser: Any, tab_watch: TabWatch) -> Iterator[Any]:
    """`tab` with JavaScript turned off, as some readers browse."""
    with open_tab(browser, tab_watch, java_script_enabled=False) as page:
        yield page


@pytest.fixture()
def screenshots(tmp_path: Path) -> Path:
    """Where a test keeps its screenshots: CITYDIP_SCREENSHOTS (a folder) when set, else its
    tmp_path."""
    return screenshot_folder(tmp_path)
