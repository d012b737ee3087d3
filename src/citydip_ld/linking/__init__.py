"""Stage 3 (beside validation), linking: curated records -> the reviewed link cache
`data/wikidata-cache.yaml` (Wikidata reconciliation and enrichment, offline GeoNames,
the twinning cross-check), which the curation stage reads back on the next build.

May import: `citydip_ld.curation` and the shared modules (`errors`, `atomic`); never rdf,
validation, sparql, stores, web or the commands.
"""
