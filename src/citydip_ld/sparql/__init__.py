"""Stage 4, SPARQL: the protocol's logic without Flask or a store of our own (`protocol`: a
request -> a `QueryJob` with its limits, run on a pyoxigraph store, results in every format),
the guarded thread queries run in (`sandbox`: outbound connections checked by seccomp, stack
and memory caps) and the outbound policy for federated `SERVICE` calls (`federation`).

May import: the shared modules; never stores, web or the commands (the stores answer the
jobs defined here).
"""

#: Largest request body in bytes, what the web app and the HTTP servers accept (413 beyond);
#: here, not in `protocol`, so that the command line reads it without importing the protocol.
DEFAULT_MAX_REQUEST_BODY = 1 << 20  # 1 MiB: SPARQL queries, never uploads
