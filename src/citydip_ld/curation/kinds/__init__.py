"""The kinds of fact, one module each: its record type, how its YAML is read and checked (with
file:line errors), which references it resolves, which triples it becomes and the heading of
its list page.

`KINDS` is the one list the reader (`citydip_ld.curation.facts`) and the builder
(`citydip_ld.rdf.build`) loop over. Its order is the order records are read, references
checked and triples built in: shared records first (each before the records that refer to it),
then the article and the facts drawn from it, then the coverage ledgers that list them. A new
kind is one new module registered here.
May import: `citydip_ld.curation` (records, reader, triples), `errors`, `iris`.
"""

from __future__ import annotations

from collections.abc import Mapping

from citydip_ld.curation.kinds.article import ArticleKind
from citydip_ld.curation.kinds.base import Kind
from citydip_ld.curation.kinds.concept import ConceptKind, SchemeKind
from citydip_ld.curation.kinds.definition import DefinitionKind
from citydip_ld.curation.kinds.event import EventKind
from citydip_ld.curation.kinds.ledger import LedgerKind
from citydip_ld.curation.kinds.meeting import MeetingKind
from citydip_ld.curation.kinds.membership import MembershipKind
from citydip_ld.curation.kinds.organisation import OrganisationKind
from citydip_ld.curation.kinds.person import PersonKind
from citydip_ld.curation.kinds.place import CityKind, CountryKind
from citydip_ld.curation.kinds.position import PositionKind
from citydip_ld.curation.kinds.programme import ProgrammeKind
from citydip_ld.curation.kinds.proposal import ProposalKind
from citydip_ld.curation.kinds.statistic import StatisticKind
from citydip_ld.curation.kinds.twinning import TwinningKind
from citydip_ld.curation.records import Labels

KINDS: tuple[Kind, ...] = (
    CountryKind(),
    CityKind(),
    OrganisationKind(),
    PersonKind(),
    SchemeKind(),
    ConceptKind(),
    ArticleKind(),
    TwinningKind(),
    MembershipKind(),
    StatisticKind(),
    MeetingKind(),
    PositionKind(),
    DefinitionKind(),
    EventKind(),
    ProposalKind(),
    ProgrammeKind(),
    LedgerKind(),
)

#: The kinds read from the shared files in `data/`, those read from article files, and those
#: read from a folder of one file per article (the coverage ledgers).
SHARED_KINDS = tuple(kind for kind in KINDS if kind.file is not None)
ARTICLE_KINDS = tuple(kind for kind in KINDS if kind.file is None and kind.folder is None)
FOLDER_KINDS = tuple(kind for kind in KINDS if kind.folder is not None)

#: The heading of each IRI segment's list page (`/doc/{segment}/`).
LIST_LABELS: Mapping[str, Labels] = {
    segment: label for kind in KINDS for segment, label in kind.list_labels
}
