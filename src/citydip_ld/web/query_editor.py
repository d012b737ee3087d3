"""The SPARQL editor on `/query`: YASGUI (npm `@zazuko/yasgui`, served by `vendor`) mounted over
the plain query form by `static/query-editor.js`; the form stays as the fallback without
JavaScript or without `node_modules/`.

What the editor needs from the server, and nothing else: our `/sparql` endpoint (below
`request.script_root`), the dataset's prefixes (those its documents use), the query that
lists our classes and properties (`vocabulary_query`, which the editor sends to `/sparql` for
its completion), and whether the editor may look things up on other sites. By default it may
not: the prefix autocompleter offers our prefixes and YASQE's bundled list (no request to
prefix.cc), and the class and property autocompleters offer our vocabulary instead of asking
Linked Open Vocabularies. An operator who sets `QUERY_EDITOR_REMOTE_LOOKUPS = True` turns
both lookups on (LOV's suggestions then follow ours); the page's policy then lets it connect
to those two origins, and only the `/query` page's (`editor_policy`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app

from citydip_ld.iris import graph_iri
from citydip_ld.web.documents import prefixes
from citydip_ld.web.security_headers import html_policy

#: prefix.cc's list of popular prefixes (what YASQE's `prefixCcApi` fetches when enabled).
PREFIX_CC_API = "https://prefix.cc/popular/all.file.json"
#: The origins the editor contacts when remote lookups are on: prefix.cc and LOV's term
#: autocompletion (`https://lov.linkeddata.es/dataset/lov/api/v2/autocomplete/terms`).
REMOTE_LOOKUP_ORIGINS = ("https://prefix.cc", "https://lov.linkeddata.es")
#: The two `<style>` elements YASR's results table writes into the page's head, whatever the
#: configuration (its bundled column resizer): one with the resizer's rules (`.grip-resizable
#: {table-layout:fixed;} ...`, when a table is drawn) and `*{cursor:col-resize!important}`
#: (while a column is dragged). Fixed text in @zazuko/yasgui 4.6.2, allowed by their hashes
#: on `/query` alone (web/security_headers.py); a new YASGUI version whose text differs shows
#: as a policy violation in tests/test_browser_query_editor.py, and Chromium's message names
#: the new hash.
EDITOR_STYLE_HASHES: tuple[str, ...] = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)


@dataclass(frozen=True)
class EditorSettings:
    """What `static/query-editor.js` reads from the page (as `data-` attributes)."""

    prefixes: dict[str, str]
    remote_lookups: bool
    vocabulary_query: str

    @property
    def prefixes_json(self) -> str:
        return json.dumps(self.prefixes, sort_keys=True, ensure_ascii=False)

    @property
    def prefix_api(self) -> str:
        return PREFIX_CC_API if self.remote_lookups else ""


def remote_lookups() -> bool:
    """The `QUERY_EDITOR_REMOTE_LOOKUPS` setting (an env value "1"/"true" counts as on)."""
    value = current_app.config.get("QUERY_EDITOR_REMOTE_LOOKUPS", False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def editor_settings(base: str) -> EditorSettings:
    """The editor's settings for the dataset at `base`."""
    return EditorSettings(prefixes(base), remote_lookups(), vocabulary_query(base))


def vocabulary_query(base: str) -> str:
    """The SPARQL query the editor sends to our `/sparql` (once per page, on first use) for
    its offline class and property autocompletion: the classes and properties the ontology
    declares or aligns with, and those the shapes constrain (so `schema:`, `prov:`,
    `rdfs:label` ... that the data uses), each with its kind, `class` or `property`."""
    ontology = graph_iri(base, "ontology")
    shapes = graph_iri(base, "shapes")
    return f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT DISTINCT ?term ?kind WHERE {{
  {{ GRAPH <{ontology}> {{ ?term a ?type }}
    VALUES (?type ?kind) {{
      (owl:Class "class") (rdfs:Class "class") (owl:ObjectProperty "property")
      (owl:DatatypeProperty "property") (owl:AnnotationProperty "property")
      (rdf:Property "property") }} }}
  UNION {{ GRAPH <{ontology}> {{ ?c rdfs:subClassOf|owl:equivalentClass ?term }}
    BIND("class" AS ?kind) }}
  UNION {{ GRAPH <{ontology}> {{ ?p rdfs:subPropertyOf|owl:equivalentProperty ?term }}
    BIND("property" AS ?kind) }}
  UNION {{ GRAPH <{shapes}> {{ ?s sh:targetClass|sh:class ?term }} BIND("class" AS ?kind) }}
  UNION {{ GRAPH <{shapes}> {{ ?s sh:path ?term }} BIND("property" AS ?kind) }}
  FILTER(isIRI(?term))
}} ORDER BY ?kind ?term"""


def editor_policy() -> str:
    """The Content-Security-Policy of the `/query` page: the site's, plus the hashes of
    YASR's own `<style>` elements and, when remote lookups are on, their two origins."""
    connect = REMOTE_LOOKUP_ORIGINS if remote_lookups() else ()
    return html_policy(connect_src=connect, style_src=EDITOR_STYLE_HASHES)
