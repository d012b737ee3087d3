"""Stage 3, validation: the built dataset -> a report (pySHACL against `shapes/`, each
violation at the fact file and line to fix), the shapes compiled into SPARQL for a check in
the store (`compiled`) and the competency questions it must answer.

May import: `citydip_ld.rdf`, `citydip_ld.curation` and the shared modules; never linking,
sparql, stores, web or the commands.
"""
