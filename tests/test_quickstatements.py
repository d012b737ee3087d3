"""`citydip-ld export quickstatements` on the shipped data: every twinning whose two cities have
Wikidata ids becomes two P190 statements (both directions) with a reference to its article
(title, publication date, the quoted sentence), in QuickStatements V1 syntax; statements the
link cache says Wikidata has are marked. The output is parsed back, not compared as text."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers import edit, run_cli

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "data/articles/004_aa1ce6595c509616.yaml"

run = run_cli


def parse(text: str) -> list[dict[str, object]]:
    """QuickStatements V1 commands: entity, property, value, then source property/value pairs,
    then an optional /* edit summary */."""
    commands = []
    for line in text.splitlines():
        fields = line.split("\t")
        summary = fields.pop() if fields[-1].startswith("/*") else None
        subject, prop, value, *rest = fields
        assert len(rest) % 2 == 0, line
        sources = dict(zip(rest[::2], rest[1::2], strict=True))
        commands.append(
            {"s": subject, "p": prop, "v": value, "sources": sources, "summary": summary}
        )
    return commands


def qids_of_cities() -> dict[str, str]:
    places = yaml.safe_load((ROOT / "data/places.yaml").read_text("utf-8"))
    return {c["id"]: c["wikidata"] for c in places["cities"] if c.get("wikidata")}


def test_every_twinning_both_ways_with_its_reference(project: Path) -> None:
    code, output = run("export", "quickstatements", "--out", "qs.txt")
    assert code == 0, output
    assert "24 P190 statements (0 already in Wikidata per the link cache), 0 twinnings skipped" in (
        output
    )
    commands = parse((project / "qs.txt").read_text("utf-8"))
    article = yaml.safe_load(ARTICLE.read_text("utf-8"))
    qids = qids_of_cities()
    expected = set()
    for twinning in article["twinnings"]:
        a, b = (qids[p] for p in twinning["partners"])
        expected |= {(a, b), (b, a)}
    assert {(c["s"], c["v"]) for c in commands} == expected
    assert len(commands) == len(expected) == 24
    assert {c["p"] for c in commands} == {"P190"}
    wuhan = [c for c in commands if c["v"] == "Q11746"]
    assert len(wuhan) == 1 and wuhan[0]["s"] == "Q80053"
    sources = wuhan[0]["sources"]
    assert isinstance(sources, dict)
    assert sources["S1476"] == f'fa:"{article["article"]["title"]["fa"]}"'
    assert sources["S577"] == "+2021-02-13T00:00:00Z/11"  # 25 Bahman 1399
    quote = next(t["quote"] for t in article["twinnings"] if t["id"] == "tabriz-wuhan")
    assert sources["S1683"] == f'fa:"{quote}"'
    assert "S854" not in sources  # the article prints no URL
    assert wuhan[0]["summary"] == "/* citydip-ld tabriz-wuhan: not checked against Wikidata */"


def test_statements_wikidata_has_are_marked_and_cities_without_ids_skipped(
    project: Path,
) -> None:
    cache = project / "data/wikidata-cache.yaml"
    document = yaml.safe_load(cache.read_text("utf-8"))
    document["crosscheck"] = {
        "agreed": [["istanbul", "tabriz"]],
        "only_ours": [["tabriz", "wuhan"]],
        "only_wikidata": [],
    }
    cache.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    edit(project / "data/places.yaml", "    wikidata: Q131290\n", "")  # Ganja: no id now
    code, output = run("export", "quickstatements")
    assert code == 0, output
    assert "skipped tabriz-ganja: no Wikidata id for ganja" in output
    commands = parse("\n".join(line for line in output.splitlines() if line.startswith("Q")))
    assert len(commands) == 22
    istanbul = [c for c in commands if "Q406" in (c["s"], c["v"])]
    assert len(istanbul) == 2
    assert all("already in Wikidata" in str(c["summary"]) for c in istanbul)
    wuhan = [c for c in commands if c["v"] == "Q11746"]
    assert "not in Wikidata when citydip-ld link last looked" in str(wuhan[0]["summary"])
    assert "22 P190 statements (2 already in Wikidata per the link cache)" in output
