"""A resource's description read from a store folder generation's tables as N-Quads text: the
lines of the quads `index_description.read_description` gives, without a pyoxigraph object.
Pure: a resource table and a label memo in, lines out.

A cold document read through the tables spent about a third of its CPU time turning text into
pyoxigraph quads (the resource's block and the labels' blocks parsed) and the quads back into
text (the writers sort and write N-Triples texts): the tables hold the very lines Oxigraph's
N-Quads writer wrote for the quads the store holds, so the description is made from the
lines themselves. Each line is `<subject> <predicate> object <graph>` (an N-Quads line without
its ` .`): subjects and graphs are IRIs here (the tables keep quads in named graphs with IRI
subjects), and no IRI's text holds a space, so a line splits at its first two spaces and its
last ` <`. An IRI compares as its text without `<`…`>`, code point by code point (SPARQL's
order, as `read_description` orders links).

Where the table cannot answer (no table, an IRI with a `#`, a resource that links to a blank
node: see `resource_table`), the description is read as quads (`read_description`).
`tests/test_table_description.py` compares the two for every resource.
"""

from __future__ import annotations

import heapq
from typing import Any

from citydip_ld.stores import index_description
from citydip_ld.stores.index_description import label_memo, pinned_store
from citydip_ld.stores.label_memo import LabelMemo, opened_memo
from citydip_ld.stores.resource_table import ResourceTable, opened_table, table_for


def table_lines(store: Any) -> tuple[ResourceTable, LabelMemo] | None:
    """The resource table and label memo (with its label table) of the generation of `store`
    answering now; None when it lacks either (then its descriptions are read as quads)."""
    pinned = pinned_store(store)
    table = table_for(pinned)
    if table is None:
        return None
    memo = label_memo(pinned)
    return None if memo.table is None else (table, memo)


def tables_ready(store: Any) -> bool:
    """Whether `store` (a store folder) answers now from a generation already open whose
    tables are open too: its documents are then read from the tables' text (a block from
    the page cache, the label blocks mostly from the memo) with no store lookup and no
    generation to open. A check in memory after one release check."""
    opened = getattr(store, "opened", None)
    pinned = opened() if callable(opened) else None
    if pinned is None or opened_table(pinned) is None:
        return False
    memo = opened_memo(pinned)
    return memo is not None and memo.table is not None


def table_description(store: Any, iri: str) -> tuple[list[str], bool] | None:
    """The description of `iri` as N-Quads lines (without ` .`; `read_description`'s quads,
    in its order) and whether links to it were left out; None when the tables of `store`
    cannot give it (then `index_description` reads it as quads)."""
    tables = table_lines(store)
    if tables is None:
        return None
    block = tables[0].text(iri)
    return None if block is None else describe_lines(block, iri, tables[1])


def describe_lines(block: str, iri: str, labels: LabelMemo) -> tuple[list[str], bool] | None:
    """`read_description` of `iri` from its block's lines (`block`: N-Quads text, each line
    ending ` .\\n`), the labels from `labels`' table; None when the resource links to a blank
    node (the table's ids are not the store's)."""
    me = f"<{iri}>"
    hash_head = f"<{iri}#"
    out: list[str] = []
    objects: list[str] = []  # those of `out`
    hashes: dict[str, list[tuple[str, str]]] = {}  # a hash IRI's (line, object) pairs
    mine: list[str] = []  # links to the resource from its hash IRIs
    others: list[tuple[str, str, str, str]] = []  # (subject, predicate, graph, line)
    names: set[str] = set()
    for line in block.split(" .\n")[:-1]:
        subject, predicate, rest = line.split(" ", 2)
        cut = rest.rindex(" <")
        obj = rest[:cut]
        if subject == me:
            if obj[0] == "_":
                return None
            out.append(line)
            objects.append(obj)
            if obj[0] == "<":
                names.add(obj)
        elif subject.startswith(hash_head):
            if obj[0] == "_":
                return None
            hashes.setdefault(subject, []).append((line, obj))
            if obj == me:
                mine.append(line)
        else:
            others.append((subject[1:-1], predicate[1:-1], rest[cut + 2 : -1], line))
    keeping = index_description.MAX_INCOMING
    if len(others) > keeping + 1:  # the query's ORDER BY ?s ?p ?g LIMIT
        others = heapq.nsmallest(keeping + 1, others)
    more = len(others) > keeping
    if more:
        others.remove(max(others))
    if not out:
        return [], more
    reached, reached_from = _reached(objects, hashes, hash_head, me, names)
    names.update([f"<{subject}>" for subject, _p, _g, _line in others])
    names.difference_update([line[: line.index(" ")] for line in mine])
    names.difference_update(reached_from)
    names.discard(me)
    return [*out, *mine, *[link[3] for link in others], *reached, *labels.lines(names)], more


def _reached(
    objects: list[str],
    hashes: dict[str, list[tuple[str, str]]],
    hash_head: str,
    me: str,
    names: set[str],
) -> tuple[list[str], set[str]]:
    """The lines of the hash IRIs the resource links to (`objects`: the objects of its own
    lines) and of those these link to, but their links back to the resource (among `mine`),
    and the subjects of those lines; the IRIs they link to are added to `names`."""
    near = [obj for obj in objects if obj.startswith(hash_head)]
    found = dict.fromkeys(near)
    for node in near:
        for _line, obj in hashes.get(node, []):
            if obj.startswith(hash_head):
                found.setdefault(obj)
    reached: list[str] = []
    subjects: set[str] = set()
    for node in found:
        for line, obj in hashes.get(node, []):
            if obj[0] == "<":
                names.add(obj)
                if obj == me:
                    continue
            reached.append(line)
            subjects.add(node)
    return reached, subjects
