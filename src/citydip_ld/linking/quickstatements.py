"""`citydip-ld export quickstatements`: the curated twinnings as Wikidata statements (P190,
"twinned administrative body", in both directions) in QuickStatements V1 syntax, each with a
reference to the article that reports it: its URL where the article prints one (S854), its
title (S1476), its publication date (S577) and the supporting sentence (S1683).

Only twinnings whose two cities have Wikidata ids (curated, or reconciled in the reviewed link
cache) are written; the others are listed as skipped. A statement the link cache says Wikidata
already has is marked in its edit summary (`/* ... */`): QuickStatements then adds only the
reference to the existing statement. Pure: records in, text out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from citydip_ld.curation.facts import Facts
from citydip_ld.curation.kinds.article import Article
from citydip_ld.curation.kinds.twinning import Twinning
from citydip_ld.curation.records import DateFact
from citydip_ld.errors import FactError

TWINNED = "P190"
REFERENCE_URL, TITLE, PUBLISHED, QUOTATION = "S854", "S1476", "S577", "S1683"
# Characters QuickStatements V1 reads as separators or string ends, with no way to escape them.
_UNWRITABLE = ('"', "\t", "|", "\n", "\r")


class QuickStatementsError(FactError):
    """A text cannot be written in QuickStatements syntax."""


@dataclass
class Export:
    """The statements (one command per line) and the twinnings left out, with why."""

    lines: list[str] = field(default_factory=list)
    known: int = 0  # statements the link cache says Wikidata already has
    skipped: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)


def export_quickstatements(facts: Facts) -> Export:
    """P190 both ways for every twinning whose partners both have Wikidata ids."""
    qids = city_qids(facts)
    known, checked = _known_pairs(facts.links)
    export = Export()
    for twinning in facts.twinnings:
        a, b = twinning.partners
        missing = [city for city in (a, b) if not qids.get(city)]
        if missing:
            export.skipped.append(
                f"{twinning.id}: no Wikidata id for {', '.join(missing)} "
                "(curate one, or run `citydip-ld link`)"
            )
            continue
        reference = _reference(twinning, facts.articles[twinning.article])
        pair = tuple(sorted((a, b)))
        if pair in known:
            note = "already in Wikidata (citydip-ld link): adds the reference"
            export.known += 2
        elif checked:
            note = "not in Wikidata when citydip-ld link last looked"
        else:
            note = "not checked against Wikidata"
        summary = f"/* citydip-ld {twinning.id}: {note} */"
        for subject, value in ((qids[a], qids[b]), (qids[b], qids[a])):
            export.lines.append("\t".join([subject, TWINNED, value, *reference, summary]))
    return export


def city_qids(facts: Facts) -> dict[str, str]:
    """Each city's Wikidata id: curated, else the one the link cache reconciled."""
    cached = (facts.links or {}).get("cities") or {}
    found: dict[str, str] = {}
    for city in facts.cities.values():
        entry = cached.get(city.id)
        qid = city.wikidata or (str(entry.get("wikidata")) if isinstance(entry, dict) else "")
        if qid and qid.startswith("Q"):
            found[city.id] = qid
    return found


def _known_pairs(links: Any) -> tuple[set[tuple[str, ...]], bool]:
    """The twinnings Wikidata has (per the cache's cross-check), and whether one was made."""
    crosscheck = (links or {}).get("crosscheck")
    if not isinstance(crosscheck, dict):
        return set(), False
    agreed = {tuple(sorted(str(c) for c in pair)) for pair in crosscheck.get("agreed") or []}
    return agreed, True


def _reference(twinning: Twinning, article: Article) -> list[str]:
    """The reference's source properties and values, in QuickStatements' order."""
    parts: list[str] = []
    if article.url:
        parts += [REFERENCE_URL, _string(article.url, twinning)]
    parts += [TITLE, f"fa:{_string(article.title.fa, twinning)}"]
    published = _time(article.published) if article.published is not None else None
    if published is not None:
        parts += [PUBLISHED, published]
    parts += [QUOTATION, f"fa:{_string(twinning.quote, twinning)}"]
    return parts


def _string(text: str, twinning: Twinning) -> str:
    bad = [c for c in _UNWRITABLE if c in text]
    if bad:
        raise QuickStatementsError(
            f"twinning {twinning.id}: {text[:40]!r}… holds {bad[0]!r}, which QuickStatements "
            "cannot write in a string",
            file=twinning.location.file,
            line=twinning.location.line,
        )
    return f'"{text}"'


def _time(date: DateFact) -> str | None:
    """The Gregorian date an article was published, at the precision it prints; a Jalali month
    or year is given as the Gregorian year when it lies within one, else left out (no
    precision would hold)."""
    value = date.date
    first, last = value.first_day, value.last_day
    if value.precision == "day" or first == last:
        return _stamp(first, 11)
    if (first.year, first.month) == (last.year, last.month):
        return _stamp(first.replace(day=1), 10)
    if first.year == last.year:
        return _stamp(dt.date(first.year, 1, 1), 9)
    return None


def _stamp(day: dt.date, precision: int) -> str:
    return f"+{day.isoformat()}T00:00:00Z/{precision}"
