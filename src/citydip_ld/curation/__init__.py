"""Stage 1, curation: the hand-edited files in `data/` -> typed records that keep file:line.

Owns reading YAML with line numbers (`yamlread`), calendar dates (`dates`), what every record
has (`records`), the field checks with file:line errors (`reader`), the kinds of fact, one
module each (`kinds`: record, reader, references, triples, list heading), what a kind writes
its triples with (`triples`) and `load_facts` (`facts`), which loops over the kinds.
May import: the shared modules (`citydip_ld.errors`, `citydip_ld.iris`) and third-party
libraries; no other stage.
"""
