"""Coverage ledgers (`data/ledgers/<article>.yaml`, `entries:`): every statement of fact of an
article, in the article's order, either curated (the records it became, `kind/id`) or left
out with a one-line reason. Each entry becomes a `cd:LedgerEntry` in the article's graph;
`check` reports an entry whose record does not exist, at its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, Literal, URIRef

from citydip_ld.curation.kinds.article import Article
from citydip_ld.curation.kinds.base import Kind, ReadContext
from citydip_ld.curation.records import Record, Tables
from citydip_ld.curation.triples import Triples, part
from citydip_ld.errors import FactError


@dataclass(frozen=True)
class LedgerEntry(Record):
    article: str
    said: str
    curated: tuple[str, ...]
    left_out: str | None


class LedgerKind(Kind):
    name = "ledger"
    folder = "ledgers"
    section = "entries"
    list_labels = ()  # entries are parts of their article's IRI

    def read(self, node: Any, context: ReadContext) -> None:
        f = context.reader(node, "a ledger entry")
        f.allow(("said",), ("curated", "left_out"))
        curated = f.node.get("curated")
        items = [curated] if isinstance(curated, str) else list(curated or ())
        for item in items:
            if not isinstance(item, str) or item.count("/") < 1:
                raise f.error(
                    f"`curated:` holds {item!r}; name each record as kind/id, "
                    "e.g. `twinning/tabriz-wuhan`",
                    "curated",
                )
        left_out = f.optional_text("left_out")
        if bool(items) == (left_out is not None):
            raise f.error(
                "a ledger entry is either `curated:` (the records it became) or `left_out:` "
                "(a one-line reason), not both or neither"
            )
        stem = context.article
        entries = context.tables.listed(LedgerEntry)
        entries.append(
            LedgerEntry(
                f"{stem}#ledger-{len([e for e in entries if e.article == stem]) + 1}",
                f.loc(),
                f.key_lines(),
                stem,
                f.text("said"),
                tuple(items),
                left_out,
            )
        )

    def resolve(self, tables: Tables) -> None:
        # Curated records are checked by `check` (cds:LedgerEntryShape), so a dangling one is
        # reported in English and Persian; here only the article must exist.
        articles = tables.by_id(Article)
        for entry in tables.listed(LedgerEntry):
            if entry.article not in articles:
                raise FactError(
                    f"a ledger for `{entry.article}`, which has no article file; name the "
                    "ledger after its article (articles/<seed>.yaml)",
                    file=entry.location.file,
                    line=entry.location.line,
                )

    def emit(self, tables: Tables, triples: Triples) -> None:
        cd = triples.cd
        for entry in tables.listed(LedgerEntry):
            e = triples.emitter(entry.article)
            article = triples.iri("article", entry.article)
            s = part(article, entry.id.split("#", 1)[1])
            e.subject(s, entry.location)
            e.add(s, RDF.type, cd.LedgerEntry)
            e.add(s, cd.ledgerOf, article, entry.location)
            e.add(s, cd.statement, Literal(entry.said, lang="fa"), entry.where("said"))
            for ref in entry.curated:
                e.add(s, cd.curatedAs, record_iri(triples, ref), entry.where("curated"))
            if entry.left_out is not None:
                reason = Literal(entry.left_out, lang="en")
                e.add(s, cd.leftOutBecause, reason, entry.where("left_out"))


def record_iri(triples: Triples, ref: str) -> URIRef:
    """`kind/id` (e.g. `twinning/tabriz-wuhan`, `concept/city-diplomacy#definition-…`) -> IRI."""
    kind, slug = ref.split("/", 1)
    return triples.iri(kind, slug)
