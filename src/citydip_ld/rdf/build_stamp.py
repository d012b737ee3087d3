"""What a build folder was built from, so `check` can validate its bytes instead of building
the facts again.

`build` writes `build-inputs.json` beside the dumps: one SHA-256 over everything the bytes it
wrote depend on (every file under the data, ontology and shapes folders with its path, the
data folder's place, which the source map's file names are relative to, the base IRI, the
package's own source files and the versions of the libraries that write the dumps), and the
SHA-256 of the two files `check` reads back (`dataset.nq`, `sources.tsv`). `check` recomputes
the first and hashes the second; any difference, a missing file or a stamp it cannot read, and
it builds the facts as before. The stamp is removed when a build starts and written only after
every file is in place, and only when the inputs hashed the same before and after the build
(a fact file edited meanwhile leaves no stamp).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from citydip_ld import __version__
from citydip_ld.atomic import write_atomically

STAMP_FILE = "build-inputs.json"
#: the files of a build folder `check` reads instead of building the facts
CHECKED_FILES = ("dataset.nq", "sources.tsv")
#: libraries whose versions change the dumps' bytes or the facts as read
LIBRARIES = ("rdflib", "pyoxigraph", "PyYAML")
_PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Inputs:
    """Where a build reads from: the three folders and the base IRI."""

    data_dir: Path
    ontology_dir: Path
    shapes_dir: Path
    base: str


def _hash_tree(update: Callable[[bytes], None], label: str, root: Path, pattern: str = "*") -> None:
    """Every regular file under `root` matching `pattern` (sorted by relative path): its path
    and its bytes."""
    update(f"{label}\0".encode())
    if not root.is_dir():
        update(b"missing\0")
        return
    files = sorted((p for p in root.rglob(pattern) if p.is_file()), key=lambda p: p.as_posix())
    for path in files:
        content = path.read_bytes()
        name = path.relative_to(root).as_posix()
        update(f"{name}\0{len(content)}\0".encode())
        update(content)


def _library_versions() -> str:
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return ",".join(versions)


def inputs_digest(inputs: Inputs) -> str:
    """The hex SHA-256 of everything a build's bytes depend on (see the module docstring)."""
    digest = hashlib.sha256()
    header = [
        f"citydip-ld {__version__}",
        _library_versions(),
        inputs.base,
        inputs.data_dir.resolve().as_posix(),
    ]
    digest.update("\n".join(header).encode() + b"\n")
    _hash_tree(digest.update, "code", _PACKAGE, "*.py")  # not __pycache__: it grows on import
    _hash_tree(digest.update, "data", inputs.data_dir)
    _hash_tree(digest.update, "ontology", inputs.ontology_dir)
    _hash_tree(digest.update, "shapes", inputs.shapes_dir)
    return digest.hexdigest()


def remove_stamp(out_dir: Path) -> None:
    """Forget what `out_dir` was built from (a build is about to change it)."""
    (out_dir / STAMP_FILE).unlink(missing_ok=True)


def write_stamp(out_dir: Path, digest: str, files: dict[str, bytes] | dict[str, str]) -> bool:
    """Record `digest` and the SHA-256 of `CHECKED_FILES` (their bytes in `files`, as just
    written into `out_dir`, or their hex SHA-256 already computed); False (no stamp) unless
    every one of them is there."""
    if any(name not in files for name in CHECKED_FILES):
        return False
    stamp = {
        "inputs": digest,
        "files": {name: _hex_sha256(files[name]) for name in CHECKED_FILES},
    }
    text = json.dumps(stamp, indent=2, sort_keys=True) + "\n"
    write_atomically(out_dir / STAMP_FILE, text.encode("ascii"))
    return True


def _hex_sha256(content: bytes | str) -> str:
    return content if isinstance(content, str) else hashlib.sha256(content).hexdigest()


def read_if_current(out_dir: Path, inputs: Inputs) -> dict[str, bytes] | None:
    """The bytes of `CHECKED_FILES` in `out_dir` when its stamp says it was built from exactly
    `inputs` as they are now and the files are the ones the build wrote; None otherwise."""
    try:
        stamp = json.loads((out_dir / STAMP_FILE).read_text(encoding="ascii"))
        recorded = {name: str(stamp["files"][name]) for name in CHECKED_FILES}
        expected = str(stamp["inputs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if expected != inputs_digest(inputs):
        return None
    found: dict[str, bytes] = {}
    for name in CHECKED_FILES:
        try:
            content = (out_dir / name).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(content).hexdigest() != recorded[name]:
            return None
        found[name] = content
    return found
