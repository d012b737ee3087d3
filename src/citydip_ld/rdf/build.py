"""Facts -> RDF (pure): one named graph per source article, one for the shared records.

Besides the dataset, the build returns a `SourceMap` from every subject it emitted (and every
subject-predicate pair) to the fact file and line it came from, so a SHACL violation on a node
can be reported where a maintainer fixes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SDO, TIME

from citydip_ld.curation.records import (
    DateFact,
    Fact,
    Facts,
    Labels,
    Location,
    Record,
)
from citydip_ld.errors import LoadError
from citydip_ld.iris import entity_iri, graph_iri, normalise_base, ontology_namespace

WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
GEONAMES = Namespace("https://sws.geonames.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEOSPARQL = Namespace("http://www.opengis.net/ont/geosparql#")

PREFIXES: dict[str, str] = {
    "schema": str(SDO),
    "prov": str(PROV),
    "org": str(ORG),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "time": str(TIME),
    "owl": str(OWL),
    "foaf": str(FOAF),
    "wd": str(WD),
    "wdt": str(WDT),
    "geo": str(GEO),
    "geosparql": str(GEOSPARQL),
}

ORG_CLASSES = {
    "municipality": ("Municipality", SDO.GovernmentOrganization),
    "council": ("CityCouncil", SDO.GovernmentOrganization),
    "ministry": ("Ministry", SDO.GovernmentOrganization),
    "news-outlet": ("NewsOutlet", SDO.NewsMediaOrganization),
    "international-organisation": ("InternationalOrganisation", SDO.Organization),
    "city-network": ("CityNetwork", SDO.Organization),
    "agency": ("Agency", SDO.GovernmentOrganization),
    "ngo": ("NonGovernmentalOrganisation", SDO.NGO),
}
QUALIFIER_TERMS = {
    "exactly": "Exactly",
    "more-than": "MoreThan",
    "about": "About",
    "less-than": "LessThan",
}


@dataclass
class SourceMap:
    """Where each emitted subject (and subject-predicate pair) was written in `data/`."""

    subjects: dict[URIRef, Location] = field(default_factory=dict)
    properties: dict[tuple[URIRef, URIRef], Location] = field(default_factory=dict)

    def locate(self, node: URIRef, path: URIRef | None = None) -> Location | None:
        """The best location for a node (falling back from `IRI#part` to `IRI`)."""
        candidates = [node]
        if "#" in node:
            candidates.append(URIRef(node.split("#", 1)[0]))
        for candidate in candidates:
            if path is not None and (candidate, path) in self.properties:
                return self.properties[(candidate, path)]
            if candidate in self.subjects:
                return self.subjects[candidate]
        return None


@dataclass
class BuildResult:
    dataset: Dataset
    sources: SourceMap


class _Emitter:
    """Adds triples to one named graph and records where they came from."""

    def __init__(self, graph: Graph, sources: SourceMap) -> None:
        self.graph = graph
        self.sources = sources

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal, where: Location | None = None) -> None:
        self.graph.add((s, p, o))
        if where is not None:
            self.sources.properties.setdefault((s, p), where)

    def subject(self, s: URIRef, where: Location) -> None:
        self.sources.subjects.setdefault(s, where)

    def labels(
        self, s: URIRef, labels: Labels, *predicates: URIRef, where: Location | None = None
    ) -> None:
        for predicate in predicates or (RDFS.label,):
            self.add(s, predicate, Literal(labels.en, lang="en"), where)
            self.add(s, predicate, Literal(labels.fa, lang="fa"), where)


class Builder:
    """Turns `Facts` into a dataset under one base IRI.

    With `into`, every triple goes into that one graph instead of a named graph per article
    (what `check` validates: the union, without copying the dataset first); the prefixes are
    still bound on `self.dataset`, which then holds no triples."""

    def __init__(self, facts: Facts, base: str, into: Graph | None = None) -> None:
        self.facts = facts
        self.into = into
        self.base = normalise_base(base)
        self.cd = ontology_namespace(self.base)
        self.dataset = Dataset()
        self.sources = SourceMap()
        for prefix, namespace in PREFIXES.items():
            self.dataset.bind(prefix, namespace)
        self.dataset.bind("cd", self.cd)
        self.dataset.bind("id", Namespace(f"{self.base}id/"))

    def iri(self, kind: str, slug: str) -> URIRef:
        return entity_iri(self.base, kind, slug)

    def emitter(self, name: str) -> _Emitter:
        graph = self.into
        if graph is None:
            graph = self.dataset.graph(graph_iri(self.base, name))
        return _Emitter(graph, self.sources)

    # ------------------------------------------------------------------ shared records

    def build_curated(self) -> None:
        e = self.emitter("curated")
        cd = self.cd
        for country in self.facts.countries.values():
            s = self.iri("country", country.id)
            self._entity(e, s, country, (cd.Country, SDO.Country), country.label)
            self._same_as(e, s, country.wikidata, country)
            self._former(e, s, "country", country.former_ids, country)
        for city in self.facts.cities.values():
            s = self.iri("city", city.id)
            self._entity(e, s, city, (cd.City, SDO.City), city.label)
            e.add(s, SDO.containedInPlace, self.iri("country", city.country), city.where("country"))
            self._same_as(e, s, city.wikidata, city)
            if city.geonames is not None:
                e.add(s, RDFS.seeAlso, GEONAMES[f"{city.geonames}/"], city.where("geonames"))
            self._former(e, s, "city", city.former_ids, city)
        for org in self.facts.organisations.values():
            s = self.iri("organisation", org.id)
            local, schema_class = ORG_CLASSES[org.type]
            self._entity(e, s, org, (ORG.Organization, cd[local], schema_class), org.label)
            if org.city:
                e.add(s, SDO.location, self.iri("city", org.city), org.where("city"))
            if org.parent:
                parent = self.iri("organisation", org.parent)
                e.add(s, ORG.subOrganizationOf, parent, org.where("parent"))
            if org.homepage:
                e.add(s, FOAF.homepage, URIRef(org.homepage), org.where("homepage"))
            self._same_as(e, s, org.wikidata, org)
            self._former(e, s, "organisation", org.former_ids, org)
        for person in self.facts.people.values():
            s = self.iri("person", person.id)
            self._entity(e, s, person, (SDO.Person, FOAF.Person, PROV.Agent), person.label)
            self._same_as(e, s, person.wikidata, person)
            self._former(e, s, "person", person.former_ids, person)
        scheme_iri = None
        if self.facts.scheme is not None:
            scheme = self.facts.scheme
            scheme_iri = self.iri("scheme", scheme.id)
            self._entity(e, scheme_iri, scheme, (SKOS.ConceptScheme,), scheme.label)
        for concept in self.facts.concepts.values():
            s = self.iri("concept", concept.id)
            self._entity(e, s, concept, (SKOS.Concept,), concept.label)
            e.labels(s, concept.label, SKOS.prefLabel, where=concept.where("label"))
            if scheme_iri is not None:
                e.add(s, SKOS.inScheme, scheme_iri)
                if concept.broader is None:
                    e.add(s, SKOS.topConceptOf, scheme_iri)
                    e.add(scheme_iri, SKOS.hasTopConcept, s)
            if concept.broader:
                broader = self.iri("concept", concept.broader)
                e.add(s, SKOS.broader, broader, concept.where("broader"))
                e.add(broader, SKOS.narrower, s)

    def _entity(
        self, e: _Emitter, s: URIRef, record: Record, classes: Iterable[URIRef], labels: Labels
    ) -> None:
        e.subject(s, record.location)
        for cls in classes:
            e.add(s, RDF.type, cls)
        e.labels(s, labels, where=record.where("label"))
        e.add(s, DCTERMS.identifier, Literal(record.id))

    def _same_as(self, e: _Emitter, s: URIRef, qid: str | None, record: Record) -> None:
        if qid:
            e.add(s, OWL.sameAs, WD[qid], record.where("wikidata"))

    def _former(
        self, e: _Emitter, s: URIRef, kind: str, former: tuple[str, ...], record: Record
    ) -> None:
        for slug in former:
            e.add(s, DCTERMS.replaces, self.iri(kind, slug), record.where("former_ids"))

    # ------------------------------------------------------------------ article graphs

    def build_articles(self) -> None:
        cd = self.cd
        for stem, article in self.facts.articles.items():
            e = self.emitter(stem)
            s = self.iri("article", stem)
            e.subject(s, article.location)
            for cls in (SDO.NewsArticle, PROV.Entity):
                e.add(s, RDF.type, cls)
            e.labels(s, article.title, DCTERMS.title, RDFS.label, where=article.where("title"))
            e.add(s, DCTERMS.identifier, Literal(stem))
            e.add(s, DCTERMS.source, Literal(f"{stem}.txt"))
            e.add(s, SDO.inLanguage, Literal("fa"))
            outlet = self.iri("organisation", article.outlet)
            e.add(s, SDO.publisher, outlet, article.where("outlet"))
            if article.publisher:
                original = self.iri("organisation", article.publisher)
                e.add(s, cd.originalPublisher, original, article.where("publisher"))
            if article.author:
                author = self.iri("person", article.author)
                e.add(s, SDO.author, author, article.where("author"))
            published = article.published
            if published is not None:
                if published.date.precision == "day":
                    day = _xsd_date(published.date.first_day)
                    e.add(s, SDO.datePublished, day, published.location)
                self._date(e, s, published, TIME.hasTime)
            if article.news_code:
                e.add(s, SDO.identifier, Literal(article.news_code), article.where("news_code"))
            if article.url:
                e.add(s, SDO.url, URIRef(article.url), article.where("url"))
            e.add(s, cd.quotation, Literal(article.quote, lang="fa"), article.where("quote"))

        for t in self.facts.twinnings:
            e = self.emitter(t.article)
            s = self.iri("twinning", t.id)
            a, b = (self.iri("city", p) for p in t.partners)
            self._fact(e, s, t, (cd.Twinning,))
            names = [self.facts.cities[p].label for p in t.partners]
            e.add(s, RDFS.label, Literal(f"{names[0].en} – {names[1].en}", lang="en"))
            e.add(s, RDFS.label, Literal(f"{names[0].fa} – {names[1].fa}", lang="fa"))
            for partner in (a, b):
                e.add(s, cd.partner, partner, t.where("partners"))
                self._mention(e, t, partner)
            e.add(a, cd.twinnedWith, b, t.where("partners"))
            e.add(b, cd.twinnedWith, a, t.where("partners"))
            e.add(s, cd.agreementKind, self.iri("concept", t.kind), t.where("kind"))
            if t.document:
                e.add(s, cd.agreementDocument, self.iri("concept", t.document), t.where("document"))
            if t.approved_by:
                approver = self.iri("organisation", t.approved_by)
                e.add(s, cd.approvedBy, approver, t.where("approved_by"))
                self._mention(e, t, approver)
            if t.date:
                self._date(e, s, t.date, TIME.hasTime)

        for m in self.facts.memberships:
            e = self.emitter(m.article)
            s = self.iri("membership", m.id)
            self._fact(e, s, m, (ORG.Membership, cd.NetworkMembership))
            kind = "city" if m.member in self.facts.cities else "organisation"
            member = self.iri(kind, m.member)
            network = self.iri("organisation", m.network)
            member_record = self.facts.cities.get(m.member) or self.facts.organisations[m.member]
            member_label = member_record.label
            network_label = self.facts.organisations[m.network].label
            e.add(s, RDFS.label, Literal(f"{member_label.en} in {network_label.en}", lang="en"))
            e.add(s, RDFS.label, Literal(f"{member_label.fa} در {network_label.fa}", lang="fa"))
            e.add(s, ORG.member, member, m.where("member"))
            e.add(s, ORG.organization, network, m.where("network"))
            e.add(member, SDO.memberOf, network, m.where("member"))
            self._mention(e, m, member)
            self._mention(e, m, network)
            if m.field:
                e.add(s, cd.field, self.iri("concept", m.field), m.where("field"))
            if m.date:
                self._date(e, s, m.date, TIME.hasTime)

        for st in self.facts.statistics:
            e = self.emitter(st.article)
            s = self.iri("statistic", st.id)
            self._fact(e, s, st, (cd.Statistic,))
            e.labels(s, st.label, where=st.where("label"))
            e.add(s, RDF.value, Literal(st.value, datatype=XSD.integer), st.where("value"))
            e.add(s, cd.qualifier, cd[QUALIFIER_TERMS[st.qualifier]], st.where("qualifier"))
            if st.attributed_to:
                source = self.iri("organisation", st.attributed_to)
                e.add(s, PROV.wasAttributedTo, source, st.where("attributed_to"))
                self._mention(e, st, source)
            if st.context:
                target = self._any_iri(st.context)
                e.add(s, SDO.about, target, st.where("context"))
                self._mention(e, st, target)
            if st.date:
                self._date(e, s, st.date, TIME.hasTime)

        for meeting in self.facts.meetings:
            e = self.emitter(meeting.article)
            s = self.iri("meeting", meeting.id)
            self._fact(e, s, meeting, (cd.Meeting, SDO.Event))
            e.labels(s, meeting.label, where=meeting.where("label"))
            if meeting.date:
                self._date(e, s, meeting.date, TIME.hasTime)
                if meeting.date.date.precision == "day":
                    e.add(s, SDO.startDate, _xsd_date(meeting.date.date.first_day))
            if meeting.location_city:
                place = self.iri("city", meeting.location_city)
                e.add(s, SDO.location, place, meeting.where("location"))
                self._mention(e, meeting, place)
            if meeting.organiser:
                organiser = self.iri("organisation", meeting.organiser)
                e.add(s, SDO.organizer, organiser, meeting.where("organiser"))
                self._mention(e, meeting, organiser)
            for speaker in meeting.speakers:
                sp = self.iri("speech", speaker.id)
                self._fact(e, sp, speaker, (cd.Speech,))
                person = self.iri("person", speaker.person)
                person_label = self.facts.people[speaker.person].label
                en = f"{person_label.en} at {meeting.label.en}"
                fa = f"{person_label.fa} در {meeting.label.fa}"
                e.labels(sp, Labels(en=en, fa=fa))
                e.add(sp, cd.speaker, person, speaker.where("person"))
                e.add(sp, cd.atMeeting, s, speaker.where("person"))
                e.add(s, cd.hasSpeech, sp)
                self._mention(e, speaker, person)
                if speaker.role:
                    e.labels(sp, speaker.role, cd.speakerRole, where=speaker.where("role"))
                if speaker.organisation:
                    org = self.iri("organisation", speaker.organisation)
                    e.add(sp, cd.onBehalfOf, org, speaker.where("organisation"))
                    self._mention(e, speaker, org)

        for p in self.facts.positions:
            e = self.emitter(p.article)
            s = self.iri("position", p.id)
            self._fact(e, s, p, (ORG.Membership, cd.Position))
            person = self.iri("person", p.person)
            e.add(s, ORG.member, person, p.where("person"))
            self._mention(e, p, person)
            role = part(s, "role")
            e.add(s, ORG.role, role, p.where("role"))
            e.add(role, RDF.type, ORG.Role)
            e.labels(role, p.role, where=p.where("role"))
            person_label = self.facts.people[p.person].label
            e.add(s, RDFS.label, Literal(f"{person_label.en}, {p.role.en}", lang="en"))
            e.add(s, RDFS.label, Literal(f"{person_label.fa}، {p.role.fa}", lang="fa"))
            if p.organisation:
                org = self.iri("organisation", p.organisation)
                e.add(s, ORG.organization, org, p.where("organisation"))
                e.add(person, ORG.memberOf, org, p.where("organisation"))
                self._mention(e, p, org)

        for d in self.facts.definitions:
            e = self.emitter(d.article)
            concept = self.iri("concept", d.concept)
            e.labels(concept, d.definition, SKOS.definition, where=d.where("definition"))
            s = self.iri("concept", d.id)  # `{concept}#definition-{article}`
            self._fact(e, s, d, (cd.Definition,))
            e.add(s, cd.defines, concept, d.where("concept"))
            e.labels(s, d.definition, RDF.value, where=d.where("definition"))
            self._mention(e, d, concept)

    # ------------------------------------------------------------------ link cache

    def build_links(self) -> None:
        """Wikidata and GeoNames values from `data/wikidata-cache.yaml`, in graph `links`.

        Curated values win: a city with a curated Wikidata id keeps it."""
        links = self.facts.links
        if links is None:
            return
        cd = self.cd
        name = graph_iri(self.base, "links")
        e = self.emitter("links")
        e.add(name, RDF.type, PROV.Entity)
        if links.get("endpoint"):
            e.add(name, PROV.wasDerivedFrom, URIRef(str(links["endpoint"])))
        if links.get("retrieved"):
            e.add(
                name, PROV.generatedAtTime, Literal(str(links["retrieved"]), datatype=XSD.dateTime)
            )
        if links.get("geonames"):
            e.add(name, DCTERMS.source, Literal(str(links["geonames"])))
        for city_id, entry in (links.get("cities") or {}).items():
            city = self.facts.cities.get(str(city_id))
            if city is None or not isinstance(entry, dict):
                continue  # a stale entry for a city no longer curated
            s = self.iri("city", city.id)
            if not city.wikidata and entry.get("wikidata"):
                e.add(s, OWL.sameAs, WD[str(entry["wikidata"])])
            if entry.get("geonames") and city.geonames is None:
                e.add(s, RDFS.seeAlso, GEONAMES[f"{int(entry['geonames'])}/"])
            lat, long = entry.get("latitude"), entry.get("longitude")
            if lat is not None and long is not None:
                e.add(s, GEO.lat, Literal(str(lat), datatype=XSD.decimal))
                e.add(s, GEO.long, Literal(str(long), datatype=XSD.decimal))
                geometry = part(s, "geometry")
                e.add(s, GEOSPARQL.hasGeometry, geometry)
                e.add(geometry, RDF.type, GEOSPARQL.Geometry)
                wkt = f"POINT({long} {lat})"
                e.add(geometry, GEOSPARQL.asWKT, Literal(wkt, datatype=GEOSPARQL.wktLiteral))
            if entry.get("population") is not None:
                e.add(s, cd.population, Literal(int(entry["population"]), datatype=XSD.integer))
        for org_id, entry in (links.get("organisations") or {}).items():
            org = self.facts.organisations.get(str(org_id))
            qid = str(entry.get("wikidata", "")) if isinstance(entry, dict) else ""
            if org is not None and not org.wikidata and qid.startswith("Q"):
                e.add(self.iri("organisation", org.id), OWL.sameAs, WD[qid])
        crosscheck = links.get("crosscheck") or {}
        by_pair = {tuple(sorted(t.partners)): t for t in self.facts.twinnings}
        for key, verdict in (("agreed", cd.AgreedWithWikidata), ("only_ours", cd.NotInWikidata)):
            for pair in crosscheck.get(key) or []:
                twinning = by_pair.get(tuple(sorted(str(p) for p in pair)))
                if twinning is not None:
                    e.add(self.iri("twinning", twinning.id), cd.wikidataCrossCheck, verdict)
        for item in crosscheck.get("only_wikidata") or []:
            city = self.facts.cities.get(str(item.get("city")))
            twin = str(item.get("twin", ""))
            if city is not None and twin.startswith("Q"):
                e.add(self.iri("city", city.id), cd.twinnedInWikidataWith, WD[twin])

    def _any_iri(self, slug: str) -> URIRef:
        if slug in self.facts.organisations:
            return self.iri("organisation", slug)
        if slug in self.facts.cities:
            return self.iri("city", slug)
        return self.iri("country", slug)

    def _fact(self, e: _Emitter, s: URIRef, fact: Fact, classes: Iterable[URIRef]) -> None:
        """Type a fact node and attach its provenance: the article and the quoted sentence."""
        e.subject(s, fact.location)
        for cls in classes:
            e.add(s, RDF.type, cls)
        e.add(s, DCTERMS.identifier, Literal(fact.id))
        article = self.iri("article", fact.article)
        e.add(s, PROV.wasDerivedFrom, article, fact.location)
        derivation = part(s, f"source-{fact.article}")
        e.add(s, PROV.qualifiedDerivation, derivation, fact.where("quote"))
        e.add(derivation, RDF.type, PROV.Derivation)
        e.add(derivation, PROV.entity, article)
        e.add(derivation, self.cd.quotation, Literal(fact.quote, lang="fa"), fact.where("quote"))
        e.subject(derivation, fact.where("quote"))

    def _mention(self, e: _Emitter, fact: Fact, target: URIRef) -> None:
        e.add(self.iri("article", fact.article), SDO.mentions, target)

    def _date(self, e: _Emitter, s: URIRef, date: DateFact, predicate: URIRef) -> None:
        """Attach a date node `<s#date>`: the text as written and the Gregorian days it spans."""
        cd = self.cd
        node = part(s, "date")
        value = date.date
        e.add(s, predicate, node, date.location)
        e.subject(node, date.location)
        if value.calendar == "jalali":
            e.add(node, cd.jalaliDate, Literal(value.text), date.location)
        else:
            e.add(node, cd.gregorianDate, Literal(value.text), date.location)
        if date.printed:
            e.add(node, cd.printedDate, Literal(date.printed, lang="fa"), date.location)
        unit = {"year": TIME.unitYear, "month": TIME.unitMonth, "day": TIME.unitDay}
        e.add(node, cd.precision, unit[value.precision])
        # Shortcuts for filtering: the first and last Gregorian day the date covers.
        e.add(node, cd.firstDay, _xsd_date(value.first_day), date.location)
        e.add(node, cd.lastDay, _xsd_date(value.last_day), date.location)
        if value.precision == "day":
            e.add(node, RDF.type, TIME.Instant)
            e.add(node, TIME.inXSDDate, _xsd_date(value.first_day), date.location)
            return
        e.add(node, RDF.type, TIME.ProperInterval)
        for suffix, predicate_end, day in (
            ("begin", TIME.hasBeginning, value.first_day),
            ("end", TIME.hasEnd, value.last_day),
        ):
            instant = part(s, f"date-{suffix}")
            e.add(node, predicate_end, instant, date.location)
            e.add(instant, RDF.type, TIME.Instant)
            e.add(instant, TIME.inXSDDate, _xsd_date(day), date.location)


def part(node: URIRef, name: str) -> URIRef:
    """The IRI of a part of `node`: `node#name`, or `node-name` when `node` already has a
    fragment (an IRI holds at most one `#`)."""
    return URIRef(f"{node}-{name}" if "#" in node else f"{node}#{name}")


def _xsd_date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def build_dataset(facts: Facts, base: str, into: Graph | None = None) -> BuildResult:
    """Facts -> dataset with named graphs (`{base}graph/<article>`, `{base}graph/curated`).

    With `into`, all the facts' triples go into that graph instead (see `Builder`)."""
    builder = Builder(facts, base, into)
    builder.build_curated()
    builder.build_articles()
    builder.build_links()
    return BuildResult(builder.dataset, builder.sources)


def add_turtle_graph(dataset: Dataset, directory: Path, name: str, base: str) -> Graph:
    """Load every `*.ttl` in `directory` (relative IRIs resolved against `base`) as graph `name`."""
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise LoadError(f"{directory}: no Turtle (*.ttl) files found for the {name} graph")
    parsed = Graph()
    for path in files:
        try:
            parsed.parse(path, format="turtle", publicID=normalise_base(base))
        except Exception as exc:  # noqa: BLE001  rdflib raises many parser error types
            raise LoadError(f"{path}: not valid Turtle: {exc}") from None
    graph = dataset.graph(graph_iri(base, name))
    # Canonical blank node labels, so the same files always build the same bytes.
    for triple in to_canonical_graph(parsed):
        graph.add(triple)
    for prefix, namespace in parsed.namespaces():
        dataset.bind(prefix, namespace, override=False)
    return graph
