"""The dataset dumps: which files, their media types, sizes and SHA-256 checksums.

`write_checksums(out_dir)` is called at build time and writes `SHA256SUMS` in the format of
`sha256sum` (so `sha256sum -c SHA256SUMS` verifies a download). The web layer reads it back
with `list_dumps` to describe the dumps in VoID/DCAT and to serve them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from citydip_ld.atomic import write_atomically
from citydip_ld.errors import LoadError

CHECKSUMS_FILE = "SHA256SUMS"

#: Dump file name -> media type, in the order they are listed.
DUMP_FILES: dict[str, str] = {
    "dataset.nq": "application/n-quads",
    "dataset.trig": "application/trig",
    "dataset.ttl": "text/turtle",
    "dataset.nt": "application/n-triples",
    "dataset.jsonld": "application/ld+json",
}
#: The twinning network for graph tools (`citydip_ld.rdf.network_files`): not RDF, so not
#: VoID data dumps, but downloads listed, checksummed and described (DCAT) like them.
NETWORK_FILES: dict[str, str] = {
    "network.graphml": "application/graphml+xml",
    "network-nodes.csv": "text/csv",
    "network-edges.csv": "text/csv",
}
#: Every file `build` writes for download, in the order they are listed.
DOWNLOAD_FILES: dict[str, str] = {**DUMP_FILES, **NETWORK_FILES}


@dataclass(frozen=True)
class Dump:
    """One dump file of the dataset."""

    name: str
    media_type: str
    byte_size: int
    sha256: str

    @property
    def is_rdf(self) -> bool:
        """An RDF dump of the dataset (a VoID data dump), not a network file."""
        return self.name in DUMP_FILES


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(out_dir: str | Path, known: dict[str, str] | None = None) -> Path:
    """Write `SHA256SUMS` for the dump and network files present in `out_dir`; return its
    path. `known`: the hex SHA-256 of files just written there from bytes the caller holds
    (`build`: not read back); the others are read."""
    directory = Path(out_dir)
    names = [name for name in DOWNLOAD_FILES if (directory / name).is_file()]
    if not names:
        raise LoadError(f"{directory}: no dataset dumps here; run `citydip-ld build` first")
    digests = known or {}
    lines = [f"{digests.get(name) or sha256_file(directory / name)}  {name}\n" for name in names]
    path = directory / CHECKSUMS_FILE
    write_atomically(path, "".join(lines).encode("ascii"))
    return path


def read_checksums(out_dir: str | Path) -> dict[str, str]:
    """File name -> SHA-256 from `SHA256SUMS` (empty when the file is missing)."""
    path = Path(out_dir) / CHECKSUMS_FILE
    if not path.is_file():
        return {}
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise LoadError(f"{path}:{number}: not a `sha256sum` line; rebuild the dataset")
        sums[name.lstrip("*")] = digest
    return sums


def list_dumps(out_dir: str | Path) -> list[Dump]:
    """The dumps present in `out_dir` with size and checksum (computed if not recorded)."""
    directory = Path(out_dir)
    sums = read_checksums(directory)
    dumps = []
    for name, media_type in DOWNLOAD_FILES.items():
        path = directory / name
        if path.is_file():
            digest = sums.get(name) or sha256_file(path)
            dumps.append(Dump(name, media_type, path.stat().st_size, digest))
    return dumps
