"""The questions the dataset is built to answer (its competency questions), as SPARQL over
the published vocabulary. The query page offers them as examples; the tests run them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    key: str
    title: dict[str, str]
    query: str


def competency_questions(base: str) -> list[Example]:
    """The competency questions of the dataset as SPARQL: the query page's examples, and
    what the tests check the dataset answers.

    Long because it is a table: each question is a few lines of SPARQL text, kept together
    with the shared prologue so a question reads as one query."""
    prologue = f"""PREFIX cd: <{base}ontology#>
PREFIX city: <{base}id/city/>
PREFIX country: <{base}id/country/>
PREFIX twinning: <{base}id/twinning/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX organisation: <{base}id/organisation/>
"""
    date = """  OPTIONAL {{ {node} time:hasTime ?when .
    OPTIONAL {{ ?when cd:jalaliDate ?jalali }}
    OPTIONAL {{ ?when time:inXSDDate|time:hasBeginning/time:inXSDDate ?gregorian }} }}"""
    return [
        Example(
            "tabriz-sister-cities",
            {
                "en": "Tabriz's sister cities, their Wikidata IDs and agreement dates",
                "fa": "خواهرخوانده‌های تبریز، شناسه ویکی‌داده و تاریخ توافق",
            },
            prologue
            + f"""SELECT ?partner ?partnerLabel ?wikidata ?jalali ?gregorian WHERE {{
  ?twinning a cd:Twinning ; cd:partner city:tabriz, ?partner .
  FILTER(?partner != city:tabriz)
  ?partner rdfs:label ?partnerLabel . FILTER(LANG(?partnerLabel) = "en")
  OPTIONAL {{ ?partner owl:sameAs ?wikidata .
    FILTER(STRSTARTS(STR(?wikidata), "http://www.wikidata.org/entity/")) }}
{date.format(node="?twinning")}
}} ORDER BY ?partnerLabel""",
        ),
        Example(
            "creative-cities",
            {
                "en": "Iranian cities in the UNESCO Creative Cities Network, and since when",
                "fa": "شهرهای ایران در شبکه شهرهای خلاق یونسکو و از چه زمانی",
            },
            prologue
            + f"""SELECT ?city ?cityLabel ?field ?jalali ?gregorian WHERE {{
  ?membership org:member ?city ; org:organization ?network .
  ?city schema:containedInPlace country:iran ; rdfs:label ?cityLabel .
  FILTER(LANG(?cityLabel) = "en")
  ?network rdfs:label ?networkLabel .
  FILTER(LANG(?networkLabel) = "en" && CONTAINS(LCASE(STR(?networkLabel)), "creative cities"))
  OPTIONAL {{ ?membership cd:field/rdfs:label ?field . FILTER(LANG(?field) = "en") }}
{date.format(node="?membership")}
}} ORDER BY ?gregorian ?cityLabel""",
        ),
        Example(
            "mashhad-2018-speakers",
            {
                "en": "Who spoke at the 2018 Mashhad meeting, in what role",
                "fa": "چه کسانی و با چه سمتی در نشست ۲۰۱۸ مشهد سخن گفتند",
            },
            prologue
            + f"""SELECT ?meetingLabel ?person ?personLabel ?role WHERE {{
  ?meeting a cd:Meeting ; schema:location city:mashhad ; cd:hasSpeech ?speech ;
    rdfs:label ?meetingLabel . FILTER(LANG(?meetingLabel) = "en")
{date.format(node="?meeting")}
  FILTER(!BOUND(?gregorian) || YEAR(?gregorian) = 2018)
  ?speech cd:speaker ?person .
  ?person rdfs:label ?personLabel . FILTER(LANG(?personLabel) = "en")
  OPTIONAL {{ ?speech cd:speakerRole ?role . FILTER(LANG(?role) = "en") }}
}} ORDER BY ?personLabel""",
        ),
        Example(
            "cities-without-coordinates",
            {
                "en": "Which cities lack coordinates (none should: `citydip-ld link --offline`)",
                "fa": "کدام شهرها مختصات ندارند (هیچ‌کدام نباید)",
            },
            prologue
            + """PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
SELECT ?city ?label WHERE {
  ?city a cd:City .
  FILTER NOT EXISTS { ?city geo:lat ?lat ; geo:long ?long }
  OPTIONAL { ?city rdfs:label ?label . FILTER(LANG(?label) = "en") }
} ORDER BY ?city""",
        ),
        Example(
            "tabriz-wuhan-source",
            {
                "en": "Which article and sentence support the Tabriz–Wuhan agreement",
                "fa": "کدام خبر و جمله پشتوانه توافق تبریز و ووهان است",
            },
            prologue
            + """SELECT ?article ?title ?published ?quotation WHERE {
  twinning:tabriz-wuhan prov:qualifiedDerivation ?derivation .
  ?derivation prov:entity ?article ; cd:quotation ?quotation .
  OPTIONAL { ?article dcterms:title ?title . FILTER(LANG(?title) = "en") }
  OPTIONAL { ?article schema:datePublished ?published }
}""",
        ),
        Example(
            "rasht-proposals",
            {
                "en": "What did Rasht (city, bodies, people) propose, to whom and when",
                "fa": "رشت (شهر، نهادها یا افراد آن) چه پیشنهادی داد، به چه کسی و کی",
            },
            prologue
            + f"""SELECT ?proposal ?what ?proposerLabel ?addressee ?meeting ?jalali ?gregorian
  ?quotation WHERE {{
  ?proposal a cd:Proposal ; cd:proposer ?proposer ; rdfs:label ?what .
  FILTER(LANG(?what) = "en")
  ?proposer (org:memberOf)?/(schema:location)? city:rasht .
  ?proposer rdfs:label ?proposerLabel . FILTER(LANG(?proposerLabel) = "en")
  OPTIONAL {{ ?proposal cd:addressedTo/rdfs:label ?addressee . FILTER(LANG(?addressee) = "en") }}
  OPTIONAL {{ ?proposal cd:madeAt/rdfs:label ?meeting . FILTER(LANG(?meeting) = "en") }}
{date.format(node="?proposal")}
  ?proposal prov:qualifiedDerivation/cd:quotation ?quotation .
}} ORDER BY ?proposal ?addressee""",
        ),
        Example(
            "events-to-mayors-for-peace",
            {
                "en": "Which events led to Mayors for Peace, as the articles tell it",
                "fa": "کدام رویدادها به انجمن بین‌المللی صلح شهرداران انجامید، به روایت خبرها",
            },
            prologue
            + f"""SELECT ?event ?eventLabel ?jalali ?gregorian ?note WHERE {{
  ?event a cd:Event ; cd:ledTo+ organisation:mayors-for-peace ; rdfs:label ?eventLabel .
  FILTER(LANG(?eventLabel) = "en")
{date.format(node="?event")}
  OPTIONAL {{ ?event <http://www.w3.org/2004/02/skos/core#editorialNote> ?note .
    FILTER(LANG(?note) = "en") }}
}} ORDER BY ?gregorian ?event""",
        ),
    ]
