"""Stage 3 (beside validation), linking: curated records -> the reviewed link cache
`data/wikidata-cache.yaml` (Wikidata reconciliation and enrichment, offline GeoNames,
the twinning cross-check), which the curation stage reads back on the next build. Wikidata
is queried through the shared HTTP session (`citydip_ld.httpclient`: retries and backoff from
urllib3); GeoNames needs the optional extra `citydip-ld[geonames]`.

May import: `citydip_ld.curation` and the shared modules (`errors`, `atomic`, `httpclient`);
never rdf, validation, sparql, stores, web or the commands.
"""
