"""Stage 4, SPARQL: the protocol's logic without Flask or a store of our own (`protocol`: a
request -> a `QueryJob` with its limits, run on a pyoxigraph store, results in every format),
the guarded thread queries run in (`sandbox`: outbound connections checked by seccomp, stack
and memory caps) and the outbound policy for federated `SERVICE` calls (`federation`).

May import: the shared modules; never stores, web or the commands (the stores answer the
jobs defined here).
"""
