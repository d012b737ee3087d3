"""Stage 5, stores: where the triples live and how they are read. The store protocol and the
embedded Oxigraph store (`store`), any SPARQL 1.1 store over HTTP (`remote`), the on-disk
store folder (`disk_store`, written by `disk_publish`), Graph Store Protocol loading
(`publish`), resource descriptions (`describe`), dataset counts (`statistics`), list
orders (`listing`) and the search index (`search_index`).

May import: `citydip_ld.sparql` and the shared modules; never web or the commands.
"""
