"""Stage 5, stores: where the triples live and how they are read. The store protocol and the
embedded Oxigraph store (`store`), any SPARQL 1.1 store over HTTP (`remote`), the on-disk
store folder (`disk_store`, written by `disk_publish` under a publish lock, followed while
serving by `folder_store`: 503 while it is missing, a new generation picked up without a
restart), Graph Store Protocol loading (`publish`), resource descriptions (`describe`),
dataset counts (`statistics`), list orders (`listing`), the search index
(`search_index`), the cities and twinnings on the map (`geography`) and `check --store`
(`store_check`: the compiled shapes run in the store). Remote stores and
publishing talk HTTP through the shared `citydip_ld.httpclient`.

May import: `citydip_ld.sparql`, the stages before it (`validation`, `rdf`, `curation`) and
the shared modules (`errors`, `iris`, `atomic`, `httpclient`); never web or the commands.
"""
