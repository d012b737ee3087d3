"""Stage 1, curation: the hand-edited files in `data/` -> typed records that keep file:line.

Owns reading YAML with line numbers (`yamlread`), calendar dates (`dates`), the record types
(`records`) and `load_facts` (`facts`), which checks every record and resolves its references.
May import: `citydip_ld.errors`, `citydip_ld.iris` and third-party libraries; no other stage.
"""
