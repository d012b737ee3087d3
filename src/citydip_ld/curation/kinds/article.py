"""The source articles (`article:` in each `data/articles/<seed>.yaml`): title, outlet,
publisher, author, publication date (or, when none is printed, the date the page shows), news
code, address and the line that dates it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SDO, TIME

from citydip_ld.curation.kinds.base import Kind, ReadContext, need
from citydip_ld.curation.kinds.organisation import Organisation
from citydip_ld.curation.kinds.person import Person
from citydip_ld.curation.records import DateFact, Labels, Record, Tables
from citydip_ld.curation.triples import Triples


@dataclass(frozen=True)
class Article(Record):
    title: Labels
    outlet: str
    publisher: str | None
    author: str | None
    published: DateFact | None  # None when the capture prints no date
    page_date: DateFact | None  # the page header's date, when no publication date is printed
    news_code: str | None
    url: str | None
    quote: str


class ArticleKind(Kind):
    name = "article"
    section = "article"
    list_labels = (("article", Labels(en="Articles", fa="خبرها")),)

    def read_section(self, context: ReadContext) -> None:
        """One `article:` block per article file; the file's stem is the article's id."""
        self.read(context.top.node["article"], context)

    def read(self, node: Any, context: ReadContext) -> None:
        r = context.reader(node, "the `article:` block")
        r.allow(
            ("title", "outlet", "quote"),
            ("published", "page_date", "publisher", "author", "news_code", "url"),
        )
        published, page_date = r.date("published"), r.date("page_date")
        if published is not None and page_date is not None:
            raise r.error(
                "an article has a publication date (`published:`) or, when it prints none, the "
                "date its page shows (`page_date:`), not both",
                "page_date",
            )
        article = Article(
            context.article,
            r.loc(),
            r.key_lines(),
            r.labels("title"),
            r.slug("outlet"),
            r.optional_slug("publisher"),
            r.optional_slug("author"),
            published,
            page_date,
            r.optional_text("news_code"),
            r.web_address("url"),
            r.text("quote"),
        )
        context.tables.by_id(Article)[article.id] = article

    def resolve(self, tables: Tables) -> None:
        organisations = tables.by_id(Organisation)
        for article in tables.by_id(Article).values():
            need(organisations, "organisation", article.outlet, article, "outlet")
            need(organisations, "organisation", article.publisher, article, "publisher")
            need(tables.by_id(Person), "person", article.author, article, "author")

    def emit(self, tables: Tables, triples: Triples) -> None:
        for stem, article in tables.by_id(Article).items():
            self._emit_one(stem, article, triples)

    def _emit_one(self, stem: str, article: Article, triples: Triples) -> None:
        cd = triples.cd
        e = triples.emitter(stem)
        s = triples.iri("article", stem)
        e.subject(s, article.location)
        for cls in (SDO.NewsArticle, PROV.Entity):
            e.add(s, RDF.type, cls)
        e.labels(s, article.title, DCTERMS.title, RDFS.label, where=article.where("title"))
        e.text(s, DCTERMS.identifier, stem)
        e.text(s, DCTERMS.source, f"{stem}.txt")
        e.text(s, SDO.inLanguage, "fa")
        outlet = triples.iri("organisation", article.outlet)
        e.add(s, SDO.publisher, outlet, article.where("outlet"))
        if article.publisher:
            original = triples.iri("organisation", article.publisher)
            e.add(s, cd.originalPublisher, original, article.where("publisher"))
        if article.author:
            author = triples.iri("person", article.author)
            e.add(s, SDO.author, author, article.where("author"))
        published = article.published
        if published is not None:
            if published.date.precision == "day":
                e.day(s, SDO.datePublished, published.date.first_day, published.location)
            triples.date(e, s, published, TIME.hasTime)
        if article.page_date is not None:
            triples.date(e, s, article.page_date, cd.pageDate)
        if article.news_code:
            e.add(s, SDO.identifier, Literal(article.news_code), article.where("news_code"))
        if article.url:
            e.add(s, SDO.url, URIRef(article.url), article.where("url"))
        e.add(s, cd.quotation, Literal(article.quote, lang="fa"), article.where("quote"))
