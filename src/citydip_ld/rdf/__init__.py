"""Stage 2, RDF: records -> an rdflib dataset (one named graph per article) and its dumps.

Owns the build (`build`: records -> dataset plus the source map back to file:line), every
serialisation written deterministically and atomically (`output`), the dump listing with
checksums (`dumps`) and the source map as a file (`source_map`). May import:
`citydip_ld.curation` and the shared modules (`errors`, `iris`, `atomic`); never a later
stage (validation, stores, sparql, web, cli).
"""
