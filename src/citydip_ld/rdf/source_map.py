"""The build's source map as a file, `sources.tsv`, so a report on a published store can point at
the fact file and line to fix as `check` does on a fresh build.

`build` writes it beside the dumps (it is not a dump: not in `SHA256SUMS`), `publish --to DIR`
carries it into the store folder's generation (the shards' files one after the other), and
`check --store` reads back only the lines of the nodes it reports, so reading it takes memory
for the violations, not for the world. One line per subject and per subject-predicate pair:

    <subject IRI> TAB <predicate IRI, or empty> TAB <file> TAB <line>

IRIs hold no tab or line break; a file name with one is written with it replaced by a space.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import URIRef

from citydip_ld.atomic import write_atomically
from citydip_ld.curation.records import Location
from citydip_ld.curation.triples import SourceMap

SOURCES_FILE = "sources.tsv"


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def source_map_bytes(sources: SourceMap) -> bytes:
    """The file's bytes, sorted (the same facts give the same file)."""
    # joined, not formatted: an f-string formats an rdflib term 2.5 times slower
    lines = [
        "\t".join((subject, "", _clean(where.file), str(where.line))) + "\n"
        for subject, where in sources.subjects.items()
    ]
    lines += [
        "\t".join((subject, predicate, _clean(where.file), str(where.line))) + "\n"
        for (subject, predicate), where in sources.properties.items()
    ]
    lines.sort()
    return "".join(lines).encode("utf-8")


def write_source_map(sources: SourceMap | bytes, out_dir: str | Path) -> Path:
    """Write `sources.tsv` (or the bytes `source_map_bytes` gave) into `out_dir`, atomically;
    return its path."""
    path = Path(out_dir) / SOURCES_FILE
    write_atomically(path, sources if isinstance(sources, bytes) else source_map_bytes(sources))
    return path


def read_source_map(paths: Iterable[str | Path], nodes: Iterable[str]) -> SourceMap:
    """The entries of the source map files `paths` (missing ones are skipped) about `nodes`
    (IRIs) and the documents of their hash IRIs, read line by line."""
    wanted = _wanted(nodes)
    found = SourceMap()
    for path in paths:
        if not Path(path).is_file():
            continue
        with Path(path).open(encoding="utf-8") as handle:
            _read_lines(handle, wanted, found)
    return found


def _wanted(nodes: Iterable[str]) -> set[str]:
    wanted = set()
    for node in nodes:
        wanted.add(node)
        wanted.add(node.split("#", 1)[0])
    return wanted


def _read_lines(lines: Iterable[str], wanted: set[str], found: SourceMap) -> None:
    """Add the entries of `lines` (of a `sources.tsv`) whose subject is `wanted` to `found`."""
    for line in lines:
        subject, _, rest = line.partition("\t")
        if subject not in wanted:
            continue
        predicate, file, number = rest.rstrip("\n").split("\t")
        where = Location(file, int(number))
        if predicate:
            found.properties.setdefault((URIRef(subject), URIRef(predicate)), where)
        else:
            found.subjects.setdefault(URIRef(subject), where)


class SourceFiles:
    """A source map as the bytes of `sources.tsv` files (as `check` read and verified them
    against a build's stamp), read only for the nodes a report names (`about`)."""

    def __init__(self, contents: Iterable[bytes]) -> None:
        self.contents = list(contents)

    def about(self, nodes: Iterable[str]) -> SourceMap:
        """The entries about `nodes` (and the documents of their hash IRIs)."""
        wanted = _wanted(nodes)
        found = SourceMap()
        if not wanted:  # a report without a violation (most): 35 MB not split at world S
            return found
        for content in self.contents:
            lines = content.decode("utf-8").split("\n")  # as a file reads: \n ends a line
            _read_lines((line for line in lines if line), wanted, found)
        return found
