"""`citydip-ld check`: SHACL validation reported in plain words at the fact file and line.

Exit 0 when the data conforms, 1 on violations, 2 on load or usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import edit, run_cli

ARTICLE = "data/articles/004_aa1ce6595c509616.yaml"


run = run_cli


def test_the_shipped_data_conforms(project: Path) -> None:
    code, output = run("check")
    assert code == 0, output
    assert output.strip() == "conforms: the dataset satisfies every shape"


def test_a_negative_statistic_is_reported_at_its_value_line(project: Path) -> None:
    line = edit(project / ARTICLE, "value: 16484", "value: -16484")
    code, output = run("check")
    assert code == 1
    assert (
        f"{ARTICLE}:{line}: violation: a statistic has one non-negative whole-number value "
        "(`value:`) [rdf:value] (found: -16484)"
    ) in output
    assert "at http://localhost:5000/id/statistic/world-sister-city-links" in output
    assert output.strip().endswith("1 violation(s), 0 other result(s)")


def test_a_quote_too_short_to_be_a_sentence_is_reported(project: Path) -> None:
    old = (
        "quote: ووهان چین، آخرین شهری است که تفاهم نامه دوستی و همکاری با آن در خرداد ۱۳۹۵"
        " منعقد شده است."
    )
    line = edit(project / ARTICLE, old, "quote: ووهان")
    code, output = run("check")
    assert code == 1
    assert (
        f"{ARTICLE}:{line}: violation: a fact quotes one Persian sentence of its article" in output
    )
    assert "tabriz-wuhan#source-004_aa1ce6595c509616" in output


def test_concepts_outside_the_scheme_are_reported_in_concepts_file(project: Path) -> None:
    concepts = project / "data/concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    start = text.index("scheme:")
    end = text.index("concepts:")
    concepts.write_text(text[:start] + text[end:], encoding="utf-8")
    code, output = run("check", "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert report["conforms"] is False
    messages = {(p["message"], p["path"]) for p in report["problems"]}
    assert messages == {
        (
            "a concept belongs to the concept scheme (`scheme:` in data/concepts.yaml)",
            "skos:inScheme",
        )
    }
    assert all(p["location"].startswith("data/concepts.yaml:") for p in report["problems"])
    tabriz_kind = [p for p in report["problems"] if p["focus"].endswith("/concept/sister-city")]
    assert tabriz_kind and tabriz_kind[0]["location"] == "data/concepts.yaml:" + str(
        (project / "data/concepts.yaml")
        .read_text(encoding="utf-8")
        .splitlines()
        .index("  - id: sister-city")
        + 1
    )


def test_messages_in_persian(project: Path) -> None:
    edit(project / ARTICLE, "value: 16484", "value: -16484")
    code, output = run("check", "--lang", "fa")
    assert code == 1
    assert "هر آمار یک مقدار عددی صحیح و نامنفی دارد" in output


def test_check_a_given_rdf_file_still_points_at_fact_lines(project: Path) -> None:
    assert run("build", "--out", "out")[0] == 0
    nquads = (project / "out/dataset.nq").read_text(encoding="utf-8")
    wuhan_en = next(line for line in nquads.splitlines() if '"Wuhan"@en' in line)
    broken = project / "broken.nq"
    broken.write_text(nquads.replace(wuhan_en + "\n", ""), encoding="utf-8")
    code, output = run("check", "--input", str(broken))
    assert code == 1
    places = (project / "data/places.yaml").read_text(encoding="utf-8").splitlines()
    label_line = places.index("  - id: wuhan") + 2  # the `label:` key of that record
    assert places[label_line - 1].startswith("    label: {en: Wuhan")
    assert (
        f"data/places.yaml:{label_line}: violation: needs exactly one English and one Persian label"
    ) in output


def test_a_twinning_with_three_partners_is_a_violation(project: Path) -> None:
    assert run("build", "--out", "out")[0] == 0
    nquads = (project / "out/dataset.nq").read_text(encoding="utf-8")
    extra = (
        "<http://localhost:5000/id/twinning/tabriz-wuhan> "
        "<http://localhost:5000/ontology#partner> <http://localhost:5000/id/city/baku> "
        "<http://localhost:5000/graph/004_aa1ce6595c509616> .\n"
    )
    broken = project / "broken.nq"
    broken.write_text(nquads + extra, encoding="utf-8")
    code, output = run("check", "--input", str(broken), "--format", "json")
    assert code == 1
    problems = json.loads(output)["problems"]
    assert [(p["message"], p["focus"]) for p in problems] == [
        (
            "a twinning links exactly two different known cities (`partners: [a, b]`)",
            "http://localhost:5000/id/twinning/tabriz-wuhan",
        )
    ]
    assert problems[0]["location"].startswith(f"{ARTICLE}:")


def test_unreadable_input_is_a_load_error(project: Path) -> None:
    (project / "junk.ttl").write_text("this is not turtle <<<", encoding="utf-8")
    code, output = run("check", "--input", "junk.ttl")
    assert code == 2
    assert "junk.ttl: cannot read as turtle" in output
    assert "Traceback" not in output


def test_missing_shapes_is_a_load_error(project: Path) -> None:
    for path in (project / "shapes").glob("*.ttl"):
        path.unlink()
    code, output = run("check")
    assert code == 2
    assert "no Turtle (*.ttl) files found for the shapes graph" in output


def test_bad_fact_file_is_a_load_error_not_a_violation(project: Path) -> None:
    edit(project / ARTICLE, 'jalali: "1395-03"', 'jalali: "1395-13"')
    code, output = run("check")
    assert code == 2
    assert "month 13 does not exist" in output


def test_a_date_whose_first_day_comes_after_its_last_is_a_violation(project: Path) -> None:
    assert run("build", "--out", "out")[0] == 0
    nquads = (project / "out/dataset.nq").read_text(encoding="utf-8")
    last_day = (
        "<http://localhost:5000/id/twinning/tabriz-wuhan#date> "
        '<http://localhost:5000/ontology#lastDay> "2016-06-20"'
    )
    assert last_day in nquads
    broken = project / "broken.nq"
    broken.write_text(nquads.replace(last_day, last_day.replace("2016-06-20", "2016-01-01")))
    code, output = run("check", "--input", str(broken), "--format", "json")
    assert code == 1
    [problem] = json.loads(output)["problems"]
    assert problem["message"].startswith("a date covers days from its first to its last")
    assert problem["focus"] == "http://localhost:5000/id/twinning/tabriz-wuhan#date"
    article = (project / ARTICLE).read_text(encoding="utf-8").splitlines()
    date_line = next(i for i, line in enumerate(article, 1) if 'jalali: "1395-03"' in line)
    assert problem["location"] == f"{ARTICLE}:{date_line}"


ARTICLE_002 = "data/articles/002_449295ea63e1aaa3.yaml"
LEDGER_004 = "data/ledgers/004_aa1ce6595c509616.yaml"


def test_a_proposal_without_a_proposer_is_reported_in_english_and_persian(project: Path) -> None:
    line = edit(project / ARTICLE_002, "    proposer: rasht\n", "")
    code, output = run("check")
    assert code == 1
    assert (
        f"{ARTICLE_002}:{line - 4}: violation: a proposal names who made it (`proposer:`)"
    ) in output
    assert "at http://localhost:5000/id/proposal/rasht-iranian-creative-cities-network" in output
    code, output = run("check", "--lang", "fa")
    assert code == 1
    assert f"{ARTICLE_002}:{line - 4}: violation: هر پیشنهاد باید پیشنهاددهنده‌اش را" in output


def test_an_event_dated_after_its_article_is_reported(project: Path) -> None:
    # Article 004 is dated 1399-11-25; an event of 1400 in it cannot have been reported there.
    text = (project / "data/articles/004_aa1ce6595c509616.yaml").read_text(encoding="utf-8")
    quote = "ووهان چین، آخرین شهری است که تفاهم نامه دوستی و همکاری با آن در خرداد ۱۳۹۵"
    event = (
        "\nevents:\n  - id: late-event\n    label: {en: A late event, fa: رویدادی دیرهنگام}\n"
        '    date: {jalali: "1400-02"}\n'
        f"    quote: {quote}\n"
    )
    path = project / "data/articles/004_aa1ce6595c509616.yaml"
    path.write_text(text + event, encoding="utf-8")
    line = text.count("\n") + 5  # the `date:` line of the event
    code, output = run("check")
    assert code == 1
    assert (
        f"004_aa1ce6595c509616.yaml:{line}: violation: an event cannot begin after the date of "
        "the article that reports it"
    ) in output
    code, output = run("check", "--lang", "fa")
    assert "violation: رویداد نمی‌تواند پس از تاریخ خبری که آن را گزارش می‌کند آغاز شود" in output


def test_an_event_bounded_by_the_page_date_is_not_after_it(project: Path) -> None:
    # The Mashhad meeting is dated "on or before" the page of article 002: it conforms.
    code, output = run("check")
    assert code == 0, output


def test_a_ledger_entry_pointing_at_nothing_is_reported(project: Path) -> None:
    line = edit(project / LEDGER_004, "twinning/tabriz-wuhan]", "twinning/tabriz-atlantis]")
    code, output = run("check")
    assert code == 1
    assert (
        f"{LEDGER_004}:{line}: violation: a ledger entry names records that exist "
        "(`curated: [kind/id]`)"
    ) in output
    assert "(found: http://localhost:5000/id/twinning/tabriz-atlantis)" in output
    code, output = run("check", "--lang", "fa")
    assert f"{LEDGER_004}:{line}: violation: هر مدخل دفتر پوشش باید به رکوردهای موجود" in output


def test_both_engines_print_the_same_report(project: Path) -> None:
    edit(project / ARTICLE, "value: 16484", "value: -16484")
    quote = (
        "quote: ووهان چین، آخرین شهری است که تفاهم نامه دوستی و همکاری با آن در خرداد ۱۳۹۵"
        " منعقد شده است."
    )
    edit(project / ARTICLE, quote, "quote: ووهان")
    reports = {}
    for engine in ("turbo", "pyshacl"):
        for fmt in ("text", "json"):
            code, reports[engine, fmt] = run("check", "--engine", engine, "--format", fmt)
            assert code == 1
    assert reports["turbo", "text"].strip().endswith("2 violation(s), 0 other result(s)")
    assert reports["turbo", "text"] == reports["pyshacl", "text"]
    assert reports["turbo", "json"] == reports["pyshacl", "json"]


def test_an_unknown_engine_is_a_usage_error(project: Path) -> None:
    code, output = run("check", "--engine", "pyrudof")
    assert code == 2
    assert "'pyrudof' is not one of 'turbo', 'pyshacl'" in output


def test_the_command_line_starts_without_the_web_server() -> None:
    """`build` and `check` never serve: the command line reads `serve`'s option defaults from
    `server_settings`, without importing waitress, werkzeug or the SPARQL protocol (0.1 s of
    every command's start)."""
    import subprocess
    import sys

    probe = (
        "import sys, citydip_ld.cli; "
        "print(sorted(m for m in ('waitress', 'werkzeug', 'citydip_ld.serving', "
        "'citydip_ld.sparql.protocol') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
